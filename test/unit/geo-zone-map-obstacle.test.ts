/**
 * The `obstacle` zone-map kind: a Polygon / MultiPolygon with properties.height_m > 0 (required),
 * validated like the other polygon kinds, listed in map.obstacles, and not a no-fly area.
 */
import { describe, expect, it } from 'vitest';
import { ZoneMapError } from '../../src/geo/types.js';
import { MAX_OBSTACLE_VERTICES, parseZoneMap } from '../../src/geo/zone-map.js';

const square = (lon: number, lat: number, d: number) => [
  [lon - d, lat - d],
  [lon + d, lat - d],
  [lon + d, lat + d],
  [lon - d, lat + d],
  [lon - d, lat - d],
];
const base = [
  { type: 'Feature', properties: { kind: 'depot', name: 'Depot' }, geometry: { type: 'Point', coordinates: [101.77, 36.61] } },
  { type: 'Feature', properties: { kind: 'drop-point', name: 'Drop' }, geometry: { type: 'Point', coordinates: [101.78, 36.62] } },
];
const fc = (...features: unknown[]) => ({ type: 'FeatureCollection', features: [...base, ...features] });
const tower = (props: Record<string, unknown>, geometry: unknown = { type: 'Polygon', coordinates: [square(101.775, 36.615, 0.0002)] }) => ({
  type: 'Feature',
  properties: { kind: 'obstacle', name: 'Tower 7', ...props },
  geometry,
});

function issuesOf(json: unknown): string[] {
  try {
    parseZoneMap(json);
  } catch (err) {
    if (err instanceof ZoneMapError) return err.issues.map((i) => `${i.code}: ${i.message}`);
    throw err;
  }
  throw new Error('the map was accepted');
}

describe('obstacle kind', () => {
  it('loads a Polygon and a MultiPolygon with their heights, apart from the no-fly areas', () => {
    const map = parseZoneMap(
      fc(
        tower({ height_m: 96 }),
        tower(
          { name: 'Pylons', height_m: 45.5 },
          { type: 'MultiPolygon', coordinates: [[square(101.772, 36.612, 0.00005)], [square(101.773, 36.613, 0.00005)]] },
        ),
      ),
    );
    expect(map.obstacles.map((o) => [o.name, o.heightM, o.geometry.type, o.index])).toEqual([
      ['Tower 7', 96, 'Polygon', 2],
      ['Pylons', 45.5, 'MultiPolygon', 3],
    ]);
    expect(map.noFly).toEqual([]);
    expect(map.areas).toEqual([]);
    expect(map.obstacles[0]!.properties).toMatchObject({ kind: 'obstacle', height_m: 96 });
  });

  it('requires height_m, a number greater than 0, naming the feature', () => {
    expect(issuesOf(fc(tower({})))).toEqual([
      'missing-property: feature 2 ("Tower 7"): properties.height_m is missing; an obstacle needs its height above the ground in metres (> 0)',
    ]);
    for (const bad of [0, -5, '90', 'tall', true]) {
      const msgs = issuesOf(fc(tower({ height_m: bad })));
      expect(msgs).toHaveLength(1);
      expect(msgs[0]).toMatch(/^bad-property: feature 2 \("Tower 7"\): properties\.height_m must be a number of metres above the ground, greater than 0/);
    }
  });

  it('is validated like every polygon kind: geometry, rings, vertex limits', () => {
    expect(issuesOf(fc(tower({ height_m: 90 }, { type: 'Point', coordinates: [101.77, 36.61] })))).toEqual([
      'wrong-geometry: feature 2 ("Tower 7"): an obstacle must be a Polygon or MultiPolygon, got "Point"',
    ]);
    const open = square(101.775, 36.615, 0.0002).slice(0, 4);
    expect(issuesOf(fc(tower({ height_m: 90 }, { type: 'Polygon', coordinates: [open] })))[0]).toMatch(
      /^ring-not-closed: feature 2 \("Tower 7"\): ring 0 is not closed/,
    );
    const bow = [
      [101.77, 36.61],
      [101.771, 36.611],
      [101.771, 36.61],
      [101.77, 36.611],
      [101.77, 36.61],
    ];
    expect(issuesOf(fc(tower({ height_m: 90 }, { type: 'Polygon', coordinates: [bow] })))[0]).toMatch(/^ring-self-intersects: feature 2/);
    const many = Array.from({ length: MAX_OBSTACLE_VERTICES + 1 }, (_, i) => {
      const a = (2 * Math.PI * i) / (MAX_OBSTACLE_VERTICES + 1);
      return [101.775 + 0.001 * Math.cos(a), 36.615 + 0.001 * Math.sin(a)];
    });
    many.push(many[0]!);
    expect(issuesOf(fc(tower({ height_m: 90 }, { type: 'Polygon', coordinates: [many] })))[0]).toMatch(
      /^too-many-vertices: feature 2 \("Tower 7"\): an obstacle may have at most 1000 vertices/,
    );
    expect(issuesOf(fc(tower({ height_m: 90 }), tower({ height_m: 30 })))[0]).toMatch(/^duplicate-name: feature 3/);
  });

  it('is listed among the allowed kinds', () => {
    expect(issuesOf(fc({ type: 'Feature', properties: { kind: 'tower', name: 'X' }, geometry: null }))[0]).toContain(
      'allowed kinds: sealed, controlled, precaution, no-fly, obstacle, depot, drop-point',
    );
  });
});
