/**
 * Obstacle buffering for the route planner: each no-fly polygon (local metres) grown outward by the
 * clearance into polygons that CONTAIN the exact buffer (the polygon ⊕ a disc of the clearance), so
 * a path that stays out of the obstacles keeps the clearance. Arcs are circumscribed, never
 * inscribed: the buffer is never thinner than the clearance.
 *
 * - A convex polygon is offset directly (`bufferConvexRing`).
 * - Otherwise the exact buffer is the polygon ∪ each edge's outward strip ∪ each convex vertex's
 *   sector; those pieces are unioned with turf (`bufferPolygon`). Should the union fail
 *   (near-degenerate input), each triangle of the polygon is buffered as a convex ring instead.
 *
 * Example: a 100 m square buffered by 30 m with π/8 arc steps becomes a 16-gon whose edges are at
 * least 30 m (and at most 30 m · 1/cos(π/16) ≈ 30.6 m) from the square.
 */
import { featureCollection, polygon as turfPolygon, tesselate, union } from '@turf/turf';
import type { Feature, MultiPolygon, Polygon } from 'geojson';
import type { XY } from '../geo/types.js';
import { isConvexCcw, normaliseRing } from '../geo/planar.js';
import { localPolygon, type LocalPolygon } from './route-graph.js';

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

function closed(ring: readonly XY[]): XY[] {
  return [...ring.map((p): XY => [p[0], p[1]]), [ring[0]![0], ring[0]![1]]];
}

/** Corner fan of a convex vertex v between outward normals n1 → n2 (CCW), circumscribing the arc. */
function pie(v: XY, n1x: number, n1y: number, n2x: number, n2y: number, r: number, maxStepRad: number): XY[] {
  const alpha = Math.atan2(n1x * n2y - n1y * n2x, n1x * n2x + n1y * n2y);
  const m = Math.max(1, Math.ceil(alpha / maxStepRad - 1e-6));
  const step = alpha / m;
  const radius = r / Math.cos(step / 2);
  const theta0 = Math.atan2(n1y, n1x);
  const out: XY[] = [
    [v[0], v[1]],
    [v[0] + r * n1x, v[1] + r * n1y],
  ];
  for (let j = 0; j < m; j++) {
    const t = theta0 + (j + 0.5) * step;
    out.push([v[0] + radius * Math.cos(t), v[1] + radius * Math.sin(t)]);
  }
  out.push([v[0] + r * n2x, v[1] + r * n2y]);
  return out;
}

/**
 * Buffer one local polygon by r; returns one or more obstacles whose union contains the buffer.
 *
 * Convex polygons are offset directly. Otherwise the exact buffer is P ∪ (each edge's outward
 * r-wide strip) ∪ (each convex vertex's sector): the nearest boundary point of any outside point is
 * an edge interior or a convex vertex. Sectors are circumscribed fans; the pieces are unioned.
 */
export function bufferPolygon(poly: LocalPolygon, r: number, maxStepRad: number): LocalPolygon[] {
  const outer = poly.rings[0]!;
  if (poly.rings.length === 1 && isConvexCcw(outer)) {
    return [localPolygon(poly.area, [bufferConvexRing(outer, r, maxStepRad)])];
  }
  // Pieces are snapped to a 0.1 mm grid (polygon clipping is more robust on it) after growing the
  // clearance by 1 mm, so that snapping can never bring a boundary closer than r.
  const grown = r + 1e-3;
  const snap = (ring: readonly XY[]): XY[] => closed(ring.map((p): XY => [Math.round(p[0] * 1e4) / 1e4, Math.round(p[1] * 1e4) / 1e4]));
  const pieces: Feature<Polygon>[] = [turfPolygon(poly.rings.map((ring) => closed(ring)))];
  // A sector of a nearly straight corner (or a strip along a very short edge) can shrink to fewer
  // than 3 corners once duplicates are dropped: it covers no area (the 1 mm growth of its
  // neighbours covers it), and turf would throw on it.
  const addPiece = (ring: XY[]): void => {
    if (ring.length >= 3) pieces.push(turfPolygon([snap(ring)]));
  };
  for (const ring of poly.rings) {
    for (let i = 0; i < ring.length; i++) {
      const corner = cornerNormals(ring, i);
      if (!corner) continue;
      const { v, q, n1x, n1y, n2x, n2y } = corner;
      addPiece(
        normaliseRing(
          [
            [v[0], v[1]],
            [q[0], q[1]],
            [q[0] + grown * n2x, q[1] + grown * n2y],
            [v[0] + grown * n2x, v[1] + grown * n2y],
          ],
          true,
        ),
      );
      if (n1x * n2y - n1y * n2x > 1e-12) addPiece(normaliseRing(pie(v, n1x, n1y, n2x, n2y, grown, maxStepRad), true));
    }
  }
  let merged: Feature<Polygon | MultiPolygon> | null = null;
  try {
    merged = union(featureCollection(pieces));
  } catch {
    // Polygon clipping occasionally fails on near-degenerate input; adding pieces one at a time
    // usually gets through.
    try {
      merged = pieces[0]!;
      for (const piece of pieces.slice(1)) merged = merged ? union(featureCollection([merged, piece])) : null;
    } catch {
      merged = null;
    }
  }
  if (!merged) {
    // Union failed (degenerate input): fall back to triangles, each buffered as a convex polygon;
    // overlapping obstacles are handled by the planner.
    const tris = tesselate(turfPolygon(poly.rings.map(closed)));
    return tris.features.map((t) => localPolygon(poly.area, [bufferConvexRing(normaliseRing(t.geometry.coordinates[0]! as XY[], true), r, maxStepRad)]));
  }
  const parts = merged.geometry.type === 'Polygon' ? [merged.geometry.coordinates] : merged.geometry.coordinates;
  return parts.map((rings) =>
    localPolygon(
      poly.area,
      rings.map((ring, k) => normaliseRing(ring as XY[], k === 0)),
    ),
  );
}
