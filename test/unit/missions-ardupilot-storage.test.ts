/**
 * What ArduCopter stores of NAV_PAYLOAD_PLACE (libraries/AP_Mission/AP_Mission.cpp): param1 (max
 * descent, m) becomes uint16 centimetres by truncation (cmd.p1 = param1*100) and reads back as p1/100.
 * The emulator stores it the same way, and the planner's value survives the read-back check.
 */
import { describe, expect, it } from 'vitest';
import { common } from 'node-mavlink';
import { buildMission } from '../../src/missions/build.js';
import { compareItems } from '../../src/mavlink/compare.js';
import { convertMissionItem } from '../../sim/emulator/mission-store.js';
import type { MissionItem } from '../../src/missions/types.js';
import { at } from './plan-fixtures.js';

const CMD = common.MavCmd;
const route = { home: { lat: 36.6171, lon: 101.7782, altM: 2260 }, outbound: [at(0, 0), at(0, 800)], inbound: [at(0, 800), at(0, 0)], cruiseAltitudeM: 30, cruiseSpeedMs: 10 };

function stored(items: MissionItem[]): MissionItem[] {
  return items.map((it) => {
    const r = convertMissionItem(it);
    if (!r.ok) throw new Error(`item ${it.seq} refused: ${r.result}`);
    return r.item;
  });
}

describe('NAV_PAYLOAD_PLACE param1 as ArduCopter stores it', () => {
  it('the emulator truncates param1 to whole centimetres like AP_Mission, so 16.22 m fails the read-back check', () => {
    const home: MissionItem = { seq: 0, frame: 0, command: CMD.NAV_WAYPOINT, current: 0, autocontinue: 1, param1: 0, param2: 0, param3: 0, param4: 0, x: 366171000, y: 1017782000, z: 0, missionType: 0 };
    const item: MissionItem = { ...home, seq: 1, frame: 6, command: CMD.NAV_PAYLOAD_PLACE, param1: 16.22, z: 20 };
    const r = convertMissionItem(item);
    expect(r.ok && r.item.param1).toBeCloseTo(16.21, 5); // float32(16.22)*100 = 1621.99… → 1621 cm
    expect(compareItems(0, [home, item], stored([home, item]))).not.toEqual([]);
  });

  it.each([7.37, 12.37, 17.63, 18.78, 24.9])('a drop surface %s m up: param1 is whole metres and reads back unchanged', (dropHeightM) => {
    const m = buildMission({ ...route, dropHeightM, method: 'payload-place' });
    const place = m.items[m.deliverySeq]!;
    expect(place.command).toBe(CMD.NAV_PAYLOAD_PLACE);
    expect(Number.isInteger(place.param1)).toBe(true);
    const approach = Math.min(15, 30 - dropHeightM);
    expect(place.param1).toBeGreaterThanOrEqual(approach + 5);
    expect(place.param1).toBeLessThan(approach + 6);
    expect(compareItems(0, m.items, stored(m.items))).toEqual([]);
  });
});
