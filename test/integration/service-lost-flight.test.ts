/**
 * SIGKILL of the service in the middle of a flight, each case repeated, through HTTP only:
 * (a) `serve --demo`: the demo fleet is its own process and keeps flying; the restarted service
 *     finds the drones at the same addresses, re-attaches and the flight completes (delivered, home);
 * (b) `serve --demo` with the fleet killed too: the restarted demo finds its drone on the ground and
 *     disarmed, the flight ends with that cause, the request goes back to the queue, and the drone
 *     flies the re-queued request;
 * (c) the vehicle is gone: the restarted service raises a link-lost alert at once, abort answers 409
 *     pointing at "declare lost", the drone is kept out of planning; the pilot declares the flight
 *     lost (audited), the request returns to the queue, and the drone is planned on again only after
 *     the pilot confirms it recovered.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../sim/emulator/index.js';
import { FOUND_ON_GROUND_REASON } from '../../src/domain/words.js';
import { CHECKLIST, DEPOT, PASSWORD, makeTestApp, newKey, requestBody } from './api-support.js';
import { CLI, spawnService } from '../support/service-process.js';

/** The demo drones' speed-up (the demo's own flag). */
const SPEEDUP = 10;
const REPEAT = 2;
const DEMO_CHECKLIST = ['airspace', 'weather', 'battery', 'payload', 'drop-zone', 'propellers'];

type Json = Record<string, any>;
const children: ChildProcess[] = [];
const fleets: string[] = [];
let emu: Emulator | null = null;
let dir: string | null = null;

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build' first (npm test does)`);
});
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const f of fleets.splice(0)) killFleet(f);
  await emu?.stop();
  emu = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = null;
});

/** SIGKILL the detached demo fleet named in its state file (if it runs); returns its pid. */
function killFleet(stateFile: string): number | null {
  if (!existsSync(stateFile)) return null;
  const pid = (JSON.parse(readFileSync(stateFile, 'utf8')) as { pid?: number }).pid;
  if (!pid) return null;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
  return pid;
}

async function startService(args: string[]): Promise<{ child: ChildProcess; base: string; out: string }> {
  const { child, url, out } = await spawnService(args);
  children.push(child);
  return { child, base: url, out };
}

async function kill9(child: ChildProcess): Promise<void> {
  child.kill('SIGKILL');
  if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once('exit', r));
}

type Call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<{ status: number; body: Json }>;

async function login(base: () => string, username: string, password: string): Promise<Call> {
  const res = await fetch(`${base()}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  expect(res.status).toBe(200);
  const cookie = res.headers
    .getSetCookie()
    .find((c) => c.startsWith('medidrop_session='))!
    .split(';')[0]!;
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  // sessions survive restarts: the call follows the service to its new port
  return async (method, path, body, headers = {}) => {
    const r = await fetch(`${base()}${path}`, {
      method,
      headers: { cookie, 'x-csrf-token': csrfToken, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: r.status, body: r.status === 204 ? {} : ((await r.json()) as Json) };
  };
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

async function airborne(call: Call, flightId: number): Promise<Json> {
  return waitFor(
    'airborne',
    async () => {
      const f = (await call('GET', `/api/flights/${flightId}`)).body;
      if (f.state === 'failed' || f.state === 'aborted') throw new Error(`flight ${f.state}: ${f.stateReason}`);
      return f.state === 'en-route' && f.position && f.position.relAltM > 2 ? f : null;
    },
    90_000,
  );
}

const urls = async (call: Call) => Object.fromEntries(((await call('GET', '/api/drones')).body.drones as Json[]).map((d) => [d.id, d.connectionUrl]));

/** A demo service, its officer and pilot (sessions kept across restarts) and a plannable request. */
async function demo() {
  dir = mkdtempSync(join(tmpdir(), 'medidrop-lost-'));
  const db = join(dir, 'demo.sqlite');
  const stateFile = `${db}.demo-fleet.json`;
  fleets.push(stateFile);
  const args = ['--demo', '--db', db, '--speedup', String(SPEEDUP)];
  let svc = await startService(args);
  const base = () => svc.base;
  const officer = await login(base, 'officer', 'officer-demo');
  const pilot = await login(base, 'pilot', 'pilot-demo');
  const zm = (await officer('GET', '/api/zone-map')).body;
  const queue = async (): Promise<Json> => {
    for (const dp of (zm.summary.dropPoints as Json[]).filter((d) => d.heightM === 0)) {
      const r = await officer(
        'POST',
        '/api/requests',
        {
          recipient: '王奶奶 Grandma Wang',
          phone: '138 0013 8000',
          dropPoint: { name: dp.name },
          medicine: 'nifedipine',
          weightKg: 0.3,
          urgency: 'urgent',
          notes: '',
        },
        { 'idempotency-key': newKey() },
      );
      expect(r.status).toBe(201);
      if (r.body.status === 'awaiting-approval') return r.body;
    }
    throw new Error('no demo drop point could be planned');
  };
  const restart = async () => {
    await kill9(svc.child);
    svc = await startService(args);
    return svc;
  };
  return { db, stateFile, officer, pilot, queue, restart, svc: () => svc };
}

describe('SIGKILL mid-flight, repeated', () => {
  it(`(a) demo: the fleet keeps flying, the restarted service finds the drones at the same addresses and the flight completes (×${REPEAT})`, async () => {
    const d = await demo();
    await new Promise((r) => setTimeout(r, (11 / SPEEDUP) * 1000)); // demo drones ready to arm after 10 s simulated
    for (let i = 0; i < REPEAT; i++) {
      const request = await d.queue();
      const ap = await d.pilot('POST', `/api/missions/${request.missionId}/approve`, { checklist: DEMO_CHECKLIST });
      expect(ap.status, JSON.stringify(ap.body)).toBe(200);
      const flightId = ap.body.flight.id as number;
      await airborne(d.pilot, flightId);
      const before = await urls(d.pilot);
      const fleetPid = (JSON.parse(readFileSync(d.stateFile, 'utf8')) as { pid: number }).pid;
      const restartedAt = Date.now();
      const svc = await d.restart();
      expect(svc.out).toContain(`process ${fleetPid}, still running from before`);
      expect(await urls(d.pilot)).toEqual(before);
      const done = await waitFor(
        'completed after the restart',
        async () => {
          const f = (await d.pilot('GET', `/api/flights/${flightId}`)).body;
          if (['failed', 'aborted', 'lost'].includes(f.state)) throw new Error(`flight ${f.state} after restart: ${f.stateReason}`);
          return f.state === 'completed' ? f : null;
        },
        120_000,
      );
      // eslint-disable-next-line no-console
      console.log(`(a) run ${i + 1}: restart → completed ${Date.now() - restartedAt} ms wall (speed-up ${SPEEDUP}×)`);
      expect(done.transitions.map((t: Json) => t.to)).toEqual(expect.arrayContaining(['delivering', 'returning', 'landed', 'completed']));
      expect(done.linkLost).toBeNull();
      expect((await d.officer('GET', `/api/requests/${request.id}`)).body.status).toBe('delivered');
      const drone = ((await d.pilot('GET', '/api/drones')).body.drones as Json[]).find((x) => x.id === done.drone.id)!;
      expect(drone.status).toBe('idle');
    }
    d.svc().child.kill('SIGTERM');
    await new Promise((r) => d.svc().child.once('exit', r));
    expect(existsSync(d.stateFile), 'a clean stop with no unfinished flight stops the demo fleet').toBe(false);
  }, 600_000);

  it(`(b) demo: the fleet died too; the drone is found landed and disarmed, the flight ends with that cause, the request is re-queued and flown (×${REPEAT})`, async () => {
    const d = await demo();
    await new Promise((r) => setTimeout(r, (11 / SPEEDUP) * 1000));
    let request = await d.queue();
    for (let i = 0; i < REPEAT; i++) {
      const ap = await d.pilot('POST', `/api/missions/${request.missionId}/approve`, { checklist: DEMO_CHECKLIST });
      expect(ap.status, JSON.stringify(ap.body)).toBe(200);
      const flightId = ap.body.flight.id as number;
      await airborne(d.pilot, flightId);
      const before = await urls(d.pilot);
      const oldFleet = killFleet(d.stateFile);
      expect(oldFleet).not.toBeNull();
      const svc = await d.restart();
      expect(svc.out).not.toContain('still running from before');
      // a new fleet on the same addresses: every drone at home, on the ground, disarmed
      expect(await urls(d.pilot)).toEqual(before);
      const ended = await waitFor('flight ended', async () => {
        const f = (await d.pilot('GET', `/api/flights/${flightId}`)).body;
        return f.endedAt ? f : null;
      });
      expect(ended.state).toBe('failed');
      expect(ended.stateReason).toBe(FOUND_ON_GROUND_REASON);
      // back in the queue: planned again, with a new mission
      const again = await waitFor('re-queued', async () => {
        const r = (await d.officer('GET', `/api/requests/${request.id}`)).body;
        return r.status === 'awaiting-approval' && r.missionId !== request.missionId ? r : null;
      });
      const audit = (await (await login(() => d.svc().base, 'admin', 'admin-demo'))('GET', '/api/audit?limit=50')).body.entries as Json[];
      expect(audit.some((e) => e.action === 'request.requeue' && e.subject.id === String(request.id))).toBe(true);
      request = again;
    }
    // the drone is usable: the re-queued request flies
    await new Promise((r) => setTimeout(r, (11 / SPEEDUP) * 1000));
    const ap = await d.pilot('POST', `/api/missions/${request.missionId}/approve`, { checklist: DEMO_CHECKLIST });
    expect(ap.status, JSON.stringify(ap.body)).toBe(200);
    await airborne(d.pilot, ap.body.flight.id as number);
  }, 600_000);

  it(`(c) the vehicle is gone: alert at once, abort says "declare lost", the pilot declares it lost, the drone is planned on again after recovery (×${REPEAT})`, async () => {
    dir = mkdtempSync(join(tmpdir(), 'medidrop-lost-'));
    const db = join(dir, 'medidrop.sqlite');
    emu = await startEmulator({ vehicles: [{ sysid: 4, home: { lat: DEPOT[1], lon: DEPOT[0], altM: 0 } }], speedup: 12, readyAfterS: 2 });
    const port = emu.vehicles[0]!.tcpPort;
    const seed = await makeTestApp({ db });
    seed.parts.repos.drones.update('md-1', { connectionUrl: `tcp://127.0.0.1:${port}`, sysid: 4 });
    const officerSeed = await seed.login('officer.li');
    const created = await seed.as(officerSeed, { method: 'POST', url: '/api/requests', payload: requestBody(), headers: { 'idempotency-key': newKey() } });
    let request = created.json() as Json;
    await seed.close();

    let svc = await startService(['--db', db]);
    const base = () => svc.base;
    const pilot = await login(base, 'pilot.zhao', PASSWORD);
    const officer = await login(base, 'officer.li', PASSWORD);
    const admin = await login(base, 'admin.chen', PASSWORD);
    for (let i = 0; i < REPEAT; i++) {
      const ap = await pilot('POST', `/api/missions/${request.missionId}/approve`, { checklist: CHECKLIST });
      expect(ap.status, JSON.stringify(ap.body)).toBe(200);
      const flightId = ap.body.flight.id as number;
      await airborne(pilot, flightId);

      // the vehicle and the service die together; the service comes back alone
      await emu!.stop();
      emu = null;
      await kill9(svc.child);
      svc = await startService(['--db', db]);
      const restartedAt = Date.now(); // listening again
      const lost = await waitFor('link-lost alert', async () => {
        const f = (await pilot('GET', `/api/flights/${flightId}`)).body;
        return f.linkLost ? f : null;
      });
      const alertMs = Date.now() - restartedAt;
      // eslint-disable-next-line no-console
      console.log(`(c) run ${i + 1}: listening again → link-lost alert ${alertMs} ms wall`);
      expect(alertMs).toBeLessThan(10_000);
      expect(lost.link.up).toBe(false);
      expect(lost.linkLost.canDeclareLost).toBe(true);
      expect(lost.alerts.some((a: Json) => a.kind === 'link-lost' && a.severity === 'critical')).toBe(true);
      expect(['en-route', 'delivering', 'returning']).toContain(lost.state);

      for (const action of ['abort', 'pause']) {
        const r = await pilot('POST', `/api/flights/${flightId}/${action}`, {});
        expect(r.status).toBe(409);
        expect(r.body.error.message).toMatch(/link .* is down/);
        expect(r.body.error.message).toMatch(/declare-lost/);
      }
      // a new request is not planned on the unreachable drone (the only one)
      const other = (await officer('POST', '/api/requests', requestBody({ recipient: `Next ${i}` }), { 'idempotency-key': newKey() })).body;
      expect(other.status).toBe('unservable');
      expect(other.reasons.map((r: Json) => r.code)).toContain('drone-unreachable');

      // declare lost: bad bodies change nothing
      expect((await pilot('POST', `/api/flights/${flightId}/declare-lost`, {})).status).toBe(400);
      expect((await pilot('POST', `/api/flights/${flightId}/declare-lost`, { reason: '   ' })).status).toBe(400);
      expect((await officer('POST', `/api/flights/${flightId}/declare-lost`, { reason: 'not mine' })).status).toBe(403);
      const declared = await pilot('POST', `/api/flights/${flightId}/declare-lost`, {
        reason: 'no telemetry since the restart; not at the depot',
        lastKnownLocation: 'over the river, 300 m east of the depot',
      });
      expect(declared.status, JSON.stringify(declared.body)).toBe(200);
      expect(declared.body.state).toBe('lost');
      expect(declared.body.endedAt).not.toBeNull();
      expect((await pilot('POST', `/api/flights/${flightId}/declare-lost`, { reason: 'again' })).status).toBe(409);

      // the request is back in the queue, but no drone may fly it until the lost one is recovered
      const back = await waitFor('request re-queued', async () => {
        const r = (await officer('GET', `/api/requests/${request.id}`)).body;
        return r.status === 'unservable' ? r : null;
      });
      expect(back.reasons.map((r: Json) => r.code)).toContain('drone-lost');
      const drone = ((await pilot('GET', '/api/drones')).body.drones as Json[]).find((x) => x.id === 'md-1')!;
      expect(drone.status).toBe('lost');

      // the pilot confirms where the drone is; it is back (a fresh vehicle on the same address)
      expect((await pilot('POST', '/api/drones/md-1/recovered', { note: '' })).status).toBe(400);
      emu = await startEmulator({ vehicles: [{ sysid: 4, home: { lat: DEPOT[1], lon: DEPOT[0], altM: 0 }, tcpPort: port }], speedup: 12, readyAfterS: 2 });
      const rec = await pilot('POST', '/api/drones/md-1/recovered', { note: 'found in a field by the river, undamaged; back at the depot' });
      expect(rec.status, JSON.stringify(rec.body)).toBe(200);
      expect(rec.body.flights).toEqual([flightId]);
      expect(rec.body.drone.status).toBe('idle');
      expect((await pilot('POST', '/api/drones/md-1/recovered', { note: 'twice' })).status).toBe(409);
      request = await waitFor('planned again', async () => {
        const r = (await officer('GET', `/api/requests/${request.id}`)).body;
        return r.status === 'awaiting-approval' ? r : null;
      });
      // the extra request queued meanwhile is plannable again too; cancel it to keep one in play
      await waitFor('other planned', async () => ((await officer('GET', `/api/requests/${other.id}`)).body.status === 'awaiting-approval' ? true : null));
      expect((await officer('DELETE', `/api/requests/${other.id}`)).status).toBe(200);

      const audit = (await admin('GET', '/api/audit?limit=100')).body.entries as Json[];
      expect(audit.find((e) => e.action === 'flight.declare-lost' && e.subject.id === String(flightId))).toMatchObject({
        actor: { username: 'pilot.zhao' },
        reason: 'no telemetry since the restart; not at the depot',
        details: { droneId: 'md-1', lastKnownLocation: 'over the river, 300 m east of the depot' },
      });
      expect(audit.find((e) => e.action === 'drone.recovered' && e.subject.id === 'md-1')).toMatchObject({ actor: { username: 'pilot.zhao' } });
    }
    // recovered and usable: the re-queued request flies on it
    const ap = await pilot('POST', `/api/missions/${request.missionId}/approve`, { checklist: CHECKLIST });
    expect(ap.status, JSON.stringify(ap.body)).toBe(200);
    await airborne(pilot, ap.body.flight.id as number);
  }, 600_000);
});
