/**
 * The medidrop HTTP API contract: every route's request body and response, the server-sent event
 * payloads, the error shape and how authentication and CSRF work. The browser pages in
 * src/web/public are written against this file; the fastify plugins in src/web/plugins/* implement
 * it. Each shape is written once, as a TypeBox schema (`XSchema`), and its type is derived from it
 * (`type X = Static<typeof XSchema>`): the routes validate request bodies and serialise responses
 * with these schemas, and GET /api/openapi.json serves them. A response carries exactly the
 * properties its schema lists (the serialiser drops any other); request bodies refuse unknown fields.
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
 *                         A broken zone map (PUT /api/zone-map) is a 400 too, with `field`
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
import { Type, type Static } from 'typebox';
import type { FeatureCollection } from 'geojson';
import { type AreaKind, MAP_ISSUE_DETAILS, type MapIssue } from '../geo/types.js';
import type { Check, Reason, FenceSummary } from '../planning/types.js';
import type { TerrainProfile } from '../planner/types.js';
import type { ChecklistItem, DropRequestFields, ErrorCode, FlightStatus, Lang, MissionStatus, RequestStatus, Role, Urgency } from '../domain/words.js';
import { DRONE_STATES, VALIDATION_KEYWORDS } from '../domain/words.js';
import type {
  FlightAlertView,
  FlightDeliveryView,
  FlightLiveEvents,
  FlightPosition,
  FlightProgressView,
  FlightTransitionView,
} from '../dispatch/live-events.js';
import type { TileProvider } from './tiles/providers.js';
import { type Assert, CLOSED, FilledText, Nullable, PHONE_PATTERN, type Same, StringEnum, Text } from './schema-kit.js';
import type { FeasibilityView as DispatchFeasibilityView } from '../dispatch/feasibility.js';
import type { PreviewFields } from '../dispatch/requests.js';
import type { LinkTestResult } from '../dispatch/link-test.js';
import type { AuditPart, AuditReasonText } from './audit-text.js';

/** The domain words the contract uses (src/domain/words.ts). */
export type { ChecklistItem, DropRequestFields, ErrorCode, FlightStatus, Lang, MissionStatus, RequestStatus, Role, Urgency };
export { PREFLIGHT_CHECKLIST, URGENCY_ORDER } from '../domain/words.js';
/** The live flight payloads (src/dispatch/live-events.ts), published by the flight manager. */
export type { FlightAlertView, FlightDeliveryView, FlightLiveEvents, FlightPosition, FlightProgressView, FlightTransitionView };

// ─── domain words as schemas (the types stay in src/domain/words.ts; checked equal at the end) ──

export const RoleSchema = StringEnum(['officer', 'pilot', 'admin']);
export const LangSchema = StringEnum(['zh-CN', 'en']);
/** What a flight's ETA is the time of: arrival at the drop point, or landing at home. */
export const EtaToSchema = StringEnum(['drop', 'home']);
export const UrgencySchema = StringEnum(['critical', 'urgent', 'routine']);
export const RequestStatusSchema = StringEnum(['planning', 'awaiting-approval', 'unservable', 'rejected', 'in-flight', 'delivered', 'failed', 'cancelled']);
export const MissionStatusSchema = StringEnum(['awaiting-approval', 'approved', 'rejected', 'superseded', 'infeasible']);
export const FlightStatusSchema = StringEnum([
  'approved',
  'uploading',
  'uploaded',
  'arming',
  'en-route',
  'delivering',
  'returning',
  'landed',
  'completed',
  'aborted',
  'failed',
  'lost',
]);
export const ErrorCodeSchema = StringEnum([
  'bad-request',
  'unauthenticated',
  'forbidden',
  'csrf',
  'not-found',
  'conflict',
  'infeasible',
  'rate-limited',
  'internal',
]);
export const ChecklistItemSchema = Type.Object({
  id: Type.String(),
  label: Type.String({ description: 'English label; the pages show their own translation by id.' }),
});

// ─── shared ─────────────────────────────────────────────────────────────────────────────────────

export const LatLonSchema = Type.Object({ lat: Type.Number({ minimum: -90, maximum: 90 }), lon: Type.Number({ minimum: -180, maximum: 180 }) }, CLOSED);
export type LatLon = Static<typeof LatLonSchema>;

/**
 * A fixed-length array of numbers. Written as `items` + `minItems`/`maxItems` rather than a JSON
 * Schema tuple (`items: [...]`), which OpenAPI 3.0 does not allow; the tuple type is asserted for it.
 */
const numbers = <T extends number[]>(n: T['length'], description: string) =>
  Type.Unsafe<T>(Type.Array(Type.Number(), { minItems: n, maxItems: n, description }));

export const LonLatPairSchema = numbers<[lon: number, lat: number]>(2, '[lon, lat] as in GeoJSON');
/** [lon, lat] as in GeoJSON. */
export type LonLatPair = Static<typeof LonLatPairSchema>;

/**
 * A GeoJSON FeatureCollection, passed through as stored (properties.kind tells the style). Its
 * features are not described here (GeoJSON's own schema, README "Zone map format"): the type is
 * @types/geojson's, asserted, not derived.
 */
export const FeatureCollectionSchema = Type.Unsafe<FeatureCollection>(
  Type.Object(
    {
      type: Type.Literal('FeatureCollection'),
      features: Type.Array(Type.Object({}, { additionalProperties: true })),
    },
    { additionalProperties: true, description: 'GeoJSON FeatureCollection' },
  ),
);

export const ReasonSchema = Type.Object(
  {
    code: Type.String(),
    message: Type.String(),
    params: Type.Optional(
      Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()]), {
        description: 'The numbers and names in the message (payloadKg, maxPayloadKg, area, distanceKm, droneId, depot …), for translated pages',
      }),
    ),
  },
  { description: 'Why something failed: code (the UI translates it) and English message' },
);
export const CheckSchema = Type.Object({
  id: Type.String(),
  ok: Type.Boolean(),
  message: Type.String({ description: 'English; pages translate `detail` with `params` and name the check by id.' }),
  detail: Type.String({ description: "The sentence the message is, as a catalogue key suffix: checkDetail.<detail> ('route-clear.ok')." }),
  params: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()]), { description: 'The numbers and names the sentence states.' }),
});
export const MapIssueSchema = Type.Object({
  code: Type.String(),
  message: Type.String(),
  detail: StringEnum([...MAP_ISSUE_DETAILS], { description: 'The sentence, as pages translate it: mapIssue.<detail> with params.' }),
  params: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()])),
  featureIndex: Type.Optional(Type.Integer()),
  featureName: Type.Optional(Type.String()),
});
/** An issue of an error answer: a zone-map issue, or a refusal's code with the values in its message. */
export const ErrorIssueSchema = Type.Object({
  code: Type.String(),
  message: Type.String(),
  featureIndex: Type.Optional(Type.Integer()),
  featureName: Type.Optional(Type.String()),
  detail: Type.Optional(StringEnum([...MAP_ISSUE_DETAILS], { description: 'Zone-map issues: the sentence (mapIssue.<detail>).' })),
  params: Type.Optional(
    Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()]), {
      description:
        'The numbers and names in the message, for the pages to translate by code (battery-low: droneId, neededPct, reportedPct; drone-not-available: droneId, state, availableAt).',
    }),
  ),
});

// ─── live flight payloads (the types stay in src/dispatch/live-events.ts; checked equal at the end)

export const FlightPositionSchema = Type.Object({
  t: Type.String(),
  lat: Type.Number(),
  lon: Type.Number(),
  relAltM: Type.Number(),
  groundSpeedMs: Type.Number(),
  headingDeg: Type.Number(),
});
export const FlightAlertViewSchema = Type.Object({
  kind: Type.String({ description: "'link-lost' | 'battery-low' | 'off-route' | 'fence-breach' | 'mode-change' | 'failsafe' | 'mission-mismatch' | …" }),
  code: Type.String({ description: 'What the alert says, as a stable code the pages translate with `params` (src/fleet/alerts.ts ALERT_CODES).' }),
  params: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]), {
    description: "Its numbers and names: battery %, metres, the vehicle's own text …",
  }),
  severity: StringEnum(['info', 'warning', 'critical']),
  message: Type.String({ description: 'English (logs, API consumers).' }),
  at: Type.String(),
});
export const FlightTransitionViewSchema = Type.Object({ from: Nullable(FlightStatusSchema), to: FlightStatusSchema, at: Type.String(), cause: Type.String() });
export const FlightProgressViewSchema = Type.Object(
  { phase: Type.String(), done: Type.Integer(), total: Type.Integer() },
  { description: "Upload/arming progress while 'uploading'…'arming': e.g. phase 'upload' 12 / 20." },
);
export const FlightDeliveryViewSchema = Type.Object(
  {
    at: Type.String(),
    lat: Type.Number({ description: 'Where the vehicle was when it released the parcel (its telemetry at the release).' }),
    lon: Type.Number(),
    dropPoint: Nullable(Type.Object({ lat: Type.Number(), lon: Type.Number() }), {
      description: 'The drop point of the mission that flew (null for deliveries stored before it was kept).',
    }),
    distanceM: Type.Number({ description: "Between the release position and the flown mission's drop point." }),
    confirmedAt: Nullable(Type.String()),
  },
  { description: 'Where and when the parcel was released, and when the recipient confirmed it.' },
);
/** What a live flight publishes, by SSE event name (GET /api/flights/:id/events adds a first `snapshot`). */
export const FlightLiveEventsSchema = Type.Object({
  position: Type.Object({ ...FlightPositionSchema.properties, routeFraction: Type.Number(), eta: Nullable(Type.String()), etaTo: Nullable(EtaToSchema) }),
  state: FlightTransitionViewSchema,
  battery: Type.Object({ t: Type.String(), remainingPct: Type.Number(), voltageV: Type.Number() }),
  link: Type.Object({ t: Type.String(), up: Type.Boolean() }),
  mode: Type.Object({ t: Type.String(), mode: Type.String() }),
  alert: FlightAlertViewSchema,
  progress: FlightProgressViewSchema,
  delivery: FlightDeliveryViewSchema,
  paused: Type.Object({ paused: Type.Boolean(), by: Type.String(), at: Type.String() }, { description: 'Paused/resumed by the pilot.' }),
});

/**
 * Which text rule a 400 broke, when it was one of them, so that a page can say it in its own language
 * (catalogue key `validate.rule.<rule>`): 'blank' (only spaces), 'control-characters' (NUL, ESC …;
 * tab and line breaks are text), 'lone-surrogate' (not Unicode text), 'not-utf8' (the body's bytes),
 * 'too-deep' (JSON nested too deep), 'phone' (not a phone number).
 */
export const TextRuleSchema = StringEnum(['blank', 'control-characters', 'lone-surrogate', 'not-utf8', 'too-deep', 'phone'], {
  description: 'The text rule a 400 broke (pages translate it as validate.rule.<rule>).',
});
export type TextRule = Static<typeof TextRuleSchema>;

export const ApiErrorSchema = Type.Object({
  error: Type.Object({
    code: ErrorCodeSchema,
    message: Type.String({ description: 'English, says what is wrong and where.' }),
    reason: Type.Optional(
      Type.String({
        description:
          "A stable reason code the pages translate with `params` (409 on approve/edit/cancel: 'request-edited', 'mission-superseded', 'request-cancelled', 'already-approved', 'mission-rejected', 'mission-infeasible', 'request-not-open', 'request-not-editable').",
      }),
    ),
    params: Type.Optional(Type.Record(Type.String(), Nullable(Type.Union([Type.String(), Type.Number()])), { description: 'The values the reason names.' })),
    field: Type.Optional(Type.String({ description: 'The offending field as a dotted path ("dropPoint.lat", "features[3].properties.kind").' })),
    rule: Type.Optional(TextRuleSchema),
    validation: Type.Optional(
      Type.Object(
        {
          keyword: StringEnum([...VALIDATION_KEYWORDS]),
          field: Type.String(),
          limit: Type.Optional(Type.Union([Type.String(), Type.Number()])),
        },
        { description: 'A 400 from the schema: the rule broken (ajv keyword), the field and its limit; pages translate validation.<keyword>.' },
      ),
    ),
    reasons: Type.Optional(
      Type.Array(ReasonSchema, { description: "'infeasible' (422, POST /api/requests): why no drone could ever serve the request, per drone." }),
    ),
    issues: Type.Optional(
      Type.Array(ErrorIssueSchema, {
        description: 'PUT /api/zone-map: every problem found (feature index and name); approval refusals: the code and its values (params).',
      }),
    ),
  }),
});
export type ApiError = Static<typeof ApiErrorSchema>;
/** Every route answers its failures in the ApiError shape (the table above). */
export const ERROR_RESPONSES = {
  '4xx': Type.With(ApiErrorSchema, {
    description:
      'Refused: bad-request (400), unauthenticated (401), forbidden / csrf (403), not-found (404), conflict (409), infeasible (422, with reasons), rate-limited (429)',
  }),
  '5xx': Type.With(ApiErrorSchema, { description: 'internal (500): details in the service log' }),
};
/** 204: no body. */
export const NoContentSchema = Type.Null({ description: 'No Content' });

export const UserViewSchema = Type.Object({
  id: Type.Integer(),
  username: Type.String({ description: 'Log-in name.' }),
  name: Type.String({ description: 'Display name ("Officer Li Wei").' }),
  role: RoleSchema,
});
export type UserView = Static<typeof UserViewSchema>;

/** Route parameter `:id` of users, requests, missions and flights. */
export const IdParamsSchema = Type.Object({ id: Type.String({ pattern: '^[1-9][0-9]{0,9}$', description: 'numeric id' }) }, CLOSED);
export const DroneIdSchema = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,31}$', description: "lowercase letters, digits and '-' (1–32)" });
export const DroneIdParamsSchema = Type.Object({ id: DroneIdSchema }, CLOSED);

// ─── session: POST /api/session, DELETE /api/session, GET /api/me ──────────────────────────────

/** POST /api/session (public, rate-limited per client address: 5 attempts a minute by default, MEDIDROP_LOGIN_RATE_LIMIT). */
export const LoginBodySchema = Type.Object(
  { username: Text(1, 64, { description: 'Case does not matter.' }), password: Type.String({ minLength: 1, maxLength: 256 }) },
  CLOSED,
);
export type LoginBody = Static<typeof LoginBodySchema>;
/** 200 from POST /api/session and GET /api/me. Wrong name/password → 401 unauthenticated; the right password of a disabled account → 403 forbidden. */
export const SessionResponseSchema = Type.Object({ user: UserViewSchema, csrfToken: Type.String() });
export type SessionResponse = Static<typeof SessionResponseSchema>;
// DELETE /api/session (x-csrf-token) → 204, clears the cookie.

// ─── configuration: GET /api/config (public) ───────────────────────────────────────────────────

export const TileProviderSchema = Type.Object({
  id: StringEnum(['tianditu', 'amap', 'osm', 'offline', 'custom']),
  url: Type.String({ description: 'Leaflet URL template ({s}, {z}, {x}, {y}); /tiles/offline/… is served by medidrop.' }),
  subdomains: Type.String(),
  overlayUrl: Nullable(Type.String(), { description: 'Label layer drawn over the base (Tianditu), or null.' }),
  attribution: Type.String(),
  crs: StringEnum(['wgs84', 'gcj02'], {
    description: 'Datum the tiles are drawn in. gcj02 (AMap): the page shifts the tiles by the GCJ-02 offset so WGS-84 geometry lands on the right street.',
  }),
  minZoom: Type.Integer(),
  maxZoom: Type.Integer(),
});
export type TileProviderView = Static<typeof TileProviderSchema>;

export const ConfigResponseSchema = Type.Object({
  lang: Type.With(LangSchema, { description: "Default UI language (MEDIDROP_LANG, default 'zh-CN'); the page may let the user switch." }),
  languages: Type.Array(LangSchema),
  tileProviders: Type.Array(TileProviderSchema, { description: 'Base maps offered, in order (the first is shown); empty: vector layers only (offline).' }),
  tileUrl: Nullable(Type.String(), { description: "The first base map's URL template, or null (kept for older pages; prefer tileProviders)." }),
  tileAttribution: Nullable(Type.String()),
  leafletBase: Type.Literal('/vendor/leaflet', { description: 'Where Leaflet is served: `${leafletBase}/leaflet.js`, `${leafletBase}/leaflet.css`.' }),
  checklist: Type.Array(ChecklistItemSchema, { description: 'Pre-flight checklist the pilot must tick before approving (ids; the UI translates them).' }),
});
export type ConfigResponse = Static<typeof ConfigResponseSchema>;

// ─── zone map: GET /api/zone-map (any role), PUT /api/zone-map (admin) ─────────────────────────

export const ZoneMapSummarySchema = Type.Object({
  depots: Type.Array(Type.Object({ name: Type.String(), position: LatLonSchema, drones: Type.Array(Type.String()) })),
  dropPoints: Type.Array(Type.Object({ name: Type.String(), position: LatLonSchema, zone: Nullable(Type.String()), heightM: Type.Number() })),
  areas: Type.Array(
    Type.Object({
      name: Type.String(),
      kind: StringEnum(['sealed', 'controlled', 'precaution', 'no-fly']),
      reason: Nullable(Type.String()),
      temporary: Type.Boolean(),
    }),
  ),
  obstacles: Type.Array(Type.Object({ name: Type.String(), heightM: Type.Number({ description: 'Height of its top above the ground, m.' }) }), {
    description: 'Obstacles with heights (kind obstacle): towers, tall buildings, pylons.',
  }),
  warnings: Type.Array(MapIssueSchema),
});
export type ZoneMapSummary = Static<typeof ZoneMapSummarySchema>;

const zoneMapProps = {
  version: Type.Integer({ description: 'Increases by one on every accepted PUT.' }),
  name: Type.String(),
  updatedAt: Type.String(),
  updatedBy: Nullable(UserViewSchema),
  geojson: FeatureCollectionSchema,
  summary: ZoneMapSummarySchema,
};
export const ZoneMapResponseSchema = Type.Object(zoneMapProps);
export type ZoneMapResponse = Static<typeof ZoneMapResponseSchema>;

/**
 * PUT /api/zone-map body: a GeoJSON FeatureCollection (the zone map format, see README). A broken
 * map → 400 with `field` = "features[i]…" and `issues` naming each feature; nothing changes. Only
 * the outer shape is checked here; the zone-map parser checks the features (and names them).
 */
export const ZoneMapPutBodySchema = Type.Object(
  { type: Type.Literal('FeatureCollection'), features: Type.Array(Type.Unknown()) },
  { additionalProperties: true },
);
/** 200: the new map, plus what was re-planned (every request not yet approved is planned again). */
export const ZoneMapPutResponseSchema = Type.Object({
  ...zoneMapProps,
  replanned: Type.Array(Type.Object({ requestId: Type.Integer(), status: RequestStatusSchema })),
});
export type ZoneMapPutResponse = Static<typeof ZoneMapPutResponseSchema>;

// ─── queue ETAs (README "Queue ETAs") ──────────────────────────────────────────────────────────

export const QueueEtaSchema = Type.Object(
  {
    droneId: Type.String({ description: 'The drone expected to fly it (may differ from the planned one when another gets it there sooner).' }),
    takeoffAt: Type.String({ description: 'Expected take-off, ISO time.' }),
    arrivalAt: Type.String({ description: 'Expected arrival at the drop point, ISO time.' }),
  },
  { description: 'Estimated take-off and arrival of a waiting request, from the fleet and the queue order; null when no drone can be expected.' },
);
export type QueueEta = Static<typeof QueueEtaSchema>;

// ─── drones: GET /api/drones (pilot, admin), POST /api/drones (admin), PATCH /api/drones/:id (admin)

export const DroneViewSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  profileId: Type.String({ description: 'Drone profile id (missions/drones/<id>.json).' }),
  depot: Type.String({ description: 'Depot name on the zone map where it is based.' }),
  connectionUrl: Type.String({
    description: 'MAVLink connection URL (README "Connection URLs"): "udpin://0.0.0.0:14550", "tcp://127.0.0.1:5760", "serial:///dev/ttyUSB0:57600".',
  }),
  sysid: Type.Integer({ description: 'MAVLink system id of the vehicle.' }),
  enabled: Type.Boolean(),
  status: StringEnum(['idle', 'flying', 'disabled', 'lost'], {
    description:
      "'flying' while a flight is not finished; 'lost' when a flight of it was declared lost and nobody has confirmed it recovered (not planned on; POST /api/drones/:id/recovered); 'idle' otherwise; 'disabled' when not enabled.",
  }),
  profile: Nullable(Type.Object({ name: Type.String(), maxPayloadKg: Type.Number(), cruiseSpeedMs: Type.Number(), batteryWh: Type.Number() })),
  state: StringEnum([...DRONE_STATES], {
    description:
      "Fleet state (README \"Fleet states\"): 'available', 'in-flight', 'returning', 'turnaround' (battery swap/charge), 'offline' (no heartbeat), 'maintenance' (enabled = false).",
  }),
  availableAt: Nullable(Type.String(), {
    description: 'When it is expected to be available: landing estimate + turnaround; now when available; null when offline or in maintenance.',
  }),
  turnaroundS: Type.Integer({ description: 'Battery swap or charge after a flight, seconds.' }),
  battery: Nullable(
    Type.Object({
      remainingPct: Nullable(Type.Number(), { description: 'Remaining % of the pack as the autopilot reports it (null: it does not know).' }),
      voltageV: Nullable(Type.Number()),
      at: Type.String(),
    }),
    { description: 'Latest battery report (SYS_STATUS / BATTERY_STATUS); null before the first.' },
  ),
  link: Type.Object({
    up: Nullable(Type.Boolean(), { description: 'Heartbeat within the link timeout; null when the service has no link to the vehicles.' }),
    lastHeardAt: Nullable(Type.String()),
  }),
  position: Nullable(Type.Object({ lat: Type.Number(), lon: Type.Number(), relAltM: Type.Number(), at: Type.String() })),
  lastContactAt: Nullable(Type.String({ description: 'Last message heard from the vehicle.' })),
  flightId: Nullable(Type.Integer({ description: 'Its unfinished flight, if any.' })),
});
export type DroneView = Static<typeof DroneViewSchema>;

const droneProps = {
  name: FilledText(1, 100),
  profileId: FilledText(1, 64),
  depot: FilledText(1, 100),
  connectionUrl: Type.String({ pattern: '^(udpin|udpout|tcp|serial)://.+', maxLength: 300 }),
  sysid: Type.Integer({ minimum: 1, maximum: 255 }),
  turnaroundS: Type.Integer({ minimum: 0, maximum: 86_400, description: 'Battery swap or charge after a flight, seconds (default 600).' }),
};
export const DroneCreateBodySchema = Type.Object(
  { id: DroneIdSchema, ...droneProps, turnaroundS: Type.Optional(droneProps.turnaroundS), enabled: Type.Optional(Type.Boolean()) },
  CLOSED,
);
export type DroneCreateBody = Static<typeof DroneCreateBodySchema>;
export const DronePatchBodySchema = Type.Partial(Type.Object({ ...droneProps, enabled: Type.Boolean() }), { ...CLOSED, minProperties: 1 });
export type DronePatchBody = Static<typeof DronePatchBodySchema>;
export const DroneListResponseSchema = Type.Object({
  drones: Type.Array(DroneViewSchema),
  queue: Type.Array(Type.Object({ requestId: Type.Integer(), ...QueueEtaSchema.properties }), {
    description: 'The ETAs of the waiting requests, in queue order.',
  }),
});
export type DroneListResponse = Static<typeof DroneListResponseSchema>;
// GET → DroneListResponse; POST → 201 DroneView (409 when the id exists); PATCH → 200 DroneView
//   (409 naming the flight when a drone with an unfinished flight would be disabled or get another link).

/** GET /api/drones/profiles (pilot, admin): the drone profiles the service loaded, for the admin's drone form. */
export const DroneProfileViewSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  maxPayloadKg: Type.Number(),
  cruiseSpeedMs: Type.Number(),
  batteryWh: Type.Number(),
  deliveryMethod: StringEnum(['payload-place', 'winch', 'land-release']),
});
export type DroneProfileView = Static<typeof DroneProfileViewSchema>;
export const DroneProfileListResponseSchema = Type.Object({ profiles: Type.Array(DroneProfileViewSchema) });
export type DroneProfileListResponse = Static<typeof DroneProfileListResponseSchema>;

/**
 * POST /api/drones/:id/link-test (admin): connect to the drone's connection URL (or use the link the
 * service already keeps to it), wait up to `timeoutS` (default 10) for its heartbeat, and read the
 * parameters its profile's delivery needs (the same check the flight runs before arming). 409 while
 * the drone has an unfinished flight. Audited as 'drone.link-test'.
 */
export const LinkTestBodySchema = Type.Object({ timeoutS: Type.Optional(Type.Integer({ minimum: 1, maximum: 30 })) }, CLOSED);
export type LinkTestBody = Static<typeof LinkTestBodySchema>;
export const LinkProblemSchema = Type.Object({
  code: StringEnum(['no-heartbeat', 'link-error', 'param-missing', 'param-wrong', 'not-ardupilot'], {
    description: 'Stable code; the pages translate it with `params`.',
  }),
  params: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()])),
  message: Type.String({ description: 'English.' }),
});
export type LinkProblem = Static<typeof LinkProblemSchema>;
export const LinkTestResponseSchema = Type.Object({
  droneId: Type.String(),
  connectionUrl: Type.String(),
  heartbeat: Type.Boolean({ description: 'A heartbeat from the drone’s sysid arrived in time.' }),
  sysid: Nullable(Type.Integer(), { description: 'The sysid heard (the drone’s, when heartbeat).' }),
  otherSysids: Type.Array(Type.Integer(), { description: 'Other vehicles heard on the link (a wrong sysid shows here).' }),
  autopilot: Nullable(Type.String(), { description: "MAV_AUTOPILOT name, e.g. 'ARDUPILOTMEGA'." }),
  vehicleType: Nullable(Type.String(), { description: "MAV_TYPE name, e.g. 'QUADROTOR'." }),
  firmware: Nullable(Type.String(), { description: 'Firmware version when the vehicle said it (AUTOPILOT_VERSION), else null.' }),
  setupOk: Type.Boolean({ description: 'Heard, and every parameter the delivery needs is right.' }),
  params: Type.Record(Type.String(), Nullable(Type.Number()), { description: 'Parameters read (null: not reported).' }),
  problems: Type.Array(LinkProblemSchema),
  elapsedMs: Type.Integer(),
  sharedLink: Type.Boolean({ description: 'The service’s own link to the drone was used (no second connection).' }),
});
export type LinkTestResponse = Static<typeof LinkTestResponseSchema>;

// ─── users: GET /api/users, POST /api/users (admin) ─────────────────────────────────────────────

export const UserCreateBodySchema = Type.Object(
  {
    username: Type.String({ pattern: '^[A-Za-z0-9._-]{3,32}$', description: "3–32 chars: letters, digits, '.', '_', '-'." }),
    name: FilledText(1, 100, { description: 'Display name; stored trimmed.' }),
    password: Type.String({ minLength: 8, maxLength: 256, description: 'At least 8 characters.' }),
    role: RoleSchema,
  },
  CLOSED,
);
export type UserCreateBody = Static<typeof UserCreateBodySchema>;
/** A user as the admin page lists them: the view plus whether the account is disabled. */
export const UserAdminViewSchema = Type.Object({
  ...UserViewSchema.properties,
  disabled: Type.Boolean({ description: 'A disabled user cannot log in (their sessions were ended).' }),
});
export type UserAdminView = Static<typeof UserAdminViewSchema>;
export const UserListResponseSchema = Type.Object({ users: Type.Array(UserAdminViewSchema) });
export type UserListResponse = Static<typeof UserListResponseSchema>;
// GET → UserListResponse; POST → 201 UserView (409 when the username exists).

/**
 * PATCH /api/users/:id (admin): display name, role, disabled. Disabling ends the user's sessions.
 * An admin cannot demote or disable themself, nor the last enabled admin → 409 saying why.
 */
export const UserPatchBodySchema = Type.Partial(Type.Object({ name: Text(1, 100), role: RoleSchema, disabled: Type.Boolean() }), {
  ...CLOSED,
  minProperties: 1,
});
export type UserPatchBody = Static<typeof UserPatchBodySchema>;
/** POST /api/users/:id/password (admin): a new password; every session of that user ends. → 200 UserAdminView. */
export const UserPasswordBodySchema = Type.Object({ password: Type.String({ minLength: 8, maxLength: 256, description: 'At least 8 characters.' }) }, CLOSED);
export type UserPasswordBody = Static<typeof UserPasswordBodySchema>;

// ─── drop requests ──────────────────────────────────────────────────────────────────────────────

/**
 * A drop point as the officer gives it: a named drop point of the zone map ({name}) or coordinates
 * ({lat, lon}). The schema is the looser "any of name, lat, lon" so that ajv names the field at
 * fault ("dropPoint.lat"); the routes' preHandler (plugins/requests.ts, checkDropPoint) then refuses
 * a name with coordinates or half a coordinate, so the handler sees the union the type states.
 */
export const DropPointBodySchema = Type.Unsafe<DropRequestFields['dropPoint']>(
  Type.Object(
    {
      name: Type.Optional(FilledText(1, 100)),
      lat: Type.Optional(LatLonSchema.properties.lat),
      lon: Type.Optional(LatLonSchema.properties.lon),
      crs: Type.Optional(
        StringEnum(['wgs84', 'gcj02', 'bd09'], {
          description:
            'The system lat/lon are given in: wgs84 (GPS, 天地图; default), gcj02 (AMap/高德, Tencent), bd09 (Baidu). Stored and answered as WGS-84.',
        }),
      ),
    },
    { ...CLOSED, minProperties: 1, description: 'a named drop point ({name}) or coordinates ({lat, lon, crs?})' },
  ),
);

const dropRequestProps = {
  recipient: FilledText(1, 100),
  phone: Type.String({ pattern: PHONE_PATTERN, description: 'digits, spaces, + - ( ), at least 3 digits; stored trimmed' }),
  dropPoint: DropPointBodySchema,
  medicine: FilledText(1, 200),
  weightKg: Type.Number({ exclusiveMinimum: 0, maximum: 25 }),
  urgency: UrgencySchema,
  notes: Type.Optional(Text(0, 1000)),
};

/**
 * POST /api/requests (officer). Header `Idempotency-Key: <8–128 chars>` (required): sending the
 * same key again (double click, retry) returns the request created the first time (200 instead of
 * 201, same body) and creates nothing; the same key with a different body → 409.
 * The request is planned before the answer: the 201 body already has its status.
 * The fields of a drop request (src/domain/words.ts), as the officer sends them.
 */
export const DropRequestBodySchema = Type.Object(dropRequestProps, CLOSED);
export type DropRequestBody = Static<typeof DropRequestBodySchema>;
export const IdempotencyHeadersSchema = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ description: '8–128 characters, fresh per new request (required: 400 field "Idempotency-Key" without it)' })),
});

/**
 * POST /api/requests/preview (officer): the create body — only dropPoint and weightKg required, each
 * field validated as for create; no Idempotency-Key; stores nothing; rate-limited per officer.
 */
export const DropRequestPreviewBodySchema = Type.Object(
  {
    ...dropRequestProps,
    recipient: Type.Optional(dropRequestProps.recipient),
    phone: Type.Optional(dropRequestProps.phone),
    medicine: Type.Optional(dropRequestProps.medicine),
    urgency: Type.Optional(dropRequestProps.urgency),
  },
  CLOSED,
);
export type DropRequestPreviewBody = Static<typeof DropRequestPreviewBodySchema>;
/** What the planner says before submitting (src/dispatch/feasibility.ts). */
export const FeasibilityViewSchema = Type.Object({
  feasible: Type.Boolean({ description: 'A drone can fly it now: it would be queued awaiting approval.' }),
  refused: Type.Boolean({ description: 'POST /api/requests would refuse it (422): no registered drone could ever serve it.' }),
  withinPayload: Type.Boolean({ description: 'Some drone can carry the weight.' }),
  reachable: Type.Boolean({ description: 'Some drone has a route and the range to the drop point.' }),
  droneId: Nullable(Type.String()),
  droneName: Nullable(Type.String()),
  depot: Nullable(Type.String()),
  distanceM: Type.Number({ description: 'Round trip, m (0 without a route).' }),
  flightTimeS: Type.Number({ description: 'Depot → drop point → depot, s (0 without a route).' }),
  etaAt: Nullable(Type.String({ description: 'Now + the flight to the drop point (queue waiting not included); null when not feasible.' })),
  reasons: Type.Array(ReasonSchema, { description: 'Why not, per drone (params.droneId, params.droneName, params.depot); empty when feasible.' }),
});
export type FeasibilityView = Static<typeof FeasibilityViewSchema>;

/** PATCH /api/requests/:id (the officer who made it; only before approval): any subset; re-planned. */
export const DropRequestPatchBodySchema = Type.Partial(Type.Object(dropRequestProps), { ...CLOSED, minProperties: 1 });
export type DropRequestPatchBody = Static<typeof DropRequestPatchBodySchema>;
// DELETE /api/requests/:id (owner officer, before approval), optional body { reason?: string }
//   → 200 DropRequestView with status 'cancelled'.

/** A stored reason as a page translates it (src/web/outcome-text.ts): 'outcome.<code>'; `typed` is what a person wrote, `vehicle` what the autopilot said. */
export const OutcomeTextSchema = Type.Object({
  code: Nullable(Type.String(), { description: 'null: a text the service does not know; show it as it is' }),
  params: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()])),
});
/**
 * - 'planning': just queued or edited; the plan is being made
 * - 'awaiting-approval': a feasible plan waits for a pilot
 * - 'unservable': no depot × drone can do it; `reasons` say why (re-planned when the map or drones change)
 * - 'rejected': a pilot rejected the plan (`statusReason` is the pilot's reason)
 * - 'in-flight': approved; `flight` has the live state
 * - 'delivered': the parcel was released at the drop point (the drone may still be returning)
 * - 'failed': the flight was aborted or failed before the drop (`statusReason`)
 * - 'cancelled': withdrawn by the officer
 */
export const DropRequestViewSchema = Type.Object({
  id: Type.Integer(),
  version: Type.Integer({ description: '1 when created; every edit that changes a field makes the next version (and a new plan).' }),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  officer: Type.Object({ id: Type.Integer(), name: Type.String() }),
  recipient: Type.String(),
  phone: Type.String(),
  dropPoint: Type.Object(
    {
      name: Nullable(Type.String()),
      lat: Type.Number(),
      lon: Type.Number(),
      crs: StringEnum(['wgs84', 'gcj02', 'bd09'], { description: 'The system the officer gave the coordinates in; lat/lon are WGS-84 whatever it was.' }),
    },
    { description: 'name null when given as coordinates' },
  ),
  medicine: Type.String(),
  weightKg: Type.Number(),
  urgency: UrgencySchema,
  notes: Type.String(),
  status: RequestStatusSchema,
  statusReason: Nullable(Type.String(), { description: 'Human reason for rejected / failed / cancelled.' }),
  statusReasonText: Nullable(OutcomeTextSchema, { description: 'statusReason as code and params, for the pages.' }),
  reasons: Type.Array(ReasonSchema, { description: "Why no drone can serve it (status 'unservable'), best candidate's reasons first." }),
  missionId: Nullable(Type.Integer(), { description: 'Current mission (the latest plan) id, or null when unservable.' }),
  plan: Nullable(
    Type.Object({
      depot: Type.String(),
      droneId: Type.String(),
      droneName: Type.String(),
      distanceM: Type.Number(),
      durationS: Type.Number(),
      route: Type.Array(LonLatPairSchema),
    }),
    { description: "Planned depot/drone/route of the current mission (for the officer's map)." },
  ),
  flight: Nullable(Type.Object({ id: Type.Integer(), state: FlightStatusSchema })),
  eta: Nullable(Type.String(), {
    description:
      'Expected delivery time: the queue ETA (queueEta.arrivalAt) while awaiting approval, the flight ETA to the drop point from take-off on; null during and after the delivery.',
  }),
  queueEta: Nullable(QueueEtaSchema),
  handoverCode: Nullable(Type.String(), {
    description:
      'Hand-over code (6 digits) the officer tells the recipient; shown only to the officer who made the request (and admins); null for everyone else.',
  }),
  delivery: Nullable(FlightDeliveryViewSchema),
});
export type DropRequestView = Static<typeof DropRequestViewSchema>;
export const RequestListQuerySchema = Type.Object({ status: Type.Optional(RequestStatusSchema) }, CLOSED);
export const RequestListResponseSchema = Type.Object({ requests: Type.Array(DropRequestViewSchema) });
export type RequestListResponse = Static<typeof RequestListResponseSchema>;
// GET /api/requests (officer: own; pilot, admin: all) → RequestListResponse newest first;
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
const missionSummaryProps = {
  id: Type.Integer(),
  requestId: Type.Integer(),
  requestVersion: Type.Integer({ description: 'The request version this plan was made for: send it back when approving.' }),
  status: MissionStatusSchema,
  urgency: UrgencySchema,
  createdAt: Type.String(),
  requestedAt: Type.String({ description: 'When the officer queued the request (the queue is ordered by urgency, then this).' }),
  recipient: Type.String(),
  medicine: Type.String(),
  weightKg: Type.Number(),
  depot: Type.Object({ name: Type.String(), position: LatLonSchema }),
  dropPoint: Type.Object({ name: Type.String(), position: LatLonSchema }),
  drone: Type.Object({ id: Type.String(), name: Type.String() }),
  feasible: Type.Boolean(),
  distanceM: Type.Number(),
  durationS: Type.Number(),
  energyWh: Type.Number(),
  marginPct: Type.Number(),
  cruiseAltitudeM: Type.Number(),
  failedChecks: Type.Integer({ description: 'Number of checks failing (0 for a flyable plan).' }),
  flightId: Nullable(Type.Integer()),
  queueEta: Nullable(QueueEtaSchema),
};
export const MissionSummarySchema = Type.Object(missionSummaryProps);
export type MissionSummary = Static<typeof MissionSummarySchema>;
export const MissionListQuerySchema = Type.Object({ status: Type.Optional(MissionStatusSchema) }, CLOSED);
export const MissionListResponseSchema = Type.Object({ missions: Type.Array(MissionSummarySchema) });
export type MissionListResponse = Static<typeof MissionListResponseSchema>;
// GET /api/missions?status=awaiting-approval|approved|rejected|superseded|infeasible (pilot, admin)
//   → MissionListResponse ordered by urgency (critical first), then request age (oldest first).

export const FenceSummarySchema = Type.Object({
  items: Type.Integer({ description: 'Items in the fence upload (inclusion + exclusion vertices, circles, return point).' }),
  vertices: Type.Integer(),
  excludedAreas: Type.Array(Type.String(), { description: 'No-fly areas uploaded as exclusion polygons.' }),
  leftToRoute: Type.Array(Type.String(), { description: 'No-fly areas not in the fence (storage full or far away): only the route keeps clear of them.' }),
});

export const MissionFenceGeometrySchema = Type.Object(
  {
    inclusion: Type.Array(Type.Array(LonLatPairSchema)),
    exclusion: Type.Array(Type.Array(LonLatPairSchema)),
    circles: Type.Array(Type.Object({ center: LonLatPairSchema, radiusM: Type.Number(), inclusion: Type.Boolean() })),
    returnPoint: Nullable(LonLatPairSchema),
  },
  { description: 'From the uploaded fence items: inclusion/exclusion polygons and circles.' },
);

/** The route's height profile (the planner's src/planner/terrain-profile.ts), heights in metres above home. */
export const TerrainProfileSchema = Type.Object(
  {
    reference: Type.Literal('home', { description: 'Heights are metres above the ground at home (the mission altitude frame).' }),
    stepM: Type.Number({ description: 'Sampling step before thinning, m.' }),
    lengthM: Type.Number({ description: 'Length of the route flown (outbound then return), m.' }),
    dropDistanceM: Nullable(Type.Number(), { description: 'Distance along the route of the drop point, m.' }),
    ceilingAglM: Type.Number({ description: 'The legal ceiling above the ground, m (120).' }),
    minClearance: Nullable(
      Type.Object({
        distanceM: Type.Number(),
        clearanceM: Type.Number(),
        altM: Type.Number(),
        surfaceM: Type.Number({ description: 'The ground or obstacle top the clearance is measured from, m above home.' }),
        obstacle: Type.Optional(Type.String()),
      }),
      { description: "Lowest clearance on the route's horizontal legs and where." },
    ),
    points: Type.Array(
      Type.Object({
        distanceM: Type.Number({ description: 'Distance flown from home, m.' }),
        groundM: Nullable(Type.Number(), { description: 'Ground height (highest since the previous point); null: no elevation data.' }),
        pathAltM: Type.Number({ description: 'Planned altitude.' }),
        obstacleTopM: Nullable(Type.Number(), { description: 'Top of the highest obstacle crossed since the previous point.' }),
      }),
      { description: 'At most 500 points, thinned evenly, waypoints and vertical segments kept.' },
    ),
  },
  { description: 'The height profile along the route.' },
);
export type TerrainProfileView = Static<typeof TerrainProfileSchema>;

/** The plan's terrain section as the review page shows it. */
export const MissionTerrainSchema = Type.Object({
  groundModel: StringEnum(['dem', 'flat'], { description: "'flat': no DEM, the ground taken as flat at the home elevation." }),
  dem: Nullable(Type.String(), { description: 'The DEM used (files and resolution).' }),
  homeGroundM: Nullable(Type.Number(), { description: 'Ground at home, m AMSL; null: the DEM does not cover the depot.' }),
  requiredClearanceM: Type.Number(),
  maxAglLimitM: Type.Number({ description: 'The planning ceiling above the ground (the legal one minus the margin), m.' }),
  minClearanceM: Nullable(Type.Number(), { description: 'Over the whole sampled path, failsafe returns included.' }),
  maxAglM: Nullable(Type.Number()),
  profile: Nullable(TerrainProfileSchema, { description: 'Null for plans made before profiles were kept.' }),
});
export type MissionTerrain = Static<typeof MissionTerrainSchema>;

export const MissionDetailSchema = Type.Object({
  ...missionSummaryProps,
  request: DropRequestViewSchema,
  checks: Type.Array(CheckSchema),
  reasons: Type.Array(ReasonSchema),
  conditions: Type.Object({
    payloadKg: Type.Number(),
    windSpeedMs: Type.Number(),
    windFromDeg: Type.Number(),
    temperatureC: Type.Number(),
    siteAltitudeM: Type.Number(),
  }),
  geometry: Type.Object(
    {
      outbound: Type.Array(LonLatPairSchema),
      inbound: Type.Array(LonLatPairSchema),
      waypoints: Type.Array(numbers<[lat: number, lon: number, relAltM: number]>(3, '[lat, lon, relative altitude m] as the planner gives them.')),
      depot: LonLatPairSchema,
      dropPoint: LonLatPairSchema,
      fence: MissionFenceGeometrySchema,
      rally: Type.Array(LonLatPairSchema),
      zones: Type.With(FeatureCollectionSchema, { description: 'The zone map at planning time (sealed / controlled / precaution / no-fly), GeoJSON.' }),
    },
    { description: 'Geometry for the review map ([lon, lat] everywhere).' },
  ),
  legs: Type.Array(
    Type.Object({
      from: LonLatPairSchema,
      to: LonLatPairSchema,
      distanceM: Type.Number(),
      groundSpeedMs: Type.Number(),
      durationS: Type.Number(),
      energyWh: Type.Number(),
    }),
  ),
  fence: FenceSummarySchema,
  rallyUnsafeLegs: Type.Array(
    Type.Object({
      legIndex: Type.Integer(),
      fromM: Type.Optional(Type.Number()),
      toM: Type.Optional(Type.Number()),
      message: Type.String({ description: 'English.' }),
    }),
  ),
  terrain: Nullable(MissionTerrainSchema, { description: 'Ground, obstacles and the height profile; null for plans made without a terrain check.' }),
  candidates: Type.Array(
    Type.Object({
      depot: Type.String(),
      droneId: Type.String(),
      feasible: Type.Boolean(),
      marginPct: Type.Number(),
      reasons: Type.Array(ReasonSchema),
      state: Type.Optional(StringEnum([...DRONE_STATES], { description: 'Fleet state when planned.' })),
      batteryPct: Type.Optional(Nullable(Type.Number(), { description: 'Charge the plan started from; null: planned as a full pack.' })),
      readyAt: Type.Optional(Nullable(Type.String(), { description: 'When the drone could take it off.' })),
      durationS: Type.Optional(Type.Number()),
      outboundS: Type.Optional(Type.Number()),
    }),
    { description: 'Every depot × drone tried, best first (free now, then the earliest, then the best margin).' },
  ),
  checklist: Type.Array(ChecklistItemSchema),
  approval: Nullable(Type.Object({ by: UserViewSchema, at: Type.String(), checklist: Type.Array(Type.String()), requestVersion: Nullable(Type.Integer()) })),
  rejection: Nullable(Type.Object({ by: UserViewSchema, at: Type.String(), reason: Type.String() })),
});
export type MissionDetail = Static<typeof MissionDetailSchema>;
// GET /api/missions/:id → MissionDetail.

/** POST /api/missions/:id/approve (pilot): every PREFLIGHT_CHECKLIST id ticked, else 400 field 'checklist'. */
export const ApproveBodySchema = Type.Object(
  {
    checklist: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 50, uniqueItems: true }),
    requestVersion: Type.Optional(
      Type.Integer({
        minimum: 1,
        description:
          "The request version the pilot reviewed (the mission's `requestVersion`). The approval goes through only when it is the request's current version and this mission its current plan; else 409 with a reason. Without it, the mission's own version is checked against the request.",
      }),
    ),
  },
  CLOSED,
);
export type ApproveBody = Static<typeof ApproveBodySchema>;
/**
 * POST /api/missions/:id/reassign (pilot): plan the mission's request on the drone the pilot chose
 * (any enabled drone, of this depot or another). Feasible → the new plan replaces the mission (a new
 * mission id, awaiting approval, on that drone); not → nothing changes and `reasons` say why.
 * 409 when the mission is no longer awaiting a decision.
 */
export const ReassignBodySchema = Type.Object({ droneId: DroneIdSchema }, CLOSED);
export type ReassignBody = Static<typeof ReassignBodySchema>;
export const ReassignResponseSchema = Type.Object({
  feasible: Type.Boolean({ description: 'The chosen drone can fly it: `mission` is the new plan on it.' }),
  reasons: Type.Array(ReasonSchema, { description: 'Why the chosen drone cannot fly it (empty when feasible).' }),
  mission: Nullable(MissionSummarySchema, { description: "The request's current mission after the call." }),
});
export type ReassignResponse = Static<typeof ReassignResponseSchema>;

/** POST /api/missions/:id/reject (pilot): 3–500 chars. → 200 MissionSummary. */
export const RejectBodySchema = Type.Object({ reason: FilledText(3, 500) }, CLOSED);
export type RejectBody = Static<typeof RejectBodySchema>;

// ─── flights (pilot, admin; officers: flights of their own requests, read only) ─────────────────

export const FlightViewSchema = Type.Object({
  id: Type.Integer(),
  missionId: Type.Integer(),
  requestId: Type.Integer(),
  drone: Type.Object({ id: Type.String(), name: Type.String(), sysid: Type.Integer() }),
  state: FlightStatusSchema,
  stateReason: Nullable(Type.String(), { description: 'Why it failed / was aborted (and by whom).' }),
  stateReasonText: Nullable(OutcomeTextSchema, { description: 'stateReason as code and params, for the pages.' }),
  paused: Type.Boolean(),
  createdAt: Type.String(),
  airborneAt: Nullable(Type.String()),
  endedAt: Nullable(Type.String()),
  progress: Nullable(FlightProgressViewSchema),
  routeFraction: Type.Number({
    description: 'Fraction of the whole flight flown (climb, route there and back, landing), 0…1; 1 only once landed after delivery.',
  }),
  position: Nullable(FlightPositionSchema),
  batteryPct: Nullable(Type.Number()),
  link: Type.Object({ up: Type.Boolean(), lastHeardAt: Nullable(Type.String()) }),
  linkLost: Nullable(
    Type.Object({
      since: Type.String(),
      detail: Type.String({ description: 'English: where the vehicle was tried and what happened.' }),
      detailText: Nullable(OutcomeTextSchema, { description: 'detail as code and params, for the pages.' }),
      canDeclareLost: Type.Boolean({ description: 'True: a pilot may POST /api/flights/:id/declare-lost.' }),
    }),
    {
      description:
        'Unfinished flight whose vehicle is not heard since the service re-attached to it (after a restart): a link-lost alert was raised at once, abort/pause answer 409, and the drone is kept out of planning. Null otherwise.',
    },
  ),
  mode: Nullable(Type.String()),
  eta: Nullable(Type.String(), { description: 'Expected arrival at the drop point (etaTo drop) or landing at home (etaTo home); null once ended.' }),
  etaTo: Nullable(EtaToSchema),
  alerts: Type.Array(FlightAlertViewSchema),
  activeAlerts: Type.Array(FlightAlertViewSchema, {
    description:
      'The alerts that still stand (also in the summary form): latched conditions (link lost, off route, battery below the plan, fence breach) until the alert that ends them, other warnings and critical alerts for the rest of the flight; the latest of each, oldest first. Empty once the flight ended.',
  }),
  transitions: Type.Array(FlightTransitionViewSchema),
  delivery: Nullable(FlightDeliveryViewSchema),
  plannedRoute: Type.Array(LonLatPairSchema, { description: 'Planned polyline depot → drop point → depot ([lon, lat]).' }),
});
export type FlightView = Static<typeof FlightViewSchema>;

/** 200 from approve: the flight was created and starts in the background; follow it on /api/flights/:id/events. */
export const ApproveResponseSchema = Type.Object({ mission: MissionSummarySchema, flight: FlightViewSchema });
export type ApproveResponse = Static<typeof ApproveResponseSchema>;

export const FlightListQuerySchema = Type.Object({ active: Type.Optional(StringEnum(['true', 'false'])) }, CLOSED);
export const FlightListResponseSchema = Type.Object({ flights: Type.Array(FlightViewSchema) });
export type FlightListResponse = Static<typeof FlightListResponseSchema>;
/** POST /api/flights/:id/abort|pause|resume (pilot): optional body; a POST without one means {}. */
export const FlightCommandBodySchema = Type.Object({ reason: Type.Optional(Text(0, 500)) }, CLOSED);
export type FlightCommandBody = Static<typeof FlightCommandBodySchema>;
/**
 * POST /api/flights/:id/declare-lost (pilot) → 200 FlightView (state 'lost'). Only while the link to
 * the vehicle is down; 409 when it is up (abort instead) or the flight is finished. Audited with the reason.
 */
export const DeclareLostBodySchema = Type.Object(
  {
    reason: Type.String({ minLength: 3, maxLength: 500, description: 'Why the flight is declared lost (audited).' }),
    lastKnownLocation: Type.Optional(Type.String({ maxLength: 300, description: 'Where the drone was last seen or is believed to be (audited).' })),
  },
  CLOSED,
);
export type DeclareLostBody = Static<typeof DeclareLostBodySchema>;
/**
 * POST /api/drones/:id/recovered (pilot, admin) → 200 { drone, flights }: the pilot confirms where a
 * drone declared lost is; it is offered to planning again (audited with the note). 409 when none of
 * its flights was declared lost.
 */
export const DroneRecoveredBodySchema = Type.Object(
  { note: Type.String({ minLength: 3, maxLength: 500, description: 'Where the drone was found and its condition (audited).' }) },
  CLOSED,
);
export type DroneRecoveredBody = Static<typeof DroneRecoveredBodySchema>;
export const DroneRecoveredResponseSchema = Type.Object({
  drone: DroneViewSchema,
  flights: Type.Array(Type.Integer(), { description: 'The lost flights this confirmation closes.' }),
});
export type DroneRecoveredResponse = Static<typeof DroneRecoveredResponseSchema>;
// GET /api/flights?active=true → FlightListResponse (pilot, admin)
// GET /api/flights/:id → FlightView
// POST /api/flights/:id/abort  { reason?: string } (pilot) → 200 FlightView: RTL by the safe return path
// POST /api/flights/:id/pause  {} (pilot) → 200 FlightView (BRAKE; 409 when not airborne)
// POST /api/flights/:id/resume {} (pilot) → 200 FlightView (AUTO; 409 when not paused)

/** GET /api/flights/:id/track → the stored (down-sampled) track. */
export const FlightTrackResponseSchema = Type.Object({
  flightId: Type.Integer(),
  planned: Type.Array(LonLatPairSchema),
  points: Type.Array(
    Type.Object({
      t: Type.String(),
      lat: Type.Number(),
      lon: Type.Number(),
      relAltM: Type.Number(),
      groundSpeedMs: Type.Number(),
      batteryPct: Nullable(Type.Number()),
    }),
  ),
});
export type FlightTrackResponse = Static<typeof FlightTrackResponseSchema>;

// ─── server-sent events ─────────────────────────────────────────────────────────────────────────

/** GET /api/events: everything the logged-in user may see (officers: their own requests only). */
export const ServiceEventsSchema = Type.Object({
  request: DropRequestViewSchema,
  mission: Type.With(MissionSummarySchema, { description: 'Pilots/admins only.' }),
  flight: Type.With(FlightViewSchema, {
    description:
      'Summary form: no transitions/alerts history (fetch /api/flights/:id for those), but the standing alerts (activeAlerts). Sent on every transition and alert.',
  }),
  drone: Type.With(DroneViewSchema, { description: "Pilots/admins only: a drone's state, battery, link or position changed." }),
  queue: Type.With(Type.Object({ etas: DroneListResponseSchema.properties.queue }), {
    description: "The waiting requests' ETAs moved (officers: their own requests only).",
  }),
});
export type ServiceEvents = Static<typeof ServiceEventsSchema>;

/** GET /api/flights/:id/events: live flight (same visibility as GET /api/flights/:id). */
export const FlightEventsSchema = Type.Object({
  ...FlightLiveEventsSchema.properties,
  snapshot: Type.With(FlightViewSchema, { description: 'First message: the whole current view.' }),
});
export type FlightEvents = Static<typeof FlightEventsSchema>;

// ─── hand-over: POST /api/handover (public, 10 attempts / minute per client address) ───────────

export const HandoverBodySchema = Type.Object(
  {
    requestId: Type.Integer({ minimum: 1 }),
    code: Type.String({ minLength: 4, maxLength: 16, description: 'The 6-digit code the officer gave the recipient.' }),
  },
  CLOSED,
);
export type HandoverBody = Static<typeof HandoverBodySchema>;
/** 200 when the code matches and the parcel has been dropped; wrong code or id → 400 field 'code'; before the drop → 409. */
export const HandoverResponseSchema = Type.Object({ requestId: Type.Integer(), confirmedAt: Type.String(), medicine: Type.String() });
export type HandoverResponse = Static<typeof HandoverResponseSchema>;

// ─── audit: GET /api/audit?limit=100&before=<id>&user=&request=&from=&to=&format=json|csv (admin) ─

/**
 * Filters apply together. `user`: a user id or a log-in name (any case); `request`: a request number
 * (entries about the request, its missions and its flights); `from` / `to`: ISO 8601 times with a
 * zone ("2026-12-03T08:00:00Z", "…+08:00") or dates ("2026-12-03": `to` then covers that whole UTC
 * day). A value that is not one of these → 400 naming the field. `format=csv` answers text/csv
 * (UTF-8 with a byte-order mark, for spreadsheet programs) as an attachment, up to 100 000 rows,
 * columns id, time, user, role, action, subject, reason, details (JSON) as stored, then action_text,
 * reason_text and summary in words when `lang` (en or zh-CN) is given (the admin page's export
 * link gives its language; without it the file keeps the columns programs read before).
 */
export const AuditQuerySchema = Type.Object(
  {
    limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,2}$' })),
    before: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,12}$' })),
    user: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    request: Type.Optional(Type.String({ maxLength: 12 })),
    from: Type.Optional(Type.String({ maxLength: 40 })),
    to: Type.Optional(Type.String({ maxLength: 40 })),
    format: Type.Optional(StringEnum(['json', 'csv'])),
    lang: Type.Optional(LangSchema),
  },
  CLOSED,
);
export type AuditQuery = Static<typeof AuditQuerySchema>;
const AuditParamSchema = Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null(), Type.Array(Type.String())]);
const AuditTermsSchema = Type.Optional(
  Type.Record(Type.String(), Type.String(), { description: "param → catalogue prefix its value is translated with ('role.'); 'place:' a zone-map name" }),
);
export const AuditPartSchema = Type.Object({ code: Type.String(), params: Type.Record(Type.String(), AuditParamSchema), terms: AuditTermsSchema });
export const AuditReasonTextSchema = Type.Object({
  from: StringEnum(['user', 'vehicle', 'service']),
  code: Nullable(Type.String()),
  params: Type.Record(Type.String(), AuditParamSchema),
  terms: AuditTermsSchema,
});
export const AuditEntryViewSchema = Type.Object({
  id: Type.Integer(),
  at: Type.String(),
  actor: Nullable(UserViewSchema),
  action: Type.String({ description: "'login', 'request.create', 'mission.approve', 'mission.reject', 'flight.abort', 'zone-map.update', …" }),
  subject: Nullable(Type.Object({ type: Type.String(), id: Type.String() })),
  reason: Nullable(Type.String()),
  details: Type.Record(Type.String(), Type.Unknown(), { description: 'What the action changed, as the action records it (any JSON).' }),
  summary: Type.Array(AuditPartSchema, {
    description: "The details in words: each part a stable code the pages translate ('auditDetail.<code>') with its params (src/web/audit-text.ts).",
  }),
  reasonText: Nullable(AuditReasonTextSchema, {
    description: "Who wrote `reason`: a person or the vehicle (shown as it is) or the service ('auditReason.<code>' with params).",
  }),
});
export type AuditEntryView = Static<typeof AuditEntryViewSchema>;
export const AuditListResponseSchema = Type.Object({ entries: Type.Array(AuditEntryViewSchema) });
export type AuditListResponse = Static<typeof AuditListResponseSchema>;
// → AuditListResponse, newest first.

// GET /api/openapi.json (public) → the OpenAPI 3 document generated from the route schemas.
// Pages: GET / and /*.html from src/web/public; Leaflet at /vendor/leaflet/leaflet.js|.css|images/*.

// ─── the lower layers' types are the schemas' types ───────────────────────────────────────────────
// The domain words, the live flight payloads, the planner's reasons/checks/fence summary and the
// zone-map issues are types of lower layers (which cannot import this file). These lines fail to
// compile when a type and its schema drift apart.
export type _LowerLayerTypesMatchTheirSchemas = [
  Assert<Same<TileProviderView, TileProvider>>,
  Assert<Same<Omit<LinkTestResponse, 'droneId' | 'connectionUrl'>, LinkTestResult>>,
  Assert<Same<Static<typeof RoleSchema>, Role>>,
  Assert<Same<Static<typeof LangSchema>, Lang>>,
  Assert<Same<Static<typeof UrgencySchema>, Urgency>>,
  Assert<Same<Static<typeof RequestStatusSchema>, RequestStatus>>,
  Assert<Same<Static<typeof MissionStatusSchema>, MissionStatus>>,
  Assert<Same<Static<typeof FlightStatusSchema>, FlightStatus>>,
  Assert<Same<Static<typeof ErrorCodeSchema>, ErrorCode>>,
  Assert<Same<Static<typeof ChecklistItemSchema>, ChecklistItem>>,
  Assert<Same<Static<typeof DropRequestBodySchema>, DropRequestFields>>,
  Assert<Same<Static<typeof FlightPositionSchema>, FlightPosition>>,
  Assert<Same<Static<typeof FlightAlertViewSchema>, FlightAlertView>>,
  Assert<Same<Static<typeof AuditPartSchema>, AuditPart>>,
  Assert<Same<Static<typeof AuditReasonTextSchema>, AuditReasonText>>,
  Assert<Same<Static<typeof FlightTransitionViewSchema>, FlightTransitionView>>,
  Assert<Same<Static<typeof FlightProgressViewSchema>, FlightProgressView>>,
  Assert<Same<Static<typeof FlightDeliveryViewSchema>, FlightDeliveryView>>,
  Assert<Same<Static<typeof FlightLiveEventsSchema>, FlightLiveEvents>>,
  Assert<Same<Static<typeof ReasonSchema>, Reason>>,
  Assert<Same<Static<typeof FeasibilityViewSchema>, DispatchFeasibilityView>>,
  Assert<Same<Static<typeof DropRequestPreviewBodySchema>, PreviewFields>>,
  Assert<Same<Static<typeof CheckSchema>, Check>>,
  Assert<Same<Static<typeof FenceSummarySchema>, FenceSummary>>,
  Assert<Same<Static<typeof MapIssueSchema>, MapIssue>>,
  Assert<Same<ZoneMapSummary['areas'][number]['kind'], AreaKind>>,
  Assert<Same<TerrainProfileView, TerrainProfile>>,
];
