/**
 * Route planner on hand-built maps whose answer is known: lengths computed by hand from the
 * geometry, unreachable goals, blocked start/goal with the area's name, overlapping areas.
 */
import { describe, expect, it } from 'vitest';
import { localProjection } from '../../src/geo/projection.js';
import type { XY } from '../../src/geo/types.js';
import type { LonLat } from '../../src/geo/types.js';
import { parseZoneMap } from '../../src/geo/zone-map.js';
import { areaContaining, isSegmentClear, planRoute, prepareMap, type PreparedMap } from '../../src/planning/route.js';
import { ReferenceSolver } from '../bench/planner-layouts.js';

const ORIGIN: LonLat = [101.7782, 36.6171]; // Xining
const proj = localProjection(ORIGIN);
const R = 30; // clearance
/** Circumscribed corner fans use arcs of at most π/8 per segment: a 90° corner gets 4 segments. */
const STEP = Math.PI / 8;
const FAN_R = R / Math.cos(STEP / 2);
const at = (x: number, y: number): LonLat => proj.toLonLat([x, y]);

function rect(name: string, x0: number, y0: number, x1: number, y1: number, extra: Record<string, unknown> = {}) {
  const ring = [
    [x0, y0],
    [x1, y0],
    [x1, y1],
    [x0, y1],
    [x0, y0],
  ].map(([x, y]) => at(x!, y!));
  return { type: 'Feature', properties: { kind: 'no-fly', name, ...extra }, geometry: { type: 'Polygon', coordinates: [ring] } };
}

function prepared(features: unknown[]): PreparedMap {
  return prepareMap(parseZoneMap({ type: 'FeatureCollection', features }), { clearanceM: R, origin: ORIGIN });
}

function local(path: LonLat[]): XY[] {
  return path.map((p) => proj.toLocal(p));
}

/** Fan vertex of the buffered corner (cx, cy) at angle `deg` (the bisector of one arc step). */
function fan(cx: number, cy: number, deg: number): XY {
  const t = (deg * Math.PI) / 180;
  return [cx + FAN_R * Math.cos(t), cy + FAN_R * Math.sin(t)];
}

const dist = (a: XY, b: XY) => Math.hypot(b[0] - a[0], b[1] - a[1]);

describe('known answers', () => {
  it('flies straight when nothing is in the way (fewest waypoints)', () => {
    const pm = prepared([rect('Far', 1000, 1000, 1200, 1200)]);
    const r = planRoute(pm, at(-500, 0), at(500, 0));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.path).toHaveLength(2);
    expect(r.lengthM).toBeCloseTo(1000, 6);
  });

  it('goes over one square no-fly area along its buffered top: length by hand', () => {
    // Square 200 m centred on the origin; start and goal 500 m either side.
    const pm = prepared([rect('Square', -100, -100, 100, 100)]);
    const r = planRoute(pm, at(-500, 0), at(500, 0));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    // The buffered top side runs between the corner fans' vertices at 101.25° and 78.75°, which lie
    // exactly on y = 130 (100 + 30); from ±500 the straight tangents reach them directly.
    const left = fan(-100, 100, 101.25);
    const right = fan(100, 100, 78.75);
    expect(left[1]).toBeCloseTo(130, 9);
    const byHand = 2 * dist([-500, 0], left) + dist(left, right);
    expect(r.path).toHaveLength(4);
    expect(r.lengthM).toBeCloseTo(byHand, 4);
    // Never shorter than the exact (circular-arc) 30 m detour, and within 0.1 % of it.
    const d = Math.hypot(400, 100);
    const tangent = Math.sqrt(d * d - R * R);
    // Exact detour: tangent to the corner circle, arc up to the top (90°), straight along y = 130.
    // The tangent point's direction from the corner is (180° + atan(100/400)) − acos(R/d).
    const theta = Math.PI / 2 + Math.atan2(100, 400) - Math.acos(R / d);
    const exact = 2 * (tangent + R * theta) + 200;
    expect(r.lengthM).toBeGreaterThanOrEqual(exact - 1e-6);
    expect(r.lengthM / exact).toBeLessThan(1.001);
    const pts = local(r.path);
    // It goes around, never through: the middle waypoints are 130 m from the centre line.
    expect(Math.abs(pts[1]![1])).toBeCloseTo(130, 3);
    expect(Math.abs(pts[2]![1])).toBeCloseTo(130, 3);
  });

  it('threads a gap in a wall, hugging the gap corners: length by hand', () => {
    // A wall x ∈ [−10, 10] with a 100 m gap (y ∈ [−50, 50]); after 30 m clearance 40 m remain.
    const pm = prepared([rect('Wall north', -10, 50, 10, 3000), rect('Wall south', -10, -3000, 10, -50)]);
    // Straight through the middle.
    const straight = planRoute(pm, at(-500, 0), at(500, 0));
    expect(straight.ok && straight.path.length).toBe(2);
    // From high on one side to high on the other: down through the gap and up again, wrapping the
    // north wall's two lower corners. From (−500, 600) the tangent touches the corner circle at
    // 219.4°, so the polygon's silhouette vertex is the fan vertex at 213.75°; the path then runs
    // along the fan (236.25°, 258.75°), the bottom side y = 20, and symmetrically up to the goal.
    const r = planRoute(pm, at(-500, 600), at(500, 600));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const side = 2 * R * Math.tan(STEP / 2); // one fan segment
    const first = fan(-10, 50, 213.75);
    const byHand = 2 * dist([-500, 600], first) + 4 * side + dist(fan(-10, 50, 258.75), fan(10, 50, 281.25));
    expect(r.lengthM).toBeCloseTo(byHand, 4);
    const pts = local(r.path);
    expect(pts[1]![0]).toBeCloseTo(first[0], 3);
    expect(pts[1]![1]).toBeCloseTo(first[1], 3);
    expect(r.path).toHaveLength(8);
  });

  it('goes around the end of a wall whose gap is narrower than twice the clearance', () => {
    // 50 m gap < 2 × 30 m: closed. The wall ends at y = ±400.
    const pm = prepared([rect('North', -10, 25, 10, 400), rect('South', -10, -400, 10, -25)]);
    const r = planRoute(pm, at(-300, 0), at(300, 0));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const pts = local(r.path);
    // Every waypoint beyond the wall's ends (|y| > 400), never through the closed gap.
    for (const p of pts.slice(1, -1)) expect(Math.abs(p[1])).toBeGreaterThan(400);
    const ref = new ReferenceSolver(pm, true).shortest(at(-300, 0), at(300, 0));
    expect(r.lengthM).toBeCloseTo(ref!, 6);
    expect(isSegmentClear(pm, at(-300, 0), at(300, 0))).toBe(false);
  });

  it('routes around overlapping no-fly areas as around one (no waypoint inside the other)', () => {
    const pm = prepared([rect('Bar', -300, -40, 300, 40), rect('Post', -40, -300, 40, 300), rect('Other', 500, 500, 600, 600)]);
    const from = at(-400, -350);
    const to = at(400, 350);
    const r = planRoute(pm, from, to);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    for (let i = 0; i + 1 < r.path.length; i++) expect(isSegmentClear(pm, r.path[i]!, r.path[i + 1]!)).toBe(true);
    for (const p of r.path) expect(areaContaining(pm, p)).toBeUndefined();
    const ref = new ReferenceSolver(pm, true).shortest(from, to);
    expect(r.lengthM).toBeCloseTo(ref!, 6);
  });

  it('reports an enclosed destination as unreachable, naming the enclosing areas', () => {
    // Eight blocks around the origin with 40 m gaps (closed by the 30 m clearance), plus a decoy.
    const blocks = [
      rect('Block NW', -220, 60, -60, 220),
      rect('Block N', -20, 100, 20, 220),
      rect('Block NE', 60, 60, 220, 220),
      rect('Block E', 100, -20, 220, 20),
      rect('Block SE', 60, -220, 220, -60),
      rect('Block S', -20, -220, 20, -100),
      rect('Block SW', -220, -220, -60, -60),
      rect('Block W', -220, -20, -100, 20),
    ];
    // Close the diagonal gaps too: corner blocks reach to ±60, side blocks span ±20 … gaps of 40 m.
    const pm = prepared([...blocks, rect('Decoy', 2000, 2000, 2100, 2100)]);
    const r = planRoute(pm, at(-1000, 0), at(0, 0));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.code).toBe('unreachable');
    expect(r.message).toMatch(/destination is enclosed/);
    expect(r.areas).toContain('Block N');
    expect(r.areas).toContain('Block SW');
    expect(r.areas).not.toContain('Decoy');
    expect(r.message).toContain('"Block E"');
    // And the other way round: the start is the enclosed end.
    const back = planRoute(pm, at(0, 0), at(-1000, 0));
    expect(!back.ok && back.message).toMatch(/start is enclosed/);
  });

  it('refuses a start or goal inside a no-fly area, naming it', () => {
    const pm = prepared([rect('Helipad', -50, -50, 50, 50, { reason: 'hospital helipad' }), rect('Testing site', 400, -50, 500, 50, { temporary: true })]);
    const start = planRoute(pm, at(0, 0), at(-800, 0));
    expect(start).toMatchObject({ ok: false, code: 'start-blocked', area: 'Helipad' });
    expect(!start.ok && start.message).toMatch(/start .* is inside no-fly area "Helipad" \(hospital helipad\)/);
    const goal = planRoute(pm, at(-800, 0), at(450, 0));
    expect(goal).toMatchObject({ ok: false, code: 'goal-blocked', area: 'Testing site' });
    expect(!goal.ok && goal.message).toMatch(/temporary no-fly area "Testing site"/);
    // Outside the area but inside its clearance: refused too, with the distance.
    const near = planRoute(pm, at(-800, 0), at(-70, 0));
    expect(near).toMatchObject({ ok: false, code: 'goal-blocked', area: 'Helipad' });
    expect(!near.ok && near.message).toMatch(/20 m from no-fly area "Helipad", inside the 30 m clearance/);
  });

  it('answers segment-clearance and containment questions exactly', () => {
    const pm = prepared([rect('Helipad', -50, -50, 50, 50)]);
    // A line 25 m above the top edge.
    expect(isSegmentClear(pm, at(-300, 75), at(300, 75))).toBe(false);
    expect(isSegmentClear(pm, at(-300, 75), at(300, 75), 20)).toBe(true);
    expect(isSegmentClear(pm, at(-300, 81), at(300, 81))).toBe(true);
    // Through the area: never clear, whatever the clearance.
    expect(isSegmentClear(pm, at(-300, 0), at(300, 0), 0)).toBe(false);
    expect(areaContaining(pm, at(10, 10))?.name).toBe('Helipad');
    expect(areaContaining(pm, at(60, 0))).toBeUndefined();
  });

  it('keeps a configurable clearance', () => {
    const features = [rect('Square', -100, -100, 100, 100)];
    const wide = prepareMap(parseZoneMap({ type: 'FeatureCollection', features }), { clearanceM: 60, origin: ORIGIN });
    const r = planRoute(wide, at(-500, 0), at(500, 0));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const pts = local(r.path);
    expect(Math.abs(pts[1]![1])).toBeCloseTo(160, 3);
    expect(isSegmentClear(wide, r.path[1]!, r.path[2]!, 60)).toBe(true);
  });

  it('flies straight on a map without no-fly areas, and refuses a negative clearance', () => {
    const map = parseZoneMap({ type: 'FeatureCollection', features: [] });
    const pm = prepareMap(map, { origin: ORIGIN });
    const r = planRoute(pm, at(-100, 0), at(100, 0));
    expect(r.ok && r.path.length).toBe(2);
    expect(isSegmentClear(pm, at(-100, 0), at(100, 0))).toBe(true);
    expect(() => prepareMap(map, { clearanceM: -5 })).toThrow(/clearance must be a number of metres ≥ 0, got -5/);
  });

  it('reports progress while building the visibility graph', () => {
    const features = Array.from({ length: 30 }, (_, i) =>
      rect(`Block ${i}`, (i % 6) * 300, Math.floor(i / 6) * 300, (i % 6) * 300 + 120, Math.floor(i / 6) * 300 + 120),
    );
    const seen: [number, number][] = [];
    const pm = prepareMap(parseZoneMap({ type: 'FeatureCollection', features }), { origin: ORIGIN, onProgress: (done, total) => seen.push([done, total]) });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every(([d, t]) => d <= t && t === pm.corners.count)).toBe(true);
  });

  it('treats a hole in a no-fly area as free space: reachable only from inside the hole', () => {
    const outer = [
      [-300, -300],
      [300, -300],
      [300, 300],
      [-300, 300],
      [-300, -300],
    ].map(([x, y]) => at(x!, y!));
    const hole = [
      [-150, -150],
      [-150, 150],
      [150, 150],
      [150, -150],
      [-150, -150],
    ].map(([x, y]) => at(x!, y!));
    const donut = { type: 'Feature', properties: { kind: 'no-fly', name: 'Cordon' }, geometry: { type: 'Polygon', coordinates: [outer, hole] } };
    const pm = prepared([donut]);
    expect(areaContaining(pm, at(0, 0))).toBeUndefined();
    expect(areaContaining(pm, at(200, 0))?.name).toBe('Cordon');
    // Inside the hole, 120 m of free space each way minus 30 m clearance: routes stay inside.
    const inside = planRoute(pm, at(-100, -100), at(100, 100));
    expect(inside.ok && inside.path.length).toBe(2);
    const blocked = planRoute(pm, at(-800, 0), at(0, 0));
    expect(blocked).toMatchObject({ ok: false, code: 'unreachable', area: 'Cordon', areas: ['Cordon'] });
  });

  it('throws on a start or destination that is not a [lon, lat] position', () => {
    const pm = prepared([rect('Square', -100, -100, 100, 100)]);
    expect(() => planRoute(pm, [Number.NaN, 36.6], at(0, 500))).toThrow(/route start must be a \[lon, lat\] position in degrees, got \[null,36.6\]/);
    expect(() => planRoute(pm, at(0, 500), [36.6, 101.7] as LonLat)).toThrow(/route destination must be a \[lon, lat\] position/);
  });

  it('an L-shaped no-fly area whose edges carry many collinear vertices (densified in GIS) is routed around', () => {
    // Before: the sector of a nearly straight corner collapsed to 2 points and turf threw
    // "Each LinearRing of a Polygon must have 4 or more Positions." — no plan at all.
    const corners: [number, number][] = [
      [-300, -300],
      [300, -300],
      [300, 0],
      [0, 0],
      [0, 300],
      [-300, 300],
    ];
    const ring: LonLat[] = [];
    for (let i = 0; i < corners.length; i++) {
      const a = corners[i]!;
      const b = corners[(i + 1) % corners.length]!;
      for (let k = 0; k < 37; k++) {
        const p = at(a[0] + ((b[0] - a[0]) * k) / 37, a[1] + ((b[1] - a[1]) * k) / 37);
        ring.push([Math.round(p[0] * 1e7) / 1e7, Math.round(p[1] * 1e7) / 1e7]);
      }
    }
    ring.push(ring[0]!);
    const pm = prepared([{ type: 'Feature', properties: { kind: 'no-fly', name: 'L' }, geometry: { type: 'Polygon', coordinates: [ring] } }]);
    const r = planRoute(pm, at(-500, -450), at(500, 450));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    for (let i = 1; i < r.path.length; i++) expect(isSegmentClear(pm, r.path[i - 1]!, r.path[i]!, R * 0.999)).toBe(true);
  });
});
