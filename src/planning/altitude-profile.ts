/**
 * Altitudes along a route over terrain and obstacles: relative altitudes (metres above home) that
 * keep the vertical clearance above the ground and the obstacles and stay under the height-above-
 * ground ceiling, with extra waypoints where the ground rises or falls between corners, so that each
 * straight 3-D segment (ArduCopter flies a straight line between two waypoints, AC_WPNav) keeps
 * both limits.
 *
 * Method: sample the route every `stepM` (corners included). At each sample, the floor is the
 * surface (ground, or the top of an obstacle the neighbouring sub-segments cross) plus the clearance
 * and a margin, the ceiling the ground plus the allowed height minus the margin, and the preferred
 * altitude the ground plus the drone's cruise height, clamped between them. Then, from the start at
 * its preferred altitude, a segment is stretched sample by sample while some straight line from its
 * start still passes between every floor and ceiling (the window of slopes left open); where the
 * window closes, the segment ends at the last sample, as near its preferred altitude as the window
 * allows, and the next segment starts there. Where a floor lies above its ceiling no altitude keeps
 * both limits: the result says where and which (an obstacle or the ground). Pure.
 */
import type { Dem } from '../geo/dem/types.js';
import { describeGap, isDemGap } from '../geo/dem/types.js';
import { samplePath } from '../geo/spherical.js';
import type { LonLat } from '../geo/types.js';
import { obstacleTopOver, type Point3, type PreparedObstacles } from './clearance.js';

export interface ProfileInput {
  /** The horizontal route, first = start (home), last = end. */
  route: LonLat[];
  homeGroundM: number;
  dem?: Dem | undefined;
  obstacles: PreparedObstacles;
  /** Preferred height above the ground (the drone's cruise height), m. */
  cruiseAglM: number;
  minClearanceM: number;
  maxAglM: number;
  stepM?: number;
  /** Kept inside both limits for what lies between samples (bilinear terrain, rounding), m. Default 3. */
  marginM?: number;
}

export type ProfileResult =
  | {
      ok: true;
      /** The route's corners and the extra waypoints, [lon, lat, metres above home], in order. */
      points: Point3[];
      /** Index in `points` of each corner of the input route. */
      cornerIndex: number[];
      maxAltM: number;
    }
  | { ok: false; code: 'no-altitude' | 'dem-no-coverage'; message: string; at: LonLat };

const r1 = (n: number) => Math.round(n * 10) / 10;

/** See the module comment. */
export function altitudeProfile(input: ProfileInput): ProfileResult {
  const stepM = input.stepM ?? 10;
  const margin = input.marginM ?? 3;
  const samples = samplePath(input.route, stepM);
  const n = samples.length;
  const s = new Float64Array(n);
  const floor = new Float64Array(n);
  const ceil = new Float64Array(n);
  const want = new Float64Array(n);
  const ground = new Float64Array(n);
  const topOf: (string | undefined)[] = [];
  let along = 0;
  let lastLeg = 0;
  let legStart = 0;
  for (let i = 0; i < n; i++) {
    const sm = samples[i]!;
    if (sm.legIndex !== lastLeg) {
      legStart = along;
      lastLeg = sm.legIndex;
    }
    along = legStart + sm.alongLegM;
    s[i] = along;
    const p = sm.point;
    const g = input.dem ? input.dem.sample(p[0], p[1]) : input.homeGroundM;
    if (isDemGap(g)) return { ok: false, code: 'dem-no-coverage', message: `${describeGap(g)}, on the route`, at: p };
    ground[i] = g;
  }
  for (let i = 0; i < n; i++) {
    const p = samples[i]!.point;
    let surface = ground[i]!;
    let obstacle: string | undefined;
    for (const q of [samples[i - 1]?.point, samples[i + 1]?.point]) {
      const over = obstacleTopOver(input.obstacles, q ?? p, p);
      if (over && Number.isNaN(over.topAmslM))
        return { ok: false, code: 'dem-no-coverage', message: `no elevation data under obstacle '${over.name}' (its top is unknown)`, at: p };
      if (over && over.topAmslM > surface) {
        surface = over.topAmslM;
        obstacle = over.name;
      }
    }
    topOf.push(obstacle);
    floor[i] = surface + input.minClearanceM + margin - input.homeGroundM;
    ceil[i] = ground[i]! + input.maxAglM - margin - input.homeGroundM;
    if (floor[i]! > ceil[i]!) {
      const what = obstacle !== undefined ? `obstacle '${obstacle}' (top ${r1(surface)} m AMSL)` : `the ground (${r1(surface)} m AMSL)`;
      return {
        ok: false,
        code: 'no-altitude',
        message: `no altitude keeps both limits at ${p[1].toFixed(6)},${p[0].toFixed(6)} (lat,lon), ${Math.round(s[i]!)} m along the route: ${input.minClearanceM} m above ${what} is ${r1(surface + input.minClearanceM)} m AMSL, above the ${input.maxAglM} m height-above-ground limit there (${r1(ground[i]! + input.maxAglM)} m AMSL)`,
        at: p,
      };
    }
    want[i] = Math.min(ceil[i]!, Math.max(floor[i]!, ground[i]! + input.cruiseAglM - input.homeGroundM));
  }

  // Breakpoints (sample index, altitude).
  const breaks: { i: number; z: number }[] = [{ i: 0, z: want[0]! }];
  let i0 = 0;
  let z0 = want[0]!;
  let lo = -Infinity;
  let hi = Infinity;
  for (let j = i0 + 1; j < n; j++) {
    const d = s[j]! - s[i0]!;
    if (d <= 0) continue;
    const nlo = Math.max(lo, (floor[j]! - z0) / d);
    const nhi = Math.min(hi, (ceil[j]! - z0) / d);
    if (nlo <= nhi) {
      lo = nlo;
      hi = nhi;
      continue;
    }
    // The window closes at j: end the segment at j − 1, as near its preferred altitude as allowed.
    const e = j - 1;
    const de = s[e]! - s[i0]!;
    const z = Math.min(z0 + hi * de, Math.max(z0 + lo * de, want[e]!));
    breaks.push({ i: e, z });
    i0 = e;
    z0 = z;
    lo = -Infinity;
    hi = Infinity;
    j = e; // re-examine j from the new start
  }
  if (breaks[breaks.length - 1]!.i !== n - 1) {
    const e = n - 1;
    const de = s[e]! - s[i0]!;
    breaks.push({ i: e, z: de > 0 ? Math.min(z0 + hi * de, Math.max(z0 + lo * de, want[e]!)) : z0 });
  }

  // Merge the breakpoints with the route's corners (altitude interpolated along the profile).
  const cornerSample: number[] = [];
  for (let i = 0, leg = -1; i < n; i++) {
    const sm = samples[i]!;
    if (i === 0) cornerSample.push(0);
    else if (sm.legIndex !== leg && i > 0 && samples[i - 1]!.legIndex !== sm.legIndex) cornerSample.push(i - 1);
    leg = sm.legIndex;
  }
  cornerSample.push(n - 1);
  const corners = [...new Set(cornerSample)];
  const altAt = (i: number): number => {
    let k = 0;
    while (k + 1 < breaks.length && breaks[k + 1]!.i < i) k++;
    const a = breaks[k]!;
    const b = breaks[Math.min(k + 1, breaks.length - 1)]!;
    if (a.i === i || b.i === a.i) return a.i === i ? a.z : b.z;
    if (b.i === i) return b.z;
    return a.z + ((b.z - a.z) * (s[i]! - s[a.i]!)) / (s[b.i]! - s[a.i]!);
  };
  const idx = [...new Set([...corners, ...breaks.map((b) => b.i)])].sort((a, b) => a - b);
  // Corners keep the route's own coordinates (bit for bit), so the horizontal path is unchanged.
  const cornerAt = new Map(corners.map((c, k) => [c, input.route[k]!]));
  const points: Point3[] = idx.map((i) => {
    const p = cornerAt.get(i) ?? samples[i]!.point;
    return [p[0], p[1], Math.round(altAt(i) * 100) / 100];
  });
  const cornerIndex = corners.map((c) => idx.indexOf(c));
  return { ok: true, points, cornerIndex, maxAltM: Math.max(...points.map((p) => p[2])) };
}
