import { describe, expect, it } from 'vitest';
import { StatusTextJoiner, toVehicleEvent, ekfPositionOk } from '../../src/mavlink/events.js';
import { compareItems, normaliseFrame } from '../../src/mavlink/compare.js';
import { MSG, type Fields, type Message } from '../../src/mavlink/wire.js';
import { makeFence, makeMission, makeRally } from '../support/mavlink-fixtures.js';

const msg = (msgid: number, fields: Fields): Message => ({ msgid, name: '', sysid: 3, compid: 1, fields });

describe('vehicle events', () => {
  it('normalises heartbeat, position, battery, EKF, mission and landed state', () => {
    expect(toVehicleEvent(msg(MSG.HEARTBEAT, { custom_mode: 6, base_mode: 0x81, system_status: 4, type: 2, autopilot: 3 }), 5)).toEqual({
      type: 'heartbeat',
      sysid: 3,
      t: 5,
      customMode: 6,
      modeName: 'RTL',
      armed: true,
      systemStatus: 4,
      vehicleType: 2,
      autopilot: 3,
    });
    expect(
      toVehicleEvent(msg(MSG.GLOBAL_POSITION_INT, { lat: 366171000, lon: 1017782000, alt: 2290500, relative_alt: 30500, vx: 300, vy: 400, hdg: 9000 }), 1),
    ).toMatchObject({ lat: 36.6171, lon: 101.7782, altAmslM: 2290.5, relAltM: 30.5, groundSpeedMs: 5, headingDeg: 90 });
    expect(toVehicleEvent(msg(MSG.SYS_STATUS, { voltage_battery: 12600, current_battery: 2950, battery_remaining: 44 }), 1)).toMatchObject({
      type: 'battery',
      remainingPct: 44,
      voltageV: 12.6,
      currentA: 29.5,
    });
    expect(toVehicleEvent(msg(MSG.EKF_STATUS_REPORT, { flags: 0x33f & ~0x80 }), 1)).toMatchObject({ type: 'ekf', positionOk: true });
    expect(ekfPositionOk(0x10 | 0x80)).toBe(false);
    expect(ekfPositionOk(0x0f)).toBe(false);
    expect(toVehicleEvent(msg(MSG.MISSION_CURRENT, { seq: 3, total: 5 }), 1)).toMatchObject({ type: 'mission-current', seq: 3, total: 5 });
    expect(toVehicleEvent(msg(MSG.EXTENDED_SYS_STATE, { landed_state: 2 }), 1)).toMatchObject({ type: 'landed-state', landedState: 2 });
    expect(toVehicleEvent(msg(MSG.PARAM_VALUE, {}), 1)).toBeUndefined();
  });

  it('drops position and home reports outside lat ±90° / lon ±180° (int32 limits read 214.7°); keeps the edges and (0, 0)', () => {
    const pos = (lat: number, lon: number) => toVehicleEvent(msg(MSG.GLOBAL_POSITION_INT, { lat, lon, alt: 0, relative_alt: 0, vx: 0, vy: 0, hdg: 0 }), 1);
    const home = (latitude: number, longitude: number) => toVehicleEvent(msg(MSG.HOME_POSITION, { latitude, longitude, altitude: 0 }), 1);
    for (const [lat, lon] of [
      [2147483647, 2147483647],
      [-2147483648, 1017782000],
      [366171000, 2147483647],
      [900000001, 0],
      [0, -1800000001],
    ] as const) {
      expect(pos(lat, lon), `position ${lat}, ${lon}`).toBeUndefined();
      expect(home(lat, lon), `home ${lat}, ${lon}`).toBeUndefined();
    }
    expect(pos(900000000, -1800000000)).toMatchObject({ type: 'position', lat: 90, lon: -180 });
    expect(pos(0, 0)).toMatchObject({ type: 'position', lat: 0, lon: 0 });
    expect(home(366171000, 1017782000)).toMatchObject({ type: 'home', lat: 36.6171, lon: 101.7782 });
    expect(home(0, 0)).toMatchObject({ type: 'home', lat: 0, lon: 0 });
  });

  it('joins STATUSTEXT chunks (even out of order), flushes an incomplete one, passes single ones through', async () => {
    const out: string[] = [];
    const j = new StatusTextJoiner((_s, t) => out.push(t), 50);
    const a = 'x'.repeat(50);
    j.push(msg(MSG.STATUSTEXT, { severity: 2, text: 'short one', id: 0, chunk_seq: 0 }));
    j.push(msg(MSG.STATUSTEXT, { severity: 2, text: 'tail', id: 7, chunk_seq: 1 }));
    j.push(msg(MSG.STATUSTEXT, { severity: 2, text: a, id: 7, chunk_seq: 0 }));
    j.push(msg(MSG.STATUSTEXT, { severity: 2, text: a, id: 8, chunk_seq: 0 })); // last chunk lost
    expect(out).toEqual(['short one', a + 'tail']);
    await new Promise((r) => setTimeout(r, 80));
    expect(out).toEqual(['short one', a + 'tail', a]);
    j.close();
  });
});

describe('read-back comparison', () => {
  it('accepts what ArduPilot returns: home replaced, plain frames, takeoff/RTL without position, rounded floats', () => {
    const sent = makeMission(6);
    const back = sent.map((it, i) => ({
      ...it,
      frame: normaliseFrame(it.frame),
      x: i === 0 ? 1 : [20, 22].includes(it.command) ? 0 : it.x,
      y: i === 0 ? 2 : [20, 22].includes(it.command) ? 0 : it.y,
      z: Math.round(it.z * 100) / 100 + (i === 0 ? 2260 : 0),
      current: 0 as const,
    }));
    expect(compareItems(0, sent, back)).toEqual([]);
    const rallyBack = makeRally(2).map((it) => ({ ...it, z: Math.round(it.z + 0.4), frame: 3 }));
    expect(
      compareItems(
        2,
        makeRally(2).map((it) => ({ ...it, z: it.z + 0.4 })),
        rallyBack,
      ),
    ).toEqual([]);
    expect(
      compareItems(
        1,
        makeFence(4),
        makeFence(4).map((it) => ({ ...it, frame: 0 })),
      ),
    ).toEqual([]);
  });

  it('names every real difference', () => {
    const sent = makeMission(6);
    const back = sent.map((it) => ({ ...it }));
    back[2] = { ...back[2]!, x: back[2]!.x + 50, frame: 0 };
    back[3] = { ...back[3]!, command: 21 };
    back[4] = { ...back[4]!, z: back[4]!.z + 1 };
    expect(compareItems(0, sent, back)).toEqual([
      'mission item 2: frame 0, sent 6',
      `mission item 2: x ${back[2]!.x}, sent ${sent[2]!.x}`,
      'mission item 3: command 21, sent 16',
      `mission item 4: z ${back[4]!.z}, sent ${sent[4]!.z}`,
    ]);
    expect(compareItems(1, makeFence(5), makeFence(4))).toEqual(['fence: vehicle holds 4 items, 5 were sent']);
  });
});
