/**
 * The emulator, over MAVLink, stores, refuses and returns mission, fence and rally items exactly as
 * ArduCopter does (the literal cases of test/support/ap-storage-cases.ts, which
 * test/sitl/mission-storage-sitl.test.ts checks against ArduPilot SITL itself).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator } from '../../sim/emulator/index.js';
import { RawGcs, HOME } from './emulator-raw-gcs.js';
import { storageDifferences } from '../support/ap-storage-check.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('mission storage as ArduCopter does it', () => {
  it('every literal case: MISSION_ACK, read-back, STATUSTEXTs, legacy MISSION_ITEM', { timeout: 120_000 }, async () => {
    const emu = await startEmulator({ vehicles: [{ sysid: 1, home: HOME }], speedup: 20, readyAfterS: 2 });
    cleanups.push(() => emu.stop());
    const gcs = await RawGcs.tcp(emu.vehicles[0]!.tcpPort);
    cleanups.push(() => gcs.close());
    gcs.startHeartbeats(200);
    await gcs.heartbeat();
    expect(await storageDifferences(gcs, 1)).toEqual([]);
  });
});
