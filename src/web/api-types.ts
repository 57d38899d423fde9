/**
 * The medidrop HTTP API contract: every route's request body and response, the server-sent event
 * payloads, the error shape and how authentication and CSRF work. The browser pages in
 * src/web/public are written against this file; the fastify routes in src/web/routes/* implement it
 * (their JSON schemas are the machine-checked form, served at GET /api/openapi.json).
 *
 * ─── Conventions ──────────────────────────────────────────────────────────────────────────────────
 * - All bodies are JSON (`content-type: application/json`), UTF-8. Times are ISO-8601 strings in UTC
 *   ("2026-11-23T06:01:02.345Z"). Positions in request/response bodies are {lat, lon} objects in WGS84
 *   degrees; polylines and polygons for the map are arrays of [lon, lat] (GeoJSON order).
 * - Ids: users, requests, missions and flights have integer ids; drones have string ids ("md-1").
 * - Errors: every non-2xx answer is `ApiError` ({ error: { code, message, field? } }):
 *     400 bad-request    malformed JSON or a field failing its schema; `field` names it ("weightKg",
 *                        "dropPoint.lat", "checklist") and `message` says why.
 *     401 unauthenticated no/expired session cookie.
 *     403 forbidden       logged in but the role may not do this (or not the owner);
 *     403 csrf            state-changing request without the right x-csrf-token header.
 *     404 not-found       unknown id / route.
 *     409 conflict        the thing is not in a state that allows this (approve a rejected mission,
 *                         edit an approved request, reuse an Idempotency-Key with a different body).
                          A broken zone map (PUT /api/zone-map) is a 400 too, with `field`
 *                         "features[i]" and `issues` listing every problem by feature.
 *     429 rate-limited    too many log-in / hand-over attempts; `retry-after` header in seconds.
 *
 * ─── Sessions and CSRF ────────────────────────────────────────────────────────────────────────────
 * POST /api/session sets the cookie `medidrop_session` (http-only, SameSite=Lax, Path=/, Secure when
 * served over https) and returns `SessionResponse` with a `csrfToken`. GET /api/me returns the same
 * shape again (use it on page load to learn who is logged in and to get the token). Every
 * state-changing request made with the session cookie (POST / PUT / PATCH / DELETE, except
 * POST /api/session itself and the public POST /api/handover) MUST send the token back in the
 * header `x-csrf-token`; without it or with a wrong one → 403 { error: { code: 'csrf' } }.
 * The token is fixed for the life of the session (log out/in to get a new one).
 *
 * ─── Server-sent events ──────────────────────────────────────────────────────────────────────────
 * `GET /api/events` and `GET /api/flights/:id/events` answer `text/event-stream`. Each message has
 * an `event:` name (the key of `ServiceEvents` / `FlightEvents`) and one JSON `data:` line; use
 * `new EventSource(url)` (cookies are sent; no CSRF header needed for GET) and
 * `source.addEventListener('request', e => JSON.parse(e.data))`. A comment line (`: ping`) every
 * 15 s keeps proxies from closing the stream. The first message on a flight stream is `snapshot`.
 */
import type { FeatureCollection } from 'geojson';
import type { Check, Reason, FenceSummary } from '../planning/types.js';
import type { ChecklistItem, DropRequestFields, ErrorCode, FlightStatus, Lang, MissionStatus, RequestStatus, Role, Urgency } from '../domain/words.js';

/** The domain words the contract uses (src/domain/words.ts). */
export type { ChecklistItem, DropRequestFields, ErrorCode, FlightStatus, Lang, MissionStatus, RequestStatus, Role, Urgency };
export { PREFLIGHT_CHECKLIST, URGENCY_ORDER } from '../domain/words.js';
import type { FlightAlertView, FlightDeliveryView, FlightLiveEvents, FlightPosition, FlightProgressView, FlightTransitionView } from '../dispatch/live-events.js';
/** The live flight payloads (src/dispatch/live-events.ts), published by the flight manager. */
export type { FlightAlertView, FlightDeliveryView, FlightLiveEvents, FlightPosition, FlightProgressView, FlightTransitionView };

// ─── shared ─────────────────────────────────────────────────────────────────────────────────────


export interface LatLon {
  lat: number;
  lon: number;
}
/** [lon, lat] as in GeoJSON. */
export type LonLatPair = [lon: number, lat: number];


export interface ApiError {
  error: {
    code: ErrorCode;
    /** English, says what is wrong and where. */
    message: string;
    /** The offending field as a dotted path ("dropPoint.lat", "features[3].properties.kind"). */
    field?: string;
    /** PUT /api/zone-map: every problem found (feature index and name). */
    issues?: { code: string; message: string; featureIndex?: number; featureName?: string }[];
  };
}

export interface UserView {
  id: number;
  /** Log-in name. */
  username: string;
  /** Display name ("Officer Li Wei"). */
  name: string;
  role: Role;
}

// ─── session: POST /api/session, DELETE /api/session, GET /api/me ──────────────────────────────

/** POST /api/session (public, rate-limited per client address: 5 attempts a minute by default, MEDIDROP_LOGIN_RATE_LIMIT). */
export interface LoginBody {
  username: string;
  password: string;
}
/** 200 from POST /api/session and GET /api/me. Wrong name/password → 401 unauthenticated. */
export interface SessionResponse {
  user: UserView;
  csrfToken: string;
}
// DELETE /api/session (x-csrf-token) → 204, clears the cookie.

// ─── configuration: GET /api/config (public) ───────────────────────────────────────────────────

export interface ConfigResponse {
  /** Default UI language (MEDIDROP_LANG, default 'zh-CN'); the page may let the user switch. */
  lang: Lang;
  languages: Lang[];
  /** Leaflet tile URL template for a base map, or null: draw vector layers only (offline). */
  tileUrl: string | null;
  tileAttribution: string | null;
  /** Where Leaflet is served: `${leafletBase}/leaflet.js`, `${leafletBase}/leaflet.css`. */
  leafletBase: '/vendor/leaflet';
  /** Pre-flight checklist the pilot must tick before approving (ids; the UI translates them). */
  checklist: ChecklistItem[];
}


// ─── zone map: GET /api/zone-map (any role), PUT /api/zone-map (admin) ─────────────────────────

export interface ZoneMapSummary {
  depots: { name: string; position: LatLon; drones: string[] }[];
  dropPoints: { name: string; position: LatLon; zone: string | null; heightM: number }[];
  areas: { name: string; kind: 'sealed' | 'controlled' | 'precaution' | 'no-fly'; reason: string | null; temporary: boolean }[];
  warnings: { code: string; message: string; featureIndex?: number; featureName?: string }[];
}

export interface ZoneMapResponse {
  /** Increases by one on every accepted PUT. */
  version: number;
  name: string;
  updatedAt: string;
  updatedBy: UserView | null;
  /** The GeoJSON FeatureCollection as stored (draw it with L.geoJSON; properties.kind tells the style). */
  geojson: FeatureCollection;
  summary: ZoneMapSummary;
}

/**
 * PUT /api/zone-map body: a GeoJSON FeatureCollection (the zone map format, see README). A broken
 * map → 400 with `field` = "features[i]…" and `issues` naming each feature; nothing changes.
 * 200: the new map, plus what was re-planned (every request not yet approved is planned again).
 */
export interface ZoneMapPutResponse extends ZoneMapResponse {
  replanned: { requestId: number; status: RequestStatus }[];
}

// ─── drones: GET /api/drones (pilot, admin), POST /api/drones (admin), PATCH /api/drones/:id (admin)

export interface DroneView {
  id: string;
  name: string;
  /** Drone profile id (missions/drones/<id>.json). */
  profileId: string;
  /** Depot name on the zone map where it is based. */
  depot: string;
  /** MAVLink connection URL (README "Connection URLs"): "udpin://0.0.0.0:14550", "tcp://127.0.0.1:5760", "serial:///dev/ttyUSB0:57600". */
  connectionUrl: string;
  /** MAVLink system id of the vehicle. */
  sysid: number;
  enabled: boolean;
  /** 'flying' while a flight is not finished; 'idle' otherwise; 'disabled' when not enabled. */
  status: 'idle' | 'flying' | 'disabled';
  profile: { name: string; maxPayloadKg: number; cruiseSpeedMs: number; batteryWh: number } | null;
}

export interface DroneCreateBody {
  /** Lowercase letters, digits and '-' (1–32). */
  id: string;
  name: string;
  profileId: string;
  depot: string;
  connectionUrl: string;
  sysid: number;
  enabled?: boolean;
}
export type DronePatchBody = Partial<Omit<DroneCreateBody, 'id'>>;
// GET → { drones: DroneView[] }; POST → 201 DroneView (409 when the id exists); PATCH → 200 DroneView.

// ─── users: GET /api/users, POST /api/users (admin) ─────────────────────────────────────────────

export interface UserCreateBody {
  /** 3–32 chars: letters, digits, '.', '_', '-'. */
  username: string;
  name: string;
  /** At least 8 characters. */
  password: string;
  role: Role;
}
// GET → { users: UserView[] }; POST → 201 UserView (409 when the username exists).

// ─── drop requests ──────────────────────────────────────────────────────────────────────────────

/**
 * POST /api/requests (officer). Header `Idempotency-Key: <8–128 chars>` (required): sending the
 * same key again (double click, retry) returns the request created the first time (200 instead of
 * 201, same body) and creates nothing; the same key with a different body → 409.
 * The request is planned before the answer: the 201 body already has its status.
 */
/** The fields of a drop request (src/domain/words.ts), as the officer sends them. */
export type DropRequestBody = DropRequestFields;

/** PATCH /api/requests/:id (the officer who made it; only before approval): any subset; re-planned. */
export type DropRequestPatchBody = Partial<DropRequestBody>;
// DELETE /api/requests/:id (owner officer, before approval) → 200 DropRequestView with status 'cancelled'.

/**
 * - 'awaiting-approval': a feasible plan waits for a pilot
 * - 'unservable': no depot × drone can do it; `reasons` say why (re-planned when the map or drones change)
 * - 'rejected': a pilot rejected the plan (`statusReason` is the pilot's reason)
 * - 'in-flight': approved; `flight` has the live state
 * - 'delivered': the parcel was released at the drop point (the drone may still be returning)
 * - 'failed': the flight was aborted or failed before the drop (`statusReason`)
 * - 'cancelled': withdrawn by the officer
 */

export interface DropRequestView {
  id: number;
  createdAt: string;
  updatedAt: string;
  officer: { id: number; name: string };
  recipient: string;
  phone: string;
  /** name null when given as coordinates. */
  dropPoint: { name: string | null; lat: number; lon: number };
  medicine: string;
  weightKg: number;
  urgency: Urgency;
  notes: string;
  status: RequestStatus;
  /** Human reason for rejected / failed / cancelled. */
  statusReason: string | null;
  /** Why no drone can serve it (status 'unservable'), best candidate's reasons first. */
  reasons: Reason[];
  /** Current mission (the latest plan) id, or null when unservable. */
  missionId: number | null;
  /** Planned depot/drone/route of the current mission (for the officer's map). */
  plan: { depot: string; droneId: string; droneName: string; distanceM: number; durationS: number; route: LonLatPair[] } | null;
  flight: { id: number; state: FlightStatus } | null;
  /** Expected delivery time: planned flight time from now while awaiting approval / from take-off in flight. */
  eta: string | null;
  /**
   * Hand-over code (6 digits) the officer tells the recipient; shown only to the officer who made
   * the request (and admins); null for everyone else.
   */
  handoverCode: string | null;
  delivery: FlightDeliveryView | null;
}
// GET /api/requests (officer: own; pilot, admin: all) → { requests: DropRequestView[] } newest first;
//   optional ?status=<RequestStatus>.
// GET /api/requests/:id (officer: own only, else 404; pilot, admin: any) → DropRequestView.

// ─── missions (pilot, admin) ────────────────────────────────────────────────────────────────────

/**
 * - 'awaiting-approval': feasible, waiting for a pilot
 * - 'approved': a pilot approved it; a flight runs / ran it
 * - 'rejected': a pilot rejected it
 * - 'superseded': re-planned (zone map or request changed); a newer mission replaces it
 * - 'infeasible': the best plan found cannot be flown (the request is 'unservable')
 */

export interface MissionSummary {
  id: number;
  requestId: number;
  status: MissionStatus;
  urgency: Urgency;
  createdAt: string;
  /** When the officer queued the request (the queue is ordered by urgency, then this). */
  requestedAt: string;
  recipient: string;
  medicine: string;
  weightKg: number;
  depot: { name: string; position: LatLon };
  dropPoint: { name: string; position: LatLon };
  drone: { id: string; name: string };
  feasible: boolean;
  distanceM: number;
  durationS: number;
  energyWh: number;
  marginPct: number;
  cruiseAltitudeM: number;
  /** Number of checks failing (0 for a flyable plan). */
  failedChecks: number;
  flightId: number | null;
}
// GET /api/missions?status=awaiting-approval|approved|rejected|superseded|infeasible (pilot, admin)
//   → { missions: MissionSummary[] } ordered by urgency (critical first), then request age (oldest first).

export interface MissionDetail extends MissionSummary {
  request: DropRequestView;
  checks: Check[];
  reasons: Reason[];
  conditions: { payloadKg: number; windSpeedMs: number; windFromDeg: number; temperatureC: number; siteAltitudeM: number };
  /** Geometry for the review map ([lon, lat] everywhere). */
  geometry: {
    outbound: LonLatPair[];
    inbound: LonLatPair[];
    /** [lat, lon, relative altitude m] as the planner gives them. */
    waypoints: [number, number, number][];
    depot: LonLatPair;
    dropPoint: LonLatPair;
    /** From the uploaded fence items: inclusion/exclusion polygons and circles. */
    fence: {
      inclusion: LonLatPair[][];
      exclusion: LonLatPair[][];
      circles: { center: LonLatPair; radiusM: number; inclusion: boolean }[];
      returnPoint: LonLatPair | null;
    };
    rally: LonLatPair[];
    /** The zone map at planning time (sealed / controlled / precaution / no-fly), GeoJSON. */
    zones: FeatureCollection;
  };
  legs: { from: LonLatPair; to: LonLatPair; distanceM: number; groundSpeedMs: number; durationS: number; energyWh: number }[];
  fence: FenceSummary;
  rallyUnsafeLegs: { legIndex: number; message: string }[];
  /** Every depot × drone tried, best first. */
  candidates: { depot: string; droneId: string; feasible: boolean; marginPct: number; reasons: Reason[] }[];
  checklist: ChecklistItem[];
  approval: { by: UserView; at: string; checklist: string[] } | null;
  rejection: { by: UserView; at: string; reason: string } | null;
}
// GET /api/missions/:id → MissionDetail.

/** POST /api/missions/:id/approve (pilot): every PREFLIGHT_CHECKLIST id ticked, else 400 field 'checklist'. */
export interface ApproveBody {
  checklist: string[];
}
/** 200: the flight was created and starts in the background; follow it on /api/flights/:id/events. */
export interface ApproveResponse {
  mission: MissionSummary;
  flight: FlightView;
}
/** POST /api/missions/:id/reject (pilot): 3–500 chars. → 200 MissionSummary. */
export interface RejectBody {
  reason: string;
}

// ─── flights (pilot, admin; officers: flights of their own requests, read only) ─────────────────





export interface FlightView {
  id: number;
  missionId: number;
  requestId: number;
  drone: { id: string; name: string; sysid: number };
  state: FlightStatus;
  /** Why it failed / was aborted (and by whom). */
  stateReason: string | null;
  paused: boolean;
  createdAt: string;
  airborneAt: string | null;
  endedAt: string | null;
  /** Upload/arming progress while 'uploading'…'arming': e.g. phase 'upload' 12 / 20. */
  progress: FlightProgressView | null;
  /** Fraction of the planned route flown, 0…1. */
  routeFraction: number;
  position: FlightPosition | null;
  batteryPct: number | null;
  link: { up: boolean; lastHeardAt: string | null };
  mode: string | null;
  eta: string | null;
  alerts: FlightAlertView[];
  transitions: FlightTransitionView[];
  delivery: FlightDeliveryView | null;
  /** Planned polyline depot → drop point → depot ([lon, lat]). */
  plannedRoute: LonLatPair[];
}
// GET /api/flights?active=true → { flights: FlightView[] } (pilot, admin)
// GET /api/flights/:id → FlightView
// POST /api/flights/:id/abort  { reason?: string } (pilot) → 200 FlightView: RTL by the safe return path
// POST /api/flights/:id/pause  {} (pilot) → 200 FlightView (BRAKE; 409 when not airborne)
// POST /api/flights/:id/resume {} (pilot) → 200 FlightView (AUTO; 409 when not paused)

/** GET /api/flights/:id/track → the stored (down-sampled) track. */
export interface FlightTrackResponse {
  flightId: number;
  planned: LonLatPair[];
  points: { t: string; lat: number; lon: number; relAltM: number; groundSpeedMs: number; batteryPct: number | null }[];
}

// ─── server-sent events ─────────────────────────────────────────────────────────────────────────

/** GET /api/events: everything the logged-in user may see (officers: their own requests only). */
export interface ServiceEvents {
  request: DropRequestView;
  /** Pilots/admins only. */
  mission: MissionSummary;
  /** Summary form: no transitions/alerts history (fetch /api/flights/:id for those). */
  flight: FlightView;
}

/** GET /api/flights/:id/events: live flight (same visibility as GET /api/flights/:id). */
export interface FlightEvents extends FlightLiveEvents {
  /** First message: the whole current view. */
  snapshot: FlightView;
}

// ─── hand-over: POST /api/handover (public, 10 attempts / minute per client address) ───────────

export interface HandoverBody {
  requestId: number;
  /** The 6-digit code the officer gave the recipient. */
  code: string;
}
/** 200 when the code matches and the parcel has been dropped; wrong code or id → 400 field 'code'; before the drop → 409. */
export interface HandoverResponse {
  requestId: number;
  confirmedAt: string;
  medicine: string;
}

// ─── audit: GET /api/audit?limit=100&before=<id> (admin) ────────────────────────────────────────

export interface AuditEntryView {
  id: number;
  at: string;
  actor: UserView | null;
  /** 'login', 'request.create', 'mission.approve', 'mission.reject', 'flight.abort', 'zone-map.update', … */
  action: string;
  subject: { type: string; id: string } | null;
  reason: string | null;
  details: Record<string, unknown>;
}
// → { entries: AuditEntryView[] } newest first.

// GET /api/openapi.json (public) → the OpenAPI 3 document generated from the route schemas.
// Pages: GET / and /*.html from src/web/public; Leaflet at /vendor/leaflet/leaflet.js|.css|images/*.
