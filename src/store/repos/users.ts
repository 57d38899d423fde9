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
    return { id: Number(info.lastInsertRowid), ...u, createdAt: at };
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
  deleteExpiredSessions(): number {
    return this.c.q('DELETE FROM sessions WHERE expires_at < ?').run(this.c.now()).changes;
  }
}
