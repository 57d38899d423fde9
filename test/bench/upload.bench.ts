/**
 * Mission upload benchmark: a 100-item mission through the seeded link proxy with 50 ms round-trip
 * time (25 ms each way) to the project's ArduCopter emulator at real time (speedup 1: the vehicle
 * re-requests after 1 s and gives up after 8 s, as ArduPilot does).
 *
 * Baseline, measured in the same run: the protocol bound (N+1)·RTT — the mission protocol needs one
 * round trip for the count and one per item, nothing may be pipelined — with RTT measured through
 * the same proxy (median PARAM_REQUEST_READ → PARAM_VALUE round trip).
 * Reported: upload time at 0 % loss against the bound (target ≤ 1.2×), the same with read-back
 * verification, and at 10 % and 30 % loss in both directions the success rate and median time of
 * uploads, with the client's shipped retry policy (src/mavlink/retry.ts), the one users get.
 */
import { startEmulator, type Emulator } from '../../sim/emulator/index.js';
import { connect } from '../../src/mavlink/connection.js';
import type { MavlinkVehicle } from '../../src/mavlink/vehicle.js';
import { MSG } from '../../src/mavlink/wire.js';
import { startLinkProxy, type LinkFaults } from '../support/link-proxy.js';
import { HOME, makeMission } from '../support/mavlink-fixtures.js';

const N = 100;
const ONE_WAY_MS = 25;
const LOSSY_TRIALS = 5;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const fmt = (ms: number) => (Number.isNaN(ms) ? 'n/a' : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`);

async function session(emu: Emulator, index: number, seed: number, faults: LinkFaults) {
  const proxy = await startLinkProxy({ target: { port: emu.vehicles[index]!.tcpPort }, seed, toVehicle: faults, toClient: faults });
  const conn = await connect(`tcp://127.0.0.1:${proxy.port}`, { linkTimeoutMs: 10_000 });
  const vehicle = (await conn.waitForVehicle({ timeoutMs: 10_000 })) as MavlinkVehicle;
  return {
    vehicle,
    async close() {
      await conn.close();
      await proxy.stop();
    },
  };
}

/** Median round trip of a parameter read through the proxy (the link's RTT as the client sees it). */
async function measureRtt(v: MavlinkVehicle): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 15; i++) {
    const t0 = performance.now();
    await new Promise<void>((resolve) => {
      const off = v.onMessage((m) => {
        if (m.msgid === MSG.PARAM_VALUE) {
          off();
          resolve();
        }
      });
      (v as unknown as { host: { send(s: number, id: number, f: object): void } }).host.send(v.sysid, MSG.PARAM_REQUEST_READ, {
        target_system: v.sysid,
        target_component: v.compid,
        param_id: 'FENCE_TYPE',
        param_index: -1,
      });
    });
    samples.push(performance.now() - t0);
  }
  return median(samples);
}

export async function run(): Promise<void> {
  const out = (s: string) => process.stdout.write(s + '\n');
  out(`== mission upload: ${N} items, link RTT ${2 * ONE_WAY_MS} ms (proxy), emulator at real time ==`);
  const emu = await startEmulator({
    vehicles: Array.from({ length: 1 + 2 * LOSSY_TRIALS }, (_, i) => ({ sysid: i + 1, home: HOME })),
    speedup: 1,
    readyAfterS: 1000,
  });
  try {
    const items = makeMission(N);
    const clean: LinkFaults = { delayMs: ONE_WAY_MS };
    const s0 = await session(emu, 0, 1, clean);
    // the RTT is measured right before each timed upload, so that machine load affects both alike
    const times: number[] = [];
    const ratios: number[] = [];
    const rtts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const rtt = await measureRtt(s0.vehicle);
      rtts.push(rtt);
      const t0 = performance.now();
      const r = await s0.vehicle.uploadItems(0, items);
      if (!r.ok) throw new Error(`upload at 0 % loss failed: ${r.message}`);
      times.push(performance.now() - t0);
      ratios.push(times[i]! / ((N + 1) * rtt));
    }
    const rtt = median(rtts);
    const bound = (N + 1) * rtt;
    const rttV = await measureRtt(s0.vehicle);
    const t1 = performance.now();
    const rv = await s0.vehicle.uploadAndVerify(0, items);
    if (!rv.ok) throw new Error(`upload + verify at 0 % loss failed: ${rv.message}`);
    const verified = performance.now() - t1;
    await s0.close();
    const ratio = median(ratios);
    out(
      `measured RTT ${rtt.toFixed(1)} ms (median of 3×15 parameter round trips) → protocol bound (N+1)·RTT = ${fmt(bound)} (nominal ${fmt((N + 1) * 2 * ONE_WAY_MS)})`,
    );
    out(
      `0 % loss   upload median ${fmt(median(times))} = ${ratio.toFixed(3)}× the bound (runs: ${ratios.map((r) => r.toFixed(3)).join(', ')}; target ≤ 1.2×: ${ratio <= 1.2 ? 'met' : 'NOT met'})`,
    );
    out(`0 % loss   upload + read-back verify ${fmt(verified)} = ${(verified / ((N + 1) * rttV)).toFixed(3)}× the bound (two transfers: ≈ 2× expected)`);

    // all lossy trials run at once (the work is waiting on the link, not CPU)
    const levels = [0.1, 0.3];
    const all = await Promise.all(
      levels.map((loss, li) =>
        Promise.all(
          Array.from({ length: LOSSY_TRIALS }, async (_, k) => {
            const index = 1 + li * LOSSY_TRIALS + k;
            const s = await session(emu, index, Math.round(1000 * loss) + k + 1, { loss, delayMs: ONE_WAY_MS });
            const t0 = performance.now();
            const r = await s.vehicle.uploadItems(0, items);
            const ms = performance.now() - t0;
            const held = emu.vehicles[index]!.mission.length === N;
            await s.close();
            return { ok: r.ok && held, ms, message: r.ok ? '' : r.message };
          }),
        ),
      ),
    );
    for (const [li, loss] of levels.entries()) {
      const results = all[li]!;
      const ok = results.filter((r) => r.ok);
      const med = median(ok.map((r) => r.ms));
      out(
        `${Math.round(loss * 100)} % loss  success ${ok.length}/${results.length} (${Math.round((100 * ok.length) / results.length)} %), median ${fmt(med)} = ${(med / bound).toFixed(2)}× the bound (range ${fmt(Math.min(...ok.map((r) => r.ms)))}–${fmt(Math.max(...ok.map((r) => r.ms)))})` +
          (ok.length < results.length
            ? `; failures: ${results
                .filter((r) => !r.ok)
                .map((r) => r.message)
                .join(' | ')}`
            : ''),
      );
    }
    out(`(loss applies to each direction independently; seeds fixed, rerun gives the same loss pattern)`);
  } finally {
    await emu.stop();
  }
}
