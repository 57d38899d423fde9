/**
 * `medidrop serve [--demo] [--port N] [--host H] [--db FILE] [--config FILE] [--speedup X]`
 *
 * Starts the web service on an SQLite file. With --demo, on a fresh database it loads the demo zone
 * map, creates one demo user per role (printed), and starts emulated drones at every depot in this
 * process (their connection URLs are refreshed on each start). Re-attaches unfinished flights.
 */
import { join } from 'node:path';
import { ConfigError, loadConfig, type ServiceConfig } from '../app/config.js';
import { packageRoot } from '../package-root.js';
import { createService, recoverAfterStart, type ServiceParts } from '../app/service.js';
import { openStore } from '../store/db.js';
import { hashPassword } from '../store/passwords.js';
import type { Repositories } from '../store/repositories.js';
import { buildApp } from '../web/app.js';
import { parseCommandArgs, readSmallTextFile, UsageError } from './common.js';
import { createLogger } from '../log.js';
import type { Emulator } from '../../sim/emulator/index.js';
import { dropSurfaces } from './demo-world.js';

const log = createLogger('serve');

const HELP = `usage: medidrop serve [options]

  --demo            demo zone map, demo users (printed) and emulated drones at the depots
  --port N          listen port (MEDIDROP_PORT, default 8080; 0 = any free port)
  --host H          listen address (MEDIDROP_HOST, default 127.0.0.1)
  --db FILE         SQLite database file (MEDIDROP_DB, default ./data/medidrop.sqlite)
  --config FILE     JSON configuration file (see README "Configuration")
  --speedup X       demo drones' simulated-time factor (MEDIDROP_SIM_SPEEDUP, default 5)
  --turnaround S    demo drones' battery swap: simulated seconds landed and disarmed after a flight
                    (MEDIDROP_SIM_TURNAROUND_S, default 60)
  -h, --help        this text
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
      overrides: { port: values.port, host: values.host, db: values.db, simSpeedup: values.speedup, simTurnaroundS: values.turnaround },
    });
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
  if (values.demo && !config.zoneMap) config.zoneMap = DEMO_MAP;

  const store = openStore(config.db);
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
      const sim = await startDemoDrones(parts, config.simSpeedup, { turnaroundS: config.simTurnaroundS });
      stops.push(sim.stop);
      out.push(...sim.lines);
    }
    await recoverAfterStart(parts);
    void parts.flights.prepareDrones();
    parts.fleet.watchAll();
    const app = await buildApp(parts);
    stops.unshift(() => app.close());
    const address = await app.listen({ port: config.port, host: config.host });
    out.push(`database: ${config.db}`);
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

/**
 * One emulated drone per depot (or one per drone id the depot lists), started in this process on
 * OS-chosen TCP ports; drone records are created or pointed at the new ports. Each drone's world has the
 * map's rooftop drop points (demo-world.ts), and a ground crew swaps a drone's battery once it has stood
 * landed and disarmed for `turnaroundS` simulated seconds after a flight (sim/emulator/ground-crew.ts).
 */
export async function startDemoDrones(
  parts: ServiceParts,
  speedup: number,
  opts: { turnaroundS?: number } = {},
): Promise<{ stop: () => Promise<void>; lines: string[]; emulator?: Emulator }> {
  const map = parts.dispatcher.zoneMap()?.map;
  if (!map) return { stop: async () => undefined, lines: ['no zone map: no demo drones'] };
  const { startEmulator, startGroundCrew } = await import('../../sim/emulator/index.js');
  const wanted: { id: string; depot: string; lat: number; lon: number; altM: number }[] = [];
  for (const [i, d] of map.depots.entries()) {
    const ids = d.drones.length ? d.drones : [`${slug(d.name, `depot${i + 1}`)}-1`];
    for (const id of ids)
      wanted.push({
        id: slug(id, `drone${wanted.length + 1}`),
        depot: d.name,
        lat: d.position[1],
        lon: d.position[0],
        altM: d.groundAltitudeM ?? map.siteAltitudeM,
      });
  }
  const { repos } = parts;
  const existing = new Map(repos.drones.list().map((d) => [d.id, d]));
  const used = new Set([...existing.values()].map((d) => d.sysid));
  const sysidOf = new Map<string, number>();
  let next = 1;
  for (const w of wanted) {
    const cur = existing.get(w.id);
    if (cur) sysidOf.set(w.id, cur.sysid);
    else {
      while (used.has(next)) next++;
      used.add(next);
      sysidOf.set(w.id, next);
    }
  }
  const emu = await startEmulator({
    vehicles: wanted.map((w) => ({
      sysid: sysidOf.get(w.id)!,
      home: { lat: w.lat, lon: w.lon, altM: w.altM },
      surfaces: dropSurfaces(map, w.altM),
    })),
    speedup,
    readyAfterS: 10,
    wind: { speedMs: parts.dispatcher.weather.windSpeedMs, fromDeg: parts.dispatcher.weather.windFromDeg },
  });
  const lines = [`emulated drones (speed-up ${speedup}×):`];
  wanted.forEach((w, i) => {
    const url = `tcp://127.0.0.1:${emu.vehicles[i]!.tcpPort}`;
    const cur = existing.get(w.id);
    if (cur) repos.drones.update(w.id, { connectionUrl: url, depot: w.depot });
    else
      repos.drones.create({
        id: w.id,
        name: w.id.toUpperCase(),
        profileId: 'police-quad',
        depot: w.depot,
        connectionUrl: url,
        sysid: sysidOf.get(w.id)!,
        enabled: true,
      });
    lines.push(`  ${w.id} (sysid ${sysidOf.get(w.id)}) at ${w.depot}: ${url}`);
  });
  const turnaroundS = opts.turnaroundS ?? 60;
  const idOf = new Map(wanted.map((w) => [sysidOf.get(w.id)!, w.id]));
  const crew = startGroundCrew(emu, {
    turnaroundS,
    onSwap: (s) =>
      log.info(
        { drone: idOf.get(s.sysid), sysid: s.sysid, remainingPct: s.before.remainingPct, consumedMah: s.before.consumedMah, groundS: Math.round(s.groundS) },
        'demo ground crew: battery swapped (the drone power-cycles onto a full pack)',
      ),
    onError: (err, v) => log.warn({ drone: idOf.get(v.sysid), sysid: v.sysid, err: err.message }, 'demo ground crew: battery swap failed'),
  });
  lines.push(`  battery swap after ${turnaroundS} s (simulated) landed and disarmed; rooftop drop points are landing surfaces`);
  await parts.dispatcher.replanOpen('demo drones started');
  return {
    stop: async () => {
      crew.stop();
      await emu.stop();
    },
    lines,
    emulator: emu,
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
