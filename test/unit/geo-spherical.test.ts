/**
 * The spherical kernel: known values (a degree of latitude, antipodes, cardinal bearings), and
 * agreement with turf's independent distance / bearing / length on random pairs.
 */
import { describe, expect, it } from 'vitest';
import { bearing as turfBearing, distance as turfDistance, length as turfLength, lineString } from '@turf/turf';
import { bearingDeg, distanceM, EARTH_RADIUS_M, pathLengthM, samplePath } from '../../src/geo/spherical.js';
import type { LonLat } from '../../src/geo/types.js';
import { seededRandom } from '../support/random.js';

describe('distanceM (haversine)', () => {
  it('one degree of latitude is R·π/180 ≈ 111,195.08 m with R = 6,371,008.8 m', () => {
    expect(EARTH_RADIUS_M).toBe(6_371_008.8);
    expect(distanceM([0, 0], [0, 1])).toBeCloseTo(111_195.08, 2);
    expect(distanceM([101.7782, 36], [101.7782, 37])).toBeCloseTo(111_195.08, 2);
    // On the equator a degree of longitude is the same arc.
    expect(distanceM([0, 0], [1, 0])).toBeCloseTo(111_195.08, 2);
  });

  it('a degree of longitude at 60° N is a little shorter than half (the great circle cuts inside the parallel)', () => {
    const d = distanceM([0, 60], [1, 60]);
    expect(d).toBeCloseTo(55_597.01, 1);
    expect(d).toBeLessThan(((EARTH_RADIUS_M * Math.PI) / 180) * Math.cos(Math.PI / 3));
  });

  it('Beijing to Shanghai ≈ 1,067 km; antipodes are half the circumference; zero for the same point', () => {
    expect(distanceM([116.4074, 39.9042], [121.4737, 31.2304])).toBeCloseTo(1_067_311.6, 0);
    expect(distanceM([0, 0], [180, 0])).toBeCloseTo(Math.PI * EARTH_RADIUS_M, 3);
    expect(distanceM([12.5, -33.1], [12.5, -33.1])).toBe(0);
  });

  it('is symmetric and agrees with turf on random pairs (relative 1e-9)', () => {
    const rng = seededRandom(20240901);
    for (let i = 0; i < 500; i++) {
      const a: LonLat = [rng() * 360 - 180, rng() * 170 - 85];
      const b: LonLat = i % 2 ? [a[0] + (rng() - 0.5) * 0.2, a[1] + (rng() - 0.5) * 0.2] : [rng() * 360 - 180, rng() * 170 - 85];
      const d = distanceM(a, b);
      expect(distanceM(b, a)).toBeCloseTo(d, 6);
      expect(Math.abs(d - turfDistance(a, b, { units: 'meters' }))).toBeLessThanOrEqual(1e-9 * d + 1e-6);
    }
  });
});

describe('bearingDeg', () => {
  it('cardinal directions and the diagonal', () => {
    expect(bearingDeg([0, 0], [0, 1])).toBe(0);
    expect(bearingDeg([0, 0], [1, 0])).toBe(90);
    expect(bearingDeg([0, 0], [0, -1])).toBe(180);
    expect(bearingDeg([0, 0], [-1, 0])).toBe(270);
    expect(bearingDeg([0, 0], [1, 1])).toBeCloseTo(44.9956, 4);
    expect(bearingDeg([116.4074, 39.9042], [121.4737, 31.2304])).toBeCloseTo(153.07, 2);
  });

  it('stays in [0, 360) and agrees with turf (which gives −180…180)', () => {
    const rng = seededRandom(77);
    for (let i = 0; i < 500; i++) {
      const a: LonLat = [rng() * 360 - 180, rng() * 170 - 85];
      const b: LonLat = [a[0] + (rng() - 0.5) * 2, a[1] + (rng() - 0.5) * 2];
      const brg = bearingDeg(a, b);
      expect(brg).toBeGreaterThanOrEqual(0);
      expect(brg).toBeLessThan(360);
      const diff = Math.abs(((brg - turfBearing(a, b) + 540) % 360) - 180);
      expect(diff).toBeLessThan(1e-9);
    }
  });
});

describe('pathLengthM and samplePath', () => {
  it('a path is the sum of its legs; fewer than two points have no length', () => {
    expect(
      pathLengthM([
        [0, 0],
        [0, 1],
        [0, 2],
      ]),
    ).toBeCloseTo(222_390.16, 2);
    expect(pathLengthM([[5, 5]])).toBe(0);
    expect(pathLengthM([])).toBe(0);
    const path: LonLat[] = [
      [101.77, 36.61],
      [101.78, 36.62],
      [101.8, 36.6],
      [101.81, 36.63],
    ];
    expect(pathLengthM(path)).toBeCloseTo(turfLength(lineString(path), { units: 'meters' }), 6);
  });

  it('samples every leg in equal parts no longer than the step, both ends included', () => {
    const s = samplePath(
      [
        [0, 0],
        [0, 0.001],
      ],
      50,
    );
    expect(s).toHaveLength(4);
    [0, 0.001 / 3, (2 * 0.001) / 3, 0.001].forEach((lat, k) => {
      expect(s[k]!.point[1]).toBeCloseTo(lat, 15);
    });
    expect(s.every((x) => x.legIndex === 0 && x.point[0] === 0)).toBe(true);
    expect(s[1]!.alongLegM).toBeCloseTo(37.065, 3);
    expect(s[3]!.alongLegM).toBeCloseTo(111.195, 3);

    const two = samplePath(
      [
        [0, 0],
        [0, 0.001],
        [0.001, 0.001],
      ],
      200,
    );
    // One part per leg: the start, then each leg's end (the shared corner appears once).
    expect(two.map((x) => [x.point, x.legIndex])).toEqual([
      [[0, 0], 0],
      [[0, 0.001], 0],
      [[0.001, 0.001], 1],
    ]);
  });
});
