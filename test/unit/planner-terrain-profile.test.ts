/**
 * The route's height profile (src/planner/terrain-profile.ts) over a generated DEM (a hill) and on
 * flat ground: distances along the route, ground and altitude above home, obstacle tops crossed
 * (kept when thinned), the drop point, the minimum clearance, and the point cap.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDem } from '../../src/geo/dem/load.js';
import type { Dem } from '../../src/geo/dem/types.js';
import { parseZoneMap } from '../../src/geo/zone-map.js';
import { planDelivery } from '../../src/planner/plan-delivery.js';
import { routeProfile } from '../../src/planner/terrain-profile.js';
import { type Point3, prepareObstacles } from '../../src/planning/clearance.js';
import type { PlanRequest } from '../../src/planning/types.js';
import { hill, writeHgt } from '../support/dem.js';
import { at, box, DRONE } from './plan-fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'medidrop-profile-'));
let dem: Dem;
const BASE = 2260;
beforeAll(async () => {
  const dir = join(root, 'hill');
  mkdirSync(dir);
  // A 50 m hill 1 km east of the depot, on ground 2,260 m above the sea.
  writeHgt(dir, 36, 101, 1201, hill(BASE, at(1000, 0), 50, 200));
  dem = await loadDem([dir]);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const HOME = at(0, 0);
const DROP = at(2000, 0);
const TOWER = box(500, 0, 6, 6);
/** Take-off to 80 m, out to the drop point, down to it, back up, home, land. */
const PATH: Point3[] = [
  [HOME[0], HOME[1], 0],
  [HOME[0], HOME[1], 80],
  [DROP[0], DROP[1], 80],
  [DROP[0], DROP[1], 0],
  [DROP[0], DROP[1], 80],
  [HOME[0], HOME[1], 80],
  [HOME[0], HOME[1], 0],
];
const tower = (heightM: number) => [{ name: 'Tower', geometry: { type: 'Polygon' as const, coordinates: [TOWER] }, heightM }];

describe('route profile', () => {
  it('unrolls the route with the ground above home, the drop point and the obstacle crossed', () => {
    const p = routeProfile({ path: PATH, dem, obstacles: prepareObstacles(tower(40), dem, BASE), homeGroundM: BASE, dropPoint: DROP, ceilingAglM: 120 });
    expect(p.reference).toBe('home');
    expect(p.lengthM).toBeGreaterThan(3980);
    expect(p.lengthM).toBeLessThan(4020);
    expect(p.dropDistanceM).toBeCloseTo(p.lengthM / 2, 0);
    expect(p.ceilingAglM).toBe(120);
    // Every 10 m: about 400 horizontal samples plus the vertical ends.
    expect(p.points.length).toBeGreaterThan(400);
    expect(p.points.length).toBeLessThanOrEqual(500);
    for (let i = 1; i < p.points.length; i++) expect(p.points[i]!.distanceM).toBeGreaterThanOrEqual(p.points[i - 1]!.distanceM);
    // The hill top, 50 m above home, under the path at 1 km out and 1 km before home.
    const near = (d: number) => p.points.reduce((b, q) => (Math.abs(q.distanceM - d) < Math.abs(b.distanceM - d) ? q : b));
    expect(near(1000).groundM).toBeGreaterThan(45);
    expect(near(3000).groundM).toBeGreaterThan(45);
    expect(Math.abs(near(200).groundM!)).toBeLessThan(2);
    // The drop point: down to the ground and up again at one distance.
    const atDrop = p.points.filter((q) => Math.abs(q.distanceM - p.dropDistanceM!) < 0.5);
    expect(atDrop.map((q) => q.pathAltM)).toEqual(expect.arrayContaining([80, 0]));
    // The 40 m tower at 500 m, crossed out and back, and only there.
    const tops = p.points.filter((q) => q.obstacleTopM !== null);
    expect(tops.length).toBeGreaterThan(0);
    for (const q of tops) {
      expect(q.obstacleTopM).toBeGreaterThan(39);
      expect(q.obstacleTopM).toBeLessThan(43);
      expect(Math.min(Math.abs(q.distanceM - 500), Math.abs(q.distanceM - (p.lengthM - 500)))).toBeLessThan(15);
    }
    // The lowest clearance: over the hill top (80 m minus the top, about 47 m on the 3″ grid), not
    // over the tower (80 − 40).
    const top = Math.max(...p.points.map((q) => q.groundM ?? 0));
    expect(p.minClearance?.clearanceM).toBeCloseTo(80 - top, 0);
    expect(p.minClearance?.obstacle).toBeUndefined();
    expect(Math.min(Math.abs(p.minClearance!.distanceM - 1000), Math.abs(p.minClearance!.distanceM - 3000))).toBeLessThan(30);
  });

  it('names the obstacle when it is the lowest clearance, and keeps it when thinning hard', () => {
    const p = routeProfile({
      path: PATH,
      dem,
      obstacles: prepareObstacles(tower(70), dem, BASE),
      homeGroundM: BASE,
      dropPoint: DROP,
      ceilingAglM: 120,
      maxPoints: 40,
    });
    expect(p.points.length).toBeLessThanOrEqual(40);
    expect(p.minClearance?.obstacle).toBe('Tower');
    expect(p.minClearance?.clearanceM).toBeCloseTo(10, 0);
    // 40 points over 4 km is one per 100 m or so: the 6 m tower is still there, and so is the hill top.
    expect(p.points.filter((q) => q.obstacleTopM !== null && q.obstacleTopM > 69).length).toBeGreaterThanOrEqual(2);
    expect(Math.max(...p.points.map((q) => q.groundM ?? -1))).toBeGreaterThan(45);
    // The vertical segments are kept: take-off, the drop point's descent and climb, the landing.
    expect(p.points[0]).toMatchObject({ distanceM: 0, pathAltM: 0 });
    expect(p.points.at(-1)?.pathAltM).toBe(0);
    expect(p.points.filter((q) => Math.abs(q.distanceM - p.dropDistanceM!) < 0.5 && q.pathAltM === 0).length).toBe(1);
  });

  it('on flat ground the ground is level with home and obstacles stand on it', () => {
    const p = routeProfile({ path: PATH, obstacles: prepareObstacles(tower(40), undefined, 1800), homeGroundM: 1800, dropPoint: DROP, ceilingAglM: 120 });
    expect(p.points.every((q) => q.groundM === 0)).toBe(true);
    expect(Math.max(...p.points.map((q) => q.obstacleTopM ?? 0))).toBe(40);
    expect(p.minClearance?.clearanceM).toBe(40);
  });

  it('comes with the plan, at most 500 points, on a DEM and without one', () => {
    const map = parseZoneMap({
      type: 'FeatureCollection',
      properties: { name: 'line', siteAltitudeM: BASE },
      features: [
        { type: 'Feature', properties: { kind: 'depot', name: 'Depot' }, geometry: { type: 'Point', coordinates: HOME } },
        { type: 'Feature', properties: { kind: 'drop-point', name: 'Drop' }, geometry: { type: 'Point', coordinates: at(6000, 0) } },
        { type: 'Feature', properties: { kind: 'obstacle', name: 'Tower', height_m: 20 }, geometry: { type: 'Polygon', coordinates: [TOWER] } },
      ],
    });
    const request: PlanRequest = {
      from: { name: 'Depot' },
      to: { name: 'Drop' },
      drone: DRONE,
      conditions: { payloadKg: 0.5, wind: { speedMs: 0, fromDeg: 0 }, temperatureC: 15 },
    };
    for (const context of [{ dem }, {}]) {
      const plan = planDelivery(map, request, context);
      const prof = plan.terrain?.profile;
      expect(prof).toBeDefined();
      expect(prof!.points.length).toBeLessThanOrEqual(500);
      expect(prof!.lengthM).toBeGreaterThan(11_900);
      expect(prof!.dropDistanceM).toBeCloseTo(prof!.lengthM / 2, -1);
      expect(prof!.points.some((q) => q.obstacleTopM !== null)).toBe(true);
      if (!('dem' in context)) expect(prof!.points.every((q) => q.groundM === 0)).toBe(true);
      else expect(Math.max(...prof!.points.map((q) => q.groundM ?? 0))).toBeGreaterThan(45);
    }
  });
});
