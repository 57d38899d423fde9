import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CHECKLIST, makeTestApp, newKey, requestBody, type Session, type TestApp } from './api-support.js';

let t: TestApp;
let officer: Session;
let pilot: Session;
let admin: Session;

beforeEach(async () => {
  t = await makeTestApp(); // no flight starter: approved flights are recorded, not flown
  [officer, pilot, admin] = await Promise.all([t.login('officer.li'), t.login('pilot.zhao'), t.login('admin.chen')]);
});
afterEach(async () => {
  await t.close();
});

async function queue(over: Record<string, unknown> = {}) {
  const res = await t.as(officer, { method: 'POST', url: '/api/requests', payload: requestBody(over), headers: { 'idempotency-key': newKey() } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: number; missionId: number; status: string };
}

describe('the pilots’ queue', () => {
  it('orders missions awaiting approval by urgency (critical first), then by age', async () => {
    const routine = await queue({ urgency: 'routine', recipient: 'A' });
    const urgentOld = await queue({ urgency: 'urgent', recipient: 'B' });
    const critical = await queue({ urgency: 'critical', recipient: 'C' });
    const urgentNew = await queue({ urgency: 'urgent', recipient: 'D' });
    const res = await t.as(pilot, { method: 'GET', url: '/api/missions?status=awaiting-approval' });
    expect(res.json().missions.map((m: { requestId: number }) => m.requestId)).toEqual([critical.id, urgentOld.id, urgentNew.id, routine.id]);
    const m = res.json().missions[0];
    expect(m).toMatchObject({
      urgency: 'critical',
      recipient: 'C',
      drone: { id: 'md-1' },
      depot: { name: 'East Police Station' },
      feasible: true,
      failedChecks: 0,
    });
    expect(m.marginPct).toBeGreaterThan(0);
    expect((await t.as(officer, { method: 'GET', url: '/api/missions' })).statusCode).toBe(403);
    expect((await t.as(pilot, { method: 'GET', url: '/api/missions?status=flying' })).json().error.field).toBe('status');
  });

  it('the review detail has the map geometry, the numbers, each check and the checklist', async () => {
    const r = await queue();
    const res = await t.as(pilot, { method: 'GET', url: `/api/missions/${r.missionId}` });
    expect(res.statusCode).toBe(200);
    const d = res.json();
    expect(d.geometry.outbound.length).toBeGreaterThanOrEqual(2);
    expect(d.geometry.inbound.length).toBeGreaterThanOrEqual(2);
    expect(d.geometry.fence.inclusion.length + d.geometry.fence.circles.length).toBeGreaterThan(0);
    expect(d.geometry.fence.exclusion.length).toBeGreaterThan(0); // the testing site
    expect(d.geometry.zones.features.map((f: { properties: { kind: string } }) => f.properties.kind)).toEqual(
      expect.arrayContaining(['sealed', 'no-fly', 'depot']),
    );
    expect(d.checks.length).toBeGreaterThan(0);
    expect(d.checks.every((c: { ok: boolean }) => c.ok)).toBe(true);
    expect(d.checklist.map((c: { id: string }) => c.id)).toEqual(CHECKLIST);
    expect(d.candidates[0]).toMatchObject({ droneId: 'md-1', feasible: true });
    expect(d.request.id).toBe(r.id);
    expect(d.distanceM).toBeGreaterThan(500);
    expect((await t.as(pilot, { method: 'GET', url: '/api/missions/4242' })).statusCode).toBe(404);
  });
});

describe('approve and reject', () => {
  it('an officer cannot approve; a pilot must tick every checklist item; approving records the flight and the decision', async () => {
    const r = await queue();
    const url = `/api/missions/${r.missionId}/approve`;
    const byOfficer = await t.as(officer, { method: 'POST', url, payload: { checklist: CHECKLIST } });
    expect(byOfficer.statusCode).toBe(403);
    expect((await t.as(admin, { method: 'POST', url, payload: { checklist: CHECKLIST } })).statusCode).toBe(403);
    expect(t.parts.repos.missions.byId(r.missionId)!.status).toBe('awaiting-approval');

    const partial = await t.as(pilot, { method: 'POST', url, payload: { checklist: CHECKLIST.slice(1) } });
    expect(partial.statusCode).toBe(400);
    expect(partial.json().error.field).toBe('checklist');
    expect(partial.json().error.message).toContain('airspace');
    const unknown = await t.as(pilot, { method: 'POST', url, payload: { checklist: [...CHECKLIST, 'vibes'] } });
    expect(unknown.json().error).toMatchObject({ field: 'checklist' });
    expect((await t.as(pilot, { method: 'POST', url, payload: { checklist: 'all' } })).json().error.field).toBe('checklist');
    expect((await t.as(pilot, { method: 'POST', url, payload: {} })).json().error.field).toBe('checklist');
    expect((await t.as(pilot, { method: 'POST', url, payload: { checklist: CHECKLIST }, csrf: false })).json().error.code).toBe('csrf');

    const ok = await t.as(pilot, { method: 'POST', url, payload: { checklist: CHECKLIST } });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().mission.status).toBe('approved');
    expect(ok.json().flight).toMatchObject({ state: 'approved', requestId: r.id, drone: { id: 'md-1', sysid: 1 } });
    const req = (await t.as(officer, { method: 'GET', url: `/api/requests/${r.id}` })).json();
    expect(req.status).toBe('in-flight');
    expect(req.flight).toEqual({ id: ok.json().flight.id, state: 'approved' });

    // approved once only; the officer can no longer edit it
    expect((await t.as(pilot, { method: 'POST', url, payload: { checklist: CHECKLIST } })).statusCode).toBe(409);
    expect((await t.as(officer, { method: 'PATCH', url: `/api/requests/${r.id}`, payload: { notes: 'x' } })).statusCode).toBe(409);
    // the decision is in the audit log with who and the checklist
    const audit = (await t.as(admin, { method: 'GET', url: '/api/audit' })).json().entries;
    const entry = audit.find((e: { action: string }) => e.action === 'mission.approve');
    expect(entry).toMatchObject({
      actor: { username: 'pilot.zhao' },
      subject: { type: 'mission', id: String(r.missionId) },
      details: { checklist: CHECKLIST },
    });
    expect((await t.as(pilot, { method: 'GET', url: '/api/audit' })).statusCode).toBe(403);

    // a second request for the same drone cannot be approved while the first flight is unfinished
    const r2 = await queue({ recipient: 'Next' });
    const busy = await t.as(pilot, { method: 'POST', url: `/api/missions/${r2.missionId}/approve`, payload: { checklist: CHECKLIST } });
    expect(busy.statusCode).toBe(409);
    expect(busy.json().error.message).toMatch(/still flying/);
  });

  it('rejecting needs a reason; the officer sees it; the decision is audited', async () => {
    const r = await queue();
    const url = `/api/missions/${r.missionId}/reject`;
    expect((await t.as(officer, { method: 'POST', url, payload: { reason: 'no' } })).statusCode).toBe(403);
    expect((await t.as(pilot, { method: 'POST', url, payload: {} })).json().error.field).toBe('reason');
    expect((await t.as(pilot, { method: 'POST', url, payload: { reason: 'x' } })).json().error.field).toBe('reason');
    const res = await t.as(pilot, { method: 'POST', url, payload: { reason: 'gusts over 12 m/s at the compound' } });
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe('rejected');
    const req = (await t.as(officer, { method: 'GET', url: `/api/requests/${r.id}` })).json();
    expect(req).toMatchObject({ status: 'rejected', statusReason: 'gusts over 12 m/s at the compound' });
    expect((await t.as(pilot, { method: 'POST', url: `/api/missions/${r.missionId}/approve`, payload: { checklist: CHECKLIST } })).statusCode).toBe(409);
    const entry = t.parts.repos.audit.list({ limit: 20 }).find((e) => e.action === 'mission.reject')!;
    expect(entry.reason).toBe('gusts over 12 m/s at the compound');
    expect((await t.as(pilot, { method: 'POST', url: '/api/missions/999/reject', payload: { reason: 'because' } })).statusCode).toBe(404);
  });
});

describe('flights without a vehicle connection', () => {
  it('abort / pause / resume: officers 403, unknown flight 404, a flight not connected 409; officers read only their own flight', async () => {
    const r = await queue();
    const flightId = (await t.as(pilot, { method: 'POST', url: `/api/missions/${r.missionId}/approve`, payload: { checklist: CHECKLIST } })).json().flight.id;
    for (const action of ['abort', 'pause', 'resume']) {
      expect((await t.as(officer, { method: 'POST', url: `/api/flights/${flightId}/${action}`, payload: {} })).statusCode).toBe(403);
      expect((await t.as(pilot, { method: 'POST', url: `/api/flights/999/${action}`, payload: {} })).statusCode).toBe(404);
      const res = await t.as(pilot, { method: 'POST', url: `/api/flights/${flightId}/${action}` }); // no body at all is fine
      expect(res.statusCode, res.body).toBe(409);
      expect(res.json().error.message).toMatch(/not connected/);
    }
    expect((await t.as(pilot, { method: 'POST', url: `/api/flights/${flightId}/abort`, payload: { reason: 5 } })).json().error.field).toBe('reason');
    const view = await t.as(officer, { method: 'GET', url: `/api/flights/${flightId}` });
    expect(view.json()).toMatchObject({ id: flightId, state: 'approved', transitions: [{ to: 'approved', cause: 'approved by pilot.zhao' }] });
    const other = await t.login('officer.wu');
    expect((await t.as(other, { method: 'GET', url: `/api/flights/${flightId}` })).statusCode).toBe(404);
    expect((await t.as(pilot, { method: 'GET', url: '/api/flights?active=true' })).json().flights.map((f: { id: number }) => f.id)).toEqual([flightId]);
    expect((await t.as(pilot, { method: 'GET', url: `/api/flights/${flightId}/track` })).json()).toMatchObject({ flightId, points: [] });
  });
});

describe('hand-over (public)', () => {
  it('wrong code → 400 on code; right code before the drop → 409; rate-limited', async () => {
    const tl = await makeTestApp({ config: { handoverRateLimit: { max: 3, windowMs: 60_000 } } });
    try {
      const o = await tl.login('officer.li');
      const r = (await tl.as(o, { method: 'POST', url: '/api/requests', payload: requestBody(), headers: { 'idempotency-key': newKey() } })).json();
      const wrongCode = r.handoverCode === '123456' ? '654321' : '123456';
      const wrong = await tl.app.inject({ method: 'POST', url: '/api/handover', payload: { requestId: r.id, code: wrongCode } });
      expect(wrong.json().error).toMatchObject({ code: 'bad-request', field: 'code' });
      const early = await tl.app.inject({ method: 'POST', url: '/api/handover', payload: { requestId: r.id, code: r.handoverCode } });
      expect(early.statusCode).toBe(409);
      const bad = await tl.app.inject({ method: 'POST', url: '/api/handover', payload: { requestId: 'one', code: '1' } });
      expect(bad.json().error.field).toBe('requestId');
      // a 4th attempt within the minute is refused, even with the right code
      const limited = await tl.app.inject({ method: 'POST', url: '/api/handover', payload: { requestId: r.id, code: r.handoverCode } });
      expect(limited.statusCode).toBe(429);
      expect(tl.parts.repos.audit.list({ limit: 20 }).filter((a) => a.action === 'handover.failed')).toHaveLength(1);
    } finally {
      await tl.close();
    }
  });
});
