/**
 * The MAVLink client against the project's ArduCopter emulator (sim/emulator): the same code path
 * the SITL tier uses. Plan upload + verify, a delivery start, several vehicles on one UDP link,
 * link loss, a vehicle that stops answering, and the 30 % loss requirement (10 seeds, in parallel).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../sim/emulator/index.js';
import { connect, type ConnectOptionsExt } from '../../src/mavlink/connection.js';
import { compareItems } from '../../src/mavlink/compare.js';
import type { VehicleEvent } from '../../src/mavlink/telemetry.js';
import type { UdpTransport } from '../../src/mavlink/transports.js';
import { startLinkProxy } from '../support/link-proxy.js';
import { HOME, makeFence, makeMission, makePlan } from '../support/mavlink-fixtures.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});

async function emulator(opts: { speedup?: number; readyAfterS?: number; vehicles?: number; udpOut?: { host: string; port: number } } = {}): Promise<Emulator> {
  const emu = await startEmulator({
    vehicles: Array.from({ length: opts.vehicles ?? 1 }, (_, i) => ({ sysid: i + 1, home: { lat: HOME.lat + i * 0.001, lon: HOME.lon, altM: HOME.altM } })),
    speedup: opts.speedup ?? 20,
    readyAfterS: opts.readyAfterS ?? 2,
    ...(opts.udpOut ? { udpOut: opts.udpOut } : {}),
  });
  cleanups.push(() => emu.stop());
  return emu;
}

async function link(port: number, o: ConnectOptionsExt = {}) {
  const conn = await connect(`tcp://127.0.0.1:${port}`, { linkTimeoutMs: 1000, ...o });
  cleanups.push(() => conn.close());
  return { conn, v: await conn.waitForVehicle({ timeoutMs: 5000 }) };
}

const until = async (pred: () => boolean, ms = 5000) => {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('against the emulator', () => {
  it('uploads and verifies a plan, then GUIDED → arm → MISSION_START flies it in AUTO', async () => {
    const emu = await emulator();
    const { v } = await link(emu.vehicles[0]!.tcpPort);
    const plan = makePlan(20, 8, 2);
    const report = await v.uploadPlan(plan);
    expect(report).toMatchObject({ ok: true, uploaded: { mission: 20, fence: 8, rally: 2 } });
    expect(emu.vehicles[0]!.param('FENCE_ENABLE')).toBe(1);
    const back = await v.downloadItems(0);
    expect(back.ok && compareItems(0, plan.mission, back.value)).toEqual([]);
    const events: VehicleEvent[] = [];
    v.onEvent((e) => events.push(e));
    await v.requestTelemetry(10);
    await v.waitReadyToArm({ timeoutMs: 10_000 });
    expect((await v.setMode(4)).ok).toBe(true);
    expect(await v.arm()).toMatchObject({ ok: true });
    expect(await v.startMission()).toMatchObject({ ok: true });
    await until(() => v.customMode === 3 && v.armed);
    await until(() => events.some((e) => e.type === 'position' && e.relAltM > 2));
    expect(events.some((e) => e.type === 'mission-current')).toBe(true);
    expect((await v.returnToLaunch()).ok).toBe(true);
    await until(() => v.customMode === 6);
  });

  it('refuses to arm before the EKF has a position and says why', async () => {
    const emu = await emulator({ readyAfterS: 1000 });
    const { v } = await link(emu.vehicles[0]!.tcpPort);
    expect((await v.setMode(4)).ok).toBe(true);
    const r = await v.arm();
    expect(r).toMatchObject({ ok: false, resultName: 'FAILED' });
    // during an arm attempt ArduPilot prefixes failed pre-arm checks 'Arm: ' (AP_Arming::check_failed, running_arming_checks)
    expect(r.reason).toMatch(/^Arm: (Need Position Estimate|GPS 1: Bad fix|AHRS: waiting for home|EKF3 still initialising)$/);
    await expect(v.waitReadyToArm({ timeoutMs: 300 })).rejects.toThrow(/not ready to arm after 300 ms: .*(EKF|GPS)/);
  });

  it('maps the vehicle’s refusals to typed errors: NO_SPACE, a 2-vertex fence', async () => {
    const emu = await emulator();
    const { v } = await link(emu.vehicles[0]!.tcpPort);
    expect(await v.uploadItems(0, makeMission(651))).toMatchObject({ ok: false, error: 'no-space', ackType: 4 });
    const fence = await v.uploadItems(1, makeFence(2));
    expect(fence).toMatchObject({ ok: false, error: 'error' });
    if (!fence.ok) expect(fence.message).toMatch(/vertex count/i);
  });

  it('reports link lost and regained', async () => {
    const emu = await emulator();
    const { v } = await link(emu.vehicles[0]!.tcpPort, { linkTimeoutMs: 300 });
    const ups: boolean[] = [];
    v.onEvent((e) => e.type === 'link' && ups.push(e.up));
    emu.vehicles[0]!.dropLink(30_000); // sim ms: 1.5 s of wall time at speedup 20
    await until(() => ups.length >= 2, 8000);
    expect(ups.slice(0, 2)).toEqual([false, true]);
    expect(v.online).toBe(true);
  });

  it('a vehicle that stops answering mid-upload ends in a clear timeout, not success', async () => {
    const emu = await emulator();
    const proxy = await startLinkProxy({ target: { port: emu.vehicles[0]!.tcpPort }, seed: 1 });
    cleanups.push(() => proxy.stop());
    const { v } = await link(proxy.port);
    // the caller's own deadline (the CLI's --timeout): a silent vehicle is given up on after 1 s per step, not 20
    const r = await v.uploadItems(0, makeMission(100), {
      retry: { deadlineMs: 1000 },
      attempts: 2,
      onProgress: (p) => {
        if (p.done >= 40) {
          proxy.setFaults('toVehicle', { loss: 1 });
          proxy.setFaults('toClient', { loss: 1 });
        }
      },
    });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      // heartbeats are cut too: 'link-lost' once the link timeout has passed, 'timeout' before
      expect(r.error).toMatch(/^(timeout|link-lost)$/);
      expect(r.message).toMatch(
        /mission upload timed out: (the vehicle stopped asking for mission items after item \d+ of 100|no request for the first mission item)/,
      );
    }
  });

  it('several vehicles on one UDP link, uploading at the same time', async () => {
    const conn = await connect('udpin://127.0.0.1:0');
    cleanups.push(() => conn.close());
    const port = (conn.transport as UdpTransport).localPort;
    await emulator({ vehicles: 3, udpOut: { host: '127.0.0.1', port } });
    await until(() => conn.vehicles().length === 3);
    const results = await Promise.all(conn.vehicles().map((v) => v.uploadPlan(makePlan(15, 6, 2))));
    expect(results.map((r) => r.ok)).toEqual([true, true, true]);
  });
});

describe('against the emulator through a 30 % loss link', () => {
  const faults = { loss: 0.3, duplicate: 0.05, reorder: 0.05, delayMs: 2, jitterMs: 4 };
  it('100-item mission, 20-vertex fence and rally points upload and verify for 10 seeds, every time', async () => {
    const seeds = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    const emu = await emulator({ vehicles: seeds.length, speedup: 10 }); // the vehicle gives up after 0.8 s of wall time: robust on a loaded CI machine
    const runs = seeds.map(async (seed, i) => {
      const proxy = await startLinkProxy({ target: { port: emu.vehicles[i]!.tcpPort }, seed, toVehicle: faults, toClient: faults });
      cleanups.push(() => proxy.stop());
      const { v } = await link(proxy.port, { linkTimeoutMs: 5000, heartbeatIntervalMs: 200 }); // the shipped retry policy
      const plan = makePlan(100, 20, 5);
      const report = await v.uploadPlan(plan);
      return { seed, report, plan, proxy, vehicle: emu.vehicles[i]! };
    });
    for (const { seed, report, proxy, vehicle } of await Promise.all(runs)) {
      expect({ seed, ok: report.ok, message: report.message }).toEqual({ seed, ok: true, message: undefined });
      expect(report.uploaded).toEqual({ mission: 100, fence: 20, rally: 5 });
      expect(vehicle.mission).toHaveLength(100);
      expect(vehicle.fence).toHaveLength(20);
      expect(vehicle.rally).toHaveLength(5);
      expect(vehicle.param('FENCE_ENABLE')).toBe(1);
      expect(proxy.stats.toVehicle.dropped / proxy.stats.toVehicle.packets).toBeGreaterThan(0.2);
      expect(proxy.stats.toClient.dropped / proxy.stats.toClient.packets).toBeGreaterThan(0.2);
    }
  }, 60_000);
});
