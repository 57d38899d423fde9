import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTestApp, newKey, requestBody, type Session, type TestApp } from './api-support.js';
import { openStream as openSse, type SseStream } from './sse-client.js';

let t: TestApp | null = null;
const streams: SseStream[] = [];
afterEach(async () => {
  for (const st of streams.splice(0)) st.close();
  await t?.close();
  t = null;
});

/** The stream, closed after the test. */
async function openStream(port: number, path: string, s: Session | null): Promise<SseStream> {
  const stream = await openSse(port, path, s ? s.cookie : null);
  streams.push(stream);
  return stream;
}

describe('server-sent events', () => {
  it('/api/events: officers get their own requests only; pilots get missions too; no session → 401', async () => {
    t = await makeTestApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (t.app.server.address() as AddressInfo).port;
    const [li, wu, pilot] = await Promise.all([t.login('officer.li'), t.login('officer.wu'), t.login('pilot.zhao')]);
    const anon = await openStream(port, '/api/events', null);
    expect(anon.status).toBe(401);
    const liStream = await openStream(port, '/api/events', li);
    const wuStream = await openStream(port, '/api/events', wu);
    const pilotStream = await openStream(port, '/api/events', pilot);
    expect(liStream.status).toBe(200);
    const created = (
      await t.as(li, { method: 'POST', url: '/api/requests', payload: requestBody({ urgency: 'critical' }), headers: { 'idempotency-key': newKey() } })
    ).json();
    const mine = await liStream.next((e) => e.event === 'request' && e.data.id === created.id && e.data.status === 'awaiting-approval');
    expect(mine.data.handoverCode).toBe(created.handoverCode);
    const forPilot = await pilotStream.next((e) => e.event === 'mission' && e.data.requestId === created.id);
    expect(forPilot.data).toMatchObject({ status: 'awaiting-approval', urgency: 'critical' });
    await pilotStream.next((e) => e.event === 'request' && e.data.id === created.id);
    // officer Wu sees nothing of it
    await new Promise((r) => setTimeout(r, 200));
    expect(wuStream.events.filter((e) => e.event === 'request' || e.event === 'mission')).toEqual([]);
    expect(liStream.events.some((e) => e.event === 'mission')).toBe(false);
  });

  it('/api/flights/:id/events starts with a snapshot; unknown flight 404', async () => {
    t = await makeTestApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (t.app.server.address() as AddressInfo).port;
    const [li, pilot] = await Promise.all([t.login('officer.li'), t.login('pilot.zhao')]);
    const r = (await t.as(li, { method: 'POST', url: '/api/requests', payload: requestBody(), headers: { 'idempotency-key': newKey() } })).json();
    const approve = await t.as(pilot, {
      method: 'POST',
      url: `/api/missions/${r.missionId}/approve`,
      payload: { checklist: ['airspace', 'weather', 'battery', 'payload', 'drop-zone', 'propellers'] },
    });
    const flightId = approve.json().flight.id;
    const s = await openStream(port, `/api/flights/${flightId}/events`, li);
    const first = await s.next(() => true);
    expect(first.event).toBe('snapshot');
    expect(first.data).toMatchObject({ id: flightId, state: 'approved', requestId: r.id });
    expect((await openStream(port, '/api/flights/999/events', pilot)).status).toBe(404);
    expect((await openStream(port, `/api/flights/${flightId}/events`, null)).status).toBe(401);
  });
});
