/**
 * `medidrop watch --connect URL`: one JSON line on stdout per vehicle state change (position,
 * mode, armed, battery, mission item, link), plus one line per STATUSTEXT. Stops on Ctrl-C, after
 * --count lines or --duration seconds.
 */
import { UsageError, parseCommandArgs } from './common.js';
import { CONNECT_FLAGS, CONNECT_HELP, connectFromFlags } from './connect.js';
import type { VehicleEvent } from '../mavlink/telemetry.js';
import { COPTER_MODES } from '../mavlink/telemetry.js';

const HELP = `usage: medidrop watch --connect URL [options]

Prints one JSON line per state change:
  {"type":"state","t":…,"sysid":1,"mode":"AUTO","armed":true,"lat":36.6171,"lon":101.7782,"relAltM":30.2,
   "batteryPct":87,"missionSeq":3,"missionTotal":6,"link":"up"}
  {"type":"statustext","t":…,"sysid":1,"severity":6,"text":"Mission: 3 PayloadPlace"}
Position is rounded to ~0.1 m and altitude to 0.1 m so that hovering does not flood the output.

  --rate HZ            telemetry rate to request (default 2)
  --count N            exit after N lines
  --duration S         exit after S seconds
${CONNECT_HELP}`;

export interface WatchState {
  sysid: number;
  mode: string | null;
  armed: boolean | null;
  lat: number | null;
  lon: number | null;
  relAltM: number | null;
  batteryPct: number | null;
  missionSeq: number | null;
  missionTotal: number | null;
  link: 'up' | 'down';
}

/** Fold one event into the watched state; returns the new state (same object when nothing visible changed). */
export function foldWatchState(s: WatchState, e: VehicleEvent): WatchState {
  const next = { ...s };
  switch (e.type) {
    case 'heartbeat':
      next.mode = COPTER_MODES[e.customMode] ?? e.modeName;
      next.armed = e.armed;
      break;
    case 'position':
      next.lat = Math.round(e.lat * 1e6) / 1e6;
      next.lon = Math.round(e.lon * 1e6) / 1e6;
      next.relAltM = Math.round(e.relAltM * 10) / 10;
      break;
    case 'battery':
      next.batteryPct = e.remainingPct;
      break;
    case 'mission-current':
      next.missionSeq = e.seq;
      next.missionTotal = e.total;
      break;
    case 'item-reached':
      next.missionSeq = e.seq;
      break;
    case 'link':
      next.link = e.up ? 'up' : 'down';
      break;
    default:
      return s;
  }
  return JSON.stringify(next) === JSON.stringify(s) ? s : next;
}

export async function run(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(args, { ...CONNECT_FLAGS, rate: { type: 'string' }, count: { type: 'string' }, duration: { type: 'string' } }, false);
  if (values.help) {
    process.stdout.write(HELP + '\n');
    return 0;
  }
  const rate = values.rate === undefined ? 2 : Number(values.rate);
  if (!(rate > 0 && rate <= 50)) throw new UsageError(`--rate must be a number of Hz in (0, 50], got '${values.rate}'`);
  const count = values.count === undefined ? Infinity : Number(values.count);
  if (!(Number.isInteger(count) && count > 0) && count !== Infinity) throw new UsageError(`--count must be a positive integer, got '${values.count}'`);
  const duration = values.duration === undefined ? Infinity : Number(values.duration);
  if (!(duration > 0)) throw new UsageError(`--duration must be a positive number of seconds, got '${values.duration}'`);

  const { conn, vehicle } = await connectFromFlags(values);
  let lines = 0;
  return new Promise<number>((resolve) => {
    const states = new Map<number, WatchState>();
    let finished = false;
    const stop = (code: number) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      process.off('SIGINT', onSig);
      process.off('SIGTERM', onSig);
      void conn.close().then(() => resolve(code));
    };
    const print = (obj: object) => {
      if (finished) return;
      process.stdout.write(JSON.stringify(obj) + '\n');
      if (++lines >= count) stop(0);
    };
    conn.onEvent((e) => {
      if (e.type === 'statustext') return print({ type: 'statustext', t: e.t, sysid: e.sysid, severity: e.severity, text: e.text });
      const prev = states.get(e.sysid) ?? {
        sysid: e.sysid,
        mode: null,
        armed: null,
        lat: null,
        lon: null,
        relAltM: null,
        batteryPct: null,
        missionSeq: null,
        missionTotal: null,
        link: 'up' as const,
      };
      const next = foldWatchState(prev, e);
      if (next === prev && states.has(e.sysid)) return;
      states.set(e.sysid, next);
      print({ type: 'state', t: e.t, ...next });
    });
    const onSig = () => stop(0);
    process.on('SIGINT', onSig);
    process.on('SIGTERM', onSig);
    const timer = setTimeout(() => stop(0), duration === Infinity ? 2 ** 31 - 1 : duration * 1000);
    process.stderr.write(`watching vehicle ${vehicle.sysid} on ${conn.description}\n`);
    for (const v of conn.vehicles())
      void v.requestTelemetry(rate).catch((err: unknown) => process.stderr.write(`telemetry request failed: ${(err as Error).message}\n`));
    conn.onVehicle((v) => void v.requestTelemetry(rate).catch(() => undefined));
  });
}
