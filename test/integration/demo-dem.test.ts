/**
 * The demo's emulated drones stand on the service's DEM (MEDIDROP_DEM), the ground the planner plans
 * with (issue 12: "the emulator takes its ground from the same DEM"). The DEM is generated: a plane
 * over the county town rising 4 m per 100 m eastwards, so the depots' grounds differ from the map's
 * altitudes (Chengzhong: map 2262 m, DEM 2300 m) and the drop points lie above or below their depot.
 *
 * - In the service's process (startDemoDrones, `serve --demo` on an in-memory database): each drone's
 *   home is the DEM's ground at its depot; a parcel for a courtyard is placed on the DEM's ground
 *   there (on flat ground at the depot's height, the payload place would touch down at 0 m and the
 *   planned release height would be missed), and one for a rooftop on the roof standing on the DEM's
 *   ground at its drop point.
 * - The detached demo fleet (`medidrop serve --demo --db FILE` with MEDIDROP_DEM, the built CLI):
 *   the fleet process loads the same files; a delivery completes and the lowest point of the
 *   delivery descent, as the service reports the flight's position, is the DEM's ground at the drop
 *   point.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startDemoDrones } from '../../src/cli/serve.js';
import { loadDem } from '../../src/geo/dem/load.js';
import { type Dem, isDemGap } from '../../src/geo/dem/types.js';
import { packageRoot } from '../../src/package-root.js';
import type { Emulator } from '../../sim/emulator/index.js';
import { distanceM } from '../../sim/emulator/geo.js';
import { plane, writeHgt } from '../support/dem.js';
import { CLI, spawnService } from '../support/service-process.js';
import { CHECKLIST, makeTestApp, newKey, requestBody, type Session, type TestApp } from './api-support.js';

type Json = Record<string, any>;

const MAP_FILE = join(packageRoot(), 'missions', 'county-town.geojson');
const COURTYARD = 'Jinxiu Garden courtyard 锦绣花园中心庭院';
const ROOFTOP = 'Jinxiu Garden Building 5 rooftop 锦绣花园5号楼楼顶';
/** Chengzhong Police Station's longitude: the plane's reference (2300 m there). */
const LON0 = 101.7733932;
/** 4 m per 100 m eastwards, in metres per degree of longitude at 36.6° N. */
const PER_DEG_LON = 0.04 * 111_195 * Math.cos((36.6 * Math.PI) / 180);
/** Release and touchdown heights against the DEM's, m (the payload place's touchdown detection, a 1 m-whole-metre DEM). */
const HEIGHT_TOL_M = 1;

const map = JSON.parse(readFileSync(MAP_FILE, 'utf8')) as Json;
const feature = (name: string) => (map.features as Json[]).find((f) => f.properties.name === name)!;
const lonLat = (name: string) => feature(name).geometry.coordinates as [number, number];

let root = '';
let dem: Dem;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'medidrop-demo-dem-'));
  writeHgt(root, 36, 101, 1201, plane(2300, PER_DEG_LON, 0, LON0, 0));
  dem = await loadDem([root]);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function ground(name: string): number {
  const [lon, lat] = lonLat(name);
  const g = dem.sample(lon, lat);
  if (isDemGap(g)) throw new Error(`no DEM data at ${name}`);
  return g;
}

async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the demo drones in the service process take their ground from MEDIDROP_DEM', () => {
  let t: TestApp | null = null;
  let demo: { stop: () => Promise<void>; emulator?: Emulator } | null = null;
  afterEach(async () => {
    await demo?.stop();
    await t?.close();
    demo = null;
    t = null;
  });

  it("stand on the DEM's ground at their depots and place parcels on the DEM's ground and on a rooftop standing on it", async () => {
    // 20×, not 50×: ArduCopter disarms 10 s (simulated) after arming without a take-off (DISARM_DELAY),
    // 0.2 s of wall time at 50×, which a loaded machine stalled past between arming and MISSION_START
    const speedup = 20;
    t = await makeTestApp({ starter: 'fleet', config: { simSpeedup: speedup, dem: [root] } });
    t.parts.repos.drones.update('md-1', { enabled: false }); // the API fixture's drone is not part of the demo
    await t.parts.dispatcher.setZoneMap(map, null);
    demo = await startDemoDrones(t.parts, speedup);
    const emu = demo.emulator!;
    const { repos } = t.parts;

    const [officer, pilot] = await Promise.all([t.login('officer.li'), t.login('pilot.zhao')]);
    const targets = [COURTYARD, ROOFTOP];
    const requests = new Map<string, number>();
    for (const name of targets) {
      const r = await t.as(officer, {
        method: 'POST',
        url: '/api/requests',
        payload: requestBody({ dropPoint: { name } }),
        headers: { 'idempotency-key': newKey() },
      });
      expect(r.statusCode, r.body).toBe(201);
      expect(r.json().status, `${name}: ${JSON.stringify(r.json().reasons)}`).toBe('awaiting-approval');
      requests.set(name, r.json().id as number);
    }
    const flights = await approveAll(t, pilot, requests, 120_000);

    // Each drone that flew has its home (set when it became ready) at the DEM's ground at its depot,
    // not at the map's groundAltitudeM.
    const flown = new Set([...flights.values()].map((id) => repos.flights.byId(id)!.droneId));
    for (const d of repos.drones.list().filter((x) => flown.has(x.id))) {
      const v = emu.vehicles.find((x) => x.sysid === d.sysid)!;
      expect(v.home!.altM, d.id).toBeCloseTo(ground(d.depot), 1);
      expect(Math.abs(v.home!.altM - (feature(d.depot).properties.groundAltitudeM as number)), `${d.id}: the DEM differs from the map here`).toBeGreaterThan(5);
    }

    for (const [name, flightId] of flights) {
      const f = repos.flights.byId(flightId)!;
      expect(f.state, `${name}: ${f.stateReason}`).toBe('completed');
      const drone = repos.drones.byId(f.droneId)!;
      const v = emu.vehicles.find((x) => x.sysid === drone.sysid)!;
      const [lon, lat] = lonLat(name);
      const release = v.releases.find((r) => distanceM({ lat, lon }, r) <= 3);
      expect(release, `${name}: no release within 3 m on ${f.droneId}`).toBeDefined();
      // The parcel rests on the DEM's ground at the drop point (plus the roof's height), relative to the depot's.
      const expected = ground(name) - ground(drone.depot) + ((feature(name).properties.heightM as number | undefined) ?? 0);
      expect(Math.abs(expected), `${name}: the drop surface is not at the depot's height`).toBeGreaterThan(10);
      expect(release!.payloadRelAltM, `${name} from ${drone.depot}: parcel height above the depot`).toBeGreaterThan(expected - HEIGHT_TOL_M);
      expect(release!.payloadRelAltM, `${name} from ${drone.depot}: parcel height above the depot`).toBeLessThan(expected + HEIGHT_TOL_M);
      expect(distanceM(v.position, v.home!), `${f.droneId} home`).toBeLessThan(3);
      expect([v.landed, v.armed], `${f.droneId} landed, disarmed`).toEqual([true, false]);
    }
  }, 180_000);
});

/** Approve each request's mission once it awaits approval (a re-planned one is looked at again), until all flights end. */
async function approveAll(t: TestApp, pilot: Session, requests: Map<string, number>, timeoutMs: number): Promise<Map<string, number>> {
  const { repos } = t.parts;
  const flights = new Map<string, number>();
  const end = Date.now() + timeoutMs;
  while (flights.size < requests.size || [...flights.values()].some((id) => repos.flights.byId(id)!.endedAt === null)) {
    for (const [name, requestId] of requests) {
      if (flights.has(name)) continue;
      const missionId = repos.requests.byId(requestId)!.missionId;
      const mission = missionId === null ? null : repos.missions.byId(missionId);
      if (mission?.status !== 'awaiting-approval') continue;
      // one flight per drone at a time: the other waits for its drone to be available again
      if (t.parts.fleet.get(mission.droneId)?.state !== 'available') continue;
      const r = await t.as(pilot, { method: 'POST', url: `/api/missions/${mission.id}/approve`, payload: { checklist: CHECKLIST } });
      if (r.statusCode === 409) continue; // re-planned or the drone just became busy: look again
      expect(r.statusCode, r.body).toBe(200);
      flights.set(name, r.json().flight.id as number);
    }
    if (Date.now() > end) throw new Error(`not done in ${timeoutMs} ms: ${flights.size} of ${requests.size} approved`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return flights;
}

describe('the detached demo fleet of `medidrop serve --demo` takes its ground from MEDIDROP_DEM', () => {
  const children: ChildProcess[] = [];
  let dir = '';
  beforeAll(() => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build' first (npm test does)`);
  });
  afterEach(async () => {
    for (const c of children.splice(0)) {
      if (c.exitCode === null && c.signalCode === null) {
        // a clean stop ends the demo fleet too (no flight unfinished)
        c.kill('SIGTERM');
        await new Promise((r) => c.once('exit', r));
      }
    }
    const stateFile = join(dir, 'demo.sqlite.demo-fleet.json');
    if (existsSync(stateFile)) {
      const pid = (JSON.parse(readFileSync(stateFile, 'utf8')) as { pid?: number }).pid;
      if (pid)
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("a delivery descends to the DEM's ground at the drop point and completes", async () => {
    dir = mkdtempSync(join(tmpdir(), 'medidrop-demo-dem-svc-'));
    const db = join(dir, 'demo.sqlite');
    const speedup = 10;
    const svc = await spawnService(['--demo', '--db', db, '--speedup', String(speedup)], { env: { MEDIDROP_DEM: root } });
    children.push(svc.child);
    expect(svc.out).toContain("their ground is the DEM's");
    const fleetSpec = (JSON.parse(readFileSync(`${db}.demo-fleet.json`, 'utf8')) as { spec: { dem?: string[] } }).spec;
    expect(fleetSpec.dem).toEqual([root]);
    const call = async (who: { cookie: string; csrf: string }, method: string, path: string, body?: unknown) => {
      const r = await fetch(`${svc.url}${path}`, {
        method,
        headers: {
          cookie: who.cookie,
          'x-csrf-token': who.csrf,
          ...(method === 'POST' ? { 'idempotency-key': newKey() } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      return { status: r.status, body: (r.status === 204 ? {} : await r.json()) as Json };
    };
    const login = async (username: string, password: string) => {
      const r = await fetch(`${svc.url}/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password }),
      });
      expect(r.status).toBe(200);
      const cookie = r.headers
        .getSetCookie()
        .find((c) => c.startsWith('medidrop_session='))!
        .split(';')[0]!;
      return { cookie, csrf: ((await r.json()) as { csrfToken: string }).csrfToken };
    };
    const officer = await login('officer', 'officer-demo');
    const pilot = await login('pilot', 'pilot-demo');
    await new Promise((r) => setTimeout(r, (11 / speedup) * 1000)); // demo drones ready to arm after 10 s simulated

    const created = await call(officer, 'POST', '/api/requests', requestBody({ dropPoint: { name: COURTYARD } }));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const request = await waitFor(
      'the request planned',
      async () => {
        const r = (await call(officer, 'GET', `/api/requests/${created.body.id}`)).body;
        if (r.status === 'refused') throw new Error(`refused: ${JSON.stringify(r.reasons)}`);
        return r.status === 'awaiting-approval' ? r : null;
      },
      30_000,
    );
    const ap = await call(pilot, 'POST', `/api/missions/${request.missionId}/approve`, { checklist: CHECKLIST });
    expect(ap.status, JSON.stringify(ap.body)).toBe(200);
    const flightId = ap.body.flight.id as number;
    // The lowest the drone went while delivering, as the service saw it (relative to its depot).
    let lowest = Infinity;
    const done = await waitFor(
      'the flight completed',
      async () => {
        const f = (await call(pilot, 'GET', `/api/flights/${flightId}`)).body;
        if (['failed', 'aborted', 'lost'].includes(f.state)) throw new Error(`flight ${f.state}: ${f.stateReason}`);
        if (f.state === 'delivering' && f.position) lowest = Math.min(lowest, f.position.relAltM as number);
        return f.state === 'completed' ? f : null;
      },
      300_000,
    );
    expect(done.delivery.distanceM).toBeLessThan(3);
    const drone = ((await call(pilot, 'GET', '/api/drones')).body.drones as Json[]).find((d) => d.id === done.drone.id)!;
    const expected = ground(COURTYARD) - ground(drone.depot as string);
    console.log(
      `[demo-dem] detached fleet: ${drone.id} from ${drone.depot}: lowest while delivering ${lowest.toFixed(2)} m, DEM says ${expected.toFixed(2)} m`,
    );
    expect(Math.abs(expected), "the courtyard is not at the depot's height").toBeGreaterThan(10);
    expect(lowest, `lowest while delivering (expected ${expected.toFixed(1)} m)`).toBeGreaterThan(expected - HEIGHT_TOL_M - 0.5);
    expect(lowest, `lowest while delivering (expected ${expected.toFixed(1)} m)`).toBeLessThan(expected + HEIGHT_TOL_M + 0.5);
  }, 420_000);
});
