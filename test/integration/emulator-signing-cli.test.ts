/**
 * `medidrop sim --signing-key` as a pilot runs it (spawned from dist/: `npm test` builds first), with the
 * pilot's own tools (`medidrop download`) on the printed url, with and without the key.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT } from './flight-scenarios.js';
import { CLI, killCliChildren, runCli as runCliWith, spawnCli } from '../support/cli.js';

const MAP = path.join(ROOT, 'missions/county-town.geojson');
const DEPOT = 'Chengzhong Police Station 城中派出所';
const HEX_KEY = 'a3'.repeat(16) + '5c'.repeat(16);

afterEach(killCliChildren);

const runCli = (args: string[], env: NodeJS.ProcessEnv = {}) => runCliWith(args, { env, timeoutMs: 30_000 });

function startSim(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ line: Record<string, unknown>; stderr: () => string }> {
  const child = spawnCli(['sim', '--map', MAP, '--depot', DEPOT, '--port', '0', '--speedup', '40', '--ready-after', '2', ...args], env);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    // up once the first drone's line is on stdout and the 'Ctrl-C to stop' line on stderr
    const check = () => {
      const first = out.split('\n').find(Boolean);
      if (first && out.includes('\n') && err.includes('Ctrl-C to stop')) resolve({ line: JSON.parse(first) as Record<string, unknown>, stderr: () => err });
    };
    child.stderr!.on('data', (b: Buffer) => {
      err += b.toString();
      check();
    });
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      check();
    });
    child.once('exit', (code) => reject(new Error(`medidrop sim exited ${code}: ${err}`)));
  });
}

describe.skipIf(!existsSync(CLI))('medidrop sim --signing-key', () => {
  it('drones sign and refuse what is not signed: download works with the key (flag or MEDIDROP_SIGNING_KEY), fails without it', async () => {
    const sim = await startSim([], { MEDIDROP_SIGNING_KEY: HEX_KEY });
    expect(sim.line).toMatchObject({ sysid: 1, signed: true, url: expect.stringMatching(/^tcp:\/\/127\.0\.0\.1:\d+$/) });
    expect(sim.line.serial0Port).not.toBe(sim.line.tcpPort);
    expect(sim.stderr()).toMatch(/signing on: connect to SERIAL1/);
    const url = sim.line.url as string;
    const withKey = await runCli(['download', '--connect', url, '--signing-key', HEX_KEY, '--require-signed', '--wait', '10000']);
    expect(withKey.code, withKey.stderr).toBe(0);
    expect(JSON.parse(withKey.stdout)).toEqual(expect.any(Array));
    // nothing is answered without the key: the user's own --timeout (per step) and --retries end it early
    const withoutKey = await runCli(['download', '--connect', url, '--wait', '10000', '--timeout', '1000', '--retries', '1']);
    expect(withoutKey.code).toBe(1);
    expect(withoutKey.stderr).toMatch(/download failed/);
  });

  it('takes a passphrase like the client does (SHA-256), and refuses an all-zero or empty key with exit 2', async () => {
    const sim = await startSim(['--signing-key', 'county town drones']);
    const url = sim.line.url as string;
    const ok = await runCli(['download', '--connect', url, '--type', 'rally', '--wait', '10000'], { MEDIDROP_SIGNING_KEY: 'county town drones' });
    expect(ok.code, ok.stderr).toBe(0);
    const zero = await runCli(['sim', '--map', MAP, '--depot', DEPOT, '--port', '0', '--signing-key', '0'.repeat(64)]);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toMatch(/--signing-key: an all-zero key/);
    const empty = await runCli(['sim', '--map', MAP, '--depot', DEPOT, '--port', '0', '--signing-key', ' ']);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/--signing-key: signing key is empty/);
  });
});
