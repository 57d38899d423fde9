/**
 * What a vehicle says during a scenario, recorded at the MAVLink level into a normalised trace, and
 * the field-by-field difference between two traces (the emulator's and ArduPilot SITL's) for the
 * differential suite (test/sitl/differential.test.ts).
 *
 * The trace keeps what must be the same on any faithful ArduCopter and drops what cannot be (timing,
 * physics noise, system ids):
 * - MISSION_ACK results sent to us, in order (`mission:ACCEPTED`), and COMMAND_ACKs (`400:ACCEPTED`),
 *   consecutive duplicates folded (a client's retry repeats them) and INVALID_SEQUENCE left out;
 * - MISSION_ITEM_REACHED seqs in order;
 * - flight modes and armed state from HEARTBEAT, consecutive duplicates folded;
 * - the delivery STATUSTEXTs (PayloadPlace / Gripper / Winch) and the fence ones, in order;
 * - where the parcel was released (latest GLOBAL_POSITION_INT at the first release text) and where the
 *   vehicle was at each disarm;
 * - items read back (mission / fence / rally), normalised to numbers compared with small tolerances;
 * - facts a scenario adds (e.g. "heartbeat back after reboot").
 * Pure apart from the recorder's subscriptions.
 */
import { common } from 'node-mavlink';
import type { MavlinkVehicle } from '../../src/mavlink/vehicle.js';
import { MSG, num, type Message } from '../../src/mavlink/wire.js';
import type { VehicleEvent } from '../../src/mavlink/telemetry.js';
import type { MissionItem, MissionType } from '../../src/missions/types.js';

export interface TracePoint {
  lat: number;
  lon: number;
  relAltM: number;
}

export type Fact = string | number | boolean | null;

export interface VehicleTrace {
  missionAcks: string[];
  /** MISSION_ACK ERRORs answering an item re-sent after its transfer had ended (not compared). */
  strayAcks: number;
  commandAcks: string[];
  reached: number[];
  modes: string[];
  armed: boolean[];
  deliveryTexts: string[];
  fenceTexts: string[];
  /** Every STATUSTEXT (not compared: shown when a scenario fails, to explain). */
  allTexts: string[];
  release: (TracePoint & { text: string }) | null;
  /** Position at every armed → disarmed edge. */
  landings: TracePoint[];
  /** Items read back, by label ('mission', 'fence', 'rally', or a scenario's own: a label starting with 'mission' has home at item 0). */
  readBack: Record<string, MissionItem[] | string>;
  facts: Record<string, Fact>;
}

export function emptyTrace(): VehicleTrace {
  return {
    missionAcks: [],
    strayAcks: 0,
    commandAcks: [],
    reached: [],
    modes: [],
    armed: [],
    deliveryTexts: [],
    fenceTexts: [],
    allTexts: [],
    release: null,
    landings: [],
    readBack: {},
    facts: {},
  };
}

const TYPE_NAMES: Record<number, string> = { 0: 'mission', 1: 'fence', 2: 'rally' };

function ackName(type: number): string {
  return (common.MavMissionResult as unknown as Record<number, string>)[type] ?? `RESULT_${type}`;
}

function resultName(result: number): string {
  return (common.MavResult as unknown as Record<number, string>)[result] ?? `RESULT_${result}`;
}

/** STATUSTEXTs of the delivery: NAV_PAYLOAD_PLACE (mode_auto.cpp), AP_Gripper, AP_Winch. */
export const DELIVERY_TEXT = /^(PayloadPlace|Gripper|Winch)\b/;
/** STATUSTEXTs of the fence (AC_Fence / ArduCopter fence.cpp). */
export const FENCE_TEXT = /fence/i;
const RELEASE_TEXT = /^(PayloadPlace: Releasing the gripper|Gripper load releas)/;

/**
 * A text as compared. The payload-place thrust threshold is a physics figure (the hover thrust of a
 * simulated airframe), so its number is masked; everything else is compared as the vehicle said it.
 */
export function normaliseText(text: string): string {
  return text.replace(/(payload release thrust threshold: )[-0-9.]+/, '$1<n>');
}

function pushFolded<T>(list: T[], v: T): void {
  if (list.length === 0 || list[list.length - 1] !== v) list.push(v);
}

export interface TraceRecorder {
  readonly trace: VehicleTrace;
  /** Latest position (GLOBAL_POSITION_INT). */
  readonly position: TracePoint | undefined;
  /** Latest MISSION_CURRENT seq. */
  readonly missionCurrent: number | undefined;
  stop(): void;
}

/** Record everything `vehicle` says from now on. `ourSysid` = the GCS sysid acks are addressed to. */
export function recordVehicle(vehicle: MavlinkVehicle, ourSysid = 255): TraceRecorder {
  const trace = emptyTrace();
  let position: TracePoint | undefined;
  let armed: boolean | undefined;
  let missionCurrent: number | undefined;
  const offEvent = vehicle.onEvent((e: VehicleEvent) => {
    switch (e.type) {
      case 'heartbeat':
        pushFolded(trace.modes, e.modeName);
        pushFolded(trace.armed, e.armed);
        if (armed === true && !e.armed && position) trace.landings.push({ ...position });
        armed = e.armed;
        break;
      case 'position':
        position = { lat: e.lat, lon: e.lon, relAltM: e.relAltM };
        break;
      case 'item-reached':
        trace.reached.push(e.seq);
        break;
      case 'mission-current':
        missionCurrent = e.seq;
        break;
      case 'statustext': {
        trace.allTexts.push(e.text);
        const text = normaliseText(e.text);
        if (DELIVERY_TEXT.test(text)) trace.deliveryTexts.push(text);
        if (FENCE_TEXT.test(text)) trace.fenceTexts.push(text);
        if (!trace.release && RELEASE_TEXT.test(text) && position) trace.release = { ...position, text };
        break;
      }
      default:
        break;
    }
  });
  // Mission types with an upload the vehicle is asking items for (it sent MISSION_REQUEST since its last ACK).
  const uploading = new Set<number>();
  const offMessage = vehicle.onMessage((m: Message) => {
    if ((m.msgid === MSG.MISSION_REQUEST || m.msgid === MSG.MISSION_REQUEST_INT) && num(m.fields, 'target_system') === ourSysid) {
      uploading.add(num(m.fields, 'mission_type'));
    } else if (m.msgid === MSG.MISSION_ACK && num(m.fields, 'target_system') === ourSysid) {
      const type = num(m.fields, 'mission_type');
      // ERROR with no upload open is ArduPilot's answer to an item that arrived after the transfer
      // ended (GCS_MAVLINK::handle_mission_item: `!prot->receiving` → MAV_MISSION_ERROR): the client
      // re-sent its last item because the final ACK came late. Timing, not the vehicle: not compared.
      if (num(m.fields, 'type') === common.MavMissionResult.ERROR && !uploading.has(type)) {
        trace.strayAcks++;
        return;
      }
      // INVALID_SEQUENCE is ArduPilot's mid-transfer answer to an item that crossed a re-request
      // (MissionItemProtocol::handle_mission_item): it depends on the client's timing, not on the
      // vehicle, and is not a transfer's result. A client's whole-transfer retry repeats the result:
      // folded like the modes.
      if (num(m.fields, 'type') === common.MavMissionResult.INVALID_SEQUENCE) return;
      uploading.delete(type);
      pushFolded(trace.missionAcks, `${TYPE_NAMES[num(m.fields, 'mission_type')] ?? num(m.fields, 'mission_type')}:${ackName(num(m.fields, 'type'))}`);
    } else if (m.msgid === MSG.COMMAND_ACK && num(m.fields, 'target_system') === ourSysid) {
      pushFolded(trace.commandAcks, `${num(m.fields, 'command')}:${resultName(num(m.fields, 'result'))}`);
    }
  });
  return {
    trace,
    get position() {
      return position;
    },
    get missionCurrent() {
      return missionCurrent;
    },
    stop() {
      offEvent();
      offMessage();
    },
  };
}

/** Read mission, fence and rally back into the trace (an error is recorded as its message). */
export async function recordReadBack(vehicle: Pick<MavlinkVehicle, 'downloadItems'>, trace: VehicleTrace, types: MissionType[] = [0, 1, 2]): Promise<void> {
  for (const type of types) {
    const r = await vehicle.downloadItems(type);
    trace.readBack[TYPE_NAMES[type]!] = r.ok ? r.value : `error ${r.error}: ${r.message}`;
  }
}

// ---- diff ---------------------------------------------------------------------------------------

export interface DiffOptions {
  /**
   * Mission item 0 is home, set by each vehicle from its own position at boot and again at arming: its
   * lat/lon may differ by this much, m (default 0.5), its altitude by `homeAltM` (default 1).
   */
  homeM?: number;
  homeAltM?: number;
}

const ITEM_FIELDS = ['command', 'frame', 'param1', 'param2', 'param3', 'param4', 'x', 'y', 'z'] as const;

function show(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(show).join(', ')}]`;
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

function sameNumber(a: number, b: number, tol: number): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b)) || Math.abs(a - b) <= tol;
}

/** Tolerance per field: params are float32 on both (exact up to float32), x/y integer 1e-7°, z in cm. */
function fieldTolerance(field: (typeof ITEM_FIELDS)[number], v: number): number {
  if (field === 'x' || field === 'y') return 0;
  if (field === 'z') return 0.005;
  if (field === 'command' || field === 'frame') return 0;
  return Math.abs(v) * 1e-6;
}

function diffItems(what: string, emu: MissionItem[] | string | undefined, sitl: MissionItem[] | string | undefined, opts: DiffOptions): string[] {
  if (emu === undefined && sitl === undefined) return [];
  if (typeof emu === 'string' || typeof sitl === 'string' || emu === undefined || sitl === undefined) {
    return emu === sitl
      ? []
      : [
          `${what} read back: emulator: ${emu === undefined ? 'not read' : typeof emu === 'string' ? emu : `${emu.length} items`} / SITL: ${sitl === undefined ? 'not read' : typeof sitl === 'string' ? sitl : `${sitl.length} items`}`,
        ];
  }
  const out: string[] = [];
  if (emu.length !== sitl.length) out.push(`${what} read back: emulator: ${emu.length} items / SITL: ${sitl.length} items`);
  const n = Math.min(emu.length, sitl.length);
  const mPerE7 = 0.011132;
  for (let i = 0; i < n; i++) {
    const a = emu[i]!;
    const b = sitl[i]!;
    const home = what.startsWith('mission') && i === 0;
    for (const f of ITEM_FIELDS) {
      let tol = fieldTolerance(f, a[f]);
      if (home && (f === 'x' || f === 'y')) tol = (opts.homeM ?? 0.5) / mPerE7;
      if (home && f === 'z') tol = opts.homeAltM ?? 1;
      if (!sameNumber(a[f], b[f], tol)) out.push(`${what} item ${i} ${f}: emulator: ${a[f]} / SITL: ${b[f]}`);
    }
  }
  return out;
}

function diffList(name: string, emu: readonly unknown[], sitl: readonly unknown[]): string[] {
  if (emu.length === sitl.length && emu.every((v, i) => v === sitl[i])) return [];
  const at = emu.findIndex((v, i) => v !== sitl[i]);
  const first = at < 0 ? Math.min(emu.length, sitl.length) : at;
  return [`${name} (first difference at #${first}): emulator: ${show(emu)} / SITL: ${show(sitl)}`];
}

/**
 * Every disagreement between the two traces, one line each ("field: emulator: X / SITL: Y"), [] when
 * they agree. Positions are not compared here (they need a tolerance per scenario: see distanceM).
 */
export function diffTraces(emu: VehicleTrace, sitl: VehicleTrace, opts: DiffOptions = {}): string[] {
  const out: string[] = [];
  out.push(...diffList('MISSION_ACKs', emu.missionAcks, sitl.missionAcks));
  out.push(...diffList('COMMAND_ACKs', emu.commandAcks, sitl.commandAcks));
  out.push(...diffList('MISSION_ITEM_REACHED', emu.reached, sitl.reached));
  out.push(...diffList('modes', emu.modes, sitl.modes));
  out.push(...diffList('armed', emu.armed, sitl.armed));
  out.push(...diffList('delivery texts', emu.deliveryTexts, sitl.deliveryTexts));
  out.push(...diffList('fence texts', emu.fenceTexts, sitl.fenceTexts));
  if ((emu.release === null) !== (sitl.release === null))
    out.push(`release: emulator: ${emu.release ? emu.release.text : 'none'} / SITL: ${sitl.release ? sitl.release.text : 'none'}`);
  if (emu.landings.length !== sitl.landings.length) out.push(`landings (disarms): emulator: ${emu.landings.length} / SITL: ${sitl.landings.length}`);
  for (const k of new Set([...Object.keys(emu.readBack), ...Object.keys(sitl.readBack)])) out.push(...diffItems(k, emu.readBack[k], sitl.readBack[k], opts));
  for (const k of new Set([...Object.keys(emu.facts), ...Object.keys(sitl.facts)])) {
    const a = emu.facts[k];
    const b = sitl.facts[k];
    if (a !== b) out.push(`${k}: emulator: ${show(a === undefined ? 'not recorded' : a)} / SITL: ${show(b === undefined ? 'not recorded' : b)}`);
  }
  return out;
}

/** Great-circle distance between two trace points, m (haversine). */
export function distanceM(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const R = 6_371_000;
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * R * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** A trace summary for a failure message (what each side said, beyond the diff). */
export function describeTrace(name: string, t: VehicleTrace): string {
  return [
    `${name}:`,
    `  MISSION_ACKs ${show(t.missionAcks)}`,
    `  reached ${show(t.reached)}; modes ${show(t.modes)}; armed ${show(t.armed)}`,
    `  release ${t.release ? `${t.release.lat.toFixed(7)},${t.release.lon.toFixed(7)} (${t.release.text})` : 'none'}; landings ${show(t.landings.map((p) => `${p.lat.toFixed(7)},${p.lon.toFixed(7)}`))}`,
    `  texts ${show(t.allTexts.slice(-40))}`,
  ].join('\n');
}
