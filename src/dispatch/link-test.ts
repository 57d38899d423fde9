/**
 * The admin's link test: reach a drone over its connection URL, wait (bounded) for its heartbeat,
 * say what answered (autopilot, vehicle type, firmware when it tells), and read the parameters its
 * profile's delivery method needs — the same vehicle set-up check the flight runner makes before
 * arming (src/fleet/vehicle-config.ts). Never throws: every failure is a problem in the answer.
 *
 * The link comes from a LinkSource: the fleet starter hands out the link it already keeps to that
 * URL (a udpin port cannot be bound twice, and a serial port opened twice fights itself), otherwise
 * a fresh connection is opened for the test and closed after it.
 */
import { minimal } from 'node-mavlink';
import type { DeliveryMethod } from '../domain/words.js';
import { checkVehicleConfig, requiredParamsForMethod, type ParamReading } from '../fleet/vehicle-config.js';
import { connect } from '../mavlink/connection.js';
import type { VehicleEvent } from '../mavlink/telemetry.js';
import type { MavlinkConnection, VehicleLink } from '../mavlink/types.js';
import { MavlinkVehicle } from '../mavlink/vehicle.js';

/** A link for the test, and how to give it back (close it, or nothing when it is shared). */
export interface BorrowedLink {
  connection: MavlinkConnection;
  /** The service's own link to the drone (kept open after the test). */
  shared: boolean;
  release(): Promise<void>;
}

export type LinkSource = (url: string, opts: { connectTimeoutMs: number }) => Promise<BorrowedLink>;

/** A fresh connection of its own, closed after the test. */
export const freshLink: LinkSource = async (url, { connectTimeoutMs }) => {
  const connection = await connect(url, { connectTimeoutMs });
  return { connection, shared: false, release: () => connection.close() };
};

export type LinkProblemCode = 'no-heartbeat' | 'link-error' | 'param-missing' | 'param-wrong' | 'not-ardupilot';

export interface LinkProblem {
  code: LinkProblemCode;
  params: Record<string, string | number>;
  message: string;
}

export interface LinkTestResult {
  heartbeat: boolean;
  sysid: number | null;
  otherSysids: number[];
  autopilot: string | null;
  vehicleType: string | null;
  firmware: string | null;
  setupOk: boolean;
  params: Record<string, number | null>;
  problems: LinkProblem[];
  elapsedMs: number;
  sharedLink: boolean;
}

export interface LinkTestOptions {
  connectionUrl: string;
  sysid: number;
  deliveryMethod: DeliveryMethod;
  /** Bound on connecting plus the first heartbeat, ms. */
  timeoutMs: number;
  source?: LinkSource;
}

const MAV_AUTOPILOT_ARDUPILOTMEGA = 3;
const MAV_CMD_REQUEST_MESSAGE = 512;
const AUTOPILOT_VERSION = 148;
/** How long to wait for AUTOPILOT_VERSION and for the heartbeat details once the vehicle is heard. */
const DETAIL_WAIT_MS = 2000;

const autopilotName = (n: number) => (minimal.MavAutopilot as Record<number, string | undefined>)[n] ?? `MAV_AUTOPILOT ${n}`;
const typeName = (n: number) => (minimal.MavType as Record<number, string | undefined>)[n] ?? `MAV_TYPE ${n}`;

/**
 * AUTOPILOT_VERSION.flight_sw_version: major, minor, patch in the top three bytes and the
 * FIRMWARE_VERSION_TYPE in the lowest (0 dev, 64 alpha, 128 beta, 192 rc, 255 official), as
 * GCS_MAVLINK::send_autopilot_version packs it (libraries/GCS_MAVLink/GCS_Common.cpp).
 */
export function firmwareVersion(v: number): string {
  const type = v & 0xff;
  const suffix = type === 255 ? '' : type >= 192 ? '-rc' : type >= 128 ? '-beta' : type >= 64 ? '-alpha' : '-dev';
  return `${(v >>> 24) & 0xff}.${(v >>> 16) & 0xff}.${(v >>> 8) & 0xff}${suffix}`;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

/**
 * Ask for AUTOPILOT_VERSION with MAV_CMD_REQUEST_MESSAGE (ArduPilot answers it:
 * GCS_MAVLINK::handle_command_request_message, GCS_Common.cpp); null when the vehicle refuses or does
 * not send it in time.
 */
async function readFirmware(vehicle: VehicleLink, waitMs: number): Promise<string | null> {
  if (!(vehicle instanceof MavlinkVehicle)) return null;
  return new Promise((resolve) => {
    const timer = setTimeout(() => finish(null), waitMs);
    const off = vehicle.onMessage((m) => {
      if (m.msgid !== AUTOPILOT_VERSION) return;
      const v = m.fields.flight_sw_version;
      finish(typeof v === 'number' && v > 0 ? firmwareVersion(v) : null);
    });
    let settled = false;
    function finish(fw: string | null) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      off();
      resolve(fw);
    }
    vehicle
      .command(MAV_CMD_REQUEST_MESSAGE, [AUTOPILOT_VERSION])
      .then((r) => {
        if (!r.ok) finish(null);
      })
      .catch(() => finish(null));
  });
}

export async function testLink(o: LinkTestOptions): Promise<LinkTestResult> {
  const started = Date.now();
  const elapsed = () => Date.now() - started;
  const result: LinkTestResult = {
    heartbeat: false,
    sysid: null,
    otherSysids: [],
    autopilot: null,
    vehicleType: null,
    firmware: null,
    setupOk: false,
    params: {},
    problems: [],
    elapsedMs: 0,
    sharedLink: false,
  };
  const done = () => ({ ...result, elapsedMs: elapsed() });

  let link: BorrowedLink;
  try {
    link = await (o.source ?? freshLink)(o.connectionUrl, { connectTimeoutMs: o.timeoutMs });
  } catch (err) {
    result.problems.push({
      code: 'link-error',
      params: { url: o.connectionUrl, detail: message(err) },
      message: `could not open ${o.connectionUrl}: ${message(err)}`,
    });
    return done();
  }
  result.sharedLink = link.shared;
  const conn = link.connection;
  let beat: Extract<VehicleEvent, { type: 'heartbeat' }> | null = null;
  const heard = new Set<number>();
  const off = conn.onEvent((e) => {
    if (e.type !== 'heartbeat') return;
    heard.add(e.sysid);
    if (e.sysid === o.sysid) beat = e;
  });
  try {
    let vehicle: VehicleLink;
    try {
      vehicle = await conn.waitForVehicle({ sysid: o.sysid, timeoutMs: Math.max(1, o.timeoutMs - elapsed()) });
    } catch (err) {
      for (const v of conn.vehicles()) heard.add(v.sysid);
      heard.delete(o.sysid);
      result.otherSysids = [...heard].sort((a, b) => a - b);
      const others = result.otherSysids.length ? `; heard sysid ${result.otherSysids.join(', ')} instead` : '';
      result.problems.push({
        code: 'no-heartbeat',
        params: { sysid: o.sysid, seconds: Math.round(o.timeoutMs / 1000), others: result.otherSysids.join(', ') },
        message: `${message(err)}${others}`,
      });
      return done();
    }
    result.heartbeat = true;
    result.sysid = vehicle.sysid;
    // A shared link's vehicle was heard before this test listened: its next heartbeat (1 Hz) says the type.
    for (let waited = 0; !beat && waited < DETAIL_WAIT_MS; waited += 50) await sleep(50);
    const hb = beat as Extract<VehicleEvent, { type: 'heartbeat' }> | null;
    if (hb) {
      result.autopilot = autopilotName(hb.autopilot);
      result.vehicleType = typeName(hb.vehicleType);
      if (hb.autopilot !== MAV_AUTOPILOT_ARDUPILOTMEGA) {
        result.problems.push({
          code: 'not-ardupilot',
          params: { autopilot: result.autopilot },
          message: `the vehicle reports autopilot ${result.autopilot}; medidrop flies ArduPilot (ArduCopter) only`,
        });
      }
    }
    heard.delete(o.sysid);
    result.otherSysids = [...heard].sort((a, b) => a - b);
    result.firmware = await readFirmware(vehicle, DETAIL_WAIT_MS);

    const readings: ParamReading[] = [];
    for (const check of requiredParamsForMethod(o.deliveryMethod)) {
      try {
        const value = await vehicle.getParam(check.param);
        readings.push({ check, value });
        result.params[check.param] = value;
      } catch (err) {
        readings.push({ check, error: message(err) });
        result.params[check.param] = null;
      }
    }
    for (const p of checkVehicleConfig(readings)) {
      result.problems.push({
        code: p.value === null ? 'param-missing' : 'param-wrong',
        params: { param: p.param, ...(p.value !== null ? { value: p.value } : {}) },
        message: p.message,
      });
    }
    result.setupOk = result.problems.length === 0;
    return done();
  } finally {
    off();
    await link.release().catch(() => undefined);
  }
}
