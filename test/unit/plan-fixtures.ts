/**
 * Hand-built zone maps for the planning tests (metres around a Xining origin, converted to lon/lat).
 * Not a test file itself (no .test.ts): imported by plan*, missions*, energy* tests.
 */
import { parseZoneMap } from '../../src/geo/zone-map.js';
import type { LonLat, ZoneMap } from '../../src/geo/types.js';
import type { DroneProfile } from '../../src/planning/types.js';
import { DEFAULT_DRONE } from '../../src/planning/drone.js';

export const ORIGIN: LonLat = [101.7782, 36.6171];
const M_PER_DEG_LAT = 111_000;
const M_PER_DEG_LON = 111_000 * Math.cos((ORIGIN[1] * Math.PI) / 180);

/** [east m, north m] → [lon, lat] */
export function at(east: number, north: number): LonLat {
  return [ORIGIN[0] + east / M_PER_DEG_LON, ORIGIN[1] + north / M_PER_DEG_LAT];
}

export function box(cx: number, cy: number, w: number, h: number): LonLat[] {
  const ring = [at(cx - w / 2, cy - h / 2), at(cx + w / 2, cy - h / 2), at(cx + w / 2, cy + h / 2), at(cx - w / 2, cy + h / 2)];
  return [...ring, ring[0]!];
}

/** A regular n-gon (dense outline) of radius r. */
export function circle(cx: number, cy: number, r: number, n: number): LonLat[] {
  const ring: LonLat[] = [];
  for (let k = 0; k < n; k++) ring.push(at(cx + r * Math.cos((2 * Math.PI * k) / n), cy + r * Math.sin((2 * Math.PI * k) / n)));
  return [...ring, ring[0]!];
}

function area(kind: string, name: string, ring: LonLat[], extra: Record<string, unknown> = {}) {
  return { type: 'Feature', properties: { kind, name, ...extra }, geometry: { type: 'Polygon', coordinates: [ring] } };
}
function point(kind: string, name: string, p: LonLat, extra: Record<string, unknown> = {}) {
  return { type: 'Feature', properties: { kind, name, ...extra }, geometry: { type: 'Point', coordinates: p } };
}

/**
 * County-town-like map: depot at the origin, a helipad (no-fly) 500 m north in the way of the drop
 * point 1 km north, a temporary testing site over "Gate 5", a rooftop drop point.
 */
export function townMap(): ZoneMap {
  return parseZoneMap(townGeoJson());
}

export function townGeoJson(): Record<string, unknown> {
  return {
    type: 'FeatureCollection',
    properties: { name: 'test town', siteAltitudeM: 2260 },
    features: [
      area('no-fly', 'Hospital helipad', box(0, 500, 200, 200), { reason: 'hospital helipad' }),
      area('no-fly', 'Testing site', box(800, -400, 160, 160), { reason: 'testing site', temporary: true }),
      area('no-fly', 'Power line corridor', box(-900, 600, 60, 900), { reason: 'power lines' }),
      area('sealed', 'Compound 3', box(0, 1000, 300, 200)),
      point('depot', 'Police station', at(0, 0), { groundAltitudeM: 2260, drones: ['police-quad'] }),
      point('depot', 'North depot', at(-400, 1400)),
      point('drop-point', 'Compound 3 courtyard', at(0, 1000), { zone: 'Compound 3' }),
      point('drop-point', 'Gate 5', at(800, -400)),
      point('drop-point', 'Rooftop 7', at(300, 300), { heightM: 24 }),
      point('drop-point', 'Far checkpoint', at(0, 9000)),
    ],
  };
}

/** A dense district: many no-fly areas with many vertices around a 2 km route. */
export function denseMap(): ZoneMap {
  const features: unknown[] = [];
  let k = 0;
  for (let gx = -5; gx <= 5; gx++) {
    for (let gy = -2; gy <= 12; gy++) {
      if (gx === 0) continue; // a clear corridor north
      const cx = gx * 180 + (gy % 2) * 40;
      const cy = gy * 180;
      features.push(area('no-fly', `NF-${String(++k).padStart(3, '0')}`, circle(cx, cy, 45 + ((gx * 7 + gy * 3) % 4) * 5, 24), { reason: 'crowd' }));
    }
  }
  features.push(point('depot', 'Depot', at(0, -100)));
  features.push(point('drop-point', 'Drop', at(0, 2000)));
  return parseZoneMap({ type: 'FeatureCollection', properties: { name: 'dense' }, features });
}

export const DRONE: DroneProfile = { ...DEFAULT_DRONE };
