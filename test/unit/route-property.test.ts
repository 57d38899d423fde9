/**
 * Property-style checks of the route planner on hundreds of seeded random layouts:
 * - every leg of every route keeps the clearance from every ORIGINAL no-fly polygon, checked
 *   independently of the planner with turf (geodesic distances on lon/lat, no projection, no index);
 * - every route is as short as an independent reference solver's on the same buffered obstacles;
 * - when the planner says unreachable, the reference agrees.
 */
import { describe, expect, it } from 'vitest';
import { booleanIntersects, lineString, pointToLineDistance, polygon as turfPolygon } from '@turf/turf';
import type { Feature, Polygon } from 'geojson';
import type { LonLat } from '../../src/geo/types.js';
import { planRoute, prepareMap } from '../../src/planning/route.js';
import { freePoints, randomLayout, ReferenceSolver } from '../bench/planner-layouts.js';
import { seededRandom } from '../support/random.js';

const CLEARANCE = 30;
/** turf's spherical distances differ from the ellipsoid by up to ~0.3 %: 0.1 m on 30 m. */
const TOLERANCE_M = 0.3;

function noFlyPolygons(map: ReturnType<typeof randomLayout>['map']): Feature<Polygon>[] {
  return map.noFly.flatMap((a) => (a.geometry.type === 'Polygon' ? [turfPolygon(a.geometry.coordinates)] : a.geometry.coordinates.map((c) => turfPolygon(c))));
}

/** Smallest distance (m) from leg a-b to polygon, 0 if they intersect. Independent of the planner. */
function legDistance(a: LonLat, b: LonLat, poly: Feature<Polygon>): number {
  const leg = lineString([a, b]);
  if (booleanIntersects(leg, poly)) return 0;
  let best = Infinity;
  for (const ring of poly.geometry.coordinates) {
    const line = lineString(ring);
    for (const p of ring) best = Math.min(best, pointToLineDistance(p, leg, { units: 'meters' }));
    best = Math.min(best, pointToLineDistance(a, line, { units: 'meters' }), pointToLineDistance(b, line, { units: 'meters' }));
  }
  return best;
}

describe('route planner on random layouts', () => {
  it('never brings a leg within the clearance of a no-fly area and is optimal (300 layouts)', () => {
    let routes = 0;
    let detours = 0;
    let unreachable = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const count = 3 + (seed % 10);
      const layout = randomLayout(seed, count, { boxM: 2000, minRadiusM: 40, maxRadiusM: 220, concaveShare: 0.3 });
      const prepared = prepareMap(layout.map, { clearanceM: CLEARANCE });
      // Every 10th layout: no pruning at all in the reference (all vertices, all pairs).
      const reference = new ReferenceSolver(prepared, seed % 10 === 0);
      const polys = noFlyPolygons(layout.map);
      const rng = seededRandom(seed * 7919);
      const pts = freePoints(layout, prepared, rng, 4);
      for (let q = 0; q + 1 < pts.length; q += 2) {
        const from = pts[q]!;
        const to = pts[q + 1]!;
        const result = planRoute(prepared, from, to);
        const ref = reference.shortest(from, to);
        if (!result.ok) {
          expect(result.code, `seed ${seed}: ${result.message}`).toBe('unreachable');
          expect(ref, `seed ${seed}: planner says unreachable, reference found ${ref} m`).toBeUndefined();
          unreachable++;
          continue;
        }
        routes++;
        if (result.path.length > 2) detours++;
        expect(result.path[0]).toEqual(from);
        expect(result.path[result.path.length - 1]).toEqual(to);
        for (let i = 0; i + 1 < result.path.length; i++) {
          for (const poly of polys) {
            const d = legDistance(result.path[i]!, result.path[i + 1]!, poly);
            expect(d, `seed ${seed} leg ${i} vs ${poly.properties?.name ?? '?'}`).toBeGreaterThanOrEqual(CLEARANCE - TOLERANCE_M);
          }
        }
        expect(ref, `seed ${seed}: reference found no route`).toBeDefined();
        // Same buffered obstacles: the planner's length equals the exhaustive optimum.
        expect(Math.abs(result.lengthM - ref!) / ref!, `seed ${seed}: ${result.lengthM} vs optimum ${ref}`).toBeLessThan(1e-6);
      }
    }
    // The layouts must actually exercise detours, not only straight lines.
    expect(routes).toBeGreaterThan(400);
    expect(detours).toBeGreaterThan(100);
    expect(unreachable).toBeLessThan(routes);
  });

  it('is deterministic: the same inputs give the same path', () => {
    const layout = randomLayout(4242, 30, { boxM: 3000, minRadiusM: 40, maxRadiusM: 200, concaveShare: 0.3 });
    const a = prepareMap(layout.map);
    const b = prepareMap(layout.map);
    const pts = freePoints(layout, a, seededRandom(9), 10);
    for (let i = 0; i + 1 < pts.length; i += 2) {
      expect(JSON.stringify(planRoute(a, pts[i]!, pts[i + 1]!))).toBe(JSON.stringify(planRoute(b, pts[i]!, pts[i + 1]!)));
    }
  });
});
