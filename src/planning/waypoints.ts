/**
 * Fewer waypoints for the autopilot. The route planner rounds each obstacle corner with a few short
 * arc segments (vertices ~10 m apart on the circumscribed buffer). ArduCopter slows at every
 * waypoint, so a run of arc vertices is replaced by ONE corner waypoint: the crossing of the line
 * entering the run and the line leaving it. For a convex corner that point lies outside the buffered
 * obstacle (the tangents meet outside the arc); the replacement is only taken when both new legs
 * still pass `isClear` (the same clearance test the route is checked with) and the corner moves at
 * most `maxShiftM` from the arc.
 *
 * Example: arc vertices A1…A4 around a corner between legs S→A1 and A4→G become S→X→G, with X the
 * crossing of lines S–A1 and A4–G.
 */
import { lineIntersection } from '../geo/planar.js';
import { localProjection } from '../geo/projection.js';
import type { LonLat, XY } from '../geo/types.js';

const dot = (a: XY, b: XY, c: XY, d: XY) => (b[0] - a[0]) * (d[0] - c[0]) + (b[1] - a[1]) * (d[1] - c[1]);

/** Replace runs of closely spaced corner vertices by single corner waypoints (see module comment). */
export function mergeCornerRuns(path: LonLat[], isClear: (a: LonLat, b: LonLat) => boolean, maxShiftM: number, maxRun = 12): LonLat[] {
  if (path.length <= 3) return path.slice();
  const proj = localProjection(path[0]!);
  const P = path.map((p) => proj.toLocal(p));
  const n = path.length;
  const out: LonLat[] = [path[0]!];
  let i = 1;
  while (i < n - 1) {
    let taken = false;
    for (let j = Math.min(n - 2, i + maxRun); j > i; j--) {
      const X = lineIntersection(P[i - 1]!, P[i]!, P[j]!, P[j + 1]!, 1e-9);
      if (!X) continue;
      // X must lie beyond the run's first vertex going in, and before its last vertex going out.
      if (dot(P[i - 1]!, P[i]!, P[i]!, X) < 0 || dot(P[j]!, P[j + 1]!, X, P[j]!) < 0) continue;
      if (Math.hypot(X[0] - P[i]![0], X[1] - P[i]![1]) > maxShiftM || Math.hypot(X[0] - P[j]![0], X[1] - P[j]![1]) > maxShiftM) continue;
      const x = proj.toLonLat(X);
      const xr: LonLat = [Math.round(x[0] * 1e7) / 1e7, Math.round(x[1] * 1e7) / 1e7];
      if (!isClear(out[out.length - 1]!, xr) || !isClear(xr, path[j + 1]!)) continue;
      out.push(xr);
      i = j + 1;
      taken = true;
      break;
    }
    if (!taken) {
      out.push(path[i]!);
      i++;
    }
  }
  out.push(path[n - 1]!);
  return out;
}
