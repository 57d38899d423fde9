/**
 * Bad input that used to get through (issue 14): each is refused with a 4xx in the API's error
 * shape, names the field, and leaves every table of the store exactly as it was.
 */
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TextRuleSchema } from '../../src/web/api-types.js';
import type { FlightStarter } from '../../src/dispatch/flights.js';
import { CHECKLIST, fixtureMap, makeTestApp, newKey, requestBody, type Session, type TestApp } from './api-support.js';

let t: TestApp;
let officer: Session;
let pilot: Session;
let admin: Session;

/** Every row of every table, to prove a refused request changed nothing. */
function storeDump(tt: TestApp): Record<string, unknown[]> {
  const db = tt.parts.repos.db;
  const list =
    db.kind === 'postgres'
      ? 'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name'
      : "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name";
  const tables = (db.prepare(list).all() as { name: string }[]).map((r) => r.name);
  return Object.fromEntries(tables.map((name) => [name, db.prepare(`SELECT * FROM "${name}"`).all()]));
}

/**
 * Let the service finish what earlier steps started in the background (re-plans after a drone's state
 * changed, hand-over code hashes) before taking the "before" picture: the refused request must change
 * nothing, but an approval just before it rightly re-plans the requests waiting on that drone.
 */
async function settled(tt: TestApp): Promise<void> {
  await tt.parts.dispatcher.replansSettled();
  await tt.parts.requests.handoverCodesStored();
}

/** Sends `payload` (a JSON text, or raw bytes) as the body. */
function raw(s: Session, method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload: string | Buffer, headers: Record<string, string> = {}) {
  return t.as(s, { method, url, payload, headers: { 'content-type': 'application/json', ...headers } });
}

function expectRefused(res: { statusCode: number; json(): unknown; body: string }, field: string | RegExp, status = 400) {
  expect(res.statusCode, res.body).toBe(status);
  const err = (res.json() as { error: { code: string; field?: string; message: string; rule?: string } }).error;
  expect(err.code).toBe(status === 409 ? 'conflict' : 'bad-request');
  if (typeof field === 'string') expect(err.field).toBe(field);
  else expect(err.field).toMatch(field);
  return err;
}

async function createRequest(over: Record<string, unknown> = {}) {
  const res = await t.as(officer, { method: 'POST', url: '/api/requests', payload: requestBody(over), headers: { 'idempotency-key': newKey() } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: number; missionId: number; recipient: string; phone: string; medicine: string };
}

describe('bad input (no vehicle)', () => {
  beforeEach(async () => {
    t = await makeTestApp();
    [officer, pilot, admin] = await Promise.all([t.login('officer.li'), t.login('pilot.zhao'), t.login('admin.chen')]);
  });
  afterEach(async () => {
    await t.close();
  });

  describe('too-deep JSON', () => {
    it('5,000 levels in a zone-map feature property: 400 naming the feature (was: 500, stack overflow in JSON.stringify)', async () => {
      await settled(t);
      const before = storeDump(t);
      const map = fixtureMap();
      const text = JSON.stringify(map).replace('"name":"Sunrise Compound"', `"name":"Sunrise Compound","deep":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`);
      const err = expectRefused(await raw(admin, 'PUT', '/api/zone-map', text), /^features\[3\]\.properties\.deep(\.a)*$/);
      expect(err.message).toMatch(/nested too deep: a body may nest at most 64 levels/);
      expect(err.rule).toBe('too-deep');
      expect(storeDump(t)).toEqual(before);
    });

    it('40 levels (under the body limit, over the map format’s 32): the zone-map parser refuses it as an issue of that feature', async () => {
      await settled(t);
      const before = storeDump(t);
      const map = fixtureMap();
      let deep: unknown = 'bottom';
      for (let i = 0; i < 40; i++) deep = { a: deep };
      (map.features[3]!.properties as Record<string, unknown>).deep = deep;
      const res = await t.as(admin, { method: 'PUT', url: '/api/zone-map', payload: map });
      const err = expectRefused(res, 'features[3]') as unknown as { issues: { code: string; featureIndex: number; featureName: string; message: string }[] };
      expect(err.issues[0]).toMatchObject({ code: 'too-deep', featureIndex: 3, featureName: 'Sunrise Compound' });
      expect(err.issues[0]!.message).toMatch(/feature 3 \("Sunrise Compound"\): properties nest more than 32 levels deep/);
      expect(storeDump(t)).toEqual(before);
    });

    it('any route: 100 levels inside a drop request, or 100,000 bare brackets, answer 400 naming where (nothing overflows)', async () => {
      await settled(t);
      const before = storeDump(t);
      const text = JSON.stringify(requestBody()).replace('"notes":"lives alone, 6th floor"', `"notes":${'['.repeat(100)}${']'.repeat(100)}`);
      expectRefused(await raw(officer, 'POST', '/api/requests', text, { 'idempotency-key': newKey() }), /^notes(\[0\])+$/);
      expectRefused(await raw(officer, 'POST', '/api/requests', '['.repeat(100_000) + ']'.repeat(100_000), { 'idempotency-key': newKey() }), /^(\[0\])+$/);
      expectRefused(await raw(admin, 'POST', '/api/users', `{"username":${'['.repeat(70)}${']'.repeat(70)}}`), /^username(\[0\])+$/);
      expect(storeDump(t)).toEqual(before);
    });
  });

  describe('blank text', () => {
    it('whitespace-only recipient, phone and medicine are refused, naming the field (was: stored as empty strings)', async () => {
      await settled(t);
      const before = storeDump(t);
      for (const [field, value] of [
        ['recipient', '   '],
        ['recipient', '\u3000\t\n'],
        ['phone', '     '],
        ['phone', '+-()-'],
        ['medicine', '  \n '],
      ] as const) {
        const err = expectRefused(
          await t.as(officer, { method: 'POST', url: '/api/requests', payload: requestBody({ [field]: value }), headers: { 'idempotency-key': newKey() } }),
          field,
        );
        expect(err.message).toMatch(field === 'phone' ? /phone must be a phone number.*at least 3 digits/ : new RegExp(`${field} must not be blank`));
        expect(err.rule).toBe(field === 'phone' ? 'phone' : 'blank');
      }
      expect(storeDump(t)).toEqual(before);
    });

    it('an edit to blank is refused too; surrounding white space is trimmed on storage', async () => {
      const r = await createRequest({ recipient: '  Grandma Wang \u3000', phone: ' 138 0013 8000 ', medicine: '\tnifedipine  ' });
      expect([r.recipient, r.phone, r.medicine]).toEqual(['Grandma Wang', '138 0013 8000', 'nifedipine']);
      await settled(t);
      const before = storeDump(t);
      expectRefused(await t.as(officer, { method: 'PATCH', url: `/api/requests/${r.id}`, payload: { medicine: ' ' } }), 'medicine');
      expectRefused(await t.as(officer, { method: 'PATCH', url: `/api/requests/${r.id}`, payload: { dropPoint: { name: '  ' } } }), 'dropPoint.name');
      expect(storeDump(t)).toEqual(before);
    });

    it('a blank reject reason and a blank user display name are refused', async () => {
      const r = await createRequest();
      await settled(t);
      const before = storeDump(t);
      expectRefused(await t.as(pilot, { method: 'POST', url: `/api/missions/${r.missionId}/reject`, payload: { reason: '     ' } }), 'reason');
      expectRefused(
        await t.as(admin, { method: 'POST', url: '/api/users', payload: { username: 'new.user', name: '  ', password: 'long-enough-pw', role: 'officer' } }),
        'name',
      );
      expect(storeDump(t)).toEqual(before);
    });
  });

  describe('control characters', () => {
    it('NUL and ESC in cancel, reject and abort reasons are refused naming "reason" (was: stored)', async () => {
      const a = await createRequest();
      const b = await createRequest();
      const approved = await t.as(pilot, { method: 'POST', url: `/api/missions/${b.missionId}/approve`, payload: { checklist: CHECKLIST } });
      expect(approved.statusCode, approved.body).toBe(200);
      const flightId = approved.json().flight.id as number;
      await settled(t);
      // b's approval put md-1 in the air: a's plan was made again (a new mission) — reject that one
      const aMission = t.parts.repos.requests.byId(a.id)!.missionId!;
      const before = storeDump(t);
      const err = expectRefused(await t.as(officer, { method: 'DELETE', url: `/api/requests/${a.id}`, payload: { reason: 'moved\u0000away' } }), 'reason');
      expect(err.message).toMatch(/reason must not contain control characters.*U\+0000/);
      expect(err.rule).toBe('control-characters');
      expectRefused(await t.as(pilot, { method: 'POST', url: `/api/missions/${aMission}/reject`, payload: { reason: 'no \u001b[31mred' } }), 'reason');
      expectRefused(await t.as(pilot, { method: 'POST', url: `/api/flights/${flightId}/abort`, payload: { reason: 'bird\u0007' } }), 'reason');
      expectRefused(await t.as(pilot, { method: 'POST', url: `/api/flights/${flightId}/abort`, payload: { reason: 'del\u007f' } }), 'reason');
      expect(storeDump(t)).toEqual(before);
      // tabs and line breaks are text
      const ok = await t.as(pilot, { method: 'POST', url: `/api/missions/${aMission}/reject`, payload: { reason: 'weather:\n\tgusts 14 m/s' } });
      expect(ok.statusCode, ok.body).toBe(200);
    });

    it('NUL and ESC in user names, drone fields, request fields and zone-map names are refused naming the field', async () => {
      await settled(t);
      const before = storeDump(t);
      const user = { username: 'new.user', name: 'New User', password: 'long-enough-pw', role: 'officer' };
      expectRefused(await t.as(admin, { method: 'POST', url: '/api/users', payload: { ...user, name: 'Evil\u0000Name' } }), 'name');
      expectRefused(await t.as(admin, { method: 'POST', url: '/api/users', payload: { ...user, username: 'evil\u001b' } }), 'username');
      const drone = { id: 'md-9', name: 'MD-9', profileId: 'police-quad', depot: 'East Police Station', connectionUrl: 'tcp://127.0.0.1:9', sysid: 9 };
      expectRefused(await t.as(admin, { method: 'POST', url: '/api/drones', payload: { ...drone, name: 'MD\u00009' } }), 'name');
      expectRefused(await t.as(admin, { method: 'PATCH', url: '/api/drones/md-1', payload: { depot: 'East\u001bStation' } }), 'depot');
      expectRefused(
        await t.as(officer, {
          method: 'POST',
          url: '/api/requests',
          payload: requestBody({ notes: 'ring\u0000twice' }),
          headers: { 'idempotency-key': newKey() },
        }),
        'notes',
      );
      const map = fixtureMap();
      (map.features[1]!.properties as Record<string, unknown>).name = 'Gate\u0000';
      expectRefused(await t.as(admin, { method: 'PUT', url: '/api/zone-map', payload: map }), 'features[1].properties.name');
      expectRefused(await t.as(officer, { method: 'POST', url: '/api/session', payload: { username: 'officer.li\u0000', password: 'x' } }), 'username');
      expect(storeDump(t)).toEqual(before);
    });
  });

  describe('not Unicode text', () => {
    it('an escaped lone surrogate ("\\ud800") in any string is refused naming the field (was: silently replaced)', async () => {
      await settled(t);
      const before = storeDump(t);
      const text = JSON.stringify(requestBody()).replace('"Grandma Wang"', '"Grandma \\ud800Wang"');
      const err = expectRefused(await raw(officer, 'POST', '/api/requests', text, { 'idempotency-key': newKey() }), 'recipient');
      expect(err.message).toMatch(/recipient must be valid Unicode text; found a lone UTF-16 surrogate/);
      expect(err.rule).toBe('lone-surrogate');
      const low = JSON.stringify(requestBody()).replace('"urgent"', '"urgent"').replace('"lives alone, 6th floor"', '"\\udc00 alone"');
      expectRefused(await raw(officer, 'POST', '/api/requests', low, { 'idempotency-key': newKey() }), 'notes');
      expect(storeDump(t)).toEqual(before);
      // a proper pair is one character, and fine
      const pair = JSON.stringify(requestBody()).replace('"Grandma Wang"', '"Grandma \\ud83d\\ude00 Wang"');
      const ok = await raw(officer, 'POST', '/api/requests', pair, { 'idempotency-key': newKey() });
      expect(ok.statusCode, ok.body).toBe(201);
      expect(ok.json().recipient).toBe('Grandma 😀 Wang');
    });

    it('bytes that are not UTF-8 are refused as the body (was: decoded to U+FFFD and stored)', async () => {
      await settled(t);
      const before = storeDump(t);
      const [head, tail] = JSON.stringify(requestBody()).split('Grandma');
      const body = Buffer.concat([Buffer.from(`${head}Grandma `), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from(tail!)]);
      const err = expectRefused(await raw(officer, 'POST', '/api/requests', body, { 'idempotency-key': newKey() }), 'body');
      expect(err.message).toMatch(/not valid UTF-8/);
      expect(err.rule).toBe('not-utf8');
      expectRefused(await raw(officer, 'POST', '/api/requests', Buffer.from([0x7b, 0xff, 0x7d]), { 'idempotency-key': newKey() }), 'body');
      expect(storeDump(t)).toEqual(before);
    });
  });

  describe('user names regardless of case', () => {
    it('a name differing only in case is taken (409 naming username); log-in ignores case', async () => {
      await settled(t);
      const before = storeDump(t);
      const err = expectRefused(
        await t.as(admin, {
          method: 'POST',
          url: '/api/users',
          payload: { username: 'Officer.LI', name: 'Another Li', password: 'long-enough-pw', role: 'officer' },
        }),
        'username',
        409,
      );
      expect(err.message).toMatch(/user name 'Officer.LI' is taken \(by 'officer.li': case does not count\)/);
      expect(storeDump(t)).toEqual(before);
      const s = await t.login('OFFICER.Li');
      expect(s.userId).toBe(officer.userId);
    });

    it('parallel creations of "Twin" and "twin": one account', async () => {
      const made = await Promise.all(
        ['Twin.A', 'twin.a', 'TWIN.A'].map((username) =>
          t.as(admin, { method: 'POST', url: '/api/users', payload: { username, name: 'Twin', password: 'long-enough-pw', role: 'pilot' } }),
        ),
      );
      expect(made.map((r) => r.statusCode).sort()).toEqual([201, 409, 409]);
      expect(t.parts.repos.users.list().filter((u) => u.username.toLowerCase() === 'twin.a')).toHaveLength(1);
    });

    it('the store itself refuses a twin (unique index on lower(username))', () => {
      expect(() => t.parts.repos.users.create({ username: 'ADMIN.CHEN', name: 'x', role: 'admin', passwordHash: 'x' })).toThrow(
        t.parts.repos.db.kind === 'postgres' ? /duplicate key value violates unique constraint "users_username_lower"/ : /UNIQUE/,
      );
    });
  });

  describe('zone-map vertex limits count every kind', () => {
    it('a 100,000-vertex sealed area is refused naming the feature and its count (was: accepted)', async () => {
      await settled(t);
      const before = storeDump(t);
      const map = fixtureMap();
      const n = 100_000;
      const [cx, cy] = [113.6055, 34.7535];
      const ring = Array.from({ length: n }, (_, k) => [cx + 0.0015 * Math.cos((2 * Math.PI * k) / n), cy + 0.0015 * Math.sin((2 * Math.PI * k) / n)]);
      ring.push(ring[0]!);
      (map.features[3]!.geometry as { coordinates: unknown }).coordinates = [ring];
      const res = await t.as(admin, { method: 'PUT', url: '/api/zone-map', payload: map });
      const err = expectRefused(res, 'features[3]') as unknown as { issues: { code: string; featureIndex: number; message: string }[] };
      expect(err.issues[0]).toMatchObject({ code: 'too-many-vertices', featureIndex: 3 });
      expect(err.issues[0]!.message).toMatch(/feature 3 \("Sunrise Compound"\): a sealed zone may have at most 1000 vertices, this one has 100001/);
      expect(storeDump(t)).toEqual(before);
    });
  });

  describe('security headers', () => {
    it('pages and API answers carry a CSP without inline code, no framing, nosniff', async () => {
      for (const url of ['/', '/officer.html', '/api/config', '/api/no-such-route']) {
        const res = await t.as(null, { method: 'GET', url });
        const csp = String(res.headers['content-security-policy']);
        expect(csp).toContain("default-src 'self'");
        expect(csp).toContain("script-src 'self'");
        expect(csp).toContain("frame-ancestors 'none'");
        expect(csp).not.toContain('unsafe-inline');
        expect(csp).not.toContain('upgrade-insecure-requests');
        expect(res.headers['x-frame-options']).toBe('DENY');
        expect(res.headers['x-content-type-options']).toBe('nosniff');
      }
    });
  });
});

describe('security headers with a tile server', () => {
  it('img-src allows the configured tile server ({s} as a wildcard sub-domain)', async () => {
    const tt = await makeTestApp({ config: { tileUrl: 'https://{s}.tile.example.org/{z}/{x}/{y}.png' } });
    try {
      const csp = String((await tt.as(null, { method: 'GET', url: '/' })).headers['content-security-policy']);
      expect(csp).toMatch(/img-src 'self' data: blob: https:\/\/\*\.tile\.example\.org/);
    } finally {
      await tt.close();
    }
  });

  it('every configured base map is allowed: Tianditu and AMap sub-domains as wildcard labels', async () => {
    const tt = await makeTestApp({ config: { tiles: ['tianditu', 'amap', 'osm'], tiandituKey: 'k' } });
    try {
      const csp = String((await tt.as(null, { method: 'GET', url: '/' })).headers['content-security-policy']);
      const img = /img-src ([^;]*)/.exec(csp)?.[1]?.split(' ') ?? [];
      expect(img).toEqual(["'self'", 'data:', 'blob:', 'https://*.tianditu.gov.cn', 'https://*.is.autonavi.com', 'https://tile.openstreetmap.org']);
    } finally {
      await tt.close();
    }
  });
});

describe('a repeated abort is one audited decision', () => {
  /** A vehicle link that takes a moment to answer each command, as a radio link does. */
  function slowStarter(): FlightStarter & { sent: string[] } {
    const sent: string[] = [];
    const answer = (what: string) => async () => {
      sent.push(what);
      await new Promise((r) => setTimeout(r, 30));
    };
    return {
      sent,
      start: () => ({ abort: answer('abort'), pause: answer('pause'), resume: answer('resume'), cancel: () => {}, done: new Promise(() => {}) }),
      attach: () => {
        throw new Error('not used');
      },
      liveState: () => undefined,
      close: async () => {},
    };
  }

  afterEach(async () => {
    await t.close();
  });

  it('five parallel aborts: all answer 200, one command is sent, one audit entry (was: six entries); later aborts add nothing', async () => {
    const starter = slowStarter();
    t = await makeTestApp({ starter });
    [officer, pilot] = await Promise.all([t.login('officer.li'), t.login('pilot.zhao')]);
    const r = await createRequest();
    const approved = await t.as(pilot, { method: 'POST', url: `/api/missions/${r.missionId}/approve`, payload: { checklist: CHECKLIST } });
    expect(approved.statusCode, approved.body).toBe(200);
    const flightId = approved.json().flight.id as number;
    const abort = (reason: string) => t.as(pilot, { method: 'POST', url: `/api/flights/${flightId}/abort`, payload: { reason } });
    const answers = await Promise.all([1, 2, 3, 4, 5].map((i) => abort(`click ${i}`)));
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200, 200, 200]);
    const audited = () => t.parts.repos.audit.list({ limit: 100 }).filter((e) => e.action === 'flight.abort');
    expect(audited()).toHaveLength(1);
    expect(audited()[0]!.reason).toBe('click 1');
    expect(starter.sent).toEqual(['abort']);
    await settled(t);
    const before = storeDump(t);
    expect((await abort('again')).statusCode).toBe(200);
    expect(storeDump(t)).toEqual(before);
    expect(starter.sent).toEqual(['abort']);
    // and an aborted flight is not paused
    const pause = await t.as(pilot, { method: 'POST', url: `/api/flights/${flightId}/pause` });
    expect(pause.statusCode).toBe(409);
    expect(pause.json().error.message).toMatch(/was aborted and is returning home; it cannot be paused/);
  });

  it('parallel pauses: one is sent and audited, the others answer 409', async () => {
    const starter = slowStarter();
    t = await makeTestApp({ starter });
    [officer, pilot] = await Promise.all([t.login('officer.li'), t.login('pilot.zhao')]);
    const r = await createRequest();
    const flightId = (await t.as(pilot, { method: 'POST', url: `/api/missions/${r.missionId}/approve`, payload: { checklist: CHECKLIST } })).json().flight.id;
    const answers = await Promise.all([1, 2, 3].map(() => t.as(pilot, { method: 'POST', url: `/api/flights/${flightId}/pause` })));
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 409, 409]);
    expect(answers.find((a) => a.statusCode === 409)!.json().error.message).toMatch(/a pause of flight \d+ is being sent to the vehicle/);
    expect(t.parts.repos.audit.list({ limit: 100 }).filter((e) => e.action === 'flight.pause')).toHaveLength(1);
    expect(starter.sent).toEqual(['pause']);
  });
});

describe('the pages can say every text rule in their language', () => {
  it('each rule an error can name has validate.rule.<rule> in both catalogues', () => {
    const rules = (TextRuleSchema as unknown as { enum: string[] }).enum;
    expect(rules.length).toBeGreaterThan(4);
    for (const lang of ['en', 'zh-CN']) {
      const table = JSON.parse(readFileSync(new URL(`../../src/web/public/i18n/${lang}.json`, import.meta.url), 'utf8')) as Record<string, string>;
      expect(rules.filter((r) => !table[`validate.rule.${r}`])).toEqual([]);
    }
  });
});
