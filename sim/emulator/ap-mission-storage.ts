/**
 * How ArduCopter stores mission, fence and rally items and what it gives back on download: one
 * table, one row per command, for the emulator's mission store. Derived from ArduPilot 4.7.0-dev
 * (ArduCopter build: AP_TERRAIN_AVAILABLE, AP_GRIPPER_ENABLED, AP_MISSION_NAV_PAYLOAD_PLACE_ENABLED)
 * and checked against a real ArduCopter SITL of that version (test/sitl/mission-storage-sitl.test.ts):
 *
 * - missions: libraries/AP_Mission/AP_Mission.cpp — sanity_check_params (NaN/inf params),
 *   mavlink_int_to_mission_cmd (upload → Mission_Command), stored_in_location (which commands keep
 *   x/y/z), mission_cmd_to_mavlink_int (Mission_Command → download); the Mission_Command content
 *   structs in AP_Mission.h give each field's C type. GCS_MAVLink/MissionItemProtocol_Waypoints.cpp
 *   adds the DO_JUMP target check.
 * - fence: GCS_MAVLink/MissionItemProtocol_Fence.cpp (convert_MISSION_ITEM_INT_to_AC_PolyFenceItem,
 *   get_item_as_mission_item); whole-fence checks live in mission-store.ts (AC_PolyFence_loader).
 * - rally: GCS_MAVLink/MissionItemProtocol_Rally.cpp (convert_MISSION_ITEM_INT_to_RallyLocation,
 *   get_item_as_mission_item) and AP_Rally.h RallyLocation.
 * - legacy MISSION_ITEM: AP_Mission::convert_MISSION_ITEM_to_MISSION_ITEM_INT / _INT_to_MISSION_ITEM.
 *
 * Numbers: MAVLink carries params and z as float32, so every value is float32 first. A float stored
 * into an integer field is truncated toward zero and, as on x86-64 SITL, wraps to the field's width
 * (param1 -1 into a uint16 reads back 65535, 70000 reads back 4464). Outside int32 (or NaN) SITL
 * dies of a floating-point exception (observed: waypoint param1 1e10, rally altitude NaN); the
 * emulator stores what the x86 instruction yields with the exception masked, whose low bits are 0.
 * Altitudes are int32 centimetres from z*100.0f (float, truncated: 20.3 m → 2029 cm) and come back
 * as cm*0.01f. Commands without a location come back in frame 0 with x = y = z = 0.
 *
 * Pure data and pure functions; no emulator state.
 */
import type { MissionItem } from '../../src/missions/types.js';

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

/**
 * What one param (or x/y) becomes in storage and how it comes back:
 * - `drop`: not stored, reads back 0;
 * - `f32`: a float field, reads back as sent (float32);
 * - `u8` `i8` `u16` `i16`: an integer field (truncated toward zero, wrapped to the width);
 * - `cm-u16`: metres kept as uint16 centimetres, param*100 truncated, read back as cm*0.01f
 *   (NAV_PAYLOAD_PLACE max descent: 16.22 → 1621 cm → 16.21);
 * - `yaw-dir`: NAV_LAND's yaw-direction flag (Location::loiter_ccw = is_negative(param4), i.e.
 *   ≤ -FLT_EPSILON; NaN leaves it clear): reads back -1 or 1, so a sent 0 comes back 1;
 * - `loiter-dir`: loiter_ccw = param3 < 0: reads back -1 or 1 (0 comes back 1);
 * - `xtrack`: loiter_xtrack = param4 > 0: reads back 0 or 1;
 * - `radius-ccw`: |param| as uint16 in cmd.p1 with loiter_ccw = param < 0: reads back ±(uint16);
 * - `turns`, `turns-radius`: NAV_LOITER_TURNS packs both into cmd.p1 (see loiterTurns).
 */
export type Slot = 'drop' | 'f32' | 'u8' | 'i8' | 'u16' | 'i16' | 'cm-u16' | 'yaw-dir' | 'loiter-dir' | 'xtrack' | 'radius-ccw' | 'turns' | 'turns-radius';

export interface CommandStorage {
  /** MAV_CMD */
  id: number;
  /** AP_Mission::Mission_Command::type(), as in the 'Mission: N <name>' STATUSTEXT. */
  name: string;
  /** A NAV command (AP_Mission::is_nav_cmd: id <= MAV_CMD_NAV_LAST). */
  nav: boolean;
  /** param1..param4 */
  params: readonly [Slot, Slot, Slot, Slot];
  /** AP_Mission::stored_in_location: x/y/z and the frame are checked and kept. */
  location: boolean;
  /** sanity_check_params lets param4 be NaN (any other NaN param is INVALID_PARAMn). */
  nanParam4?: boolean;
  /** A command without a location that keeps x/y anyway (DO_DIGICAM_CONTROL: uint8 fields). */
  xy?: readonly ['u8', 'u8'];
  /** A command without a location whose z reads back as a constant (DO_MOUNT_CONTROL: 2). */
  zConst?: number;
  /** Where ArduPilot keeps it (Mission_Command field / content struct). */
  storedIn: string;
}

const row = (
  id: number,
  name: string,
  params: readonly [Slot, Slot, Slot, Slot],
  location: boolean,
  storedIn: string,
  extra: Partial<Pick<CommandStorage, 'nanParam4' | 'xy' | 'zConst'>> = {},
): CommandStorage => ({ id, name, nav: id <= 95, params, location, storedIn, ...extra });

/**
 * Every command the emulator accepts into a mission, with what AP_Mission keeps of it. Anything
 * else is UNSUPPORTED in the emulator. ArduCopter also accepts commands the emulator does not fly
 * (DO_AUX_FUNCTION, DO_GUIDED_LIMITS, camera and gimbal-manager commands, DO_JUMP_TAG, …): those are
 * refused here rather than stored without effect. CONDITION_CHANGE_ALT (113) and DO_SET_MODE (176)
 * have no case in mavlink_int_to_mission_cmd: ArduCopter answers UNSUPPORTED (seen on SITL).
 */
export const AP_MISSION_COMMANDS: readonly CommandStorage[] = [
  row(16, 'WP', ['u16', 'drop', 'drop', 'drop'], true, 'cmd.p1 = delay s (Copter; Plane packs p2/p3 instead)', { nanParam4: true }),
  row(17, 'LoitUnlim', ['drop', 'drop', 'radius-ccw', 'drop'], true, 'cmd.p1 = |radius|, location.loiter_ccw', { nanParam4: true }),
  row(18, 'LoitTurns', ['turns', 'drop', 'turns-radius', 'xtrack'], true, 'cmd.p1 = turns | radius << 8, type_specific_bits, loiter_ccw, loiter_xtrack'),
  row(19, 'LoitTime', ['u16', 'drop', 'loiter-dir', 'xtrack'], true, 'cmd.p1 = time s, loiter_ccw, loiter_xtrack'),
  row(20, 'RTL', ['drop', 'drop', 'drop', 'drop'], false, 'nothing'),
  row(21, 'Land', ['u16', 'drop', 'drop', 'yaw-dir'], true, 'cmd.p1 = abort alt, location.loiter_ccw = yaw direction', { nanParam4: true }),
  row(22, 'Takeoff', ['u16', 'drop', 'drop', 'drop'], true, 'cmd.p1 = min pitch; location (lat/lon kept)', { nanParam4: true }),
  row(30, 'ContinueAndChangeAlt', ['u16', 'drop', 'drop', 'drop'], true, 'cmd.p1 = climb/descend'),
  row(31, 'LoitAltitude', ['drop', 'radius-ccw', 'drop', 'xtrack'], true, 'cmd.p1 = |radius|, loiter_ccw, loiter_xtrack'),
  row(82, 'SplineWP', ['u16', 'drop', 'drop', 'drop'], true, 'cmd.p1 = delay s'),
  row(92, 'GuidedEnable', ['u16', 'drop', 'drop', 'drop'], true, 'cmd.p1 = on/off'),
  row(93, 'Delay', ['f32', 'i8', 'i8', 'i8'], false, 'Navigation_Delay_Command {float seconds; int8 hour, min, sec}'),
  row(94, 'PayloadPlace', ['cm-u16', 'drop', 'drop', 'drop'], true, 'cmd.p1 = max descent cm (param1*100)'),
  row(112, 'CondDelay', ['f32', 'drop', 'drop', 'drop'], false, 'Conditional_Delay_Command {float seconds}'),
  row(114, 'CondDist', ['f32', 'drop', 'drop', 'drop'], false, 'Conditional_Distance_Command {float meters}'),
  row(115, 'CondYaw', ['f32', 'f32', 'i8', 'u8'], false, 'Yaw_Command {float angle, rate; int8 direction; uint8 relative}'),
  row(177, 'Jump', ['u16', 'i16', 'drop', 'drop'], false, 'Jump_Command {uint16 target; int16 num_times}'),
  row(178, 'ChangeSpeed', ['u8', 'f32', 'f32', 'drop'], false, 'Change_Speed_Command {uint8 speed_type; float target_ms, throttle_pct}'),
  row(179, 'SetHome', ['u16', 'drop', 'drop', 'drop'], true, 'cmd.p1 = use current; location'),
  row(181, 'SetRelay', ['u8', 'u8', 'drop', 'drop'], false, 'Set_Relay_Command {uint8 num, state}'),
  row(182, 'RepeatRelay', ['u8', 'i16', 'f32', 'drop'], false, 'Repeat_Relay_Command {uint8 num; int16 count; float cycle_time}'),
  row(183, 'SetServo', ['u8', 'u16', 'drop', 'drop'], false, 'Set_Servo_Command {uint8 channel; uint16 pwm}'),
  row(184, 'RepeatServo', ['u8', 'u16', 'i16', 'f32'], false, 'Repeat_Servo_Command {uint8 channel; uint16 pwm; int16 count; float cycle_time}'),
  row(189, 'LandStart', ['drop', 'drop', 'drop', 'drop'], true, 'location only'),
  row(195, 'SetROILocation', ['u16', 'drop', 'drop', 'drop'], true, 'cmd.p1 = gimbal id; location'),
  row(197, 'SetROINone', ['u16', 'drop', 'drop', 'drop'], false, 'cmd.p1 = gimbal id'),
  row(201, 'SetROI', ['u16', 'drop', 'drop', 'drop'], true, 'cmd.p1 = ROI mode; location'),
  row(
    203,
    'DigiCamCtrl',
    ['u8', 'u8', 'i8', 'u8'],
    false,
    'Digicam_Control {uint8 session, zoom_pos; int8 zoom_step; uint8 focus_lock, shooting_cmd (x), cmd_id (y)}',
    { xy: ['u8', 'u8'] },
  ),
  row(205, 'MountControl', ['f32', 'f32', 'f32', 'drop'], false, 'Mount_Control {float pitch, roll, yaw}; z reads back MAV_MOUNT_MODE_MAVLINK_TARGETING', {
    zConst: 2,
  }),
  row(207, 'FenceEnable', ['u16', 'drop', 'drop', 'drop'], false, 'cmd.p1 = action'),
  row(208, 'Parachute', ['u16', 'drop', 'drop', 'drop'], false, 'cmd.p1 = action'),
  row(211, 'Gripper', ['u8', 'u8', 'drop', 'drop'], false, 'Gripper_Command {uint8 num, action}'),
  row(42600, 'Winch', ['u8', 'u8', 'f32', 'f32'], false, 'Winch_Command {uint8 num, action; float release_length, release_rate} (16-bit id: 10 bytes)'),
];

const BY_ID = new Map<number, CommandStorage>(AP_MISSION_COMMANDS.map((c) => [c.id, c]));

export function commandStorage(command: number): CommandStorage | undefined {
  return BY_ID.get(command);
}

/** Commands whose x/y are a position (AP_Mission::stored_in_location), fence and rally included. */
const FENCE_RALLY_LOCATED = new Set<number>([5000, 5001, 5002, 5003, 5004, 5100]);
export function storedInLocation(command: number): boolean {
  return BY_ID.get(command)?.location === true || FENCE_RALLY_LOCATED.has(command);
}

const f32 = Math.fround;
const CM_TO_M = f32(0.01);

/**
 * C++ `(intN_t)double` on x86-64: truncate toward zero into int32 (cvttsd2si), keep the low N bits.
 * Outside int32 or NaN the instruction yields 0x80000000 (SITL traps that as SIGFPE).
 */
export function doubleToInt(v: number, bits: 8 | 16 | 32, signed: boolean): number {
  const t = Math.trunc(v);
  const i32 = Number.isFinite(t) && t >= -2147483648 && t <= 2147483647 ? t : -2147483648;
  const mod = 2 ** bits;
  let r = ((i32 % mod) + mod) % mod;
  if (signed && r >= mod / 2) r -= mod;
  return r;
}

/** C++ `(intN_t)float`: the value is a float32 first (a MAVLink float field). */
export function floatToInt(v: number, bits: 8 | 16 | 32, signed: boolean): number {
  return doubleToInt(f32(v), bits, signed);
}

/** An int32 into a uint8 field (well defined in C++: modulo 256). */
function int32ToU8(v: number): number {
  return ((v % 256) + 256) % 256;
}

/** AP_Math is_negative(float): x <= -FLT_EPSILON. */
function isNegative(v: number): boolean {
  return f32(v) <= -1.1920928955078125e-7;
}

/** Altitude as stored (int32 cm = z*100.0f truncated) and read back (cm*0.01f), m. */
export function altitudeReadback(z: number): number {
  return f32(floatToInt(f32(f32(z) * 100), 32, true) * CM_TO_M);
}

/** A centimetre count as AP_Mission reads it back in metres (int → float × 0.01f). */
export function centimetresToMetres(cm: number): number {
  return f32(f32(cm) * CM_TO_M);
}

/** One param through its slot (LOITER_TURNS' two slots are handled by loiterTurns). */
function slotValue(slot: Slot, v: number): number {
  switch (slot) {
    case 'drop':
      return 0;
    case 'f32':
      return f32(v);
    case 'u8':
      return floatToInt(v, 8, false);
    case 'i8':
      return floatToInt(v, 8, true);
    case 'u16':
      return floatToInt(v, 16, false);
    case 'i16':
      return floatToInt(v, 16, true);
    case 'cm-u16':
      return centimetresToMetres(floatToInt(f32(f32(v) * 100), 16, false));
    case 'yaw-dir':
      return isNegative(v) ? -1 : 1;
    case 'loiter-dir':
      return f32(v) < 0 ? -1 : 1;
    case 'xtrack':
      return f32(v) > 0 ? 1 : 0;
    case 'radius-ccw': {
      const r = floatToInt(Math.abs(f32(v)), 16, false);
      return f32(v) < 0 ? -r : r;
    }
    case 'turns':
    case 'turns-radius':
      throw new Error(`slot ${slot} is NAV_LOITER_TURNS only`);
  }
}

/**
 * NAV_LOITER_TURNS (mavlink_int_to_mission_cmd / mission_cmd_to_mavlink_int): turns 0 < N < 1 are
 * kept ×256 with type_specific bit 1, else MIN(255, N) in the low byte of cmd.p1; |radius| ≤ 255 m in
 * the high byte, larger ones /10 (max 255) with bit 0 and read back ×10; the sign is loiter_ccw.
 */
function loiterTurns(p1: number, p3: number): { param1: number; param3: number } {
  let turns = f32(p1);
  let fractional = false;
  if (turns > 0 && turns < 1) {
    turns = f32(turns * 256.0);
    fractional = true;
  }
  let packed = floatToInt(Math.min(255, turns), 16, false);
  const abs = Math.abs(f32(p3));
  let scaled = false;
  let radius: number;
  if (abs <= 255) radius = floatToInt(abs, 8, false);
  else {
    radius = doubleToInt(Math.min(255, abs * 0.1), 8, false); // abs_radius * 0.1 is a double
    scaled = true;
  }
  packed = (packed | (radius << 8)) & 0xffff;
  let param1 = packed & 0xff;
  let param3 = (packed >> 8) & 0xff;
  if (f32(p3) < 0) param3 = -param3;
  if (scaled) param3 *= 10;
  if (fractional) param1 = f32(param1 / 256.0);
  return { param1, param3 };
}

/** Frames accepted for a located mission item and the frame it reads back in. */
const MISSION_FRAMES: Record<number, number> = { 0: 0, 2: 0, 5: 0, 3: 3, 6: 3, 10: 10, 11: 10 };

function latOk(x: number): boolean {
  return Math.abs(x) <= 900_000_000;
}
function lonOk(y: number): boolean {
  return Math.abs(y) <= 1_800_000_000;
}

export type StoreResult = { ok: true; item: MissionItem } | { ok: false; result: number };

/**
 * A mission item as AP_Mission stores it, in the form it comes back on download; or the
 * MAV_MISSION_RESULT it is refused with. Checks run in ArduPilot's order: params (NaN/inf), the
 * command, latitude, longitude, altitude, frame. `count` (the MISSION_COUNT of the upload) enables
 * MissionItemProtocol_Waypoints' DO_JUMP check: target 0 or past the end → ERROR.
 */
export function storeMissionItem(raw: MissionItem, count?: number): StoreResult {
  const spec = BY_ID.get(raw.command);
  const ps = [raw.param1, raw.param2, raw.param3, raw.param4] as const;
  for (let i = 0; i < 4; i++) {
    const v = ps[i]!;
    const nanOk = i === 3 && spec?.nanParam4 === true;
    if (v === Infinity || v === -Infinity || (Number.isNaN(v) && !nanOk)) return { ok: false, result: MAV_MISSION.INVALID_PARAM1 + i };
  }
  if (raw.command === 0 || raw.command === 1) return { ok: false, result: MAV_MISSION.INVALID };
  if (!spec) return { ok: false, result: MAV_MISSION.UNSUPPORTED };
  const out: MissionItem = {
    seq: raw.seq,
    frame: 0,
    command: raw.command,
    current: 0,
    autocontinue: 1,
    param1: 0,
    param2: 0,
    param3: 0,
    param4: 0,
    x: 0,
    y: 0,
    z: 0,
    missionType: 0,
  };
  const keys = ['param1', 'param2', 'param3', 'param4'] as const;
  if (raw.command === 18) {
    const t = loiterTurns(raw.param1, raw.param3);
    out.param1 = t.param1;
    out.param3 = t.param3;
    out.param4 = slotValue('xtrack', raw.param4);
  } else {
    for (let i = 0; i < 4; i++) out[keys[i]!] = slotValue(spec.params[i]!, ps[i]!);
  }
  if (spec.xy) {
    // MISSION_ITEM_INT x/y are int32: into uint8 fields they keep their low byte
    out.x = int32ToU8(raw.x);
    out.y = int32ToU8(raw.y);
  }
  if (spec.zConst !== undefined) out.z = spec.zConst;
  if (spec.location) {
    if (!latOk(raw.x)) return { ok: false, result: MAV_MISSION.INVALID_PARAM5_X };
    if (!lonOk(raw.y)) return { ok: false, result: MAV_MISSION.INVALID_PARAM6_Y };
    if (Number.isNaN(raw.z) || Math.abs(f32(raw.z)) >= 83_000) return { ok: false, result: MAV_MISSION.INVALID_PARAM7 };
    const frame = MISSION_FRAMES[raw.frame];
    if (frame === undefined) return { ok: false, result: MAV_MISSION.UNSUPPORTED_FRAME };
    out.frame = frame;
    out.x = raw.x;
    out.y = raw.y;
    out.z = altitudeReadback(raw.z);
  }
  if (raw.command === 177 && count !== undefined && (out.param1 === 0 || out.param1 >= count)) return { ok: false, result: MAV_MISSION.ERROR };
  return { ok: true, item: out };
}

/** Frames MissionItemProtocol_Fence accepts (checked before the command). */
const FENCE_FRAMES = new Set<number>([0, 5, 3, 6, 10, 11]);

/**
 * A fence item as stored and downloaded (AC_PolyFenceItem: type, int32 lat/lon, uint8 vertex
 * count, float radius): frame 0, z 0, autocontinue 0; the return point keeps no param1 and no
 * altitude. Latitude and longitude are checked only when the whole fence is validated.
 */
export function storeFenceItem(raw: MissionItem): StoreResult {
  if (!FENCE_FRAMES.has(raw.frame)) return { ok: false, result: MAV_MISSION.UNSUPPORTED_FRAME };
  let param1: number;
  switch (raw.command) {
    case 5001:
    case 5002:
      if (f32(raw.param1) > 255) return { ok: false, result: MAV_MISSION.INVALID_PARAM1 };
      param1 = floatToInt(raw.param1, 8, false);
      break;
    case 5003:
    case 5004:
      param1 = f32(raw.param1);
      break;
    case 5000:
      param1 = 0;
      break;
    default:
      return { ok: false, result: MAV_MISSION.UNSUPPORTED };
  }
  return {
    ok: true,
    item: {
      seq: raw.seq,
      frame: 0,
      command: raw.command,
      current: 0,
      autocontinue: 0,
      param1,
      param2: 0,
      param3: 0,
      param4: 0,
      x: raw.x,
      y: raw.y,
      z: 0,
      missionType: 1,
    },
  };
}

/** Rally frames → Location::AltFrame kept in RallyLocation → the frame downloaded. */
const RALLY_FRAMES: Record<number, number> = { 0: 0, 5: 0, 3: 3, 6: 3, 10: 10, 11: 10 };

/**
 * A rally point as stored (RallyLocation: int32 lat/lon, int16 altitude in metres, truncated, and
 * its frame) and downloaded: params 0, autocontinue 0, frame 0/3/10 as uploaded.
 */
export function storeRallyItem(raw: MissionItem): StoreResult {
  if (raw.command !== 5100) return { ok: false, result: MAV_MISSION.UNSUPPORTED };
  if (!latOk(raw.x)) return { ok: false, result: MAV_MISSION.INVALID_PARAM5_X };
  if (!lonOk(raw.y)) return { ok: false, result: MAV_MISSION.INVALID_PARAM6_Y };
  const z = f32(raw.z);
  if (z < -32768 || z > 32767) return { ok: false, result: MAV_MISSION.INVALID_PARAM7 };
  const frame = RALLY_FRAMES[raw.frame];
  if (frame === undefined) return { ok: false, result: MAV_MISSION.UNSUPPORTED_FRAME };
  return {
    ok: true,
    item: {
      seq: raw.seq,
      frame,
      command: 5100,
      current: 0,
      autocontinue: 0,
      param1: 0,
      param2: 0,
      param3: 0,
      param4: 0,
      x: raw.x,
      y: raw.y,
      z: floatToInt(z, 16, true),
      missionType: 2,
    },
  };
}

/**
 * A legacy MISSION_ITEM (float degrees) as MISSION_ITEM_INT, as convert_MISSION_ITEM_to_MISSION_ITEM_INT
 * does it: for located commands |lat| ≤ 90 and |lon| ≤ 180 or INVALID_PARAM5_X / 6_Y, then
 * degrees*1.0e7f in float32 (about ±32 × 1e-7° of rounding), truncated; other commands' x/y are
 * truncated to integers. A refusal here is answered with a MISSION_ACK but does not end the upload.
 */
export function legacyItemToInt(raw: MissionItem): StoreResult {
  if (!storedInLocation(raw.command)) {
    return { ok: true, item: { ...raw, x: floatToInt(raw.x, 32, true), y: floatToInt(raw.y, 32, true) } };
  }
  if (!(Math.abs(f32(raw.x)) <= 90)) return { ok: false, result: MAV_MISSION.INVALID_PARAM5_X };
  if (!(Math.abs(f32(raw.y)) <= 180)) return { ok: false, result: MAV_MISSION.INVALID_PARAM6_Y };
  const e7 = f32(1.0e7);
  return { ok: true, item: { ...raw, x: floatToInt(f32(f32(raw.x) * e7), 32, true), y: floatToInt(f32(f32(raw.y) * e7), 32, true) } };
}

/** x/y of a stored item sent as legacy MISSION_ITEM (convert_MISSION_ITEM_INT_to_MISSION_ITEM: x*1.0e-7f). */
export function legacyXY(item: MissionItem): { x: number; y: number } {
  if (!storedInLocation(item.command)) return { x: item.x, y: item.y };
  const e = f32(1.0e-7);
  return { x: f32(f32(item.x) * e), y: f32(f32(item.y) * e) };
}
