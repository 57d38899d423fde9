/** The fleet's drones: profile, depot, how to reach each one (connection URL, MAVLink system id). */
import { num, str, type Row, type StoreConnection } from '../connection.js';
import { DEFAULT_TURNAROUND_S, type DroneRecord } from '../records.js';

function droneRow(r: Row): DroneRecord {
  return {
    id: str(r.id),
    name: str(r.name),
    profileId: str(r.profile_id),
    depot: str(r.depot),
    connectionUrl: str(r.connection_url),
    sysid: num(r.sysid),
    enabled: num(r.enabled) === 1,
    turnaroundS: num(r.turnaround_s),
    createdAt: str(r.created_at),
  };
}

export class DronesRepository {
  constructor(private readonly c: StoreConnection) {}

  create(input: Omit<DroneRecord, 'createdAt' | 'turnaroundS'> & { turnaroundS?: number }): DroneRecord {
    const at = this.c.now();
    const d = { ...input, turnaroundS: input.turnaroundS ?? DEFAULT_TURNAROUND_S };
    this.c
      .q('INSERT INTO drones (id, name, profile_id, depot, connection_url, sysid, enabled, turnaround_s, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(d.id, d.name, d.profileId, d.depot, d.connectionUrl, d.sysid, d.enabled ? 1 : 0, d.turnaroundS, at);
    return { ...d, createdAt: at };
  }
  update(id: string, patch: Partial<Omit<DroneRecord, 'id' | 'createdAt'>>): DroneRecord | null {
    const cur = this.byId(id);
    if (!cur) return null;
    const d = { ...cur, ...patch };
    this.c
      .q('UPDATE drones SET name = ?, profile_id = ?, depot = ?, connection_url = ?, sysid = ?, enabled = ?, turnaround_s = ? WHERE id = ?')
      .run(d.name, d.profileId, d.depot, d.connectionUrl, d.sysid, d.enabled ? 1 : 0, d.turnaroundS, id);
    return d;
  }
  byId(id: string): DroneRecord | null {
    const r = this.c.q('SELECT * FROM drones WHERE id = ?').get(id) as Row | undefined;
    return r ? droneRow(r) : null;
  }
  list(): DroneRecord[] {
    return (this.c.q('SELECT * FROM drones ORDER BY id').all() as Row[]).map(droneRow);
  }
}
