/**
 * Connection flags shared by `medidrop upload | download | watch`:
 *   --connect URL         (required) serial:///dev/ttyUSB0:57600, udpin://0.0.0.0:14550, udpout://H:P, tcp://H:P
 *   --sysid N             the vehicle to talk to (default: the first one heard)
 *   --gcs-sysid N         our own system id (default 255)
 *   --wait MS             how long to wait for the vehicle's heartbeat (default 15000)
 *   --timeout MS          give up one step (a request and its answer) after this long (default: the
 *                         library's, src/mavlink/retry.ts DEFAULT_RETRY, the same the service uses)
 *   --retries N           at most N resends per step (default: as many as fit in the timeout)
 *   --signing-key KEY     MAVLink 2 signing key for the vehicle (64 hex digits or a passphrase);
 *                         or MEDIDROP_SIGNING_KEY in the environment (keeps it out of `ps`)
 *   --require-signed      refuse unsigned packets
 */
import { UsageError, numberFlag } from './common.js';
import { connect, type ConnectOptionsExt, type MavlinkConnectionExt } from '../mavlink/connection.js';
import { parseSigningKey } from '../mavlink/signing.js';
import { DEFAULT_RETRY, type RetryPolicy } from '../mavlink/retry.js';
import type { MavlinkConnection, VehicleLink } from '../mavlink/types.js';
import { ConnectionUrlError, parseConnectionUrl } from '../mavlink/url.js';

export const CONNECT_FLAGS = {
  connect: { type: 'string' },
  sysid: { type: 'string' },
  'gcs-sysid': { type: 'string' },
  wait: { type: 'string' },
  timeout: { type: 'string' },
  retries: { type: 'string' },
  'signing-key': { type: 'string' },
  'require-signed': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const CONNECT_HELP = `connection options:
  --connect URL        serial:///dev/ttyUSB0:57600 | udpin://0.0.0.0:14550 | udpout://HOST:PORT | tcp://HOST:PORT
  --sysid N            vehicle system id (default: first vehicle heard)
  --gcs-sysid N        our system id (default 255)
  --wait MS            wait this long for the vehicle's heartbeat (default 15000)
  --timeout MS         give up a step (one request and its answer) after this long (default ${DEFAULT_RETRY.deadlineMs})
  --retries N          at most N resends per step (default: as many as fit in --timeout)
  --signing-key KEY    MAVLink 2 signing key (64 hex digits or passphrase; or env MEDIDROP_SIGNING_KEY)
  --require-signed     drop unsigned packets`;

export interface ConnectFlagValues {
  connect?: string;
  sysid?: string;
  'gcs-sysid'?: string;
  wait?: string;
  timeout?: string;
  retries?: string;
  'signing-key'?: string;
  'require-signed'?: boolean;
}

function intFlag(name: string, value: string | undefined, min: number, max: number, fallback?: number): number | undefined {
  const n = numberFlag(name, value, fallback);
  if (n === undefined) return undefined;
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer ${min}–${max}, got '${value}'`);
  return n;
}

export interface CliLink {
  conn: MavlinkConnection & MavlinkConnectionExt;
  vehicle: VehicleLink;
}

/** Validate the flags (UsageError on bad input, before any I/O), connect and wait for the vehicle. */
export async function connectFromFlags(v: ConnectFlagValues, extra: ConnectOptionsExt = {}): Promise<CliLink> {
  if (!v.connect) throw new UsageError('--connect URL is required (e.g. --connect tcp://127.0.0.1:5760)');
  try {
    parseConnectionUrl(v.connect);
  } catch (err) {
    if (err instanceof ConnectionUrlError) throw new UsageError(err.message);
    throw err;
  }
  const sysid = intFlag('sysid', v.sysid, 1, 255);
  const gcs = intFlag('gcs-sysid', v['gcs-sysid'], 1, 255, 255)!;
  const waitMs = intFlag('wait', v.wait, 1, 3_600_000, 15_000)!;
  // only what was given overrides the library's policy: without flags the CLI, the service and
  // `medidrop fly` talk to a vehicle with the same defaults
  const deadlineMs = intFlag('timeout', v.timeout, 10, 600_000);
  const retries = intFlag('retries', v.retries, 0, 1000);
  const retry: Partial<RetryPolicy> = {
    ...(deadlineMs !== undefined ? { deadlineMs } : {}),
    ...(retries !== undefined ? { maxTries: retries + 1 } : {}),
  };
  const keyText = v['signing-key'] ?? process.env.MEDIDROP_SIGNING_KEY;
  let signing: ConnectOptionsExt['signing'];
  if (keyText !== undefined) {
    let key: Buffer;
    try {
      key = parseSigningKey(keyText);
    } catch (err) {
      throw new UsageError(`--signing-key: ${(err as Error).message}`);
    }
    signing = { keys: { [sysid ?? 1]: key }, requireSigned: v['require-signed'] === true };
  } else if (v['require-signed']) throw new UsageError('--require-signed needs --signing-key (or MEDIDROP_SIGNING_KEY)');

  const conn = await connect(v.connect, {
    sysid: gcs,
    ...(signing ? { signing } : {}),
    retry,
    connectTimeoutMs: waitMs,
    ...extra,
  });
  try {
    const vehicle = await conn.waitForVehicle({ ...(sysid !== undefined ? { sysid } : {}), timeoutMs: waitMs });
    return { conn, vehicle };
  } catch (err) {
    await conn.close();
    throw err;
  }
}
