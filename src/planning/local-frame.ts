/**
 * Geometry helpers for the mission builder's fence and rally work: a local east/north metric frame
 * (ROUTE's tangent-plane projection, src/geo/projection.ts), great-circle distances and bearings,
 * and small planar routines (hull, point-in-ring, segment distances) in metres.
 */
import type { LonLat } from '../geo/types.js';
import { localProjection } from '../geo/projection.js';

export type XY = [x: number, y: number];

/** Mean Earth radius (IUGG), metres. */
export const EARTH_RADIUS_M = 6_371_008.8;
const DEG = Math.PI / 180;

export interface LocalFrame {
  origin: LonLat;
  toXY(p: LonLat): XY;
  toLonLat(p: XY): LonLat;
}

export function localFrame(origin: LonLat): LocalFrame {
  const proj = localProjection(origin);
  return { origin, toXY: (p) => proj.toLocal(p), toLonLat: (p) => proj.toLonLat(p) };
}

/** Great-circle (haversine) distance between two points, metres. */
export function distanceM(a: LonLat, b: LonLat): number {
  const dLat = (b[1] - a[1]) * DEG;
  const dLon = (b[0] - a[0]) * DEG;
  const s = Math.sin(dLat / 2) ** 2 + Math.cos(a[1] * DEG) * Math.cos(b[1] * DEG) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(s)));
}

/** Initial bearing from a to b, degrees true in [0, 360). */
export function bearingDeg(a: LonLat, b: LonLat): number {
  const φ1 = a[1] * DEG;
  const φ2 = b[1] * DEG;
  const Δλ = (b[0] - a[0]) * DEG;
  const y = Math.sin(Δλ) * Math.cos(φ2);
  const x = Math.cos(φ1) * Math.sin(φ2) - Math.sin(φ1) * Math.cos(φ2) * Math.cos(Δλ);
  const deg = Math.atan2(y, x) / DEG;
  return (deg + 360) % 360;
}

export function pathLengthM(path: LonLat[]): number {
  let total = 0;
  for (let i = 1; i < path.length; i++) total += distanceM(path[i - 1]!, path[i]!);
  return total;
}

/** Points every `stepM` metres along a polyline (both ends included), with the leg each lies on. */
export function samplePath(path: LonLat[], stepM: number): { point: LonLat; legIndex: number; alongLegM: number }[] {
  const out: { point: LonLat; legIndex: number; alongLegM: number }[] = [];
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

// ---- planar helpers (metres) ----

export function cross(o: XY, a: XY, b: XY): number {
  return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
}

/** Andrew's monotone chain; counter-clockwise hull without the closing point. */
export function convexHull(points: XY[]): XY[] {
  const pts = [...points].sort((p, q) => p[0] - q[0] || p[1] - q[1]);
  if (pts.length < 3) return pts;
  const lower: XY[] = [];
  for (const p of pts) {
    while (lower.length >= 2 && cross(lower[lower.length - 2]!, lower[lower.length - 1]!, p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper: XY[] = [];
  for (let i = pts.length - 1; i >= 0; i--) {
    const p = pts[i]!;
    while (upper.length >= 2 && cross(upper[upper.length - 2]!, upper[upper.length - 1]!, p) <= 0) upper.pop();
    upper.push(p);
  }
  upper.pop();
  lower.pop();
  return lower.concat(upper);
}

/** Even-odd point-in-ring test (ring without closing point). Points on the boundary count as inside. */
export function pointInRing(p: XY, ring: XY[]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const a = ring[i]!;
    const b = ring[j]!;
    if (pointSegmentDistance(p, a, b) < 1e-9) return true;
    if (a[1] > p[1] !== b[1] > p[1] && p[0] < ((b[0] - a[0]) * (p[1] - a[1])) / (b[1] - a[1]) + a[0]) inside = !inside;
  }
  return inside;
}

export function pointSegmentDistance(p: XY, a: XY, b: XY): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const len2 = dx * dx + dy * dy;
  let t = len2 === 0 ? 0 : ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2;
  t = Math.max(0, Math.min(1, t));
  return Math.hypot(p[0] - (a[0] + t * dx), p[1] - (a[1] + t * dy));
}

export function segmentsIntersect(a: XY, b: XY, c: XY, d: XY): boolean {
  const d1 = cross(c, d, a);
  const d2 = cross(c, d, b);
  const d3 = cross(a, b, c);
  const d4 = cross(a, b, d);
  if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) return true;
  const on = (p: XY, q: XY, r: XY) => Math.abs(cross(p, q, r)) < 1e-9 && Math.min(p[0], q[0]) - 1e-9 <= r[0] && r[0] <= Math.max(p[0], q[0]) + 1e-9 && Math.min(p[1], q[1]) - 1e-9 <= r[1] && r[1] <= Math.max(p[1], q[1]) + 1e-9;
  return on(c, d, a) || on(c, d, b) || on(a, b, c) || on(a, b, d);
}

export function segmentSegmentDistance(a: XY, b: XY, c: XY, d: XY): number {
  if (segmentsIntersect(a, b, c, d)) return 0;
  return Math.min(pointSegmentDistance(a, c, d), pointSegmentDistance(b, c, d), pointSegmentDistance(c, a, b), pointSegmentDistance(d, a, b));
}

/** Distance from a segment to a polygon ring (0 when it touches or enters it). */
export function segmentRingDistance(a: XY, b: XY, ring: XY[]): number {
  if (pointInRing(a, ring) || pointInRing(b, ring)) return 0;
  let best = Infinity;
  for (let i = 0; i < ring.length; i++) {
    best = Math.min(best, segmentSegmentDistance(a, b, ring[i]!, ring[(i + 1) % ring.length]!));
    if (best === 0) return 0;
  }
  return best;
}

/** True when `outer` contains every vertex of `inner` and no edges cross (inner ⊆ outer). */
export function ringContainsRing(outer: XY[], inner: XY[]): boolean {
  for (const p of inner) if (!pointInRing(p, outer)) return false;
  for (let i = 0; i < inner.length; i++) {
    const a = inner[i]!;
    const b = inner[(i + 1) % inner.length]!;
    for (let j = 0; j < outer.length; j++) {
      const c = outer[j]!;
      const d = outer[(j + 1) % outer.length]!;
      // a proper crossing (not a shared vertex/touch) means part of inner is outside
      const d1 = cross(c, d, a);
      const d2 = cross(c, d, b);
      const d3 = cross(a, b, c);
      const d4 = cross(a, b, d);
      if (((d1 > 1e-9 && d2 < -1e-9) || (d1 < -1e-9 && d2 > 1e-9)) && ((d3 > 1e-9 && d4 < -1e-9) || (d3 < -1e-9 && d4 > 1e-9))) return false;
    }
  }
  return true;
}

export function ringAreaM2(ring: XY[]): number {
  let s = 0;
  for (let i = 0; i < ring.length; i++) {
    const a = ring[i]!;
    const b = ring[(i + 1) % ring.length]!;
    s += a[0] * b[1] - b[0] * a[1];
  }
  return s / 2;
}

/** True when no two non-adjacent edges of the ring touch or cross (a simple polygon). */
export function isSimpleRing(ring: XY[]): boolean {
  const n = ring.length;
  if (n < 3) return false;
  for (let i = 0; i < n; i++) {
    const a = ring[i]!;
    const b = ring[(i + 1) % n]!;
    for (let j = i + 1; j < n; j++) {
      if (j === i || (j + 1) % n === i || (i + 1) % n === j) continue;
      if (segmentsIntersect(a, b, ring[j]!, ring[(j + 1) % n]!)) return false;
    }
  }
  return true;
}
