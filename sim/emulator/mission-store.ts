/**
 * What ArduCopter accepts into its mission, fence and rally storage, and what it gives back on
 * download. Validation follows AP_Mission::mavlink_int_to_mission_cmd (latitude checked before the
 * frame, unknown commands UNSUPPORTED), AC_PolyFence_loader (vertex counts, item counts, 560 bytes of
 * storage) and AP_Rally (NAV_RALLY_POINT only).
 */
import type { MissionItem, MissionType } from '../../src/missions/types.js';

/** MAV_MISSION_RESULT (spec numbering: INVALID_PARAM1..4 = 6..9, PARAM5_X 10, PARAM6_Y 11, PARAM7 12). */
export const MAV_MISSION = {
  ACCEPTED: 0,
  ERROR: 1,
  UNSUPPORTED_FRAME: 2,
  UNSUPPORTED: 3,
  NO_SPACE: 4,
  INVALID: 5,
  INVALID_PARAM1: 6,
  INVALID_PARAM2: 7,
  INVALID_PARAM3: 8,
  INVALID_PARAM4: 9,
  INVALID_PARAM5_X: 10,
  INVALID_PARAM6_Y: 11,
  INVALID_PARAM7: 12,
  INVALID_SEQUENCE: 13,
  DENIED: 14,
  OPERATION_CANCELLED: 15,
} as const;

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
  CONDITION_CHANGE_ALT: 113,
  CONDITION_DISTANCE: 114,
  CONDITION_YAW: 115,
  DO_SET_MODE: 176,
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
export const COMMAND_NAMES: Record<number, string> = {
  16: 'WP', 17: 'LoitUnlim', 18: 'LoitTurns', 19: 'LoitTime', 20: 'RTL', 21: 'Land', 22: 'Takeoff',
  30: 'ContAndChngAlt', 31: 'LoitAltitude', 82: 'SplineWP', 92: 'GuidedEnable', 93: 'Delay', 94: 'PayloadPlace',
  112: 'CondDelay', 113: 'CondChangeAlt', 114: 'CondDist', 115: 'CondYaw', 176: 'SetMode', 177: 'Jump',
  178: 'ChangeSpeed', 179: 'SetHome', 181: 'SetRelay', 182: 'RepeatRelay', 183: 'SetServo', 184: 'RepeatServo',
  189: 'LandStart', 195: 'SetROI', 197: 'ROINone', 201: 'ROI', 203: 'DigiCamCtrl', 205: 'MountControl',
  207: 'FenceEnable', 208: 'Parachute', 211: 'Gripper', 42600: 'Winch',
};

const NAV_COMMANDS = new Set<number>([16, 17, 18, 19, 20, 21, 22, 30, 31, 82, 92, 93, 94]);
/** Commands whose item carries a location (checked lat/lon, frame). */
const LOCATION_COMMANDS = new Set<number>([16, 17, 18, 19, 21, 22, 30, 31, 82, 94, 179, 195, 201]);
const MISSION_COMMANDS = new Set<number>(Object.keys(COMMAND_NAMES).map(Number));

export function isNavCommand(command: number): boolean {
  return NAV_COMMANDS.has(command);
}

/** MAV_FRAME values ArduPilot accepts for located items, and whether the altitude is relative. */
const FRAMES: Record<number, 'abs' | 'rel' | 'terrain'> = { 0: 'abs', 2: 'abs', 5: 'abs', 3: 'rel', 6: 'rel', 10: 'terrain', 11: 'terrain' };

export const MAX_MISSION_ITEMS = 650;
export const MAX_FENCE_ITEMS = 70;
export const FENCE_STORAGE_BYTES = 560;
export const MAX_RALLY_POINTS = 46;

export type ConvertResult = { ok: true; item: MissionItem } | { ok: false; result: number };

function latOk(x: number): boolean {
  return Number.isFinite(x) && Math.abs(x) <= 900_000_000;
}
function lonOk(y: number): boolean {
  return Number.isFinite(y) && Math.abs(y) <= 1_800_000_000;
}
/** ArduPilot stores altitudes in centimetres. */
function cm(z: number): number {
  return Math.round(z * 100) / 100;
}

/** A mission item as ArduCopter stores it, in the form it comes back on download (frames 0/3/10). */
export function convertMissionItem(raw: MissionItem): ConvertResult {
  if (!MISSION_COMMANDS.has(raw.command)) return { ok: false, result: MAV_MISSION.UNSUPPORTED };
  const base: MissionItem = {
    seq: raw.seq, frame: 0, command: raw.command, current: 0, autocontinue: 1,
    param1: raw.param1, param2: raw.param2, param3: raw.param3, param4: raw.param4,
    x: 0, y: 0, z: 0, missionType: 0,
  };
  if (LOCATION_COMMANDS.has(raw.command)) {
    if (!latOk(raw.x)) return { ok: false, result: MAV_MISSION.INVALID_PARAM5_X };
    if (!lonOk(raw.y)) return { ok: false, result: MAV_MISSION.INVALID_PARAM6_Y };
    if (!Number.isFinite(raw.z) || Math.abs(raw.z) >= 83_000) return { ok: false, result: MAV_MISSION.INVALID_PARAM7 };
    const kind = FRAMES[raw.frame];
    if (!kind) return { ok: false, result: MAV_MISSION.UNSUPPORTED_FRAME };
    base.frame = kind === 'rel' ? 3 : kind === 'terrain' ? 10 : 0;
    base.x = Math.trunc(raw.x);
    base.y = Math.trunc(raw.y);
    base.z = cm(raw.z);
  }
  // What each command keeps of its parameters (the rest reads back as 0).
  switch (raw.command) {
    case CMD.NAV_TAKEOFF:
      base.x = 0; // observed: take-off comes back with x = y = 0
      base.y = 0;
      base.param1 = base.param2 = base.param3 = base.param4 = 0;
      break;
    case CMD.NAV_RETURN_TO_LAUNCH:
      base.param1 = base.param2 = base.param3 = base.param4 = 0;
      break;
    case CMD.NAV_WAYPOINT:
      base.param4 = 0;
      break;
    case CMD.NAV_PAYLOAD_PLACE:
      // AP_Mission: cmd.p1 = param1*100 (uint16 cm, truncated, float maths); read back as p1/100
      base.param1 = Math.trunc(Math.fround(Math.fround(raw.param1) * 100)) / 100;
      base.param2 = base.param3 = base.param4 = 0;
      break;
    case CMD.NAV_LAND:
      base.param1 = base.param3 = base.param4 = 0;
      break;
    case CMD.DO_CHANGE_SPEED:
      base.param4 = 0;
      break;
    case CMD.DO_GRIPPER:
      base.param3 = base.param4 = 0;
      break;
    default:
      break;
  }
  for (const p of ['param1', 'param2', 'param3', 'param4'] as const) base[p] = Math.fround(base[p]);
  return { ok: true, item: base };
}

/** A fence item as stored (download form: frame 0, z 0). */
export function convertFenceItem(raw: MissionItem): ConvertResult {
  const c = raw.command;
  if (c < CMD.NAV_FENCE_RETURN_POINT || c > CMD.NAV_FENCE_CIRCLE_EXCLUSION) return { ok: false, result: MAV_MISSION.UNSUPPORTED };
  if (!latOk(raw.x)) return { ok: false, result: MAV_MISSION.INVALID_PARAM5_X };
  if (!lonOk(raw.y)) return { ok: false, result: MAV_MISSION.INVALID_PARAM6_Y };
  const keepP1 = c !== CMD.NAV_FENCE_RETURN_POINT;
  return {
    ok: true,
    item: {
      seq: raw.seq, frame: 0, command: c, current: 0, autocontinue: 1,
      param1: keepP1 ? Math.fround(raw.param1) : 0, param2: 0, param3: 0, param4: 0,
      x: Math.trunc(raw.x), y: Math.trunc(raw.y), z: c === CMD.NAV_FENCE_RETURN_POINT ? cm(raw.z) : 0, missionType: 1,
    },
  };
}

/** A rally point as stored (download form: frame 3, altitude relative, metres). */
export function convertRallyItem(raw: MissionItem): ConvertResult {
  if (raw.command !== CMD.NAV_RALLY_POINT) return { ok: false, result: MAV_MISSION.UNSUPPORTED };
  if (!latOk(raw.x)) return { ok: false, result: MAV_MISSION.INVALID_PARAM5_X };
  if (!lonOk(raw.y)) return { ok: false, result: MAV_MISSION.INVALID_PARAM6_Y };
  if (FRAMES[raw.frame] === undefined) return { ok: false, result: MAV_MISSION.UNSUPPORTED_FRAME };
  return {
    ok: true,
    item: {
      seq: raw.seq, frame: 3, command: CMD.NAV_RALLY_POINT, current: 0, autocontinue: 1,
      param1: 0, param2: 0, param3: 0, param4: 0,
      x: Math.trunc(raw.x), y: Math.trunc(raw.y), z: Math.round(raw.z), missionType: 2,
    },
  };
}

export function convertItem(type: MissionType, raw: MissionItem): ConvertResult {
  return type === 0 ? convertMissionItem(raw) : type === 1 ? convertFenceItem(raw) : convertRallyItem(raw);
}

/**
 * Whole-fence validation as AC_PolyFence_loader::write_fence does it: polygons of ≥ 3 vertices whose
 * items agree on the count, positive circle radii, one return point, and 560 bytes of storage.
 * Returns the STATUSTEXT reason, or null when the fence is good.
 */
export function validateFence(items: MissionItem[]): string | null {
  let bytes = 4 + 1; // header + end marker
  let returnPoints = 0;
  for (let i = 0; i < items.length; ) {
    const it = items[i]!;
    switch (it.command) {
      case CMD.NAV_FENCE_POLYGON_VERTEX_INCLUSION:
      case CMD.NAV_FENCE_POLYGON_VERTEX_EXCLUSION: {
        const n = Math.round(it.param1);
        if (n < 3) return `Invalid vertex count (${n})`;
        for (let k = 0; k < n; k++) {
          const v = items[i + k];
          if (!v || v.command !== it.command || Math.round(v.param1) !== n) return 'Incorrect item count';
        }
        bytes += 2 + 8 * n;
        i += n;
        break;
      }
      case CMD.NAV_FENCE_CIRCLE_INCLUSION:
      case CMD.NAV_FENCE_CIRCLE_EXCLUSION:
        if (!(it.param1 > 0)) return 'Invalid radius';
        bytes += 1 + 8 + 4;
        i += 1;
        break;
      case CMD.NAV_FENCE_RETURN_POINT:
        returnPoints += 1;
        if (returnPoints > 1) return 'Multiple return points';
        bytes += 1 + 8;
        i += 1;
        break;
      default:
        return 'Unsupported fence item';
    }
  }
  if (bytes > FENCE_STORAGE_BYTES) return 'Fence exceeds storage size';
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
