/**
 * `medidrop sim` and `medidrop fly` as a pilot runs them (spawned from dist/: `npm test` builds first).
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './flight-scenarios.js';
import { connect } from '../../src/mavlink/connection.js';
import { CLI, killCliChildren, runCli as runCliWith, spawnCli } from '../support/cli.js';

const MAP = path.join(ROOT, 'missions/county-town.geojson');
const DEPOT = 'Chengzhong Police Station 城中派出所';
const DROP = 'Jinxiu Garden courtyard 锦绣花园中心庭院';
let dir: string;
let planFile: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'medidrop-fly-'));
  planFile = path.join(dir, 'delivery.plan');
  const r = spawnSync(process.execPath, [CLI, 'plan', '--zones', MAP, '--from', DEPOT, '--to', DROP, '--out', planFile], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`medidrop plan failed: ${r.stderr}`);
});
afterAll(() => {
  killCliChildren();
  rmSync(dir, { recursive: true, force: true });
});

function startSim(extra: string[] = []): Promise<{ child: ChildProcess; lines: Record<string, unknown>[] }> {
  const child = spawnCli(['sim', '--map', MAP, '--depot', DEPOT, '--port', '0', '--speedup', '40', '--ready-after', '4', ...extra]);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const lines = out.split('\n').filter(Boolean);
      const want = Number(extra[extra.indexOf('--vehicles') + 1] ?? 1) || 1;
      if (lines.length >= want) resolve({ child, lines: lines.map((l) => JSON.parse(l) as Record<string, unknown>) });
    });
    child.once('exit', (code) => reject(new Error(`medidrop sim exited ${code}: ${err}`)));
  });
}

const runCli = (args: string[]) => runCliWith(args);

describe.skipIf(!existsSync(CLI))('medidrop sim + medidrop fly', () => {
  it('flies a planned delivery on a simulated drone: JSON line per state with position, exit 0 when delivered and home', async () => {
    const sim = await startSim(['--vehicles', '2']);
    expect(sim.lines.map((l) => l.sysid)).toEqual([1, 2]);
    const url = sim.lines[0]!.url as string;
    expect(url).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
    const r = await runCli(['fly', '--connect', url, planFile, '--yes']);
    sim.child.kill('SIGINT');
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const statuses = lines.map((l) => l.status).filter(Boolean);
    for (const s of ['uploading', 'uploaded', 'arming', 'en-route', 'delivering', 'returning', 'completed']) expect(statuses).toContain(s);
    const enRoute = lines.find((l) => l.status === 'en-route')!;
    expect(enRoute.position).toMatchObject({ lat: expect.any(Number), lon: expect.any(Number) });
    const last = lines[lines.length - 1]!;
    expect(last).toMatchObject({ result: 'delivered', ok: true, reason: null });
    expect((last.release as { distanceM: number }).distanceM).toBeLessThan(3);
    await new Promise((res) => sim.child.once('exit', res));
    expect(sim.child.exitCode).toBe(0);
  });

  it('refuses to fly without --yes when there is no terminal to confirm on (exit 2, nothing sent)', async () => {
    const r = await runCli(['fly', '--connect', 'tcp://127.0.0.1:1', planFile]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--yes/);
  });

  it('rejects a file that is not a plan (exit 2, says what is wrong)', async () => {
    const bad = path.join(dir, 'bad.plan');
    writeFileSync(bad, JSON.stringify({ fileType: 'Plan', version: 1 }));
    const r = await runCli(['fly', '--connect', 'tcp://127.0.0.1:1', bad, '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.plan is not a usable plan/);
  });

  it('exits 1 with the reason when the vehicle cannot be reached', async () => {
    const r = await runCli(['fly', '--connect', 'tcp://127.0.0.1:1', planFile, '--yes']);
    expect(r.code).toBe(1);
    const last = JSON.parse(r.stdout.trim().split('\n').pop()!) as { status: string; reason: string };
    expect(last.status).toBe('failed');
    expect(last.reason).toMatch(/cannot connect|no vehicle/);
  });

  it('medidrop sim sets vehicle parameters from --param (a winch drone) and refuses a malformed one', async () => {
    const bad = await runCli(['sim', '--map', MAP, '--depot', DEPOT, '--port', '0', '--param', 'winch=1']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--param must be NAME=VALUE/);
    const sim = await startSim(['--param', 'WINCH_TYPE=1']);
    const conn = await connect(sim.lines[0]!.url as string);
    try {
      const vehicle = await conn.waitForVehicle({ timeoutMs: 15_000 });
      expect(await vehicle.getParam('WINCH_TYPE')).toBe(1);
    } finally {
      await conn.close();
      sim.child.kill('SIGINT');
    }
  });

  it('medidrop sim --host 0.0.0.0 (a container other containers reach) listens on every address; a host name is refused (exit 2)', async () => {
    const bad = await runCli(['sim', '--map', MAP, '--depot', DEPOT, '--port', '0', '--host', 'drones.local']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--host must be an IP address/);
    const sim = await startSim(['--host', '0.0.0.0']);
    const url = sim.lines[0]!.url as string;
    expect(url).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
    const conn = await connect(url);
    try {
      await conn.waitForVehicle({ timeoutMs: 15_000 });
    } finally {
      await conn.close();
      sim.child.kill('SIGINT');
    }
  });

  it('medidrop sim names the depots when the one asked for does not exist (exit 2)', async () => {
    const r = await runCli(['sim', '--map', MAP, '--depot', 'Nowhere', '--port', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no depot 'Nowhere'.*Chengzhong Police Station/s);
  });
});
