/**
 * A MAVLink connection over one transport: our GCS heartbeat at 1 Hz, vehicles discovered by
 * their heartbeats, a link watchdog (link lost / regained), signing, and the fan-out of decoded
 * messages to vehicles. Nothing a peer sends can throw out of here.
 */
import type { VehicleEvent } from './telemetry.js';
import { createLogger } from '../log.js';
import type { ConnectOptions, MavlinkConnection, VehicleLink } from './types.js';
import { openTransport, type Transport, type TransportOptions } from './transports.js';
import { parseConnectionUrl } from './url.js';
import { SignatureVerifier, SigningClock } from './signing.js';
import { MavlinkVehicle, type VehicleOptions } from './vehicle.js';
import { Encoder, MSG, PacketSplitter, decodePacket, num, type Fields, type RawPacket } from './wire.js';

const log = createLogger('mavlink');

const MAV_TYPE_GCS = 6;
const MAV_AUTOPILOT_INVALID = 8;
const MAV_STATE_ACTIVE = 4;
const RADIO_STATUS = 109;

/** Options beyond the shared contract (all optional). */
export interface ConnectOptionsExt extends ConnectOptions, TransportOptions, VehicleOptions {
  /** Our heartbeat period, ms (default 1000). */
  heartbeatIntervalMs?: number;
  /** MAVLink 2 signing link id for this connection (default: a per-process counter). */
  linkId?: number;
  /**
   * Asked before every frame goes out (heartbeats included); false: the frame is not sent. A ground
   * station that has lost its right to command the vehicle (another instance owns the drone's
   * lease, src/dispatch/drone-leases.ts) stays silent even if a timer of its own fires first.
   */
  mayTransmit?: () => boolean;
}

export interface LinkStats {
  packets: number;
  crcErrors: number;
  droppedBytes: number;
  rejectedSignature: number;
  rejectedUnsigned: number;
  undecodable: number;
}

let nextLinkId = 1;

export async function connect(url: string, opts: ConnectOptionsExt = {}): Promise<MavlinkConnection & MavlinkConnectionExt> {
  const target = parseConnectionUrl(url);
  const sysid = opts.sysid ?? 255;
  const compid = opts.compid ?? 190;
  for (const [k, v] of [
    ['sysid', sysid],
    ['compid', compid],
  ] as const) {
    if (!Number.isInteger(v) || v < 1 || v > 255) throw new RangeError(`${k} must be an integer 1–255, got ${v}`);
  }
  if (opts.signing) {
    for (const [id, key] of Object.entries(opts.signing.keys)) {
      if (!Buffer.isBuffer(key) || key.length !== 32) throw new RangeError(`signing key for vehicle ${id} must be 32 bytes`);
    }
  }
  const transport = await openTransport(target, opts);
  return new Connection(transport, { ...opts, sysid, compid });
}

export interface MavlinkConnectionExt {
  readonly description: string;
  readonly stats: LinkStats;
  vehicle(sysid: number): MavlinkVehicle | undefined;
  /** The transport under this connection (e.g. to read a udpin local port). */
  readonly transport: Transport;
}

export class Connection implements MavlinkConnection, MavlinkConnectionExt {
  private readonly encoder: Encoder;
  private readonly splitter = new PacketSplitter();
  private readonly verifier: SignatureVerifier | undefined;
  private readonly clock = new SigningClock();
  private readonly linkId: number;
  private readonly vehiclesBySysid = new Map<number, MavlinkVehicle>();
  private readonly vehicleListeners = new Set<(v: VehicleLink) => void>();
  private readonly eventListeners = new Set<(e: VehicleEvent) => void>();
  private readonly heartbeatTimer: NodeJS.Timeout;
  private readonly watchdogTimer: NodeJS.Timeout;
  private closed = false;
  private readonly _stats = { rejectedSignature: 0, rejectedUnsigned: 0, undecodable: 0 };
  readonly ourSysid: number;
  readonly ourCompid: number;
  private readonly linkTimeoutMs: number;

  constructor(
    readonly transport: Transport,
    private readonly opts: ConnectOptionsExt & { sysid: number; compid: number },
  ) {
    this.ourSysid = opts.sysid;
    this.ourCompid = opts.compid;
    this.encoder = new Encoder(opts.sysid, opts.compid);
    this.linkTimeoutMs = opts.linkTimeoutMs ?? 3000;
    this.linkId = opts.linkId ?? nextLinkId++ & 0xff;
    if (opts.signing) this.verifier = new SignatureVerifier(opts.signing.keys);
    transport.onData((chunk) => this.onData(chunk));
    transport.onState((s, detail) =>
      (s === 'down' ? log.warn : log.debug).call(
        log,
        { link: transport.description, state: s, detail },
        s === 'down' ? 'transport down, reconnecting' : 'transport up',
      ),
    );
    const hbMs = opts.heartbeatIntervalMs ?? 1000;
    this.heartbeatTimer = setInterval(() => this.sendHeartbeat(), hbMs);
    this.sendHeartbeat();
    this.watchdogTimer = setInterval(() => this.watchdog(), Math.max(20, Math.min(250, this.linkTimeoutMs / 4)));
  }

  get description(): string {
    return this.transport.description;
  }

  get stats(): LinkStats {
    const s = this.splitter.stats;
    return { packets: s.packets, crcErrors: s.crcErrors, droppedBytes: s.droppedBytes, ...this._stats };
  }

  // ---- output -----------------------------------------------------------------------------

  private write(msgid: number, fields: Fields, key: Buffer | undefined): void {
    if (this.closed || (this.opts.mayTransmit && !this.opts.mayTransmit())) return;
    let frame: Buffer;
    try {
      frame = this.encoder.encode(msgid, fields, key ? { key, linkId: this.linkId, timestamp: this.clock.next() } : undefined);
    } catch (err) {
      log.error({ msgid, err: (err as Error).message }, 'could not encode message');
      throw err;
    }
    this.transport.send(frame);
  }

  /** Send to one vehicle, signed with its key when signing is configured. */
  send(targetSysid: number, msgid: number, fields: Fields): void {
    this.write(msgid, fields, this.opts.signing?.keys[targetSysid]);
  }

  private sendHeartbeat(): void {
    const hb: Fields = {
      type: MAV_TYPE_GCS,
      autopilot: MAV_AUTOPILOT_INVALID,
      base_mode: 0,
      custom_mode: 0,
      system_status: MAV_STATE_ACTIVE,
      mavlink_version: 3,
    };
    const keys = Object.values(this.opts.signing?.keys ?? {});
    for (const key of keys) this.write(MSG.HEARTBEAT, hb, key);
    if (keys.length === 0 || !this.opts.signing?.requireSigned) this.write(MSG.HEARTBEAT, hb, undefined);
  }

  // ---- input ------------------------------------------------------------------------------

  private onData(chunk: Buffer): void {
    let packets: RawPacket[];
    try {
      packets = this.splitter.push(chunk);
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'dropped unparseable input');
      return;
    }
    for (const p of packets) {
      try {
        this.onPacket(p);
      } catch (err) {
        log.warn({ err: (err as Error).message, msgid: p.msgid, sysid: p.sysid }, 'error while handling a packet');
      }
    }
  }

  private accept(p: RawPacket): boolean {
    const signing = this.opts.signing;
    if (!this.verifier || !signing) return true;
    const verdict = this.verifier.verify(p.buffer, p.sysid, p.compid, p.signed);
    switch (verdict) {
      case 'ok':
        return true;
      case 'bad-signature':
      case 'replay':
        this._stats.rejectedSignature++;
        return false;
      case 'no-key':
      case 'unsigned':
        if (!signing.requireSigned || p.msgid === RADIO_STATUS) return true;
        this._stats.rejectedUnsigned++;
        return false;
    }
  }

  private onPacket(p: RawPacket): void {
    if (p.sysid === this.ourSysid && p.compid === this.ourCompid) return; // our own echo
    if (!this.accept(p)) return;
    const m = decodePacket(p);
    if (!m) {
      this._stats.undecodable++;
      return;
    }
    const v = this.vehiclesBySysid.get(m.sysid);
    if (m.msgid === MSG.HEARTBEAT) {
      const type = num(m.fields, 'type');
      const autopilot = num(m.fields, 'autopilot');
      const isVehicle = type !== MAV_TYPE_GCS && autopilot !== MAV_AUTOPILOT_INVALID;
      if (!v && isVehicle) {
        const created = new MavlinkVehicle(m.sysid, m.compid, this, this.opts);
        this.vehiclesBySysid.set(m.sysid, created);
        created.onEvent((e) => this.emit(e));
        this.emit({ type: 'link', sysid: m.sysid, t: Date.now(), up: true });
        created.handleMessage(m);
        for (const l of [...this.vehicleListeners]) l(created);
        log.debug({ sysid: m.sysid, compid: m.compid, link: this.description }, 'vehicle discovered');
        return;
      }
      if (v && isVehicle && m.compid === v.compid) v.setOnline(true);
    }
    v?.handleMessage(m);
  }

  private emit(e: VehicleEvent): void {
    for (const l of [...this.eventListeners]) {
      try {
        l(e);
      } catch {
        /* listener bugs stay with the listener */
      }
    }
  }

  private watchdog(): void {
    const now = Date.now();
    for (const v of this.vehiclesBySysid.values()) {
      if (v.online && now - v.lastHeartbeatAt > this.linkTimeoutMs) {
        log.warn({ sysid: v.sysid, link: this.description }, 'vehicle link lost');
        v.setOnline(false);
      }
    }
  }

  // ---- MavlinkConnection ------------------------------------------------------------------

  vehicles(): VehicleLink[] {
    return [...this.vehiclesBySysid.values()];
  }

  vehicle(sysid: number): MavlinkVehicle | undefined {
    return this.vehiclesBySysid.get(sysid);
  }

  waitForVehicle(opts: { sysid?: number; timeoutMs?: number; signal?: AbortSignal } = {}): Promise<VehicleLink> {
    const match = (v: VehicleLink) => opts.sysid === undefined || v.sysid === opts.sysid;
    const existing = this.vehicles().find(match);
    if (existing) return Promise.resolve(existing);
    const timeoutMs = opts.timeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const finish = (v?: VehicleLink, err?: Error) => {
        clearTimeout(timer);
        off();
        opts.signal?.removeEventListener('abort', onAbort);
        if (v) resolve(v);
        else reject(err);
      };
      const off = this.onVehicle((v) => {
        if (match(v)) finish(v);
      });
      const who = opts.sysid === undefined ? 'a vehicle' : `vehicle ${opts.sysid}`;
      const timer = setTimeout(
        () => finish(undefined, new Error(`no heartbeat from ${who} on ${this.description} within ${timeoutMs} ms (${this.stats.packets} packets received)`)),
        timeoutMs,
      );
      const onAbort = () => finish(undefined, new Error(`waiting for ${who} was cancelled`));
      if (opts.signal?.aborted) onAbort();
      else opts.signal?.addEventListener('abort', onAbort);
    });
  }

  onVehicle(listener: (v: VehicleLink) => void): () => void {
    this.vehicleListeners.add(listener);
    return () => this.vehicleListeners.delete(listener);
  }

  onEvent(listener: (e: VehicleEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeatTimer);
    clearInterval(this.watchdogTimer);
    for (const v of this.vehiclesBySysid.values()) v.close();
    await this.transport.close();
  }
}
