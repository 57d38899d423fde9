/**
 * `medidrop upload | download | watch` as a pilot runs them: against an ArduPilot-like vehicle on
 * TCP, output checked the way a user reads it. Spawns dist/src/cli.js (npm test builds first).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportQgcPlan } from '../../src/missions/export-qgc.js';
import { startMiniVehicle, type MiniVehicle } from '../support/mini-vehicle.js';
import { makePlan } from '../support/mavlink-fixtures.js';
import { CLI, killCliChildren, runCli } from '../support/cli.js';

let mv: MiniVehicle;
let dir: string;

beforeAll(async () => {
  if (!existsSync(CLI)) execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'ignore' });
  mv = await startMiniVehicle({ speedup: 10 });
  dir = mkdtempSync(path.join(tmpdir(), 'medidrop-cli-'));
}, 120_000);
afterAll(async () => {
  killCliChildren();
  await mv?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const cli = (args: string[], timeoutMs = 20_000) => runCli(args, { env: { MEDIDROP_LOG_LEVEL: 'silent' }, timeoutMs });

describe('medidrop upload / download / watch', () => {
  it('uploads a .plan, verifies it, and prints the report', async () => {
    const file = path.join(dir, 'delivery.plan');
    writeFileSync(file, exportQgcPlan(makePlan(12, 6, 2)));
    const r = await cli(['upload', '--connect', `tcp://127.0.0.1:${mv.port}`, file]);
    expect(r.stderr).toMatch(/mission upload: 12\/12/);
    expect(r.stderr).toMatch(/upload verified/);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ ok: true, sysid: 1, uploaded: { mission: 12, fence: 6, rally: 2 } });
    expect(mv.stored[0]).toHaveLength(12);
    expect(mv.params.get('FENCE_ENABLE')).toBe(1);
  });

  it('downloads the fence as JSON', async () => {
    const r = await cli(['download', '--connect', `tcp://127.0.0.1:${mv.port}`, '--type', 'fence']);
    expect(r.code).toBe(0);
    const items = JSON.parse(r.stdout);
    expect(items).toHaveLength(6);
    expect(items[0]).toMatchObject({ seq: 0, command: 5001, param1: 6, missionType: 1 });
  });

  it('watch prints one JSON line per state change', async () => {
    const r = await cli(['watch', '--connect', `tcp://127.0.0.1:${mv.port}`, '--rate', '10', '--count', '3']);
    expect(r.code).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(3);
    expect(lines.every((l) => l.type === 'state' && l.sysid === 1)).toBe(true);
    // consecutive lines differ: only changes are printed
    for (let i = 1; i < lines.length; i++) expect({ ...lines[i], t: 0 }).not.toEqual({ ...lines[i - 1], t: 0 });
    expect(lines.at(-1)).toMatchObject({ lat: 36.6171, lon: 101.7782 });
  });

  it('says what is wrong with bad input and exits 2 without touching the vehicle', async () => {
    const bad = await cli(['upload', '--connect', 'tcpp://x:1', 'nofile.plan']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/cannot read nofile.plan: ENOENT/);
    const broken = path.join(dir, 'broken.plan');
    writeFileSync(broken, '{"fileType":"Plan"');
    const r = await cli(['upload', '--connect', `tcp://127.0.0.1:${mv.port}`, broken]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/broken.plan: invalid .plan file/);
    const good = path.join(dir, 'good.plan');
    writeFileSync(good, exportQgcPlan(makePlan(5, 4, 1)));
    const scheme = await cli(['upload', '--connect', 'tcpp://x:1', good]);
    expect(scheme.code).toBe(2);
    expect(scheme.stderr).toMatch(/bad connection URL 'tcpp:\/\/x:1': unknown scheme 'tcpp'/);
    const url = await cli(['download', '--connect', 'tcp://127.0.0.1']);
    expect(url.code).toBe(2);
    expect(url.stderr).toMatch(/bad connection URL 'tcp:\/\/127.0.0.1': expected HOST:PORT/);
    const type = await cli(['download', '--connect', `tcp://127.0.0.1:${mv.port}`, '--type', 'waypoints']);
    expect(type.code).toBe(2);
    expect(type.stderr).toMatch(/--type must be mission, fence or rally/);
  });
});
