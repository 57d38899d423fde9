/**
 * Cross-check of the bad-radio requirement against the independent mini vehicle (the full 10-seed
 * run is against the project's emulator in mavlink-emulator.test.ts): a 100-item mission, a
 * 20-vertex fence and rally points upload and verify through a link that loses 30 % of packets in
 * each direction (plus duplicates, reordering and jitter). Seeds run in parallel. The client runs
 * with the shipped retry policy (src/mavlink/retry.ts), the one the CLI and the service use; the
 * vehicle's own timers run at speedup 10 (it re-requests after 0.1 s and gives up after 0.8 s of
 * wall time), harsher than ArduPilot at real time.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/mavlink/connection.js';
import { compareItems } from '../../src/mavlink/compare.js';
import { startMiniVehicle, type MiniVehicle } from '../support/mini-vehicle.js';
import { startLinkProxy, type LinkProxy } from '../support/link-proxy.js';
import { makePlan } from '../support/mavlink-fixtures.js';

const SEEDS = [11, 12, 13, 14];
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});

const faults = { loss: 0.3, duplicate: 0.05, reorder: 0.05, delayMs: 2, jitterMs: 4 };

async function runSeed(seed: number) {
  const mv: MiniVehicle = await startMiniVehicle({ speedup: 10 });
  cleanups.push(() => mv.stop());
  const proxy: LinkProxy = await startLinkProxy({ target: { port: mv.port }, seed, toVehicle: faults, toClient: faults });
  cleanups.push(() => proxy.stop());
  const conn = await connect(`tcp://127.0.0.1:${proxy.port}`, { linkTimeoutMs: 5000, heartbeatIntervalMs: 200 });
  cleanups.push(() => conn.close());
  const v = await conn.waitForVehicle({ timeoutMs: 5000 });
  const plan = makePlan(100, 20, 5);
  const report = await v.uploadPlan(plan);
  return { seed, report, mv, plan, proxy };
}

describe('plan upload through a 30 % loss link', () => {
  it('uploads and verifies mission (100), fence (20) and rally (5) for every seed', async () => {
    const results = await Promise.all(SEEDS.map(runSeed));
    for (const { seed, report, mv, plan, proxy } of results) {
      expect({ seed, ok: report.ok, message: report.message }).toEqual({ seed, ok: true, message: undefined });
      expect(report.uploaded).toEqual({ mission: 100, fence: 20, rally: 5 });
      // what the vehicle holds is what was planned (as ArduPilot stores it)
      expect(compareItems(0, plan.mission, mv.readback(0))).toEqual([]);
      expect(compareItems(1, plan.fence, mv.readback(1))).toEqual([]);
      expect(compareItems(2, plan.rally, mv.readback(2))).toEqual([]);
      expect(mv.params.get('FENCE_ENABLE')).toBe(1);
      // the link really was bad
      expect(proxy.stats.toVehicle.dropped / proxy.stats.toVehicle.packets).toBeGreaterThan(0.2);
      expect(proxy.stats.toClient.dropped / proxy.stats.toClient.packets).toBeGreaterThan(0.2);
    }
  }, 60_000);
});
