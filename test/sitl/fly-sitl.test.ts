/**
 * `medidrop fly` against ArduPilot SITL: the pilot's command, end to end, on the real autopilot.
 * Runs only with ARDUPILOT_SITL_BIN (see README "SITL tier"); needs the build (dist/).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findSitlBinary, startSitl, type SitlInstance } from '../../sim/sitl/harness.js';
import { ROOT, exampleMap } from '../integration/flight-scenarios.js';

const bin = process.env.ARDUPILOT_SITL_BIN ? findSitlBinary() : undefined;
const CLI = path.join(ROOT, 'dist/src/cli.js');
if (!bin) console.log('SITL tier skipped (medidrop fly on SITL): set ARDUPILOT_SITL_BIN to an ArduCopter SITL binary — see README "SITL tier"');

const running: SitlInstance[] = [];
let dir: string | undefined;
afterEach(async (ctx) => {
  const failed = ctx.task.result?.state === 'fail';
  for (const s of running.splice(0)) await s.stop({ failed });
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!bin || !existsSync(CLI))('medidrop fly on ArduPilot SITL', () => {
  it('uploads, verifies, arms, starts and follows a delivery to the end: exit 0, released within 3 m', { timeout: 600_000 }, async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'medidrop-fly-sitl-'));
    const planFile = path.join(dir, 'delivery.plan');
    const map = path.join(ROOT, 'missions/county-town.geojson');
    const depot = 'Chengzhong Police Station 城中派出所';
    const r = spawnSync(
      process.execPath,
      [CLI, 'plan', '--zones', map, '--from', depot, '--to', 'Jinxiu Garden courtyard 锦绣花园中心庭院', '--out', planFile],
      { encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    const d = exampleMap('county-town').depots.find((x) => x.name === depot)!;
    const sitl = await startSitl({
      home: { lat: d.position[1], lon: d.position[0], altM: d.groundAltitudeM ?? 2262 },
      speedup: Number(process.env.MEDIDROP_SITL_SPEEDUP ?? 10),
    });
    running.push(sitl);
    const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [CLI, 'fly', '--connect', sitl.url, planFile, '--yes'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
      child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 540_000);
      child.once('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
    expect(out.code, out.stderr.slice(-4000)).toBe(0);
    const last = JSON.parse(out.stdout.trim().split('\n').pop()!) as { ok: boolean; release: { distanceM: number } };
    expect(last.ok).toBe(true);
    expect(last.release.distanceM).toBeLessThan(3);
  });
});
