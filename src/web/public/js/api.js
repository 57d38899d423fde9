// JSON API client (see src/web/api-types.ts): session cookie + x-csrf-token on state changes,
// errors as ApiError with the field the server named.
import { t } from './i18n.js';

let csrfToken = null;

export class ApiError extends Error {
  constructor(status, body, retryAfter) {
    const err = body?.error ?? {};
    super(err.message || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = err.code ?? (status === 0 ? 'network' : 'internal');
    this.field = err.field ?? null;
    this.issues = Array.isArray(err.issues) ? err.issues : [];
    this.retryAfter = retryAfter;
  }
}

/**
 * Call the API. body is sent as JSON; headers may add Idempotency-Key. Returns the parsed JSON
 * (or null for 204). Throws ApiError for every non-2xx answer and for network failures.
 */
export async function api(method, path, body, headers = {}) {
  const init = { method, credentials: 'same-origin', headers: { accept: 'application/json', ...headers } };
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) init.headers['x-csrf-token'] = csrfToken;
  let res;
  try {
    res = await fetch(path, init);
  } catch (cause) {
    throw new ApiError(0, { error: { code: 'network', message: String(cause?.message ?? cause) } });
  }
  const text = await res.text();
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

// Where a 401 is an answer for the page itself (wrong password, "nobody logged in"), not an expired session.
const OWN_401 = ['/api/session', '/api/me', '/api/handover'];

/** The session has ended (expired, logged out elsewhere): log in again and come back here. */
export function toLogin() {
  const here = location.pathname + location.search;
  if (location.pathname === '/index.html' || location.pathname === '/' || location.pathname === '/handover.html') return;
  location.assign(`/index.html?next=${encodeURIComponent(here)}`);
}

export async function login(username, password) {
  const session = await api('POST', '/api/session', { username, password });
  csrfToken = session.csrfToken;
  return session;
}

export async function logout() {
  try {
    await api('DELETE', '/api/session');
  } finally {
    csrfToken = null;
  }
}

/** Who is logged in, or null. */
export async function me() {
  try {
    const session = await api('GET', '/api/me');
    csrfToken = session.csrfToken;
    return session;
  } catch (err) {
    if (err instanceof ApiError && (err.status === 401 || err.status === 403)) return null;
    throw err;
  }
}

export const HOME = { officer: '/officer.html', pilot: '/pilot.html', admin: '/admin.html' };

/**
 * Make sure someone with one of `roles` is logged in; otherwise go to the log-in page (or to
 * the user's own home page). Returns the session.
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

let configPromise = null;
/** GET /api/config, or a usable offline default when the route fails. */
export function config() {
  configPromise ??= api('GET', '/api/config').catch(() => ({
    lang: 'zh-CN', languages: ['zh-CN', 'en'], tileUrl: null, tileAttribution: null, leafletBase: '/vendor/leaflet', checklist: [],
  }));
  return configPromise;
}

/** A sentence for the user in the current language, with the server's detail when it has one. */
export function describeError(err) {
  if (!(err instanceof ApiError)) return t('error.unexpected', { detail: String(err?.message ?? err) });
  if (err.code === 'rate-limited' || err.status === 429) {
    return t('error.rateLimited', { seconds: err.retryAfter ?? 60 });
  }
  const key = `error.${err.code}`;
  const base = t(key) === key ? t('error.unexpected', { detail: '' }) : t(key);
  return err.message && err.code !== 'network' ? `${base} (${err.message})` : base;
}
