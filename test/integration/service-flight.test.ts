/**
 * The service end to end on the emulator, in one process: a pilot approves a planned request, the
 * fleet runner uploads, arms and flies it on an emulated ArduCopter, the request becomes delivered,
 * the flight completes, the track and transitions are stored, and the recipient confirms with the
 * hand-over code. Prints the time from approval to airborne. Runs on SQLite and on PostgreSQL.
 */
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../sim/emulator/index.js';
import { CHECKLIST, DEPOT, makeTestApp, newKey, requestBody, type TestApp } from './api-support.js';
import { openStream } from './sse-client.js';
import { describeOnEngines } from '../support/store-engines.js';

let t: TestApp | null = null;
let emu: Emulator | null = null;
afterEach(async () => {
  await t?.close();
  await emu?.stop();
  t = null;
  emu = null;
});

async function waitFor<T>(what: string, fn: () => T | undefined | null | false, timeoutMs = 45_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// the same flow on SQLite and on PostgreSQL (issue 13: the delivery suite passes on PostgreSQL too)
describeOnEngines('store', (engine) => {
  describe('service on the emulator', () => {
    it('approval → upload, arm, fly → delivered → completed; hand-over code confirms; approval-to-airborne measured', async () => {
      emu = await startEmulator({ vehicles: [{ sysid: 7, home: { lat: DEPOT[1], lon: DEPOT[0], altM: 0 } }], speedup: 20, readyAfterS: 2 });
      t = await makeTestApp({ starter: 'fleet', db: engine.location() });
      const { repos } = t.parts;
      repos.drones.update('md-1', { connectionUrl: `tcp://127.0.0.1:${emu.vehicles[0]!.tcpPort}`, sysid: 7 });
      const [officer, pilot] = await Promise.all([t.login('officer.li'), t.login('pilot.zhao')]);

      const created = await t.as(officer, {
        method: 'POST',
        url: '/api/requests',
        payload: requestBody({ urgency: 'critical' }),
        headers: { 'idempotency-key': newKey() },
      });
      expect(created.statusCode, created.body).toBe(201);
      const request = created.json();
      expect(request.status).toBe('awaiting-approval');

      const queue = (await t.as(pilot, { method: 'GET', url: '/api/missions?status=awaiting-approval' })).json().missions;
      expect(queue.map((m: { requestId: number }) => m.requestId)).toEqual([request.id]);

      const approvedAt = Date.now();
      const approve = await t.as(pilot, { method: 'POST', url: `/api/missions/${request.missionId}/approve`, payload: { checklist: CHECKLIST } });
      expect(approve.statusCode, approve.body).toBe(200);
      const flightId: number = approve.json().flight.id;

      // follow it live like the tracking page does (server-sent events)
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      const port = (t.app.server.address() as AddressInfo).port;
      const sse = await openStream(port, `/api/flights/${flightId}/events`, officer.cookie);
      const streamed = sse.events;

      const airborne = await waitFor('airborne', () => {
        const f = repos.flights.byId(flightId)!;
        if (f.state === 'failed') throw new Error(`flight failed: ${f.stateReason}`);
        return ['en-route', 'delivering', 'returning', 'landed', 'completed'].includes(f.state) ? Date.now() : null;
      });
      const approvalToAirborneMs = airborne - approvedAt;
      // eslint-disable-next-line no-console
      console.log(`approval → airborne on the emulator (speed-up 20×, ready after 2 sim-s): ${approvalToAirborneMs} ms wall`);

      const live = await t.as(officer, { method: 'GET', url: `/api/flights/${flightId}` });
      expect(live.statusCode).toBe(200);
      expect(live.json().plannedRoute.length).toBeGreaterThan(1);

      await waitFor('delivered', () => repos.requests.byId(request.id)!.status === 'delivered', 90_000);
      const done = await waitFor(
        'completed',
        () => {
          const f = repos.flights.byId(flightId)!;
          if (f.state === 'failed' || f.state === 'aborted') throw new Error(`flight ${f.state}: ${f.stateReason}`);
          return f.state === 'completed' ? f : null;
        },
        90_000,
      );
      expect(done.endedAt).not.toBeNull();
      // The database is ahead of the stream on a loaded machine: read the stream to its end first.
      await waitFor('the stream to report completion', () => (streamed.some((e) => e.event === 'state' && e.data.to === 'completed') ? true : null), 30_000);

      sse.close();
      const kinds = new Set(streamed.map((e) => e.event));
      for (const k of ['snapshot', 'state', 'position', 'battery', 'mode', 'delivery']) expect(kinds, `SSE events seen: ${[...kinds].join(', ')}`).toContain(k);
      expect(streamed[0]!.event).toBe('snapshot');
      const fractions = streamed.filter((e) => e.event === 'position').map((e) => e.data.routeFraction as number);
      expect(Math.max(...fractions)).toBeGreaterThan(0.9);
      expect(streamed.filter((e) => e.event === 'state').map((e) => e.data.to)).toEqual(
        expect.arrayContaining(['delivering', 'returning', 'landed', 'completed']),
      );

      const states = repos.flights.transitions(flightId).map((x) => x.to);
      for (const s of ['approved', 'uploading', 'uploaded', 'arming', 'en-route', 'delivering', 'returning', 'landed', 'completed'])
        expect(states).toContain(s);
      const view = (await t.as(officer, { method: 'GET', url: `/api/requests/${request.id}` })).json();
      expect(view.status).toBe('delivered');
      expect(view.delivery.distanceM).toBeLessThan(5);
      const track = (await t.as(pilot, { method: 'GET', url: `/api/flights/${flightId}/track` })).json();
      expect(track.points.length).toBeGreaterThan(5);

      // the recipient confirms with the code the officer was shown
      const wrong = await t.app.inject({
        method: 'POST',
        url: '/api/handover',
        payload: { requestId: request.id, code: view.handoverCode === '000000' ? '111111' : '000000' },
      });
      expect(wrong.statusCode).toBe(400);
      const ok = await t.app.inject({ method: 'POST', url: '/api/handover', payload: { requestId: request.id, code: view.handoverCode } });
      expect(ok.statusCode, ok.body).toBe(200);
      const after = (await t.as(officer, { method: 'GET', url: `/api/requests/${request.id}` })).json();
      expect(after.delivery.confirmedAt).not.toBeNull();
      const actions = repos.audit.list({ limit: 50 }).map((a) => a.action);
      expect(actions).toEqual(expect.arrayContaining(['request.create', 'mission.approve', 'request.delivered', 'handover.confirm']));
    }, 120_000);

    it('after an abort the flight is going home: pause and resume are refused (409) and the vehicle is not braked', async () => {
      emu = await startEmulator({ vehicles: [{ sysid: 7, home: { lat: DEPOT[1], lon: DEPOT[0], altM: 0 } }], speedup: 20, readyAfterS: 2 });
      t = await makeTestApp({ starter: 'fleet', db: engine.location() });
      const { repos } = t.parts;
      repos.drones.update('md-1', { connectionUrl: `tcp://127.0.0.1:${emu.vehicles[0]!.tcpPort}`, sysid: 7 });
      const [officer, pilot] = await Promise.all([t.login('officer.li'), t.login('pilot.zhao')]);
      const request = (await t.as(officer, { method: 'POST', url: '/api/requests', payload: requestBody(), headers: { 'idempotency-key': newKey() } })).json();
      const approve = await t.as(pilot, { method: 'POST', url: `/api/missions/${request.missionId}/approve`, payload: { checklist: CHECKLIST } });
      expect(approve.statusCode, approve.body).toBe(200);
      const flightId: number = approve.json().flight.id;
      await waitFor('airborne', () => {
        const f = repos.flights.byId(flightId)!;
        if (f.state === 'failed') throw new Error(`flight failed: ${f.stateReason}`);
        return ['en-route', 'delivering'].includes(f.state);
      });
      const aborted = await t.as(pilot, { method: 'POST', url: `/api/flights/${flightId}/abort`, payload: { reason: 'helicopter inbound' } });
      expect(aborted.statusCode, aborted.body).toBe(200);
      for (const action of ['pause', 'resume']) {
        const res = await t.as(pilot, { method: 'POST', url: `/api/flights/${flightId}/${action}`, payload: {} });
        expect(res.statusCode, res.body).toBe(409);
        expect(res.json().error.code).toBe('conflict');
        expect(res.json().error.message).toContain(`flight ${flightId} was aborted by pilot.zhao and is returning home`);
      }
      const actions = repos.audit.list({ limit: 50 }).map((a) => a.action);
      expect(actions).toContain('flight.abort');
      expect(actions).not.toContain('flight.pause');
      expect(t.parts.flights.liveState(repos.flights.byId(flightId)!)?.paused ?? null).toBeNull();
    });
  });
});
