/**
 * Byte transports under a MAVLink connection: TCP (reconnects with back-off), UDP in (listen,
 * reply to whoever sent), UDP out, serial. Each delivers raw chunks; framing happens above.
 */
import net from 'node:net';
import dgram from 'node:dgram';
import type { ConnectionTarget } from './url.js';
import { formatConnectionTarget } from './url.js';

export interface Transport {
  readonly description: string;
  /** Send bytes; silently dropped while disconnected (the protocol above retries). */
  send(buf: Buffer): void;
  onData(listener: (chunk: Buffer) => void): void;
  /** 'up' when bytes can flow, 'down' when the peer went away (TCP) — reconnecting follows. */
  onState(listener: (state: 'up' | 'down', detail?: string) => void): void;
  close(): Promise<void>;
}

export interface TransportOptions {
  /** How long connect() keeps trying before rejecting (TCP), ms. Default 10000. */
  connectTimeoutMs?: number;
  /** Reconnect back-off, ms: first delay and cap. Defaults 200 and 5000. */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** The serial port class (serialport's SerialPort by default; SerialPortMock in tests). */
  serialPortClass?: new (opts: {
    path: string;
    baudRate: number;
    autoOpen: boolean;
  }) => SerialPortLike;
}

/** The part of serialport's SerialPort we use. */
export interface SerialPortLike {
  open(cb: (err: Error | null) => void): void;
  on(event: 'data', l: (c: Buffer) => void): unknown;
  on(event: 'error' | 'close', l: (...args: unknown[]) => void): unknown;
  write(buf: Buffer): unknown;
  close(cb: () => void): void;
  readonly isOpen: boolean;
}

export async function openTransport(target: ConnectionTarget, opts: TransportOptions = {}): Promise<Transport> {
  switch (target.kind) {
    case 'tcp':
      return TcpTransport.open(target.host, target.port, opts);
    case 'udpin':
      return UdpTransport.open(target, null);
    case 'udpout':
      return UdpTransport.open(target, { address: target.host, port: target.port });
    case 'serial':
      return openSerial(target.path, target.baudRate, opts.serialPortClass);
  }
}

class Listeners {
  data: ((c: Buffer) => void)[] = [];
  state: ((s: 'up' | 'down', d?: string) => void)[] = [];
  emitData(c: Buffer): void {
    for (const l of this.data) l(c);
  }
  emitState(s: 'up' | 'down', d?: string): void {
    for (const l of this.state) l(s, d);
  }
}

export class TcpTransport implements Transport {
  readonly description: string;
  private socket: net.Socket | null = null;
  private closed = false;
  private backoff: number;
  private timer: NodeJS.Timeout | null = null;
  private readonly l = new Listeners();

  private constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly opts: Required<Omit<TransportOptions, 'serialPortClass'>>,
  ) {
    this.description = formatConnectionTarget({ kind: 'tcp', host, port });
    this.backoff = opts.reconnectMinMs;
  }

  static open(host: string, port: number, o: TransportOptions): Promise<TcpTransport> {
    const opts: Required<Omit<TransportOptions, 'serialPortClass'>> = {
      connectTimeoutMs: o.connectTimeoutMs ?? 10_000,
      reconnectMinMs: o.reconnectMinMs ?? 200,
      reconnectMaxMs: o.reconnectMaxMs ?? 5000,
    };
    const t = new TcpTransport(host, port, opts);
    return new Promise((resolve, reject) => {
      let lastError = 'no answer';
      const deadline = setTimeout(() => {
        void t.close();
        reject(new Error(`${t.description}: could not connect within ${opts.connectTimeoutMs} ms (${lastError})`));
      }, opts.connectTimeoutMs);
      const first = (s: 'up' | 'down', detail?: string) => {
        if (s === 'up') {
          clearTimeout(deadline);
          t.l.state.splice(t.l.state.indexOf(first), 1);
          resolve(t);
        } else if (detail) lastError = detail;
      };
      t.l.state.push(first);
      t.dial();
    });
  }

  private dial(): void {
    if (this.closed) return;
    const socket = net.connect({ host: this.host, port: this.port });
    socket.setNoDelay(true);
    socket.on('connect', () => {
      this.socket = socket;
      this.backoff = this.opts.reconnectMinMs;
      this.l.emitState('up');
    });
    socket.on('data', (c: Buffer) => this.l.emitData(c));
    socket.on('error', (err: Error) => {
      // 'close' follows; remember why for the connect error message
      (socket as net.Socket & { lastError?: string }).lastError = err.message;
    });
    socket.on('close', () => {
      if (this.socket === socket) this.socket = null;
      const why = (socket as net.Socket & { lastError?: string }).lastError ?? 'closed by peer';
      if (this.closed) return;
      this.l.emitState('down', why);
      this.timer = setTimeout(() => this.dial(), this.backoff);
      this.backoff = Math.min(this.opts.reconnectMaxMs, this.backoff * 2);
    });
  }

  send(buf: Buffer): void {
    const s = this.socket;
    if (s && !s.destroyed && s.writable) s.write(buf);
  }
  onData(listener: (chunk: Buffer) => void): void {
    this.l.data.push(listener);
  }
  onState(listener: (state: 'up' | 'down', detail?: string) => void): void {
    this.l.state.push(listener);
  }
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    const s = this.socket;
    this.socket = null;
    if (s) await new Promise<void>((r) => s.end(() => r())).then(() => s.destroy());
  }
}

export class UdpTransport implements Transport {
  readonly description: string;
  private readonly l = new Listeners();
  /** Peers we reply to: the fixed target (udpout) or everyone who has sent to us (udpin). */
  private readonly peers = new Map<string, { address: string; port: number }>();

  private constructor(
    private readonly socket: dgram.Socket,
    target: ConnectionTarget,
    fixed: { address: string; port: number } | null,
  ) {
    this.description = formatConnectionTarget(target);
    if (fixed) this.peers.set(`${fixed.address}:${fixed.port}`, fixed);
    socket.on('message', (msg, rinfo) => {
      if (!fixed) {
        const k = `${rinfo.address}:${rinfo.port}`;
        if (!this.peers.has(k)) this.peers.set(k, { address: rinfo.address, port: rinfo.port });
      }
      this.l.emitData(msg);
    });
    socket.on('error', () => {
      /* ICMP unreachable etc.: datagrams are lost, the protocol retries */
    });
  }

  static open(target: Extract<ConnectionTarget, { kind: 'udpin' | 'udpout' }>, fixed: { address: string; port: number } | null): Promise<UdpTransport> {
    const v6 = target.host.includes(':');
    const socket = dgram.createSocket({ type: v6 ? 'udp6' : 'udp4', reuseAddr: false });
    return new Promise((resolve, reject) => {
      socket.once('error', (err) => reject(new Error(`${formatConnectionTarget(target)}: ${err.message}`)));
      const onBound = () => {
        socket.removeAllListeners('error');
        resolve(new UdpTransport(socket, target, fixed));
      };
      if (fixed) socket.bind(0, onBound);
      else socket.bind(target.port, target.host, onBound);
    });
  }

  /** The local port (useful with udpin://…:0). */
  get localPort(): number {
    return this.socket.address().port;
  }

  send(buf: Buffer): void {
    for (const p of this.peers.values()) this.socket.send(buf, p.port, p.address);
  }
  onData(listener: (chunk: Buffer) => void): void {
    this.l.data.push(listener);
  }
  onState(listener: (state: 'up' | 'down', detail?: string) => void): void {
    this.l.state.push(listener);
  }
  close(): Promise<void> {
    return new Promise((r) => {
      try {
        this.socket.close(() => r());
      } catch {
        r();
      }
    });
  }
}

async function openSerial(path: string, baudRate: number, cls?: TransportOptions['serialPortClass']): Promise<Transport & { device: SerialPortLike }> {
  const PortClass = cls ?? ((await import('serialport')).SerialPort as unknown as NonNullable<TransportOptions['serialPortClass']>);
  const l = new Listeners();
  const port = new PortClass({ path, baudRate, autoOpen: false });
  await new Promise<void>((resolve, reject) =>
    port.open((err: Error | null) => (err ? reject(new Error(`serial://${path}:${baudRate}: ${err.message}`)) : resolve())),
  );
  port.on('data', (c: Buffer) => l.emitData(Buffer.isBuffer(c) ? c : Buffer.from(c)));
  port.on('error', () => {
    /* reported through 'close' */
  });
  port.on('close', () => l.emitState('down', 'serial port closed'));
  return {
    description: `serial://${path}:${baudRate}`,
    device: port,
    send(buf: Buffer) {
      if (port.isOpen) port.write(buf);
    },
    onData: (f) => void l.data.push(f),
    onState: (f) => void l.state.push(f),
    close: () => new Promise<void>((r) => (port.isOpen ? port.close(() => r()) : r())),
  };
}
