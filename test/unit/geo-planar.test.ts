/**
 * The planar kernel: each function's worked example, the contact cases that separate its callers
 * (touching, collinear, near-touching with and without a tolerance), and random cross-checks against
 * turf (point in polygon) and brute force (distances).
 */
import { describe, expect, it } from 'vitest';
import { booleanPointInPolygon, point as turfPoint, polygon as turfPolygon } from '@turf/turf';
import {
  convexHull,
  cross,
  crossXY,
  distanceToBoundary,
  insideOrOn,
  isConvexCcw,
  isSimpleRing,
  lineIntersection,
  nearestSegmentT,
  normaliseRing,
  pointInPolygon,
  pointInRing,
  pointSegmentDistance,
  ringContainsRing,
  segmentRingDistance,
  segmentsCross,
  segmentSegmentDistance,
  segmentsIntersect,
  signedArea,
  strictlyInside,
  type Point,
} from '../../src/geo/planar.js';
import type { XY } from '../../src/geo/types.js';
import { seededRandom } from '../support/random.js';

const square: XY[] = [
  [0, 0],
  [4, 0],
  [4, 4],
  [0, 4],
];

describe('cross', () => {
  it('is positive for a left turn, negative for a right turn, zero when collinear', () => {
    expect(cross([0, 0], [1, 0], [0, 1])).toBe(1);
    expect(cross([0, 0], [1, 0], [0, -1])).toBe(-1);
    expect(cross([0, 0], [1, 0], [2, 0])).toBe(0);
    expect(cross([1, 1], [3, 1], [3, 4])).toBe(6);
  });

  it('crossXY is the same function on bare numbers', () => {
    const rng = seededRandom(5);
    for (let i = 0; i < 200; i++) {
      const v = Array.from({ length: 6 }, () => (rng() - 0.5) * 1e4);
      expect(crossXY(v[0]!, v[1]!, v[2]!, v[3]!, v[4]!, v[5]!)).toBe(cross([v[0]!, v[1]!], [v[2]!, v[3]!], [v[4]!, v[5]!]));
    }
  });
});

describe('segmentsIntersect (closed segments: touching counts)', () => {
  const cases: [string, Point, Point, Point, Point, boolean][] = [
    ['proper crossing', [0, 0], [2, 2], [0, 2], [2, 0], true],
    ['an end on the other segment (T)', [0, 0], [2, 0], [1, 0], [1, 1], true],
    ['shared end', [0, 0], [1, 0], [1, 0], [2, 5], true],
    ['collinear, overlapping', [0, 0], [2, 0], [1, 0], [3, 0], true],
    ['collinear, one inside the other', [0, 0], [4, 0], [1, 0], [2, 0], true],
    ['collinear, touching end to end', [0, 0], [1, 0], [1, 0], [2, 0], true],
    ['collinear, apart', [0, 0], [1, 0], [2, 0], [3, 0], false],
    ['parallel', [0, 0], [2, 0], [0, 1], [2, 1], false],
    ['lines cross beyond the segments', [0, 0], [1, 0], [2, -1], [2, 1], false],
    ['zero-length segment on the other', [1, 0], [1, 0], [0, 0], [2, 0], true],
    ['zero-length segment off the other', [1, 1], [1, 1], [0, 0], [2, 0], false],
  ];
  for (const [what, a, b, c, d, expected] of cases) {
    it(`${what}: ${expected}`, () => {
      expect(segmentsIntersect(a, b, c, d)).toBe(expected);
      // Symmetric in the two segments and in each segment's direction.
      expect(segmentsIntersect(c, d, a, b)).toBe(expected);
      expect(segmentsIntersect(b, a, d, c)).toBe(expected);
    });
  }

  it('exact by default; a near touch counts only within the tolerance', () => {
    // c-d stops 1e-12 short of a-b: not touching exactly, touching within 1e-9.
    const a: XY = [0, 0];
    const b: XY = [2, 0];
    const c: XY = [1, 1];
    const d: XY = [1, 1e-12];
    expect(segmentsIntersect(a, b, c, d)).toBe(false);
    expect(segmentsIntersect(a, b, c, d, 1e-9)).toBe(true);
    // Beyond the tolerance it stays apart.
    expect(segmentsIntersect(a, b, c, [1, 1e-6], 1e-9)).toBe(false);
  });
});

describe('segmentsCross (proper crossings only)', () => {
  it('crosses at an interior point; touching, shared ends and collinear overlap do not count', () => {
    expect(segmentsCross([0, 0], [2, 2], [0, 2], [2, 0])).toBe(true);
    expect(segmentsCross([0, 0], [2, 0], [1, 0], [1, 1])).toBe(false);
    expect(segmentsCross([0, 0], [1, 0], [1, 0], [2, 5])).toBe(false);
    expect(segmentsCross([0, 0], [2, 0], [1, 0], [3, 0])).toBe(false);
    expect(segmentsCross([0, 0], [1, 0], [2, -1], [2, 1])).toBe(false);
  });

  it('with a tolerance, an end within it of the other line is a touch, not a crossing', () => {
    const c: XY = [1, 1];
    const d: XY = [1, -1e-12];
    expect(segmentsCross([0, 0], [2, 0], c, d)).toBe(true);
    expect(segmentsCross([0, 0], [2, 0], c, d, 1e-9)).toBe(false);
  });
});

describe('point and segment distances', () => {
  it('nearestSegmentT clamps to the segment; 0 for a zero-length one', () => {
    expect(nearestSegmentT([1, 5], [0, 0], [4, 0])).toBe(0.25);
    expect(nearestSegmentT([-3, 1], [0, 0], [4, 0])).toBe(0);
    expect(nearestSegmentT([9, 1], [0, 0], [4, 0])).toBe(1);
    expect(nearestSegmentT([9, 1], [2, 2], [2, 2])).toBe(0);
  });

  it('pointSegmentDistance: to the foot of the perpendicular or to the nearer end', () => {
    expect(pointSegmentDistance([1, 5], [0, 0], [4, 0])).toBe(5);
    expect(pointSegmentDistance([7, 4], [0, 0], [4, 0])).toBe(5);
    expect(pointSegmentDistance([-3, -4], [0, 0], [4, 0])).toBe(5);
    expect(pointSegmentDistance([2, 0], [0, 0], [4, 0])).toBe(0);
    expect(pointSegmentDistance([3, 4], [0, 0], [0, 0])).toBe(5);
  });

  it('pointSegmentDistance matches brute force along the segment', () => {
    const rng = seededRandom(11);
    for (let i = 0; i < 200; i++) {
      const p: XY = [(rng() - 0.5) * 100, (rng() - 0.5) * 100];
      const a: XY = [(rng() - 0.5) * 100, (rng() - 0.5) * 100];
      const b: XY = [(rng() - 0.5) * 100, (rng() - 0.5) * 100];
      let brute = Infinity;
      for (let k = 0; k <= 2000; k++) {
        const t = k / 2000;
        brute = Math.min(brute, Math.hypot(p[0] - (a[0] + t * (b[0] - a[0])), p[1] - (a[1] + t * (b[1] - a[1]))));
      }
      const d = pointSegmentDistance(p, a, b);
      expect(d).toBeLessThanOrEqual(brute + 1e-9);
      expect(brute - d).toBeLessThan(0.1); // samples are ≤ 0.071 m apart
    }
  });

  it('segmentSegmentDistance: 0 when they cross or touch, else the nearest end', () => {
    expect(segmentSegmentDistance([0, 0], [4, 0], [1, 3], [3, 1])).toBe(1);
    expect(segmentSegmentDistance([0, 0], [2, 2], [0, 2], [2, 0])).toBe(0);
    expect(segmentSegmentDistance([0, 0], [2, 0], [1, 0], [1, 1])).toBe(0);
    expect(segmentSegmentDistance([0, 0], [2, 0], [0, 3], [2, 3])).toBe(3);
    expect(segmentSegmentDistance([0, 0], [1, 0], [4, 4], [4, 8])).toBe(5);
    // A near touch is 0 only within the tolerance.
    expect(segmentSegmentDistance([0, 0], [2, 0], [1, 1], [1, 1e-12])).toBeCloseTo(1e-12, 20);
    expect(segmentSegmentDistance([0, 0], [2, 0], [1, 1], [1, 1e-12], 1e-9)).toBe(0);
  });
});

describe('lineIntersection', () => {
  it('meets where the infinite lines cross; null for parallel lines', () => {
    expect(lineIntersection([0, 0], [1, 1], [0, 2], [1, 1], 1e-12)).toEqual([1, 1]);
    // Beyond both segments: lines, not segments.
    const beyond = lineIntersection([0, 0], [1, 0], [3, 5], [3, 4], 1e-12)!;
    expect(beyond[0]).toBe(3);
    expect(Math.abs(beyond[1])).toBe(0);
    expect(lineIntersection([0, 0], [1, 0], [0, 1], [1, 1], 1e-12)).toBeNull();
    // Nearly parallel: the determinant (1e-10) decides against the threshold.
    expect(lineIntersection([0, 0], [1, 0], [0, 1], [1, 1 + 1e-10], 1e-12)).not.toBeNull();
    expect(lineIntersection([0, 0], [1, 0], [0, 1], [1, 1 + 1e-10], 1e-9)).toBeNull();
  });
});

describe('rings', () => {
  it('signedArea: positive counter-clockwise, negative clockwise, the closing repeat changes nothing', () => {
    expect(
      signedArea([
        [0, 0],
        [4, 0],
        [4, 3],
      ]),
    ).toBe(6);
    expect(
      signedArea([
        [0, 0],
        [4, 3],
        [4, 0],
      ]),
    ).toBe(-6);
    expect(
      signedArea([
        [0, 0],
        [4, 0],
        [4, 3],
        [0, 0],
      ]),
    ).toBe(6);
    expect(signedArea(square)).toBe(16);
    expect(
      signedArea([
        [0, 0],
        [1, 1],
        [2, 2],
      ]),
    ).toBe(0);
  });

  it('pointInRing: inside, outside, and in the notch of a concave ring', () => {
    expect(pointInRing([1, 1], square)).toBe(true);
    expect(pointInRing([5, 1], square)).toBe(false);
    const u: XY[] = [
      [0, 0],
      [6, 0],
      [6, 6],
      [4, 6],
      [4, 2],
      [2, 2],
      [2, 6],
      [0, 6],
    ];
    expect(pointInRing([1, 5], u)).toBe(true);
    expect(pointInRing([3, 5], u)).toBe(false); // in the notch
    expect(pointInRing([3, 1], u)).toBe(true);
  });

  it('pointInRing agrees with turf on random points, and a closed ring gives the same answers as an open one', () => {
    const rng = seededRandom(31);
    for (let r = 0; r < 20; r++) {
      // A random star-shaped ring (simple) around the origin.
      const n = 5 + Math.floor(rng() * 10);
      const ring: XY[] = Array.from({ length: n }, (_, k): XY => {
        const rad = 20 + rng() * 80;
        const t = (2 * Math.PI * k) / n;
        return [rad * Math.cos(t), rad * Math.sin(t)];
      });
      const closed = [...ring, ring[0]!];
      const poly = turfPolygon([closed]);
      for (let i = 0; i < 100; i++) {
        const p: XY = [(rng() - 0.5) * 220, (rng() - 0.5) * 220];
        const inside = pointInRing(p, ring);
        expect(pointInRing(p, closed)).toBe(inside);
        expect(inside).toBe(booleanPointInPolygon(turfPoint(p), poly));
      }
    }
  });

  it('pointInPolygon excludes holes; the boundary predicates use distances', () => {
    const outer: XY[] = [
      [0, 0],
      [10, 0],
      [10, 10],
      [0, 10],
    ];
    const hole: XY[] = [
      [4, 4],
      [4, 6],
      [6, 6],
      [6, 4],
    ];
    expect(pointInPolygon([1, 1], [outer, hole])).toBe(true);
    expect(pointInPolygon([5, 5], [outer, hole])).toBe(false);
    expect(pointInPolygon([11, 5], [outer, hole])).toBe(false);
    expect(pointInPolygon([1, 1], [])).toBe(false);

    expect(distanceToBoundary([1, 2], [square])).toBe(1);
    expect(distanceToBoundary([5, 5], [outer, hole])).toBe(1); // to the hole's edge
    expect(distanceToBoundary([1, 2], [])).toBe(Infinity);

    expect(strictlyInside([2, 2], [square], 1)).toBe(true);
    expect(strictlyInside([0.5, 2], [square], 1)).toBe(false);
    expect(strictlyInside([4, 2], [square], 0)).toBe(false); // on the edge is not strictly inside

    expect(insideOrOn([4, 2], [square], 0)).toBe(true);
    expect(insideOrOn([0, 0], [square], 0)).toBe(true);
    expect(insideOrOn([4.5, 2], [square], 1)).toBe(true);
    expect(insideOrOn([6, 2], [square], 1)).toBe(false);
    expect(insideOrOn([5, 5], [outer, hole], 0.5)).toBe(false);
  });

  it('convexHull: counter-clockwise, collinear and inner points dropped', () => {
    expect(
      convexHull<XY>([
        [0, 0],
        [2, 0],
        [1, 1],
        [2, 2],
        [0, 2],
        [1, 0],
      ]),
    ).toEqual([
      [0, 0],
      [2, 0],
      [2, 2],
      [0, 2],
    ]);
    expect(
      convexHull<XY>([
        [1, 1],
        [0, 0],
      ]),
    ).toEqual([
      [0, 0],
      [1, 1],
    ]);
    const rng = seededRandom(3);
    const pts = Array.from({ length: 200 }, (): XY => [rng() * 100, rng() * 100]);
    const hull = convexHull(pts);
    expect(signedArea(hull)).toBeGreaterThan(0);
    expect(isConvexCcw(hull)).toBe(true);
    for (const p of pts) expect(insideOrOn(p, [hull], 1e-9)).toBe(true);
  });

  it('segmentRingDistance: 0 from inside or touching, else the gap', () => {
    expect(segmentRingDistance([6, 0], [6, 4], square, 0)).toBe(2);
    expect(segmentRingDistance([2, 2], [9, 9], square, 0)).toBe(0);
    expect(segmentRingDistance([-1, 2], [9, 2], square, 0)).toBe(0); // passes through
    expect(segmentRingDistance([4, 5], [4, 9], square, 0)).toBe(1);
    const gap = segmentRingDistance([4 + 1e-12, 1], [9, 1], square, 0);
    expect(gap).toBeGreaterThan(0);
    expect(gap).toBeLessThan(2e-12);
    expect(segmentRingDistance([4 + 1e-12, 1], [9, 1], square, 1e-9)).toBe(0);
  });

  it('ringContainsRing: vertices inside or on, no proper crossing', () => {
    expect(
      ringContainsRing(
        square,
        [
          [1, 1],
          [3, 1],
          [3, 3],
        ],
        0,
      ),
    ).toBe(true);
    expect(
      ringContainsRing(
        square,
        [
          [0, 0],
          [4, 0],
          [2, 2],
        ],
        0,
      ),
    ).toBe(true); // edge on the boundary
    expect(
      ringContainsRing(
        square,
        [
          [1, 1],
          [5, 1],
          [3, 3],
        ],
        0,
      ),
    ).toBe(false);
    // Every vertex inside but an edge leaves through a notch.
    const u: XY[] = [
      [0, 0],
      [6, 0],
      [6, 6],
      [4, 6],
      [4, 2],
      [2, 2],
      [2, 6],
      [0, 6],
    ];
    expect(
      ringContainsRing(
        u,
        [
          [1, 5],
          [5, 5],
          [3, 1],
        ],
        0,
      ),
    ).toBe(false);
  });

  it('isSimpleRing: a square is, a bow-tie and a ring touching itself are not', () => {
    expect(isSimpleRing(square, 0)).toBe(true);
    expect(
      isSimpleRing(
        [
          [0, 0],
          [4, 4],
          [4, 0],
          [0, 4],
        ],
        0,
      ),
    ).toBe(false);
    expect(
      isSimpleRing(
        [
          [0, 0],
          [4, 0],
          [2, 2],
          [4, 4],
          [0, 4],
          [2, 2],
        ],
        0,
      ),
    ).toBe(false);
    expect(
      isSimpleRing(
        [
          [0, 0],
          [1, 0],
        ],
        0,
      ),
    ).toBe(false);
  });

  it('normaliseRing drops the closing repeat and duplicates, and orients', () => {
    expect(
      normaliseRing(
        [
          [0, 0],
          [0, 4],
          [4, 4],
          [4, 4],
          [4, 0],
          [0, 0],
        ],
        true,
      ),
    ).toEqual([
      [4, 0],
      [4, 4],
      [0, 4],
      [0, 0],
    ]);
    expect(
      normaliseRing(
        [
          [0, 0],
          [4, 0],
          [4, 4],
          [0, 4],
          [0, 0],
        ],
        false,
      ),
    ).toEqual([
      [0, 4],
      [4, 4],
      [4, 0],
      [0, 0],
    ]);
    expect(
      normaliseRing(
        [
          [0, 0],
          [4, 0],
          [4, 4],
          [4 + 1e-10, 4],
          [0, 4],
        ],
        true,
      ),
    ).toEqual([
      [0, 0],
      [4, 0],
      [4, 4],
      [0, 4],
    ]);
  });

  it('isConvexCcw: convex counter-clockwise with one turn; not a dent, not clockwise, not a double-wound star', () => {
    expect(isConvexCcw(square)).toBe(true);
    expect(
      isConvexCcw([
        [0, 0],
        [2, 0],
        [4, 0],
        [4, 4],
        [0, 4],
      ]),
    ).toBe(true); // collinear vertex
    expect(
      isConvexCcw([
        [0, 0],
        [4, 0],
        [1, 1],
        [0, 4],
      ]),
    ).toBe(false);
    expect(isConvexCcw([...square].reverse())).toBe(false);
    const star: XY[] = Array.from({ length: 5 }, (_, k): XY => [Math.cos((4 * Math.PI * k) / 5), Math.sin((4 * Math.PI * k) / 5)]);
    expect(isConvexCcw(star)).toBe(false); // a pentagram turns left everywhere but winds twice
  });
});
