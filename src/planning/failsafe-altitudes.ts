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
 * (the map's open places, the route's corners and points along it) are added as rally points
 * greedily, the one leaving the fewest such returns first, as rally.ts does for no-fly areas. When
 * the cone stops a return short of L, the choice is made again with the cone off (RTL_CONE_SLOPE 0).
 * What remains is reported: which return, which limit, where.
 *
 * Pure: no I/O.
 */
import type { Dem } from '../geo/dem/types.js';
import { distanceM } from '../geo/spherical.js';
import type { LonLat } from '../geo/types.js';
import { levelLimits, type LevelBound, type LevelLimits, type Point3, type PreparedObstacles } from './clearance.js';

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
  isClear?: (a: LonLat, b: LonLat) => boolean;
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
  /** Why no choice works: which limit, which return, where. */
  reasons: { code: string; message: string }[];
}

interface Bound {
  value: number;
  alongM: number;
  at: LevelBound;
}

const r1 = (n: number) => Math.round(n * 10) / 10;
const where = (b: LevelBound) => `${b.lat.toFixed(6)},${b.lon.toFixed(6)} (lat,lon)`;
const keyOf = (p: LonLat) => `${p[0].toFixed(7)},${p[1].toFixed(7)}`;

/** Choose RTL_ALT, the rally altitudes and, where the terrain needs them, more rally points; see the module comment. */
export function chooseFailsafeAltitudes(input: FailsafeAltitudeInput): FailsafeAltitudes {
  const stepM = input.stepM ?? 10;
  const origins = returnOrigins(input.legs, stepM);
  const env = { dem: input.dem, homeGroundM: input.homeGroundM, obstacles: input.obstacles, minClearanceM: input.minClearanceM, maxAglM: input.maxAglM, stepM };
  const cache = new Map<string, LevelLimits>();
  const limits = (i: number, target: LonLat) => {
    const k = `${i}|${keyOf(target)}`;
    let v = cache.get(k);
    if (!v) {
      const o = origins[i]!.p;
      v = levelLimits([o[0], o[1]], target, env);
      cache.set(k, v);
    }
    return v;
  };
  const maxPoints = input.maxRallyPoints ?? 10;
  let best: Evaluation | undefined;
  for (const cone of [RTL_CONE_SLOPE_DEFAULT, 0]) {
    let rally = [...input.rallyPoints];
    let current = evaluate(input, origins, limits, rally, cone);
    // Greedy, as rally.ts does for no-fly areas: add the candidate that leaves the fewest returns
    // without a workable altitude, until none are left or nothing improves.
    const taken = new Set([keyOf(input.home), ...rally.map(keyOf)]);
    while (current.bad > 0 && rally.length < maxPoints) {
      let pick: { p: LonLat; ev: Evaluation } | undefined;
      for (const c of input.candidates ?? []) {
        if (taken.has(keyOf(c))) continue;
        const ev = evaluate(input, origins, limits, [...rally, c], cone);
        if (ev.bad < (pick?.ev.bad ?? current.bad)) pick = { p: c, ev };
      }
      if (!pick) break;
      rally = [...rally, pick.p];
      taken.add(keyOf(pick.p));
      current = pick.ev;
    }
    if (!best || current.bad < best.bad) best = current;
    if (current.bad === 0) break;
  }
  return best!.result;
}

interface Evaluation {
  /** Returns with no workable altitude (or crossing a no-fly area to an added rally point). */
  bad: number;
  result: FailsafeAltitudes;
}

function evaluate(
  input: FailsafeAltitudeInput,
  origins: { p: Point3; alongM: number }[],
  limits: (i: number, target: LonLat) => LevelLimits,
  rallyPoints: LonLat[],
  coneSlope: number,
): Evaluation {
  const n = rallyPoints.length + 1; // slot 0 home, k + 1 rally point k
  const lower: (Bound | undefined)[] = new Array(n);
  const upper: (Bound | undefined)[] = new Array(n);
  const reasons: { code: string; message: string }[] = [];
  const samples: { c: number; d: number; slot: number; emin: number; emax: number }[] = [];
  const names = ['home', ...rallyPoints.map((_, k) => `rally point ${k + 1}`)];
  const added = new Set(rallyPoints.slice(input.rallyPoints.length).map(keyOf));
  let bad = 0;
  origins.forEach(({ p, alongM }, i) => {
    const { target, distM } = nearestTarget([p[0], p[1]], input.home, rallyPoints);
    if (distM < 1) return;
    const slot = target.rally + 1;
    if (added.has(keyOf(target.pos)) && input.isClear && !input.isClear([p[0], p[1]], target.pos)) {
      bad++;
      return;
    }
    const lim = limits(i, target.pos);
    if (!lim.ok) {
      bad++;
      if (!reasons.some((r) => r.code === 'dem-no-coverage'))
        reasons.push({
          code: 'dem-no-coverage',
          message: `${lim.message} on the failsafe return to ${target.name} from ${Math.round(alongM)} m along the route`,
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
      if (!reasons.some((r) => r.code === 'failsafe-return-descends'))
        reasons.push({
          code: 'failsafe-return-descends',
          message: `the failsafe return to ${target.name} from ${Math.round(alongM)} m along the route starts ${r1(c)} m above home and ArduCopter's RTL does not descend before the target, so it passes more than ${input.maxAglM} m above the ground at ${where(lim.upper)} (ground ${r1(lim.upper.groundM)} m AMSL)`,
        });
      return;
    }
    let emin = -Infinity;
    let emax = Infinity;
    if (lo > Math.max(c, RTL_ALT_MIN_M) + 1e-9) {
      if (cap < lo - 1e-9) {
        bad++;
        if (!reasons.some((r) => r.code === 'failsafe-return-cone'))
          reasons.push({
            code: 'failsafe-return-cone',
            message: `the failsafe return to ${target.name} from ${Math.round(alongM)} m along the route would climb at most ${r1(cap)} m above home (RTL_CONE_SLOPE ${coneSlope}) but must fly at ${r1(lo)} m to keep ${input.minClearanceM} m above ${lim.lower.obstacle !== undefined ? `obstacle '${lim.lower.obstacle}'` : 'the terrain'} at ${where(lim.lower)}`,
          });
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
  });

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
    reasons.push({
      code: 'failsafe-return-altitude',
      message:
        `no ${what} keeps every straight failsafe return to ${names[slot]} within both limits: ` +
        (lo
          ? `the return from ${Math.round(lo.alongM)} m along the route must fly at least ${r1(lo.value)} m above home to keep ${input.minClearanceM} m above ${lo.at.obstacle !== undefined ? `obstacle '${lo.at.obstacle}'` : 'the terrain'} at ${where(lo.at)}, but `
          : `ArduCopter's RTL returns at least ${r1(effective(slot))} m above home (RTL_ALT, never less than RTL_ALT_MIN 0.3 m; mode_rtl.cpp), but `) +
        `the return from ${Math.round(hi.alongM)} m must stay at most ${r1(hi.value)} m above home to keep within ${input.maxAglM} m of the ground at ${where(hi.at)} (ground ${r1(hi.at.groundM)} m AMSL)`,
    });
  }
  if (bad > 0 && reasons.length === 0)
    reasons.push({
      code: 'failsafe-return-altitude',
      message: `${bad} straight failsafe returns find no altitude that keeps both the clearance and the ceiling`,
    });

  let maxReturnAltM = 0;
  for (const s of samples)
    maxReturnAltM = Math.max(maxReturnAltM, returnAltitudeM(s.c, s.slot === 0 ? 0 : rallyAltitudesM[s.slot - 1]!, rtlAltM, s.d, coneSlope));
  return { bad, result: { ok: bad === 0 && reasons.length === 0, rtlAltM, rallyPoints, rallyAltitudesM, coneSlope, maxReturnAltM, reasons } };
}
