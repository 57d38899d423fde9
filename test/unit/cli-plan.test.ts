/**
 * `medidrop plan` end to end: spawns the built CLI (run `npm run build` first; `npm test` does).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPlanFile } from '../../src/missions/export-qgc.js';
import { loadZoneMapFile } from '../../src/geo/zone-map.js';
import { townGeoJson } from './plan-fixtures.js';
import { run } from '../../src/cli/plan.js';
import { UsageError } from '../../src/cli/common.js';

const CLI = join(process.cwd(), 'dist/src/cli.js');
let dir = '';
let town = '';

function medidrop(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, MEDIDROP_LOG_LEVEL: 'silent' }, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build' before these tests`);
  dir = mkdtempSync(join(tmpdir(), 'medidrop-cli-plan-'));
  town = join(dir, 'town.geojson');
  writeFileSync(town, JSON.stringify(townGeoJson()));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('medidrop plan', () => {
  it('--json prints one object with the plan figures; exit 0', () => {
    const r = medidrop('plan', '--zones', town, '--from', 'Police station', '--to', 'Compound 3 courtyard', '--payload-kg', '1', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const j = JSON.parse(lines[0]!);
    expect(j.feasible).toBe(true);
    expect(j.reasons).toEqual([]);
    expect(j.waypoints[0]).toEqual([36.6171, 101.7782, 80]);
    expect(j.distance_m).toBeGreaterThan(2000);
    expect(j.duration_s).toBeGreaterThan(0);
    expect(j.energy_wh).toBeGreaterThan(0);
    expect(j.margin_pct).toBeGreaterThan(25);
    expect(j.fence).toMatchObject({ items: expect.any(Number), vertices: expect.any(Number), excluded: ['Hospital helipad'], left_to_route: [] });
    expect(j.rally.count).toBeGreaterThan(0);
    expect(j.rally.unsafe_legs).toEqual([]);
  });

  it('negative numbers are values, not options: --temperature -20 (Karamay)', () => {
    const mild = JSON.parse(medidrop('plan', '--zones', town, '--from', 'Police station', '--to', 'Compound 3 courtyard', '--json').stdout);
    const r = medidrop('plan', '--zones', town, '--from', 'Police station', '--to', 'Compound 3 courtyard', '--temperature', '-20', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).margin_pct).toBeLessThan(mild.margin_pct);
  });

  it('readable summary without --json; coordinates "lat,lon" accepted', () => {
    const r = medidrop('plan', '--zones', town, '--from', '36.6171,101.7782', '--to', 'Compound 3 courtyard');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^FEASIBLE: 36\.617100,101\.778200 → Compound 3 courtyard/);
    expect(r.stdout).toMatch(/fence +\d+ items/);
  });

  it('--out writes .plan (readable by readPlanFile), .waypoints and .geojson', () => {
    const base = ['plan', '--zones', town, '--from', 'Police station', '--to', 'Compound 3 courtyard'];
    const planPath = join(dir, 'd.plan');
    expect(medidrop(...base, '--out', planPath).code).toBe(0);
    const vp = readPlanFile(readFileSync(planPath, 'utf8'));
    expect(vp.delivery.method).toBe('payload-place');
    expect(JSON.parse(readFileSync(planPath, 'utf8')).medidrop.droneId).toBe('police-quad');
    const wpPath = join(dir, 'd.waypoints');
    expect(medidrop(...base, '--out', wpPath).code).toBe(0);
    expect(readFileSync(wpPath, 'utf8').split('\n')[0]).toBe('QGC WPL 110');
    const gjPath = join(dir, 'd.geojson');
    expect(medidrop(...base, '--out', gjPath).code).toBe(0);
    expect(JSON.parse(readFileSync(gjPath, 'utf8')).type).toBe('FeatureCollection');
  });

  it('infeasible: exit 1, reasons on stderr, nothing written', () => {
    const out = join(dir, 'heavy.plan');
    const r = medidrop('plan', '--zones', town, '--from', 'Police station', '--to', 'Compound 3 courtyard', '--payload-kg', '4', '--out', out, '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).feasible).toBe(false);
    expect(r.stderr).toMatch(/too-heavy: payload 4 kg exceeds/);
    expect(existsSync(out)).toBe(false);
    const nf = medidrop('plan', '--zones', town, '--from', 'Police station', '--to', 'Gate 5');
    expect(nf.code).toBe(1);
    expect(nf.stderr).toMatch(/drop point 'Gate 5' lies inside temporary no-fly area 'Testing site'/);
    const windy = medidrop('plan', '--zones', town, '--from', 'Police station', '--to', 'Far checkpoint', '--wind', '8@0');
    expect(windy.code).toBe(1);
    expect(windy.stderr).toMatch(/battery-insufficient|margin-below-reserve/);
  });

  it('heavier winch drone from missions/drones', () => {
    const r = medidrop(
      'plan',
      '--zones',
      town,
      '--from',
      'Police station',
      '--to',
      'Compound 3 courtyard',
      '--drone',
      'missions/drones/police-hexa-winch.json',
      '--payload-kg',
      '4',
      '--json',
    );
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.drone).toBe('police-hexa-winch');
    expect(j.delivery_method).toBe('winch');
  });

  it('bad input: exit 2 with a clear message (through the real binary)', () => {
    const missing = medidrop('plan', '--from', 'A', '--to', 'B');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^medidrop: plan: --zones is required/);
    const unknown = medidrop('plan', '--zones', town, '--from', 'Nowhere', '--to', 'Compound 3 courtyard');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no depot named 'Nowhere'.*depots: Police station, North depot/);
    expect(unknown.stdout).toBe('');
  });

  it('bad input: every kind is a UsageError naming what is wrong (in process)', async () => {
    const cases: [string[], RegExp][] = [
      [['--zones', join(dir, 'missing.geojson'), '--from', 'A', '--to', 'B'], /file not found/],
      [['--zones', town, '--from', 'Police station', '--to', 'Compound 3 courtyard', '--wind', 'strong'], /--wind must be SPEED_MS@FROM_DEG/],
      [['--zones', town, '--from', 'Police station', '--to', '101.7782,36.6171'], /looks like "lon,lat"/],
      [['--zones', town, '--from', 'Police station', '--to', 'Compound 3 courtyard', '--payload-kg', 'lots'], /--payload-kg must be a number/],
      [['--zones', town, '--from', 'Police station', '--to', 'Compound 3 courtyard', '--out', join(dir, 'x.kml')], /unknown file type '\.kml'/],
      [['--zones', town, '--from', 'Police station', '--to', 'Compound 3 courtyard', '--bogus'], /Unknown option '--bogus'/],
      [['--zones', town, '--from', 'Compound 3 courtyard', '--to', 'Compound 3 courtyard'], /\(that is a drop point\)/],
    ];
    for (const [args, message] of cases) await expect(run(args), args.join(' ')).rejects.toThrow(message);
    for (const [args] of cases) await expect(run(args)).rejects.toBeInstanceOf(UsageError);
    const badDrone = join(dir, 'drone.json');
    writeFileSync(badDrone, JSON.stringify({ id: 'x', name: 'x', emptyMassKg: -1, batteryWh: 'big', deliveryMethod: 'parachute' }));
    const drone = run(['--zones', town, '--from', 'Police station', '--to', 'Compound 3 courtyard', '--drone', badDrone]);
    await expect(drone).rejects.toThrow(/"emptyMassKg" = -1 kg is out of range/);
    await expect(run(['--zones', town, '--from', 'Police station', '--to', 'Compound 3 courtyard', '--drone', badDrone])).rejects.toThrow(
      /"batteryWh" must be a number[\s\S]*"deliveryMethod" must be one of payload-place, winch, land-release/,
    );
    const badMap = join(dir, 'bad.geojson');
    writeFileSync(
      badMap,
      JSON.stringify({
        type: 'FeatureCollection',
        features: [{ type: 'Feature', properties: { kind: 'volcano', name: 'x' }, geometry: { type: 'Point', coordinates: [101, 36] } }],
      }),
    );
    await expect(run(['--zones', badMap, '--from', 'A', '--to', 'B'])).rejects.toThrow(/unknown kind "volcano"/);
  });
});

describe('medidrop plan on the example maps', () => {
  for (const file of ['missions/county-town.geojson', 'missions/city-district.geojson']) {
    it(file, () => {
      const map = loadZoneMapFile(file);
      const blocked = new Set(map.warnings.map((w) => w.featureName));
      const depot = map.depots[0]!;
      const drops = map.dropPoints.filter((d) => !blocked.has(d.name));
      expect(drops.length).toBeGreaterThan(0);
      let feasible = 0;
      for (const drop of drops.slice(0, 1)) {
        const r = medidrop('plan', '--zones', file, '--from', depot.name, '--to', drop.name, '--json');
        expect([0, 1], r.stderr).toContain(r.code);
        const j = JSON.parse(r.stdout);
        expect(j.feasible).toBe(r.code === 0);
        if (r.code === 0) {
          feasible++;
          expect(j.fence.items).toBeLessThanOrEqual(70);
          expect(j.fence.vertices).toBeLessThanOrEqual(66);
          expect(j.waypoints.every((w: number[]) => w[2]! <= 100)).toBe(true);
        }
      }
      expect(feasible).toBeGreaterThan(0);
    });
  }
});
