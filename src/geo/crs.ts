/**
 * China's coordinate systems. Officers copy coordinates from AMap/高德 and Tencent maps (GCJ-02, the
 * obfuscated "Mars" datum every map licensed in China must use) or from Baidu (BD-09, GCJ-02 shifted
 * again); GPS, ArduPilot and medidrop's store work in WGS-84. The two differ by hundreds of metres —
 * the next compound over — so every coordinate that enters medidrop is converted here, once, at the
 * edge, and nothing else in the code ever sees GCJ-02 or BD-09.
 *
 * The conversions are gcoord's (a maintained library with published test vectors); GCJ-02 → WGS-84
 * has no closed form and gcoord inverts it iteratively to well under a metre. Outside China GCJ-02 is
 * defined as WGS-84 itself, which gcoord follows.
 */
import gcoordModule from 'gcoord';
import type { CoordinateSystem } from '../domain/words.js';
import type { LonLat } from './types.js';

// gcoord ships CommonJS with ES-module typings: under NodeNext the default import is typed as the
// namespace (`.default` holds the API) while at run time it is module.exports itself. Take whichever.
const gcoord: typeof gcoordModule.default =
  (gcoordModule as unknown as { default?: typeof gcoordModule.default }).default ?? (gcoordModule as unknown as typeof gcoordModule.default);

const GCOORD = {
  wgs84: gcoord.WGS84,
  gcj02: gcoord.GCJ02,
  bd09: gcoord.BD09,
} as const satisfies Record<CoordinateSystem, unknown>;

/** A position given in `crs`, as WGS-84. */
export function toWgs84(position: LonLat, crs: CoordinateSystem): LonLat {
  if (crs === 'wgs84') return position;
  const [lon, lat] = gcoord.transform([position[0], position[1]], GCOORD[crs], gcoord.WGS84) as [number, number];
  return [lon, lat];
}

/** A WGS-84 position expressed in `crs` (for drawing on a GCJ-02 base map, or echoing back). */
export function fromWgs84(position: LonLat, crs: CoordinateSystem): LonLat {
  if (crs === 'wgs84') return position;
  const [lon, lat] = gcoord.transform([position[0], position[1]], gcoord.WGS84, GCOORD[crs]) as [number, number];
  return [lon, lat];
}

/**
 * Every coordinate pair of a GeoJSON geometry's `coordinates`, converted to WGS-84; anything that is
 * not a finite [lon, lat, …] pair is left as it was, for the zone-map validator to report.
 */
export function coordinatesToWgs84(coordinates: unknown, crs: CoordinateSystem): unknown {
  if (crs === 'wgs84' || !Array.isArray(coordinates)) return coordinates;
  if (coordinates.length >= 2 && typeof coordinates[0] === 'number' && typeof coordinates[1] === 'number') {
    if (!Number.isFinite(coordinates[0]) || !Number.isFinite(coordinates[1])) return coordinates;
    const [lon, lat] = toWgs84([coordinates[0], coordinates[1]], crs);
    return [lon, lat, ...coordinates.slice(2)];
  }
  return coordinates.map((c) => coordinatesToWgs84(c, crs));
}
