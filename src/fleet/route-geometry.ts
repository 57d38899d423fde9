/**
 * Route geometry for tracking: distances, cross-track distance to a planned polyline and progress
 * along it. A flight covers a few kilometres, so a local equirectangular projection around the
 * route's first point is accurate to well under a metre and cheap enough for 1,000 positions a
 * second. Coordinates are [lon, lat] degrees (GeoJSON order), like the planner's polylines.
 */
import type { LonLat } from '../geo/types.js';

const EARTH_RADIUS_M = 6_371_008.8;
const DEG = Math.PI / 180;

/** Great-circle distance in metres (haversine). */
export function distanceM(a: LonLat, b: LonLat): number {
  const dLat = (b[1] - a[1]) * DEG;
  const dLon = (b[0] - a[0]) * DEG;
  const s = Math.sin(dLat / 2) ** 2 + Math.cos(a[1] * DEG) * Math.cos(b[1] * DEG) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(s)));
}

export interface RouteProjection {
  /** Distance from the route, metres (cross-track, or to the nearest end beyond the ends). */
  offRouteM: number;
  /** Distance along the route to the projected point, metres. */
  alongM: number;
  /** Index of the segment the point projects onto. */
  segment: number;
}

/**
 * A planned polyline prepared for repeated projection: local x/y metres, cumulative lengths.
 * Throws a clear error on fewer than one point or on non-finite coordinates.
 */
export class Route {
  readonly lengthM: number;
  private readonly xs: Float64Array;
  private readonly ys: Float64Array;
  private readonly cum: Float64Array;
  private readonly lon0: number;
  private readonly lat0: number;
  private readonly kx: number;

  constructor(readonly points: readonly LonLat[]) {
    if (points.length === 0) throw new Error('route: a route needs at least one point');
    points.forEach((p, i) => {
      if (!Number.isFinite(p[0]) || !Number.isFinite(p[1]) || Math.abs(p[1]) > 90 || Math.abs(p[0]) > 180) {
        throw new Error(`route: point ${i} is not a valid [lon, lat]: ${JSON.stringify(p)}`);
      }
    });
    const first = points[0] as LonLat;
    this.lon0 = first[0];
    this.lat0 = first[1];
    this.kx = Math.cos(this.lat0 * DEG) * EARTH_RADIUS_M * DEG;
    const n = points.length;
    this.xs = new Float64Array(n);
    this.ys = new Float64Array(n);
    this.cum = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const [x, y] = this.toXY(points[i] as LonLat);
      this.xs[i] = x;
      this.ys[i] = y;
      if (i > 0) this.cum[i] = (this.cum[i - 1] as number) + Math.hypot(x - (this.xs[i - 1] as number), y - (this.ys[i - 1] as number));
    }
    this.lengthM = this.cum[n - 1] as number;
  }

  private toXY(p: LonLat): [number, number] {
    return [(p[0] - this.lon0) * this.kx, (p[1] - this.lat0) * EARTH_RADIUS_M * DEG];
  }

  /**
   * Nearest point of the route to `p`. With `fromAlongM`, segments ending before that distance
   * (minus `backtrackM`) are skipped, so that a route that doubles back does not make progress jump
   * backwards to an earlier leg.
   */
  project(p: LonLat, fromAlongM = 0, backtrackM = 50): RouteProjection {
    const [px, py] = this.toXY(p);
    const n = this.xs.length;
    if (n === 1) return { offRouteM: Math.hypot(px - (this.xs[0] as number), py - (this.ys[0] as number)), alongM: 0, segment: 0 };
    let best: RouteProjection = { offRouteM: Infinity, alongM: 0, segment: 0 };
    const minAlong = fromAlongM - backtrackM;
    for (let i = 0; i < n - 1; i++) {
      if ((this.cum[i + 1] as number) < minAlong) continue;
      const ax = this.xs[i] as number, ay = this.ys[i] as number;
      const dx = (this.xs[i + 1] as number) - ax, dy = (this.ys[i + 1] as number) - ay;
      const len2 = dx * dx + dy * dy;
      let u = len2 === 0 ? 0 : ((px - ax) * dx + (py - ay) * dy) / len2;
      u = u < 0 ? 0 : u > 1 ? 1 : u;
      const d = Math.hypot(px - (ax + u * dx), py - (ay + u * dy));
      if (d < best.offRouteM) best = { offRouteM: d, alongM: (this.cum[i] as number) + u * Math.sqrt(len2), segment: i };
    }
    return best;
  }
}
