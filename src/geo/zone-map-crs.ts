/**
 * A zone map's coordinate system: the optional top-level `crs` member, "wgs84" (default), "gcj02" or
 * "bd09" — or GeoJSON 2008's named-CRS object for WGS-84 (`urn:ogc:def:crs:OGC:1.3:CRS84`,
 * `EPSG:4326`), which older GIS exports still write. A map drawn on AMap or Baidu is converted to
 * WGS-84 here, before validation, so the validator, the planner and the store only ever see WGS-84;
 * the converted map (without `crs`) is what gets stored.
 */
import { COORDINATE_SYSTEMS, type CoordinateSystem } from '../domain/words.js';
import { coordinatesToWgs84 } from './crs.js';
import { ZoneMapError } from './types.js';

const WGS84_NAMES = new Set(['urn:ogc:def:crs:ogc:1.3:crs84', 'urn:ogc:def:crs:epsg::4326', 'epsg:4326', 'crs84', 'wgs84', 'wgs-84']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The map's `crs` member read, or a ZoneMapError saying what is accepted. */
export function zoneMapCrs(json: Record<string, unknown>): CoordinateSystem {
  const crs = json.crs;
  if (crs === undefined || crs === null) return 'wgs84';
  if (typeof crs === 'string') {
    const key = crs.trim().toLowerCase().replace('-', '');
    if ((COORDINATE_SYSTEMS as readonly string[]).includes(key)) return key as CoordinateSystem;
    if (WGS84_NAMES.has(crs.trim().toLowerCase())) return 'wgs84';
  } else if (isObject(crs) && crs.type === 'name' && isObject(crs.properties) && typeof crs.properties.name === 'string') {
    if (WGS84_NAMES.has(crs.properties.name.trim().toLowerCase())) return 'wgs84';
  }
  throw new ZoneMapError([
    {
      code: 'bad-crs',
      detail: 'crs-unknown',
      params: { got: JSON.stringify(crs).slice(0, 80) },
      message: `the map's "crs" must be "wgs84", "gcj02" (AMap/高德, Tencent) or "bd09" (Baidu), got ${JSON.stringify(crs).slice(0, 80)}`,
    },
  ]);
}

/**
 * The FeatureCollection with every geometry in WGS-84 and no `crs` member, and the system it came
 * in. Anything that is not a FeatureCollection is returned as it is, for the validator to refuse.
 */
export function zoneMapToWgs84(json: unknown): { json: unknown; crs: CoordinateSystem } {
  if (!isObject(json) || json.type !== 'FeatureCollection') return { json, crs: 'wgs84' };
  const crs = zoneMapCrs(json);
  const { crs: _dropped, ...rest } = json;
  if (crs === 'wgs84' || !Array.isArray(json.features)) return { json: rest, crs };
  const features = json.features.map((f: unknown) => {
    if (!isObject(f) || !isObject(f.geometry)) return f;
    return { ...f, geometry: { ...f.geometry, coordinates: coordinatesToWgs84(f.geometry.coordinates, crs) } };
  });
  return { json: { ...rest, features }, crs };
}
