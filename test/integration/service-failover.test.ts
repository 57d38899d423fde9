/**
 * Several instances, one fleet (issue 13): two `medidrop serve` processes (dist, as users run it) on
 * one SQLite file with MEDIDROP_SHARED=1 and the default lease time, an emulated drone in the test
 * process (it outlives a killed instance, as a real drone outlives its ground station), and a tap on
 * the vehicle's link that records which ground-station connection sent which MAVLink frame.
 * (a) The approval, a pause and a resume asked at the instance that does not own the drone reach it
 *     through the owner. SIGKILL the owner in flight: the other instance takes the lease and
 *     re-attaches within 15 s, the flight completes, nothing acknowledged is lost, the mission is
 *     uploaded once.
 * (b) SIGSTOP the owner longer than its lease, then SIGCONT: it logs that it lost the lease, closes
 *     the link, and not one frame from it reaches the vehicle after it resumed.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../sim/emulator/index.js';
import { openStore } from '../../src/store/db.js';
import { CHECKLIST, DEPOT, PASSWORD, makeTestApp, newKey, requestBody } from './api-support.js';
import { startMavlinkTap, type MavlinkTap } from '../support/mavlink-tap.js';
import { CLI, spawnService } from '../support/service-process.js';

const children: ChildProcess[] = [];
let emu: Emulator | null = null;
let tap: MavlinkTap | null = null;
let dir: string | null = null;

/** The default lease time (src/app/config.ts): the tests run with what users get. */
const LEASE_MS = 5000;
const MISSION_COUNT = 44;
const COMMAND_LONG = 76;
const SET_MODE = 11;

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build' first (npm test does)`);
});
afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.signalCode === 'SIGSTOP') c.kill('SIGCONT');
    if (c.exitCode === null && c.signalCode !== 'SIGKILL') c.kill('SIGKILL');
  }
  await tap?.stop();
  tap = null;
  await emu?.stop();
  emu = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = null;
});

interface Instance {
  child: ChildProcess;
  url: string;
  output: () => string;
}

async function startInstance(db: string, id: string): Promise<Instance> {
  const s = await spawnService(['--db', db], { env: { MEDIDROP_SHARED: 'true', MEDIDROP_INSTANCE_ID: id }, startTimeoutMs: 30_000 });
  children.push(s.child);
  return s;
}

async function login(url: string, username: string): Promise<{ cookie: string; csrf: string }> {
  const res = await fetch(`${url}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  expect(res.status).toBe(200);
  const cookie = res.headers
    .getSetCookie()
    .find((c) => c.startsWith('medidrop_session='))!
    .split(';')[0]!;
  return { cookie, csrf: ((await res.json()) as { csrfToken: string }).csrfToken };
}

async function getJson(url: string, path: string, s: { cookie: string }) {
  const res = await fetch(`${url}${path}`, { headers: { cookie: s.cookie } });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

async function post(url: string, path: string, s: { cookie: string; csrf: string }, body: unknown = {}) {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: s.cookie, 'x-csrf-token': s.csrf },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The lease row as the database has it (read through a connection of the test's own). */
function leaseOf(db: string, droneId: string) {
  const s = openStore(db);
  try {
    return s.repos.leases.get(droneId);
  } finally {
    s.close();
  }
}

/** One drone on the emulator behind the tap, seeded users and zone map, one planned request. */
async function seedFleet(): Promise<{ db: string; request: { id: number; missionId: number } }> {
  dir = mkdtempSync(join(tmpdir(), 'medidrop-failover-'));
  const db = join(dir, 'medidrop.sqlite');
  // 3×: the outbound leg lasts long enough (~25 s) for a kill or a pause and the takeover to fall in it
  emu = await startEmulator({ vehicles: [{ sysid: 3, home: { lat: DEPOT[1], lon: DEPOT[0], altM: 0 } }], speedup: 3, readyAfterS: 2 });
  tap = await startMavlinkTap({ port: emu.vehicles[0]!.tcpPort });
  const seed = await makeTestApp({ db });
  seed.parts.repos.drones.update('md-1', { connectionUrl: `tcp://127.0.0.1:${tap.port}`, sysid: 3 });
  const officer = await seed.login('officer.li');
  const created = await seed.as(officer, { method: 'POST', url: '/api/requests', payload: requestBody(), headers: { 'idempotency-key': newKey() } });
  expect(created.statusCode).toBe(201);
  const request = created.json() as { id: number; missionId: number };
  await seed.close();
  return { db, request };
}

async function approve(url: string, pilot: { cookie: string; csrf: string }, missionId: number): Promise<number> {
  const res = await fetch(`${url}/api/missions/${missionId}/approve`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: pilot.cookie, 'x-csrf-token': pilot.csrf },
    body: JSON.stringify({ checklist: CHECKLIST }),
  });
  const body = (await res.json()) as { flight: { id: number } };
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body.flight.id;
}

const finished = (url: string, flightId: number, pilot: { cookie: string }) =>
  waitFor(
    'the flight to finish',
    async () => {
      const f = (await getJson(url, `/api/flights/${flightId}`, pilot)).body;
      return ['completed', 'failed', 'aborted', 'lost'].includes(f.state) ? f : null;
    },
    150_000,
  );

/**
 * MISSION_COUNT frames of mission type 0 that reached the vehicle, from any ground station, since
 * `after` (an upload's MISSION_COUNT is sent again when the vehicle's first request is late).
 */
const missionCounts = (t: MavlinkTap, after = 0) =>
  t.clients.flatMap((c) => c.frames).filter((f) => f.msgid === MISSION_COUNT && f.missionType === 0 && f.at >= after).length;
/** Mission uploads the vehicle accepted: ArduPilot says "Flight plan received" for each (GCS_MAVLink mission protocol; the emulator does). */
const missionUploads = (e: Emulator) => e.vehicles[0]!.statusTexts.filter((s) => s.text === 'Flight plan received').length;

describe('several instances, one fleet', () => {
  it('SIGKILL the owner in flight: the other instance takes the lease, re-attaches within 15 s, the flight completes; one upload, nothing lost', async () => {
    const { db, request } = await seedFleet();
    const a = await startInstance(db, 'instance-a');
    // A started first and took the free lease (the seeding service held it before, and let it go); B finds it held
    const first = leaseOf(db, 'md-1')!;
    expect(first.owner).toBe('instance-a');
    const b = await startInstance(db, 'instance-b');
    expect(leaseOf(db, 'md-1')).toMatchObject({ owner: 'instance-a', token: first.token });

    // the approval arrives at B, which does not own the drone: A carries it out
    const pilot = await login(b.url, 'pilot.zhao');
    const flightId = await approve(b.url, pilot, request.missionId);
    await waitFor('en route', async () => {
      const f = (await getJson(b.url, `/api/flights/${flightId}`, pilot)).body;
      if (f.state === 'failed') throw new Error(`failed: ${f.stateReason}`);
      return f.state === 'en-route' ? f : null;
    });
    // only A's connection talks to the vehicle
    expect(tap!.clients.length).toBe(1);
    expect(missionUploads(emu!)).toBe(1);
    await waitFor('track points', async () => ((await getJson(b.url, `/api/flights/${flightId}/track`, pilot)).body.points.length >= 3 ? true : null), 20_000);
    // B, which does not hear the vehicle itself, shows the link up from what A stores with its lease
    await waitFor('B shows the link up', async () => (await getJson(b.url, `/api/flights/${flightId}`, pilot)).body.link.up === true, 10_000);
    // a pause and a resume asked at B reach the vehicle through A (its link is the only one)
    const framesBefore = tap!.clients[0]!.frames.length;
    const paused = await post(b.url, `/api/flights/${flightId}/pause`, pilot);
    expect(paused.status, JSON.stringify(paused.body)).toBe(200);
    expect(paused.body.paused).toBe(true);
    const resumed = await post(b.url, `/api/flights/${flightId}/resume`, pilot);
    expect(resumed.status, JSON.stringify(resumed.body)).toBe(200);
    expect(resumed.body.paused).toBe(false);
    expect(tap!.clients.length).toBe(1);
    expect(tap!.clients[0]!.frames.slice(framesBefore).some((f) => f.msgid === COMMAND_LONG || f.msgid === SET_MODE)).toBe(true);
    const before = (await getJson(b.url, `/api/flights/${flightId}`, pilot)).body;
    const trackBefore = (await getJson(b.url, `/api/flights/${flightId}/track`, pilot)).body.points as unknown[];

    a.child.kill('SIGKILL');
    await new Promise((r) => a.child.once('exit', r));
    const killedAt = Date.now();
    expect(before.state).not.toBe('completed');

    // B takes the lease (token raised) and re-attaches: its own connection reaches the vehicle
    await waitFor('B holds the lease', () => leaseOf(db, 'md-1')?.owner === 'instance-b', 15_000);
    expect(leaseOf(db, 'md-1')?.token).toBe(first.token + 1);
    const bLink = await waitFor(
      'B re-attached (its link heard the vehicle and asked for telemetry)',
      () => tap!.clients.find((c) => c.index > 0 && c.frames.length > 1),
      15_000,
    );
    const takeoverMs = bLink.frames[0]!.at - killedAt;
    // eslint-disable-next-line no-console
    console.log(`SIGKILL → the other instance on the vehicle link: ${takeoverMs} ms (lease ${LEASE_MS} ms)`);
    expect(takeoverMs).toBeLessThan(15_000);
    const live = await waitFor(
      'B follows the flight (new positions)',
      async () => {
        const f = (await getJson(b.url, `/api/flights/${flightId}/track`, pilot)).body;
        return f.points.length > trackBefore.length ? f : null;
      },
      15_000 - (Date.now() - killedAt),
    );
    expect(live.points.length).toBeGreaterThan(trackBefore.length);

    const done = await finished(b.url, flightId, pilot);
    expect(done.state, done.stateReason).toBe('completed');
    const req = (await getJson(b.url, `/api/requests/${request.id}`, pilot)).body;
    expect(req.status).toBe('delivered');
    // acknowledged before the kill: transitions and track still there, in order, followed by the rest
    const beforeTs = (before.transitions as { to: string; at: string }[]).map((x) => `${x.to}@${x.at}`);
    const afterTs = (done.transitions as { to: string; at: string }[]).map((x) => `${x.to}@${x.at}`);
    expect(afterTs.slice(0, beforeTs.length)).toEqual(beforeTs);
    expect(afterTs.map((x) => x.split('@')[0])).toEqual(expect.arrayContaining(['delivering', 'returning', 'landed', 'completed']));
    const trackAfter = (await getJson(b.url, `/api/flights/${flightId}/track`, pilot)).body.points as unknown[];
    expect(trackAfter.slice(0, trackBefore.length)).toEqual(trackBefore);
    // the mission went up once, from A; B re-attached without uploading (no MISSION_COUNT after the kill)
    expect(missionUploads(emu!)).toBe(1);
    expect(missionCounts(tap!)).toBeGreaterThanOrEqual(1);
    expect(missionCounts(tap!, killedAt)).toBe(0);

    b.child.kill('SIGTERM');
    await new Promise((r) => b.child.once('exit', r));
    const check = openStore(db);
    expect(check.repos.flights.list().map((f) => f.id)).toEqual([flightId]);
    expect(check.repos.requests.list()).toHaveLength(1);
    // each decision audited once, by the instance that carried it out
    const audit = check.repos.audit.list({ limit: 1000 });
    for (const action of ['mission.approve', 'flight.pause', 'flight.resume'])
      expect(
        audit.filter((e) => e.action === action),
        action,
      ).toHaveLength(1);
    check.close();
  }, 240_000);

  it('SIGSTOP the owner longer than its lease, then SIGCONT: it notices the loss, stops commanding, and the other instance finishes the flight', async () => {
    const { db, request } = await seedFleet();
    const a = await startInstance(db, 'instance-a');
    const b = await startInstance(db, 'instance-b');
    const pilot = await login(a.url, 'pilot.zhao');
    const flightId = await approve(a.url, pilot, request.missionId);
    const held = leaseOf(db, 'md-1')!;
    expect(held.owner).toBe('instance-a');
    await waitFor('en route', async () => ((await getJson(a.url, `/api/flights/${flightId}`, pilot)).body.state === 'en-route' ? true : null));
    const aLinks = tap!.clients.filter((c) => c.closedAt === null);
    expect(aLinks).toHaveLength(1);

    a.child.kill('SIGSTOP');
    await waitFor('B holds the lease', () => leaseOf(db, 'md-1')?.owner === 'instance-b', 15_000);
    // A stays paused for two lease times in all, then wakes up with its timers overdue
    await new Promise((r) => setTimeout(r, LEASE_MS));
    const contAt = Date.now();
    a.child.kill('SIGCONT');

    // A says so in its log and closes its link to the vehicle
    await waitFor('A logs the lost lease', () => /drone lease lost/.test(a.output()), 10_000);
    expect(a.output()).toMatch(/lease expired by this instance's clock|renewal refused/);
    await waitFor('A closed its vehicle link', () => aLinks[0]!.closedAt !== null, 10_000);
    // not one frame from A reached the vehicle after it resumed: no command, no heartbeat
    const late = aLinks[0]!.frames.filter((f) => f.at >= contAt);
    expect(late, JSON.stringify(late.slice(0, 5))).toEqual([]);

    // B follows the flight to the end; A wrote nothing that made it fail
    const done = await finished(b.url, flightId, pilot);
    expect(done.state, done.stateReason).toBe('completed');
    expect((await getJson(b.url, `/api/requests/${request.id}`, pilot)).body.status).toBe('delivered');
    expect(missionUploads(emu!)).toBe(1);
    expect(missionCounts(tap!, contAt)).toBe(0);
    // A, alive again, answers the API and sees the same flight (it reads the shared store)
    expect((await getJson(a.url, `/api/flights/${flightId}`, pilot)).body.state).toBe('completed');
    expect(leaseOf(db, 'md-1')).toMatchObject({ owner: 'instance-b', token: held.token + 1 });
  }, 240_000);
});
