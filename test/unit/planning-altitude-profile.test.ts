/**
 * Altitudes along a route over generated terrain: flat ground gives the constant cruise and no extra
 * waypoint; a ridge, a hill and a valley give extra waypoints whose straight segments pass the 3-D
 * path check (clearance and height above ground, every 10 m); a tower that cannot be overflown
 * under the ceiling is named.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDem } from '../../src/geo/dem/load.js';
import type { Dem } from '../../src/geo/dem/types.js';
import type { LonLat } from '../../src/geo/types.js';
import { altitudeProfile } from '../../src/planning/altitude-profile.js';
import { checkClearance, prepareObstacles } from '../../src/planning/clearance.js';
import { hill, plane, ridge, type Terrain, valley, writeHgt } from '../support/dem.js';
import { at, box } from './plan-fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'medidrop-profile-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let count = 0;
async function demOf(t: Terrain): Promise<Dem> {
  const dir = join(root, `t${count++}`);
  mkdirSync(dir);
  writeHgt(dir, 36, 101, 1201, t);
  return loadDem([dir]);
}

const route: LonLat[] = [at(0, 0), at(1200, 300), at(2500, 0), at(3000, 800)];
const MID = at(1200, 300);

async function passes(dem: Dem | undefined, obstacles: { name: string; ring: LonLat[]; heightM: number }[] = []) {
  const home = dem ? dem.heightAt(...route[0]!) : 2260;
  const obs = prepareObstacles(
    obstacles.map((o) => ({ name: o.name, heightM: o.heightM, geometry: { type: 'Polygon', coordinates: [o.ring] } })),
    dem,
    home,
  );
  const p = altitudeProfile({ route, homeGroundM: home, dem, obstacles: obs, cruiseAglM: 80, minClearanceM: 30, maxAglM: 100 });
  if (!p.ok) return { p, check: undefined };
  const check = checkClearance({
    parts: [{ name: 'route', points: p.points }],
    altitudeReference: 'home',
    homeGroundM: home,
    dem,
    obstacles: obs,
    minClearanceM: 30,
    maxAglM: 100,
  });
  return { p, check };
}

describe('altitudeProfile', () => {
  it('flat ground: the cruise height at every corner and no extra waypoint', async () => {
    const { p, check } = await passes(undefined);
    expect(p.ok && p.points).toEqual(route.map(([lon, lat]) => [lon, lat, 80]));
    expect(check!.ok).toBe(true);
  });

  for (const [name, terrain] of [
    ['hill', hill(2260, MID, 250, 500)],
    ['ridge', ridge(2260, MID[0], 150, 300)],
    ['valley', valley(2060, MID[0], 200, 700)],
    ['slope', plane(2260, 3000, 2000, route[0]![0], route[0]![1])],
  ] as const) {
    it(`${name}: altitudes follow the ground; every straight segment keeps the clearance and the ceiling`, async () => {
      const dem = await demOf(terrain);
      const { p, check } = await passes(dem);
      expect(p.ok).toBe(true);
      if (!p.ok) return;
      if (name === 'slope') {
        // A plane is straight along every leg: the corners alone follow it, each at its own height.
        expect(p.points.length).toBe(route.length);
        expect(new Set(p.points.map((q) => q[2])).size).toBe(route.length);
      } else expect(p.points.length).toBeGreaterThan(route.length);
      // The corners are the route's own, in order.
      expect(p.cornerIndex.map((k) => [p.points[k]![0], p.points[k]![1]])).toEqual(route);
      expect(check!.violations).toEqual([]);
      expect(check!.minClearanceM).toBeGreaterThanOrEqual(30);
      expect(check!.maxAglM).toBeLessThanOrEqual(100);
    });
  }

  it('climbs over a tower it can overfly, and names one it cannot', async () => {
    const dem = await demOf(plane(2260, 0, 0));
    const low = await passes(dem, [{ name: 'Block 4', ring: box(600, 150, 40, 40), heightM: 60 }]);
    expect(low.check!.violations).toEqual([]);
    expect(low.p.ok && low.p.maxAltM).toBeGreaterThanOrEqual(90);
    const tall = await passes(dem, [{ name: 'TV mast', ring: box(600, 150, 20, 20), heightM: 150 }]);
    expect(tall.p.ok).toBe(false);
    expect(!tall.p.ok && tall.p.message).toMatch(
      /^no altitude keeps both limits at 36\.\d+,101\.\d+ \(lat,lon\), \d+ m along the route: 30 m above obstacle 'TV mast' \(top 2410 m AMSL\) is 2440 m AMSL, above the 100 m height-above-ground limit there \(2360 m AMSL\)$/,
    );
  });
});
