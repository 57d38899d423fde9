/**
 * The flight state machine as a pure reducer.
 *
 *   approved → uploading → uploaded → arming → en-route → delivering → returning → landed → completed
 *                                                                   ↘ aborted / failed (with reason)
 *
 * Transitions come from telemetry, not timers: mode and armed state from HEARTBEAT, MISSION_CURRENT
 * and MISSION_ITEM_REACHED against the planned items, STATUSTEXT (the release), disarm / landed state
 * and the position near home. Runner and operator actions (upload started/finished, arm requested,
 * abort by a user, re-attached after a restart, mission read back) are inputs too. Every transition
 * carries its time and cause; alerts are returned alongside.
 *
 * The state is plain JSON (no classes, no Maps) so that the service can store it and a restarted
 * service can continue from it.
 */
import type { DeliveryPlan } from '../planner/types.js';
import type { VehiclePlan } from '../missions/types.js';
import type { LonLat } from '../geo/types.js';
import { COPTER_MODE, COPTER_MODES, type VehicleEvent } from '../mavlink/telemetry.js';
import { alert, batteryDeficitPct, classifyStatusText, cleared, type Alert, type LatchedAlertKind } from './alerts.js';
import {
  DEFAULT_RELEASE_TOLERANCE_M,
  isReleaseText,
  newDeliveryRecord,
  recordItemDone,
  recordRelease,
  releaseFailed,
  type DeliveryRecord,
} from './delivery.js';
import { distanceM } from '../geo/spherical.js';
import { Route } from './route-progress.js';
import { AIRBORNE_STATUSES, TERMINAL_STATUSES, type FlightStatus } from '../domain/words.js';

export function isTerminal(s: FlightStatus): boolean {
  return TERMINAL_STATUSES.includes(s);
}

export interface Transition {
  from: FlightStatus;
  to: FlightStatus;
  /** Event time, ms. */
  t: number;
  /** What caused it, e.g. 'MISSION_ITEM_REACHED seq 7', 'HEARTBEAT disarmed', 'abort by pilot-li'. */
  cause: string;
}

/** Latest known vehicle state (from telemetry). */
export interface VehicleSnapshot {
  sysid: number;
  /** Last time anything was heard from the vehicle, ms. */
  lastHeardT: number | null;
  linkUp: boolean;
  armed: boolean;
  customMode: number | null;
  modeName: string | null;
  systemStatus: number | null;
  position: { t: number; lat: number; lon: number; relAltM: number; altAmslM: number; groundSpeedMs: number; headingDeg: number; timeBootMs?: number } | null;
  battery: { t: number; remainingPct: number; voltageV: number; currentA: number } | null;
  gps: { fixType: number; satellites: number } | null;
  ekfPositionOk: boolean | null;
  home: { lat: number; lon: number; altAmslM: number } | null;
  missionSeq: number | null;
  missionTotal: number | null;
  landedState: number | null;
}

export interface FlightProgress {
  /** Distance flown along the planned path, m (outbound, then inbound). */
  alongM: number;
  totalM: number;
  /** alongM / totalM, 0..1. */
  fraction: number;
  /** Cross-track distance to the current leg, m (null on the ground / unknown). */
  offRouteM: number | null;
  /** Seconds to the drop point (before delivery) and to home. Null when unknown. */
  etaDropS: number | null;
  etaHomeS: number | null;
}

export interface FlightState {
  status: FlightStatus;
  /** Time of the last transition (or creation), ms. */
  since: number;
  /** Why the flight failed / was aborted. */
  reason: string | null;
  vehicle: VehicleSnapshot;
  progress: FlightProgress;
  delivery: DeliveryRecord;
  abort: { by: string; t: number; reason: string | null } | null;
  paused: { by: string; t: number } | null;
  /** The last mode we asked for (so that our own mode changes are not "unexpected"). */
  requestedMode: { mode: number; t: number } | null;
  /** Alerts currently active (edges only are emitted). */
  activeAlerts: Partial<Record<LatchedAlertKind, boolean>>;
  /** Battery when the mission started (for the plan comparison). */
  startBatteryPct: number | null;
  /** How the flight returns: along the planned inbound route, or straight home (RTL mode). */
  returnBy: 'mission' | 'rtl' | null;
  /** Time of the last fence breach text (explains an RTL). */
  fenceBreachAt: number | null;
  /** Set when the mission on the vehicle was found not to match the plan (never continued silently). */
  missionMismatch: { t: number; message: string } | null;
  /** Last time the mission was read back from the vehicle and matched the plan (after a restart or a lost link). */
  missionVerifiedAt: number | null;
  rebootedAt: number | null;
  /** Last time the link was lost (null: never in this flight). */
  lastLinkLostAt: number | null;
  timestamps: { uploadedAt: number | null; armedAt: number | null; takeoffAt: number | null; landedAt: number | null };
  /** The last arming refusal reported (ArduCopter repeats it on every attempt: alert once per reason). */
  lastArmRefusal?: string | null;
}

/** Runner / operator inputs (events from the vehicle are VehicleEvents). */
export type FlightAction =
  | { type: 'upload-started'; t: number }
  | { type: 'upload-finished'; t: number; items?: { mission: number; fence: number; rally: number } }
  | { type: 'upload-failed'; t: number; message: string }
  /**
   * The pre-flight vehicle configuration check (src/fleet/vehicle-config.ts) found problems: the
   * vehicle lacks what the delivery needs (e.g. no winch for DO_WINCH). Fails the flight before arming.
   */
  | { type: 'vehicle-check-failed'; t: number; problems: string[] }
  | { type: 'arm-requested'; t: number }
  | { type: 'arm-failed'; t: number; message: string }
  | { type: 'mission-start-failed'; t: number; message: string }
  | { type: 'mode-requested'; t: number; mode: number; by?: string }
  | { type: 'abort'; t: number; by: string; reason?: string }
  | { type: 'pause'; t: number; by: string }
  | { type: 'resume'; t: number; by: string }
  /** The runner re-attached to the vehicle (after a restart or a lost link). */
  | { type: 'reattached'; t: number }
  /** Mission read back from the vehicle and compared with the plan. */
  | { type: 'mission-verified'; t: number; ok: boolean; message: string }
  /** Clock tick: lets the reducer notice silence (link lost) without an event. */
  | { type: 'tick'; t: number }
  | { type: 'fail'; t: number; reason: string };

export type FlightInput = VehicleEvent | FlightAction;

export interface FlightOptions {
  /** Release must be this close to the planned drop point, m (default 3). */
  releaseToleranceM: number;
  /** Landing counts as "at the depot" within this distance of home, m (default 10). */
  homeToleranceM: number;
  /** Silence after which the link counts as lost, ms (default 5000). */
  linkSilenceMs: number;
  /** Off-route alert above this cross-track distance, m (default 40); clears below half of it. */
  offRouteM: number;
  /** Speed used for ETA when hovering or unknown, m/s (default: the plan's average, else 8). */
  fallbackSpeedMs: number | null;
  /** Battery reserve of the drone, % (default 20); the battery alert fires when the spare beyond it is gone. */
  batteryReservePct: number;
  /** The battery alert never fires for a deficit smaller than this, % points (default 5: climb and hover are not linear in distance). */
  batteryNoisePct: number;
}

export const DEFAULT_FLIGHT_OPTIONS: FlightOptions = {
  releaseToleranceM: DEFAULT_RELEASE_TOLERANCE_M,
  homeToleranceM: 10,
  linkSilenceMs: 5000,
  offRouteM: 40,
  fallbackSpeedMs: null,
  batteryReservePct: 20,
  batteryNoisePct: 5,
};

/** Energy the plan expects: % of battery for the whole flight, and the spare kept beyond it and the reserve. */
export interface PlannedEnergy {
  plannedUsePct: number;
  sparePct: number;
}

export interface FlightContext {
  plan: VehiclePlan;
  /** The planner's output (route polylines, duration, energy); optional (fly from a .plan file). */
  deliveryPlan?: DeliveryPlan | null;
  /** Battery expectation; derived from deliveryPlan when absent (see plannedEnergy()). */
  energy?: PlannedEnergy | null;
  options?: Partial<FlightOptions>;
}

export interface ReduceResult {
  state: FlightState;
  transitions: Transition[];
  alerts: Alert[];
  /** The delivery record changed (release seen, delivered …). */
  deliveryChanged: boolean;
}

// ---------------------------------------------------------------------------------------------
// Planned route (cached per plan object: building it once per flight, not per event)

export interface PlannedRoute {
  outbound: Route;
  inbound: Route;
  totalM: number;
  /** Average planned ground speed, m/s (null if unknown). */
  plannedSpeedMs: number | null;
  /**
   * The climb after take-off and the descent to land at home, m each: the take-off altitude
   * (MAV_CMD_NAV_TAKEOFF's z, else the highest NAV item). Progress counts them so that it reaches
   * 100 % on landing, not when the drone is over the depot with the landing still to fly.
   */
  verticalM: number;
}

const routeCache = new WeakMap<object, PlannedRoute>();

const NAV_WITH_POSITION = new Set([16, 17, 18, 19, 21, 31, 82, 94]); // WAYPOINT, LOITER_*, LAND, LOITER_TO_ALT, SPLINE_WAYPOINT, PAYLOAD_PLACE

/** The planned path: the planner's polylines when given, else home → NAV items → home from the mission. */
export function plannedRoute(ctx: FlightContext): PlannedRoute {
  const key = (ctx.deliveryPlan ?? ctx.plan) as object;
  const hit = routeCache.get(key);
  if (hit) return hit;
  const home: LonLat = [ctx.plan.home.lon, ctx.plan.home.lat];
  let outPts: LonLat[];
  let inPts: LonLat[];
  let plannedSpeedMs: number | null = null;
  const dp = ctx.deliveryPlan;
  if (dp && dp.outbound.length > 0 && dp.inbound.length > 0) {
    outPts = dp.outbound;
    inPts = dp.inbound;
    if (dp.durationS > 0 && dp.distanceM > 0) plannedSpeedMs = dp.distanceM / dp.durationS;
  } else {
    const drop: LonLat = [ctx.plan.delivery.lon, ctx.plan.delivery.lat];
    outPts = [home];
    inPts = [drop];
    for (const it of ctx.plan.mission) {
      if (it.seq === 0 || !NAV_WITH_POSITION.has(it.command) || (it.x === 0 && it.y === 0)) continue;
      const p: LonLat = [it.y / 1e7, it.x / 1e7];
      if (it.seq <= ctx.plan.delivery.seq) outPts.push(p);
      else inPts.push(p);
    }
    const lastOut = outPts[outPts.length - 1] as LonLat;
    if (distanceM(lastOut, drop) > 0.5) outPts.push(drop);
    inPts.push(home);
  }
  const outbound = new Route(outPts);
  const inbound = new Route(inPts);
  const r: PlannedRoute = { outbound, inbound, totalM: outbound.lengthM + inbound.lengthM, plannedSpeedMs, verticalM: takeoffAltitudeM(ctx.plan) };
  routeCache.set(key, r);
  return r;
}

const NAV_TAKEOFF = 22;

/** How high the drone climbs before it sets off (and so descends to land at home), m. */
function takeoffAltitudeM(plan: VehiclePlan): number {
  const takeoff = plan.mission.find((it) => it.command === NAV_TAKEOFF);
  if (takeoff && Number.isFinite(takeoff.z) && takeoff.z > 0) return takeoff.z;
  const zs = plan.mission.filter((it) => it.seq > 0 && NAV_WITH_POSITION.has(it.command) && Number.isFinite(it.z)).map((it) => it.z);
  return zs.length ? Math.max(0, ...zs) : 0;
}

/**
 * ArduCopter's descent to land: WPNAV_SPEED_DN (default 150 cm/s, AC_WPNav.cpp) above LAND_ALT_LOW
 * (default 1000 cm, ArduCopter/Parameters.cpp) when LAND_SPEED_HIGH is 0, then LAND_SPEED (default
 * 50 cm/s, ArduCopter/config.h) for the last 10 m (mode_land.cpp, Mode::land_run_vertical_control).
 */
export function landingTimeS(fromAltM: number): number {
  const alt = Math.max(0, fromAltM);
  const low = Math.min(alt, 10);
  return (alt - low) / 1.5 + low / 0.5;
}

/**
 * What the flight's ETA means now: arrival at the drop point while flying there, then landing at
 * home (during the delivery, the return, and an early return after an abort). Null when unknown.
 */
export function flightEta(p: FlightProgress): { s: number; to: 'drop' | 'home' } | null {
  if (p.etaDropS !== null) return { s: p.etaDropS, to: 'drop' };
  if (p.etaHomeS !== null) return { s: p.etaHomeS, to: 'home' };
  return null;
}

/**
 * The plan's battery expectation. The planner's `marginPct` is the share of the (derated) battery
 * left on landing, so the flight is planned to use `100 − marginPct` %. The spare the plan keeps is
 * what lies beyond the reserve: `marginPct − reservePct`.
 */
export function plannedEnergy(ctx: FlightContext): PlannedEnergy | null {
  if (ctx.energy) return ctx.energy;
  const dp = ctx.deliveryPlan;
  if (!dp || !Number.isFinite(dp.marginPct) || dp.marginPct <= 0 || dp.marginPct >= 100) return null;
  const reserve = opts(ctx).batteryReservePct;
  return { plannedUsePct: 100 - dp.marginPct, sparePct: Math.max(0, dp.marginPct - reserve) };
}

function opts(ctx: FlightContext): FlightOptions {
  return ctx.options ? { ...DEFAULT_FLIGHT_OPTIONS, ...ctx.options } : DEFAULT_FLIGHT_OPTIONS;
}

// ---------------------------------------------------------------------------------------------

export function emptyVehicle(sysid: number): VehicleSnapshot {
  return {
    sysid,
    lastHeardT: null,
    linkUp: false,
    armed: false,
    customMode: null,
    modeName: null,
    systemStatus: null,
    position: null,
    battery: null,
    gps: null,
    ekfPositionOk: null,
    home: null,
    missionSeq: null,
    missionTotal: null,
    landedState: null,
  };
}

/** A new flight, just approved. */
export function initialFlightState(sysid: number, ctx: FlightContext, t: number): FlightState {
  validatePlanForFlight(ctx.plan);
  const o = opts(ctx);
  const route = plannedRoute(ctx);
  return {
    status: 'approved',
    since: t,
    reason: null,
    vehicle: emptyVehicle(sysid),
    progress: { alongM: 0, totalM: route.totalM, fraction: 0, offRouteM: null, etaDropS: null, etaHomeS: null },
    delivery: newDeliveryRecord(ctx.plan.delivery, o.releaseToleranceM),
    abort: null,
    paused: null,
    requestedMode: null,
    activeAlerts: {},
    startBatteryPct: null,
    returnBy: null,
    fenceBreachAt: null,
    missionMismatch: null,
    missionVerifiedAt: null,
    rebootedAt: null,
    lastLinkLostAt: null,
    timestamps: { uploadedAt: null, armedAt: null, takeoffAt: null, landedAt: null },
  };
}

/** Refuse a plan the state machine cannot follow, saying what is wrong. */
export function validatePlanForFlight(plan: VehiclePlan): void {
  const d = plan?.delivery;
  if (!d) throw new Error('flight: plan.delivery is missing');
  if (!Number.isFinite(d.lat) || !Number.isFinite(d.lon) || Math.abs(d.lat) > 90 || Math.abs(d.lon) > 180) {
    throw new Error(`flight: plan.delivery position is not a valid lat/lon: ${d.lat}, ${d.lon}`);
  }
  if (!Number.isInteger(d.seq) || d.seq < 1) throw new Error(`flight: plan.delivery.seq must be a mission item number ≥ 1, got ${d.seq}`);
  if (!plan.mission.some((it) => it.seq === d.seq))
    throw new Error(`flight: plan.delivery.seq ${d.seq} is not an item of the mission (${plan.mission.length} items)`);
  if (!Number.isFinite(plan.home?.lat) || !Number.isFinite(plan.home?.lon)) throw new Error('flight: plan.home is not a valid position');
}

/**
 * Where the delivery sits among the NAV items (MISSION_CURRENT and MISSION_ITEM_REACHED only ever
 * name NAV items). A NAV delivery item (PAYLOAD_PLACE) is its own phase. A DO release (DO_GRIPPER
 * after a winch loiter or a NAV_LAND) runs when the NAV item before it completes, i.e. as the
 * vehicle moves on to the NAV item after it: the phase spans from that NAV item before to the one after.
 */
export interface DeliveryPhase {
  navDelivery: boolean;
  /** First NAV item of the delivery (MISSION_CURRENT ≥ this: delivering). */
  startNav: number;
  /** First NAV item after the delivery item (Infinity when none). */
  nextNav: number;
}

const phaseCache = new WeakMap<VehiclePlan, DeliveryPhase>();

export function isNavCommand(command: number): boolean {
  return command < 100; // MAV_CMD_NAV_* are 16..95; DO_ / CONDITION_ are 112+
}

export function deliveryPhase(plan: VehiclePlan): DeliveryPhase {
  const hit = phaseCache.get(plan);
  if (hit) return hit;
  const seq = plan.delivery.seq;
  const item = plan.mission.find((it) => it.seq === seq);
  const navDelivery = item ? isNavCommand(item.command) : true;
  let startNav = seq;
  if (!navDelivery) {
    let before = -1;
    for (const it of plan.mission) if (it.seq > 0 && it.seq < seq && isNavCommand(it.command) && it.seq > before) before = it.seq;
    if (before > 0) startNav = before;
  }
  let nextNav = Infinity;
  for (const it of plan.mission) if (it.seq > seq && isNavCommand(it.command) && it.seq < nextNav) nextNav = it.seq;
  const ph = { navDelivery, startNav, nextNav };
  phaseCache.set(plan, ph);
  return ph;
}

const RETURN_MODES = new Set<number>([COPTER_MODE.RTL, 21 /* SMART_RTL */, 27 /* AUTO_RTL */]);
const MAV_STATE_BOOT = 1;
const MAV_LANDED_STATE_ON_GROUND = 1;

function modeName(m: number | null): string {
  return m === null ? 'unknown' : (COPTER_MODES[m] ?? `mode ${m}`);
}

/**
 * The reducer. Pure: the same state, input and context give the same result; nothing is mutated.
 */
export function reduceFlight(state: FlightState, input: FlightInput, ctx: FlightContext): ReduceResult {
  const r = new Reduction(state, ctx);
  r.apply(input);
  return r.result();
}

class Reduction {
  private s: FlightState;
  private readonly transitions: Transition[] = [];
  private readonly alerts: Alert[] = [];
  private deliveryChanged = false;
  private readonly o: FlightOptions;

  constructor(
    private readonly prev: FlightState,
    private readonly ctx: FlightContext,
  ) {
    this.s = prev;
    this.o = opts(ctx);
  }

  result(): ReduceResult {
    return { state: this.s, transitions: this.transitions, alerts: this.alerts, deliveryChanged: this.deliveryChanged };
  }

  private patch(p: Partial<FlightState>): void {
    this.s = { ...this.s, ...p };
  }

  private vehicle(p: Partial<VehicleSnapshot>): void {
    this.s = { ...this.s, vehicle: { ...this.s.vehicle, ...p } };
  }

  private go(to: FlightStatus, t: number, cause: string, reason?: string): void {
    const from = this.s.status;
    if (from === to || isTerminal(from)) return;
    this.transitions.push({ from, to, t, cause });
    // An ETA to the drop point means something only on the way there (progress sets it for en-route
    // only, at the next position): once delivering, returning or on the ground, it is gone at once.
    const p = this.s.progress;
    const progress = to !== 'en-route' && p.etaDropS !== null ? { progress: { ...p, etaDropS: null } } : {};
    this.patch({ status: to, since: t, ...(reason !== undefined ? { reason } : {}), ...progress });
  }

  private fail(t: number, cause: string, reason: string): void {
    this.go('failed', t, cause, reason);
  }

  private raise(kind: LatchedAlertKind, a: Alert): void {
    if (this.s.activeAlerts[kind]) return;
    this.patch({ activeAlerts: { ...this.s.activeAlerts, [kind]: true } });
    this.alerts.push(a);
  }

  private clear(kind: LatchedAlertKind, a: Alert): void {
    if (!this.s.activeAlerts[kind]) return;
    this.patch({ activeAlerts: { ...this.s.activeAlerts, [kind]: false } });
    this.alerts.push(a);
  }

  private setDelivery(d: DeliveryRecord): void {
    if (d === this.s.delivery) return;
    this.patch({ delivery: d });
    this.deliveryChanged = true;
  }

  private get airborne(): boolean {
    return AIRBORNE_STATUSES.includes(this.s.status);
  }

  apply(input: FlightInput): void {
    switch (input.type) {
      case 'heartbeat':
        return this.heartbeat(input);
      case 'position':
        return this.position(input);
      case 'battery':
        return this.battery(input);
      case 'gps':
        this.heard(input.t);
        return this.vehicle({ gps: { fixType: input.fixType, satellites: input.satellites } });
      case 'ekf':
        this.heard(input.t);
        return this.vehicle({ ekfPositionOk: input.positionOk });
      case 'home':
        this.heard(input.t);
        return this.vehicle({ home: { lat: input.lat, lon: input.lon, altAmslM: input.altAmslM } });
      case 'mission-current':
        return this.missionCurrent(input);
      case 'item-reached':
        return this.itemReached(input);
      case 'statustext':
        return this.statustext(input);
      case 'landed-state':
        return this.landedState(input);
      case 'link':
        if (input.up) return this.linkUp(input.t, 'link restored');
        // The link layer watches heartbeats; telemetry heard moments ago means the vehicle is reachable.
        if (this.s.vehicle.lastHeardT !== null && input.t - this.s.vehicle.lastHeardT < Math.min(1000, this.o.linkSilenceMs / 2)) return;
        return this.linkDown(input.t, 'the link layer lost the vehicle');
      case 'tick':
        return this.tick(input.t);
      default:
        return this.action(input);
    }
  }

  // --- telemetry -------------------------------------------------------------------------------

  private heard(t: number): void {
    if (!this.s.vehicle.linkUp) this.linkUp(t, 'telemetry received again');
    this.vehicle({ lastHeardT: t });
  }

  private linkDown(t: number, why: string): void {
    if (!this.s.vehicle.linkUp && this.s.activeAlerts['link-lost']) return;
    this.vehicle({ linkUp: false });
    if (isTerminal(this.s.status) || this.s.status === 'approved') return;
    this.patch({ lastLinkLostAt: t });
    const silentS = this.s.vehicle.lastHeardT === null ? null : (t - this.s.vehicle.lastHeardT) / 1000;
    this.raise(
      'link-lost',
      alert(
        'link-lost',
        this.airborne ? 'critical' : 'warning',
        t,
        `Link lost (${why}${silentS !== null ? `, silent for ${silentS.toFixed(1)} s` : ''}); the vehicle's own failsafe applies`,
        silentS !== null ? { silentS: Math.round(silentS * 10) / 10 } : undefined,
      ),
    );
  }

  private linkUp(t: number, why: string): void {
    this.vehicle({ linkUp: true });
    this.clear('link-lost', cleared('link-lost', 'link-back', t, `Link back (${why})`));
  }

  private tick(t: number): void {
    const last = this.s.vehicle.lastHeardT;
    if (last !== null && this.s.vehicle.linkUp && t - last > this.o.linkSilenceMs)
      this.linkDown(t, `no telemetry for more than ${this.o.linkSilenceMs / 1000} s`);
  }

  private heartbeat(e: Extract<VehicleEvent, { type: 'heartbeat' }>): void {
    const v = this.s.vehicle;
    const wasArmed = v.armed;
    const prevMode = v.customMode;
    this.heard(e.t);
    this.vehicle({ armed: e.armed, customMode: e.customMode, modeName: e.modeName || modeName(e.customMode), systemStatus: e.systemStatus });

    // A restarted autopilot: BOOT state, or armed in flight one moment and disarmed in its boot mode
    // (STABILIZE) the next, with no landing in between.
    const rebooted =
      this.airborne &&
      (e.systemStatus === MAV_STATE_BOOT || (wasArmed && !e.armed && e.customMode === COPTER_MODE.STABILIZE && prevMode !== COPTER_MODE.STABILIZE));
    if (rebooted) return this.reboot(e.t, e.systemStatus === MAV_STATE_BOOT ? 'HEARTBEAT system status BOOT' : 'HEARTBEAT disarmed in STABILIZE mid-flight');

    const st = this.s.status;
    if (st === 'arming') {
      if (e.armed && !wasArmed) this.patch({ timestamps: { ...this.s.timestamps, armedAt: e.t } });
      if (e.armed && e.customMode === COPTER_MODE.AUTO) {
        this.patch({ timestamps: { ...this.s.timestamps, takeoffAt: e.t }, startBatteryPct: this.s.vehicle.battery?.remainingPct ?? null });
        this.go('en-route', e.t, 'HEARTBEAT armed, mode AUTO');
      } else if (wasArmed && !e.armed) {
        this.fail(e.t, 'HEARTBEAT disarmed', 'the vehicle disarmed before the mission started (no MISSION_START within DISARM_DELAY?)');
      }
      return;
    }
    if (!this.airborne) return;

    if (prevMode !== e.customMode && prevMode !== null) this.modeChanged(e.t, prevMode, e.customMode);
    if (wasArmed && !e.armed) this.disarmed(e.t, 'HEARTBEAT disarmed');
  }

  private modeChanged(t: number, from: number, to: number): void {
    const requested = this.s.requestedMode !== null && this.s.requestedMode.mode === to;
    const fenceRecent = this.s.fenceBreachAt !== null && t - this.s.fenceBreachAt < 10_000;
    if (RETURN_MODES.has(to)) {
      const cause = `HEARTBEAT mode ${modeName(to)}${requested ? '' : fenceRecent ? ' (fence breach)' : ' (not requested)'}`;
      if (this.s.status !== 'returning') {
        this.patch({ returnBy: 'rtl' });
        this.go('returning', t, cause);
      } else {
        this.patch({ returnBy: 'rtl' });
      }
      if (!requested && fenceRecent) {
        this.raise(
          'fence-breach',
          alert(
            'fence-breach',
            'critical',
            t,
            `Fence breach: the vehicle switched to ${modeName(to)} and returns home`,
            { mode: modeName(to) },
            'fence-breach-rtl',
          ),
        );
      }
    }
    if (to === COPTER_MODE.AUTO || requested) return;
    if (RETURN_MODES.has(to) && fenceRecent) return;
    this.alerts.push(
      alert('unexpected-mode', 'critical', t, `Mode changed to ${modeName(to)} (from ${modeName(from)}) without a request from medidrop`, {
        from: modeName(from),
        to: modeName(to),
      }),
    );
  }

  private disarmed(t: number, cause: string): void {
    const method = this.ctx.plan.delivery.method;
    // A land-and-release delivery may touch down (and disarm) at the drop point: that is the delivery.
    if (this.s.status === 'delivering' && method === 'land-release' && !this.s.delivery.release) return;
    this.land(t, cause);
  }

  private land(t: number, cause: string): void {
    if (!this.airborne) return;
    this.patch({ timestamps: { ...this.s.timestamps, landedAt: t } });
    this.go('landed', t, cause);
    this.finish(t);
  }

  /** landed → completed / aborted / failed. */
  private finish(t: number): void {
    const home = this.s.vehicle.home ?? { lat: this.ctx.plan.home.lat, lon: this.ctx.plan.home.lon };
    const pos = this.s.vehicle.position;
    const awayM = pos ? distanceM([home.lon, home.lat], [pos.lon, pos.lat]) : null;
    const atHome = awayM !== null && awayM <= this.o.homeToleranceM;
    if (!atHome) {
      this.alerts.push(
        alert(
          'landed-away',
          'critical',
          t,
          awayM === null ? 'Landed, position unknown' : `Landed ${awayM.toFixed(0)} m from the depot`,
          awayM === null ? undefined : { distanceM: Math.round(awayM) },
          awayM === null ? 'landed-position-unknown' : 'landed-away',
        ),
      );
    }
    this.setProgressDone(atHome);
    if (!this.s.abort && !this.s.delivery.release && this.s.delivery.reason === 'not released yet') this.noRelease(t);
    if (this.s.abort) {
      this.go(
        'aborted',
        t,
        `landed after abort by ${this.s.abort.by}`,
        `aborted by ${this.s.abort.by}${this.s.abort.reason ? `: ${this.s.abort.reason}` : ''}`,
      );
    } else if (!this.s.delivery.delivered) {
      this.fail(t, 'landed without delivery', `landed without a confirmed delivery: ${this.s.delivery.reason ?? 'unknown'}`);
    } else if (!atHome) {
      this.fail(t, 'landed away from the depot', awayM === null ? 'landed, position unknown' : `delivered, but landed ${awayM.toFixed(0)} m from the depot`);
    } else {
      this.go('completed', t, `landed ${awayM!.toFixed(1)} m from home after delivery`);
    }
  }

  private setProgressDone(atHome: boolean): void {
    const p = this.s.progress;
    // The planned route counts as flown only when the parcel went out: an aborted sortie that came
    // straight home keeps the fraction it had reached.
    if (atHome && this.s.delivery.delivered) this.patch({ progress: { ...p, alongM: p.totalM, fraction: 1, etaDropS: null, etaHomeS: 0, offRouteM: null } });
    else if (atHome) this.patch({ progress: { ...p, etaDropS: null, etaHomeS: 0, offRouteM: null } });
    else this.patch({ progress: { ...p, etaDropS: null, etaHomeS: null, offRouteM: null } });
  }

  private missionChanged(t: number, cause: string, message: string, data?: Alert['data']): void {
    this.patch({ missionMismatch: { t, message } });
    this.alerts.push(alert('mission-changed', 'critical', t, `The mission on the vehicle does not match the plan: ${message}`, data));
    this.fail(t, cause, `mission changed on the vehicle: ${message}`);
  }

  private reboot(t: number, cause: string): void {
    this.patch({ rebootedAt: t });
    this.alerts.push(alert('vehicle-rebooted', 'critical', t, `The vehicle rebooted mid-flight (${cause}); the flight is not continued`));
    this.fail(t, cause, 'the vehicle rebooted mid-flight');
  }

  private position(e: Extract<VehicleEvent, { type: 'position' }>): void {
    const prevBoot = this.s.vehicle.position?.timeBootMs;
    this.heard(e.t);
    const timeBootMs = e.timeBootMs;
    this.vehicle({
      position: {
        t: e.t,
        lat: e.lat,
        lon: e.lon,
        relAltM: e.relAltM,
        altAmslM: e.altAmslM,
        groundSpeedMs: e.groundSpeedMs,
        headingDeg: e.headingDeg,
        ...(timeBootMs !== undefined ? { timeBootMs } : {}),
      },
    });
    if (this.airborne && prevBoot !== undefined && timeBootMs !== undefined && timeBootMs + 5000 < prevBoot) {
      return this.reboot(e.t, `boot time went back from ${(prevBoot / 1000).toFixed(0)} s to ${(timeBootMs / 1000).toFixed(0)} s`);
    }
    if (!this.airborne) return;
    this.updateProgress(e.t);
  }

  private updateProgress(t: number): void {
    const pos = this.s.vehicle.position;
    if (!pos) return;
    const route = plannedRoute(this.ctx);
    const p = this.s.progress;
    const here: LonLat = [pos.lon, pos.lat];
    const outLen = route.outbound.lengthM;
    let alongM = p.alongM;
    let offRouteM: number | null = null;
    /** Straight-line distance left on an RTL return (it does not follow the planned route). */
    let rtlRemainingM: number | null = null;
    if (this.s.status === 'en-route') {
      const pr = route.outbound.project(here, alongM);
      alongM = Math.max(alongM, Math.min(pr.alongM, outLen));
      offRouteM = pr.offRouteM;
    } else if (this.s.status === 'delivering') {
      alongM = Math.max(alongM, outLen);
    } else if (this.s.status === 'returning') {
      if (this.s.returnBy === 'rtl') {
        const home = this.s.vehicle.home ?? { lat: this.ctx.plan.home.lat, lon: this.ctx.plan.home.lon };
        const toHome = distanceM(here, [home.lon, home.lat]);
        rtlRemainingM = toHome;
        // Before the drop an RTL (an abort, a failsafe) flies none of the planned route: progress
        // stays where it stopped; after the drop it counts down the distance home.
        if (this.s.delivery.delivered) alongM = Math.max(alongM, Math.min(route.totalM, route.totalM - toHome));
      } else {
        const pr = route.inbound.project(here, Math.max(0, alongM - outLen));
        alongM = Math.max(alongM, outLen + Math.min(pr.alongM, route.inbound.lengthM));
        offRouteM = pr.offRouteM;
      }
    }
    // ETA: remaining path over ground speed; when hovering (or delivering) use the planned speed.
    const planned = this.o.fallbackSpeedMs ?? route.plannedSpeedMs ?? 8;
    const speed = pos.groundSpeedMs >= 2 ? pos.groundSpeedMs : planned;
    const toDrop = Math.max(0, outLen - alongM);
    const etaDropS = this.s.status === 'en-route' ? toDrop / speed : null;
    const horizontalLeftM = rtlRemainingM ?? Math.max(0, route.totalM - alongM);
    // home is only reached on the ground: the landing descent is part of the way home
    const etaHomeS = horizontalLeftM / speed + landingTimeS(pos.relAltM);
    // Progress covers the whole flight: the climb, the route there and back, and the landing at
    // home; the landing counts once the drone is over the depot (within the home tolerance).
    const v = route.verticalM;
    const climbed = this.s.status === 'en-route' ? Math.min(v, Math.max(0, pos.relAltM)) : v;
    const overHome = this.s.status === 'returning' && horizontalLeftM <= this.o.homeToleranceM;
    const landedM = overHome ? Math.min(v, Math.max(0, v - pos.relAltM)) : 0;
    const whole = route.totalM + 2 * v;
    // never 1 in the air: "100 %" is the landing (setProgressDone); never backwards either
    const airborneFraction = whole > 0 ? Math.min(0.99, (climbed + alongM + landedM) / whole) : 0;
    const fraction = Math.max(p.fraction, airborneFraction);
    this.patch({ progress: { alongM, totalM: route.totalM, fraction, offRouteM, etaDropS, etaHomeS } });

    if (offRouteM !== null && pos.relAltM > 2) {
      if (offRouteM > this.o.offRouteM) {
        this.raise(
          'off-route',
          alert('off-route', 'warning', t, `Off the planned route by ${offRouteM.toFixed(0)} m (limit ${this.o.offRouteM} m)`, {
            offRouteM: Math.round(offRouteM),
            limitM: this.o.offRouteM,
          }),
        );
      } else if (offRouteM < this.o.offRouteM / 2) {
        this.clear(
          'off-route',
          cleared('off-route', 'back-on-route', t, `Back on the planned route (${offRouteM.toFixed(0)} m off)`, { offRouteM: Math.round(offRouteM) }),
        );
      }
    }
  }

  private battery(e: Extract<VehicleEvent, { type: 'battery' }>): void {
    this.heard(e.t);
    this.vehicle({ battery: { t: e.t, remainingPct: e.remainingPct, voltageV: e.voltageV, currentA: e.currentA } });
    if (this.s.status === 'arming' || (this.airborne && this.s.startBatteryPct === null)) {
      if (this.s.startBatteryPct === null || this.s.status === 'arming') this.patch({ startBatteryPct: e.remainingPct });
    }
    if (!this.airborne || e.remainingPct < 0) return;
    const energy = plannedEnergy(this.ctx);
    if (!energy || this.s.startBatteryPct === null) return;
    const deficit = batteryDeficitPct({
      startPct: this.s.startBatteryPct,
      remainingPct: e.remainingPct,
      plannedUsePct: energy.plannedUsePct,
      progress: this.s.progress.fraction,
    });
    const limit = Math.max(this.o.batteryNoisePct, energy.sparePct);
    if (deficit > limit) {
      this.raise(
        'battery-below-margin',
        alert(
          'battery-below-margin',
          'critical',
          e.t,
          `Battery ${e.remainingPct.toFixed(0)} % is ${deficit.toFixed(0)} points below the plan at ${(this.s.progress.fraction * 100).toFixed(0)} % of the route (the plan's spare is ${limit.toFixed(0)})`,
          {
            remainingPct: e.remainingPct,
            deficitPct: Math.round(deficit * 10) / 10,
            sparePct: Math.round(limit * 10) / 10,
            routePct: Math.round(this.s.progress.fraction * 100),
          },
        ),
      );
    }
  }

  private missionCurrent(e: Extract<VehicleEvent, { type: 'mission-current' }>): void {
    this.heard(e.t);
    const prevSeq = this.s.vehicle.missionSeq;
    this.vehicle({ missionSeq: e.seq, missionTotal: e.total });
    // MISSION_CURRENT.total is the vehicle's item count − 1: a different count is a different mission.
    // (0 = unknown: older firmware leaves the extension field out.)
    const st = this.s.status;
    const expectTotal = this.ctx.plan.mission.length - 1;
    if (e.total > 0 && e.total !== expectTotal && (st === 'uploaded' || st === 'arming' || this.airborne) && !this.s.missionMismatch) {
      return this.missionChanged(e.t, `MISSION_CURRENT total ${e.total}`, `the vehicle holds ${e.total + 1} mission items, the plan has ${expectTotal + 1}`, {
        vehicleItems: e.total + 1,
        planItems: expectTotal + 1,
      });
    }
    if (!this.airborne || prevSeq === e.seq) return;
    const ph = deliveryPhase(this.ctx.plan);
    const cause = `MISSION_CURRENT seq ${e.seq}`;
    if (this.s.status === 'en-route' && e.seq >= ph.startNav) this.go('delivering', e.t, cause);
    if (this.s.status !== 'delivering') return;
    // The delivery item is done once the vehicle has moved on to the NAV item after it (a DO
    // release runs exactly then; a PAYLOAD_PLACE completes with its climb back).
    if (e.seq >= ph.nextNav) this.itemDone(e.t);
    if (e.seq > ph.nextNav || (e.seq === ph.nextNav && (this.s.delivery.release || ph.navDelivery))) this.leaveDelivery(e.t, cause);
  }

  private itemReached(e: Extract<VehicleEvent, { type: 'item-reached' }>): void {
    this.heard(e.t);
    if (!this.airborne) return;
    const ph = deliveryPhase(this.ctx.plan);
    const cause = `MISSION_ITEM_REACHED seq ${e.seq}`;
    if (this.s.status === 'en-route' && e.seq >= ph.startNav) this.go('delivering', e.t, cause);
    if (this.s.status !== 'delivering') return;
    if (ph.navDelivery && e.seq === this.ctx.plan.delivery.seq) {
      // PAYLOAD_PLACE is reached after the release and the climb back
      this.itemDone(e.t);
      if (this.s.delivery.release) this.leaveDelivery(e.t, cause);
    } else if (e.seq >= ph.nextNav) {
      this.itemDone(e.t);
      this.leaveDelivery(e.t, cause);
    }
  }

  private itemDone(t: number): void {
    if (this.s.status === 'en-route' || this.s.status === 'delivering') this.setDelivery(recordItemDone(this.s.delivery, t));
  }

  private leaveDelivery(t: number, cause: string): void {
    if (this.s.status !== 'en-route' && this.s.status !== 'delivering') return;
    if (!this.s.delivery.release) this.noRelease(t);
    this.patch({ returnBy: this.s.returnBy ?? 'mission' });
    this.go('returning', t, cause);
  }

  /** The vehicle went past the delivery (or landed) and no release was heard. */
  private noRelease(t: number): void {
    if (this.s.delivery.release) return;
    const lost = this.s.lastLinkLostAt !== null && this.s.timestamps.takeoffAt !== null && this.s.lastLinkLostAt >= this.s.timestamps.takeoffAt;
    if (lost) {
      this.setDelivery({
        ...this.s.delivery,
        reason: 'no release reported: the link was lost during the flight, so a release may have gone unheard (confirm with the hand-over code)',
      });
      this.alerts.push(
        alert(
          'not-released',
          'critical',
          t,
          'No release was reported; the link was lost during the flight, so the release may have gone unheard',
          undefined,
          'not-released-link-lost',
        ),
      );
    } else {
      this.setDelivery({ ...this.s.delivery, reason: 'no release reported at the drop point (no ground found within the descent limit?)' });
      this.alerts.push(
        alert('not-released', 'critical', t, 'The vehicle left the delivery item without reporting a release (no ground found within the descent limit?)'),
      );
    }
  }

  private statustext(e: Extract<VehicleEvent, { type: 'statustext' }>): void {
    this.heard(e.t);
    if (
      isReleaseText(e.text) &&
      (this.s.status === 'en-route' || this.s.status === 'delivering' || this.s.status === 'returning') &&
      !this.s.delivery.release
    ) {
      const ph = deliveryPhase(this.ctx.plan);
      const seq = this.s.vehicle.missionSeq ?? -1;
      const onItem = seq >= ph.startNav && seq <= ph.nextNav;
      if (this.s.status === 'en-route') this.go('delivering', e.t, `STATUSTEXT '${e.text}'`);
      const rec = recordRelease(this.s.delivery, { t: e.t, text: e.text, seq: onItem ? this.ctx.plan.delivery.seq : seq, position: this.s.vehicle.position });
      this.setDelivery(rec);
      if (releaseFailed(rec)) {
        this.alerts.push(
          alert(
            'release-off-target',
            'critical',
            e.t,
            `Parcel released but not delivered: ${rec.reason}`,
            Number.isFinite(rec.release!.distanceM) ? { distanceM: Math.round(rec.release!.distanceM * 10) / 10, toleranceM: rec.toleranceM } : undefined,
          ),
        );
      }
      // A DO release runs as the vehicle moves on to the next NAV item: that ends the delivery.
      if (this.s.status === 'delivering' && !ph.navDelivery && seq >= ph.nextNav) {
        this.itemDone(e.t);
        this.leaveDelivery(e.t, `STATUSTEXT '${e.text}'`);
      }
      return;
    }
    const c = classifyStatusText(e.text);
    if (!c) return;
    if (c.kind === 'fence-breach') {
      this.patch({ fenceBreachAt: e.t });
      if (this.airborne) this.raise('fence-breach', alert('fence-breach', 'critical', e.t, `Fence breach: '${c.text}'`, { text: c.text }));
    } else if (c.kind === 'fence-cleared') {
      this.clear('fence-breach', cleared('fence-breach', 'fence-cleared', e.t, `'${c.text}'`, { text: c.text }));
    } else if (c.kind === 'failsafe') {
      if (this.airborne || this.s.status === 'arming')
        this.alerts.push(alert('failsafe', 'critical', e.t, `Failsafe: '${c.text}'`, { what: c.what, text: c.text }));
    } else if (c.kind === 'arm-refused' && this.s.status === 'arming') {
      if (this.s.lastArmRefusal === c.text) return;
      this.patch({ lastArmRefusal: c.text });
      this.alerts.push(alert('arm-refused', 'warning', e.t, `Arming refused: '${c.text}'`, { text: c.text }));
    }
  }

  private landedState(e: Extract<VehicleEvent, { type: 'landed-state' }>): void {
    this.heard(e.t);
    this.vehicle({ landedState: e.landedState });
    // On the ground and disarmed: landed, even if the disarm heartbeat was missed.
    if (e.landedState === MAV_LANDED_STATE_ON_GROUND && !this.s.vehicle.armed && this.airborne) this.disarmed(e.t, 'EXTENDED_SYS_STATE on ground, disarmed');
  }

  // --- actions ---------------------------------------------------------------------------------

  private action(a: FlightAction): void {
    const st = this.s.status;
    switch (a.type) {
      case 'upload-started':
        if (st === 'approved' || st === 'uploaded') this.go('uploading', a.t, 'upload started');
        return;
      case 'upload-finished':
        if (st === 'uploading') {
          this.patch({ timestamps: { ...this.s.timestamps, uploadedAt: a.t } });
          this.go(
            'uploaded',
            a.t,
            a.items ? `upload verified (mission ${a.items.mission}, fence ${a.items.fence}, rally ${a.items.rally} items)` : 'upload verified',
          );
        }
        return;
      case 'upload-failed':
        if (st === 'uploading' || st === 'approved') {
          this.alerts.push(alert('upload-failed', 'critical', a.t, `Upload failed: ${a.message}`));
          this.fail(a.t, 'upload failed', `upload failed: ${a.message}`);
        }
        return;
      case 'vehicle-check-failed':
        if (st === 'uploaded' || st === 'uploading' || st === 'approved') {
          const what = a.problems.join('; ') || 'unknown problem';
          this.alerts.push(alert('vehicle-config', 'critical', a.t, `Not flown: ${what}`, { problems: a.problems.length }));
          this.fail(a.t, 'vehicle configuration check failed', `vehicle configuration check failed: ${what}`);
        }
        return;
      case 'arm-requested':
        if (st === 'uploaded') this.go('arming', a.t, 'arm requested');
        return;
      case 'arm-failed':
        if (st === 'arming' || st === 'uploaded') this.fail(a.t, 'arming failed', `arming failed: ${a.message}`);
        return;
      case 'mission-start-failed':
        if (st === 'arming') this.fail(a.t, 'mission start refused', `mission start failed: ${a.message}`);
        return;
      case 'mode-requested':
        this.patch({ requestedMode: { mode: a.mode, t: a.t } });
        return;
      case 'abort':
        return this.abort(a);
      case 'pause':
        if (this.airborne) {
          this.patch({ paused: { by: a.by, t: a.t } });
        }
        return;
      case 'resume':
        this.patch({ paused: null });
        return;
      case 'reattached':
        return;
      case 'mission-verified':
        if (a.ok) this.patch({ missionVerifiedAt: a.t });
        else if (!isTerminal(st) && !this.s.missionMismatch) this.missionChanged(a.t, 'mission read back differs from the plan', a.message);
        return;
      case 'fail':
        this.fail(a.t, a.reason, a.reason);
        return;
      case 'tick':
        return this.tick(a.t);
    }
  }

  private abort(a: Extract<FlightAction, { type: 'abort' }>): void {
    const st = this.s.status;
    if (isTerminal(st) || this.s.abort) return;
    this.patch({ abort: { by: a.by, t: a.t, reason: a.reason ?? null } });
    const why = `aborted by ${a.by}${a.reason ? `: ${a.reason}` : ''}`;
    if (st === 'approved' || st === 'uploading' || st === 'uploaded' || st === 'arming') {
      this.go('aborted', a.t, `abort by ${a.by}`, why);
    } else if (this.airborne) {
      this.patch({ returnBy: 'rtl', paused: null });
      if (st !== 'returning') this.go('returning', a.t, `abort by ${a.by}`);
    } else if (st === 'landed') {
      this.go('aborted', a.t, `abort by ${a.by}`, why);
    }
  }
}
