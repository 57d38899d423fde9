/**
 * MAVLink on the wire: split a byte stream into packets (surviving garbage), decode payloads into
 * plain records keyed by the MAVLink field names (`target_system`, `mission_type` …), and encode
 * records into MAVLink 2 frames (optionally signed). Uses node-mavlink's message definitions,
 * serializers and CRC; the splitting is our own because node-mavlink's splitter keeps garbage
 * without a start byte in memory and skips whole lengths on unknown ids.
 */
import { common, minimal, ardupilotmega, MavLinkProtocolV2, MSG_ID_MAGIC_NUMBER, x25crc } from 'node-mavlink';
import { signPacket } from './signing.js';

/** A message class from mavlink-mappings (static definition + instance fields). */
export interface MessageClass {
  new (): object;
  MSG_ID: number;
  MSG_NAME: string;
  PAYLOAD_LENGTH: number;
  MAGIC_NUMBER: number;
  FIELDS: { source: string; name: string; offset: number; extension: boolean; size: number; type: string; length: number }[];
}

const REGISTRY: Record<number, MessageClass> = {
  ...(ardupilotmega.REGISTRY as unknown as Record<number, MessageClass>),
  ...(common.REGISTRY as unknown as Record<number, MessageClass>),
  ...(minimal.REGISTRY as unknown as Record<number, MessageClass>),
};
const MAGIC = MSG_ID_MAGIC_NUMBER as unknown as Record<number, number | undefined>;

export function messageClass(msgid: number): MessageClass | undefined {
  return REGISTRY[msgid];
}

export const STX_V1 = 0xfe;
export const STX_V2 = 0xfd;
export const IFLAG_SIGNED = 0x01;
export const SIGNATURE_LENGTH = 13;
const V1_HEADER = 6;
const V2_HEADER = 10;
const MAX_PACKET = V2_HEADER + 255 + 2 + SIGNATURE_LENGTH;

/** One packet as it came off the wire, CRC already checked. */
export interface RawPacket {
  /** The whole frame (header … CRC … signature). */
  buffer: Buffer;
  version: 1 | 2;
  seq: number;
  sysid: number;
  compid: number;
  msgid: number;
  incompatFlags: number;
  /** Payload as sent (MAVLink 2 trims trailing zeros). */
  payload: Buffer;
  signed: boolean;
}

export interface SplitterStats {
  packets: number;
  crcErrors: number;
  unknown: number;
  droppedBytes: number;
}

/**
 * Incremental packet splitter. Feed it chunks, get whole CRC-checked packets back. Bytes before a
 * start marker are dropped; a start marker that does not lead to a valid packet costs one byte of
 * resynchronisation. Memory is bounded by one maximal packet.
 */
export class PacketSplitter {
  private buf: Buffer = Buffer.alloc(0);
  readonly stats: SplitterStats = { packets: 0, crcErrors: 0, unknown: 0, droppedBytes: 0 };

  push(chunk: Buffer): RawPacket[] {
    const out: RawPacket[] = [];
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    let pos = 0;
    const buf = this.buf;
    while (pos < buf.length) {
      const stx = buf[pos];
      if (stx !== STX_V1 && stx !== STX_V2) {
        pos++;
        this.stats.droppedBytes++;
        continue;
      }
      const headerLen = stx === STX_V2 ? V2_HEADER : V1_HEADER;
      if (buf.length - pos < headerLen) break; // need more bytes
      const plen = buf[pos + 1]!;
      const incompat = stx === STX_V2 ? buf[pos + 2]! : 0;
      if (stx === STX_V2 && (incompat & ~IFLAG_SIGNED) !== 0) {
        // unknown incompatibility flag: we must not parse it (MAVLink 2 rule)
        pos++;
        this.stats.droppedBytes++;
        continue;
      }
      const signed = (incompat & IFLAG_SIGNED) !== 0;
      const total = headerLen + plen + 2 + (signed ? SIGNATURE_LENGTH : 0);
      if (buf.length - pos < total) break;
      const msgid = stx === STX_V2 ? buf.readUIntLE(pos + 7, 3) : buf[pos + 5]!;
      const magic = MAGIC[msgid];
      const cls = REGISTRY[msgid];
      if (magic === undefined || magic === null || !cls) {
        this.stats.unknown++;
        pos++;
        continue;
      }
      const frame = buf.subarray(pos, pos + total);
      const crcEnd = headerLen + plen;
      const crc = x25crc(frame.subarray(0, crcEnd + 2), 1, 2, magic);
      if (crc !== frame.readUInt16LE(crcEnd)) {
        this.stats.crcErrors++;
        pos++;
        continue;
      }
      const copy = Buffer.from(frame);
      out.push({
        buffer: copy,
        version: stx === STX_V2 ? 2 : 1,
        seq: stx === STX_V2 ? copy[4]! : copy[2]!,
        sysid: stx === STX_V2 ? copy[5]! : copy[3]!,
        compid: stx === STX_V2 ? copy[6]! : copy[4]!,
        msgid,
        incompatFlags: incompat,
        payload: copy.subarray(headerLen, headerLen + plen),
        signed,
      });
      this.stats.packets++;
      pos += total;
    }
    const rest = buf.subarray(pos);
    // Never keep more than one maximal packet of unconsumed bytes.
    this.buf = rest.length > MAX_PACKET ? Buffer.from(rest.subarray(rest.length - MAX_PACKET)) : Buffer.from(rest);
    return out;
  }
}

export type FieldValue = number | string | bigint | number[] | bigint[];
/** A decoded message: MAVLink field names (snake_case, as in the XML) to values. */
export type Fields = Record<string, FieldValue>;

export interface Message {
  msgid: number;
  name: string;
  sysid: number;
  compid: number;
  fields: Fields;
}

const decoder = new MavLinkProtocolV2();

/** Decode a packet's payload, or undefined when it cannot be (never throws). */
export function decodePacket(p: RawPacket): Message | undefined {
  const cls = REGISTRY[p.msgid];
  if (!cls) return undefined;
  try {
    const padded = Buffer.alloc(Math.max(255, cls.PAYLOAD_LENGTH));
    p.payload.copy(padded, 0, 0, Math.min(p.payload.length, cls.PAYLOAD_LENGTH));
    const inst = decoder.data(padded, cls as never) as unknown as Record<string, FieldValue>;
    const fields: Fields = {};
    for (const f of cls.FIELDS) {
      const v = inst[f.name];
      if (v !== undefined) fields[f.source] = v;
    }
    return { msgid: p.msgid, name: cls.MSG_NAME, sysid: p.sysid, compid: p.compid, fields };
  } catch {
    return undefined;
  }
}

/** A number field (0 when missing or not a finite number). */
export function num(fields: Fields, name: string): number {
  const v = fields[name];
  if (typeof v === 'number') return Number.isFinite(v) ? v : 0;
  if (typeof v === 'bigint') return Number(v);
  return 0;
}

/** A float field that may legitimately be NaN (kept as is). */
export function float(fields: Fields, name: string): number {
  const v = fields[name];
  return typeof v === 'number' ? v : 0;
}

export function str(fields: Fields, name: string): string {
  const v = fields[name];
  return typeof v === 'string' ? v : '';
}

/**
 * Build a message instance with EVERY field set from `values` (by MAVLink field name), numbers for
 * enums, zero/empty for anything not given — fresh node-mavlink objects hold enum names as strings.
 */
export function buildMessage(cls: MessageClass, values: Record<string, FieldValue>): object {
  const inst = new cls() as Record<string, unknown>;
  for (const f of cls.FIELDS) {
    const given = values[f.source];
    if (given !== undefined) inst[f.name] = given;
    else if (f.type === 'char[]') inst[f.name] = '';
    else if (f.type.endsWith('[]')) inst[f.name] = f.type.includes('64') ? new Array(f.length).fill(0n) : new Array(f.length).fill(0);
    else if (f.type.includes('int64')) inst[f.name] = 0n;
    else inst[f.name] = 0;
  }
  return inst;
}

/** Encodes outgoing messages as MAVLink 2 with our own sysid/compid and sequence counter. */
export class Encoder {
  private seq = 0;
  private readonly plain: MavLinkProtocolV2;
  private readonly signedProto: MavLinkProtocolV2;

  constructor(
    readonly sysid: number,
    readonly compid: number,
  ) {
    this.plain = new MavLinkProtocolV2(sysid, compid);
    this.signedProto = new MavLinkProtocolV2(sysid, compid, IFLAG_SIGNED);
  }

  /** Serialize; with `signing` the frame carries a MAVLink 2 signature. Throws on out-of-range values. */
  encode(msgid: number, values: Record<string, FieldValue>, signing?: { key: Buffer; linkId: number; timestamp: number }): Buffer {
    const cls = REGISTRY[msgid];
    if (!cls) throw new Error(`unknown MAVLink message id ${msgid}`);
    const msg = buildMessage(cls, values);
    const seq = this.seq;
    this.seq = (this.seq + 1) & 0xff;
    if (!signing) return this.plain.serialize(msg as never, seq);
    const frame = this.signedProto.serialize(msg as never, seq);
    return signPacket(frame, signing.key, signing.linkId, signing.timestamp);
  }
}

export const MSG = {
  HEARTBEAT: 0,
  SYS_STATUS: 1,
  SET_MODE: 11,
  PARAM_REQUEST_READ: 20,
  PARAM_VALUE: 22,
  PARAM_SET: 23,
  GPS_RAW_INT: 24,
  GLOBAL_POSITION_INT: 33,
  MISSION_ITEM: 39,
  MISSION_REQUEST: 40,
  MISSION_CURRENT: 42,
  MISSION_REQUEST_LIST: 43,
  MISSION_COUNT: 44,
  MISSION_CLEAR_ALL: 45,
  MISSION_ITEM_REACHED: 46,
  MISSION_ACK: 47,
  MISSION_REQUEST_INT: 51,
  REQUEST_DATA_STREAM: 66,
  MISSION_ITEM_INT: 73,
  COMMAND_INT: 75,
  COMMAND_LONG: 76,
  COMMAND_ACK: 77,
  BATTERY_STATUS: 147,
  EKF_STATUS_REPORT: 193,
  HOME_POSITION: 242,
  EXTENDED_SYS_STATE: 245,
  STATUSTEXT: 253,
} as const;
