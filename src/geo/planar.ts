/**
 * Planar geometry kernel: one small pure function per idea, in one place (turf's model), used by
 * geo (zone map validation), planning (the route planner) and missions (the fence builder).
 *
 * Points are [x, y] pairs: metres in a local projection (src/geo/projection.ts) for everything that
 * measures, or [lon, lat] degrees where a zone map's topology is checked the way GeoJSON draws it.
 *
 * Conventions
 * - A ring is a polygon boundary, WITHOUT the closing repeat unless a function says it takes either.
 * - `Rings` is a polygon with holes: the outer ring first, then the holes.
 * - `eps` is a contact tolerance: a cross product or a distance within `eps` of zero counts as zero
 *   (collinear, touching, on the boundary). `eps = 0` is exact arithmetic on the doubles given: zone
 *   map validation wants exactly that, and so do the route planner's segment tests (it resolves
 *   contact itself, with its own tolerance). The fence builder uses 1e-9 m throughout.
 * - One signature per idea, on tuples. The one second entry point is `crossXY`, `cross` on bare
 *   numbers, for the route planner's typed-array inner loops (see there for the measurement); the
 *   other functions measured the same in the planner with tuples as with bare numbers.
 *
 * Hand-written rather than turf: turf works on GeoJSON features in degrees (and mostly on the
 * sphere); these are bare [x, y] pairs in planar metres, called millions of times per map.
 */
import type { XY } from './types.js';

/** Any [x, y] pair: an XY in metres or a LonLat in degrees. */
export type Point = readonly [number, number];
/** A polygon with holes: outer ring first, then the holes; rings without the closing repeat. */
export type Rings = readonly (readonly Point[])[];

/**
 * Twice the signed area of triangle o-a-b, i.e. the z of (a − o) × (b − o): > 0 when o→a→b turns
 * left (counter-clockwise), < 0 when it turns right, 0 when the three points are collinear.
 *
 * Example: `cross([0, 0], [1, 0], [0, 1])` = 1 (left turn); `cross([0, 0], [1, 0], [2, 0])` = 0.
 */
export function cross(o: Point, a: Point, b: Point): number {
  return crossXY(o[0], o[1], a[0], a[1], b[0], b[1]);
}

/**
 * `cross` on bare coordinates: the same function, for the route planner's inner loops, which read
 * coordinates from typed arrays. Packing them into tuples there made the visibility-graph build
 * 1.45× slower (500-polygon benchmark layout: 0.94 s → 1.37 s) and queries 1.15× slower.
 *
 * Example: `crossXY(0, 0, 1, 0, 0, 1)` = 1.
 */
export function crossXY(ox: number, oy: number, ax: number, ay: number, bx: number, by: number): number {
  return (ax - ox) * (by - oy) - (ay - oy) * (bx - ox);
}

/** Is p inside the bounding box of segment a-b grown by eps? For p collinear with a-b: is p on it? */
function inBox(a: Point, b: Point, p: Point, eps: number): boolean {
  return Math.min(a[0], b[0]) - eps <= p[0] && p[0] <= Math.max(a[0], b[0]) + eps && Math.min(a[1], b[1]) - eps <= p[1] && p[1] <= Math.max(a[1], b[1]) + eps;
}

/** Strictly opposite sides: one value above eps and the other below −eps. */
function opposite(u: number, v: number, eps: number): boolean {
  return (u > eps && v < -eps) || (u < -eps && v > eps);
}

/**
 * Do the closed segments a-b and c-d share any point? Touching counts: an end on the other
 * segment, a shared end, and collinear overlap. With `eps`, an end within a cross product of eps of
 * the other segment's line (and inside its box grown by eps) counts as on it.
 *
 * Example: `segmentsIntersect([0, 0], [2, 2], [0, 2], [2, 0])` is true (they cross at [1, 1]);
 * `segmentsIntersect([0, 0], [1, 0], [1, 0], [2, 5])` is true (shared end);
 * `segmentsIntersect([0, 0], [1, 0], [2, 0], [3, 0])` is false (collinear, apart).
 */
export function segmentsIntersect(a: Point, b: Point, c: Point, d: Point, eps = 0): boolean {
  const d1 = cross(c, d, a);
  const d2 = cross(c, d, b);
  const d3 = cross(a, b, c);
  const d4 = cross(a, b, d);
  if (opposite(d1, d2, 0) && opposite(d3, d4, 0)) return true;
  return (
    (Math.abs(d1) <= eps && inBox(c, d, a, eps)) ||
    (Math.abs(d2) <= eps && inBox(c, d, b, eps)) ||
    (Math.abs(d3) <= eps && inBox(a, b, c, eps)) ||
    (Math.abs(d4) <= eps && inBox(a, b, d, eps))
  );
}

/**
 * Do segments a-b and c-d cross properly: at one point inside both, each segment's ends strictly on
 * either side of the other's line (by more than a cross product of eps)? Touching does not count.
 *
 * Example: `segmentsCross([0, 0], [2, 2], [0, 2], [2, 0])` is true;
 * `segmentsCross([0, 0], [2, 0], [1, 0], [1, 1])` is false (c touches a-b at its middle).
 */
export function segmentsCross(a: Point, b: Point, c: Point, d: Point, eps = 0): boolean {
  return opposite(cross(c, d, a), cross(c, d, b), eps) && opposite(cross(a, b, c), cross(a, b, d), eps);
}

/**
 * Where on segment a-b is the point nearest to p: the parameter t in [0, 1] of a + t·(b − a)
 * (0 for a zero-length segment).
 *
 * Example: `nearestSegmentT([1, 5], [0, 0], [4, 0])` = 0.25; `nearestSegmentT([-3, 1], [0, 0], [4, 0])` = 0.
 */
export function nearestSegmentT(p: Point, a: Point, b: Point): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const l2 = dx * dx + dy * dy;
  const t = l2 === 0 ? 0 : ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / l2;
  return t < 0 ? 0 : t > 1 ? 1 : t;
}

/**
 * Distance from p to the closed segment a-b.
 *
 * Example: `pointSegmentDistance([1, 5], [0, 0], [4, 0])` = 5;
 * `pointSegmentDistance([7, 4], [0, 0], [4, 0])` = 5 (to the end [4, 0]).
 */
export function pointSegmentDistance(p: Point, a: Point, b: Point): number {
  const t = nearestSegmentT(p, a, b);
  return Math.hypot(p[0] - (a[0] + t * (b[0] - a[0])), p[1] - (a[1] + t * (b[1] - a[1])));
}

/**
 * Distance between the closed segments a-b and c-d: 0 when they share a point
 * (`segmentsIntersect` with the same eps), else the least distance from an end to the other segment.
 *
 * Example: `segmentSegmentDistance([0, 0], [4, 0], [1, 3], [3, 1])` = 1;
 * `segmentSegmentDistance([0, 0], [2, 2], [0, 2], [2, 0])` = 0 (they cross).
 */
export function segmentSegmentDistance(a: Point, b: Point, c: Point, d: Point, eps = 0): number {
  if (segmentsIntersect(a, b, c, d, eps)) return 0;
  return Math.min(pointSegmentDistance(a, c, d), pointSegmentDistance(b, c, d), pointSegmentDistance(c, a, b), pointSegmentDistance(d, a, b));
}

/**
 * Crossing point of the infinite lines through p1-p2 and p3-p4, or null when they are parallel
 * (the determinant (p1 − p2) × (p3 − p4) is smaller than `minDet` in size).
 *
 * Example: `lineIntersection([0, 0], [1, 1], [0, 2], [1, 1], 1e-12)` = [1, 1];
 * `lineIntersection([0, 0], [1, 0], [0, 1], [1, 1], 1e-12)` = null.
 */
export function lineIntersection(p1: Point, p2: Point, p3: Point, p4: Point, minDet: number): XY | null {
  const d = (p1[0] - p2[0]) * (p3[1] - p4[1]) - (p1[1] - p2[1]) * (p3[0] - p4[0]);
  if (Math.abs(d) < minDet) return null;
  const a = p1[0] * p2[1] - p1[1] * p2[0];
  const b = p3[0] * p4[1] - p3[1] * p4[0];
  return [(a * (p3[0] - p4[0]) - (p1[0] - p2[0]) * b) / d, (a * (p3[1] - p4[1]) - (p1[1] - p2[1]) * b) / d];
}

/**
 * Signed area of a ring (shoelace formula): > 0 when counter-clockwise. Takes a ring with or
 * without the closing repeat (the repeat adds an exact 0).
 *
 * Example: `signedArea([[0, 0], [4, 0], [4, 3]])` = 6; the same ring clockwise gives −6.
 */
export function signedArea(ring: readonly Point[]): number {
  let s = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) s += ring[j]![0] * ring[i]![1] - ring[i]![0] * ring[j]![1];
  return s / 2;
}

/**
 * Crossing-number (even-odd) test: is p inside the ring? Points on the boundary may come out either
 * way; use `insideOrOn` / `strictlyInside` when the boundary matters. Takes a ring with or without
 * the closing repeat (the zero-length closing edge is never crossed).
 *
 * Example: with the square `[[0, 0], [4, 0], [4, 4], [0, 4]]`, `pointInRing([1, 1], square)` is true
 * and `pointInRing([5, 1], square)` is false.
 */
export function pointInRing(p: Point, ring: readonly Point[]): boolean {
  const x = p[0];
  const y = p[1];
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const a = ring[i]!;
    const b = ring[j]!;
    if (a[1] > y !== b[1] > y && x < ((b[0] - a[0]) * (y - a[1])) / (b[1] - a[1]) + a[0]) inside = !inside;
  }
  return inside;
}

/**
 * Is p inside the polygon: inside the outer ring and in none of the holes (even-odd, boundary
 * either way)?
 *
 * Example: a 10 m square with a 2 m square hole in the middle contains [1, 1] but not [5, 5].
 */
export function pointInPolygon(p: Point, rings: Rings): boolean {
  const [outer, ...holes] = rings;
  if (!outer || !pointInRing(p, outer)) return false;
  for (const h of holes) if (pointInRing(p, h)) return false;
  return true;
}

/**
 * Distance from p to the nearest edge of any of the rings (their boundary), Infinity for none.
 *
 * Example: `distanceToBoundary([1, 2], [[[0, 0], [4, 0], [4, 4], [0, 4]]])` = 1.
 */
export function distanceToBoundary(p: Point, rings: Rings): number {
  let best = Infinity;
  for (const ring of rings) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const d = pointSegmentDistance(p, ring[j]!, ring[i]!);
      if (d < best) best = d;
    }
  }
  return best;
}

/**
 * Is p inside the polygon and farther than `eps` from its boundary?
 *
 * Example: with the 4 m square, `strictlyInside([2, 2], [square], 1)` is true,
 * `strictlyInside([0.5, 2], [square], 1)` is false.
 */
export function strictlyInside(p: Point, rings: Rings, eps: number): boolean {
  return pointInPolygon(p, rings) && distanceToBoundary(p, rings) > eps;
}

/**
 * Is p inside the polygon or within `eps` of its boundary?
 *
 * Example: with the 4 m square, `insideOrOn([4, 2], [square], 0)` is true (on the edge),
 * `insideOrOn([4.5, 2], [square], 1)` is true, `insideOrOn([6, 2], [square], 1)` is false.
 */
export function insideOrOn(p: Point, rings: Rings, eps: number): boolean {
  return pointInPolygon(p, rings) || distanceToBoundary(p, rings) <= eps;
}

/**
 * Convex hull (Andrew's monotone chain): counter-clockwise, without the closing repeat, collinear
 * points dropped. Fewer than 3 points come back sorted.
 *
 * Example: `convexHull([[0, 0], [2, 0], [1, 1], [2, 2], [0, 2], [1, 0]])` =
 * `[[0, 0], [2, 0], [2, 2], [0, 2]]`.
 */
export function convexHull<T extends Point>(points: readonly T[]): T[] {
  const pts = [...points].sort((p, q) => p[0] - q[0] || p[1] - q[1]);
  if (pts.length < 3) return pts;
  const lower: T[] = [];
  for (const p of pts) {
    while (lower.length >= 2 && cross(lower[lower.length - 2]!, lower[lower.length - 1]!, p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper: T[] = [];
  for (let i = pts.length - 1; i >= 0; i--) {
    const p = pts[i]!;
    while (upper.length >= 2 && cross(upper[upper.length - 2]!, upper[upper.length - 1]!, p) <= 0) upper.pop();
    upper.push(p);
  }
  upper.pop();
  lower.pop();
  return lower.concat(upper);
}

/**
 * Distance from segment a-b to a ring's region: 0 when an end is inside or within eps of the ring
 * or the segment touches an edge (eps as in `segmentsIntersect`), else the least distance to an edge.
 *
 * Example: with the 4 m square, `segmentRingDistance([6, 0], [6, 4], square, 0)` = 2;
 * `segmentRingDistance([2, 2], [9, 9], square, 0)` = 0 (starts inside).
 */
export function segmentRingDistance(a: Point, b: Point, ring: readonly Point[], eps: number): number {
  if (insideOrOn(a, [ring], eps) || insideOrOn(b, [ring], eps)) return 0;
  let best = Infinity;
  for (let i = 0; i < ring.length; i++) {
    best = Math.min(best, segmentSegmentDistance(a, b, ring[i]!, ring[(i + 1) % ring.length]!, eps));
    if (best === 0) return 0;
  }
  return best;
}

/**
 * Does `outer` contain `inner`: every vertex of inner inside or within eps of outer, and no edge of
 * inner properly crossing one of outer (touching allowed)?
 *
 * Example: the 4 m square contains `[[1, 1], [3, 1], [3, 3]]` and `[[0, 0], [4, 0], [2, 2]]` (edges
 * on its boundary), not `[[1, 1], [5, 1], [3, 3]]`.
 */
export function ringContainsRing(outer: readonly Point[], inner: readonly Point[], eps: number): boolean {
  for (const p of inner) if (!insideOrOn(p, [outer], eps)) return false;
  for (let i = 0; i < inner.length; i++) {
    const a = inner[i]!;
    const b = inner[(i + 1) % inner.length]!;
    for (let j = 0; j < outer.length; j++) {
      // A proper crossing (not a shared vertex or a touch) means part of inner is outside.
      if (segmentsCross(a, b, outer[j]!, outer[(j + 1) % outer.length]!, eps)) return false;
    }
  }
  return true;
}

/**
 * Is the ring a simple polygon: at least 3 vertices and no two non-adjacent edges touching or
 * crossing (eps as in `segmentsIntersect`)? Adjacent edges are not compared. (Zone map validation,
 * src/geo/zone-map.ts, asks more of a ring and reports which edges meet.)
 *
 * Example: the square `[[0, 0], [4, 0], [4, 4], [0, 4]]` is simple; the bow-tie
 * `[[0, 0], [4, 4], [4, 0], [0, 4]]` is not.
 */
export function isSimpleRing(ring: readonly Point[], eps: number): boolean {
  const n = ring.length;
  if (n < 3) return false;
  for (let i = 0; i < n; i++) {
    const a = ring[i]!;
    const b = ring[(i + 1) % n]!;
    for (let j = i + 1; j < n; j++) {
      if (j === i || (j + 1) % n === i || (i + 1) % n === j) continue;
      if (segmentsIntersect(a, b, ring[j]!, ring[(j + 1) % n]!, eps)) return false;
    }
  }
  return true;
}

/**
 * A ring cleaned for computing: the closing repeat and consecutive duplicates (within 1e-9 on both
 * axes) dropped, oriented counter-clockwise (ccw = true) or clockwise.
 *
 * Example: `normaliseRing([[0, 0], [0, 4], [4, 4], [4, 4], [4, 0], [0, 0]], true)` =
 * `[[4, 0], [4, 4], [0, 4], [0, 0]]`.
 */
export function normaliseRing(closed: readonly Point[], ccw: boolean): XY[] {
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

/**
 * Is a counter-clockwise ring convex (collinear vertices allowed) with exactly one full turn (so
 * not a star that winds twice)?
 *
 * Example: the square `[[0, 0], [4, 0], [4, 4], [0, 4]]` is; `[[0, 0], [4, 0], [1, 1], [0, 4]]`
 * (a dent at [1, 1]) is not.
 */
export function isConvexCcw(ring: readonly Point[]): boolean {
  const n = ring.length;
  if (n < 3) return false;
  let turning = 0;
  for (let i = 0; i < n; i++) {
    const p = ring[(i + n - 1) % n]!;
    const v = ring[i]!;
    const q = ring[(i + 1) % n]!;
    const c = cross(p, v, q);
    // Relative tolerance: a straight vertex between long edges may come out a rounding error negative.
    if (c < -1e-9 * Math.hypot(v[0] - p[0], v[1] - p[1]) * Math.hypot(q[0] - v[0], q[1] - v[1])) return false;
    const ux = v[0] - p[0];
    const uy = v[1] - p[1];
    const wx = q[0] - v[0];
    const wy = q[1] - v[1];
    turning += Math.atan2(ux * wy - uy * wx, ux * wx + uy * wy);
  }
  return Math.abs(turning - 2 * Math.PI) < 1e-6;
}
