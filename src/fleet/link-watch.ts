/**
 * The link watcher: follows one vehicle on a shared MAVLink connection between flights and during
 * them, recording its last heartbeat, battery and position (the fleet's live facts; fleet-status.ts
 * turns them into a state). It never opens a link of its own: it listens on the connection the
 * flights use. ArduPilot streams nothing but HEARTBEAT unasked (GCS_MAVLink: message intervals
 * start at 0 unless SRn_ rates are set), so when the vehicle is first heard, and again when it is heard
 * after a silence (a reboot resets the intervals), it asks for telemetry at the flight runner's rate:
 * the same rate, so asking never slows the stream a running flight relies on.
 */
import type { MavlinkConnection } from '../mavlink/types.js';
import type { VehicleEvent } from '../mavlink/telemetry.js';
import type { VehicleReport } from './fleet-status.js';
import { createLogger } from '../log.js';

const log = createLogger('link-watch');

export interface LinkWatchOptions {
  /** Telemetry rate asked for, Hz (the flight runner's rate). */
  telemetryRateHz: number;
  /** Silence after which a newly heard heartbeat counts as the vehicle coming back, ms. */
  linkTimeoutMs: number;
  now?: () => number;
  /** When the service started watching (default: now); silence since then counts towards offline. */
  watchedSince?: number;
  /** Called after each fact that changes what the fleet shows (link, armed, battery %, mode; position at most every 5 s). */
  onChange?: (r: VehicleReport) => void;
}

/** Position changes are published at most this often (the fleet list, not the live map). */
const POSITION_PUBLISH_MS = 5000;
/** No battery or position message for this long while heartbeats arrive: the streams stopped (ms). */
const STREAM_STALE_MS = 3000;

export class LinkWatch {
  private readonly r: VehicleReport;
  private readonly off: () => void;
  private lastPublishedPositionAt = 0;
  private asking = false;
  /** When telemetry was last asked for (ms). */
  private askedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly conn: MavlinkConnection,
    readonly sysid: number,
    private readonly opts: LinkWatchOptions,
  ) {
    const now = opts.now ?? Date.now;
    this.r = { watchedSince: opts.watchedSince ?? now(), lastHeardAt: null, armed: false, modeName: null, battery: null, position: null };
    this.off = conn.onEvent((e) => {
      if (e.sysid === this.sysid) this.onEvent(e);
    });
  }

  report(): VehicleReport {
    return { ...this.r, battery: this.r.battery && { ...this.r.battery }, position: this.r.position && { ...this.r.position } };
  }

  private onEvent(e: VehicleEvent): void {
    const r = this.r;
    let changed = false;
    if (e.type === 'heartbeat') {
      const back = r.lastHeardAt === null || e.t - r.lastHeardAt > this.opts.linkTimeoutMs;
      changed = back || r.armed !== e.armed || r.modeName !== e.modeName;
      r.lastHeardAt = e.t;
      r.armed = e.armed;
      r.modeName = e.modeName;
      // Heard but not streaming: a reboot (a battery swap power-cycles the autopilot) resets the
      // message intervals, and ArduPilot then sends HEARTBEAT alone; a gap too short to count as
      // silence would otherwise leave the battery and position stale for good.
      const lastStream = Math.max(r.battery?.t ?? Number.NEGATIVE_INFINITY, r.position?.t ?? Number.NEGATIVE_INFINITY, this.askedAt);
      if (back || e.t - lastStream > STREAM_STALE_MS) this.askTelemetry(e.t);
    } else if (e.type === 'battery') {
      // MAVLink SYS_STATUS / BATTERY_STATUS battery_remaining: -1 means the autopilot does not know.
      const pct = e.remainingPct >= 0 && e.remainingPct <= 100 ? e.remainingPct : null;
      changed = r.battery === null || r.battery.remainingPct !== pct;
      r.battery = { t: e.t, remainingPct: pct, voltageV: Number.isFinite(e.voltageV) ? e.voltageV : (r.battery?.voltageV ?? Number.NaN) };
    } else if (e.type === 'position') {
      r.position = { t: e.t, lat: e.lat, lon: e.lon, relAltM: e.relAltM };
      if (e.t - this.lastPublishedPositionAt >= POSITION_PUBLISH_MS) {
        this.lastPublishedPositionAt = e.t;
        changed = true;
      }
    } else if (e.type === 'link') {
      changed = true;
    }
    if (changed) this.opts.onChange?.(this.report());
  }

  private askTelemetry(t: number): void {
    if (this.asking) return;
    this.askedAt = t;
    const v = this.conn.vehicles().find((x) => x.sysid === this.sysid);
    if (!v) return;
    this.asking = true;
    v.requestTelemetry(this.opts.telemetryRateHz)
      .catch((err: unknown) => log.warn({ err, sysid: this.sysid }, 'could not ask the vehicle for telemetry'))
      .finally(() => {
        this.asking = false;
      });
  }

  close(): void {
    this.off();
  }
}
