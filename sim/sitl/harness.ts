/**
 * ArduPilot SITL harness: starts the real `arducopter` SITL binary the way sim_vehicle.py does, for
 * the SITL test tier and for people who have ArduPilot installed.
 *
 *   arducopter --model + --speedup K -I N --sysid S --home lat,lon,alt,hdg
 *              --defaults <copter.parm>,<scratch>/medidrop.parm -w      (cwd: a scratch directory)
 *
 * The firmware does not boot until a client connects to SERIAL0 (TCP 5760 + 10·N), and each TCP port
 * takes one client. The harness therefore holds SERIAL0 itself (it boots the firmware and watches the
 * STATUSTEXTs for 'EKF3 IMU0 is using GPS') and hands the GCS under test SERIAL1 (TCP 5762 + 10·N),
 * which speaks MAVLink 2 as well. Output goes to <scratch>/sitl.log; dataflash logs to <scratch>/logs.
 * The harness sends a GCS HEARTBEAT (sysid 254) on SERIAL0 once a second: ArduPilot sends STATUSTEXT
 * only to channels that are active (a MAVLink packet was received on them) or streaming
 * (GCS::send_textv: active_channel_mask | streaming_channel_mask), and with the stream rates at 0 a
 * silent SERIAL0 would never see the readiness text.
 * A reboot (MAV_CMD_PREFLIGHT_REBOOT_SHUTDOWN) makes SITL exec itself again (HAL_SITL::actually_reboot)
 * with its own arguments minus `-w` (HAL_SITL::run drops exactly "-w", so the eeprom with mission, fence,
 * rally and parameters survives — which is why the harness passes `-w`, not `--wipe`); every TCP
 * connection closes and the firmware again waits for a client on SERIAL0, so the harness reconnects it.
 * `stop()` kills the process by its pid (SIGTERM, then SIGKILL), and every instance still running is
 * killed when the test process exits, so a failing test never leaves a SITL behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, rmSync, writeFileSync, accessSync, constants } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { type common, minimal } from 'node-mavlink';
import { MavDecoder, MavEncoder } from '../emulator/codec.js';
import { MEDIDROP_PARAMS } from '../medidrop-params.js';

export interface SitlOptions {
  /** The arducopter binary (default: ARDUPILOT_SITL_BIN, else `arducopter` on PATH). */
  bin?: string;
  /** ArduPilot's Tools/autotest/default_params/copter.parm (default: ARDUPILOT_COPTER_DEFAULTS, else next to the binary). */
  copterDefaults?: string;
  home: { lat: number; lon: number; altM: number; headingDeg?: number };
  speedup?: number;
  /** SITL instance (ports + 10·N); default: the first free one from 0. */
  instance?: number;
  /** MAV_SYSID (default instance + 1, so several instances have distinct system ids). */
  sysid?: number;
  /** Extra parameters on top of medidrop's (written into the scratch medidrop.parm). */
  params?: Record<string, number>;
  /** Wall-clock deadline to boot and become ready to arm, ms (default 180 s / speedup, at least 30 s). */
  readyTimeoutMs?: number;
  /** Keep the scratch directory after stop() (default: only when the run failed or MEDIDROP_SITL_KEEP=1). */
  keepDir?: boolean;
  onOutput?: (line: string) => void;
}

export interface SitlInstance {
  pid: number;
  instance: number;
  sysid: number;
  /** SERIAL1 TCP port for the GCS under test (5762 + 10·N). */
  port: number;
  /** `tcp://127.0.0.1:<port>`: the medidrop connection URL. */
  url: string;
  /** The scratch directory (eeprom, logs, sitl.log). */
  dir: string;
  /** STATUSTEXTs seen on the harness's SERIAL0 link. */
  statusTexts: string[];
  /** Everything the process printed so far. */
  output(): string;
  /** Kill the process (by pid) and close the harness link. Idempotent. */
  stop(opts?: { failed?: boolean }): Promise<void>;
}

/** The harness's own MAVLink identity on SERIAL0 (a GCS; medidrop uses another sysid on SERIAL1). */
const HARNESS_SYSID = 254;
const HARNESS_COMPID = 190;

const running = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const killAll = () => {
    for (const c of running)
      if (c.pid !== undefined && c.exitCode === null) {
        try {
          process.kill(c.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
  };
  process.on('exit', killAll);
}

/** The SITL binary from ARDUPILOT_SITL_BIN or PATH, or undefined when there is none. */
export function findSitlBinary(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const explicit = env.ARDUPILOT_SITL_BIN;
  if (explicit) return explicit;
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, 'arducopter');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** ArduPilot's copter.parm: ARDUPILOT_COPTER_DEFAULTS, next to the binary, or in an ArduPilot checkout. */
export function findCopterDefaults(bin: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = [
    env.ARDUPILOT_COPTER_DEFAULTS,
    path.join(path.dirname(bin), 'copter.parm'),
    path.resolve(path.dirname(bin), '../../Tools/autotest/default_params/copter.parm'),
    path.resolve(path.dirname(bin), '../../../Tools/autotest/default_params/copter.parm'),
  ];
  return candidates.find((c): c is string => !!c && existsSync(c));
}

/** The command line sim_vehicle.py would use for one copter instance. */
export function sitlArgs(o: { home: SitlOptions['home']; speedup: number; instance: number; sysid: number; defaults: string[] }): string[] {
  const h = o.home;
  return [
    '--model',
    '+',
    '--speedup',
    String(o.speedup),
    '-I',
    String(o.instance),
    '--sysid',
    String(o.sysid),
    '--home',
    `${h.lat},${h.lon},${h.altM},${h.headingDeg ?? 0}`,
    '--defaults',
    o.defaults.join(','),
    // "-w", not "--wipe": on reboot SITL re-executes itself without "-w" only (HAL_SITL::run builds
    // new_argv minus "-w"), so "--wipe" would wipe the eeprom again at every reboot.
    '-w',
  ];
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** First instance N ≥ from whose TCP ports 5760/5762/5763 + 10·N are free. */
export async function freeInstance(from = 0): Promise<number> {
  for (let n = from; n < from + 50; n++) {
    const base = 5760 + 10 * n;
    if ((await portFree(base)) && (await portFree(base + 2)) && (await portFree(base + 3))) return n;
  }
  throw new Error(`no free SITL instance (TCP 5760 + 10·N) between ${from} and ${from + 49}`);
}

function connectWithRetry(port: number, deadline: number, child: ChildProcess): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null) return reject(new Error(`SITL exited with code ${child.exitCode} before opening TCP ${port}`));
      if (Date.now() > deadline) return reject(new Error(`SITL did not open TCP ${port} in time`));
      const sock = net.connect(port, '127.0.0.1');
      sock.once('connect', () => resolve(sock));
      sock.once('error', () => {
        sock.destroy();
        setTimeout(attempt, 200);
      });
    };
    attempt();
  });
}

export async function startSitl(opts: SitlOptions): Promise<SitlInstance> {
  const bin = opts.bin ?? findSitlBinary();
  if (!bin) throw new Error('no ArduPilot SITL binary: set ARDUPILOT_SITL_BIN or put arducopter on PATH');
  const copterDefaults = opts.copterDefaults ?? findCopterDefaults(bin);
  if (!copterDefaults) {
    throw new Error('ArduPilot copter.parm not found: set ARDUPILOT_COPTER_DEFAULTS to Tools/autotest/default_params/copter.parm');
  }
  const speedup = opts.speedup ?? 10;
  const instance = opts.instance ?? (await freeInstance(0));
  const sysid = opts.sysid ?? instance + 1;
  const dir = mkdtempSync(path.join(os.tmpdir(), `medidrop-sitl-${instance}-`));
  const params: Record<string, number> = {};
  for (const p of MEDIDROP_PARAMS) params[p.name] = p.value;
  Object.assign(params, opts.params ?? {});
  const parm = path.join(dir, 'medidrop.parm');
  writeFileSync(
    parm,
    Object.entries(params)
      .map(([k, v]) => `${k} ${v}`)
      .join('\n') + '\n',
  );

  const args = sitlArgs({ home: opts.home, speedup, instance, sysid, defaults: [copterDefaults, parm] });
  installExitHook();
  const child = spawn(bin, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const logFile = createWriteStream(path.join(dir, 'sitl.log'));
  logFile.write(`$ ${bin} ${args.join(' ')}\n`);
  let out = '';
  const onData = (b: Buffer) => {
    const s = b.toString();
    out += s;
    if (out.length > 2_000_000) out = out.slice(-1_000_000);
    logFile.write(s);
    if (opts.onOutput) for (const line of s.split('\n')) if (line) opts.onOutput(line);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.once('exit', () => running.delete(child));
  let spawnError: Error | undefined;
  child.once('error', (e) => (spawnError = e));

  const statusTexts: string[] = [];
  let link: net.Socket | undefined;
  let decoder: MavDecoder | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let stopped = false;
  const stop = async (o: { failed?: boolean } = {}) => {
    if (stopped) return;
    stopped = true;
    if (heartbeat) clearInterval(heartbeat);
    link?.destroy();
    decoder?.destroy();
    if (child.pid !== undefined && child.exitCode === null) {
      try {
        process.kill(child.pid, 'SIGTERM');
      } catch {
        // gone
      }
      const timer = setTimeout(() => {
        if (child.exitCode === null && child.pid !== undefined) {
          try {
            process.kill(child.pid, 'SIGKILL');
          } catch {
            // gone
          }
        }
      }, 3000);
      await exited;
      clearTimeout(timer);
    }
    await new Promise<void>((r) => logFile.end(() => r()));
    if (!(opts.keepDir ?? (o.failed || process.env.MEDIDROP_SITL_KEEP === '1'))) rmSync(dir, { recursive: true, force: true });
  };

  try {
    const timeout = opts.readyTimeoutMs ?? Math.max(30_000, 180_000 / speedup);
    const deadline = Date.now() + timeout;
    await new Promise((r) => setTimeout(r, 100));
    if (spawnError) throw spawnError;
    // SERIAL0: connecting boots the firmware; keep this link to watch readiness.
    const encoder = new MavEncoder(HARNESS_SYSID, HARNESS_COMPID);
    // Make SERIAL0 an active MAVLink channel so that STATUSTEXTs reach it (see the header).
    const beat = () => {
      const hb = new minimal.Heartbeat();
      hb.type = 6; // GCS
      hb.autopilot = 8; // INVALID
      hb.baseMode = 0 as minimal.MavModeFlag;
      hb.customMode = 0;
      hb.systemStatus = 4; // ACTIVE
      hb.mavlinkVersion = 3;
      if (link && !link.destroyed) link.write(encoder.encode(hb));
    };
    let onText: (text: string) => void = () => undefined;
    const attach = (sock: net.Socket) => {
      link = sock;
      sock.on('error', () => undefined);
      decoder?.destroy();
      const d = new MavDecoder((m) => {
        if (m.msgid !== 253) return;
        const text = (m.data as common.StatusText).text;
        statusTexts.push(text);
        onText(text);
      });
      decoder = d;
      sock.on('data', (b: Buffer) => d.push(b));
      // A reboot closes every connection and the firmware waits for SERIAL0 again: reconnect.
      sock.once('close', () => {
        if (stopped || child.exitCode !== null) return;
        connectWithRetry(5760 + 10 * instance, Date.now() + 120_000, child).then(
          (again) => {
            if (stopped) again.destroy();
            else {
              attach(again);
              beat();
            }
          },
          () => undefined, // the process is gone or never reopened: stop() / the test will say so
        );
      });
    };
    attach(await connectWithRetry(5760 + 10 * instance, deadline, child));
    beat();
    heartbeat = setInterval(beat, 1000);
    heartbeat.unref();
    const ready = new Promise<void>((resolveReady, rejectReady) => {
      const resolve = () => {
        clearInterval(timer);
        resolveReady();
      };
      const reject = (e: Error) => {
        clearInterval(timer);
        rejectReady(e);
      };
      onText = (text) => {
        if (/EKF3 IMU\d is using GPS/.test(text)) resolve();
      };
      const timer = setInterval(() => {
        if (child.exitCode !== null) {
          reject(new Error(`SITL exited with code ${child.exitCode} while booting; see ${path.join(dir, 'sitl.log')}`));
        } else if (Date.now() > deadline) {
          reject(new Error(`SITL not ready to arm within ${timeout} ms (no 'EKF3 IMU0 is using GPS'); see ${path.join(dir, 'sitl.log')}`));
        }
      }, 200);
    });
    await ready;
    // SERIAL1 opens after SERIAL0 is connected: make sure it accepts before handing it out.
    const probe = await connectWithRetry(5762 + 10 * instance, deadline, child);
    probe.destroy();
  } catch (err) {
    await stop({ failed: true });
    const msg = err instanceof Error ? err.message : String(err);
    const log = path.join(dir, 'sitl.log');
    throw new Error(msg.includes(log) ? msg : `${msg}; output in ${log}`);
  }

  const port = 5762 + 10 * instance;
  return {
    pid: child.pid ?? -1,
    instance,
    sysid,
    port,
    url: `tcp://127.0.0.1:${port}`,
    dir,
    statusTexts,
    output: () => out,
    stop,
  };
}
