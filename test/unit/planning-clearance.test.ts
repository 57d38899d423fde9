/**
 * The 3-D path checker on generated terrain: flat ground without a DEM, a hill and a ridge between
 * depot and drop point (clearance), a valley (height above ground), towers taller than the cruise
 * and a pylon thinner than the sample spacing, a path that follows the ridge and passes, and a path
 * that leaves the DEM.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Polygon } from 'geojson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDem } from '../../src/geo/dem/load.js';
import type { Dem } from '../../src/geo/dem/types.js';
import { distanceM } from '../../src/geo/spherical.js';
import { checkClearance, describeViolation, type Point3, prepareObstacles } from '../../src/planning/clearance.js';
import { hill, plane, ridge, type Terrain, valley, writeHgt } from '../support/dem.js';

const root = mkdtempSync(join(tmpdir(), 'medidrop-clear-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let count = 0;
async function demOf(t: Terrain): Promise<Dem> {
  const dir = join(root, `t${count++}`);
  mkdirSync(dir);
  writeHgt(dir, 36, 101, 1201, t);
  return loadDem([dir]);
}

// Depot and drop point 3 km apart east–west at 36.5° N.
const depot: [number, number] = [101.48, 36.5];
const drop: [number, number] = [101.48 + 3000 / (111_195 * Math.cos((36.5 * Math.PI) / 180)), 36.5];
const mid: [number, number] = [(depot[0] + drop[0]) / 2, 36.5];
const at = (p: [number, number], alt: number): Point3 => [p[0], p[1], alt];
const square = (c: [number, number], halfM: number): Polygon => {
  const dLon = halfM / (111_195 * Math.cos((c[1] * Math.PI) / 180));
  const dLat = halfM / 111_195;
  return {
    type: 'Polygon',
    coordinates: [
      [
        [c[0] - dLon, c[1] - dLat],
        [c[0] + dLon, c[1] - dLat],
        [c[0] + dLon, c[1] + dLat],
        [c[0] - dLon, c[1] + dLat],
        [c[0] - dLon, c[1] - dLat],
      ],
    ],
  };
};

describe('checkClearance', () => {
  let hillDem: Dem;
  let ridgeDem: Dem;
  let valleyDem: Dem;
  let flatDem: Dem;
  beforeAll(async () => {
    hillDem = await demOf(hill(2260, mid, 300, 600));
    ridgeDem = await demOf(ridge(2260, mid[0], 150, 500));
    valleyDem = await demOf(valley(2060, mid[0], 200, 1000));
    flatDem = await demOf(plane(2260, 0, 0));
  });

  it('without a DEM the ground is flat at the home elevation', () => {
    const r = checkClearance({
      parts: [{ name: 'outbound', points: [at(depot, 60), at(drop, 60)] }],
      altitudeReference: 'home',
      homeGroundM: 2260,
      obstacles: [],
    });
    expect(r.ok).toBe(true);
    expect(r.minClearanceM).toBeCloseTo(60, 9);
    expect(r.maxAglM).toBeCloseTo(60, 9);
    // 3 km every ≤ 10 m: ⌈length / 10⌉ + 1 samples.
    expect(r.samples).toBe(Math.ceil(distanceM(depot, drop) / 10) + 1);
  });

  it('a hill between depot and drop point breaks the clearance, located before its top', () => {
    const r = checkClearance({
      parts: [{ name: 'outbound', points: [at(depot, 100), at(drop, 100)] }],
      altitudeReference: 'home',
      homeGroundM: 2260,
      dem: hillDem,
      obstacles: [],
    });
    expect(r.ok).toBe(false);
    expect(r.minClearanceM).toBeCloseTo(100 - 300, 0);
    expect(distanceM([r.minClearanceAt!.lon, r.minClearanceAt!.lat], mid)).toBeLessThan(15);
    const v = r.violations.find((x) => x.kind === 'clearance')!;
    expect(v.kind === 'clearance' && v.clearanceM).toBeLessThan(30);
    // Where the hill first comes within 30 m of the path: 2260 + 300·exp(−(d/600)²) = 2330 → d ≈ 723 m before the top.
    expect(v.alongM).toBeGreaterThan(1500 - 735);
    expect(v.alongM).toBeLessThan(1500 - 705);
    expect(describeViolation(v)).toMatch(
      /^clearance .* m above the ground \(.* m AMSL\) is below the 30 m required, at 36\.5\d+,101\.\d+ \(lat,lon\) on the outbound, leg 1 at 7\d\d m/,
    );
    expect(r.violations.some((x) => x.kind === 'agl')).toBe(false);
  });

  it('a ridge between depot and drop point: flat cruise hits it; a path that follows it passes', () => {
    const flatPath = checkClearance({
      parts: [{ name: 'outbound', points: [at(depot, 100), at(drop, 100)] }],
      altitudeReference: 'home',
      homeGroundM: 2260,
      dem: ridgeDem,
      obstacles: [],
    });
    expect(flatPath.ok).toBe(false);
    expect(flatPath.minClearanceM).toBeCloseTo(100 - 150, 0);
    // Follow the ground at +60 m with a point every 100 m.
    const pts: Point3[] = [];
    for (let k = 0; k <= 30; k++) {
      const lon = depot[0] + ((drop[0] - depot[0]) * k) / 30;
      pts.push([lon, 36.5, ridgeDem.heightAt(lon, 36.5) + 60]);
    }
    const r = checkClearance({ parts: [{ name: 'outbound', points: pts }], altitudeReference: 'amsl', homeGroundM: 2260, dem: ridgeDem, obstacles: [] });
    expect(r.ok).toBe(true);
    expect(r.minClearanceM).toBeGreaterThan(55);
    expect(r.maxAglM).toBeLessThan(65);
    // A straight climb over it at 200 m above home clears it but is too high over the plain.
    const high = checkClearance({
      parts: [{ name: 'outbound', points: [at(depot, 200), at(drop, 200)] }],
      altitudeReference: 'home',
      homeGroundM: 2260,
      dem: ridgeDem,
      obstacles: [],
    });
    expect(high.violations.map((x) => x.kind)).toEqual(['agl']);
    expect(high.maxAglM).toBeCloseTo(200, 0);
  });

  it('a valley breaks the height-above-ground ceiling over its floor', () => {
    const home = valleyDem.heightAt(...depot);
    const r = checkClearance({
      parts: [{ name: 'outbound', points: [at(depot, 90), at(drop, 90)] }],
      altitudeReference: 'home',
      homeGroundM: home,
      dem: valleyDem,
      obstacles: [],
    });
    expect(r.violations.map((x) => x.kind)).toEqual(['agl']);
    // The floor is a V: the 3″ grid rounds its bottom off by a few metres.
    expect(Math.abs(r.maxAglM - (90 + home - valleyDem.heightAt(...mid)))).toBeLessThan(1.5);
    expect(Math.abs(r.maxAglM - (90 + home - 2060))).toBeLessThan(5);
    expect(distanceM([r.maxAglAt!.lon, r.maxAglAt!.lat], mid)).toBeLessThan(10);
    const v = r.violations[0]!;
    // The ground falls 200 m over 1 km on either side: the ceiling (100 m) goes after 10 m of descent, 50 m into the slope.
    expect(v.alongM).toBeGreaterThan(1500 - 1000 + 40);
    expect(v.alongM).toBeLessThan(1500 - 1000 + 65);
    expect(describeViolation(v)).toMatch(/m above the ground exceeds the 100 m ceiling/);
    // A lower ceiling margin is the caller's: 150 m allowed passes.
    expect(
      checkClearance({
        parts: [{ name: 'outbound', points: [at(depot, 90), at(drop, 90)] }],
        altitudeReference: 'home',
        homeGroundM: home,
        dem: valleyDem,
        obstacles: [],
        maxAglM: 300,
      }).ok,
    ).toBe(true);
  });

  it('towers taller than the cruise break the clearance and are named', () => {
    const towers = [
      { name: 'Tower 3', geometry: square([mid[0] - 0.005, 36.5], 15), heightM: 96 },
      { name: 'Tower 9', geometry: square(mid, 15), heightM: 130 },
      { name: 'Shed', geometry: square([mid[0] + 0.005, 36.5002], 15), heightM: 5 },
    ];
    const r = checkClearance({
      parts: [{ name: 'outbound', points: [at(depot, 100), at(drop, 100)] }],
      altitudeReference: 'home',
      homeGroundM: 2260,
      dem: flatDem,
      obstacles: towers,
    });
    const v = r.violations.find((x) => x.kind === 'clearance')!;
    expect(v.kind === 'clearance' && v.obstacle).toBe('Tower 3');
    expect(v.kind === 'clearance' && v.clearanceM).toBeCloseTo(4, 6);
    expect(r.minClearanceM).toBeCloseTo(-30, 6);
    expect(r.minClearanceAt!.obstacle).toBe('Tower 9');
    expect(describeViolation(v)).toMatch(/^clearance 4 m above obstacle 'Tower 3' \(top 2356 m AMSL\) is below the 30 m required/);
    // The same towers without a DEM stand on the flat home ground.
    const flat = checkClearance({
      parts: [{ name: 'outbound', points: [at(depot, 100), at(drop, 100)] }],
      altitudeReference: 'home',
      homeGroundM: 2260,
      obstacles: towers,
    });
    expect(flat.minClearanceM).toBeCloseTo(-30, 6);
    // Passing beside them (200 m north) is clear.
    const beside = checkClearance({
      parts: [{ name: 'outbound', points: [at([depot[0], 36.502], 100), at([drop[0], 36.502], 100)] }],
      altitudeReference: 'home',
      homeGroundM: 2260,
      obstacles: prepareObstacles(towers, flatDem, 2260),
    });
    expect(beside.ok).toBe(true);
  });

  it('finds a pylon thinner than the sample spacing', () => {
    // One 100 m leg sampled every 10 m or a little less; a 2 m pylon centred 45 m along lies between two samples.
    const a: [number, number] = [101.5, 36.5];
    const mPerDeg = 111_195 * Math.cos((36.5 * Math.PI) / 180);
    const b: [number, number] = [101.5 + 100 / mPerDeg, 36.5];
    const pylon = { name: 'Pylon 12', geometry: square([101.5 + 45 / mPerDeg, 36.5], 1), heightM: 45 };
    const r = checkClearance({
      parts: [{ name: 'inbound', points: [at(a, 60), at(b, 60)] }],
      altitudeReference: 'home',
      homeGroundM: 2260,
      obstacles: [pylon],
    });
    expect(r.samples).toBe(Math.ceil(distanceM(a, b) / 10) + 1);
    expect(r.minClearanceM).toBeCloseTo(15, 6);
    expect(r.violations[0]).toMatchObject({ kind: 'clearance', obstacle: 'Pylon 12', part: 'inbound' });
  });

  it('a part may ask for less clearance (the delivery descent), but never below the surface', () => {
    const descent = { name: 'delivery descent', points: [at(drop, 100), at(drop, 15)], minClearanceM: 0 };
    expect(checkClearance({ parts: [descent], altitudeReference: 'home', homeGroundM: 2260, dem: flatDem, obstacles: [] }).ok).toBe(true);
    const hillTop = { name: 'delivery descent', points: [at(mid, 100), at(mid, 15)], minClearanceM: 0 };
    const r = checkClearance({ parts: [hillTop], altitudeReference: 'home', homeGroundM: 2260, dem: hillDem, obstacles: [] });
    expect(r.violations[0]).toMatchObject({ kind: 'clearance', part: 'delivery descent', limitM: 0 });
  });

  it('reports the first point the DEM does not cover', () => {
    const off: [number, number] = [100.99, 36.5];
    const r = checkClearance({
      parts: [{ name: 'failsafe return', points: [at([101.01, 36.5], 60), at(off, 60)] }],
      altitudeReference: 'home',
      homeGroundM: 2260,
      dem: flatDem,
      obstacles: [],
    });
    expect(r.ok).toBe(false);
    const v = r.violations[0]!;
    expect(v.kind).toBe('no-coverage');
    expect(v.lon).toBeLessThan(101);
    expect(v.lon).toBeGreaterThan(101 - 0.0002);
    expect(describeViolation(v)).toMatch(/^no elevation data covers 36\.500000,100\.99\d+ \(lat,lon\), on the failsafe return, leg 1 at \d+ m$/);
  });

  it('altitudes above home and above sea level give the same answer', () => {
    const home = hillDem.heightAt(...depot);
    const a = checkClearance({
      parts: [{ name: 'o', points: [at(depot, 120), at(drop, 150)] }],
      altitudeReference: 'home',
      homeGroundM: home,
      dem: hillDem,
      obstacles: [],
    });
    const b = checkClearance({
      parts: [{ name: 'o', points: [at(depot, 120 + home), at(drop, 150 + home)] }],
      altitudeReference: 'amsl',
      homeGroundM: home,
      dem: hillDem,
      obstacles: [],
    });
    expect(b.minClearanceM).toBeCloseTo(a.minClearanceM, 9);
    expect(b.maxAglM).toBeCloseTo(a.maxAglM, 9);
    expect(b.violations.map((v) => v.kind)).toEqual(a.violations.map((v) => v.kind));
  });
});
