/**
 * The emulator displays pre-arm failures on its own, as ArduCopter's AP_Arming::update does (a 1 Hz task:
 * failures shown every 30 s from boot, or within 4 s when the checks have just started failing). Real
 * SITL, rebooted with FENCE_ENABLE 1, says 'PreArm: Fence enabled, need position estimate' at 30 s,
 * before 'EKF3 IMU0 is using GPS' at about 42 s (proven by test/sitl/differential.test.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator } from '../../sim/emulator/index.js';
import { connect } from '../../src/mavlink/connection.js';
import { HOME } from '../support/mavlink-fixtures.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});

async function bootTexts(params: Record<string, number>): Promise<string[]> {
  const emu = await startEmulator({ vehicles: [{ sysid: 1, home: HOME, params }], speedup: 50, readyAfterS: 42 });
  cleanups.push(() => emu.stop());
  const conn = await connect(`tcp://127.0.0.1:${emu.vehicles[0]!.tcpPort}`);
  cleanups.push(() => conn.close());
  const texts: string[] = [];
  const v = await conn.waitForVehicle({ timeoutMs: 10_000 });
  await new Promise<void>((resolve) => {
    v.onEvent((e) => {
      if (e.type !== 'statustext') return;
      texts.push(e.text);
      if (e.text === 'EKF3 IMU0 is using GPS') resolve();
    });
  });
  return texts;
}

describe('pre-arm failures displayed every 30 s (AP_Arming::update)', () => {
  it('with the fence enabled at boot: one "Fence enabled, need position estimate" at 30 s, before the EKF uses GPS', async () => {
    const texts = await bootTexts({ FENCE_ENABLE: 1, FENCE_TYPE: 5 });
    expect(texts.filter((t) => t.startsWith('PreArm:'))).toEqual(['PreArm: Fence enabled, need position estimate']);
    expect(texts.indexOf('PreArm: Fence enabled, need position estimate')).toBeGreaterThan(texts.indexOf('EKF3 IMU0 origin set'));
  });

  it('with the fence off: nothing fails at 30 s in STABILIZE, nothing is displayed', async () => {
    const texts = await bootTexts({ FENCE_ENABLE: 0 });
    expect(texts.filter((t) => t.startsWith('PreArm:'))).toEqual([]);
  });

  it('a PWM winch without an output (no SERVOn_FUNCTION 88) refuses arming: "Arm: winch unhealthy"; with one it arms', async () => {
    for (const [params, armed] of [
      [{ WINCH_TYPE: 1 }, false],
      [{ WINCH_TYPE: 1, SERVO9_FUNCTION: 88 }, true],
    ] as const) {
      const emu = await startEmulator({ vehicles: [{ sysid: 1, home: HOME, params }], speedup: 50, readyAfterS: 2 });
      cleanups.push(() => emu.stop());
      const conn = await connect(`tcp://127.0.0.1:${emu.vehicles[0]!.tcpPort}`);
      cleanups.push(() => conn.close());
      const v = await conn.waitForVehicle({ timeoutMs: 10_000 });
      await v.requestTelemetry(10);
      await v.waitReadyToArm({ timeoutMs: 10_000 });
      expect((await v.setMode(4)).ok).toBe(true);
      const r = await v.arm();
      expect(r.ok).toBe(armed);
      if (!armed) expect(r.reason).toBe('Arm: winch unhealthy');
    }
  });
});
