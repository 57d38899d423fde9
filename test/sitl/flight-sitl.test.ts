/**
 * The emulator-tier delivery scenarios, flown against real ArduPilot SITL. Runs only when
 * ARDUPILOT_SITL_BIN points at an `arducopter` SITL binary (and ARDUPILOT_COPTER_DEFAULTS at
 * ArduPilot's copter.parm, unless it sits next to the binary); see .github/workflows/sitl.yml.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from '../../src/mavlink/connection.js';
import type { MavlinkConnection } from '../../src/mavlink/types.js';
import { runFlight } from '../../src/fleet/flight-runner.js';
import type { VehiclePlan } from '../../src/missions/types.js';
import { findSitlBinary } from '../../sim/sitl/harness.js';
import { distanceM, exampleMap, fly, homeOf, plan, sitlBackend, tightInclusionFence, type BackendRun } from '../integration/flight-scenarios.js';

const bin = process.env.ARDUPILOT_SITL_BIN ? findSitlBinary() : undefined;
if (!bin) {
  console.log(
    'SITL tier skipped: set ARDUPILOT_SITL_BIN to an ArduCopter SITL binary (and ARDUPILOT_COPTER_DEFAULTS to copter.parm) to fly these against ArduPilot — see README "SITL tier"',
  );
}

const SPEEDUP = Number(process.env.MEDIDROP_SITL_SPEEDUP ?? 10);
const FLIGHT_MS = Math.max(120_000, 1_500_000 / SPEEDUP);
const backend = sitlBackend(SPEEDUP);

const cleanups: ((failed: boolean) => Promise<void>)[] = [];
let failed = false;
afterEach(async (ctx) => {
  failed = ctx.task.result?.state === 'fail';
  for (const c of cleanups.splice(0).reverse()) await c(failed);
});

async function start(homes: Parameters<typeof backend>[0]): Promise<BackendRun> {
  const run = await backend(homes);
  cleanups.push((f) => run.stop(f));
  return run;
}

describe.skipIf(!bin)('delivery flights on ArduPilot SITL', () => {
  it('delivers to a courtyard in the county town and lands back at the depot', { timeout: FLIGHT_MS + 120_000 }, async () => {
    const p = plan(exampleMap('county-town'), 'Chengzhong Police Station 城中派出所', 'Jinxiu Garden courtyard 锦绣花园中心庭院');
    const run = await start([homeOf(p)]);
    const f = await fly(run.urls[0]!, run.sysids[0]!, p, FLIGHT_MS);
    cleanups.push(() => f.connection.close());
    expect(f.outcome.reason).toBeNull();
    expect(f.outcome.ok).toBe(true);
    expect(f.outcome.delivery.delivered).toBe(true);
    expect(f.outcome.delivery.release!.distanceM).toBeLessThan(3);
    expect(f.last).toBeDefined();
    expect(distanceM(f.last!, p.vehiclePlan!.home)).toBeLessThan(3);
  });

  it('flies two deliveries from two SITL instances at the same time', { timeout: FLIGHT_MS + 180_000 }, async () => {
    const map = exampleMap('city-district');
    const a = plan(map, 'Xiaodian Police Station 小店派出所', 'Changfeng Residence courtyard 长风小区中心庭院');
    const b = plan(map, 'Wucheng Street Police Station 坞城街派出所', 'Pingyang Jingyuan courtyard 平阳景苑中心庭院');
    const run = await start([homeOf(a), homeOf(b)]);
    const [fa, fb] = await Promise.all([fly(run.urls[0]!, run.sysids[0]!, a, FLIGHT_MS), fly(run.urls[1]!, run.sysids[1]!, b, FLIGHT_MS)]);
    cleanups.push(
      () => fa.connection.close(),
      () => fb.connection.close(),
    );
    expect([fa.outcome.ok, fb.outcome.ok]).toEqual([true, true]);
    expect(distanceM(fa.last!, a.vehiclePlan!.home)).toBeLessThan(3);
    expect(distanceM(fb.last!, b.vehiclePlan!.home)).toBeLessThan(3);
  });

  it('a fence breach switches the drone to RTL and it lands at the depot, not delivered', { timeout: FLIGHT_MS + 120_000 }, async () => {
    const p = plan(exampleMap('county-town'), 'Chengzhong Police Station 城中派出所', 'Jinxiu Garden courtyard 锦绣花园中心庭院');
    const tight: VehiclePlan = { ...p.vehiclePlan!, fence: tightInclusionFence(p.vehiclePlan!.home, 60) };
    const run = await start([homeOf(p)]);
    const f = await fly(run.urls[0]!, run.sysids[0]!, { ...p, vehiclePlan: tight }, FLIGHT_MS);
    cleanups.push(() => f.connection.close());
    const texts = f.events.filter((e) => e.type === 'statustext').map((e) => (e as { text: string }).text);
    expect(texts.some((t) => /Polygon fence breached/i.test(t))).toBe(true);
    expect(f.events.some((e) => e.type === 'heartbeat' && e.customMode === 6)).toBe(true);
    expect(f.outcome.ok).toBe(false);
    expect(f.outcome.delivery.delivered).toBe(false);
    expect(distanceM(f.last!, p.vehiclePlan!.home)).toBeLessThan(3);
  });

  it('a fence the autopilot rejects fails the upload and leaves no mission or fence behind', { timeout: 180_000 }, async () => {
    const p = plan(exampleMap('county-town'), 'Chengzhong Police Station 城中派出所', 'Jinxiu Garden courtyard 锦绣花园中心庭院');
    const bad: VehiclePlan = {
      ...p.vehiclePlan!,
      fence: tightInclusionFence(p.vehiclePlan!.home, 200)
        .slice(0, 2)
        .map((i) => ({ ...i, param1: 2 })),
    };
    const run = await start([homeOf(p)]);
    const connection: MavlinkConnection = await connect(run.urls[0]!);
    cleanups.push(() => connection.close());
    const vehicle = await connection.waitForVehicle({ sysid: run.sysids[0]!, timeoutMs: 30_000 });
    const outcome = await runFlight({ vehicle, plan: bad, deliveryPlan: p, readyTimeoutMs: 120_000 });
    expect(outcome.ok).toBe(false);
    expect(outcome.status).toBe('failed');
    expect(vehicle.armed).toBe(false);
    const mission = await vehicle.downloadItems(0);
    const fence = await vehicle.downloadItems(1);
    expect(mission.ok && mission.value.length <= 1).toBe(true);
    expect(fence.ok && fence.value.length === 0).toBe(true);
    expect(await vehicle.getParam('FENCE_ENABLE')).toBe(0);
  });
});
