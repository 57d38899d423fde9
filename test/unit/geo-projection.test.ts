/**
 * The local metric projection: round trips, and distances against Vincenty's ellipsoidal geodesic
 * (independent reference, implemented here) to well under 0.1 % over 20 km.
 */
import { describe, expect, it } from 'vitest';
import { localProjection } from '../../src/geo/projection.js';
import type { LonLat } from '../../src/geo/types.js';
import { seededRandom } from '../support/random.js';

/** Vincenty inverse on WGS84: geodesic distance in metres. */
function vincenty([lon1, lat1]: LonLat, [lon2, lat2]: LonLat): number {
  const a = 6378137;
  const f = 1 / 298.257223563;
  const b = a * (1 - f);
  const rad = Math.PI / 180;
  const L = (lon2 - lon1) * rad;
  const U1 = Math.atan((1 - f) * Math.tan(lat1 * rad));
  const U2 = Math.atan((1 - f) * Math.tan(lat2 * rad));
  const sinU1 = Math.sin(U1);
  const cosU1 = Math.cos(U1);
  const sinU2 = Math.sin(U2);
  const cosU2 = Math.cos(U2);
  let lambda = L;
  let sinSigma = 0;
  let cosSigma = 0;
  let sigma = 0;
  let cos2Alpha = 0;
  let cos2SigmaM = 0;
  for (let i = 0; i < 200; i++) {
    const sinL = Math.sin(lambda);
    const cosL = Math.cos(lambda);
    sinSigma = Math.hypot(cosU2 * sinL, cosU1 * sinU2 - sinU1 * cosU2 * cosL);
    if (sinSigma === 0) return 0;
    cosSigma = sinU1 * sinU2 + cosU1 * cosU2 * cosL;
    sigma = Math.atan2(sinSigma, cosSigma);
    const sinAlpha = (cosU1 * cosU2 * sinL) / sinSigma;
    cos2Alpha = 1 - sinAlpha * sinAlpha;
    cos2SigmaM = cos2Alpha !== 0 ? cosSigma - (2 * sinU1 * sinU2) / cos2Alpha : 0;
    const C = (f / 16) * cos2Alpha * (4 + f * (4 - 3 * cos2Alpha));
    const prev = lambda;
    lambda = L + (1 - C) * f * sinAlpha * (sigma + C * sinSigma * (cos2SigmaM + C * cosSigma * (-1 + 2 * cos2SigmaM * cos2SigmaM)));
    if (Math.abs(lambda - prev) < 1e-13) break;
  }
  const u2 = (cos2Alpha * (a * a - b * b)) / (b * b);
  const A = 1 + (u2 / 16384) * (4096 + u2 * (-768 + u2 * (320 - 175 * u2)));
  const B = (u2 / 1024) * (256 + u2 * (-128 + u2 * (74 - 47 * u2)));
  const dSigma =
    B *
    sinSigma *
    (cos2SigmaM +
      (B / 4) * (cosSigma * (-1 + 2 * cos2SigmaM * cos2SigmaM) - (B / 6) * cos2SigmaM * (-3 + 4 * sinSigma * sinSigma) * (-3 + 4 * cos2SigmaM * cos2SigmaM)));
  return b * A * (sigma - dSigma);
}

describe('localProjection', () => {
  for (const [place, origin] of [
    ['Xining', [101.7782, 36.6171]],
    ['Taiyuan', [112.5489, 37.8706]],
    ['Karamay', [84.8739, 45.5959]],
  ] as [string, LonLat][]) {
    it(`${place}: distances within 0.01 % of the ellipsoid over 20 km, exact round trips`, () => {
      const proj = localProjection(origin);
      const o = proj.toLocal(origin);
      expect(Math.abs(o[0]) + Math.abs(o[1])).toBeLessThan(1e-9);
      const rng = seededRandom(17);
      let worst = 0;
      for (let i = 0; i < 300; i++) {
        // Points up to ~10 km from the origin, so pairs up to 20 km apart.
        const p: LonLat = [origin[0] + (rng() - 0.5) * 0.24, origin[1] + (rng() - 0.5) * 0.18];
        const q: LonLat = [origin[0] + (rng() - 0.5) * 0.24, origin[1] + (rng() - 0.5) * 0.18];
        const a = proj.toLocal(p);
        const b = proj.toLocal(q);
        const planar = Math.hypot(b[0] - a[0], b[1] - a[1]);
        const geodesic = vincenty(p, q);
        if (geodesic > 100) worst = Math.max(worst, Math.abs(planar - geodesic) / geodesic);
        const back = proj.toLonLat(a);
        expect(Math.abs(back[0] - p[0])).toBeLessThan(1e-10);
        expect(Math.abs(back[1] - p[1])).toBeLessThan(1e-10);
      }
      expect(worst).toBeLessThan(1e-4);
    });
  }

  it('east is +x and north is +y, in metres', () => {
    const proj = localProjection([101.7782, 36.6171]);
    const [x, y] = proj.toLocal([101.7782, 36.6171 + 0.009]);
    expect(Math.abs(x)).toBeLessThan(1e-6);
    expect(y).toBeCloseTo(vincenty([101.7782, 36.6171], [101.7782, 36.6261]), 1);
    const [e] = proj.toLocal([101.7882, 36.6171]);
    expect(e).toBeGreaterThan(890);
  });

  it('refuses an unusable origin', () => {
    expect(() => localProjection([Number.NaN, 36])).toThrow(/finite \[lon, lat\]/);
  });
});
