/**
 * Fleet-aware dispatch through the API (issue 14): two drones at one depot share the work instead
 * of both requests landing on the first; a critical request jumps the queue and the one it displaced
 * moves to the free drone; the queue's ETAs follow the fleet and the queue order. Each scenario is
 * repeated. No vehicles here (flights off): the link is not judged; see fleet-emulator.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CHECKLIST, makeTestApp, newKey, requestBody, type Session, type TestApp } from './api-support.js';

let t: TestApp | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

async function settled(app: TestApp): Promise<void> {
  // a re-plan may queue another (a displaced request): wait until the chain stops growing
  for (let i = 0; i < 10; i++) await app.parts.dispatcher.replansSettled();
}

async function create(app: TestApp, officer: Session, over: Record<string, unknown> = {}) {
  const res = await app.as(officer, { method: 'POST', url: '/api/requests', payload: requestBody(over), headers: { 'idempotency-key': newKey() } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: number; status: string; plan: { droneId: string } | null; missionId: number };
}

async function twoDrones(): Promise<TestApp> {
  const app = await makeTestApp();
  app.parts.repos.drones.create({
    id: 'md-2',
    name: 'MD-2',
    profileId: 'police-quad',
    depot: 'East Police Station',
    connectionUrl: 'tcp://127.0.0.1:9',
    sysid: 2,
    enabled: true,
  });
  return app;
}

describe('fleet-aware dispatch', () => {
  for (let run = 1; run <= 3; run++) {
    it(`two requests, two drones at one depot: planned on different drones (run ${run})`, async () => {
      t = await twoDrones();
      const [officer, pilot] = await Promise.all([t.login('officer.li'), t.login('pilot.zhao')]);
      const a = await create(t, officer);
      const b = await create(t, officer);
      await settled(t);
      const view = async (id: number) => (await t!.as(officer, { method: 'GET', url: `/api/requests/${id}` })).json();
      const [va, vb] = [await view(a.id), await view(b.id)];
      expect(va.status).toBe('awaiting-approval');
      expect(vb.status).toBe('awaiting-approval');
      expect(new Set([va.plan.droneId, vb.plan.droneId])).toEqual(new Set(['md-1', 'md-2']));
      // both can take off now: each has its own drone
      for (const v of [va, vb]) {
        expect(v.queueEta).not.toBeNull();
        expect(Date.parse(v.queueEta.takeoffAt)).toBeLessThanOrEqual(Date.now() + 1000);
        expect(Date.parse(v.queueEta.arrivalAt)).toBeGreaterThan(Date.parse(v.queueEta.takeoffAt));
      }
      // approving the first makes its drone busy; the second stays on the other and can be approved too
      const ra = await t.as(pilot, { method: 'POST', url: `/api/missions/${va.missionId}/approve`, payload: { checklist: CHECKLIST } });
      expect(ra.statusCode, ra.body).toBe(200);
      await settled(t);
      const vb2 = await view(b.id);
      expect(vb2.plan.droneId).not.toBe(va.plan.droneId);
      const rb = await t.as(pilot, { method: 'POST', url: `/api/missions/${vb2.missionId}/approve`, payload: { checklist: CHECKLIST } });
      expect(rb.statusCode, rb.body).toBe(200);
      const drones = (await t.as(pilot, { method: 'GET', url: '/api/drones' })).json().drones as { id: string; state: string }[];
      expect(drones.map((d) => d.state)).toEqual(['in-flight', 'in-flight']);
    });
  }

  for (let run = 1; run <= 2; run++) {
    it(`a critical request jumps the queue; the request it displaced moves to the free drone; ETAs follow (run ${run})`, async () => {
      t = await twoDrones();
      const [officer, pilot] = await Promise.all([t.login('officer.li'), t.login('pilot.zhao')]);
      const r1 = await create(t, officer, { urgency: 'routine' });
      const r2 = await create(t, officer, { urgency: 'routine' });
      await settled(t);
      const r3 = await create(t, officer, { urgency: 'critical' });
      await settled(t);
      const queue = (await t.as(pilot, { method: 'GET', url: '/api/drones' })).json().queue as { requestId: number; droneId: string; takeoffAt: string }[];
      // queue order: the critical one first, then the routine ones by age
      expect(queue.map((q) => q.requestId)).toEqual([r3.id, r1.id, r2.id]);
      const now = Date.now();
      expect(Date.parse(queue[0]!.takeoffAt)).toBeLessThanOrEqual(now + 1000);
      expect(Date.parse(queue[1]!.takeoffAt)).toBeLessThanOrEqual(now + 1000);
      // the third waits for a flight plus the 600 s turnaround
      expect(Date.parse(queue[2]!.takeoffAt)).toBeGreaterThan(now + 600_000);
      expect(queue[0]!.droneId).not.toBe(queue[1]!.droneId);
      const plans = await Promise.all([r3, r1].map(async (r) => (await t!.as(officer, { method: 'GET', url: `/api/requests/${r.id}` })).json().plan.droneId));
      expect(plans[0]).not.toBe(plans[1]);
    });
  }

  it('the pilot moves a mission to another drone: feasible → a new plan on it; an unknown drone → 404; nothing else changes', async () => {
    t = await twoDrones();
    const [officer, pilot] = await Promise.all([t.login('officer.li'), t.login('pilot.zhao')]);
    const r = await create(t, officer);
    await settled(t);
    const before = (await t.as(officer, { method: 'GET', url: `/api/requests/${r.id}` })).json();
    const other = before.plan.droneId === 'md-1' ? 'md-2' : 'md-1';
    const moved = await t.as(pilot, { method: 'POST', url: `/api/missions/${before.missionId}/reassign`, payload: { droneId: other } });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json()).toMatchObject({ feasible: true, reasons: [], mission: { drone: { id: other }, status: 'awaiting-approval' } });
    const after = (await t.as(officer, { method: 'GET', url: `/api/requests/${r.id}` })).json();
    expect(after.plan.droneId).toBe(other);
    expect(after.missionId).not.toBe(before.missionId);
    // the old mission is superseded: moving it again is refused
    const stale = await t.as(pilot, { method: 'POST', url: `/api/missions/${before.missionId}/reassign`, payload: { droneId: before.plan.droneId } });
    expect(stale.statusCode).toBe(409);
    const unknown = await t.as(pilot, { method: 'POST', url: `/api/missions/${after.missionId}/reassign`, payload: { droneId: 'nope' } });
    expect(unknown.statusCode).toBe(404);
    // officers cannot
    const asOfficer = await t.as(officer, { method: 'POST', url: `/api/missions/${after.missionId}/reassign`, payload: { droneId: other } });
    expect(asOfficer.statusCode).toBe(403);
    const audit = t.parts.repos.audit.list({ limit: 50 }).filter((a) => a.action === 'mission.reassign');
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actorId).toBe(pilot.userId);
  });

  it('a drone in maintenance is not planned on; the turnaround time is set per drone by the admin', async () => {
    t = await twoDrones();
    const [officer, admin, pilot] = await Promise.all([t.login('officer.li'), t.login('admin.chen'), t.login('pilot.zhao')]);
    const p = await t.as(admin, { method: 'PATCH', url: '/api/drones/md-1', payload: { enabled: false, turnaroundS: 120 } });
    expect(p.statusCode, p.body).toBe(200);
    expect(p.json()).toMatchObject({ state: 'maintenance', turnaroundS: 120, availableAt: null });
    const r = await create(t, officer);
    expect(r.plan?.droneId).toBe('md-2');
    const bad = await t.as(admin, { method: 'PATCH', url: '/api/drones/md-2', payload: { turnaroundS: -5 } });
    expect(bad.statusCode).toBe(400);
    const list = (await t.as(pilot, { method: 'GET', url: '/api/drones' })).json().drones;
    expect(list.find((d: { id: string }) => d.id === 'md-2')).toMatchObject({ state: 'available', turnaroundS: 600, link: { up: null } });
  });
});
