/**
 * An MBTiles file (https://github.com/mapbox/mbtiles-spec, 1.3): an SQLite database with a
 * `metadata` table and a `tiles` table keyed by zoom, column and TMS row (row 0 at the south, so
 * row = 2^z − 1 − y for the XYZ tiles Leaflet asks for). Opened read-only; raster formats only
 * (png, jpg, webp) since Leaflet draws images — a vector (pbf) file is refused at start, saying so.
 */
import Database from 'better-sqlite3';

export interface MbtilesFile {
  path: string;
  format: 'png' | 'jpg' | 'webp';
  contentType: string;
  minZoom: number;
  maxZoom: number;
  /** [west, south, east, north], when the file says. */
  bounds: [number, number, number, number] | null;
  attribution: string | null;
  name: string | null;
  /** The tile at XYZ z/x/y, or null when the file has none there. */
  tile(z: number, x: number, y: number): Buffer | null;
  close(): void;
}

export class MbtilesError extends Error {
  override name = 'MbtilesError';
}

const CONTENT_TYPES = { png: 'image/png', jpg: 'image/jpeg', webp: 'image/webp' } as const;

/** Sniff the format from the first tile's bytes when the metadata does not say. */
function sniff(data: Buffer | undefined): MbtilesFile['format'] | null {
  if (!data) return null;
  if (data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (data[0] === 0xff && data[1] === 0xd8) return 'jpg';
  if (data.subarray(0, 4).toString('latin1') === 'RIFF' && data.subarray(8, 12).toString('latin1') === 'WEBP') return 'webp';
  return null;
}

export function openMbtiles(path: string): MbtilesFile {
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    db.prepare('SELECT 1 FROM sqlite_master LIMIT 1').get();
  } catch (err) {
    throw new MbtilesError(`${path}: not a readable MBTiles file (${err instanceof Error ? err.message : String(err)})`);
  }
  try {
    const tables = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type IN ('table','view')").all() as { name: string }[]).map((r) => r.name));
    if (!tables.has('tiles')) throw new MbtilesError(`${path}: not an MBTiles file (no "tiles" table)`);
    const meta = new Map<string, string>();
    if (tables.has('metadata'))
      for (const r of db.prepare('SELECT name, value FROM metadata').all() as { name: string; value: string }[]) meta.set(r.name, String(r.value));
    const first = db.prepare('SELECT tile_data FROM tiles LIMIT 1').get() as { tile_data: Buffer } | undefined;
    if (!first) throw new MbtilesError(`${path}: the file has no tiles`);
    const declared = meta.get('format')?.toLowerCase();
    if (declared === 'pbf' || declared === 'mvt')
      throw new MbtilesError(`${path}: holds vector tiles (format ${declared}); medidrop's maps draw raster tiles (png, jpg, webp)`);
    const format = declared === 'jpeg' ? 'jpg' : declared === 'png' || declared === 'jpg' || declared === 'webp' ? declared : sniff(first.tile_data);
    if (!format)
      throw new MbtilesError(`${path}: unknown tile format ${declared ? `'${declared}'` : '(no metadata, unrecognised bytes)'}; use png, jpg or webp`);
    const zooms = db.prepare('SELECT MIN(zoom_level) AS lo, MAX(zoom_level) AS hi FROM tiles').get() as { lo: number; hi: number };
    const num = (k: string, fallback: number) => {
      const v = Number(meta.get(k));
      return Number.isInteger(v) ? v : fallback;
    };
    const b = meta.get('bounds')?.split(',').map(Number);
    const bounds = b && b.length === 4 && b.every(Number.isFinite) ? (b as [number, number, number, number]) : null;
    const get = db.prepare('SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?').pluck();
    return {
      path,
      format,
      contentType: CONTENT_TYPES[format],
      minZoom: num('minzoom', zooms.lo),
      maxZoom: num('maxzoom', zooms.hi),
      bounds,
      attribution: meta.get('attribution') ?? null,
      name: meta.get('name') ?? null,
      tile(z, x, y) {
        const n = 2 ** z;
        if (!Number.isInteger(z) || !Number.isInteger(x) || !Number.isInteger(y) || x < 0 || y < 0 || x >= n || y >= n) return null;
        const data = get.get(z, x, n - 1 - y) as Buffer | undefined;
        return data ?? null;
      },
      close: () => db.close(),
    };
  } catch (err) {
    db.close();
    throw err;
  }
}
