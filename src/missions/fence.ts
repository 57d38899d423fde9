/**
 * Geofence for one delivery (mission_type 1), within ArduCopter's fence storage.
 *
 * - One inclusion polygon around the operating area: the convex hull of octagons of radius
 *   `inclusionMarginM` around every route vertex (and any extra point, e.g. rally points), reduced
 *   outward to at most `maxInclusionVertices` vertices. The hull of the octagons contains the whole
 *   route buffered by the margin.
 * - Exclusion polygons for the no-fly areas that reach into that inclusion polygon, nearest to the
 *   route first. Every exclusion is simplified OUTWARD, never shrinking the area: first the area's
 *   convex hull reduced to a few vertices by edge removal (each removal extends the two neighbouring
 *   edges to their crossing, which only adds area), then the full hull, then a buffered-and-simplified
 *   outline, then the area's own ring. The first candidate that stays `minRouteGapM` away from the
 *   route and fits the remaining storage wins; every candidate is checked to contain the original
 *   area (ringContainsRing) and to be a simple polygon. Areas that do not fit are named in `leftToRoute`: only the route's
 *   clearance keeps the drone away from them.
 * - Storage (AC_PolyFence_loader, see ARDUPILOT.md): at most 70 items, about 66 vertices over all
 *   polygons and circles, and the byte budget estimated by `fenceStorageBytes`. No return point: Copter
 *   does not use FENCE return points (Plane only); FENCE_ACTION RTL flies home / to a rally point.
 * - Params: FENCE_ENABLE 1, FENCE_TYPE 5 (max altitude + polygon; not the stock 7 whose 150 m circle a
 *   delivery breaches), FENCE_ACTION 1 (RTL), FENCE_ALT_MAX (ceiling), FENCE_MARGIN.
 */
import { buffer as turfBuffer, simplify as turfSimplify, polygon as turfPolygon } from '@turf/turf';
import { common } from 'node-mavlink';
import {
  convexHull,
  cross,
  insideOrOn,
  isSimpleRing,
  lineIntersection,
  ringContainsRing,
  segmentRingDistance,
  segmentSegmentDistance,
  segmentsIntersect,
  signedArea,
} from '../geo/planar.js';
import { localProjection, type LocalProjection } from '../geo/projection.js';
import type { LonLat, NoFlyArea, XY } from '../geo/types.js';
import type { Check, FenceSummary } from '../planning/types.js';
import type { MissionItem } from './types.js';
import { toE7 } from './build.js';

export const FENCE_MAX_ITEMS = 70;
export const FENCE_MAX_VERTICES = 66;
/** ArduCopter's fence storage, bytes (AP_FENCE storage on the SITL / most boards). */
export const FENCE_STORAGE_BYTES = 560;
/** FENCE_ACTION values. */
export const FENCE_ACTION_RTL = 1;
/** FENCE_TYPE bits: 1 max altitude, 2 circle, 4 polygon. */
export const FENCE_TYPE_ALT_MAX_POLYGON = 5;

export interface FenceOptions {
  /** Distance around the route covered by the inclusion polygon, m. */
  inclusionMarginM: number;
  maxInclusionVertices: number;
  /** Closest an exclusion polygon may come to the route, m. */
  minRouteGapM: number;
  /** Ceiling above home for FENCE_ALT_MAX, m. */
  altMaxM: number;
  /** FENCE_MARGIN, m. */
  marginM: number;
}

export interface FencePolygon {
  inclusion: boolean;
  /** Ring without the closing point, [lon, lat]. */
  ring: LonLat[];
  /** For exclusions: the no-fly area it covers. */
  area?: string;
}

export interface FenceResult {
  items: MissionItem[];
  polygons: FencePolygon[];
  summary: FenceSummary;
  params: Record<string, number>;
  checks: Check[];
}

/**
 * The parameters a medidrop fence needs on the vehicle: the fence on, altitude ceiling + polygon
 * (FENCE_TYPE bit 4 also covers inclusion/exclusion CIRCLE items: AC_PolyFence_loader::breached checks
 * both, while bit 2 is the unrelated FENCE_RADIUS circle around home; libraries/AC_Fence/AC_Fence.h),
 * RTL on a breach. Used by buildFence and for a `.plan` that lost its medidrop member (plan-params.ts).
 */
export function fenceParams(options: Pick<FenceOptions, 'altMaxM' | 'marginM'>): Record<string, number> {
  return {
    FENCE_ENABLE: 1,
    FENCE_TYPE: FENCE_TYPE_ALT_MAX_POLYGON,
    FENCE_ACTION: FENCE_ACTION_RTL,
    FENCE_ALT_MAX: options.altMaxM,
    FENCE_MARGIN: options.marginM,
  };
}

/** Estimated bytes the fence takes in ArduCopter's storage: header, per polygon 2 + 8 per vertex, circles 13, end marker. */
export function fenceStorageBytes(polygonVertexCounts: number[], circles = 0, returnPoint = false): number {
  return 4 + polygonVertexCounts.reduce((s, n) => s + 2 + 8 * n, 0) + 13 * circles + (returnPoint ? 9 : 0) + 1;
}

/**
 * Contact tolerance of the fence geometry, metres: a point this close to a ring counts as on it, and
 * segments this close to touching as touching (ringContainsRing, isSimpleRing, route gaps).
 */
const CONTACT_EPS_M = 1e-9;

/** Is p inside the ring or on its boundary (within CONTACT_EPS_M)? */
function inOrOn(p: XY, ring: readonly XY[]): boolean {
  return insideOrOn(p, [ring], CONTACT_EPS_M);
}

/** Octagon around p that contains the circle of radius r. */
function octagon(p: XY, r: number): XY[] {
  const R = r / Math.cos(Math.PI / 8);
  const out: XY[] = [];
  for (let k = 0; k < 8; k++) {
    const a = (Math.PI / 4) * k + Math.PI / 8;
    out.push([p[0] + R * Math.cos(a), p[1] + R * Math.sin(a)]);
  }
  return out;
}

/**
 * Reduce a convex counter-clockwise polygon to at most k vertices without losing any of its area:
 * repeatedly remove the edge whose removal (extending its neighbours to their crossing) adds the
 * least area. Returns the input when it cannot be reduced further.
 */
export function reduceConvexOutward(hull: XY[], k: number): XY[] {
  let ring = hull.slice();
  while (ring.length > Math.max(3, k)) {
    const n = ring.length;
    let best = -1;
    let bestArea = Infinity;
    let bestPoint: XY | null = null;
    for (let i = 0; i < n; i++) {
      const prev = ring[(i - 1 + n) % n]!;
      const a = ring[i]!;
      const b = ring[(i + 1) % n]!;
      const next = ring[(i + 2) % n]!;
      const x = lineIntersection(prev, a, b, next, 1e-12);
      if (!x) continue;
      // x must lie beyond a on the ray prev→a and beyond b on the ray next→b (neighbours converge outside).
      const t1 = (x[0] - a[0]) * (a[0] - prev[0]) + (x[1] - a[1]) * (a[1] - prev[1]);
      const t2 = (x[0] - b[0]) * (b[0] - next[0]) + (x[1] - b[1]) * (b[1] - next[1]);
      if (t1 < 0 || t2 < 0) continue;
      const added = Math.abs(cross(a, x, b)) / 2;
      if (added < bestArea) {
        bestArea = added;
        best = i;
        bestPoint = x;
      }
    }
    if (best < 0 || !bestPoint) break;
    const next: XY[] = [];
    for (let i = 0; i < n; i++) {
      if (i === best) next.push(bestPoint);
      else if (i === (best + 1) % n) continue;
      else next.push(ring[i]!);
    }
    // keep the ring starting point stable (deterministic output)
    ring = next;
  }
  return ring;
}

function ringsIntersect(a: XY[], b: XY[]): boolean {
  if (a.some((p) => inOrOn(p, b)) || b.some((p) => inOrOn(p, a))) return true;
  for (let i = 0; i < a.length; i++) {
    for (let j = 0; j < b.length; j++) {
      if (segmentsIntersect(a[i]!, a[(i + 1) % a.length]!, b[j]!, b[(j + 1) % b.length]!, CONTACT_EPS_M)) return true;
    }
  }
  return false;
}

function routeGap(routeXY: XY[], ring: XY[]): number {
  let best = Infinity;
  for (let i = 1; i < routeXY.length; i++) best = Math.min(best, segmentRingDistance(routeXY[i - 1]!, routeXY[i]!, ring, CONTACT_EPS_M));
  if (routeXY.length === 1) best = segmentRingDistance(routeXY[0]!, routeXY[0]!, ring, CONTACT_EPS_M);
  return best;
}

function dedupe(ring: XY[]): XY[] {
  const out: XY[] = [];
  for (const p of ring) {
    const last = out[out.length - 1];
    if (!last || Math.hypot(last[0] - p[0], last[1] - p[1]) > 1e-6) out.push(p);
  }
  while (out.length > 1 && Math.hypot(out[0]![0] - out[out.length - 1]![0], out[0]![1] - out[out.length - 1]![1]) <= 1e-6) out.pop();
  return out;
}

function ccw(ring: XY[]): XY[] {
  return signedArea(ring) < 0 ? ring.slice().reverse() : ring;
}

/** Margin added around every exclusion so that rounding to 1e-7° (≈ 1 cm) never cuts into an area, m. */
export const EXCLUSION_ROUNDING_PAD_M = 0.3;

/** Offset a counter-clockwise ring outward by d metres (mitred corners, miter length capped). */
export function expandRing(ring: XY[], d: number): XY[] {
  const n = ring.length;
  return ring.map((v, i) => {
    const prev = ring[(i - 1 + n) % n]!;
    const next = ring[(i + 1) % n]!;
    const e1 = [v[0] - prev[0], v[1] - prev[1]];
    const e2 = [next[0] - v[0], next[1] - v[1]];
    const l1 = Math.hypot(e1[0]!, e1[1]!) || 1;
    const l2 = Math.hypot(e2[0]!, e2[1]!) || 1;
    const n1 = [e1[1]! / l1, -e1[0]! / l1];
    const n2 = [e2[1]! / l2, -e2[0]! / l2];
    let mx = n1[0]! + n2[0]!;
    let my = n1[1]! + n2[1]!;
    const ml = Math.hypot(mx, my);
    if (ml < 1e-9) return [v[0] + n1[0]! * d, v[1] + n1[1]! * d] as XY;
    mx /= ml;
    my /= ml;
    const cos = mx * n1[0]! + my * n1[1]!;
    const len = Math.min(d / Math.max(cos, 1e-3), 10 * d);
    return [v[0] + mx * len, v[1] + my * len] as XY;
  });
}

/**
 * exclusionCandidates per no-fly ring (the parsed map's own ring array, which never changes) and
 * (projection origin, buffer): every plan from one depot on one map asks for the same ones, and the
 * turf buffer and simplification they need were a third of a plan's time. Pure, so a cache is exact.
 */
const candidateCache = new WeakMap<object, Map<string, XY[][]>>();
/** Origins × buffers kept per ring (a depot per origin; a few depots per map). */
const CANDIDATE_CACHE_PER_RING = 32;

function cachedExclusionCandidates(ringKey: object, outerLonLat: LonLat[], proj: LocalProjection, bufferM: number): XY[][] {
  let byOrigin = candidateCache.get(ringKey);
  if (!byOrigin) {
    byOrigin = new Map();
    candidateCache.set(ringKey, byOrigin);
  }
  const k = `${proj.origin[0]},${proj.origin[1]},${bufferM}`;
  let out = byOrigin.get(k);
  if (!out) {
    out = exclusionCandidates(outerLonLat, proj, bufferM);
    if (byOrigin.size >= CANDIDATE_CACHE_PER_RING) byOrigin.delete(byOrigin.keys().next().value as string);
    byOrigin.set(k, out);
  }
  return out;
}

/** Outward simplifications of one polygon's outer ring, fewest vertices first; each contains the ring. */
function exclusionCandidates(outerLonLat: LonLat[], proj: LocalProjection, bufferM: number): XY[][] {
  const original = ccw(dedupe(outerLonLat.map((p) => proj.toLocal(p))));
  const hull = convexHull(original);
  const out: XY[][] = [];
  const seen = new Set<number>();
  const add = (simplified: XY[]) => {
    if (simplified.length < 3 || seen.has(simplified.length)) return;
    const ring = expandRing(simplified, EXCLUSION_ROUNDING_PAD_M);
    if (!isSimpleRing(ring, CONTACT_EPS_M) || !ringContainsRing(ring, original, CONTACT_EPS_M)) return;
    seen.add(ring.length);
    out.push(ring);
  };
  for (const k of [4, 6, 8, 12]) if (hull.length > k) add(reduceConvexOutward(hull, k));
  add(hull);
  // An outline that follows concave shapes: buffer outward a little, simplify within the buffer.
  try {
    const closed = [...outerLonLat];
    const first = closed[0]!;
    const last = closed[closed.length - 1]!;
    if (first[0] !== last[0] || first[1] !== last[1]) closed.push(first);
    const buffered = turfBuffer(turfPolygon([closed]), bufferM, { units: 'meters', steps: 2 });
    const geom = buffered?.geometry;
    if (geom && geom.type === 'Polygon') {
      const degTol = (bufferM * 0.6) / 111_320;
      const simple = turfSimplify(buffered!, { tolerance: degTol, highQuality: true, mutate: false });
      const outer = (simple.geometry as { coordinates: number[][][] }).coordinates[0];
      if (outer) add(ccw(dedupe(outer.map((c) => proj.toLocal([c[0]!, c[1]!])))));
    }
  } catch {
    // turf could not buffer this shape: the other candidates remain.
  }
  if (!seen.has(original.length)) {
    const padded = expandRing(original, EXCLUSION_ROUNDING_PAD_M);
    if (isSimpleRing(padded, CONTACT_EPS_M) && ringContainsRing(padded, original, CONTACT_EPS_M)) {
      seen.add(original.length);
      out.push(padded);
    }
  }
  return out.sort((a, b) => a.length - b.length);
}

export interface FenceInput {
  /** Route polyline(s) the drone flies, [lon, lat]; the first point of the first is the origin. */
  route: LonLat[];
  /** Points that must lie inside the inclusion polygon (rally points, home). */
  extraPoints: LonLat[];
  noFly: NoFlyArea[];
  options: FenceOptions;
}

/** Build fence items, the polygons (for export) and the summary. Pure and deterministic. */
export function buildFence(input: FenceInput): FenceResult {
  const { route, extraPoints, noFly, options } = input;
  const origin = route[0]!;
  const proj = localProjection(origin);
  const routeXY = route.map((p) => proj.toLocal(p));
  const allPts = [...routeXY, ...extraPoints.map((p) => proj.toLocal(p))];
  const octs = allPts.flatMap((p) => octagon(p, options.inclusionMarginM));
  const inclusion = reduceConvexOutward(convexHull(octs), options.maxInclusionVertices);

  // No-fly polygons that reach into the operating area, nearest to the route first.
  type Part = { area: NoFlyArea; ring: object; outer: LonLat[]; xy: XY[]; gap: number };
  const byArea = new Map<string, Part[]>();
  const order: { name: string; gap: number; index: number }[] = [];
  for (const area of noFly) {
    const polys = area.geometry.type === 'Polygon' ? [area.geometry.coordinates] : area.geometry.coordinates;
    const parts: Part[] = [];
    for (const poly of polys) {
      const ring = poly[0] ?? [];
      const outer = ring.map((c) => [c[0]!, c[1]!] as LonLat);
      if (outer.length < 3) continue;
      const xy = ccw(dedupe(outer.map((p) => proj.toLocal(p))));
      if (!ringsIntersect(xy, inclusion)) continue;
      parts.push({ area, ring, outer, xy, gap: routeGap(routeXY, xy) });
    }
    if (parts.length === 0) continue;
    byArea.set(area.name, parts);
    order.push({ name: area.name, gap: Math.min(...parts.map((p) => p.gap)), index: area.index });
  }
  order.sort((a, b) => a.gap - b.gap || a.index - b.index);

  const polygons: { ring: XY[]; inclusion: boolean; area?: string }[] = [{ ring: inclusion, inclusion: true }];
  const excludedAreas: string[] = [];
  const leftToRoute: string[] = [];
  const bufferM = Math.max(2, options.minRouteGapM / 2);
  const fits = (extra: number[]) => {
    const counts = [...polygons.map((p) => p.ring.length), ...extra];
    const vertices = counts.reduce((s, n) => s + n, 0);
    return vertices <= FENCE_MAX_VERTICES && vertices <= FENCE_MAX_ITEMS && fenceStorageBytes(counts) <= FENCE_STORAGE_BYTES;
  };
  for (const { name } of order) {
    const parts = byArea.get(name)!;
    const chosen: XY[][] = [];
    let ok = true;
    for (const part of parts) {
      const candidates = cachedExclusionCandidates(part.ring, part.outer, proj, bufferM).filter(
        (ring) => routeGap(routeXY, ring) >= options.minRouteGapM && !extraPoints.some((p) => inOrOn(proj.toLocal(p), ring)),
      );
      const pick = candidates.find((ring) => fits([...chosen.map((c) => c.length), ring.length]));
      if (!pick) {
        ok = false;
        break;
      }
      chosen.push(pick);
    }
    if (!ok) {
      leftToRoute.push(name);
      continue;
    }
    for (const ring of chosen) polygons.push({ ring, inclusion: false, area: name });
    excludedAreas.push(name);
  }

  const items: MissionItem[] = [];
  const outPolys: FencePolygon[] = [];
  for (const poly of polygons) {
    const ringLL = poly.ring.map((p) => {
      const ll = proj.toLonLat(p);
      return [Math.round(ll[0] * 1e7) / 1e7, Math.round(ll[1] * 1e7) / 1e7] as LonLat;
    });
    outPolys.push(poly.area ? { inclusion: poly.inclusion, ring: ringLL, area: poly.area } : { inclusion: poly.inclusion, ring: ringLL });
    for (const p of ringLL) {
      items.push({
        seq: items.length,
        frame: common.MavFrame.GLOBAL_INT,
        command: poly.inclusion ? common.MavCmd.NAV_FENCE_POLYGON_VERTEX_INCLUSION : common.MavCmd.NAV_FENCE_POLYGON_VERTEX_EXCLUSION,
        current: 0,
        autocontinue: 1,
        param1: ringLL.length,
        param2: 0,
        param3: 0,
        param4: 0,
        x: toE7(p[1]),
        y: toE7(p[0]),
        z: 0,
        missionType: 1,
      });
    }
  }
  const counts = outPolys.map((p) => p.ring.length);
  const vertices = counts.reduce((s, n) => s + n, 0);
  const bytes = fenceStorageBytes(counts);

  // Checks on the final (rounded) geometry.
  const checks: Check[] = [];
  checks.push({
    id: 'fence-storage',
    ok: items.length <= FENCE_MAX_ITEMS && vertices <= FENCE_MAX_VERTICES && bytes <= FENCE_STORAGE_BYTES,
    message: `fence uses ${items.length} items, ${vertices} vertices, ~${bytes} of ${FENCE_STORAGE_BYTES} bytes (limits ${FENCE_MAX_ITEMS} items, ${FENCE_MAX_VERTICES} vertices)`,
    detail: 'fence-storage',
    params: { items: items.length, vertices, bytes, maxBytes: FENCE_STORAGE_BYTES, maxItems: FENCE_MAX_ITEMS, maxVertices: FENCE_MAX_VERTICES },
  });
  const inclXY = outPolys[0]!.ring.map((p) => proj.toLocal(p));
  const outside = allPts.filter((p) => !inOrOn(p, inclXY));
  checks.push({
    id: 'fence-contains-route',
    ok: outside.length === 0,
    message:
      outside.length === 0
        ? `the inclusion fence contains the whole route with ${options.inclusionMarginM} m margin`
        : `${outside.length} route points lie outside the inclusion fence`,
    detail: outside.length === 0 ? 'fence-contains-route.ok' : 'fence-contains-route.outside',
    params: outside.length === 0 ? { marginM: options.inclusionMarginM } : { points: outside.length },
  });
  let notContained: string[] = [];
  let tooClose: string[] = [];
  for (const poly of outPolys.slice(1)) {
    const ringXY = poly.ring.map((p) => proj.toLocal(p));
    const parts = byArea.get(poly.area!) ?? [];
    if (!parts.some((part) => ringContainsRing(ringXY, part.xy, CONTACT_EPS_M))) notContained.push(poly.area!);
    let gap = Infinity;
    for (let i = 1; i < routeXY.length; i++) {
      for (let j = 0; j < ringXY.length; j++)
        gap = Math.min(gap, segmentSegmentDistance(routeXY[i - 1]!, routeXY[i]!, ringXY[j]!, ringXY[(j + 1) % ringXY.length]!, CONTACT_EPS_M));
    }
    if (gap < options.minRouteGapM - 0.5) tooClose.push(poly.area!);
  }
  notContained = [...new Set(notContained)];
  tooClose = [...new Set(tooClose)];
  checks.push({
    id: 'fence-exclusions-contain-areas',
    ok: notContained.length === 0,
    message:
      notContained.length === 0
        ? `${excludedAreas.length} no-fly areas fenced, each exclusion polygon contains its area`
        : `exclusion polygons do not contain their areas: ${notContained.join(', ')}`,
    detail: notContained.length === 0 ? 'fence-exclusions-contain-areas.ok' : 'fence-exclusions-contain-areas.broken',
    params: notContained.length === 0 ? { areas: excludedAreas.length } : { areas: notContained.join(', ') },
  });
  checks.push({
    id: 'fence-clear-of-route',
    ok: tooClose.length === 0,
    message:
      tooClose.length === 0
        ? `every exclusion polygon stays at least ${options.minRouteGapM} m from the route`
        : `exclusion polygons too close to the route: ${tooClose.join(', ')}`,
    detail: tooClose.length === 0 ? 'fence-clear-of-route.ok' : 'fence-clear-of-route.broken',
    params: tooClose.length === 0 ? { gapM: options.minRouteGapM } : { areas: tooClose.join(', ') },
  });

  return {
    items,
    polygons: outPolys,
    summary: { items: items.length, vertices, excludedAreas, leftToRoute },
    params: fenceParams(options),
    checks,
  };
}
