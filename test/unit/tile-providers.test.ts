/**
 * Base-map providers from configuration: each with its datum (Tianditu and OSM WGS-84, AMap GCJ-02),
 * Tianditu only with a key, the offline file first when nothing else is listed.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/app/config.js';
import { resolveTileProviders, type TileSettings } from '../../src/web/tiles/providers.js';

const NONE: TileSettings = { tiles: [], tileUrl: null, tileAttribution: null, tileCrs: 'wgs84', tiandituKey: null, offline: null };

describe('tile providers', () => {
  it('nothing configured: no base map (vector layers only)', () => {
    expect(resolveTileProviders(NONE)).toEqual({ providers: [], problems: [] });
  });

  it('each provider carries its datum; order is kept, duplicates dropped', () => {
    const { providers, problems } = resolveTileProviders({ ...NONE, tiles: ['tianditu', 'amap', 'osm', 'amap'], tiandituKey: 'k&1' });
    expect(problems).toEqual([]);
    expect(providers.map((p) => [p.id, p.crs])).toEqual([
      ['tianditu', 'wgs84'],
      ['amap', 'gcj02'],
      ['osm', 'wgs84'],
    ]);
    expect(providers[0]!.url).toContain('tk=k%261');
    expect(providers[0]!.overlayUrl).toContain('cva_w');
  });

  it('Tianditu without a key, offline without a file and custom without a URL are refused, saying what to set', () => {
    const { providers, problems } = resolveTileProviders({ ...NONE, tiles: ['tianditu', 'offline', 'custom', 'osm'] });
    expect(providers.map((p) => p.id)).toEqual(['osm']);
    expect(problems).toEqual([
      expect.stringMatching(/MEDIDROP_TIANDITU_KEY/),
      expect.stringMatching(/MEDIDROP_OFFLINE_TILES/),
      expect.stringMatching(/MEDIDROP_TILE_URL/),
    ]);
  });

  it('no list: the offline file, then the custom URL with its datum', () => {
    const { providers } = resolveTileProviders({
      ...NONE,
      tileUrl: 'https://tiles.example/{z}/{x}/{y}.png',
      tileCrs: 'gcj02',
      offline: { minZoom: 10, maxZoom: 17, attribution: null },
    });
    expect(providers.map((p) => [p.id, p.crs, p.minZoom, p.maxZoom])).toEqual([
      ['offline', 'wgs84', 10, 17],
      ['custom', 'gcj02', 0, 19],
    ]);
  });

  it('configuration: MEDIDROP_TILES, MEDIDROP_TILE_CRS are validated with where they came from', () => {
    const ok = loadConfig({ env: { MEDIDROP_TILES: 'amap, osm', MEDIDROP_TILE_CRS: 'gcj02', MEDIDROP_TIANDITU_KEY: 'abc' } });
    expect(ok).toMatchObject({ tiles: ['amap', 'osm'], tileCrs: 'gcj02', tiandituKey: 'abc' });
    let err: unknown;
    try {
      loadConfig({ env: { MEDIDROP_TILES: 'google,osm', MEDIDROP_TILE_CRS: 'bd09' } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([
      expect.stringMatching(/^MEDIDROP_TILES: must list base maps from tianditu, amap, osm, offline, custom/),
      expect.stringMatching(/^MEDIDROP_TILE_CRS: must be 'wgs84' or 'gcj02'/),
    ]);
  });
});
