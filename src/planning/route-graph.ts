/**
 * Map preparation for the route planner: local no-fly polygons, spatial indexes, segment tests and
 * the visibility graph between obstacle corners. Everything here is in local metres; the obstacles
 * are the no-fly polygons buffered by ./obstacle-buffer.ts.
 *
 * - Buffered obstacles may overlap each other. They are not merged: a corner that lies inside
 *   another obstacle is simply not a graph vertex, and a segment is blocked when it enters any
 *   obstacle. Shortest paths among overlapping polygons only bend at convex corners that are outside
 *   every other polygon (the crossings of two boundaries are reflex), so nothing is lost.
 * - The graph links corners whose connecting line is tangent to both corners' obstacles
 *   ("bitangent") and clear; shortest paths use only such segments.
 */
import Flatbush from 'flatbush';
import type { LocalProjection } from '../geo/projection.js';
import type { NoFlyArea, XY } from '../geo/types.js';
import { cross, crossXY, insideOrOn, normaliseRing, segmentsCross, segmentSegmentDistance, strictlyInside, type Rings } from '../geo/planar.js';

/** Contact tolerance, metres. */
export const EPS = 1e-7;
/** Longest stretch of a segment looked up in the index at once (keeps bounding boxes small). */
const CHUNK_M = 250;

export type BBox = [minX: number, minY: number, maxX: number, maxY: number];

/** A no-fly polygon (one part of a no-fly area) in local metres: outer ring CCW, holes CW. */
export interface LocalPolygon {
  area: NoFlyArea;
  rings: XY[][];
  bbox: BBox;
}

function ringsBBox(rings: Rings): BBox {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const ring of rings) {
    for (const [x, y] of ring) {
      if (x < minX) minX = x;
      if (y < minY) minY = y;
      if (x > maxX) maxX = x;
      if (y > maxY) maxY = y;
    }
  }
  return [minX, minY, maxX, maxY];
}

/** A local polygon with its bounding box. */
export function localPolygon(area: NoFlyArea, rings: XY[][]): LocalPolygon {
  return { area, rings, bbox: ringsBBox(rings) };
}

/** The no-fly areas as local polygons (one per Polygon part), in map order. */
export function projectNoFly(areas: readonly NoFlyArea[], proj: LocalProjection): LocalPolygon[] {
  const out: LocalPolygon[] = [];
  for (const area of areas) {
    const parts = area.geometry.type === 'Polygon' ? [area.geometry.coordinates] : area.geometry.coordinates;
    for (const part of parts) {
      const rings = part.map((ring, k) =>
        normaliseRing(
          ring.map((p) => proj.toLocal([p[0]!, p[1]!])),
          k === 0,
        ),
      );
      out.push(localPolygon(area, rings));
    }
  }
  return out;
}

/** Edges of a set of polygons in flat arrays with a Flatbush index over their boxes. */
export class EdgeIndex {
  readonly ax: Float64Array;
  readonly ay: Float64Array;
  readonly bx: Float64Array;
  readonly by: Float64Array;
  readonly len: Float64Array;
  /** Polygon (index into `polygons`) each edge belongs to. */
  readonly owner: Int32Array;
  readonly edges: Flatbush | null;
  readonly boxes: Flatbush | null;

  constructor(readonly polygons: readonly LocalPolygon[]) {
    let n = 0;
    for (const p of polygons) for (const ring of p.rings) n += ring.length;
    this.ax = new Float64Array(n);
    this.ay = new Float64Array(n);
    this.bx = new Float64Array(n);
    this.by = new Float64Array(n);
    this.len = new Float64Array(n);
    this.owner = new Int32Array(n);
    this.edges = n > 0 ? new Flatbush(n) : null;
    let e = 0;
    polygons.forEach((p, pi) => {
      for (const ring of p.rings) {
        for (let i = 0; i < ring.length; i++) {
          const a = ring[i]!;
          const b = ring[(i + 1) % ring.length]!;
          this.ax[e] = a[0];
          this.ay[e] = a[1];
          this.bx[e] = b[0];
          this.by[e] = b[1];
          this.len[e] = Math.hypot(b[0] - a[0], b[1] - a[1]);
          this.owner[e] = pi;
          this.edges!.add(Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[0], b[0]), Math.max(a[1], b[1]));
          e++;
        }
      }
    });
    this.edges?.finish();
    this.boxes = polygons.length > 0 ? new Flatbush(polygons.length) : null;
    for (const p of polygons) this.boxes!.add(p.bbox[0], p.bbox[1], p.bbox[2], p.bbox[3]);
    this.boxes?.finish();
  }

  /** Polygons whose box contains (x, y), in index order. */
  polygonsAt(x: number, y: number, margin = 0): number[] {
    if (!this.boxes) return [];
    return this.boxes.search(x - margin, y - margin, x + margin, y + margin).sort((a, b) => a - b);
  }
}

/**
 * Segment tests against the buffered obstacles. A segment is blocked when any part of it lies in an
 * obstacle's interior; running along or touching an obstacle's boundary is allowed (that boundary is
 * already `clearance` away from the no-fly area).
 */
export class ObstacleTester {
  private ax = 0;
  private ay = 0;
  private bx = 0;
  private by = 0;
  private invLen = 0;
  private hitEdge = -1;
  private touchT: number[] = [];
  private touched: number[] = [];
  private readonly stamp: Int32Array;
  private stampNow = 0;
  private readonly visit: (e: number) => boolean;

  constructor(readonly index: EdgeIndex) {
    this.stamp = new Int32Array(index.polygons.length);
    this.visit = (e) => this.visitEdge(e);
  }

  private visitEdge(e: number): boolean {
    const ix = this.index;
    const cx = ix.ax[e]!;
    const cy = ix.ay[e]!;
    const dx = ix.bx[e]!;
    const dy = ix.by[e]!;
    const { ax, ay, bx, by } = this;
    const o1 = crossXY(ax, ay, bx, by, cx, cy) * this.invLen;
    const o2 = crossXY(ax, ay, bx, by, dx, dy) * this.invLen;
    if ((o1 > EPS && o2 > EPS) || (o1 < -EPS && o2 < -EPS)) return false;
    const el = ix.len[e]!;
    if (el === 0) return false;
    const o3 = crossXY(cx, cy, dx, dy, ax, ay) / el;
    const o4 = crossXY(cx, cy, dx, dy, bx, by) / el;
    if ((o3 > EPS && o4 > EPS) || (o3 < -EPS && o4 < -EPS)) return false;
    if (((o1 > EPS && o2 < -EPS) || (o1 < -EPS && o2 > EPS)) && ((o3 > EPS && o4 < -EPS) || (o3 < -EPS && o4 > EPS))) {
      this.hitEdge = e;
      return true;
    }
    // Contact without a proper crossing: remember where along the segment, resolved afterwards.
    const owner = ix.owner[e]!;
    if (this.stamp[owner] !== this.stampNow) {
      this.stamp[owner] = this.stampNow;
      this.touched.push(owner);
    }
    const sx = bx - ax;
    const sy = by - ay;
    const l2 = this.invLen * this.invLen;
    if (Math.abs(o1) <= EPS) {
      const t = ((cx - ax) * sx + (cy - ay) * sy) * l2;
      if (t > 0 && t < 1) this.touchT.push(t);
    }
    if (Math.abs(o2) <= EPS) {
      const t = ((dx - ax) * sx + (dy - ay) * sy) * l2;
      if (t > 0 && t < 1) this.touchT.push(t);
    }
    return false;
  }

  /**
   * The obstacle (index) that segment a-b enters, or -1 when it is clear. Both ends must lie outside
   * every obstacle's interior (graph vertices and checked start/goal points do).
   */
  blocking(ax: number, ay: number, bx: number, by: number): number {
    const edges = this.index.edges;
    if (!edges) return -1;
    const len = Math.hypot(bx - ax, by - ay);
    if (len < EPS) return -1;
    this.ax = ax;
    this.ay = ay;
    this.bx = bx;
    this.by = by;
    this.invLen = 1 / len;
    this.touchT.length = 0;
    this.touched.length = 0;
    this.stampNow++;
    if (this.stampNow > 2_000_000_000) {
      this.stamp.fill(0);
      this.stampNow = 1;
    }
    const chunks = Math.max(1, Math.ceil(len / CHUNK_M));
    for (let k = 0; k < chunks; k++) {
      const t0 = k / chunks;
      const t1 = (k + 1) / chunks;
      const x0 = ax + (bx - ax) * t0;
      const y0 = ay + (by - ay) * t0;
      const x1 = ax + (bx - ax) * t1;
      const y1 = ay + (by - ay) * t1;
      if (edges.collides(Math.min(x0, x1) - EPS, Math.min(y0, y1) - EPS, Math.max(x0, x1) + EPS, Math.max(y0, y1) + EPS, this.visit)) {
        return this.index.owner[this.hitEdge]!;
      }
    }
    if (this.touched.length === 0) return -1;
    // Between consecutive contacts the segment is wholly inside or wholly outside each touched
    // obstacle: test one point of each stretch.
    const ts = this.touchT;
    ts.push(0, 1);
    ts.sort((p, q) => p - q);
    this.touched.sort((p, q) => p - q);
    for (let i = 0; i + 1 < ts.length; i++) {
      const t0 = ts[i]!;
      const t1 = ts[i + 1]!;
      if ((t1 - t0) * len < EPS) continue;
      const tm = (t0 + t1) / 2;
      const mx = ax + (bx - ax) * tm;
      const my = ay + (by - ay) * tm;
      for (const o of this.touched) {
        if (strictlyInside([mx, my], this.index.polygons[o]!.rings, EPS * 10)) return o;
      }
    }
    return -1;
  }

  /** The first obstacle (index order) whose interior contains (x, y), or -1. */
  containing(x: number, y: number): number {
    for (const o of this.index.polygonsAt(x, y)) {
      if (strictlyInside([x, y], this.index.polygons[o]!.rings, EPS * 10)) return o;
    }
    return -1;
  }
}

/**
 * Exact clearance test against the ORIGINAL no-fly polygons: is every point of segment a-b at least
 * `clearance` metres from every no-fly polygon (and outside all of them)?
 */
export function segmentKeepsClearance(index: EdgeIndex, ax: number, ay: number, bx: number, by: number, clearance: number): boolean {
  const polys = index.polygons;
  const a: XY = [ax, ay];
  const b: XY = [bx, by];
  for (const end of [a, b]) {
    for (const o of index.polygonsAt(end[0], end[1])) {
      // An end inside the area (or on its edge, when any clearance is asked for) is never clear.
      const rings = polys[o]!.rings;
      if (clearance > 0 ? insideOrOn(end, rings, 0) : strictlyInside(end, rings, 0)) return false;
    }
  }
  const edges = index.edges;
  if (!edges) return true;
  const limit = Math.max(clearance - 1e-6, 0);
  const len = Math.hypot(bx - ax, by - ay);
  const chunks = Math.max(1, Math.ceil(len / CHUNK_M));
  const m = Math.max(clearance, 0) + EPS;
  for (let k = 0; k < chunks; k++) {
    const x0 = ax + ((bx - ax) * k) / chunks;
    const y0 = ay + ((by - ay) * k) / chunks;
    const x1 = ax + ((bx - ax) * (k + 1)) / chunks;
    const y1 = ay + ((by - ay) * (k + 1)) / chunks;
    const hit = edges.collides(Math.min(x0, x1) - m, Math.min(y0, y1) - m, Math.max(x0, x1) + m, Math.max(y0, y1) + m, (e) => {
      const c: XY = [index.ax[e]!, index.ay[e]!];
      const d: XY = [index.bx[e]!, index.by[e]!];
      const dist = segmentSegmentDistance(a, b, c, d);
      return clearance > 0 ? dist < limit : dist === 0 && segmentsCross(a, b, c, d);
    });
    if (hit) return false;
  }
  return true;
}

/**
 * Is the whole triangle a-b-c (its inside too) more than `clearance` + `slackM` metres from every
 * no-fly polygon, and outside all of them? Then every segment drawn within it keeps the clearance
 * (segmentKeepsClearance would say yes to each): a fan of straight lines from the points of a leg to
 * one place (the failsafe returns of src/missions/rally.ts) is answered by one test instead of one
 * per line. `slackM` covers points given slightly off the triangle's sides (a leg sampled in lon/lat
 * and projected). false when it cannot say (clearance 0): test the segments themselves.
 */
export function triangleKeepsClearance(index: EdgeIndex, a: XY, b: XY, c: XY, clearance: number, slackM: number): boolean {
  if (!(clearance > 0)) return false;
  const edges = index.edges;
  if (edges) {
    const limit = clearance + slackM;
    const w = Math.min(a[0], b[0], c[0]) - limit;
    const s = Math.min(a[1], b[1], c[1]) - limit;
    const e = Math.max(a[0], b[0], c[0]) + limit;
    const n = Math.max(a[1], b[1], c[1]) + limit;
    // orientation of the triangle, for the point-inside test (0: degenerate, no inside to speak of)
    const turn = Math.sign(crossXY(a[0], a[1], b[0], b[1], c[0], c[1]));
    const inside = (x: number, y: number) =>
      turn !== 0 &&
      Math.sign(crossXY(a[0], a[1], b[0], b[1], x, y)) === turn &&
      Math.sign(crossXY(b[0], b[1], c[0], c[1], x, y)) === turn &&
      Math.sign(crossXY(c[0], c[1], a[0], a[1], x, y)) === turn;
    const near = edges.collides(w, s, e, n, (k) => {
      const p: XY = [index.ax[k]!, index.ay[k]!];
      const q: XY = [index.bx[k]!, index.by[k]!];
      if (inside(p[0], p[1]) || inside(q[0], q[1])) return true;
      return segmentSegmentDistance(p, q, a, b) < limit || segmentSegmentDistance(p, q, b, c) < limit || segmentSegmentDistance(p, q, c, a) < limit;
    });
    if (near) return false;
  }
  // no edge comes near: a polygon holds either the whole triangle or none of it
  for (const o of index.polygonsAt(a[0], a[1])) if (insideOrOn(a, index.polygons[o]!.rings, 0)) return false;
  return true;
}

/** Graph vertices: convex obstacle corners outside every other obstacle, with their ring neighbours. */
export interface Corners {
  count: number;
  x: Float64Array;
  y: Float64Array;
  /** Previous and next corner on the ring (for tangency tests). */
  px: Float64Array;
  py: Float64Array;
  nx: Float64Array;
  ny: Float64Array;
  obstacle: Int32Array;
}

export function findCorners(obstacles: readonly LocalPolygon[], tester: ObstacleTester): Corners {
  const xs: number[] = [];
  const ys: number[] = [];
  const pxs: number[] = [];
  const pys: number[] = [];
  const nxs: number[] = [];
  const nys: number[] = [];
  const obs: number[] = [];
  obstacles.forEach((ob, oi) => {
    for (const ring of ob.rings) {
      const n = ring.length;
      for (let i = 0; i < n; i++) {
        const p = ring[(i + n - 1) % n]!;
        const v = ring[i]!;
        const q = ring[(i + 1) % n]!;
        // Obstacle interior is on the left of every ring (outer CCW, holes CW): convex = left turn.
        const c = cross(p, v, q);
        if (c <= 1e-9 * Math.hypot(v[0] - p[0], v[1] - p[1]) * Math.hypot(q[0] - v[0], q[1] - v[1])) continue;
        let covered = false;
        for (const other of tester.index.polygonsAt(v[0], v[1])) {
          if (other !== oi && strictlyInside(v, obstacles[other]!.rings, EPS * 10)) {
            covered = true;
            break;
          }
        }
        if (covered) continue;
        xs.push(v[0]);
        ys.push(v[1]);
        pxs.push(p[0]);
        pys.push(p[1]);
        nxs.push(q[0]);
        nys.push(q[1]);
        obs.push(oi);
      }
    }
  });
  return {
    count: xs.length,
    x: Float64Array.from(xs),
    y: Float64Array.from(ys),
    px: Float64Array.from(pxs),
    py: Float64Array.from(pys),
    nx: Float64Array.from(nxs),
    ny: Float64Array.from(nys),
    obstacle: Int32Array.from(obs),
  };
}

/** Is the line through (sx, sy) and corner v tangent to v's obstacle at v (both ring neighbours on one side)? */
export function tangentAt(c: Corners, v: number, sx: number, sy: number): boolean {
  const vx = c.x[v]!;
  const vy = c.y[v]!;
  const s1 = crossXY(sx, sy, vx, vy, c.px[v]!, c.py[v]!);
  const s2 = crossXY(sx, sy, vx, vy, c.nx[v]!, c.ny[v]!);
  return !((s1 > 1e-9 && s2 < -1e-9) || (s1 < -1e-9 && s2 > 1e-9));
}

/** Compressed adjacency of the corner visibility graph. */
export interface CornerGraph {
  start: Int32Array;
  to: Int32Array;
  weight: Float64Array;
}

/** Build the bitangent visibility graph between corners. O(V²) tangency tests, indexed segment tests. */
export function buildCornerGraph(c: Corners, tester: ObstacleTester, onProgress?: (done: number, total: number) => void): CornerGraph {
  const n = c.count;
  const adj: number[][] = Array.from({ length: n }, () => []);
  const { x, y, px, py, nx, ny } = c;
  for (let i = 0; i < n; i++) {
    const xi = x[i]!;
    const yi = y[i]!;
    const pxi = px[i]!;
    const pyi = py[i]!;
    const nxi = nx[i]!;
    const nyi = ny[i]!;
    const list = adj[i]!;
    for (let j = i + 1; j < n; j++) {
      const xj = x[j]!;
      const yj = y[j]!;
      // Tangent at j (line i→j leaves both of j's neighbours on one side) …
      const a1 = crossXY(xi, yi, xj, yj, px[j]!, py[j]!);
      const a2 = crossXY(xi, yi, xj, yj, nx[j]!, ny[j]!);
      if ((a1 > 1e-9 && a2 < -1e-9) || (a1 < -1e-9 && a2 > 1e-9)) continue;
      // … and at i.
      const b1 = crossXY(xj, yj, xi, yi, pxi, pyi);
      const b2 = crossXY(xj, yj, xi, yi, nxi, nyi);
      if ((b1 > 1e-9 && b2 < -1e-9) || (b1 < -1e-9 && b2 > 1e-9)) continue;
      if (tester.blocking(xi, yi, xj, yj) >= 0) continue;
      list.push(j);
      adj[j]!.push(i);
    }
    if (onProgress && (i & 255) === 255) onProgress(i + 1, n);
  }
  const start = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) start[i + 1] = start[i]! + adj[i]!.length;
  const to = new Int32Array(start[n]!);
  const weight = new Float64Array(start[n]!);
  for (let i = 0; i < n; i++) {
    const list = adj[i]!.sort((p, q) => p - q);
    let k = start[i]!;
    for (const j of list) {
      to[k] = j;
      weight[k] = Math.hypot(x[j]! - x[i]!, y[j]! - y[i]!);
      k++;
    }
  }
  return { start, to, weight };
}
