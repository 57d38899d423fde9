/**
 * Failsafe returns over terrain, with generated DEMs (a ridge higher than the cruise between depot
 * and drop point, a valley, a hill, towers): the plan sets RTL_ALT and the rally altitudes so that
 * every straight return, flown as ArduCopter's RTL flies it, keeps the clearance and the 120 m
 * ceiling. Checked here on our own: the returns are rebuilt from the vehicle plan alone (mission,
 * rally items, parameters) with ModeRTL::compute_return_target's rules (ArduCopter/mode_rtl.cpp) and
 * sampled every 10 m against the DEM. Where no altitude can keep both limits the reason says which
 * limit and where.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDem } from '../../src/geo/dem/load.js';
import type { Dem } from '../../src/geo/dem/types.js';
import { distanceM } from '../../src/geo/spherical.js';
import type { LonLat } from '../../src/geo/types.js';
import { parseZoneMap } from '../../src/geo/zone-map.js';
import { deriveVehicleParams } from '../../src/missions/plan-params.js';
import { planDelivery } from '../../src/planner/plan-delivery.js';
import { prepareObstacles } from '../../src/planning/clearance.js';
import { chooseFailsafeAltitudes, returnAltitudeM } from '../../src/planning/failsafe-altitudes.js';
import type { PlanRequest } from '../../src/planning/types.js';
import type { Reason } from '../../src/planning/types.js';
import { hill, plane, ridge, type Terrain, valley, writeHgt } from '../support/dem.js';
import { at, box, DRONE } from './plan-fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'medidrop-failsafe-terrain-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let count = 0;
async function demOf(t: Terrain): Promise<Dem> {
  const dir = join(root, `t${count++}`);
  mkdirSync(dir);
  writeHgt(dir, 36, 101, 1201, t);
  return loadDem([dir]);
}

const DEPOT = at(0, 0);
const DROP = at(2000, 0);
const MID = at(1000, 0);
type Obstacle = { name: string; ring: LonLat[]; heightM: number };
function lineMap(obstacles: Obstacle[] = []) {
  return parseZoneMap({
    type: 'FeatureCollection',
    properties: { name: 'line', siteAltitudeM: 2260 },
    features: [
      { type: 'Feature', properties: { kind: 'depot', name: 'Depot' }, geometry: { type: 'Point', coordinates: DEPOT } },
      { type: 'Feature', properties: { kind: 'drop-point', name: 'Drop' }, geometry: { type: 'Point', coordinates: DROP } },
      ...obstacles.map((o) => ({
        type: 'Feature',
        properties: { kind: 'obstacle', name: o.name, height_m: o.heightM },
        geometry: { type: 'Polygon', coordinates: [o.ring] },
      })),
    ],
  });
}
const request = (options: PlanRequest['options'] = {}): PlanRequest => ({
  from: { name: 'Depot' },
  to: { name: 'Drop' },
  drone: DRONE,
  conditions: { payloadKg: 0.5, wind: { speedMs: 0, fromDeg: 0 }, temperatureC: 15 },
  options,
});

/** Inside an axis-aligned lon/lat box ring (what plan-fixtures' box makes). */
function inRing(p: LonLat, ring: LonLat[]): boolean {
  const xs = ring.map((q) => q[0]);
  const ys = ring.map((q) => q[1]);
  return p[0] >= Math.min(...xs) && p[0] <= Math.max(...xs) && p[1] >= Math.min(...ys) && p[1] <= Math.max(...ys);
}

/**
 * The vehicle plan's path and failsafe returns, rebuilt from what is uploaded and sampled every
 * 10 m: the lowest clearance above ground/obstacles and the highest height above the ground.
 */
function flyAndSample(plan: ReturnType<typeof planDelivery>, dem: Dem, obstacles: Obstacle[] = []) {
  const vp = plan.vehiclePlan!;
  const homeGround = dem.sample(DEPOT[0], DEPOT[1]) as number;
  const pos = vp.mission.filter((it) => it.seq > 0 && it.frame === 6 && it.x !== 0).map((it): [number, number, number] => [it.y / 1e7, it.x / 1e7, it.z]);
  const rally = vp.rally.map((it) => ({ pos: [it.y / 1e7, it.x / 1e7] as LonLat, z: it.z }));
  const rtlAlt = vp.params.RTL_ALT !== undefined ? vp.params.RTL_ALT / 100 : 15; // cm (ArduCopter Parameters.cpp), default 1500
  const cone = vp.params.RTL_CONE_SLOPE ?? 3;
  let minClearance = Infinity;
  let maxAgl = -Infinity;
  let where = '';
  const sample = (p: LonLat, alt: number, what: string) => {
    const g = dem.sample(p[0], p[1]) as number;
    let surface = g;
    for (const o of obstacles) if (inRing(p, o.ring)) surface = Math.max(surface, g + o.heightM);
    const c = alt + homeGround - surface;
    if (c < minClearance) {
      minClearance = c;
      where = what;
    }
    maxAgl = Math.max(maxAgl, alt + homeGround - g);
  };
  let returns = 0;
  for (let i = 1; i < pos.length; i++) {
    const a = pos[i - 1]!;
    const b = pos[i]!;
    const len = distanceM([a[0], a[1]], [b[0], b[1]]);
    if (len < 0.5) continue; // take-off, delivery descent and climb, landing
    const n = Math.ceil(len / 10);
    for (let k = 0; k <= n; k++) {
      const t = k / n;
      const o: LonLat = [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t];
      const cur = a[2] + (b[2] - a[2]) * t;
      sample(o, cur, `route leg ${i}`);
      // ModeRTL: the nearest rally point if closer than home (RALLY_INCL_HOME 1); target alt
      // max(rally z | 0, RTL_ALT, current); cone: min(that, max(dist × slope, current)); never below current.
      let target: LonLat = DEPOT;
      let tz = 0;
      let d = distanceM(o, DEPOT);
      for (const r of rally) {
        const dr = distanceM(o, r.pos);
        if (dr < d) {
          d = dr;
          target = r.pos;
          tz = r.z;
        }
      }
      if (d < 1) continue;
      let alt = Math.max(tz, rtlAlt, cur, 0.3);
      if (cone >= 0.5) alt = Math.min(alt, Math.max(d * cone, cur, 0.3));
      alt = Math.max(alt, cur);
      returns++;
      const m = Math.ceil(d / 10);
      for (let j = 0; j <= m; j++) sample([o[0] + (target[0] - o[0]) * (j / m), o[1] + (target[1] - o[1]) * (j / m)], alt, `return from leg ${i}`);
    }
  }
  return { minClearance, maxAgl, returns, where };
}

describe('failsafe returns over terrain fly at RTL_ALT / the rally altitudes the plan sets', () => {
  it('a ridge higher than the cruise between depot and drop point: the returns clear it, under the ceiling', async () => {
    // 100 m high (the cruise is 80 m above home), 300 m half-width.
    const dem = await demOf(ridge(2260, MID[0], 100, 300));
    const plan = planDelivery(lineMap(), request(), { dem });
    expect(plan.reasons).toEqual([]);
    expect(plan.feasible).toBe(true);
    expect(plan.terrain!.violations).toEqual([]);
    // Returns from the ridge go to rally points whose altitudes clear it (100 m + 30 m, to the 3″ grid).
    expect(Math.max(...plan.vehiclePlan!.rally.map((r) => r.z))).toBeGreaterThan(100 + 30 - 20);
    const flown = flyAndSample(plan, dem);
    expect(flown.returns).toBeGreaterThan(300);
    expect(flown.minClearance).toBeGreaterThanOrEqual(30 - 0.5);
    expect(flown.maxAgl).toBeLessThanOrEqual(100 + 0.01);
    // The fence is above every return altitude (else ModeRTL caps the return at FENCE_ALT_MAX − FENCE_MARGIN).
    const highestReturn = Math.max((plan.vehiclePlan!.params.RTL_ALT ?? 1500) / 100, ...plan.vehiclePlan!.rally.map((r) => r.z));
    expect(plan.vehiclePlan!.params.FENCE_ALT_MAX! - plan.vehiclePlan!.params.FENCE_MARGIN!).toBeGreaterThanOrEqual(highestReturn);
    expect(plan.checks.find((c) => c.id === 'failsafe-return-altitude')!.ok).toBe(true);
  });

  // ArduCopter's RTL climbs to at least RTL_ALT (≥ RTL_ALT_MIN, 0.3 m above home) and never descends
  // before its target: from a valley floor more than 100 m below home, or down a steep slope, no
  // straight return keeps under the ceiling. Such plans are refused, naming the limit and the place.
  it('a .plan that lost its medidrop member gets the same altitude fence back (not capped at 120 m)', async () => {
    // Cruise 80 m above home, 70 m ridge: the route tops out about 115 m above home.
    const dem = await demOf(ridge(2260, MID[0], 70, 400));
    const vp = planDelivery(lineMap(), request(), { dem }).vehiclePlan!;
    const derived = deriveVehicleParams(vp);
    expect(derived.ok && derived.params.FENCE_ALT_MAX).toBe(vp.params.FENCE_ALT_MAX);
    expect(vp.params.FENCE_ALT_MAX).toBeGreaterThan(120);
    // Higher than 120 m above home the ground under the file is unknown: refused, saying so.
    const high = planDelivery(lineMap(), request(), { dem: await demOf(ridge(2260, MID[0], 100, 300)) }).vehiclePlan!;
    const refused = deriveVehicleParams(high);
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.missing.join('\n')).toMatch(/m above home, at or above the 120 m ceiling/);
  });

  it('a deep valley or a steep hill: refused, saying which failsafe return breaks which limit where', async () => {
    for (const t of [valley(2060, MID[0], 200, 600), hill(2260, MID, 300, 300), ridge(2260, MID[0], 150, 200)]) {
      const dem = await demOf(t);
      const plan = planDelivery(lineMap(), request(), { dem });
      expect(plan.feasible).toBe(false);
      const reason = plan.reasons.find((r) => r.code.startsWith('failsafe-return'))!;
      expect(reason.message).toMatch(/failsafe return to (home|rally point \d+) .* m above (home|the ground) .*at 36\.\d+,101\.\d+ \(lat,lon\)/);
      expect(plan.checks.find((c) => c.id === 'failsafe-return-altitude')!.ok).toBe(false);
      // The independent check agrees that some return breaks a limit.
      const flown = flyAndSample(plan, dem);
      expect(flown.minClearance < 30 - 0.5 || flown.maxAgl > 100 + 0.01).toBe(true);
    }
  });

  it('a gentle hill: the returns clear it', async () => {
    const dem = await demOf(hill(2260, MID, 100, 500));
    const plan = planDelivery(lineMap(), request(), { dem });
    expect(plan.reasons).toEqual([]);
    const flown = flyAndSample(plan, dem);
    expect(flown.minClearance).toBeGreaterThanOrEqual(30 - 0.5);
    expect(flown.maxAgl).toBeLessThanOrEqual(100 + 0.01);
  });

  it('towers: one gone round, one climbed over; the returns clear both', async () => {
    const dem = await demOf(plane(2260, 0, 0));
    const towers = [
      { name: 'Tower 12', ring: box(700, 0, 30, 30), heightM: 96 },
      { name: 'Kiosk', ring: box(1400, 0, 30, 30), heightM: 60 },
    ];
    const plan = planDelivery(lineMap(towers), request(), { dem });
    expect(plan.reasons).toEqual([]);
    const flown = flyAndSample(plan, dem, towers);
    expect(flown.minClearance).toBeGreaterThanOrEqual(30 - 0.5);
    expect(flown.maxAgl).toBeLessThanOrEqual(100 + 0.01);
  });

  it('rally points at altitude 0 instead would not clear the ridge: the check sees the difference', async () => {
    const dem = await demOf(ridge(2260, MID[0], 100, 300));
    const plan = planDelivery(lineMap(), request(), { dem });
    const rally = plan.vehiclePlan!.rally.map((r) => ({ ...r, z: 0 }));
    const flown = flyAndSample({ ...plan, vehiclePlan: { ...plan.vehiclePlan!, rally } }, dem);
    expect(flown.minClearance).toBeLessThan(30);
  });
});

/** The page sentence of a reason (both catalogues) with every {placeholder} filled from its params. */
const catalogue = (lang: string): Record<string, string> =>
  JSON.parse(readFileSync(new URL(`../../src/web/public/i18n/${lang}.json`, import.meta.url), 'utf8')) as Record<string, string>;
const CATALOGUES = [catalogue('en'), catalogue('zh-CN')];
function expectSentence(reason: Reason) {
  for (const table of CATALOGUES) {
    const sentence = table[`reasonDetail.${reason.code}`];
    expect(sentence, reason.code).toBeDefined();
    const names = [...sentence!.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
    expect(names.length).toBeGreaterThan(3);
    expect(names.filter((k) => reason.params?.[k] === undefined)).toEqual([]);
  }
}

describe('failsafe returns: more rally points where the ground falls away, and clear refusals', () => {
  it('a hill and a ridge whose flanks fall away faster than a return may: planned with rally points along the route; every return keeps both limits', async () => {
    // Both were refused while rally points came only from the route's corners and every 100 m (at
    // most 10): a return that starts high on a flank and flies level (RTL never descends before its
    // target) passes too high over the ground below unless a rally point lies close ahead on higher
    // ground. The route's own points every 20 m are candidates now.
    for (const t of [hill(2260, MID, 150, 400), ridge(2260, MID[0], 150, 250)]) {
      const dem = await demOf(t);
      const plan = planDelivery(lineMap(), request(), { dem });
      expect(plan.reasons).toEqual([]);
      const rally = plan.vehiclePlan!.rally;
      expect(rally.length).toBeGreaterThan(10); // more than the 10 the search used to stop at
      expect(rally.length).toBeLessThanOrEqual(20); // ArduCopter stores 46 on a Pixhawk (StorageManager.cpp)
      // Independent: every return rebuilt from the uploaded items alone, sampled every 10 m.
      const flown = flyAndSample(plan, dem);
      expect(flown.returns).toBeGreaterThan(300);
      expect(flown.minClearance).toBeGreaterThanOrEqual(30 - 0.5);
      expect(flown.maxAgl).toBeLessThanOrEqual(100 + 0.01);
    }
  });

  it('no rally point on a roof: a shed under a rally point the search chose moves it off (the copter lands at its rally point)', async () => {
    const dem = await demOf(ridge(2260, MID[0], 150, 250));
    const homeGroundM = dem.sample(DEPOT[0], DEPOT[1]) as number;
    // the flown legs of the planned mission (outbound, return) over the ridge
    const plan = planDelivery(lineMap(), request(), { dem });
    const pos = plan
      .vehiclePlan!.mission.filter((it) => it.seq > 0 && it.frame === 6 && it.x !== 0)
      .map((it): [number, number, number] => [it.y / 1e7, it.x / 1e7, it.z]);
    const drop = pos.findIndex((p) => distanceM([p[0], p[1]], DROP) < 1);
    const outbound = pos.slice(1, drop + 1);
    const choose = (sheds: Obstacle[]) =>
      chooseFailsafeAltitudes({
        home: DEPOT,
        homeGroundM,
        dem,
        obstacles: prepareObstacles(
          sheds.map((o) => ({ name: o.name, heightM: o.heightM, geometry: { type: 'Polygon' as const, coordinates: [o.ring] } })),
          dem,
          homeGroundM,
        ),
        legs: [outbound, [...outbound].reverse()],
        rallyPoints: [],
        candidates: [DROP],
        minClearanceM: 30,
        maxAglM: 100,
      });
    const before = choose([]);
    expect(before.ok).toBe(true);
    expect(before.rallyPoints.length).toBeGreaterThan(2);
    const under = before.rallyPoints[1]!;
    const k = 111_000;
    const xy = [(under[0] - DEPOT[0]) * k * Math.cos((DEPOT[1] * Math.PI) / 180), (under[1] - DEPOT[1]) * k] as const;
    const shed = { name: 'Shed', ring: box(xy[0], xy[1], 6, 6), heightM: 5 };
    expect(inRing(under, shed.ring)).toBe(true);
    const after = choose([shed]);
    expect(after.rallyPoints.filter((r) => inRing(r, shed.ring))).toEqual([]);
  });

  it('a deep valley: refused because no RTL can fly low enough over it, saying where and by how much', async () => {
    // The valley floor lies 200 m below the depot: ModeRTL never returns lower than RTL_ALT_MIN above
    // home (mode_rtl.cpp), so a return from over the floor is ~200 m above the ground, whatever
    // RTL_ALT and the rally points are.
    const dem = await demOf(valley(2060, MID[0], 200, 600));
    const homeGround = dem.sample(DEPOT[0], DEPOT[1]) as number;
    const plan = planDelivery(lineMap(), request(), { dem });
    expect(plan.feasible).toBe(false);
    const reason = plan.reasons.find((r) => r.code === 'failsafe-return-low-ground')!;
    expect(reason).toBeDefined();
    const p = reason.params!;
    const lon = Number(p.lon);
    const lat = Number(p.lat);
    const ground = dem.sample(lon, lat) as number;
    expect(Math.abs(Number(p.groundM) - ground)).toBeLessThan(0.1);
    expect(Math.abs(Number(p.belowHomeM) - (homeGround - ground))).toBeLessThan(0.2);
    expect(Number(p.limitM)).toBe(100);
    expect(Number(p.aglM)).toBeGreaterThan(100);
    expect(Math.abs(Number(p.overM) - (Number(p.aglM) - 100))).toBeLessThan(0.11);
    // the first such place: where the ground first lies more than ~100 m below home along the route
    expect(homeGround - ground).toBeGreaterThan(99.7 - 0.2);
    expect(homeGround - ground).toBeLessThan(99.7 + 5);
    expect(reason.message).toMatch(
      /failsafe return to home or any rally point from \d+ m along the route .* m above the ground at 36\.\d+,101\.\d+ \(lat,lon\)/,
    );
    expectSentence(reason);
    // The independent check agrees: some return flies at least that high above the ground.
    const flown = flyAndSample(plan, dem);
    expect(flown.maxAgl).toBeGreaterThanOrEqual(Number(p.aglM) - 0.5);
  });

  it('a steep hill and a narrow ridge still refused: each failsafe-return reason names the return, the place and the numbers', async () => {
    for (const t of [hill(2260, MID, 300, 300), ridge(2260, MID[0], 150, 200)]) {
      const dem = await demOf(t);
      const plan = planDelivery(lineMap(), request(), { dem });
      expect(plan.feasible).toBe(false);
      const reasons = plan.reasons.filter((r) => r.code.startsWith('failsafe-return'));
      expect(reasons.length).toBeGreaterThan(0);
      for (const r of reasons) {
        expectSentence(r);
        expect(Number(r.params!.alongM)).toBeGreaterThanOrEqual(0);
        expect(Number(r.params!.rally)).toBeGreaterThanOrEqual(0);
        if (r.code === 'failsafe-return-descends') {
          // above the ceiling where the ground binds, by overM
          const ground = dem.sample(Number(r.params!.lon), Number(r.params!.lat)) as number;
          expect(Math.abs(Number(r.params!.groundM) - ground)).toBeLessThan(0.1);
          expect(Number(r.params!.aglM)).toBeGreaterThan(100);
          expect(Math.abs(Number(r.params!.overM) - (Number(r.params!.aglM) - 100))).toBeLessThan(0.11);
        }
      }
    }
  });
});

describe('chooseFailsafeAltitudes: which limit binds, and where', () => {
  it('a return that must climb over a ridge and also pass low over a valley cannot keep both', async () => {
    // Ground: a 150 m ridge 1 km out, and a 200 m deep valley beyond; returns to home from the far side
    // cross both: 150 + 30 above home to clear the ridge, at most 100 − 200 over the valley floor.
    const t: Terrain = (lon, lat) => ridge(2260, MID[0], 150, 150)(lon, lat) - (valley(2260, at(1500, 0)[0], 200, 200)(lon, lat) - 2260 - 200);
    const dem = await demOf(t);
    const home = DEPOT;
    const homeGroundM = dem.sample(home[0], home[1]) as number;
    const out = chooseFailsafeAltitudes({
      home,
      homeGroundM,
      dem,
      obstacles: prepareObstacles([], dem, homeGroundM),
      legs: [
        [
          [at(1500, 0)[0], at(1500, 0)[1], -140],
          [at(1600, 0)[0], at(1600, 0)[1], -140],
        ],
      ],
      rallyPoints: [],
      minClearanceM: 30,
      maxAglM: 100,
    });
    expect(out.ok).toBe(false);
    expect(out.reasons[0]!.code).toBe('failsafe-return-altitude');
    expect(out.reasons[0]!.message).toMatch(
      /^no RTL_ALT keeps every straight failsafe return to home within both limits: the return from \d+ m along the route must fly at least \d+(\.\d)? m above home to keep 30 m above the terrain at 36\.\d+,101\.\d+ \(lat,lon\), but the return from \d+ m must stay at most -?\d+(\.\d)? m above home to keep within 100 m of the ground at 36\.\d+,101\.\d+ \(lat,lon\)/,
    );
  });

  it('returnAltitudeM follows ModeRTL: never descends, climbs to RTL_ALT or the rally altitude, capped by the cone', () => {
    expect(returnAltitudeM(80, 0, 15, 1000)).toBe(80); // above RTL_ALT: returns at the current altitude
    expect(returnAltitudeM(80, 0, 150, 1000)).toBe(150); // climbs to RTL_ALT
    expect(returnAltitudeM(80, 120, 15, 1000)).toBe(120); // or to the rally point's altitude
    expect(returnAltitudeM(20, 0, 150, 10)).toBe(30); // the cone (slope 3) limits the climb close to the target
    expect(returnAltitudeM(20, 0, 150, 10, 0)).toBe(150); // RTL_CONE_SLOPE 0: no cone
    expect(returnAltitudeM(40, 0, 150, 10)).toBe(40); // never below the current altitude
  });
});
