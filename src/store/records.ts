/**
 * The records the store hands out and takes in: typed values, never SQL rows. The SQL that reads and
 * writes them lives in the repositories (src/store/repos/); the fleet layer's own records
 * (FlightRecord, TrackPoint, DeliveryRecord) stay in src/fleet, and where the store keeps the same
 * thing it uses fleet's type.
 */
import type { TrackPoint } from '../fleet/store.js';
import type { Reason } from '../planning/types.js';
import type { DeliveryPlan } from '../planner/types.js';
import type { CoordinateSystem, FlightStatus, MissionStatus, RequestStatus, Role, Urgency, DroneState } from '../domain/words.js';

export interface UserRecord {
  id: number;
  username: string;
  name: string;
  role: Role;
  passwordHash: string;
  /** A disabled user cannot log in; their sessions were ended when they were disabled. */
  disabled: boolean;
  createdAt: string;
}

export interface SessionRecord {
  tokenHash: string;
  userId: number;
  csrfToken: string;
  createdAt: string;
  expiresAt: string;
}

export interface ZoneMapRecord {
  version: number;
  name: string;
  geojson: string;
  createdAt: string;
  createdBy: number | null;
}

export interface DroneRecord {
  id: string;
  name: string;
  profileId: string;
  depot: string;
  connectionUrl: string;
  sysid: number;
  /** false: in maintenance (README "Fleet states"): never planned, its link not watched. */
  enabled: boolean;
  /** Battery swap or charge after a flight, seconds (default 600). */
  turnaroundS: number;
  createdAt: string;
}

/** Default turnaround after a flight, s: a battery swap and checks (migration 'drone turnaround time'). */
export const DEFAULT_TURNAROUND_S = 600;

export interface DropRequestInput {
  officerId: number;
  recipient: string;
  phone: string;
  dropPointName: string | null;
  /** The coordinate system the officer gave coordinates in (lat/lon are stored WGS-84 whatever it was). */
  dropPointCrs?: CoordinateSystem;
  lat: number;
  lon: number;
  medicine: string;
  weightKg: number;
  urgency: Urgency;
  notes: string;
}

export interface DropRequestRecord extends DropRequestInput {
  id: number;
  /**
   * 1 when created; every edit makes the next version. A mission is planned for one version and an
   * approval names the version it approves (a plan for an older version can never be approved).
   */
  version: number;
  status: RequestStatus;
  statusReason: string | null;
  reasons: Reason[];
  missionId: number | null;
  createdAt: string;
  updatedAt: string;
}

export interface Candidate {
  depot: string;
  droneId: string;
  feasible: boolean;
  marginPct: number;
  reasons: Reason[];
  /** The drone's fleet state when planned (absent in plans made before fleet-aware dispatch). */
  state?: DroneState;
  /** The battery charge the plan started from, %; null: planned as full (unknown, or a fresh pack after turnaround). */
  batteryPct?: number | null;
  /** When the drone could take this request off, ISO (its availability, after the waiting requests ahead on it). */
  readyAt?: string | null;
  /** Planned flight time take-off → home and take-off → drop point, s (for the queue ETAs). */
  durationS?: number;
  outboundS?: number;
}

export interface PlanningConditions {
  payloadKg: number;
  windSpeedMs: number;
  windFromDeg: number;
  temperatureC: number;
  siteAltitudeM: number;
}

export interface MissionInput {
  requestId: number;
  /** The version of the request this plan was made for. */
  requestVersion: number;
  status: MissionStatus;
  zoneMapVersion: number | null;
  droneId: string;
  plan: DeliveryPlan;
  candidates: Candidate[];
  conditions: PlanningConditions;
}

export interface MissionRecord extends MissionInput {
  id: number;
  depot: string;
  createdAt: string;
}

/**
 * A mission without its plan: what the queue, the ETAs and the re-plan triggers read for every
 * waiting request (reading and parsing every stored plan for that stalls the service under load).
 */
export interface MissionBrief {
  id: number;
  requestId: number;
  requestVersion: number;
  status: MissionStatus;
  droneId: string;
  depot: string;
  /** The plan's flight time, s (its durationS). */
  durationS: number;
  candidates: Candidate[];
}

export interface ApprovalRecord {
  missionId: number;
  /** The request version the pilot approved (the mission's; null only for decisions stored before versions existed). */
  requestVersion: number | null;
  decision: 'approved' | 'rejected';
  userId: number;
  checklist: string[];
  reason: string | null;
  at: string;
}

/**
 * A flight as the service keeps it: which mission, request and drone, its status and when it went up
 * and ended. Not the fleet layer's `FlightRecord` (src/fleet/store.ts), which is what the flight
 * runner persists to resume; that one is stored inside this row as `runnerState`.
 */
export interface ServiceFlight {
  id: number;
  missionId: number;
  requestId: number;
  droneId: string;
  sysid: number;
  connectionUrl: string;
  state: FlightStatus;
  stateReason: string | null;
  paused: boolean;
  createdAt: string;
  airborneAt: string | null;
  endedAt: string | null;
  /** Whatever the flight runner needs to resume after a restart (JSON). */
  runnerState: unknown;
}

export interface TransitionRecord {
  id: number;
  flightId: number;
  from: FlightStatus | null;
  to: FlightStatus;
  at: string;
  cause: string;
}

export interface AlertRecord {
  id: number;
  flightId: number;
  kind: string;
  /** Stable code the pages translate (src/fleet/alerts.ts ALERT_CODES); null for alerts stored before codes. */
  code: string | null;
  /** The alert's numbers and names for the translated sentence. */
  params: Record<string, string | number | boolean>;
  severity: 'info' | 'warning' | 'critical';
  message: string;
  at: string;
}

/**
 * A track point as the track table keeps it: the fleet layer's TrackPoint (src/fleet/store.ts) without
 * the flight id (the table's key), the AMSL altitude and the flight status (both derivable).
 */
export type StoredTrackPoint = Pick<TrackPoint, 't' | 'lat' | 'lon' | 'relAltM' | 'groundSpeedMs' | 'headingDeg' | 'batteryPct'>;

/**
 * A delivery that counted: where and when the parcel was released, how far from the drop point, the
 * STATUSTEXT that reported it, and when the recipient confirmed it with the hand-over code. Not the
 * fleet layer's `DeliveryRecord` (src/fleet/delivery.ts), the runner's running check of whether a
 * release counts; only a delivered one becomes a CompletedDelivery.
 */
export interface CompletedDelivery {
  flightId: number;
  requestId: number;
  /** The mission the flight flew (null only for deliveries stored before this was kept). */
  missionId: number | null;
  at: string;
  /** Where the vehicle was when it released the parcel (its telemetry at the release). */
  lat: number;
  lon: number;
  /** The drop point of the mission that flew (null only for deliveries stored before this was kept). */
  dropLat: number | null;
  dropLon: number | null;
  /** Between the release position and the flown mission's drop point, m. */
  distanceM: number;
  cause: string;
  confirmedAt: string | null;
}

export interface AuditInput {
  actorId: number | null;
  action: string;
  subjectType?: string | null;
  subjectId?: string | number | null;
  reason?: string | null;
  details?: Record<string, unknown>;
}

/** Which audit entries to list (all given filters apply together), newest first. */
export interface AuditFilter {
  limit: number;
  /** Page back: entries with an id below this. */
  before?: number;
  /** Entries made by this user. */
  actorId?: number;
  /** Entries about this drop request, one of its missions or one of its flights. */
  requestId?: number;
  /** ISO times in UTC ("…Z"): at >= from, at < toExclusive. */
  from?: string;
  toExclusive?: string;
}

export interface AuditRecord {
  id: number;
  at: string;
  actorId: number | null;
  action: string;
  subjectType: string | null;
  subjectId: string | null;
  reason: string | null;
  details: Record<string, unknown>;
}
