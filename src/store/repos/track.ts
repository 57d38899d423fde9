/** The telemetry track: down-sampled points per flight, keyed by (flight, time). */
import { num, numOrNull, type Row, type StoreConnection } from '../connection.js';
import type { StoredTrackPoint } from '../records.js';

export class TrackRepository {
  constructor(private readonly c: StoreConnection) {}

  /** One transaction per batch; a repeated timestamp replaces the earlier point. */
  append(flightId: number, points: readonly StoredTrackPoint[]): void {
    if (points.length === 0) return;
    const ins = this.c.q(
      // (an upsert rather than SQLite's INSERT OR REPLACE: the same on both engines)
      `INSERT INTO track_points (flight_id, t, lat, lon, rel_alt_m, ground_speed_ms, heading_deg, battery_pct) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (flight_id, t) DO UPDATE SET lat = excluded.lat, lon = excluded.lon, rel_alt_m = excluded.rel_alt_m,
         ground_speed_ms = excluded.ground_speed_ms, heading_deg = excluded.heading_deg, battery_pct = excluded.battery_pct`,
    );
    this.c.transaction(() => {
      for (const p of points) ins.run(flightId, Math.round(p.t), p.lat, p.lon, p.relAltM, p.groundSpeedMs, p.headingDeg, p.batteryPct);
    });
  }
  /** The flight's points in time order. */
  forFlight(flightId: number): StoredTrackPoint[] {
    return (this.c.q('SELECT * FROM track_points WHERE flight_id = ? ORDER BY t').all(flightId) as Row[]).map((r) => ({
      t: num(r.t),
      lat: num(r.lat),
      lon: num(r.lon),
      relAltM: num(r.rel_alt_m),
      groundSpeedMs: num(r.ground_speed_ms),
      headingDeg: num(r.heading_deg),
      batteryPct: numOrNull(r.battery_pct),
    }));
  }
}
