/**
 * Turn decoded MAVLink messages into the normalised VehicleEvents of src/fleet/telemetry.ts.
 * Pure functions plus a small STATUSTEXT chunk joiner.
 */
import { COPTER_MODES, type VehicleEvent } from './telemetry.js';
import { MSG, num, str, type Message } from './wire.js';

export const MAV_MODE_FLAG_SAFETY_ARMED = 0x80;
export const EKF_POS_HORIZ_ABS = 0x10;
export const EKF_CONST_POS_MODE = 0x80;

export function modeName(customMode: number): string {
  return COPTER_MODES[customMode] ?? `MODE_${customMode}`;
}

/**
 * A position a vehicle can be at: finite, lat within ±90°, lon within ±180°. A corrupt or absurd
 * GLOBAL_POSITION_INT / HOME_POSITION (e.g. int32 limits → lat 214.7°) is dropped rather than shown
 * and tracked. (0, 0) is in range and passes: what it means is the fleet layer's call.
 */
export function plausibleLatLon(lat: number, lon: number): boolean {
  return Number.isFinite(lat) && Number.isFinite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180;
}

/** One event for a message of interest (STATUSTEXT goes through StatusTextJoiner instead). */
export function toVehicleEvent(m: Message, t: number): VehicleEvent | undefined {
  const f = m.fields;
  const sysid = m.sysid;
  switch (m.msgid) {
    case MSG.HEARTBEAT: {
      const customMode = num(f, 'custom_mode');
      return {
        type: 'heartbeat',
        sysid,
        t,
        customMode,
        modeName: modeName(customMode),
        armed: (num(f, 'base_mode') & MAV_MODE_FLAG_SAFETY_ARMED) !== 0,
        systemStatus: num(f, 'system_status'),
        vehicleType: num(f, 'type'),
        autopilot: num(f, 'autopilot'),
      };
    }
    case MSG.GLOBAL_POSITION_INT: {
      const vx = num(f, 'vx') / 100;
      const vy = num(f, 'vy') / 100;
      const hdg = num(f, 'hdg');
      const headingDeg = hdg === 65535 ? (Math.atan2(vy, vx) * 180) / Math.PI + (vy < 0 ? 360 : 0) : hdg / 100;
      const lat = num(f, 'lat') / 1e7;
      const lon = num(f, 'lon') / 1e7;
      if (!plausibleLatLon(lat, lon)) return undefined;
      return {
        type: 'position',
        sysid,
        t,
        lat,
        lon,
        relAltM: num(f, 'relative_alt') / 1000,
        altAmslM: num(f, 'alt') / 1000,
        groundSpeedMs: Math.hypot(vx, vy),
        headingDeg,
      };
    }
    case MSG.SYS_STATUS: {
      const mv = num(f, 'voltage_battery');
      const ca = num(f, 'current_battery');
      return {
        type: 'battery',
        sysid,
        t,
        remainingPct: num(f, 'battery_remaining'),
        voltageV: mv === 65535 ? NaN : mv / 1000,
        currentA: ca === -1 ? NaN : ca / 100,
      };
    }
    case MSG.BATTERY_STATUS: {
      if (num(f, 'id') !== 0) return undefined;
      const cells = f['voltages'];
      let mv = 0;
      let valid = false;
      if (Array.isArray(cells)) {
        for (const c of cells as number[]) {
          if (typeof c === 'number' && c !== 65535 && c !== 0) {
            mv += c;
            valid = true;
          }
        }
      }
      const ca = num(f, 'current_battery');
      return {
        type: 'battery',
        sysid,
        t,
        remainingPct: num(f, 'battery_remaining'),
        voltageV: valid ? mv / 1000 : NaN,
        currentA: ca === -1 ? NaN : ca / 100,
      };
    }
    case MSG.GPS_RAW_INT:
      return { type: 'gps', sysid, t, fixType: num(f, 'fix_type'), satellites: num(f, 'satellites_visible') };
    case MSG.EKF_STATUS_REPORT: {
      const flags = num(f, 'flags');
      return { type: 'ekf', sysid, t, flags, positionOk: ekfPositionOk(flags) };
    }
    case MSG.HOME_POSITION: {
      const lat = num(f, 'latitude') / 1e7;
      const lon = num(f, 'longitude') / 1e7;
      if (!plausibleLatLon(lat, lon)) return undefined;
      return { type: 'home', sysid, t, lat, lon, altAmslM: num(f, 'altitude') / 1000 };
    }
    case MSG.MISSION_CURRENT:
      return { type: 'mission-current', sysid, t, seq: num(f, 'seq'), total: num(f, 'total') };
    case MSG.MISSION_ITEM_REACHED:
      return { type: 'item-reached', sysid, t, seq: num(f, 'seq') };
    case MSG.EXTENDED_SYS_STATE:
      return { type: 'landed-state', sysid, t, landedState: num(f, 'landed_state') };
    default:
      return undefined;
  }
}

export function ekfPositionOk(flags: number): boolean {
  return (flags & EKF_POS_HORIZ_ABS) !== 0 && (flags & EKF_CONST_POS_MODE) === 0;
}

const CHUNK_LEN = 50;

/**
 * Joins chunked STATUSTEXT (same non-zero `id`, `chunk_seq` 0, 1, …; a chunk shorter than 50
 * characters ends the text). Incomplete texts are flushed after `flushMs` with what arrived.
 */
export class StatusTextJoiner {
  private readonly pending = new Map<number, { severity: number; chunks: Map<number, string>; timer: NodeJS.Timeout }>();

  constructor(
    private readonly emit: (severity: number, text: string) => void,
    private readonly flushMs = 1000,
  ) {}

  push(m: Message): void {
    const f = m.fields;
    const text = str(f, 'text');
    const severity = num(f, 'severity');
    const id = num(f, 'id');
    if (id === 0) {
      this.emit(severity, text);
      return;
    }
    const seq = num(f, 'chunk_seq');
    let p = this.pending.get(id);
    if (!p) {
      if (this.pending.size >= 32) this.flushOldest();
      p = { severity, chunks: new Map(), timer: setTimeout(() => this.flush(id), this.flushMs) };
      p.timer.unref?.();
      this.pending.set(id, p);
    }
    if (!p.chunks.has(seq)) p.chunks.set(seq, text);
    // complete when the chunks 0..k are all here and chunk k is short (the last one)
    let joined = '';
    for (let i = 0; i < 256; i++) {
      const c = p.chunks.get(i);
      if (c === undefined) return;
      joined += c;
      if (c.length < CHUNK_LEN) {
        clearTimeout(p.timer);
        this.pending.delete(id);
        this.emit(p.severity, joined);
        return;
      }
    }
  }

  private flushOldest(): void {
    const first = this.pending.keys().next();
    if (!first.done) this.flush(first.value);
  }

  private flush(id: number): void {
    const p = this.pending.get(id);
    if (!p) return;
    clearTimeout(p.timer);
    this.pending.delete(id);
    const seqs = [...p.chunks.keys()].sort((a, b) => a - b);
    this.emit(p.severity, seqs.map((s) => p.chunks.get(s)).join(''));
  }

  close(): void {
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
  }
}
