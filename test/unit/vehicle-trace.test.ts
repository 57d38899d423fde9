/**
 * The differential suite's diff (test/support/vehicle-trace.ts): equal traces give no lines, and every
 * kind of disagreement is reported field by field as "emulator: X / SITL: Y".
 */
import { describe, expect, it } from 'vitest';
import { diffTraces, emptyTrace, normaliseText, type VehicleTrace } from '../support/vehicle-trace.js';
import type { MissionItem } from '../../src/missions/types.js';

function item(seq: number, over: Partial<MissionItem> = {}): MissionItem {
  return {
    seq,
    frame: 3,
    command: 16,
    current: 0,
    autocontinue: 1,
    param1: 0,
    param2: 0,
    param3: 0,
    param4: 0,
    x: 366141263,
    y: 1017733932,
    z: 30,
    missionType: 0,
    ...over,
  };
}

function trace(over: Partial<VehicleTrace> = {}): VehicleTrace {
  return {
    ...emptyTrace(),
    missionAcks: ['mission:ACCEPTED'],
    reached: [2, 3, 4],
    modes: ['STABILIZE', 'GUIDED', 'AUTO'],
    armed: [false, true, false],
    deliveryTexts: ['PayloadPlace: Releasing the gripper', 'Gripper load releasing'],
    readBack: { mission: [item(0, { frame: 0, z: 2262 }), item(1), item(2, { command: 21 })] },
    facts: { 'flight status': 'completed' },
    ...over,
  };
}

describe('diffTraces', () => {
  it('finds nothing between equal traces', () => {
    expect(diffTraces(trace(), trace())).toEqual([]);
  });

  it('names each differing sequence with both sides and where they first differ', () => {
    const d = diffTraces(trace(), trace({ reached: [2, 3], modes: ['STABILIZE', 'GUIDED', 'AUTO', 'RTL'], missionAcks: ['mission:UNSUPPORTED'] }));
    expect(d).toEqual([
      'MISSION_ACKs (first difference at #0): emulator: [mission:ACCEPTED] / SITL: [mission:UNSUPPORTED]',
      'MISSION_ITEM_REACHED (first difference at #2): emulator: [2, 3, 4] / SITL: [2, 3]',
      'modes (first difference at #3): emulator: [STABILIZE, GUIDED, AUTO] / SITL: [STABILIZE, GUIDED, AUTO, RTL]',
    ]);
  });

  it('compares read-back items field by field; home (item 0) within 0.5 m and 1 m of altitude', () => {
    const sitl = trace({ readBack: { mission: [item(0, { frame: 0, z: 2262.6, x: 366141263 + 30 }), item(1), item(2, { command: 21, param4: 1 })] } });
    expect(diffTraces(trace(), sitl)).toEqual(['mission item 2 param4: emulator: 0 / SITL: 1']);
    const far = trace({ readBack: { mission: [item(0, { frame: 0, z: 2262, x: 366141263 + 60 }), item(1), item(2, { command: 21 })] } });
    expect(diffTraces(trace(), far)).toEqual(['mission item 0 x: emulator: 366141263 / SITL: 366141323']);
    expect(diffTraces(trace(), trace({ readBack: { mission: 'error timeout: no answer' } }))).toEqual([
      'mission read back: emulator: 3 items / SITL: error timeout: no answer',
    ]);
  });

  it('reports facts and releases that only one side has', () => {
    const d = diffTraces(trace({ release: { lat: 1, lon: 2, relAltM: 0, text: 'Gripper load releasing' } }), trace({ facts: { 'flight status': 'failed' } }));
    expect(d).toEqual(['release: emulator: Gripper load releasing / SITL: none', 'flight status: emulator: completed / SITL: failed']);
  });

  it('masks only the physics figure in the payload-place thrust text', () => {
    expect(normaliseText('PayloadPlace: payload release thrust threshold: 0.314269')).toBe('PayloadPlace: payload release thrust threshold: <n>');
    expect(normaliseText('Winch: raising 20.0m to -0.0m')).toBe('Winch: raising 20.0m to -0.0m');
  });
});
