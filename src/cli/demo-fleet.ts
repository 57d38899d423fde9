/**
 * The demo's emulated fleet as its own process, the way real drones are their own machines: it
 * outlives the service (a `kill -9` of `medidrop serve --demo` leaves the drones flying), and a
 * restarted service finds it again at the same addresses, so unfinished flights re-attach.
 *
 * - `medidrop demo-fleet --state FILE` (started by serve, detached): reads the fleet's spec from
 *   FILE, starts the emulator with the ports the spec asks for (the drones' stored addresses; the OS
 *   picks when one is taken or none is stored), then writes back FILE with its pid and ports. It runs
 *   until SIGTERM / SIGINT and then removes FILE.
 * - ensureDemoFleet() (in serve): reuses the running fleet when FILE names a live process with the
 *   same spec whose ports answer; otherwise (first start, the fleet died, the map changed) starts a
 *   new one, asking for the same ports. A fleet started afresh has every drone at home, on the
 *   ground and disarmed — an unfinished flight then ends with that cause (src/fleet/flight-runner.ts).
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../log.js';
import { parseCommandArgs, UsageError } from './common.js';
import { demoCrewOptions, demTerrain } from './demo-world.js';
import { loadDem } from '../geo/dem/load.js';
import { DemError } from '../geo/dem/types.js';
import type { Surface } from '../../sim/emulator/index.js';

const log = createLogger('demo-fleet');

export interface FleetVehicleSpec {
  sysid: number;
  /** The drone's id in the service (for the ground crew's log lines). */
  id?: string;
  home: { lat: number; lon: number; altM: number };
  /** Wanted TCP port (0: the OS picks). */
  tcpPort: number;
  /** Rooftop drop points as landing surfaces (src/cli/demo-world.ts). */
  surfaces?: Surface[];
}

export interface FleetSpec {
  vehicles: FleetVehicleSpec[];
  speedup: number;
  readyAfterS: number;
  wind: { speedMs: number; fromDeg: number };
  /** The ground crew's battery swap after a flight, simulated seconds landed and disarmed (sim/emulator/ground-crew.ts). */
  turnaroundS?: number;
  /** The service's DEM files / directories (absolute paths): the drones' ground (the emulator's `terrain`). */
  dem?: string[];
}

interface FleetStateFile {
  spec: FleetSpec;
  pid?: number;
  /** sysid → TCP port, once listening. */
  ports?: Record<string, number>;
  startedAt?: string;
}

function readState(file: string): FleetStateFile | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as FleetStateFile;
  } catch {
    return null;
  }
}

function writeState(file: string, s: FleetStateFile): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(s, null, 1));
  renameSync(tmp, file);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1000, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/** Same drones at the same homes, same speed-up and wind: the running fleet can be reused. */
function sameFleet(a: FleetSpec, b: FleetSpec): boolean {
  const key = (s: FleetSpec) =>
    JSON.stringify({
      v: s.vehicles.map((v) => ({ sysid: v.sysid, home: v.home, surfaces: v.surfaces ?? [] })),
      speedup: s.speedup,
      readyAfterS: s.readyAfterS,
      wind: s.wind,
      turnaroundS: s.turnaroundS ?? null,
      dem: s.dem ?? [],
    });
  return key(a) === key(b);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The demo fleet of this database: the running one when it matches `spec`, else a new detached
 * process (asking for the ports in `spec`). Returns its pid, sysid → port, and whether it was reused.
 */
export async function ensureDemoFleet(stateFile: string, spec: FleetSpec): Promise<{ pid: number; ports: Map<number, number>; reused: boolean }> {
  const cur = readState(stateFile);
  if (cur?.pid && cur.ports && alive(cur.pid)) {
    const ports = new Map(Object.entries(cur.ports).map(([k, v]) => [Number(k), v]));
    const complete = spec.vehicles.every((v) => ports.has(v.sysid));
    if (complete && sameFleet(cur.spec, spec) && (await Promise.all([...ports.values()].map(answers))).every(Boolean)) {
      return { pid: cur.pid, ports, reused: true };
    }
    log.info({ pid: cur.pid }, 'demo fleet differs from the zone map (or does not answer): replacing it');
    await stopDemoFleet(stateFile);
  }
  // Ask for the ports the previous fleet had, so the drones' addresses do not change.
  const wanted: FleetSpec = {
    ...spec,
    vehicles: spec.vehicles.map((v) => ({ ...v, tcpPort: cur?.ports?.[String(v.sysid)] ?? v.tcpPort })),
  };
  writeState(stateFile, { spec: wanted });
  const logFd = openSync(`${stateFile}.log`, 'a');
  const cli = fileURLToPath(new URL('../cli.js', import.meta.url));
  const child = spawn(process.execPath, [cli, 'demo-fleet', '--state', stateFile], {
    detached: true, // its own process group: a signal to the service's group does not reach it
    stdio: ['ignore', logFd, logFd],
    env: process.env,
  });
  closeSync(logFd);
  child.unref();
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not start the demo fleet process');
  let exited: number | null = null;
  child.once('exit', (code) => {
    exited = code ?? -1;
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    const s = readState(stateFile);
    if (s?.pid === pid && s.ports) return { pid, ports: new Map(Object.entries(s.ports).map(([k, v]) => [Number(k), v])), reused: false };
    if (exited !== null) throw new Error(`the demo fleet process exited (${exited}); see ${stateFile}.log`);
    if (Date.now() > deadline) throw new Error(`the demo fleet process did not start within 30 s; see ${stateFile}.log`);
    await sleep(50);
  }
}

/** Stop the demo fleet of this state file (SIGTERM, then SIGKILL after 5 s), if it runs. */
export async function stopDemoFleet(stateFile: string): Promise<void> {
  const s = readState(stateFile);
  if (!s?.pid || !alive(s.pid)) return;
  process.kill(s.pid, 'SIGTERM');
  const end = Date.now() + 5000;
  while (alive(s.pid) && Date.now() < end) await sleep(50);
  if (alive(s.pid)) process.kill(s.pid, 'SIGKILL');
}

/** `medidrop demo-fleet --state FILE`: the fleet process itself (started by serve). */
export async function run(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(args, { state: { type: 'string' }, help: { type: 'boolean', short: 'h' } });
  if (values.help || !values.state) {
    process.stdout.write('usage: medidrop demo-fleet --state FILE (started by `medidrop serve --demo`; not for direct use)\n');
    if (!values.state && !values.help) throw new UsageError('--state FILE is required');
    return 0;
  }
  const file = values.state;
  const state = readState(file);
  if (!state?.spec) throw new UsageError(`${file}: no demo fleet spec`);
  const { startEmulator, startGroundCrew } = await import('../../sim/emulator/index.js');
  // The same elevation data the service plans with: the drones' ground (demo-world.ts).
  let terrain: ((lat: number, lon: number) => number | undefined) | undefined;
  if (state.spec.dem && state.spec.dem.length > 0) {
    try {
      terrain = demTerrain(await loadDem(state.spec.dem));
    } catch (err) {
      if (err instanceof DemError) throw new UsageError(`${file}: dem: ${err.message}`);
      throw err;
    }
  }
  const opts = (ports: boolean) => ({
    vehicles: state.spec.vehicles.map((v) => ({
      sysid: v.sysid,
      home: v.home,
      tcpPort: ports ? v.tcpPort : 0,
      ...(v.surfaces ? { surfaces: v.surfaces } : {}),
    })),
    speedup: state.spec.speedup,
    readyAfterS: state.spec.readyAfterS,
    wind: state.spec.wind,
    ...(terrain ? { terrain } : {}),
  });
  let emu: Awaited<ReturnType<typeof startEmulator>>;
  try {
    emu = await startEmulator(opts(true));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    log.warn({ err }, 'a stored drone port is taken: the OS picks new ones (unfinished flights follow their drone)');
    emu = await startEmulator(opts(false));
  }
  const idOf = new Map(state.spec.vehicles.map((v) => [v.sysid, v.id]));
  const crew = startGroundCrew(
    emu,
    demoCrewOptions(state.spec.turnaroundS ?? 60, (sysid) => idOf.get(sysid)),
  );
  const ports: Record<string, number> = {};
  for (const v of emu.vehicles) ports[String(v.sysid)] = v.tcpPort;
  writeState(file, { spec: state.spec, pid: process.pid, ports, startedAt: new Date().toISOString() });
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  crew.stop();
  await emu.stop();
  const now = readState(file);
  if (now?.pid === process.pid && existsSync(file)) rmSync(file, { force: true });
  return 0;
}
