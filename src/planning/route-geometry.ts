/**
 * Planar geometry for the route planner, in local metres (see src/geo/projection.ts).
 * Pure functions; rings are arrays of [x, y] WITHOUT the closing repeat.
 */
import type { XY } from '../geo/projection.js';

/** Twice the signed area of triangle o-a-b (> 0 when a→b turns left around o). */
export function cross(ox: number, oy: number, ax: number, ay: number, bx: number, by: number): number {
  return (ax - ox) * (by - oy) - (ay - oy) * (bx - ox);
}

export function signedArea(ring: readonly XY[]): number {
  let s = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) s += ring[j]![0] * ring[i]![1] - ring[i]![0] * ring[j]![1];
  return s / 2;
}

/** Drop the closing repeat and consecutive duplicates; orient counter-clockwise (ccw = true) or clockwise. */
export function normaliseRing(closed: readonly XY[], ccw: boolean): XY[] {
  const out: XY[] = [];
  for (const p of closed) {
    const last = out[out.length - 1];
    if (!last || Math.abs(last[0] - p[0]) > 1e-9 || Math.abs(last[1] - p[1]) > 1e-9) out.push([p[0], p[1]]);
  }
  while (out.length > 1) {
    const a = out[0]!;
    const b = out[out.length - 1]!;
    if (Math.abs(a[0] - b[0]) <= 1e-9 && Math.abs(a[1] - b[1]) <= 1e-9) out.pop();
    else break;
  }
  if (signedArea(out) > 0 !== ccw) out.reverse();
  return out;
}

/** Is a counter-clockwise ring convex (collinear vertices allowed) with one full turn? */
export function isConvexCcw(ring: readonly XY[]): boolean {
  const n = ring.length;
  if (n < 3) return false;
  let turning = 0;
  for (let i = 0; i < n; i++) {
    const p = ring[(i + n - 1) % n]!;
    const v = ring[i]!;
    const q = ring[(i + 1) % n]!;
    const c = cross(p[0], p[1], v[0], v[1], q[0], q[1]);
    if (c < -1e-9 * Math.hypot(v[0] - p[0], v[1] - p[1]) * Math.hypot(q[0] - v[0], q[1] - v[1])) return false;
    const ux = v[0] - p[0];
    const uy = v[1] - p[1];
    const wx = q[0] - v[0];
    const wy = q[1] - v[1];
    turning += Math.atan2(ux * wy - uy * wx, ux * wx + uy * wy);
  }
  return Math.abs(turning - 2 * Math.PI) < 1e-6;
}

/**
 * Vertex `i` of a ring with the unit outward normals of its incoming (p→v) and outgoing (v→q) edges:
 * the right-hand side, for rings oriented with the obstacle on their left (counter-clockwise outer
 * rings). null when either edge has zero length.
 */
export function cornerNormals(ring: readonly XY[], i: number): { v: XY; q: XY; n1x: number; n1y: number; n2x: number; n2y: number } | null {
  const n = ring.length;
  const p = ring[(i + n - 1) % n]!;
  const v = ring[i]!;
  const q = ring[(i + 1) % n]!;
  const l1 = Math.hypot(v[0] - p[0], v[1] - p[1]);
  const l2 = Math.hypot(q[0] - v[0], q[1] - v[1]);
  if (l1 === 0 || l2 === 0) return null;
  return { v, q, n1x: (v[1] - p[1]) / l1, n1y: -(v[0] - p[0]) / l1, n2x: (q[1] - v[1]) / l2, n2y: -(q[0] - v[0]) / l2 };
}

/**
 * Outward buffer of a convex counter-clockwise ring by `r` metres, as a convex polygon that CONTAINS
 * the exact buffer (the polygon ⊕ disc of radius r): each corner's arc is replaced by segments
 * tangent to it (circumscribed), at most `maxStepRad` of arc per segment, so every point of every
 * edge of the result is at least r from the input. The extra distance at a corner is at most
 * r·(1/cos(maxStep/2) − 1) (≈ 2 % for π/8).
 */
export function bufferConvexRing(ring: readonly XY[], r: number, maxStepRad: number): XY[] {
  const n = ring.length;
  const out: XY[] = [];
  for (let i = 0; i < n; i++) {
    const corner = cornerNormals(ring, i);
    if (!corner) continue;
    const { v, n1x, n1y, n2x, n2y } = corner;
    const alpha = Math.atan2(n1x * n2y - n1y * n2x, n1x * n2x + n1y * n2y);
    // A straight vertex needs no corner: its two offset edges are one line.
    if (alpha <= 1e-12) continue;
    const m = Math.max(1, Math.ceil(alpha / maxStepRad - 1e-6));
    const step = alpha / m;
    const radius = r / Math.cos(step / 2);
    const theta0 = Math.atan2(n1y, n1x);
    for (let j = 0; j < m; j++) {
      const t = theta0 + (j + 0.5) * step;
      out.push([v[0] + radius * Math.cos(t), v[1] + radius * Math.sin(t)]);
    }
  }
  return out;
}

/** Crossing-number test: is (x, y) inside the ring (boundary undefined)? */
export function pointInRing(x: number, y: number, ring: readonly XY[]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const a = ring[i]!;
    const b = ring[j]!;
    if (a[1] > y !== b[1] > y && x < ((b[0] - a[0]) * (y - a[1])) / (b[1] - a[1]) + a[0]) inside = !inside;
  }
  return inside;
}

/** Distance from (px, py) to segment a-b. */
export function pointSegmentDistance(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const l2 = dx * dx + dy * dy;
  let t = l2 === 0 ? 0 : ((px - ax) * dx + (py - ay) * dy) / l2;
  if (t < 0) t = 0;
  else if (t > 1) t = 1;
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/** Distance between segments a-b and c-d (0 when they intersect). */
export function segmentSegmentDistance(
  ax: number, ay: number, bx: number, by: number,
  cx: number, cy: number, dx: number, dy: number,
): number {
  const d1 = cross(cx, cy, dx, dy, ax, ay);
  const d2 = cross(cx, cy, dx, dy, bx, by);
  const d3 = cross(ax, ay, bx, by, cx, cy);
  const d4 = cross(ax, ay, bx, by, dx, dy);
  if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) return 0;
  return Math.min(
    pointSegmentDistance(ax, ay, cx, cy, dx, dy),
    pointSegmentDistance(bx, by, cx, cy, dx, dy),
    pointSegmentDistance(cx, cy, ax, ay, bx, by),
    pointSegmentDistance(dx, dy, ax, ay, bx, by),
  );
}

/** A polygon with holes as rings (outer first), no closing repeats. */
export type Rings = readonly (readonly XY[])[];

/** Is (x, y) inside the polygon (outer minus holes) and farther than `eps` from its boundary? */
export function strictlyInside(x: number, y: number, rings: Rings, eps: number): boolean {
  const [outer, ...holes] = rings;
  if (!outer || !pointInRing(x, y, outer)) return false;
  for (const h of holes) if (pointInRing(x, y, h)) return false;
  return distanceToBoundary(x, y, rings) > eps;
}

export function distanceToBoundary(x: number, y: number, rings: Rings): number {
  let best = Infinity;
  for (const ring of rings) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const d = pointSegmentDistance(x, y, ring[j]![0], ring[j]![1], ring[i]![0], ring[i]![1]);
      if (d < best) best = d;
    }
  }
  return best;
}

/** Is (x, y) inside or on the polygon? */
export function insideOrOn(x: number, y: number, rings: Rings, eps: number): boolean {
  const [outer, ...holes] = rings;
  if (!outer) return false;
  if (pointInRing(x, y, outer) && !holes.some((h) => pointInRing(x, y, h))) return true;
  return distanceToBoundary(x, y, rings) <= eps;
}
