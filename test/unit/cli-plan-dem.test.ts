/**
 * `medidrop plan --dem`: the terrain section in --json and in the summary, flat ground without a
 * DEM, a ridge that makes the plan infeasible (exit 1, naming the limit and the place), and clear
 * errors (exit 2) for a file that is not a DEM. Spawns the built CLI (`npm run build` first).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plane, ridge, writeHgt } from '../support/dem.js';
import { at } from './plan-fixtures.js';

const CLI = join(process.cwd(), 'dist/src/cli.js');
let dir = '';
let zones = '';
let flatDir = '';
let ridgeDir = '';

function medidrop(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, MEDIDROP_LOG_LEVEL: 'silent' }, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build' before these tests`);
  dir = mkdtempSync(join(tmpdir(), 'medidrop-cli-dem-'));
  zones = join(dir, 'line.geojson');
  writeFileSync(
    zones,
    JSON.stringify({
      type: 'FeatureCollection',
      properties: { name: 'line', siteAltitudeM: 2260 },
      features: [
        { type: 'Feature', properties: { kind: 'depot', name: 'Depot' }, geometry: { type: 'Point', coordinates: at(0, 0) } },
        { type: 'Feature', properties: { kind: 'drop-point', name: 'Drop' }, geometry: { type: 'Point', coordinates: at(2000, 0) } },
      ],
    }),
  );
  flatDir = join(dir, 'flat');
  ridgeDir = join(dir, 'ridge');
  mkdirSync(flatDir);
  mkdirSync(ridgeDir);
  writeHgt(flatDir, 36, 101, 1201, plane(2300, 0, 0));
  writeHgt(ridgeDir, 36, 101, 1201, ridge(2260, at(1000, 0)[0], 150, 200));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base = () => ['plan', '--zones', zones, '--from', 'Depot', '--to', 'Drop'];

describe('medidrop plan --dem', () => {
  it('without --dem the JSON says flat ground was assumed and gives ground and height per waypoint', () => {
    const r = medidrop(...base(), '--json');
    expect(r.code, r.stderr).toBe(0);
    const t = JSON.parse(r.stdout).terrain;
    expect(t.dem).toBe('flat ground assumed (no DEM given)');
    expect(t.ground_model).toBe('flat');
    expect(t.min_clearance_m).toBe(80);
    expect(t.max_agl_m).toBe(80);
    expect(t.waypoints[0]).toEqual({ lat: expect.any(Number), lon: expect.any(Number), alt_m: 80, ground_m: 2260, agl_m: 80 });
  });

  it('with a DEM directory the JSON names it and takes the ground from it', () => {
    const r = medidrop(...base(), '--dem', flatDir, '--json');
    expect(r.code, r.stderr).toBe(0);
    const t = JSON.parse(r.stdout).terrain;
    expect(t.dem).toMatch(/^1 SRTM tile \(3″\) from .*flat$/);
    expect(t.home_ground_m).toBe(2300);
    expect(t.waypoints.every((w: { ground_m: number }) => w.ground_m === 2300)).toBe(true);
    expect(t.violations).toEqual([]);
  });

  it('a ridge at a constant cruise: exit 1, the limit and the place named', () => {
    const r = medidrop(...base(), '--dem', ridgeDir, '--constant-altitude', '--json');
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.feasible).toBe(false);
    expect(j.reasons[0].code).toBe('terrain-clearance');
    expect(j.reasons[0].message).toMatch(/below the 30 m required, at 36\.\d+,101\.\d+ \(lat,lon\) on the outbound route/);
    expect(j.terrain.min_clearance_m).toBeLessThan(-60);
    expect(r.stderr).toMatch(/plan not feasible: terrain-clearance: /);
    // The summary shows the terrain line and the per-waypoint ground.
    const s = medidrop(...base(), '--dem', ridgeDir, '--dem', flatDir, '--constant-altitude');
    expect(s.stdout).toMatch(/terrain +DEM 2 SRTM tiles \(3″\) from .*; min clearance -\d+(\.\d)? m \(need 30\)/);
    expect(s.stdout).toMatch(/waypoints +lat, lon, alt \(m above home\), ground \(m AMSL\), above ground \(m\)/);
  });

  it('following the ridge: the route climbs over it; level failsafe returns across it are named', () => {
    const r = medidrop(...base(), '--dem', ridgeDir, '--json');
    const j = JSON.parse(r.stdout);
    const alts = j.terrain.waypoints.map((w: { alt_m: number }) => w.alt_m);
    expect(Math.max(...alts)).toBeGreaterThan(180);
    expect(j.terrain.waypoints.every((w: { agl_m: number }) => w.agl_m <= 100)).toBe(true);
    // Every violation left is on a straight failsafe return (flown level, ArduCopter RTL).
    for (const v of j.terrain.violations) expect(v.part).toMatch(/^failsafe return to /);
    expect(r.code).toBe(j.terrain.violations.length === 0 ? 0 : 1);
  });

  it('--vertical-clearance sets the clearance kept', () => {
    const r = medidrop(...base(), '--dem', flatDir, '--vertical-clearance', '90', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).terrain.waypoints[0].agl_m).toBeGreaterThanOrEqual(93);
    const t = medidrop(...base(), '--dem', flatDir, '--vertical-clearance', '95', '--json');
    expect(t.code).toBe(1);
    expect(JSON.parse(t.stdout).reasons[0]).toMatchObject({ code: 'terrain-no-altitude', message: expect.stringMatching(/no altitude keeps both limits/) });
  });

  it('a file that is not a DEM: exit 2 naming it', () => {
    const bad = join(dir, 'N36E101.hgt');
    writeFileSync(bad, Buffer.alloc(10));
    const r = medidrop(...base(), '--dem', bad);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--dem: DEM ${bad}: 10 bytes is not an SRTM tile`);
    const txt = join(dir, 'notes.txt');
    writeFileSync(txt, 'hello');
    expect(medidrop(...base(), '--dem', txt).stderr).toContain(`DEM ${txt}: not a DEM file`);
  });
});
