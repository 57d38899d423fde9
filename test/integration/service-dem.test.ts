/**
 * MEDIDROP_DEM: the configuration (a delimiter-separated list in the environment, a list in the
 * file), the DEM loaded at start-up with a clear error for a file that is not one, and the planner
 * the service uses getting it in every plan.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/app/config.js';
import { loadServiceDem, withDem } from '../../src/app/service.js';
import { parseZoneMap } from '../../src/geo/zone-map.js';
import { planDelivery } from '../../src/planner/plan-delivery.js';
import { DEFAULT_DRONE } from '../../src/planning/drone.js';
import { plane, writeHgt } from '../support/dem.js';

const dir = mkdtempSync(join(tmpdir(), 'medidrop-service-dem-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('MEDIDROP_DEM', () => {
  it('is a list separated by the path delimiter in the environment, a list in the config file', () => {
    expect(loadConfig({ env: {} }).dem).toEqual([]);
    expect(loadConfig({ env: { MEDIDROP_DEM: ['a', 'b/tiles', ''].join(delimiter) } }).dem).toEqual([resolve('a'), resolve('b/tiles')]);
    const f = join(dir, 'medidrop.json');
    writeFileSync(f, JSON.stringify({ dem: ['x.tif', '/srtm'] }));
    expect(loadConfig({ file: f, env: {} }).dem).toEqual([resolve('x.tif'), '/srtm']);
    writeFileSync(f, JSON.stringify({ dem: 42 }));
    expect(() => loadConfig({ file: f, env: {} })).toThrow(/medidrop\.json: dem: must be a list of DEM files or directories, got 42/);
  });

  it('is loaded at start-up: a file that is not a DEM is a configuration error naming it', async () => {
    expect(await loadServiceDem({ dem: [] })).toBeUndefined();
    const bad = join(dir, 'S12W077.hgt');
    writeFileSync(bad, 'not heights');
    const err = await loadServiceDem({ dem: [bad] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems[0]).toMatch(/^dem \(MEDIDROP_DEM\): DEM .*S12W077\.hgt: 11 bytes is not an SRTM tile/);
  });

  it('every plan the service makes uses it', async () => {
    const tiles = join(dir, 'tiles');
    mkdirSync(tiles);
    writeHgt(tiles, 36, 101, 1201, plane(2400, 0, 0));
    const dem = await loadServiceDem({ dem: [tiles] });
    const plan = withDem(planDelivery, dem);
    const map = parseZoneMap({
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', properties: { kind: 'depot', name: 'D' }, geometry: { type: 'Point', coordinates: [101.5, 36.5] } },
        { type: 'Feature', properties: { kind: 'drop-point', name: 'P' }, geometry: { type: 'Point', coordinates: [101.51, 36.5] } },
      ],
    });
    const req = {
      from: { name: 'D' },
      to: { name: 'P' },
      drone: DEFAULT_DRONE,
      conditions: { payloadKg: 0.5, wind: { speedMs: 0, fromDeg: 0 }, temperatureC: 15 },
    };
    const p = await plan(map, req);
    expect(p.terrain!.groundModel).toBe('dem');
    expect(p.terrain!.homeGroundM).toBe(2400);
    expect((await withDem(planDelivery, undefined)(map, req)).terrain!.groundModel).toBe('flat');
  });
});
