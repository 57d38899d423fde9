/**
 * The store on a real PostgreSQL (a throwaway cluster on loopback, test/support/postgres.ts): what
 * the PostgreSQL engine guarantees beyond the repository tests that run on both engines
 * (test/support/store-engines.ts): its migrations, the append-only audit log, read-then-write
 * transactions from two processes on one database, nothing acknowledged lost when the writer is
 * killed, and `medidrop serve` refusing an unreachable server with exit code 2 and the password masked.
 * (The child processes run the compiled store: `npm test` builds first.)
 */
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/package-root.js';
import { openDatabase } from '../../src/store/db.js';
import { MIGRATIONS, migrate, schemaVersion } from '../../src/store/migrations.js';
import { IDLE_IN_TRANSACTION_MS, LOCK_TIMEOUT_MS, PgEngine } from '../../src/store/pg-engine.js';
import { PG_MIGRATIONS } from '../../src/store/pg-migrations.js';
import { type PgCluster, POSTGRES, SKIP_REASON, startPostgres } from '../support/postgres.js';

if (!POSTGRES) console.warn(`skipping the PostgreSQL store tests: ${SKIP_REASON}`);

const dist = (p: string) => join(packageRoot(), 'dist', 'src', p);

describe.skipIf(!POSTGRES)('store on PostgreSQL (real server on loopback)', () => {
  let pg: PgCluster;
  beforeAll(async () => {
    pg = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await pg?.stop();
  });

  it("applies PostgreSQL's migrations once, records them, and refuses a database newer than the code", () => {
    const e = PgEngine.connect(pg.newDatabase());
    try {
      expect(schemaVersion(e)).toBe(0);
      expect(migrate(e)).toEqual(PG_MIGRATIONS.map((m) => m.version));
      expect(schemaVersion(e)).toBe(MIGRATIONS.length);
      expect(migrate(e)).toEqual([]);
      const tables = e
        .prepare("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'")
        .all()
        .map((r) => r.name);
      for (const t of [
        'users',
        'sessions',
        'drop_requests',
        'idempotency_keys',
        'missions',
        'approvals',
        'flights',
        'track_points',
        'deliveries',
        'audit_log',
      ]) {
        expect(tables).toContain(t);
      }
      // a failing migration is rolled back whole
      const broken = [...PG_MIGRATIONS, { version: PG_MIGRATIONS.length + 1, name: 'broken', sql: 'CREATE TABLE half (x INTEGER); CREATE TABLE nonsense (' }];
      expect(() => migrate(e, broken)).toThrow();
      expect(e.prepare("SELECT 1 FROM information_schema.tables WHERE table_name = 'half'").get()).toBeUndefined();
      migrate(e, [...PG_MIGRATIONS, { version: PG_MIGRATIONS.length + 1, name: 'future', sql: 'CREATE TABLE future (x INTEGER)' }]);
      expect(() => migrate(e)).toThrow(/newer than this medidrop/);
    } finally {
      e.close();
    }
  });

  it('user names unique regardless of case: the later twins are renamed and audited (migration 3 on PostgreSQL)', () => {
    const e = PgEngine.connect(pg.newDatabase());
    try {
      migrate(e, PG_MIGRATIONS.slice(0, 1));
      const add = e.prepare("INSERT INTO users (username, name, role, password_hash, created_at) VALUES (?, ?, 'officer', 'h', 'then')");
      for (const u of ['bob', 'Bob', 'alice', 'BOB']) add.run(u, u);
      migrate(e);
      expect(e.prepare('SELECT id, username FROM users ORDER BY id').all()).toEqual([
        { id: 1, username: 'bob' },
        { id: 2, username: 'Bob-2' },
        { id: 3, username: 'alice' },
        { id: 4, username: 'BOB-4' },
      ]);
      const audit = e.prepare("SELECT subject_id, reason, details, at FROM audit_log WHERE action = 'user.rename' ORDER BY subject_id").all() as Record<
        string,
        string
      >[];
      expect(audit.map((a) => [a.subject_id, JSON.parse(a.details!)])).toEqual([
        ['2', { from: 'Bob', to: 'Bob-2' }],
        ['4', { from: 'BOB', to: 'BOB-4' }],
      ]);
      expect(audit[0]!.reason).toBe('user names are unique regardless of case; the older account bob keeps the name');
      expect(audit[0]!.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(() => add.run('ALICE', 'x')).toThrow(/duplicate key/);
    } finally {
      e.close();
    }
  });

  it('the audit log refuses UPDATE, DELETE and TRUNCATE', () => {
    const s = openDatabase(pg.newDatabase());
    try {
      const a = s.repos.audit.append({ actorId: null, action: 'request.create', subjectType: 'request', subjectId: 1 });
      expect(() => s.engine.prepare('UPDATE audit_log SET reason = ? WHERE id = ?').run('x', a.id)).toThrow(/append-only/);
      expect(() => s.engine.prepare('DELETE FROM audit_log').run()).toThrow(/append-only/);
      expect(() => s.engine.exec('TRUNCATE audit_log')).toThrow(/append-only/);
      expect(s.repos.audit.list({ limit: 5 }).map((x) => x.id)).toEqual([a.id]);
    } finally {
      s.close();
    }
  });

  it('read-then-write transactions of two processes on one database do not lose updates (one transaction at a time)', async () => {
    const url = pg.newDatabase();
    openDatabase(url).close(); // migrated once before the two start
    const N = 15;
    // each increments a counter N times: read it, wait, write it + 1, in one transaction
    const script = (who: string) => `
      import { openDatabase } from ${JSON.stringify(dist('store/db.js'))};
      const { repos, close } = openDatabase(${JSON.stringify(url)});
      const nap = new Int32Array(new SharedArrayBuffer(4));
      for (let i = 0; i < ${N}; i++) {
        repos.transaction(() => {
          const n = Number(repos.settings.get('counter') ?? '0');
          Atomics.wait(nap, 0, 0, 15);
          repos.settings.set('counter', String(n + 1));
          repos.audit.append({ actorId: null, action: 'counter', details: { who: '${who}', n: n + 1 } });
        });
      }
      close();
      process.stdout.write('done\\n');
    `;
    const run = (who: string) =>
      new Promise<string>((resolve) => {
        const p = spawn(process.execPath, ['--input-type=module', '-e', script(who)], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        p.stdout.on('data', (d) => (out += d));
        p.stderr.on('data', (d) => (out += d));
        p.on('exit', () => resolve(out));
      });
    const outs = await Promise.all([run('a'), run('b')]);
    for (const o of outs) expect(o.trim()).toBe('done');
    const s = openDatabase(url);
    try {
      expect(s.repos.settings.get('counter')).toBe(String(2 * N));
      const ns = s.repos.audit.list({ limit: 100 }).map((a) => a.details.n);
      expect(ns.sort((x, y) => Number(x) - Number(y))).toEqual(Array.from({ length: 2 * N }, (_, i) => i + 1));
    } finally {
      s.close();
    }
  }, 60_000);

  it('a process paused inside a transaction holds the others for at most the lock timeout, and its session is ended', async () => {
    const url = pg.newDatabase();
    const s = openDatabase(url);
    // the child takes the lock, says so, then stops (SIGSTOP) inside its transaction
    const script = `
      import { openDatabase } from ${JSON.stringify(dist('store/db.js'))};
      const { repos } = openDatabase(${JSON.stringify(url)});
      repos.transaction(() => {
        repos.settings.set('holder', 'child');
        process.stdout.write('locked\\n');
        process.kill(process.pid, 'SIGSTOP');
      });
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout.on('data', (d) => String(d).includes('locked') && resolve()));
    try {
      const t0 = Date.now();
      expect(() => s.repos.settings.set('holder', 'parent')).toThrow(/lock timeout/);
      const waited = Date.now() - t0;
      expect(waited).toBeGreaterThanOrEqual(LOCK_TIMEOUT_MS - 100);
      expect(waited).toBeLessThan(LOCK_TIMEOUT_MS + 3000);
      // the server ends the paused session; then the lock is free and the child's write never happened
      await new Promise((r) => setTimeout(r, IDLE_IN_TRANSACTION_MS - waited + 1000));
      s.repos.settings.set('holder', 'parent');
      expect(s.repos.settings.get('holder')).toBe('parent');
    } finally {
      s.close();
      child.kill('SIGKILL');
    }
  }, 60_000);

  it('everything acknowledged before a hard kill of the writing process is there on reopen', () => {
    const url = pg.newDatabase();
    const script = `
      import { openDatabase } from ${JSON.stringify(dist('store/db.js'))};
      const { repos } = openDatabase(${JSON.stringify(url)});
      const u = repos.users.create({ username: 'li.wei', name: 'Li Wei', role: 'officer', passwordHash: 'x' });
      for (let i = 0; i < 20; i++) {
        repos.requests.create({ officerId: u.id, recipient: 'r' + i, phone: '12345', dropPointName: null, lat: 30, lon: 114, medicine: 'm', weightKg: 1, urgency: 'routine', notes: '' }, 'unservable');
      }
      repos.audit.append({ actorId: u.id, action: 'request.create' });
      process.stdout.write('ack\\n');
      process.kill(process.pid, 'SIGKILL');
    `;
    const res = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(res.stdout.trim(), res.stderr).toBe('ack');
    expect(res.signal).toBe('SIGKILL');
    const { repos, close } = openDatabase(url);
    try {
      expect(repos.requests.list().map((r) => r.recipient)).toEqual(Array.from({ length: 20 }, (_, i) => `r${19 - i}`));
      expect(repos.audit.list({ limit: 10 }).map((a) => a.action)).toEqual(['request.create']);
    } finally {
      close();
    }
  });
});

describe('medidrop serve --db postgres://…', () => {
  it.skipIf(!POSTGRES)(
    'serves on a PostgreSQL database named by MEDIDROP_DB, printing it with the password masked',
    async () => {
      const pg = await startPostgres();
      try {
        const url = pg.newDatabase().replace('medidrop@', 'medidrop:not-needed@');
        const p = spawn(process.execPath, [dist('cli.js'), 'serve', '--port', '0'], {
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...process.env, MEDIDROP_DB: url, MEDIDROP_LOG_LEVEL: 'silent' },
        });
        let out = '';
        p.stdout.on('data', (d) => (out += d));
        p.stderr.on('data', (d) => (out += d));
        const exited = new Promise<number | null>((resolve) => p.on('exit', (code) => resolve(code)));
        const deadline = Date.now() + 30_000;
        while (!out.includes('listening') && p.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        expect(out).toContain(`database: ${url.replace(':not-needed@', ':***@')}`);
        expect(out).not.toContain('not-needed');
        p.kill('SIGTERM');
        expect(await exited).toBe(0);
        // it migrated the database it was given
        const s = openDatabase(url);
        expect(s.repos.users.list()).toEqual([]);
        expect(schemaVersion(s.engine)).toBe(MIGRATIONS.length);
        s.close();
      } finally {
        await pg.stop();
      }
    },
    90_000,
  );

  it('an unreachable server: exit code 2, the URL named with its password masked, no stack trace', async () => {
    // a port nobody listens on
    const port = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => resolve(p));
      });
    });
    const url = `postgres://medidrop:hunter2@127.0.0.1:${port}/medidrop`;
    const res = spawnSync(process.execPath, [dist('cli.js'), 'serve', '--db', url, '--port', '0'], {
      encoding: 'utf8',
      env: { ...process.env, MEDIDROP_LOG_LEVEL: 'silent' },
      timeout: 30_000,
    });
    expect(res.status, res.stderr).toBe(2);
    expect(res.stderr).toContain(`cannot open database 'postgres://medidrop:***@127.0.0.1:${port}/medidrop'`);
    expect(res.stderr).not.toContain('hunter2');
    expect(res.stderr).not.toMatch(/^\s+at /m);
  });
});
