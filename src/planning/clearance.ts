/**
 * The 3-D path check: does a flight path keep the vertical clearance above the terrain and the
 * obstacles, and stay under the height-above-ground ceiling, everywhere?
 *
 * The path is given in named parts (outbound, the delivery descent, each straight failsafe return …),
 * each a polyline of [lon, lat, altitude] points, altitudes above home or above mean sea level. Every
 * straight segment is sampled every `stepM` metres or closer (altitude interpolated linearly, as
 * ArduCopter's waypoint navigation flies a straight 3-D line between two waypoints: AC_WPNav
 * set_wp_destination → SCurve). At each sample:
 * - ground = the DEM's height (bilinear), or the home ground when there is no DEM (flat ground);
 * - AGL = altitude − ground: the legal ceiling (120 m) is measured from the ground, not from buildings;
 * - clearance = altitude − surface, the surface being the ground or the top of an obstacle the path
 *   crosses. An obstacle is found by intersecting each sub-segment with its footprint (not by
 *   sampling), so a 5 m pylon between two samples 10 m apart is not missed; the sub-segment's lower
 *   end counts. An obstacle's top is `heightM` above the highest ground under its corners and centre
 *   (a tower on a slope is as tall as its uphill side).
 * The result gives the minimum clearance, the maximum AGL and the first place (in path order) where
 * each limit is broken, or where the DEM has no data.
 *
 * Pure: no I/O; the DEM is read through its interface.
 */
import Flatbush from 'flatbush';
import type { MultiPolygon, Polygon } from 'geojson';
import { describeGap, isDemGap, type Dem } from '../geo/dem/types.js';
import { pointInPolygon, segmentsIntersect } from '../geo/planar.js';
import { distanceM } from '../geo/spherical.js';
import type { LonLat } from '../geo/types.js';

/** [lon, lat, altitude m] — altitude above home or AMSL, as ClearanceInput.altitudeReference says. */
export type Point3 = [lon: number, lat: number, altM: number];

export interface PathPart {
  /** Shown in results: "outbound", "failsafe return from 1.2 km along the route to home" … */
  name: string;
  points: Point3[];
  /**
   * Clearance this part must keep, m (default: the input's). The delivery descent and the climb back
   * go down to the drop surface by design: they use 0 (above the surface, not into it).
   */
  minClearanceM?: number;
  /** Below the required clearance by at most this much still passes, m (default 0; a landing: rounding of its position). */
  toleranceM?: number;
}

export interface HeightObstacle {
  name: string;
  geometry: Polygon | MultiPolygon;
  /** Height of the top above the ground, m. */
  heightM: number;
}

export interface ClearanceInput {
  parts: readonly PathPart[];
  altitudeReference: 'home' | 'amsl';
  /** Ground elevation at home, m AMSL (the ground everywhere when there is no DEM). */
  homeGroundM: number;
  dem?: Dem | undefined;
  /** Obstacles, or an index made once by prepareObstacles (planning many paths on one map). */
  obstacles: readonly HeightObstacle[] | PreparedObstacles;
  /** Vertical clearance kept above terrain and obstacles, m (default 30). */
  minClearanceM?: number;
  /** Highest height above ground allowed, m (default 100: 120 m minus a 20 m margin). */
  maxAglM?: number;
  /** Longest distance between samples, m (default 10). */
  stepM?: number;
}

/** A place on the checked path. */
export interface PathPlace {
  part: string;
  /** Segment of the part (0 = from its first to its second point) and metres along it. */
  segment: number;
  alongM: number;
  lon: number;
  lat: number;
  /** Altitude as given (input reference), and AMSL. */
  altM: number;
  altAmslM: number;
  groundM: number;
}

export type ClearanceViolation =
  | (PathPlace & { kind: 'clearance'; clearanceM: number; limitM: number; surfaceM: number; obstacle?: string })
  | (PathPlace & { kind: 'agl'; aglM: number; limitM: number })
  | { kind: 'no-coverage'; part: string; segment: number; alongM: number; lon: number; lat: number; message: string };

export interface ClearanceResult {
  ok: boolean;
  samples: number;
  /**
   * Lowest clearance above terrain and obstacles over the parts that keep the full clearance (not the
   * take-off, landing and delivery descent, which reach the ground by design), and where
   * (Infinity/undefined: no such sample).
   */
  minClearanceM: number;
  minClearanceAt?: PathPlace & { obstacle?: string };
  /** Highest height above ground, and where. */
  maxAglM: number;
  maxAglAt?: PathPlace;
  /** First violation of each kind, in path order (parts in the order given). */
  violations: ClearanceViolation[];
}

export interface PreparedObstacles {
  readonly prepared: true;
  readonly items: readonly { name: string; rings: LonLat[][][]; topAmslM: number; bbox: [number, number, number, number] }[];
  readonly index: Flatbush | null;
}

function isPrepared(o: ClearanceInput['obstacles']): o is PreparedObstacles {
  return (o as PreparedObstacles).prepared === true;
}

/** Ground height AMSL at a point: DEM or flat home ground; a string says why there is none. */
function groundAt(dem: Dem | undefined, homeGroundM: number, lon: number, lat: number): number | string {
  if (!dem) return homeGroundM;
  const h = dem.sample(lon, lat);
  return isDemGap(h) ? describeGap(h) : h;
}

/** Compute each obstacle's top (AMSL) and a spatial index once. */
export function prepareObstacles(obstacles: readonly HeightObstacle[], dem: Dem | undefined, homeGroundM: number): PreparedObstacles {
  const items = obstacles.map((o) => {
    const rings = (o.geometry.type === 'Polygon' ? [o.geometry.coordinates] : o.geometry.coordinates) as unknown as LonLat[][][];
    let w = Infinity;
    let s = Infinity;
    let e = -Infinity;
    let n = -Infinity;
    let base = -Infinity;
    let sx = 0;
    let sy = 0;
    let count = 0;
    // Corners without elevation data are skipped; with none at all the top is unknown (NaN) and a
    // path crossing the obstacle is reported as lacking coverage there.
    const consider = (p: LonLat) => {
      const g = groundAt(dem, homeGroundM, p[0], p[1]);
      if (typeof g === 'number') base = Math.max(base, g);
    };
    for (const poly of rings)
      for (const p of poly[0]!) {
        w = Math.min(w, p[0]);
        e = Math.max(e, p[0]);
        s = Math.min(s, p[1]);
        n = Math.max(n, p[1]);
        sx += p[0];
        sy += p[1];
        count++;
        consider(p);
      }
    consider([sx / count, sy / count]);
    return { name: o.name, rings, topAmslM: base === -Infinity ? Number.NaN : base + o.heightM, bbox: [w, s, e, n] as [number, number, number, number] };
  });
  let index: Flatbush | null = null;
  if (items.length > 0) {
    index = new Flatbush(items.length);
    for (const it of items) index.add(it.bbox[0], it.bbox[1], it.bbox[2], it.bbox[3]);
    index.finish();
  }
  return { prepared: true, items, index };
}

/** The highest obstacle whose footprint the segment a–b touches (one with an unknown top first), or undefined. */
export function obstacleTopOver(obs: PreparedObstacles, a: LonLat, b: LonLat): { name: string; topAmslM: number } | undefined {
  if (!obs.index) return undefined;
  return topOverAmong(obs, obs.index.search(Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[0], b[0]), Math.max(a[1], b[1])), a, b);
}

/**
 * The obstacles a whole straight line a–b may touch: one index search over the line's box, then only
 * those whose box the line itself crosses (a long diagonal line's box holds many it passes far from).
 * A superset of what obstacleTopOver finds for any piece of the line, so sampling the line piece by
 * piece against this short list (topOverAmong) gives the same answers at a fraction of the searches.
 */
export function obstaclesAlong(obs: PreparedObstacles, a: LonLat, b: LonLat): number[] {
  if (!obs.index) return [];
  const ids = obs.index.search(Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[0], b[0]), Math.max(a[1], b[1]));
  return ids.filter((id) => lineCrossesBox(a, b, obs.items[id]!.bbox));
}

/** Does the segment a–b meet the box (edges included, with a hair of slack for rounding)? Liang–Barsky clipping. */
function lineCrossesBox(a: LonLat, b: LonLat, box: readonly [number, number, number, number]): boolean {
  const eps = 1e-9;
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  let t0 = 0;
  let t1 = 1;
  const clip = (p: number, q: number): boolean => {
    if (p === 0) return q >= 0;
    const r = q / p;
    if (p < 0) {
      if (r > t1) return false;
      if (r > t0) t0 = r;
    } else {
      if (r < t0) return false;
      if (r < t1) t1 = r;
    }
    return true;
  };
  return clip(-dx, a[0] - (box[0] - eps)) && clip(dx, box[2] + eps - a[0]) && clip(-dy, a[1] - (box[1] - eps)) && clip(dy, box[3] + eps - a[1]);
}

/** obstacleTopOver among the given obstacles only (from an index search or obstaclesAlong). */
export function topOverAmong(obs: PreparedObstacles, ids: readonly number[], a: LonLat, b: LonLat): { name: string; topAmslM: number } | undefined {
  if (ids.length === 0) return undefined;
  const w = Math.min(a[0], b[0]);
  const e = Math.max(a[0], b[0]);
  const s = Math.min(a[1], b[1]);
  const n = Math.max(a[1], b[1]);
  let best: { name: string; topAmslM: number } | undefined;
  for (const id of ids) {
    const it = obs.items[id]!;
    if (it.bbox[0] > e || it.bbox[2] < w || it.bbox[1] > n || it.bbox[3] < s) continue;
    if (best && !(it.topAmslM > best.topAmslM) && !Number.isNaN(it.topAmslM)) continue;
    if (it.rings.some((rings) => segmentTouchesPolygon(a, b, rings))) {
      best = it;
      if (Number.isNaN(it.topAmslM)) return best;
    }
  }
  return best;
}

function segmentTouchesPolygon(a: LonLat, b: LonLat, rings: LonLat[][]): boolean {
  if (pointInPolygon(a, rings) || pointInPolygon(b, rings)) return true;
  for (const ring of rings) for (let i = 0; i + 1 < ring.length; i++) if (segmentsIntersect(a, b, ring[i]!, ring[i + 1]!)) return true;
  return false;
}

function placeAt(part: string, segment: number, alongM: number, lon: number, lat: number, altM: number, altAmslM: number, groundM: number): PathPlace {
  return { part, segment, alongM, lon, lat, altM, altAmslM, groundM };
}

/** Check a 3-D path; see the module comment. */
export function checkClearance(input: ClearanceInput): ClearanceResult {
  const minClearance = input.minClearanceM ?? 30;
  const maxAgl = input.maxAglM ?? 100;
  const stepM = input.stepM ?? 10;
  const obs = isPrepared(input.obstacles) ? input.obstacles : prepareObstacles(input.obstacles, input.dem, input.homeGroundM);
  const toAmsl = input.altitudeReference === 'home' ? input.homeGroundM : 0;
  const result: ClearanceResult = { ok: true, samples: 0, minClearanceM: Infinity, maxAglM: -Infinity, violations: [] };
  let clearanceViolation = false;
  let aglViolation = false;
  let coverageViolation = false;

  for (const part of input.parts) {
    const need = part.minClearanceM ?? minClearance;
    const pts = part.points;
    for (let i = 0; i + 1 < pts.length || (pts.length === 1 && i === 0); i++) {
      const p = pts[i]!;
      const q = pts[Math.min(i + 1, pts.length - 1)]!;
      const len = distanceM([p[0], p[1]], [q[0], q[1]]);
      const steps = Math.max(1, Math.ceil(len / stepM));
      const near = obstaclesAlong(obs, [p[0], p[1]], [q[0], q[1]]);
      const first = i === 0 ? 0 : 1;
      // Flat ground and no obstacle along: the altitude, clearance and AGL change linearly, so every
      // sample lies between the segment's two ends (computed as the samples are). When neither end
      // would lower the minimum clearance, raise the maximum AGL or break a limit, no sample would:
      // they are counted, not made (most failsafe returns are level lines over flat ground).
      if (!input.dem && near.length === 0) {
        const endA = p[2] + (q[2] - p[2]) * 0 + toAmsl - input.homeGroundM;
        const endB = p[2] + (q[2] - p[2]) * (steps / steps) + toAmsl - input.homeGroundM;
        const low = Math.min(endA, endB);
        const high = Math.max(endA, endB);
        if (
          (part.minClearanceM !== undefined || low >= result.minClearanceM) &&
          low >= need - (part.toleranceM ?? 0) - 1e-9 &&
          high <= result.maxAglM &&
          high <= maxAgl + 1e-9
        ) {
          result.samples += steps - first + 1;
          if (pts.length === 1) break;
          continue;
        }
      }
      // The previous sample: this segment's start (the last sample of the one before) after the first.
      // Kept as numbers, and a sample's place is made only when it is recorded: a plan checks a few
      // thousand samples, and an object or two for each was most of this loop's time (and garbage).
      let hasPrev = i !== 0;
      let prevLon = p[0];
      let prevLat = p[1];
      let prevAlt = p[2];
      for (let k = first; k <= steps; k++) {
        const t = k / steps;
        const lon = p[0] + (q[0] - p[0]) * t;
        const lat = p[1] + (q[1] - p[1]) * t;
        const alt = p[2] + (q[2] - p[2]) * t;
        const ground = groundAt(input.dem, input.homeGroundM, lon, lat);
        if (typeof ground === 'string') {
          result.ok = false;
          if (!coverageViolation) {
            coverageViolation = true;
            result.violations.push({ kind: 'no-coverage', part: part.name, segment: i, alongM: len * t, lon, lat, message: ground });
          }
          hasPrev = true;
          prevLon = lon;
          prevLat = lat;
          prevAlt = alt;
          continue;
        }
        result.samples++;
        const altAmsl = alt + toAmsl;
        // The sub-segment ending here: an obstacle it crosses counts at its lower end.
        let surface = ground;
        let obstacle: string | undefined;
        let lowAlt = altAmsl;
        const over = near.length === 0 ? undefined : topOverAmong(obs, near, hasPrev ? [prevLon, prevLat] : [lon, lat], [lon, lat]);
        if (over && Number.isNaN(over.topAmslM)) {
          result.ok = false;
          if (!coverageViolation) {
            coverageViolation = true;
            const message = `no elevation data under obstacle '${over.name}' (its top is unknown)`;
            result.violations.push({ kind: 'no-coverage', part: part.name, segment: i, alongM: len * t, lon, lat, message });
          }
        } else if (over && over.topAmslM > surface) {
          surface = over.topAmslM;
          obstacle = over.name;
          if (hasPrev) lowAlt = Math.min(altAmsl, prevAlt + toAmsl);
        }
        const clearance = lowAlt - surface;
        const agl = altAmsl - ground;
        if (part.minClearanceM === undefined && clearance < result.minClearanceM) {
          result.minClearanceM = clearance;
          result.minClearanceAt =
            obstacle !== undefined
              ? { ...placeAt(part.name, i, len * t, lon, lat, alt, altAmsl, ground), obstacle }
              : placeAt(part.name, i, len * t, lon, lat, alt, altAmsl, ground);
        }
        if (agl > result.maxAglM) {
          result.maxAglM = agl;
          result.maxAglAt = placeAt(part.name, i, len * t, lon, lat, alt, altAmsl, ground);
        }
        if (clearance < need - (part.toleranceM ?? 0) - 1e-9) {
          result.ok = false;
          if (!clearanceViolation) {
            clearanceViolation = true;
            const v: ClearanceViolation = {
              ...placeAt(part.name, i, len * t, lon, lat, alt, altAmsl, ground),
              kind: 'clearance',
              clearanceM: clearance,
              limitM: need,
              surfaceM: surface,
            };
            if (obstacle !== undefined) v.obstacle = obstacle;
            result.violations.push(v);
          }
        }
        if (agl > maxAgl + 1e-9) {
          result.ok = false;
          if (!aglViolation) {
            aglViolation = true;
            result.violations.push({ ...placeAt(part.name, i, len * t, lon, lat, alt, altAmsl, ground), kind: 'agl', aglM: agl, limitM: maxAgl });
          }
        }
        hasPrev = true;
        prevLon = lon;
        prevLat = lat;
        prevAlt = alt;
      }
      if (pts.length === 1) break;
    }
  }
  return result;
}

/**
 * The numbers of a violation, for pages that say it in their own language
 * (checkDetail.terrain-clearance.broken, reasonDetail.height-above-ground …): where (lat, lon, metres
 * along the leg) and by how much.
 */
export function violationParams(v: ClearanceViolation): Record<string, string | number> {
  const r1 = (n: number) => Math.round(n * 10) / 10;
  const where = { lat: v.lat.toFixed(6), lon: v.lon.toFixed(6), leg: v.segment + 1, alongM: Math.round(v.alongM) };
  switch (v.kind) {
    case 'clearance':
      return { ...where, clearanceM: r1(v.clearanceM), limitM: r1(v.limitM), ...(v.obstacle !== undefined ? { obstacle: v.obstacle } : {}) };
    case 'agl':
      return { ...where, aglM: r1(v.aglM), limitM: r1(v.limitM) };
    case 'no-coverage':
      return where;
  }
}

/** One line for a violation: which limit, where, by how much. */
export function describeViolation(v: ClearanceViolation): string {
  const at = `${v.lat.toFixed(6)},${v.lon.toFixed(6)} (lat,lon) on the ${v.part}, leg ${v.segment + 1} at ${Math.round(v.alongM)} m`;
  const r1 = (n: number) => Math.round(n * 10) / 10;
  switch (v.kind) {
    case 'clearance':
      return `clearance ${r1(v.clearanceM)} m above ${v.obstacle !== undefined ? `obstacle '${v.obstacle}' (top ${r1(v.surfaceM)} m AMSL)` : `the ground (${r1(v.surfaceM)} m AMSL)`} is below the ${r1(v.limitM)} m required, at ${at}, flying at ${r1(v.altAmslM)} m AMSL`;
    case 'agl':
      return `${r1(v.aglM)} m above the ground exceeds the ${r1(v.limitM)} m ceiling, at ${at} (ground ${r1(v.groundM)} m AMSL, flying at ${r1(v.altAmslM)} m AMSL)`;
    case 'no-coverage':
      return `${v.message}, on the ${v.part}, leg ${v.segment + 1} at ${Math.round(v.alongM)} m`;
  }
}

/** Where a level segment's altitude is bounded: the binding sample and what binds there. */
export interface LevelBound {
  /** Altitude bound, m AMSL. */
  amslM: number;
  lon: number;
  lat: number;
  /** Ground AMSL there; the obstacle whose top binds (lower bound only). */
  groundM: number;
  obstacle?: string;
}

export type LevelLimits = { ok: true; lower: LevelBound; upper: LevelBound } | { ok: false; lon: number; lat: number; message: string };

/**
 * The altitudes (AMSL) at which a LEVEL flight from a to b keeps `minClearanceM` above the terrain
 * and the obstacles it crosses (`lower`) and stays at most `maxAglM` above the ground (`upper`),
 * sampled like checkClearance (every `stepM`, obstacles by footprint). lower > upper: no level
 * flight along this line keeps both. Used to choose failsafe return altitudes (a return is level).
 */
export function levelLimits(
  a: LonLat,
  b: LonLat,
  env: { dem?: Dem | undefined; homeGroundM: number; obstacles: PreparedObstacles; minClearanceM: number; maxAglM: number; stepM?: number },
): LevelLimits {
  const stepM = env.stepM ?? 10;
  const len = distanceM(a, b);
  const steps = Math.max(1, Math.ceil(len / stepM));
  // Called for every candidate return of the rally search: the bounds are kept as numbers and made
  // into objects once at the end, and a line that crosses no obstacle's box skips the obstacle test.
  let loM = -Infinity;
  let loK = 0;
  let loGround = 0;
  let loObstacle: string | undefined;
  let hiM = Infinity;
  let hiK = 0;
  let hiGround = 0;
  const near = obstaclesAlong(env.obstacles, a, b);
  const dLon = b[0] - a[0];
  const dLat = b[1] - a[1];
  let prevLon = a[0];
  let prevLat = a[1];
  for (let k = 0; k <= steps; k++) {
    const t = k / steps;
    const lon = a[0] + dLon * t;
    const lat = a[1] + dLat * t;
    const ground = groundAt(env.dem, env.homeGroundM, lon, lat);
    if (typeof ground === 'string') return { ok: false, lon, lat, message: ground };
    let surface = ground;
    let obstacle: string | undefined;
    if (near.length > 0) {
      const over = topOverAmong(env.obstacles, near, [prevLon, prevLat], [lon, lat]);
      if (over && Number.isNaN(over.topAmslM)) return { ok: false, lon, lat, message: `no elevation data under obstacle '${over.name}' (its top is unknown)` };
      if (over && over.topAmslM > surface) {
        surface = over.topAmslM;
        obstacle = over.name;
      }
    }
    const lo = surface + env.minClearanceM;
    const hi = ground + env.maxAglM;
    if (k === 0 || lo > loM) {
      loM = lo;
      loK = k;
      loGround = ground;
      loObstacle = obstacle;
    }
    if (k === 0 || hi < hiM) {
      hiM = hi;
      hiK = k;
      hiGround = ground;
    }
    prevLon = lon;
    prevLat = lat;
  }
  const lower: LevelBound = { amslM: loM, lon: a[0] + dLon * (loK / steps), lat: a[1] + dLat * (loK / steps), groundM: loGround };
  if (loObstacle !== undefined) lower.obstacle = loObstacle;
  const upper: LevelBound = { amslM: hiM, lon: a[0] + dLon * (hiK / steps), lat: a[1] + dLat * (hiK / steps), groundM: hiGround };
  return { ok: true, lower, upper };
}
