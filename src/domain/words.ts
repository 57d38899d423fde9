/**
 * medidrop's domain words, in one low module that every layer may import: who uses the service
 * (roles), how urgent a drop request is, the statuses a drop request, a mission and a flight go
 * through, how a parcel is delivered, the pilot's pre-flight checklist and the error codes the
 * service answers with. Plain types and constants only; no behaviour, no imports.
 * (See ../shared/DESIGN.md "Domain words": drop request, mission, flight, depot, drop point.)
 */

/** Who is logged in: officers (民警/网格员) queue drop requests, pilots (飞手) approve and fly, admins configure. */
export type Role = 'officer' | 'pilot' | 'admin';
export const ROLES: readonly Role[] = ['officer', 'pilot', 'admin'];

/** The languages the pages ship in (zh-CN first). */
export type Lang = 'zh-CN' | 'en';

/**
 * The coordinate systems coordinates may be given in: WGS-84 (GPS, 天地图/CGCS2000 for this purpose),
 * GCJ-02 (AMap/高德, Tencent) and BD-09 (Baidu). medidrop stores and sends WGS-84 only.
 */
export type CoordinateSystem = 'wgs84' | 'gcj02' | 'bd09';
export const COORDINATE_SYSTEMS: readonly CoordinateSystem[] = ['wgs84', 'gcj02', 'bd09'];

/** How urgent a drop request is; the pilot queue is ordered critical → urgent → routine, then by age. */
export type Urgency = 'critical' | 'urgent' | 'routine';
export const URGENCY_ORDER: Record<Urgency, number> = { critical: 0, urgent: 1, routine: 2 };

/**
 * A drop request's status:
 * - 'planning': just queued or just edited; its plan is being made (no mission can be approved meanwhile)
 * - 'awaiting-approval': a feasible plan waits for a pilot
 * - 'unservable': no depot × drone can do it; the reasons say why (re-planned when the map or drones change)
 * - 'rejected': a pilot rejected the plan
 * - 'in-flight': approved; a flight is under way
 * - 'delivered': the parcel was released at the drop point (the drone may still be returning)
 * - 'failed': the flight was aborted or failed before the drop
 * - 'cancelled': withdrawn by the officer
 */
export type RequestStatus = 'planning' | 'awaiting-approval' | 'unservable' | 'rejected' | 'in-flight' | 'delivered' | 'failed' | 'cancelled';

/** A mission's status: the plan for one drop request on one drone, awaiting a pilot's decision. */
export type MissionStatus = 'awaiting-approval' | 'approved' | 'rejected' | 'superseded' | 'infeasible';

/** A flight's status: one execution of an approved mission (the state machine in src/fleet/flight-state.ts). */
export type FlightStatus =
  | 'approved'
  | 'uploading'
  | 'uploaded'
  | 'arming'
  | 'en-route'
  | 'delivering'
  | 'returning'
  | 'landed'
  | 'completed'
  | 'aborted'
  | 'failed'
  /**
   * Declared lost by a pilot: the vehicle could not be reached (after a restart or in the air) and
   * nobody can say where it is. Set by the service, never by the telemetry state machine. The drone
   * stays unavailable until a pilot confirms it has been recovered (see README "Lost flights").
   */
  | 'lost';

export const TERMINAL_STATUSES: readonly FlightStatus[] = ['completed', 'aborted', 'failed', 'lost'];
/**
 * The cause a re-attached flight fails with when its vehicle is found on the ground and disarmed
 * after a restart while the flight was in the air, and no release had been recorded: the service
 * then puts the drop request back in the queue (re-planned). See README "Restarts and lost flights".
 */
export const FOUND_ON_GROUND_REASON = 'found landed and disarmed after a restart; release not confirmed';
/** The same when the release had been recorded before: the request stays delivered. */
export const FOUND_ON_GROUND_DELIVERED_REASON = 'found landed and disarmed after a restart; the release had been recorded';

export const AIRBORNE_STATUSES: readonly FlightStatus[] = ['en-route', 'delivering', 'returning'];

/**
 * A drone's state in the fleet (src/fleet/fleet-status.ts derives it; README "Fleet states"):
 * - 'available': on the ground at its depot, link up (or still connecting), ready for a flight
 * - 'in-flight': a flight is approved and not yet on its way home (uploading, arming, en route, delivering)
 * - 'returning': flying home after the drop or an abort
 * - 'turnaround': landed; battery swap or charge for the drone's turnaround time
 * - 'offline': no heartbeat for longer than the offline limit (or never heard within it)
 * - 'maintenance': taken out of service by an admin (the drone's `enabled` flag is false)
 */
export type DroneState = 'available' | 'in-flight' | 'returning' | 'turnaround' | 'offline' | 'maintenance';
export const DRONE_STATES: readonly DroneState[] = ['available', 'in-flight', 'returning', 'turnaround', 'offline', 'maintenance'];

/** How the parcel reaches the ground: ArduCopter NAV_PAYLOAD_PLACE, a winch from the hover, or land and release. */
export type DeliveryMethod = 'payload-place' | 'winch' | 'land-release';

/** A drop request as the officer gives it: recipient, drop point, medicine, weight, urgency. */
export interface DropRequestFields {
  /** 1–100 chars. */
  recipient: string;
  /** 5–32 chars: digits, spaces, '+', '-', '(', ')'. */
  phone: string;
  /** A named drop point of the zone map, or coordinates (WGS84). Unknown name → 400 field "dropPoint.name". */
  dropPoint: { name: string } | { lat: number; lon: number; crs?: CoordinateSystem };
  /** 1–200 chars. */
  medicine: string;
  /** 0 < weightKg ≤ 25. */
  weightKg: number;
  urgency: Urgency;
  /** ≤ 1000 chars; optional. */
  notes?: string;
}

export interface ChecklistItem {
  id: string;
  /** English label; the pages show their own translation by id. */
  label: string;
}

/** The pilot's pre-flight checklist: every item is required on approval. */
export const PREFLIGHT_CHECKLIST: ChecklistItem[] = [
  { id: 'airspace', label: 'Airspace checked: no new no-fly areas or crowds on the route' },
  { id: 'weather', label: "Wind and weather within the drone's limits" },
  { id: 'battery', label: 'Battery charged and seated' },
  { id: 'payload', label: 'Parcel weighed and secured in the release' },
  { id: 'drop-zone', label: 'Drop point clear; recipient told to keep away until the drone leaves' },
  { id: 'propellers', label: 'Propellers and frame inspected' },
];

/**
 * Why an approval (or an edit) was refused with 409, as a stable code the pages translate with the
 * error's params (src/web/public/i18n: `conflict.<code>`). An approval names the mission and the
 * request version the pilot reviewed; it goes through only when both are still current.
 * - 'request-edited': the request was edited since (params requestId, reviewedVersion, currentVersion)
 * - 'mission-superseded': a newer plan replaced this mission (params missionId, requestId, missionVersion, currentVersion)
 * - 'request-cancelled': the officer cancelled the request (params requestId)
 * - 'already-approved': the mission was already approved (params missionId, flightId)
 * - 'mission-rejected': a pilot rejected the mission (params missionId)
 * - 'mission-infeasible': the plan cannot be flown (params missionId)
 * - 'request-not-open': the request is past approval (params requestId, status)
 * - 'request-not-editable': an edit or cancel after approval (params requestId, status)
 */
export type VersionConflict =
  | 'request-edited'
  | 'mission-superseded'
  | 'request-cancelled'
  | 'already-approved'
  | 'mission-rejected'
  | 'mission-infeasible'
  | 'request-not-open'
  | 'request-not-editable';
export const VERSION_CONFLICTS: readonly VersionConflict[] = [
  'request-edited',
  'mission-superseded',
  'request-cancelled',
  'already-approved',
  'mission-rejected',
  'mission-infeasible',
  'request-not-open',
  'request-not-editable',
];

/**
 * Why a flight command (abort, pause, resume), an approval's vehicle step, declaring a flight lost or
 * confirming a drone recovered is refused with 409; pages translate `conflict.<reason>` with params:
 * - 'flight-finished': the flight has ended (flightId, state, action)
 * - 'flight-link-lost': the link is down (flightId, droneId, since, detail, action)
 * - 'flight-not-connected': no live control of the vehicle (flightId, action)
 * - 'flight-returning': aborted and flying home; no pause/resume (flightId, action)
 * - 'flight-not-paused' / 'flight-already-paused' (flightId)
 * - 'flight-command-pending': a pause/resume is being sent (flightId, pending)
 * - 'flight-link-up': declare lost refused, the drone is connected (flightId, droneId)
 * - 'no-lost-flight': recovered confirmed for a drone without a lost flight (droneId)
 * - 'no-vehicle-plan': the mission has no vehicle plan (missionId)
 * - 'drone-unavailable': the mission's drone was removed or disabled (droneId)
 * - 'drone-busy': the drone is on another flight (droneId, flightId, requestId)
 * - 'drone-blocked': the drone cannot be reached (droneId, detail)
 * - 'drone-owner-unreachable': the instance that owns the drone's link did not answer in time (droneId, action)
 */
export type FlightConflict =
  | 'flight-finished'
  | 'flight-link-lost'
  | 'flight-not-connected'
  | 'flight-returning'
  | 'flight-not-paused'
  | 'flight-already-paused'
  | 'flight-command-pending'
  | 'flight-link-up'
  | 'no-lost-flight'
  | 'no-vehicle-plan'
  | 'drone-unavailable'
  | 'drone-busy'
  | 'drone-blocked'
  | 'drone-owner-unreachable';
export const FLIGHT_CONFLICTS: readonly FlightConflict[] = [
  'flight-finished',
  'flight-link-lost',
  'flight-not-connected',
  'flight-returning',
  'flight-not-paused',
  'flight-already-paused',
  'flight-command-pending',
  'flight-link-up',
  'no-lost-flight',
  'no-vehicle-plan',
  'drone-unavailable',
  'drone-busy',
  'drone-blocked',
  'drone-owner-unreachable',
];

/**
 * The schema rule a 400 broke (ajv's keyword), so that pages can say "密码：至少 8 个字符" from the
 * catalogue (`validation.<keyword>` with {limit}); 'invalid' for any other keyword.
 */
export type ValidationKeyword =
  | 'required'
  | 'additionalProperties'
  | 'minLength'
  | 'maxLength'
  | 'pattern'
  | 'minimum'
  | 'maximum'
  | 'exclusiveMinimum'
  | 'exclusiveMaximum'
  | 'enum'
  | 'type'
  | 'minItems'
  | 'maxItems'
  | 'minProperties'
  | 'format'
  | 'invalid';
export const VALIDATION_KEYWORDS: readonly ValidationKeyword[] = [
  'required',
  'additionalProperties',
  'minLength',
  'maxLength',
  'pattern',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'enum',
  'type',
  'minItems',
  'maxItems',
  'minProperties',
  'format',
  'invalid',
];

/** What went wrong, as the service answers it (HTTP status in the API contract). */
export type ErrorCode = 'bad-request' | 'unauthenticated' | 'forbidden' | 'csrf' | 'not-found' | 'conflict' | 'infeasible' | 'rate-limited' | 'internal';
