/**
 * QA: bad input found by trying to break medidrop the way an outsider would. Each test says what
 * used to go wrong.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/store/db.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'medidrop-qa-'));
  dirs.push(d);
  return d;
}

describe('database file', () => {
  it('a --db file that is not a SQLite database is refused naming the file (was: "file is not a database", no path)', () => {
    const path = join(tmp(), 'zones.geojson');
    writeFileSync(path, '{"type":"FeatureCollection","features":[]}\n'.repeat(200));
    expect(() => openStore(path)).toThrow(new RegExp(`cannot open database '${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}': file is not a database`));
  });
});

const CLI = 'dist/src/cli.js';
const COUNTY = 'missions/county-town.geojson';
const DEPOT = 'Nanshan Community Health Centre 南山社区卫生服务中心';
function medidrop(...args: string[]) {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build' first`);
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, MEDIDROP_LOG_LEVEL: 'silent' }, timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('medidrop plan, as an outsider types it', () => {
  it('a drop point typed with the wrong sign (southern hemisphere, 8000 km away) answers "not feasible" at once (was: hung for minutes)', () => {
    const r = medidrop('plan', '--zones', COUNTY, '--from', DEPOT, '--to', '-36.6,101.78');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/battery-insufficient: too far for the battery/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  }, 15_000);

  it('depot and drop point at the same coordinates: not feasible, saying why (was: FEASIBLE, a 0 km flight)', () => {
    const r = medidrop('plan', '--zones', COUNTY, '--from', '36.6208848,101.7853544', '--to', '36.6208848,101.7853544');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/drop-point-at-depot: drop point '36\.620885,101\.785354' is 0 m from depot/);
  }, 15_000);
});

describe('endless input files are refused, not read until memory runs out', () => {
  it('--drone /dev/zero (plan) and /dev/zero as the .plan of upload and fly: exit 2 naming the file', () => {
    if (!existsSync('/dev/zero')) return;
    const plan = medidrop('plan', '--zones', COUNTY, '--from', DEPOT, '--to', '36.62,101.78', '--drone', '/dev/zero');
    expect(plan.code).toBe(2);
    expect(plan.stderr).toMatch(/--drone \/dev\/zero: larger than 16 MB/);
    const upload = medidrop('upload', '--connect', 'tcp://127.0.0.1:1', '/dev/zero');
    expect(upload.code).toBe(2);
    expect(upload.stderr).toMatch(/\/dev\/zero: larger than 16 MB/);
    const fly = medidrop('fly', '--connect', 'tcp://127.0.0.1:1', '/dev/zero');
    expect(fly.code).toBe(2);
    expect(fly.stderr).toMatch(/\/dev\/zero: larger than 16 MB/);
  }, 15_000);
});

describe('medidrop serve with a bad MEDIDROP_ZONE_MAP', () => {
  it("a truncated zone map file: exit 2 naming the file (was: exit 1, \"Expected ',' or ']' after array element\", no file name)", () => {
    const d = tmp();
    const zones = join(d, 'zones.geojson');
    writeFileSync(zones, '{"type":"FeatureCollection","features":[{"type":"Feature"');
    const r = spawnSync(process.execPath, [CLI, 'serve', '--port', '0', '--db', join(d, 'x.sqlite')], {
      encoding: 'utf8',
      env: { ...process.env, MEDIDROP_LOG_LEVEL: 'silent', MEDIDROP_ZONE_MAP: zones },
      timeout: 20_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`medidrop: zone map ${zones}: not valid JSON`);
  }, 20_000);
});
