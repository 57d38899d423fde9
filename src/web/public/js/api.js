// @ts-check
// JSON API client (see src/web/api-types.ts): session cookie + x-csrf-token on state changes,
// errors as ApiError with the field the server named. Every route the pages call is listed in
// `Routes` below with its body and answer from the contract, so `api()` is typed by the route.
import { t, has, lang, fmtClock } from './i18n.js';

/**
 * @typedef {import('../../api-types.js').ApiError} ApiErrorBody
 * @typedef {import('../../api-types.js').DropRequestPreviewBody} DropRequestPreviewBody
 * @typedef {import('../../api-types.js').FeasibilityView} FeasibilityView
 * @typedef {NonNullable<ApiErrorBody['error']['reasons']>[number]} ApiReason
 * @typedef {import('../../api-types.js').ApproveBody} ApproveBody
 * @typedef {import('../../api-types.js').ApproveResponse} ApproveResponse
 * @typedef {import('../../api-types.js').ConfigResponse} ConfigResponse
 * @typedef {import('../../api-types.js').DeclareLostBody} DeclareLostBody
 * @typedef {import('../../api-types.js').DroneRecoveredBody} DroneRecoveredBody
 * @typedef {import('../../api-types.js').DroneRecoveredResponse} DroneRecoveredResponse
 * @typedef {import('../../api-types.js').DropRequestBody} DropRequestBody
 * @typedef {import('../../api-types.js').DropRequestView} DropRequestView
 * @typedef {import('../../api-types.js').DroneView} DroneView
 * @typedef {import('../../api-types.js').FlightTrackResponse} FlightTrackResponse
 * @typedef {import('../../api-types.js').FlightView} FlightView
 * @typedef {import('../../api-types.js').HandoverBody} HandoverBody
 * @typedef {import('../../api-types.js').HandoverResponse} HandoverResponse
 * @typedef {import('../../api-types.js').LoginBody} LoginBody
 * @typedef {import('../../api-types.js').MissionDetail} MissionDetail
 * @typedef {import('../../api-types.js').MissionStatus} MissionStatus
 * @typedef {import('../../api-types.js').MissionSummary} MissionSummary
 * @typedef {import('../../api-types.js').RejectBody} RejectBody
 * @typedef {import('../../api-types.js').RequestStatus} RequestStatus
 * @typedef {import('../../api-types.js').Role} Role
 * @typedef {import('../../api-types.js').SessionResponse} SessionResponse
 * @typedef {import('../../api-types.js').UserCreateBody} UserCreateBody
 * @typedef {import('../../api-types.js').UserView} UserView
 * @typedef {import('../../api-types.js').ZoneMapPutResponse} ZoneMapPutResponse
 * @typedef {import('../../api-types.js').ZoneMapResponse} ZoneMapResponse
 * @typedef {import('../../api-types.js').AuditListResponse} AuditListResponse
 * @typedef {import('../../api-types.js').DroneCreateBody} DroneCreateBody
 * @typedef {import('../../api-types.js').DronePatchBody} DronePatchBody
 * @typedef {import('../../api-types.js').DroneProfileListResponse} DroneProfileListResponse
 * @typedef {import('../../api-types.js').LinkTestBody} LinkTestBody
 * @typedef {import('../../api-types.js').LinkTestResponse} LinkTestResponse
 * @typedef {import('../../api-types.js').UserAdminView} UserAdminView
 * @typedef {import('../../api-types.js').UserListResponse} UserListResponse
 * @typedef {import('../../api-types.js').UserPatchBody} UserPatchBody
 * @typedef {import('../../api-types.js').UserPasswordBody} UserPasswordBody
 * @typedef {{ limit?: string, before?: string, user?: string, request?: string, from?: string, to?: string }} AuditQuery
 * @typedef {NonNullable<ApiErrorBody['error']['issues']>[number]} ApiIssue
 * @typedef {import('../../api-types.js').DroneListResponse} DroneListResponse
 * @typedef {import('../../api-types.js').ReassignBody} ReassignBody
 * @typedef {import('../../api-types.js').ReassignResponse} ReassignResponse
 */

/**
 * The routes the pages call, as "METHOD /path" with `:name` for a path parameter, each with what
 * it takes (params, query, body, headers) and what it answers (`res`), as api-types.ts states them.
 * `null` is a 204 (no body). The PUT /api/zone-map body is the admin's file as it is (unknown): the
 * service says what is wrong with it.
 * @typedef {{ id: number | string }} IdParam
 * @typedef {{
 *   'POST /api/session': { body: LoginBody, res: SessionResponse },
 *   'DELETE /api/session': { res: null },
 *   'GET /api/me': { res: SessionResponse },
 *   'GET /api/config': { res: ConfigResponse },
 *   'GET /api/zone-map': { res: ZoneMapResponse },
 *   'PUT /api/zone-map': { body: unknown, res: ZoneMapPutResponse },
 *   'GET /api/users': { res: UserListResponse },
 *   'POST /api/users': { body: UserCreateBody, res: UserView },
 *   'PATCH /api/users/:id': { params: IdParam, body: UserPatchBody, res: UserAdminView },
 *   'POST /api/users/:id/password': { params: IdParam, body: UserPasswordBody, res: UserAdminView },
 *   'GET /api/drones': { res: DroneListResponse },
 *   'GET /api/drones/profiles': { res: DroneProfileListResponse },
 *   'POST /api/drones': { body: DroneCreateBody, res: DroneView },
 *   'PATCH /api/drones/:id': { params: IdParam, body: DronePatchBody, res: DroneView },
 *   'POST /api/drones/:id/link-test': { params: IdParam, body: LinkTestBody, res: LinkTestResponse },
 *   'GET /api/audit': { query?: AuditQuery, res: AuditListResponse },
 *   'GET /api/requests': { query?: { status?: RequestStatus }, res: { requests: DropRequestView[] } },
 *   'POST /api/requests': { body: DropRequestBody, headers: { 'idempotency-key': string }, res: DropRequestView },
 *   'POST /api/requests/preview': { body: DropRequestPreviewBody, res: FeasibilityView },
 *   'GET /api/requests/:id': { params: IdParam, res: DropRequestView },
 *   'DELETE /api/requests/:id': { params: IdParam, res: DropRequestView },
 *   'GET /api/missions': { query?: { status?: MissionStatus }, res: { missions: MissionSummary[] } },
 *   'GET /api/missions/:id': { params: IdParam, res: MissionDetail },
 *   'POST /api/missions/:id/approve': { params: IdParam, body: ApproveBody, res: ApproveResponse },
 *   'POST /api/missions/:id/reject': { params: IdParam, body: RejectBody, res: MissionSummary },
 *   'POST /api/missions/:id/reassign': { params: IdParam, body: ReassignBody, res: ReassignResponse },
 *   'GET /api/flights': { query?: { active?: 'true' }, res: { flights: FlightView[] } },
 *   'GET /api/flights/:id': { params: IdParam, res: FlightView },
 *   'GET /api/flights/:id/track': { params: IdParam, res: FlightTrackResponse },
 *   'POST /api/flights/:id/abort': { params: IdParam, body: { reason?: string }, res: FlightView },
 *   'POST /api/flights/:id/pause': { params: IdParam, body: Record<string, never>, res: FlightView },
 *   'POST /api/flights/:id/resume': { params: IdParam, body: Record<string, never>, res: FlightView },
 *   'POST /api/flights/:id/declare-lost': { params: IdParam, body: DeclareLostBody, res: FlightView },
 *   'POST /api/drones/:id/recovered': { params: { id: string }, body: DroneRecoveredBody, res: DroneRecoveredResponse },
 *   'POST /api/handover': { body: HandoverBody, res: HandoverResponse },
 * }} Routes
 */
/**
 * What a call of `route` passes besides the route.
 * @template {keyof Routes} R
 * @typedef {Omit<Routes[R], 'res'>} RouteInput
 */
/**
 * The same, as api() reads it whatever the route.
 * @typedef {object} RawInput
 * @property {Record<string, number | string>} [params]
 * @property {Record<string, string | undefined>} [query]
 * @property {unknown} [body]
 * @property {Record<string, string>} [headers]
 */

/** @type {string | null} */
let csrfToken = null;

/** @param {unknown} value @returns {value is Record<string, unknown>} */
const isObject = (value) => typeof value === 'object' && value !== null;

/**
 * What went wrong in words: an Error's (or any object's) message, else the thing itself.
 * @param {unknown} value
 */
const messageOf = (value) => String(isObject(value) && value.message != null ? value.message : value);

export class ApiError extends Error {
  /**
   * @param {number} status HTTP status, 0 for a network failure
   * @param {unknown} body the parsed answer (an ApiErrorBody when the service wrote it)
   * @param {number | null} [retryAfter] seconds, from the retry-after header
   */
  constructor(status, body, retryAfter = null) {
    // Read defensively: a proxy's HTML page or a JSON body of another shape names no code or field.
    const err = isObject(body) && isObject(body.error) ? body.error : {};
    super(typeof err.message === 'string' && err.message ? err.message : `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    /** @type {string} an ErrorCode, or 'network' */
    this.code = typeof err.code === 'string' ? err.code : status === 0 ? 'network' : 'internal';
    /** @type {string | null} */
    this.field = typeof err.field === 'string' ? err.field : null;
    /** @type {ApiIssue[]} as the service lists them (PUT /api/zone-map) */
    this.issues = Array.isArray(err.issues) ? err.issues : [];
    /** @type {string | null} a stable reason code (e.g. 409 'request-edited'), translated as `conflict.<reason>` */
    this.reason = typeof err.reason === 'string' ? err.reason : null;
    /** @type {Record<string, string | number | null>} the values the reason names */
    this.params = isObject(err.params) ? /** @type {Record<string, string | number | null>} */ (err.params) : {};
    /** @type {string | null} the text rule a 400 broke ('blank', 'control-characters' …): translated as validate.rule.<rule> */
    this.rule = typeof err.rule === 'string' ? err.rule : null;
    /** @type {ApiErrorBody['error']['validation'] | null} the schema rule a 400 broke: keyword, field, limit */
    this.validation =
      isObject(err.validation) && typeof err.validation.keyword === 'string' ? /** @type {ApiErrorBody['error']['validation']} */ (err.validation) : null;
    /** @type {ApiReason[]} why a request was refused (422 infeasible), per drone */
    this.reasons = Array.isArray(err.reasons) ? err.reasons : [];
    this.retryAfter = retryAfter;
  }
}

/**
 * Call the API. body is sent as JSON; headers may add Idempotency-Key. Returns the parsed JSON
 * (or null for 204). Throws ApiError for every non-2xx answer and for network failures.
 * @param {string} method
 * @param {string} path
 * @param {unknown} [body]
 * @param {Record<string, string>} [headers]
 * @returns {Promise<unknown>}
 */
async function send(method, path, body, headers = {}) {
  /** @type {Record<string, string>} */
  const sendHeaders = { accept: 'application/json', ...headers };
  /** @type {RequestInit} */
  const init = { method, credentials: 'same-origin', headers: sendHeaders };
  if (body !== undefined) {
    sendHeaders['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) sendHeaders['x-csrf-token'] = csrfToken;
  let res;
  try {
    res = await fetch(path, init);
  } catch (cause) {
    throw new ApiError(0, { error: { code: 'network', message: messageOf(cause) } });
  }
  const text = await res.text();
  /** @type {unknown} */
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { error: { code: 'internal', message: text.slice(0, 200) } };
    }
  }
  if (res.status === 401 && !OWN_401.includes(path)) toLogin();
  if (!res.ok) throw new ApiError(res.status, data, Number(res.headers.get('retry-after')) || null);
  return data;
}

/**
 * Call `route` ("GET /api/flights/:id"): `:name` in the path is filled from input.params, query
 * parameters from input.query. Answers what api-types.ts says the route answers.
 * @template {keyof Routes} R
 * @param {R} route
 * @param {{} extends RouteInput<R> ? [input?: RouteInput<R>] : [input: RouteInput<R>]} args
 * @returns {Promise<Routes[R]['res']>}
 */
export async function api(route, ...args) {
  /** @type {RawInput} */
  const input = args[0] ?? {};
  const space = route.indexOf(' ');
  const method = route.slice(0, space);
  let path = route.slice(space + 1).replace(/:(\w+)/g, (_, name) => {
    const value = input.params?.[name];
    if (value === undefined) throw new Error(`${route}: no value for :${name}`);
    return encodeURIComponent(value);
  });
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(input.query ?? {})) if (value !== undefined) query.set(key, value);
  if (query.toString()) path += `?${query}`;
  // The one place the pages trust the service: its JSON answer is the shape the contract states.
  return /** @type {Routes[R]['res']} */ (await send(method, path, input.body, input.headers));
}

// Where a 401 is an answer for the page itself (wrong password, "nobody logged in"), not an expired session.
const OWN_401 = ['/api/session', '/api/me', '/api/handover'];

/** The session has ended (expired, logged out elsewhere): log in again and come back here. */
export function toLogin() {
  const here = location.pathname + location.search;
  if (location.pathname === '/index.html' || location.pathname === '/' || location.pathname === '/handover.html') return;
  location.assign(`/index.html?next=${encodeURIComponent(here)}`);
}

/** @param {string} username @param {string} password */
export async function login(username, password) {
  const session = await api('POST /api/session', { body: { username, password } });
  csrfToken = session.csrfToken;
  return session;
}

export async function logout() {
  try {
    await api('DELETE /api/session');
  } finally {
    csrfToken = null;
  }
}

/**
 * Who is logged in, or null.
 * @returns {Promise<SessionResponse | null>}
 */
export async function me() {
  try {
    const session = await api('GET /api/me');
    csrfToken = session.csrfToken;
    return session;
  } catch (err) {
    if (err instanceof ApiError && (err.status === 401 || err.status === 403)) return null;
    throw err;
  }
}

/** @type {Record<Role, string>} */
export const HOME = { officer: '/officer.html', pilot: '/pilot.html', admin: '/admin.html' };

/**
 * Make sure someone with one of `roles` is logged in; otherwise go to the log-in page (or to
 * the user's own home page). Returns the session.
 * @param {Role[]} [roles]
 * @returns {Promise<SessionResponse>}
 */
export async function requireSession(roles) {
  const session = await me();
  if (!session) {
    location.replace(`/index.html?next=${encodeURIComponent(location.pathname + location.search)}`);
    return new Promise(() => {});
  }
  if (roles && !roles.includes(session.user.role)) {
    location.replace(HOME[session.user.role] ?? '/index.html');
    return new Promise(() => {});
  }
  return session;
}

/** @type {Promise<ConfigResponse> | null} */
let configPromise = null;
/**
 * GET /api/config, or a usable offline default when the route fails.
 * @returns {Promise<ConfigResponse>}
 */
export function config() {
  configPromise ??= api('GET /api/config').catch(() => ({
    lang: 'zh-CN',
    languages: ['zh-CN', 'en'],
    tileProviders: [],
    tileUrl: null,
    tileAttribution: null,
    leafletBase: '/vendor/leaflet',
    checklist: [],
  }));
  return configPromise;
}

/**
 * A sentence for the user in the current language, with the server's detail when it has one.
 * @param {unknown} err
 */
export function describeError(err) {
  if (!(err instanceof ApiError)) return t('error.unexpected', { detail: messageOf(err) });
  if (err.code === 'rate-limited' || err.status === 429) {
    return t('error.rateLimited', { seconds: err.retryAfter ?? 60 });
  }
  if (err.reason) {
    const reasonKey = `conflict.${err.reason}`;
    if (has(reasonKey)) return t(reasonKey, conflictVars(err.params));
  }
  const invalid = validationMessage(err);
  if (invalid) return invalid;
  // a refusal with a stable code and its values (battery-low, drone-not-available): the page's words
  const coded = err.issues.find((i) => i.params && t(`error.${i.code}`) !== `error.${i.code}`);
  if (coded?.params) {
    const vars = { ...coded.params };
    if (typeof vars.state === 'string') vars.state = t(`fleet.state.${vars.state}`);
    return t(`error.${coded.code}`, vars);
  }
  const key = `error.${err.code}`;
  const base = t(key) === key ? t('error.unexpected', { detail: '' }) : t(key);
  const rule = ruleMessage(err);
  if (rule) return err.field ? `${fieldLabel(err.field)}${t('punct.colon')}${rule}` : rule;
  // the service's English only for English readers: a Chinese page says the kind of error
  return err.message && err.code !== 'network' && lang() === 'en' ? `${base} (${err.message})` : base;
}

/**
 * The values of a 409's reason as the page says them: a flight state, an action, a cause by their
 * catalogue names, a time as a clock time.
 * @param {Record<string, string | number | null>} params
 */
function conflictVars(params) {
  /** @type {Record<string, string | number | null>} */
  const vars = { ...params };
  if (typeof vars.state === 'string' && has(`flight.${vars.state}`)) vars.state = t(`flight.${vars.state}`);
  if (typeof vars.status === 'string' && has(`status.${vars.status}`)) vars.status = t(`status.${vars.status}`);
  for (const k of ['action', 'pending']) if (typeof vars[k] === 'string' && has(`flightAction.${vars[k]}`)) vars[k] = t(`flightAction.${vars[k]}`);
  if (typeof vars.cause === 'string' && has(`reason.${vars.cause}`)) vars.cause = t(`reason.${vars.cause}`);
  if (typeof vars.since === 'string') vars.since = fmtClock(vars.since);
  return vars;
}

/**
 * A field the service named ("password", "dropPoint.lat", "features[3].name") in the page's words:
 * the catalogue's name for its last part (fieldName.<part>), else the path as sent.
 * @param {string} field
 */
export function fieldLabel(field) {
  const leaf =
    field
      .replace(/\[\d+\]/g, '')
      .split('.')
      .pop() ?? field;
  return has(`fieldName.${leaf}`) ? t(`fieldName.${leaf}`) : field;
}

/**
 * What is wrong with one field, for the message under it (no field name): the broken text rule or
 * schema rule in the page's words, else the service's detail (English readers) or the kind of error.
 * @param {ApiError} err
 */
export function fieldProblem(err) {
  const rule = ruleMessage(err);
  if (rule) return rule;
  const v = err.validation;
  if (v && has(`validation.${v.keyword}`)) return t(`validation.${v.keyword}`, { limit: v.limit ?? '' });
  return lang() === 'en' ? err.message : t(`error.${err.code}`);
}

/**
 * A schema 400 in the page's words: "密码：至少 8 个字符" (field name, then validation.<keyword> with its limit).
 * @param {ApiError} err
 */
export function validationMessage(err) {
  const v = err.validation;
  if (!v) return null;
  const key = `validation.${v.keyword}`;
  if (!has(key)) return null;
  let limit = v.limit ?? '';
  if (v.keyword === 'type' && has(`jsonType.${limit}`)) limit = t(`jsonType.${limit}`);
  return `${fieldLabel(v.field)}${t('punct.colon')}${t(key, { limit })}`;
}

/**
 * The broken text rule of a 400 in the current language, or null when the answer names none.
 * @param {ApiError} err
 */
export function ruleMessage(err) {
  if (!err.rule) return null;
  const key = `validate.rule.${err.rule}`;
  const text = t(key);
  return text === key ? null : text;
}
