/**
 * Compare what was uploaded with what the vehicle returns. A field matches when it reads back as
 * sent or as ArduPilot stores it (ap-mission-normalise.ts: params dropped to 0, truncated to
 * integers or centimetres, NAV_LAND's param4 as a ±1 yaw flag, frames 5/6/11 as 0/3/10, RTL and DO
 * commands without a position, rally altitudes in whole metres, …); anything else is a mismatch.
 * - mission item 0 is home and replaced by the vehicle: not compared;
 * - commands the table does not know are compared with tolerances (params as float32 or small
 *   integers, altitude to 2 cm, rally altitude to 1 m, plain frames for their _INT variants);
 * - `current` and `autocontinue` are the vehicle's business: not compared.
 * Pure; returns the differences in words.
 */
import type { MissionItem, MissionType } from '../missions/types.js';
import { apReadings, readBackFrame, type Readings } from './ap-mission-normalise.js';

/** Frames whose x/y are a global position. */
const GLOBAL_FRAMES = new Set([0, 3, 5, 6, 10, 11]);

/** The frame a located item reads back in (0 GLOBAL, 3 GLOBAL_RELATIVE_ALT, 10 GLOBAL_TERRAIN_ALT); others unchanged. */
export function normaliseFrame(frame: number): number {
  return readBackFrame(frame) ?? frame;
}

export interface CompareOptions {
  /** Tolerance on x/y in 1e-7 degrees (default 2). */
  latLonTolerance?: number;
  /**
   * Tolerance on z in metres. Default: 1 mm where ArduPilot's storage is known (it is exact to the
   * centimetre or metre it keeps), else 0.02 for missions and 1 for rally points.
   */
  altTolerance?: number;
}

function close(a: number, b: number, tol: number): boolean {
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  // ArduPilot turns unset NaN params into 0 for several commands
  if ((Number.isNaN(a) && b === 0) || (Number.isNaN(b) && a === 0)) return true;
  return Math.abs(a - b) <= tol;
}

function paramTolerance(v: number): number {
  return Math.max(0.01, Math.abs(v) * 1e-4);
}

/** float32 values decoded from the wire equal our float32 prediction; allow for a last-bit difference. */
function floatTolerance(v: number): number {
  return Number.isFinite(v) ? Math.max(1e-6, Math.abs(v) * 2 ** -22) : 0;
}

function readsAs(got: number, readings: number[], tol: (v: number) => number): boolean {
  return readings.some((r) => (Number.isNaN(r) ? Number.isNaN(got) : Math.abs(got - r) <= tol(r)));
}

/** Differences between sent and read-back items, [] when they match. */
export function compareItems(type: MissionType, sent: MissionItem[], got: MissionItem[], opts: CompareOptions = {}): string[] {
  const diffs: string[] = [];
  const what = type === 0 ? 'mission' : type === 1 ? 'fence' : 'rally';
  if (sent.length !== got.length) {
    diffs.push(`${what}: vehicle holds ${got.length} items, ${sent.length} were sent`);
    return diffs;
  }
  for (let i = 0; i < sent.length; i++) {
    if (type === 0 && i === 0) continue; // home, replaced by the vehicle
    const a = sent[i]!;
    const b = got[i]!;
    const at = `${what} item ${i}`;
    if (b.seq !== i) diffs.push(`${at}: seq ${b.seq}`);
    if (a.command !== b.command) {
      diffs.push(`${at}: command ${b.command}, sent ${a.command}`);
      continue;
    }
    const readings = apReadings(type, a);
    if (readings) diffs.push(...compareKnown(at, a, b, readings, opts));
    else diffs.push(...compareLoose(type, at, a, b, opts));
  }
  return diffs;
}

/** A command whose storage is known: each field must read back as one of its readings. */
function compareKnown(at: string, a: MissionItem, b: MissionItem, readings: Readings, opts: CompareOptions): string[] {
  const diffs: string[] = [];
  if (!readings.frame.includes(b.frame)) diffs.push(`${at}: frame ${b.frame}, sent ${a.frame}`);
  for (const name of ['param1', 'param2', 'param3', 'param4'] as const) {
    if (!readsAs(b[name], readings[name], floatTolerance)) diffs.push(`${at}: ${name} ${b[name]}, sent ${a[name]}`);
  }
  const xyTol = opts.latLonTolerance ?? 2;
  if (!readsAs(b.x, readings.x, () => xyTol)) diffs.push(`${at}: x ${b.x}, sent ${a.x}`);
  if (!readsAs(b.y, readings.y, () => xyTol)) diffs.push(`${at}: y ${b.y}, sent ${a.y}`);
  const zTol = opts.altTolerance ?? 0.001;
  if (!readsAs(b.z, readings.z, (r) => Math.max(zTol, floatTolerance(r)))) diffs.push(`${at}: z ${b.z}, sent ${a.z}`);
  return diffs;
}

/** A command the table does not know (e.g. from a .plan file): compared with tolerances. */
function compareLoose(type: MissionType, at: string, a: MissionItem, b: MissionItem, opts: CompareOptions): string[] {
  const diffs: string[] = [];
  const positional = GLOBAL_FRAMES.has(a.frame) && (a.x !== 0 || a.y !== 0);
  if (type === 0 && positional && normaliseFrame(a.frame) !== normaliseFrame(b.frame)) diffs.push(`${at}: frame ${b.frame}, sent ${a.frame}`);
  for (const name of ['param1', 'param2', 'param3', 'param4'] as const) {
    if (!close(a[name], b[name], paramTolerance(a[name]))) diffs.push(`${at}: ${name} ${b[name]}, sent ${a[name]}`);
  }
  const xyTol = GLOBAL_FRAMES.has(a.frame) ? (opts.latLonTolerance ?? 2) : paramTolerance(Math.max(Math.abs(a.x), Math.abs(a.y)));
  if (!close(a.x, b.x, xyTol)) diffs.push(`${at}: x ${b.x}, sent ${a.x}`);
  if (!close(a.y, b.y, xyTol)) diffs.push(`${at}: y ${b.y}, sent ${a.y}`);
  const altTol = opts.altTolerance ?? (type === 2 ? 1 : 0.02);
  if (type !== 1 && !close(a.z, b.z, Math.max(altTol, paramTolerance(a.z)))) diffs.push(`${at}: z ${b.z}, sent ${a.z}`);
  return diffs;
}
