/**
 * The ArduCopter-faithful MAVLink vehicle emulator (see sim/README.md and ../../README.md "Emulator").
 *
 *   const emu = await startEmulator({ vehicles: [{ sysid: 1, home: { lat, lon, altM } }], speedup: 20, readyAfterS: 3 });
 *   // connect a GCS to tcp://127.0.0.1:${emu.vehicles[0].tcpPort}
 *   await emu.stop();
 *
 * Each vehicle listens on its own TCP port (like SITL's 5760 + 10·N; port 0 = OS-chosen) and boots
 * when the first client connects. With `udpOut`, every vehicle also speaks over one UDP socket to one
 * GCS address (several vehicles on one link) and boots at once. The simulation advances in fixed
 * 50 ms steps of simulated time, paced against the wall clock by `speedup`.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import type { Logger } from '../../src/log.js';
import type { ParamNaming } from './params.js';
import { signingKeyProblem } from './signing.js';
import { EmulatedVehicle, type Port, type Surface } from './vehicle.js';

export { EmulatedVehicle, MODE } from './vehicle.js';
export type { ReleaseRecord, Surface } from './vehicle.js';
export type { SigningStats } from './signing.js';
export { startGroundCrew, type BatterySwap, type GroundCrew, type GroundCrewOptions } from './ground-crew.js';

export interface EmulatorVehicleOptions {
  sysid: number;
  home: { lat: number; lon: number; altM: number };
  /** TCP port to listen on; 0 or absent = OS-chosen (read it back from `vehicle.tcpPort`). */
  tcpPort?: number;
  /**
   * More serial ports on TCP, like SITL's SERIAL1/SERIAL2 (5762/5763): each takes one client and
   * speaks MAVLink, but connecting there does not boot the firmware (only `tcpPort` does).
   */
  extraTcpPorts?: number[];
  /** Parameter overrides on top of ArduCopter + medidrop defaults (4.7 names or the vehicle's spelling). */
  params?: Record<string, number>;
  /**
   * MAVLink 2 signing key (32 bytes), as if set with SETUP_SIGNING: the vehicle signs everything it
   * sends and, like ArduPilot, drops unsigned / wrongly signed / replayed packets except RADIO_STATUS
   * and RADIO — on every link but `tcpPort`, which is SERIAL0 (MAVLink channel 0, which ArduPilot
   * trusts as USB). `extraTcpPorts` are channels 1, 2 …; the UDP link comes after them.
   */
  signingKey?: Buffer;
  /**
   * Raised surfaces only this vehicle lands on, besides `EmulatorOptions.surfaces`. The emulated ground is
   * flat at each vehicle's start altitude, so a world whose heights are given above a depot's ground
   * (a zone map's `heightM`) is given per vehicle, against the ground of the depot it starts from.
   */
  surfaces?: Surface[];
}

export interface EmulatorOptions {
  vehicles: EmulatorVehicleOptions[];
  /** Simulated seconds per wall second (default 1). */
  speedup?: number;
  wind?: { speedMs: number; fromDeg: number };
  /** Also speak MAVLink over UDP to this GCS address (all vehicles on one socket). */
  udpOut?: { host: string; port: number };
  /** Sim seconds from boot until the EKF uses GPS and arming in GUIDED works (default 42, as SITL). */
  readyAfterS?: number;
  /** Parameter spelling: ArduCopter 4.7 (default: MAV_SYSID, WP_SPD, RTL_ALT_M, MAV1_*) or 4.6 (SYSID_THISMAV, WPNAV_SPEED, RTL_ALT, SR0_*). */
  paramNaming?: ParamNaming;
  /** Raised surfaces a vehicle can land on (rooftop drop points): top altitude AMSL, round footprint. */
  surfaces?: Surface[];
  /**
   * The ground's height AMSL at a place (a DEM sampled by the caller; undefined where it has no
   * data: flat at the vehicle's start altitude there). Landing, payload place and the winch reach
   * this ground; the vehicle's own altitudes stay relative to home as ArduCopter's are. A vehicle's
   * `home.altM` should be the ground there.
   */
  terrain?: (lat: number, lon: number) => number | undefined;
  /** Simulation step, sim seconds (default 0.05). */
  stepS?: number;
  /** Host to bind TCP servers to (default 127.0.0.1). */
  host?: string;
  logger?: Logger;
}

export interface Emulator {
  vehicles: EmulatedVehicle[];
  /** Local port of the UDP socket (when udpOut is set). */
  udpPort: number | undefined;
  /** Simulated seconds since start. */
  readonly simTimeS: number;
  /** Resolves once the simulated clock has reached `t` (sim seconds since start). */
  waitSim(seconds: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startEmulator(opts: EmulatorOptions): Promise<Emulator> {
  const speedup = opts.speedup ?? 1;
  const dt = opts.stepS ?? 0.05;
  if (!(speedup > 0) || !Number.isFinite(speedup)) throw new Error(`speedup must be a positive number, got ${speedup}`);
  if (!(dt > 0) || dt > 1) throw new Error(`stepS must be in (0, 1], got ${dt}`);
  if (opts.vehicles.length === 0) throw new Error('startEmulator needs at least one vehicle');
  const sysids = new Set<number>();
  for (const v of opts.vehicles) {
    if (!Number.isInteger(v.sysid) || v.sysid < 1 || v.sysid > 254) throw new Error(`vehicle sysid must be an integer 1..254, got ${v.sysid}`);
    if (sysids.has(v.sysid)) throw new Error(`vehicle sysid ${v.sysid} is used twice`);
    sysids.add(v.sysid);
    const { lat, lon, altM } = v.home;
    if (!(Math.abs(lat) <= 90) || !(Math.abs(lon) <= 180) || !Number.isFinite(altM)) {
      throw new Error(`vehicle ${v.sysid}: home must be lat -90..90, lon -180..180, altM finite; got ${lat}, ${lon}, ${altM}`);
    }
    for (const [j, sf] of (v.surfaces ?? []).entries()) {
      if (!(Math.abs(sf.lat) <= 90) || !(Math.abs(sf.lon) <= 180) || !(sf.radiusM > 0) || !Number.isFinite(sf.radiusM) || !Number.isFinite(sf.topAltM)) {
        throw new Error(`vehicle ${v.sysid}: surfaces[${j}] needs lat -90..90, lon -180..180, radiusM > 0 and a finite topAltM; got ${JSON.stringify(sf)}`);
      }
    }
    if (v.signingKey !== undefined) {
      const problem = signingKeyProblem(v.signingKey);
      if (problem) throw new Error(`vehicle ${v.sysid}: signingKey ${problem}`);
    }
  }
  const host = opts.host ?? '127.0.0.1';
  const wind = opts.wind ?? { speedMs: 0, fromDeg: 0 };
  const readyAfterS = opts.readyAfterS ?? 42;
  const vehicles = opts.vehicles.map(
    (v) =>
      new EmulatedVehicle({
        sysid: v.sysid,
        home: v.home,
        readyAfterS,
        params: v.params,
        paramNaming: opts.paramNaming,
        wind,
        surfaces: [...(opts.surfaces ?? []), ...(v.surfaces ?? [])],
        ...(opts.terrain ? { terrain: opts.terrain } : {}),
        logger: opts.logger,
        signingKey: v.signingKey,
      }),
  );
  // MAVLink channels: a vehicle's tcpPort is channel 0 (SERIAL0), its extra ports 1, 2 …, the UDP link next.
  const udpChannel = 1 + Math.max(0, ...opts.vehicles.map((v) => v.extraTcpPorts?.length ?? 0));

  const servers: net.Server[] = [];
  const sockets = new Set<net.Socket>();
  let udp: dgram.Socket | undefined;
  let stopped = false;

  try {
    for (let i = 0; i < vehicles.length; i++) {
      const vehicle = vehicles[i]!;
      const serve = async (listenPort: number, boots: boolean, channel: number): Promise<number> => {
        const server = net.createServer();
        let active: { sock: net.Socket; port: Port } | undefined;
        // Like SITL's serial port: one client at a time; later ones wait (connected, unheard) and the
        // oldest still open is taken on when the current one goes away.
        const waiting: net.Socket[] = [];
        const pending = new Map<net.Socket, Buffer[]>();
        const take = (sock: net.Socket) => {
          const port: Port = {
            channel,
            send: (bytes) => {
              if (!sock.destroyed) sock.write(bytes);
            },
          };
          active = { sock, port };
          vehicle.attach(port, boots);
          for (const b of pending.get(sock) ?? []) vehicle.receive(b, port);
          pending.delete(sock);
        };
        server.on('connection', (sock) => {
          sockets.add(sock);
          sock.setNoDelay(true);
          sock.on('error', () => undefined);
          sock.on('data', (b: Buffer) => {
            if (active?.sock === sock) vehicle.receive(b, active.port);
            else {
              // not accepted yet: the bytes wait in the socket buffer (bounded)
              const q = pending.get(sock) ?? [];
              if (q.length < 256) q.push(b);
              pending.set(sock, q);
            }
          });
          sock.on('close', () => {
            sockets.delete(sock);
            pending.delete(sock);
            const w = waiting.indexOf(sock);
            if (w >= 0) waiting.splice(w, 1);
            if (active?.sock === sock) {
              vehicle.detach(active.port);
              active = undefined;
              const next = waiting.shift();
              if (next && !next.destroyed) take(next);
            }
          });
          if (active) {
            waiting.push(sock);
            return;
          }
          take(sock);
        });
        // a reboot drops every TCP client, like SITL restarting
        const prev = vehicle.onDisconnectRequest;
        vehicle.onDisconnectRequest = () => {
          prev?.();
          const a = active;
          active = undefined;
          if (a) {
            vehicle.detach(a.port);
            a.sock.destroy();
          }
        };
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(listenPort, host, () => {
            server.off('error', reject);
            resolve();
          });
        });
        server.on('error', (err) => opts.logger?.warn({ err }, 'emulator TCP server error'));
        servers.push(server);
        const addr = server.address();
        return typeof addr === 'object' && addr ? addr.port : 0;
      };
      vehicle.tcpPort = await serve(opts.vehicles[i]!.tcpPort ?? 0, true, 0);
      vehicle.extraTcpPorts = [];
      for (const extra of opts.vehicles[i]!.extraTcpPorts ?? []) vehicle.extraTcpPorts.push(await serve(extra, false, vehicle.extraTcpPorts.length + 1));
    }

    if (opts.udpOut) {
      const out = opts.udpOut;
      const sock = dgram.createSocket('udp4');
      udp = sock;
      sock.on('error', (err) => opts.logger?.warn({ err }, 'emulator UDP error'));
      await new Promise<void>((resolve) => sock.bind(0, host, () => resolve()));
      const udpLink: Port = {
        channel: udpChannel,
        send: (bytes) => {
          if (!stopped) sock.send(bytes, out.port, out.host);
        },
      };
      sock.on('message', (b) => {
        for (const v of vehicles) v.receive(b, udpLink);
      });
      // every vehicle also talks on the one UDP link; it stays attached across reboots
      for (const v of vehicles) v.attach(udpLink);
    }
  } catch (err) {
    for (const s of servers) s.close();
    udp?.close();
    throw err;
  }

  // ── the clock: fixed steps of sim time, paced against the wall clock ──
  let simTime = 0;
  const t0 = performance.now();
  const waiters: { t: number; resolve: () => void }[] = [];
  const maxStepsPerTick = Math.max(50, Math.ceil(2000 / vehicles.length));
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    if (stopped) return;
    const target = ((performance.now() - t0) / 1000) * speedup;
    let steps = 0;
    while (simTime + dt <= target + 1e-9 && steps < maxStepsPerTick) {
      simTime = Math.round((simTime + dt) * 1e6) / 1e6;
      for (const v of vehicles) v.step(simTime, dt);
      steps += 1;
    }
    for (let i = waiters.length - 1; i >= 0; i--) {
      const w = waiters[i]!;
      if (simTime >= w.t) {
        waiters.splice(i, 1);
        w.resolve();
      }
    }
    const wallPerStep = (dt / speedup) * 1000;
    timer = setTimeout(tick, Math.max(1, Math.min(20, wallPerStep)));
  };
  timer = setTimeout(tick, 1);

  return {
    vehicles,
    udpPort: udp ? udp.address().port : undefined,
    get simTimeS() {
      return simTime;
    },
    waitSim(seconds: number) {
      return new Promise<void>((resolve) => {
        if (simTime >= seconds) resolve();
        else waiters.push({ t: seconds, resolve });
      });
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (timer) clearTimeout(timer);
      for (const s of sockets) s.destroy();
      await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
      if (udp) await new Promise<void>((r) => udp!.close(() => r()));
      for (const v of vehicles) v.destroy();
      for (const w of waiters.splice(0)) w.resolve();
    },
  };
}
