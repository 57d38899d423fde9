/**
 * A bare MAVLink ground station for emulator tests: raw node-mavlink packets over TCP or UDP, no
 * medidrop client code, so the emulator is tested on its own.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { common, minimal, MavLinkPacketSignature, MavLinkProtocolV1, MavLinkProtocolV2, type MavLinkData } from 'node-mavlink';
import { MavDecoder, type Incoming } from '../../sim/emulator/codec.js';
import type { MissionItem, MissionType } from '../../src/missions/types.js';

export class RawGcs {
  readonly messages: Incoming[] = [];
  private readonly listeners = new Set<(m: Incoming) => void>();
  private readonly decoder = new MavDecoder((m) => {
    this.messages.push(m);
    for (const l of [...this.listeners]) l(m);
  });
  private seq = 0;
  private protocol: MavLinkProtocolV2 | MavLinkProtocolV1;

  private constructor(
    private readonly write: (b: Buffer) => void,
    private readonly closer: () => void,
    readonly sysid: number,
    readonly compid: number,
  ) {
    this.protocol = new MavLinkProtocolV2(sysid, compid);
  }

  static async tcp(port: number, sysid = 255, compid = 190): Promise<RawGcs> {
    const sock = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      sock.once('connect', resolve);
      sock.once('error', reject);
    });
    sock.on('error', () => undefined);
    const gcs = new RawGcs(
      (b) => sock.write(b),
      () => sock.destroy(),
      sysid,
      compid,
    );
    sock.on('data', (b: Buffer) => gcs.decoder.push(b));
    sock.on('close', () => (gcs.closed = true));
    return gcs;
  }

  /** A UDP ground station listening on an ephemeral port; replies go to whoever spoke last. */
  static async udp(sysid = 255, compid = 190): Promise<{ gcs: RawGcs; port: number }> {
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    let peer: { address: string; port: number } | undefined;
    const gcs = new RawGcs(
      (b) => {
        if (peer) sock.send(b, peer.port, peer.address);
      },
      () => sock.close(),
      sysid,
      compid,
    );
    sock.on('message', (b, rinfo) => {
      peer = { address: rinfo.address, port: rinfo.port };
      gcs.decoder.push(b);
    });
    return { gcs, port: sock.address().port };
  }

  closed = false;
  private hbTimer: NodeJS.Timeout | undefined;

  /** Send a GCS HEARTBEAT (type 6) every `ms` of wall time, as a ground station does. */
  startHeartbeats(ms = 100): void {
    const beat = () => {
      const hb = new minimal.Heartbeat();
      hb.type = 6;
      hb.autopilot = 8;
      hb.baseMode = 0 as minimal.MavModeFlag;
      hb.customMode = 0;
      hb.systemStatus = 4;
      hb.mavlinkVersion = 3;
      this.send(hb);
    };
    beat();
    this.hbTimer = setInterval(beat, ms);
  }

  useV1(): void {
    this.protocol = new MavLinkProtocolV1(this.sysid, this.compid);
    this.signing = undefined;
  }

  private signing: { key: Buffer; linkId: number; last: number } | undefined;
  /** The last frame written, as sent (with its signature when signing): replay it with `sendRaw`. */
  lastFrame: Buffer | undefined;

  /**
   * Sign every MAVLink 2 packet from now on (mavlink.io "Message Signing", node-mavlink's hashing):
   * link id `linkId`, timestamps in 10 µs units since 2015 from the wall clock, always growing.
   */
  signWith(key: Buffer, linkId = 0): void {
    this.protocol = new MavLinkProtocolV2(this.sysid, this.compid, MavLinkProtocolV2.IFLAG_SIGNED);
    this.signing = { key, linkId, last: 0 };
  }

  /** Send a message; when signing, `timestamp` replaces the clock's for this packet. */
  send(msg: MavLinkData, opts: { timestamp?: number } = {}): void {
    let frame = this.protocol.serialize(msg, this.seq);
    this.seq = (this.seq + 1) & 0xff;
    const s = this.signing;
    if (s) {
      const now = Math.floor((Date.now() - Date.UTC(2015, 0, 1)) * 100);
      const timestamp = opts.timestamp ?? Math.max(now, s.last + 1);
      if (opts.timestamp === undefined) s.last = timestamp;
      frame = Buffer.concat([frame, Buffer.alloc(13)]);
      const sig = new MavLinkPacketSignature(frame);
      sig.linkId = s.linkId;
      sig.timestamp = timestamp;
      sig.signature = sig.calculate(s.key);
    }
    this.lastFrame = frame;
    this.write(frame);
  }

  /** Write bytes as they are (a replayed or hand-made frame). */
  sendRaw(bytes: Buffer): void {
    this.write(bytes);
  }

  on(listener: (m: Incoming) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Next message matching (optionally among those already received, from index `since`). */
  waitFor<T extends MavLinkData>(msgid: number, pred: (d: T, m: Incoming) => boolean = () => true, timeoutMs = 5000, since?: number): Promise<T> {
    if (since !== undefined) {
      for (const m of this.messages.slice(since)) if (m.msgid === msgid && pred(m.data as T, m)) return Promise.resolve(m.data as T);
    }
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for message ${msgid}`));
      }, timeoutMs);
      const off = this.on((m) => {
        if (m.msgid === msgid && pred(m.data as T, m)) {
          clearTimeout(timer);
          off();
          resolve(m.data as T);
        }
      });
    });
  }

  /** Resolves with the first matching message within `ms`, or undefined. */
  async maybe<T extends MavLinkData>(msgid: number, pred: (d: T) => boolean = () => true, ms = 500): Promise<T | undefined> {
    try {
      return await this.waitFor<T>(msgid, pred, ms);
    } catch {
      return undefined;
    }
  }

  texts(): string[] {
    return this.messages.filter((m) => m.msgid === 253).map((m) => (m.data as common.StatusText).text);
  }

  /** A STATUSTEXT matching `re`, already received or still to come. */
  waitText(re: RegExp, timeoutMs = 5000, since = 0): Promise<common.StatusText> {
    return this.waitFor<common.StatusText>(253, (s) => re.test(s.text), timeoutMs, since);
  }

  heartbeat(): Promise<minimal.Heartbeat> {
    return this.waitFor<minimal.Heartbeat>(0);
  }

  command(target: number, command: number, params: number[] = [], timeoutMs = 5000): Promise<common.CommandAck> {
    const c = new common.CommandLong();
    c.targetSystem = target;
    c.targetComponent = 1;
    c.command = command;
    c.confirmation = 0;
    const p = [...params, 0, 0, 0, 0, 0, 0, 0];
    c._param1 = p[0]!;
    c._param2 = p[1]!;
    c._param3 = p[2]!;
    c._param4 = p[3]!;
    c._param5 = p[4]!;
    c._param6 = p[5]!;
    c._param7 = p[6]!;
    const ack = this.waitFor<common.CommandAck>(77, (a) => a.command === command, timeoutMs);
    this.send(c);
    return ack;
  }

  requestStreams(target: number, rateHz: number): void {
    const r = new common.RequestDataStream();
    r.targetSystem = target;
    r.targetComponent = 1;
    r.reqStreamId = 0;
    r.reqMessageRate = rateHz;
    r.startStop = 1;
    this.send(r);
  }

  setParam(target: number, name: string, value: number): Promise<common.ParamValue> {
    const s = new common.ParamSet();
    s.targetSystem = target;
    s.targetComponent = 1;
    s.paramId = name;
    s.paramValue = value;
    s.paramType = 9;
    const reply = this.waitFor<common.ParamValue>(22, (v) => v.paramId === name);
    this.send(s);
    return reply;
  }

  count(target: number, type: MissionType, count: number): void {
    const c = new common.MissionCount();
    c.targetSystem = target;
    c.targetComponent = 1;
    c.count = count;
    c.missionType = type;
    c.opaqueId = 0;
    this.send(c);
  }

  item(target: number, it: MissionItem): void {
    const m = new common.MissionItemInt();
    m.targetSystem = target;
    m.targetComponent = 1;
    m.seq = it.seq;
    m.frame = it.frame;
    m.command = it.command;
    m.current = it.current;
    m.autocontinue = it.autocontinue;
    m.param1 = it.param1;
    m.param2 = it.param2;
    m.param3 = it.param3;
    m.param4 = it.param4;
    m.x = it.x;
    m.y = it.y;
    m.z = it.z;
    m.missionType = it.missionType;
    this.send(m);
  }

  /** Upload items answering the vehicle's MISSION_REQUESTs; resolves with the final MISSION_ACK type. */
  async upload(target: number, type: MissionType, items: MissionItem[], timeoutMs = 10_000): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`upload of type ${type} timed out`));
      }, timeoutMs);
      const off = this.on((m) => {
        if (m.sysid !== target) return;
        if (m.msgid === 40 || m.msgid === 51) {
          const r = m.data as common.MissionRequest;
          if (r.missionType !== type) return;
          const it = items[r.seq];
          if (it) this.item(target, it);
        } else if (m.msgid === 47) {
          const a = m.data as common.MissionAck;
          if (a.missionType !== type || a.type === 13) return;
          clearTimeout(timer);
          off();
          resolve(a.type);
        }
      });
      this.count(target, type, items.length);
    });
  }

  /** Download items with MISSION_REQUEST_INT. */
  async download(target: number, type: MissionType, timeoutMs = 5000): Promise<common.MissionItemInt[]> {
    const rl = new common.MissionRequestList();
    rl.targetSystem = target;
    rl.targetComponent = 1;
    rl.missionType = type;
    const countP = this.waitFor<common.MissionCount>(44, (c) => c.missionType === type, timeoutMs);
    this.send(rl);
    const { count } = await countP;
    const out: common.MissionItemInt[] = [];
    for (let seq = 0; seq < count; seq++) {
      const r = new common.MissionRequestInt();
      r.targetSystem = target;
      r.targetComponent = 1;
      r.seq = seq;
      r.missionType = type;
      const p = this.waitFor<common.MissionItemInt>(73, (i) => i.seq === seq && i.missionType === type, timeoutMs);
      this.send(r);
      out.push(await p);
    }
    const ack = new common.MissionAck();
    ack.targetSystem = target;
    ack.targetComponent = 1;
    ack.type = 0;
    ack.missionType = type;
    ack.opaqueId = 0;
    this.send(ack);
    return out;
  }

  close(): void {
    if (this.hbTimer) clearInterval(this.hbTimer);
    this.closer();
    this.decoder.destroy();
  }
}

export function item(seq: number, command: number, p: Partial<MissionItem> = {}): MissionItem {
  return {
    seq,
    frame: 6,
    command,
    current: 0,
    autocontinue: 1,
    param1: 0,
    param2: 0,
    param3: 0,
    param4: 0,
    x: 0,
    y: 0,
    z: 0,
    missionType: 0,
    ...p,
  };
}

export const HOME = { lat: 36.6171, lon: 101.7782, altM: 2260 };

/** Metres north/east of HOME → 1e-7 degrees (flat earth, like ArduPilot). */
export function offset(n: number, e: number, home = HOME): { x: number; y: number } {
  const m = 111318.84502145034;
  return {
    x: Math.round((home.lat + n / m) * 1e7),
    y: Math.round((home.lon + e / (m * Math.cos((home.lat * Math.PI) / 180))) * 1e7),
  };
}

/** The reference delivery of ARDUPILOT.md: take-off 30 m, 300 m N, 300 m N 150 m E, payload place, gripper, RTL. */
export function referenceMission(): MissionItem[] {
  const wp1 = offset(300, 0);
  const wp2 = offset(300, 150);
  return [
    item(0, 16, { frame: 0, ...offset(0, 0), z: 0 }),
    item(1, 22, { z: 30 }),
    item(2, 16, { ...wp1, z: 30 }),
    item(3, 16, { ...wp2, z: 30 }),
    item(4, 94, { ...wp2, z: 0 }),
    item(5, 211, { frame: 2, param1: 1, param2: 0 }),
    item(6, 20, { frame: 2 }),
  ];
}
