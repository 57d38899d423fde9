/**
 * `medidrop sim`: start emulated ArduCopter drones at a depot of a zone map, for trying medidrop
 * without hardware (`npm start`'s demo uses it).
 *
 *   medidrop sim --map FILE --depot NAME [--vehicles N] [--speedup K] [--port 5760] [--ready-after S]
 *                [--wind S@D] [--udp HOST:PORT] [--param NAME=VALUE …] [--signing-key KEY] [--dem PATH …]
 *
 * Vehicle i (sysid i, from 1) listens on TCP port + 10·(i − 1), like SITL instances (`--port 0`: the OS
 * picks). Rooftop drop points of the map become raised surfaces (10 m around the point) that a
 * payload place touches down on. One JSON line per vehicle goes to stdout ({sysid, url, home}); it
 * runs until Ctrl-C.
 *
 * With --dem the drones' ground is the DEM's (the same data `medidrop plan --dem` plans with): they
 * start on the ground at the depot, and landing, payload place and the winch reach the DEM's ground
 * (rooftops stand on it). Their altitudes stay relative to home, as ArduCopter's are.
 *
 * With a signing key (or MEDIDROP_SIGNING_KEY) every drone signs with it and refuses what is not
 * signed with it — except on SERIAL0 (its first port), which ArduPilot trusts unsigned as USB. So, like
 * the SITL harness, the command holds SERIAL0 itself (which boots the firmware at once) and hands out
 * SERIAL1 (port + 2 + 10·(i − 1)) as `url`.
 */
import { loadZoneMapFile } from '../geo/zone-map.js';
import { ZoneMapError, type ZoneMap } from '../geo/types.js';
import { startEmulator, type Emulator } from '../../sim/emulator/index.js';
import { fromNE } from '../../sim/emulator/geo.js';
import net from 'node:net';
import { numberFlag, parseCommandArgs, UsageError } from './common.js';
import { demTerrain, depotWorld } from './demo-world.js';
import { createLogger } from '../log.js';
import { loadDem } from '../geo/dem/load.js';
import { DemError, type Dem } from '../geo/dem/types.js';
import { parseSigningKey } from '../mavlink/signing.js';

const HELP = `usage: medidrop sim --map FILE --depot NAME [options]

  --map FILE            zone map (GeoJSON FeatureCollection)
  --depot NAME          depot the drones start from
  --vehicles N          number of drones, sysid 1..N (default 1)
  --speedup K           simulated seconds per wall second (default 1)
  --port P              TCP port of drone 1; drone i gets P + 10·(i − 1) (default 5760; 0 = any free)
  --host H              address the drones listen on (default 127.0.0.1; 0.0.0.0 in a container that
                        other containers reach, as in compose.yaml)
  --ready-after S       simulated seconds until the EKF uses GPS and arming works (default 42, like SITL)
  --wind S@D            wind S m/s blowing from D degrees true (default 0@0)
  --udp HOST:PORT       also send every drone's MAVLink to this UDP address (one link, several drones)
  --param NAME=VALUE    set a vehicle parameter on every drone (repeatable), e.g. --param WINCH_TYPE=1 --param SERVO9_FUNCTION=88 (a PWM winch on output 9)
                        for a winch drone (defaults: sim/sitl/medidrop.parm)
  --signing-key KEY     MAVLink 2 signing key of every drone: 64 hex digits or a passphrase (SHA-256 of it,
                        like Mission Planner); or MEDIDROP_SIGNING_KEY in the environment. The drones sign
                        and refuse unsigned packets; the printed url is SERIAL1 (port + 2), as SERIAL0 is
                        ArduPilot's trusted channel (held by this command)
  --dem PATH            elevation data (SRTM .hgt or GeoTIFF file, or a directory; repeatable): the drones'
                        ground, as the planner's; without it the ground is flat at the depot's altitude

prints one JSON line per drone, then runs until Ctrl-C; exit 2 on bad input`;

const OPTIONS = {
  map: { type: 'string' },
  depot: { type: 'string' },
  vehicles: { type: 'string' },
  speedup: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  'ready-after': { type: 'string' },
  wind: { type: 'string' },
  udp: { type: 'string' },
  param: { type: 'string', multiple: true },
  'signing-key': { type: 'string' },
  dem: { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface SimIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Resolves when the simulation should stop (default: SIGINT / SIGTERM). */
  until?: Promise<void>;
  /** Called once the drones are up (tests use it to reach the emulator). */
  started?: (emu: Emulator) => void;
}

function signals(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}

function parseWind(value: string | undefined): { speedMs: number; fromDeg: number } {
  if (value === undefined) return { speedMs: 0, fromDeg: 0 };
  const m = /^\s*(\d+(?:\.\d+)?)\s*@\s*(\d+(?:\.\d+)?)\s*$/.exec(value);
  if (!m) throw new UsageError(`--wind must be SPEED@FROM_DEG, e.g. 8@270, got '${value}'`);
  const speedMs = Number(m[1]);
  const fromDeg = Number(m[2]);
  if (fromDeg >= 360) throw new UsageError(`--wind direction must be 0..359 degrees, got ${fromDeg}`);
  return { speedMs, fromDeg };
}

function parseUdp(value: string | undefined): { host: string; port: number } | undefined {
  if (value === undefined) return undefined;
  const m = /^([^:]+):(\d+)$/.exec(value.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || !(port >= 1 && port <= 65535)) throw new UsageError(`--udp must be HOST:PORT, got '${value}'`);
  return { host: m[1]!, port };
}

/** `--param NAME=VALUE` → parameters; ArduPilot names are upper case, at most 16 characters. */
function parseParams(values: string[] | undefined): Record<string, number> {
  const params: Record<string, number> = {};
  for (const v of values ?? []) {
    const m = /^\s*([A-Z][A-Z0-9_]{0,15})\s*=\s*(\S+)\s*$/.exec(v);
    if (!m) throw new UsageError(`--param must be NAME=VALUE with an ArduPilot parameter name (A-Z, 0-9, _; at most 16 characters), got '${v}'`);
    const value = Number(m[2]);
    if (!Number.isFinite(value)) throw new UsageError(`--param ${m[1]} must be a number, got '${m[2]}'`);
    params[m[1]!] = value;
  }
  return params;
}

/** `--signing-key` or MEDIDROP_SIGNING_KEY (an empty variable counts as unset) → 32-byte key. */
function parseKey(flag: string | undefined): Buffer | undefined {
  const env = process.env.MEDIDROP_SIGNING_KEY;
  const text = flag ?? (env === undefined || env.trim() === '' ? undefined : env);
  if (text === undefined) return undefined;
  const from = flag !== undefined ? '--signing-key' : 'MEDIDROP_SIGNING_KEY';
  let key: Buffer;
  try {
    key = parseSigningKey(text);
  } catch (err) {
    throw new UsageError(`${from}: ${(err as Error).message} (64 hex digits or a passphrase)`);
  }
  if (key.every((b) => b === 0)) throw new UsageError(`${from}: an all-zero key means "signing disabled" to ArduPilot; pick another`);
  return key;
}

/** Hold a drone's SERIAL0 like the SITL harness does: connecting boots the firmware; what it says is discarded. */
async function holdSerial0(port: number, host: string): Promise<net.Socket> {
  const sock = net.connect(port, host);
  sock.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('error', reject);
  });
  sock.resume();
  return sock;
}

export async function run(
  args: string[],
  io: SimIo = { out: (l) => process.stdout.write(l + '\n'), err: (l) => process.stderr.write(l + '\n') },
): Promise<number> {
  const { values } = parseCommandArgs(args, OPTIONS);
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  if (!values.map) throw new UsageError('--map FILE is required');
  if (!values.depot) throw new UsageError('--depot NAME is required');
  const count = numberFlag('vehicles', values.vehicles, 1)!;
  if (!Number.isInteger(count) || count < 1 || count > 50) throw new UsageError(`--vehicles must be an integer 1..50, got ${values.vehicles}`);
  const speedup = numberFlag('speedup', values.speedup, 1)!;
  if (!(speedup > 0 && speedup <= 1000)) throw new UsageError(`--speedup must be in (0, 1000], got ${values.speedup}`);
  const signingKey = parseKey(values['signing-key']);
  const port = numberFlag('port', values.port, 5760)!;
  const top = port + 10 * (count - 1) + (signingKey ? 2 : 0);
  if (!Number.isInteger(port) || port < 0 || top > 65535)
    throw new UsageError(`--port must be 0 or a TCP port leaving room for ${count} drone(s), got ${values.port}`);
  const readyAfterS = numberFlag('ready-after', values['ready-after'], 42)!;
  const listenHost = values.host ?? '127.0.0.1';
  if (net.isIP(listenHost) === 0) throw new UsageError(`--host must be an IP address to listen on (e.g. 127.0.0.1 or 0.0.0.0), got "${listenHost}"`);
  // where this machine reaches the drones (the printed urls; SERIAL0 held here)
  const reachAt = listenHost === '0.0.0.0' ? '127.0.0.1' : listenHost === '::' ? '::1' : listenHost;
  if (!(readyAfterS >= 0)) throw new UsageError(`--ready-after must be ≥ 0, got ${values['ready-after']}`);
  const wind = parseWind(values.wind);
  const udpOut = parseUdp(values.udp);
  const params = parseParams(values.param);

  let map: ZoneMap;
  try {
    map = loadZoneMapFile(values.map);
  } catch (err) {
    if (err instanceof ZoneMapError) throw new UsageError(`${values.map} is not a usable zone map:\n  ${err.issues.map((i) => i.message).join('\n  ')}`);
    throw new UsageError(`cannot read ${values.map}: ${(err as Error).message}`);
  }
  const depot = map.depots.find((d) => d.name === values.depot) ?? map.depots.find((d) => d.name.toLowerCase().startsWith(values.depot!.toLowerCase()));
  if (!depot) {
    throw new UsageError(`no depot '${values.depot}' in ${values.map}; depots: ${map.depots.map((d) => `'${d.name}'`).join(', ') || '(none)'}`);
  }
  const [lon, lat] = depot.position;
  let dem: Dem | undefined;
  if (values.dem && values.dem.length > 0) {
    try {
      dem = await loadDem(values.dem);
    } catch (err) {
      if (err instanceof DemError) throw new UsageError(`--dem: ${err.message}`);
      throw err;
    }
  }
  // The ground: the DEM's at the depot and under the rooftops when given (demo-world.ts).
  const world = depotWorld(map, depot, dem);
  if (world.demGap) throw new UsageError(`--dem: the DEM gives no ground height at depot '${depot.name}' (${lat}, ${lon})`);
  const altM = world.altM;
  // Drones stand 3 m apart along a line east of the depot point, in the emulator's own geometry.
  const vehicles = Array.from({ length: count }, (_, i) => ({
    sysid: i + 1,
    home: { ...fromNE({ lat, lon }, { n: 0, e: 3 * i }), altM },
    tcpPort: port === 0 ? 0 : port + 10 * i,
    params,
    ...(signingKey ? { signingKey, extraTcpPorts: [port === 0 ? 0 : port + 10 * i + 2] } : {}),
  }));
  // Rooftop drop points are surfaces a drone can land on (heights are above the depot's ground).
  // With a DEM a rooftop stands on the DEM's ground at its drop point.
  const surfaces = world.surfaces;
  const logger = createLogger('sim');
  let emu: Emulator;
  try {
    emu = await startEmulator({
      vehicles,
      speedup,
      readyAfterS,
      host: listenHost,
      wind,
      udpOut,
      logger,
      surfaces,
      ...(dem ? { terrain: demTerrain(dem) } : {}),
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') throw new UsageError(`TCP port in use (${e.message}); pick another --port or --port 0`);
    throw err;
  }
  const held: net.Socket[] = [];
  try {
    if (signingKey) for (const v of emu.vehicles) held.push(await holdSerial0(v.tcpPort, reachAt));
  } catch (err) {
    for (const s of held) s.destroy();
    await emu.stop();
    throw err;
  }
  for (const v of emu.vehicles) {
    const h = vehicles[v.sysid - 1]!.home;
    const tcpPort = signingKey ? v.extraTcpPorts[0]! : v.tcpPort;
    io.out(
      JSON.stringify({
        sysid: v.sysid,
        url: `tcp://${reachAt.includes(':') ? `[${reachAt}]` : reachAt}:${tcpPort}`,
        tcpPort,
        home: h,
        depot: depot.name,
        ...(signingKey ? { signed: true, serial0Port: v.tcpPort } : {}),
      }),
    );
  }
  if (udpOut) io.err(`medidrop sim: also speaking MAVLink over UDP to ${udpOut.host}:${udpOut.port} from port ${emu.udpPort}`);
  if (signingKey) {
    io.err(
      `medidrop sim: MAVLink 2 signing on: connect to SERIAL1 (the url above) with the same key (--signing-key or MEDIDROP_SIGNING_KEY); SERIAL0 is held here`,
    );
  }
  const when = signingKey ? 'after start' : 'after a client connects';
  io.err(`medidrop sim: ${count} drone(s) at ${depot.name}, speed-up ${speedup}×, ready to arm ${readyAfterS} s (sim) ${when}; Ctrl-C to stop`);
  io.started?.(emu);
  await (io.until ?? signals());
  for (const s of held) s.destroy();
  await emu.stop();
  io.err('medidrop sim: stopped');
  return 0;
}
