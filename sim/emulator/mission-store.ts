/**
 * What ArduCopter accepts into its mission, fence and rally storage, and what it gives back on
 * download. Item by item this is the table in ap-mission-storage.ts (AP_Mission,
 * MissionItemProtocol_Fence / _Rally); this module adds the storage limits, the whole-fence checks
 * of AC_PolyFence_loader::validate_fence / write_fence, and the fence as geometry for enforcement.
 */
import type { MissionItem, MissionType } from '../../src/missions/types.js';
import { AP_MISSION_COMMANDS, commandStorage, storeFenceItem, storeMissionItem, storeRallyItem, type StoreResult } from './ap-mission-storage.js';

export { MAV_MISSION } from './ap-mission-storage.js';

export const CMD = {
  NAV_WAYPOINT: 16,
  NAV_LOITER_UNLIM: 17,
  NAV_LOITER_TURNS: 18,
  NAV_LOITER_TIME: 19,
  NAV_RETURN_TO_LAUNCH: 20,
  NAV_LAND: 21,
  NAV_TAKEOFF: 22,
  NAV_CONTINUE_AND_CHANGE_ALT: 30,
  NAV_LOITER_TO_ALT: 31,
  NAV_SPLINE_WAYPOINT: 82,
  NAV_GUIDED_ENABLE: 92,
  NAV_DELAY: 93,
  NAV_PAYLOAD_PLACE: 94,
  CONDITION_DELAY: 112,
  CONDITION_DISTANCE: 114,
  CONDITION_YAW: 115,
  DO_JUMP: 177,
  DO_CHANGE_SPEED: 178,
  DO_SET_HOME: 179,
  DO_SET_RELAY: 181,
  DO_REPEAT_RELAY: 182,
  DO_SET_SERVO: 183,
  DO_REPEAT_SERVO: 184,
  DO_LAND_START: 189,
  DO_SET_ROI_LOCATION: 195,
  DO_SET_ROI_NONE: 197,
  DO_SET_ROI: 201,
  DO_DIGICAM_CONTROL: 203,
  DO_MOUNT_CONTROL: 205,
  DO_FENCE_ENABLE: 207,
  DO_PARACHUTE: 208,
  DO_GRIPPER: 211,
  DO_WINCH: 42600,
  NAV_FENCE_RETURN_POINT: 5000,
  NAV_FENCE_POLYGON_VERTEX_INCLUSION: 5001,
  NAV_FENCE_POLYGON_VERTEX_EXCLUSION: 5002,
  NAV_FENCE_CIRCLE_INCLUSION: 5003,
  NAV_FENCE_CIRCLE_EXCLUSION: 5004,
  NAV_RALLY_POINT: 5100,
} as const;

/** AP_Mission's Mission_Command::type() names, used in 'Mission: N <name>'. */
export const COMMAND_NAMES: Record<number, string> = Object.fromEntries(AP_MISSION_COMMANDS.map((c) => [c.id, c.name]));

export function isNavCommand(command: number): boolean {
  return commandStorage(command)?.nav === true;
}

export const MAX_MISSION_ITEMS = 650;
export const MAX_FENCE_ITEMS = 70;
export const FENCE_STORAGE_BYTES = 560;
export const MAX_RALLY_POINTS = 46;

export type ConvertResult = StoreResult;

/** A mission item as ArduCopter stores it, in the form it comes back on download (frames 0/3/10). */
export function convertMissionItem(raw: MissionItem, count?: number): ConvertResult {
  return storeMissionItem(raw, count);
}

/** A fence item as stored (download form: frame 0, z 0). */
export function convertFenceItem(raw: MissionItem): ConvertResult {
  return storeFenceItem(raw);
}

/** A rally point as stored (download form: frame 0/3/10 as uploaded, whole metres). */
export function convertRallyItem(raw: MissionItem): ConvertResult {
  return storeRallyItem(raw);
}

/** `count`: the upload's MISSION_COUNT (for the DO_JUMP target check). */
export function convertItem(type: MissionType, raw: MissionItem, count?: number): ConvertResult {
  return type === 0 ? convertMissionItem(raw, count) : type === 1 ? convertFenceItem(raw) : convertRallyItem(raw);
}

/** AC_PolyFenceType, as numbered in the 'want=… got=…' messages (AC_PolyFence_loader.h). */
const FENCE_TYPE: Record<number, number> = { 5001: 98, 5002: 97, 5000: 95, 5004: 93, 5003: 92 };

export interface FenceRefusal {
  /** STATUSTEXTs in the order ArduPilot sends them (severity, text). */
  texts: { severity: number; text: string }[];
}

const SEV_WARNING = 4;
const SEV_INFO = 6;

/**
 * Whole-fence checks of AC_PolyFence_loader::write_fence, on the stored items: validate_fence walks
 * the items (a polygon's items must agree on type and vertex count, ≥ 3 vertices; circles need a
 * radius ≥ FLT_EPSILON; one return point; lat/lon in range; a polygon cut short is 'Incorrect item
 * count'), each failure followed by 'Fence validation failed'; then fence_storage_space_required
 * (4-byte header, 1 type byte per shape, 1 count byte + 8 per vertex, 12 per circle, 8 per return
 * point) against the 560 bytes. Returns the refusal, or null when the fence is written.
 */
export function validateFence(items: MissionItem[]): FenceRefusal | null {
  const fail = (text: string, severity = SEV_WARNING): FenceRefusal => ({
    texts: [
      { severity, text },
      { severity: SEV_WARNING, text: 'Fence validation failed' },
    ],
  });
  let expecting = 0;
  let expectedCount = 0;
  let origCount = 0;
  let seenReturn = false;
  for (const it of items) {
    const type = FENCE_TYPE[it.command];
    if (type === undefined) return fail('Unsupported fence item'); // cannot happen: refused item by item
    if (type === 98 || type === 97) {
      const n = it.param1;
      if (n < 3) return fail(`Invalid vertex count (${n})`);
      if (expectedCount === 0) {
        expectedCount = n;
        origCount = n;
        expecting = type;
      } else if (type !== expecting) {
        return fail(`Received incorrect vertex type (want=${expecting} got=${type})`);
      } else if (n !== origCount) {
        return fail(`Unexpected vertex count want=${origCount} got=${n}`);
      }
      expectedCount--;
    } else {
      if (expectedCount) return fail(`Received incorrect type (want=${expecting} got=${type})`);
      if (type === 95) {
        if (seenReturn) return fail('Multiple return points');
        seenReturn = true;
      } else if (!(it.param1 >= 1.1920928955078125e-7)) {
        return fail('Non-positive circle radius');
      }
    }
    if (Math.abs(it.x) > 900_000_000 || Math.abs(it.y) > 1_800_000_000) return fail('Bad lat or lon');
  }
  if (expectedCount) return fail('Incorrect item count', SEV_INFO);
  let bytes = 4;
  for (let i = 0; i < items.length; i++) {
    const it = items[i]!;
    bytes += 1;
    if (it.command === CMD.NAV_FENCE_POLYGON_VERTEX_INCLUSION || it.command === CMD.NAV_FENCE_POLYGON_VERTEX_EXCLUSION) {
      bytes += 1 + 8 * it.param1;
      i += it.param1 - 1;
    } else bytes += it.command === CMD.NAV_FENCE_RETURN_POINT ? 8 : 12;
  }
  if (bytes > FENCE_STORAGE_BYTES) return { texts: [{ severity: SEV_WARNING, text: 'Fence exceeds storage size' }] };
  return null;
}

/** The fence as geometry (lat/lon degrees) for enforcement. */
export interface FenceShapes {
  inclusionPolygons: { lat: number; lon: number }[][];
  exclusionPolygons: { lat: number; lon: number }[][];
  inclusionCircles: { lat: number; lon: number; radiusM: number }[];
  exclusionCircles: { lat: number; lon: number; radiusM: number }[];
  returnPoint?: { lat: number; lon: number };
}

export function fenceShapes(items: MissionItem[]): FenceShapes {
  const shapes: FenceShapes = { inclusionPolygons: [], exclusionPolygons: [], inclusionCircles: [], exclusionCircles: [] };
  for (let i = 0; i < items.length; ) {
    const it = items[i]!;
    const pt = { lat: it.x / 1e7, lon: it.y / 1e7 };
    if (it.command === CMD.NAV_FENCE_POLYGON_VERTEX_INCLUSION || it.command === CMD.NAV_FENCE_POLYGON_VERTEX_EXCLUSION) {
      const n = Math.max(1, Math.round(it.param1));
      const poly = items.slice(i, i + n).map((v) => ({ lat: v.x / 1e7, lon: v.y / 1e7 }));
      (it.command === CMD.NAV_FENCE_POLYGON_VERTEX_INCLUSION ? shapes.inclusionPolygons : shapes.exclusionPolygons).push(poly);
      i += n;
      continue;
    }
    if (it.command === CMD.NAV_FENCE_CIRCLE_INCLUSION) shapes.inclusionCircles.push({ ...pt, radiusM: it.param1 });
    else if (it.command === CMD.NAV_FENCE_CIRCLE_EXCLUSION) shapes.exclusionCircles.push({ ...pt, radiusM: it.param1 });
    else if (it.command === CMD.NAV_FENCE_RETURN_POINT) shapes.returnPoint = pt;
    i += 1;
  }
  return shapes;
}
