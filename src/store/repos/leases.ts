/**
 * The drone_leases table: which service instance owns each drone's link, with a fencing token and
 * an expiry (ms since the epoch). Every statement is one plain INSERT / UPDATE whose WHERE says when
 * it may change the row, so that it means the same on SQLite and PostgreSQL: the row count it
 * reports is the answer (README "Several instances, one fleet").
 */
import { num, str, type Row, type StoreConnection } from '../connection.js';

export interface DroneLease {
  droneId: string;
  owner: string;
  /** Raised by one on every acquisition (never reset): a write carrying an older token is refused. */
  token: number;
  /** ms since the epoch. */
  expiresAt: number;
}

const lease = (r: Row): DroneLease => ({ droneId: str(r.drone_id), owner: str(r.owner), token: num(r.token), expiresAt: num(r.expires_at) });

export class LeasesRepository {
  constructor(private readonly c: StoreConnection) {}

  /**
   * Take the drone's lease for `owner` until `expiresAt` when it is free (no row, or expired at
   * `now`); with `force`, whoever holds it (a single instance that declares itself the only one).
   * Returns the lease with its new token, or null when another instance holds it.
   */
  acquire(droneId: string, owner: string, now: number, expiresAt: number, force = false): DroneLease | null {
    return this.c.transaction(() => {
      const fresh = this.c
        .q('INSERT INTO drone_leases (drone_id, owner, token, expires_at) VALUES (?, ?, 1, ?) ON CONFLICT (drone_id) DO NOTHING')
        .run(droneId, owner, expiresAt).changes;
      if (fresh === 0) {
        const taken = this.c
          .q('UPDATE drone_leases SET owner = ?, token = token + 1, expires_at = ?, report = NULL WHERE drone_id = ? AND (expires_at <= ? OR ? = 1)')
          .run(owner, expiresAt, droneId, now, force ? 1 : 0).changes;
        if (taken === 0) return null;
      }
      const row = this.c.q('SELECT * FROM drone_leases WHERE drone_id = ? AND owner = ?').get(droneId, owner) as Row | undefined;
      return row ? lease(row) : null;
    });
  }

  /**
   * Extend a lease still held with this token, storing what the owner last heard from the vehicle
   * (`report`, JSON, or null); false: it was taken over (the lease is lost).
   */
  renew(droneId: string, owner: string, token: number, expiresAt: number, report: string | null = null): boolean {
    return (
      this.c
        .q('UPDATE drone_leases SET expires_at = ?, report = ? WHERE drone_id = ? AND owner = ? AND token = ?')
        .run(expiresAt, report, droneId, owner, token).changes === 1
    );
  }

  /** What the lease holder last heard from the vehicle (JSON as stored), with who holds it until when. */
  report(droneId: string): { owner: string; expiresAt: number; report: string | null } | null {
    const r = this.c.q('SELECT owner, expires_at, report FROM drone_leases WHERE drone_id = ?').get(droneId) as Row | undefined;
    return r ? { owner: str(r.owner), expiresAt: num(r.expires_at), report: r.report === null || r.report === undefined ? null : str(r.report) } : null;
  }

  /**
   * The fence of a write: true when this owner still holds the lease with this token and it has
   * not expired at `now`. An UPDATE rather than a SELECT so that, inside the write's transaction,
   * it locks the lease row (PostgreSQL) or the database (SQLite) until the write commits: an
   * acquisition cannot slip in between the check and the write.
   */
  fence(droneId: string, owner: string, token: number, now: number): boolean {
    return (
      this.c.q('UPDATE drone_leases SET token = token WHERE drone_id = ? AND owner = ? AND token = ? AND expires_at > ?').run(droneId, owner, token, now)
        .changes === 1
    );
  }

  /** Give the lease up at once (a clean stop): expired now, the token kept for the next owner to raise. */
  release(droneId: string, owner: string, token: number): boolean {
    return this.c.q('UPDATE drone_leases SET expires_at = 0 WHERE drone_id = ? AND owner = ? AND token = ?').run(droneId, owner, token).changes === 1;
  }

  get(droneId: string): DroneLease | null {
    const r = this.c.q('SELECT * FROM drone_leases WHERE drone_id = ?').get(droneId) as Row | undefined;
    return r ? lease(r) : null;
  }

  list(): DroneLease[] {
    return (this.c.q('SELECT * FROM drone_leases ORDER BY drone_id').all() as Row[]).map(lease);
  }
}
