/**
 * `.plan` files as the other ground stations read them: Mission Planner's integer speeds and
 * QGroundControl's terrain altitude mode. The GCS facts are cited in src/missions/export-qgc.ts.
 */
import { describe, expect, it } from 'vitest';
import { common } from 'node-mavlink';
import { planDelivery } from '../../src/planning/plan.js';
import { exportDeliveryPlan } from '../../src/missions/export-plan.js';
import { exportQgcPlan, qgcSpeed, readPlanFile, QGC_ALTITUDE_MODE_TERRAIN_FRAME } from '../../src/missions/export-qgc.js';
import type { VehiclePlan } from '../../src/missions/types.js';
import type { PlanRequest } from '../../src/planning/types.js';
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
    mission: vp.mission.map((i) => (i.seq === wp.seq ? { ...i, frame: FRAME.GLOBAL_TERRAIN_ALT_INT, z: 40 } : i.seq === wp.seq + 1 ? { ...i, frame: FRAME.GLOBAL_INT, z: 2340 } : i)),
  };
  const text = exportQgcPlan(mixed);
  const items = JSON.parse(text).mission.items as Record<string, unknown>[];

  it('a terrain-frame item is written with frame 10 and AltitudeMode 4 (TerrainFrame), not 1 (Relative)', () => {
    expect(mixed.mission[wp.seq + 1]!.command).toBe(CMD.NAV_WAYPOINT);
    expect(items[wp.seq - 1]).toMatchObject({ frame: FRAME.GLOBAL_TERRAIN_ALT, AltitudeMode: QGC_ALTITUDE_MODE_TERRAIN_FRAME, Altitude: 40, AMSLAltAboveTerrain: null });
    expect(QGC_ALTITUDE_MODE_TERRAIN_FRAME).toBe(4);
    expect(items[wp.seq]).toMatchObject({ frame: FRAME.GLOBAL, AltitudeMode: 2, Altitude: 2340 });
    expect(items[0]).toMatchObject({ command: CMD.NAV_TAKEOFF, frame: FRAME.GLOBAL_RELATIVE_ALT, AltitudeMode: 1 });
  });

  it('reads back as terrain frame, the whole plan unchanged', () => {
    const back = readPlanFile(text);
    expect(back.mission[wp.seq]).toMatchObject({ frame: FRAME.GLOBAL_TERRAIN_ALT_INT, z: 40 });
    expect(back).toEqual(mixed);
  });

});

