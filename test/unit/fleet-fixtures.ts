/**
 * Test fixtures for the fleet tests: a reference delivery (home in Xining, drop point 300 m N and
 * 150 m E, like ARDUPILOT.md's reference flight) built the way src/missions/build.ts builds missions,
 * and helpers that feed scripted event sequences through the reducer.
 */
import type { DeliveryMethod } from '../../src/domain/words.js';
import type { MissionItem, VehiclePlan } from '../../src/missions/types.js';
import type { VehicleEvent } from '../../src/mavlink/telemetry.js';
import { initialFlightState, reduceFlight, type FlightContext, type FlightInput, type FlightState, type Transition } from '../../src/fleet/flight-state.js';
import type { Alert } from '../../src/fleet/alerts.js';

export const HOME = { lat: 36.6171, lon: 101.7782, altM: 2260 };
const M_PER_DEG_LAT = 111_195;
const M_PER_DEG_LON = M_PER_DEG_LAT * Math.cos((HOME.lat * Math.PI) / 180);

/** A point `north`, `east` metres from home, [lat, lon]. */
export function offset(north: number, east: number): { lat: number; lon: number } {
  return { lat: HOME.lat + north / M_PER_DEG_LAT, lon: HOME.lon + east / M_PER_DEG_LON };
}

export const CORNER = offset(300, 0);
export const DROP = offset(300, 150);
export const SYSID = 7;
export const CRUISE = 30;

function item(seq: number, command: number, frame: number, pos: { lat: number; lon: number } | null, z: number, p1 = 0): MissionItem {
  return {
    seq,
    frame,
    command,
    current: 0,
    autocontinue: 1,
    param1: p1,
    param2: 0,
    param3: 0,
    param4: 0,
    x: pos ? Math.round(pos.lat * 1e7) : 0,
    y: pos ? Math.round(pos.lon * 1e7) : 0,
    z,
    missionType: 0,
  };
}

/**
 * payload-place: 0 home · 1 TAKEOFF · 2 DO_CHANGE_SPEED · 3 WP corner · 4 WP drop (cruise) · 5 WP drop
 * (approach) · 6 PAYLOAD_PLACE (delivery) · 7 WP drop cruise · 8 WP corner · 9 WP depot · 10 LAND.
 * winch: … 5 WP hover · 6 DO_WINCH · 7 LOITER_TIME · 8 DO_GRIPPER (delivery) · 9 LOITER_TIME · 10 WP drop cruise · 11 WP corner · 12 WP depot · 13 LAND
 * land-release: … 5 WP approach · 6 LAND at drop · 7 DO_GRIPPER (delivery) · 8 TAKEOFF · 9 WP drop cruise · 10 WP corner · 11 WP depot · 12 LAND
 */
export function referencePlan(method: DeliveryMethod = 'payload-place'): VehiclePlan {
  const depot = { lat: HOME.lat, lon: HOME.lon };
  const m: MissionItem[] = [
    item(0, 16, 0, depot, HOME.altM),
    item(1, 22, 6, depot, CRUISE),
    item(2, 178, 2, null, 0, 1),
    item(3, 16, 6, CORNER, CRUISE),
    item(4, 16, 6, DROP, CRUISE),
  ];
  let deliverySeq: number;
  const push = (command: number, frame: number, pos: { lat: number; lon: number } | null, z: number, p1 = 0) => {
    const seq = m.length;
    m.push(item(seq, command, frame, pos, z, p1));
    return seq;
  };
  if (method === 'payload-place') {
    push(16, 6, DROP, 10);
    deliverySeq = push(94, 6, DROP, 10, 15);
  } else if (method === 'winch') {
    push(16, 6, DROP, 8);
    push(42600, 2, null, 0, 1);
    push(19, 6, DROP, 8, 20);
    deliverySeq = push(211, 2, null, 0, 1);
    push(19, 6, DROP, 8, 5);
    push(42600, 2, null, 0, 1);
    push(19, 6, DROP, 8, 20);
  } else {
    push(16, 6, DROP, 10);
    push(21, 6, DROP, 0);
    deliverySeq = push(211, 2, null, 0, 1);
    push(22, 6, DROP, CRUISE);
  }
  push(16, 6, DROP, CRUISE);
  push(16, 6, CORNER, CRUISE);
  push(16, 6, depot, CRUISE);
  push(21, 6, depot, 0);
  return {
    mission: m,
    fence: [],
    rally: [],
    params: {},
    home: { ...HOME },
    delivery: { lat: DROP.lat, lon: DROP.lon, seq: deliverySeq, method },
  };
}

// --- event builders ---------------------------------------------------------------------------

export const ev = {
  hb: (t: number, customMode: number, armed: boolean, systemStatus = armed ? 4 : 3): VehicleEvent => ({
    type: 'heartbeat',
    sysid: SYSID,
    t,
    customMode,
    modeName:
      ({ 0: 'STABILIZE', 3: 'AUTO', 4: 'GUIDED', 5: 'LOITER', 6: 'RTL', 9: 'LAND', 17: 'BRAKE' } as Record<number, string>)[customMode] ?? `MODE_${customMode}`,
    armed,
    systemStatus,
    vehicleType: 2,
    autopilot: 3,
  }),
  pos: (t: number, p: { lat: number; lon: number }, relAltM = CRUISE, groundSpeedMs = 10, timeBootMs?: number): VehicleEvent => ({
    type: 'position',
    sysid: SYSID,
    t,
    lat: p.lat,
    lon: p.lon,
    relAltM,
    altAmslM: HOME.altM + relAltM,
    groundSpeedMs,
    headingDeg: 0,
    ...(timeBootMs !== undefined ? { timeBootMs } : {}),
  }),
  /** total 0 = not reported (older firmware); pass the plan's count − 1 to check it. */
  cur: (t: number, seq: number, total = 0): VehicleEvent => ({ type: 'mission-current', sysid: SYSID, t, seq, total }),
  reached: (t: number, seq: number): VehicleEvent => ({ type: 'item-reached', sysid: SYSID, t, seq }),
  text: (t: number, text: string, severity = 6): VehicleEvent => ({ type: 'statustext', sysid: SYSID, t, severity, text }),
  batt: (t: number, remainingPct: number): VehicleEvent => ({ type: 'battery', sysid: SYSID, t, remainingPct, voltageV: 12.6, currentA: 30 }),
  landed: (t: number, landedState: number): VehicleEvent => ({ type: 'landed-state', sysid: SYSID, t, landedState }),
  link: (t: number, up: boolean): VehicleEvent => ({ type: 'link', sysid: SYSID, t, up }),
  home: (t: number): VehicleEvent => ({ type: 'home', sysid: SYSID, t, lat: HOME.lat, lon: HOME.lon, altAmslM: HOME.altM }),
};

export interface Run {
  state: FlightState;
  transitions: Transition[];
  alerts: Alert[];
}

/** Feed inputs through the reducer from `state` (default: a new flight). */
export function feed(ctx: FlightContext, inputs: FlightInput[], from?: FlightState): Run {
  let state = from ?? initialFlightState(SYSID, ctx, 0);
  const transitions: Transition[] = [];
  const alerts: Alert[] = [];
  for (const i of inputs) {
    const r = reduceFlight(state, i, ctx);
    state = r.state;
    transitions.push(...r.transitions);
    alerts.push(...r.alerts);
  }
  return { state, transitions, alerts };
}

/** Inputs that bring a flight from approved to en-route (upload, arm, AUTO). */
export function toEnRoute(t0 = 1000): FlightInput[] {
  return [
    ev.hb(t0, 0, false),
    ev.home(t0),
    ev.pos(t0, HOME, 0, 0),
    ev.batt(t0, 100),
    { type: 'upload-started', t: t0 + 10 },
    { type: 'upload-finished', t: t0 + 500, items: { mission: 11, fence: 0, rally: 0 } },
    { type: 'arm-requested', t: t0 + 600 },
    { type: 'mode-requested', t: t0 + 600, mode: 4 },
    ev.hb(t0 + 700, 4, false),
    ev.hb(t0 + 900, 4, true),
    { type: 'mode-requested', t: t0 + 950, mode: 3 },
    ev.hb(t0 + 1000, 3, true),
    ev.cur(t0 + 1000, 1),
  ];
}

/** Straight-line positions from a to b (inclusive of b), n steps, at time t0 + i·dt. */
export function leg(a: { lat: number; lon: number }, b: { lat: number; lon: number }, n: number, t0: number, dt: number, alt = CRUISE): VehicleEvent[] {
  const out: VehicleEvent[] = [];
  for (let i = 1; i <= n; i++) {
    const f = i / n;
    out.push(ev.pos(t0 + i * dt, { lat: a.lat + (b.lat - a.lat) * f, lon: a.lon + (b.lon - a.lon) * f }, alt));
  }
  return out;
}

/** The whole payload-place delivery, as ArduCopter reports it, after toEnRoute(). */
export function payloadPlaceFlight(t0 = 3000, dropAt = DROP): VehicleEvent[] {
  return [
    ev.pos(t0, HOME, 15, 0),
    ev.reached(t0 + 100, 1),
    ev.cur(t0 + 100, 3),
    ...leg(HOME, CORNER, 10, t0 + 100, 1000),
    ev.reached(t0 + 10_200, 3),
    ev.cur(t0 + 10_200, 4),
    ...leg(CORNER, DROP, 5, t0 + 10_200, 1000),
    ev.reached(t0 + 15_300, 4),
    ev.cur(t0 + 15_300, 5),
    ev.pos(t0 + 16_000, DROP, 20, 0),
    ev.reached(t0 + 17_000, 5),
    ev.cur(t0 + 17_000, 6),
    ev.pos(t0 + 20_000, dropAt, 0.3, 0),
    ev.text(t0 + 20_100, 'PayloadPlace: Releasing the gripper'),
    ev.text(t0 + 20_200, 'Gripper load released'),
    ev.pos(t0 + 22_000, DROP, 10, 0),
    ev.reached(t0 + 23_000, 6),
    ev.cur(t0 + 23_000, 7),
    ev.batt(t0 + 23_000, 70),
    ev.pos(t0 + 25_000, DROP, 30, 0),
    ev.reached(t0 + 25_000, 7),
    ev.cur(t0 + 25_000, 8),
    ...leg(DROP, CORNER, 5, t0 + 25_000, 1000),
    ev.reached(t0 + 30_100, 8),
    ev.cur(t0 + 30_100, 9),
    ...leg(CORNER, HOME, 10, t0 + 30_100, 1000),
    ev.reached(t0 + 40_200, 9),
    ev.cur(t0 + 40_200, 10),
    ev.pos(t0 + 45_000, HOME, 0.1, 0),
    ev.reached(t0 + 45_100, 10),
    ev.landed(t0 + 45_200, 1),
    ev.text(t0 + 45_300, 'Disarming motors'),
    ev.hb(t0 + 45_400, 3, false),
  ];
}
