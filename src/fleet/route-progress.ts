/**
 * Route progress for tracking: how far a drone is from its planned polyline (cross-track) and how
 * far along it. A flight covers a few kilometres, so a local equirectangular projection around the
 * route's first point is accurate to well under a metre and cheap enough for 1,000 positions a
 * second. Coordinates are [lon, lat] degrees (GeoJSON order), like the planner's polylines; the
 * geometry itself is the kernel's (src/geo/spherical.ts, src/geo/planar.ts).
 */
import { nearestSegmentT, pointSegmentDistance } from '../geo/planar.js';
import { EARTH_RADIUS_M } from '../geo/spherical.js';
import type { LonLat, XY } from '../geo/types.js';

const DEG = Math.PI / 180;

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
  /** The points in local metres around the first one. */
  private readonly xy: XY[];
  /** Distance along the route to each point, metres. */
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
    this.xy = points.map((p) => this.toXY(p));
    const n = points.length;
    this.cum = new Float64Array(n);
    for (let i = 1; i < n; i++) {
      const a = this.xy[i - 1]!;
      const b = this.xy[i]!;
      this.cum[i] = this.cum[i - 1]! + Math.hypot(b[0] - a[0], b[1] - a[1]);
    }
    this.lengthM = this.cum[n - 1]!;
  }

  /** Equirectangular: x east, y north, metres from the first point. */
  private toXY(p: LonLat): XY {
    return [(p[0] - this.lon0) * this.kx, (p[1] - this.lat0) * EARTH_RADIUS_M * DEG];
  }

  /**
   * Nearest point of the route to `p`. With `fromAlongM`, segments ending before that distance
   * (minus `backtrackM`) are skipped, so that a route that doubles back does not make progress jump
   * backwards to an earlier leg.
   */
  project(p: LonLat, fromAlongM = 0, backtrackM = 50): RouteProjection {
    const q = this.toXY(p);
    const xy = this.xy;
    if (xy.length === 1) return { offRouteM: Math.hypot(q[0] - xy[0]![0], q[1] - xy[0]![1]), alongM: 0, segment: 0 };
    let best: RouteProjection = { offRouteM: Infinity, alongM: 0, segment: 0 };
    const minAlong = fromAlongM - backtrackM;
    for (let i = 0; i + 1 < xy.length; i++) {
      if (this.cum[i + 1]! < minAlong) continue;
      const a = xy[i]!;
      const b = xy[i + 1]!;
      const d = pointSegmentDistance(q, a, b);
      if (d < best.offRouteM) {
        const dx = b[0] - a[0];
        const dy = b[1] - a[1];
        best = { offRouteM: d, alongM: this.cum[i]! + nearestSegmentT(q, a, b) * Math.sqrt(dx * dx + dy * dy), segment: i };
      }
    }
    return best;
  }
}
