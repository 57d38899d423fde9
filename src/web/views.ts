/**
 * Records → API views (src/web/api-types.ts). Live flight facts (position, battery, link, ETA) come
 * from the fleet tracker's in-memory state when the flight is running here, else from the last
 * state the tracker stored.
 */
import { outcomeText } from './outcome-text.js';
import { flightEta, type FlightState as FleetState } from '../fleet/flight-state.js';
import { standingAlerts } from '../fleet/alerts.js';
import type { DeliveryPlan } from '../planner/types.js';
import type { Repositories } from '../store/repositories.js';
import type { CompletedDelivery, DropRequestRecord, MissionRecord, ServiceFlight, UserRecord } from '../store/records.js';
import type { Eta } from '../dispatch/queue-eta.js';
import type { FleetDrone } from '../dispatch/fleet-view.js';
import type {
  DroneView,
  QueueEta,
  DropRequestView,
  FlightAlertView,
  FlightDeliveryView,
  FlightView,
  LonLatPair,
  MissionDetail,
  MissionSummary,
  UserView,
} from './api-types.js';
import { PREFLIGHT_CHECKLIST } from './api-types.js';
import { userView } from './auth.js';
import { outboundDurationS } from '../dispatch/queue-eta.js';

export { outboundDurationS };

export interface ViewSources {
  repos: Repositories;
  handoverCode(requestId: number): string;
  /** Latest runner state of a flight (memory first, else stored). */
  liveState(flight: ServiceFlight): FleetState | null;
  /** Whether this process is following the flight right now (else the stored state is shown, link down). */
  isLive?(flightId: number): boolean;
  /** Another instance holds the flight's drone and hears its vehicle (several instances). */
  linkUpElsewhere?(flight: ServiceFlight): boolean;
  /** An unfinished flight whose vehicle is not heard since re-attaching (since when, why), or null. */
  linkLost?(flightId: number): { since: string; detail: string } | null;
  /** Upload/arming progress of a flight being started. */
  progress(flightId: number): { phase: string; done: number; total: number } | null;
  /** Estimated take-off and arrival of a waiting request (dispatch/eta-service.ts). */
  queueEta?(requestId: number): Eta | null;
}

export function queueEtaView(e: Eta | null | undefined): QueueEta | null {
  return e ? { droneId: e.droneId, takeoffAt: new Date(e.takeoffAt).toISOString(), arrivalAt: new Date(e.arrivalAt).toISOString() } : null;
}

const iso = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

function userRef(repos: Repositories, id: number): UserView {
  const u = repos.users.byId(id);
  return u ? userView(u) : { id, username: 'unknown', name: 'unknown', role: 'officer' };
}

export function plannedRoute(plan: DeliveryPlan): LonLatPair[] {
  return [...plan.outbound, ...plan.inbound.slice(plan.outbound.length > 0 ? 1 : 0)] as LonLatPair[];
}

export function requestView(src: ViewSources, r: DropRequestRecord, viewer: UserRecord): DropRequestView {
  const { repos } = src;
  const officer = repos.users.byId(r.officerId);
  const mission = r.missionId !== null ? repos.missions.byId(r.missionId) : null;
  const drone = mission ? repos.drones.byId(mission.droneId) : null;
  const flight = repos.flights.forRequest(r.id);
  const live = flight ? src.liveState(flight) : null;
  const delivery = flight ? repos.flights.delivery(flight.id) : null;
  const handover = repos.requests.handoverCode(r.id);
  // Before approval the fleet's queue ETA (when a drone is free to take it, not "if it took off
  // now"); from the flight on, the flight's own ETA to the drop point.
  const queueEta = r.status === 'awaiting-approval' ? queueEtaView(src.queueEta?.(r.id)) : null;
  let eta: string | null = queueEta?.arrivalAt ?? null;
  if (r.status === 'in-flight' && flight && live) {
    const etaS = live.progress.etaDropS;
    if (etaS !== null) eta = new Date((live.vehicle.lastHeardT ?? Date.parse(repos.now())) + etaS * 1000).toISOString();
    // still on the ground (uploading, arming): the planned flight time from take-off (or now)
    else if (mission && !live.delivery.delivered && ['approved', 'uploading', 'uploaded', 'arming'].includes(live.status))
      eta = new Date(Date.parse(flight.airborneAt ?? flight.createdAt) + outboundDurationS(mission.plan) * 1000).toISOString();
  }
  const mayKnowCode = viewer.role === 'admin' || viewer.id === r.officerId;
  return {
    id: r.id,
    version: r.version,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    officer: { id: r.officerId, name: officer?.name ?? 'unknown' },
    recipient: r.recipient,
    phone: r.phone,
    dropPoint: { name: r.dropPointName, lat: r.lat, lon: r.lon, crs: r.dropPointCrs ?? 'wgs84' },
    medicine: r.medicine,
    weightKg: r.weightKg,
    urgency: r.urgency,
    notes: r.notes,
    status: r.status,
    statusReason: r.statusReason,
    // after a rejection or a cancellation the reason is what the pilot or the officer typed, unless the service wrote it
    statusReasonText: outcomeText(r.statusReason, r.status === 'rejected' || r.status === 'cancelled'),
    reasons: r.reasons,
    missionId: r.missionId,
    // an unservable request's mission is only its candidates' reasons: no depot-drone-distance line (was "0 米 · 约 0 秒")
    plan:
      mission && mission.status !== 'infeasible' && r.status !== 'unservable'
        ? {
            depot: mission.depot,
            droneId: mission.droneId,
            droneName: drone?.name ?? mission.droneId,
            distanceM: mission.plan.distanceM,
            durationS: mission.plan.durationS,
            route: plannedRoute(mission.plan),
          }
        : null,
    flight: flight ? { id: flight.id, state: flight.state } : null,
    eta,
    queueEta,
    handoverCode: mayKnowCode && r.status !== 'cancelled' ? src.handoverCode(r.id) : null,
    delivery: delivery ? deliveryView({ ...delivery, confirmedAt: handover?.confirmedAt ?? null }) : null,
  };
}

/** A stored delivery as the API shows it: the release position, the flown drop point, the distance between them. */
export function deliveryView(d: CompletedDelivery): FlightDeliveryView {
  return {
    at: d.at,
    lat: d.lat,
    lon: d.lon,
    dropPoint: d.dropLat !== null && d.dropLon !== null ? { lat: d.dropLat, lon: d.dropLon } : null,
    distanceM: d.distanceM,
    confirmedAt: d.confirmedAt,
  };
}

export function missionSummary(src: ViewSources, m: MissionRecord): MissionSummary {
  const { repos } = src;
  const r = repos.requests.byId(m.requestId)!;
  const drone = repos.drones.byId(m.droneId);
  const p = m.plan;
  return {
    id: m.id,
    requestId: m.requestId,
    requestVersion: m.requestVersion,
    status: m.status,
    urgency: r.urgency,
    createdAt: m.createdAt,
    requestedAt: r.createdAt,
    recipient: r.recipient,
    medicine: r.medicine,
    weightKg: r.weightKg,
    depot: { name: p.depot.name, position: { lat: p.depot.position[1], lon: p.depot.position[0] } },
    dropPoint: { name: p.dropPoint.name, position: { lat: p.dropPoint.position[1], lon: p.dropPoint.position[0] } },
    drone: { id: m.droneId, name: drone?.name ?? m.droneId },
    feasible: p.feasible,
    distanceM: p.distanceM,
    durationS: p.durationS,
    energyWh: p.energyWh,
    marginPct: p.marginPct,
    cruiseAltitudeM: p.cruiseAltitudeM,
    failedChecks: p.checks.filter((c) => !c.ok).length,
    flightId: repos.flights.forMission(m.id)?.id ?? null,
    queueEta: m.status === 'awaiting-approval' ? queueEtaView(src.queueEta?.(m.requestId)) : null,
  };
}

const FENCE = { returnPoint: 5000, inclusionVertex: 5001, exclusionVertex: 5002, inclusionCircle: 5003, exclusionCircle: 5004 };

/** Fence items (MAV_CMD_NAV_FENCE_*) back to polygons and circles for the map. */
export function fenceGeometry(plan: DeliveryPlan): MissionDetail['geometry']['fence'] {
  const out: MissionDetail['geometry']['fence'] = { inclusion: [], exclusion: [], circles: [], returnPoint: null };
  const items = plan.vehiclePlan?.fence ?? [];
  let i = 0;
  while (i < items.length) {
    const it = items[i]!;
    const pos: LonLatPair = [it.y / 1e7, it.x / 1e7];
    if (it.command === FENCE.inclusionVertex || it.command === FENCE.exclusionVertex) {
      const n = Math.max(1, Math.round(it.param1));
      const ring = items.slice(i, i + n).map((v) => [v.y / 1e7, v.x / 1e7] as LonLatPair);
      (it.command === FENCE.inclusionVertex ? out.inclusion : out.exclusion).push(ring);
      i += n;
      continue;
    }
    if (it.command === FENCE.inclusionCircle || it.command === FENCE.exclusionCircle) {
      out.circles.push({ center: pos, radiusM: it.param1, inclusion: it.command === FENCE.inclusionCircle });
    } else if (it.command === FENCE.returnPoint) {
      out.returnPoint = pos;
    }
    i++;
  }
  return out;
}

export function missionDetail(src: ViewSources, m: MissionRecord, viewer: UserRecord): MissionDetail {
  const { repos } = src;
  const p = m.plan;
  const request = repos.requests.byId(m.requestId)!;
  const approval = repos.missions.approval(m.id);
  const zm = m.zoneMapVersion !== null ? repos.zoneMaps.byVersion(m.zoneMapVersion) : null;
  return {
    ...missionSummary(src, m),
    request: requestView(src, request, viewer),
    // plans stored before checks named their sentence: the check's id, no params (pages show the name only)
    checks: p.checks.map((c) => ({ ...c, detail: c.detail ?? c.id, params: c.params ?? {} })),
    reasons: p.reasons,
    conditions: m.conditions,
    geometry: {
      outbound: p.outbound as LonLatPair[],
      inbound: p.inbound as LonLatPair[],
      waypoints: p.waypoints,
      depot: p.depot.position as LonLatPair,
      dropPoint: p.dropPoint.position as LonLatPair,
      fence: fenceGeometry(p),
      rally: p.rally.points as LonLatPair[],
      zones: zm ? (JSON.parse(zm.geojson) as MissionDetail['geometry']['zones']) : { type: 'FeatureCollection', features: [] },
    },
    legs: p.legs.map((l) => ({ ...l, from: l.from as LonLatPair, to: l.to as LonLatPair })),
    fence: p.fence,
    rallyUnsafeLegs: p.rally.unsafeLegs,
    terrain: p.terrain
      ? {
          groundModel: p.terrain.groundModel,
          dem: p.terrain.dem,
          homeGroundM: Number.isFinite(p.terrain.homeGroundM) ? p.terrain.homeGroundM : null,
          requiredClearanceM: p.terrain.requiredClearanceM,
          maxAglLimitM: p.terrain.maxAglLimitM,
          minClearanceM: p.terrain.minClearanceM,
          maxAglM: p.terrain.maxAglM,
          profile: p.terrain.profile ?? null,
        }
      : null,
    candidates: m.candidates.map((c) => ({ ...c, marginPct: Number.isFinite(c.marginPct) ? c.marginPct : 0 })),
    checklist: PREFLIGHT_CHECKLIST,
    approval:
      approval?.decision === 'approved'
        ? { by: userRef(repos, approval.userId), at: approval.at, checklist: approval.checklist, requestVersion: approval.requestVersion }
        : null,
    rejection: approval?.decision === 'rejected' ? { by: userRef(repos, approval.userId), at: approval.at, reason: approval.reason ?? '' } : null,
  };
}

export function flightView(src: ViewSources, f: ServiceFlight, opts: { history?: boolean } = {}): FlightView {
  const { repos } = src;
  const mission = repos.missions.byId(f.missionId);
  const drone = repos.drones.byId(f.droneId);
  const live = src.liveState(f);
  const delivery = repos.flights.delivery(f.id);
  const v = live?.vehicle;
  const eta = live ? flightEta(live.progress) : null;
  const ended = f.endedAt !== null;
  // the summary of a finished flight needs no alerts at all: skip reading them (GET /api/flights lists every flight)
  const history: FlightAlertView[] = (opts.history === false && ended ? [] : repos.flights.alerts(f.id)).map((a) => ({
    kind: a.kind,
    code: a.code ?? a.kind,
    params: a.params,
    severity: a.severity,
    message: a.message,
    at: a.at,
  }));
  return {
    id: f.id,
    missionId: f.missionId,
    requestId: f.requestId,
    drone: { id: f.droneId, name: drone?.name ?? f.droneId, sysid: f.sysid },
    state: f.state,
    stateReason: f.stateReason,
    stateReasonText: outcomeText(f.stateReason),
    // the runner's state where this process follows the flight; elsewhere the flight row, which a pause
    // or resume updates when the vehicle accepted it (the stored runner state may be a few seconds old)
    paused: live && (src.isLive?.(f.id) ?? true) ? live.paused !== null : f.paused,
    createdAt: f.createdAt,
    airborneAt: f.airborneAt,
    endedAt: f.endedAt,
    progress: src.progress(f.id),
    routeFraction: live?.progress.fraction ?? (f.state === 'completed' ? 1 : 0),
    position: v?.position
      ? {
          t: new Date(v.position.t).toISOString(),
          lat: v.position.lat,
          lon: v.position.lon,
          relAltM: v.position.relAltM,
          groundSpeedMs: v.position.groundSpeedMs,
          headingDeg: v.position.headingDeg,
        }
      : null,
    batteryPct: v?.battery?.remainingPct ?? null,
    link: { up: (src.isLive?.(f.id) ?? true) ? (v?.linkUp ?? false) : (src.linkUpElsewhere?.(f) ?? false), lastHeardAt: iso(v?.lastHeardT) },
    linkLost: linkLost(src, f),
    mode: v?.modeName ?? null,
    eta: eta && !ended ? new Date((v?.lastHeardT ?? Date.now()) + eta.s * 1000).toISOString() : null,
    etaTo: eta && !ended ? eta.to : null,
    alerts: opts.history === false ? [] : history,
    // a finished flight has nothing standing: its card is gone and its page says how it ended
    activeAlerts: ended ? [] : standingAlerts(history),
    transitions: opts.history === false ? [] : repos.flights.transitions(f.id).map((t) => ({ from: t.from, to: t.to, at: t.at, cause: t.cause })),
    delivery: delivery ? deliveryView(delivery) : null,
    plannedRoute: mission ? plannedRoute(mission.plan) : [],
  };
}

/** A drone with its fleet state, battery, link and position (GET /api/drones, the 'drone' event). */
export function droneView(
  f: FleetDrone,
  profile: { name: string; maxPayloadKg: number; cruiseSpeedMs: number; batteryWh: number } | null,
  lost = false,
): DroneView {
  const d = f.drone;
  const finite = (x: number) => (Number.isFinite(x) ? x : null);
  return {
    id: d.id,
    name: d.name,
    profileId: d.profileId,
    depot: d.depot,
    connectionUrl: d.connectionUrl,
    sysid: d.sysid,
    enabled: d.enabled,
    status: !d.enabled ? 'disabled' : f.flightId !== null ? 'flying' : lost ? 'lost' : 'idle',
    profile: profile ? { name: profile.name, maxPayloadKg: profile.maxPayloadKg, cruiseSpeedMs: profile.cruiseSpeedMs, batteryWh: profile.batteryWh } : null,
    state: f.state,
    availableAt: iso(f.availableAt),
    turnaroundS: d.turnaroundS,
    battery: f.battery ? { remainingPct: f.battery.remainingPct, voltageV: finite(f.battery.voltageV), at: new Date(f.battery.t).toISOString() } : null,
    link: { up: f.linkUp, lastHeardAt: iso(f.lastHeardAt) },
    position: f.position ? { lat: f.position.lat, lon: f.position.lon, relAltM: f.position.relAltM, at: new Date(f.position.t).toISOString() } : null,
    lastContactAt: iso(f.lastHeardAt),
    flightId: f.flightId,
  };
}

function linkLost(src: ViewSources, f: ServiceFlight): FlightView['linkLost'] {
  const l = f.endedAt === null ? (src.linkLost?.(f.id) ?? null) : null;
  return l ? { ...l, detailText: outcomeText(l.detail), canDeclareLost: true } : null;
}
