/**
 * `medidrop plan --crs`: coordinates copied from AMap (GCJ-02) or Baidu (BD-09) on the command line
 * are converted to WGS-84 before planning; the drop point lands within 1 m of the published WGS-84
 * value (coordtransform's test vectors for 116.404, 39.915). Spawns the built CLI (npm run build).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distanceM } from '../../src/geo/spherical.js';
import type { LonLat } from '../../src/geo/types.js';

const CLI = join(process.cwd(), 'dist/src/cli.js');
const BEIJING: LonLat = [116.404, 39.915];
let dir = '';
let zones = '';

function medidrop(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, MEDIDROP_LOG_LEVEL: 'silent' }, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build' before these tests`);
  dir = mkdtempSync(join(tmpdir(), 'medidrop-cli-crs-'));
  zones = join(dir, 'beijing.geojson');
  const sq = (c: LonLat, d: number) => [
    [c[0] - d, c[1] - d],
    [c[0] + d, c[1] - d],
    [c[0] + d, c[1] + d],
    [c[0] - d, c[1] + d],
    [c[0] - d, c[1] - d],
  ];
  writeFileSync(
    zones,
    JSON.stringify({
      type: 'FeatureCollection',
      properties: { name: 'Dongcheng test', siteAltitudeM: 45 },
      features: [
        { type: 'Feature', properties: { kind: 'sealed', name: 'Block A' }, geometry: { type: 'Polygon', coordinates: [sq(BEIJING, 0.004)] } },
        { type: 'Feature', properties: { kind: 'depot', name: 'Station' }, geometry: { type: 'Point', coordinates: [116.398, 39.91] } },
      ],
    }),
  );
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function dropPoint(args: string[]): LonLat {
  const r = medidrop('plan', '--zones', zones, '--from', 'Station', '--json', ...args);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const out = JSON.parse(r.stdout) as { drop_point_position: [number, number]; input_crs: string; feasible: boolean };
  expect(out.feasible).toBe(true);
  return [out.drop_point_position[1], out.drop_point_position[0]];
}

describe('medidrop plan --crs', () => {
  it('GCJ-02 (AMap) coordinates land within 1 m of the published WGS-84 point', () => {
    const p = dropPoint(['--crs', 'gcj02', '--to', '39.91640428150164,116.41024449916938']);
    expect(distanceM(p, BEIJING)).toBeLessThan(1);
  });

  it('BD-09 (Baidu) coordinates likewise (BD-09 of GCJ-02 116.404, 39.915 → that point in WGS-84)', () => {
    const p = dropPoint(['--crs', 'bd09', '--to', '39.92133699351021,116.41036949371029']);
    // published: gcj02towgs84(116.404, 39.915) = 116.39775550083061, 39.91359571849836
    expect(distanceM(p, [116.39775550083061, 39.91359571849836])).toBeLessThan(1);
  });

  it('without --crs coordinates are WGS-84 and the summary says nothing about conversion', () => {
    const p = dropPoint(['--to', '39.915,116.404']);
    expect(distanceM(p, BEIJING)).toBeLessThan(0.01);
    const text = medidrop('plan', '--zones', zones, '--from', 'Station', '--to', '39.915,116.404');
    expect(text.stdout).not.toMatch(/converted|given in/);
    const gcj = medidrop('plan', '--zones', zones, '--from', 'Station', '--to', '39.91640428150164,116.41024449916938', '--crs', 'gcj02');
    expect(gcj.stdout).toMatch(/given in GCJ-02.*WGS-84: 39\.91500\d*, 116\.40400/);
  });

  it('an unknown --crs is refused, naming the choices (exit 2)', () => {
    const r = medidrop('plan', '--zones', zones, '--from', 'Station', '--to', '39.915,116.404', '--crs', 'mars');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--crs must be wgs84, gcj02 or bd09, got 'mars'/);
  });
});
