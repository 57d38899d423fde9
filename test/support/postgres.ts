/**
 * A real, throwaway PostgreSQL cluster on loopback for the store tests on PostgreSQL: `initdb` in a
 * temporary directory (trust authentication, C locale, UTF-8), `pg_ctl start` listening on 127.0.0.1
 * at a free port with its unix socket in that directory; `stop()` stops it and removes the directory.
 * Binaries: PG_BIN (a directory), then PATH, then /usr/local/bin, then /usr/lib/postgresql/<newest>/bin
 * (where Debian's package puts them). initdb refuses to run as root: as root the cluster is created
 * and run as the user 'postgres' (Debian's package creates it), else 'nobody', through
 * `runuser -u <user> --`, and the directory is given to that user.
 * When no binaries are there, or pg-native (the store's PostgreSQL driver) is not installed,
 * `POSTGRES` is null and the tests skip with SKIP_REASON.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, chmodSync, chownSync, constants, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { finishClient, pgNativeAvailable } from '../../src/store/pg-engine.js';

function executable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findBinDir(): string | null {
  const debian = (() => {
    try {
      return readdirSync('/usr/lib/postgresql')
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
        .map((v) => `/usr/lib/postgresql/${v}/bin`);
    } catch {
      return [];
    }
  })();
  const dirs = [...(process.env.PG_BIN ? [process.env.PG_BIN] : []), ...(process.env.PATH ?? '').split(delimiter), '/usr/local/bin', ...debian];
  for (const d of dirs) if (d && executable(join(d, 'initdb')) && executable(join(d, 'pg_ctl'))) return d;
  return null;
}

const BIN_DIR = findBinDir();
const PG_NATIVE = pgNativeAvailable();

/** The directory holding initdb and pg_ctl, or null when the PostgreSQL tests cannot run. */
export const POSTGRES = BIN_DIR && PG_NATIVE ? BIN_DIR : null;
export const SKIP_REASON = !BIN_DIR
  ? 'PostgreSQL not found (PG_BIN, PATH, /usr/local/bin, /usr/lib/postgresql/*/bin): apt-get install postgresql to run the store tests on PostgreSQL'
  : 'pg-native (the optional PostgreSQL driver) is not installed: install libpq-dev and run npm install to run the store tests on PostgreSQL';

export interface PgCluster {
  port: number;
  /** A postgres:// URL of a fresh database (each call makes a new one). */
  newDatabase(): string;
  /** The URL of the cluster's default database. */
  url: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** The user the cluster runs as when we are root (initdb refuses root). */
function serverUser(): { name: string; uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  for (const name of ['postgres', 'nobody']) {
    const r = spawnSync('id', ['-u', name], { encoding: 'utf8' });
    const g = spawnSync('id', ['-g', name], { encoding: 'utf8' });
    if (r.status === 0 && g.status === 0) return { name, uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) };
  }
  throw new Error('running as root and neither user postgres nor nobody exists: initdb refuses to run as root');
}

export async function startPostgres(): Promise<PgCluster> {
  if (!POSTGRES) throw new Error(SKIP_REASON);
  const bin = POSTGRES;
  const user = serverUser();
  const dir = mkdtempSync(join(tmpdir(), 'medidrop-postgres-'));
  const data = join(dir, 'data');
  const sock = join(dir, 'sock');
  mkdirSync(sock);
  if (user) {
    chownSync(dir, user.uid, user.gid);
    chownSync(sock, user.uid, user.gid);
    chmodSync(dir, 0o755);
  }
  const run = (cmd: string, args: string[]) => {
    const [file, argv] = user ? ['runuser', ['-u', user.name, '--', join(bin, cmd), ...args]] : [join(bin, cmd), args];
    const r = spawnSync(file, argv, { encoding: 'utf8', cwd: dir });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };
  const dbUser = 'medidrop';
  run('initdb', ['-D', data, '-A', 'trust', '-U', dbUser, '--locale=C', '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  // fsync stays on: the tests use the durability the users get (synchronous_commit is on).
  const opts = `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${sock} -c max_connections=40 -c shared_buffers=16MB`;
  run('pg_ctl', ['-D', data, '-o', opts, '-l', join(dir, 'log'), '-w', '-t', '60', 'start']);
  let n = 0;
  const url = `postgres://${dbUser}@127.0.0.1:${port}/postgres`;
  return {
    port,
    url,
    newDatabase() {
      const name = `medidrop_${++n}`;
      // through pg-native (the store's driver): Debian's server package does not always bring psql
      const PgClient = createRequire(import.meta.url)('pg-native') as new () => {
        connectSync(u: string): void;
        querySync(q: string): unknown;
        pq: { finish(): void };
      };
      const c = new PgClient();
      c.connectSync(url);
      try {
        c.querySync(`CREATE DATABASE ${name}`);
      } finally {
        finishClient(c);
      }
      return `postgres://${dbUser}@127.0.0.1:${port}/${name}`;
    },
    async stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
