/**
 * Emulator flights beyond the happy path: two drones at once, a fence breach that ends in RTL, and
 * rejected uploads that must leave nothing half-done on the vehicle.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { distanceM, emulatorBackend, exampleMap, fly, homeOf, plan, tightInclusionFence } from './flight-scenarios.js';
import { connect } from '../../src/mavlink/connection.js';
import type { MavlinkConnection } from '../../src/mavlink/types.js';
import { runFlight } from '../../src/fleet/flight-runner.js';
import type { VehiclePlan } from '../../src/missions/types.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('emulator flights: several vehicles and failures', () => {
  it('flies two deliveries from two depots at the same time', async () => {
    const map = exampleMap('city-district');
    const a = plan(map, 'Xiaodian Police Station 小店派出所', 'Changfeng Residence courtyard 长风小区中心庭院');
    const b = plan(map, 'Wucheng Street Police Station 坞城街派出所', 'Pingyang Jingyuan courtyard 平阳景苑中心庭院');
    const run = await emulatorBackend([homeOf(a), homeOf(b)]);
    cleanups.push(() => run.stop());
    const [fa, fb] = await Promise.all([fly(run.urls[0]!, 1, a, 90_000), fly(run.urls[1]!, 2, b, 90_000)]);
    cleanups.push(
      () => fa.connection.close(),
      () => fb.connection.close(),
    );
    expect([fa.outcome.ok, fb.outcome.ok]).toEqual([true, true]);
    const [va, vb] = run.vehicles!;
    expect(distanceM(va!.releases[0]!, a.vehiclePlan!.delivery)).toBeLessThan(3);
    expect(distanceM(vb!.releases[0]!, b.vehiclePlan!.delivery)).toBeLessThan(3);
    expect(distanceM(va!.position, a.vehiclePlan!.home)).toBeLessThan(3);
    expect(distanceM(vb!.position, b.vehiclePlan!.home)).toBeLessThan(3);
  });

  it('a fence breach switches the drone to RTL; it lands at the depot and the flight is not counted delivered', async () => {
    const p = plan(exampleMap('county-town'), 'Chengzhong Police Station 城中派出所', 'Jinxiu Garden courtyard 锦绣花园中心庭院');
    const tight: VehiclePlan = { ...p.vehiclePlan!, fence: tightInclusionFence(p.vehiclePlan!.home, 60) };
    const run = await emulatorBackend([homeOf(p)]);
    cleanups.push(() => run.stop());
    const f = await fly(run.urls[0]!, 1, { ...p, vehiclePlan: tight }, 60_000);
    cleanups.push(() => f.connection.close());
    const v = run.vehicles![0]!;
    const texts = v.statusTexts.map((s) => s.text);
    expect(texts).toContain('Polygon fence breached');
    expect(texts).toContain('Fence breach cleared');
    expect(f.events.some((e) => e.type === 'heartbeat' && e.customMode === 6)).toBe(true);
    expect(v.releases).toHaveLength(0);
    expect(distanceM(v.position, p.vehiclePlan!.home)).toBeLessThan(3);
    expect(v.armed).toBe(false);
    expect(f.outcome.ok).toBe(false);
    expect(f.outcome.delivery.delivered).toBe(false);
    expect(f.outcome.reason ?? '').not.toBe('');
  });

  it('a fence the autopilot rejects (2-vertex polygon) fails the upload and leaves no mission, fence or rally behind', async () => {
    const p = plan(exampleMap('county-town'), 'Chengzhong Police Station 城中派出所', 'Jinxiu Garden courtyard 锦绣花园中心庭院');
    const bad: VehiclePlan = {
      ...p.vehiclePlan!,
      fence: tightInclusionFence(p.vehiclePlan!.home, 200)
        .slice(0, 2)
        .map((i) => ({ ...i, param1: 2 })),
    };
    const run = await emulatorBackend([homeOf(p)]);
    cleanups.push(() => run.stop());
    const connection: MavlinkConnection = await connect(run.urls[0]!);
    cleanups.push(() => connection.close());
    const vehicle = await connection.waitForVehicle({ sysid: 1, timeoutMs: 10_000 });
    const outcome = await runFlight({ vehicle, plan: bad, deliveryPlan: p, readyTimeoutMs: 30_000 });
    const v = run.vehicles![0]!;
    expect(outcome.ok).toBe(false);
    expect(outcome.status).toBe('failed');
    expect(outcome.reason ?? '').toMatch(/fence|vertex|upload/i);
    expect(v.armed).toBe(false);
    expect(v.statusTexts.map((s) => s.text)).toContain('Invalid vertex count (2)');
    expect(v.mission.length).toBeLessThanOrEqual(1);
    expect(v.fence).toHaveLength(0);
    expect(v.rally).toHaveLength(0);
    expect(v.param('FENCE_ENABLE')).toBe(0);
  });

  it('a mission item the autopilot rejects mid-upload does not leave the mixed mission it creates', async () => {
    const p = plan(exampleMap('county-town'), 'Chengzhong Police Station 城中派出所', 'Jinxiu Garden courtyard 锦绣花园中心庭院');
    const run = await emulatorBackend([homeOf(p)]);
    cleanups.push(() => run.stop());
    const connection: MavlinkConnection = await connect(run.urls[0]!);
    cleanups.push(() => connection.close());
    const vehicle = await connection.waitForVehicle({ sysid: 1, timeoutMs: 10_000 });
    // first a good upload, then one whose item 3 is a command ArduCopter does not know
    const good = await vehicle.uploadPlan(p.vehiclePlan!);
    expect(good.ok).toBe(true);
    const mission = p.vehiclePlan!.mission.map((i) => (i.seq === 3 ? { ...i, command: 31337 } : i));
    const report = await vehicle.uploadPlan({ ...p.vehiclePlan!, mission });
    expect(report.ok).toBe(false);
    expect(report.error).toBe('unsupported');
    const v = run.vehicles![0]!;
    // never the ArduPilot-mixed state (new items before 3, old after): cleared
    expect(v.mission.length).toBeLessThanOrEqual(1);
    expect(v.armed).toBe(false);
  });
});
