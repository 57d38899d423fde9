/**
 * The offline base map: medidrop serves the tiles of a local MBTiles file at
 * /tiles/offline/{z}/{x}/{y} (XYZ numbering, TMS rows in the file), offers it in /api/config, and
 * refuses at start a file it cannot serve, saying why.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/app/config.js';
import { makeTestApp, type TestApp } from './api-support.js';
import { PNG_1PX, tileAt, writeMbtiles } from '../support/mbtiles.js';

let dir = '';
let t: TestApp;
const DEPOT = tileAt(113.6, 34.75, 15);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'medidrop-mbtiles-'));
  const file = join(dir, 'county.mbtiles');
  const marked = Buffer.concat([PNG_1PX, Buffer.from('z15')]);
  writeMbtiles(
    file,
    [
      { z: 15, ...DEPOT, data: marked },
      { z: 14, x: DEPOT.x >> 1, y: DEPOT.y >> 1, data: PNG_1PX },
    ],
    { name: 'county', format: 'png', minzoom: '14', maxzoom: '15', attribution: '© county survey office' },
  );
  t = await makeTestApp({ config: { offlineTiles: file } });
});
afterAll(async () => {
  await t?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('offline base map (MBTiles)', () => {
  it('serves the tile Leaflet asks for (XYZ row → TMS row), as PNG', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/tiles/offline/15/${DEPOT.x}/${DEPOT.y}` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.rawPayload.subarray(-3).toString()).toBe('z15');
    const withExt = await t.app.inject({ method: 'GET', url: `/tiles/offline/14/${DEPOT.x >> 1}/${DEPOT.y >> 1}.png` });
    expect(withExt.statusCode).toBe(200);
  });

  it('a tile the file does not have is 404; a malformed path is 400 naming the parameter', async () => {
    const missing = await t.app.inject({ method: 'GET', url: `/tiles/offline/15/${DEPOT.x + 1}/${DEPOT.y}` });
    expect(missing.statusCode).toBe(404);
    const bad = await t.app.inject({ method: 'GET', url: '/tiles/offline/15/abc/1' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toMatch(/x/);
    const huge = await t.app.inject({ method: 'GET', url: '/tiles/offline/99/1/1' });
    expect(huge.statusCode).toBe(400);
  });

  it('is offered in /api/config with its zoom range and attribution', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/config' });
    const cfg = res.json() as { tileProviders: { id: string; url: string; crs: string; minZoom: number; maxZoom: number; attribution: string }[] };
    expect(cfg.tileProviders).toEqual([
      expect.objectContaining({
        id: 'offline',
        url: '/tiles/offline/{z}/{x}/{y}',
        crs: 'wgs84',
        minZoom: 14,
        maxZoom: 15,
        attribution: '© county survey office',
      }),
    ]);
  });

  it('a file that is not MBTiles, an empty one and a vector one stop the start with the reason', async () => {
    const notDb = join(dir, 'notes.mbtiles');
    writeFileSync(notDb, 'this is not sqlite');
    await expect(makeTestApp({ config: { offlineTiles: notDb } })).rejects.toThrow(/notes\.mbtiles: not a readable MBTiles file/);
    const vector = join(dir, 'vector.mbtiles');
    writeMbtiles(vector, [{ z: 1, x: 0, y: 0, data: Buffer.from([0x1a, 0x02]) }], { name: 'v', format: 'pbf' });
    await expect(makeTestApp({ config: { offlineTiles: vector } })).rejects.toThrow(/vector tiles \(format pbf\)/);
    const empty = join(dir, 'empty.mbtiles');
    writeMbtiles(empty, []);
    const err = await makeTestApp({ config: { offlineTiles: empty } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(String(err)).toMatch(/MEDIDROP_OFFLINE_TILES: .*empty\.mbtiles: the file has no tiles/);
  });

  it('without a file there is no tile route', async () => {
    const plain = await makeTestApp();
    try {
      const res = await plain.app.inject({ method: 'GET', url: '/tiles/offline/15/1/1' });
      expect(res.statusCode).toBe(404);
      expect((await plain.app.inject({ method: 'GET', url: '/api/config' })).json()).toMatchObject({ tileProviders: [], tileUrl: null });
    } finally {
      await plain.close();
    }
  });
});
