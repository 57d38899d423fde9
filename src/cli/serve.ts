/**
 * `medidrop serve [--demo] [--port N] [--host H] [--db FILE] [--config FILE] [--speedup X] [--mqtt URL]`
 *
 * Starts the web service on an SQLite file. With --demo, on a fresh database it loads the demo zone
 * map, creates one demo user per role (printed), and starts emulated drones at every depot as their
 * own process, which outlives the service and is found again on the next start at the same addresses
 * (src/cli/demo-fleet.ts). Re-attaches unfinished flights.
 */
import { join, resolve } from 'node:path';
import { ConfigError, loadConfig, type ServiceConfig } from '../app/config.js';
import { packageRoot } from '../package-root.js';
import { createService, recoverAfterStart, type ServiceParts } from '../app/service.js';
import { isPostgresUrl, maskUrl, openDatabase, type Store, StoreOpenError } from '../store/db.js';
import { hashPassword } from '../store/passwords.js';
import type { Repositories } from '../store/repositories.js';
import { buildApp } from '../web/app.js';
import { parseCommandArgs, readSmallTextFile, UsageError } from './common.js';
import { createLogger } from '../log.js';
import type { Emulator, Surface } from '../../sim/emulator/index.js';
import { demoCrewOptions, demTerrain, depotWorld } from './demo-world.js';

const log = createLogger('serve');

const HELP = `usage: medidrop serve [options]

  --demo            demo zone map, demo users (printed) and emulated drones at the depots
  --port N          listen port (MEDIDROP_PORT, default 8080; 0 = any free port)
  --host H          listen address (MEDIDROP_HOST, default 127.0.0.1)
  --db FILE|URL     SQLite database file, or postgres://user:password@host:port/db for PostgreSQL
                    (MEDIDROP_DB, default ./data/medidrop.sqlite)
  --config FILE     JSON configuration file (see README "Configuration")
  --speedup X       demo drones' simulated-time factor (MEDIDROP_SIM_SPEEDUP, default 5)
  --turnaround S    demo drones' battery swap: simulated seconds landed and disarmed after a flight
                    (MEDIDROP_SIM_TURNAROUND_S, default 60)
  --mqtt URL        MQTT broker of the telemetry bus between instances, mqtt://host:port
                    (MEDIDROP_MQTT, default none; see README "MQTT telemetry bus")
  -h, --help        this text

Several instances on one database and fleet: MEDIDROP_SHARED=true on each, optionally
MEDIDROP_INSTANCE_ID and MEDIDROP_LEASE_MS (README "Several instances, one fleet").
`;

export const DEMO_USERS = [
  { username: 'officer', name: '李警官 Officer Li', role: 'officer', password: 'officer-demo' },
  { username: 'pilot', name: '赵飞手 Pilot Zhao', role: 'pilot', password: 'pilot-demo' },
  { username: 'admin', name: '陈管理员 Admin Chen', role: 'admin', password: 'admin-demo' },
] as const;

export const DEMO_MAP = join(packageRoot(), 'missions', 'county-town.geojson');

export async function run(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(args, {
    demo: { type: 'boolean' },
    port: { type: 'string' },
    host: { type: 'string' },
    db: { type: 'string' },
    config: { type: 'string' },
    speedup: { type: 'string' },
    turnaround: { type: 'string' },
    mqtt: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  let config: ServiceConfig;
  try {
    config = loadConfig({
      ...(values.config ? { file: values.config } : {}),
      overrides: { port: values.port, host: values.host, db: values.db, simSpeedup: values.speedup, simTurnaroundS: values.turnaround, mqtt: values.mqtt },
    });
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
  if (values.demo && !config.zoneMap) config.zoneMap = DEMO_MAP;

  let store: Store;
  try {
    store = openDatabase(config.db);
  } catch (err) {
    // an unreachable server, a missing pg-native, a file that is not a database: a message, exit 2
    if (err instanceof StoreOpenError) throw new UsageError(err.message);
    throw err;
  }
  const stops: (() => Promise<void>)[] = [];
  let parts: ServiceParts | null = null;
  try {
    parts = await createService({ repos: store.repos, config });
    const out: string[] = [];
    if (!store.repos.zoneMaps.latest() && config.zoneMap) {
      const what = `zone map ${config.zoneMap}`;
      const text = readSmallTextFile(config.zoneMap, what, 64 * 1024 * 1024);
      let json: unknown;
      try {
        json = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
      } catch (err) {
        throw new UsageError(`${what}: not valid JSON (${(err as Error).message})`);
      }
      await parts.dispatcher.setZoneMap(json, null);
      out.push(`zone map: ${config.zoneMap}`);
    }
    if (values.demo) {
      out.push(...(await ensureDemoUsers(store.repos)));
      const sim =
        config.db === ':memory:'
          ? await startDemoDrones(parts, config.simSpeedup, { turnaroundS: config.simTurnaroundS })
          : await startDemoFleet(parts, config.simSpeedup, demoFleetBase(config.db), { turnaroundS: config.simTurnaroundS });
      stops.push(sim.stop);
      out.push(...sim.lines);
    }
    await recoverAfterStart(parts);
    void parts.flights.prepareDrones();
    parts.fleet.watchAll();
    const app = await buildApp(parts);
    stops.unshift(() => app.close());
    const address = await app.listen({ port: config.port, host: config.host });
    out.push(`database: ${isPostgresUrl(config.db) ? maskUrl(config.db) : config.db}`);
    out.push(`medidrop listening on ${address.replace('[::1]', 'localhost')}`);
    process.stdout.write(out.join('\n') + '\n');
  } catch (err) {
    for (const s of stops) await s().catch(() => undefined);
    await parts?.close();
    store.close();
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }

  const p = parts;
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, 'stopping');
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  for (const s of stops) await s().catch((err: unknown) => log.warn({ err }, 'stop failed'));
  await p.close();
  store.close();
  return 0;
}

/**
 * Where the demo fleet keeps its state file (`<base>.demo-fleet.json`): beside a SQLite file, or for a
 * PostgreSQL database in ./data under the server's host, port and database name (never the password).
 */
function demoFleetBase(db: string): string {
  if (!isPostgresUrl(db)) return db;
  let name = 'postgres';
  try {
    const u = new URL(db);
    name = `postgres-${u.hostname || 'local'}-${u.port || '5432'}-${u.pathname.replace(/^\//, '') || 'default'}`;
  } catch {
    // a libpq URL that WHATWG URL does not parse (e.g. a socket directory): one shared name
  }
  return resolve('data', name.replace(/[^A-Za-z0-9._-]/g, '_'));
}

/** Demo users, one per role, created once; their names and passwords are printed. */
export async function ensureDemoUsers(repos: Repositories): Promise<string[]> {
  const lines = ['demo users (user name / password):'];
  for (const u of DEMO_USERS) {
    if (!repos.users.byName(u.username)) {
      repos.users.create({ username: u.username, name: u.name, role: u.role, passwordHash: await hashPassword(u.password) });
      repos.audit.append({ actorId: null, action: 'user.create', subjectType: 'user', subjectId: u.username, reason: 'demo user', details: { role: u.role } });
    }
    lines.push(`  ${u.role.padEnd(8)} ${u.username} / ${u.password}`);
  }
  return lines;
}

interface DemoDrone {
  id: string;
  depot: string;
  sysid: number;
  home: { lat: number; lon: number; altM: number };
  /** The TCP port of its stored address (tcp://127.0.0.1:PORT), 0 when none. */
  storedPort: number;
  /** The map's rooftop drop points as landing surfaces, relative to this drone's depot ground (demo-world.ts). */
  surfaces: Surface[];
}

/** One drone per depot (or one per drone id the depot lists), with stable sysids and stored ports. */
function demoDrones(parts: ServiceParts): DemoDrone[] | null {
  const map = parts.dispatcher.zoneMap()?.map;
  if (!map) return null;
  const wanted: Omit<DemoDrone, 'sysid' | 'storedPort'>[] = [];
  for (const [i, d] of map.depots.entries()) {
    const ids = d.drones.length ? d.drones : [`${slug(d.name, `depot${i + 1}`)}-1`];
    // On the service's DEM when it has one, as the planner plans (demo-world.ts).
    const world = depotWorld(map, d, parts.dem?.model);
    if (world.demGap)
      log.warn(
        { depot: d.name, lat: d.position[1], lon: d.position[0], altM: world.altM },
        'demo drones: the DEM (MEDIDROP_DEM) gives no ground height at this depot; its drones stand at the map altitude (plans from it are refused)',
      );
    for (const id of ids)
      wanted.push({
        id: slug(id, `drone${wanted.length + 1}`),
        depot: d.name,
        home: { lat: d.position[1], lon: d.position[0], altM: world.altM },
        surfaces: world.surfaces,
      });
  }
  const existing = new Map(parts.repos.drones.list().map((d) => [d.id, d]));
  const used = new Set([...existing.values()].map((d) => d.sysid));
  let next = 1;
  return wanted.map((w) => {
    const cur = existing.get(w.id);
    let sysid = cur?.sysid;
    if (sysid === undefined) {
      while (used.has(next)) next++;
      used.add(next);
      sysid = next;
    }
    const port = /^tcp:\/\/127\.0\.0\.1:(\d+)$/.exec(cur?.connectionUrl ?? '');
    return { ...w, sysid, storedPort: port ? Number(port[1]) : 0 };
  });
}

/** Create the demo drone records or point them at their (possibly new) addresses; re-plan. */
async function registerDemoDrones(
  parts: ServiceParts,
  drones: DemoDrone[],
  portOf: (d: DemoDrone) => number,
  speedup: number,
  note: string,
  turnaroundS: number,
): Promise<string[]> {
  const { repos } = parts;
  const lines = [`emulated drones (speed-up ${speedup}×${note}):`];
  for (const w of drones) {
    const url = `tcp://127.0.0.1:${portOf(w)}`;
    const cur = repos.drones.byId(w.id);
    if (cur) repos.drones.update(w.id, { connectionUrl: url, depot: w.depot });
    else
      repos.drones.create({ id: w.id, name: w.id.toUpperCase(), profileId: 'police-quad', depot: w.depot, connectionUrl: url, sysid: w.sysid, enabled: true });
    lines.push(`  ${w.id} (sysid ${w.sysid}) at ${w.depot}: ${url}`);
  }
  lines.push(`  battery swap after ${turnaroundS} s (simulated) landed and disarmed; rooftop drop points are landing surfaces`);
  if (parts.dem) lines.push(`  their ground is the DEM's: ${parts.dem.model.source.description}`);
  await parts.dispatcher.replanOpen('demo drones started');
  return lines;
}

const demoWind = (parts: ServiceParts) => ({ speedMs: parts.dispatcher.weather.windSpeedMs, fromDeg: parts.dispatcher.weather.windFromDeg });

/**
 * The demo drones started in this process on OS-chosen TCP ports (they stop with it); drone records
 * are created or pointed at the new ports. Each drone's world has the map's rooftop drop points
 * (demo-world.ts), and a ground crew swaps a drone's battery once it has stood landed and disarmed
 * for `turnaroundS` simulated seconds after a flight (sim/emulator/ground-crew.ts). `serve --demo`
 * on a database file uses startDemoFleet (its own process) instead.
 */
export async function startDemoDrones(
  parts: ServiceParts,
  speedup: number,
  opts: { turnaroundS?: number } = {},
): Promise<{ stop: () => Promise<void>; lines: string[]; emulator?: Emulator }> {
  const drones = demoDrones(parts);
  if (!drones) return { stop: async () => undefined, lines: ['no zone map: no demo drones'] };
  const { startEmulator, startGroundCrew } = await import('../../sim/emulator/index.js');
  const emu = await startEmulator({
    vehicles: drones.map((w) => ({ sysid: w.sysid, home: w.home, surfaces: w.surfaces })),
    speedup,
    readyAfterS: 10,
    wind: demoWind(parts),
    ...(parts.dem ? { terrain: demTerrain(parts.dem.model) } : {}),
  });
  const turnaroundS = opts.turnaroundS ?? 60;
  const idOf = new Map(drones.map((w) => [w.sysid, w.id]));
  const crew = startGroundCrew(
    emu,
    demoCrewOptions(turnaroundS, (sysid) => idOf.get(sysid)),
  );
  const lines = await registerDemoDrones(parts, drones, (w) => emu.vehicles[drones.indexOf(w)]!.tcpPort, speedup, '', turnaroundS);
  return {
    stop: async () => {
      crew.stop();
      await emu.stop();
    },
    lines,
    emulator: emu,
  };
}

/**
 * The demo drones as their own detached process (src/cli/demo-fleet.ts) that outlives this one,
 * like real drones outlive their ground station: found again on restart at the same addresses. The
 * fleet is stopped on a clean stop unless a flight is unfinished (it would strand that flight).
 */
export async function startDemoFleet(
  parts: ServiceParts,
  speedup: number,
  db: string,
  opts: { turnaroundS?: number } = {},
): Promise<{ stop: () => Promise<void>; lines: string[] }> {
  const drones = demoDrones(parts);
  if (!drones) return { stop: async () => undefined, lines: ['no zone map: no demo drones'] };
  const { ensureDemoFleet, stopDemoFleet } = await import('./demo-fleet.js');
  const stateFile = `${db}.demo-fleet.json`;
  const turnaroundS = opts.turnaroundS ?? 60;
  const fleet = await ensureDemoFleet(stateFile, {
    vehicles: drones.map((w) => ({ sysid: w.sysid, home: w.home, tcpPort: w.storedPort, surfaces: w.surfaces, id: w.id })),
    speedup,
    readyAfterS: 10,
    wind: demoWind(parts),
    turnaroundS,
    // The fleet process loads the same files for its ground (the paths are absolute).
    ...(parts.dem ? { dem: parts.dem.paths } : {}),
  });
  const note = `, process ${fleet.pid}${fleet.reused ? ', still running from before' : ''}`;
  const lines = await registerDemoDrones(parts, drones, (w) => fleet.ports.get(w.sysid)!, speedup, note, turnaroundS);
  return {
    stop: async () => {
      if (parts.repos.flights.list({ unfinished: true }).length > 0) {
        log.warn({ pid: fleet.pid }, 'a flight is unfinished: the demo fleet keeps running for the next start');
        return;
      }
      await stopDemoFleet(stateFile);
    },
    lines,
  };
}

function slug(s: string, fallback: string): string {
  const out = s
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 28);
  return out || fallback;
}
