/**
 * A delivery over a ridge on the emulator, whose ground is the same generated DEM the planner uses
 * (EmulatorOptions.terrain): depot on one side, drop point on the other, 20 m higher, the ridge
 * between them higher than the 80 m cruise above home. The plan climbs over it; the parcel is placed
 * on the DEM's ground at the drop point (payload place descends until it touches down there); the
 * drone comes home. The flown track, sampled as the vehicle reports it, keeps the clearance above the
 * ground and stays at most 100 m (120 m minus the margin) above it; the plan's failsafe returns are
 * checked by the planner (test/unit/plan-failsafe-terrain.test.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startEmulator } from '../../sim/emulator/index.js';
import { loadDem } from '../../src/geo/dem/load.js';
import { isDemGap } from '../../src/geo/dem/types.js';
import { parseZoneMap } from '../../src/geo/zone-map.js';
import type { MavlinkConnection } from '../../src/mavlink/types.js';
import { planDelivery } from '../../src/planner/plan-delivery.js';
import { ridge, writeHgt } from '../support/dem.js';
import { at } from '../unit/plan-fixtures.js';
import { distanceM, drone, fly } from './flight-scenarios.js';

const root = mkdtempSync(join(tmpdir(), 'medidrop-flight-terrain-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const DEPOT = at(0, 0);
const DROP = at(2000, 0);
const MID = at(1000, 0);

describe('a delivery over a ridge, on the emulator with the DEM as its ground', () => {
  it('climbs over the ridge, places the parcel on the ground at the drop point and comes home, within both limits', async () => {
    const ridgeOf = ridge(2260, MID[0], 100, 300);
    // The drop side rises 20 m from depot to drop point, besides the ridge.
    writeHgt(root, 36, 101, 1201, (lon, lat) => ridgeOf(lon, lat) + 20 * Math.max(0, Math.min(1, (lon - DEPOT[0]) / (DROP[0] - DEPOT[0]))));
    const dem = await loadDem([root]);
    const ground = (lon: number, lat: number) => {
      const g = dem.sample(lon, lat);
      if (isDemGap(g)) throw new Error(`no DEM data at ${lat},${lon}`);
      return g;
    };
    const map = parseZoneMap({
      type: 'FeatureCollection',
      properties: { name: 'ridge', siteAltitudeM: 2260 },
      features: [
        { type: 'Feature', properties: { kind: 'depot', name: 'Depot' }, geometry: { type: 'Point', coordinates: DEPOT } },
        { type: 'Feature', properties: { kind: 'drop-point', name: 'Drop' }, geometry: { type: 'Point', coordinates: DROP } },
      ],
    });
    const p = planDelivery(
      map,
      {
        from: { name: 'Depot' },
        to: { name: 'Drop' },
        drone: drone('police-quad'),
        conditions: { payloadKg: 0.5, wind: { speedMs: 0, fromDeg: 0 }, temperatureC: 15 },
      },
      { dem },
    );
    expect(p.reasons).toEqual([]);
    expect(p.feasible).toBe(true);
    // Over the ridge: higher than the 80 m cruise above home.
    expect(Math.max(...p.waypoints.map(([, , z]) => z))).toBeGreaterThan(100 + 30 - 10);

    const home = p.vehiclePlan!.home;
    const homeGround = ground(DEPOT[0], DEPOT[1]);
    expect(home.altM).toBeCloseTo(homeGround, 1);
    const emu = await startEmulator({
      vehicles: [{ sysid: 1, home }],
      speedup: 40,
      readyAfterS: 4,
      terrain: (lat, lon) => {
        const g = dem.sample(lon, lat);
        return isDemGap(g) ? undefined : g;
      },
    });
    cleanups.push(() => emu.stop());
    const f = await fly(`tcp://127.0.0.1:${emu.vehicles[0]!.tcpPort}`, 1, p, 120_000);
    cleanups.push(() => (f.connection as MavlinkConnection).close());
    const v = emu.vehicles[0]!;
    expect(f.outcome.reason).toBeNull();
    expect(f.outcome.ok).toBe(true);
    // Released once, at the drop point, on the DEM's ground there (20 m above the depot's ground).
    expect(v.releases).toHaveLength(1);
    expect(distanceM(v.releases[0]!, p.vehiclePlan!.delivery)).toBeLessThan(3);
    const dropGround = ground(DROP[0], DROP[1]);
    expect(dropGround - homeGround).toBeGreaterThan(15);
    expect(v.releases[0]!.relAltM).toBeCloseTo(dropGround - homeGround, 0);
    // Home, landed, disarmed.
    expect(distanceM(v.position, home)).toBeLessThan(3);
    expect(v.landed).toBe(true);
    expect(v.armed).toBe(false);

    // The track as reported, away from the take-off, the delivery and the landing (which reach the ground by design).
    const track = f.events.filter((e) => e.type === 'position') as { lat: number; lon: number; relAltM: number }[];
    expect(track.length).toBeGreaterThan(100);
    let minClearance = Infinity;
    let maxAgl = -Infinity;
    for (const q of track) {
      const agl = q.relAltM + homeGround - ground(q.lon, q.lat);
      maxAgl = Math.max(maxAgl, agl);
      if (distanceM(q, home) > 60 && distanceM(q, p.vehiclePlan!.delivery) > 60) minClearance = Math.min(minClearance, agl);
    }
    expect(minClearance).toBeGreaterThanOrEqual(30 - 2);
    expect(maxAgl).toBeLessThanOrEqual(100 + 2);
  }, 180_000);
});
