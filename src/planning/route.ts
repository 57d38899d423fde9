/**
 * Route planning around no-fly areas: the shortest flight line from A to B that keeps a clearance
 * (default 30 m) from every no-fly area, with the fewest waypoints.
 *
 *   const prepared = prepareMap(map);            // once per zone map (and clearance)
 *   const r = planRoute(prepared, depot.position, drop.position);
 *   if (r.ok) r.path;  // [lon, lat][] from start to goal, r.lengthM metres
 *   else r.message;    // why not, naming the no-fly area(s)
 *
 * Method: local metric projection; no-fly polygons buffered outward by the clearance (arcs
 * circumscribed so the buffer is never thinner than the clearance); a straight line when it is
 * clear; otherwise A* over the visibility graph of the buffered obstacles' convex corners. The
 * corner-to-corner graph (bitangent segments only) is built once in prepareMap; a query links the
 * start and goal to it lazily (a link is checked only when A* reaches it). Every leg of a result is
 * re-checked both against the buffered obstacles and, exactly, against the original polygons.
 * Pure and deterministic: the same map, clearance and points give the same path.
 */
import { distanceToBoundary, insideOrOn, strictlyInside } from '../geo/planar.js';
import { boundsCentre, localProjection, type LocalProjection } from '../geo/projection.js';
import type { LonLat, NoFlyArea, XY, ZoneMap } from '../geo/types.js';
import { bufferPolygon } from './obstacle-buffer.js';
import {
  buildCornerGraph,
  EdgeIndex,
  findCorners,
  ObstacleTester,
  projectNoFly,
  segmentKeepsClearance,
  triangleKeepsClearance,
  tangentAt,
  type CornerGraph,
  type Corners,
  type LocalPolygon,
} from './route-graph.js';

export const DEFAULT_CLEARANCE_M = 30;
/** Largest arc replaced by one tangent segment when buffering corners (π/8: ≤ 2 % extra at corners). */
export const ARC_STEP_RAD = Math.PI / 8;

export interface PrepareOptions {
  /** Distance kept from every no-fly area, metres (default 30). */
  clearanceM?: number;
  /** Origin of the local projection (default: centre of the map's bounding box). */
  origin?: LonLat;
  /** Progress while building the visibility graph (done, total corners). */
  onProgress?: (done: number, total: number) => void;
}

/** A zone map made ready for fast route queries. Build with prepareMap; treat as read-only. */
export interface PreparedMap {
  readonly map: ZoneMap;
  readonly clearanceM: number;
  readonly projection: LocalProjection;
  /** No-fly polygons in local metres (one per Polygon part), unbuffered. */
  readonly noFly: readonly LocalPolygon[];
  /** Buffered obstacles in local metres (outer ring CCW, holes CW); may overlap each other. */
  readonly obstacles: readonly LocalPolygon[];
  /** Graph vertices: convex buffered corners outside every other obstacle. */
  readonly corners: Corners;
  readonly graph: CornerGraph;
  readonly stats: { noFlyPolygons: number; obstacles: number; obstacleEdges: number; corners: number; graphEdges: number };
  /** @internal segment tests against the buffered obstacles */
  readonly tester: ObstacleTester;
  /** @internal edge index of the unbuffered no-fly polygons */
  readonly noFlyIndex: EdgeIndex;
}

export type RouteFailureCode = 'start-blocked' | 'goal-blocked' | 'unreachable';

export type RouteResult =
  | { ok: true; path: LonLat[]; lengthM: number }
  | {
      ok: false;
      code: RouteFailureCode;
      message: string;
      /** The no-fly area that blocks (start/goal inside or too close), or the first enclosing one. */
      area?: string;
      /** Every no-fly area involved (all the enclosing ones for 'unreachable'). */
      areas?: string[];
    };

function mapPositions(map: ZoneMap): LonLat[] {
  const pts: LonLat[] = [];
  for (const a of [...map.areas, ...map.noFly]) {
    const polys = a.geometry.type === 'Polygon' ? [a.geometry.coordinates] : a.geometry.coordinates;
    for (const rings of polys) for (const ring of rings) for (const p of ring) pts.push([p[0]!, p[1]!]);
  }
  for (const d of map.depots) pts.push(d.position);
  for (const d of map.dropPoints) pts.push(d.position);
  return pts;
}

/** Project, buffer, index and build the corner visibility graph of a zone map. */
export function prepareMap(map: ZoneMap, opts: PrepareOptions = {}): PreparedMap {
  const clearanceM = opts.clearanceM ?? DEFAULT_CLEARANCE_M;
  if (!Number.isFinite(clearanceM) || clearanceM < 0) throw new RangeError(`clearance must be a number of metres ≥ 0, got ${clearanceM}`);
  const origin = opts.origin ?? boundsCentre(mapPositions(map)) ?? [0, 0];
  const projection = localProjection(origin);
  const noFly = projectNoFly(map.noFly, projection);
  const obstacles = clearanceM > 0 ? noFly.flatMap((p) => bufferPolygon(p, clearanceM, ARC_STEP_RAD)) : noFly;
  const tester = new ObstacleTester(new EdgeIndex(obstacles));
  const noFlyIndex = new EdgeIndex(noFly);
  const corners = findCorners(obstacles, tester);
  const graph = buildCornerGraph(corners, tester, opts.onProgress);
  return {
    map,
    clearanceM,
    projection,
    noFly,
    obstacles,
    corners,
    graph,
    tester,
    noFlyIndex,
    stats: {
      noFlyPolygons: noFly.length,
      obstacles: obstacles.length,
      obstacleEdges: tester.index.ax.length,
      corners: corners.count,
      graphEdges: graph.to.length / 2,
    },
  };
}

/** The no-fly area whose polygon contains p (boundary included), first in map order; else undefined. */
export function areaContaining(prepared: PreparedMap, p: LonLat): NoFlyArea | undefined {
  const q = prepared.projection.toLocal(p);
  const hits = prepared.noFlyIndex
    .polygonsAt(q[0], q[1], 1e-6)
    .filter((i) => insideOrOn(q, prepared.noFly[i]!.rings, 1e-6))
    .map((i) => prepared.noFly[i]!.area);
  return hits.sort((a, b) => a.index - b.index)[0];
}

/**
 * Does the straight segment a-b keep at least `clearanceM` (default: the map's clearance) from every
 * no-fly area? Exact distances to the original polygons (not the buffered ones).
 */
export function isSegmentClear(prepared: PreparedMap, a: LonLat, b: LonLat, clearanceM: number = prepared.clearanceM): boolean {
  const [ax, ay] = prepared.projection.toLocal(a);
  const [bx, by] = prepared.projection.toLocal(b);
  return segmentKeepsClearance(prepared.noFlyIndex, ax, ay, bx, by, clearanceM);
}

/**
 * Does every straight line within the triangle a-b-c keep `clearanceM` (default: the map's) from
 * every no-fly area? true means isSegmentClear is true for each such line, also for points up to
 * `slackM` metres off the triangle; false means it cannot say (test the lines one by one).
 */
export function isTriangleClear(prepared: PreparedMap, a: LonLat, b: LonLat, c: LonLat, clearanceM: number = prepared.clearanceM, slackM = 1): boolean {
  return triangleKeepsClearance(
    prepared.noFlyIndex,
    prepared.projection.toLocal(a),
    prepared.projection.toLocal(b),
    prepared.projection.toLocal(c),
    clearanceM,
    slackM,
  );
}

function fmtM(m: number): string {
  return m < 10 ? m.toFixed(1) : String(Math.round(m));
}

/** Nearest no-fly area to a local point and its distance. */
function nearestArea(prepared: PreparedMap, x: number, y: number): { area: NoFlyArea; distanceM: number } | undefined {
  let best: { area: NoFlyArea; distanceM: number } | undefined;
  const r = prepared.clearanceM * 1.1 + 1;
  const q: XY = [x, y];
  for (const i of prepared.noFlyIndex.polygonsAt(x, y, r)) {
    const poly = prepared.noFly[i]!;
    const d = strictlyInside(q, poly.rings, 0) ? 0 : distanceToBoundary(q, poly.rings);
    if (!best || d < best.distanceM - 1e-9 || (Math.abs(d - best.distanceM) <= 1e-9 && poly.area.index < best.area.index)) {
      best = { area: poly.area, distanceM: d };
    }
  }
  return best;
}

function blockedEnd(prepared: PreparedMap, which: 'start' | 'goal', p: LonLat, x: number, y: number, obstacle: number): RouteResult {
  const code = which === 'start' ? 'start-blocked' : 'goal-blocked';
  const word = which === 'start' ? 'start' : 'destination';
  const where = `[${p[1].toFixed(6)}, ${p[0].toFixed(6)}] (lat, lon)`;
  const inside = areaContaining(prepared, p);
  if (inside) {
    return {
      ok: false,
      code,
      area: inside.name,
      areas: [inside.name],
      message: `the ${word} ${where} is inside ${inside.temporary ? 'temporary ' : ''}no-fly area "${inside.name}"${inside.reason ? ` (${inside.reason})` : ''}`,
    };
  }
  const near = nearestArea(prepared, x, y);
  const area = near?.area ?? prepared.obstacles[obstacle]!.area;
  const dist = near ? `${fmtM(near.distanceM)} m from` : 'next to';
  return {
    ok: false,
    code,
    area: area.name,
    areas: [area.name],
    message: `the ${word} ${where} is ${dist} no-fly area "${area.name}", inside the ${fmtM(prepared.clearanceM)} m clearance kept around it`,
  };
}

/** Binary min-heap of search entries keyed by f, ties by larger g, then insertion order. */
class EntryHeap {
  private f: number[] = [];
  private g: number[] = [];
  private node: number[] = [];
  private parent: number[] = [];
  private seq: number[] = [];
  private counter = 0;
  size = 0;

  private less(i: number, j: number): boolean {
    const fi = this.f[i]!;
    const fj = this.f[j]!;
    if (fi !== fj) return fi < fj;
    const gi = this.g[i]!;
    const gj = this.g[j]!;
    if (gi !== gj) return gi > gj;
    return this.seq[i]! < this.seq[j]!;
  }

  private swap(i: number, j: number): void {
    for (const arr of [this.f, this.g, this.node, this.parent, this.seq]) {
      const t = arr[i]!;
      arr[i] = arr[j]!;
      arr[j] = t;
    }
  }

  push(f: number, g: number, node: number, parent: number): void {
    let i = this.size++;
    this.f[i] = f;
    this.g[i] = g;
    this.node[i] = node;
    this.parent[i] = parent;
    this.seq[i] = this.counter++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }

  /** Removes the top entry into out = [g, node, parent]. */
  pop(out: [number, number, number]): void {
    out[0] = this.g[0]!;
    out[1] = this.node[0]!;
    out[2] = this.parent[0]!;
    const last = --this.size;
    if (last > 0) {
      this.f[0] = this.f[last]!;
      this.g[0] = this.g[last]!;
      this.node[0] = this.node[last]!;
      this.parent[0] = this.parent[last]!;
      this.seq[0] = this.seq[last]!;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < last && this.less(l, m)) m = l;
        if (r < last && this.less(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
  }
}

/**
 * A* from s to g over the corner graph. Links start→corner and corner→goal are pushed unchecked and
 * verified only when popped (lazy), so a query costs segment tests only near the final answer.
 * Returns the local path or undefined when the goal cannot be reached.
 */
function searchLocal(prepared: PreparedMap, sx: number, sy: number, gx: number, gy: number): XY[] | undefined {
  const { corners: c, graph, tester } = prepared;
  const n = c.count;
  const START = n;
  const GOAL = n + 1;
  const best = new Float64Array(n + 2).fill(Infinity);
  const parentOf = new Int32Array(n + 2).fill(-1);
  const closed = new Uint8Array(n + 2);
  const heap = new EntryHeap();
  const h = (i: number) => Math.hypot(gx - c.x[i]!, gy - c.y[i]!);
  best[START] = 0;
  for (let v = 0; v < n; v++) {
    if (!tangentAt(c, v, sx, sy)) continue;
    const gv = Math.hypot(c.x[v]! - sx, c.y[v]! - sy);
    heap.push(gv + h(v), gv, v, START);
  }
  const out: [number, number, number] = [0, 0, 0];
  while (heap.size > 0) {
    heap.pop(out);
    const [gu, u, parent] = out;
    if (closed[u]) continue;
    // Lazy links are checked now.
    if (parent === START || u === GOAL) {
      const fx = parent === START ? sx : c.x[parent]!;
      const fy = parent === START ? sy : c.y[parent]!;
      const tx = u === GOAL ? gx : c.x[u]!;
      const ty = u === GOAL ? gy : c.y[u]!;
      if (tester.blocking(fx, fy, tx, ty) >= 0) continue;
    } else if (gu > best[u]!) {
      continue;
    }
    closed[u] = 1;
    parentOf[u] = parent;
    best[u] = gu;
    if (u === GOAL) break;
    const ux = c.x[u]!;
    const uy = c.y[u]!;
    for (let k = graph.start[u]!, end = graph.start[u + 1]!; k < end; k++) {
      const w = graph.to[k]!;
      if (closed[w]) continue;
      const gw = gu + graph.weight[k]!;
      if (gw < best[w]!) {
        best[w] = gw;
        heap.push(gw + h(w), gw, w, u);
      }
    }
    if (!closed[GOAL] && tangentAt(c, u, gx, gy)) {
      const gg = gu + Math.hypot(gx - ux, gy - uy);
      heap.push(gg, gg, GOAL, u);
    }
  }
  if (!closed[GOAL]) return undefined;
  const path: XY[] = [];
  for (let v = GOAL; v !== -1; v = v === START ? -1 : parentOf[v]!) {
    path.push(v === GOAL ? [gx, gy] : v === START ? [sx, sy] : [c.x[v]!, c.y[v]!]);
  }
  return path.reverse();
}

/** Drop waypoints that a straight, clear leg can skip (collinear corners): fewest waypoints, never longer. */
function pullTaut(prepared: PreparedMap, path: XY[]): XY[] {
  const out: XY[] = [path[0]!];
  let i = 0;
  while (i < path.length - 1) {
    let j = path.length - 1;
    while (j > i + 1) {
      const a = path[i]!;
      const b = path[j]!;
      let direct = Math.hypot(b[0] - a[0], b[1] - a[1]);
      let along = 0;
      for (let k = i; k < j; k++) along += Math.hypot(path[k + 1]![0] - path[k]![0], path[k + 1]![1] - path[k]![1]);
      direct += 1e-9;
      if (direct <= along + 1e-6 && along - direct < 1e-3 && prepared.tester.blocking(a[0], a[1], b[0], b[1]) < 0) break;
      j--;
    }
    out.push(path[j]!);
    i = j;
  }
  return out;
}

/** Obstacles bounding the free region around p (the ones visible from it, plus its graph component). */
function enclosingAreas(prepared: PreparedMap, x: number, y: number, cap: number): { names: string[]; size: number } {
  const { corners: c, graph, tester } = prepared;
  const seen = new Uint8Array(c.count);
  const queue: number[] = [];
  const obstacles = new Set<number>();
  for (let v = 0; v < c.count; v++) {
    if (tangentAt(c, v, x, y) && tester.blocking(x, y, c.x[v]!, c.y[v]!) < 0) {
      seen[v] = 1;
      queue.push(v);
    }
  }
  for (let q = 0; q < queue.length && queue.length < cap; q++) {
    const u = queue[q]!;
    for (let k = graph.start[u]!; k < graph.start[u + 1]!; k++) {
      const w = graph.to[k]!;
      if (!seen[w]) {
        seen[w] = 1;
        queue.push(w);
      }
    }
  }
  for (const v of queue) obstacles.add(c.obstacle[v]!);
  // The obstacles met first by rays from p: the walls of its free region even when that region
  // has no usable corner (a small enclosure formed where buffered areas overlap).
  const ix = tester.index;
  for (let k = 0; k < 72; k++) {
    const dx = Math.cos((k * Math.PI) / 36);
    const dy = Math.sin((k * Math.PI) / 36);
    let bestT = Infinity;
    let bestOwner = -1;
    for (let e = 0; e < ix.ax.length; e++) {
      const ex = ix.bx[e]! - ix.ax[e]!;
      const ey = ix.by[e]! - ix.ay[e]!;
      const den = dx * ey - dy * ex;
      if (Math.abs(den) < 1e-12) continue;
      const wx = ix.ax[e]! - x;
      const wy = ix.ay[e]! - y;
      const t = (wx * ey - wy * ex) / den;
      const u = (wx * dy - wy * dx) / den;
      if (t > 0 && u >= 0 && u <= 1 && t < bestT) {
        bestT = t;
        bestOwner = ix.owner[e]!;
      }
    }
    if (bestOwner >= 0) obstacles.add(bestOwner);
  }
  const names = [...new Set([...obstacles].sort((a, b) => a - b).map((o) => prepared.obstacles[o]!.area))].sort((a, b) => a.index - b.index).map((a) => a.name);
  return { names, size: queue.length };
}

/** Shortest clear route from `from` to `to` ([lon, lat]) on a prepared map. */
export function planRoute(prepared: PreparedMap, from: LonLat, to: LonLat): RouteResult {
  for (const [what, p] of [
    ['start', from],
    ['destination', to],
  ] as const) {
    if (!Array.isArray(p) || !Number.isFinite(p[0]) || !Number.isFinite(p[1]) || Math.abs(p[0]) > 180 || Math.abs(p[1]) > 90) {
      throw new RangeError(`route ${what} must be a [lon, lat] position in degrees, got ${JSON.stringify(p)}`);
    }
  }
  const proj = prepared.projection;
  const [sx, sy] = proj.toLocal(from);
  const [gx, gy] = proj.toLocal(to);
  const startIn = prepared.tester.containing(sx, sy);
  if (startIn >= 0 || areaContaining(prepared, from)) return blockedEnd(prepared, 'start', from, sx, sy, Math.max(startIn, 0));
  const goalIn = prepared.tester.containing(gx, gy);
  if (goalIn >= 0 || areaContaining(prepared, to)) return blockedEnd(prepared, 'goal', to, gx, gy, Math.max(goalIn, 0));

  let local: XY[] | undefined;
  if (prepared.tester.blocking(sx, sy, gx, gy) < 0)
    local = [
      [sx, sy],
      [gx, gy],
    ];
  else local = searchLocal(prepared, sx, sy, gx, gy);

  if (!local) {
    const cap = 4 * prepared.corners.count + 16;
    const atGoal = enclosingAreas(prepared, gx, gy, cap);
    const atStart = enclosingAreas(prepared, sx, sy, cap);
    const goalSide = atGoal.size <= atStart.size;
    const names = (goalSide ? atGoal : atStart).names;
    const list = names.length > 0 ? names.map((n) => `"${n}"`).join(', ') : 'no-fly areas';
    const message = goalSide
      ? `no route: the destination is enclosed by no-fly areas ${list} (keeping ${fmtM(prepared.clearanceM)} m clearance)`
      : `no route: the start is enclosed by no-fly areas ${list} (keeping ${fmtM(prepared.clearanceM)} m clearance)`;
    const result: RouteResult = { ok: false, code: 'unreachable', message, areas: names };
    if (names[0] !== undefined) result.area = names[0];
    return result;
  }
  local = pullTaut(prepared, local);

  // Re-check every leg, against the buffered obstacles and exactly against the no-fly polygons.
  for (let i = 0; i + 1 < local.length; i++) {
    const a = local[i]!;
    const b = local[i + 1]!;
    const blocked = prepared.tester.blocking(a[0], a[1], b[0], b[1]);
    const keeps = segmentKeepsClearance(prepared.noFlyIndex, a[0], a[1], b[0], b[1], prepared.clearanceM * (1 - 1e-9) - 1e-4);
    if (blocked >= 0 || !keeps) {
      const name = blocked >= 0 ? prepared.obstacles[blocked]!.area.name : undefined;
      const result: RouteResult = {
        ok: false,
        code: 'unreachable',
        message: `internal check failed: leg ${i + 1} of the route found would pass within ${fmtM(prepared.clearanceM)} m of no-fly area${name ? ` "${name}"` : 's'}; refusing it`,
      };
      if (name) result.area = name;
      return result;
    }
  }

  let lengthM = 0;
  for (let i = 0; i + 1 < local.length; i++) lengthM += Math.hypot(local[i + 1]![0] - local[i]![0], local[i + 1]![1] - local[i]![1]);
  const path: LonLat[] = local.map((p, i) => (i === 0 ? [from[0], from[1]] : i === local!.length - 1 ? [to[0], to[1]] : proj.toLonLat(p)));
  return { ok: true, path, lengthM };
}
