/**
 * Compare what was uploaded with what the vehicle returns, the way ArduPilot returns it:
 * - mission item 0 is home and replaced by the vehicle: not compared;
 * - `_INT` frames come back as their plain variants (5 → 0, 6 → 3, 10 → 11), DO_/CONDITION_
 *   commands carry no position and come back with whatever frame: frame compared only for items
 *   with a position;
 * - NAV_TAKEOFF and NAV_RETURN_TO_LAUNCH come back with x = y = 0;
 * - floats are stored in reduced precision (altitude in cm, rally altitude in whole metres,
 *   params as float32 or small integers): compared with a tolerance;
 * - `current` and `autocontinue` are the vehicle's business: not compared.
 * Pure; returns the differences in words.
 */
import type { MissionItem, MissionType } from '../missions/types.js';

const MAV_CMD_NAV_RETURN_TO_LAUNCH = 20;
const MAV_CMD_NAV_TAKEOFF = 22;
/** Frames whose x/y are a global position. */
const GLOBAL_FRAMES = new Set([0, 3, 5, 6, 10, 11]);

export function normaliseFrame(frame: number): number {
  switch (frame) {
    case 5:
      return 0; // GLOBAL_INT → GLOBAL
    case 6:
      return 3; // GLOBAL_RELATIVE_ALT_INT → GLOBAL_RELATIVE_ALT
    case 10:
      return 11; // GLOBAL_TERRAIN_ALT_INT → GLOBAL_TERRAIN_ALT
    default:
      return frame;
  }
}

export interface CompareOptions {
  /** Tolerance on x/y in 1e-7 degrees (default 2). */
  latLonTolerance?: number;
  /** Tolerance on z in metres (default 0.02 for missions, 1 for rally points whose altitude is stored in whole metres). */
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

/** Differences between sent and read-back items, [] when they match. */
export function compareItems(type: MissionType, sent: MissionItem[], got: MissionItem[], opts: CompareOptions = {}): string[] {
  const diffs: string[] = [];
  const what = type === 0 ? 'mission' : type === 1 ? 'fence' : 'rally';
  if (sent.length !== got.length) {
    diffs.push(`${what}: vehicle holds ${got.length} items, ${sent.length} were sent`);
    return diffs;
  }
  const latLonTol = opts.latLonTolerance ?? 2;
  const altTol = opts.altTolerance ?? (type === 2 ? 1 : 0.02);
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
    const positional = GLOBAL_FRAMES.has(a.frame) && (a.x !== 0 || a.y !== 0);
    const zeroedXY = type === 0 && (a.command === MAV_CMD_NAV_TAKEOFF || a.command === MAV_CMD_NAV_RETURN_TO_LAUNCH) && b.x === 0 && b.y === 0;
    if (type === 0 && positional && !zeroedXY && normaliseFrame(a.frame) !== normaliseFrame(b.frame)) {
      diffs.push(`${at}: frame ${b.frame}, sent ${a.frame}`);
    }
    const ps: [string, number, number][] = [
      ['param1', a.param1, b.param1],
      ['param2', a.param2, b.param2],
      ['param3', a.param3, b.param3],
      ['param4', a.param4, b.param4],
    ];
    for (const [name, x, y] of ps) if (!close(x, y, paramTolerance(x))) diffs.push(`${at}: ${name} ${y}, sent ${x}`);
    if (!zeroedXY) {
      const xyTol = GLOBAL_FRAMES.has(a.frame) ? latLonTol : paramTolerance(Math.max(Math.abs(a.x), Math.abs(a.y)));
      if (!close(a.x, b.x, xyTol)) diffs.push(`${at}: x ${b.x}, sent ${a.x}`);
      if (!close(a.y, b.y, xyTol)) diffs.push(`${at}: y ${b.y}, sent ${a.y}`);
    }
    // fence vertices and circles carry no altitude
    if (type !== 1 && !close(a.z, b.z, Math.max(altTol, paramTolerance(a.z)))) diffs.push(`${at}: z ${b.z}, sent ${a.z}`);
  }
  return diffs;
}
