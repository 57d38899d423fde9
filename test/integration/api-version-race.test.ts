/**
 * One approved version (issue 14): an officer's edit, the pilot's approval, the officer's cancel and
 * an abort fired at the same moment, through the HTTP API, in random orders, many times. After each
 * round the stored outcome must be one of: the approval was for the request's current version and
 * the one flight flies that plan; or it got 409 with a reason and nothing flew. Never a flight whose
 * mission was planned for another version than the one the request had at approval. The audit log
 * tells the same story as the tables.
 *
 * No flight starter here (approved flights are recorded, not flown): the emulator variant is in
 * service-version-race.test.ts.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { VERSION_CONFLICTS } from '../../src/domain/words.js';
import type { AuditRecord } from '../../src/store/records.js';
import { seededRandom } from '../support/random.js';
import { CHECKLIST, GATE, makeTestApp, newKey, requestBody, type Session, type TestApp } from './api-support.js';

let t: TestApp | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

const ROUNDS = 50;

type Op = 'approve' | 'approve-again' | 'edit' | 'cancel' | 'abort';

interface Fired {
  op: Op;
  res: LightMyRequestResponse;
}

const ticks = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r));
};

function auditFor(all: AuditRecord[], requestId: number, missionIds: Set<number>, flightIds: Set<number>): AuditRecord[] {
  return all.filter(
    (a) =>
      (a.subjectType === 'request' && Number(a.subjectId) === requestId) ||
      (a.subjectType === 'mission' && missionIds.has(Number(a.subjectId))) ||
      (a.subjectType === 'flight' && flightIds.has(Number(a.subjectId))),
  );
}

/** A 409 on approve/edit/cancel carries a known reason, its params, and (for versions) both numbers. */
function expectReasoned409(f: Fired, where: string): string {
  expect(f.res.statusCode, `${where}: ${f.op} → ${f.res.body}`).toBe(409);
  const err = f.res.json().error as { code: string; message: string; reason?: string; params?: Record<string, unknown> };
  expect(err.code).toBe('conflict');
  if (f.op === 'abort') return 'abort';
  expect(VERSION_CONFLICTS as readonly string[], `${where}: ${f.op} reason ${err.reason} (${err.message})`).toContain(err.reason);
  expect(err.params, `${where}: ${f.op} params`).toBeTypeOf('object');
  if (err.reason === 'request-edited') {
    expect(err.message).toMatch(/you reviewed version \d+, it is now version \d+/);
    expect(err.params).toMatchObject({ reviewedVersion: expect.any(Number), currentVersion: expect.any(Number) });
  }
  if (err.reason === 'mission-superseded') {
    expect(err.message).toMatch(/planned for version \d+ of drop request \d+ .*at version \d+/);
    expect(err.params).toMatchObject({ missionVersion: expect.any(Number), currentVersion: expect.any(Number) });
  }
  return err.reason!;
}

async function round(t: TestApp, officer: Session, pilot: Session, rnd: () => number, i: number): Promise<Record<string, number>> {
  const { repos } = t.parts;
  const where = `round ${i}`;
  // a request, planned and reviewed: the pilot's page holds mission id and request version
  const created = await t.as(officer, {
    method: 'POST',
    url: '/api/requests',
    payload: requestBody({ weightKg: 0.2 + Math.round(rnd() * 5) / 10 }),
    headers: { 'idempotency-key': newKey() },
  });
  expect(created.statusCode, created.body).toBe(201);
  const request = created.json() as { id: number; missionId: number; version: number; status: string };
  expect(request.status).toBe('awaiting-approval');
  const review = (await t.as(pilot, { method: 'GET', url: `/api/missions/${request.missionId}` })).json();
  expect(review.requestVersion).toBe(request.version);
  const reviewed = { missionId: request.missionId as number, version: review.requestVersion as number };
  const nextFlightId = (repos.flights.list().at(-1)?.id ?? 0) + 1;

  // the edit always changes what is planned: a new drop point (named, or as coordinates) and weight
  const newDrop = rnd() < 0.5 ? { lat: GATE[1] + 0.0002, lon: GATE[0] + 0.0001 } : { name: 'Sunrise Compound Gate' };
  const editBody = { dropPoint: newDrop, weightKg: 0.9 + Math.round(rnd() * 4) / 10 };
  const fire: Record<Op, () => Promise<LightMyRequestResponse>> = {
    approve: () =>
      t.as(pilot, {
        method: 'POST',
        url: `/api/missions/${reviewed.missionId}/approve`,
        payload: { checklist: CHECKLIST, requestVersion: reviewed.version },
      }),
    // a second click, or an old client that does not send the version
    'approve-again': () =>
      t.as(pilot, {
        method: 'POST',
        url: `/api/missions/${reviewed.missionId}/approve`,
        payload: rnd() < 0.5 ? { checklist: CHECKLIST } : { checklist: CHECKLIST, requestVersion: reviewed.version },
      }),
    edit: () => t.as(officer, { method: 'PATCH', url: `/api/requests/${request.id}`, payload: editBody }),
    cancel: () => t.as(officer, { method: 'DELETE', url: `/api/requests/${request.id}`, payload: { reason: 'family collected it' } }),
    abort: () => t.as(pilot, { method: 'POST', url: `/api/flights/${nextFlightId}/abort`, payload: { reason: 'bird strike risk' } }),
  };
  const ops: Op[] = ['approve', 'edit'];
  if (rnd() < 0.4) ops.push('cancel');
  if (rnd() < 0.4) ops.push('abort');
  if (rnd() < 0.3) ops.push('approve-again');
  // random order, each after a random number of event-loop turns: the requests interleave differently every round
  const order = ops.map((op) => ({ op, key: rnd() })).sort((a, b) => a.key - b.key);
  const fired: Fired[] = await Promise.all(
    order.map(async ({ op }) => {
      await ticks(Math.floor(rnd() * 4));
      return { op, res: await fire[op]() };
    }),
  );
  const ok = (op: Op) => fired.filter((f) => f.op === op && f.res.statusCode === 200);
  const approvals = [...ok('approve'), ...ok('approve-again')];
  const edited = ok('edit').length === 1;
  const cancelled = ok('cancel').length === 1;
  const reasons: string[] = [];
  for (const f of fired) if (f.res.statusCode !== 200) reasons.push(expectReasonedOrAbsent(f, where));

  const now = repos.requests.byId(request.id)!;
  const missions = repos.missions.list().filter((m) => m.requestId === request.id);
  const flights = repos.flights.list().filter((f) => f.requestId === request.id);
  const audit = auditFor(repos.audit.list({ limit: 10_000 }), request.id, new Set(missions.map((m) => m.id)), new Set(flights.map((f) => f.id))).reverse();
  const actions = (a: string) => audit.filter((e) => e.action === a);

  // exactly one approval at most, and a flight exactly when it went through
  expect(approvals.length, `${where}: approvals`).toBeLessThanOrEqual(1);
  expect(flights.length, `${where}: flights`).toBe(approvals.length);
  expect(actions('mission.approve'), `${where}: audited approvals`).toHaveLength(approvals.length);
  expect(actions('request.update'), `${where}: audited edits`).toHaveLength(edited ? 1 : 0);
  expect(actions('request.cancel'), `${where}: audited cancels`).toHaveLength(cancelled ? 1 : 0);
  // every stored mission was planned for a version the request had; at most one is open, for the current version
  for (const m of missions) expect(m.requestVersion).toBeLessThanOrEqual(now.version);
  const open = missions.filter((m) => m.status === 'awaiting-approval' || m.status === 'infeasible');
  expect(open.length, `${where}: open missions`).toBeLessThanOrEqual(1);
  for (const m of open) {
    expect(m.requestVersion, `${where}: the open mission is for the current version`).toBe(now.version);
    expect(now.missionId).toBe(m.id);
  }

  if (approvals.length === 1) {
    // the approval was for the current version; the flight flies the plan the pilot reviewed
    const [flight] = flights;
    const mission = repos.missions.byId(flight!.missionId)!;
    expect(flight!.missionId).toBe(reviewed.missionId);
    expect(mission.status).toBe('approved');
    expect(mission.requestVersion).toBe(reviewed.version);
    expect(now.version, `${where}: the request was not edited after the approval`).toBe(mission.requestVersion);
    expect(now.status).toBe('in-flight');
    expect(repos.missions.approval(mission.id)).toMatchObject({ decision: 'approved', requestVersion: mission.requestVersion });
    expect(actions('mission.approve')[0]!.details).toMatchObject({ flightId: flight!.id, requestVersion: mission.requestVersion });
    expect(edited || cancelled, `${where}: an edit or a cancel went through beside the approval`).toBe(false);
    // every edit stored before the approval was of an older version
    const approveAt = audit.indexOf(actions('mission.approve')[0]!);
    for (const e of actions('request.update')) expect(audit.indexOf(e)).toBeLessThan(approveAt);
    // the approval came first: the edit and the cancel were refused as not editable
    for (const f of fired.filter((x) => x.op === 'edit' || x.op === 'cancel')) expect(f.res.json().error.reason).toBe('request-not-editable');
  } else {
    // 409 for every approval, and nothing flew
    expect(missions.some((m) => m.status === 'approved')).toBe(false);
    expect(edited || cancelled, `${where}: the approval lost to an edit or a cancel`).toBe(true);
    expect(repos.missions.approval(reviewed.missionId)).toBeNull();
    expect(repos.missions.byId(reviewed.missionId)!.status).toBe('superseded');
    if (edited) {
      const upd = actions('request.update')[0]!;
      expect(upd.details).toMatchObject({ version: reviewed.version + 1, previousVersion: reviewed.version, supersededMissionId: reviewed.missionId });
      expect(now.version).toBe(reviewed.version + 1);
    } else {
      expect(now.version).toBe(reviewed.version);
    }
    if (cancelled) {
      expect(now.status).toBe('cancelled');
      expect(open).toHaveLength(0);
    } else {
      // edited, not cancelled: planned again for the new version and waiting for a pilot
      expect(now.status).toBe('awaiting-approval');
      expect(open).toHaveLength(1);
      expect(open[0]!.id).not.toBe(reviewed.missionId);
    }
  }
  if (approvals.length === 1) {
    // the drone lands (set-up for the next round: nothing flies without a starter)
    repos.flights.transition(flights[0]!.id, 'completed', 'test: the drone landed');
  }
  const tally: Record<string, number> = { [approvals.length === 1 ? 'approved' : 'refused']: 1 };
  for (const r of reasons) tally[r] = (tally[r] ?? 0) + 1;
  return tally;
}

/** A refused call: a 409 with a reason (approve/edit/cancel), or an abort of a flight that does not exist (404) or is not connected (409). */
function expectReasonedOrAbsent(f: Fired, where: string): string {
  if (f.op === 'abort') {
    expect([404, 409], `${where}: abort → ${f.res.body}`).toContain(f.res.statusCode);
    return `abort-${f.res.statusCode}`;
  }
  return expectReasoned409(f, where);
}

describe('one approved version: edit, approve, cancel and abort at the same moment', () => {
  it(`${ROUNDS} rounds in random orders: the approval is for the current version and flies that plan, or it is 409 and nothing flew`, async () => {
    t = await makeTestApp();
    const [officer, pilot] = await Promise.all([t.login('officer.li'), t.login('pilot.zhao')]);
    const rnd = seededRandom(14_014);
    const seen: Record<string, number> = {};
    for (let i = 0; i < ROUNDS; i++) {
      for (const [k, v] of Object.entries(await round(t, officer, pilot, rnd, i))) seen[k] = (seen[k] ?? 0) + v;
    }
    // eslint-disable-next-line no-console
    console.log(`outcomes over ${ROUNDS} rounds: ${JSON.stringify(seen)}`);
    // both sides of the race were exercised
    expect(seen.approved ?? 0).toBeGreaterThan(0);
    expect(seen.refused ?? 0).toBeGreaterThan(0);
  }, 180_000);

  it('a stale approval says why: edited (naming both versions), superseded, cancelled, already approved', async () => {
    t = await makeTestApp();
    const [officer, pilot] = await Promise.all([t.login('officer.li'), t.login('pilot.zhao')]);
    const post = async () =>
      (await t!.as(officer, { method: 'POST', url: '/api/requests', payload: requestBody(), headers: { 'idempotency-key': newKey() } })).json();
    const approve = (missionId: number, body: Record<string, unknown>) =>
      t!.as(pilot, { method: 'POST', url: `/api/missions/${missionId}/approve`, payload: { checklist: CHECKLIST, ...body } });

    const r = await post();
    expect(r.version).toBe(1);
    const edit = await t.as(officer, { method: 'PATCH', url: `/api/requests/${r.id}`, payload: { weightKg: 1.1 } });
    expect(edit.statusCode, edit.body).toBe(200);
    const v2 = edit.json();
    expect(v2).toMatchObject({ version: 2, status: 'awaiting-approval' });
    expect(v2.missionId).not.toBe(r.missionId);

    // the old plan: superseded, naming both versions
    const old = await approve(r.missionId, { requestVersion: 1 });
    expect(old.statusCode).toBe(409);
    expect(old.json().error).toMatchObject({ code: 'conflict', reason: 'request-edited', params: { reviewedVersion: 1, currentVersion: 2 } });
    expect(old.json().error.message).toContain('you reviewed version 1, it is now version 2');
    const oldNoVersion = await approve(r.missionId, {});
    expect(oldNoVersion.json().error).toMatchObject({
      reason: 'mission-superseded',
      params: { missionId: r.missionId, missionVersion: 1, currentVersion: 2, currentMissionId: v2.missionId },
    });
    expect(oldNoVersion.json().error.message).toContain(`mission ${r.missionId} was planned for version 1 of drop request ${r.id}`);
    // the new plan with the version the pilot did not review: refused as well
    const newWithOld = await approve(v2.missionId, { requestVersion: 1 });
    expect(newWithOld.json().error).toMatchObject({ reason: 'request-edited', params: { reviewedVersion: 1, currentVersion: 2 } });
    // an edit that changes nothing keeps the version and the plan
    const same = await t.as(officer, { method: 'PATCH', url: `/api/requests/${r.id}`, payload: { weightKg: 1.1 } });
    expect(same.json()).toMatchObject({ version: 2, missionId: v2.missionId });
    // the current plan with the current version goes through, once
    const good = await approve(v2.missionId, { requestVersion: 2 });
    expect(good.statusCode, good.body).toBe(200);
    expect(good.json().mission).toMatchObject({ id: v2.missionId, requestVersion: 2 });
    const again = await approve(v2.missionId, { requestVersion: 2 });
    expect(again.json().error).toMatchObject({ reason: 'already-approved', params: { missionId: v2.missionId, flightId: good.json().flight.id } });
    // in flight: edits and cancels are refused with a reason
    const late = await t.as(officer, { method: 'PATCH', url: `/api/requests/${r.id}`, payload: { weightKg: 0.4 } });
    expect(late.statusCode).toBe(409);
    expect(late.json().error).toMatchObject({ reason: 'request-not-editable', params: { requestId: r.id, status: 'in-flight' } });
    const detail = (await t.as(pilot, { method: 'GET', url: `/api/missions/${v2.missionId}` })).json();
    expect(detail.approval).toMatchObject({ requestVersion: 2 });
    t.parts.repos.flights.transition(good.json().flight.id, 'completed', 'test: the drone landed');

    // cancelled before the approval
    const c = await post();
    expect((await t.as(officer, { method: 'DELETE', url: `/api/requests/${c.id}`, payload: {} })).statusCode).toBe(200);
    const afterCancel = await approve(c.missionId, { requestVersion: 1 });
    expect(afterCancel.statusCode).toBe(409);
    expect(afterCancel.json().error).toMatchObject({ reason: 'request-cancelled', params: { requestId: c.id } });
    expect(t.parts.repos.flights.list().filter((f) => f.requestId === c.id)).toEqual([]);
  });
});
