import { describe, expect, it } from 'vitest';
import { planDelivery, PlanRequestError } from '../../src/planner/plan-delivery.js';
import { DEFAULT_DRONE } from '../../src/planning/drone.js';
import type { PlanRequest } from '../../src/planning/types.js';
import type { DeliveryPlan } from '../../src/planner/types.js';
import { common } from 'node-mavlink';
import { at, DRONE, townMap } from './plan-fixtures.js';
import { isSegmentClear, planRoute, prepareMap } from '../../src/planning/route.js';
import { distanceM } from '../../src/geo/spherical.js';

const calm = { payloadKg: 1, wind: { speedMs: 0, fromDeg: 0 }, temperatureC: 15 };
function request(over: Partial<PlanRequest> = {}): PlanRequest {
  return { from: { name: 'Police station' }, to: { name: 'Compound 3 courtyard' }, drone: DRONE, conditions: calm, ...over };
}
const codes = (p: DeliveryPlan) => p.reasons.map((r) => r.code);

describe('planDelivery', () => {
  it('plans the town delivery: feasible, route around the helipad, mission with a delivery item', () => {
    const p = planDelivery(townMap(), request());
    expect(p.feasible).toBe(true);
    expect(p.reasons).toEqual([]);
    expect(p.checks.every((c) => c.ok)).toBe(true);
    expect(p.outbound.length).toBeGreaterThan(2); // the helipad is in the straight line
    expect(p.outbound[0]).toEqual(p.depot.position);
    expect(p.outbound[p.outbound.length - 1]).toEqual(p.dropPoint.position);
    expect(p.inbound).toEqual([...p.outbound].reverse());
    expect(p.distanceM).toBeGreaterThan(2000);
    expect(p.legs).toHaveLength(2 * (p.outbound.length - 1));
    expect(p.energyWh).toBeGreaterThan(0);
    expect(p.marginPct).toBeGreaterThan(DRONE.reservePct);
    const vp = p.vehiclePlan!;
    expect(vp.home).toEqual({ lat: 36.6171, lon: 101.7782, altM: 2260 });
    expect(vp.mission[vp.delivery.seq]!.command).toBe(common.MavCmd.NAV_PAYLOAD_PLACE);
    expect(vp.delivery.method).toBe('payload-place');
    expect(p.waypoints[0]).toEqual([36.6171, 101.7782, 80]);
    expect(p.waypoints.every(([, , alt]) => alt <= 100)).toBe(true);
  });

  it('one waypoint per corner: no arc vertex runs, every leg still keeps the clearance', () => {
    const map = townMap();
    const p = planDelivery(map, request());
    const prepared = prepareMap(map, { clearanceM: 30 });
    const raw = planRoute(prepared, p.depot.position, p.dropPoint.position);
    expect(raw.ok).toBe(true);
    if (!raw.ok) return;
    expect(p.outbound.length).toBeLessThan(raw.path.length);
    for (let i = 1; i < p.outbound.length; i++) {
      expect(isSegmentClear(prepared, p.outbound[i - 1]!, p.outbound[i]!, 29.7)).toBe(true);
      if (i < p.outbound.length - 1 && i > 1) expect(distanceM(p.outbound[i - 1]!, p.outbound[i]!)).toBeGreaterThan(15);
    }
    expect(p.distanceM / 2).toBeLessThan(raw.lengthM * 1.02);
  });

  it('is deterministic byte for byte (same map object and a freshly loaded one)', () => {
    const map = townMap();
    const a = JSON.stringify(planDelivery(map, request()));
    const b = JSON.stringify(planDelivery(map, request()));
    const c = JSON.stringify(planDelivery(townMap(), request()));
    expect(b).toBe(a);
    expect(c).toBe(a);
  });

  it('refuses a drop point inside a (temporary) no-fly area naming both, the rest of the map stays usable', () => {
    const map = townMap();
    const p = planDelivery(map, request({ to: { name: 'Gate 5' } }));
    expect(p.feasible).toBe(false);
    expect(codes(p)).toEqual(['drop-point-in-no-fly']);
    expect(p.reasons[0]!.message).toContain("'Gate 5'");
    expect(p.reasons[0]!.message).toContain("'Testing site'");
    expect(p.vehiclePlan).toBeNull();
    expect(planDelivery(map, request()).feasible).toBe(true);
  });

  it('too heavy', () => {
    const p = planDelivery(townMap(), request({ conditions: { ...calm, payloadKg: 2.5 } }));
    expect(p.feasible).toBe(false);
    expect(codes(p)).toContain('too-heavy');
    expect(p.reasons.find((r) => r.code === 'too-heavy')!.message).toContain('2.5 kg');
  });

  it('too far for the battery with this wind (and fine without it)', () => {
    const to = { position: at(0, 4000) };
    expect(planDelivery(townMap(), request({ to })).feasible).toBe(true);
    const windy = planDelivery(townMap(), request({ to, conditions: { ...calm, wind: { speedMs: 9, fromDeg: 0 } } }));
    expect(windy.feasible).toBe(false);
    expect(codes(windy)).toContain('battery-insufficient');
    expect(windy.reasons.find((r) => r.code === 'battery-insufficient')!.message).toMatch(/wind/);
  });

  it('a drop point far beyond the battery (1000 km away, lat/lon typed wrong) is refused at once, with no vehicle plan', () => {
    // Before: the rally search sampled the whole 2000 km round trip every 10 m and the plan hung for minutes.
    const p = planDelivery(townMap(), request({ to: { position: at(0, 1_000_000) } }));
    expect(p.feasible).toBe(false);
    expect(codes(p)).toContain('battery-insufficient');
    expect(p.vehiclePlan).toBeNull();
    expect(p.distanceM).toBeGreaterThan(1_900_000);
  }, 5000);

  it('a drop point on the depot itself is refused (was: "feasible", a 0 km flight dropping the parcel on the launch pad)', () => {
    const p = planDelivery(townMap(), request({ to: { position: at(0, 3) } }));
    expect(p.feasible).toBe(false);
    expect(codes(p)).toEqual(['drop-point-at-depot']);
    expect(p.reasons[0]!.message).toMatch(/is 3 m from depot 'Police station'/);
    expect(p.vehiclePlan).toBeNull();
  });

  it('margin below reserve in the Karamay cold', () => {
    const to = { position: at(0, 4000) };
    const mild = planDelivery(townMap(), request({ to }));
    const cold = planDelivery(townMap(), request({ to, conditions: { ...calm, temperatureC: -20 } }));
    expect(cold.marginPct).toBeLessThan(mild.marginPct);
    const strict = planDelivery(
      townMap(),
      request({ to, drone: { ...DRONE, reservePct: Math.floor(mild.marginPct) - 5 }, conditions: { ...calm, temperatureC: -20 } }),
    );
    expect(codes(strict)).toEqual(['margin-below-reserve']);
  });

  it('in wind the mission commands the modelled ground speed of each leg', () => {
    const p = planDelivery(townMap(), request({ conditions: { ...calm, wind: { speedMs: 6, fromDeg: 0 } } }));
    expect(p.feasible).toBe(true);
    const speeds = p.vehiclePlan!.mission.filter((i) => i.command === common.MavCmd.DO_CHANGE_SPEED).map((i) => i.param2);
    const out = p.legs[0]!.groundSpeedMs;
    const back = p.legs[p.legs.length - 1]!.groundSpeedMs;
    expect(out).toBeLessThan(DRONE.cruiseSpeedMs); // northbound into a north wind
    expect(back).toBeGreaterThan(DRONE.cruiseSpeedMs);
    expect(speeds[0]).toBeCloseTo(out, 1);
    expect(speeds[speeds.length - 1]).toBeCloseTo(back, 1);
  });

  it('thinner air at Xining costs more than at sea level', () => {
    const xining = planDelivery(townMap(), request());
    const seaLevel = planDelivery(townMap(), request({ conditions: { ...calm, siteAltitudeM: 0 } }));
    expect(xining.energyWh).toBeGreaterThan(seaLevel.energyWh * 1.1);
  });

  it('keeps the cruise under 120 m minus the margin and says so', () => {
    const p = planDelivery(townMap(), request({ drone: { ...DRONE, cruiseAltitudeM: 150 } }));
    expect(p.cruiseAltitudeM).toBe(100);
    expect(p.checks.find((c) => c.id === 'cruise-altitude')!.message).toContain('lowered');
    expect(Math.max(...p.waypoints.map((w) => w[2]))).toBe(100);
    expect(p.vehiclePlan!.params.FENCE_ALT_MAX).toBeLessThanOrEqual(120);
    const margin30 = planDelivery(townMap(), request({ drone: { ...DRONE, cruiseAltitudeM: 150 }, options: { heightMarginM: 30 } }));
    expect(margin30.cruiseAltitudeM).toBe(90);
  });

  it('rooftop drop point: the place starts above the roof; a roof above the cruise is refused', () => {
    const p = planDelivery(townMap(), request({ to: { name: 'Rooftop 7' } }));
    expect(p.feasible).toBe(true);
    const place = p.vehiclePlan!.mission[p.vehiclePlan!.delivery.seq]!;
    expect(place.z).toBe(24 + 15);
    const low = planDelivery(townMap(), request({ to: { name: 'Rooftop 7' }, drone: { ...DRONE, cruiseAltitudeM: 35 } }));
    expect(codes(low)).toContain('drop-point-too-high');
  });

  it('winch and land-release drones get their delivery item', () => {
    const winch = planDelivery(townMap(), request({ drone: { ...DEFAULT_DRONE, id: 'w', deliveryMethod: 'winch' } }));
    expect(winch.vehiclePlan!.mission[winch.vehiclePlan!.delivery.seq]!.command).toBe(common.MavCmd.DO_GRIPPER);
    const land = planDelivery(townMap(), request({ drone: { ...DEFAULT_DRONE, id: 'l', deliveryMethod: 'land-release' } }));
    expect(land.vehiclePlan!.params.MIS_OPTIONS).toBe(4);
  });

  it('accepts coordinates for both ends', () => {
    const p = planDelivery(townMap(), request({ from: { position: at(0, 0) }, to: { position: at(0, 1000) } }));
    expect(p.feasible).toBe(true);
    expect(p.depot.name).toBe('36.617100,101.778200');
  });

  it('bad requests throw PlanRequestError with what is wrong', () => {
    const map = townMap();
    expect(() => planDelivery(map, request({ from: { name: 'Nowhere' } }))).toThrow(/no depot named 'Nowhere'.*depots: Police station, North depot/);
    expect(() => planDelivery(map, request({ to: { name: 'Police station' } }))).toThrow(/no drop point named 'Police station' .*\(that is a depot\)/);
    expect(() => planDelivery(map, request({ conditions: { ...calm, payloadKg: -1 } }))).toThrow(PlanRequestError);
    expect(() => planDelivery(map, request({ to: { position: [200, 36] } }))).toThrow(/not a valid \[lon, lat\]/);
  });
});
