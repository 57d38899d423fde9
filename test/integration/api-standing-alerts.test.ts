/**
 * The alerts that still stand on each flight (FlightView.activeAlerts), for the pilot page's flight
 * cards: in the summary form the page reads (GET /api/flights?active=true and the 'flight' event
 * of /api/events), pushed when the fleet's store records an alert (FleetStarter's SqliteFlightStore,
 * the path the tracker's alerts take), gone once the alert that ends it is recorded.
 */
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { alert, cleared } from '../../src/fleet/alerts.js';
import { FleetStarter } from '../../src/dispatch/fleet-starter.js';
import { CHECKLIST, makeTestApp, newKey, requestBody, type TestApp } from './api-support.js';
import { openStream, type SseStream } from './sse-client.js';

let t: TestApp | null = null;
let starter: FleetStarter | null = null;
const streams: SseStream[] = [];
afterEach(async () => {
  for (const st of streams.splice(0)) st.close();
  await starter?.close();
  starter = null;
  await t?.close();
  t = null;
});

describe('standing alerts on the flight summary', () => {
  it('an alert recorded by the fleet is pushed to /api/events with the flight; its end takes it away', async () => {
    t = await makeTestApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (t.app.server.address() as AddressInfo).port;
    const [li, pilot] = await Promise.all([t.login('officer.li'), t.login('pilot.zhao')]);
    const r = (await t.as(li, { method: 'POST', url: '/api/requests', payload: requestBody(), headers: { 'idempotency-key': newKey() } })).json();
    const flightId = (await t.as(pilot, { method: 'POST', url: `/api/missions/${r.missionId}/approve`, payload: { checklist: CHECKLIST } })).json().flight.id;
    const list = async () => (await t!.as(pilot, { method: 'GET', url: '/api/flights?active=true' })).json().flights[0];
    expect((await list()).activeAlerts).toEqual([]);

    const stream = await openStream(port, '/api/events', pilot.cookie);
    streams.push(stream);
    starter = new FleetStarter(t.parts.repos, t.parts.bus);
    const store = starter.store;
    const t0 = Date.parse('2026-12-03T08:00:00Z');
    store.saveAlert(String(flightId), alert('off-route', 'warning', t0, 'Off the planned route by 45 m (limit 30 m)', { offRouteM: 45, limitM: 30 }));
    const pushed = await stream.next((e) => e.event === 'flight' && e.data.id === flightId && e.data.activeAlerts.length === 1);
    expect(pushed.data.activeAlerts[0]).toMatchObject({ kind: 'off-route', code: 'off-route', severity: 'warning', params: { offRouteM: 45, limitM: 30 } });
    // the summary keeps no history, only what stands
    expect(pushed.data.alerts).toEqual([]);

    store.saveAlert(String(flightId), alert('failsafe', 'critical', t0 + 1000, "Failsafe: 'Battery Failsafe'", { what: 'battery', text: 'Battery Failsafe' }));
    await stream.next((e) => e.event === 'flight' && e.data.id === flightId && e.data.activeAlerts.length === 2);
    store.saveAlert(String(flightId), cleared('off-route', 'back-on-route', t0 + 2000, 'Back on the planned route (9 m off)', { offRouteM: 9 }));
    // (the stream keeps what came before: the event wanted is the one without the off-route alert)
    const after = await stream.next(
      (e) => e.event === 'flight' && e.data.id === flightId && !e.data.activeAlerts.some((a: { code: string }) => a.code === 'off-route'),
    );
    expect(after.data.activeAlerts.map((a: { code: string }) => a.code)).toEqual(['failsafe']);
    expect((await list()).activeAlerts.map((a: { code: string }) => a.code)).toEqual(['failsafe']);
    // the whole view still has every alert, the end of one included
    const full = (await t.as(pilot, { method: 'GET', url: `/api/flights/${flightId}` })).json();
    expect(full.alerts.map((a: { code: string }) => a.code)).toEqual(['off-route', 'failsafe', 'back-on-route']);
    expect(full.activeAlerts.map((a: { code: string }) => a.code)).toEqual(['failsafe']);
  });
});
