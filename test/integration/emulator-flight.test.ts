/**
 * Flight behaviour of the emulator, driven with raw MAVLink: the reference delivery of ARDUPILOT.md
 * (timings, payload place, RTL landing), mid-mission NAV_LAND, fence breach → RTL, battery and EKF
 * failsafes, RTL to a rally point, the fence arming check, and wind.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { common } from 'node-mavlink';
import { startEmulator, type EmulatedVehicle, type Emulator, type EmulatorOptions } from '../../sim/emulator/index.js';
import { distanceM } from '../../sim/emulator/geo.js';
import { HOME, item, offset, RawGcs, referenceMission } from './emulator-raw-gcs.js';
import type { MissionItem } from '../../src/missions/types.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Stock SITL battery (3300 mAh) so that consumption compares with ARDUPILOT.md's reference flight. */
const SITL_BATTERY = { BATT_CAPACITY: 3300, BATT_LOW_MAH: 0, BATT_CRT_MAH: 0 };

async function setup(opts: Partial<EmulatorOptions> = {}): Promise<{ emu: Emulator; v: EmulatedVehicle; gcs: RawGcs }> {
  const emu = await startEmulator({ vehicles: [{ sysid: 1, home: HOME, params: SITL_BATTERY }], speedup: 50, readyAfterS: 2, ...opts });
  cleanups.push(() => emu.stop());
  const gcs = await RawGcs.tcp(emu.vehicles[0]!.tcpPort);
  cleanups.push(() => gcs.close());
  await gcs.waitText(/EKF3 IMU0 is using GPS/, 5000, 0);
  return { emu, v: emu.vehicles[0]!, gcs };
}

async function launch(gcs: RawGcs, mission: MissionItem[]): Promise<void> {
  expect(await gcs.upload(1, 0, mission)).toBe(0);
  expect((await gcs.command(1, 176, [1, 4])).result).toBe(0);
  expect((await gcs.command(1, 400, [1])).result).toBe(0);
  expect((await gcs.command(1, 300, [0, 0])).result).toBe(0);
}

function disarmed(v: EmulatedVehicle, timeoutMs = 45_000): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('vehicle did not disarm in time')), timeoutMs);
    const on = (armed: boolean) => {
      if (!armed) {
        clearTimeout(timer);
        v.off('armed', on);
        resolve();
      }
    };
    v.on('armed', on);
  });
}

const DROP = (() => {
  const o = offset(300, 150);
  return { lat: o.x / 1e7, lon: o.y / 1e7 };
})();

describe('the reference delivery (ARDUPILOT.md)', () => {
  it('takes off, places the payload at the drop point, returns and lands at home, with SITL-like timings', async () => {
    const { emu, v, gcs } = await setup();
    await launch(gcs, referenceMission());
    // sim time of MISSION_START: when the vehicle announced the first item
    const startedAt = v.statusTexts.find((s) => s.text === 'Mission: 1 Takeoff')!.t;
    const reachedAt: Record<number, number> = {};
    v.on('reached', (seq: number) => (reachedAt[seq] = emu.simTimeS - startedAt));
    await disarmed(v);
    expect(v.reached).toEqual([1, 2, 3, 4, 6]);
    // SITL: 1 @18, 2 @54, 3 @73, 4 @151, RTL @235 (sim s) — the emulator stays within ~20 %.
    const ref: Record<number, number> = { 1: 18, 2: 54, 3: 73, 4: 151, 6: 235 };
    for (const [seq, t] of Object.entries(ref)) {
      expect(reachedAt[Number(seq)]).toBeGreaterThan(t * 0.7);
      expect(reachedAt[Number(seq)]).toBeLessThan(t * 1.2);
    }
    const rel = v.releases[0]!;
    expect(v.releases).toHaveLength(1);
    expect(rel.by).toBe('payload-place');
    expect(distanceM(rel, DROP)).toBeLessThan(3);
    expect(rel.relAltM).toBeLessThan(0.5);
    expect(distanceM(v.position, HOME)).toBeLessThan(1);
    expect(v.landed).toBe(true);
    const texts = v.statusTexts.map((s) => s.text);
    for (const t of [
      'Mission: 1 Takeoff',
      'Mission: 4 PayloadPlace',
      'PayloadPlace: Releasing the gripper',
      'Gripper load releasing',
      'Mission: 6 RTL',
      'Disarming motors',
    ]) {
      expect(texts).toContain(t);
    }
    // MISSION_ITEM_REACHED for NAV items only (not the DO_GRIPPER at 5)
    await gcs.waitFor<common.MissionItemReached>(46, (r) => r.seq === 6, 2000, 0);
    const reachedMsgs = gcs.messages.filter((m) => m.msgid === 46).map((m) => (m.data as common.MissionItemReached).seq);
    expect(reachedMsgs).toEqual([1, 2, 3, 4, 6]);
    // the mode stayed AUTO through the RTL item
    expect(v.mode).toBe(3);
    // battery drained with the flight (SITL: 100 → 44 % on this trip)
    expect(v.battery.remainingPct).toBeLessThan(60);
    expect(v.battery.remainingPct).toBeGreaterThan(30);
    expect(v.battery.voltageV).toBeCloseTo(12.6, 1);
  });

  it('without a gripper (GRIP_ENABLE 0) payload place releases nothing', async () => {
    const emu = await startEmulator({ vehicles: [{ sysid: 1, home: HOME, params: { GRIP_ENABLE: 0 } }], speedup: 50, readyAfterS: 2 });
    cleanups.push(() => emu.stop());
    const gcs = await RawGcs.tcp(emu.vehicles[0]!.tcpPort);
    cleanups.push(() => gcs.close());
    await gcs.waitText(/using GPS/, 5000, 0);
    const v = emu.vehicles[0]!;
    await launch(gcs, referenceMission());
    await disarmed(v);
    expect(v.releases).toHaveLength(0);
    expect(v.statusTexts.map((s) => s.text).filter((t) => /Gripper load releas/.test(t))).toEqual([]);
  });
});

describe('winch', () => {
  // hover 20 m over a point 100 m north, lower 20 m of line, release, wind in, RTL (the shape of src/missions/build.ts's winch sequence)
  const winchMission = (): MissionItem[] => {
    const drop = offset(100, 0);
    return [
      item(0, 16, { frame: 0, ...offset(0, 0), z: 0 }),
      item(1, 22, { z: 20 }),
      item(2, 16, { ...drop, z: 20 }),
      item(3, 42600, { frame: 2, param1: 1, param2: 1, param3: 20, param4: 2 }),
      item(4, 19, { ...drop, z: 20, param1: 15 }),
      item(5, 211, { frame: 2, param1: 1, param2: 0 }),
      item(6, 19, { ...drop, z: 20, param1: 2 }),
      item(7, 42600, { frame: 2, param1: 1, param2: 1, param3: -20, param4: 2 }),
      item(8, 19, { ...drop, z: 20, param1: 15 }),
      item(9, 20, { frame: 2 }),
    ];
  };

  it('with a winch (WINCH_TYPE 1) DO_WINCH lowers the parcel to the ground before the gripper opens', async () => {
    // 20 m in the 15 s loiter needs WINCH_RATE_MAX ≥ 1.4 m/s (the mission's param4 of 2 m/s is ignored)
    const { v, gcs } = await setup({ vehicles: [{ sysid: 1, home: HOME, params: { WINCH_TYPE: 1, SERVO9_FUNCTION: 88, WINCH_RATE_MAX: 2 } }] });
    await launch(gcs, winchMission());
    await disarmed(v);
    expect(v.releases).toHaveLength(1);
    expect(v.releases[0]!.lineOutM).toBeGreaterThan(19);
    expect(v.releases[0]!.payloadRelAltM).toBeLessThan(0.5);
  });

  it('DO_WINCH param4 does not set the speed: the winch runs at WINCH_RATE_MAX (ArduCopter do_winch → release_length(param3))', async () => {
    const { v, gcs } = await setup({ vehicles: [{ sysid: 1, home: HOME, params: { WINCH_TYPE: 1, SERVO9_FUNCTION: 88 } }] }); // WINCH_RATE_MAX 1 m/s
    await launch(gcs, winchMission());
    await disarmed(v);
    expect(v.releases).toHaveLength(1);
    // 15 s at 1 m/s: about 15 m of the 20 m out when the gripper opens, although param4 asked for 2 m/s
    expect(v.releases[0]!.lineOutM).toBeGreaterThan(13);
    expect(v.releases[0]!.lineOutM).toBeLessThan(17);
    expect(v.releases[0]!.payloadRelAltM).toBeGreaterThan(3);
  });

  it('without a winch (WINCH_TYPE 0, ArduCopter default) DO_WINCH does nothing and the gripper drops the parcel from the hover height', async () => {
    const { v, gcs } = await setup();
    expect(v.param('WINCH_TYPE')).toBe(0);
    await launch(gcs, winchMission());
    await disarmed(v);
    expect(v.releases).toHaveLength(1);
    expect(v.releases[0]!.lineOutM).toBe(0);
    expect(v.releases[0]!.payloadRelAltM).toBeGreaterThan(18);
    // the command form is refused outright
    expect((await gcs.command(1, 42600, [1, 1, 5, 1])).result).toBe(4);
  });
});

describe('mid-mission NAV_LAND', () => {
  const landMission = (): MissionItem[] => [
    item(0, 16),
    item(1, 22, { z: 20 }),
    item(2, 21, { ...offset(100, 0), z: 0 }),
    item(3, 211, { frame: 2, param1: 1, param2: 0 }),
    item(4, 22, { z: 20 }),
    item(5, 20, { frame: 2 }),
  ];

  it('lands, disarms and resets the mission by default', async () => {
    const { v, gcs } = await setup();
    await launch(gcs, landMission());
    await disarmed(v);
    expect(distanceM(v.position, { lat: offset(100, 0).x / 1e7, lon: HOME.lon })).toBeLessThan(2);
    // No MISSION_ITEM_REACHED for the NAV_LAND that ends the mission: ModeAuto::verify_land disarms and
    // returns false, and the disarm resets the mission first (AP_Arming_Copter::disarm → mission.reset());
    // real SITL sends none for the closing NAV_LAND (test/sitl/differential.test.ts).
    expect(v.reached).toEqual([1]);
    // reset, but still running in AUTO: it starts again from its first command with the motors off
    // (AP_Mission::reset then update → advance_current_nav_cmd; real SITL: MISSION_CURRENT 1 after landing)
    expect(v.currentSeq).toBe(1);
  });

  it('continues after landing with MIS_OPTIONS bit 2 when the next NAV item is a TAKEOFF (land-release delivery)', async () => {
    const emu = await startEmulator({ vehicles: [{ sysid: 1, home: HOME, params: { MIS_OPTIONS: 4 } }], speedup: 50, readyAfterS: 2 });
    cleanups.push(() => emu.stop());
    const gcs = await RawGcs.tcp(emu.vehicles[0]!.tcpPort);
    cleanups.push(() => gcs.close());
    await gcs.waitText(/using GPS/, 5000, 0);
    const v = emu.vehicles[0]!;
    await launch(gcs, landMission());
    await disarmed(v);
    expect(v.reached).toEqual([1, 2, 4, 5]);
    expect(v.releases[0]!.by).toBe('gripper');
    expect(distanceM(v.releases[0]!, { lat: offset(100, 0).x / 1e7, lon: HOME.lon })).toBeLessThan(2);
    expect(distanceM(v.position, HOME)).toBeLessThan(1);
  });
});

describe('fence', () => {
  function inclusionSquare(halfSide: number): MissionItem[] {
    const corners = [
      [-halfSide, -halfSide],
      [-halfSide, halfSide],
      [halfSide, halfSide],
      [halfSide, -halfSide],
    ] as const;
    return corners.map(([n, e], i) => item(i, 5001, { ...offset(n, e), param1: 4, missionType: 1, frame: 5 }));
  }

  it('a polygon breach switches to RTL ("Polygon fence breached"), then "Fence breach cleared", and it lands home', async () => {
    const { v, gcs } = await setup();
    expect(await gcs.upload(1, 1, inclusionSquare(150))).toBe(0);
    await gcs.setParam(1, 'FENCE_ENABLE', 1);
    await launch(gcs, referenceMission()); // flies 300 m north: out of the 150 m square
    await gcs.waitText(/Polygon fence breached/, 10_000, 0);
    expect(v.mode).toBe(6);
    await gcs.waitText(/Fence breach cleared/, 10_000, 0);
    await disarmed(v);
    expect(v.releases).toHaveLength(0);
    expect(distanceM(v.position, HOME)).toBeLessThan(1);
  });

  it('refuses to arm outside the fence when FENCE_ENABLE = 1', async () => {
    const { gcs } = await setup();
    const far = [
      [500, -50],
      [500, 50],
      [600, 50],
      [600, -50],
    ].map(([n, e], i) => item(i, 5001, { ...offset(n!, e!), param1: 4, missionType: 1 }));
    expect(await gcs.upload(1, 1, far)).toBe(0);
    await gcs.setParam(1, 'FENCE_ENABLE', 1);
    await gcs.command(1, 176, [1, 4]);
    expect((await gcs.command(1, 400, [1])).result).toBe(4);
    await gcs.waitText(/Arm: vehicle outside Polygon fence/, 1000, 0);
  });
});

describe('failsafes and RTL', () => {
  it('battery failure → "Battery 1 is critical" → LAND where it is (medidrop.parm battery thresholds)', async () => {
    const { emu, v, gcs } = await setup({ vehicles: [{ sysid: 1, home: HOME }] });
    await launch(gcs, referenceMission());
    await gcs.waitText(/Mission: 3 WP/, 10_000, 0);
    v.failBattery();
    await gcs.waitText(/Battery 1 is critical/, 5000, 0);
    expect(v.mode).toBe(9);
    const at = v.position;
    await disarmed(v);
    expect(distanceM(v.position, at)).toBeLessThan(15);
    expect(distanceM(v.position, HOME)).toBeGreaterThan(200);
    void emu;
  });

  it('GPS loss → EKF failsafe → LAND, drifting with the wind', async () => {
    const { v, gcs } = await setup({ wind: { speedMs: 5, fromDeg: 270 } });
    await launch(gcs, referenceMission());
    await gcs.waitText(/Mission: 2 WP/, 10_000, 0);
    v.loseGps();
    await gcs.waitText(/EKF Failsafe/, 5000, 0);
    expect(v.mode).toBe(9);
    const at = v.position;
    await disarmed(v);
    // blown east by a west wind while descending without a position estimate
    const drift = distanceM(at, v.position);
    expect(drift).toBeGreaterThan(20);
    expect(v.position.lon).toBeGreaterThan(at.lon);
  });

  it('RTL goes to the nearest rally point when it is nearer than home', async () => {
    const { v, gcs } = await setup();
    const rally = [item(0, 5100, { ...offset(320, 0), z: 25, missionType: 2 })];
    expect(await gcs.upload(1, 2, rally)).toBe(0);
    await launch(gcs, referenceMission());
    await gcs.waitText(/Mission: 3 WP/, 10_000, 0);
    expect((await gcs.command(1, 20, [])).result).toBe(0);
    await disarmed(v);
    expect(distanceM(v.position, { lat: offset(320, 0).x / 1e7, lon: offset(320, 0).y / 1e7 })).toBeLessThan(2);
  });

  it('a head wind slows the ground speed and costs battery', async () => {
    const calm = await setup();
    await launch(calm.gcs, referenceMission());
    await disarmed(calm.v);
    const windy = await setup({ wind: { speedMs: 12, fromDeg: 0 } });
    await launch(windy.gcs, referenceMission());
    await disarmed(windy.v);
    expect(windy.v.battery.consumedMah).toBeGreaterThan(calm.v.battery.consumedMah * 1.05);
    expect(distanceM(windy.v.releases[0]!, DROP)).toBeLessThan(3);
  });

  it('link drop: the mission flies on by default; with FS_GCS_ENABLE 1 the GCS failsafe sends it home', async () => {
    const quiet = await setup();
    quiet.gcs.startHeartbeats(20);
    await launch(quiet.gcs, referenceMission());
    await quiet.gcs.waitText(/Mission: 2 WP/, 10_000, 0);
    quiet.v.dropLink(20_000);
    await disarmed(quiet.v);
    expect(quiet.v.releases).toHaveLength(1);
    expect(quiet.v.statusTexts.map((s) => s.text)).not.toContain('GCS Failsafe');

    const guarded = await setup({ vehicles: [{ sysid: 1, home: HOME, params: { ...SITL_BATTERY, FS_GCS_ENABLE: 1 } }] });
    guarded.gcs.startHeartbeats(20);
    await launch(guarded.gcs, referenceMission());
    await guarded.gcs.waitText(/Mission: 2 WP/, 10_000, 0);
    guarded.v.dropLink(20_000);
    await disarmed(guarded.v);
    expect(guarded.v.statusTexts.map((s) => s.text)).toContain('GCS Failsafe');
    expect(guarded.v.releases).toHaveLength(0);
    expect(distanceM(guarded.v.position, HOME)).toBeLessThan(1);
  });
});
