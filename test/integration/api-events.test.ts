import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTestApp, newKey, requestBody, type Session, type TestApp } from './api-support.js';

let t: TestApp | null = null;
const requests: http.ClientRequest[] = [];
afterEach(async () => {
  for (const r of requests.splice(0)) r.destroy();
  await t?.close();
  t = null;
});

interface Sse {
  status: number;
  events: { event: string; data: any }[];
  next(pred: (e: { event: string; data: any }) => boolean, timeoutMs?: number): Promise<{ event: string; data: any }>;
}

function openStream(port: number, path: string, s: Session | null): Promise<Sse> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers: s ? { cookie: s.cookie } : {} }, (res) => {
      const events: { event: string; data: any }[] = [];
      const waiters: { pred: (e: { event: string; data: any }) => boolean; resolve: (e: { event: string; data: any }) => void }[] = [];
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const ev = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (!ev || data === undefined) continue;
          const e = { event: ev, data: JSON.parse(data) };
          events.push(e);
          for (const w of [...waiters]) if (w.pred(e)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(e);
          }
        }
      });
      resolve({
        status: res.statusCode ?? 0,
        events,
        next(pred, timeoutMs = 5000) {
          const found = events.find(pred);
          if (found) return Promise.resolve(found);
          return new Promise((res2, rej2) => {
            const timer = setTimeout(() => rej2(new Error('no such event')), timeoutMs);
            waiters.push({ pred, resolve: (e) => (clearTimeout(timer), res2(e)) });
          });
        },
      });
    });
    req.on('error', reject);
    requests.push(req);
  });
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
    const created = (await t.as(li, { method: 'POST', url: '/api/requests', payload: requestBody({ urgency: 'critical' }), headers: { 'idempotency-key': newKey() } })).json();
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
    const approve = await t.as(pilot, { method: 'POST', url: `/api/missions/${r.missionId}/approve`, payload: { checklist: ['airspace', 'weather', 'battery', 'payload', 'drop-zone', 'propellers'] } });
    const flightId = approve.json().flight.id;
    const s = await openStream(port, `/api/flights/${flightId}/events`, li);
    const first = await s.next(() => true);
    expect(first.event).toBe('snapshot');
    expect(first.data).toMatchObject({ id: flightId, state: 'approved', requestId: r.id });
    expect((await openStream(port, '/api/flights/999/events', pilot)).status).toBe(404);
    expect((await openStream(port, `/api/flights/${flightId}/events`, null)).status).toBe(401);
  });
});
