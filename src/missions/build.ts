/**
 * Route → ArduCopter mission items (MISSION_ITEM_INT wire form, src/missions/types.ts).
 *
 * How ArduCopter runs a mission (AP_Mission, see /work/shared/ARDUPILOT.md):
 * - seq 0 is home; the vehicle overwrites it, we send a placeholder at the depot (frame 0, AMSL alt).
 * - NAV commands run one after another. The DO commands placed after NAV item N are started when N
 *   *completes* (AP_Mission::advance_current_nav_cmd starts them while loading N+1), so a DO that
 *   must happen "at" a place follows the NAV item that gets the vehicle there.
 * - Positions use frame 6 (GLOBAL_RELATIVE_ALT_INT): x/y in 1e-7 degrees, z metres above home.
 *
 * The mission, for each delivery method:
 *   0 home placeholder · 1 NAV_TAKEOFF to cruise altitude (vertical climb over the depot) ·
 *   2 DO_CHANGE_SPEED (ground speed = cruise speed; in wind each leg's modelled ground speed, with a
 *   further DO_CHANGE_SPEED after a waypoint where it changes) · outbound NAV_WAYPOINTs at cruise altitude ·
 *   NAV_WAYPOINT above the drop point at cruise altitude, then straight down to the approach height,
 *   then the delivery:
 *   - payload-place (default): NAV_PAYLOAD_PLACE, param1 = max descent. ArduCopter descends at
 *     LAND_SPEED, detects touchdown by the thrust drop, releases the gripper itself and climbs back.
 *     No DO_GRIPPER follows (unlike the reference flight): it would run when PAYLOAD_PLACE completes,
 *     and when the place found no ground within param1 (it then keeps the parcel and climbs back) a
 *     following release would drop the parcel from height. Keeping the parcel is the safe failure.
 *   - winch: hover at WINCH_HOVER_HEIGHT_M over the drop surface; DO_WINCH lowers the line, a
 *     NAV_LOITER_TIME waits for it; DO_GRIPPER releases; a short loiter; DO_WINCH winds the line back
 *     in during a last loiter.
 *   - land-release: NAV_LAND on the drop point, DO_GRIPPER release (runs once landed), NAV_TAKEOFF
 *     back to cruise altitude. Needs MIS_OPTIONS bit 2 (ContinueAfterLand), set in the plan's params.
 *   then NAV_WAYPOINT straight up to cruise altitude over the drop point, the inbound waypoints, a
 *   waypoint over the depot, and NAV_LAND at the depot.
 *
 * Why NAV_LAND at the depot rather than NAV_RETURN_TO_LAUNCH: RTL would fly to the nearest rally
 * point if one were closer than home (RALLY_INCL_HOME), first climb to RTL_ALT, and land wherever
 * home was set at arming; NAV_LAND at the depot coordinates lands exactly where the route, the fence
 * and the energy estimate assumed, with no dependence on RTL_* / RALLY_* parameters. A failsafe RTL
 * is still covered by the rally analysis (src/missions/rally.ts).
 */
import { common } from 'node-mavlink';
import type { LonLat } from '../geo/types.js';
import { APPROACH_HEIGHT_M, WINCH_HOVER_HEIGHT_M, WINCH_RATE_MS } from '../planning/energy.js';
import type { DeliveryMethod } from '../domain/words.js';
import type { MissionItem } from './types.js';

const CMD = common.MavCmd;
const FRAME = common.MavFrame;

/** GRIPPER_ACTIONS: 0 release, 1 grab. */
export const GRIPPER_RELEASE = 0;
/** WINCH_ACTIONS: 1 relative length control. */
export const WINCH_RELATIVE_LENGTH_CONTROL = 1;
/** Extra descent allowed to NAV_PAYLOAD_PLACE below the expected surface before it gives up, m (param1 is rounded up to whole metres). */
export const PAYLOAD_PLACE_EXTRA_DESCENT_M = 5;
/** Time the winch drone waits with the parcel on the ground before and after the release, s. */
export const WINCH_SETTLE_S = 5;
/** MIS_OPTIONS bit 2: continue the mission after a NAV_LAND when the next NAV item is a TAKEOFF. */
export const MIS_OPTIONS_CONTINUE_AFTER_LAND = 1 << 2;

export interface MissionInput {
  home: { lat: number; lon: number; altM: number };
  /** Depot → drop point, [lon, lat] (first = depot, last = drop point). */
  outbound: LonLat[];
  /** Drop point → depot. */
  inbound: LonLat[];
  cruiseAltitudeM: number;
  cruiseSpeedMs: number;
  /**
   * Ground speed per leg from the wind triangle (outbound legs, then inbound legs; see energy.ts).
   * ArduCopter holds its waypoint speed as a GROUND speed, so in wind the mission commands each leg's
   * modelled ground speed (a DO_CHANGE_SPEED where it changes by ≥ 0.5 m/s): the drone then flies at
   * its cruise airspeed, as the energy estimate assumes. Omitted or still air: cruise speed throughout.
   */
  outboundSpeedsMs?: number[];
  inboundSpeedsMs?: number[];
  /**
   * Over terrain: the altitude above home of each point of `outbound` / `inbound` (same lengths),
   * from src/planning/altitude-profile.ts. Omitted: `cruiseAltitudeM` everywhere. The take-off climbs
   * to the first outbound altitude, the delivery starts from (and climbs back to) the altitude over
   * the drop point.
   */
  outboundAltitudesM?: number[];
  inboundAltitudesM?: number[];
  /** Height of the drop surface above home, m. */
  dropHeightM: number;
  method: DeliveryMethod;
}

export interface BuiltMission {
  items: MissionItem[];
  /** seq of the item that releases the parcel. */
  deliverySeq: number;
  /** Parameters this mission needs on top of the fence's (MIS_OPTIONS for land-release). */
  params: Record<string, number>;
}

export function toE7(deg: number): number {
  return Math.round(deg * 1e7);
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

/** Build the mission items for one delivery. Pure. */
export function buildMission(input: MissionInput): BuiltMission {
  const items: MissionItem[] = [];
  const push = (command: number, frame: number, params: [number, number, number, number], pos: LonLat | null, z: number): number => {
    const seq = items.length;
    items.push({
      seq,
      frame,
      command,
      current: 0,
      autocontinue: 1,
      param1: params[0],
      param2: params[1],
      param3: params[2],
      param4: params[3],
      x: pos ? toE7(pos[1]) : 0,
      y: pos ? toE7(pos[0]) : 0,
      z: round2(z),
      missionType: 0,
    });
    return seq;
  };
  const nav = (command: number, params: [number, number, number, number], pos: LonLat, z: number) =>
    push(command, FRAME.GLOBAL_RELATIVE_ALT_INT, params, pos, z);
  const doCmd = (command: number, params: [number, number, number, number]) => push(command, FRAME.MISSION, params, null, 0);
  const waypoint = (pos: LonLat, z: number) => nav(CMD.NAV_WAYPOINT, [0, 0, 0, 0], pos, z);

  const depot = input.outbound[0];
  const drop = input.outbound[input.outbound.length - 1];
  if (!depot || !drop || input.outbound.length < 2 || input.inbound.length < 2)
    throw new Error('buildMission: a route needs at least a start and an end point each way');
  const outAlt = (k: number) => input.outboundAltitudesM?.[k] ?? input.cruiseAltitudeM;
  const inAlt = (k: number) => input.inboundAltitudesM?.[k] ?? input.cruiseAltitudeM;
  if (
    (input.outboundAltitudesM && input.outboundAltitudesM.length !== input.outbound.length) ||
    (input.inboundAltitudesM && input.inboundAltitudesM.length !== input.inbound.length)
  )
    throw new Error('buildMission: one altitude per route point is needed');
  const cruise = outAlt(input.outbound.length - 1);
  const dropH = input.dropHeightM;

  // 0: home placeholder (ArduPilot replaces it with the real home).
  push(CMD.NAV_WAYPOINT, FRAME.GLOBAL, [0, 0, 0, 0], [input.home.lon, input.home.lat], input.home.altM);
  // Take off vertically over the depot to cruise altitude (ArduCopter ignores takeoff lat/lon).
  nav(CMD.NAV_TAKEOFF, [0, 0, 0, 0], depot, outAlt(0));
  // param1 1 = ground speed (ArduCopter treats WP speed as ground speed), param3 -1 = throttle unchanged.
  const legSpeed = (speeds: number[] | undefined, k: number) => {
    const v = speeds?.[k];
    return v !== undefined && Number.isFinite(v) && v > 0 ? Math.round(v * 10) / 10 : input.cruiseSpeedMs;
  };
  let speed = legSpeed(input.outboundSpeedsMs, 0);
  doCmd(CMD.DO_CHANGE_SPEED, [1, speed, -1, 0]);
  // A DO item after a waypoint runs when that waypoint is reached, i.e. as the next leg starts.
  const setSpeed = (v: number) => {
    if (Math.abs(v - speed) < 0.5) return;
    speed = v;
    doCmd(CMD.DO_CHANGE_SPEED, [1, v, -1, 0]);
  };
  input.outbound.slice(1, -1).forEach((p, k) => {
    waypoint(p, outAlt(k + 1));
    setSpeed(legSpeed(input.outboundSpeedsMs, k + 1));
  });
  waypoint(drop, cruise);

  let deliverySeq: number;
  const above = Math.max(0, cruise - dropH);
  if (input.method === 'winch') {
    const hover = Math.min(WINCH_HOVER_HEIGHT_M, above);
    const lineM = round2(hover);
    const lineS = Math.ceil(lineM / WINCH_RATE_MS);
    waypoint(drop, dropH + hover);
    // Runs when the drone is in the hover above the drop point: lower the parcel by lineM metres.
    doCmd(CMD.DO_WINCH, [1, WINCH_RELATIVE_LENGTH_CONTROL, lineM, WINCH_RATE_MS]);
    nav(CMD.NAV_LOITER_TIME, [lineS + WINCH_SETTLE_S, 0, 0, 0], drop, dropH + hover);
    deliverySeq = doCmd(CMD.DO_GRIPPER, [1, GRIPPER_RELEASE, 0, 0]);
    nav(CMD.NAV_LOITER_TIME, [WINCH_SETTLE_S, 0, 0, 0], drop, dropH + hover);
    doCmd(CMD.DO_WINCH, [1, WINCH_RELATIVE_LENGTH_CONTROL, -lineM, WINCH_RATE_MS]);
    nav(CMD.NAV_LOITER_TIME, [lineS + WINCH_SETTLE_S, 0, 0, 0], drop, dropH + hover);
  } else {
    const approach = Math.min(APPROACH_HEIGHT_M, above);
    waypoint(drop, dropH + approach);
    if (input.method === 'land-release') {
      // param1 abort altitude 0, param2 precision land off.
      nav(CMD.NAV_LAND, [0, 0, 0, 0], drop, dropH);
      deliverySeq = doCmd(CMD.DO_GRIPPER, [1, GRIPPER_RELEASE, 0, 0]);
      // Needs MIS_OPTIONS ContinueAfterLand: missionParams below finds the LAND → TAKEOFF pair.
      nav(CMD.NAV_TAKEOFF, [0, 0, 0, 0], drop, cruise);
    } else {
      // Whole metres: ArduCopter stores param1 as uint16 centimetres, truncating (AP_Mission:
      // cmd.p1 = param1*100), so 22.63 m reads back as 22.62 and the read-back check would fail.
      const maxDescentM = Math.ceil(approach + PAYLOAD_PLACE_EXTRA_DESCENT_M - 1e-9);
      deliverySeq = nav(CMD.NAV_PAYLOAD_PLACE, [maxDescentM, 0, 0, 0], drop, dropH + approach);
    }
  }
  waypoint(drop, cruise);
  setSpeed(legSpeed(input.inboundSpeedsMs, 0));
  input.inbound.slice(1, -1).forEach((p, k) => {
    waypoint(p, inAlt(k + 1));
    setSpeed(legSpeed(input.inboundSpeedsMs, k + 1));
  });
  waypoint(depot, inAlt(input.inbound.length - 1));
  nav(CMD.NAV_LAND, [0, 0, 0, 0], depot, 0);
  return { items, deliverySeq, params: missionParams(items) };
}

/** AP_Mission::is_nav_cmd: ids up to MAV_CMD_NAV_LAST (95), NAV_SET_YAW_SPEED, and ArduPilot's NAV_SCRIPT_TIME (42702) and NAV_ATTITUDE_TIME (42703). */
function isNavCommand(command: number): boolean {
  return command <= 95 || command === CMD.NAV_SET_YAW_SPEED || command === 42702 || command === 42703;
}

/**
 * Parameters the mission items themselves need. A NAV_LAND whose next NAV command is a take-off
 * (land-release: land on the drop point, release, take off again) needs MIS_OPTIONS bit 2: without
 * it ArduCopter disarms on touchdown and the mission ends there (mode_auto.cpp verify_land, via
 * AP_Mission::continue_after_land_check_for_takeoff → is_takeoff_next, which skips DO commands and
 * NAV_DELAY). Pure; used by buildMission and for a `.plan` that lost its medidrop member.
 */
export function missionParams(items: readonly MissionItem[]): Record<string, number> {
  const nav = items.filter((it) => it.seq > 0 && isNavCommand(it.command) && it.command !== CMD.NAV_DELAY);
  const landThenTakeoff = nav.some((it, i) => it.command === CMD.NAV_LAND && nav[i + 1]?.command === CMD.NAV_TAKEOFF);
  return landThenTakeoff ? { MIS_OPTIONS: MIS_OPTIONS_CONTINUE_AFTER_LAND } : {};
}

/** MAV_CMDs that carry a position in x/y (the rest are DO commands with x = y = 0). */
export function isPositionCommand(command: number): boolean {
  return (
    command === CMD.NAV_WAYPOINT ||
    command === CMD.NAV_TAKEOFF ||
    command === CMD.NAV_LAND ||
    command === CMD.NAV_LOITER_TIME ||
    command === CMD.NAV_LOITER_UNLIM ||
    command === CMD.NAV_LOITER_TURNS ||
    command === CMD.NAV_LOITER_TO_ALT ||
    command === CMD.NAV_PAYLOAD_PLACE ||
    command === CMD.NAV_SPLINE_WAYPOINT ||
    command === CMD.NAV_RETURN_TO_LAUNCH ||
    command === CMD.NAV_FENCE_POLYGON_VERTEX_INCLUSION ||
    command === CMD.NAV_FENCE_POLYGON_VERTEX_EXCLUSION ||
    command === CMD.NAV_FENCE_CIRCLE_INCLUSION ||
    command === CMD.NAV_FENCE_CIRCLE_EXCLUSION ||
    command === CMD.NAV_FENCE_RETURN_POINT ||
    command === CMD.NAV_RALLY_POINT
  );
}
