import { afterEach, describe, expect, it } from 'vitest';
import { connect } from '../../src/mavlink/connection.js';
import type { MavlinkConnection, VehicleLink } from '../../src/mavlink/types.js';
import { startMiniVehicle, type MiniVehicle } from '../support/mini-vehicle.js';
import { makeFence, makeMission, makePlan, makeRally } from '../support/mavlink-fixtures.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});

async function setup(speedup = 10): Promise<{ mv: MiniVehicle; conn: MavlinkConnection; v: VehicleLink }> {
  const mv = await startMiniVehicle({ speedup });
  cleanups.push(() => mv.stop());
  const conn = await connect(`tcp://127.0.0.1:${mv.port}`, { linkTimeoutMs: 1000 });
  cleanups.push(() => conn.close());
  const v = await conn.waitForVehicle({ timeoutMs: 3000 });
  return { mv, conn, v };
}

describe('mission transfer against an ArduPilot-like peer', () => {
  it('uploads 100 items (answering MISSION_REQUEST #40) and downloads them back as ArduPilot returns them', async () => {
    const { mv, v } = await setup();
    const items = makeMission(100);
    const progress: number[] = [];
    const up = await v.uploadItems(0, items, { onProgress: (p) => progress.push(p.done) });
    expect(up).toEqual({ ok: true, value: undefined });
    expect(mv.stored[0]).toHaveLength(100);
    expect(mv.received.filter((m) => m.name === 'MISSION_ITEM_INT')).toHaveLength(100);
    expect(progress.at(-1)).toBe(100);
    const down = await v.downloadItems(0);
    expect(down.ok).toBe(true);
    if (!down.ok) return;
    expect(down.value).toHaveLength(100);
    expect(down.value[0]!.x).toBe(Math.round(mv.home.lat * 1e7)); // home replaced
    expect(down.value[5]!.frame).toBe(3); // 6 comes back as 3
    expect(down.value[5]!.x).toBe(items[5]!.x);
  });

  it('uploads, verifies and clears fence and rally', async () => {
    const { mv, v } = await setup();
    expect(await v.uploadItems(1, makeFence(20))).toMatchObject({ ok: true });
    expect(await v.uploadItems(2, makeRally(5))).toMatchObject({ ok: true });
    expect(mv.stored[1]).toHaveLength(20);
    expect(mv.stored[2]).toHaveLength(5);
    expect(await v.clearItems(1)).toMatchObject({ ok: true });
    expect(mv.stored[1]).toHaveLength(0);
    const back = await v.downloadItems(2);
    expect(back.ok && back.value.map((i) => i.command)).toEqual([5100, 5100, 5100, 5100, 5100]);
  });

  it('reports NO_SPACE for more than 650 mission items as a typed error', async () => {
    const { v } = await setup();
    const r = await v.uploadItems(0, makeMission(651));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toBe('no-space');
    expect(r.ackType).toBe(4);
    expect(r.message).toMatch(/too large.*NO_SPACE.*Only 650 items/);
  });

  it('reports a fence the vehicle refuses (2-vertex polygon) with its reason', async () => {
    const { mv, v } = await setup();
    const r = await v.uploadItems(1, makeFence(2));
    expect(r).toMatchObject({ ok: false, error: 'error' });
    if (!r.ok) expect(r.message).toMatch(/Invalid vertex count \(2\)/);
    expect(mv.stored[1]).toHaveLength(0);
  });

  it('rejects a badly numbered item list before sending anything', async () => {
    const { mv, v } = await setup();
    const items = makeMission(5);
    items[3] = { ...items[3]!, seq: 7 };
    const r = await v.uploadItems(0, items);
    expect(r).toMatchObject({ ok: false, error: 'invalid' });
    if (!r.ok) expect(r.message).toMatch(/mission item 3: seq is 7, expected 3.*nothing was sent/);
    expect(mv.received.some((m) => m.name === 'MISSION_COUNT')).toBe(false);
  });

  it('a vehicle that stops answering mid-upload gives a clear timeout, never success', async () => {
    const { mv, v } = await setup();
    mv.knobs.silentAfterItem = 40;
    // the caller's own deadline (the CLI's --timeout): each step is given up on after 1 s, not 20
    const r = await v.uploadItems(0, makeMission(100), { retry: { deadlineMs: 1000 }, attempts: 2 });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toBe('timeout');
    expect(r.message).toMatch(
      /mission upload timed out: (the vehicle stopped asking for mission items after item 40 of 100|no request for the first mission item)/,
    );
    // the step gave up at its deadline (the whole schedule on simulated time: mavlink-transfer unit test)
    expect(r.message).toMatch(/\(\d+ tries in 1\.0 s\) \(after 2 attempts\)$/);
  });

  it('uploadPlan sets fence parameters, uploads and verifies all three parts', async () => {
    const { mv, v } = await setup();
    const phases = new Set<string>();
    const report = await v.uploadPlan(makePlan(12, 8, 3), { onProgress: (p) => phases.add(p.phase) });
    expect(report).toMatchObject({ ok: true, uploaded: { mission: 12, fence: 8, rally: 3 } });
    expect(report.paramsSet).toEqual({ FENCE_TYPE: 5, FENCE_ACTION: 1, FENCE_ALT_MAX: 120, FENCE_ENABLE: 1 });
    expect(mv.params.get('FENCE_ENABLE')).toBe(1);
    expect([...phases].sort()).toEqual(['params', 'upload', 'verify']);
  });

  it('uploadPlan clears what it wrote and restores parameters when a part is refused', async () => {
    const { mv, v } = await setup();
    const plan = makePlan(12, 8, 3);
    plan.rally[1] = { ...plan.rally[1]!, command: 16 }; // not a rally point: UNSUPPORTED
    const report = await v.uploadPlan(plan);
    expect(report.ok).toBe(false);
    expect(report.error).toBe('unsupported');
    expect(report.message).toMatch(/cleared mission, fence, rally on the vehicle; restored FENCE_TYPE, FENCE_ALT_MAX/);
    expect(mv.stored[0]).toHaveLength(0);
    expect(mv.stored[1]).toHaveLength(0);
    expect(mv.params.get('FENCE_TYPE')).toBe(7);
    expect(mv.params.get('FENCE_ENABLE')).toBe(0);
  });
});
