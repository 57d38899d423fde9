/**
 * Zone map validation: every bad-map case gives its own clear error naming the feature index and
 * name; a broken map is refused whole; a drop point inside a no-fly area is a warning only.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ZoneMapError, type MapIssue } from '../../src/geo/types.js';
import { loadZoneMapFile, parseZoneMap } from '../../src/geo/zone-map.js';
import { planRoute, prepareMap } from '../../src/planning/route.js';

// A small valid map near Xining, [lon, lat].
const square = (lon: number, lat: number, d: number) => [
  [lon - d, lat - d],
  [lon + d, lat - d],
  [lon + d, lat + d],
  [lon - d, lat + d],
  [lon - d, lat - d],
];
type Feat = { type: string; properties?: Record<string, unknown> | null; geometry?: unknown };
function validFeatures(): Feat[] {
  return [
    { type: 'Feature', properties: { kind: 'sealed', name: 'Jinxiu Garden' }, geometry: { type: 'Polygon', coordinates: [square(101.778, 36.617, 0.001)] } },
    {
      type: 'Feature',
      properties: { kind: 'no-fly', name: 'Helipad', reason: 'hospital helipad' },
      geometry: { type: 'Polygon', coordinates: [square(101.77, 36.62, 0.0005)] },
    },
    {
      type: 'Feature',
      properties: { kind: 'depot', name: 'Police station', drones: ['XN-01'], groundAltitudeM: 2262 },
      geometry: { type: 'Point', coordinates: [101.76, 36.61] },
    },
    { type: 'Feature', properties: { kind: 'drop-point', name: 'Courtyard', heightM: 0 }, geometry: { type: 'Point', coordinates: [101.778, 36.617] } },
  ];
}
const fc = (features: unknown[], extra: Record<string, unknown> = {}) => ({ type: 'FeatureCollection', features, ...extra });

/** Parse expecting a ZoneMapError; returns its issues. */
function issuesOf(json: unknown): MapIssue[] {
  try {
    parseZoneMap(json, 'test.geojson');
  } catch (err) {
    expect(err).toBeInstanceOf(ZoneMapError);
    return (err as ZoneMapError).issues;
  }
  throw new Error('expected the map to be refused');
}

/** A map with feature 3 replaced. */
function withFeature3(f: Feat): unknown {
  const feats = validFeatures();
  feats[3] = f;
  return fc(feats);
}

describe('parseZoneMap: valid maps', () => {
  it('loads a valid map into typed areas, no-fly areas, depots and drop points', () => {
    const map = parseZoneMap(fc(validFeatures(), { properties: { name: 'Xining test', siteAltitudeM: 2260 } }));
    expect(map.name).toBe('Xining test');
    expect(map.siteAltitudeM).toBe(2260);
    expect(map.areas.map((a) => [a.kind, a.name])).toEqual([['sealed', 'Jinxiu Garden']]);
    expect(map.noFly).toMatchObject([{ name: 'Helipad', reason: 'hospital helipad', temporary: false, index: 1 }]);
    expect(map.depots).toMatchObject([{ name: 'Police station', position: [101.76, 36.61], drones: ['XN-01'], groundAltitudeM: 2262 }]);
    expect(map.dropPoints).toMatchObject([{ name: 'Courtyard', heightM: 0, zone: 'Jinxiu Garden', index: 3 }]);
    expect(map.warnings).toEqual([]);
  });

  it('loads the example county town map from a file', () => {
    const map = loadZoneMapFile(fileURLToPath(new URL('../../missions/county-town.geojson', import.meta.url)));
    expect(map.depots.length).toBeGreaterThanOrEqual(3);
    expect(map.noFly.length).toBeGreaterThanOrEqual(4);
  });

  it('accepts MultiPolygons and polygons with holes (a zone ring)', () => {
    const feats = validFeatures();
    feats.push({
      type: 'Feature',
      properties: { kind: 'controlled', name: 'Ring' },
      geometry: { type: 'Polygon', coordinates: [square(101.778, 36.617, 0.004), square(101.778, 36.617, 0.002).reverse()] },
    });
    feats.push({
      type: 'Feature',
      properties: { kind: 'no-fly', name: 'Two sites', temporary: true },
      geometry: { type: 'MultiPolygon', coordinates: [[square(101.8, 36.6, 0.0003)], [square(101.81, 36.6, 0.0003)]] },
    });
    feats.push({ type: 'Feature', properties: { kind: 'drop-point', name: 'Gate' }, geometry: { type: 'Point', coordinates: [101.781, 36.617] } });
    const map = parseZoneMap(fc(feats));
    expect(map.dropPoints.find((d) => d.name === 'Gate')?.zone).toBe('Ring');
    expect(map.dropPoints.find((d) => d.name === 'Courtyard')?.zone).toBe('Jinxiu Garden');
    expect(map.noFly.find((a) => a.name === 'Two sites')?.temporary).toBe(true);
  });
});

describe('parseZoneMap: each bad map gets its own clear error', () => {
  it('not a FeatureCollection', () => {
    for (const bad of [{ type: 'Feature', properties: {}, geometry: null }, [1, 2], 'zones', null]) {
      const [issue] = issuesOf(bad);
      expect(issue!.code).toBe('not-feature-collection');
      expect(issue!.message).toMatch(/test\.geojson: a zone map must be a GeoJSON FeatureCollection, got /);
    }
    expect(issuesOf({ type: 'FeatureCollection' })[0]!.message).toMatch(/no "features" array/);
  });

  it('unknown kind, listing the allowed kinds', () => {
    const [issue] = issuesOf(
      withFeature3({ type: 'Feature', properties: { kind: 'nofly', name: 'Testing site' }, geometry: { type: 'Point', coordinates: [101.7, 36.6] } }),
    );
    expect(issue).toMatchObject({ code: 'unknown-kind', featureIndex: 3, featureName: 'Testing site' });
    expect(issue!.message).toBe(
      'test.geojson: feature 3 ("Testing site"): unknown kind "nofly"; allowed kinds: sealed, controlled, precaution, no-fly, obstacle, depot, drop-point',
    );
  });

  it('missing name', () => {
    const [issue] = issuesOf(withFeature3({ type: 'Feature', properties: { kind: 'drop-point' }, geometry: { type: 'Point', coordinates: [101.7, 36.6] } }));
    expect(issue).toMatchObject({ code: 'missing-name', featureIndex: 3 });
    expect(issue!.message).toBe('test.geojson: feature 3: properties.name is missing');
  });

  it('wrong geometry type for the kind', () => {
    const [a] = issuesOf(
      withFeature3({ type: 'Feature', properties: { kind: 'no-fly', name: 'Helipad 2' }, geometry: { type: 'Point', coordinates: [101.7, 36.6] } }),
    );
    expect(a!.message).toBe('test.geojson: feature 3 ("Helipad 2"): a no-fly area must be a Polygon or MultiPolygon, got "Point"');
    const [b] = issuesOf(
      withFeature3({
        type: 'Feature',
        properties: { kind: 'depot', name: 'Station' },
        geometry: { type: 'Polygon', coordinates: [square(101.7, 36.6, 0.001)] },
      }),
    );
    expect(b!.message).toBe('test.geojson: feature 3 ("Station"): a depot must be a Point, got "Polygon"');
    expect(b!.code).toBe('wrong-geometry');
  });

  it('open ring', () => {
    const ring = square(101.7, 36.6, 0.001).slice(0, 4);
    ring.push([101.7, 36.6]);
    const [issue] = issuesOf(
      withFeature3({ type: 'Feature', properties: { kind: 'no-fly', name: 'Helipad 2' }, geometry: { type: 'Polygon', coordinates: [ring] } }),
    );
    expect(issue).toMatchObject({ code: 'ring-not-closed', featureIndex: 3, featureName: 'Helipad 2' });
    expect(issue!.message).toMatch(
      /^test\.geojson: feature 3 \("Helipad 2"\): ring 0 is not closed: it starts at \[101\.699, 36\.599\] but ends at \[101\.7, 36\.6\]/,
    );
  });

  it('a no-fly area with more vertices than the planner can buffer in time is refused, naming it and the count', () => {
    // Before: a 20 000-vertex circle passed, and planning on it ran for minutes (service stalled).
    const n = 20_000;
    const ring = Array.from({ length: n }, (_, k) => [101.7 + 0.001 * Math.cos((2 * Math.PI * k) / n), 36.6 + 0.001 * Math.sin((2 * Math.PI * k) / n)]);
    ring.push(ring[0]!);
    const [issue] = issuesOf(
      withFeature3({ type: 'Feature', properties: { kind: 'no-fly', name: 'Dense circle' }, geometry: { type: 'Polygon', coordinates: [ring] } }),
    );
    expect(issue).toMatchObject({ code: 'too-many-vertices', featureIndex: 3, featureName: 'Dense circle' });
    expect(issue!.message).toMatch(/feature 3 \("Dense circle"\): a no-fly area may have at most 1000 vertices, this one has 20001/);
  });

  it('a map with more features than a deployment has is refused at once, with the count', () => {
    // Before: 50 000 drop points were accepted and every plan on the map took seconds.
    const feats = validFeatures();
    for (let k = 0; feats.length <= 10_000; k++) {
      feats.push({
        type: 'Feature',
        properties: { kind: 'drop-point', name: `Gate ${k}` },
        geometry: { type: 'Point', coordinates: [101.75 + (k % 100) * 1e-4, 36.62 + Math.floor(k / 100) * 1e-4] },
      });
    }
    const issues = issuesOf(fc(feats));
    expect(issues).toEqual([expect.objectContaining({ code: 'too-many-features' })]);
    expect(issues[0]!.message).toMatch(/a zone map may have at most 10000 features, this one has 10001/);
  });

  it('no-fly areas with too many vertices together are refused too (each under the limit)', () => {
    const n = 900;
    const feats = validFeatures();
    for (let j = 0; j < 6; j++) {
      const ring = Array.from({ length: n }, (_, k) => [
        101.74 + 0.004 * j + 0.001 * Math.cos((2 * Math.PI * k) / n),
        36.63 + 0.001 * Math.sin((2 * Math.PI * k) / n),
      ]);
      ring.push(ring[0]!);
      feats.push({ type: 'Feature', properties: { kind: 'no-fly', name: `Dense ${j}` }, geometry: { type: 'Polygon', coordinates: [ring] } });
    }
    const issues = issuesOf(fc(feats));
    expect(issues).toHaveLength(1);
    expect(issues[0]!.message).toMatch(/the no-fly areas have 5411 vertices together; a map may have at most 5000/);
  });

  it('a zone map "file" that never ends (/dev/zero) is refused once past the size limit (was: read until memory ran out)', () => {
    if (!existsSync('/dev/zero')) return;
    expect(() => loadZoneMapFile('/dev/zero')).toThrow(/zone map \/dev\/zero: larger than 64 MB/);
  });

  it('ring with fewer than 4 positions', () => {
    const [issue] = issuesOf(
      withFeature3({
        type: 'Feature',
        properties: { kind: 'sealed', name: 'Tiny' },
        geometry: {
          type: 'Polygon',
          coordinates: [
            [
              [101.7, 36.6],
              [101.71, 36.6],
              [101.7, 36.6],
            ],
          ],
        },
      }),
    );
    expect(issue).toMatchObject({ code: 'ring-too-short', featureIndex: 3 });
    expect(issue!.message).toMatch(/feature 3 \("Tiny"\): ring 0 has 3 positions; a closed ring needs at least 4/);
  });

  it('repeated consecutive positions are tolerated, but a ring needs 3 distinct corners', () => {
    const sq = square(101.7, 36.6, 0.001);
    const repeated = [sq[0]!, sq[0]!, sq[1]!, sq[2]!, sq[2]!, sq[3]!, sq[4]!];
    const map = parseZoneMap(
      withFeature3({ type: 'Feature', properties: { kind: 'no-fly', name: 'Repeats' }, geometry: { type: 'Polygon', coordinates: [repeated] } }),
    );
    expect((map.noFly[1]!.geometry.coordinates[0] as number[][]).length).toBe(5);
    const flat = [sq[0]!, sq[1]!, sq[1]!, sq[0]!];
    const [issue] = issuesOf(
      withFeature3({ type: 'Feature', properties: { kind: 'no-fly', name: 'Flat' }, geometry: { type: 'Polygon', coordinates: [flat] } }),
    );
    expect(issue!.message).toMatch(/feature 3 \("Flat"\): ring 0 has only 2 distinct corners; a ring needs at least 3/);
  });

  it('self-intersecting ring (a bow tie)', () => {
    const bowTie = [
      [101.7, 36.6],
      [101.71, 36.61],
      [101.71, 36.6],
      [101.7, 36.61],
      [101.7, 36.6],
    ];
    const [issue] = issuesOf(
      withFeature3({ type: 'Feature', properties: { kind: 'no-fly', name: 'Bow tie' }, geometry: { type: 'Polygon', coordinates: [bowTie] } }),
    );
    expect(issue).toMatchObject({ code: 'ring-self-intersects', featureIndex: 3, featureName: 'Bow tie' });
    expect(issue!.message).toMatch(/feature 3 \("Bow tie"\): ring 0 intersects itself: edges 0 and 2 cross/);
  });

  it('self-intersection in a hole of a MultiPolygon part is located too', () => {
    const hole = [
      [101.701, 36.601],
      [101.705, 36.605],
      [101.705, 36.601],
      [101.701, 36.605],
      [101.701, 36.601],
    ];
    const [issue] = issuesOf(
      withFeature3({
        type: 'Feature',
        properties: { kind: 'no-fly', name: 'Parts' },
        geometry: { type: 'MultiPolygon', coordinates: [[square(101.8, 36.6, 0.001)], [square(101.703, 36.603, 0.005), hole]] },
      }),
    );
    expect(issue!.message).toMatch(/feature 3 \("Parts"\): polygon 1 ring 1 intersects itself/);
  });

  it('a hole that crosses its outer ring or lies outside it', () => {
    const outer = square(101.7, 36.6, 0.002);
    const crossing = square(101.7015, 36.6, 0.001).reverse();
    const [a] = issuesOf(
      withFeature3({ type: 'Feature', properties: { kind: 'controlled', name: 'Ring zone' }, geometry: { type: 'Polygon', coordinates: [outer, crossing] } }),
    );
    expect(a!.message).toBe('test.geojson: feature 3 ("Ring zone"): ring 1 (a hole) crosses or touches ring 0');
    const outside = square(101.71, 36.6, 0.001).reverse();
    const [b] = issuesOf(
      withFeature3({ type: 'Feature', properties: { kind: 'controlled', name: 'Ring zone' }, geometry: { type: 'Polygon', coordinates: [outer, outside] } }),
    );
    expect(b).toMatchObject({ code: 'hole-outside', featureIndex: 3 });
  });

  it('coordinates out of range', () => {
    const [issue] = issuesOf(
      withFeature3({ type: 'Feature', properties: { kind: 'drop-point', name: 'Far' }, geometry: { type: 'Point', coordinates: [201.7, 36.6] } }),
    );
    expect(issue).toMatchObject({ code: 'coordinate-out-of-range', featureIndex: 3 });
    expect(issue!.message).toBe('test.geojson: feature 3 ("Far"): point [201.7, 36.6]: longitude 201.7 is outside −180…180');
    const [nan] = issuesOf(
      withFeature3({ type: 'Feature', properties: { kind: 'drop-point', name: 'Text' }, geometry: { type: 'Point', coordinates: ['101.7', 36.6] } }),
    );
    expect(nan!.message).toMatch(/feature 3 \("Text"\): point has a non-numeric coordinate/);
  });

  it('[lat, lon] by mistake: a hint that it looks swapped', () => {
    const [issue] = issuesOf(
      withFeature3({ type: 'Feature', properties: { kind: 'drop-point', name: 'Gate' }, geometry: { type: 'Point', coordinates: [36.617, 101.778] } }),
    );
    expect(issue).toMatchObject({ code: 'swapped-coordinates', featureIndex: 3, featureName: 'Gate' });
    expect(issue!.message).toBe(
      'test.geojson: feature 3 ("Gate"): point [36.617, 101.778]: latitude 101.778 is outside −90…90; it looks swapped: GeoJSON positions are [lon, lat], so write [101.778, 36.617]',
    );
    // In a polygon, the position is located by ring and index.
    const swappedRing = square(101.7, 36.6, 0.001).map(([a, b]) => [b!, a!]);
    const issues = issuesOf(
      withFeature3({ type: 'Feature', properties: { kind: 'no-fly', name: 'Helipad 2' }, geometry: { type: 'Polygon', coordinates: [swappedRing] } }),
    );
    expect(issues[0]!.message).toMatch(/feature 3 \("Helipad 2"\): ring 0 position 0 \[36\.599, 101\.699\]: .* looks swapped/);
  });

  it('[lat, lon] that stays in range but lands far from the rest of the map: looks swapped', () => {
    // Karamay (84.9 E, 45.6 N) written [lat, lon] is still a valid position, 4,000 km away.
    const feats = [
      { type: 'Feature', properties: { kind: 'depot', name: 'Station A' }, geometry: { type: 'Point', coordinates: [84.87, 45.6] } },
      { type: 'Feature', properties: { kind: 'depot', name: 'Station B' }, geometry: { type: 'Point', coordinates: [84.88, 45.59] } },
      { type: 'Feature', properties: { kind: 'drop-point', name: 'Gate' }, geometry: { type: 'Point', coordinates: [84.86, 45.61] } },
      { type: 'Feature', properties: { kind: 'drop-point', name: 'Roof' }, geometry: { type: 'Point', coordinates: [45.6, 84.89] } },
    ];
    const [issue] = issuesOf(fc(feats));
    expect(issue).toMatchObject({ code: 'swapped-coordinates', featureIndex: 3, featureName: 'Roof' });
    expect(issue!.message).toMatch(/lies \d+ km from the rest of the map; it looks swapped: .* write \[84\.89, 45\.6\]/);
  });

  it('duplicate names, naming both features', () => {
    const [issue] = issuesOf(
      withFeature3({ type: 'Feature', properties: { kind: 'drop-point', name: 'Helipad' }, geometry: { type: 'Point', coordinates: [101.7, 36.6] } }),
    );
    expect(issue).toMatchObject({ code: 'duplicate-name', featureIndex: 3, featureName: 'Helipad' });
    expect(issue!.message).toBe('test.geojson: feature 3 ("Helipad"): duplicate name: feature 1 is already called "Helipad" (names must be unique)');
  });

  it('optional properties of the wrong type', () => {
    const feats = validFeatures();
    (feats[1]!.properties as Record<string, unknown>).temporary = 'yes';
    (feats[2]!.properties as Record<string, unknown>).drones = 'XN-01';
    (feats[3]!.properties as Record<string, unknown>).heightM = -3;
    const issues = issuesOf(fc(feats));
    expect(issues.map((i) => i.message)).toEqual([
      'test.geojson: feature 1 ("Helipad"): properties.temporary must be true or false (got "yes")',
      'test.geojson: feature 2 ("Police station"): properties.drones must be an array of drone id strings (got "XN-01")',
      'test.geojson: feature 3 ("Courtyard"): properties.heightM must be at least 0 (got -3)',
    ]);
  });

  it('reports every problem at once and refuses the whole map', () => {
    const feats: unknown[] = validFeatures();
    feats.push({ type: 'Feature', properties: { kind: 'lake', name: 'Lake' }, geometry: null });
    feats.push({ type: 'Feature', properties: { kind: 'drop-point', name: 'Courtyard' }, geometry: { type: 'Point', coordinates: [101.7, 36.6] } });
    feats.push({ type: 'Polygon', coordinates: [] });
    const issues = issuesOf(fc(feats));
    expect(issues.map((i) => [i.code, i.featureIndex])).toEqual([
      ['unknown-kind', 4],
      ['duplicate-name', 5],
      ['not-a-feature', 6],
    ]);
    expect(issues[2]!.message).toBe('test.geojson: feature 6: is not a GeoJSON Feature (type "Polygon")');
  });
});

describe('drop point inside a no-fly area', () => {
  it('is a warning naming both; routes to it are refused, the rest of the map plans', () => {
    const feats = validFeatures();
    feats.push({
      type: 'Feature',
      properties: { kind: 'no-fly', name: 'Testing site', temporary: true, reason: 'mass-testing site' },
      geometry: { type: 'Polygon', coordinates: [square(101.79, 36.617, 0.0008)] },
    });
    feats.push({ type: 'Feature', properties: { kind: 'drop-point', name: 'Community gate' }, geometry: { type: 'Point', coordinates: [101.79, 36.617] } });
    const map = parseZoneMap(fc(feats));
    expect(map.warnings).toHaveLength(1);
    expect(map.warnings[0]).toMatchObject({ code: 'drop-point-in-no-fly', featureIndex: 5, featureName: 'Community gate' });
    expect(map.warnings[0]!.message).toBe(
      'drop point "Community gate" (feature 5) lies inside temporary no-fly area "Testing site" (feature 4); deliveries to it are refused while the area is closed',
    );
    expect(map.dropPoints.map((d) => d.name)).toEqual(['Courtyard', 'Community gate']);
    const prepared = prepareMap(map);
    const depot = map.depots[0]!.position;
    const refused = planRoute(prepared, depot, map.dropPoints[1]!.position);
    expect(refused).toMatchObject({ ok: false, code: 'goal-blocked', area: 'Testing site' });
    expect(!refused.ok && refused.message).toMatch(/inside temporary no-fly area "Testing site" \(mass-testing site\)/);
    expect(planRoute(prepared, depot, map.dropPoints[0]!.position).ok).toBe(true);
  });
});

describe('loadZoneMapFile', () => {
  it('names a missing file and a file that is not JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'medidrop-geo-'));
    try {
      const missing = join(dir, 'nope.geojson');
      expect(() => loadZoneMapFile(missing)).toThrow(
        new ZoneMapError([{ code: 'unreadable-file', message: `zone map ${missing}: file not found`, detail: 'unreadable-file', params: { path: missing } }]),
      );
      const bad = join(dir, 'bad.geojson');
      writeFileSync(bad, '{"type": "FeatureCollection", "features": [');
      expect(() => loadZoneMapFile(bad)).toThrow(/^zone map .*bad\.geojson: not valid JSON \(/);
      const broken = join(dir, 'broken.geojson');
      writeFileSync(broken, JSON.stringify(fc([{ type: 'Feature', properties: { kind: 'depot' }, geometry: { type: 'Point', coordinates: [1, 2] } }])));
      expect(() => loadZoneMapFile(broken)).toThrow(`${broken}: feature 0: properties.name is missing`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('areas of every kind count against the vertex limit, before their rings are checked (a 100,000-vertex sealed zone passed)', () => {
    for (const kind of ['sealed', 'controlled', 'precaution'] as const) {
      const n = 100_000;
      const ring = Array.from({ length: n }, (_, k) => [101.7 + 0.001 * Math.cos((2 * Math.PI * k) / n), 36.6 + 0.001 * Math.sin((2 * Math.PI * k) / n)]);
      ring.push(ring[0]!);
      const started = Date.now();
      const [issue, ...rest] = issuesOf(
        withFeature3({ type: 'Feature', properties: { kind, name: 'Dense zone' }, geometry: { type: 'MultiPolygon', coordinates: [[ring]] } }),
      );
      expect(rest).toEqual([]);
      expect(issue).toMatchObject({ code: 'too-many-vertices', featureIndex: 3, featureName: 'Dense zone' });
      expect(issue!.message).toMatch(new RegExp(`feature 3 \\("Dense zone"\\): a ${kind} zone may have at most 1000 vertices, this one has 100001`));
      expect(Date.now() - started).toBeLessThan(2000);
    }
  });

  it('all features together may have at most 20,000 vertices (each area under its own limit)', () => {
    const feats = validFeatures();
    for (let j = 0; j < 21; j++) {
      const n = 999;
      const ring = Array.from({ length: n }, (_, k) => [
        101.7 + 0.003 * j + 0.001 * Math.cos((2 * Math.PI * k) / n),
        36.6 + 0.001 * Math.sin((2 * Math.PI * k) / n),
      ]);
      ring.push(ring[0]!);
      feats.push({ type: 'Feature', properties: { kind: 'precaution', name: `Ring ${j}` }, geometry: { type: 'Polygon', coordinates: [ring] } });
    }
    const issues = issuesOf(fc(feats));
    expect(issues).toEqual([expect.objectContaining({ code: 'too-many-vertices' })]);
    expect(issues[0]!.message).toMatch(/the features have 2\d{4} vertices together \(a point counts one\); a map may have at most 20000/);
  });

  it('properties nested deeper than 32 levels are refused for that feature, without overflowing the stack at any depth', () => {
    for (const depth of [33, 100_000]) {
      let deep: unknown = 1;
      for (let i = 0; i < depth; i++) deep = { a: deep };
      const feats = validFeatures();
      feats[2]!.properties!.extra = deep;
      const [issue] = issuesOf(fc(feats));
      expect(issue).toMatchObject({ code: 'too-deep', featureIndex: 2 });
      expect(issue!.message).toMatch(/^test\.geojson: feature 2 \(".+"\): properties nest more than 32 levels deep \(at properties\.extra\.a\.a/);
    }
    const feats = validFeatures();
    let ok: unknown = 1;
    for (let i = 0; i < 31; i++) ok = [ok];
    feats[2]!.properties!.extra = ok;
    expect(() => parseZoneMap(fc(feats))).not.toThrow();
  });

  it('control characters in a name, a reason or any property (and in the map name) are refused naming the property', () => {
    const feats = validFeatures();
    feats[1]!.properties!.name = 'Gate\u001b[2J';
    const [issue] = issuesOf(fc(feats));
    expect(issue).toMatchObject({ code: 'bad-property', featureIndex: 1 });
    expect(issue!.message).toMatch(/feature 1 \("Gate\\u001b\[2J"\): properties\.name must not contain control characters/);
    const [mapIssue] = issuesOf(fc(validFeatures(), { properties: { name: 'Town\u0000' } }));
    expect(mapIssue!.message).toMatch(/map properties\.name must not contain control characters/);
    const withTab = validFeatures();
    withTab[1]!.properties!.note = 'line one\n\tline two';
    expect(() => parseZoneMap(fc(withTab))).not.toThrow();
  });
});
