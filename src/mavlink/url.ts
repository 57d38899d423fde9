/**
 * Connection URLs in the MAVSDK / MAVProxy style:
 *   serial:///dev/ttyUSB0:57600   serial port and baud rate (baud optional, default 57600)
 *   udpin://0.0.0.0:14550         listen for a vehicle; reply to whoever sent
 *   udpout://192.168.1.10:14550   send to a vehicle that listens
 *   tcp://127.0.0.1:5760          connect to a vehicle (SITL, telemetry bridge); reconnects
 */
export type ConnectionTarget =
  | { kind: 'serial'; path: string; baudRate: number }
  | { kind: 'udpin'; host: string; port: number }
  | { kind: 'udpout'; host: string; port: number }
  | { kind: 'tcp'; host: string; port: number };

export class ConnectionUrlError extends Error {
  override name = 'ConnectionUrlError';
}

const BAUD_RATES = new Set([1200, 2400, 4800, 9600, 19200, 38400, 57600, 111100, 115200, 230400, 256000, 460800, 500000, 921600, 1500000, 2000000]);

const EXAMPLES = 'serial:///dev/ttyUSB0:57600, udpin://0.0.0.0:14550, udpout://HOST:PORT, tcp://HOST:PORT';

export function parseConnectionUrl(url: string): ConnectionTarget {
  const fail = (why: string): never => {
    throw new ConnectionUrlError(`bad connection URL '${url}': ${why} (expected one of ${EXAMPLES})`);
  };
  const m = /^([a-z]+):\/\/(.*)$/i.exec(url.trim());
  if (!m) return fail('missing scheme://');
  const scheme = m[1]!.toLowerCase();
  const rest = m[2]!;
  if (scheme === 'serial') {
    if (!rest) return fail('missing serial device path');
    const sm = /^(.+?)(?::(\d+))?$/.exec(rest);
    const path = sm?.[1] ?? '';
    const baudText = sm?.[2];
    if (!path || path.endsWith(':')) return fail('missing serial device path');
    const baudRate = baudText === undefined ? 57600 : Number(baudText);
    if (!Number.isInteger(baudRate) || !BAUD_RATES.has(baudRate)) return fail(`unsupported baud rate '${baudText}'`);
    return { kind: 'serial', path, baudRate };
  }
  if (scheme === 'udpin' || scheme === 'udpout' || scheme === 'tcp') {
    const hm = /^(\[[0-9a-fA-F:.]+\]|[^:/[\]]*):(\d+)\/?$/.exec(rest);
    if (!hm) return fail('expected HOST:PORT');
    let host = hm[1]!;
    if (host.startsWith('[')) host = host.slice(1, -1);
    const port = Number(hm[2]);
    if (!Number.isInteger(port) || port < 0 || port > 65535) return fail(`port ${hm[2]} is out of range 0–65535`);
    if (scheme === 'udpin') return { kind: 'udpin', host: host || '0.0.0.0', port };
    if (!host) return fail('missing host');
    if (port === 0) return fail('port 0 is only valid for udpin');
    return { kind: scheme, host, port };
  }
  return fail(`unknown scheme '${scheme}'`);
}

export function formatConnectionTarget(t: ConnectionTarget): string {
  switch (t.kind) {
    case 'serial':
      return `serial://${t.path}:${t.baudRate}`;
    default:
      return `${t.kind}://${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}`;
  }
}
