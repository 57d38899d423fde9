/**
 * MAVLink 2 message signing (mavlink.io "Message Signing"): a 13-byte trailer of link id (1),
 * timestamp (6, units of 10 µs since 2015-01-01) and the first 6 bytes of
 * SHA-256(secret key ‖ header ‖ payload ‖ CRC ‖ link id ‖ timestamp).
 * Outgoing packets are signed with node-mavlink's MavLinkPacketSignature; incoming ones are checked
 * here, including the replay rule (timestamps must grow per sysid/compid/link stream).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { MavLinkPacketSignature } from 'node-mavlink';

const SIG_LEN = 13;
/** 2015-01-01T00:00:00Z in ms: the signing epoch. */
export const SIGNING_EPOCH_MS = Date.UTC(2015, 0, 1);

/** Append a signature to a frame that was serialized with the SIGNED incompatibility flag. */
export function signPacket(frame: Buffer, key: Buffer, linkId: number, timestamp: number): Buffer {
  const out = Buffer.concat([frame, Buffer.alloc(SIG_LEN)]);
  const sig = new MavLinkPacketSignature(out);
  sig.linkId = linkId & 0xff;
  sig.timestamp = timestamp;
  sig.signature = sig.calculate(key);
  return out;
}

/** Strictly increasing signing timestamps (10 µs units since 2015), even within one millisecond. */
export class SigningClock {
  private last = 0;
  constructor(private readonly now: () => number = Date.now) {}
  next(): number {
    const t = Math.max(this.last + 1, Math.floor((this.now() - SIGNING_EPOCH_MS) * 100));
    this.last = t;
    return t;
  }
}

export type SignatureVerdict = 'ok' | 'bad-signature' | 'replay' | 'unsigned' | 'no-key';

/**
 * Checks incoming signatures for one link. A stream is (sysid, compid, link id); its timestamps must
 * grow. A new stream's first timestamp may not be more than a minute older than the newest seen.
 */
export class SignatureVerifier {
  private readonly streams = new Map<string, number>();
  private newest = 0;

  constructor(private readonly keys: Record<number, Buffer>) {}

  keyFor(sysid: number): Buffer | undefined {
    return this.keys[sysid];
  }

  verify(frame: Buffer, sysid: number, compid: number, signed: boolean): SignatureVerdict {
    if (!signed) return 'unsigned';
    const key = this.keys[sysid];
    if (!key) return 'no-key';
    if (frame.length < SIG_LEN + 12) return 'bad-signature';
    const off = frame.length - SIG_LEN;
    const linkId = frame[off]!;
    const timestamp = frame.readUIntLE(off + 1, 6);
    const expected = createHash('sha256')
      .update(key)
      .update(frame.subarray(0, frame.length - 6))
      .digest()
      .subarray(0, 6);
    const got = frame.subarray(frame.length - 6);
    if (!timingSafeEqual(expected, got)) return 'bad-signature';
    const stream = `${sysid}/${compid}/${linkId}`;
    const last = this.streams.get(stream);
    if (last !== undefined && timestamp <= last) return 'replay';
    if (last === undefined && this.newest > 0 && timestamp + 60 * 100_000 < this.newest) return 'replay';
    this.streams.set(stream, timestamp);
    if (timestamp > this.newest) this.newest = timestamp;
    return 'ok';
  }
}

/** A signing key from configuration: 64 hex characters (32 bytes), or a passphrase hashed with SHA-256 like Mission Planner does. */
export function parseSigningKey(text: string): Buffer {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, 'hex');
  if (t.length === 0) throw new Error('signing key is empty');
  return MavLinkPacketSignature.key(t);
}
