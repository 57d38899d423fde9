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

/** How urgent a drop request is; the pilot queue is ordered critical → urgent → routine, then by age. */
export type Urgency = 'critical' | 'urgent' | 'routine';
export const URGENCY_ORDER: Record<Urgency, number> = { critical: 0, urgent: 1, routine: 2 };

/**
 * A drop request's status:
 * - 'awaiting-approval': a feasible plan waits for a pilot
 * - 'unservable': no depot × drone can do it; the reasons say why (re-planned when the map or drones change)
 * - 'rejected': a pilot rejected the plan
 * - 'in-flight': approved; a flight is under way
 * - 'delivered': the parcel was released at the drop point (the drone may still be returning)
 * - 'failed': the flight was aborted or failed before the drop
 * - 'cancelled': withdrawn by the officer
 */
export type RequestStatus = 'awaiting-approval' | 'unservable' | 'rejected' | 'in-flight' | 'delivered' | 'failed' | 'cancelled';

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

/** How the parcel reaches the ground: ArduCopter NAV_PAYLOAD_PLACE, a winch from the hover, or land and release. */
export type DeliveryMethod = 'payload-place' | 'winch' | 'land-release';

/** A drop request as the officer gives it: recipient, drop point, medicine, weight, urgency. */
export interface DropRequestFields {
  /** 1–100 chars. */
  recipient: string;
  /** 5–32 chars: digits, spaces, '+', '-', '(', ')'. */
  phone: string;
  /** A named drop point of the zone map, or coordinates (WGS84). Unknown name → 400 field "dropPoint.name". */
  dropPoint: { name: string } | { lat: number; lon: number };
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

/** What went wrong, as the service answers it (HTTP status in the API contract). */
export type ErrorCode = 'bad-request' | 'unauthenticated' | 'forbidden' | 'csrf' | 'not-found' | 'conflict' | 'infeasible' | 'rate-limited' | 'internal';
