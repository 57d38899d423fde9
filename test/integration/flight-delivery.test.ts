/**
 * Whole deliveries on the emulator, flown by medidrop itself: plan on an example map → upload mission,
 * fence and rally → verify by read-back → arm → start → follow until landed. Checked as a pilot would:
 * parcel released within 3 m of the drop point, the drone landed back at its depot.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { distanceM, emulatorBackend, exampleMap, fly, homeOf, plan, type BackendRun } from './flight-scenarios.js';
import type { MavlinkConnection } from '../../src/mavlink/types.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function backend(homes: Parameters<typeof emulatorBackend>[0], params?: Record<string, number>): Promise<BackendRun> {
  const run = await emulatorBackend(homes, { params });
  cleanups.push(() => run.stop());
  return run;
}

describe('delivery flights on the emulator', () => {
  it('delivers to a courtyard in the county town and lands back at the depot', async () => {
    const p = plan(exampleMap('county-town'), 'Chengzhong Police Station 城中派出所', 'Jinxiu Garden courtyard 锦绣花园中心庭院');
    const run = await backend([homeOf(p)]);
    const f = await fly(run.urls[0]!, run.sysids[0]!, p, 60_000);
    cleanups.push(() => (f.connection as MavlinkConnection).close());
    const v = run.vehicles![0]!;
    expect(f.outcome.reason).toBeNull();
    expect(f.outcome.ok).toBe(true);
    expect(f.outcome.status).toBe('completed');
    // the vehicle's own record: released once, at the drop point, on the ground there
    expect(v.releases).toHaveLength(1);
    expect(distanceM(v.releases[0]!, p.vehiclePlan!.delivery)).toBeLessThan(3);
    // back at the depot, landed and disarmed
    expect(distanceM(v.position, p.vehiclePlan!.home)).toBeLessThan(3);
    expect(v.landed).toBe(true);
    expect(v.armed).toBe(false);
    // what medidrop saw agrees
    expect(f.outcome.delivery.delivered).toBe(true);
    expect(f.outcome.delivery.release!.distanceM).toBeLessThan(3);
    // the fence and rally points of the plan are on the vehicle, the fence enabled
    expect(v.fence.length).toBe(p.vehiclePlan!.fence.length);
    expect(v.rally.length).toBe(p.vehiclePlan!.rally.length);
  });
});
