import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FAR, makeTestApp, newKey, requestBody, type Session, type TestApp } from './api-support.js';

let t: TestApp;
let officer: Session;
let officer2: Session;
let pilot: Session;
let admin: Session;

beforeEach(async () => {
  t = await makeTestApp();
  [officer, officer2, pilot, admin] = await Promise.all([t.login('officer.li'), t.login('officer.wu'), t.login('pilot.zhao'), t.login('admin.chen')]);
});
afterEach(async () => {
  await t.close();
});

const post = (s: Session | null, payload: unknown, key: string | null = newKey()) =>
  t.as(s, { method: 'POST', url: '/api/requests', payload: payload as object, headers: key ? { 'idempotency-key': key } : {} });

describe('POST /api/requests', () => {
  it('queues a drop and plans it at once: 201 awaiting approval with the depot, drone, route and a hand-over code', async () => {
    const res = await post(officer, requestBody());
    expect(res.statusCode, res.body).toBe(201);
    const r = res.json();
    expect(r).toMatchObject({
      status: 'awaiting-approval',
      recipient: 'Grandma Wang',
      urgency: 'urgent',
      dropPoint: { name: 'Sunrise Compound Gate' },
      officer: { name: 'Li Wei' },
      plan: { depot: 'East Police Station', droneId: 'md-1' },
    });
    expect(r.missionId).toBeTypeOf('number');
    expect(r.plan.route.length).toBeGreaterThanOrEqual(2);
    expect(r.handoverCode).toMatch(/^\d{6}$/);
    expect(Date.parse(r.eta)).toBeGreaterThan(Date.now() - 1000);
    // stored: the officer's list has it, with the same status
    const list = (await t.as(officer, { method: 'GET', url: '/api/requests' })).json();
    expect(list.requests.map((x: { id: number }) => x.id)).toEqual([r.id]);
  });

  it('submitting twice with the same Idempotency-Key makes one request', async () => {
    const key = newKey();
    const [a, b] = await Promise.all([post(officer, requestBody(), key), post(officer, requestBody(), key)]);
    const c = await post(officer, requestBody(), key);
    const codes = [a.statusCode, b.statusCode].sort();
    expect(codes).toEqual([200, 201]);
    expect(c.statusCode).toBe(200);
    expect(c.headers['idempotent-replay']).toBe('true');
    expect(new Set([a.json().id, b.json().id, c.json().id]).size).toBe(1);
    // the replay answers with the planned request, like the first answer
    expect([a.json().status, b.json().status, c.json().status]).toEqual(['awaiting-approval', 'awaiting-approval', 'awaiting-approval']);
    expect(t.parts.repos.requests.list()).toHaveLength(1);
    // the same key with a different body is a conflict, and creates nothing
    const d = await post(officer, requestBody({ weightKg: 1 }), key);
    expect(d.statusCode).toBe(409);
    expect(d.json().error.field).toBe('Idempotency-Key');
    expect(t.parts.repos.requests.list()).toHaveLength(1);
  });

  it('a drop point no drone can reach is refused (422) and says why; nothing is stored', async () => {
    const res = await post(officer, requestBody({ dropPoint: { name: 'Far Checkpoint' } }));
    expect(res.statusCode, res.body).toBe(422);
    const err = res.json().error;
    expect(err.code).toBe('infeasible');
    expect(err.reasons.length).toBeGreaterThan(0);
    expect(err.reasons[0].message).toMatch(/md-1 from East Police Station/);
    // coordinates work as a drop point too
    const byCoords = await post(officer, requestBody({ dropPoint: { lat: FAR[1], lon: FAR[0] } }));
    expect(byCoords.statusCode).toBe(422);
    expect(byCoords.json().error.reasons[0]).toMatchObject({ code: 'battery-insufficient', params: { droneId: 'md-1', depot: 'East Police Station' } });
    expect(t.parts.repos.requests.list()).toHaveLength(0);
  });

  it.each([
    ['recipient missing', { recipient: undefined }, 'recipient'],
    ['empty recipient', { recipient: '' }, 'recipient'],
    ['phone with letters', { phone: 'call me' }, 'phone'],
    ['weight zero', { weightKg: 0 }, 'weightKg'],
    ['weight as a string', { weightKg: '2' }, 'weightKg'],
    ['weight too heavy', { weightKg: 40 }, 'weightKg'],
    ['unknown urgency', { urgency: 'asap' }, 'urgency'],
    ['unknown drop point name', { dropPoint: { name: 'Nowhere' } }, 'dropPoint.name'],
    ['latitude without longitude', { dropPoint: { lat: 34.75 } }, 'dropPoint.lon'],
    ['latitude out of range', { dropPoint: { lat: 95, lon: 113 } }, 'dropPoint.lat'],
    ['name and coordinates together', { dropPoint: { name: 'Sunrise Compound Gate', lat: 34.7, lon: 113.6 } }, 'dropPoint'],
    ['unknown field', { colour: 'red' }, 'colour'],
    ['notes too long', { notes: 'x'.repeat(1001) }, 'notes'],
    ['a NUL byte in the recipient', { recipient: 'Zhang\u0000Nainai' }, 'recipient'],
    ['an escape sequence in the medicine', { medicine: 'insulin\u001b[2J' }, 'medicine'],
  ])('400 naming the field: %s', async (_name, over, field) => {
    const res = await post(officer, requestBody(over));
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'bad-request', field });
    expect(res.json().error.message).toContain(field.split('.').pop());
    expect(t.parts.repos.requests.list()).toHaveLength(0);
  });

  it('free text keeps line breaks and tabs (notes from a chat group), and Chinese', async () => {
    const res = await post(officer, requestBody({ notes: '3号楼门口\n老人独居，请先打电话\tthanks' }));
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().notes).toBe('3号楼门口\n老人独居，请先打电话\tthanks');
  });

  it('400 without an Idempotency-Key, and for a malformed JSON body', async () => {
    const res = await post(officer, requestBody(), null);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.field).toBe('Idempotency-Key');
    const bad = await t.as(officer, {
      method: 'POST',
      url: '/api/requests',
      payload: '{"recipient": ',
      headers: { 'content-type': 'application/json', 'idempotency-key': newKey() },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('bad-request');
  });

  it('only officers queue requests: pilot and admin 403, nobody 401, no CSRF token 403', async () => {
    expect((await post(pilot, requestBody())).statusCode).toBe(403);
    expect((await post(admin, requestBody())).statusCode).toBe(403);
    expect((await post(null, requestBody())).statusCode).toBe(401);
    const noCsrf = await t.as(officer, { method: 'POST', url: '/api/requests', payload: requestBody(), headers: { 'idempotency-key': newKey() }, csrf: false });
    expect(noCsrf.statusCode).toBe(403);
    expect(noCsrf.json().error.code).toBe('csrf');
    const wrongCsrf = await t.as(null, {
      method: 'POST',
      url: '/api/requests',
      payload: requestBody(),
      headers: { cookie: officer.cookie, 'x-csrf-token': officer2.csrf, 'idempotency-key': newKey() },
    });
    expect(wrongCsrf.statusCode).toBe(403);
    expect(t.parts.repos.requests.list()).toHaveLength(0);
  });
});

describe('GET / PATCH / DELETE /api/requests/:id', () => {
  it('officers see only their own; pilots and admins see all; the hand-over code only to the officer who asked', async () => {
    const mine = (await post(officer, requestBody())).json();
    const theirs = (await post(officer2, requestBody({ recipient: 'Mr Sun' }))).json();
    expect((await t.as(officer, { method: 'GET', url: `/api/requests/${theirs.id}` })).statusCode).toBe(404);
    expect((await t.as(officer, { method: 'GET', url: '/api/requests' })).json().requests).toHaveLength(1);
    const asPilot = await t.as(pilot, { method: 'GET', url: '/api/requests' });
    expect(asPilot.json().requests).toHaveLength(2);
    expect(asPilot.json().requests.every((r: { handoverCode: unknown }) => r.handoverCode === null)).toBe(true);
    const one = await t.as(pilot, { method: 'GET', url: `/api/requests/${mine.id}` });
    expect(one.json()).toMatchObject({ id: mine.id, status: 'awaiting-approval', handoverCode: null });
    expect((await t.as(pilot, { method: 'GET', url: '/api/requests/999' })).statusCode).toBe(404);
    expect((await t.as(pilot, { method: 'GET', url: '/api/requests/abc' })).json().error.field).toBe('id');
    expect((await t.as(null, { method: 'GET', url: '/api/requests' })).statusCode).toBe(401);
    expect((await t.as(pilot, { method: 'GET', url: '/api/requests?status=flying' })).json().error.field).toBe('status');
  });

  it('a pilot cannot edit a request; the officer can, before approval, and it is re-planned', async () => {
    const r = (await post(officer, requestBody())).json();
    const byPilot = await t.as(pilot, { method: 'PATCH', url: `/api/requests/${r.id}`, payload: { urgency: 'critical' } });
    expect(byPilot.statusCode).toBe(403);
    expect(t.parts.repos.requests.byId(r.id)!.urgency).toBe('urgent');
    const byOther = await t.as(officer2, { method: 'PATCH', url: `/api/requests/${r.id}`, payload: { urgency: 'critical' } });
    expect(byOther.statusCode).toBe(404);
    const edited = await t.as(officer, {
      method: 'PATCH',
      url: `/api/requests/${r.id}`,
      payload: { urgency: 'critical', dropPoint: { name: 'Far Checkpoint' } },
    });
    expect(edited.statusCode, edited.body).toBe(200);
    expect(edited.json()).toMatchObject({ urgency: 'critical', status: 'unservable', dropPoint: { name: 'Far Checkpoint' } });
    expect(t.parts.repos.missions.byId(r.missionId)!.status).toBe('superseded');
    const bad = await t.as(officer, { method: 'PATCH', url: `/api/requests/${r.id}`, payload: { weightKg: -1 } });
    expect(bad.json().error.field).toBe('weightKg');
    const empty = await t.as(officer, { method: 'PATCH', url: `/api/requests/${r.id}`, payload: {} });
    expect(empty.statusCode).toBe(400);
  });

  it('the officer can cancel before approval; a cancelled request cannot be edited', async () => {
    const r = (await post(officer, requestBody())).json();
    expect((await t.as(pilot, { method: 'DELETE', url: `/api/requests/${r.id}` })).statusCode).toBe(403);
    const res = await t.as(officer, { method: 'DELETE', url: `/api/requests/${r.id}` });
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe('cancelled');
    expect((await t.as(officer, { method: 'PATCH', url: `/api/requests/${r.id}`, payload: { notes: 'x' } })).statusCode).toBe(409);
    const missions = (await t.as(pilot, { method: 'GET', url: '/api/missions?status=awaiting-approval' })).json().missions;
    expect(missions).toHaveLength(0);
  });
});
