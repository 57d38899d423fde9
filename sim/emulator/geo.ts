/**
 * Local flat-earth geometry, the way ArduPilot's Location class does it (LOCATION_SCALING_FACTOR):
 * metres north/east of an origin, good to centimetres over a delivery's few kilometres.
 */

/** Metres per degree of latitude (ArduPilot: 0.011131884502145034 m per 1e-7 degree). */
export const M_PER_DEG = 111318.84502145034;

export interface LatLon {
  lat: number;
  lon: number;
}

export interface NE {
  n: number;
  e: number;
}

export function toNE(origin: LatLon, p: LatLon): NE {
  const scale = Math.cos((origin.lat * Math.PI) / 180);
  return { n: (p.lat - origin.lat) * M_PER_DEG, e: (p.lon - origin.lon) * M_PER_DEG * scale };
}

export function fromNE(origin: LatLon, ne: NE): LatLon {
  const scale = Math.cos((origin.lat * Math.PI) / 180);
  return { lat: origin.lat + ne.n / M_PER_DEG, lon: origin.lon + ne.e / (M_PER_DEG * scale) };
}

export function distanceM(a: LatLon, b: LatLon): number {
  const d = toNE(a, b);
  return Math.hypot(d.n, d.e);
}

/** Even-odd point-in-polygon on a local NE projection. */
export function insidePolygon(p: NE, poly: NE[]): boolean {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const a = poly[i]!;
    const b = poly[j]!;
    if (a.e > p.e !== b.e > p.e && p.n < ((b.n - a.n) * (p.e - a.e)) / (b.e - a.e) + a.n) inside = !inside;
  }
  return inside;
}

export function bearingDeg(from: NE, to: NE): number {
  const deg = (Math.atan2(to.e - from.e, to.n - from.n) * 180) / Math.PI;
  return (deg + 360) % 360;
}
