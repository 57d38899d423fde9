/**
 * The MQTT telemetry bus (src/bus/) with a real Mosquitto on loopback: two service instances on one
 * broker, a command centre subscribing from outside, a broker killed and started again, malformed
 * messages. The two instances share one SQLite file (WAL), as they will share one PostgreSQL database
 * in issue 13's deployment: an SSE stream looks up the request or flight an event names.
 *
 * One test flies a real delivery on the emulator through instance A. The others have no vehicles
 * (starter null): the flight's live events are put on instance A's bus as the fleet layer puts them
 * there (src/dispatch/fleet-starter.ts onUpdate), so each case is exact and quick; the bus, broker
 * and SSE between there and instance B's pages are the real ones.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, createConnection, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { checkPayload, parseTopic, TELEMETRY_MIN_INTERVAL_MS, TOPICS } from '../../src/bus/contract.js';
import type { FlightLiveEvents } from '../../src/dispatch/live-events.js';
import { CHECKLIST, makeTestApp, newKey, requestBody, type Session, type TestApp } from './api-support.js';
import { openStream, type SseStream } from './sse-client.js';
import { type Broker, MOSQUITTO, SKIP_REASON, startMosquitto } from '../support/mosquitto.js';
import { CLI, spawnService } from '../support/service-process.js';
import { type Emulator, startEmulator } from '../../sim/emulator/index.js';
import { DEPOT } from './api-support.js';

if (!MOSQUITTO) console.warn(`skipping the MQTT bus tests: ${SKIP_REASON}`);

interface Received {
  topic: string;
  payload: any;
  retain: boolean;
}

let broker: Broker;
let dir: string;
const apps: TestApp[] = [];
const streams: SseStream[] = [];
const clients: MqttClient[] = [];

beforeAll(async () => {
  if (MOSQUITTO) broker = await startMosquitto();
});
afterAll(async () => {
  await broker?.stop();
});
afterEach(async () => {
  for (const s of streams.splice(0)) s.close();
  for (const c of clients.splice(0)) await c.endAsync(true);
  for (const a of apps.splice(0)) await a.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const until = async (what: string, cond: () => boolean, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

/** A plain TCP relay to the broker whose connections can be cut (a network drop, the broker stays up). */
async function relay(): Promise<{ url: string; cut(): void; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port: broker.port });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const cut = () => {
    for (const s of sockets) s.destroy();
  };
  return {
    url: `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`,
    cut,
    close: () => {
      cut();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/** Two instances on one database file and one broker, both listening, both connected to the broker. */
async function twoInstances(o: { brokerOfB?: string; aFlies?: boolean } = {}): Promise<{ a: TestApp; b: TestApp; portA: number; portB: number }> {
  dir = mkdtempSync(join(tmpdir(), 'medidrop-mqtt-'));
  const db = join(dir, 'medidrop.sqlite');
  // shared: the two instances share the database and its drones (README "Several instances, one fleet")
  const a = await makeTestApp({ db, config: { mqtt: broker.url, shared: true }, ...(o.aFlies ? { starter: 'fleet' as const } : {}) });
  apps.push(a);
  const b = await makeTestApp({ db, config: { mqtt: o.brokerOfB ?? broker.url, shared: true } });
  apps.push(b);
  for (const t of [a, b]) await t.app.listen({ port: 0, host: '127.0.0.1' });
  await until('both instances connected to the broker', () => a.parts.mqtt!.connected && b.parts.mqtt!.connected);
  expect(a.parts.mqtt!.instanceId).not.toBe(b.parts.mqtt!.instanceId);
  return { a, b, portA: (a.app.server.address() as AddressInfo).port, portB: (b.app.server.address() as AddressInfo).port };
}

async function stream(port: number, path: string, s: Session): Promise<SseStream> {
  const st = await openStream(port, path, s.cookie);
  streams.push(st);
  expect(st.status).toBe(200);
  return st;
}

/** A command centre: subscribes to everything medidrop publishes and keeps it. */
async function commandCentre(): Promise<{ client: MqttClient; got: Received[] }> {
  const client = await mqtt.connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0 });
  clients.push(client);
  const got: Received[] = [];
  client.on('message', (topic, payload, packet) => got.push({ topic, payload: JSON.parse(payload.toString('utf8')), retain: packet.retain }));
  await client.subscribeAsync('medidrop/v1/#', { qos: 1 });
  return { client, got };
}

/** A request created by officer Li and approved by pilot Zhao on instance `t`: its flight. */
async function approvedFlight(t: TestApp): Promise<{ requestId: number; missionId: number; flightId: number }> {
  const [li, pilot] = await Promise.all([t.login('officer.li'), t.login('pilot.zhao')]);
  const r = (await t.as(li, { method: 'POST', url: '/api/requests', payload: requestBody(), headers: { 'idempotency-key': newKey() } })).json();
  const approve = await t.as(pilot, { method: 'POST', url: `/api/missions/${r.missionId}/approve`, payload: { checklist: CHECKLIST } });
  expect(approve.statusCode).toBe(200);
  return { requestId: r.id, missionId: r.missionId, flightId: approve.json().flight.id };
}

function position(i: number): FlightLiveEvents['position'] {
  return {
    t: new Date(Date.UTC(2026, 11, 3, 10, 0, i)).toISOString(),
    lat: 34.75 + i * 1e-4,
    lon: 113.6,
    relAltM: 40,
    groundSpeedMs: 8,
    headingDeg: 45,
    routeFraction: i / 100,
    eta: null,
    etaTo: 'drop',
  };
}

describe.skipIf(!MOSQUITTO)('MQTT telemetry bus (real Mosquitto on loopback)', () => {
  it("instance B's SSE clients see a flight run by instance A: requests, missions, live events, telemetry; nothing twice", async () => {
    const { a, b, portA, portB } = await twoInstances();
    const [liB, pilotB] = await Promise.all([b.login('officer.li'), b.login('pilot.zhao')]);
    const liEvents = await stream(portB, '/api/events', liB);
    const pilotEvents = await stream(portB, '/api/events', pilotB);

    const { requestId, missionId, flightId } = await approvedFlight(a);
    // The request and mission events happened on A; B's pages hear of them through the broker.
    await liEvents.next((e) => e.event === 'request' && e.data.id === requestId, 10_000);
    await pilotEvents.next((e) => e.event === 'mission' && e.data.id === missionId, 10_000);
    await pilotEvents.next((e) => e.event === 'flight' && e.data.id === flightId, 10_000);

    const onB = await stream(portB, `/api/flights/${flightId}/events`, pilotB);
    const onA = await stream(portA, `/api/flights/${flightId}/events`, await a.login('pilot.zhao'));
    await onB.next((e) => e.event === 'snapshot');
    await onA.next((e) => e.event === 'snapshot');

    const alert = {
      kind: 'battery-low',
      code: 'battery-below-margin',
      params: { remainingPct: 28 },
      severity: 'warning' as const,
      message: 'battery 28 %',
      at: new Date().toISOString(),
    };
    a.parts.bus.publish({ type: 'flight-live', flightId, requestId, event: 'alert', data: alert });
    a.parts.bus.publish({ type: 'flight-live', flightId, requestId, event: 'position', data: position(1) });
    a.parts.bus.publish({ type: 'flight-live', flightId, requestId, event: 'battery', data: { t: position(1).t, remainingPct: 28, voltageV: 15.1 } });

    expect((await onB.next((e) => e.event === 'alert', 10_000)).data).toEqual(alert);
    expect((await onB.next((e) => e.event === 'position', 10_000)).data).toEqual(position(1));
    expect((await onB.next((e) => e.event === 'battery', 10_000)).data).toEqual({ t: position(1).t, remainingPct: 28, voltageV: 15.1 });
    await onA.next((e) => e.event === 'position');
    // Let any echo or duplicate arrive, then count: each event once on A (local) and once on B (bus).
    await new Promise((r) => setTimeout(r, 800));
    for (const s of [onA, onB]) {
      expect(s.events.filter((e) => e.event === 'alert')).toHaveLength(1);
      expect(s.events.filter((e) => e.event === 'position')).toHaveLength(1);
      expect(s.events.filter((e) => e.event === 'battery')).toHaveLength(1);
    }
    expect(b.parts.mqtt!.stats.malformed).toBe(0);
    // B published none of what it put on its own bus: nothing came back to A.
    expect(a.parts.mqtt!.stats.received).toBe(0);
  });

  it('a real flight on an emulated ArduCopter, flown by instance A, is followed live on instance B to the end', async () => {
    const emu: Emulator = await startEmulator({ vehicles: [{ sysid: 7, home: { lat: DEPOT[1], lon: DEPOT[0], altM: 0 } }], speedup: 20, readyAfterS: 2 });
    try {
      const { a, b, portA, portB } = await twoInstances({ aFlies: true });
      a.parts.repos.drones.update('md-1', { connectionUrl: `tcp://127.0.0.1:${emu.vehicles[0]!.tcpPort}`, sysid: 7 });
      // every position A publishes (its pages' streams pace them to 4 Hz; the bus to 2 Hz, independently)
      const publishedA: string[] = [];
      a.parts.bus.subscribe((e) => {
        if (e.type === 'flight-live' && e.event === 'position') publishedA.push((e.data as { t: string }).t);
      });
      const { requestId, flightId } = await approvedFlight(a);
      const liB = await b.login('officer.li');
      const onB = await stream(portB, `/api/flights/${flightId}/events`, liB);
      const onA = await stream(portA, `/api/flights/${flightId}/events`, await a.login('officer.li'));
      const requestsB = await stream(portB, '/api/events', liB);
      const end = await onB.next((e) => e.event === 'snapshot' && e.data.state === 'completed', 150_000);
      expect(end.data).toMatchObject({ id: flightId, requestId });
      await requestsB.next((e) => e.event === 'request' && e.data.id === requestId && e.data.status === 'delivered', 5000);
      await onA.next((e) => e.event === 'snapshot' && e.data.state === 'completed', 5000);
      await new Promise((r) => setTimeout(r, 500));
      const of = (st: SseStream, event: string) => st.events.filter((e) => e.event === event).map((e) => e.data);
      // Every state transition and the delivery, as A's own page saw them, in the same order. B's
      // stream opened first, so A's list is the end of B's (the 20× emulator may be on its way by then).
      const statesA = of(onA, 'state').map((s: { to: string }) => s.to);
      const statesB = of(onB, 'state').map((s: { to: string }) => s.to);
      expect(statesB.slice(statesB.length - statesA.length)).toEqual(statesA);
      expect(statesB).toEqual(expect.arrayContaining(['delivering', 'returning', 'landed', 'completed']));
      const distinct = (xs: unknown[]) => [...new Set(xs.map((x) => JSON.stringify(x)))];
      expect(distinct(of(onB, 'delivery'))).toEqual(distinct(of(onA, 'delivery')));
      expect(distinct(of(onB, 'delivery')).length).toBeGreaterThan(0);
      // Positions: fewer (2 Hz per vehicle), each one A published, in order.
      const posB = of(onB, 'position').map((p: { t: string }) => p.t);
      expect(posB.length).toBeGreaterThan(3);
      expect(posB.length).toBeLessThan(publishedA.length);
      expect(posB.filter((t: string) => !publishedA.includes(t))).toEqual([]);
      expect([...posB].sort()).toEqual(posB);
      expect(b.parts.mqtt!.stats.malformed + a.parts.mqtt!.stats.malformed).toBe(0);
      // eslint-disable-next-line no-console
      console.log(
        `flight ${flightId}: ${publishedA.length} positions published on A, ${of(onA, 'position').length} on A's stream (paced), ${posB.length} on B's through the broker`,
      );
    } finally {
      for (const x of apps.splice(0)) await x.close();
      await emu.stop();
    }
  }, 200_000);

  it('a command centre receives the documented topics with valid payloads, telemetry at most 2 Hz per vehicle, no personal data', async () => {
    const { a } = await twoInstances();
    const cc = await commandCentre();
    const { requestId, missionId, flightId } = await approvedFlight(a);
    a.parts.bus.publish({
      type: 'flight-live',
      flightId,
      requestId,
      event: 'state',
      data: { from: 'approved', to: 'uploading', at: new Date().toISOString(), cause: 'test' },
    });
    // 20 positions in about 1 s: at most one telemetry message per 500 ms goes out, the last one always.
    const started = Date.now();
    for (let i = 1; i <= 20; i++) {
      a.parts.bus.publish({ type: 'flight-live', flightId, requestId, event: 'position', data: position(i) });
      await new Promise((r) => setTimeout(r, 50));
    }
    const burstMs = Date.now() - started;
    const telemetryTopic = `medidrop/v1/vehicles/md-1/telemetry`;
    await until('the last position on the telemetry topic', () => cc.got.some((m) => m.topic === telemetryTopic && m.payload.position?.t === position(20).t));
    const telemetry = cc.got.filter((m) => m.topic === telemetryTopic && !m.retain);
    expect(telemetry.length).toBeGreaterThanOrEqual(2);
    expect(telemetry.length).toBeLessThanOrEqual(Math.ceil(burstMs / TELEMETRY_MIN_INTERVAL_MS) + 1);
    expect(telemetry.at(-1)!.payload).toMatchObject({ droneId: 'md-1', flightId, requestId, position: position(20), battery: null });

    await until('request, mission, flight status and a flight event', () =>
      [
        `medidrop/v1/requests/${requestId}/status`,
        `medidrop/v1/missions/${missionId}/status`,
        `medidrop/v1/flights/${flightId}/status`,
        `medidrop/v1/flights/${flightId}/events`,
      ].every((t) => cc.got.some((m) => m.topic === t)),
    );
    for (const m of cc.got) {
      const t = parseTopic(m.topic);
      expect(t, m.topic).not.toBeNull();
      expect(checkPayload(t!.kind, m.payload), m.topic).toEqual([]);
      // (Retained messages of the earlier tests on this broker come first; the live ones are A's.)
      if (!m.retain) expect(m.payload.instanceId).toBe(a.parts.mqtt!.instanceId);
      // Ids and states only: the recipient, phone, medicine and notes never leave the service.
      const text = JSON.stringify(m.payload);
      for (const secret of ['Grandma Wang', '138 0013 8000', 'nifedipine', '6th floor']) expect(text).not.toContain(secret);
    }
    expect(cc.got.find((m) => m.topic === `medidrop/v1/flights/${flightId}/events`)!.payload).toMatchObject({ event: 'state', data: { to: 'uploading' } });
    const approved = cc.got.filter((m) => m.topic === `medidrop/v1/flights/${flightId}/status`).at(-1)!;
    expect(approved.payload).toMatchObject({ flightId, requestId, missionId, droneId: 'md-1', state: 'approved' });

    // A late subscriber gets the retained last state at once: status topics and the last telemetry, not the events.
    const late = await commandCentre();
    await until(
      'retained state for the late subscriber',
      () => late.got.some((m) => m.topic === telemetryTopic) && late.got.some((m) => m.topic.endsWith(`flights/${flightId}/status`)),
    );
    expect(late.got.every((m) => m.retain)).toBe(true);
    expect(late.got.find((m) => m.topic === telemetryTopic)!.payload.position).toEqual(position(20));
    expect(late.got.some((m) => m.topic.endsWith('/events'))).toBe(false);
    for (const kind of Object.keys(TOPICS))
      expect(
        cc.got.some((m) => parseTopic(m.topic)?.kind === kind),
        kind,
      ).toBe(true);
  });

  it("a broker killed mid-flight does not disturb instance A's own SSE; both bridges reconnect when it is back", async () => {
    const { a, b, portA, portB } = await twoInstances();
    const { requestId, flightId } = await approvedFlight(a);
    const onA = await stream(portA, `/api/flights/${flightId}/events`, await a.login('pilot.zhao'));
    const onB = await stream(portB, `/api/flights/${flightId}/events`, await b.login('pilot.zhao'));
    await onA.next((e) => e.event === 'snapshot');
    await onB.next((e) => e.event === 'snapshot');

    await broker.kill();
    await until('both bridges see the broker gone', () => !a.parts.mqtt!.connected && !b.parts.mqtt!.connected);
    // Live events keep flowing to A's own pages, and A keeps answering the API.
    for (let i = 1; i <= 5; i++) {
      a.parts.bus.publish({ type: 'flight-live', flightId, requestId, event: 'position', data: position(i) });
      a.parts.bus.publish({ type: 'flight-live', flightId, requestId, event: 'link', data: { t: position(i).t, up: true } });
    }
    await onA.next((e) => e.event === 'position' && e.data.t === position(5).t, 2000);
    expect(onA.events.filter((e) => e.event === 'link')).toHaveLength(5);
    expect((await a.as(await a.login('pilot.zhao'), { method: 'GET', url: `/api/flights/${flightId}` })).statusCode).toBe(200);

    await new Promise((r) => setTimeout(r, 1500)); // a reconnection attempt or two fails meanwhile
    await broker.start();
    // Backoff: 1 s, 2 s, 4 s … (±20 %): reconnected within the next attempt.
    await until('both bridges reconnected', () => a.parts.mqtt!.connected && b.parts.mqtt!.connected, 15_000);
    const alert = {
      kind: 'link-lost',
      code: 'link-lost',
      params: {},
      severity: 'critical' as const,
      message: 'after the outage',
      at: new Date().toISOString(),
    };
    a.parts.bus.publish({ type: 'flight-live', flightId, requestId, event: 'alert', data: alert });
    expect((await onB.next((e) => e.event === 'alert', 10_000)).data).toEqual(alert);
    expect(onA.events.filter((e) => e.event === 'alert')).toHaveLength(1);
  }, 40_000);

  it("flight events published while an instance's connection is down reach it when it reconnects (its session waits on the broker)", async () => {
    const r = await relay();
    try {
      const { a, b, portB } = await twoInstances({ brokerOfB: r.url });
      const { requestId, flightId } = await approvedFlight(a);
      const onB = await stream(portB, `/api/flights/${flightId}/events`, await b.login('pilot.zhao'));
      await onB.next((e) => e.event === 'snapshot');
      r.cut();
      await until("B's connection down", () => !b.parts.mqtt!.connected);
      const alerts = [1, 2, 3].map((i) => ({
        kind: 'off-route',
        code: 'off-route',
        params: { offM: 40 + i },
        severity: 'warning' as const,
        message: `off route ${i}`,
        at: new Date().toISOString(),
      }));
      for (const alert of alerts) a.parts.bus.publish({ type: 'flight-live', flightId, requestId, event: 'alert', data: alert });
      await until('B reconnected', () => b.parts.mqtt!.connected, 15_000);
      await onB.next((e) => e.event === 'alert' && e.data.message === 'off route 3', 10_000);
      await new Promise((res) => setTimeout(res, 300));
      expect(onB.events.filter((e) => e.event === 'alert').map((e) => e.data)).toEqual(alerts);
    } finally {
      for (const x of apps.splice(0)) await x.close();
      await r.close();
    }
  }, 40_000);

  it('malformed messages on medidrop topics are logged and dropped; the bridge carries on', async () => {
    const { a, b, portB } = await twoInstances();
    const { requestId, flightId } = await approvedFlight(a);
    const onB = await stream(portB, `/api/flights/${flightId}/events`, await b.login('pilot.zhao'));
    await onB.next((e) => e.event === 'snapshot');
    const warn = vi.spyOn(b.parts.mqtt!.log, 'warn');
    const rogue = await mqtt.connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0 });
    clients.push(rogue);
    const topic = `medidrop/v1/flights/${flightId}/events`;
    const good = {
      schemaVersion: 1,
      messageId: 'rogue-1',
      instanceId: 'someone-else',
      sentAt: new Date().toISOString(),
      flightId,
      requestId,
      droneId: 'md-1',
      event: 'link',
      data: { t: new Date().toISOString(), up: false },
    };
    const bad: [string, string | Buffer][] = [
      [topic, 'not json {'],
      [topic, Buffer.from([0xff, 0xfe, 0x00])],
      [topic, JSON.stringify({ ...good, messageId: 'rogue-2', schemaVersion: 2 })],
      [topic, JSON.stringify({ ...good, messageId: 'rogue-3', event: 'explode' })],
      [topic, JSON.stringify({ ...good, messageId: 'rogue-4', data: { t: 5, up: 'yes' } })],
      [`medidrop/v1/flights/${flightId + 1}/events`, JSON.stringify({ ...good, messageId: 'rogue-5' })], // topic and payload disagree
      ['medidrop/v1/vehicles/md-1/telemetry', JSON.stringify([1, 2, 3])],
      ['medidrop/v1/flights/x/unknown', '{}'],
    ];
    for (const [t, p] of bad) await rogue.publishAsync(t, p, { qos: 1 });
    // A valid message after them still gets through, once (sent twice: the duplicate is dropped).
    await rogue.publishAsync(topic, JSON.stringify(good), { qos: 1 });
    await rogue.publishAsync(topic, JSON.stringify(good), { qos: 1 });
    expect((await onB.next((e) => e.event === 'link', 10_000)).data).toEqual(good.data);
    await until('every bad message counted', () => b.parts.mqtt!.stats.malformed === bad.length);
    expect(b.parts.mqtt!.stats.duplicates).toBe(1);
    const dropped = warn.mock.calls.filter((c) => c[1] === 'malformed MQTT message dropped');
    expect(dropped).toHaveLength(bad.length);
    expect(dropped.map((c) => (c[0] as { err: string }).err).join('\n')).toMatch(
      /not JSON[\s\S]*schema[\s\S]*not the payload's[\s\S]*not a medidrop\/v1 topic/,
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(onB.events.filter((e) => e.event === 'link')).toHaveLength(1);
    // Both services still answer.
    expect((await b.as(await b.login('pilot.zhao'), { method: 'GET', url: `/api/flights/${flightId}` })).statusCode).toBe(200);
    expect(a.parts.mqtt!.connected && b.parts.mqtt!.connected).toBe(true);
  });
});

describe('medidrop serve --mqtt', () => {
  it('refuses a bad broker URL (flag or MEDIDROP_MQTT) with exit code 2, saying where and what', () => {
    const flag = spawnSync(process.execPath, [CLI, 'serve', '--mqtt', 'broker:1883'], {
      encoding: 'utf8',
      env: { ...process.env, MEDIDROP_LOG_LEVEL: 'silent' },
    });
    expect(flag.status).toBe(2);
    expect(flag.stderr).toMatch(/--mqtt: must be an MQTT broker URL such as mqtt:\/\/127\.0\.0\.1:1883/);
    const env = spawnSync(process.execPath, [CLI, 'serve'], {
      encoding: 'utf8',
      env: { ...process.env, MEDIDROP_LOG_LEVEL: 'silent', MEDIDROP_MQTT: 'http://broker' },
    });
    expect(env.status).toBe(2);
    expect(env.stderr).toMatch(/MEDIDROP_MQTT: .*scheme 'http:'/);
    expect(spawnSync(process.execPath, [CLI, 'serve', '--help'], { encoding: 'utf8' }).stdout).toMatch(/--mqtt URL/);
  });

  it.skipIf(!MOSQUITTO)(
    'connects to the broker given, and starts and serves while the broker is away',
    async () => {
      dir = mkdtempSync(join(tmpdir(), 'medidrop-mqtt-serve-'));
      const up = await spawnService(['--db', join(dir, 'a.sqlite'), '--mqtt', broker.url]);
      const children = [up.child];
      try {
        await until('the service connected to the broker', () => /New client connected from 127\.0\.0\.1:\d+ as medidrop-/.test(broker.log()), 15_000);
        // A port nothing listens on: the service starts anyway and answers.
        const down = await spawnService(['--db', join(dir, 'b.sqlite'), '--mqtt', 'mqtt://127.0.0.1:1']);
        children.push(down.child);
        const res = await fetch(`${down.url}/api/me`);
        expect(res.status).toBe(401);
      } finally {
        for (const c of children) {
          const gone = new Promise((r) => c.once('exit', r));
          c.kill('SIGTERM');
          await gone;
        }
      }
    },
    60_000,
  );
});
