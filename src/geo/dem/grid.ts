/**
 * A regular lon/lat grid of heights and its bilinear interpolation. Row 0 is the northern row,
 * column 0 the western column; sample (row, col) lies at (north − row·dLat, west + col·dLon).
 * Heights stay in the file's own width (Int16Array for SRTM, Float32Array for GeoTIFF) to keep a
 * 1″ tile at 26 MB rather than 100 MB of doubles.
 */
import type { Bbox } from './types.js';

export interface Grid {
  /** Longitude of column 0's samples, latitude of row 0's samples (sample centres), degrees. */
  west: number;
  north: number;
  /** Sample spacing, degrees, both > 0. */
  dLon: number;
  dLat: number;
  cols: number;
  rows: number;
  data: Int16Array | Float32Array;
  /** Value marking "no data" (SRTM: -32768), or null; NaN always counts as no data. */
  nodata: number | null;
  /**
   * How far beyond the outer sample centres the grid still answers, in samples (0.5 for a
   * pixel-is-area GeoTIFF, whose pixels cover half a pixel past their centres; 0 for SRTM, whose
   * outer samples lie on the tile edges). Points there take the nearest edge sample.
   */
  border: number;
}

/** The box a grid answers for. */
export function gridBbox(g: Grid): Bbox {
  return [g.west - g.border * g.dLon, g.north - (g.rows - 1 + g.border) * g.dLat, g.west + (g.cols - 1 + g.border) * g.dLon, g.north + g.border * g.dLat];
}

/**
 * Bilinear height at a point: a number, 'outside' when the grid does not cover it, or 'void' when one
 * of the (weighted) corner samples is no data. A void corner with weight 0 (the point lies on the
 * other samples) does not count: interpolating with it would not change the value.
 */
export function gridHeight(g: Grid, lon: number, lat: number): number | 'outside' | 'void' {
  const eps = 1e-9;
  let x = (lon - g.west) / g.dLon;
  let y = (g.north - lat) / g.dLat;
  if (!(x >= -g.border - eps && y >= -g.border - eps && x <= g.cols - 1 + g.border + eps && y <= g.rows - 1 + g.border + eps)) return 'outside';
  // A point on a sample (to rounding) takes that sample: a void next to it must not count.
  if (Math.abs(x - Math.round(x)) < 1e-7) x = Math.round(x);
  if (Math.abs(y - Math.round(y)) < 1e-7) y = Math.round(y);
  x = Math.min(Math.max(x, 0), g.cols - 1);
  y = Math.min(Math.max(y, 0), g.rows - 1);
  const c0 = Math.min(Math.floor(x), Math.max(g.cols - 2, 0));
  const r0 = Math.min(Math.floor(y), Math.max(g.rows - 2, 0));
  const c1 = Math.min(c0 + 1, g.cols - 1);
  const r1 = Math.min(r0 + 1, g.rows - 1);
  const fx = x - c0;
  const fy = y - r0;
  const w00 = (1 - fx) * (1 - fy);
  const w10 = fx * (1 - fy);
  const w01 = (1 - fx) * fy;
  const w11 = fx * fy;
  // (Written out rather than with a helper closure: this runs for every 10 m of every checked line.)
  const data = g.data;
  const nodata = g.nodata;
  let sum = 0;
  if (w00 !== 0) {
    const v = data[r0 * g.cols + c0]!;
    if (Number.isNaN(v) || v === nodata) return 'void';
    sum += v * w00;
  }
  if (w10 !== 0) {
    const v = data[r0 * g.cols + c1]!;
    if (Number.isNaN(v) || v === nodata) return 'void';
    sum += v * w10;
  }
  if (w01 !== 0) {
    const v = data[r1 * g.cols + c0]!;
    if (Number.isNaN(v) || v === nodata) return 'void';
    sum += v * w01;
  }
  if (w11 !== 0) {
    const v = data[r1 * g.cols + c1]!;
    if (Number.isNaN(v) || v === nodata) return 'void';
    sum += v * w11;
  }
  return sum;
}
