/**
 * A minimal MAVLink vehicle for the MAVLink layer's tests: a TCP server (port 0) that speaks the
 * mission protocol the way ArduCopter does (MISSION_REQUEST #40 during upload, item 0 = home,
 * INVALID_SEQUENCE mid-transfer, 1 s re-request and 8 s give-up on its own clock divided by
 * `speedup`, NO_SPACE over the limits, mission truncated at COUNT, fence/rally atomic), parameters,
 * commands (mode, arm with 'Arm: Need Position Estimate' until the EKF is ready, MISSION_START
 * with param1 = param2 = 0, SET_MESSAGE_INTERVAL streams) and signing. Knobs let tests break it.
 */
import net from 'node:net';
import type { MissionItem, MissionType } from '../../src/missions/types.js';
import { Encoder, MSG, PacketSplitter, decodePacket, float, num, str, type Fields, type Message } from '../../src/mavlink/wire.js';
import { SignatureVerifier, SigningClock } from '../../src/mavlink/signing.js';
import { itemFromMessage } from '../../src/mavlink/mission-transfer.js';

export interface MiniVehicleOptions {
  sysid?: number;
  compid?: number;
  home?: { lat: number; lon: number; altM: number };
  /** Divides ArduPilot's mission timers (1 s re-request, 8 s give-up) and the heartbeat period. */
  speedup?: number;
  signingKey?: Buffer;
  requireSigned?: boolean;
  /** EKF gets an absolute position this long after start, ms (default 0). */
  ekfReadyAfterMs?: number;
  params?: Record<string, number>;
}

export interface MiniVehicleKnobs {
  /** Stop answering the mission protocol after receiving this upload item (still heartbeats). */
  silentAfterItem?: number;
  /** Stop answering anything at all (no heartbeats either). */
  mute?: boolean;
  /** Drop this many COMMAND_LONGs before answering (retry tests). */
  dropCommands?: number;
  /** Commands answered IN_PROGRESS first, then ACCEPTED after this many ms. */
  inProgressMs?: Record<number, number>;
  /** Text sent (chunked when long) when arming is refused. */
  armFailText?: string;
  /** Answer DO_SET_MODE with UNSUPPORTED (old firmware), so SET_MODE must be used. */
  noDoSetMode?: boolean;
}

const LIMITS: Record<MissionType, number> = { 0: 650, 1: 70, 2: 46 };
const SUPPORTED: Record<MissionType, (cmd: number) => boolean> = {
  0: (c) => c < 5000 && c !== 0 && c !== 1 && c !== 999,
  1: (c) => c >= 5000 && c <= 5004,
  2: (c) => c === 5100,
};

interface Receiving {
  type: MissionType;
  count: number;
  next: number;
  items: MissionItem[];
  gcs: { sysid: number; compid: number };
  lastReceive: number;
  lastRequest: number;
}

export class MiniVehicle {
  readonly sysid: number;
  readonly compid: number;
  readonly home: { lat: number; lon: number; altM: number };
  readonly stored: Record<MissionType, MissionItem[]> = { 0: [], 1: [], 2: [] };
  readonly params = new Map<string, number>();
  readonly knobs: MiniVehicleKnobs = {};
  /** Every message received (for assertions). */
  readonly received: Message[] = [];
  customMode = 0;
  armed = false;
  port = 0;
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private readonly encoder: Encoder;
  private readonly clock = new SigningClock();
  private readonly verifier: SignatureVerifier | undefined;
  private readonly receiving: Partial<Record<MissionType, Receiving>> = {};
  private readonly intervals = new Map<number, { us: number; last: number }>();
  private readonly tick: NodeJS.Timeout;
  private readonly hb: NodeJS.Timeout;
  private readonly started = Date.now();
  private textId = 1;
  private silenced = false;

  constructor(private readonly opts: MiniVehicleOptions = {}) {
    this.sysid = opts.sysid ?? 1;
    this.compid = opts.compid ?? 1;
    this.home = opts.home ?? { lat: 36.6171, lon: 101.7782, altM: 2260 };
    this.encoder = new Encoder(this.sysid, this.compid);
    if (opts.signingKey) this.verifier = new SignatureVerifier({ 255: opts.signingKey, 254: opts.signingKey, 250: opts.signingKey });
    const defaults: Record<string, number> = {
      MAV_SYSID: this.sysid,
      FENCE_ENABLE: 0,
      FENCE_TYPE: 7,
      FENCE_ACTION: 1,
      FENCE_ALT_MAX: 100,
      FENCE_RADIUS: 150,
      RTL_ALT_M: 15,
      ...opts.params,
    };
    for (const [k, v] of Object.entries(defaults)) this.params.set(k, Math.fround(v));
    this.server = net.createServer((s) => this.onSocket(s));
    const speed = opts.speedup ?? 1;
    this.hb = setInterval(() => this.heartbeat(), 1000 / speed);
    this.tick = setInterval(() => this.update(), Math.max(5, 50 / speed));
  }

  private get speed(): number {
    return this.opts.speedup ?? 1;
  }

  listen(): Promise<number> {
    return new Promise((resolve) => {
      this.server.listen(0, '127.0.0.1', () => {
        this.port = (this.server.address() as net.AddressInfo).port;
        resolve(this.port);
      });
    });
  }

  async stop(): Promise<void> {
    clearInterval(this.hb);
    clearInterval(this.tick);
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  get ekfReady(): boolean {
    return Date.now() - this.started >= (this.opts.ekfReadyAfterMs ?? 0);
  }

  private onSocket(s: net.Socket): void {
    this.sockets.add(s);
    s.setNoDelay(true);
    const splitter = new PacketSplitter();
    s.on('data', (chunk: Buffer) => {
      for (const p of splitter.push(chunk)) {
        if (this.verifier) {
          const v = this.verifier.verify(p.buffer, p.sysid, p.compid, p.signed);
          if (v === 'bad-signature' || v === 'replay') continue;
          if (this.opts.requireSigned && v !== 'ok') continue;
        }
        const m = decodePacket(p);
        if (!m) continue;
        this.received.push(m);
        if (this.received.length > 5000) this.received.shift();
        try {
          this.handle(m);
        } catch {
          /* a vehicle does not crash on a weird message */
        }
      }
    });
    s.on('error', () => undefined);
    s.on('close', () => this.sockets.delete(s));
  }

  send(msgid: number, fields: Fields): void {
    if (this.knobs.mute) return;
    const key = this.opts.signingKey;
    const frame = this.encoder.encode(msgid, fields, key ? { key, linkId: 0, timestamp: this.clock.next() } : undefined);
    for (const s of this.sockets) if (!s.destroyed) s.write(frame);
  }

  statustext(severity: number, text: string): void {
    if (text.length <= 50) {
      this.send(MSG.STATUSTEXT, { severity, text, id: 0, chunk_seq: 0 });
      return;
    }
    const id = this.textId++;
    for (let i = 0, seq = 0; i <= text.length; i += 50, seq++) {
      this.send(MSG.STATUSTEXT, { severity, text: text.slice(i, i + 50), id, chunk_seq: seq });
      if (text.length - i < 50) break;
    }
  }

  private heartbeat(): void {
    this.send(MSG.HEARTBEAT, {
      type: 2,
      autopilot: 3,
      base_mode: 1 | (this.armed ? 0x80 : 0),
      custom_mode: this.customMode,
      system_status: 3,
      mavlink_version: 3,
    });
  }

  private ack(gcs: { sysid: number; compid: number }, type: MissionType, result: number): void {
    this.send(MSG.MISSION_ACK, { target_system: gcs.sysid, target_component: gcs.compid, type: result, mission_type: type, opaque_id: 0 });
  }

  private request(r: Receiving): void {
    r.lastRequest = Date.now();
    this.send(MSG.MISSION_REQUEST, { target_system: r.gcs.sysid, target_component: r.gcs.compid, seq: r.next, mission_type: r.type });
  }

  private update(): void {
    const now = Date.now();
    for (const r of Object.values(this.receiving)) {
      if (!r || this.silenced) continue;
      if (now - r.lastReceive > 8000 / this.speed) {
        delete this.receiving[r.type];
        this.statustext(4, 'Mission upload timeout');
        this.ack(r.gcs, r.type, 15);
      } else if (now - r.lastRequest > 1000 / this.speed) this.request(r);
    }
    for (const [msgid, iv] of this.intervals) {
      if (iv.us <= 0 || (now - iv.last) * 1000 < iv.us) continue;
      iv.last = now;
      this.stream(msgid);
    }
  }

  private stream(msgid: number): void {
    const lat = Math.round(this.home.lat * 1e7);
    const lon = Math.round(this.home.lon * 1e7);
    switch (msgid) {
      case MSG.GLOBAL_POSITION_INT:
        return this.send(msgid, {
          time_boot_ms: Date.now() - this.started,
          lat,
          lon,
          alt: Math.round(this.home.altM * 1000),
          relative_alt: 0,
          vx: 0,
          vy: 0,
          vz: 0,
          hdg: 0,
        });
      case MSG.SYS_STATUS:
        return this.send(msgid, { voltage_battery: 12600, current_battery: 50, battery_remaining: 100 });
      case MSG.GPS_RAW_INT:
        return this.send(msgid, { lat, lon, fix_type: this.ekfReady ? 3 : 1, satellites_visible: this.ekfReady ? 10 : 3, eph: 100, epv: 100, vel: 0, cog: 0 });
      case MSG.EKF_STATUS_REPORT:
        return this.send(msgid, {
          flags: this.ekfReady ? 0x3ff & ~0x80 : 0x80 | 0x01,
          velocity_variance: 0.1,
          pos_horiz_variance: 0.1,
          pos_vert_variance: 0.1,
          compass_variance: 0.1,
          terrain_alt_variance: 0,
        });
      case MSG.HOME_POSITION:
        return this.send(msgid, { latitude: lat, longitude: lon, altitude: Math.round(this.home.altM * 1000), q: [1, 0, 0, 0] });
      case MSG.MISSION_CURRENT:
        return this.send(msgid, { seq: 0, total: Math.max(0, this.stored[0].length - 1), mission_state: 0, mission_mode: 0 });
      case MSG.EXTENDED_SYS_STATE:
        return this.send(msgid, { vtol_state: 0, landed_state: 1 });
      case MSG.BATTERY_STATUS:
        return this.send(msgid, {
          id: 0,
          voltages: [12600, 65535, 65535, 65535, 65535, 65535, 65535, 65535, 65535, 65535],
          current_battery: 50,
          battery_remaining: 100,
        });
    }
  }

  private forMe(m: Message): boolean {
    const ts = num(m.fields, 'target_system');
    return ts === this.sysid || ts === 0;
  }

  private handle(m: Message): void {
    if (this.knobs.mute) return;
    const f = m.fields;
    const gcs = { sysid: m.sysid, compid: m.compid };
    const type = num(f, 'mission_type') as MissionType;
    switch (m.msgid) {
      case MSG.MISSION_COUNT:
      case MSG.MISSION_ITEM_INT:
      case MSG.MISSION_ITEM:
      case MSG.MISSION_REQUEST_LIST:
      case MSG.MISSION_REQUEST_INT:
      case MSG.MISSION_REQUEST:
      case MSG.MISSION_CLEAR_ALL:
        if (!this.forMe(m) || this.silenced || type > 2) return;
        return this.handleMission(m, gcs, type);
      case MSG.PARAM_REQUEST_READ: {
        if (!this.forMe(m)) return;
        const name = str(f, 'param_id');
        const v = this.params.get(name);
        if (v !== undefined) this.paramValue(name, v);
        return;
      }
      case MSG.PARAM_SET: {
        if (!this.forMe(m)) return;
        const name = str(f, 'param_id');
        if (!this.params.has(name)) return;
        this.params.set(name, Math.fround(float(f, 'param_value')));
        this.paramValue(name, this.params.get(name)!);
        return;
      }
      case MSG.COMMAND_LONG:
        if (!this.forMe(m)) return;
        return this.handleCommand(m, gcs);
      case MSG.SET_MODE:
        if (num(f, 'target_system') === this.sysid) this.customMode = num(f, 'custom_mode');
        return;
    }
  }

  private paramValue(name: string, value: number): void {
    this.send(MSG.PARAM_VALUE, {
      param_id: name,
      param_value: value,
      param_type: 9,
      param_count: this.params.size,
      param_index: [...this.params.keys()].indexOf(name),
    });
  }

  private handleCommand(m: Message, gcs: { sysid: number; compid: number }): void {
    if ((this.knobs.dropCommands ?? 0) > 0) {
      this.knobs.dropCommands!--;
      return;
    }
    const f = m.fields;
    const cmd = num(f, 'command');
    const p1 = float(f, 'param1');
    const p2 = float(f, 'param2');
    const ack = (result: number) =>
      this.send(MSG.COMMAND_ACK, { command: cmd, result, progress: 0, result_param2: 0, target_system: gcs.sysid, target_component: gcs.compid });
    const inProgress = this.knobs.inProgressMs?.[cmd];
    let result = 0;
    switch (cmd) {
      case 511: {
        const msgid = Math.round(p1);
        this.intervals.set(msgid, { us: p2 > 0 ? p2 : 0, last: 0 });
        break;
      }
      case 176:
        if (this.knobs.noDoSetMode) result = 3;
        else this.customMode = Math.round(p2);
        break;
      case 400:
        if (p1 === 1) {
          if (!this.ekfReady) {
            this.statustext(2, this.knobs.armFailText ?? 'Arm: Need Position Estimate');
            result = 4;
          } else if (this.customMode === 3) {
            this.statustext(2, 'Arm: AUTO mode not armable');
            result = 4;
          } else this.armed = true;
        } else this.armed = false;
        break;
      case 300:
        if (p1 !== 0 || p2 !== 0 || !this.armed) result = 2;
        else this.customMode = 3;
        break;
      default:
        result = 3;
    }
    if (inProgress !== undefined && result === 0) {
      ack(5);
      setTimeout(() => ack(0), inProgress);
      return;
    }
    ack(result);
  }

  private handleMission(m: Message, gcs: { sysid: number; compid: number }, type: MissionType): void {
    const f = m.fields;
    const r = this.receiving[type];
    switch (m.msgid) {
      case MSG.MISSION_COUNT: {
        if (r && (r.gcs.sysid !== gcs.sysid || r.gcs.compid !== gcs.compid)) return this.ack(gcs, type, 14);
        const count = num(f, 'count');
        if (count > LIMITS[type]) {
          delete this.receiving[type];
          this.ack(gcs, type, 4);
          this.statustext(4, `Only ${LIMITS[type]} items are supported`);
          return;
        }
        if (type === 0) this.stored[0] = this.stored[0].slice(0, count); // ArduPilot truncates missions at COUNT
        if (count === 0) {
          delete this.receiving[type];
          this.stored[type] = [];
          return this.ack(gcs, type, 0);
        }
        const now = Date.now();
        const nr: Receiving = { type, count, next: 0, items: [], gcs, lastReceive: now, lastRequest: now };
        this.receiving[type] = nr;
        return this.request(nr);
      }
      case MSG.MISSION_ITEM_INT:
      case MSG.MISSION_ITEM: {
        if (!r) return this.ack(gcs, type, 1); // not receiving: GCS_MAVLINK::handle_mission_item answers ERROR
        const item = itemFromMessage(m, type);
        if (item.seq !== r.next) return this.ack(gcs, type, 13);
        if (this.knobs.silentAfterItem !== undefined && item.seq >= this.knobs.silentAfterItem) this.silenced = true;
        const err = this.checkItem(type, item);
        if (err) {
          delete this.receiving[type];
          return this.ack(gcs, type, err);
        }
        r.lastReceive = Date.now();
        if (type === 0)
          this.stored[0][item.seq] = item; // missions are written in place (left mixed on failure)
        else r.items.push(item);
        r.next++;
        if (this.silenced) return;
        if (r.next < r.count) return this.request(r);
        delete this.receiving[type];
        if (type === 1) {
          const bad = fenceError(r.items);
          if (bad) {
            this.statustext(3, bad);
            return this.ack(gcs, type, 1);
          }
          this.stored[1] = r.items;
          this.statustext(6, 'Fence Indexed OK');
        } else if (type === 2) this.stored[2] = r.items;
        else this.statustext(6, 'Flight plan received');
        return this.ack(gcs, type, 0);
      }
      case MSG.MISSION_REQUEST_LIST:
        if (r) return this.ack(gcs, type, 14);
        return this.send(MSG.MISSION_COUNT, {
          target_system: gcs.sysid,
          target_component: gcs.compid,
          count: this.readback(type).length,
          mission_type: type,
          opaque_id: 0,
        });
      case MSG.MISSION_REQUEST_INT:
      case MSG.MISSION_REQUEST: {
        if (r) return this.ack(gcs, type, 14);
        const seq = num(f, 'seq');
        const it = this.readback(type)[seq];
        if (!it) return this.ack(gcs, type, 13);
        const legacy = m.msgid === MSG.MISSION_REQUEST;
        const global = [0, 3].includes(it.frame);
        return this.send(legacy ? MSG.MISSION_ITEM : MSG.MISSION_ITEM_INT, {
          target_system: gcs.sysid,
          target_component: gcs.compid,
          seq,
          frame: it.frame,
          command: it.command,
          current: 0,
          autocontinue: 1,
          param1: it.param1,
          param2: it.param2,
          param3: it.param3,
          param4: it.param4,
          x: legacy && global ? it.x / 1e7 : it.x,
          y: legacy && global ? it.y / 1e7 : it.y,
          z: it.z,
          mission_type: type,
        });
      }
      case MSG.MISSION_CLEAR_ALL:
        if (r) return this.ack(gcs, type, 1);
        this.stored[type] = [];
        return this.ack(gcs, type, 0);
    }
  }

  private checkItem(type: MissionType, it: MissionItem): number {
    if (!SUPPORTED[type](it.command)) return 3;
    if (![0, 2, 3, 5, 6].includes(it.frame)) return 2;
    if ([0, 3, 5, 6].includes(it.frame) && (it.x > 900_000_000 || it.x < -900_000_000)) return 10;
    return 0;
  }

  /** Items as ArduPilot returns them: home at 0, plain frames, takeoff/RTL without position, rounded storage. */
  readback(type: MissionType): MissionItem[] {
    return this.stored[type].map((it, i) => {
      if (type === 0 && i === 0) {
        return {
          ...it,
          frame: 0,
          command: 16,
          param1: 0,
          param2: 0,
          param3: 0,
          param4: 0,
          x: Math.round(this.home.lat * 1e7),
          y: Math.round(this.home.lon * 1e7),
          z: this.home.altM,
        };
      }
      const frame = it.frame === 5 ? 0 : it.frame === 6 ? 3 : it.frame;
      const noPos = type === 0 && (it.command === 22 || it.command === 20);
      const z = type === 2 ? Math.round(it.z) : type === 1 ? 0 : Math.round(it.z * 100) / 100;
      return {
        ...it,
        frame: type === 0 && it.frame === 2 ? 0 : frame,
        current: 0,
        autocontinue: 1,
        param1: Math.fround(it.param1),
        param2: Math.fround(it.param2),
        param3: Math.fround(it.param3),
        param4: Math.fround(it.param4),
        x: noPos ? 0 : it.x,
        y: noPos ? 0 : it.y,
        z,
      };
    });
  }
}

function fenceError(items: MissionItem[]): string | undefined {
  for (let i = 0; i < items.length; ) {
    const it = items[i]!;
    if (it.command === 5001 || it.command === 5002) {
      const n = Math.round(it.param1);
      if (n < 3) return `Invalid vertex count (${n})`;
      for (let k = 0; k < n; k++) if (items[i + k]?.command !== it.command) return 'Incorrect item count';
      i += n;
    } else i++;
  }
  return undefined;
}

export async function startMiniVehicle(opts: MiniVehicleOptions = {}): Promise<MiniVehicle> {
  const v = new MiniVehicle(opts);
  await v.listen();
  return v;
}
