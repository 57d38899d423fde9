/**
 * A real Mosquitto broker on loopback for the MQTT bus tests: `mosquitto -c <temporary conf>` with
 * one listener on 127.0.0.1 at a free port, anonymous clients allowed, no persistence. It can be
 * SIGKILLed and started again on the same port (a broker outage). Debian installs the binary in
 * /usr/sbin, which is not on a normal user's PATH: MOSQUITTO_BIN, then PATH, then /usr/sbin. When
 * none is there, `MOSQUITTO` is null and the tests skip with SKIP_REASON.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { delimiter, join } from 'node:path';

function findMosquitto(): string | null {
  const candidates = [
    ...(process.env.MOSQUITTO_BIN ? [process.env.MOSQUITTO_BIN] : []),
    ...(process.env.PATH ?? '').split(delimiter).map((d) => join(d, 'mosquitto')),
    '/usr/sbin/mosquitto',
  ];
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // next
    }
  }
  return null;
}

export const MOSQUITTO = findMosquitto();
export const SKIP_REASON = 'mosquitto not found (MOSQUITTO_BIN, PATH, /usr/sbin): apt-get install mosquitto to run the MQTT bus tests';

export interface Broker {
  port: number;
  url: string;
  /** The broker's stderr so far (its log). */
  log(): string;
  /** SIGKILL, as a crash would; resolves when the process is gone. */
  kill(): Promise<void>;
  /** Start again on the same port (after kill). */
  start(): Promise<void>;
  /** Kill and remove the temporary directory. */
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

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ host: '127.0.0.1', port });
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

export async function startMosquitto(): Promise<Broker> {
  if (!MOSQUITTO) throw new Error(SKIP_REASON);
  const bin = MOSQUITTO;
  const dir = mkdtempSync(join(tmpdir(), 'medidrop-mosquitto-'));
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  // As root, Mosquitto 2 switches to the user 'mosquitto' unless told to stay; as any other user it
  // runs as that user and ignores `user`.
  const lines = [
    `listener ${port} 127.0.0.1`,
    'allow_anonymous true',
    'persistence false',
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    'log_type notice',
  ];
  if (process.getuid?.() === 0) lines.push(`user ${userInfo().username}`);
  writeFileSync(conf, `${lines.join('\n')}\n`);
  let proc: ChildProcess | null = null;
  let log = '';

  const start = async () => {
    const p = spawn(bin, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    proc = p;
    p.stderr!.setEncoding('utf8');
    p.stderr!.on('data', (d: string) => {
      log += d;
    });
    const exited = new Promise<number | null>((resolve) => p.once('exit', (code) => resolve(code)));
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (p.exitCode !== null) break;
      if (await canConnect(port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    p.kill('SIGKILL');
    await exited;
    throw new Error(`mosquitto did not start on 127.0.0.1:${port}:\n${log}`);
  };
  const kill = async () => {
    const p = proc;
    proc = null;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => p.once('exit', () => resolve()));
    p.kill('SIGKILL');
    await gone;
  };
  await start();
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    log: () => log,
    kill,
    start,
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
