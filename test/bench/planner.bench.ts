/**
 * Route planner benchmark: medidrop's planner vs @turf/shortest-path on seeded random layouts of 20,
 * 100 and 500 no-fly polygons in a 10 km box (Taiyuan), 30 m clearance.
 *
 * Per size it prints: map preparation time; median and p95 query time for medidrop and for turf
 * (grid resolution 100 m, the same buffered obstacles, units metres); the speed ratio; path length
 * ratios (turf / medidrop, and medidrop / the optimum from an independent exhaustive solver run
 * outside the timed part); and how many paths cross a no-fly area or cut into its clearance.
 * turf takes seconds per query on large maps, so it runs on fewer queries there (printed).
 */
import { booleanIntersects, featureCollection, lineString, polygon as turfPolygon, shortestPath } from '@turf/turf';
import type { Feature, Polygon } from 'geojson';
import type { LonLat } from '../../src/geo/types.js';
import { isSegmentClear, planRoute, prepareMap, type PreparedMap } from '../../src/planning/route.js';
import { freePoints, randomLayout, ReferenceSolver, type Layout } from './planner-layouts.js';
import { seededRandom } from '../support/random.js';

const CLEARANCE_M = 30;
const SIZES = [
  { polygons: 20, queries: 200, turfQueries: 30 },
  { polygons: 100, queries: 200, turfQueries: 20 },
  { polygons: 500, queries: 200, turfQueries: 10 },
];

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))));
  return sorted[i]!;
}

function median(xs: number[]): number {
  return quantile(
    [...xs].sort((a, b) => a - b),
    0.5,
  );
}

function fmtMs(ms: number): string {
  return ms < 1 ? `${ms.toFixed(3)} ms` : ms < 100 ? `${ms.toFixed(2)} ms` : `${Math.round(ms)} ms`;
}

function pathLength(prepared: PreparedMap, path: LonLat[]): number {
  let s = 0;
  for (let i = 0; i + 1 < path.length; i++) {
    const a = prepared.projection.toLocal(path[i]!);
    const b = prepared.projection.toLocal(path[i + 1]!);
    s += Math.hypot(b[0] - a[0], b[1] - a[1]);
  }
  return s;
}

/** Does the path enter a no-fly polygon (turf, independent of the planner)? */
function crossesNoFly(path: LonLat[], polys: { feature: Feature<Polygon>; bbox: number[] }[]): boolean {
  for (let i = 0; i + 1 < path.length; i++) {
    const a = path[i]!;
    const b = path[i + 1]!;
    const leg = lineString([a, b]);
    for (const { feature, bbox } of polys) {
      if (Math.max(a[0], b[0]) < bbox[0]! || Math.min(a[0], b[0]) > bbox[2]! || Math.max(a[1], b[1]) < bbox[1]! || Math.min(a[1], b[1]) > bbox[3]!) continue;
      if (booleanIntersects(leg, feature)) return true;
    }
  }
  return false;
}

function cutsClearance(prepared: PreparedMap, path: LonLat[]): boolean {
  for (let i = 0; i + 1 < path.length; i++) if (!isSegmentClear(prepared, path[i]!, path[i + 1]!, CLEARANCE_M - 0.01)) return true;
  return false;
}

function noFlyFeatures(layout: Layout): { feature: Feature<Polygon>; bbox: number[] }[] {
  return layout.map.noFly.map((a) => {
    const coords = (a.geometry as Polygon).coordinates;
    const ring = coords[0]!;
    const lons = ring.map((p) => p[0]!);
    const lats = ring.map((p) => p[1]!);
    return { feature: turfPolygon(coords), bbox: [Math.min(...lons), Math.min(...lats), Math.max(...lons), Math.max(...lats)] };
  });
}

function log(line: string): void {
  process.stdout.write(line + '\n');
}

export async function run(): Promise<void> {
  log('== planner: medidrop route planner vs @turf/shortest-path (resolution 100 m, units metres) ==');
  log(`seeded layouts in a 10 km × 10 km box, polygons 40–400 m across (radius 20–200 m), 20 % concave, clearance ${CLEARANCE_M} m`);
  const rows: string[] = [];
  for (const size of SIZES) {
    const layout = randomLayout(20261123 + size.polygons, size.polygons, { boxM: 10_000, minRadiusM: 20, maxRadiusM: 200, concaveShare: 0.2 });
    const t0 = performance.now();
    const prepared = prepareMap(layout.map, { clearanceM: CLEARANCE_M });
    const prepMs = performance.now() - t0;
    log(
      `\n-- ${size.polygons} polygons: prepared in ${fmtMs(prepMs)} (${prepared.stats.obstacles} buffered obstacles, ${prepared.stats.obstacleEdges} edges, ${prepared.stats.corners} corners, ${prepared.stats.graphEdges} graph edges)`,
    );

    const rng = seededRandom(size.polygons * 31 + 7);
    const pts = freePoints(layout, prepared, rng, 2 * size.queries);
    const pairs: [LonLat, LonLat][] = [];
    for (let i = 0; i + 1 < pts.length; i += 2) pairs.push([pts[i]!, pts[i + 1]!]);

    // Warm up the JIT on a few queries (not measured).
    for (const [a, b] of pairs.slice(0, 10)) planRoute(prepared, a, b);
    const ours: number[] = [];
    const results = pairs.map(([a, b]) => {
      const t = performance.now();
      const r = planRoute(prepared, a, b);
      ours.push(performance.now() - t);
      return r;
    });
    const ok = results.filter((r) => r.ok).length;
    const detours = results.filter((r) => r.ok && r.path.length > 2).length;
    const detourTimes = ours
      .filter((_, i) => {
        const r = results[i]!;
        return r.ok && r.path.length > 2;
      })
      .sort((a, b) => a - b);
    ours.sort((a, b) => a - b);
    log(
      `   medidrop: ${pairs.length} queries, ${ok} routes (${detours} with detours), ${pairs.length - ok} unreachable; median ${fmtMs(quantile(ours, 0.5))}, p95 ${fmtMs(quantile(ours, 0.95))}; detours only: median ${fmtMs(quantile(detourTimes, 0.5))}, p95 ${fmtMs(quantile(detourTimes, 0.95))}`,
    );

    // Reference optimum (exhaustive bitangent visibility graph, naive tests), outside the timing.
    const tr = performance.now();
    const reference = new ReferenceSolver(prepared, false);
    let worstExcess = 0;
    let disagreements = 0;
    results.forEach((r, i) => {
      const ref = reference.shortest(pairs[i]![0], pairs[i]![1]);
      if (!r.ok || ref === undefined) {
        if (r.ok !== (ref !== undefined)) disagreements++;
        return;
      }
      worstExcess = Math.max(worstExcess, r.lengthM / ref - 1);
    });
    log(
      `   optimum: reference solver (${reference.vertexCount} vertices) in ${fmtMs(performance.now() - tr)}; medidrop worst length excess ${(worstExcess * 100).toFixed(5)} %, reachability disagreements ${disagreements}`,
    );

    // Our crossings, checked with turf on every route.
    const polys = noFlyFeatures(layout);
    let ourCrossings = 0;
    let ourCuts = 0;
    for (const r of results) {
      if (!r.ok) continue;
      if (crossesNoFly(r.path, polys)) ourCrossings++;
      if (cutsClearance(prepared, r.path)) ourCuts++;
    }

    // turf on the same buffered obstacles, fewer queries on big maps.
    const obstacles = featureCollection(
      prepared.obstacles.map((o) => turfPolygon(o.rings.map((ring) => [...ring, ring[0]!].map((p) => prepared.projection.toLonLat(p))))),
    );
    const turfTimes: number[] = [];
    const lengthRatios: number[] = [];
    let turfCrossings = 0;
    let turfCuts = 0;
    let turfRuns = 0;
    let turfOnUnreachable = 0;
    for (let i = 0; i < pairs.length && turfRuns < size.turfQueries; i++) {
      const [a, b] = pairs[i]!;
      const mine = results[i]!;
      const t = performance.now();
      const line = shortestPath(a, b, { obstacles, units: 'meters', resolution: 100 });
      turfTimes.push(performance.now() - t);
      turfRuns++;
      const path = line.geometry.coordinates as LonLat[];
      if (crossesNoFly(path, polys)) turfCrossings++;
      if (cutsClearance(prepared, path)) turfCuts++;
      if (mine.ok) lengthRatios.push(pathLength(prepared, path) / mine.lengthM);
      else turfOnUnreachable++;
      if (process.stdout.isTTY) process.stdout.write(`   turf query ${turfRuns}/${size.turfQueries}: ${fmtMs(turfTimes[turfTimes.length - 1]!)}\r`);
    }
    if (process.stdout.isTTY) process.stdout.write(' '.repeat(60) + '\r');
    turfTimes.sort((a, b) => a - b);
    const speed = quantile(turfTimes, 0.5) / quantile(ours, 0.5);
    log(
      `   turf: ${turfRuns} queries (of ${pairs.length}; turf is slow), median ${fmtMs(quantile(turfTimes, 0.5))}, p95 ${fmtMs(quantile(turfTimes, 0.95))}${turfOnUnreachable ? `, ${turfOnUnreachable} "paths" to goals medidrop proved unreachable` : ''}`,
    );
    log(`   speed: medidrop is ${speed.toFixed(0)}× faster (median vs median)`);
    log(
      `   length: turf / medidrop median ${median(lengthRatios).toFixed(4)} (min ${Math.min(...lengthRatios).toFixed(4)}, max ${Math.max(...lengthRatios).toFixed(4)})`,
    );
    log(
      `   safety: paths crossing a no-fly area: turf ${turfCrossings}/${turfRuns}, medidrop ${ourCrossings}/${ok}; cutting the ${CLEARANCE_M} m clearance: turf ${turfCuts}/${turfRuns}, medidrop ${ourCuts}/${ok}`,
    );
    rows.push(
      `| ${size.polygons} | ${fmtMs(prepMs)} | ${fmtMs(quantile(ours, 0.5))} / ${fmtMs(quantile(ours, 0.95))} | ${fmtMs(quantile(turfTimes, 0.5))} / ${fmtMs(quantile(turfTimes, 0.95))} (${turfRuns} q) | ${speed.toFixed(0)}× | ${median(lengthRatios).toFixed(3)} | +${(worstExcess * 100).toFixed(4)} % | ${turfCrossings}/${turfRuns} vs ${ourCrossings}/${ok} |`,
    );
  }
  log(
    '\n| polygons | prepare | medidrop median / p95 | turf median / p95 | speed-up | turf/medidrop length | medidrop vs optimum (worst) | crossing no-fly: turf vs medidrop |',
  );
  log('|---|---|---|---|---|---|---|---|');
  for (const r of rows) log(r);
  log('targets (500 polygons): median < 20 ms, ≥ 100× faster than turf, 0 crossings, ≤ 0.5 % over the optimum');
}
