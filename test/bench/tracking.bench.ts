/**
 * Tracking benchmark (issue 6): 100 emulated ArduCopters (the project's emulator, in a child process,
 * real time) flying deliveries started by runFlight, streaming GLOBAL_POSITION_INT at 10 Hz and
 * status (SYS_STATUS, BATTERY_STATUS, GPS, EKF, MISSION_CURRENT, EXTENDED_SYS_STATE) at 2 Hz over one
 * UDP link into ONE FleetTracker through the real MAVLink decode path (src/mavlink connect/udpin).
 * The tracker writes the down-sampled track to SQLite (one transaction per batch) and fans updates
 * out to 20 subscribers, 5 of them slow (50 ms each).
 *
 * Reports: messages/s handled, CPU share of this process, event→subscriber latency (p50/p99), event
 * loop delay, backlog; and, measured in the same run on the packets captured live, the decode-only
 * and decode+tracker capacities as baselines (ratios).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setMaxListeners } from 'node:events';
import Database from 'better-sqlite3';
import { createLogger } from '../../src/log.js';
import { connect } from '../../src/mavlink/connection.js';
import type { MavlinkVehicle } from '../../src/mavlink/vehicle.js';
import { PacketSplitter, decodePacket, MSG } from '../../src/mavlink/wire.js';
import { toVehicleEvent } from '../../src/mavlink/events.js';
import type { MavlinkConnection, VehicleLink } from '../../src/mavlink/types.js';
import { buildMission } from '../../src/missions/build.js';
import type { VehiclePlan } from '../../src/missions/types.js';
import type { LonLat } from '../../src/geo/types.js';
import { FleetTracker, type FlightUpdate } from '../../src/fleet/tracker.js';
import { startFlight, type FlightHandle } from '../../src/fleet/flight-runner.js';
import type { TrackPoint, TrackSink } from '../../src/fleet/store.js';
import type { VehicleEvent } from '../../src/mavlink/telemetry.js';
import { benchHome } from './tracking-emulator.js';

const VEHICLES = Number(process.env.MEDIDROP_BENCH_VEHICLES ?? 100);
const WINDOW_S = Number(process.env.MEDIDROP_BENCH_WINDOW_S ?? 15);
const FAST_SUBSCRIBERS = 15;
const SLOW_SUBSCRIBERS = 5;

const M_PER_DEG = 111_195;
function offset(home: { lat: number; lon: number }, north: number, east: number): LonLat {
  return [home.lon + east / (M_PER_DEG * Math.cos((home.lat * Math.PI) / 180)), home.lat + north / M_PER_DEG];
}

/** A delivery 700 m N, 300 m E of the depot and back (long enough to stay en route through the window). */
function benchPlan(i: number): VehiclePlan {
  const home = benchHome(i);
  const depot = offset(home, 0, 0);
  const corner = offset(home, 700, 0);
  const drop = offset(home, 700, 300);
  const built = buildMission({
    home,
    outbound: [depot, corner, drop],
    inbound: [drop, corner, depot],
    cruiseAltitudeM: 40,
    cruiseSpeedMs: 10,
    dropHeightM: 0,
    method: 'payload-place',
  });
  return {
    mission: built.items,
    fence: [],
    rally: [],
    params: built.params,
    home,
    delivery: { lat: drop[1], lon: drop[0], seq: built.deliverySeq, method: 'payload-place' },
  };
}

/** The service's way of storing a track: better-sqlite3, one transaction per batch. */
class SqliteTrackSink implements TrackSink {
  private readonly insert;
  private readonly tx;
  points = 0;
  batches = 0;
  constructor(private readonly db: Database.Database) {
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE track (flight_id TEXT, t INTEGER, lat REAL, lon REAL, rel_alt REAL, speed REAL, battery REAL, status TEXT)');
    this.insert = db.prepare('INSERT INTO track VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    this.tx = db.transaction((pts: readonly TrackPoint[]) => {
      for (const p of pts) this.insert.run(p.flightId, p.t, p.lat, p.lon, p.relAltM, p.groundSpeedMs, p.batteryPct, p.status);
    });
  }
  appendTrack(points: readonly TrackPoint[]): void {
    this.tx(points);
    this.points += points.length;
    this.batches++;
  }
}

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

function startChild(gcsPort: number): Promise<ChildProcess> {
  const script = fileURLToPath(new URL('./tracking-emulator.js', import.meta.url));
  const child = spawn(process.execPath, [script, String(VEHICLES), String(gcsPort), '2'], {
    env: { ...process.env, MEDIDROP_TRACKING_CHILD: '1', MEDIDROP_LOG_LEVEL: 'warn' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const to = setTimeout(() => reject(new Error('emulator child did not start within 20 s')), 20_000);
    child.once('exit', (code) => reject(new Error(`emulator child exited with ${code}`)));
    child.stdout!.once('data', () => {
      clearTimeout(to);
      resolve(child);
    });
  });
}

interface ApiProbe {
  /** Send GET /api/requests (officer) and GET /api/missions (pilot) at `perS` a second for `ms`; latencies in ms. */
  measure(ms: number, perS: number): Promise<number[]>;
  close(): Promise<void>;
}

/**
 * The service's app (SERVICE engineer's buildApp, through its API test set-up) in this process, with
 * five drop requests queued and planned, driven with app.inject. Null when it cannot be built.
 */
async function apiProbe(): Promise<ApiProbe | null> {
  try {
    const mod = await import('../integration/api-support.js');
    const t = await mod.makeTestApp();
    const officer = await t.login('officer.li');
    const pilot = await t.login('pilot.zhao');
    for (let i = 0; i < 5; i++) {
      const r = await t.as(officer, { method: 'POST', url: '/api/requests', payload: mod.requestBody(), headers: { 'idempotency-key': mod.newKey() } });
      if (r.statusCode >= 300) throw new Error(`POST /api/requests: ${r.statusCode} ${r.body.slice(0, 200)}`);
    }
    return {
      async measure(ms, perS) {
        const lat: number[] = [];
        const pending: Promise<void>[] = [];
        const end = performance.now() + ms;
        let k = 0;
        while (performance.now() < end) {
          const who = k++ % 2 === 0 ? { s: officer, url: '/api/requests' } : { s: pilot, url: '/api/missions' };
          const t0 = performance.now();
          pending.push(
            t.as(who.s, { method: 'GET', url: who.url }).then((r) => {
              if (r.statusCode !== 200) throw new Error(`GET ${who.url}: ${r.statusCode}`);
              lat.push(performance.now() - t0);
            }),
          );
          await new Promise((r) => setTimeout(r, 1000 / perS));
        }
        await Promise.all(pending);
        return lat.sort((a, b) => a - b);
      },
      close: () => t.close(),
    };
  } catch (err) {
    log(`API: the service's app could not be built here (${err instanceof Error ? err.message : String(err)}): API latency not measured`);
    return null;
  }
}

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

export async function run(): Promise<void> {
  const quiet = createLogger('bench.tracking', 'error');
  log(`## tracking: ${VEHICLES} emulated vehicles → one tracker (position 10 Hz, status 2 Hz), ${WINDOW_S} s window`);
  const dir = mkdtempSync(join(tmpdir(), 'medidrop-tracking-'));
  const db = new Database(join(dir, 'track.db'));
  const sink = new SqliteTrackSink(db);
  const tracker = new FleetTracker({ trackSink: sink, logger: quiet });
  let conn: (MavlinkConnection & { transport: { onData(l: (c: Buffer) => void): void }; stats: { packets: number } }) | undefined;
  let child: ChildProcess | undefined;
  const handles: FlightHandle[] = [];
  const stopAll = new AbortController();
  setMaxListeners(VEHICLES + 10, stopAll.signal); // one listener per flight
  let api: ApiProbe | null = null;
  try {
    // API baseline first, before anything streams (same process, same requests)
    api = await apiProbe();
    await api?.measure(1000, 50); // warm-up
    const apiIdle = api ? await api.measure(5000, 50) : null;

    conn = (await connect('udpin://127.0.0.1:0', { linkTimeoutMs: 3000 })) as typeof conn;
    const port = (conn!.transport as unknown as { localPort: number }).localPort;
    child = await startChild(port);

    // --- all vehicles up and flying (through runFlight: upload, verify, arm, start) ---
    const t0 = performance.now();
    const vehicles: VehicleLink[] = [];
    for (let i = 0; i < VEHICLES; i++) vehicles.push(await conn!.waitForVehicle({ sysid: i + 1, timeoutMs: 20_000 }));
    for (let i = 0; i < VEHICLES; i++) {
      handles.push(
        startFlight({
          vehicle: vehicles[i]!,
          plan: benchPlan(i),
          flightId: `bench-${i + 1}`,
          tracker,
          signal: stopAll.signal,
          telemetryRateHz: 2,
          readyTimeoutMs: 60_000,
          logger: quiet,
        }),
      );
    }
    const deadline = Date.now() + 120_000;
    while (handles.some((h) => h.state().status !== 'en-route')) {
      const failed = handles.find((h) => ['failed', 'aborted'].includes(h.state().status));
      if (failed) throw new Error(`flight ${failed.id} ${failed.state().status}: ${failed.state().reason}`);
      if (Date.now() > deadline)
        throw new Error(
          `not all flights en route after 120 s: ${handles
            .filter((h) => h.state().status !== 'en-route')
            .map((h) => `${h.id} ${h.state().status}`)
            .slice(0, 5)
            .join(', ')}`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
    const airborneS = (performance.now() - t0) / 1000;
    // position at 10 Hz (status stays at 2 Hz)
    await Promise.all(vehicles.map((v) => (v as MavlinkVehicle).command(511, [MSG.GLOBAL_POSITION_INT, 100_000])));
    await new Promise((r) => setTimeout(r, 1500)); // let the rate settle

    // --- subscribers (the live pages) ---
    const latencyFanoutMs: number[] = [];
    const latencyEventMs: number[] = [];
    let measuring = false;
    for (let i = 0; i < FAST_SUBSCRIBERS; i++) {
      tracker.subscribe((u: FlightUpdate) => {
        if (!measuring) return;
        latencyFanoutMs.push(performance.now() - u.handledAt);
        if (i === 0) latencyEventMs.push(Date.now() - u.t);
      });
    }
    let slowDelivered = 0;
    for (let i = 0; i < SLOW_SUBSCRIBERS; i++) {
      tracker.subscribe(() => {
        slowDelivered++;
        return new Promise<void>((r) => setTimeout(r, 50));
      });
    }

    // --- measure ---
    const captured: { t: number; c: Buffer }[] = [];
    conn!.transport.onData((c) => {
      if (measuring && captured.length < 200_000) captured.push({ t: Date.now(), c: Buffer.from(c) });
    });
    const loop = monitorEventLoopDelay({ resolution: 1 });
    const pendingSamples: number[] = [];
    const trackSamples: number[] = [];
    const in0 = tracker.stats().inputs;
    const pk0 = conn!.stats.packets;
    const cpu0 = process.cpuUsage();
    const w0 = performance.now();
    measuring = true;
    loop.enable();
    const sampler = setInterval(() => {
      const s = tracker.stats();
      pendingSamples.push(s.pendingDeliveries);
      trackSamples.push(s.trackBuffered);
    }, 250);
    const apiBusyP = api ? api.measure(WINDOW_S * 1000 - 500, 50) : Promise.resolve(null);
    await new Promise((r) => setTimeout(r, WINDOW_S * 1000));
    const apiBusy = await apiBusyP;
    measuring = false;
    clearInterval(sampler);
    loop.disable();
    const wallS = (performance.now() - w0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const events = tracker.stats().inputs - in0;
    const packets = conn!.stats.packets - pk0;
    await tracker.settled();
    const enRoute = handles.filter((h) => ['en-route', 'delivering'].includes(h.state().status)).length;

    // --- baselines on the captured packets, same run ---
    const decodeOnly = (): { packets: number; events: VehicleEvent[]; ms: number } => {
      const sp = new PacketSplitter();
      const evs: VehicleEvent[] = [];
      let n = 0;
      const t = performance.now();
      for (const { c, t: at } of captured) {
        for (const p of sp.push(c)) {
          n++;
          const m = decodePacket(p);
          if (!m) continue;
          const e = toVehicleEvent(m, at);
          if (e) evs.push(e);
        }
      }
      return { packets: n, events: evs, ms: performance.now() - t };
    };
    decodeOnly(); // warm-up
    const dec = decodeOnly();
    const replayTracker = new FleetTracker({ trackSink: sink, tickIntervalMs: 0 });
    for (const h of handles) {
      const st = tracker.flightState(h.id)!;
      const i = Number(h.id.split('-')[1]) - 1;
      replayTracker.addFlight({ id: `replay-${h.id}`, sysid: i + 1, ctx: { plan: benchPlan(i) }, state: st });
    }
    let replayDelivered = 0;
    for (let i = 0; i < FAST_SUBSCRIBERS; i++) replayTracker.subscribe(() => void replayDelivered++);
    const tr0 = performance.now();
    const sp2 = new PacketSplitter();
    for (const { c, t: at } of captured) {
      for (const p of sp2.push(c)) {
        const m = decodePacket(p);
        if (!m) continue;
        const e = toVehicleEvent(m, at);
        if (e) replayTracker.ingest(e);
      }
      await null; // one datagram per callback, as live: lets the per-input deliveries run
    }
    await new Promise((r) => setImmediate(r));
    const trackerMs = performance.now() - tr0;
    await replayTracker.close();

    // --- report ---
    const ratePackets = packets / wallS;
    const rateEvents = events / wallS;
    const cpuShare = (cpu.user + cpu.system) / 1000 / (wallS * 1000);
    const decCap = dec.packets / (dec.ms / 1000);
    const trkCap = dec.packets / (trackerMs / 1000);
    latencyFanoutMs.sort((a, b) => a - b);
    latencyEventMs.sort((a, b) => a - b);
    const expected = VEHICLES * (10 + 6 * 2 + 1 + 1); // position, 6 status messages, home 1 Hz, heartbeat
    log(
      `setup: ${VEHICLES} flights uploaded, verified, armed and en route in ${airborneS.toFixed(1)} s (wall); ${enRoute} still en route at the end of the window`,
    );
    log(`live: ${Math.round(ratePackets)} packets/s received, ${Math.round(rateEvents)} vehicle events/s handled by the tracker (≈ ${expected}/s configured)`);
    log(`live: CPU ${(cpuShare * 100).toFixed(1)} % of one core (process.cpuUsage over ${wallS.toFixed(1)} s wall, emulator in another process)`);
    log(
      `live: event→subscriber latency p50 ${pct(latencyEventMs, 50).toFixed(0)} ms, p99 ${pct(latencyEventMs, 99).toFixed(0)} ms (decode time to delivery, Date.now resolution 1 ms)`,
    );
    log(
      `live: tracker fan-out latency p50 ${pct(latencyFanoutMs, 50).toFixed(3)} ms, p99 ${pct(latencyFanoutMs, 99).toFixed(3)} ms over ${latencyFanoutMs.length} deliveries to ${FAST_SUBSCRIBERS} subscribers`,
    );
    log(
      `live: event-loop delay p50 ${(loop.percentile(50) / 1e6).toFixed(1)} ms, p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms, max ${(loop.max / 1e6).toFixed(1)} ms`,
    );
    log(
      `live: backlog: undelivered updates max ${Math.max(...pendingSamples)} (bound: ${SLOW_SUBSCRIBERS} slow subscribers × ${VEHICLES} flights = ${SLOW_SUBSCRIBERS * VEHICLES}, coalesced; the ${FAST_SUBSCRIBERS} fast ones are served right after each input), unwritten track points max ${Math.max(...trackSamples)} (flushed every second or 200 points)`,
    );
    log(
      `live: the slow subscribers got ${slowDelivered} coalesced updates (${tracker.stats().coalesced} inputs merged); track ${sink.points} points (of ${events} events) in ${sink.batches} SQLite transactions`,
    );
    log(
      `baseline (same packets, ${dec.packets} of them): decode only ${Math.round(decCap)} packets/s; decode + tracker + ${FAST_SUBSCRIBERS} subscribers ${Math.round(trkCap)} packets/s`,
    );
    log(
      `ratios: tracker path = ${(trkCap / decCap).toFixed(2)} × decode-only throughput; live load = ${((ratePackets / trkCap) * 100).toFixed(1)} % of the tracker path's capacity (${(trkCap / ratePackets).toFixed(0)}× headroom)`,
    );
    if (apiIdle && apiBusy) {
      const p99i = pct(apiIdle, 99);
      const p99b = pct(apiBusy, 99);
      log(
        `API (service app, app.inject, GET /api/requests + /api/missions at 50/s): idle p50 ${pct(apiIdle, 50).toFixed(1)} ms p99 ${p99i.toFixed(1)} ms; while streaming p50 ${pct(apiBusy, 50).toFixed(1)} ms p99 ${p99b.toFixed(1)} ms (${apiBusy.length} requests) = ${(p99b / p99i).toFixed(2)} × idle p99; target p99 < 50 ms: ${p99b < 50 ? 'met' : 'NOT met'}`,
      );
    }
    if (rateEvents < 0.9 * expected * 0.9) log(`WARNING: handled ${Math.round(rateEvents)} events/s, below the configured ${expected}/s: check for drops`);
  } finally {
    stopAll.abort();
    await Promise.all(handles.map((h) => h.done));
    await tracker.close();
    await conn?.close();
    await api?.close().catch(() => undefined);
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
