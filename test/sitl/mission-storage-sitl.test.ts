/**
 * ArduPilot SITL itself against the literal storage cases (test/support/ap-storage-cases.ts) that
 * the emulator's table and the client's read-back check are held to: each item's MISSION_ACK, its
 * read-back field by field, the fence STATUSTEXTs and the legacy MISSION_ITEM conversion. Runs
 * only when ARDUPILOT_SITL_BIN points at an `arducopter` SITL binary; see .github/workflows/sitl.yml.
 * Not uploaded here because each kills SITL with a floating-point exception: a float outside int32
 * stored into an integer field (waypoint param1 1e10) and a NaN rally altitude.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { findSitlBinary, startSitl, type SitlInstance } from '../../sim/sitl/harness.js';
import { RawGcs, HOME } from '../integration/emulator-raw-gcs.js';
import { storageDifferences } from '../support/ap-storage-check.js';

const bin = process.env.ARDUPILOT_SITL_BIN ? findSitlBinary() : undefined;
const SPEEDUP = Number(process.env.MEDIDROP_SITL_SPEEDUP ?? 10);

let sitl: SitlInstance | undefined;
let gcs: RawGcs | undefined;
afterEach(async (ctx) => {
  gcs?.close();
  await sitl?.stop({ failed: ctx.task.result?.state === 'fail' });
});

describe.skipIf(!bin)('mission storage on ArduPilot SITL', () => {
  it('every literal case: MISSION_ACK, read-back, STATUSTEXTs, legacy MISSION_ITEM', { timeout: 300_000 }, async () => {
    sitl = await startSitl({ home: HOME, speedup: SPEEDUP });
    gcs = await RawGcs.tcp(sitl.port, 255, 190);
    gcs.startHeartbeats(500);
    expect(await storageDifferences(gcs, sitl.sysid)).toEqual([]);
  });
});
