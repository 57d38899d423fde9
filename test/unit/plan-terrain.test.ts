/**
 * The plan's terrain section with generated DEMs: flat ground without a DEM (and the same routes as
 * before), a hill, a valley and a ridge between depot and drop point, towers taller than the cruise,
 * a mast that only a straight failsafe return crosses, and a DEM that does not cover the route.
 * The route is still the flat-ground route; a broken limit makes the plan infeasible, naming it.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDem } from '../../src/geo/dem/load.js';
import type { Dem } from '../../src/geo/dem/types.js';
import { distanceM } from '../../src/geo/spherical.js';
import type { LonLat } from '../../src/geo/types.js';
import { parseZoneMap } from '../../src/geo/zone-map.js';
import { planDelivery } from '../../src/planner/plan-delivery.js';
import { terrainReport } from '../../src/planner/terrain.js';
import type { PlanRequest } from '../../src/planning/types.js';
import { hill, plane, ridge, type Terrain, valley, writeGeoTiff, writeHgt } from '../support/dem.js';
import { at, box, DRONE } from './plan-fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'medidrop-plan-terrain-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let count = 0;
const dems = new Map<string, Promise<Dem>>();
function demOf(key: string, t: Terrain): Promise<Dem> {
  if (!dems.has(key)) {
    const dir = join(root, `t${count++}`);
    mkdirSync(dir);
    writeHgt(dir, 36, 101, 1201, t);
    dems.set(key, loadDem([dir]));
  }
  return dems.get(key)!;
}

const DEPOT = at(0, 0);
const DROP = at(2000, 0);
const MID = at(1000, 0);
function lineMap(obstacles: { name: string; ring: LonLat[]; heightM: number }[] = []) {
  return parseZoneMap({
    type: 'FeatureCollection',
    properties: { name: 'line', siteAltitudeM: 2260 },
    features: [
      { type: 'Feature', properties: { kind: 'depot', name: 'Depot' }, geometry: { type: 'Point', coordinates: DEPOT } },
      { type: 'Feature', properties: { kind: 'drop-point', name: 'Drop' }, geometry: { type: 'Point', coordinates: DROP } },
      ...obstacles.map((o) => ({
        type: 'Feature',
        properties: { kind: 'obstacle', name: o.name, height_m: o.heightM },
        geometry: { type: 'Polygon', coordinates: [o.ring] },
      })),
    ],
  });
}
const request = (to = 'Drop', from = 'Depot'): PlanRequest => ({
  from: { name: from },
  to: { name: to },
  drone: DRONE,
  conditions: { payloadKg: 0.5, wind: { speedMs: 0, fromDeg: 0 }, temperatureC: 15 },
});
/** The constant cruise above home, only checked (followTerrain off). */
const checkOnly = (to = 'Drop'): PlanRequest => ({ ...request(to), options: { followTerrain: false } });

describe('planDelivery terrain section (constant cruise, checked only)', () => {
  it('without a DEM: flat ground at the home elevation, said so, and the same plan otherwise', () => {
    const map = lineMap();
    const plan = planDelivery(map, request());
    expect(plan.feasible).toBe(true);
    const t = plan.terrain!;
    expect(t.dem).toBeNull();
    expect(t.groundModel).toBe('flat');
    expect(t.homeGroundM).toBe(2260);
    expect(t.minClearanceM).toBe(80);
    expect(t.maxAglM).toBe(80);
    expect(t.waypoints).toHaveLength(plan.waypoints.length);
    expect(t.waypoints.every((w) => w.groundM === 2260)).toBe(true);
    expect(t.waypoints.map((w) => w.aglM)).toEqual(plan.waypoints.map(([, , alt]) => alt));
    expect(plan.checks.find((c) => c.id === 'terrain-clearance')!.message).toMatch(/flat ground assumed at the home elevation \(2260 m; no DEM given\)/);
    // The failsafe returns from every 10 m of both horizontal legs are in the check.
    expect(t.failsafeReturns).toBeGreaterThanOrEqual(2 * Math.floor(distanceM(DEPOT, DROP) / 10) - 2);
  });

  it('a flat DEM gives the same route and mission as no DEM', async () => {
    const dem = await demOf('flat', plane(2260, 0, 0));
    const map = lineMap();
    const flat = planDelivery(map, request());
    const withDem = planDelivery(map, request(), { dem });
    expect(withDem.feasible).toBe(true);
    expect(withDem.outbound).toEqual(flat.outbound);
    expect(withDem.vehiclePlan).toEqual(flat.vehiclePlan);
    expect(withDem.terrain!.dem).toMatch(/^1 SRTM tile \(3″\) from /);
    expect(withDem.terrain!.groundModel).toBe('dem');
    expect(withDem.terrain!.waypoints.every((w) => w.groundM === 2260)).toBe(true);
  });

  it('a hill between depot and drop point: infeasible, naming the clearance and the place', async () => {
    const dem = await demOf('hill', hill(2260, MID, 300, 300));
    const plan = planDelivery(lineMap(), checkOnly(), { dem });
    expect(plan.feasible).toBe(false);
    const reason = plan.reasons.find((r) => r.code === 'terrain-clearance')!;
    expect(reason.message).toMatch(
      /^clearance -?\d+(\.\d)? m above the ground \(\d+(\.\d)? m AMSL\) is below the 30 m required, at 36\.\d+,101\.\d+ \(lat,lon\) on the outbound route/,
    );
    expect(plan.terrain!.minClearanceM).toBeLessThan(-200);
    // At the top (to the 3″ grid's ~90 m spacing).
    expect(distanceM([plan.terrain!.minClearanceAt!.lon, plan.terrain!.minClearanceAt!.lat], MID)).toBeLessThan(50);
    expect(plan.checks.find((c) => c.id === 'terrain-clearance')!.ok).toBe(false);
    expect(plan.checks.find((c) => c.id === 'height-above-ground')!.ok).toBe(true);
    // The route is still the flat one (routing in 3-D comes later).
    expect(plan.outbound).toEqual(planDelivery(lineMap(), checkOnly()).outbound);
  });

  it('a valley: the ceiling above the ground is broken over its floor', async () => {
    const dem = await demOf('valley', valley(2060, MID[0], 200, 600));
    const plan = planDelivery(lineMap(), checkOnly(), { dem });
    expect(plan.feasible).toBe(false);
    expect(plan.reasons.map((r) => r.code)).toEqual(['height-above-ground']);
    expect(plan.reasons[0]!.message).toMatch(/m above the ground exceeds the 100 m ceiling, at .* on the outbound route/);
    expect(plan.terrain!.maxAglM).toBeGreaterThan(270);
    expect(plan.terrain!.maxAglM).toBeLessThan(281);
    // Waypoints over the rims are 80 m above the ground.
    expect(plan.terrain!.waypoints[0]!).toEqual({ groundM: 2260, aglM: 80 });
  });

  it('a ridge between depot and drop point: infeasible on clearance', async () => {
    const dem = await demOf('ridge', ridge(2260, MID[0], 150, 200));
    const plan = planDelivery(lineMap(), checkOnly(), { dem });
    expect(plan.reasons.map((r) => r.code)).toContain('terrain-clearance');
    // 80 m over a 150 m ridge; the 3″ grid shaves a few metres off its narrow crest.
    expect(plan.terrain!.minClearanceM).toBeGreaterThan(80 - 150 - 0.5);
    expect(plan.terrain!.minClearanceM).toBeLessThan(80 - 150 + 6);
  });

  it('towers taller than the cruise: infeasible, naming the tower; a low one passes with its clearance', async () => {
    const dem = await demOf('flat', plane(2260, 0, 0));
    const tall = lineMap([{ name: 'Tower 12', ring: box(1000, 0, 30, 30), heightM: 96 }]);
    for (const ctx of [{ dem }, {}]) {
      const plan = planDelivery(tall, checkOnly(), ctx);
      expect(plan.feasible).toBe(false);
      expect(plan.reasons[0]!.code).toBe('terrain-clearance');
      expect(plan.reasons[0]!.message).toMatch(/^clearance -16 m above obstacle 'Tower 12' \(top 2356 m AMSL\) is below the 30 m required/);
      expect(plan.terrain!.minClearanceAt!.obstacle).toBe('Tower 12');
    }
    const low = planDelivery(lineMap([{ name: 'Kiosk', ring: box(1000, 0, 30, 30), heightM: 40 }]), checkOnly(), { dem });
    expect(low.feasible).toBe(true);
    expect(low.terrain!.minClearanceM).toBe(40);
  });

  it('checks the straight failsafe returns: a tower only a return crosses breaks the clearance', () => {
    // An L-shaped route depot → 1 km east → 1 km north, no rally points: from the northern leg the
    // straight return to home cuts the corner, over a mast the route itself does not pass.
    const corner = at(1000, 0);
    const end = at(1000, 1000);
    const mast = { name: 'Mast', ring: box(500, 400, 10, 10), heightM: 95 };
    const map = lineMap([mast]);
    const waypoints: [number, number, number][] = [
      [DEPOT[0], DEPOT[1], 80],
      [corner[0], corner[1], 80],
      [end[0], end[1], 80],
      [end[0], end[1], 15],
    ];
    const input = { map, home: DEPOT, flatGroundM: 2260, waypoints, rallyPoints: [], rallyAltitudeM: 80, minClearanceM: 30, maxAglM: 100 };
    const out = terrainReport(input);
    const v = out.report.violations.find((x) => x.code === 'terrain-clearance')!;
    expect(v.part).toMatch(/^failsafe return to home from \d+ m along the route$/);
    expect(v.message).toContain("obstacle 'Mast'");
    // From 1,800 m along (800 m up the northern leg) the return passes the mast at (500, 400).
    expect(Number(/from (\d+) m/.exec(v.part)![1])).toBeGreaterThan(1700);
    // One return from every ≤ 10 m of the two legs (none from home itself).
    expect(out.report.failsafeReturns).toBe(Math.ceil(distanceM(DEPOT, corner) / 10) + Math.ceil(distanceM(corner, end) / 10));
    // With a rally point at the corner, the returns from the northern leg go there instead: clear.
    expect(terrainReport({ ...input, rallyPoints: [corner] }).report.violations).toEqual([]);
    // The straight delivery on the same map neither passes over the mast nor returns across it.
    expect(planDelivery(map, request()).feasible).toBe(true);
  });

  it('a DEM that does not cover the route: infeasible, naming the first point without data', async () => {
    const dir = join(root, 'partial');
    mkdirSync(dir);
    // About 450 m round the depot and round the drop point, nothing between.
    const tile = (name: string, [lon, lat]: LonLat) =>
      writeGeoTiff(join(dir, name), { west: lon - 0.005, north: lat + 0.005, step: 0.0005, cols: 20, rows: 20, terrain: () => 2260 });
    const depotTif = tile('depot.tif', DEPOT);
    const dropTif = tile('drop.tif', DROP);
    const dem = await loadDem([dir]);
    const plan = planDelivery(lineMap(), checkOnly(), { dem });
    expect(plan.feasible).toBe(false);
    expect(plan.reasons.find((r) => r.code === 'dem-no-coverage')!.message).toMatch(
      /^no elevation data covers 36\.\d{6},101\.78\d+ \(lat,lon\), on the outbound route, leg 1 at \d+ m$/,
    );
    const following = planDelivery(lineMap(), request(), { dem });
    expect(following.reasons.map((r) => r.code)).toEqual(['dem-no-coverage']);
    expect(following.reasons[0]!.message).toMatch(
      /^no flight from 'Depot' to 'Drop' along this route keeps the terrain limits: no elevation data covers 36\.\d{6},101\.78\d+ \(lat,lon\), on the route$/,
    );
    // Where the depot or the drop point itself has no data, that is said.
    const noDepot = planDelivery(lineMap(), request(), { dem: await loadDem([dropTif]) });
    expect(noDepot.reasons.map((r) => r.message)).toEqual([
      expect.stringMatching(/^the DEM gives no ground height for depot 'Depot': no elevation data covers/),
    ]);
    const noDrop = planDelivery(lineMap(), request(), { dem: await loadDem([depotTif]) });
    expect(noDrop.reasons.map((r) => r.message)).toEqual([
      expect.stringMatching(/^the DEM gives no ground height for drop point 'Drop': no elevation data covers/),
    ]);
  });

  it('the vertical clearance is an option', async () => {
    const dem = await demOf('flat', plane(2260, 0, 0));
    const map = lineMap([{ name: 'Kiosk', ring: box(1000, 0, 30, 30), heightM: 40 }]);
    const strict = planDelivery(map, { ...request(), options: { verticalClearanceM: 50, followTerrain: false } }, { dem });
    expect(strict.reasons.map((r) => r.code)).toEqual(['terrain-clearance']);
    expect(strict.reasons[0]!.message).toMatch(/below the 50 m required/);
  });
});

describe('planDelivery following the terrain (relative altitudes leg by leg)', () => {
  const routeParts = (plan: ReturnType<typeof planDelivery>) => plan.terrain!.violations.filter((v) => !v.part.startsWith('failsafe'));

  it('climbs over a ridge with extra waypoints; every route leg keeps the clearance and the ceiling', async () => {
    const dem = await demOf('ridge', ridge(2260, MID[0], 150, 200));
    const flat = planDelivery(lineMap(), request());
    const plan = planDelivery(lineMap(), request(), { dem });
    expect(plan.outbound.length).toBeGreaterThan(flat.outbound.length);
    expect(routeParts(plan)).toEqual([]);
    const alts = plan.waypoints.map(([, , z]) => z);
    expect(Math.max(...alts)).toBeGreaterThan(150 + 30);
    expect(plan.terrain!.waypoints.every((w) => w.aglM === null || w.aglM <= 100)).toBe(true);
    // The altitude fence sits above the highest planned altitude (it is measured from home).
    expect(plan.vehiclePlan!.params.FENCE_ALT_MAX).toBeGreaterThan(Math.max(...alts));
    // Straight failsafe returns to home at the current altitude can still cross the ridge: said so.
    for (const v of plan.terrain!.violations) expect(v.part).toMatch(/^failsafe return/);
    expect(plan.feasible).toBe(plan.terrain!.violations.length === 0);
  });

  it('descends into a valley to stay under the ceiling, and delivers on the valley floor', async () => {
    const dem = await demOf('valley-drop', valley(2060, DROP[0], 200, 1500));
    const plan = planDelivery(lineMap(), request(), { dem });
    expect(routeParts(plan)).toEqual([]);
    // The drop point lies about 200 m below the depot (the 3″ grid rounds the V off): the approach is below home.
    const place = plan.vehiclePlan!.mission.find((it) => it.seq === plan.vehiclePlan!.delivery.seq)!;
    expect(place.z).toBeLessThan(-150);
    expect(plan.checks.find((c) => c.id === 'drop-altitude')!.message).toMatch(/^drop surface at -19\d(\.\d+)? m above the depot/);
  });

  it('climbs over a tower it can overfly, and goes round one it cannot (the 120 m limit binds)', () => {
    const over = planDelivery(lineMap([{ name: 'Kiosk', ring: box(1000, 0, 30, 30), heightM: 60 }]), request());
    expect(routeParts(over)).toEqual([]);
    expect(over.outbound.length).toBeGreaterThan(2);
    expect(Math.max(...over.waypoints.map(([, , z]) => z))).toBeGreaterThanOrEqual(93);
    const straight = planDelivery(lineMap(), request());
    const tall = planDelivery(lineMap([{ name: 'Tower 12', ring: box(1000, 0, 30, 30), heightM: 96 }]), request());
    expect(tall.feasible).toBe(true);
    expect(tall.terrain!.violations).toEqual([]);
    // Round it, at least the horizontal clearance (30 m) from its walls, and only a little longer.
    expect(tall.distanceM).toBeGreaterThan(straight.distanceM);
    expect(tall.distanceM).toBeLessThan(straight.distanceM * 1.05);
    expect(tall.terrain!.minClearanceM).toBeGreaterThanOrEqual(30);
    // At a constant cruise it is flown over and reported instead.
    expect(planDelivery(lineMap([{ name: 'Tower 12', ring: box(1000, 0, 30, 30), heightM: 96 }]), checkOnly()).reasons[0]!.code).toBe('terrain-clearance');
    // The fence still excludes only the map's no-fly areas.
    expect(tall.fence.excludedAreas).toEqual([]);
  });

  it('says which limit binds where no altitude keeps both', async () => {
    const dem = await demOf('flat', plane(2260, 0, 0));
    const plan = planDelivery(lineMap(), { ...request(), options: { verticalClearanceM: 95 } }, { dem });
    expect(plan.feasible).toBe(false);
    expect(plan.reasons[0]!.code).toBe('terrain-no-altitude');
    expect(plan.reasons[0]!.message).toMatch(
      /no altitude keeps both limits at 36\.\d+,101\.\d+ \(lat,lon\), 0 m along the route: 95 m above the ground \(2260 m AMSL\) is 2355 m AMSL, above the 100 m height-above-ground limit there \(2360 m AMSL\)$/,
    );
  });
});
