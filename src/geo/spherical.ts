/**
 * Spherical geometry kernel on [lon, lat] degrees (GeoJSON order): great-circle distance, initial
 * bearing, polyline length and sampling, on a sphere of the mean Earth radius. One pure function
 * per idea, used by geo, planning, missions, planner and fleet (turf's model: `distance`,
 * `bearing`, `length`).
 *
 * A sphere is within 0.5 % of the WGS84 ellipsoid for these distances; where a metre matters over
 * a map (route planning, fences), src/geo/projection.ts projects onto the ellipsoid's tangent plane
 * and src/geo/planar.ts computes there. The emulator (sim/emulator/geo.ts) keeps its own copy on
 * purpose: it is the independent oracle and uses ArduPilot's own scaling.
 */
import type { LonLat } from './types.js';

/** Mean Earth radius (IUGG), metres; turf's `earthRadius` too. */
export const EARTH_RADIUS_M = 6_371_008.8;
const DEG = Math.PI / 180;

/**
 * Great-circle (haversine) distance between two points, metres.
 *
 * Example: one degree of latitude, `distanceM([0, 0], [0, 1])` = R·π/180 ≈ 111,195.08 m;
 * Beijing [116.4074, 39.9042] to Shanghai [121.4737, 31.2304] ≈ 1,067,312 m.
 */
export function distanceM(a: LonLat, b: LonLat): number {
  const dLat = (b[1] - a[1]) * DEG;
  const dLon = (b[0] - a[0]) * DEG;
  const s = Math.sin(dLat / 2) ** 2 + Math.cos(a[1] * DEG) * Math.cos(b[1] * DEG) * Math.sin(dLon / 2) ** 2;
  // min(1, …): rounding can push s a hair above 1 for antipodal points, where asin would be NaN.
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(s)));
}

/**
 * Initial great-circle bearing from a to b, degrees true in [0, 360).
 *
 * Example: `bearingDeg([0, 0], [1, 0])` = 90 (due east); `bearingDeg([0, 0], [0, -1])` = 180;
 * Beijing to Shanghai ≈ 153.07.
 */
export function bearingDeg(a: LonLat, b: LonLat): number {
  const φ1 = a[1] * DEG;
  const φ2 = b[1] * DEG;
  const Δλ = (b[0] - a[0]) * DEG;
  const y = Math.sin(Δλ) * Math.cos(φ2);
  const x = Math.cos(φ1) * Math.sin(φ2) - Math.sin(φ1) * Math.cos(φ2) * Math.cos(Δλ);
  const deg = Math.atan2(y, x) / DEG;
  return (deg + 360) % 360;
}

/**
 * Length of a polyline, metres: the sum of its legs' great-circle distances (0 for fewer than two
 * points).
 *
 * Example: `pathLengthM([[0, 0], [0, 1], [0, 2]])` ≈ 222,390.16 m.
 */
export function pathLengthM(path: readonly LonLat[]): number {
  let total = 0;
  for (let i = 1; i < path.length; i++) total += distanceM(path[i - 1]!, path[i]!);
  return total;
}

/** A point sampled along a polyline, with the leg it lies on and how far along that leg. */
export interface PathSample {
  point: LonLat;
  legIndex: number;
  alongLegM: number;
}

/**
 * Points every `stepM` metres (at most) along a polyline, both ends included, with the leg each
 * lies on. Each leg is cut into equal parts, interpolated linearly in lon/lat: on legs of a few
 * kilometres that is within centimetres of the great circle.
 *
 * Example: `samplePath([[0, 0], [0, 0.001]], 50)` gives 4 points (the leg is 111.2 m, so 3 parts
 * of 37.1 m): lat 0, 0.000333…, 0.000666…, 0.001, all on leg 0.
 */
export function samplePath(path: readonly LonLat[], stepM: number): PathSample[] {
  const out: PathSample[] = [];
  for (let i = 1; i < path.length; i++) {
    const a = path[i - 1]!;
    const b = path[i]!;
    const len = distanceM(a, b);
    const n = Math.max(1, Math.ceil(len / stepM));
    for (let k = i === 1 ? 0 : 1; k <= n; k++) {
      const t = k / n;
      out.push({ point: [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t], legIndex: i - 1, alongLegM: len * t });
    }
  }
  return out;
}
