/**
 * `medidrop fly`: the pilot's command without the web service.
 *
 *   medidrop fly --connect URL FILE.plan [--yes] [--sysid N] [--ready-timeout S] [--timeout S]
 *
 * Reads a QGroundControl .plan written by `medidrop plan`, uploads mission, fence, rally and the
 * parameters they need, verifies them by reading them back, waits until the vehicle is ready to arm,
 * sets GUIDED, arms, sends MISSION_START and follows the flight (src/fleet/flight-runner.ts), printing
 * one JSON line per state change (with the position) on stdout. Ctrl-C once sends the drone home
 * (RTL) and keeps following; twice stops following (the drone carries on by itself).
 *
 * Exit codes: 0 only when the parcel was released at the drop point and the drone landed at its
 * depot; 1 when the flight failed or was aborted (the last line says why); 2 bad input.
 */
import { createInterface } from 'node:readline/promises';
import { connect } from '../mavlink/connection.js';
import type { MavlinkConnection } from '../mavlink/types.js';
import { PlanFileError, parsePlanFile, type ParsedPlanFile } from '../missions/export-qgc.js';
import type { VehiclePlan } from '../missions/types.js';
import { startFlight } from '../fleet/flight-runner.js';
import type { FlightUpdate } from '../fleet/tracker.js';
import type { FlightState } from '../fleet/flight-state.js';
import { numberFlag, parseCommandArgs, readSmallTextFile, UsageError } from './common.js';
import { createLogger } from '../log.js';

const HELP = `usage: medidrop fly --connect URL FILE.plan [--yes] [options]

  --connect URL         vehicle link: tcp://HOST:PORT, udpin://[HOST]:PORT, udpout://HOST:PORT,
                        serial:///dev/ttyUSB0?baud=57600 (see README "Connection URLs")
  FILE.plan             QGroundControl plan written by 'medidrop plan --out FILE.plan'
  --yes                 fly without asking for confirmation (required without a terminal)
  --sysid N             vehicle system id (default: the first vehicle heard)
  --ready-timeout S     wait this long for the vehicle to become ready to arm, s (default 180)
  --timeout S           give up following after this long, s (default 3600)

prints one JSON line per state change; exit: 0 delivered and landed at the depot, 1 failed/aborted, 2 bad input`;

const OPTIONS = {
  connect: { type: 'string' },
  yes: { type: 'boolean', short: 'y' },
  sysid: { type: 'string' },
  'ready-timeout': { type: 'string' },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface FlyIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Ask the pilot; resolves true for yes. Undefined when there is no terminal. */
  confirm?: (question: string) => Promise<boolean>;
  /** Register a Ctrl-C handler; returns a remover. */
  onInterrupt?: (handler: () => void) => () => void;
}

function defaultIo(): FlyIo {
  return {
    out: (l) => process.stdout.write(l + '\n'),
    err: (l) => process.stderr.write(l + '\n'),
    confirm: process.stdin.isTTY
      ? async (q) => {
          const rl = createInterface({ input: process.stdin, output: process.stderr });
          try {
            return /^y(es)?$/i.test((await rl.question(q)).trim());
          } finally {
            rl.close();
          }
        }
      : undefined,
    onInterrupt: (h) => {
      process.on('SIGINT', h);
      return () => process.off('SIGINT', h);
    },
  };
}

function summary(plan: VehiclePlan, paramsFrom: ParsedPlanFile['paramsFrom']): string {
  const d = plan.delivery;
  return [
    `home      ${plan.home.lat.toFixed(7)}, ${plan.home.lon.toFixed(7)} (${plan.home.altM} m AMSL)`,
    `drop      ${d.lat.toFixed(7)}, ${d.lon.toFixed(7)} by ${d.method} (mission item ${d.seq})`,
    `uploads   ${plan.mission.length} mission items, ${plan.fence.length} fence items, ${plan.rally.length} rally points`,
    `params    ${
      Object.entries(plan.params)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ') || '(none)'
    }${paramsFrom === 'derived' ? ' (rebuilt from the plan: the file has no medidrop member)' : ''}`,
  ].join('\n');
}

/** One JSON line for a state: status, position, mode, battery, delivery. */
export function stateLine(flightId: string, s: FlightState, cause: string | null): Record<string, unknown> {
  const v = s.vehicle;
  const p = v.position;
  return {
    t: new Date(s.since).toISOString(),
    flight: flightId,
    sysid: v.sysid,
    status: s.status,
    cause,
    mode: v.modeName,
    armed: v.armed,
    position: p ? { lat: round(p.lat, 7), lon: round(p.lon, 7), relAltM: round(p.relAltM, 1), groundSpeedMs: round(p.groundSpeedMs, 1) } : null,
    batteryPct: v.battery?.remainingPct ?? null,
    missionSeq: v.missionSeq,
    delivered: s.delivery.delivered,
    releaseDistanceM: s.delivery.release ? round(s.delivery.release.distanceM, 2) : null,
    reason: s.reason,
  };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export async function run(args: string[], io: FlyIo = defaultIo()): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, OPTIONS, true);
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  if (!values.connect) throw new UsageError('--connect URL is required (e.g. --connect tcp://127.0.0.1:5760)');
  if (positionals.length !== 1) throw new UsageError(`expected one FILE.plan, got ${positionals.length === 0 ? 'none' : positionals.join(' ')}`);
  const file = positionals[0]!;
  const sysid = numberFlag('sysid', values.sysid);
  if (sysid !== undefined && (!Number.isInteger(sysid) || sysid < 1 || sysid > 254))
    throw new UsageError(`--sysid must be an integer 1..254, got ${values.sysid}`);
  const readyTimeoutS = numberFlag('ready-timeout', values['ready-timeout'], 180)!;
  const timeoutS = numberFlag('timeout', values.timeout, 3600)!;
  if (!(readyTimeoutS > 0)) throw new UsageError('--ready-timeout must be positive');
  if (!(timeoutS > 0)) throw new UsageError('--timeout must be positive');

  const text = readSmallTextFile(file, `cannot read ${file}`);
  let parsed: ParsedPlanFile;
  try {
    parsed = parsePlanFile(text);
  } catch (err) {
    if (err instanceof PlanFileError) throw new UsageError(`${file} is not a usable plan:\n  ${err.message.split('\n').join('\n  ')}`);
    throw err;
  }
  const plan = parsed.plan;

  io.err(`medidrop fly: ${file}\n${summary(plan, parsed.paramsFrom)}`);
  if (!values.yes) {
    if (!io.confirm) throw new UsageError('refusing to fly without --yes: there is no terminal to confirm on');
    const ok = await io.confirm('Upload, arm and fly this delivery? [y/N] ');
    if (!ok) {
      io.err('medidrop fly: not confirmed, nothing sent to the vehicle');
      return 1;
    }
  }

  const log = createLogger('fly');
  let connection: MavlinkConnection;
  try {
    connection = await connect(values.connect);
  } catch (err) {
    io.out(JSON.stringify({ t: new Date().toISOString(), status: 'failed', reason: `cannot connect to ${values.connect}: ${(err as Error).message}` }));
    return 1;
  }
  const removers: (() => void)[] = [];
  try {
    let vehicle: Awaited<ReturnType<typeof connection.waitForVehicle>>;
    try {
      vehicle = await connection.waitForVehicle({ sysid, timeoutMs: 30_000 });
    } catch (err) {
      io.out(JSON.stringify({ t: new Date().toISOString(), status: 'failed', reason: `no vehicle heard on ${values.connect}: ${(err as Error).message}` }));
      return 1;
    }
    const ac = new AbortController();
    const deadline = setTimeout(() => ac.abort(), timeoutS * 1000);
    let lastStatus: string | undefined;
    const handle = startFlight({
      vehicle,
      plan,
      connection: values.connect,
      signal: ac.signal,
      readyTimeoutMs: readyTimeoutS * 1000,
      logger: log,
      onProgress: (p) => {
        if (p.done === p.total) io.err(`uploaded ${p.phase} ${['mission', 'fence', 'rally'][p.missionType]}: ${p.done}/${p.total}`);
      },
      onUpdate: (u: FlightUpdate) => {
        for (const tr of u.transitions) {
          io.out(JSON.stringify(stateLine(u.flightId, { ...u.state, status: tr.to, since: tr.t }, tr.cause)));
          lastStatus = tr.to;
        }
        for (const a of u.alerts) if (a.active) io.err(`alert ${a.severity} ${a.kind}: ${a.message}`);
      },
    });
    let interrupts = 0;
    if (io.onInterrupt) {
      removers.push(
        io.onInterrupt(() => {
          interrupts += 1;
          if (interrupts === 1) {
            io.err('medidrop fly: Ctrl-C — sending the drone home (RTL); Ctrl-C again to stop following');
            void handle.abort('pilot (Ctrl-C)', 'interrupted from the command line');
          } else {
            handle.detach('stopped following from the command line');
          }
        }),
      );
    }
    const outcome = await handle.done;
    clearTimeout(deadline);
    if (lastStatus !== outcome.state.status) io.out(JSON.stringify(stateLine(outcome.flightId, outcome.state, 'end')));
    io.out(
      JSON.stringify({
        t: new Date().toISOString(),
        flight: outcome.flightId,
        result: outcome.ok ? 'delivered' : outcome.status,
        ok: outcome.ok,
        reason: outcome.reason,
        release: outcome.delivery.release
          ? { lat: outcome.delivery.release.lat, lon: outcome.delivery.release.lon, distanceM: round(outcome.delivery.release.distanceM, 2) }
          : null,
      }),
    );
    return outcome.ok ? 0 : 1;
  } finally {
    for (const r of removers) r();
    await connection.close();
  }
}
