/** Accounts: the users table and the log-in sessions that belong to them (used by the web's auth). */
import type { Role } from '../../domain/words.js';
import { num, str, type Row, type StoreConnection } from '../connection.js';
import type { SessionRecord, UserRecord } from '../records.js';

function userRow(r: Row): UserRecord {
  return {
    id: num(r.id),
    username: str(r.username),
    name: str(r.name),
    role: str(r.role) as Role,
    passwordHash: str(r.password_hash),
    disabled: num(r.disabled ?? 0) === 1,
    createdAt: str(r.created_at),
  };
}

export class UsersRepository {
  constructor(private readonly c: StoreConnection) {}

  create(u: { username: string; name: string; role: Role; passwordHash: string }): UserRecord {
    const at = this.c.now();
    const info = this.c
      .q('INSERT INTO users (username, name, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(u.username, u.name, u.role, u.passwordHash, at);
    return { id: Number(info.lastInsertRowid), ...u, disabled: false, createdAt: at };
  }
  /** Change what an admin may change; returns the updated user (null when there is none). */
  update(id: number, patch: Partial<Pick<UserRecord, 'name' | 'role' | 'passwordHash' | 'disabled'>>): UserRecord | null {
    const cur = this.byId(id);
    if (!cur) return null;
    const u = { ...cur, ...patch };
    this.c.q('UPDATE users SET name = ?, role = ?, password_hash = ?, disabled = ? WHERE id = ?').run(u.name, u.role, u.passwordHash, u.disabled ? 1 : 0, id);
    return u;
  }
  /** Enabled users with this role (e.g. how many admins are left). */
  countActive(role: Role): number {
    const r = this.c.q('SELECT COUNT(*) AS n FROM users WHERE role = ? AND disabled = 0').get(role) as Row;
    return num(r.n);
  }
  /** A user by log-in name, ignoring case (the audit filter takes what an admin types). */
  byNameIgnoringCase(username: string): UserRecord | null {
    const r = this.c.q('SELECT * FROM users WHERE lower(username) = lower(?) ORDER BY id LIMIT 1').get(username) as Row | undefined;
    return r ? userRow(r) : null;
  }
  byId(id: number): UserRecord | null {
    const r = this.c.q('SELECT * FROM users WHERE id = ?').get(id) as Row | undefined;
    return r ? userRow(r) : null;
  }
  /** By log-in name, whatever its case ("Admin" finds "admin"; migration 2 keeps them unique so). */
  byName(username: string): UserRecord | null {
    const r = this.c.q('SELECT * FROM users WHERE lower(username) = lower(?)').get(username) as Row | undefined;
    return r ? userRow(r) : null;
  }
  list(): UserRecord[] {
    return (this.c.q('SELECT * FROM users ORDER BY id').all() as Row[]).map(userRow);
  }

  // sessions (only the token's hash is stored)
  createSession(s: SessionRecord): void {
    this.c
      .q('INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)')
      .run(s.tokenHash, s.userId, s.csrfToken, s.createdAt, s.expiresAt);
  }
  sessionByTokenHash(tokenHash: string): SessionRecord | null {
    const r = this.c.q('SELECT * FROM sessions WHERE token_hash = ?').get(tokenHash) as Row | undefined;
    return r
      ? { tokenHash: str(r.token_hash), userId: num(r.user_id), csrfToken: str(r.csrf_token), createdAt: str(r.created_at), expiresAt: str(r.expires_at) }
      : null;
  }
  deleteSession(tokenHash: string): void {
    this.c.q('DELETE FROM sessions WHERE token_hash = ?').run(tokenHash);
  }
  /** End every session of a user (password reset, disabled); returns how many were ended. */
  deleteSessionsOf(userId: number): number {
    return this.c.q('DELETE FROM sessions WHERE user_id = ?').run(userId).changes;
  }
  deleteExpiredSessions(): number {
    return this.c.q('DELETE FROM sessions WHERE expires_at < ?').run(this.c.now()).changes;
  }
}
