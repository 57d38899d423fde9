/**
 * What ArduPilot gives back when an item is read back, command by command, so that the read-back
 * check (compare.ts) can tell ArduPilot's storage from a real mismatch. The client's own table,
 * kept apart from the emulator's (sim/emulator/ap-mission-storage.ts) so each checks the other;
 * both follow ArduPilot 4.7.0-dev (ArduCopter build) and were checked on its SITL:
 *
 * - missions: libraries/AP_Mission/AP_Mission.cpp mavlink_int_to_mission_cmd (what is kept, in which
 *   C type: the Mission_Command content structs in AP_Mission.h), mission_cmd_to_mavlink_int (what
 *   comes back), stored_in_location (which commands keep a position);
 * - fence: GCS_MAVLink/MissionItemProtocol_Fence.cpp (vertex count as uint8, radius as float, no
 *   altitude, frame 0);
 * - rally: GCS_MAVLink/MissionItemProtocol_Rally.cpp (altitude as int16 metres, frame kept as
 *   absolute / above home / above terrain).
 *
 * A float kept in an integer field is truncated toward zero; a value that does not fit wraps on
 * x86 SITL and saturates on ARM boards, so both readings are accepted. Altitudes are kept in whole
 * centimetres (z*100 truncated: 20.3 m reads back 20.29). Pure.
 */
import type { MissionItem, MissionType } from '../missions/types.js';

/**
 * How ArduPilot keeps one param: `float` (a float field), `uint8`…`int16` (an integer field),
 * `none` (not kept: reads back 0), `cm` (uint16 centimetres, NAV_PAYLOAD_PLACE's max descent),
 * `yawDir` (NAV_LAND's yaw direction: -1 when the param is ≤ -FLT_EPSILON, else 1, NaN too),
 * `loiterDir` (-1 when negative, else 1), `xtrack` (1 when positive, else 0), `ccwRadius`
 * (|value| as uint16, the sign kept), `turns` / `turnsRadius` (NAV_LOITER_TURNS' packed byte pair).
 */
export type Kept = 'float' | 'uint8' | 'int8' | 'uint16' | 'int16' | 'none' | 'cm' | 'yawDir' | 'loiterDir' | 'xtrack' | 'ccwRadius' | 'turns' | 'turnsRadius';

export interface ReadBackRule {
  params: readonly [Kept, Kept, Kept, Kept];
  /** AP_Mission::stored_in_location: x/y/z kept, frame read back as 0 (absolute), 3 (above home) or 10 (terrain). */
  position: boolean;
  /** DO_DIGICAM_CONTROL keeps x and y as uint8. */
  xyAsBytes?: boolean;
  /** DO_MOUNT_CONTROL reads back z = MAV_MOUNT_MODE_MAVLINK_TARGETING (2). */
  zReadsBack?: number;
}

const r = (p1: Kept, p2: Kept, p3: Kept, p4: Kept, position: boolean, extra: Partial<ReadBackRule> = {}): ReadBackRule => ({
  params: [p1, p2, p3, p4],
  position,
  ...extra,
});

/** Mission commands, by MAV_CMD (ArduCopter). */
export const MISSION_READBACK: Readonly<Record<number, ReadBackRule>> = {
  16: r('uint16', 'none', 'none', 'none', true), // NAV_WAYPOINT: cmd.p1 = hold time
  17: r('none', 'none', 'ccwRadius', 'none', true), // NAV_LOITER_UNLIM
  18: r('turns', 'none', 'turnsRadius', 'xtrack', true), // NAV_LOITER_TURNS
  19: r('uint16', 'none', 'loiterDir', 'xtrack', true), // NAV_LOITER_TIME
  20: r('none', 'none', 'none', 'none', false), // NAV_RETURN_TO_LAUNCH: nothing kept, not even a position
  21: r('uint16', 'none', 'none', 'yawDir', true), // NAV_LAND
  22: r('uint16', 'none', 'none', 'none', true), // NAV_TAKEOFF: position kept
  30: r('uint16', 'none', 'none', 'none', true), // NAV_CONTINUE_AND_CHANGE_ALT
  31: r('none', 'ccwRadius', 'none', 'xtrack', true), // NAV_LOITER_TO_ALT
  82: r('uint16', 'none', 'none', 'none', true), // NAV_SPLINE_WAYPOINT
  92: r('uint16', 'none', 'none', 'none', true), // NAV_GUIDED_ENABLE
  93: r('float', 'int8', 'int8', 'int8', false), // NAV_DELAY
  94: r('cm', 'none', 'none', 'none', true), // NAV_PAYLOAD_PLACE
  112: r('float', 'none', 'none', 'none', false), // CONDITION_DELAY
  114: r('float', 'none', 'none', 'none', false), // CONDITION_DISTANCE
  115: r('float', 'float', 'int8', 'uint8', false), // CONDITION_YAW
  177: r('uint16', 'int16', 'none', 'none', false), // DO_JUMP
  178: r('uint8', 'float', 'float', 'none', false), // DO_CHANGE_SPEED
  179: r('uint16', 'none', 'none', 'none', true), // DO_SET_HOME
  181: r('uint8', 'uint8', 'none', 'none', false), // DO_SET_RELAY
  182: r('uint8', 'int16', 'float', 'none', false), // DO_REPEAT_RELAY
  183: r('uint8', 'uint16', 'none', 'none', false), // DO_SET_SERVO
  184: r('uint8', 'uint16', 'int16', 'float', false), // DO_REPEAT_SERVO
  189: r('none', 'none', 'none', 'none', true), // DO_LAND_START
  195: r('uint16', 'none', 'none', 'none', true), // DO_SET_ROI_LOCATION
  197: r('uint16', 'none', 'none', 'none', false), // DO_SET_ROI_NONE
  201: r('uint16', 'none', 'none', 'none', true), // DO_SET_ROI
  203: r('uint8', 'uint8', 'int8', 'uint8', false, { xyAsBytes: true }), // DO_DIGICAM_CONTROL
  205: r('float', 'float', 'float', 'none', false, { zReadsBack: 2 }), // DO_MOUNT_CONTROL
  207: r('uint16', 'none', 'none', 'none', false), // DO_FENCE_ENABLE
  208: r('uint16', 'none', 'none', 'none', false), // DO_PARACHUTE
  211: r('uint8', 'uint8', 'none', 'none', false), // DO_GRIPPER
  42600: r('uint8', 'uint8', 'float', 'float', false), // DO_WINCH
};

/** Fence commands: polygon vertices keep their count as uint8, circles their radius as float, the return point nothing. */
export const FENCE_READBACK: Readonly<Record<number, ReadBackRule>> = {
  5000: r('none', 'none', 'none', 'none', true),
  5001: r('uint8', 'none', 'none', 'none', true),
  5002: r('uint8', 'none', 'none', 'none', true),
  5003: r('float', 'none', 'none', 'none', true),
  5004: r('float', 'none', 'none', 'none', true),
};

const single = Math.fround;
const FLT_EPSILON = 2 ** -23;

/** Truncate toward zero, then wrap into `bits` (x86: via int32) or saturate first (ARM). */
function integerReadings(v: number, bits: 8 | 16, signed: boolean): number[] {
  const t = Math.trunc(single(v));
  const wrap = (n: number): number => {
    const m = 2 ** bits;
    const u = ((n % m) + m) % m;
    return signed && u >= m / 2 ? u - m : u;
  };
  const x86 = Number.isFinite(t) && Math.abs(t) < 2 ** 31 ? wrap(t) : 0;
  const lo = signed ? -(2 ** 31) : 0;
  const hi = signed ? 2 ** 31 - 1 : 2 ** 32 - 1;
  const arm = Number.isNaN(t) ? 0 : wrap(Math.min(hi, Math.max(lo, t)));
  return x86 === arm ? [x86] : [x86, arm];
}

function loiterTurnsReadback(p1: number, p3: number): { p1: number[]; p3: number[] } {
  // turns 0 < N < 1 are kept ×256 and divided back; else min(255, N) as a byte. Radius ≤ 255 m as a
  // byte, larger ones /10 (max 255) and ×10 on the way back; the sign is the loiter direction.
  let turns = single(p1);
  const fraction = turns > 0 && turns < 1;
  if (fraction) turns = single(turns * 256);
  const turnsWord = integerReadings(Math.min(255, turns), 16, false)[0]!;
  const radius = Math.abs(single(p3));
  const big = radius > 255;
  const radiusByte = big ? Math.min(255, Math.trunc(radius * 0.1)) : Math.trunc(radius) & 0xff;
  const word = (turnsWord | (radiusByte << 8)) & 0xffff;
  let backTurns = word & 0xff;
  if (fraction) backTurns = single(backTurns / 256);
  let backRadius = (word >> 8) & 0xff;
  if (single(p3) < 0) backRadius = -backRadius;
  if (big) backRadius *= 10;
  return { p1: [backTurns], p3: [backRadius] };
}

/** The readings ArduPilot can give back for one param kept as `kept`. */
export function paramReadings(kept: Kept, v: number): number[] {
  switch (kept) {
    case 'float':
      return [single(v)];
    case 'none':
      return [0];
    case 'uint8':
      return integerReadings(v, 8, false);
    case 'int8':
      return integerReadings(v, 8, true);
    case 'uint16':
      return integerReadings(v, 16, false);
    case 'int16':
      return integerReadings(v, 16, true);
    case 'cm':
      return integerReadings(single(single(v) * 100), 16, false).map((cm) => single(single(cm) * single(0.01)));
    case 'yawDir':
      return [single(v) <= -FLT_EPSILON ? -1 : 1];
    case 'loiterDir':
      return [single(v) < 0 ? -1 : 1];
    case 'xtrack':
      return [single(v) > 0 ? 1 : 0];
    case 'ccwRadius':
      return integerReadings(Math.abs(single(v)), 16, false).map((m) => (single(v) < 0 ? -m : m));
    case 'turns':
    case 'turnsRadius':
      throw new Error(`${kept}: NAV_LOITER_TURNS reads param1 and param3 together`);
  }
}

/** An altitude kept as whole centimetres (z*100 as float, truncated) and read back in metres. */
export function altitudeReading(z: number): number {
  const cm = Math.trunc(single(single(z) * 100));
  return single(single(cm) * single(0.01));
}

/** MAV_FRAME a located item reads back in: absolute (0, 2, 5) → 0, above home (3, 6) → 3, terrain (10, 11) → 10. */
export function readBackFrame(frame: number): number | undefined {
  if (frame === 0 || frame === 2 || frame === 5) return 0;
  if (frame === 3 || frame === 6) return 3;
  if (frame === 10 || frame === 11) return 10;
  return undefined;
}

/** Every value a field may read back as: what was sent, or ArduPilot's form of it. */
export interface Readings {
  frame: number[];
  param1: number[];
  param2: number[];
  param3: number[];
  param4: number[];
  x: number[];
  y: number[];
  z: number[];
}

/**
 * The readings ArduPilot may return for `sent`, or undefined for a command this table does not
 * know (the comparison then falls back to tolerances).
 */
export function apReadings(type: MissionType, sent: MissionItem): Readings | undefined {
  const keep = (v: number, more: number[]): number[] => [single(v), ...more];
  if (type === 2) {
    if (sent.command !== 5100) return undefined;
    const frame = readBackFrame(sent.frame);
    return {
      frame: keep(sent.frame, frame === undefined || sent.frame === 2 ? [] : [frame]),
      param1: keep(sent.param1, [0]),
      param2: keep(sent.param2, [0]),
      param3: keep(sent.param3, [0]),
      param4: keep(sent.param4, [0]),
      x: [sent.x],
      y: [sent.y],
      z: keep(sent.z, integerReadings(sent.z, 16, true)),
    };
  }
  const rule = (type === 1 ? FENCE_READBACK : MISSION_READBACK)[sent.command];
  if (!rule) return undefined;
  const ps = [sent.param1, sent.param2, sent.param3, sent.param4];
  const back: number[][] =
    sent.command === 18 && type === 0
      ? (() => {
          const t = loiterTurnsReadback(sent.param1, sent.param3);
          return [t.p1, [0], t.p3, paramReadings('xtrack', sent.param4)];
        })()
      : rule.params.map((k, i) => paramReadings(k, ps[i]!));
  let frame: number[];
  let x: number[];
  let y: number[];
  let z: number[];
  if (type === 1) {
    frame = [sent.frame, 0];
    x = [sent.x];
    y = [sent.y];
    z = keep(sent.z, [0]);
  } else if (rule.position) {
    const f = readBackFrame(sent.frame);
    frame = f === undefined ? [sent.frame] : [sent.frame, f];
    x = [sent.x];
    y = [sent.y];
    z = keep(sent.z, [altitudeReading(sent.z)]);
  } else {
    frame = [sent.frame, 0];
    x = rule.xyAsBytes ? [sent.x, ((sent.x % 256) + 256) % 256] : [sent.x, 0];
    y = rule.xyAsBytes ? [sent.y, ((sent.y % 256) + 256) % 256] : [sent.y, 0];
    z = keep(sent.z, [rule.zReadsBack ?? 0]);
  }
  return {
    frame,
    param1: keep(sent.param1, back[0]!),
    param2: keep(sent.param2, back[1]!),
    param3: keep(sent.param3, back[2]!),
    param4: keep(sent.param4, back[3]!),
    x,
    y,
    z,
  };
}
