/**
 * What ArduCopter 4.7.0-dev returns for representative mission, fence and rally items, as literal
 * values: read from ArduPilot's source (AP_Mission.cpp mavlink_int_to_mission_cmd /
 * mission_cmd_to_mavlink_int, MissionItemProtocol_Fence.cpp, MissionItemProtocol_Rally.cpp) and
 * observed on a real ArduCopter SITL built from it. The unit test holds the emulator's storage table
 * and the client's read-back table to these values; the SITL test holds ArduPilot itself to them.
 */
import type { MissionItem, MissionType } from '../../src/missions/types.js';

const f = Math.fround;

/** A position 100 m north, 50 m east of Xining (1e-7 degrees). */
export const AT = { x: 366179983, y: 1017787596 };
export const HOME_ITEM: MissionItem = {
  seq: 0,
  frame: 0,
  command: 16,
  current: 0,
  autocontinue: 1,
  param1: 0,
  param2: 0,
  param3: 0,
  param4: 0,
  x: 366171000,
  y: 1017782000,
  z: 2260,
  missionType: 0,
};

export interface StorageCase {
  what: string;
  type: MissionType;
  sent: MissionItem;
  /** The item as downloaded (MISSION_ITEM_INT), or the MISSION_ACK result it is refused with. */
  back: { frame: number; params: [number, number, number, number]; x: number; y: number; z: number } | { refused: number };
  /** Emitted by medidrop's planner (the rest: accepted by the emulator, or edge cases). */
  emitted?: boolean;
}

function sent(
  type: MissionType,
  command: number,
  frame: number,
  params: [number, number, number, number],
  pos: { x: number; y: number } | null,
  z: number,
): MissionItem {
  return {
    seq: 1,
    frame,
    command,
    current: 0,
    autocontinue: 1,
    param1: params[0],
    param2: params[1],
    param3: params[2],
    param4: params[3],
    x: pos?.x ?? 0,
    y: pos?.y ?? 0,
    z,
    missionType: type,
  };
}

const m = (
  what: string,
  command: number,
  frame: number,
  params: [number, number, number, number],
  pos: { x: number; y: number } | null,
  z: number,
  back: StorageCase['back'],
  emitted = false,
): StorageCase => ({
  what,
  type: 0,
  sent: sent(0, command, frame, params, pos, z),
  back,
  ...(emitted ? { emitted } : {}),
});
const kept = (frame: number, params: [number, number, number, number], z: number) => ({ frame, params, ...AT, z });
const noPos = (params: [number, number, number, number], extra: Partial<{ x: number; y: number; z: number }> = {}) => ({
  frame: 0,
  params,
  x: 0,
  y: 0,
  z: 0,
  ...extra,
});

/** Mission items that are stored: sent → read back. */
export const MISSION_CASES: StorageCase[] = [
  // medidrop's own items (src/missions/build.ts)
  m('NAV_WAYPOINT at cruise altitude', 16, 6, [0, 0, 0, 0], AT, 30, kept(3, [0, 0, 0, 0], 30), true),
  m('NAV_WAYPOINT, altitude kept in truncated cm (20.3 → 2029 cm)', 16, 6, [0, 0, 0, 0], AT, 20.3, kept(3, [0, 0, 0, 0], 20.28999900817871), true),
  m('NAV_TAKEOFF keeps its position', 22, 6, [0, 0, 0, 0], AT, 30, kept(3, [0, 0, 0, 0], 30), true),
  m('NAV_LAND: param4 0 comes back as yaw flag 1', 21, 6, [0, 0, 0, 0], AT, 0, kept(3, [0, 0, 0, 1], 0), true),
  m('NAV_PAYLOAD_PLACE whole metres', 94, 6, [20, 0, 0, 0], AT, 15, kept(3, [20, 0, 0, 0], 15), true),
  m('NAV_LOITER_TIME while the winch works', 19, 6, [45, 0, 0, 0], AT, 20, kept(3, [45, 0, 1, 0], 20), true),
  m('DO_CHANGE_SPEED ground speed, throttle unchanged', 178, 2, [1, 7.3, -1, 0], null, 0, noPos([1, f(7.3), -1, 0]), true),
  m('DO_GRIPPER release', 211, 2, [1, 0, 0, 0], null, 0, noPos([1, 0, 0, 0]), true),
  m('DO_WINCH lower', 42600, 2, [1, 1, 12.34, 0.5], null, 0, noPos([1, 1, f(12.34), 0.5]), true),
  m('DO_WINCH wind in', 42600, 2, [1, 1, -12.34, 0.5], null, 0, noPos([1, 1, f(-12.34), 0.5]), true),
  // what AP_Mission drops, truncates, rescales and rewrites
  m('NAV_WAYPOINT: hold time uint16, radius/pass-by/yaw dropped (Copter)', 16, 6, [2.7, 3.3, 4.4, 45], AT, 20.3, kept(3, [2, 0, 0, 0], 20.28999900817871)),
  m('NAV_WAYPOINT: param1 -1 wraps in the uint16 (SITL)', 16, 6, [-1, 0, 0, NaN], AT, 20.29, kept(3, [65535, 0, 0, 0], 20.28999900817871)),
  m('NAV_WAYPOINT: param1 70000 wraps in the uint16', 16, 6, [70000, 0, 0, 0], AT, 0.015, kept(3, [4464, 0, 0, 0], 0.009999999776482582)),
  m('frame GLOBAL stays 0, altitude to the cm', 16, 0, [0, 0, 0, 0], AT, -5.5, kept(0, [0, 0, 0, 0], -5.5)),
  m('frame GLOBAL_INT → 0', 16, 5, [0, 0, 0, 0], AT, 1234.567, kept(0, [0, 0, 0, 0], 1234.5599365234375)),
  m('frame MISSION → 0 (absolute)', 16, 2, [0, 0, 0, 0], AT, 12.34, kept(0, [0, 0, 0, 0], f(12.34))),
  m('frame GLOBAL_RELATIVE_ALT stays 3', 16, 3, [0, 0, 0, 0], AT, 12.34, kept(3, [0, 0, 0, 0], f(12.34))),
  m('frame GLOBAL_TERRAIN_ALT stays 10', 16, 10, [0, 0, 0, 0], AT, 12.34, kept(10, [0, 0, 0, 0], f(12.34))),
  m('frame GLOBAL_TERRAIN_ALT_INT → 10', 16, 11, [0, 0, 0, 0], AT, 12.34, kept(10, [0, 0, 0, 0], f(12.34))),
  m('NAV_TAKEOFF: min pitch uint16, rest dropped, 30.005 m → 30', 22, 6, [5.5, 1, 2, 3], AT, 30.005, kept(3, [5, 0, 0, 0], 30)),
  m('NAV_TAKEOFF: param4 NaN allowed', 22, 6, [0, 0, 0, NaN], AT, 30, kept(3, [0, 0, 0, 0], 30)),
  m('NAV_RETURN_TO_LAUNCH keeps nothing, no position', 20, 6, [1, 2, 3, 4], AT, 15, noPos([0, 0, 0, 0])),
  m('NAV_LAND: abort alt uint16, param2/3 dropped', 21, 6, [7.9, 1, 2, 0], AT, 0, kept(3, [7, 0, 0, 1], 0)),
  m('NAV_LAND: param4 -0.5 → -1', 21, 6, [0, 0, 0, -0.5], AT, 0, kept(3, [0, 0, 0, -1], 0)),
  m('NAV_LAND: param4 NaN → 1', 21, 6, [0, 0, 0, NaN], AT, 0, kept(3, [0, 0, 0, 1], 0)),
  m('NAV_LAND: param4 -1e-9 (> -FLT_EPSILON) → 1', 21, 6, [0, 0, 0, -1e-9], AT, 0, kept(3, [0, 0, 0, 1], 0)),
  m('NAV_LAND: param4 5 → 1', 21, 6, [0, 0, 0, 5], AT, 0, kept(3, [0, 0, 0, 1], 0)),
  m('NAV_LOITER_TIME: time uint16, direction 0 → 1', 19, 6, [12.9, 1, 0, 0], AT, 25, kept(3, [12, 0, 1, 0], 25)),
  m('NAV_LOITER_TIME: direction -2 → -1, xtrack 1.5 → 1', 19, 6, [12, 0, -2, 1.5], AT, 25, kept(3, [12, 0, -1, 1], 25)),
  m('NAV_LOITER_TIME: direction 3 → 1, xtrack 0.5 → 1', 19, 6, [12, 0, 3, 0.5], AT, 25, kept(3, [12, 0, 1, 1], 25)),
  m('NAV_PAYLOAD_PLACE: 16.22 m → 1621 cm → 16.21', 94, 6, [16.22, 1, 2, 3], AT, 15, kept(3, [f(16.21), 0, 0, 0], 15)),
  m('NAV_PAYLOAD_PLACE: 0.07 m → 7 cm', 94, 6, [0.07, 0, 0, 0], AT, 15, kept(3, [f(0.07), 0, 0, 0], 15)),
  m('NAV_PAYLOAD_PLACE: 700 m → 70000 cm wraps to 4464', 94, 6, [700, 0, 0, 0], AT, 15, kept(3, [f(44.64), 0, 0, 0], 15)),
  m('DO_CHANGE_SPEED: speed type uint8, no position', 178, 2, [1.9, 12.34, 55.5, 5], { x: 5, y: 6 }, 7, noPos([1, f(12.34), 55.5, 0])),
  m('DO_CHANGE_SPEED: speed type 300 wraps to 44', 178, 6, [300, -2, 0, 0], null, 0, noPos([44, -2, 0, 0])),
  m('DO_GRIPPER: uint8 number and action, param3/4 dropped', 211, 2, [2.7, 1.2, 3, 4], null, 0, noPos([2, 1, 0, 0])),
  m('DO_GRIPPER: -1 → 255, 256 → 0', 211, 2, [-1, 256, 0, 0], null, 0, noPos([255, 0, 0, 0])),
  m('DO_WINCH: number/action uint8, length/rate float, no position', 42600, 2, [1.5, 2.9, 0.1, 0.3], { x: 1, y: 2 }, 3, noPos([1, 2, f(0.1), f(0.3)])),
  m('NAV_DELAY: float seconds, int8 clock', 93, 2, [30.5, -1, -1, -1], null, 0, noPos([30.5, -1, -1, -1])),
  m('CONDITION_DELAY: float seconds only', 112, 2, [7.5, 1, 2, 3], null, 0, noPos([7.5, 0, 0, 0])),
  m('DO_SET_SERVO: uint8 channel, uint16 PWM', 183, 2, [8, 1100.7, 1, 1], null, 0, noPos([8, 1100, 0, 0])),
  m('NAV_LOITER_UNLIM: |radius| uint16 with direction', 17, 6, [1, 2, -50.7, 4], AT, 20, kept(3, [0, 0, -50, 0], 20)),
  m('NAV_LOITER_TURNS: half a turn ×256, radius > 255 m /10', 18, 6, [0.5, 2, 300, 1], AT, 20, kept(3, [0.5, 0, 300, 1], 20)),
  m('NAV_LOITER_TURNS: 3.7 turns → 3, -20.5 m → -20', 18, 6, [3.7, 0, -20.5, 0], AT, 20, kept(3, [3, 0, -20, 0], 20)),
  m('NAV_CONTINUE_AND_CHANGE_ALT: param1 only', 30, 6, [1, 2, 3, 4], AT, 20, kept(3, [1, 0, 0, 0], 20)),
  m('NAV_LOITER_TO_ALT: radius in param2, xtrack', 31, 6, [1, -40.5, 3, 1], AT, 20, kept(3, [0, -40, 0, 1], 20)),
  m('NAV_SPLINE_WAYPOINT: delay uint16', 82, 6, [3.5, 2, 3, 4], AT, 20, kept(3, [3, 0, 0, 0], 20)),
  m('NAV_GUIDED_ENABLE: param1 only', 92, 6, [1, 2, 3, 4], AT, 20, kept(3, [1, 0, 0, 0], 20)),
  m('CONDITION_DISTANCE: float metres', 114, 2, [12.5, 1, 0, 0], null, 0, noPos([12.5, 0, 0, 0])),
  m('CONDITION_YAW: float angle/rate, int8 direction, uint8 relative', 115, 2, [90.5, 20.5, -1, 1], null, 0, noPos([90.5, 20.5, -1, 1])),
  m('DO_SET_HOME: param1 uint16 + position', 179, 6, [1, 2, 3, 4], AT, 20, kept(3, [1, 0, 0, 0], 20)),
  m('DO_SET_RELAY: uint8 × 2', 181, 2, [1, 1, 0, 0], null, 0, noPos([1, 1, 0, 0])),
  m('DO_REPEAT_RELAY: uint8, int16, float', 182, 2, [1, 3, 2.5, 0], null, 0, noPos([1, 3, 2.5, 0])),
  m('DO_REPEAT_SERVO: uint8, uint16, int16, float', 184, 2, [8, 1500, 3, 2.5], null, 0, noPos([8, 1500, 3, 2.5])),
  m('DO_LAND_START: position only', 189, 6, [1, 2, 3, 4], AT, 20, kept(3, [0, 0, 0, 0], 20)),
  m('DO_SET_ROI_LOCATION: gimbal id + position', 195, 6, [0, 2, 3, 4], AT, 20, kept(3, [0, 0, 0, 0], 20)),
  m('DO_SET_ROI_NONE: gimbal id, no position', 197, 2, [0, 1, 0, 0], null, 0, noPos([0, 0, 0, 0])),
  m('DO_SET_ROI: mode + position', 201, 6, [3, 2, 3, 4], AT, 20, kept(3, [3, 0, 0, 0], 20)),
  m('DO_DIGICAM_CONTROL: bytes, x/y kept as uint8, z dropped', 203, 2, [1, 2, -1, 1], { x: 1, y: 3 }, 5, noPos([1, 2, -1, 1], { x: 1, y: 3 })),
  m('DO_MOUNT_CONTROL: floats, z reads back 2', 205, 2, [10, 20, 30, 4], null, 2, noPos([10, 20, 30, 0], { z: 2 })),
  m('DO_FENCE_ENABLE: param1 only', 207, 2, [1, 2, 3, 4], null, 0, noPos([1, 0, 0, 0])),
  m('DO_PARACHUTE: param1 only', 208, 2, [2, 2, 3, 4], null, 0, noPos([2, 0, 0, 0])),
  m('DO_JUMP: uint16 target, int16 repeat', 177, 2, [1, 3, 3, 4], null, 0, noPos([1, 3, 0, 0])),
];

/** Mission items ArduCopter refuses (MAV_MISSION_RESULT), each uploaded after the home item. */
export const MISSION_REFUSALS: StorageCase[] = [
  m('CONDITION_CHANGE_ALT: no case in mavlink_int_to_mission_cmd', 113, 2, [1, 0, 0, 0], null, 0, { refused: 3 }),
  m('DO_SET_MODE: not a mission command', 176, 2, [1, 0, 0, 0], null, 0, { refused: 3 }),
  m('command 0 (reserved)', 0, 2, [0, 0, 0, 0], null, 0, { refused: 5 }),
  m('command 1 (reserved)', 1, 2, [0, 0, 0, 0], null, 0, { refused: 5 }),
  m('unknown command 31000', 31000, 2, [0, 0, 0, 0], null, 0, { refused: 3 }),
  m('params are checked before the command', 31000, 2, [NaN, 0, 0, 0], null, 0, { refused: 6 }),
  m('NAV_WAYPOINT param1 NaN', 16, 6, [NaN, 0, 0, 0], AT, 10, { refused: 6 }),
  m('NAV_LAND param4 infinite', 21, 6, [0, 0, 0, Infinity], AT, 0, { refused: 9 }),
  m('DO_CHANGE_SPEED param2 NaN', 178, 2, [1, NaN, 0, 0], null, 0, { refused: 7 }),
  m('DO_CHANGE_SPEED param4 NaN (only some NAV commands allow it)', 178, 2, [1, 5, 0, NaN], null, 0, { refused: 9 }),
  m('latitude 95°', 16, 6, [0, 0, 0, 0], { x: 950000000, y: AT.y }, 10, { refused: 10 }),
  m('longitude 190°', 16, 6, [0, 0, 0, 0], { x: AT.x, y: 1900000000 }, 10, { refused: 11 }),
  m('altitude 83 km', 16, 6, [0, 0, 0, 0], AT, 83000, { refused: 12 }),
  m('altitude NaN', 16, 6, [0, 0, 0, 0], AT, NaN, { refused: 12 }),
  m('frame LOCAL_NED', 16, 1, [0, 0, 0, 0], AT, 10, { refused: 2 }),
  m('frame LOCAL_ENU', 16, 4, [0, 0, 0, 0], AT, 10, { refused: 2 }),
  m('frame GLOBAL_RELATIVE_ALT body', 16, 7, [0, 0, 0, 0], AT, 10, { refused: 2 }),
  m('DO_JUMP to item 0', 177, 2, [0, 1, 0, 0], null, 0, { refused: 1 }),
  m('DO_JUMP past the end', 177, 2, [5, 1, 0, 0], null, 0, { refused: 1 }),
  m('NAV_RETURN_TO_LAUNCH does not check a position it does not keep', 20, 6, [0, 0, 0, 0], { x: 950000000, y: 0 }, 0, noPos([0, 0, 0, 0])),
];

const fence = (
  what: string,
  command: number,
  frame: number,
  p1: number,
  extra: Partial<MissionItem>,
  back: StorageCase['back'],
  emitted = false,
): StorageCase => ({
  what,
  type: 1,
  sent: { ...sent(1, command, frame, [p1, 0, 0, 0], AT, 0), seq: 0, ...extra },
  back,
  ...(emitted ? { emitted } : {}),
});
const fenceBack = (p1: number) => ({ frame: 0, params: [p1, 0, 0, 0] as [number, number, number, number], ...AT, z: 0 });

/** Single fence items (a circle or return point is a complete fence; polygons go in as triangles). */
export const FENCE_CASES: StorageCase[] = [
  fence('inclusion circle: radius float, frame 0, no altitude', 5003, 5, 50.123, { param2: 9, z: 7 }, fenceBack(f(50.123)), true),
  fence('exclusion circle', 5004, 5, 10.5, {}, fenceBack(10.5), true),
  fence('return point keeps neither param1 nor altitude', 5000, 5, 5, { z: 30, param2: 2 }, fenceBack(0), true),
  fence('frame GLOBAL_RELATIVE_ALT_INT accepted', 5003, 6, 50, {}, fenceBack(50)),
  fence('frame GLOBAL_TERRAIN_ALT_INT accepted', 5003, 11, 50, {}, fenceBack(50)),
  fence('frame MISSION refused', 5003, 2, 50, {}, { refused: 2 }),
  fence('the frame is checked before the command', 16, 1, 50, {}, { refused: 2 }),
  fence('a mission command', 16, 5, 50, {}, { refused: 3 }),
  fence('vertex count over 255', 5001, 5, 256, {}, { refused: 6 }),
];

/** Polygon vertices, uploaded as one triangle: the count is a uint8 (3.7 → 3). */
export const FENCE_TRIANGLE: { sent: MissionItem[]; back: number[] } = {
  sent: [3.7, 3.2, 3].map((p1, i) => ({
    ...sent(1, 5001, 5, [p1, i === 0 ? 1 : 0, 0, 0], { x: AT.x + i * 900, y: AT.y + (i % 2) * 1100 }, i === 0 ? 5 : 0),
    seq: i,
  })),
  back: [3, 3, 3],
};

/** Whole-fence refusals (MAV_MISSION_ERROR) and their STATUSTEXTs (AC_PolyFence_loader::validate_fence). */
export const FENCE_REFUSALS: { what: string; items: MissionItem[]; texts: string[] }[] = (() => {
  const v = (seq: number, command: number, p1: number, extra: Partial<MissionItem> = {}): MissionItem => ({
    ...sent(1, command, 5, [p1, 0, 0, 0], { x: AT.x + seq * 900, y: AT.y + (seq % 2) * 1100 }, 0),
    seq,
    ...extra,
  });
  return [
    {
      what: 'a bad latitude is found only when the fence is validated',
      items: [v(0, 5003, 50, { x: 950000000 })],
      texts: ['Bad lat or lon', 'Fence validation failed'],
    },
    { what: 'a circle of radius 0', items: [v(0, 5003, 0)], texts: ['Non-positive circle radius', 'Fence validation failed'] },
    { what: 'a 2-vertex polygon', items: [v(0, 5001, 2), v(1, 5001, 2)], texts: ['Invalid vertex count (2)', 'Fence validation failed'] },
    {
      what: 'a polygon whose vertices disagree on the count',
      items: [v(0, 5001, 4), v(1, 5001, 4), v(2, 5001, 3), v(3, 5001, 3)],
      texts: ['Unexpected vertex count want=4 got=3', 'Fence validation failed'],
    },
    { what: 'a polygon cut short', items: [v(0, 5001, 4), v(1, 5001, 4), v(2, 5001, 4)], texts: ['Incorrect item count', 'Fence validation failed'] },
    { what: 'two return points', items: [v(0, 5000, 0), v(1, 5000, 0)], texts: ['Multiple return points', 'Fence validation failed'] },
  ];
})();

const rally = (what: string, frame: number, z: number, extra: Partial<MissionItem>, back: StorageCase['back'], emitted = false): StorageCase => ({
  what,
  type: 2,
  sent: { ...sent(2, 5100, frame, [0, 0, 0, 0], AT, z), seq: 0, ...extra },
  back,
  ...(emitted ? { emitted } : {}),
});
const rallyBack = (frame: number, z: number) => ({ frame, params: [0, 0, 0, 0] as [number, number, number, number], ...AT, z });

export const RALLY_CASES: StorageCase[] = [
  rally('above home, whole metres (truncated), params dropped', 6, 30.7, { param1: 1, param2: 2, param3: 3, param4: 4 }, rallyBack(3, 30), true),
  rally('negative altitude truncates toward zero', 6, -3.7, {}, rallyBack(3, -3)),
  rally('GLOBAL: absolute', 0, 2290.9, {}, rallyBack(0, 2290)),
  rally('GLOBAL_INT → 0', 5, 30, {}, rallyBack(0, 30)),
  rally('GLOBAL_RELATIVE_ALT stays 3', 3, 30, {}, rallyBack(3, 30)),
  rally('GLOBAL_TERRAIN_ALT stays 10', 10, 30, {}, rallyBack(10, 30)),
  rally('GLOBAL_TERRAIN_ALT_INT → 10', 11, 30, {}, rallyBack(10, 30)),
  rally('frame MISSION refused', 2, 30, {}, { refused: 2 }),
  rally('altitude beyond int16', 6, 40000, {}, { refused: 12 }),
  rally('latitude 95°', 6, 30, { x: 950000000 }, { refused: 10 }),
  rally('longitude 190°', 6, 30, { y: 1900000000 }, { refused: 11 }),
  rally('a mission command', 6, 30, { command: 16 }, { refused: 3 }),
];

/** Legacy MISSION_ITEM (float degrees): lat/lon × 1.0e7f in float32, truncated. */
export const LEGACY_WAYPOINT = { lat: 36.6171234, lon: 101.7782345, x: 366171232, y: 1017782336 };
