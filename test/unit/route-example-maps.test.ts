/**
 * The example zone maps in missions/: they load, their zones are resolved, and every depot → drop
 * point pair that should be reachable plans (both ways), with legs that keep the clearance.
 */
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { loadZoneMapFile } from '../../src/geo/zone-map.js';
import { isSegmentClear, planRoute, prepareMap } from '../../src/planning/route.js';

const file = (name: string) => fileURLToPath(new URL(`../../missions/${name}`, import.meta.url));

describe('missions/county-town.geojson (Xining)', () => {
  const map = loadZoneMapFile(file('county-town.geojson'));
  const prepared = prepareMap(map);

  it('loads with its zones, depots, drop points and site altitude', () => {
    expect(map.siteAltitudeM).toBe(2260);
    expect(map.depots.length).toBeGreaterThanOrEqual(3);
    expect(map.dropPoints.length).toBeGreaterThanOrEqual(6);
    expect(map.noFly.map((a) => a.reason)).toEqual(expect.arrayContaining(['hospital helipad', '110 kV power lines', 'mass-testing site (crowds)']));
    const testing = map.noFly.find((a) => a.name.startsWith('Nanshan Road mass-testing site'));
    expect(testing?.temporary).toBe(true);
    const courtyard = map.dropPoints.find((d) => d.name.startsWith('Jinxiu Garden courtyard'));
    expect(courtyard?.zone).toBe('Jinxiu Garden 锦绣花园');
    const rooftop = map.dropPoints.find((d) => d.name.startsWith('Jinxiu Garden Building 5 rooftop'));
    expect(rooftop?.heightM).toBe(33);
    const kunlun = map.dropPoints.find((d) => d.name.startsWith('Kunlun Road'));
    expect(kunlun?.zone).toBe('Jinxiu Garden controlled zone 锦绣花园管控区');
    const checkpoint = map.dropPoints.find((d) => d.name.startsWith('G109 highway checkpoint'));
    expect(checkpoint?.zone).toBeUndefined();
  });

  it('warns about the drop point under the temporary testing site and refuses routes to it only', () => {
    expect(map.warnings).toHaveLength(1);
    expect(map.warnings[0]).toMatchObject({ code: 'drop-point-in-no-fly' });
    expect(map.warnings[0]!.message).toContain('Dongguan Street community service point');
    expect(map.warnings[0]!.message).toContain('Nanshan Road mass-testing site');
    const blocked = map.dropPoints.find((d) => d.name.startsWith('Dongguan Street'))!;
    for (const depot of map.depots) {
      const r = planRoute(prepared, depot.position, blocked.position);
      expect(r).toMatchObject({ ok: false, code: 'goal-blocked', area: 'Nanshan Road mass-testing site 南山路核酸检测点' });
    }
  });

  it('plans every other depot → drop point pair, there and back, clear of every no-fly area', () => {
    let detours = 0;
    for (const depot of map.depots) {
      for (const drop of map.dropPoints) {
        if (drop.name.startsWith('Dongguan Street')) continue;
        for (const [a, b] of [
          [depot.position, drop.position],
          [drop.position, depot.position],
        ] as const) {
          const r = planRoute(prepared, a, b);
          expect(r.ok, `${depot.name} ↔ ${drop.name}: ${r.ok ? '' : r.message}`).toBe(true);
          if (!r.ok) continue;
          if (r.path.length > 2) detours++;
          for (let i = 0; i + 1 < r.path.length; i++) expect(isSegmentClear(prepared, r.path[i]!, r.path[i + 1]!)).toBe(true);
        }
      }
    }
    // The power line, helipad and testing site are in the way of several deliveries.
    expect(detours).toBeGreaterThan(4);
  });
});

describe('missions/city-district.geojson (Taiyuan)', () => {
  const map = loadZoneMapFile(file('city-district.geojson'));
  const prepared = prepareMap(map);

  it('is a dense district: 40+ no-fly areas, several sealed compounds, depots and drop points', () => {
    expect(map.noFly.length).toBeGreaterThanOrEqual(40);
    expect(map.areas.filter((a) => a.kind === 'sealed').length).toBeGreaterThanOrEqual(4);
    expect(map.depots.length).toBeGreaterThanOrEqual(3);
    expect(map.dropPoints.length).toBeGreaterThanOrEqual(10);
    expect(map.warnings).toEqual([]);
    expect(map.dropPoints.filter((d) => d.zone !== undefined).length).toBeGreaterThanOrEqual(10);
  });

  it('plans every depot → drop point pair clear of every no-fly area', () => {
    let detours = 0;
    for (const depot of map.depots) {
      for (const drop of map.dropPoints) {
        const r = planRoute(prepared, depot.position, drop.position);
        expect(r.ok, `${depot.name} → ${drop.name}: ${r.ok ? '' : r.message}`).toBe(true);
        if (!r.ok) continue;
        if (r.path.length > 2) detours++;
        for (let i = 0; i + 1 < r.path.length; i++) expect(isSegmentClear(prepared, r.path[i]!, r.path[i + 1]!)).toBe(true);
      }
    }
    expect(detours).toBeGreaterThan(10);
  });
});
