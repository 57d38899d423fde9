/**
 * Whole deliveries on the emulator, flown by medidrop itself: plan on an example map → upload mission,
 * fence and rally → verify by read-back → arm → start → follow until landed. Checked as a pilot would:
 * parcel released within 3 m of the drop point, the drone landed back at its depot.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { distanceM, emulatorBackend, exampleMap, fly, homeOf, plan, roofSurfaces, type BackendRun } from './flight-scenarios.js';
import type { Surface } from '../../sim/emulator/index.js';
import type { MavlinkConnection } from '../../src/mavlink/types.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function backend(homes: Parameters<typeof emulatorBackend>[0], surfaces?: Surface[]): Promise<BackendRun> {
  const run = await emulatorBackend(homes, { surfaces });
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

  it('places the parcel on a rooftop: touches down on the roof, releases there, lands back at the depot', async () => {
    const map = exampleMap('county-town');
    const p = plan(map, 'Chengzhong Police Station 城中派出所', 'Jinxiu Garden Building 5 rooftop 锦绣花园5号楼楼顶');
    const home = homeOf(p);
    const run = await backend([home], roofSurfaces(map, home.altM));
    const f = await fly(run.urls[0]!, run.sysids[0]!, p, 60_000);
    cleanups.push(() => (f.connection as MavlinkConnection).close());
    const v = run.vehicles![0]!;
    expect(f.outcome.ok).toBe(true);
    const roof = map.dropPoints.find((d) => d.name.startsWith('Jinxiu Garden Building 5'))!;
    expect(v.releases).toHaveLength(1);
    expect(distanceM(v.releases[0]!, p.vehiclePlan!.delivery)).toBeLessThan(3);
    expect(v.releases[0]!.relAltM).toBeCloseTo(roof.heightM, 0);
    expect(distanceM(v.position, p.vehiclePlan!.home)).toBeLessThan(3);
  });

  it('without the roof (flat ground) the payload place stops at its maximum descent and releases nothing', async () => {
    const map = exampleMap('county-town');
    const p = plan(map, 'Chengzhong Police Station 城中派出所', 'Jinxiu Garden Building 5 rooftop 锦绣花园5号楼楼顶');
    const run = await backend([homeOf(p)]);
    const f = await fly(run.urls[0]!, run.sysids[0]!, p, 60_000);
    cleanups.push(() => (f.connection as MavlinkConnection).close());
    const v = run.vehicles![0]!;
    expect(v.statusTexts.map((s) => s.text)).toContain('PayloadPlace: Reached maximum descent');
    expect(v.releases).toHaveLength(0);
    expect(f.outcome.ok).toBe(false);
    expect(f.outcome.delivery.delivered).toBe(false);
  });
});

describe('winch delivery on the emulator', () => {
  const p = () =>
    plan(
      exampleMap('city-district'),
      'Qinxian Community Health Centre 亲贤社区卫生服务中心',
      'Binhe Road elderly residence 滨河路老年公寓',
      'police-hexa-winch',
    );

  it('lowers the parcel on the line to the ground before the gripper opens (WINCH_TYPE set)', async () => {
    const plan = p();
    const run = await emulatorBackend([homeOf(plan)], { params: { WINCH_TYPE: 1, SERVO9_FUNCTION: 88 }, speedup: 80 });
    cleanups.push(() => run.stop());
    const f = await fly(run.urls[0]!, run.sysids[0]!, plan, 90_000);
    cleanups.push(() => (f.connection as MavlinkConnection).close());
    const v = run.vehicles![0]!;
    expect(f.outcome.ok).toBe(true);
    const rel = v.releases[0]!;
    expect(rel.by).toBe('gripper');
    expect(distanceM(rel, plan.vehiclePlan!.delivery)).toBeLessThan(3);
    expect(rel.lineOutM).toBeGreaterThan(15);
    expect(rel.payloadRelAltM).toBeLessThan(0.5);
    expect(v.winch.lengthM).toBeLessThan(0.5); // wound back in before leaving
  });

  it('on a drone without a winch (WINCH_TYPE 0, ArduCopter default) the flight fails after upload, before arming, saying why', async () => {
    const plan = p();
    const run = await emulatorBackend([homeOf(plan)], { speedup: 80 });
    cleanups.push(() => run.stop());
    const f = await fly(run.urls[0]!, run.sysids[0]!, plan, 90_000);
    cleanups.push(() => (f.connection as MavlinkConnection).close());
    const v = run.vehicles![0]!;
    expect(f.outcome.status).toBe('failed');
    expect(f.outcome.ok).toBe(false);
    expect(f.outcome.reason).toBe(
      'vehicle configuration check failed: the vehicle has no winch configured (WINCH_TYPE = 0): ArduCopter would ignore DO_WINCH and the gripper would drop the parcel from 20 m',
    );
    expect(f.outcome.alerts.map((a) => a.kind)).toEqual(['vehicle-config']);
    expect(f.outcome.transitions.map((t) => t.to)).toEqual(['uploading', 'uploaded', 'failed']);
    // the plan was uploaded and verified, then nothing more: never armed, never took off, nothing released
    expect(v.mission.length).toBe(plan.vehiclePlan!.mission.length);
    expect(v.statusTexts.map((s) => s.text)).not.toContain('Arming motors');
    expect(f.events.some((e) => e.type === 'heartbeat' && e.armed)).toBe(false);
    expect(v.armed).toBe(false);
    expect(v.landed).toBe(true);
    expect(v.releases).toEqual([]);
    expect(distanceM(v.position, plan.vehiclePlan!.home)).toBeLessThan(3);
  });
});
