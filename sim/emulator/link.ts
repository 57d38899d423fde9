/**
 * The vehicle's MAVLink links, like ArduPilot's MAVLink channels: every attached port (a TCP client,
 * the UDP link) with its own frame splitter, signing on the way in and out, and the outgoing side —
 * encode and send to every port (nothing while not booted or during a link drop), STATUSTEXT, and
 * the replies that carry no vehicle state (COMMAND_ACK, MISSION_ACK, mission items, TIMESYNC).
 */
import type { EventEmitter } from 'node:events';
import { common, type MavLinkData } from 'node-mavlink';
import type { MissionItem, MissionType } from '../../src/missions/types.js';
import type { Logger } from '../../src/log.js';
import { MavDecoder, MavEncoder, statusTextChunks, type Incoming } from './codec.js';
import type { Peer } from './mission-protocol.js';
import { CMD } from './mission-store.js';
import type { VehicleSigning } from './signing.js';
import type { VehicleState } from './vehicle-state.js';

export interface Port {
  send(bytes: Buffer): void;
  /** MAVLink channel of this link (0 = SERIAL0, the one ArduPilot trusts unsigned); default 0. */
  channel?: number;
}

export class Link {
  /** Every link the vehicle talks on (a TCP client, the UDP link): like ArduPilot's MAVLink channels. */
  readonly ports = new Set<Port>();
  private readonly encoder: MavEncoder;
  private readonly decoder: MavDecoder;
  private readonly decoders = new Map<Port, MavDecoder>();
  private statusTextId = 1;

  constructor(
    private readonly s: VehicleState,
    private readonly signing: VehicleSigning | undefined,
    private readonly events: EventEmitter,
    private readonly log: Logger | undefined,
    /** Where accepted frames go (the message router). */
    private readonly onMessage: (m: Incoming) => void,
  ) {
    this.encoder = new MavEncoder(s.sysid, 1, signing !== undefined);
    this.decoder = new MavDecoder((m) => this.fromLink(m, 0));
  }

  detach(port: Port): void {
    this.ports.delete(port);
    this.decoders.get(port)?.destroy();
    this.decoders.delete(port);
  }

  /** Bytes from a link (each link has its own frame splitter, as interleaved streams would corrupt frames). */
  receive(bytes: Buffer, from?: Port): void {
    if (this.s.nowS < this.s.linkDownUntil) return;
    if (!from) return this.decoder.push(bytes);
    let d = this.decoders.get(from);
    if (!d) {
      const channel = from.channel ?? 0;
      d = new MavDecoder((m) => this.fromLink(m, channel));
      this.decoders.set(from, d);
    }
    d.push(bytes);
  }

  /** A frame from MAVLink channel `channel`: with signing, only what ArduPilot would accept gets handled. */
  private fromLink(m: Incoming, channel: number): void {
    if (this.signing && !this.signing.accept(m, channel)) return;
    this.onMessage(m);
  }

  send(msg: MavLinkData): void {
    if (this.ports.size === 0 || !this.s.booted || this.s.nowS < this.s.linkDownUntil) return;
    try {
      const bytes = this.encoder.encode(msg);
      for (const port of this.ports) port.send(this.signing ? this.signing.sign(bytes, port.channel ?? 0) : bytes);
    } catch (err) {
      this.log?.warn({ err }, 'emulator: send failed');
    }
  }

  text(severity: number, text: string): void {
    this.s.statusTexts.push({ t: this.s.nowS, severity, text });
    this.events.emit('statustext', text, severity);
    const chunks = statusTextChunks(text, text.length > 50 ? this.statusTextId++ : 0);
    if (this.statusTextId > 255) this.statusTextId = 1;
    for (const c of chunks) {
      const st = new common.StatusText();
      st.severity = severity;
      st.text = c.text;
      st.id = c.id;
      st.chunkSeq = c.chunkSeq;
      this.send(st);
    }
  }

  sendAck(to: Peer, command: number, result: number): void {
    const a = new common.CommandAck();
    a.command = command;
    a.result = result;
    a.progress = 0;
    a.resultParam2 = 0;
    a.targetSystem = to.sysid;
    a.targetComponent = to.compid;
    this.send(a);
  }

  sendMissionAck(to: Peer, type: MissionType, result: number): void {
    const a = new common.MissionAck();
    a.targetSystem = to.sysid;
    a.targetComponent = to.compid;
    a.type = result;
    a.missionType = type;
    a.opaqueId = 0;
    this.send(a);
  }

  sendItem(to: Peer, item: MissionItem, asInt: boolean): void {
    const m = asInt ? new common.MissionItemInt() : new common.MissionItem();
    m.targetSystem = to.sysid;
    m.targetComponent = to.compid;
    m.seq = item.seq;
    m.frame = item.frame;
    m.command = item.command;
    m.current = item.current;
    m.autocontinue = item.autocontinue;
    m.param1 = item.param1;
    m.param2 = item.param2;
    m.param3 = item.param3;
    m.param4 = item.param4;
    const located = item.command !== CMD.DO_JUMP && (item.frame === 0 || item.frame === 3 || item.frame === 10) && (item.x !== 0 || item.y !== 0);
    m.x = asInt || !located ? item.x : item.x / 1e7;
    m.y = asInt || !located ? item.y : item.y / 1e7;
    m.z = item.z;
    m.missionType = item.missionType;
    this.send(m);
  }

  sendTimesync(tc1: bigint, ts1: bigint, to: Peer): void {
    const t = new common.TimeSync();
    t.tc1 = tc1;
    t.ts1 = ts1;
    t.targetSystem = to.sysid;
    t.targetComponent = to.compid;
    this.send(t);
  }

  destroy(): void {
    this.decoder.destroy();
    for (const d of this.decoders.values()) d.destroy();
  }
}
