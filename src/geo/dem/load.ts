/**
 * Loading DEMs from files and directories (the I/O edge of the DEM code): `--dem PATH` on the CLI
 * and MEDIDROP_DEM in the service, each a file or a directory, any number of them.
 *
 * - `.hgt` files: named and sized like SRTM tiles (./hgt.ts). In a directory they are indexed by name
 *   and size only, and each tile is read the first time a height is asked of it, so a directory of a
 *   whole province costs nothing until a route crosses it.
 * - `.tif` / `.tiff` files: single-band EPSG:4326 GeoTIFFs (./geotiff.ts), read at load time (the
 *   `geotiff` decoder is asynchronous; heightAt is not).
 * A file given by name that is neither, or is broken, is a DemError naming it. In a directory, files
 * with other extensions are ignored (README, .aux.xml …); a directory with no DEM file is an error.
 *
 * Where several files cover a point, the finest one answers (then the one given first).
 */
import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { decodeGeoTiff } from './geotiff.js';
import { type Grid, gridBbox, gridHeight } from './grid.js';
import { decodeHgt, hgtName, hgtSide, HGT_SIZES, parseHgtName } from './hgt.js';
import { type Bbox, type Dem, type DemFile, type DemGap, DemCoverageError, DemError, isDemGap } from './types.js';

/** Largest GeoTIFF read whole (a 1″ grid of 5°×5° as float32 is 1.2 GB: split it). */
export const MAX_GEOTIFF_BYTES = 512 * 1024 * 1024;

export interface Source {
  file: DemFile;
  grid: Grid | undefined;
  load: () => Grid;
}

function readFileBounded(path: string, max: number): Uint8Array {
  const size = statSync(path).size;
  if (size > max)
    throw new DemError(path, `${Math.round(size / 1024 / 1024)} MB is larger than the ${max / 1024 / 1024} MB medidrop reads; split it into tiles`);
  const fd = openSync(path, 'r');
  try {
    const out = new Uint8Array(size);
    let off = 0;
    while (off < size) {
      const n = readSync(fd, out, off, size - off, null);
      if (n === 0) break;
      off += n;
    }
    if (off !== size) throw new DemError(path, `changed while being read (${off} of ${size} bytes)`);
    return out;
  } finally {
    closeSync(fd);
  }
}

function hgtSource(path: string): Source {
  const corner = parseHgtName(basename(path));
  if (!corner) throw new DemError(path, `an SRTM tile must be named by its south-west corner, like ${hgtName(36, 101)} or ${hgtName(-12, -77)}`);
  let size: number;
  try {
    size = statSync(path).size;
  } catch (err) {
    throw new DemError(path, `cannot be read (${(err as Error).message})`);
  }
  const side = hgtSide(size);
  if (side === undefined)
    throw new DemError(path, `${size} bytes is not an SRTM tile (1″: 3601×3601 × 2 = ${3601 * 3601 * 2} bytes; 3″: 1201×1201 × 2 = ${1201 * 1201 * 2} bytes)`);
  const arc = HGT_SIZES.get(side)!;
  const file: DemFile = { path, format: 'srtm-hgt', resolutionArcSec: [arc, arc], bbox: [corner.lon, corner.lat, corner.lon + 1, corner.lat + 1] };
  const source: Source = {
    file,
    grid: undefined,
    load: () => {
      if (!source.grid) {
        let bytes: Uint8Array;
        try {
          bytes = readFileBounded(path, size);
        } catch (err) {
          if (err instanceof DemError) throw new DemError(path, `changed since it was indexed: ${err.message}`);
          throw new DemError(path, `cannot be read (${(err as Error).message})`);
        }
        source.grid = decodeHgt(bytes, corner, true);
      }
      return source.grid;
    },
  };
  return source;
}

async function tiffSource(path: string): Promise<Source> {
  let bytes: Uint8Array;
  try {
    bytes = readFileBounded(path, MAX_GEOTIFF_BYTES);
  } catch (err) {
    if (err instanceof DemError) throw err;
    throw new DemError(path, `cannot be read (${(err as Error).message})`);
  }
  const grid = await decodeGeoTiff(bytes, path);
  const file: DemFile = { path, format: 'geotiff', resolutionArcSec: [grid.dLon * 3600, grid.dLat * 3600], bbox: gridBbox(grid) };
  return { file, grid, load: () => grid };
}

const isHgt = (p: string) => extname(p).toLowerCase() === '.hgt';
const isTiff = (p: string) => ['.tif', '.tiff'].includes(extname(p).toLowerCase());

async function sourcesFor(path: string): Promise<Source[]> {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DemError(path, code === 'ENOENT' ? 'no such file or directory' : `cannot be read (${(err as Error).message})`);
  }
  if (st.isDirectory()) {
    const names = readdirSync(path).sort();
    const out: Source[] = [];
    for (const name of names) {
      const p = join(path, name);
      if (isHgt(name)) out.push(hgtSource(p));
      else if (isTiff(name)) out.push(await tiffSource(p));
    }
    if (out.length === 0) throw new DemError(path, 'directory holds no DEM file (.hgt SRTM tiles or .tif GeoTIFFs)');
    return out;
  }
  if (isHgt(path)) {
    const s = hgtSource(path);
    s.load(); // a file named on its own is read now, so a broken one fails at start-up
    return [s];
  }
  if (isTiff(path)) return [await tiffSource(path)];
  throw new DemError(path, 'not a DEM file: medidrop reads SRTM .hgt tiles and single-band EPSG:4326 GeoTIFF (.tif, .tiff)');
}

/** Does the union of boxes cover `box`? Splits the box around each overlapping source in turn. */
function boxCovered(box: Bbox, boxes: readonly Bbox[]): boolean {
  const [w, s, e, n] = box;
  if (!(e > w) || !(n > s)) return true; // degenerate: a point or a line is covered if inside some box
  const k = boxes.findIndex((b) => b[0] < e && b[2] > w && b[1] < n && b[3] > s);
  if (k < 0) return false;
  const b = boxes[k]!;
  const rest = boxes.filter((_, i) => i !== k);
  const iw = Math.max(w, b[0]);
  const ie = Math.min(e, b[2]);
  const pieces: Bbox[] = [
    [w, s, iw, n], // west strip
    [ie, s, e, n], // east strip
    [iw, Math.min(n, b[3]), ie, n], // north strip (between the side strips)
    [iw, s, ie, Math.max(s, b[1])], // south strip
  ];
  return pieces.every((p) => boxCovered(p, rest));
}

function pointIn(b: Bbox, lon: number, lat: number): boolean {
  const eps = 1e-9;
  return lon >= b[0] - eps && lon <= b[2] + eps && lat >= b[1] - eps && lat <= b[3] + eps;
}

function describe(files: DemFile[], paths: string[]): string {
  const res = (f: DemFile) => `${Math.round(f.resolutionArcSec[1] * 100) / 100}″`;
  const hgt = files.filter((f) => f.format === 'srtm-hgt');
  const tif = files.filter((f) => f.format === 'geotiff');
  const parts: string[] = [];
  if (hgt.length) parts.push(`${hgt.length} SRTM tile${hgt.length === 1 ? '' : 's'} (${[...new Set(hgt.map(res))].join(', ')})`);
  if (tif.length) parts.push(`${tif.length} GeoTIFF${tif.length === 1 ? '' : 's'} (${[...new Set(tif.map(res))].join(', ')})`);
  return `${parts.join(' and ')} from ${paths.join(', ')}`;
}

/** Build a DEM over already-made sources (exported for tests that build grids in memory). */
export function demFromSources(sources: Source[], paths: string[]): Dem {
  // Finest first, then in the order given; SRTM tiles also indexed by corner for a direct lookup.
  const order = sources.map((s, i) => ({ s, i })).sort((a, b) => a.s.file.resolutionArcSec[1] - b.s.file.resolutionArcSec[1] || a.i - b.i);
  const sorted = order.map((o) => o.s);
  const files = sources.map((s) => s.file);
  const boxes = files.map((f) => f.bbox);
  const sample = (lon: number, lat: number): number | DemGap => {
    let voidIn: string | undefined;
    for (const s of sorted) {
      if (!pointIn(s.file.bbox, lon, lat)) continue;
      const h = gridHeight(s.load(), lon, lat);
      if (typeof h === 'number') return h;
      if (h === 'void') voidIn ??= s.file.path;
    }
    return voidIn !== undefined ? { gap: 'void', lon, lat, file: voidIn } : { gap: 'outside', lon, lat };
  };
  return {
    sample,
    heightAt(lon, lat) {
      const h = sample(lon, lat);
      if (isDemGap(h)) throw new DemCoverageError(h);
      return h;
    },
    covers(bbox) {
      const [w, s, e, n] = bbox;
      if (!(e > w) || !(n > s)) return boxes.some((b) => pointIn(b, w, s) && pointIn(b, e, n));
      return boxCovered(bbox, boxes);
    },
    source: { files, description: describe(files, paths) },
  };
}

/** Load the DEM files and directories named (in order). Throws DemError for anything unusable. */
export async function loadDem(paths: readonly string[]): Promise<Dem> {
  if (paths.length === 0) throw new DemError('(none)', 'no DEM file or directory given');
  const sources: Source[] = [];
  for (const p of paths) sources.push(...(await sourcesFor(p)));
  return demFromSources(sources, [...paths]);
}
