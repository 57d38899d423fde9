import { afterEach, describe, expect, it } from 'vitest';
import { PASSWORD, makeTestApp, type TestApp } from './api-support.js';

let t: TestApp | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

/** Every route that needs a session, with the roles allowed. */
const PROTECTED: { method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'; url: string; roles: string[] }[] = [
  { method: 'GET', url: '/api/me', roles: ['officer', 'pilot', 'admin'] },
  { method: 'DELETE', url: '/api/session', roles: ['officer', 'pilot', 'admin'] },
  { method: 'GET', url: '/api/zone-map', roles: ['officer', 'pilot', 'admin'] },
  { method: 'PUT', url: '/api/zone-map', roles: ['admin'] },
  { method: 'GET', url: '/api/drones', roles: ['pilot', 'admin'] },
  { method: 'POST', url: '/api/drones', roles: ['admin'] },
  { method: 'PATCH', url: '/api/drones/md-1', roles: ['admin'] },
  { method: 'GET', url: '/api/users', roles: ['admin'] },
  { method: 'POST', url: '/api/users', roles: ['admin'] },
  { method: 'POST', url: '/api/requests', roles: ['officer'] },
  { method: 'GET', url: '/api/requests', roles: ['officer', 'pilot', 'admin'] },
  { method: 'GET', url: '/api/requests/1', roles: ['officer', 'pilot', 'admin'] },
  { method: 'PATCH', url: '/api/requests/1', roles: ['officer'] },
  { method: 'DELETE', url: '/api/requests/1', roles: ['officer'] },
  { method: 'GET', url: '/api/missions', roles: ['pilot', 'admin'] },
  { method: 'GET', url: '/api/missions/1', roles: ['pilot', 'admin'] },
  { method: 'POST', url: '/api/missions/1/approve', roles: ['pilot'] },
  { method: 'POST', url: '/api/missions/1/reject', roles: ['pilot'] },
  { method: 'GET', url: '/api/flights', roles: ['pilot', 'admin'] },
  { method: 'GET', url: '/api/flights/1', roles: ['officer', 'pilot', 'admin'] },
  { method: 'POST', url: '/api/flights/1/abort', roles: ['pilot'] },
  { method: 'POST', url: '/api/flights/1/pause', roles: ['pilot'] },
  { method: 'POST', url: '/api/flights/1/resume', roles: ['pilot'] },
  { method: 'GET', url: '/api/flights/1/track', roles: ['officer', 'pilot', 'admin'] },
  { method: 'GET', url: '/api/audit', roles: ['admin'] },
];

describe('log-in and sessions', () => {
  it('logs in with an http-only SameSite=Lax cookie and a CSRF token; /api/me returns the same; log-out ends it', async () => {
    t = await makeTestApp();
    const res = await t.app.inject({ method: 'POST', url: '/api/session', payload: { username: 'pilot.zhao', password: PASSWORD } });
    expect(res.statusCode).toBe(200);
    const cookie = res.cookies.find((c) => c.name === 'medidrop_session')!;
    expect(cookie.httpOnly).toBe(true);
    expect(cookie.sameSite).toBe('Lax');
    expect(cookie.path).toBe('/');
    const body = res.json();
    expect(body.user).toEqual({ id: expect.any(Number), username: 'pilot.zhao', name: 'Zhao Min', role: 'pilot' });
    expect(body.csrfToken.length).toBeGreaterThanOrEqual(20);
    // the token is not stored in clear
    expect(JSON.stringify(t.parts.repos.db.prepare('SELECT * FROM sessions').all())).not.toContain(cookie.value);
    const s = { cookie: `medidrop_session=${cookie.value}`, csrf: body.csrfToken, userId: body.user.id };
    const me = await t.as(s, { method: 'GET', url: '/api/me' });
    expect(me.json()).toEqual(body);
    // log-out needs the CSRF token too
    expect((await t.as(s, { method: 'DELETE', url: '/api/session', csrf: false })).statusCode).toBe(403);
    expect((await t.as(s, { method: 'DELETE', url: '/api/session' })).statusCode).toBe(204);
    expect((await t.as(s, { method: 'GET', url: '/api/me' })).statusCode).toBe(401);
  });

  it('wrong password or unknown user → 401 with the same message; bad body → 400 naming the field', async () => {
    t = await makeTestApp();
    const wrong = await t.app.inject({ method: 'POST', url: '/api/session', payload: { username: 'pilot.zhao', password: 'nope' } });
    const unknown = await t.app.inject({ method: 'POST', url: '/api/session', payload: { username: 'nobody', password: 'nope' } });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json().error.message).toBe(unknown.json().error.message);
    expect(wrong.cookies).toHaveLength(0);
    const missing = await t.app.inject({ method: 'POST', url: '/api/session', payload: { username: 'pilot.zhao' } });
    expect(missing.json().error).toMatchObject({ code: 'bad-request', field: 'password' });
    const audit = t.parts.repos.audit.list({ limit: 10 }).map((a) => a.action);
    expect(audit.filter((a) => a === 'login.failed')).toHaveLength(2);
  });

  it('log-in is rate-limited per client: the 6th attempt in a minute gets 429, even with the right password', async () => {
    t = await makeTestApp({ config: { loginRateLimit: { max: 5, windowMs: 60_000 } } });
    for (let i = 0; i < 5; i++) {
      const r = await t.app.inject({ method: 'POST', url: '/api/session', payload: { username: 'pilot.zhao', password: `guess-${i}` } });
      expect(r.statusCode).toBe(401);
    }
    const blocked = await t.app.inject({ method: 'POST', url: '/api/session', payload: { username: 'pilot.zhao', password: PASSWORD } });
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().error.code).toBe('rate-limited');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    // another client is not blocked
    const other = await t.app.inject({
      method: 'POST',
      url: '/api/session',
      payload: { username: 'pilot.zhao', password: PASSWORD },
      remoteAddress: '10.0.0.9',
    });
    expect(other.statusCode).toBe(200);
  });

  it('an expired session is refused', async () => {
    t = await makeTestApp({ config: { sessionTtlHours: 0.01 } });
    const s = await t.login('pilot.zhao');
    t.parts.repos.db.prepare("UPDATE sessions SET expires_at = '2000-01-01T00:00:00.000Z'").run();
    expect((await t.as(s, { method: 'GET', url: '/api/me' })).statusCode).toBe(401);
  });
});

describe('every route checks the role', () => {
  it('401 without a session, 403 for each role not allowed, and not 401/403 for the roles allowed', async () => {
    t = await makeTestApp();
    const sessions = {
      officer: await t.login('officer.li'),
      pilot: await t.login('pilot.zhao'),
      admin: await t.login('admin.chen'),
    };
    for (const r of PROTECTED) {
      const anon = await t.app.inject({ method: r.method, url: r.url, payload: r.method === 'GET' || r.method === 'DELETE' ? undefined : {} });
      expect(anon.statusCode, `${r.method} ${r.url} anonymous`).toBe(401);
      expect(anon.json().error.code).toBe('unauthenticated');
      for (const role of ['officer', 'pilot', 'admin'] as const) {
        if (r.url === '/api/session') continue; // would log the session out for the next checks
        const res = await t.as(sessions[role], { method: r.method, url: r.url, ...(r.method === 'GET' || r.method === 'DELETE' ? {} : { payload: {} }) });
        if (r.roles.includes(role)) expect([401, 403], `${r.method} ${r.url} as ${role}: ${res.body}`).not.toContain(res.statusCode);
        else {
          expect(res.statusCode, `${r.method} ${r.url} as ${role}`).toBe(403);
          expect(res.json().error.code).toBe('forbidden');
          const article = role === 'pilot' ? 'a' : 'an';
          expect(res.json().error.message).toMatch(new RegExp(`^${article} ${role} may not ${r.method} `));
        }
      }
    }
  });

  it('public routes need no session: config, openapi, hand-over; unknown routes are 404 in the error shape', async () => {
    t = await makeTestApp({ config: { lang: 'en', tileUrl: 'https://tiles.example/{z}/{x}/{y}.png' } });
    const cfg = await t.app.inject({ method: 'GET', url: '/api/config' });
    expect(cfg.json()).toMatchObject({ lang: 'en', tileUrl: 'https://tiles.example/{z}/{x}/{y}.png', leafletBase: '/vendor/leaflet' });
    expect(cfg.json().checklist.map((c: { id: string }) => c.id)).toContain('battery');
    const doc = await t.app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(doc.statusCode).toBe(200);
    const paths = Object.keys(doc.json().paths);
    for (const p of ['/api/session', '/api/requests', '/api/missions/{id}/approve', '/api/flights/{id}/abort', '/api/handover', '/api/zone-map', '/api/audit'])
      expect(paths).toContain(p);
    const nf = await t.app.inject({ method: 'GET', url: '/api/nothing-here' });
    expect(nf.statusCode).toBe(404);
    expect(nf.json().error.code).toBe('not-found');
    const leaflet = await t.app.inject({ method: 'GET', url: '/vendor/leaflet/leaflet.js' });
    expect(leaflet.statusCode).toBe(200);
    expect(leaflet.body).toContain('Leaflet');
  });
});
