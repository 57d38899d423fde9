import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixtureMap, makeTestApp, newKey, requestBody, type Session, type TestApp } from './api-support.js';

let t: TestApp;
let officer: Session;
let pilot: Session;
let admin: Session;

beforeEach(async () => {
  t = await makeTestApp();
  [officer, pilot, admin] = await Promise.all([t.login('officer.li'), t.login('pilot.zhao'), t.login('admin.chen')]);
});
afterEach(async () => {
  await t.close();
});

describe('zone map', () => {
  it('GET gives the GeoJSON and a summary of depots, drop points and areas by kind', async () => {
    const res = await t.as(officer, { method: 'GET', url: '/api/zone-map' });
    expect(res.statusCode).toBe(200);
    const z = res.json();
    expect(z.version).toBe(1);
    expect(z.geojson.type).toBe('FeatureCollection');
    expect(z.summary.depots).toEqual([{ name: 'East Police Station', position: { lat: 34.75, lon: 113.6 }, drones: [] }]);
    expect(z.summary.dropPoints.map((d: { name: string }) => d.name)).toEqual(['Sunrise Compound Gate', 'Far Checkpoint']);
    expect(z.summary.areas).toEqual(
      expect.arrayContaining([
        { name: 'Sunrise Compound', kind: 'sealed', reason: null, temporary: false },
        { name: 'Testing Site', kind: 'no-fly', reason: 'testing site', temporary: true },
      ]),
    );
  });

  it('PUT is admin-only; a broken map is refused naming the feature and changes nothing', async () => {
    expect((await t.as(pilot, { method: 'PUT', url: '/api/zone-map', payload: fixtureMap() })).statusCode).toBe(403);
    const broken = fixtureMap();
    (broken.features[3]!.properties as Record<string, unknown>).kind = 'lava';
    const res = await t.as(admin, { method: 'PUT', url: '/api/zone-map', payload: broken });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.field).toBe('features[3]');
    expect(res.json().error.message).toContain('lava');
    expect(res.json().error.issues[0]).toMatchObject({ featureIndex: 3, featureName: 'Sunrise Compound' });
    expect((await t.as(admin, { method: 'PUT', url: '/api/zone-map', payload: { type: 'Feature', features: [] } })).json().error.field).toBe('type');
    expect((await t.as(admin, { method: 'GET', url: '/api/zone-map' })).json().version).toBe(1);
  });

  it('a new map re-plans what is not yet approved: a removed drop point makes its request unservable', async () => {
    const r = (await t.as(officer, { method: 'POST', url: '/api/requests', payload: requestBody(), headers: { 'idempotency-key': newKey() } })).json();
    expect(r.status).toBe('awaiting-approval');
    const res = await t.as(admin, { method: 'PUT', url: '/api/zone-map', payload: fixtureMap({ withGate: false }) });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().version).toBe(2);
    expect(res.json().replanned).toEqual([{ requestId: r.id, status: 'unservable' }]);
    const after = (await t.as(officer, { method: 'GET', url: `/api/requests/${r.id}` })).json();
    expect(after.status).toBe('unservable');
    expect(after.reasons.length).toBeGreaterThan(0);
    expect(t.parts.repos.missions.byId(r.missionId)!.status).toBe('superseded');
    expect((await t.as(pilot, { method: 'GET', url: '/api/missions?status=awaiting-approval' })).json().missions).toHaveLength(0);
    // and back: planned again
    const back = await t.as(admin, { method: 'PUT', url: '/api/zone-map', payload: fixtureMap() });
    expect(back.json().replanned).toEqual([{ requestId: r.id, status: 'awaiting-approval' }]);
    const audit = t.parts.repos.audit.list({ limit: 50 }).filter((a) => a.action === 'zone-map.update');
    expect(audit.map((a) => a.actorId)).toEqual([admin.userId, admin.userId, null]); // newest first; v1 loaded at set-up
  });

  it('a map without the depot an enabled drone is based at is refused (409 naming drone and depot) and changes nothing', async () => {
    const r = (await t.as(officer, { method: 'POST', url: '/api/requests', payload: requestBody(), headers: { 'idempotency-key': newKey() } })).json();
    expect(r.status).toBe('awaiting-approval');
    const moved = fixtureMap();
    (moved.features[0]!.properties as Record<string, unknown>).name = 'West Police Station';
    for (const payload of [{ type: 'FeatureCollection', features: [] }, moved]) {
      const res = await t.as(admin, { method: 'PUT', url: '/api/zone-map', payload });
      expect(res.statusCode, res.body).toBe(409);
      expect(res.json().error.code).toBe('conflict');
      expect(res.json().error.message).toContain(
        "drone md-1 is based at 'East Police Station', which the new map does not have: move or disable the drone first",
      );
    }
    expect((await t.as(admin, { method: 'GET', url: '/api/zone-map' })).json().version).toBe(1);
    expect((await t.as(officer, { method: 'GET', url: `/api/requests/${r.id}` })).json().status).toBe('awaiting-approval');
    // once the drone is disabled the map may lose its depot
    expect((await t.as(admin, { method: 'PATCH', url: '/api/drones/md-1', payload: { enabled: false } })).statusCode).toBe(200);
    const ok = await t.as(admin, { method: 'PUT', url: '/api/zone-map', payload: moved });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().version).toBe(2);
  });
});

describe('re-planning does not stall the service', () => {
  it('the API answers while a zone-map change re-plans every open request', async () => {
    for (let i = 0; i < 6; i++) {
      const r = await t.as(officer, {
        method: 'POST',
        url: '/api/requests',
        payload: requestBody({ recipient: `R${i}` }),
        headers: { 'idempotency-key': newKey() },
      });
      expect(r.statusCode).toBe(201);
    }
    const order: string[] = [];
    let me: Promise<unknown> | null = null;
    // as soon as the re-plan has started (first request planned again), ask the API something
    const off = t.parts.bus.subscribe((e) => {
      if (e.type === 'request') order.push('planned');
      if (e.type === 'request' && !me) {
        me = t.as(pilot, { method: 'GET', url: '/api/me' }).then((r) => {
          order.push(`me ${r.statusCode}`);
        });
      }
    });
    const putRes = await t.as(admin, { method: 'PUT', url: '/api/zone-map', payload: fixtureMap() });
    order.push('put');
    off();
    await me;
    expect(putRes.json().replanned).toHaveLength(6);
    // the answer came while requests were still being planned, not after all of them
    expect(order.filter((x) => x === 'planned')).toHaveLength(6);
    expect(order.indexOf('me 200')).toBeGreaterThan(0);
    expect(order.indexOf('me 200')).toBeLessThan(order.lastIndexOf('planned'));
    expect(order[order.length - 1]).toBe('put');
  });
});

describe('drones', () => {
  it('pilots and admins list drones with their status; only admins add or change them; bad input names the field', async () => {
    const list = await t.as(pilot, { method: 'GET', url: '/api/drones' });
    expect(list.json().drones).toEqual([
      expect.objectContaining({ id: 'md-1', status: 'idle', profile: expect.objectContaining({ maxPayloadKg: expect.any(Number) }) }),
    ]);
    expect((await t.as(officer, { method: 'GET', url: '/api/drones' })).statusCode).toBe(403);
    const body = { id: 'md-2', name: 'MD-2', profileId: 'police-hexa-winch', depot: 'East Police Station', connectionUrl: 'udpin://0.0.0.0:14551', sysid: 2 };
    expect((await t.as(pilot, { method: 'POST', url: '/api/drones', payload: body })).statusCode).toBe(403);
    for (const [over, field] of [
      [{ id: 'MD 2' }, 'id'],
      [{ sysid: 0 }, 'sysid'],
      [{ sysid: 'two' }, 'sysid'],
      [{ connectionUrl: 'http://x' }, 'connectionUrl'],
      [{ connectionUrl: 'tcp://nohost' }, 'connectionUrl'],
      [{ profileId: 'jumbo-jet' }, 'profileId'],
      [{ depot: 'Moon Base' }, 'depot'],
    ] as const) {
      const res = await t.as(admin, { method: 'POST', url: '/api/drones', payload: { ...body, ...over } });
      expect(res.statusCode, JSON.stringify(over)).toBe(400);
      expect(res.json().error.field).toBe(field);
    }
    const created = await t.as(admin, { method: 'POST', url: '/api/drones', payload: body });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ id: 'md-2', status: 'idle', enabled: true });
    expect((await t.as(admin, { method: 'POST', url: '/api/drones', payload: body })).statusCode).toBe(409);
    const patched = await t.as(admin, { method: 'PATCH', url: '/api/drones/md-2', payload: { enabled: false } });
    expect(patched.json()).toMatchObject({ enabled: false, status: 'disabled' });
    expect((await t.as(admin, { method: 'PATCH', url: '/api/drones/md-9', payload: { enabled: false } })).statusCode).toBe(404);
    expect((await t.as(admin, { method: 'PATCH', url: '/api/drones/md-2', payload: {} })).statusCode).toBe(400);
  });

  it('with every drone disabled, open requests become unservable and say why', async () => {
    const r = (await t.as(officer, { method: 'POST', url: '/api/requests', payload: requestBody(), headers: { 'idempotency-key': newKey() } })).json();
    expect(r.status).toBe('awaiting-approval');
    await t.as(admin, { method: 'PATCH', url: '/api/drones/md-1', payload: { enabled: false } });
    const after = (await t.as(officer, { method: 'GET', url: `/api/requests/${r.id}` })).json();
    expect(after.status).toBe('unservable');
    expect(after.reasons).toEqual([{ code: 'no-drones', message: 'no drone is registered and enabled' }]);
  });
});

describe('users', () => {
  it('admins list and create users; passwords are stored hashed; duplicates and bad fields are refused', async () => {
    expect((await t.as(pilot, { method: 'GET', url: '/api/users' })).statusCode).toBe(403);
    const list = (await t.as(admin, { method: 'GET', url: '/api/users' })).json().users;
    expect(list.map((u: { username: string }) => u.username)).toEqual(['officer.li', 'officer.wu', 'pilot.zhao', 'admin.chen']);
    expect(JSON.stringify(list)).not.toContain('scrypt');
    const body = { username: 'grid.worker', name: 'Grid worker Ma', password: 'long-enough-pw', role: 'officer' };
    for (const [over, field] of [
      [{ username: 'x' }, 'username'],
      [{ password: 'short' }, 'password'],
      [{ role: 'superuser' }, 'role'],
      [{ name: undefined }, 'name'],
    ] as const) {
      const res = await t.as(admin, { method: 'POST', url: '/api/users', payload: { ...body, ...over } });
      expect(res.json().error.field, JSON.stringify(over)).toBe(field);
    }
    const res = await t.as(admin, { method: 'POST', url: '/api/users', payload: body });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ username: 'grid.worker', role: 'officer' });
    expect(t.parts.repos.users.byName('grid.worker')!.passwordHash).toMatch(/^scrypt\$/);
    expect((await t.as(admin, { method: 'POST', url: '/api/users', payload: body })).statusCode).toBe(409);
    await t.login('grid.worker', 'long-enough-pw');
  });
});

describe('audit log', () => {
  it('lists decisions newest first with who, what and why; pages with before', async () => {
    const r = (await t.as(officer, { method: 'POST', url: '/api/requests', payload: requestBody(), headers: { 'idempotency-key': newKey() } })).json();
    await t.as(pilot, { method: 'POST', url: `/api/missions/${r.missionId}/reject`, payload: { reason: 'storm warning' } });
    const res = await t.as(admin, { method: 'GET', url: '/api/audit?limit=2' });
    const entries = res.json().entries;
    expect(entries).toHaveLength(2);
    expect(entries[0]).toMatchObject({ action: 'mission.reject', actor: { username: 'pilot.zhao', role: 'pilot' }, reason: 'storm warning' });
    const older = (await t.as(admin, { method: 'GET', url: `/api/audit?before=${entries[1].id}` })).json().entries;
    expect(older.every((e: { id: number }) => e.id < entries[1].id)).toBe(true);
    expect(older.map((e: { action: string }) => e.action)).toContain('request.create');
    expect((await t.as(admin, { method: 'GET', url: '/api/audit?limit=abc' })).json().error.field).toBe('limit');
  });
});
