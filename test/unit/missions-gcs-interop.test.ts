/**
 * `.plan` files as the other ground stations read and write them: Mission Planner's integer speeds,
 * QGroundControl's terrain altitude mode, and a plan QGroundControl saved again (without the
 * `medidrop` member), whose parameters must be rebuilt from its items or the file refused.
 * The GCS facts are cited in src/missions/export-qgc.ts, plan-params.ts and test/support/qgc-resave.ts.
 */
import { describe, expect, it } from 'vitest';
import { common } from 'node-mavlink';
import { planDelivery } from '../../src/planner/plan-delivery.js';
import { exportDeliveryPlan } from '../../src/planner/export-plan.js';
import { exportQgcPlan, parsePlanFile, qgcSpeed, readPlanFile, PlanFileError, QGC_ALTITUDE_MODE_TERRAIN_FRAME } from '../../src/missions/export-qgc.js';
import { missionParams } from '../../src/missions/build.js';
import { deriveVehicleParams } from '../../src/missions/plan-params.js';
import { requiredVehicleParams } from '../../src/fleet/vehicle-config.js';
import type { DeliveryMethod } from '../../src/domain/words.js';
import type { MissionItem, VehiclePlan } from '../../src/missions/types.js';
import type { PlanRequest } from '../../src/planning/types.js';
import { qgcResave } from '../support/qgc-resave.js';
import { DRONE, townMap } from './plan-fixtures.js';

const CMD = common.MavCmd;
const FRAME = common.MavFrame;
const calm = { payloadKg: 1, wind: { speedMs: 0, fromDeg: 0 }, temperatureC: 15 };

function request(over: Partial<PlanRequest['drone']> = {}): PlanRequest {
  return { from: { name: 'Police station' }, to: { name: 'Compound 3 courtyard' }, drone: { ...DRONE, ...over }, conditions: calm };
}
function planned(over: Partial<PlanRequest['drone']> = {}): { vp: VehiclePlan; text: string } {
  const req = request(over);
  const p = planDelivery(townMap(), req);
  expect(p.feasible, JSON.stringify(p.reasons)).toBe(true);
  return { vp: p.vehiclePlan!, text: exportDeliveryPlan(p, req) };
}
function problems(text: string): string[] {
  try {
    readPlanFile(text);
  } catch (err) {
    expect(err).toBeInstanceOf(PlanFileError);
    return (err as PlanFileError).problems;
  }
  throw new Error('the file was accepted');
}
const stripped = (text: string, edit: (doc: any) => void = () => {}) => {
  const doc = JSON.parse(text);
  delete doc.medidrop;
  edit(doc);
  return JSON.stringify(doc);
};

describe('Mission Planner: mission.cruiseSpeed and hoverSpeed are whole numbers', () => {
  it('a 7.5 m/s drone gets 7 in the file header and exactly 7.5 in its DO_CHANGE_SPEED items', () => {
    const { vp, text } = planned({ cruiseSpeedMs: 7.5 });
    // Mission Planner's Newtonsoft reader parses these as Int32: only an optional sign and digits.
    const literal = (key: string) => text.match(new RegExp(`"${key}": ([^,\\n]+)`))![1];
    expect(literal('cruiseSpeed')).toBe('7');
    expect(literal('hoverSpeed')).toBe('7');
    for (const key of ['firmwareType', 'vehicleType', 'version']) expect(literal(key)).toMatch(/^-?\d+$/);
    const doc = JSON.parse(text);
    const speeds = doc.mission.items.filter((i: { command: number }) => i.command === CMD.DO_CHANGE_SPEED);
    expect(speeds.length).toBeGreaterThan(0);
    for (const s of speeds) expect(s.params.slice(0, 4)).toEqual([1, 7.5, -1, 0]);
    expect(vp.mission.filter((i) => i.command === CMD.DO_CHANGE_SPEED).map((i) => i.param2)).toEqual(speeds.map(() => 7.5));
    // and the vehicle plan read back is the one planned, speeds included
    expect(readPlanFile(text)).toEqual(vp);
  });

  it('rounds down, to at least 1 m/s', () => {
    expect([qgcSpeed(12), qgcSpeed(12.99), qgcSpeed(7.5), qgcSpeed(1), qgcSpeed(0.4)]).toEqual([12, 12, 7, 1, 1]);
  });
});

describe("QGroundControl's altitude mode follows the item's frame", () => {
  const { vp } = planned();
  const wp = vp.mission.find((i) => i.seq > 2 && i.command === CMD.NAV_WAYPOINT)!;
  const mixed: VehiclePlan = {
    ...vp,
    mission: vp.mission.map((i) =>
      i.seq === wp.seq ? { ...i, frame: FRAME.GLOBAL_TERRAIN_ALT_INT, z: 40 } : i.seq === wp.seq + 1 ? { ...i, frame: FRAME.GLOBAL_INT, z: 2340 } : i,
    ),
  };
  const text = exportQgcPlan(mixed);
  const items = JSON.parse(text).mission.items as Record<string, unknown>[];

  it('a terrain-frame item is written with frame 10 and AltitudeMode 4 (TerrainFrame), not 1 (Relative)', () => {
    expect(mixed.mission[wp.seq + 1]!.command).toBe(CMD.NAV_WAYPOINT);
    expect(items[wp.seq - 1]).toMatchObject({
      frame: FRAME.GLOBAL_TERRAIN_ALT,
      AltitudeMode: QGC_ALTITUDE_MODE_TERRAIN_FRAME,
      Altitude: 40,
      AMSLAltAboveTerrain: null,
    });
    expect(QGC_ALTITUDE_MODE_TERRAIN_FRAME).toBe(4);
    expect(items[wp.seq]).toMatchObject({ frame: FRAME.GLOBAL, AltitudeMode: 2, Altitude: 2340 });
    expect(items[0]).toMatchObject({ command: CMD.NAV_TAKEOFF, frame: FRAME.GLOBAL_RELATIVE_ALT, AltitudeMode: 1 });
  });

  it('reads back as terrain frame, the whole plan unchanged', () => {
    const back = readPlanFile(text);
    expect(back.mission[wp.seq]).toMatchObject({ frame: FRAME.GLOBAL_TERRAIN_ALT_INT, z: 40 });
    expect(back).toEqual(mixed);
    // and after QGroundControl saved it again (the parameters given back, see the next test)
    const resaved = JSON.parse(qgcResave(text));
    expect(resaved.mission.items[wp.seq - 1]).toMatchObject({ frame: FRAME.GLOBAL_TERRAIN_ALT, AltitudeMode: 4 });
    const again = readPlanFile(JSON.stringify({ ...resaved, medidrop: JSON.parse(text).medidrop }));
    expect(again.mission.slice(1)).toEqual(mixed.mission.slice(1));
  });

  it('without medidrop.params, a terrain altitude is refused: its height above home is unknown', () => {
    expect(problems(stripped(text)).join('\n')).toMatch(new RegExp(`mission item ${wp.seq} \\(NAV_WAYPOINT\\) flies 40 m above the terrain .*FENCE_ALT_MAX`));
  });
});

describe('a plan saved again by QGroundControl (no medidrop member)', () => {
  for (const method of ['payload-place', 'winch', 'land-release'] as DeliveryMethod[]) {
    it(`${method}: the parameters, delivery and hardware checks are rebuilt from the items`, () => {
      const { vp, text } = planned({ deliveryMethod: method });
      const resaved = qgcResave(text, { terrainHomeAltM: vp.home.altM - 3.5 });
      const doc = JSON.parse(resaved);
      expect(doc.medidrop).toBeUndefined();
      expect(doc.groundStation).toBe('QGroundControl');
      const { plan, paramsFrom } = parsePlanFile(resaved);
      expect(paramsFrom).toBe('derived');
      expect(plan.params).toEqual(vp.params);
      expect(plan.params).toMatchObject({ FENCE_ENABLE: 1, FENCE_TYPE: 5, FENCE_ALT_MAX: 90, RALLY_INCL_HOME: 1 });
      if (method === 'land-release') expect(plan.params.MIS_OPTIONS).toBe(4);
      else expect(plan.params).not.toHaveProperty('MIS_OPTIONS');
      expect(plan.delivery).toMatchObject({ seq: vp.delivery.seq, method });
      expect(plan.mission.slice(1)).toEqual(vp.mission.slice(1));
      expect(plan.fence).toEqual(vp.fence);
      expect(plan.rally).toEqual(vp.rally);
      expect(requiredVehicleParams(plan)).toEqual(requiredVehicleParams(vp));
      // the original still reads its parameters from the medidrop member
      expect(parsePlanFile(text).paramsFrom).toBe('medidrop');
    });
  }

  it('is refused, naming what is missing, when the parameters cannot be rebuilt', () => {
    const { text } = planned();
    const noFence = (d: any) => {
      d.geoFence.polygons = [];
      d.geoFence.circles = [];
    };
    expect(problems(stripped(text, noFence)).join('\n')).toMatch(/no medidrop\.params .* the file has no geofence/);
    // with the member, the same fence-less file is what its author asked for
    const member = JSON.parse(text);
    noFence(member);
    expect(readPlanFile(JSON.stringify(member)).fence).toEqual([]);
    const exclusionsOnly = (d: any) => {
      for (const p of d.geoFence.polygons as { inclusion: boolean }[]) p.inclusion = false;
    };
    expect(problems(stripped(text, exclusionsOnly)).join('\n')).toMatch(/only exclusion zones/);
    const tooHigh = (d: any) => {
      const wp = d.mission.items.find((i: { command: number }) => i.command === CMD.NAV_WAYPOINT);
      wp.params[6] = wp.Altitude = 125;
    };
    expect(problems(stripped(text, tooHigh)).join('\n')).toMatch(/flies 125 m above home, at or above the 120 m ceiling/);
  });

  it('an inclusion circle counts as the inclusion fence (FENCE_TYPE polygon bit covers circles)', () => {
    const { vp, text } = planned();
    const circle = (d: any) => {
      d.geoFence.polygons = d.geoFence.polygons.filter((p: { inclusion: boolean }) => !p.inclusion);
      d.geoFence.circles = [{ circle: { center: [vp.home.lat, vp.home.lon], radius: 3000 }, inclusion: true }];
    };
    expect(readPlanFile(stripped(text, circle)).params).toEqual(vp.params);
  });

  it('absolute altitudes count from the planned home altitude', () => {
    const { vp } = planned();
    const mission = vp.mission.map((i) =>
      i.seq > 0 && i.frame === FRAME.GLOBAL_RELATIVE_ALT_INT ? { ...i, frame: FRAME.GLOBAL_INT, z: i.z + vp.home.altM } : i,
    );
    const d = deriveVehicleParams({ ...vp, mission });
    expect(d).toEqual({ ok: true, params: vp.params });
  });
});

describe('missionParams: MIS_OPTIONS ContinueAfterLand when a take-off follows a landing', () => {
  const it0 = (seq: number, command: number): MissionItem => ({
    seq,
    frame: 6,
    command,
    current: 0,
    autocontinue: 1,
    param1: 0,
    param2: 0,
    param3: 0,
    param4: 0,
    x: 1,
    y: 1,
    z: 10,
    missionType: 0,
  });
  const seqOf = (cmds: number[]) => [it0(0, CMD.NAV_WAYPOINT), ...cmds.map((c, i) => it0(i + 1, c))];
  it('LAND, DO commands / NAV_DELAY, TAKEOFF: needed (AP_Mission::is_takeoff_next skips them)', () => {
    expect(missionParams(seqOf([CMD.NAV_TAKEOFF, CMD.NAV_LAND, CMD.DO_GRIPPER, CMD.NAV_TAKEOFF, CMD.NAV_LAND]))).toEqual({ MIS_OPTIONS: 4 });
    expect(missionParams(seqOf([CMD.NAV_TAKEOFF, CMD.NAV_LAND, CMD.NAV_DELAY, CMD.NAV_TAKEOFF, CMD.NAV_LAND]))).toEqual({ MIS_OPTIONS: 4 });
  });
  it('a landing that ends the mission or is followed by another NAV command: not needed', () => {
    expect(missionParams(seqOf([CMD.NAV_TAKEOFF, CMD.NAV_WAYPOINT, CMD.NAV_LAND]))).toEqual({});
    expect(missionParams(seqOf([CMD.NAV_TAKEOFF, CMD.NAV_LAND, CMD.NAV_WAYPOINT, CMD.NAV_TAKEOFF]))).toEqual({});
  });
});
