/**
 * Writes small MBTiles files for the tests (the spec's two tables; TMS rows, row 0 at the south),
 * so the offline base map is tested with a file the tests make themselves.
 */
import Database from 'better-sqlite3';

/** A 1×1 PNG; Leaflet stretches it over the 256 px tile. */
export const PNG_1PX = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');

export interface TileSpec {
  z: number;
  x: number;
  /** XYZ row (as Leaflet asks); stored as the TMS row 2^z − 1 − y. */
  y: number;
  data: Buffer;
}

/** XYZ tile containing a WGS-84 point (Web Mercator). */
export function tileAt(lon: number, lat: number, z: number): { x: number; y: number } {
  const n = 2 ** z;
  const x = Math.floor(((lon + 180) / 360) * n);
  const r = (lat * Math.PI) / 180;
  const y = Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n);
  return { x, y };
}

export function writeMbtiles(path: string, tiles: TileSpec[], metadata: Record<string, string> = { name: 'test', format: 'png' }): void {
  const db = new Database(path);
  db.exec('CREATE TABLE metadata (name TEXT, value TEXT); CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);');
  const meta = db.prepare('INSERT INTO metadata (name, value) VALUES (?, ?)');
  for (const [k, v] of Object.entries(metadata)) meta.run(k, v);
  const put = db.prepare('INSERT INTO tiles (zoom_level, tile_column, tile_row, tile_data) VALUES (?, ?, ?, ?)');
  // one transaction: thousands of tiles, one commit (not one disk sync per tile)
  db.transaction(() => {
    for (const t of tiles) put.run(t.z, t.x, 2 ** t.z - 1 - t.y, t.data);
  })();
  db.close();
}
