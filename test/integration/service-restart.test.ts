/**
 * Kill the service (SIGKILL) in the middle of an emulated flight, start it again on the same
 * database: the same flight is re-attached and completes, the request ends delivered, and nothing
 * acknowledged before the kill is lost (request, approval, transitions, track, sessions).
 * The service runs as a child process (`node dist/src/cli.js serve`, built by `npm test`); the
 * emulated drone lives in the test process so that it keeps flying while the service is down.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../sim/emulator/index.js';
import { openStore } from '../../src/store/db.js';
import { CHECKLIST, DEPOT, PASSWORD, makeTestApp, newKey, requestBody } from './api-support.js';
import { startLinkProxy, type LinkProxy } from '../support/link-proxy.js';
import { CLI, spawnService } from '../support/service-process.js';

const children: ChildProcess[] = [];
let emu: Emulator | null = null;
let proxy: LinkProxy | null = null;
let dir: string | null = null;

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build' first (npm test does)`);
});
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await proxy?.stop();
  proxy = null;
  await emu?.stop();
  emu = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = null;
});

async function startService(db: string, env: Record<string, string> = {}): Promise<{ child: ChildProcess; url: string }> {
  const { child, url } = await spawnService(['--db', db], { env, startTimeoutMs: 20_000 });
  children.push(child);
  return { child, url };
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

async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('service restart mid-flight', () => {
  it('SIGKILL during the flight: on restart the same flight continues and completes; nothing acknowledged is lost', async () => {
    dir = mkdtempSync(join(tmpdir(), 'medidrop-restart-'));
    const db = join(dir, 'medidrop.sqlite');
    emu = await startEmulator({ vehicles: [{ sysid: 3, home: { lat: DEPOT[1], lon: DEPOT[0], altM: 0 } }], speedup: 12, readyAfterS: 2 });

    // seed the database: users, zone map, the drone on the emulator, one planned request
    const seed = await makeTestApp({ db });
    seed.parts.repos.drones.update('md-1', { connectionUrl: `tcp://127.0.0.1:${emu.vehicles[0]!.tcpPort}`, sysid: 3 });
    const officerSeed = await seed.login('officer.li');
    const created = await seed.as(officerSeed, { method: 'POST', url: '/api/requests', payload: requestBody(), headers: { 'idempotency-key': newKey() } });
    expect(created.statusCode).toBe(201);
    const request = created.json() as { id: number; missionId: number };
    await seed.close();

    // first run: approve, wait until airborne, kill
    const first = await startService(db);
    const pilot = await login(first.url, 'pilot.zhao');
    const approvedAt = Date.now();
    const approve = await fetch(`${first.url}/api/missions/${request.missionId}/approve`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: pilot.cookie, 'x-csrf-token': pilot.csrf },
      body: JSON.stringify({ checklist: CHECKLIST }),
    });
    expect(approve.status).toBe(200);
    const flightId = ((await approve.json()) as { flight: { id: number } }).flight.id;
    await waitFor('en route', async () => {
      const f = (await getJson(first.url, `/api/flights/${flightId}`, pilot)).body;
      if (f.state === 'failed') throw new Error(`failed: ${f.stateReason}`);
      return f.state === 'en-route' ? f : null;
    });
    // eslint-disable-next-line no-console
    console.log(`approval → en route (service as a child process, emulator 12×): ${Date.now() - approvedAt} ms`);
    // let some track be written, then kill without warning
    await waitFor(
      'track points',
      async () => ((await getJson(first.url, `/api/flights/${flightId}/track`, pilot)).body.points.length >= 3 ? true : null),
      20_000,
    );
    const before = (await getJson(first.url, `/api/flights/${flightId}`, pilot)).body;
    const trackBefore = (await getJson(first.url, `/api/flights/${flightId}/track`, pilot)).body.points as unknown[];
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    expect(before.state).not.toBe('completed');

    // second run: same database, the vehicle kept flying meanwhile
    const second = await startService(db);
    // the pilot's session was acknowledged and survives the restart
    const again = await getJson(second.url, `/api/flights/${flightId}`, pilot);
    expect(again.status).toBe(200);
    const done = await waitFor(
      'completed after restart',
      async () => {
        const f = (await getJson(second.url, `/api/flights/${flightId}`, pilot)).body;
        if (f.state === 'failed' || f.state === 'aborted') throw new Error(`flight ${f.state} after restart: ${f.stateReason}`);
        return f.state === 'completed' ? f : null;
      },
      90_000,
    );
    expect(done.id).toBe(flightId);

    const req = (await getJson(second.url, `/api/requests/${request.id}`, pilot)).body;
    expect(req.status).toBe('delivered');
    expect(req.flight.id).toBe(flightId);
    // transitions acknowledged before the kill are all still there, in order, followed by the rest
    const beforeTs = (before.transitions as { to: string; at: string }[]).map((x) => `${x.to}@${x.at}`);
    const afterTs = (done.transitions as { to: string; at: string }[]).map((x) => `${x.to}@${x.at}`);
    expect(afterTs.slice(0, beforeTs.length)).toEqual(beforeTs);
    expect(afterTs.map((x) => x.split('@')[0])).toEqual(expect.arrayContaining(['delivering', 'returning', 'landed', 'completed']));
    const trackAfter = (await getJson(second.url, `/api/flights/${flightId}/track`, pilot)).body.points as unknown[];
    expect(trackAfter.length).toBeGreaterThan(trackBefore.length);
    expect(trackAfter.slice(0, trackBefore.length)).toEqual(trackBefore);

    second.child.kill('SIGTERM');
    await new Promise((r) => second.child.once('exit', r));
    // exactly one flight and one request in the database
    const check = openStore(db);
    expect(check.repos.flights.list().map((f) => f.id)).toEqual([flightId]);
    expect(check.repos.requests.list()).toHaveLength(1);
    check.close();
  }, 180_000);

  it('restarted while the link is down: the flight waits for its vehicle (not failed), then continues when the link is back', async () => {
    dir = mkdtempSync(join(tmpdir(), 'medidrop-restart-'));
    const db = join(dir, 'medidrop.sqlite');
    // 6×, not 12×: the outage lasts a service start plus 2.5 s of wall time, and on a loaded machine a
    // start takes seconds; at 12× the vehicle sometimes reached the drop point and released during the
    // outage, and the service rightly said "a release may have gone unheard" (failed), which is not
    // the path this test is about.
    emu = await startEmulator({ vehicles: [{ sysid: 5, home: { lat: DEPOT[1], lon: DEPOT[0], altM: 0 } }], speedup: 6, readyAfterS: 2 });
    proxy = await startLinkProxy({ target: { port: emu.vehicles[0]!.tcpPort }, seed: 1 });
    const seed = await makeTestApp({ db });
    seed.parts.repos.drones.update('md-1', { connectionUrl: `tcp://127.0.0.1:${proxy.port}`, sysid: 5 });
    const officerSeed = await seed.login('officer.li');
    const request = (
      await seed.as(officerSeed, { method: 'POST', url: '/api/requests', payload: requestBody(), headers: { 'idempotency-key': newKey() } })
    ).json() as { id: number; missionId: number };
    await seed.close();

    const env = { MEDIDROP_VEHICLE_TIMEOUT_MS: '500' };
    const first = await startService(db, env);
    const pilot = await login(first.url, 'pilot.zhao');
    const approve = await fetch(`${first.url}/api/missions/${request.missionId}/approve`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: pilot.cookie, 'x-csrf-token': pilot.csrf },
      body: JSON.stringify({ checklist: CHECKLIST }),
    });
    const flightId = ((await approve.json()) as { flight: { id: number } }).flight.id;
    await waitFor('en route', async () => ((await getJson(first.url, `/api/flights/${flightId}`, pilot)).body.state === 'en-route' ? true : null));

    // the radio goes quiet, and the service dies
    proxy.setFaults('toClient', { loss: 1 });
    proxy.setFaults('toVehicle', { loss: 1 });
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    const second = await startService(db, env);
    await new Promise((r) => setTimeout(r, 2500)); // several vehicle timeouts pass
    const waiting = (await getJson(second.url, `/api/flights/${flightId}`, pilot)).body;
    expect(['en-route', 'delivering', 'returning']).toContain(waiting.state);
    expect(waiting.link.up).toBe(false);

    // the link comes back: the same flight is followed to the end (the parcel is still on board:
    // this test is about a flight that continues, not one whose release went unheard)
    expect(emu.vehicles[0]!.gripper.releasedAt, 'the vehicle released during the outage (machine too slow for this speed-up?)').toBeUndefined();
    proxy.setFaults('toClient', { loss: 0 });
    proxy.setFaults('toVehicle', { loss: 0 });
    const done = await waitFor(
      'finished after the link came back',
      async () => {
        const f = (await getJson(second.url, `/api/flights/${flightId}`, pilot)).body;
        return ['completed', 'failed', 'aborted'].includes(f.state) ? f : null;
      },
      90_000,
    );
    expect(done.state, done.stateReason).toBe('completed');
    second.child.kill('SIGTERM');
    await new Promise((r) => second.child.once('exit', r));
  }, 180_000);
});
