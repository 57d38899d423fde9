/**
 * Declaring a flight lost and confirming its drone recovered, through the API (no vehicle: the
 * flight is recorded, never connected, so its link is down): who may, what is checked, what is
 * audited, and that the drone is neither planned on nor approved until it is recovered.
 */
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
  return res.json() as { id: number; missionId: number; status: string; reasons: { code: string }[] };
}

describe('declare lost / recovered', () => {
  it('a lost flight frees its request, keeps its drone out of planning and approval until a pilot confirms it recovered; all audited', async () => {
    const r1 = await queue({ recipient: 'First' });
    const ap = await t.as(pilot, { method: 'POST', url: `/api/missions/${r1.missionId}/approve`, payload: { checklist: CHECKLIST } });
    expect(ap.statusCode, ap.body).toBe(200);
    const flightId = ap.json().flight.id as number;
    const r2 = await queue({ recipient: 'Second' }); // planned on the same (busy) drone, awaiting approval
    expect(r2.status).toBe('awaiting-approval');

    const url = `/api/flights/${flightId}/declare-lost`;
    expect((await t.as(officer, { method: 'POST', url, payload: { reason: 'not mine to say' } })).statusCode).toBe(403);
    expect((await t.as(admin, { method: 'POST', url, payload: { reason: 'admins do not fly' } })).statusCode).toBe(403);
    for (const payload of [{}, { reason: '' }, { reason: '  \t ' }, { reason: 'ok reason', extra: 1 }, { reason: 'x'.repeat(501) }]) {
      const bad = await t.as(pilot, { method: 'POST', url, payload });
      expect(bad.statusCode, JSON.stringify(payload)).toBe(400);
      expect(bad.json().error.code).toBe('bad-request');
    }
    expect(t.parts.repos.flights.byId(flightId)!.state).toBe('approved');
    expect((await t.as(pilot, { method: 'POST', url: '/api/flights/9999/declare-lost', payload: { reason: 'no such flight' } })).statusCode).toBe(404);

    const lost = await t.as(pilot, { method: 'POST', url, payload: { reason: 'never heard after approval', lastKnownLocation: 'depot pad 1' } });
    expect(lost.statusCode, lost.body).toBe(200);
    expect(lost.json()).toMatchObject({ state: 'lost', stateReason: 'declared lost by pilot.zhao: never heard after approval' });
    expect(lost.json().endedAt).not.toBeNull();
    expect(lost.json().alerts.some((a: { kind: string }) => a.kind === 'declared-lost')).toBe(true);
    const again = await t.as(pilot, { method: 'POST', url, payload: { reason: 'twice' } });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.message).toMatch(/lost; only an unfinished flight/);
    // abort on a finished flight: 409 as before
    expect((await t.as(pilot, { method: 'POST', url: `/api/flights/${flightId}/abort`, payload: {} })).statusCode).toBe(409);

    // the request is back in the queue, but its only drone is lost: unservable, saying why
    const back = (await t.as(officer, { method: 'GET', url: `/api/requests/${r1.id}` })).json();
    expect(back.status).toBe('unservable');
    expect(back.reasons.map((r: { code: string }) => r.code)).toContain('drone-lost');
    // a new request: same
    const r3 = await queue({ recipient: 'Third' });
    expect(r3.status).toBe('unservable');
    expect(r3.reasons.map((r) => r.code)).toContain('drone-lost');
    // a mission planned on the drone before it was lost cannot be approved
    const refused = await t.as(pilot, { method: 'POST', url: `/api/missions/${r2.missionId}/approve`, payload: { checklist: CHECKLIST } });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.message).toMatch(/declared lost on flight/);
    const drones = (await t.as(pilot, { method: 'GET', url: '/api/drones' })).json().drones as { id: string; status: string }[];
    expect(drones.find((d) => d.id === 'md-1')!.status).toBe('lost');

    // recovery: pilot or admin, with a note
    const rurl = '/api/drones/md-1/recovered';
    expect((await t.as(officer, { method: 'POST', url: rurl, payload: { note: 'found it' } })).statusCode).toBe(403);
    expect((await t.as(pilot, { method: 'POST', url: rurl, payload: { note: ' ' } })).statusCode).toBe(400);
    expect((await t.as(pilot, { method: 'POST', url: '/api/drones/nope/recovered', payload: { note: 'found it' } })).statusCode).toBe(404);
    const ok = await t.as(pilot, { method: 'POST', url: rurl, payload: { note: 'on the depot roof, props intact' } });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ flights: [flightId], drone: { id: 'md-1', status: 'idle' } });
    expect((await t.as(admin, { method: 'POST', url: rurl, payload: { note: 'again' } })).statusCode).toBe(409);
    // open requests are planned again on it
    for (const id of [r1.id, r3.id]) expect((await t.as(officer, { method: 'GET', url: `/api/requests/${id}` })).json().status).toBe('awaiting-approval');

    const audit = (await t.as(admin, { method: 'GET', url: '/api/audit?limit=100' })).json().entries as Record<string, any>[];
    expect(audit.find((e) => e.action === 'flight.declare-lost')).toMatchObject({
      actor: { username: 'pilot.zhao' },
      subject: { type: 'flight', id: String(flightId) },
      reason: 'never heard after approval',
      details: { droneId: 'md-1', requestId: r1.id, lastKnownLocation: 'depot pad 1', stateBefore: 'approved' },
    });
    expect(audit.filter((e) => e.action === 'flight.declare-lost')).toHaveLength(1);
    expect(audit.find((e) => e.action === 'drone.recovered')).toMatchObject({
      actor: { username: 'pilot.zhao' },
      subject: { type: 'drone', id: 'md-1' },
      reason: 'on the depot roof, props intact',
      details: { flights: [flightId] },
    });
    expect(audit.some((e) => e.action === 'request.requeue' && e.subject.id === String(r1.id))).toBe(true);
  });
});
