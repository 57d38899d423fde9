/**
 * `medidrop serve` as a child process of its own (the built CLI, dist/src/cli.js), for tests that
 * kill it (SIGKILL) and start it again on the same database. Resolves once it prints the address it
 * listens on; rejects with what it printed when it exits or does not start in time. `output()` is
 * everything it has printed so far (stdout and stderr), for tests that look for a log line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../../src/package-root.js';

export const CLI = join(packageRoot(), 'dist', 'src', 'cli.js');

export async function spawnService(
  args: string[],
  opts: { env?: Record<string, string>; startTimeoutMs?: number } = {},
): Promise<{ child: ChildProcess; url: string; out: string; output: () => string }> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', ...args], {
    cwd: packageRoot(),
    env: { ...process.env, MEDIDROP_LOG_LEVEL: 'warn', VITEST: '', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let all = '';
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
    all += d.toString();
  });
  child.stdout?.on('data', (d: Buffer) => {
    all += d.toString();
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`service did not start:\n${out}\n${err}`)), opts.startTimeoutMs ?? 40_000);
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`service exited (${code}):\n${out}\n${err}`));
      });
    });
    return { child, url, out, output: () => all };
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
}
