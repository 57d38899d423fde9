/**
 * Coordinate systems: GCJ-02 (AMap/高德, Tencent) and BD-09 (Baidu) in, WGS-84 out — checked against
 * published conversion values (the test vectors of the widely used coordtransform library,
 * wandergis/coordtransform test/app.js, for the point 116.404, 39.915 in Beijing) and against the
 * offsets quoted in issue 11 for Xining, Shanghai Minhang and Fugou.
 */
import { describe, expect, it } from 'vitest';
import { coordinatesToWgs84, fromWgs84, toWgs84 } from '../../src/geo/crs.js';
import type { LonLat } from '../../src/geo/types.js';
import { distanceM } from '../../src/geo/spherical.js';
import { parseZoneMap } from '../../src/geo/zone-map.js';
import { ZoneMapError } from '../../src/geo/types.js';
import { zoneMapToWgs84 } from '../../src/geo/zone-map-crs.js';

const BEIJING: LonLat = [116.404, 39.915];
// coordtransform: wgs84togcj02(116.404, 39.915), gcj02tobd09(116.404, 39.915), bd09togcj02(116.404, 39.915)
const PUBLISHED_WGS_TO_GCJ: LonLat = [116.41024449916938, 39.91640428150164];
const PUBLISHED_GCJ_TO_BD: LonLat = [116.41036949371029, 39.92133699351021];
const PUBLISHED_BD_TO_GCJ: LonLat = [116.39762729119315, 39.90865673957631];

describe('coordinate systems', () => {
  it('WGS-84 → GCJ-02 matches the published value', () => {
    const gcj = fromWgs84(BEIJING, 'gcj02');
    expect(distanceM(gcj, PUBLISHED_WGS_TO_GCJ)).toBeLessThan(0.01);
  });

  it('a GCJ-02 point copied from AMap lands within 1 m of its published WGS-84 position', () => {
    expect(distanceM(toWgs84(PUBLISHED_WGS_TO_GCJ, 'gcj02'), BEIJING)).toBeLessThan(1);
  });

  it('a BD-09 point copied from Baidu lands within 1 m of its WGS-84 position', () => {
    // BD-09 of the GCJ-02 point (116.404, 39.915) is published; its WGS-84 is the GCJ-02 point's WGS-84
    const viaGcj = toWgs84(BEIJING, 'gcj02');
    expect(distanceM(toWgs84(PUBLISHED_GCJ_TO_BD, 'bd09'), viaGcj)).toBeLessThan(1);
    expect(distanceM(fromWgs84(toWgs84(BEIJING, 'bd09'), 'gcj02'), PUBLISHED_BD_TO_GCJ)).toBeLessThan(0.01);
  });

  it('the offsets are the ones officers would otherwise fly to: 170 m Xining, 490 m Minhang, 560 m Fugou; BD-09 1.0–1.3 km', () => {
    const cases: [LonLat, number][] = [
      [[101.7782, 36.6171], 170],
      [[121.3817, 31.1128], 490],
      [[114.392, 34.07], 560],
    ];
    for (const [wgs, metres] of cases) {
      expect(distanceM(fromWgs84(wgs, 'gcj02'), wgs)).toBeGreaterThan(metres - 20);
      expect(distanceM(fromWgs84(wgs, 'gcj02'), wgs)).toBeLessThan(metres + 20);
      const bd = distanceM(fromWgs84(wgs, 'bd09'), wgs);
      expect(bd).toBeGreaterThan(950);
      expect(bd).toBeLessThan(1300);
      // and back: each round trip within 1 m
      expect(distanceM(toWgs84(fromWgs84(wgs, 'gcj02'), 'gcj02'), wgs)).toBeLessThan(1);
      expect(distanceM(toWgs84(fromWgs84(wgs, 'bd09'), 'bd09'), wgs)).toBeLessThan(1);
    }
  });

  it('WGS-84 is returned untouched; GCJ-02 outside China is WGS-84', () => {
    expect(toWgs84(BEIJING, 'wgs84')).toBe(BEIJING);
    const paris: LonLat = [2.3522, 48.8566];
    expect(distanceM(toWgs84(paris, 'gcj02'), paris)).toBeLessThan(0.01);
  });

  it('converts nested GeoJSON coordinates and leaves malformed ones for the validator', () => {
    const ring = [PUBLISHED_WGS_TO_GCJ, [116.42, 39.92], [116.41, 39.93], PUBLISHED_WGS_TO_GCJ];
    const out = coordinatesToWgs84([ring], 'gcj02') as LonLat[][];
    expect(distanceM(out[0]![0]!, BEIJING)).toBeLessThan(1);
    expect(coordinatesToWgs84(['x', null], 'gcj02')).toEqual(['x', null]);
    expect(coordinatesToWgs84([Number.NaN, 3], 'gcj02')).toEqual([Number.NaN, 3]);
  });
});

function beijingMap(crs?: unknown, shift: (p: LonLat) => LonLat = (p) => p): Record<string, unknown> {
  const sq = (c: LonLat, d: number) =>
    [
      [c[0] - d, c[1] - d],
      [c[0] + d, c[1] - d],
      [c[0] + d, c[1] + d],
      [c[0] - d, c[1] + d],
      [c[0] - d, c[1] - d],
    ].map((p) => shift(p as LonLat));
  return {
    type: 'FeatureCollection',
    ...(crs !== undefined ? { crs } : {}),
    properties: { name: 'Dongcheng test' },
    features: [
      { type: 'Feature', properties: { kind: 'sealed', name: 'Block A' }, geometry: { type: 'Polygon', coordinates: [sq(BEIJING, 0.002)] } },
      { type: 'Feature', properties: { kind: 'depot', name: 'Station' }, geometry: { type: 'Point', coordinates: shift([116.398, 39.91]) } },
      { type: 'Feature', properties: { kind: 'drop-point', name: 'Gate 1', zone: 'Block A' }, geometry: { type: 'Point', coordinates: shift(BEIJING) } },
    ],
  };
}

describe('zone map "crs" member', () => {
  it('a map drawn on AMap (crs "gcj02") is converted: its drop point lands within 1 m of WGS-84', () => {
    const map = parseZoneMap(beijingMap('gcj02', (p) => fromWgs84(p, 'gcj02')));
    expect(map.sourceCrs).toBe('gcj02');
    expect(distanceM(map.dropPoints[0]!.position, BEIJING)).toBeLessThan(1);
    expect(distanceM(map.depots[0]!.position, [116.398, 39.91])).toBeLessThan(1);
  });

  it('a Baidu map (crs "bd09") likewise', () => {
    const map = parseZoneMap(beijingMap('bd09', (p) => fromWgs84(p, 'bd09')));
    expect(distanceM(map.dropPoints[0]!.position, BEIJING)).toBeLessThan(1);
  });

  it('no crs, "wgs84" and GeoJSON 2008 named CRS84 are WGS-84, unchanged; the stored form has no crs', () => {
    for (const crs of [undefined, 'wgs84', 'WGS-84', { type: 'name', properties: { name: 'urn:ogc:def:crs:OGC:1.3:CRS84' } }]) {
      const map = parseZoneMap(beijingMap(crs));
      expect(map.sourceCrs).toBeUndefined();
      expect(map.dropPoints[0]!.position).toEqual(BEIJING);
    }
    const stored = zoneMapToWgs84(beijingMap('gcj02')).json as Record<string, unknown>;
    expect(stored.crs).toBeUndefined();
  });

  it('an unknown crs is refused, saying what is accepted', () => {
    for (const crs of ['EPSG:3857', 'mars', 42, { type: 'name', properties: { name: 'EPSG:3857' } }]) {
      let err: unknown;
      try {
        parseZoneMap(beijingMap(crs));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ZoneMapError);
      expect((err as ZoneMapError).issues[0]!.code).toBe('bad-crs');
      expect((err as ZoneMapError).message).toMatch(/"wgs84", "gcj02".*"bd09"/);
    }
  });
});
