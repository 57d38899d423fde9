/** Zone maps: every uploaded version is kept (missions name the version they were planned on). */
import { num, numOrNull, str, type Row, type StoreConnection } from '../connection.js';
import type { ZoneMapRecord } from '../records.js';

function zoneMapRow(r: Row): ZoneMapRecord {
  return { version: num(r.version), name: str(r.name), geojson: str(r.geojson), createdAt: str(r.created_at), createdBy: numOrNull(r.created_by) };
}

export class ZoneMapsRepository {
  constructor(private readonly c: StoreConnection) {}

  add(m: { name: string; geojson: string; createdBy: number | null }): ZoneMapRecord {
    const at = this.c.now();
    const info = this.c.q('INSERT INTO zone_maps (name, geojson, created_at, created_by) VALUES (?, ?, ?, ?)').run(m.name, m.geojson, at, m.createdBy);
    return { version: Number(info.lastInsertRowid), ...m, createdAt: at };
  }
  byVersion(version: number): ZoneMapRecord | null {
    const r = this.c.q('SELECT * FROM zone_maps WHERE version = ?').get(version) as Row | undefined;
    return r ? zoneMapRow(r) : null;
  }
  latest(): ZoneMapRecord | null {
    const r = this.c.q('SELECT * FROM zone_maps ORDER BY version DESC LIMIT 1').get() as Row | undefined;
    return r ? zoneMapRow(r) : null;
  }
}
