/**
 * The emulator latches the fence like ArduCopter 4.5+ (libraries/AC_Fence/AC_Fence.cpp: AC_Fence::update
 * copies FENCE_TYPE into the active mask only when FENCE_ENABLE changes), and medidrop's plan upload
 * copes with it: a polygon fence the plan needs is enforced even when the fence was already on.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator } from '../../sim/emulator/index.js';
import { connect } from '../../src/mavlink/connection.js';
import { HOME, makeFence, makeMission, makeRally } from '../support/mavlink-fixtures.js';
import type { VehiclePlan } from '../../src/missions/types.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});

// An inclusion polygon ~5 km north of home: the vehicle at home is outside it.
const farFence = makeFence(5, { ...HOME, lat: HOME.lat + 0.05 });

function plan(params: Record<string, number>): VehiclePlan {
  return {
    mission: makeMission(6),
    fence: farFence,
    rally: makeRally(1),
    params,
    home: HOME,
    delivery: { lat: HOME.lat, lon: HOME.lon, seq: 4, method: 'payload-place' },
  };
}

describe('fence latch (ArduCopter 4.5+ AC_Fence::update)', () => {
  it('FENCE_TYPE written while the fence is on adds no polygon; uploadPlan cycles FENCE_ENABLE so it does', async () => {
    const emu = await startEmulator({
      vehicles: [{ sysid: 1, home: HOME, params: { FENCE_ENABLE: 1, FENCE_TYPE: 1 } }],
      speedup: 20,
      readyAfterS: 2,
    });
    cleanups.push(() => emu.stop());
    const conn = await connect(`tcp://127.0.0.1:${emu.vehicles[0]!.tcpPort}`, { linkTimeoutMs: 1000 });
    cleanups.push(() => conn.close());
    const v = await conn.waitForVehicle({ timeoutMs: 5000 });
    await v.requestTelemetry(10);
    await v.waitReadyToArm({ timeoutMs: 10_000 });

    // Only FENCE_TYPE changes (FENCE_ENABLE stays 1): ArduCopter keeps the old mask (max altitude only).
    expect((await v.uploadPlan(plan({ FENCE_TYPE: 5 }))).ok).toBe(true);
    expect(emu.vehicles[0]!.param('FENCE_TYPE')).toBe(5);
    expect((await v.setMode(4)).ok).toBe(true);
    expect((await v.arm()).ok).toBe(true); // outside the polygon, yet armed: the polygon is not active
    expect((await v.disarm(true)).ok).toBe(true);

    // medidrop's upload with FENCE_ENABLE 1: off first, on last → the polygon is latched and enforced.
    expect((await v.uploadPlan(plan({ FENCE_TYPE: 5, FENCE_ENABLE: 1 }))).ok).toBe(true);
    const refused = await v.arm();
    expect(refused.ok).toBe(false);
    expect(refused.reason ?? '').toMatch(/fence/i);
  });
});
