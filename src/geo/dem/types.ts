/**
 * Digital elevation models: the interface the planner reads ground heights through, and the errors
 * a DEM raises. Heights are metres above mean sea level (SRTM and most GeoTIFF DEMs give EGM96 geoid
 * heights, which is what a barometric home altitude is compared with in practice).
 */

/** [west, south, east, north] in degrees. */
export type Bbox = [west: number, south: number, east: number, north: number];

/** One file behind a DEM, for the plan output. */
export interface DemFile {
  path: string;
  format: 'srtm-hgt' | 'geotiff';
  /** Sample spacing in arc-seconds (longitude, latitude). */
  resolutionArcSec: [number, number];
  /** What the file covers. */
  bbox: Bbox;
}

export interface DemSource {
  /** Every DEM file known (directory tiles included, loaded or not). */
  files: DemFile[];
  /** Human description, e.g. "2 SRTM 1″ tiles in /data/dem". */
  description: string;
}

export interface Dem {
  /** Ground height AMSL at a point, bilinear. Throws DemCoverageError where there is no data. */
  heightAt(lon: number, lat: number): number;
  /** The same, returning a typed gap instead of throwing. */
  sample(lon: number, lat: number): number | DemGap;
  /** Does some file cover every point of the box? (Voids inside a file are found by heightAt only.) */
  covers(bbox: Bbox): boolean;
  readonly source: DemSource;
}

/** Why a point has no height: outside every file, or a void (SRTM -32768 / GeoTIFF nodata) nearby. */
export interface DemGap {
  gap: 'outside' | 'void';
  lon: number;
  lat: number;
  /** The file holding the void (for 'void'). */
  file?: string;
}

export function isDemGap(v: number | DemGap): v is DemGap {
  return typeof v !== 'number';
}

/** A file or directory that is not a usable DEM (wrong size, not a TIFF, wrong CRS …). */
export class DemError extends Error {
  override name = 'DemError';
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`DEM ${file}: ${message}`);
  }
}

/** A point the DEM has no height for. */
export class DemCoverageError extends Error {
  override name = 'DemCoverageError';
  constructor(readonly gapInfo: DemGap) {
    super(describeGap(gapInfo));
  }
}

export function describeGap(g: DemGap): string {
  const at = `${g.lat.toFixed(6)},${g.lon.toFixed(6)} (lat,lon)`;
  return g.gap === 'void' ? `the elevation data has a void (no height) at ${at} in ${g.file ?? 'the DEM'}` : `no elevation data covers ${at}`;
}
