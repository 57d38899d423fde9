import { describe, expect, it } from 'vitest';
import { booleanContains, polygon as turfPolygon } from '@turf/turf';
import { common } from 'node-mavlink';
import { planDelivery } from '../../src/planner/plan-delivery.js';
import { buildMission } from '../../src/missions/build.js';
import { reduceConvexOutward, fenceStorageBytes } from '../../src/missions/fence.js';
import { chooseRally } from '../../src/missions/rally.js';
import { exportQgcPlan, readPlanFile, PlanFileError } from '../../src/missions/export-qgc.js';
import { exportWaypoints } from '../../src/missions/export-waypoints.js';
import { exportGeoJson } from '../../src/planner/export-geojson.js';
import { fenceShapes } from '../../src/missions/fence-items.js';
import { convexHull } from '../../src/geo/planar.js';
import { distanceM, samplePath } from '../../src/geo/spherical.js';
import type { XY } from '../../src/geo/types.js';
import { isSegmentClear, prepareMap } from '../../src/planning/route.js';
import type { PlanRequest } from '../../src/planning/types.js';
import type { DeliveryPlan } from '../../src/planner/types.js';
import { at, denseMap, DRONE, townMap } from './plan-fixtures.js';
import { loadZoneMapFile } from '../../src/geo/zone-map.js';

const CMD = common.MavCmd;
const calm = { payloadKg: 1, wind: { speedMs: 0, fromDeg: 0 }, temperatureC: 15 };

function plan(req: Partial<PlanRequest> = {}, map = townMap()): DeliveryPlan {
  return planDelivery(map, { from: { name: 'Police station' }, to: { name: 'Compound 3 courtyard' }, drone: DRONE, conditions: calm, ...req });
}

const route = {
  home: { lat: 36.6171, lon: 101.7782, altM: 2260 },
  outbound: [at(0, 0), at(100, 400), at(0, 800)],
  inbound: [at(0, 800), at(100, 400), at(0, 0)],
  cruiseAltitudeM: 80,
  cruiseSpeedMs: 10,
  dropHeightM: 0,
};

describe('mission items as ArduCopter flies them', () => {
  it('payload place (default): home, takeoff, speed, waypoints, place, return, land', () => {
    const m = buildMission({ ...route, method: 'payload-place' });
    expect(m.items.map((i) => i.command)).toEqual([
      CMD.NAV_WAYPOINT, // 0 home placeholder
      CMD.NAV_TAKEOFF,
      CMD.DO_CHANGE_SPEED,
      CMD.NAV_WAYPOINT, // turn point
      CMD.NAV_WAYPOINT, // over the drop point at cruise
      CMD.NAV_WAYPOINT, // down to the approach height
      CMD.NAV_PAYLOAD_PLACE,
      CMD.NAV_WAYPOINT, // back up
      CMD.NAV_WAYPOINT, // turn point
      CMD.NAV_WAYPOINT, // over the depot
      CMD.NAV_LAND,
    ]);
    expect(m.items.map((i) => i.seq)).toEqual(m.items.map((_, k) => k));
    expect(m.items[0]!.frame).toBe(common.MavFrame.GLOBAL);
    expect(m.items[0]!.z).toBe(2260);
    expect(m.items[2]!.frame).toBe(common.MavFrame.MISSION);
    expect([m.items[2]!.param1, m.items[2]!.param2]).toEqual([1, 10]);
    for (const it of m.items.slice(1)) if (it.command !== CMD.DO_CHANGE_SPEED) expect(it.frame).toBe(common.MavFrame.GLOBAL_RELATIVE_ALT_INT);
    expect(m.items[1]!.z).toBe(80);
    const place = m.items[m.deliverySeq]!;
    expect(place.command).toBe(CMD.NAV_PAYLOAD_PLACE);
    expect(place.param1).toBe(20); // 15 m approach + 5 m
    expect([place.x, place.y]).toEqual([Math.round(at(0, 800)[1] * 1e7), Math.round(at(0, 800)[0] * 1e7)]);
    expect(m.items.some((i) => i.command === CMD.DO_GRIPPER)).toBe(false);
    expect(m.items.slice(1).every((i) => i.z <= 100)).toBe(true);
    expect(m.params).toEqual({});
  });

  it('in wind each leg gets its modelled ground speed (ArduCopter holds ground speed)', () => {
    // outbound legs: 6 m/s into the wind, then 9; inbound: 14 then 11 (changes under 0.5 m/s are skipped)
    const m = buildMission({ ...route, method: 'payload-place', outboundSpeedsMs: [6, 9], inboundSpeedsMs: [14, 14.3] });
    const speeds = m.items.filter((i) => i.command === CMD.DO_CHANGE_SPEED).map((i) => [i.seq, i.param2]);
    expect(speeds.map(([, v]) => v)).toEqual([6, 9, 14]);
    // each change follows the waypoint that starts its leg
    for (const [seq] of speeds.slice(1)) expect(m.items[seq! - 1]!.command).toBe(CMD.NAV_WAYPOINT);
    expect(m.items[m.deliverySeq]!.command).toBe(CMD.NAV_PAYLOAD_PLACE);
  });

  it('rooftop drop point: approach and place heights above the roof', () => {
    const m = buildMission({ ...route, dropHeightM: 24, method: 'payload-place' });
    expect(m.items[m.deliverySeq - 1]!.z).toBe(39);
    expect(m.items[m.deliverySeq]!.z).toBe(39);
  });

  it('land and release: NAV_LAND, DO_GRIPPER release, NAV_TAKEOFF, and MIS_OPTIONS bit 2', () => {
    const m = buildMission({ ...route, method: 'land-release' });
    const cmds = m.items.map((i) => i.command);
    const land = cmds.indexOf(CMD.NAV_LAND);
    expect(cmds.slice(land, land + 3)).toEqual([CMD.NAV_LAND, CMD.DO_GRIPPER, CMD.NAV_TAKEOFF]);
    expect(m.deliverySeq).toBe(land + 1);
    expect(m.items[m.deliverySeq]!.param2).toBe(0); // GRIPPER_ACTION_RELEASE
    expect(m.params.MIS_OPTIONS! & 4).toBe(4);
    expect(cmds[cmds.length - 1]).toBe(CMD.NAV_LAND);
  });

  it('winch: lower, wait, release, wait, wind in', () => {
    const m = buildMission({ ...route, method: 'winch' });
    const cmds = m.items.map((i) => i.command);
    const w = cmds.indexOf(CMD.DO_WINCH);
    expect(cmds.slice(w, w + 6)).toEqual([CMD.DO_WINCH, CMD.NAV_LOITER_TIME, CMD.DO_GRIPPER, CMD.NAV_LOITER_TIME, CMD.DO_WINCH, CMD.NAV_LOITER_TIME]);
    expect(m.items[w]!.param3).toBe(20);
    expect(m.items[w + 4]!.param3).toBe(-20);
    expect(m.items[w + 1]!.param1).toBeGreaterThanOrEqual(20 / 0.5);
    expect(m.deliverySeq).toBe(w + 2);
  });
});

describe('fence', () => {
  it('dense city: within storage, nearest areas fenced, each exclusion contains its area', () => {
    const map = denseMap();
    const p = plan({ from: { name: 'Depot' }, to: { name: 'Drop' } }, map);
    expect(p.vehiclePlan).not.toBeNull();
    const vp = p.vehiclePlan!;
    expect(p.fence.items).toBe(vp.fence.length);
    expect(vp.fence.length).toBeLessThanOrEqual(70);
    const shapes = fenceShapes(vp.fence);
    const vertices = shapes.polygons.reduce((s, x) => s + x.points.length, 0) + shapes.circles.length;
    expect(vertices).toBeLessThanOrEqual(66);
    expect(fenceStorageBytes(shapes.polygons.map((x) => x.points.length))).toBeLessThanOrEqual(560);
    expect(shapes.polygons.every((x) => x.points.length >= 3)).toBe(true);
    expect(shapes.polygons.filter((x) => x.inclusion)).toHaveLength(1);
    // the dense map cannot all fit: some areas are named as left to the route
    expect(p.fence.excludedAreas.length).toBeGreaterThan(3);
    expect(p.fence.leftToRoute.length).toBeGreaterThan(0);
    // every exclusion polygon contains its original no-fly area (checked with turf, independently)
    const exclusions = shapes.polygons.filter((x) => !x.inclusion);
    expect(exclusions).toHaveLength(p.fence.excludedAreas.length);
    exclusions.forEach((ex, i) => {
      const area = map.noFly.find((a) => a.name === p.fence.excludedAreas[i])!;
      const ring = ex.points.map(([lat, lon]) => [lon, lat]);
      const fencePoly = turfPolygon([[...ring, ring[0]!]]);
      expect(booleanContains(fencePoly, turfPolygon((area.geometry as { coordinates: number[][][] }).coordinates)), area.name).toBe(true);
    });
    // nearest first: distance from the route to each excluded area does not decrease
    const gap = (name: string) => {
      const a = map.noFly.find((x) => x.name === name)!;
      const pts = (a.geometry as { coordinates: number[][][] }).coordinates[0]!;
      return Math.min(...samplePath(p.outbound, 20).flatMap((s) => pts.map((c) => distanceM(s.point, [c[0]!, c[1]!]))));
    };
    const gaps = p.fence.excludedAreas.map(gap);
    for (let i = 1; i < gaps.length; i++) expect(gaps[i]! + 25).toBeGreaterThanOrEqual(gaps[i - 1]!);
    // left-to-route areas are no nearer than the farthest fenced one (storage went to the nearest)
    const farthestFenced = Math.max(...gaps);
    for (const name of p.fence.leftToRoute) expect(gap(name) + 25).toBeGreaterThanOrEqual(farthestFenced - 60);
    expect(vp.params).toMatchObject({ FENCE_ENABLE: 1, FENCE_TYPE: 5, FENCE_ACTION: 1 });
    expect(vp.params.FENCE_ALT_MAX).toBeLessThanOrEqual(120);
    expect(vp.params.FENCE_ALT_MAX).toBeGreaterThan(p.cruiseAltitudeM);
    expect(p.checks.filter((c) => c.id.startsWith('fence')).every((c) => c.ok)).toBe(true);
  });

  it('example city district (44 no-fly areas): storage kept, exclusions contain their areas', () => {
    const map = loadZoneMapFile('missions/city-district.geojson');
    for (const [from, to] of [
      ['Qinxian Community Health Centre 亲贤社区卫生服务中心', 'Binhe Road elderly residence 滨河路老年公寓'],
      ['Xiaodian Police Station 小店派出所', 'Jinyang Street checkpoint 晋阳街检查站'],
    ] as const) {
      const p = plan({ from: { name: from }, to: { name: to } }, map);
      expect(p.feasible).toBe(true);
      const shapes = fenceShapes(p.vehiclePlan!.fence);
      expect(p.vehiclePlan!.fence.length).toBeLessThanOrEqual(70);
      expect(shapes.polygons.reduce((s, x) => s + x.points.length, 0)).toBeLessThanOrEqual(66);
      expect(p.fence.excludedAreas.length).toBeGreaterThan(0);
      const exclusions = shapes.polygons.filter((x) => !x.inclusion);
      for (const name of p.fence.excludedAreas) {
        const area = map.noFly.find((a) => a.name === name)!;
        const parts = area.geometry.type === 'Polygon' ? [area.geometry.coordinates] : area.geometry.coordinates;
        for (const part of parts) {
          const original = turfPolygon([part[0]!]);
          const covered = exclusions.some((ex) => {
            const ring = ex.points.map(([lat, lon]) => [lon, lat]);
            return booleanContains(turfPolygon([[...ring, ring[0]!]]), original);
          });
          // parts far outside the operating area need no exclusion; the fenced ones must be covered
          if (covered) continue;
          const incl = shapes.polygons.find((x) => x.inclusion)!.points.map(([lat, lon]) => [lon, lat]);
          expect(booleanContains(turfPolygon([[...incl, incl[0]!]]), original), `${name} neither excluded nor outside`).toBe(false);
        }
      }
    }
  });

  it('the inclusion polygon contains the whole route and the rally points', () => {
    const p = plan();
    const incl = fenceShapes(p.vehiclePlan!.fence).polygons.find((x) => x.inclusion)!;
    const ring = incl.points.map(([lat, lon]) => [lon, lat]);
    const poly = turfPolygon([[...ring, ring[0]!]]);
    for (const pt of [...p.outbound, ...p.rally.points]) expect(booleanContains(poly, { type: 'Point', coordinates: pt })).toBe(true);
  });

  it('outward reduction of a convex polygon never loses area', () => {
    for (let trial = 0; trial < 50; trial++) {
      const pts: XY[] = [];
      let seed = trial * 7919 + 13;
      const rnd = () => {
        seed = (seed * 48271) % 2147483647;
        return seed / 2147483647;
      };
      for (let i = 0; i < 40; i++) pts.push([rnd() * 500, rnd() * 300]);
      const hull = convexHull(pts);
      const reduced = reduceConvexOutward(hull, 5);
      expect(reduced.length).toBeLessThanOrEqual(Math.max(5, 3));
      // convex and counter-clockwise: containment is every hull vertex on the inner side of every edge
      for (let i = 0; i < reduced.length; i++) {
        const a = reduced[i]!;
        const b = reduced[(i + 1) % reduced.length]!;
        for (const v of hull) expect((b[0] - a[0]) * (v[1] - a[1]) - (b[1] - a[1]) * (v[0] - a[0])).toBeGreaterThanOrEqual(-1e-6);
      }
    }
  });
});

describe('rally points', () => {
  it('from every point of the route the straight line to the nearest of home and the rally points is clear', () => {
    const map = townMap();
    const p = plan({}, map);
    const prepared = prepareMap(map, { clearanceM: 30 });
    const home = p.depot.position;
    const flown = [...p.outbound, ...p.inbound.slice(1)];
    expect(p.rally.unsafeLegs).toEqual([]);
    for (const s of samplePath(flown, 5)) {
      const targets = [home, ...p.rally.points];
      const nearest = targets.reduce((best, t) => (distanceM(s.point, t) < distanceM(s.point, best) ? t : best), home);
      expect(isSegmentClear(prepared, s.point, nearest, 0)).toBe(true);
    }
    // the helipad hides home from the far side of the route: a rally point is needed
    expect(p.rally.points.length).toBeGreaterThan(0);
    expect(p.vehiclePlan!.rally.every((r) => r.command === CMD.NAV_RALLY_POINT && r.missionType === 2)).toBe(true);
    expect(p.vehiclePlan!.params).toMatchObject({ RALLY_INCL_HOME: 1, RALLY_LIMIT_KM: 0 });
  });

  it('reports the legs where a safe return cannot be guaranteed', () => {
    const map = townMap();
    const p = plan({}, map);
    const prepared = prepareMap(map, { clearanceM: 30 });
    const flown = [...p.outbound, ...p.inbound.slice(1)];
    const r = chooseRally({ prepared, home: p.depot.position, route: flown, places: [], altitudeM: 80, clearanceM: 15, maxPoints: 0 });
    expect(r.points).toEqual([]);
    expect(r.summary.unsafeLegs.length).toBeGreaterThan(0);
    expect(r.summary.unsafeLegs[0]!.message).toMatch(/leg \d+: from \d+ m to \d+ m along it/);
    // the same numbers as params, for pages in another language
    const leg = r.summary.unsafeLegs[0]!;
    expect(leg.message).toContain(`from ${leg.fromM} m to ${leg.toM} m along it`);
    expect(leg.fromM!).toBeLessThanOrEqual(leg.toM!);
    expect(r.checks.find((c) => c.id === 'failsafe-return-clear')!.ok).toBe(false);
  });
});

describe('exports', () => {
  const p = plan();
  const vp = p.vehiclePlan!;
  const text = exportQgcPlan(vp, { cruiseSpeedMs: 10, hoverSpeedMs: 3, droneId: 'police-quad' });

  it('.plan has the fields QGroundControl reads', () => {
    const doc = JSON.parse(text);
    expect(doc).toMatchObject({ fileType: 'Plan', version: 1, groundStation: expect.any(String) });
    expect(doc.mission).toMatchObject({ version: 2, firmwareType: 3, vehicleType: 2, cruiseSpeed: 10, hoverSpeed: 3 });
    expect(doc.mission.plannedHomePosition).toEqual([36.6171, 101.7782, 2260]);
    expect(doc.mission.items).toHaveLength(vp.mission.length - 1);
    doc.mission.items.forEach((item: Record<string, unknown>, i: number) => {
      const src = vp.mission[i + 1]!;
      expect(item.type).toBe('SimpleItem');
      expect(item.doJumpId).toBe(i + 1);
      expect(item.command).toBe(src.command);
      expect(item.autoContinue).toBe(true);
      expect(item.params).toHaveLength(7);
      if (src.frame === 6) {
        expect(item.frame).toBe(3);
        const params = item.params as number[];
        expect(params[4]).toBeCloseTo(src.x / 1e7, 9); // latitude first
        expect(params[5]).toBeCloseTo(src.y / 1e7, 9);
        expect(params[4]).toBeGreaterThan(36);
        expect(params[5]).toBeGreaterThan(101);
        expect(params[6]).toBe(src.z);
        expect(item).toMatchObject({ AMSLAltAboveTerrain: null, Altitude: src.z, AltitudeMode: 1 });
      } else {
        expect(item.frame).toBe(2);
        expect(item).not.toHaveProperty('Altitude');
      }
    });
    expect(doc.geoFence.version).toBe(2);
    expect(doc.geoFence.circles).toEqual([]);
    for (const poly of doc.geoFence.polygons) {
      expect(poly.version).toBe(1);
      expect(typeof poly.inclusion).toBe('boolean');
      expect(poly.polygon.length).toBeGreaterThanOrEqual(3);
      for (const [lat, lon] of poly.polygon) {
        expect(lat).toBeGreaterThan(36);
        expect(lon).toBeGreaterThan(101);
      }
    }
    expect(doc.rallyPoints.version).toBe(2);
    expect(doc.rallyPoints.points).toHaveLength(p.rally.points.length);
    for (const pt of doc.rallyPoints.points) expect(pt).toHaveLength(3);
    expect(doc.medidrop).toMatchObject({ version: 1, droneId: 'police-quad', delivery: vp.delivery, params: vp.params, home: vp.home });
  });

  it('readPlanFile round-trips the vehicle plan exactly', () => {
    expect(readPlanFile(text)).toEqual(vp);
  });

  it('readPlanFile accepts a plain QGroundControl file and finds the delivery item', () => {
    const doc = JSON.parse(text);
    delete doc.medidrop;
    const back = readPlanFile(JSON.stringify(doc));
    expect(back.delivery).toMatchObject({ seq: vp.delivery.seq, method: 'payload-place' });
    // The parameters are rebuilt from the items (plan-params.ts), not left empty: see missions-gcs-interop.test.ts.
    expect(back.params).toEqual(vp.params);
    expect(back.mission).toEqual(vp.mission);
  });

  it('readPlanFile says exactly what is wrong', () => {
    const errors = (mutate: ((d: any) => unknown) | string): string[] => {
      const doc = JSON.parse(text);
      if (typeof mutate === 'function') mutate(doc);
      try {
        readPlanFile(typeof mutate === 'string' ? mutate : JSON.stringify(doc));
      } catch (err) {
        expect(err).toBeInstanceOf(PlanFileError);
        return (err as PlanFileError).problems;
      }
      throw new Error('no error');
    };
    expect(errors('{ not json')[0]).toMatch(/not valid JSON/);
    expect(errors((d) => (d.fileType = 'Mission'))).toContain('fileType: expected "Plan", got "Mission"');
    expect(errors((d) => d.mission.items[2].params.pop()).join()).toMatch(/mission\.items\[2\]\.params: expected 7 numbers/);
    expect(errors((d) => (d.mission.items[1].type = 'ComplexItem')).join()).toMatch(/mission\.items\[1\]: type "ComplexItem" is not supported/);
    expect(errors((d) => (d.geoFence.polygons[0].polygon = d.geoFence.polygons[0].polygon.slice(0, 2))).join()).toMatch(
      /geoFence\.polygons\[0\]\.polygon: a fence polygon needs at least 3 vertices, has 2/,
    );
    expect(
      errors((d) => {
        const [lat, lon] = d.geoFence.polygons[0].polygon[1];
        d.geoFence.polygons[0].polygon[1] = [lon, lat];
      }).join(),
    ).toMatch(/geoFence\.polygons\[0\]\.polygon\[1\]: .*looks like \[lon, lat\]/);
    expect(errors((d) => (d.medidrop.delivery.seq = 999)).join()).toMatch(/medidrop\.delivery\.seq: 999 is not a mission item/);
    expect(errors((d) => (d.medidrop.params.FENCE_ENABLE = 'yes')).join()).toMatch(/medidrop\.params\.FENCE_ENABLE: expected a number/);
    expect(
      errors((d) => {
        delete d.medidrop;
        d.mission.items = d.mission.items.filter((i: { command: number }) => i.command !== CMD.NAV_PAYLOAD_PLACE);
      }).join(),
    ).toMatch(/no delivery/);
    expect(errors((d) => delete d.mission.plannedHomePosition).join()).toMatch(/mission\.plannedHomePosition/);
    // A waypoint's altitude left out (null) used to become 0 m: the copter would fly into the ground.
    const wp = () => JSON.parse(text).mission.items.findIndex((i: { command: number }) => i.command === CMD.NAV_WAYPOINT);
    expect(errors((d) => (d.mission.items[wp()].params[6] = null)).join()).toMatch(new RegExp(`mission\\.items\\[${wp()}\\]\\.params\\[6\\]: .*altitude`));
    expect(errors((d) => (d.mission.items[wp()].params[6] = 1e40)).join()).toMatch(new RegExp(`mission\\.items\\[${wp()}\\]\\.params\\[6\\]: .*altitude`));
    expect(
      errors((d) => {
        d.geoFence.polygons[0].polygon = Array.from({ length: 80 }, (_, k) => [36.6 + 0.01 * Math.cos(k / 12.7), 101.77 + 0.01 * Math.sin(k / 12.7)]);
      }).join(),
    ).toMatch(/geoFence: \d+ fence items exceed ArduCopter's 70/);
  });

  it('QGC WPL 110: header, one tab-separated line per item, home first, lat before lon', () => {
    const lines = exportWaypoints(vp).trimEnd().split('\n');
    expect(lines[0]).toBe('QGC WPL 110');
    expect(lines).toHaveLength(vp.mission.length + 1);
    const rows = lines.slice(1).map((l) => l.split('\t'));
    for (const [i, row] of rows.entries()) {
      expect(row).toHaveLength(12);
      expect(Number(row[0])).toBe(i);
      expect(Number(row[3])).toBe(vp.mission[i]!.command);
      expect(row[11]).toBe('1');
    }
    expect(rows[0]!.slice(0, 4)).toEqual(['0', '1', '0', '16']);
    expect(Number(rows[0]![8])).toBeCloseTo(36.6171, 7);
    expect(Number(rows[0]![9])).toBeCloseTo(101.7782, 7);
    const place = rows[vp.delivery.seq]!;
    expect(place[2]).toBe('3');
    expect(Number(place[8])).toBeCloseTo(vp.delivery.lat, 7);
    expect(Number(place[9])).toBeCloseTo(vp.delivery.lon, 7);
  });

  it('GeoJSON: route, depot, drop point, fence and rally features in [lon, lat]', () => {
    const fc = JSON.parse(exportGeoJson(p));
    expect(fc.type).toBe('FeatureCollection');
    const kinds = fc.features.map((f: { properties: { kind: string } }) => f.properties.kind);
    expect(kinds).toEqual(expect.arrayContaining(['route', 'depot', 'drop-point', 'fence-inclusion', 'fence-exclusion', 'rally-point']));
    const out = fc.features.find((f: { properties: { direction?: string } }) => f.properties.direction === 'outbound');
    expect(out.geometry.coordinates[0]).toEqual([101.7782, 36.6171]);
  });
});
