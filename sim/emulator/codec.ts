/**
 * MAVLink 2 framing for the emulator: node-mavlink does the byte work; this module turns raw bytes
 * into decoded messages (skipping anything malformed) and messages into frames for one vehicle.
 */
import {
  ardupilotmega,
  common,
  minimal,
  MavLinkPacketSplitter,
  MavLinkProtocolV2,
  type MavLinkData,
  type MavLinkDataConstructor,
  type MavLinkPacket,
} from 'node-mavlink';
import { MavLinkPacketParser } from 'node-mavlink';

export const REGISTRY: Record<number, MavLinkDataConstructor<MavLinkData>> = {
  ...minimal.REGISTRY,
  ...common.REGISTRY,
  ...ardupilotmega.REGISTRY,
};

export interface Incoming {
  msgid: number;
  sysid: number;
  compid: number;
  /** 1 or 2: the MAVLink version the sender framed this message with. */
  version: 1 | 2;
  data: MavLinkData;
  /** The frame as received (header to CRC, plus the 13-byte signature when signed). */
  frame: Buffer;
  /** Whether the frame carries a MAVLink 2 signature (incompatibility flag 0x01). */
  signed: boolean;
}

/**
 * Byte stream → decoded messages. Unknown message ids, bad CRCs and garbage are dropped; the
 * callback never sees an exception from a malformed frame.
 */
export class MavDecoder {
  private readonly splitter = new MavLinkPacketSplitter();
  private readonly parser = new MavLinkPacketParser();

  constructor(onMessage: (m: Incoming) => void) {
    this.splitter.pipe(this.parser);
    this.splitter.on('error', () => undefined);
    this.parser.on('error', () => undefined);
    this.parser.on('data', (packet: MavLinkPacket) => {
      try {
        const clazz = REGISTRY[packet.header.msgid];
        if (!clazz) return;
        const data = packet.protocol.data(packet.payload, clazz);
        const version = packet.protocol instanceof MavLinkProtocolV2 ? 2 : 1;
        const signed = version === 2 && (packet.header.incompatibilityFlags & MavLinkProtocolV2.IFLAG_SIGNED) !== 0;
        onMessage({ msgid: packet.header.msgid, sysid: packet.header.sysid, compid: packet.header.compid, version, data, frame: packet.buffer, signed });
      } catch {
        // a frame that passed the CRC but does not decode: ignore it, like a flight controller would
      }
    });
  }

  push(bytes: Buffer): void {
    try {
      this.splitter.write(bytes);
    } catch {
      // ignore
    }
  }

  destroy(): void {
    this.splitter.destroy();
    this.parser.destroy();
  }
}

/**
 * Frames messages as MAVLink 2 from one (sysid, compid) with a running sequence number. With
 * `signed`, frames carry the SIGNED incompatibility flag (covered by the CRC); the signature itself
 * is appended per link afterwards (see signing.ts).
 */
export class MavEncoder {
  private seq = 0;
  private protocol: MavLinkProtocolV2;

  constructor(
    sysid: number,
    compid = 1,
    private readonly signed = false,
  ) {
    this.protocol = this.make(sysid, compid);
  }

  private make(sysid: number, compid: number): MavLinkProtocolV2 {
    return new MavLinkProtocolV2(sysid, compid, this.signed ? MavLinkProtocolV2.IFLAG_SIGNED : 0);
  }

  setSysid(sysid: number, compid = 1): void {
    this.protocol = this.make(sysid, compid);
  }

  encode(msg: MavLinkData): Buffer {
    const buf = this.protocol.serialize(msg, this.seq);
    this.seq = (this.seq + 1) & 0xff;
    return buf;
  }
}

/** Split a STATUSTEXT the ArduPilot way: ≤ 50 characters per chunk, chunked texts share a non-zero id. */
export function statusTextChunks(text: string, id: number): { text: string; chunkSeq: number; id: number }[] {
  if (text.length <= 50) return [{ text, chunkSeq: 0, id: 0 }];
  const out: { text: string; chunkSeq: number; id: number }[] = [];
  for (let i = 0, seq = 0; i < text.length; i += 50, seq++) out.push({ text: text.slice(i, i + 50), chunkSeq: seq, id });
  return out;
}
