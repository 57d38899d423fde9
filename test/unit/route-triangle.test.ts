/**
 * isTriangleClear (src/planning/route.ts), the shortcut the rally search takes for a fan of failsafe
 * return lines: whenever it says a triangle is clear, every straight line between points of the
 * triangle — the lines from a leg's samples to a target — is clear by isSegmentClear, the exact test.
 * Checked on seeded random layouts of convex and concave no-fly areas, with triangles of every size.
 */
import { describe, expect, it } from 'vitest';
import type { LonLat } from '../../src/geo/types.js';
import { isSegmentClear, isTriangleClear, prepareMap } from '../../src/planning/route.js';
import { LAYOUT_ORIGIN, randomLayout } from '../bench/planner-layouts.js';
import { seededRandom } from '../support/random.js';

const CLEARANCE = 15;

describe('isTriangleClear', () => {
  it('says clear only when every line from a point of one side to the far corner is clear', () => {
    let clear = 0;
    let notClear = 0;
    for (const seed of [1, 2, 3, 4, 5]) {
      const layout = randomLayout(seed, 12, { boxM: 2000, minRadiusM: 40, maxRadiusM: 180, concaveShare: 0.3 });
      const prepared = prepareMap(layout.map, { clearanceM: 30 });
      const rng = seededRandom(seed * 7919);
      const lonlat = LAYOUT_ORIGIN;
      // ~±1.2 km around the layout's centre
      const at = (): LonLat => [lonlat[0] + (rng() - 0.5) * 0.03, lonlat[1] + (rng() - 0.5) * 0.022];
      for (let t = 0; t < 200; t++) {
        const a = at();
        const b = rng() < 0.5 ? at() : ([a[0] + (rng() - 0.5) * 0.004, a[1] + (rng() - 0.5) * 0.003] as LonLat);
        const c = at();
        if (!isTriangleClear(prepared, a, b, c, CLEARANCE)) {
          notClear++;
          continue;
        }
        clear++;
        for (let k = 0; k <= 40; k++) {
          const s: LonLat = [a[0] + ((b[0] - a[0]) * k) / 40, a[1] + ((b[1] - a[1]) * k) / 40];
          expect(isSegmentClear(prepared, s, c, CLEARANCE), `seed ${seed} triangle ${t} line ${k}`).toBe(true);
        }
      }
    }
    // both answers occur, so the check above means something
    expect(clear).toBeGreaterThan(50);
    expect(notClear).toBeGreaterThan(50);
  });

  it('a triangle with a no-fly area inside it, or inside a no-fly area, is not clear', () => {
    const layout = randomLayout(9, 1, { boxM: 400, minRadiusM: 60, maxRadiusM: 60, concaveShare: 0 });
    const prepared = prepareMap(layout.map, { clearanceM: 30 });
    const ring = layout.map.noFly[0]!.geometry.coordinates[0] as LonLat[];
    const cx = ring.reduce((s, p) => s + p[0], 0) / ring.length;
    const cy = ring.reduce((s, p) => s + p[1], 0) / ring.length;
    const d = 0.01;
    expect(isTriangleClear(prepared, [cx - d, cy - d], [cx + d, cy - d], [cx, cy + d], CLEARANCE)).toBe(false);
    const e = 0.00005;
    expect(isTriangleClear(prepared, [cx - e, cy - e], [cx + e, cy - e], [cx, cy + e], CLEARANCE)).toBe(false);
  });
});
