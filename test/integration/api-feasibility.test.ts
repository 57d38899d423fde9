/**
 * Feasibility before submit: POST /api/requests/preview says what the planner says and stores
 * nothing; POST /api/requests refuses (422) a request that no registered drone could ever serve —
 * too heavy, inside a no-fly area, out of range — storing nothing and issuing no hand-over code,
 * while a request that only waits for better conditions is still queued.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FAR, GATE, makeTestApp, newKey, requestBody, type Session, type TestApp } from './api-support.js';

let t: TestApp;
let officer: Session;
let pilot: Session;

beforeEach(async () => {
  t = await makeTestApp();
  [officer, pilot] = await Promise.all([t.login('officer.li'), t.login('pilot.zhao')]);
});
afterEach(async () => {
  await t.close();
});

const post = (s: Session | null, payload: unknown) =>
  t.as(s, { method: 'POST', url: '/api/requests', payload: payload as object, headers: { 'idempotency-key': newKey() } });
const preview = (s: Session | null, payload: unknown) => t.as(s, { method: 'POST', url: '/api/requests/preview', payload: payload as object });

/** What a request leaves behind: its row (hand-over codes and idempotency keys hang off it), missions, audit entries. */
function storedCounts() {
  const { repos } = t.parts;
  return {
    requests: repos.requests.list().length,
    missions: repos.missions.list().length,
    audit: repos.audit.list({ limit: 1000 }).filter((e) => e.subjectType === 'request').length,
  };
}

// The fixture's temporary testing site (a no-fly area) is a 0.001° square around this point.
const IN_TESTING_SITE = { lat: 34.75175, lon: 113.60275 };

const UNSERVABLE: [string, Record<string, unknown>, string, Record<string, unknown>][] = [
  ['an 8 kg parcel (the drone carries 1.5 kg)', { weightKg: 8 }, 'too-heavy', { payloadKg: 8, maxPayloadKg: 1.5 }],
  ['a drop point inside a no-fly area', { dropPoint: IN_TESTING_SITE }, 'drop-point-in-no-fly', { area: 'Testing Site' }],
  ['a drop point ~45 km away', { dropPoint: { lat: FAR[1], lon: FAR[0] } }, 'battery-insufficient', {}],
];

describe('POST /api/requests refuses what no drone could ever serve', () => {
  it.each(UNSERVABLE)('%s: 422 with the reason, nothing stored, no code', async (_name, over, code, params) => {
    const before = storedCounts();
    const res = await post(officer, requestBody(over));
    expect(res.statusCode, res.body).toBe(422);
    const err = res.json().error;
    expect(err.code).toBe('infeasible');
    expect(err.reasons.map((r: { code: string }) => r.code)).toContain(code);
    const reason = err.reasons.find((r: { code: string }) => r.code === code);
    expect(reason.params).toMatchObject({ ...params, droneId: 'md-1', droneName: 'MD-1', depot: 'East Police Station' });
    expect(res.body).not.toMatch(/handoverCode/);
    expect(storedCounts()).toEqual(before);
    expect(t.parts.repos.requests.list()).toHaveLength(0);
    // the pilot's queue shows nothing either
    expect((await t.as(pilot, { method: 'GET', url: '/api/requests' })).json().requests).toHaveLength(0);
  });

  it('a servable request is 201 with its plan and code; one that waits only for the weather is queued, not refused', async () => {
    const ok = await post(officer, requestBody());
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json()).toMatchObject({ status: 'awaiting-approval', plan: { droneId: 'md-1' } });
    expect(ok.json().handoverCode).toMatch(/^\d{6}$/);
    // a gale: transient, so the request is stored as unservable and re-planned later
    t.parts.dispatcher.weather.windSpeedMs = 20;
    const windy = await post(officer, requestBody({ recipient: 'Mr Sun' }));
    expect(windy.statusCode, windy.body).toBe(201);
    expect(windy.json().status).toBe('unservable');
    expect(windy.json().reasons.map((r: { code: string }) => r.code)).toContain('wind-too-strong');
    // no plan line for a request no drone can fly now (the card read "XN-01 · 0 米 · 约 0 秒")
    expect(windy.json().plan).toBeNull();
    expect(windy.json().handoverCode).toMatch(/^\d{6}$/);
    expect(t.parts.repos.requests.list()).toHaveLength(2);
  });

  it('with every drone disabled the request is queued (a fleet matter, not the request)', async () => {
    t.parts.repos.drones.update('md-1', { enabled: false });
    const res = await post(officer, requestBody({ weightKg: 8 }));
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().reasons).toEqual([{ code: 'no-drones', message: 'no drone is registered and enabled' }]);
  });
});

describe('POST /api/requests/preview', () => {
  it('a servable request: drone, depot, distance, flight time, ETA; nothing stored', async () => {
    const before = storedCounts();
    const res = await preview(officer, { dropPoint: { name: 'Sunrise Compound Gate' }, weightKg: 0.5 });
    expect(res.statusCode, res.body).toBe(200);
    const v = res.json();
    expect(v).toMatchObject({
      feasible: true,
      refused: false,
      withinPayload: true,
      reachable: true,
      droneId: 'md-1',
      depot: 'East Police Station',
      reasons: [],
    });
    expect(v.distanceM).toBeGreaterThan(1000);
    expect(v.distanceM).toBeLessThan(2000);
    expect(v.flightTimeS).toBeGreaterThan(60);
    const eta = Date.parse(v.etaAt) - Date.now();
    expect(eta).toBeGreaterThan(30_000);
    expect(eta).toBeLessThan(v.flightTimeS * 1000);
    // the created request gets the same plan
    const created = (await post(officer, requestBody({ dropPoint: { lat: GATE[1], lon: GATE[0] } }))).json();
    expect(created.plan.distanceM).toBeCloseTo(v.distanceM, 0);
    expect(storedCounts().requests).toBe(before.requests + 1);
  });

  it.each(UNSERVABLE)('%s: refused, with the reason', async (_name, over, code, params) => {
    const body = { dropPoint: { name: 'Sunrise Compound Gate' }, weightKg: 0.5, ...over };
    const res = await preview(officer, body);
    expect(res.statusCode, res.body).toBe(200);
    const v = res.json();
    expect(v).toMatchObject({ feasible: false, refused: true, etaAt: null });
    expect(v.reasons.find((r: { code: string }) => r.code === code).params).toMatchObject(params);
    if (code === 'too-heavy') expect(v).toMatchObject({ withinPayload: false, reachable: true });
    else expect(v).toMatchObject({ withinPayload: true, reachable: false });
    if (code === 'battery-insufficient') expect(v.distanceM).toBeGreaterThan(80_000);
    expect(t.parts.repos.requests.list()).toHaveLength(0);
  });

  it('takes the create body and validates it the same way; no Idempotency-Key; officers only', async () => {
    expect((await preview(officer, requestBody())).json().feasible).toBe(true);
    const bad = await preview(officer, { dropPoint: { name: 'Sunrise Compound Gate' }, weightKg: 40 });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.field).toBe('weightKg');
    expect((await preview(officer, { weightKg: 1 })).json().error.field).toBe('dropPoint');
    expect((await preview(officer, { dropPoint: { name: 'Nowhere' }, weightKg: 1 })).json().error.field).toBe('dropPoint.name');
    expect((await preview(officer, { dropPoint: { lat: 34.7 }, weightKg: 1 })).json().error.field).toBe('dropPoint.lon');
    expect((await preview(officer, { ...requestBody(), phone: 'call me' })).json().error.field).toBe('phone');
    expect((await preview(pilot, requestBody())).statusCode).toBe(403);
    expect((await preview(null, requestBody())).statusCode).toBe(401);
  });

  it('is rate-limited per officer', async () => {
    const body = { dropPoint: { name: 'Sunrise Compound Gate' }, weightKg: 0.5 };
    const codes: number[] = [];
    for (let i = 0; i < 61; i++) codes.push((await preview(officer, body)).statusCode);
    expect(codes.slice(0, 60).every((c) => c === 200)).toBe(true);
    expect(codes[60]).toBe(429);
    // another officer is not held back
    const other = await t.login('officer.wu');
    expect((await preview(other, body)).statusCode).toBe(200);
  });
});
