/**
 * Terrain benchmark (issue 12): elevation data and the 3-D path check, against the flat planner in
 * the same run.
 *
 * - DEM load: a whole generated 1″ SRTM tile (3601 × 3601, the realistic way the data arrives) —
 *   directory index time, first-use read time and memory — and a 1″ GeoTIFF cut to the 10 km box.
 * - Planning: random deliveries of 1–5 km in a 10 km box (Taiyuan) with 20 no-fly areas, planned flat
 *   (no DEM, no obstacles: today's planner) and with the 1″ DEM and 500 obstacles (towers and pylons):
 *   median and p95 per plan, the ratio, and the path check alone (the mission path every 10 m plus a
 *   straight failsafe return from every 10 m of it) with its sample count, and how many plans are
 *   refused for a terrain limit, by reason code.
 * The terrain is generated (40 hills of 20–150 m on a 800 m plain), so the figures hold anywhere.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDem } from '../../src/geo/dem/load.js';
import type { Dem } from '../../src/geo/dem/types.js';
import type { LonLat } from '../../src/geo/types.js';
import { parseZoneMap } from '../../src/geo/zone-map.js';
import { planDelivery } from '../../src/planner/plan-delivery.js';
import { terrainReport } from '../../src/planner/terrain.js';
import type { DeliveryPlan } from '../../src/planner/types.js';
import { DEFAULT_DRONE } from '../../src/planning/drone.js';
import { prepareMap } from '../../src/planning/route.js';
import type { PlanRequest } from '../../src/planning/types.js';
import { type Terrain, writeGeoTiff, writeHgt } from '../support/dem.js';
import { seededRandom } from '../support/random.js';
import { freePoints, LAYOUT_ORIGIN, randomLayout } from './planner-layouts.js';

const BOX_M = 10_000;
const OBSTACLES = 500;
const PLANS = 40;

const mPerDegLat = 111_195;
const mPerDegLon = mPerDegLat * Math.cos((LAYOUT_ORIGIN[1] * Math.PI) / 180);
const half = BOX_M / 2;
const BOX = {
  west: LAYOUT_ORIGIN[0] - (half + 500) / mPerDegLon,
  east: LAYOUT_ORIGIN[0] + (half + 500) / mPerDegLon,
  south: LAYOUT_ORIGIN[1] - (half + 500) / mPerDegLat,
  north: LAYOUT_ORIGIN[1] + (half + 500) / mPerDegLat,
};

function hills(seed: number): Terrain {
  const rng = seededRandom(seed);
  const hs = Array.from({ length: 40 }, () => ({
    x: (rng() - 0.5) * BOX_M,
    y: (rng() - 0.5) * BOX_M,
    h: 20 + rng() * 130,
    r: 300 + rng() * 1200,
  }));
  return (lon, lat) => {
    if (lon < BOX.west || lon > BOX.east || lat < BOX.south || lat > BOX.north) return 800;
    const x = (lon - LAYOUT_ORIGIN[0]) * mPerDegLon;
    const y = (lat - LAYOUT_ORIGIN[1]) * mPerDegLat;
    let z = 800;
    for (const k of hs) z += k.h * Math.exp(-(((x - k.x) ** 2 + (y - k.y) ** 2) / (k.r * k.r)));
    return z;
  };
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const fmtMs = (ms: number) => (ms < 1 ? `${ms.toFixed(3)} ms` : ms < 100 ? `${ms.toFixed(2)} ms` : `${Math.round(ms)} ms`);
function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))]!;
}
function timed<T>(f: () => T): [T, number] {
  const t0 = performance.now();
  const v = f();
  return [v, performance.now() - t0];
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'medidrop-bench-terrain-'));
  try {
    const terrain = hills(20261203);
    process.stdout.write(`terrain: 1″ DEM over a ${BOX_M / 1000} km box at ${LAYOUT_ORIGIN[1]}° N, ${OBSTACLES} obstacles, ${PLANS} deliveries\n`);

    // 1″ SRTM tile: index, first use, memory.
    const tiles = join(dir, 'srtm');
    mkdirSync(tiles);
    const [, writeMs] = timed(() => writeHgt(tiles, 37, 112, 3601, terrain));
    const mem0 = process.memoryUsage().arrayBuffers;
    const t0 = performance.now();
    const tileDem = await loadDem([tiles]);
    const indexMs = performance.now() - t0;
    const [, firstMs] = timed(() => tileDem.heightAt(LAYOUT_ORIGIN[0], LAYOUT_ORIGIN[1]));
    const tileMem = process.memoryUsage().arrayBuffers - mem0;
    const [, nextMs] = timed(() => {
      for (let i = 0; i < 100_000; i++) tileDem.heightAt(LAYOUT_ORIGIN[0] + (i % 317) * 1e-5, LAYOUT_ORIGIN[1] + (i % 211) * 1e-5);
    });
    process.stdout.write(
      `  SRTM 1″ tile (${mb(3601 * 3601 * 2)} on disk, written in ${fmtMs(writeMs)}): directory index ${fmtMs(indexMs)}, first height (reads the tile) ${fmtMs(firstMs)}, memory +${mb(tileMem)} (Int16Array: ${mb(3601 * 3601 * 2)}), then ${fmtMs(nextMs / 100)} per 1000 heights\n`,
    );

    // 1″ GeoTIFF over the box.
    const step = 1 / 3600;
    const cols = Math.ceil((BOX.east - BOX.west) / step);
    const rows = Math.ceil((BOX.north - BOX.south) / step);
    const tif = writeGeoTiff(join(dir, 'box.tif'), { west: BOX.west, north: BOX.north, step, cols, rows, terrain });
    const mem1 = process.memoryUsage().arrayBuffers;
    const t1 = performance.now();
    const tifDem = await loadDem([tif]);
    const tifMs = performance.now() - t1;
    const tifMem = process.memoryUsage().arrayBuffers - mem1;
    process.stdout.write(`  GeoTIFF 1″ ${cols} × ${rows} (float32, ${mb(cols * rows * 4)}): load ${fmtMs(tifMs)}, memory +${mb(tifMem)}\n`);

    // Maps: 20 no-fly areas; the same plus 500 obstacles.
    const layout = randomLayout(20261203, 20, { boxM: BOX_M, minRadiusM: 20, maxRadiusM: 200, concaveShare: 0.2 });
    const rng = seededRandom(7);
    const features: unknown[] = [];
    for (let i = 0; i < OBSTACLES; i++) {
      const x = (rng() - 0.5) * BOX_M;
      const y = (rng() - 0.5) * BOX_M;
      const s = 5 + rng() * 20;
      const c: LonLat = [LAYOUT_ORIGIN[0] + x / mPerDegLon, LAYOUT_ORIGIN[1] + y / mPerDegLat];
      const dx = s / mPerDegLon;
      const dy = s / mPerDegLat;
      const ring = [
        [c[0] - dx, c[1] - dy],
        [c[0] + dx, c[1] - dy],
        [c[0] + dx, c[1] + dy],
        [c[0] - dx, c[1] + dy],
        [c[0] - dx, c[1] - dy],
      ];
      features.push({
        type: 'Feature',
        properties: { kind: 'obstacle', name: `OB-${i}`, height_m: 20 + rng() * 80 },
        geometry: { type: 'Polygon', coordinates: [ring] },
      });
    }
    const noFly = layout.map.noFly.map((a) => ({ type: 'Feature', properties: a.properties, geometry: a.geometry }));
    const flatMap = parseZoneMap({ type: 'FeatureCollection', features: noFly }, 'flat');
    const obstacleMap = parseZoneMap({ type: 'FeatureCollection', features: [...noFly, ...features] }, 'obstacles');

    const prepared = prepareMap(flatMap, { clearanceM: 30 });
    const pts = freePoints(layout, prepared, seededRandom(11), 400);
    const pairs: [LonLat, LonLat][] = [];
    for (let i = 0; i + 1 < pts.length && pairs.length < PLANS; i += 2) {
      const a = pts[i]!;
      const b = pts[i + 1]!;
      const d = Math.hypot((a[0] - b[0]) * mPerDegLon, (a[1] - b[1]) * mPerDegLat);
      if (d >= 1000 && d <= 5000) pairs.push([a, b]);
    }
    const request = (a: LonLat, b: LonLat): PlanRequest => ({
      from: { position: a },
      to: { position: b },
      drone: DEFAULT_DRONE,
      conditions: { payloadKg: 0.5, wind: { speedMs: 0, fromDeg: 0 }, temperatureC: 15, siteAltitudeM: 800 },
    });
    // Warm the caches (map preparation, obstacle index, the tile) outside the timing.
    planDelivery(flatMap, request(...pairs[0]!));
    planDelivery(obstacleMap, request(...pairs[0]!), { dem: tileDem });

    const flatMs: number[] = [];
    const demMs: number[] = [];
    const checkMs: number[] = [];
    const samples: number[] = [];
    let infeasibleByTerrain = 0;
    const byCode = new Map<string, number>();
    const measure = (dem: Dem, label: string) => {
      flatMs.length = demMs.length = checkMs.length = samples.length = 0;
      infeasibleByTerrain = 0;
      byCode.clear();
      for (const [a, b] of pairs) {
        const [, f] = timed(() => planDelivery(flatMap, request(a, b)));
        flatMs.push(f);
        const [plan, d] = timed(() => planDelivery(obstacleMap, request(a, b), { dem }));
        demMs.push(d);
        // the 3-D path check's own codes and the failsafe-return choice's (failsafe-return-*)
        const terrainReasons = plan.reasons.filter(
          (x) =>
            ['terrain-clearance', 'height-above-ground', 'dem-no-coverage', 'terrain-no-altitude'].includes(x.code) || x.code.startsWith('failsafe-return'),
        );
        if (terrainReasons.length > 0) infeasibleByTerrain++;
        for (const x of terrainReasons) {
          const onReturn = x.message.includes('failsafe return') && !x.code.startsWith('failsafe-return') ? ' (failsafe return)' : '';
          byCode.set(x.code + onReturn, (byCode.get(x.code + onReturn) ?? 0) + 1);
        }
        if (plan.vehiclePlan) {
          const [rep, c] = timed(() => checkOnly(plan, obstacleMap, dem));
          checkMs.push(c);
          samples.push(rep.report.samples);
        }
      }
      const fm = quantile(flatMs, 0.5);
      const dm = quantile(demMs, 0.5);
      process.stdout.write(
        `  plan (${label}): flat planner median ${fmtMs(fm)} p95 ${fmtMs(quantile(flatMs, 0.95))} | with DEM + ${OBSTACLES} obstacles median ${fmtMs(dm)} p95 ${fmtMs(quantile(demMs, 0.95))} (${(dm / fm).toFixed(2)}× flat)\n` +
          `    path check alone: median ${fmtMs(quantile(checkMs, 0.5))} p95 ${fmtMs(quantile(checkMs, 0.95))} for a median ${Math.round(quantile(samples, 0.5))} samples (${fmtMs((quantile(checkMs, 0.5) / quantile(samples, 0.5)) * 1000)} per 1000); ${infeasibleByTerrain}/${pairs.length} plans break a terrain limit: ${[...byCode].map(([c, k]) => `${c} ${k}`).join(', ') || 'none'}\n`,
      );
    };
    measure(tileDem, 'SRTM tile');
    measure(tifDem, 'GeoTIFF');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function checkOnly(plan: DeliveryPlan, map: ReturnType<typeof parseZoneMap>, dem: Dem) {
  return terrainReport({
    map,
    dem,
    home: plan.depot.position,
    flatGroundM: 800,
    waypoints: plan.waypoints.map(([lat, lon, alt]) => [lon, lat, alt]),
    rallyPoints: plan.rally.points,
    rallyAltitudeM: plan.cruiseAltitudeM,
    minClearanceM: 30,
    maxAglM: 100,
  });
}
