/**
 * DEM loading and interpolation with generated SRTM tiles and GeoTIFFs: exact values on a plane
 * (bilinear reproduces it), a hill against its formula, SRTM tile naming and edge overlap, voids,
 * pixel-is-area vs pixel-is-point, and a clear error for every kind of bad file or missing coverage.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hgtName, parseHgtName } from '../../src/geo/dem/hgt.js';
import { loadDem } from '../../src/geo/dem/load.js';
import { DemCoverageError, DemError, isDemGap } from '../../src/geo/dem/types.js';
import { hill, plane, writeGeoTiff, writeHgt } from '../support/dem.js';

const root = mkdtempSync(join(tmpdir(), 'medidrop-dem-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => {
  const d = join(root, `d${n++}`);
  mkdirSync(d);
  return d;
};

// Integer at every 3″ sample: 1200 m per degree of longitude (1 m per sample), 3600 per degree of latitude.
const slope = plane(2000, 1200, 3600, 101, 36);

describe('SRTM .hgt tiles', () => {
  it('names tiles by the south-west corner', () => {
    expect(hgtName(36, 101)).toBe('N36E101.hgt');
    expect(hgtName(-12, -77)).toBe('S12W077.hgt');
    expect(hgtName(0, -1)).toBe('N00W001.hgt');
    expect(parseHgtName('S12W077.hgt')).toEqual({ lat: -12, lon: -77 });
    expect(parseHgtName('n36e101.HGT')).toEqual({ lat: 36, lon: 101 });
    expect(parseHgtName('N36E101.tif')).toBeUndefined();
    expect(parseHgtName('N91E001.hgt')).toBeUndefined();
  });

  it('interpolates bilinearly: a plane comes back exactly between the samples', async () => {
    const dir = freshDir();
    const file = writeHgt(dir, 36, 101, 1201, slope);
    const dem = await loadDem([file]);
    for (const [lon, lat] of [
      [101, 36],
      [101.5, 36.5],
      [101.123456, 36.987654],
      [101.9999, 36.0001],
      [102, 37],
    ] as const)
      expect(dem.heightAt(lon, lat)).toBeCloseTo(slope(lon, lat), 6);
    expect(dem.source.files).toEqual([{ path: file, format: 'srtm-hgt', resolutionArcSec: [3, 3], bbox: [101, 36, 102, 37] }]);
    expect(dem.source.description).toContain('1 SRTM tile (3″)');
  });

  it('reads rows north to south: the first row is the northern edge', async () => {
    const dir = freshDir();
    const dem = await loadDem([writeHgt(dir, 36, 101, 1201, (_lon, lat) => (lat > 36.99 ? 3000 : 2000))]);
    expect(dem.heightAt(101.5, 37)).toBe(3000);
    expect(dem.heightAt(101.5, 36)).toBe(2000);
  });

  it('places southern and western tiles by their south-west corner', async () => {
    const dir = freshDir();
    const t = plane(100, 1200, 1200, -77, -12);
    writeHgt(dir, -12, -77, 1201, t);
    const dem = await loadDem([dir]);
    expect(dem.heightAt(-76.5, -11.5)).toBeCloseTo(t(-76.5, -11.5), 6);
    expect(() => dem.heightAt(-77.5, -11.5)).toThrow(DemCoverageError);
    expect(() => dem.heightAt(-76.5, -12.5)).toThrow(/no elevation data covers -12\.500000,-76\.500000/);
  });

  it('follows a hill between the samples to within interpolation error', async () => {
    const dir = freshDir();
    const h = hill(2260, [101.5, 36.5], 300, 1000);
    const dem = await loadDem([writeHgt(dir, 36, 101, 1201, h)]);
    let worst = 0;
    for (let i = 0; i < 200; i++) {
      const lon = 101.48 + (i % 20) * 0.002 + 0.0003;
      const lat = 36.48 + Math.floor(i / 20) * 0.004 + 0.0007;
      worst = Math.max(worst, Math.abs(dem.heightAt(lon, lat) - h(lon, lat)));
    }
    // 3″ ≈ 75 × 93 m cells; curvature 300 m over 1 km gives < 1 m, plus 0.5 m of rounding to whole metres.
    expect(worst).toBeLessThan(2);
    expect(worst).toBeGreaterThan(0.01); // it is interpolation, not the formula
    expect(dem.heightAt(101.5, 36.5)).toBeCloseTo(2560, 0);
  });

  it('uses the shared edge of neighbouring tiles and covers boxes across them', async () => {
    const dir = freshDir();
    writeHgt(dir, 36, 101, 1201, slope);
    writeHgt(dir, 36, 102, 1201, slope);
    const dem = await loadDem([dir]);
    expect(dem.heightAt(102, 36.5)).toBeCloseTo(slope(102, 36.5), 6);
    expect(dem.heightAt(102.0000001, 36.5)).toBeCloseTo(slope(102.0000001, 36.5), 4);
    expect(dem.heightAt(103, 37)).toBeCloseTo(slope(103, 37), 6);
    expect(dem.covers([101.9, 36.1, 102.1, 36.2])).toBe(true);
    expect(dem.covers([101, 36, 103, 37])).toBe(true);
    expect(dem.covers([101.9, 36.9, 102.1, 37.1])).toBe(false);
    expect(dem.covers([100.9, 36.1, 101.1, 36.2])).toBe(false);
  });

  it('a missing neighbour is still answered on the shared edge by the tile that has it', async () => {
    const dir = freshDir();
    writeHgt(dir, 36, 101, 1201, slope);
    const dem = await loadDem([dir]);
    expect(dem.heightAt(102, 37)).toBeCloseTo(slope(102, 37), 6);
    expect(() => dem.heightAt(102.001, 37)).toThrow(DemCoverageError);
  });

  it('reports voids (-32768) near a point, naming the file, and interpolates away from them', async () => {
    const dir = freshDir();
    const file = writeHgt(dir, 36, 101, 1201, slope, [[600, 600]]);
    const dem = await loadDem([file]);
    const voidLon = 101 + 600 / 1200;
    const voidLat = 37 - 600 / 1200;
    const g = dem.sample(voidLon + 0.0004, voidLat);
    expect(isDemGap(g) && g.gap).toBe('void');
    expect(() => dem.heightAt(voidLon - 0.0004, voidLat + 0.0004)).toThrow(new RegExp(`void .* in ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    // One sample further the void has no weight.
    expect(dem.heightAt(voidLon + 1 / 1200, voidLat)).toBeCloseTo(slope(voidLon + 1 / 1200, voidLat), 6);
  });

  it('recognises a 1″ tile (3601 × 3601)', async () => {
    const dir = freshDir();
    const t = plane(500, 3600, 3600, 101, 36);
    const dem = await loadDem([writeHgt(dir, 36, 101, 3601, t)]);
    expect(dem.source.files[0]!.resolutionArcSec).toEqual([1, 1]);
    expect(dem.heightAt(101.25, 36.75)).toBeCloseTo(t(101.25, 36.75), 6);
  });

  it('loads directory tiles lazily: a tile removed after indexing fails only when used', async () => {
    const dir = freshDir();
    writeHgt(dir, 36, 101, 1201, slope);
    const second = writeHgt(dir, 36, 102, 1201, slope);
    const dem = await loadDem([dir]);
    rmSync(second);
    expect(dem.heightAt(101.5, 36.5)).toBeCloseTo(slope(101.5, 36.5), 6);
    expect(() => dem.heightAt(102.5, 36.5)).toThrow(DemError);
    expect(() => dem.heightAt(102.5, 36.5)).toThrow(/N36E102\.hgt: cannot be read/);
  });

  it('refuses a wrong size, a wrong name, another extension, an empty directory and a missing path', async () => {
    const dir = freshDir();
    const bad = join(dir, 'N36E101.hgt');
    writeFileSync(bad, Buffer.alloc(1000));
    await expect(loadDem([bad])).rejects.toThrow(/N36E101\.hgt: 1000 bytes is not an SRTM tile \(1″: 3601×3601/);
    await expect(loadDem([dir])).rejects.toThrow(DemError);
    const dir2 = freshDir();
    const badName = join(dir2, 'tile.hgt');
    writeFileSync(badName, Buffer.alloc(1201 * 1201 * 2));
    await expect(loadDem([badName])).rejects.toThrow(/tile\.hgt: an SRTM tile must be named by its south-west corner, like N36E101\.hgt/);
    const txt = join(dir2, 'heights.csv');
    writeFileSync(txt, '1,2,3');
    await expect(loadDem([txt])).rejects.toThrow(/heights\.csv: not a DEM file/);
    const empty = freshDir();
    writeFileSync(join(empty, 'README'), 'nothing');
    await expect(loadDem([empty])).rejects.toThrow(/directory holds no DEM file/);
    await expect(loadDem([join(root, 'nope')])).rejects.toThrow(/nope: no such file or directory/);
  });
});

describe('GeoTIFF', () => {
  const t = plane(2000, 500, 700, 101, 36);
  it('pixel-is-area: values stand for pixel centres, the tie point is the corner', async () => {
    const dir = freshDir();
    const file = writeGeoTiff(join(dir, 'area.tif'), { west: 101, north: 37, step: 0.01, cols: 50, rows: 40, terrain: t });
    const dem = await loadDem([file]);
    expect(dem.heightAt(101.005, 36.995)).toBeCloseTo(t(101.005, 36.995), 3);
    expect(dem.heightAt(101.2222, 36.8123)).toBeCloseTo(t(101.2222, 36.8123), 3);
    // The outer half pixel answers with the edge pixel's value.
    expect(dem.heightAt(101.001, 36.999)).toBeCloseTo(t(101.005, 36.995), 3);
    expect(dem.source.files[0]).toMatchObject({ format: 'geotiff', bbox: [101, 36.6, 101.5, 37].map((v) => expect.closeTo(v, 9)) });
    expect(dem.source.files[0]!.resolutionArcSec[0]).toBeCloseTo(36, 6);
    expect(() => dem.heightAt(101.51, 36.8)).toThrow(DemCoverageError);
  });

  it('pixel-is-point: the tie point is the first sample', async () => {
    const dir = freshDir();
    const file = writeGeoTiff(join(dir, 'point.tif'), { west: 101, north: 37, step: 0.01, cols: 51, rows: 41, terrain: t, pixelIsPoint: true });
    const dem = await loadDem([file]);
    expect(dem.heightAt(101, 37)).toBeCloseTo(t(101, 37), 3);
    expect(dem.heightAt(101.5, 36.6)).toBeCloseTo(t(101.5, 36.6), 3);
    expect(dem.heightAt(101.2345, 36.789)).toBeCloseTo(t(101.2345, 36.789), 3);
    expect(dem.source.files[0]!.bbox).toEqual([101, 36.6, 101.5, 37].map((v) => expect.closeTo(v, 9)));
  });

  it('treats GDAL_NODATA and NaN as voids', async () => {
    const dir = freshDir();
    const a = writeGeoTiff(join(dir, 'nodata.tif'), { west: 101, north: 37, step: 0.01, cols: 20, rows: 20, terrain: t, nodata: -9999, voids: [[5, 5]] });
    const b = writeGeoTiff(join(dir, 'nan.tif'), { west: 102, north: 37, step: 0.01, cols: 20, rows: 20, terrain: t, voids: [[5, 5]] });
    const dem = await loadDem([a, b]);
    expect(() => dem.heightAt(101.055, 36.945)).toThrow(/void .*nodata\.tif/);
    expect(() => dem.heightAt(102.056, 36.946)).toThrow(/void .*nan\.tif/);
    expect(dem.heightAt(101.155, 36.845)).toBeCloseTo(t(101.155, 36.845), 3);
  });

  it('refuses another CRS, a file that is not a TIFF, and several bands', async () => {
    const dir = freshDir();
    const utm = writeGeoTiff(join(dir, 'utm.tif'), {
      west: 500000,
      north: 4000000,
      step: 30,
      cols: 10,
      rows: 10,
      terrain: () => 1,
      geoKeys: { ProjectedCSTypeGeoKey: 32647, GTModelTypeGeoKey: 1 },
    });
    await expect(loadDem([utm])).rejects.toThrow(/utm\.tif: projected CRS EPSG:32647; medidrop reads DEMs in EPSG:4326 only/);
    const nad = writeGeoTiff(join(dir, 'nad.tif'), {
      west: 101,
      north: 37,
      step: 0.01,
      cols: 10,
      rows: 10,
      terrain: t,
      geoKeys: { GeographicTypeGeoKey: 4269, GTModelTypeGeoKey: 2 },
    });
    await expect(loadDem([nad])).rejects.toThrow(/nad\.tif: geographic CRS EPSG:4269/);
    const junk = join(dir, 'junk.tif');
    writeFileSync(junk, 'this is not a tiff');
    await expect(loadDem([junk])).rejects.toThrow(/junk\.tif: not a readable TIFF/);
    const rgb = writeGeoTiff(join(dir, 'rgb.tif'), { west: 101, north: 37, step: 0.01, cols: 10, rows: 10, terrain: t, bands: 3 });
    await expect(loadDem([rgb])).rejects.toThrow(/rgb\.tif: has 3 bands/);
  });

  it('mixes GeoTIFFs and tiles: the finer file answers where both cover', async () => {
    const dir = freshDir();
    writeHgt(dir, 36, 101, 1201, () => 1000);
    writeGeoTiff(join(dir, 'fine.tif'), { west: 101.4, north: 36.6, step: 0.0001, cols: 100, rows: 100, terrain: () => 1234 });
    const dem = await loadDem([dir]);
    expect(dem.heightAt(101.405, 36.595)).toBeCloseTo(1234, 3);
    expect(dem.heightAt(101.3, 36.595)).toBe(1000);
    expect(dem.source.description).toMatch(/1 SRTM tile \(3″\) and 1 GeoTIFF \(0\.36″\)/);
  });
});
