/**
 * Seeded random no-fly layouts for the route planner's property tests and benchmark, and an
 * independent reference solver (naive segment tests, no spatial index, no lazy search, Dijkstra)
 * used to check that planRoute is optimal on the same buffered obstacles.
 */
import { localProjection, type LocalProjection } from '../../src/geo/projection.js';
import type { XY } from '../../src/geo/types.js';
import { parseZoneMap } from '../../src/geo/zone-map.js';
import type { LonLat, ZoneMap } from '../../src/geo/types.js';
import type { PreparedMap } from '../../src/planning/route.js';
import { seededRandom } from '../support/random.js';

export const LAYOUT_ORIGIN: LonLat = [112.5489, 37.8706]; // Taiyuan

export interface LayoutOptions {
  /** Side of the square box, metres. */
  boxM: number;
  minRadiusM: number;
  maxRadiusM: number;
  /** Share of polygons that are concave (L, U and star shapes). */
  concaveShare: number;
}

export interface Layout {
  map: ZoneMap;
  projection: LocalProjection;
  /** The polygons' outer rings in local metres (closed). */
  polygons: XY[][];
  boxM: number;
}

function convexPolygon(rng: () => number, cx: number, cy: number, r: number): XY[] {
  const k = 3 + Math.floor(rng() * 6);
  const base = rng() * 2 * Math.PI;
  const angles = Array.from({ length: k }, (_, i) => base + ((i + rng() * 0.8) * 2 * Math.PI) / k);
  const squash = 0.4 + rng() * 0.6;
  const rot = rng() * Math.PI;
  const pts = angles.map((t): XY => {
    const x = r * Math.cos(t);
    const y = r * squash * Math.sin(t);
    return [cx + x * Math.cos(rot) - y * Math.sin(rot), cy + x * Math.sin(rot) + y * Math.cos(rot)];
  });
  return pts;
}

function concavePolygon(rng: () => number, cx: number, cy: number, r: number): XY[] {
  const rot = rng() * 2 * Math.PI;
  const kind = Math.floor(rng() * 3);
  let pts: XY[];
  if (kind === 0) {
    // L shape
    const w = r * (0.3 + rng() * 0.3);
    pts = [
      [-r, -r],
      [r, -r],
      [r, -r + w],
      [-r + w, -r + w],
      [-r + w, r],
      [-r, r],
    ];
  } else if (kind === 1) {
    // U shape
    const w = r * (0.25 + rng() * 0.2);
    pts = [
      [-r, -r],
      [r, -r],
      [r, r],
      [r - w, r],
      [r - w, -r + w],
      [-r + w, -r + w],
      [-r + w, r],
      [-r, r],
    ];
  } else {
    // star
    const k = 5 + Math.floor(rng() * 4);
    pts = Array.from({ length: 2 * k }, (_, i): XY => {
      const t = (i * Math.PI) / k;
      const rr = i % 2 === 0 ? r : r * (0.4 + rng() * 0.3);
      return [rr * Math.cos(t), rr * Math.sin(t)];
    });
  }
  return pts.map(([x, y]): XY => [cx + x * Math.cos(rot) - y * Math.sin(rot), cy + x * Math.sin(rot) + y * Math.cos(rot)]);
}

/** `count` random no-fly polygons (they may overlap) in a box centred on LAYOUT_ORIGIN. */
export function randomLayout(seed: number, count: number, opts: LayoutOptions): Layout {
  const rng = seededRandom(seed);
  const projection = localProjection(LAYOUT_ORIGIN);
  const half = opts.boxM / 2;
  const polygons: XY[][] = [];
  for (let i = 0; i < count; i++) {
    const r = opts.minRadiusM + rng() * (opts.maxRadiusM - opts.minRadiusM);
    const cx = -half + r + rng() * (opts.boxM - 2 * r);
    const cy = -half + r + rng() * (opts.boxM - 2 * r);
    const ring = rng() < opts.concaveShare ? concavePolygon(rng, cx, cy, r) : convexPolygon(rng, cx, cy, r);
    polygons.push([...ring, ring[0]!]);
  }
  const features = polygons.map((ring, i) => ({
    type: 'Feature',
    properties: { kind: 'no-fly', name: `NF-${i}` },
    geometry: { type: 'Polygon', coordinates: [ring.map((p) => projection.toLonLat(p))] },
  }));
  const map = parseZoneMap({ type: 'FeatureCollection', features }, `layout-${seed}-${count}`);
  return { map, projection, polygons, boxM: opts.boxM };
}

/** Random points of the layout's box that lie outside every buffered obstacle. */
export function freePoints(layout: Layout, prepared: PreparedMap, rng: () => number, n: number): LonLat[] {
  const out: LonLat[] = [];
  const half = layout.boxM / 2;
  let guard = 0;
  while (out.length < n && guard++ < n * 1000) {
    const xy: XY = [-half + rng() * layout.boxM, -half + rng() * layout.boxM];
    const p = layout.projection.toLonLat(xy);
    const [x, y] = prepared.projection.toLocal(p);
    if (prepared.obstacles.some((o) => insideRings(x, y, o.rings, 1e-3))) continue;
    out.push(p);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Independent reference: written separately from src/planning (no shared helpers).

function orient(ax: number, ay: number, bx: number, by: number, cx: number, cy: number): number {
  return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
}

function inRing(x: number, y: number, ring: readonly XY[]): boolean {
  let c = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]!;
    const [xj, yj] = ring[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) c = !c;
  }
  return c;
}

function distToSeg(x: number, y: number, a: XY, b: XY): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const l = dx * dx + dy * dy;
  const t = l > 0 ? Math.max(0, Math.min(1, ((x - a[0]) * dx + (y - a[1]) * dy) / l)) : 0;
  return Math.hypot(x - a[0] - t * dx, y - a[1] - t * dy);
}

/** Strictly inside a polygon (outer + holes) by more than `tol` metres. */
function insideRings(x: number, y: number, rings: readonly (readonly XY[])[], tol: number): boolean {
  const [outer, ...holes] = rings;
  if (!outer || !inRing(x, y, outer) || holes.some((h) => inRing(x, y, h))) return false;
  for (const ring of rings) for (let i = 0; i < ring.length; i++) if (distToSeg(x, y, ring[i]!, ring[(i + 1) % ring.length]!) <= tol) return false;
  return true;
}

interface RefObstacle {
  rings: XY[][];
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

/** Does segment a-b pass through the interior of obstacle o? Split at every contact, sample each piece. */
function segmentEnters(a: XY, b: XY, o: RefObstacle): boolean {
  if (Math.max(a[0], b[0]) < o.minX || Math.min(a[0], b[0]) > o.maxX || Math.max(a[1], b[1]) < o.minY || Math.min(a[1], b[1]) > o.maxY) return false;
  const ts = [0, 1];
  const len = Math.hypot(b[0] - a[0], b[1] - a[1]);
  for (const ring of o.rings) {
    for (let i = 0; i < ring.length; i++) {
      const c = ring[i]!;
      const d = ring[(i + 1) % ring.length]!;
      const den = (b[0] - a[0]) * (d[1] - c[1]) - (b[1] - a[1]) * (d[0] - c[0]);
      if (Math.abs(den) > 1e-12) {
        const t = ((c[0] - a[0]) * (d[1] - c[1]) - (c[1] - a[1]) * (d[0] - c[0])) / den;
        const u = ((c[0] - a[0]) * (b[1] - a[1]) - (c[1] - a[1]) * (b[0] - a[0])) / den;
        if (t > 0 && t < 1 && u >= -1e-9 && u <= 1 + 1e-9) ts.push(t);
      }
      // vertices lying on the segment
      if (len > 0 && Math.abs(orient(a[0], a[1], b[0], b[1], c[0], c[1])) / len < 1e-6) {
        const t = ((c[0] - a[0]) * (b[0] - a[0]) + (c[1] - a[1]) * (b[1] - a[1])) / (len * len);
        if (t > 0 && t < 1) ts.push(t);
      }
    }
  }
  ts.sort((p, q) => p - q);
  for (let i = 0; i + 1 < ts.length; i++) {
    if ((ts[i + 1]! - ts[i]!) * len < 1e-6) continue;
    const t = (ts[i]! + ts[i + 1]!) / 2;
    if (insideRings(a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]), o.rings, 1e-5)) return true;
  }
  return false;
}

/**
 * Reference shortest path lengths on the prepared map's buffered obstacles: Dijkstra over a
 * visibility graph checked pair by pair with naive tests. With `allVertices`, every obstacle vertex
 * and every pair is a candidate (no pruning at all; small maps only); otherwise convex vertices and
 * bitangent pairs (a classical, exact reduction) to stay affordable on 500 polygons.
 */
export class ReferenceSolver {
  private readonly obs: RefObstacle[];
  private readonly vx: number[] = [];
  private readonly vy: number[] = [];
  private readonly vp: XY[] = [];
  private readonly vn: XY[] = [];
  private readonly adj: { to: number; w: number }[][];

  constructor(
    private readonly prepared: PreparedMap,
    private readonly allVertices: boolean,
  ) {
    this.obs = prepared.obstacles.map((o) => {
      let minX = Infinity;
      let minY = Infinity;
      let maxX = -Infinity;
      let maxY = -Infinity;
      for (const r of o.rings)
        for (const [x, y] of r) {
          minX = Math.min(minX, x);
          minY = Math.min(minY, y);
          maxX = Math.max(maxX, x);
          maxY = Math.max(maxY, y);
        }
      return { rings: o.rings.map((r) => r.map((p): XY => [p[0], p[1]])), minX, minY, maxX, maxY };
    });
    for (const o of this.obs) {
      for (const ring of o.rings) {
        for (let i = 0; i < ring.length; i++) {
          const p = ring[(i + ring.length - 1) % ring.length]!;
          const v = ring[i]!;
          const q = ring[(i + 1) % ring.length]!;
          if (!allVertices && orient(p[0], p[1], v[0], v[1], q[0], q[1]) <= 0) continue;
          if (this.obs.some((other) => other !== o && insideRings(v[0], v[1], other.rings, 1e-5))) continue;
          this.vx.push(v[0]);
          this.vy.push(v[1]);
          this.vp.push(p);
          this.vn.push(q);
        }
      }
    }
    const n = this.vx.length;
    this.adj = Array.from({ length: n }, () => []);
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const a: XY = [this.vx[i]!, this.vy[i]!];
        const b: XY = [this.vx[j]!, this.vy[j]!];
        if (!this.allVertices && (!this.tangent(j, a) || !this.tangent(i, b))) continue;
        if (this.clear(a, b)) {
          const w = Math.hypot(b[0] - a[0], b[1] - a[1]);
          this.adj[i]!.push({ to: j, w });
          this.adj[j]!.push({ to: i, w });
        }
      }
    }
  }

  get vertexCount(): number {
    return this.vx.length;
  }

  private tangent(v: number, from: XY): boolean {
    const x = this.vx[v]!;
    const y = this.vy[v]!;
    const s1 = orient(from[0], from[1], x, y, this.vp[v]![0], this.vp[v]![1]);
    const s2 = orient(from[0], from[1], x, y, this.vn[v]![0], this.vn[v]![1]);
    return !((s1 > 1e-9 && s2 < -1e-9) || (s1 < -1e-9 && s2 > 1e-9));
  }

  clear(a: XY, b: XY): boolean {
    return !this.obs.some((o) => segmentEnters(a, b, o));
  }

  /** Shortest length from `from` to `to` ([lon, lat]) or undefined when unreachable. */
  shortest(from: LonLat, to: LonLat): number | undefined {
    const s = this.prepared.projection.toLocal(from);
    const g = this.prepared.projection.toLocal(to);
    if (this.clear(s, g)) return Math.hypot(g[0] - s[0], g[1] - s[1]);
    const n = this.vx.length;
    const dist = new Float64Array(n).fill(Infinity);
    const done = new Uint8Array(n);
    const toGoal = new Float64Array(n).fill(Infinity);
    for (let v = 0; v < n; v++) {
      const p: XY = [this.vx[v]!, this.vy[v]!];
      if ((this.allVertices || this.tangent(v, s)) && this.clear(s, p)) dist[v] = Math.hypot(p[0] - s[0], p[1] - s[1]);
      if ((this.allVertices || this.tangent(v, g)) && this.clear(p, g)) toGoal[v] = Math.hypot(g[0] - p[0], g[1] - p[1]);
    }
    let best = Infinity;
    // Dijkstra with a plain binary heap of [distance, vertex].
    const heap: [number, number][] = [];
    const push = (d: number, v: number) => {
      heap.push([d, v]);
      let i = heap.length - 1;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (heap[p]![0] <= heap[i]![0]) break;
        [heap[p], heap[i]] = [heap[i]!, heap[p]!];
        i = p;
      }
    };
    const pop = (): [number, number] => {
      const top = heap[0]!;
      const last = heap.pop()!;
      if (heap.length > 0) {
        heap[0] = last;
        let i = 0;
        for (;;) {
          const l = 2 * i + 1;
          let m = i;
          if (l < heap.length && heap[l]![0] < heap[m]![0]) m = l;
          if (l + 1 < heap.length && heap[l + 1]![0] < heap[m]![0]) m = l + 1;
          if (m === i) break;
          [heap[m], heap[i]] = [heap[i]!, heap[m]!];
          i = m;
        }
      }
      return top;
    };
    for (let v = 0; v < n; v++) if (dist[v]! < Infinity) push(dist[v]!, v);
    while (heap.length > 0) {
      const [du, u] = pop();
      if (done[u] || du > dist[u]!) continue;
      if (du >= best) break;
      done[u] = 1;
      best = Math.min(best, du + toGoal[u]!);
      for (const { to, w } of this.adj[u]!)
        if (du + w < dist[to]!) {
          dist[to] = du + w;
          push(du + w, to);
        }
    }
    return best === Infinity ? undefined : best;
  }
}
