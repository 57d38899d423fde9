/**
 * Failsafe return altitudes over terrain: RTL_ALT and each rally point's altitude chosen so that
 * every straight failsafe return (from every sampled point of the route to the nearest of home and
 * the rally points) keeps the vertical clearance above terrain and obstacles and stays under the
 * height-above-ground ceiling — or, where no choice can, which limit binds and where.
 *
 * How ArduCopter flies the return (ArduCopter/mode_rtl.cpp, ModeRTL::compute_return_target, with
 * RTL_ALT_TYPE 0 = relative to home, the default):
 * - target: the nearest rally point if it is closer than home (AP_Rally::calc_best_rally_or_home_location
 *   with RALLY_INCL_HOME 1), at the rally point's altitude above home (RallyLocation.alt, whole
 *   metres), else home at 0;
 * - target_alt = max(target's altitude, RTL_ALT, max(RTL_ALT_MIN 0.3 m, current + RTL_CLIMB_MIN 0));
 * - the cone (RTL_CONE_SLOPE ≥ 0.5, default 3, config.h): target_alt = min(target_alt,
 *   max(distance × slope, max(0.3 m, current)));
 * - capped at the altitude fence's safe maximum (FENCE_ALT_MAX − FENCE_MARGIN; the plan sets the fence
 *   above every return altitude, so this never binds), then never below the current altitude;
 * - it climbs vertically at the origin to that altitude (rtl_path.climb_target), flies level to the
 *   target and descends there (the landing, not checked here).
 * So the altitude of a return is clamp(E, current, cap), E = max(rally altitude, RTL_ALT), cap the
 * cone's limit. A return's line has a lowest level altitude L (clearance) and a highest H (ceiling)
 * (clearance.ts levelLimits); as clamp is monotone in E, the E that work form an interval. The
 * choice: RTL_ALT the lowest that keeps every return to home; each rally point's altitude the lowest
 * (whole metres) that keeps every return to it. Returns whose band admits no altitude (a return
 * that must climb over a ridge and also pass under the ceiling over lower ground, or one that starts
 * too high for the ground it crosses, RTL never descending) are sent elsewhere: candidate places
 * (the map's open places, the route's corners and points along it; then, if that is not enough, the
 * route's own points every 20 m) are added as rally points greedily, the one leaving the fewest such
 * returns first, as rally.ts does for no-fly areas. When the cone stops a return short of L, the
 * choice is made again with the cone off (RTL_CONE_SLOPE 0). A candidate inside an obstacle's
 * footprint is never used (the copter lands at its rally point). Where an origin is within 1 m as
 * near to two targets, both returns must work (between two samples, and to the centimetre of the
 * stored positions, the vehicle may take either). A route over ground more than the ceiling below
 * home cannot be saved by any choice (RTL flies at least RTL_ALT_MIN above home) and is refused
 * without a search. What remains is reported: which return, which limit, where, by how much.
 *
 * Speed: each (origin, target) line is sampled once (origins at the same place and altitude share
 * it), and a candidate is passed over without sampling its returns when a lower bound of the returns
 * it leaves unworkable (hopeless ones that keep their target, plus its own) cannot beat the pick.
 *
 * Pure: no I/O.
 */
import type { Dem } from '../geo/dem/types.js';
import { distanceM, samplePath } from '../geo/spherical.js';
import type { LonLat } from '../geo/types.js';
import { levelLimits, obstacleTopOver, type LevelBound, type LevelLimits, type Point3, type PreparedObstacles } from './clearance.js';
import type { Reason } from './types.js';

/** ArduCopter defaults (ArduCopter/config.h): RTL_ALT 1500 cm, RTL_CONE_SLOPE 3, RTL_ALT_MIN 30 cm, RTL_MIN_CONE_SLOPE 0.5. */
export const RTL_ALT_DEFAULT_M = 15;
export const RTL_CONE_SLOPE_DEFAULT = 3;
const RTL_ALT_MIN_M = 0.3;
const RTL_MIN_CONE_SLOPE = 0.5;

/** The level altitude (above home) of a return from `currentM`, as ModeRTL::compute_return_target sets it (see above). */
export function returnAltitudeM(currentM: number, targetAltM: number, rtlAltM: number, distM: number, coneSlope = RTL_CONE_SLOPE_DEFAULT): number {
  const minRtl = Math.max(RTL_ALT_MIN_M, currentM);
  let alt = Math.max(Math.max(targetAltM, 0), rtlAltM, minRtl);
  if (coneSlope >= RTL_MIN_CONE_SLOPE) alt = Math.min(alt, Math.max(distM * coneSlope, minRtl));
  return Math.max(alt, currentM);
}

export interface FailsafeTarget {
  pos: LonLat;
  name: string;
  /** Index into the rally points, or -1 for home. */
  rally: number;
}

/** The nearest of home and the rally points, as AP_Rally picks it (a rally point only when closer than home). */
export function nearestTarget(p: LonLat, home: LonLat, rallyPoints: readonly LonLat[]): { target: FailsafeTarget; distM: number } {
  let target: FailsafeTarget = { pos: home, name: 'home', rally: -1 };
  let best = distanceM(p, home);
  rallyPoints.forEach((r, k) => {
    const d = distanceM(p, r);
    if (d < best) {
      best = d;
      target = { pos: r, name: `rally point ${k + 1}`, rally: k };
    }
  });
  return { target, distM: best };
}

/** Every return origin: each horizontal leg sampled every stepM, with its altitude above home and metres along the route. */
export function returnOrigins(legs: readonly Point3[][], stepM: number): { p: Point3; alongM: number }[] {
  const out: { p: Point3; alongM: number }[] = [];
  let routeM = 0;
  for (const pts of legs) {
    for (let i = 1; i < pts.length; i++) {
      const a = pts[i - 1]!;
      const b = pts[i]!;
      const len = distanceM([a[0], a[1]], [b[0], b[1]]);
      const n = Math.max(1, Math.ceil(len / stepM));
      for (let k = i === 1 ? 0 : 1; k <= n; k++) {
        const t = k / n;
        out.push({ p: [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t], alongM: routeM + len * t });
      }
      routeM += len;
    }
  }
  return out;
}

export interface FailsafeAltitudeInput {
  home: LonLat;
  homeGroundM: number;
  dem?: Dem | undefined;
  obstacles: PreparedObstacles;
  /** The horizontal parts of the flown path (outbound, return), [lon, lat, metres above home]. */
  legs: Point3[][];
  /** Rally points already chosen (keeping returns off no-fly areas, src/missions/rally.ts). */
  rallyPoints: LonLat[];
  /**
   * Places that may become rally points too when the terrain needs them (a return beyond a hill
   * goes to the drop point, not over the hill home), and whether a straight return from a to b
   * keeps off the no-fly areas.
   */
  candidates?: LonLat[];
  /**
   * When candidates are given, the route's own points every this many metres become candidates too
   * (default 20 m): a return that starts high just before the ground falls away needs a rally point
   * close ahead of it on higher ground, nearer than any other target. 0: only the given candidates.
   */
  candidateStepM?: number;
  isClear?: (a: LonLat, b: LonLat) => boolean;
  /** Most rally points in all (the given ones included); default 20, within ArduCopter's storage (46 on a Pixhawk). */
  maxRallyPoints?: number;
  minClearanceM: number;
  maxAglM: number;
  stepM?: number;
}

export interface FailsafeAltitudes {
  ok: boolean;
  /** RTL_ALT, m above home (cm precision). */
  rtlAltM: number;
  /** The rally points (the given ones, then any added for the terrain) and their altitudes (whole metres). */
  rallyPoints: LonLat[];
  rallyAltitudesM: number[];
  /** RTL_CONE_SLOPE the returns rely on (the default, or 0: cone off). */
  coneSlope: number;
  /** Highest return altitude above home (the fence must allow it). */
  maxReturnAltM: number;
  /**
   * Why no choice works: which limit, which return, where, by how much. `params` carry the numbers
   * for pages (reasonDetail.<code>): `rally` is the return's target (0 home, k rally point k),
   * `alongM` where on the route it starts, `lat`/`lon` where the limit binds.
   */
  reasons: Reason[];
}

interface Bound {
  value: number;
  alongM: number;
  at: LevelBound;
}

const r1 = (n: number) => {
  const v = Math.round(n * 10) / 10;
  return Object.is(v, -0) ? 0 : v;
};
const where = (b: { lat: number; lon: number }) => `${b.lat.toFixed(6)},${b.lon.toFixed(6)} (lat,lon)`;
const placeParams = (b: { lat: number; lon: number }) => ({ lat: b.lat.toFixed(6), lon: b.lon.toFixed(6) });
const keyOf = (p: LonLat) => `${p[0].toFixed(7)},${p[1].toFixed(7)}`;

/**
 * What every evaluation shares: the return origins, the targets (home, the given rally points, then
 * the candidates) by number, and per (origin, target) the distance, the level limits of the straight
 * line and whether it keeps off the no-fly areas, each computed once. Origins at the same place and
 * altitude (the return legs fly back over the outbound legs) share their lines' limits.
 */
interface Search {
  input: FailsafeAltitudeInput;
  origins: { p: Point3; alongM: number }[];
  /** Origin → its group (same place and altitude). */
  group: Int32Array;
  groups: number;
  /** 0 home, 1..given the given rally points, then the candidates. */
  targets: LonLat[];
  given: number;
  /** The first of the route's own points added as candidates (candidateStepM), after the given candidates. */
  firstExtra: number;
  distance: (t: number) => Float64Array;
  limits: (i: number, t: number) => LevelLimits;
  clear: (i: number, t: number) => boolean;
}

function makeSearch(input: FailsafeAltitudeInput, stepM: number): Search {
  const origins = returnOrigins(input.legs, stepM);
  const env = { dem: input.dem, homeGroundM: input.homeGroundM, obstacles: input.obstacles, minClearanceM: input.minClearanceM, maxAglM: input.maxAglM, stepM };
  const group = new Int32Array(origins.length);
  const groupIds = new Map<string, number>();
  origins.forEach(({ p }, i) => {
    const k = `${p[0].toFixed(9)},${p[1].toFixed(9)},${p[2].toFixed(6)}`;
    let g = groupIds.get(k);
    if (g === undefined) {
      g = groupIds.size;
      groupIds.set(k, g);
    }
    group[i] = g;
  });
  const groups = groupIds.size;
  const targets: LonLat[] = [input.home, ...input.rallyPoints];
  const taken = new Set(targets.map(keyOf));
  const extraStepM = input.candidateStepM ?? 20;
  const extra: LonLat[] = [];
  // Rounded to 1e-7° as the rally items store them (MAVLink int32 degE7), so that which target is
  // nearest — decided to the centimetre where two are about as near — is the same here, in the plan's
  // check and on the vehicle.
  const e7 = (v: number) => Math.round(v * 1e7) / 1e7;
  if (input.candidates && extraStepM > 0)
    for (const leg of input.legs)
      for (const s of samplePath(
        leg.map((p): LonLat => [p[0], p[1]]),
        extraStepM,
      ))
        extra.push([e7(s.point[0]), e7(s.point[1])]);
  const given = (input.candidates ?? []).map((c): LonLat => [e7(c[0]), e7(c[1])]);
  let firstExtra = targets.length;
  for (const [j, c] of [...given, ...extra].entries()) {
    if (j === given.length) firstExtra = targets.length;
    const k = keyOf(c);
    if (taken.has(k)) continue;
    // A copter returning to a rally point lands there (RTL_ALT_FINAL 0): not on a building's roof.
    if (obstacleTopOver(input.obstacles, c, c)) continue;
    taken.add(k);
    targets.push(c);
  }
  if (extra.length === 0) firstExtra = targets.length;
  const distances: (Float64Array | undefined)[] = new Array(targets.length);
  const distance = (t: number) => {
    let d = distances[t];
    if (!d) {
      d = new Float64Array(origins.length);
      const q = targets[t]!;
      for (let i = 0; i < origins.length; i++) d[i] = distanceM([origins[i]!.p[0], origins[i]!.p[1]], q);
      distances[t] = d;
    }
    return d;
  };
  const limitCache: (LevelLimits | undefined)[] = new Array(groups * targets.length);
  const limits = (i: number, t: number) => {
    const k = group[i]! * targets.length + t;
    let v = limitCache[k];
    if (!v) {
      const o = origins[i]!.p;
      v = levelLimits([o[0], o[1]], targets[t]!, env);
      limitCache[k] = v;
    }
    return v;
  };
  const clearCache = new Int8Array(groups * targets.length); // 0 not yet asked, 1 clear, 2 blocked
  const clear = (i: number, t: number) => {
    if (!input.isClear) return true;
    const k = group[i]! * targets.length + t;
    if (clearCache[k] === 0) {
      const o = origins[i]!.p;
      clearCache[k] = input.isClear([o[0], o[1]], targets[t]!) ? 1 : 2;
    }
    return clearCache[k] === 1;
  };
  return { input, origins, group, groups, targets, given: input.rallyPoints.length, firstExtra, distance, limits, clear };
}

/**
 * Which target each origin returns to under a set of rally points (nearest; a rally point only when
 * closer than home), and the runner-up when it is within TIE_M as near: there the vehicle may go to
 * either (its position between two samples, centimetres of rounding), so both returns must work.
 */
interface Assignment {
  rally: number[];
  target: Int32Array;
  dist: Float64Array;
  /** The runner-up within TIE_M, or -1. */
  alt: Int32Array;
  altDist: Float64Array;
}

const TIE_M = 1;

/** One more target t at distance d for an origin: [target, dist, alt, altDist] after it. */
function withTarget(target: number, dist: number, alt: number, altDist: number, t: number, d: number): [number, number, number, number] {
  if (d < dist) return dist - d < TIE_M ? [t, d, target, dist] : [t, d, -1, Infinity];
  if (d - dist < TIE_M && (alt < 0 || d < altDist)) return [target, dist, t, d];
  return [target, dist, alt, altDist];
}

function assign(search: Search, rally: number[]): Assignment {
  const n = search.origins.length;
  let a: Assignment = {
    rally: [],
    target: new Int32Array(n),
    dist: new Float64Array(search.distance(0)),
    alt: new Int32Array(n).fill(-1),
    altDist: new Float64Array(n).fill(Infinity),
  };
  for (const t of rally) a = withPoint(search, a, t);
  return a;
}

/** The same with one more rally point, last (AP_Rally keeps the first of equally near points). */
function withPoint(search: Search, a: Assignment, t: number): Assignment {
  const target = new Int32Array(a.target);
  const dist = new Float64Array(a.dist);
  const alt = new Int32Array(a.alt);
  const altDist = new Float64Array(a.altDist);
  const d = search.distance(t);
  for (let i = 0; i < d.length; i++) {
    if (!(d[i]! < dist[i]! + TIE_M)) continue;
    [target[i], dist[i], alt[i], altDist[i]] = withTarget(target[i]!, dist[i]!, alt[i]!, altDist[i]!, t, d[i]!);
  }
  return { rally: [...a.rally, t], target, dist, alt, altDist };
}

/** hopeless() for an origin's return and, at a tie, its runner-up's. */
function hopelessPair(search: Search, i: number, t: number, d: number, alt: number, altDist: number, coneSlope: number): boolean {
  return (d >= 1 && hopeless(search, i, t, d, coneSlope)) || (alt >= 0 && altDist >= 1 && hopeless(search, i, alt, altDist, coneSlope));
}

/**
 * Is the return from origin i to target t unworkable whatever RTL_ALT and the rally altitudes are
 * (off the no-fly areas' clearance, no elevation data, starting above its ceiling, or held below its
 * floor by the cone)? The part of `evaluate` that does not depend on the other returns; a lower bound
 * on a choice's bad returns, so candidates that cannot do better are passed over before their
 * returns are sampled.
 */
function hopeless(search: Search, i: number, t: number, d: number, coneSlope: number): boolean {
  if (t > search.given && !search.clear(i, t)) return true;
  const lim = search.limits(i, t);
  if (!lim.ok) return true;
  const c = search.origins[i]!.p[2];
  const lo = lim.lower.amslM - search.input.homeGroundM;
  const hi = lim.upper.amslM - search.input.homeGroundM;
  if (c > hi + 1e-9) return true;
  const cap = coneSlope >= RTL_MIN_CONE_SLOPE ? Math.max(d * coneSlope, RTL_ALT_MIN_M, c) : Infinity;
  return lo > Math.max(c, RTL_ALT_MIN_M) + 1e-9 && cap < lo - 1e-9;
}

/**
 * Origins from which no return can keep the ceiling: ModeRTL flies at least max(RTL_ALT_MIN, the
 * current altitude) above home (mode_rtl.cpp, compute_return_target), so where the ground under the
 * origin lies more than the ceiling minus that below home, every return from there — to home or to
 * any rally point, at any RTL_ALT — starts too high above the ground. Only the route (or the terrain
 * frame, RTL_ALT_TYPE 1, which medidrop does not use) could change that.
 */
function lowGroundReason(search: Search): Reason | undefined {
  const { input, origins } = search;
  let first: { i: number; ground: number; floor: number } | undefined;
  let count = 0;
  let lowest = Infinity;
  for (let i = 0; i < origins.length; i++) {
    const p = origins[i]!.p;
    const g = input.dem ? input.dem.sample(p[0], p[1]) : input.homeGroundM;
    if (typeof g !== 'number') continue; // reported as a gap by the return's own limits
    const floor = Math.max(RTL_ALT_MIN_M, p[2]);
    if (floor + input.homeGroundM - g <= input.maxAglM + 1e-9) continue;
    count++;
    lowest = Math.min(lowest, g);
    first ??= { i, ground: g, floor };
  }
  if (!first) return undefined;
  const o = origins[first.i]!;
  const aglM = first.floor + input.homeGroundM - first.ground;
  const belowHomeM = input.homeGroundM - first.ground;
  const at = { lon: o.p[0], lat: o.p[1] };
  return {
    code: 'failsafe-return-low-ground',
    message:
      `every failsafe return to home or any rally point from ${Math.round(o.alongM)} m along the route flies at least ${r1(first.floor)} m above home ` +
      `(ArduCopter's RTL never flies lower than RTL_ALT_MIN 0.3 m above home or the altitude it starts at, mode_rtl.cpp), ${r1(aglM)} m above the ground at ${where(at)} ` +
      `(ground ${r1(first.ground)} m AMSL, ${r1(belowHomeM)} m below home), over the ${input.maxAglM} m limit by ${r1(aglM - input.maxAglM)} m; ` +
      `${count} of ${origins.length} return origins lie over such low ground (lowest ${r1(lowest)} m AMSL): no RTL_ALT or rally point changes that, only a route that stays over higher ground`,
    params: {
      alongM: Math.round(o.alongM),
      ...placeParams(at),
      groundM: r1(first.ground),
      homeGroundM: r1(input.homeGroundM),
      belowHomeM: r1(belowHomeM),
      returnAltM: r1(first.floor),
      aglM: r1(aglM),
      limitM: input.maxAglM,
      overM: r1(aglM - input.maxAglM),
      origins: count,
    },
  };
}

/** Choose RTL_ALT, the rally altitudes and, where the terrain needs them, more rally points; see the module comment. */
export function chooseFailsafeAltitudes(input: FailsafeAltitudeInput): FailsafeAltitudes {
  const stepM = input.stepM ?? 10;
  const search = makeSearch(input, stepM);
  const givenRally = input.rallyPoints.map((_, k) => k + 1);
  // Returns that no choice can save: say so, and do not search rally points for a plan that cannot fly.
  const low = lowGroundReason(search);
  if (low) {
    const result = evaluate(search, assign(search, givenRally), RTL_CONE_SLOPE_DEFAULT).result;
    return { ...result, ok: false, reasons: [low] };
  }
  const maxPoints = input.maxRallyPoints ?? 20;
  const all = search.targets.map((_, t) => t);
  const givenCandidates = all.slice(1 + search.given, search.firstExtra);
  const allCandidates = all.slice(1 + search.given);
  // First the given candidates, with the cone and then without; only if returns are still left
  // without an altitude, the route's own points too, continuing from those picks (most plans never
  // need them, and they multiply the returns to sample).
  const after = new Map<number, { a: Assignment; ev: Evaluation }>();
  let best: Evaluation | undefined;
  for (const [stage, candidates] of [givenCandidates, allCandidates].entries()) {
    if (stage === 1 && allCandidates.length === givenCandidates.length) break;
    for (const cone of [RTL_CONE_SLOPE_DEFAULT, 0]) {
      const start = after.get(cone)?.a ?? assign(search, givenRally);
      const out = greedy(search, start, after.get(cone)?.ev ?? evaluate(search, start, cone), candidates, cone, maxPoints);
      after.set(cone, out);
      if (!best || out.ev.bad < best.bad) best = out.ev;
      if (out.ev.bad === 0) return out.ev.result;
    }
  }
  return best!.result;
}

/**
 * Greedy, as rally.ts does for no-fly areas: add the candidate that leaves the fewest returns without
 * a workable altitude (the first such in the list), until none are left, nothing improves or
 * `maxPoints` rally points are chosen.
 */
function greedy(
  search: Search,
  start: Assignment,
  startEv: Evaluation,
  candidates: number[],
  cone: number,
  maxPoints: number,
): { a: Assignment; ev: Evaluation } {
  let current = start;
  let ev = startEv;
  const taken = new Set<number>(current.rally);
  const n = search.origins.length;
  while (ev.bad > 0 && current.rally.length < maxPoints) {
    // Per origin: hopeless under the current choice (a lower bound for every candidate's count).
    const hopelessNow = new Uint8Array(n);
    let hopelessCount = 0;
    for (let i = 0; i < n; i++)
      if (hopelessPair(search, i, current.target[i]!, current.dist[i]!, current.alt[i]!, current.altDist[i]!, cone)) {
        hopelessNow[i] = 1;
        hopelessCount++;
      }
    // Candidates that rescue the most hopeless returns first (no sampling needed to count those),
    // so that a good pick is found early and the bound passes over the rest unsampled. The pick is
    // still the first in the list among those leaving the fewest bad returns.
    const rescued = new Map<number, number>();
    for (const t of candidates) {
      if (taken.has(t)) continue;
      const d = search.distance(t);
      let r = 0;
      for (let i = 0; i < n; i++) if (d[i]! < current.dist[i]! + TIE_M) r += hopelessNow[i]!;
      rescued.set(t, r);
    }
    const order = [...rescued.keys()].sort((x, y) => rescued.get(y)! - rescued.get(x)! || x - y);
    let pick: { t: number; a: Assignment; ev: Evaluation } | undefined;
    // Could t do better than the pick so far (fewer bad returns, or as few and earlier in the list)?
    const mayBeat = (t: number, bad: number) => (pick ? bad < pick.ev.bad || (bad === pick.ev.bad && t < pick.t) : bad < ev.bad);
    for (const t of order) {
      // Lower bound: the returns that keep their target and are hopeless stay bad; those that
      // switch to t count as hopeless or not on their own. Stop as soon as it cannot beat the pick.
      const d = search.distance(t);
      let bound = hopelessCount - rescued.get(t)!;
      for (let i = 0; i < n && mayBeat(t, bound); i++) {
        if (!(d[i]! < current.dist[i]! + TIE_M)) continue;
        const [tt, dd, at, ad] = withTarget(current.target[i]!, current.dist[i]!, current.alt[i]!, current.altDist[i]!, t, d[i]!);
        if (hopelessPair(search, i, tt, dd, at, ad, cone)) bound++;
      }
      if (!mayBeat(t, bound)) continue;
      const a = withPoint(search, current, t);
      const e = evaluate(search, a, cone);
      if (mayBeat(t, e.bad)) pick = { t, a, ev: e };
    }
    if (!pick) break;
    taken.add(pick.t);
    current = pick.a;
    ev = pick.ev;
  }
  return { a: current, ev };
}

interface Evaluation {
  /** Returns with no workable altitude (or crossing a no-fly area to an added rally point). */
  bad: number;
  result: FailsafeAltitudes;
}

function evaluate(search: Search, a: Assignment, coneSlope: number): Evaluation {
  const { input, origins, targets } = search;
  const n = a.rally.length + 1; // slot 0 home, k + 1 rally point k
  const slotOf = new Int32Array(targets.length).fill(-1);
  slotOf[0] = 0;
  a.rally.forEach((t, k) => {
    slotOf[t] = k + 1;
  });
  const rallyPoints = a.rally.map((t) => targets[t]!);
  const lower: (Bound | undefined)[] = new Array(n);
  const upper: (Bound | undefined)[] = new Array(n);
  const reasons: Reason[] = [];
  const samples: { c: number; d: number; slot: number; emin: number; emax: number }[] = [];
  const names = ['home', ...rallyPoints.map((_, k) => `rally point ${k + 1}`)];
  let bad = 0;
  const consider = (i: number, t: number, distM: number) => {
    const { p, alongM } = origins[i]!;
    if (distM < 1) return;
    const slot = slotOf[t]!;
    if (t > search.given && !search.clear(i, t)) {
      bad++;
      return;
    }
    const lim = search.limits(i, t);
    if (!lim.ok) {
      bad++;
      if (!reasons.some((r) => r.code === 'dem-no-coverage'))
        reasons.push({
          code: 'dem-no-coverage',
          message: `${lim.message} on the failsafe return to ${names[slot]} from ${Math.round(alongM)} m along the route`,
          params: { rally: slot, alongM: Math.round(alongM), ...placeParams(lim) },
        });
      return;
    }
    const c = p[2];
    const lo = lim.lower.amslM - input.homeGroundM;
    const hi = lim.upper.amslM - input.homeGroundM;
    const cap = coneSlope >= RTL_MIN_CONE_SLOPE ? Math.max(distM * coneSlope, RTL_ALT_MIN_M, c) : Infinity;
    if (c > hi + 1e-9) {
      // ModeRTL never descends before the target: from this altitude the return to this target
      // passes too high above lower ground, whatever RTL_ALT is.
      bad++;
      if (!reasons.some((r) => r.code === 'failsafe-return-descends')) {
        const aglM = c + input.homeGroundM - lim.upper.groundM;
        reasons.push({
          code: 'failsafe-return-descends',
          message: `the failsafe return to ${names[slot]} from ${Math.round(alongM)} m along the route starts ${r1(c)} m above home and ArduCopter's RTL does not descend before the target, so it passes more than ${input.maxAglM} m above the ground at ${where(lim.upper)} (ground ${r1(lim.upper.groundM)} m AMSL): ${r1(aglM)} m, ${r1(aglM - input.maxAglM)} m too high`,
          params: {
            rally: slot,
            alongM: Math.round(alongM),
            startAltM: r1(c),
            ...placeParams(lim.upper),
            groundM: r1(lim.upper.groundM),
            aglM: r1(aglM),
            limitM: input.maxAglM,
            overM: r1(aglM - input.maxAglM),
          },
        });
      }
      return;
    }
    let emin = -Infinity;
    let emax = Infinity;
    if (lo > Math.max(c, RTL_ALT_MIN_M) + 1e-9) {
      if (cap < lo - 1e-9) {
        bad++;
        if (!reasons.some((r) => r.code === 'failsafe-return-cone')) {
          const what = lim.lower.obstacle !== undefined ? `obstacle '${lim.lower.obstacle}'` : 'the terrain';
          reasons.push({
            code: 'failsafe-return-cone',
            message: `the failsafe return to ${names[slot]} from ${Math.round(alongM)} m along the route would climb at most ${r1(cap)} m above home (RTL_CONE_SLOPE ${coneSlope}) but must fly at ${r1(lo)} m to keep ${input.minClearanceM} m above ${what} at ${where(lim.lower)}`,
            params: {
              rally: slot,
              alongM: Math.round(alongM),
              capM: r1(cap),
              needM: r1(lo),
              coneSlope,
              clearanceM: input.minClearanceM,
              ...placeParams(lim.lower),
              ...(lim.lower.obstacle !== undefined ? { obstacle: lim.lower.obstacle } : {}),
            },
          });
        }
        return;
      }
      emin = lo;
      if (!lower[slot] || lo > lower[slot]!.value) lower[slot] = { value: lo, alongM, at: lim.lower };
    }
    if (cap > hi + 1e-9) {
      emax = hi;
      if (!upper[slot] || hi < upper[slot]!.value) upper[slot] = { value: hi, alongM, at: lim.upper };
    }
    samples.push({ c, d: distM, slot, emin, emax });
  };
  for (let i = 0; i < origins.length; i++) {
    consider(i, a.target[i]!, a.dist[i]!);
    if (a.alt[i]! >= 0) consider(i, a.alt[i]!, a.altDist[i]!);
  }

  // RTL_ALT: the lowest that keeps the returns home (cm precision), else the default when nothing
  // binds, lowered (to RTL_ALT_MIN at least) when a return allows less; it raises every return
  // (target_alt ≥ RTL_ALT), to rally points too.
  const lowestUpper = upper.reduce<number>((m, b) => Math.min(m, b ? b.value : Infinity), Infinity);
  const rtlAltM = lower[0]
    ? Math.max(RTL_ALT_MIN_M, Math.ceil(lower[0].value * 100) / 100)
    : Math.max(RTL_ALT_MIN_M, Math.min(RTL_ALT_DEFAULT_M, Math.floor(lowestUpper * 100) / 100));
  // Rally altitudes: whole metres (RallyLocation.alt is an int16 of metres), ≥ 0 (ModeRTL ignores negative ones).
  const rallyAltitudesM = rallyPoints.map((_, k) => {
    const lo = lower[k + 1];
    return Math.max(0, lo ? Math.ceil(lo.value - 1e-9) : 0);
  });
  const effective = (slot: number) => (slot === 0 ? rtlAltM : Math.max(rtlAltM, rallyAltitudesM[slot - 1]!));
  for (const s of samples) if (effective(s.slot) < s.emin - 1e-9 || effective(s.slot) > s.emax + 1e-9) bad++;
  for (let slot = 0; slot < n; slot++) {
    const hi = upper[slot];
    if (!hi || effective(slot) <= hi.value + 1e-9) continue;
    const lo = lower[slot] ?? (slot > 0 && lower[0] && lower[0].value > hi.value ? lower[0] : undefined);
    const what = slot === 0 || !lower[slot] ? 'RTL_ALT' : 'rally altitude';
    // a return at the lower bound would be this high above the ground where the ceiling binds
    const aglM = (lo ? lo.value : effective(slot)) - hi.value + input.maxAglM;
    reasons.push({
      code: 'failsafe-return-altitude',
      message:
        `no ${what} keeps every straight failsafe return to ${names[slot]} within both limits: ` +
        (lo
          ? `the return from ${Math.round(lo.alongM)} m along the route must fly at least ${r1(lo.value)} m above home to keep ${input.minClearanceM} m above ${lo.at.obstacle !== undefined ? `obstacle '${lo.at.obstacle}'` : 'the terrain'} at ${where(lo.at)}, but `
          : `ArduCopter's RTL returns at least ${r1(effective(slot))} m above home (RTL_ALT, never less than RTL_ALT_MIN 0.3 m; mode_rtl.cpp), but `) +
        `the return from ${Math.round(hi.alongM)} m must stay at most ${r1(hi.value)} m above home to keep within ${input.maxAglM} m of the ground at ${where(hi.at)} (ground ${r1(hi.at.groundM)} m AMSL)`,
      params: {
        rally: slot,
        // the lower bound: the clearance over the terrain or an obstacle (where), or RTL_ALT's own floor
        lowerM: r1(lo ? lo.value : effective(slot)),
        ...(lo
          ? {
              lowerAlongM: Math.round(lo.alongM),
              lowerLat: lo.at.lat.toFixed(6),
              lowerLon: lo.at.lon.toFixed(6),
              clearanceM: input.minClearanceM,
              ...(lo.at.obstacle !== undefined ? { obstacle: lo.at.obstacle } : {}),
            }
          : {}),
        // the upper bound: the ceiling over the lowest ground (where), and by how much a return at the lower bound breaks it
        alongM: Math.round(hi.alongM),
        upperM: r1(hi.value),
        ...placeParams(hi.at),
        groundM: r1(hi.at.groundM),
        limitM: input.maxAglM,
        overM: r1((lo ? lo.value : effective(slot)) - hi.value),
        aglM: r1(aglM),
      },
    });
  }
  if (bad > 0 && reasons.length === 0)
    reasons.push({
      code: 'failsafe-return-altitude',
      message: `${bad} straight failsafe returns find no altitude that keeps both the clearance and the ceiling`,
      params: { count: bad },
    });

  let maxReturnAltM = 0;
  for (const s of samples)
    maxReturnAltM = Math.max(maxReturnAltM, returnAltitudeM(s.c, s.slot === 0 ? 0 : rallyAltitudesM[s.slot - 1]!, rtlAltM, s.d, coneSlope));
  return { bad, result: { ok: bad === 0 && reasons.length === 0, rtlAltM, rallyPoints, rallyAltitudesM, coneSlope, maxReturnAltM, reasons } };
}
