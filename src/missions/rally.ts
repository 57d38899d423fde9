/**
 * Rally points (mission_type 2) chosen so that a failsafe return is safe.
 *
 * On a failsafe (fence breach, radio or battery failsafe) ArduCopter's RTL flies a STRAIGHT line to
 * the nearest of home and the rally points (RALLY_INCL_HOME = 1; RALLY_LIMIT_KM = 0 so that no rally
 * point is ignored for being far) and ignores exclusion zones (no object avoidance). So from every
 * point of the route, the straight line to whichever of {home, rally points} is NEAREST must not cross
 * a no-fly area.
 *
 * Method: sample the route every `stepM` metres; candidates are the map's depots and drop points near
 * the route (known open places where a copter may come down), then the route's own vertices and leg
 * midpoints. The straight line from a sample to a target (home or a candidate) is tested with the
 * route planner's `isSegmentClear`, once, when it is first needed (all the lines from one leg to one
 * target at once when the triangle they fill is clear: `isTriangleClear`). Then choose rally points
 * greedily: add the candidate that
 * leaves the fewest samples whose nearest target is blocked, until none are left, nothing improves, or
 * `maxPoints` is reached. Samples still unsafe are reported per leg (`unsafeLegs`).
 */
import { common } from 'node-mavlink';
import type { LonLat } from '../geo/types.js';
import type { Check, RallySummary } from '../planning/types.js';
import { distanceM, samplePath } from '../geo/spherical.js';
import { isSegmentClear, isTriangleClear, type PreparedMap } from '../planning/route.js';
import type { MissionItem } from './types.js';
import { toE7 } from './build.js';

export interface RallyInput {
  prepared: PreparedMap;
  home: LonLat;
  /** The flown route as one polyline: outbound then inbound (legs numbered along it). */
  route: LonLat[];
  /** Known open places (other depots, drop points) that may serve as rally points. */
  places: LonLat[];
  /** Rally altitude above home, m (the return is flown at this height). */
  altitudeM: number;
  /** Clearance the straight return line must keep from no-fly areas, m. */
  clearanceM: number;
  stepM?: number;
  maxPoints?: number;
  /** Places further than this from the route are not considered, m. */
  placeRadiusM?: number;
}

export interface RallyResult {
  points: LonLat[];
  items: MissionItem[];
  summary: RallySummary;
  params: Record<string, number>;
  checks: Check[];
}

/** What a failsafe return relies on (see above): home counts as a rally point, no rally point is too far. */
export const RALLY_PARAMS: Readonly<Record<string, number>> = Object.freeze({ RALLY_INCL_HOME: 1, RALLY_LIMIT_KM: 0 });

const key = (p: LonLat) => `${p[0].toFixed(7)},${p[1].toFixed(7)}`;

export function chooseRally(input: RallyInput): RallyResult {
  const stepM = input.stepM ?? 10;
  const maxPoints = input.maxPoints ?? 10;
  const placeRadiusM = input.placeRadiusM ?? 1500;
  const samples = samplePath(input.route, stepM);

  // Candidate rally points: places near the route first, then route vertices and leg midpoints.
  const candidates: LonLat[] = [];
  const seen = new Set<string>([key(input.home)]);
  const addCandidate = (p: LonLat) => {
    const k = key(p);
    if (seen.has(k)) return;
    seen.add(k);
    candidates.push(p);
  };
  for (const place of input.places) {
    if (input.route.some((r) => distanceM(r, place) <= placeRadiusM) && isSegmentClear(input.prepared, place, place, input.clearanceM)) addCandidate(place);
  }
  for (let i = 0; i < input.route.length; i++) {
    addCandidate(input.route[i]!);
    const next = input.route[i + 1];
    if (next) addCandidate([(input.route[i]![0] + next[0]) / 2, (input.route[i]![1] + next[1]) / 2]);
  }

  // isClear(s, t): is the straight line from sample s to target t clear? t = 0 home, t = 1.. candidates.
  // Only the line to a sample's NEAREST chosen target is ever asked about, so each line is tested
  // when first asked and remembered (testing every sample against every target up front was most
  // of a plan's time, and almost all of those answers were never read).
  // The distances from samples to targets are made when first asked for too: a route whose returns
  // home are all clear (most) never compares a sample with the candidates.
  const targets = [input.home, ...candidates];
  const n = targets.length;
  const dist = new Float64Array(samples.length * n).fill(Number.NaN);
  const clear = new Int8Array(samples.length * n).fill(-1);
  const distTo = (i: number, j: number): number => {
    let d = dist[i * n + j]!;
    if (Number.isNaN(d)) {
      d = distanceM(samples[i]!.point, targets[j]!);
      dist[i * n + j] = d;
    }
    return d;
  };
  // Most of those lines are answered at once: the lines from the samples of one leg to one target
  // fill the triangle (leg start, leg end, target); when that whole triangle keeps the clearance,
  // so does each line (isTriangleClear; else each line is tested itself).
  const fanClear = new Map<number, boolean>();
  const isFanClear = (leg: number, j: number): boolean => {
    const k = leg * targets.length + j;
    let ok = fanClear.get(k);
    if (ok === undefined) {
      ok = isTriangleClear(input.prepared, input.route[leg]!, input.route[leg + 1]!, targets[j]!, input.clearanceM);
      fanClear.set(k, ok);
    }
    return ok;
  };
  const isClear = (i: number, j: number): boolean => {
    const known = clear[i * n + j]!;
    if (known >= 0) return known === 1;
    const ok = isFanClear(samples[i]!.legIndex, j) || isSegmentClear(input.prepared, samples[i]!.point, targets[j]!, input.clearanceM);
    clear[i * n + j] = ok ? 1 : 0;
    return ok;
  };
  const unsafeWith = (chosen: number[]): number[] => {
    const bad: number[] = [];
    for (let i = 0; i < samples.length; i++) {
      let best = 0;
      for (const j of chosen) if (distTo(i, j) < distTo(i, best)) best = j;
      if (!isClear(i, best)) bad.push(i);
    }
    return bad;
  };

  const chosen: number[] = [];
  let unsafe = unsafeWith(chosen);
  while (unsafe.length > 0 && chosen.length < maxPoints) {
    let bestJ = -1;
    let bestBad = unsafe;
    for (let j = 1; j < targets.length; j++) {
      if (chosen.includes(j)) continue;
      const bad = unsafeWith([...chosen, j]);
      if (bad.length < bestBad.length) {
        bestBad = bad;
        bestJ = j;
      }
    }
    if (bestJ < 0) break;
    chosen.push(bestJ);
    unsafe = bestBad;
  }
  chosen.sort((a, b) => a - b);
  const points = chosen.map((j) => targets[j]!);

  // Group unsafe samples by leg.
  const byLeg = new Map<number, { from: number; to: number; n: number }>();
  for (const i of unsafe) {
    const s = samples[i]!;
    const e = byLeg.get(s.legIndex);
    if (e) {
      e.from = Math.min(e.from, s.alongLegM);
      e.to = Math.max(e.to, s.alongLegM);
      e.n++;
    } else byLeg.set(s.legIndex, { from: s.alongLegM, to: s.alongLegM, n: 1 });
  }
  const unsafeLegs = [...byLeg.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([legIndex, e]) => ({
      legIndex,
      // the numbers of the sentence, for pages that say it in another language
      fromM: Math.round(e.from),
      toM: Math.round(e.to),
      message: `leg ${legIndex + 1}: from ${Math.round(e.from)} m to ${Math.round(e.to)} m along it a straight failsafe return to the nearest of home and the rally points would cross a no-fly area`,
    }));

  const items = rallyItems(
    points,
    points.map(() => input.altitudeM),
  );
  const checks: Check[] = [
    {
      id: 'failsafe-return-clear',
      ok: unsafeLegs.length === 0,
      message:
        unsafeLegs.length === 0
          ? `from every point of the route (sampled every ${stepM} m) a straight return to the nearest of home and ${points.length} rally point(s) stays clear of no-fly areas`
          : `a straight failsafe return could cross a no-fly area on ${unsafeLegs.length} leg(s): ${unsafeLegs.map((l) => l.legIndex + 1).join(', ')}`,
      detail: unsafeLegs.length === 0 ? 'failsafe-return-clear.ok' : 'failsafe-return-clear.broken',
      params:
        unsafeLegs.length === 0
          ? { stepM, rallyPoints: points.length }
          : { legCount: unsafeLegs.length, legs: unsafeLegs.map((l) => l.legIndex + 1).join(', ') },
    },
  ];
  return {
    points,
    items,
    summary: { points, unsafeLegs },
    params: { ...RALLY_PARAMS },
    checks,
  };
}

/** NAV_RALLY_POINT items, altitudes above home (AP_Rally stores whole metres: RallyLocation.alt is int16). */
export function rallyItems(points: LonLat[], altitudesM: number[]): MissionItem[] {
  return points.map((p, seq) => ({
    seq,
    frame: common.MavFrame.GLOBAL_RELATIVE_ALT_INT,
    command: common.MavCmd.NAV_RALLY_POINT,
    current: 0,
    autocontinue: 1,
    param1: 0,
    param2: 0,
    param3: 0,
    param4: 0,
    x: toE7(p[1]),
    y: toE7(p[0]),
    z: altitudesM[seq]!,
    missionType: 2,
  }));
}
