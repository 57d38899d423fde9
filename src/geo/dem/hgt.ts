/**
 * SRTM `.hgt` tiles: a square of big-endian signed 16-bit heights in metres, rows north to south,
 * no header. 1″ tiles are 3601×3601 samples, 3″ tiles 1201×1201. A tile is named by the integer
 * degrees of its SOUTH-WEST corner (N36E101.hgt covers 36…37° N, 101…102° E) and its outer rows and
 * columns lie ON the tile edges, so neighbouring tiles share them (the one-sample overlap). Voids are
 * -32768. Source: the SRTM documentation (NASA/USGS "SRTM Topography", srtm_topo.pdf).
 */
import type { Grid } from './grid.js';

export const HGT_VOID = -32768;
/** Samples per side → arc-seconds per sample. */
export const HGT_SIZES: ReadonlyMap<number, number> = new Map([
  [3601, 1],
  [1201, 3],
]);

const NAME = /^([NS])(\d{2})([EW])(\d{3})\.hgt$/i;

/** South-west corner of a tile from its file name (no directory), or undefined when it is not one. */
export function parseHgtName(fileName: string): { lat: number; lon: number } | undefined {
  const m = NAME.exec(fileName);
  if (!m) return undefined;
  const lat = Number(m[2]) * (m[1]!.toUpperCase() === 'S' ? -1 : 1);
  const lon = Number(m[4]) * (m[3]!.toUpperCase() === 'W' ? -1 : 1);
  if (lat < -90 || lat > 89 || lon < -180 || lon > 179) return undefined;
  return { lat, lon };
}

/** The tile name for a south-west corner: (36, 101) → "N36E101.hgt", (-12, -77) → "S12W077.hgt". */
export function hgtName(lat: number, lon: number): string {
  const ns = lat < 0 ? 'S' : 'N';
  const ew = lon < 0 ? 'W' : 'E';
  return `${ns}${String(Math.abs(lat)).padStart(2, '0')}${ew}${String(Math.abs(lon)).padStart(3, '0')}.hgt`;
}

/** Side length in samples for a file size in bytes, or undefined when the size is no SRTM tile. */
export function hgtSide(bytes: number): number | undefined {
  for (const side of HGT_SIZES.keys()) if (bytes === side * side * 2) return side;
  return undefined;
}

/**
 * Decode a tile's bytes (already size-checked) into a grid at its south-west corner. When `inPlace`
 * and the bytes fill their own 2-byte-aligned buffer, the big-endian samples are turned into native
 * ones in that buffer (a 1″ tile then costs 26 MB once, not twice while it is read).
 */
export function decodeHgt(bytes: Uint8Array, corner: { lat: number; lon: number }, inPlace = false): Grid {
  const side = hgtSide(bytes.byteLength);
  if (side === undefined) throw new Error(`${bytes.byteLength} bytes is not an SRTM tile`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const own = inPlace && bytes.byteOffset % 2 === 0;
  const data = own ? new Int16Array(bytes.buffer, bytes.byteOffset, side * side) : new Int16Array(side * side);
  // Each sample is read before it is written at the same place, so in place is safe.
  for (let i = 0; i < data.length; i++) data[i] = view.getInt16(i * 2, false);
  const step = 1 / (side - 1);
  return { west: corner.lon, north: corner.lat + 1, dLon: step, dLat: step, cols: side, rows: side, data, nodata: HGT_VOID, border: 0 };
}
