/**
 * The emulator's proof: the same scenarios flown on the emulator (sim/emulator) and on a real
 * ArduCopter SITL, driven the same way by medidrop's own client (connect → upload / runFlight /
 * commands), recorded at the MAVLink level into normalised traces (test/support/vehicle-trace.ts) and
 * compared field by field. A disagreement fails with "field: emulator: X / SITL: Y" lines.
 *
 * Timing is not compared (the emulator's physics is simplified); order, results, texts and places are.
 * Positions, with the tolerances stated here:
 * - release points within RELEASE_PAIR_M of each other, and each within RELEASE_DROP_M of the drop point;
 * - landing points (the position at each disarm) within LANDING_PAIR_M of each other.
 *
 * Runs only when ARDUPILOT_SITL_BIN is set (see README "SITL tier"); one SITL instance at a time.
 * MEDIDROP_SITL_SPEEDUP (default 10) sets SITL's speed-up, MEDIDROP_EMU_SPEEDUP (default 20) the emulator's.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type Connection } from '../../src/mavlink/connection.js';
import type { MavlinkVehicle } from '../../src/mavlink/vehicle.js';
import type { VehicleEvent } from '../../src/mavlink/telemetry.js';
import type { MissionItem, MissionType, VehiclePlan } from '../../src/missions/types.js';
import { planDelivery } from '../../src/planner/plan-delivery.js';
import type { DeliveryPlan } from '../../src/planner/types.js';
import { parseDroneProfileText } from '../../src/planning/drone.js';
import type { DroneProfile } from '../../src/planning/types.js';
import { runFlight, startFlight, type FlightOutcome } from '../../src/fleet/flight-runner.js';
import { findSitlBinary } from '../../sim/sitl/harness.js';
import {
  ROOT,
  drone,
  emulatorBackend,
  exampleMap,
  homeOf,
  sitlBackend,
  tightInclusionFence,
  type Backend,
  type BackendRun,
} from '../integration/flight-scenarios.js';
import { describeTrace, diffTraces, distanceM, recordReadBack, recordVehicle, type TraceRecorder, type VehicleTrace } from '../support/vehicle-trace.js';

const bin = process.env.ARDUPILOT_SITL_BIN ? findSitlBinary() : undefined;
if (!bin) {
  console.log(
    'Differential suite skipped: set ARDUPILOT_SITL_BIN to an ArduCopter SITL binary (and ARDUPILOT_COPTER_DEFAULTS to copter.parm) to compare the emulator with ArduPilot — see README "SITL tier"',
  );
}

const SITL_SPEEDUP = Number(process.env.MEDIDROP_SITL_SPEEDUP ?? 10);
const EMU_SPEEDUP = Number(process.env.MEDIDROP_EMU_SPEEDUP ?? 20);
/** Wall-clock budget for one flight on the slower side (SITL on a loaded machine may not keep its speed-up). */
const FLIGHT_MS = Math.max(240_000, 3_000_000 / SITL_SPEEDUP);
const SCENARIO_MS = 2 * FLIGHT_MS + 240_000;
/** Sim seconds from boot to 'EKF3 IMU0 is using GPS' on ArduCopter SITL (/work/shared/ARDUPILOT.md: about 42). */
const SITL_READY_S = 42;

/** Release points of the two vehicles, m apart at most. */
const RELEASE_PAIR_M = 1.5;
/** Each release from the planned drop point, m (the flight runner's delivery tolerance). */
const RELEASE_DROP_M = 3;
/** Landing points (position at each disarm) of the two vehicles, m apart at most. */
const LANDING_PAIR_M = 2;

const sitl: Backend = sitlBackend(SITL_SPEEDUP);

type SideName = 'emulator' | 'SITL';

interface Session {
  side: SideName;
  connection: Connection;
  vehicle: MavlinkVehicle;
  recorder: TraceRecorder;
  trace: VehicleTrace;
}

const cleanups: ((failed: boolean) => Promise<void>)[] = [];
afterEach(async (ctx) => {
  const failed = ctx.task.result?.state === 'fail';
  for (const c of cleanups.splice(0).reverse()) await c(failed).catch(() => undefined);
});

/** Run `steps` on one back-end: start it, connect medidrop's client, record, stop. */
async function runOn(
  side: SideName,
  home: { lat: number; lon: number; altM: number },
  params: Record<string, number>,
  steps: (s: Session) => Promise<void>,
): Promise<VehicleTrace> {
  const backend = side === 'emulator' ? emulatorBackend : sitl;
  // The emulator boots as slowly as SITL does (about 42 sim s to 'EKF3 IMU0 is using GPS'), so that what
  // depends on the boot clock (the 30 s pre-arm display) falls in the same phase on both.
  const run: BackendRun = await backend([home], { params, speedup: side === 'emulator' ? EMU_SPEEDUP : SITL_SPEEDUP, readyAfterS: SITL_READY_S });
  let failed = true;
  cleanups.push((f) => run.stop(f || failed));
  const connection = (await connect(run.urls[0]!)) as Connection;
  cleanups.push(() => connection.close());
  await connection.waitForVehicle({ sysid: run.sysids[0]!, timeoutMs: 60_000 });
  const vehicle = connection.vehicle(run.sysids[0]!)!;
  // The SITL harness hands the vehicle over once it is ready to arm; the emulator boots when we connect:
  // wait for the same point, so that both traces start there.
  const emulated = run.vehicles?.[0];
  if (emulated) await until(() => emulated.ready, `${side} ready to arm`, 120_000);
  const recorder = recordVehicle(vehicle, connection.ourSysid);
  try {
    // The state the scenario starts from (mode, armed) is part of the trace: wait for one heartbeat.
    await waitFor(vehicle, 'a heartbeat', (e) => e.type === 'heartbeat', 30_000);
    await steps({ side, connection, vehicle, recorder, trace: recorder.trace });
    failed = false;
    return recorder.trace;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new Error(`${side}: ${msg}\n${describeTrace(side, recorder.trace)}`);
  } finally {
    recorder.stop();
    await connection.close();
    await run.stop(failed);
  }
}

/** The same steps on the emulator, then on SITL; the two traces. */
async function onBoth(
  home: { lat: number; lon: number; altM: number },
  params: Record<string, number>,
  steps: (s: Session) => Promise<void>,
): Promise<{ emu: VehicleTrace; sitl: VehicleTrace }> {
  const emu = await runOn('emulator', home, params, steps);
  const real = await runOn('SITL', home, params, steps);
  return { emu, sitl: real };
}

/** Fail with every disagreement, one line each, and both traces for context. */
function expectSame(name: string, emu: VehicleTrace, real: VehicleTrace, extra: string[] = []): void {
  const diffs = [...diffTraces(emu, real), ...extra];
  console.log(
    `[differential] ${name}: ${diffs.length === 0 ? 'emulator and SITL agree' : `${diffs.length} difference(s)`}\n${describeTrace('emulator', emu)}\n${describeTrace('SITL', real)}`,
  );
  if (diffs.length > 0) {
    throw new Error(`${name}: emulator and SITL disagree:\n  - ${diffs.join('\n  - ')}\n\n${describeTrace('emulator', emu)}\n\n${describeTrace('SITL', real)}`);
  }
}

/** Release and landing places (see the tolerances above); lines for expectSame. */
function placeDiffs(emu: VehicleTrace, real: VehicleTrace, drop: { lat: number; lon: number } | null): string[] {
  const out: string[] = [];
  if (drop) {
    if (!emu.release || !real.release) out.push(`release: emulator: ${emu.release ? 'released' : 'none'} / SITL: ${real.release ? 'released' : 'none'}`);
    else {
      const pair = distanceM(emu.release, real.release);
      if (pair > RELEASE_PAIR_M) out.push(`release points ${pair.toFixed(2)} m apart (tolerance ${RELEASE_PAIR_M} m)`);
      for (const [side, r] of [
        ['emulator', emu.release],
        ['SITL', real.release],
      ] as const) {
        const d = distanceM(r, drop);
        if (d > RELEASE_DROP_M) out.push(`${side} released ${d.toFixed(2)} m from the drop point (tolerance ${RELEASE_DROP_M} m)`);
      }
    }
  }
  const n = Math.min(emu.landings.length, real.landings.length);
  for (let i = 0; i < n; i++) {
    const d = distanceM(emu.landings[i]!, real.landings[i]!);
    if (d > LANDING_PAIR_M) out.push(`landing ${i + 1}: ${d.toFixed(2)} m apart (tolerance ${LANDING_PAIR_M} m)`);
  }
  return out;
}

async function until(cond: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function waitFor(vehicle: MavlinkVehicle, what: string, pred: (e: VehicleEvent) => boolean, timeoutMs: number): Promise<VehicleEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const off = vehicle.onEvent((e) => {
      if (pred(e)) {
        clearTimeout(timer);
        off();
        resolve(e);
      }
    });
  });
}

// ---- plans ------------------------------------------------------------------------------------

const COUNTY = { map: 'county-town', depot: 'Chengzhong Police Station 城中派出所', drop: 'Jinxiu Garden courtyard 锦绣花园中心庭院' };
const CITY = { map: 'city-district', depot: 'Qinxian Community Health Centre 亲贤社区卫生服务中心', drop: 'Binhe Road elderly residence 滨河路老年公寓' };

/** The police quad flying land-and-release: the same airframe as missions/drones/police-quad.json. */
function landReleaseDrone(): DroneProfile {
  const file = path.join(ROOT, 'missions', 'drones', 'police-quad.json');
  const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  return parseDroneProfileText(
    JSON.stringify({ ...raw, id: 'police-quad-land', name: 'Light police quadcopter (land and release)', deliveryMethod: 'land-release' }),
    `${file} (land-release)`,
  );
}

function planWith(where: typeof COUNTY, profile: DroneProfile): DeliveryPlan {
  const p = planDelivery(exampleMap(where.map), {
    from: { name: where.depot },
    to: { name: where.drop },
    drone: profile,
    conditions: { payloadKg: 0.5, wind: { speedMs: 0, fromDeg: 0 }, temperatureC: 15 },
  });
  if (!p.feasible || !p.vehiclePlan) throw new Error(`plan ${where.depot} → ${where.drop} not feasible: ${p.reasons.map((r) => r.message).join('; ')}`);
  return p;
}

/** Fly a delivery plan with the flight runner; the outcome's kind goes into the trace, then everything is read back. */
async function flyAndReadBack(s: Session, p: DeliveryPlan, plan: VehiclePlan = p.vehiclePlan!): Promise<FlightOutcome> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), FLIGHT_MS);
  const outcome = await runFlight({ vehicle: s.vehicle, plan, deliveryPlan: p, signal: ac.signal, readyTimeoutMs: FLIGHT_MS });
  clearTimeout(timer);
  if (outcome.status === 'detached') throw new Error(`flight did not finish within ${FLIGHT_MS} ms (${outcome.reason ?? ''})`);
  s.trace.facts['flight status'] = outcome.status;
  s.trace.facts['delivered'] = outcome.delivery.delivered;
  // why a flight did not complete is the client's sentence from what the vehicle said: compared too
  s.trace.facts['flight reason'] = outcome.reason;
  // where the mission stands once the vehicle is down (a NAV_LAND's disarm resets it)
  await new Promise((r) => setTimeout(r, 3000));
  s.trace.facts['MISSION_CURRENT after landing'] = s.recorder.missionCurrent ?? null;
  await recordReadBack(s.vehicle, s.trace);
  return outcome;
}

async function expectDelivery(name: string, p: DeliveryPlan, params: Record<string, number> = {}): Promise<void> {
  const { emu, sitl: real } = await onBoth(homeOf(p), params, async (s) => {
    await flyAndReadBack(s, p);
  });
  const drop = { lat: p.vehiclePlan!.delivery.lat, lon: p.vehiclePlan!.delivery.lon };
  expectSame(name, emu, real, placeDiffs(emu, real, drop));
  expect(real.facts['flight status']).toBe('completed');
}

// ---- items for the storage scenarios ------------------------------------------------------------

const M_PER_DEG = 111318.84502145034;

/** A polygon of n fence vertices on a circle (radius m) around a centre; 5001 inclusion, 5002 exclusion. */
function polygon(centre: { lat: number; lon: number }, radiusM: number, n: number, command: 5001 | 5002, firstSeq: number): MissionItem[] {
  return Array.from({ length: n }, (_, k) => {
    const a = (2 * Math.PI * k) / n;
    const lat = centre.lat + (radiusM * Math.cos(a)) / M_PER_DEG;
    const lon = centre.lon + (radiusM * Math.sin(a)) / (M_PER_DEG * Math.cos((centre.lat * Math.PI) / 180));
    return {
      seq: firstSeq + k,
      frame: 5,
      command,
      current: 0,
      autocontinue: 1,
      param1: n,
      param2: 0,
      param3: 0,
      param4: 0,
      x: Math.round(lat * 1e7),
      y: Math.round(lon * 1e7),
      z: 0,
      missionType: 1,
    } satisfies MissionItem;
  });
}

function offset(c: { lat: number; lon: number }, northM: number, eastM: number): { lat: number; lon: number } {
  return { lat: c.lat + northM / M_PER_DEG, lon: c.lon + eastM / (M_PER_DEG * Math.cos((c.lat * Math.PI) / 180)) };
}

function returnPoint(seq: number, at: { lat: number; lon: number }): MissionItem {
  return {
    seq,
    frame: 5,
    command: 5000,
    current: 0,
    autocontinue: 1,
    param1: 0,
    param2: 0,
    param3: 0,
    param4: 0,
    x: Math.round(at.lat * 1e7),
    y: Math.round(at.lon * 1e7),
    z: 0,
    missionType: 1,
  };
}

function rallyPoint(seq: number, at: { lat: number; lon: number }, frame: number, z: number): MissionItem {
  return {
    seq,
    frame,
    command: 5100,
    current: 0,
    autocontinue: 1,
    param1: 0,
    param2: 0,
    param3: 0,
    param4: 0,
    x: Math.round(at.lat * 1e7),
    y: Math.round(at.lon * 1e7),
    z,
    missionType: 2,
  };
}

/** Upload and record the result as a fact ("ok" or the error kind with the MISSION_ACK type). */
async function uploadFact(s: Session, label: string, type: MissionType, items: MissionItem[]): Promise<void> {
  const r = await s.vehicle.uploadItems(type, items);
  s.trace.facts[label] = r.ok ? 'ok' : `${r.error} (ack ${r.ackType ?? 'none'})`;
}

async function readBackAs(s: Session, label: string, type: MissionType): Promise<void> {
  const r = await s.vehicle.downloadItems(type);
  s.trace.readBack[label] = r.ok ? r.value : `error ${r.error}: ${r.message}`;
}

/** The STATUSTEXTs matching `re` since `from` (index into allTexts), joined, as a fact. */
function textsFact(s: Session, label: string, from: number, re: RegExp): void {
  s.trace.facts[label] = s.trace.allTexts
    .slice(from)
    .filter((t) => re.test(t))
    .join(' | ');
}

// ---- the scenarios ------------------------------------------------------------------------------

describe.skipIf(!bin)('differential: emulator vs ArduPilot SITL, same steps, same answers', () => {
  it('payload-place delivery (the planner default)', { timeout: SCENARIO_MS }, async () => {
    await expectDelivery('payload-place', planWith(COUNTY, drone('police-quad')));
  });

  it('winch delivery (WINCH_TYPE 1 on SERVO9, missions/drones/police-hexa-winch.json)', { timeout: SCENARIO_MS }, async () => {
    await expectDelivery('winch', planWith(CITY, drone('police-hexa-winch')), { WINCH_TYPE: 1, SERVO9_FUNCTION: 88 });
  });

  it('land-and-release delivery (MIS_OPTIONS ContinueAfterLand from the plan)', { timeout: SCENARIO_MS }, async () => {
    await expectDelivery('land-release', planWith(COUNTY, landReleaseDrone()));
  });

  it('fences at the storage limit and over it: same ACKs, the old fence kept', { timeout: 600_000 }, async () => {
    const p = planWith(COUNTY, drone('police-quad'));
    const home = homeOf(p);
    // AC_PolyFence_loader::fence_storage_space_required: 4 header + per polygon (1 type + 1 count + 8 per
    // vertex) + 9 per return point; copter's fence storage is 48 + 256 + 256 = 560 bytes (StorageManager,
    // copter layout), 70 items (560 / 8). The end-of-storage marker (1 byte) is not counted there but is
    // written after the fence, so the full storage is 559 bytes of fence + the marker. A fence of exactly
    // 560 bytes passes ArduPilot's check, loses its marker and is corrupt: SITL panics "Fence corrupt
    // (offset=560)" (AC_PolyFence_loader::scan_eeprom) and the link dies; the emulator refuses it instead
    // ("Fence exceeds storage size"). Not flown here: there is nothing on SITL to compare with.
    const single69 = polygon(home, 520, 69, 5001, 0); // 4 + 2 + 552 = 558 bytes
    const full: MissionItem[] = [...polygon(home, 500, 68, 5001, 0), returnPoint(68, offset(home, 30, 30))]; // 4 + 546 + 9 = 559 bytes
    const oneVertexMore = [...polygon(home, 480, 35, 5001, 0), ...polygon(offset(home, -200, 200), 40, 35, 5002, 35)]; // 4 + 282 + 282 = 568 bytes, 70 items
    const tooManyItems = polygon(home, 450, 71, 5001, 0); // 71 items > 70
    const { emu, sitl: real } = await onBoth(home, {}, async (s) => {
      const from = s.trace.allTexts.length;
      await uploadFact(s, 'one 69-vertex polygon (558 bytes)', 1, single69);
      await readBackAs(s, 'fence after 69-vertex polygon', 1);
      await uploadFact(s, '68-vertex polygon + return point (559 bytes: full)', 1, full);
      await readBackAs(s, 'fence after 559-byte upload', 1);
      await uploadFact(s, 'two polygons, 70 vertices (568 bytes)', 1, oneVertexMore);
      await readBackAs(s, 'fence after 568-byte upload', 1);
      await uploadFact(s, '71 fence items', 1, tooManyItems);
      await readBackAs(s, 'fence after 71-item upload', 1);
      textsFact(s, 'fence upload texts', from, /fence|items are supported|storage|vertex|count/i);
    });
    expectSame('fence storage', emu, real);
  });

  it('rally points read back identically, at and over the limit', { timeout: 600_000 }, async () => {
    const p = planWith(COUNTY, drone('police-quad'));
    const home = homeOf(p);
    const three = [
      rallyPoint(0, offset(home, 150, 0), 6, 45.7),
      rallyPoint(1, offset(home, 0, -220), 5, home.altM + 40.4),
      rallyPoint(2, offset(home, -90, 130), 6, 30),
    ];
    const limit = Array.from({ length: 46 }, (_, k) => rallyPoint(k, offset(home, 20 * k, 10 * (k % 7)), 6, 30 + (k % 5)));
    const over = Array.from({ length: 47 }, (_, k) => rallyPoint(k, offset(home, -15 * k, 12), 6, 35));
    const { emu, sitl: real } = await onBoth(home, {}, async (s) => {
      const from = s.trace.allTexts.length;
      await uploadFact(s, '3 rally points', 2, three);
      await readBackAs(s, 'rally (3 points)', 2);
      await uploadFact(s, '46 rally points', 2, limit);
      await readBackAs(s, 'rally (46 points)', 2);
      await uploadFact(s, '47 rally points', 2, over);
      await readBackAs(s, 'rally after 47-point upload', 2);
      textsFact(s, 'rally upload texts', from, /rally|items are supported|storage/i);
    });
    expectSame('rally', emu, real);
  });

  it('a bad item mid-upload: same ACK, and the mission left as ArduPilot leaves it', { timeout: 600_000 }, async () => {
    const p = planWith(COUNTY, drone('police-quad'));
    const old = p.vehiclePlan!.mission;
    // A new mission of 8 items, distinguishable from the old one (5 m higher), broken at item 5.
    const fresh = old.slice(0, 8).map((it) => ({ ...it, z: it.seq === 0 ? it.z : it.z + 5 }));
    const unsupported = fresh.map((it) => (it.seq === 5 ? { ...it, command: 999 } : it));
    const badLatitude = old.slice(0, 6).map((it) => (it.seq === 3 ? { ...it, x: 950_000_000 } : { ...it, z: it.seq === 0 ? it.z : it.z + 9 }));
    const { emu, sitl: real } = await onBoth(homeOf(p), {}, async (s) => {
      const from = s.trace.allTexts.length;
      await uploadFact(s, 'old mission', 0, old);
      await uploadFact(s, 'unsupported command at item 5', 0, unsupported);
      await readBackAs(s, 'mission after unsupported item', 0);
      await uploadFact(s, 'latitude 95° at item 3', 0, badLatitude);
      await readBackAs(s, 'mission after bad latitude', 0);
      textsFact(s, 'mission upload texts', from, /mission|flight plan|item|unsupported|invalid/i);
    });
    expectSame('bad item', emu, real);
  });

  it('pause (BRAKE), resume (AUTO) and abort (RTL) in flight', { timeout: SCENARIO_MS }, async () => {
    const p = planWith(COUNTY, drone('police-quad'));
    const { emu, sitl: real } = await onBoth(homeOf(p), {}, async (s) => {
      const v = s.vehicle;
      const flight = startFlight({ vehicle: v, plan: p.vehiclePlan!, deliveryPlan: p, readyTimeoutMs: FLIGHT_MS });
      // Pause on the first leg, once the take-off is done and the drone is moving.
      // (the take-off's MISSION_ITEM_REACHED is overwritten by the DO_CHANGE_SPEED's after it: wait for either)
      const first = await waitFor(v, 'take-off done', (e) => e.type === 'item-reached', FLIGHT_MS);
      const firstSeq = first.type === 'item-reached' ? first.seq : 0;
      await waitFor(v, 'cruising above 4 m/s', (e) => e.type === 'position' && e.groundSpeedMs > 4, FLIGHT_MS);
      const paused = await flight.pause('differential');
      s.trace.facts['pause'] = paused.resultName;
      await waitFor(v, 'stopped in BRAKE', (e) => e.type === 'position' && e.groundSpeedMs < 0.3, FLIGHT_MS);
      const resumed = await flight.resume('differential');
      s.trace.facts['resume'] = resumed.resultName;
      const next = await waitFor(v, 'the next waypoint', (e) => e.type === 'item-reached' && e.seq > firstSeq, FLIGHT_MS);
      s.trace.facts['reached after resume'] = next.type === 'item-reached' ? next.seq : null;
      const aborted = await flight.abort('differential', 'differential test');
      s.trace.facts['abort'] = aborted?.resultName ?? null;
      const outcome = await Promise.race([flight.done, new Promise<null>((r) => setTimeout(() => r(null), FLIGHT_MS))]);
      if (!outcome) throw new Error(`the aborted flight did not end within ${FLIGHT_MS} ms`);
      s.trace.facts['flight status'] = outcome.status;
      s.trace.facts['delivered'] = outcome.delivery.delivered;
      await recordReadBack(s.vehicle, s.trace, [0]);
    });
    expectSame('pause/resume/abort', emu, real, placeDiffs(emu, real, null));
  });

  it('a fence breach: Polygon fence breached, RTL, lands at the depot', { timeout: SCENARIO_MS }, async () => {
    const p = planWith(COUNTY, drone('police-quad'));
    const tight: VehiclePlan = { ...p.vehiclePlan!, fence: tightInclusionFence(p.vehiclePlan!.home, 60) };
    const { emu, sitl: real } = await onBoth(homeOf(p), {}, async (s) => {
      await flyAndReadBack(s, { ...p, vehiclePlan: tight }, tight);
    });
    expectSame('fence breach', emu, real, placeDiffs(emu, real, null));
    expect(real.fenceTexts).toContain('Polygon fence breached');
    expect(real.modes).toContain('RTL');
  });

  it('a reboot on the ground (PREFLIGHT_REBOOT_SHUTDOWN 1): heartbeat back, mission, fence, rally and parameters kept', { timeout: 600_000 }, async () => {
    const p = planWith(COUNTY, drone('police-quad'));
    const plan = p.vehiclePlan!;
    const { emu, sitl: real } = await onBoth(homeOf(p), {}, async (s) => {
      // Items and parameters go on one by one (not uploadPlan: its read-back check is the client's
      // business, compared in the delivery scenarios); what the vehicle holds is read back raw.
      await uploadFact(s, 'mission upload', 0, plan.mission);
      await uploadFact(s, 'fence upload', 1, plan.fence);
      await uploadFact(s, 'rally upload', 2, plan.rally);
      for (const [name, value] of Object.entries(plan.params).sort()) s.trace.facts[`${name} set`] = await s.vehicle.setParam(name, value);
      await recordReadBack(s.vehicle, s.trace);
      const transport: string[] = [];
      s.connection.transport.onState((st) => transport.push(st));
      let beatAfterUp = false;
      const beat = new Promise<void>((resolve) => {
        const off = s.vehicle.onEvent((e) => {
          if (e.type === 'heartbeat' && transport.includes('up')) {
            beatAfterUp = true;
            off();
            resolve();
          }
        });
      });
      const ack = await s.vehicle.command(246, [1]);
      s.trace.facts['reboot command'] = ack.resultName;
      await Promise.race([beat, new Promise((r) => setTimeout(r, 120_000))]);
      // folded: how many reconnect attempts fail before SITL listens again is timing
      s.trace.facts['link dropped and came back'] = transport.filter((x, i) => x !== transport[i - 1]).join(' → ');
      s.trace.facts['heartbeat back after reboot'] = beatAfterUp;
      s.trace.facts['mode after reboot'] = s.vehicle.modeName ?? null;
      s.trace.facts['armed after reboot'] = s.vehicle.armed;
      await s.vehicle.requestTelemetry(4);
      await s.vehicle.waitReadyToArm({ timeoutMs: 180_000 });
      for (const name of Object.keys(plan.params).sort()) s.trace.facts[`${name} after reboot`] = await s.vehicle.getParam(name);
      const before = { ...s.trace.readBack };
      s.trace.readBack = {};
      for (const [k, v] of Object.entries(before)) s.trace.readBack[`${k} before reboot`] = v;
      await recordReadBack(s.vehicle, s.trace);
      for (const k of ['mission', 'fence', 'rally'] as const) {
        const after = s.trace.readBack[k];
        if (after !== undefined) s.trace.readBack[`${k} after reboot`] = after;
        delete s.trace.readBack[k];
      }
    });
    expectSame('reboot', emu, real);
  });
});
