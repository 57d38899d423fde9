/**
 * The route's height profile for the review page: the flown path (depot → drop point → depot)
 * unrolled along the distance flown, with the ground under it, the tops of the obstacles it crosses
 * and its altitude, all in metres above home (the mission's own reference: GLOBAL_RELATIVE_ALT).
 *
 * Sampled every `stepM` (default 10 m, as the clearance check samples: src/planning/clearance.ts);
 * a vertical segment (take-off, the delivery descent and climb, landing) gives two points at one
 * distance. When there are more than `maxPoints` samples they are thinned evenly, keeping the
 * waypoints and the vertical segments; each kept point carries the highest ground and obstacle top
 * since the previous kept point, so thinning never hides a hill or a tower (the drawing shows no
 * more clearance than there is). The minimum clearance is found on the full samples of the
 * horizontal legs (the take-off, landing and descent reach the ground by design).
 *
 * Pure: the DEM is read through its interface.
 */
import type { Dem } from '../geo/dem/types.js';
import { distanceM } from '../geo/spherical.js';
import type { LonLat } from '../geo/types.js';
import { obstacleTopOver, type Point3, type PreparedObstacles } from '../planning/clearance.js';
import type { TerrainProfile, TerrainProfilePoint } from './types.js';

export interface ProfileInput {
  /** The flown path from the ground at home: [lon, lat, metres above home]. */
  path: Point3[];
  dem?: Dem | undefined;
  obstacles: PreparedObstacles;
  /** Ground at home, m AMSL (the ground everywhere without a DEM). */
  homeGroundM: number;
  /** The drop point: its distance along the path is marked. */
  dropPoint?: LonLat | undefined;
  /** The legal height-above-ground ceiling drawn over the ground, m (120). */
  ceilingAglM: number;
  stepM?: number;
  maxPoints?: number;
}

const r1 = (n: number) => {
  const v = Math.round(n * 10) / 10;
  return Object.is(v, -0) ? 0 : v;
};

interface Sample {
  d: number;
  ground: number | null;
  alt: number;
  top: number | null;
  keep: boolean;
  horizontal: boolean;
}

/** The profile; see the module comment. */
export function routeProfile(input: ProfileInput): TerrainProfile {
  const stepM = input.stepM ?? 10;
  const maxPoints = Math.max(2, input.maxPoints ?? 500);
  const home = input.homeGroundM;
  const groundAt = (lon: number, lat: number): number | null => {
    if (!input.dem) return 0;
    const g = input.dem.sample(lon, lat);
    return typeof g === 'number' ? g - home : null;
  };
  const samples: Sample[] = [];
  const path = input.path;
  let dropDistanceM: number | null = null;
  const atDrop = (p: Point3) => input.dropPoint !== undefined && distanceM([p[0], p[1]], input.dropPoint) < 1;
  let along = 0;
  if (path.length > 0) {
    const p0 = path[0]!;
    samples.push({ d: 0, ground: groundAt(p0[0], p0[1]), alt: p0[2], top: null, keep: true, horizontal: false });
    if (atDrop(p0)) dropDistanceM = 0;
  }
  let minClearance: TerrainProfile['minClearance'] = null;
  for (let i = 1; i < path.length; i++) {
    const a = path[i - 1]!;
    const b = path[i]!;
    const len = distanceM([a[0], a[1]], [b[0], b[1]]);
    if (len < 0.5) {
      // Vertical: both ends kept, at one distance.
      samples[samples.length - 1]!.keep = true;
      samples.push({ d: along, ground: groundAt(b[0], b[1]), alt: b[2], top: null, keep: true, horizontal: false });
    } else {
      const n = Math.max(1, Math.ceil(len / stepM));
      let prev: LonLat = [a[0], a[1]];
      for (let k = 1; k <= n; k++) {
        const t = k / n;
        const lon = a[0] + (b[0] - a[0]) * t;
        const lat = a[1] + (b[1] - a[1]) * t;
        const alt = a[2] + (b[2] - a[2]) * t;
        const ground = groundAt(lon, lat);
        const over = obstacleTopOver(input.obstacles, prev, [lon, lat]);
        const top = over && Number.isFinite(over.topAmslM) ? over.topAmslM - home : null;
        const d = along + len * t;
        samples.push({ d, ground, alt, top, keep: k === n, horizontal: true });
        if (ground !== null) {
          // As the clearance check: an obstacle crossed counts at the sub-segment's lower end.
          const prevAlt = a[2] + (b[2] - a[2]) * ((k - 1) / n);
          const surface = top !== null && top > ground ? top : ground;
          const low = top !== null && top > ground ? Math.min(alt, prevAlt) : alt;
          const c = low - surface;
          if (!minClearance || c < minClearance.clearanceM) {
            minClearance = {
              distanceM: d,
              clearanceM: c,
              altM: alt,
              surfaceM: surface,
              ...(top !== null && top > ground && over ? { obstacle: over.name } : {}),
            };
          }
        }
        prev = [lon, lat];
      }
      along += len;
    }
    if (dropDistanceM === null && atDrop(b)) dropDistanceM = along;
  }

  // Thin evenly, keeping the kept ones; each point takes the highest ground and top since the last.
  const keepCount = samples.filter((s) => s.keep).length;
  const budget = Math.max(0, maxPoints - keepCount);
  const others = samples.length - keepCount;
  let chosen = samples;
  if (samples.length > maxPoints) {
    const every = others / Math.max(1, budget);
    let seen = 0;
    let nextPick = every / 2;
    chosen = [];
    let maxGround: number | null = null;
    let maxTop: number | null = null;
    for (const s of samples) {
      if (s.ground !== null) maxGround = maxGround === null ? s.ground : Math.max(maxGround, s.ground);
      if (s.top !== null) maxTop = maxTop === null ? s.top : Math.max(maxTop, s.top);
      let take = s.keep;
      if (!s.keep) {
        seen++;
        if (budget > 0 && seen >= nextPick) {
          take = true;
          nextPick += every;
        }
      }
      if (!take) continue;
      // A vertical segment's points stand on their own ground (the drop surface), not a bucket's.
      chosen.push(s.horizontal ? { ...s, ground: maxGround ?? s.ground, top: maxTop } : s);
      maxGround = null;
      maxTop = null;
    }
  }
  const points: TerrainProfilePoint[] = chosen.map((s) => ({
    distanceM: r1(s.d),
    groundM: s.ground === null ? null : r1(s.ground),
    pathAltM: r1(s.alt),
    obstacleTopM: s.top === null ? null : r1(s.top),
  }));
  return {
    reference: 'home',
    stepM,
    lengthM: r1(along),
    dropDistanceM: dropDistanceM === null ? null : r1(dropDistanceM),
    ceilingAglM: input.ceilingAglM,
    minClearance: minClearance
      ? {
          distanceM: r1(minClearance.distanceM),
          clearanceM: r1(minClearance.clearanceM),
          altM: r1(minClearance.altM),
          surfaceM: r1(minClearance.surfaceM),
          ...(minClearance.obstacle !== undefined ? { obstacle: minClearance.obstacle } : {}),
        }
      : null,
    points,
  };
}
