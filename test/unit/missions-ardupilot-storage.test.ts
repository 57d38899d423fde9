/**
 * How ArduCopter stores and returns every mission, fence and rally item medidrop sends, and every
 * command the emulator accepts. Two tables say it: the emulator's (sim/emulator/ap-mission-storage.ts)
 * and the client's read-back check (src/mavlink/ap-mission-normalise.ts). Here both are held to
 * literal values from ArduPilot's source and SITL (test/support/ap-storage-cases.ts), to each other
 * on round trips of representative values, and the read-back check must still catch a real
 * mismatch. What ArduCopter stores of NAV_PAYLOAD_PLACE: param1 (max descent, m) becomes uint16
 * centimetres by truncation (cmd.p1 = param1*100) and reads back as p1*0.01f.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { common } from 'node-mavlink';
import { buildMission } from '../../src/missions/build.js';
import { fenceItemsFromShapes } from '../../src/missions/fence-items.js';
import { readPlanFile } from '../../src/missions/export-qgc.js';
import { compareItems, normaliseFrame } from '../../src/mavlink/compare.js';
import { apReadings, FENCE_READBACK, MISSION_READBACK } from '../../src/mavlink/ap-mission-normalise.js';
import {
  AP_MISSION_COMMANDS,
  commandStorage,
  legacyItemToInt,
  storeFenceItem,
  storeMissionItem,
  storeRallyItem,
} from '../../sim/emulator/ap-mission-storage.js';
import { COMMAND_NAMES, convertMissionItem, validateFence } from '../../sim/emulator/mission-store.js';
import type { MissionItem, MissionType } from '../../src/missions/types.js';
import { at } from './plan-fixtures.js';
import {
  AT,
  FENCE_CASES,
  FENCE_REFUSALS,
  FENCE_TRIANGLE,
  HOME_ITEM,
  LEGACY_WAYPOINT,
  MISSION_CASES,
  MISSION_REFUSALS,
  RALLY_CASES,
  type StorageCase,
} from '../support/ap-storage-cases.js';

const CMD = common.MavCmd;
const route = {
  home: { lat: 36.6171, lon: 101.7782, altM: 2260 },
  outbound: [at(0, 0), at(0, 800)],
  inbound: [at(0, 800), at(0, 0)],
  cruiseAltitudeM: 30,
  cruiseSpeedMs: 10,
};
const ROOT = path.resolve(import.meta.dirname, '../..');
const f = Math.fround;

/** The emulator's store for one item of a type. */
function store(type: MissionType, it: MissionItem, count = 2) {
  return type === 0 ? storeMissionItem(it, count) : type === 1 ? storeFenceItem(it) : storeRallyItem(it);
}

function stored(items: MissionItem[]): MissionItem[] {
  return items.map((it) => {
    const r = convertMissionItem(it, items.length);
    if (!r.ok) throw new Error(`item ${it.seq} refused: ${r.result}`);
    return r.item;
  });
}

/** Everything the planner puts on a vehicle: the committed example plans, plus land-release and wind-varied speeds. */
function emittedPlans(): { name: string; mission: MissionItem[]; fence: MissionItem[]; rally: MissionItem[] }[] {
  const plans = ['county-town', 'county-town-rooftop', 'city-district', 'city-district-winch'].map((name) => {
    const p = readPlanFile(readFileSync(path.join(ROOT, 'missions', `${name}.plan`), 'utf8'));
    return { name, mission: p.mission, fence: p.fence, rally: p.rally };
  });
  for (const method of ['payload-place', 'winch', 'land-release'] as const) {
    const m = buildMission({
      ...route,
      outbound: [at(0, 0), at(0, 400), at(300, 800)],
      inbound: [at(300, 800), at(0, 0)],
      outboundSpeedsMs: [9.3, 7.7],
      inboundSpeedsMs: [11.46],
      dropHeightM: 7.37,
      method,
    });
    plans.push({ name: method, mission: m.items, fence: [], rally: [] });
  }
  const fence = fenceItemsFromShapes({
    polygons: [
      {
        inclusion: true,
        points: [
          [36.61, 101.77],
          [36.62, 101.77],
          [36.62, 101.79],
          [36.61, 101.79],
        ],
      },
      {
        inclusion: false,
        points: [
          [36.614, 101.775],
          [36.615, 101.775],
          [36.615, 101.776],
        ],
      },
    ],
    circles: [
      { inclusion: true, center: [36.6171, 101.7782], radiusM: 1234.5 },
      { inclusion: false, center: [36.616, 101.777], radiusM: 37.25 },
    ],
    returnPoint: [36.6171, 101.7782, 40],
  });
  plans.push({ name: 'every fence shape', mission: [], fence, rally: [] });
  return plans;
}

/** Expected read-back of a case as a MissionItem. */
function backItem(c: StorageCase): MissionItem {
  if ('refused' in c.back) throw new Error(`${c.what} is refused`);
  const b = c.back;
  return { ...c.sent, frame: b.frame, param1: b.params[0], param2: b.params[1], param3: b.params[2], param4: b.params[3], x: b.x, y: b.y, z: b.z };
}

const FIELDS = ['frame', 'param1', 'param2', 'param3', 'param4', 'x', 'y', 'z'] as const;

describe('AP_Mission storage: literal facts from ArduPilot', () => {
  const accepted = [...MISSION_CASES, ...MISSION_REFUSALS, ...FENCE_CASES, ...RALLY_CASES];

  it.each(accepted.map((c) => [c.what, c] as const))('emulator: %s', (_what, c) => {
    const r = store(c.type, c.sent);
    if ('refused' in c.back) {
      expect(r.ok ? 'stored' : r.result).toBe(c.back.refused);
      return;
    }
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const want = backItem(c);
    for (const k of FIELDS) expect(r.item[k], k).toBe(want[k]);
    // fence and rally items come back with autocontinue 0 (the packet is zero-initialised), mission items 1
    expect(r.item.autocontinue).toBe(c.type === 0 ? 1 : 0);
  });

  it.each(accepted.filter((c) => !('refused' in c.back)).map((c) => [c.what, c] as const))('client read-back check: %s', (_what, c) => {
    const readings = apReadings(c.type, c.sent);
    expect(readings).toBeDefined();
    const want = backItem(c);
    for (const k of FIELDS) {
      const ok = readings![k].some((v) => (Number.isNaN(v) ? Number.isNaN(want[k]) : Math.abs(v - want[k]) <= Math.max(1e-6, Math.abs(want[k]) * 2 ** -22)));
      expect(ok, `${k}: ${want[k]} not among ${readings![k].join(', ')}`).toBe(true);
    }
    const sentList = c.type === 0 ? [HOME_ITEM, c.sent] : [c.sent];
    const backList = c.type === 0 ? [HOME_ITEM, { ...want, seq: 1 }] : [want];
    expect(compareItems(c.type, sentList, backList)).toEqual([]);
  });

  it('NAV_LAND param4 sent 0 reads back 1 on both sides, and the read-back check accepts it (issue 10)', () => {
    const land: MissionItem = { ...HOME_ITEM, seq: 1, frame: 6, command: 21, ...AT, z: 0 };
    const r = storeMissionItem(land);
    expect(r.ok && r.item.param4).toBe(1);
    expect(apReadings(0, land)!.param4).toContain(1);
    expect(compareItems(0, [HOME_ITEM, land], [HOME_ITEM, { ...land, frame: 3, param4: 1 }])).toEqual([]);
    // -1 would mean the vehicle holds another yaw direction
    expect(compareItems(0, [HOME_ITEM, land], [HOME_ITEM, { ...land, frame: 3, param4: -1 }])).toEqual(['mission item 1: param4 -1, sent 0']);
  });

  it('a polygon vertex count is a uint8: 3.7 and 3.2 are stored as 3', () => {
    for (const [i, it] of FENCE_TRIANGLE.sent.entries()) {
      const r = storeFenceItem(it);
      expect(r.ok && r.item.param1).toBe(FENCE_TRIANGLE.back[i]);
      expect(r.ok && [r.item.param2, r.item.z, r.item.frame]).toEqual([0, 0, 0]);
    }
    expect(validateFence(stored3(FENCE_TRIANGLE.sent))).toBeNull();
  });

  it.each(FENCE_REFUSALS.map((c) => [c.what, c] as const))('whole fence refused: %s', (_what, c) => {
    const r = validateFence(stored3(c.items));
    expect(r?.texts.map((t) => t.text)).toEqual(c.texts);
  });

  it('a legacy MISSION_ITEM in float degrees lands on the float32 grid (×1.0e7f, truncated)', () => {
    const r = legacyItemToInt({ ...HOME_ITEM, seq: 1, frame: 6, x: LEGACY_WAYPOINT.lat, y: LEGACY_WAYPOINT.lon, z: 20.3 });
    expect(r.ok && [r.item.x, r.item.y]).toEqual([LEGACY_WAYPOINT.x, LEGACY_WAYPOINT.y]);
    expect(legacyItemToInt({ ...HOME_ITEM, seq: 1, frame: 6, x: 95, y: 0 })).toEqual({ ok: false, result: 10 });
    // DO commands: x/y are not degrees, just truncated to integers
    const speed = legacyItemToInt({ ...HOME_ITEM, seq: 2, frame: 2, command: 178, x: 5.7, y: -3.2 });
    expect(speed.ok && [speed.item.x, speed.item.y]).toEqual([5, -3]);
  });
});

function stored3(items: MissionItem[]): MissionItem[] {
  return items.map((it) => {
    const r = storeFenceItem(it);
    if (!r.ok) throw new Error(`fence item ${it.seq} refused: ${r.result}`);
    return r.item;
  });
}

describe('every command medidrop emits', () => {
  const plans = emittedPlans();

  it('the plans cover the payload-place, winch and land-release deliveries, speed changes, fence shapes and rally points', () => {
    const commands = new Set(plans.flatMap((p) => [...p.mission, ...p.fence, ...p.rally].map((it) => it.command)));
    expect([...commands].sort((a, b) => a - b)).toEqual([16, 19, 21, 22, 94, 178, 211, 5000, 5001, 5002, 5003, 5004, 5100, 42600]);
  });

  it.each(plans.map((p) => [p.name, p] as const))('%s: the emulator stores it, the client expects exactly that, nothing is refused', (_name, p) => {
    for (const [type, items] of [
      [0, p.mission],
      [1, p.fence],
      [2, p.rally],
    ] as const) {
      const back = items.map((it) => {
        const r = store(type, it, items.length);
        if (!r.ok) throw new Error(`${p.name} ${type} item ${it.seq} (command ${it.command}) refused: ${r.result}`);
        return r.item;
      });
      if (type === 1 && back.length) expect(validateFence(back)).toBeNull();
      expect(compareItems(type, items, back)).toEqual([]);
      // and field by field: what the emulator returns is one of the client's readings
      for (const [i, it] of items.entries()) {
        if (type === 0 && i === 0) continue;
        const readings = apReadings(type, it)!;
        for (const k of FIELDS)
          expect(readings[k].includes(back[i]![k]), `${p.name} item ${i} ${k}: ${back[i]![k]} not in ${readings[k].join(', ')}`).toBe(true);
      }
    }
  });

  it('NAV_LAND closes every mission and comes back with param4 1', () => {
    for (const p of plans.filter((q) => q.mission.length)) {
      const land = p.mission[p.mission.length - 1]!;
      expect(land.command).toBe(CMD.NAV_LAND);
      const r = storeMissionItem(land);
      expect(r.ok && r.item.param4).toBe(1);
    }
  });
});

describe('the two tables agree on round trips of representative values', () => {
  const values = [0, 1, 2.7, -1, -0.5, 16.22, 0.07, 255.9, 300, 70000, -40.5, 1100.7, -1e-9];
  const altitudes = [0, 20.3, 0.015, -5.5, 1234.567, 30.005];
  const frames = [0, 2, 3, 5, 6, 10, 11];

  it('they cover the same commands', () => {
    expect(
      Object.keys(MISSION_READBACK)
        .map(Number)
        .sort((a, b) => a - b),
    ).toEqual(AP_MISSION_COMMANDS.map((c) => c.id).sort((a, b) => a - b));
    expect(Object.keys(FENCE_READBACK).map(Number).sort()).toEqual(['5000', '5001', '5002', '5003', '5004'].map(Number));
  });

  it.each(AP_MISSION_COMMANDS.map((c) => [c.id, c.name] as const))('mission command %i (%s)', (id) => {
    let checked = 0;
    for (const v of values) {
      for (let p = 0; p < 4; p++) {
        const params = [1, 1, 1, 1];
        params[p] = v;
        const z = altitudes[(checked + p) % altitudes.length]!;
        const frame = frames[(checked + p) % frames.length]!;
        const sent: MissionItem = {
          ...HOME_ITEM,
          seq: 1,
          command: id,
          frame,
          param1: params[0]!,
          param2: params[1]!,
          param3: params[2]!,
          param4: params[3]!,
          ...AT,
          z,
        };
        const r = storeMissionItem(sent, 10);
        if (!r.ok) continue; // e.g. DO_JUMP targets outside the mission
        const readings = apReadings(0, sent)!;
        for (const k of FIELDS) expect(readings[k].includes(r.item[k]), `param${p + 1}=${v} ${k}: ${r.item[k]} not in ${readings[k].join(', ')}`).toBe(true);
        expect(compareItems(0, [HOME_ITEM, sent], [HOME_ITEM, r.item])).toEqual([]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(30);
  });

  it.each([5000, 5001, 5002, 5003, 5004])('fence command %i', (id) => {
    for (const v of [3, 3.7, 200, 255, 12.5, 1234.5678]) {
      const sent: MissionItem = { ...HOME_ITEM, missionType: 1, frame: 5, command: id, param1: v, ...AT, z: 12 };
      const r = storeFenceItem(sent);
      const polygon = id === 5001 || id === 5002;
      expect(r.ok ? 'stored' : r.result).toBe(polygon && v > 255 ? 6 : 'stored'); // a vertex count over 255: INVALID_PARAM1
      if (!r.ok) continue;
      const readings = apReadings(1, sent)!;
      for (const k of FIELDS) expect(readings[k].includes(r.item[k]), `${v} ${k}`).toBe(true);
      expect(compareItems(1, [sent], [r.item])).toEqual([]);
    }
  });

  it('rally points', () => {
    for (const z of [0, 30.7, -3.7, 2290.9, 32766.9, -32768]) {
      for (const frame of [0, 3, 5, 6, 10, 11]) {
        const sent: MissionItem = { ...HOME_ITEM, missionType: 2, frame, command: 5100, ...AT, z };
        const r = storeRallyItem(sent);
        expect(r.ok).toBe(true);
        if (!r.ok) continue;
        const readings = apReadings(2, sent)!;
        for (const k of FIELDS) expect(readings[k].includes(r.item[k]), `${z} frame ${frame} ${k}`).toBe(true);
        expect(compareItems(2, [sent], [r.item])).toEqual([]);
      }
    }
  });

  it('mission names are AP_Mission::Mission_Command::type()', () => {
    expect([COMMAND_NAMES[16], COMMAND_NAMES[22], COMMAND_NAMES[94], COMMAND_NAMES[30], COMMAND_NAMES[195], COMMAND_NAMES[42600]]).toEqual([
      'WP',
      'Takeoff',
      'PayloadPlace',
      'ContinueAndChangeAlt',
      'SetROILocation',
      'Winch',
    ]);
    expect(commandStorage(113)).toBeUndefined();
    expect(commandStorage(176)).toBeUndefined();
  });
});

describe('the read-back check still reports real mismatches', () => {
  const m = buildMission({ ...route, dropHeightM: 7.37, method: 'payload-place' });
  const back = stored(m.items);

  it('the unchanged read-back matches', () => {
    expect(compareItems(0, m.items, back)).toEqual([]);
  });

  it('a different latitude', () => {
    const b = back.map((it) => ({ ...it }));
    b[3] = { ...b[3]!, x: b[3]!.x + 50 };
    expect(compareItems(0, m.items, b)).toEqual([`mission item 3: x ${b[3]!.x}, sent ${m.items[3]!.x}`]);
  });

  it('a different param1 on a waypoint (hold time)', () => {
    const sent = m.items.map((it) => ({ ...it }));
    sent[3] = { ...sent[3]!, param1: 5 };
    const b = stored(sent);
    b[3] = { ...b[3]!, param1: 6 };
    expect(compareItems(0, sent, b)).toEqual(['mission item 3: param1 6, sent 5']);
  });

  it('a wrong command', () => {
    const b = back.map((it) => ({ ...it }));
    b[3] = { ...b[3]!, command: CMD.NAV_LOITER_UNLIM };
    expect(compareItems(0, m.items, b)).toEqual([`mission item 3: command ${CMD.NAV_LOITER_UNLIM}, sent ${CMD.NAV_WAYPOINT}`]);
  });

  it('an altitude a centimetre off what ArduPilot keeps, a relative altitude read back absolute, a changed speed', () => {
    const b = back.map((it) => ({ ...it }));
    const wp = m.items.findIndex((it, i) => i > 0 && it.command === CMD.NAV_WAYPOINT);
    const speed = m.items.findIndex((it) => it.command === CMD.DO_CHANGE_SPEED);
    b[wp] = { ...b[wp]!, z: f(b[wp]!.z - 0.01), frame: 0 };
    b[speed] = { ...b[speed]!, param2: b[speed]!.param2 + 0.5 };
    expect(speed).toBeLessThan(wp);
    expect(compareItems(0, m.items, b)).toEqual([
      `mission item ${speed}: param2 ${b[speed]!.param2}, sent ${m.items[speed]!.param2}`,
      `mission item ${wp}: frame 0, sent 6`,
      `mission item ${wp}: z ${b[wp]!.z}, sent ${m.items[wp]!.z}`,
    ]);
  });

  it('fence and rally: another radius, another rally altitude', () => {
    const circle: MissionItem = { ...HOME_ITEM, missionType: 1, frame: 5, command: 5003, param1: 50, ...AT, z: 0 };
    expect(compareItems(1, [circle], [{ ...circle, frame: 0, param1: 51 }])).toEqual(['fence item 0: param1 51, sent 50']);
    const point: MissionItem = { ...HOME_ITEM, missionType: 2, frame: 6, command: 5100, ...AT, z: 30.4 };
    expect(compareItems(2, [point], [{ ...point, frame: 3, z: 30 }])).toEqual([]);
    expect(compareItems(2, [point], [{ ...point, frame: 3, z: 31 }])).toEqual(['rally item 0: z 31, sent 30.4']);
  });

  it('a command the table does not know is still compared, with tolerances', () => {
    const aux: MissionItem = { ...HOME_ITEM, seq: 1, frame: 2, command: 218, param1: 4, param2: 2, x: 0, y: 0, z: 0 };
    expect(compareItems(0, [HOME_ITEM, aux], [HOME_ITEM, { ...aux }])).toEqual([]);
    expect(compareItems(0, [HOME_ITEM, aux], [HOME_ITEM, { ...aux, param1: 5 }])).toEqual(['mission item 1: param1 5, sent 4']);
  });
});

describe('NAV_PAYLOAD_PLACE param1 as ArduCopter stores it', () => {
  it('the emulator truncates param1 to whole centimetres like AP_Mission: 16.22 m reads back 16.21, which the read-back check accepts and 16.20 does not pass', () => {
    const item: MissionItem = { ...HOME_ITEM, seq: 1, frame: 6, command: CMD.NAV_PAYLOAD_PLACE, param1: 16.22, z: 20 };
    const r = convertMissionItem(item);
    expect(r.ok && r.item.param1).toBe(f(16.21)); // float32(16.22)*100 = 1621.99… → 1621 cm
    const back = stored([HOME_ITEM, item]);
    expect(compareItems(0, [HOME_ITEM, item], back)).toEqual([]);
    expect(compareItems(0, [HOME_ITEM, item], [back[0]!, { ...back[1]!, param1: f(16.2) }])).toEqual([`mission item 1: param1 ${f(16.2)}, sent 16.22`]);
  });

  it.each([7.37, 12.37, 17.63, 18.78, 24.9])('a drop surface %s m up: param1 is whole metres and reads back unchanged', (dropHeightM) => {
    const m = buildMission({ ...route, dropHeightM, method: 'payload-place' });
    const place = m.items[m.deliverySeq]!;
    expect(place.command).toBe(CMD.NAV_PAYLOAD_PLACE);
    expect(Number.isInteger(place.param1)).toBe(true);
    const approach = Math.min(15, 30 - dropHeightM);
    expect(place.param1).toBeGreaterThanOrEqual(approach + 5);
    expect(place.param1).toBeLessThan(approach + 6);
    const back = stored(m.items);
    expect(back[m.deliverySeq]!.param1).toBe(place.param1);
    expect(compareItems(0, m.items, back)).toEqual([]);
  });
});

describe('frames', () => {
  it('normaliseFrame: _INT frames read back as their plain variants (5 → 0, 6 → 3, 11 → 10)', () => {
    expect([0, 2, 3, 5, 6, 10, 11, 1].map(normaliseFrame)).toEqual([0, 0, 3, 0, 3, 10, 10, 1]);
  });
});
