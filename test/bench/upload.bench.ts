/**
 * Plan upload benchmark (issue 10's targets): what `medidrop upload` does — read the parameters the
 * plan changes, set them, upload + read back + compare mission, fence and rally, enable the fence —
 * for a 100-item mission, a 60-vertex inclusion fence with a return point and 3 rally points, through
 * the seeded link proxy (test/support/link-proxy.ts) with 25 ms each way, on the project's emulator
 * always and on a real ArduCopter SITL when ARDUPILOT_SITL_BIN is set. Both run at speedup 1: the
 * vehicle's own timers (1 s re-request, 8 s upload timeout) are wall-clock, as on a real drone.
 *
 * The client is the real one with the shipped defaults: MavlinkVehicle.uploadPlan (plan-upload.ts),
 * the parameters `medidrop upload` derives for a plan (deriveVehicleParams, plan-params.ts), the
 * connection options the CLI uses. No retry setting is given anywhere.
 *
 * The protocol bound is the least wall time the protocols allow on this link, R round trips:
 * - each transfer (mission, fence, rally) is one request/answer per item plus one for the count, in
 *   both directions (mission protocol: nothing may be pipelined): upload COUNT→REQUEST 0, ITEM i →
 *   REQUEST i+1 / ACK (n + 1); read-back REQUEST_LIST→COUNT, REQUEST_INT i → ITEM i (n + 1); so
 *   2·(n + 1) each — the issue's (N+1) per transfer;
 * - parameters may be pipelined (ArduPilot answers each PARAM_REQUEST_READ / PARAM_SET on its own,
 *   GCS_Param.cpp), so each group uploadPlan must wait for is one round trip: read the originals,
 *   switch the fence off if it is on (AC_Fence latches FENCE_TYPE only when FENCE_ENABLE changes),
 *   write the configuration, enable last.
 * The two kinds go over different paths in ArduPilot (items from the main loop, parameter answers
 * from the deferred MSG_NEXT_PARAM queue at ≥ 10 Hz), so each is timed with its own measured round
 * trip: bound = R_items · RTT(MISSION_REQUEST_LIST → MISSION_COUNT) + R_params · RTT(PARAM_REQUEST_READ
 * → PARAM_VALUE), both medians of 15 exchanges over the same proxy with no loss, in the same run.
 *
 * Targets: 0 % loss ≤ 1.2× the bound (median of 3 runs); 30 % loss each way with 5 % duplicates,
 * 20 seeds: 20 of 20 verified on the vehicle and median ≤ 5× the bound. PASS / MISS is printed per
 * target; a missing SITL is reported, not failed.
 */
import { startEmulator } from '../../sim/emulator/index.js';
import { findCopterDefaults, findSitlBinary, freeInstance, startSitl, type SitlInstance } from '../../sim/sitl/harness.js';
import { connect } from '../../src/mavlink/connection.js';
import type { MavlinkVehicle } from '../../src/mavlink/vehicle.js';
import { MSG, type Fields } from '../../src/mavlink/wire.js';
import { fenceStorageBytes, FENCE_STORAGE_BYTES } from '../../src/missions/fence.js';
import { deriveVehicleParams } from '../../src/missions/plan-params.js';
import type { MissionItem, VehiclePlan } from '../../src/missions/types.js';
import { startLinkProxy, type LinkFaults } from '../support/link-proxy.js';
import { HOME, makeFence, makeMission, makeRally } from '../support/mavlink-fixtures.js';

const MISSION_ITEMS = 100;
const FENCE_VERTICES = 60;
const RALLY_POINTS = 3;
const ONE_WAY_MS = 25;
const CLEAN_RUNS = 3;
const SEEDS = 20;
const LOSS = 0.3;
const DUPLICATE = 0.05;
/** SITL instances side by side for the lossy seeds (each seed needs its own vehicle; one arducopter at speedup 1 takes ~3 % of a core). */
const SITL_PARALLEL = Number(process.env.MEDIDROP_BENCH_SITL_PARALLEL ?? 10);
if (!Number.isInteger(SITL_PARALLEL) || SITL_PARALLEL < 1 || SITL_PARALLEL > SEEDS)
  throw new Error(`MEDIDROP_BENCH_SITL_PARALLEL must be a whole number 1–${SEEDS}, got '${process.env.MEDIDROP_BENCH_SITL_PARALLEL}'`);

const out = (s: string) => process.stdout.write(`${s}\n`);

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}
const median = (xs: number[]) => quantile(xs, 0.5);
const sec = (ms: number) => (Number.isNaN(ms) ? 'n/a' : (ms / 1000).toFixed(2));

/** The benchmark plan: fixtures for the items, the parameters `medidrop upload` derives for them. */
export function benchPlan(): VehiclePlan {
  const mission = makeMission(MISSION_ITEMS);
  const vertices = makeFence(FENCE_VERTICES);
  const returnPoint: MissionItem = { ...vertices[0]!, seq: FENCE_VERTICES, command: 5000, param1: 0, x: mission[0]!.x, y: mission[0]!.y };
  const fence = [...vertices, returnPoint];
  const rally = makeRally(RALLY_POINTS);
  // ArduCopter refuses a fence over its storage (AC_PolyFence_loader::write_fence: 'Fence exceeds
  // storage size') and SITL panics on one that fills it exactly (sim/README.md): stay clearly below.
  const bytes = fenceStorageBytes([FENCE_VERTICES], 0, true);
  if (bytes >= FENCE_STORAGE_BYTES) throw new Error(`bench fence needs ${bytes} of ArduCopter's ${FENCE_STORAGE_BYTES} bytes`);
  const derived = deriveVehicleParams({ mission, fence, rally, home: HOME });
  if (!derived.ok) throw new Error(`bench plan: ${derived.missing.join('; ')}`);
  return {
    mission,
    fence,
    rally,
    params: derived.params,
    home: HOME,
    delivery: { lat: HOME.lat, lon: HOME.lon, seq: MISSION_ITEMS - 2, method: 'payload-place' },
  };
}

/** Round trips the protocols need for this plan on a vehicle whose enable switches read `enables`. */
function roundTrips(plan: VehiclePlan, enables: Record<string, number>): { items: number; params: number } {
  const items = [plan.mission, plan.fence, plan.rally].reduce((s, list) => s + 2 * (list.length + 1), 0);
  const names = Object.keys(plan.params);
  const isEnable = (n: string) => /_ENABLE$/.test(n);
  const switchOff = names.some((n) => isEnable(n) && plan.params[n] !== 0 && (enables[n] ?? 0) !== 0);
  const params = (names.length > 0 ? 1 : 0) + (switchOff ? 1 : 0) + (names.some((n) => !isEnable(n)) ? 1 : 0) + (names.some(isEnable) ? 1 : 0);
  return { items, params };
}

interface Session {
  vehicle: MavlinkVehicle;
  conn: Awaited<ReturnType<typeof connect>>;
  close(): Promise<void>;
}

async function session(port: number, seed: number, faults: LinkFaults): Promise<Session> {
  const proxy = await startLinkProxy({ target: { port }, seed, toVehicle: faults, toClient: faults });
  // the CLI's connection options (src/cli/connect.ts): defaults throughout
  const conn = await connect(`tcp://127.0.0.1:${proxy.port}`);
  try {
    const vehicle = (await conn.waitForVehicle({ timeoutMs: 30_000 })) as MavlinkVehicle;
    return {
      vehicle,
      conn,
      async close() {
        await conn.close();
        await proxy.stop();
      },
    };
  } catch (err) {
    await conn.close();
    await proxy.stop();
    throw err;
  }
}

/** Median round trip of one kind of request/answer over a clean session. */
async function roundTrip(s: Session, kind: 'param' | 'items'): Promise<number> {
  const v = s.vehicle;
  // the connection object is the Connection class, whose send() the public interface does not list
  const link = s.conn as unknown as { send(sysid: number, msgid: number, fields: Fields): void };
  const samples: number[] = [];
  for (let i = 0; i < 15; i++) {
    const t0 = performance.now();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`no answer to the ${kind} round-trip probe in 5 s on a clean link`));
      }, 5000);
      const off = v.onMessage((m) => {
        if (m.msgid === (kind === 'param' ? MSG.PARAM_VALUE : MSG.MISSION_COUNT)) {
          clearTimeout(timer);
          off();
          resolve();
        }
      });
      if (kind === 'param')
        link.send(v.sysid, MSG.PARAM_REQUEST_READ, { target_system: v.sysid, target_component: v.compid, param_id: 'FENCE_TYPE', param_index: -1 });
      // rally (type 2): the shortest list, and a download that ends at COUNT leaves nothing open
      // (MissionItemProtocol::handle_mission_request_list answers COUNT and waits for requests)
      else link.send(v.sysid, MSG.MISSION_REQUEST_LIST, { target_system: v.sysid, target_component: v.compid, mission_type: 2 });
    });
    samples.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 20));
  }
  return median(samples);
}

interface Run {
  ok: boolean;
  ms: number;
  boundMs: number;
  message: string;
}

async function timedUpload(s: Session, plan: VehiclePlan, rtt: { items: number; param: number }, check?: () => string | undefined): Promise<Run> {
  const enableNames = Object.keys(plan.params).filter((n) => /_ENABLE$/.test(n));
  // the vehicle's state decides whether uploadPlan switches the fence off first (untimed)
  const values = await s.vehicle.getParams(enableNames);
  const enables = Object.fromEntries(enableNames.map((n, i) => [n, values[i]!]));
  const r = roundTrips(plan, enables);
  const boundMs = r.items * rtt.items + r.params * rtt.param;
  const t0 = performance.now();
  const report = await s.vehicle.uploadPlan(plan);
  const ms = performance.now() - t0;
  const wrong = report.ok ? check?.() : undefined;
  return { ok: report.ok && !wrong, ms, boundMs, message: report.ok ? (wrong ?? '') : (report.message ?? 'failed') };
}

interface BackendResult {
  backend: string;
  rtt: { items: number; param: number };
  clean: Run[];
  lossy: Run[];
}

interface Backend {
  name: string;
  /** TCP ports of vehicles to upload to: ports[0] for the clean runs, one per seed after (may repeat). */
  ports: number[];
  /** Independent check that vehicle `i` holds the plan (emulator only: it can be looked at directly). */
  check?(i: number, plan: VehiclePlan): string | undefined;
  stop(): Promise<void>;
}

async function runBackend(b: Backend, plan: VehiclePlan, parallel: number): Promise<BackendResult> {
  const clean = await session(b.ports[0]!, 1, { delayMs: ONE_WAY_MS });
  let rtt: { items: number; param: number };
  const runs: Run[] = [];
  try {
    rtt = { items: await roundTrip(clean, 'items'), param: await roundTrip(clean, 'param') };
    for (let i = 0; i < CLEAN_RUNS; i++) runs.push(await timedUpload(clean, plan, rtt, () => b.check?.(0, plan)));
  } finally {
    await clean.close();
  }
  const lossy: Run[] = new Array(SEEDS);
  const faults: LinkFaults = { loss: LOSS, duplicate: DUPLICATE, delayMs: ONE_WAY_MS };
  const vehicles = b.ports.length - 1;
  for (let wave = 0; wave < SEEDS; wave += parallel) {
    const seeds = Array.from({ length: Math.min(parallel, SEEDS - wave) }, (_, k) => wave + k);
    await Promise.all(
      seeds.map(async (k) => {
        const index = 1 + (k % vehicles);
        let s: Session | undefined;
        try {
          s = await session(b.ports[index]!, 1000 + k, faults);
          lossy[k] = await timedUpload(s, plan, rtt, () => b.check?.(index, plan));
        } catch (err) {
          lossy[k] = { ok: false, ms: Number.NaN, boundMs: Number.NaN, message: err instanceof Error ? err.message : String(err) };
        } finally {
          await s?.close();
        }
      }),
    );
    process.stderr.write(`  ${b.name}: ${Math.min(wave + parallel, SEEDS)}/${SEEDS} lossy seeds done\n`);
  }
  return { backend: b.name, rtt, clean: runs, lossy };
}

async function emulatorBackend(): Promise<Backend> {
  const emu = await startEmulator({
    vehicles: Array.from({ length: 1 + SEEDS }, (_, i) => ({ sysid: i + 1, home: HOME })),
    speedup: 1,
    readyAfterS: 1000,
  });
  // the client compared every item it read back; this only confirms, from outside the protocol, that
  // the vehicle ended up holding as many items and the plan's parameter values
  const same = (a: MissionItem[], b: MissionItem[]) => a.length === b.length;
  return {
    name: 'emulator',
    ports: emu.vehicles.map((v) => v.tcpPort),
    check(i, plan) {
      const v = emu.vehicles[i]!;
      if (!same(v.mission, plan.mission) || !same(v.fence, plan.fence) || !same(v.rally, plan.rally))
        return `emulator holds ${v.mission.length}/${v.fence.length}/${v.rally.length} items, not the plan's`;
      for (const [name, value] of Object.entries(plan.params))
        if (Math.abs((v.param(name) ?? Number.NaN) - value) > 1e-4 || v.param(name) === undefined)
          return `emulator has ${name} = ${v.param(name)}, the plan ${value}`;
      return undefined;
    },
    stop: () => emu.stop(),
  };
}

async function sitlBackend(bin: string, instances: number): Promise<Backend> {
  const numbers: number[] = [];
  for (let i = 0; i < instances; i++) numbers.push(await freeInstance(i === 0 ? 0 : numbers[i - 1]! + 1));
  const started = await Promise.allSettled(numbers.map((instance) => startSitl({ bin, home: HOME, speedup: 1, instance, sysid: 1 })));
  const ok = started.filter((r): r is PromiseFulfilledResult<SitlInstance> => r.status === 'fulfilled').map((r) => r.value);
  const failed = started.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed.length > 0) {
    await Promise.all(ok.map((s) => s.stop()));
    throw new Error(`SITL did not start: ${failed.map((f) => (f.reason instanceof Error ? f.reason.message : String(f.reason))).join(' | ')}`);
  }
  // ports[0] (clean runs) is instance 0; the lossy seeds go round all instances
  return {
    name: 'ArduCopter SITL',
    ports: [ok[0]!.port, ...ok.map((s) => s.port)],
    stop: async () => {
      await Promise.all(ok.map((s) => s.stop()));
    },
  };
}

function report(r: BackendResult): void {
  const cleanOk = r.clean.filter((x) => x.ok);
  const lossyOk = r.lossy.filter((x) => x.ok);
  const cleanBound = median(r.clean.map((x) => x.boundMs));
  const lossyBound = median(r.lossy.filter((x) => Number.isFinite(x.boundMs)).map((x) => x.boundMs));
  const row = (loss: string, runs: Run[], ok: Run[], bound: number, target: string, pass: boolean) => {
    const med = median(ok.map((x) => x.ms));
    const ratio = med / bound;
    out(
      `${r.backend.padEnd(16)} ${loss.padEnd(18)} ${`${ok.length}/${runs.length}`.padStart(6)} ${sec(med).padStart(8)} ${sec(
        quantile(
          ok.map((x) => x.ms),
          0.9,
        ),
      ).padStart(
        8,
      )} ${sec(bound).padStart(8)} ${(Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : 'n/a').padStart(7)}  ${target.padEnd(22)} ${pass ? 'PASS' : 'MISS'}`,
    );
  };
  const cleanRatio = median(cleanOk.map((x) => x.ms)) / cleanBound;
  const lossyRatio = median(lossyOk.map((x) => x.ms)) / lossyBound;
  row('0 %', r.clean, cleanOk, cleanBound, 'all ok, ≤ 1.2× bound', cleanOk.length === r.clean.length && cleanRatio <= 1.2);
  row(
    `${LOSS * 100} % +${DUPLICATE * 100} % dup`,
    r.lossy,
    lossyOk,
    lossyBound,
    `${SEEDS}/${SEEDS} ok, ≤ 5× bound`,
    lossyOk.length === SEEDS && lossyRatio <= 5,
  );
  for (const [i, x] of [...r.clean.map((x, i) => [`clean run ${i + 1}`, x] as const), ...r.lossy.map((x, i) => [`seed ${1000 + i}`, x] as const)])
    if (!x.ok) out(`  ${r.backend} ${i} failed: ${x.message}`);
}

export async function run(): Promise<void> {
  const plan = benchPlan();
  const params = Object.keys(plan.params);
  const rounds = roundTrips(plan, {});
  out(
    `== plan upload (medidrop upload: parameters, upload, read-back, compare): ${plan.mission.length} mission items, ` +
      `${FENCE_VERTICES}-vertex inclusion fence + return point (${plan.fence.length} items, ${fenceStorageBytes([FENCE_VERTICES], 0, true)} of ${FENCE_STORAGE_BYTES} bytes), ` +
      `${plan.rally.length} rally points, ${params.length} parameters (${params.join(', ')}) ==`,
  );
  out(`link: seeded proxy, ${ONE_WAY_MS} ms each way; vehicles at speedup 1; client: shipped defaults (src/mavlink/retry.ts DEFAULT_RETRY, as the CLI)`);
  out(
    `bound = R_items·RTT_items + R_params·RTT_params: R_items = 2·(${plan.mission.length}+1) + 2·(${plan.fence.length}+1) + 2·(${plan.rally.length}+1) = ${rounds.items} ` +
      `(upload COUNT + one per item, read-back REQUEST_LIST + one per item); R_params = ${rounds.params} pipelined groups (read originals, configure, enable) ` +
      '+ 1 when the fence is on beforehand (switched off first)',
  );

  const results: BackendResult[] = [];
  const emu = await emulatorBackend();
  try {
    const t0 = performance.now();
    results.push(await runBackend(emu, plan, SEEDS));
    process.stderr.write(`  emulator part took ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
  } finally {
    await emu.stop();
  }

  const bin = process.env.ARDUPILOT_SITL_BIN ? findSitlBinary() : undefined;
  let sitlNote = 'SITL: skipped, ARDUPILOT_SITL_BIN not set';
  if (bin) {
    if (!findCopterDefaults(bin)) sitlNote = `SITL: skipped, copter.parm not found for ${bin} (set ARDUPILOT_COPTER_DEFAULTS)`;
    else {
      const t0 = performance.now();
      const sitl = await sitlBackend(bin, SITL_PARALLEL);
      try {
        results.push(await runBackend(sitl, plan, SITL_PARALLEL));
        sitlNote = `SITL: ${bin}, ${SITL_PARALLEL} instances side by side for the lossy seeds, took ${((performance.now() - t0) / 1000).toFixed(0)} s`;
      } finally {
        await sitl.stop();
      }
    }
  }

  out('');
  for (const r of results)
    out(
      `${r.backend}: RTT_items ${r.rtt.items.toFixed(1)} ms (MISSION_REQUEST_LIST → COUNT), RTT_params ${r.rtt.param.toFixed(1)} ms (PARAM_REQUEST_READ → PARAM_VALUE), medians of 15`,
    );
  out('');
  out(
    `${'back end'.padEnd(16)} ${'loss each way'.padEnd(18)} ${'ok'.padStart(6)} ${'median s'.padStart(8)} ${'p90 s'.padStart(8)} ${'bound s'.padStart(8)} ${'ratio'.padStart(7)}  ${'target'.padEnd(22)} result`,
  );
  for (const r of results) report(r);
  out(sitlNote);
  out(`(ratio: median over the bound; lossy seeds ${1000}–${1000 + SEEDS - 1} replay the same loss pattern; the 0 % row is ${CLEAN_RUNS} runs on one vehicle)`);
}
