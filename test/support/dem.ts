/**
 * Generated elevation data for tests: analytic terrains (a plane, a hill, a valley, a ridge) written
 * as SRTM .hgt tiles and as GeoTIFFs (with geotiff's writeArrayBuffer), so the loaders and the
 * clearance checker can be compared with values computed from the formula.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeArrayBuffer } from 'geotiff';
import { hgtName } from '../../src/geo/dem/hgt.js';

export type Terrain = (lon: number, lat: number) => number;

const M_PER_DEG_LAT = 111_195;
const mPerDegLon = (lat: number) => M_PER_DEG_LAT * Math.cos((lat * Math.PI) / 180);
/** Distance in metres between two nearby points (equirectangular; what the terrains are defined with). */
export function localDistM(lon: number, lat: number, lon0: number, lat0: number): number {
  return Math.hypot((lon - lon0) * mPerDegLon(lat0), (lat - lat0) * M_PER_DEG_LAT);
}

export const plane =
  (base: number, perDegLon: number, perDegLat: number, lon0 = 0, lat0 = 0): Terrain =>
  (lon, lat) =>
    base + perDegLon * (lon - lon0) + perDegLat * (lat - lat0);

/** A round hill: base + height at the centre, falling as a Gaussian of the distance (sigma = radius). */
export const hill =
  (base: number, centre: [number, number], heightM: number, radiusM: number): Terrain =>
  (lon, lat) =>
    base + heightM * Math.exp(-((localDistM(lon, lat, centre[0], centre[1]) / radiusM) ** 2));

/** A valley: the ground rises by `depthM` away from a north–south line at `lon0`, over `halfWidthM`. */
export const valley =
  (base: number, lon0: number, depthM: number, halfWidthM: number): Terrain =>
  (lon, lat) =>
    base + depthM * Math.min(1, (Math.abs(lon - lon0) * mPerDegLon(lat)) / halfWidthM);

/** A ridge: a north–south wall of Gaussian profile `heightM` high at longitude `lon0`. */
export const ridge =
  (base: number, lon0: number, heightM: number, halfWidthM: number): Terrain =>
  (lon, lat) =>
    base + heightM * Math.exp(-((((lon - lon0) * mPerDegLon(lat)) / halfWidthM) ** 2));

/** Heights rounded as SRTM stores them (whole metres, int16). */
const toInt16 = (v: number) => Math.max(-32767, Math.min(32767, Math.round(v)));

/** Write one SRTM tile (south-west corner lat, lon) of `side` samples; `voids` are [row, col]. */
export function writeHgt(dir: string, lat: number, lon: number, side: 1201 | 3601, terrain: Terrain, voids: [number, number][] = []): string {
  const buf = Buffer.alloc(side * side * 2);
  const step = 1 / (side - 1);
  for (let r = 0; r < side; r++) {
    const la = lat + 1 - r * step;
    for (let c = 0; c < side; c++) buf.writeInt16BE(toInt16(terrain(lon + c * step, la)), (r * side + c) * 2);
  }
  for (const [r, c] of voids) buf.writeInt16BE(-32768, (r * side + c) * 2);
  const path = join(dir, hgtName(lat, lon));
  writeFileSync(path, buf);
  return path;
}

export interface TiffSpec {
  /** Outer west / north edge (pixel-is-area) or first sample (pixel-is-point), degrees. */
  west: number;
  north: number;
  step: number;
  cols: number;
  rows: number;
  terrain: Terrain;
  pixelIsPoint?: boolean;
  nodata?: number;
  /** Cells set to the nodata value, [row, col]. */
  voids?: [number, number][];
  /** GeoKeys to use instead of EPSG:4326 (to test refusals). */
  geoKeys?: Record<string, number>;
  bands?: number;
}

/** Write a Float32 GeoTIFF; each pixel holds the terrain at its centre (area) or at its point. */
export function writeGeoTiff(path: string, spec: TiffSpec): string {
  const half = spec.pixelIsPoint ? 0 : 0.5;
  const bands = spec.bands ?? 1;
  const values = new Float32Array(spec.cols * spec.rows * bands);
  for (let r = 0; r < spec.rows; r++)
    for (let c = 0; c < spec.cols; c++)
      for (let b = 0; b < bands; b++)
        values[(r * spec.cols + c) * bands + b] = spec.terrain(spec.west + (c + half) * spec.step, spec.north - (r + half) * spec.step);
  for (const [r, c] of spec.voids ?? []) values[r * spec.cols + c] = spec.nodata ?? Number.NaN;
  const meta: Record<string, unknown> = {
    width: spec.cols,
    height: spec.rows,
    ModelPixelScale: [spec.step, spec.step, 0],
    ModelTiepoint: [0, 0, 0, spec.west, spec.north, 0],
    GTRasterTypeGeoKey: spec.pixelIsPoint ? 2 : 1,
    ...(spec.geoKeys ?? { GeographicTypeGeoKey: 4326, GTModelTypeGeoKey: 2 }),
  };
  if (bands > 1) {
    meta.SamplesPerPixel = [bands];
    meta.BitsPerSample = Array(bands).fill(32);
    meta.SampleFormat = Array(bands).fill(3);
    meta.PhotometricInterpretation = 2;
  }
  if (spec.nodata !== undefined) meta.GDAL_NODATA = String(spec.nodata);
  const ab = writeArrayBuffer(values, meta as Parameters<typeof writeArrayBuffer>[1]);
  writeFileSync(path, Buffer.from(ab));
  return path;
}
