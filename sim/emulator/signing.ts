/**
 * MAVLink 2 message signing on an emulated vehicle, the way ArduPilot does it
 * (libraries/GCS_MAVLink/GCS_Signing.cpp on top of the MAVLink C library's mavlink_sign_packet /
 * mavlink_signature_check; mavlink.io "Message Signing"):
 *
 * - Outgoing: every MAVLink 2 frame gets the 13-byte trailer: link id (the channel), a 48-bit
 *   timestamp in 10 µs units since 2015-01-01 (one counter for the vehicle, +1 per packet sent, never
 *   backwards), and the first 6 bytes of SHA-256(key ‖ header ‖ payload ‖ CRC ‖ link id ‖ timestamp).
 * - Incoming: accepted only if correctly signed with a timestamp newer than the last accepted one of
 *   its (sysid, compid, link id) stream; a stream not seen before is accepted only if its timestamp
 *   is at most one minute behind the vehicle's own; at most 16 streams (MAVLINK_MAX_SIGNING_STREAMS).
 *   An accepted timestamp ahead of the vehicle's own moves the vehicle's counter forward.
 * - ArduPilot's accept_unsigned_callback lets through, unsigned or wrongly signed: RADIO_STATUS (#109)
 *   and RADIO (#166) on any channel (SiK radios do not sign), and everything on channel 0 (SERIAL0,
 *   "assumed to be secure channel", USB). Everything else — including MAVLink 1 — is dropped silently
 *   and counted here.
 * - Timestamp: at boot the stored timestamp plus one minute (the key from configuration has a stored
 *   timestamp of 0); moved up to GPS time whenever the GPS sets the clock; stored every 30 s and at
 *   every clock update (each step with a GPS fix), so a reboot restarts ahead of what was sent — unless
 *   a GCS clock more than a minute ahead was accepted since the last store, as on ArduPilot.
 *
 * Hashing: node-mavlink's MavLinkPacketSignature (no code from medidrop's client, which this emulator tests).
 */
import { timingSafeEqual } from 'node:crypto';
import { MavLinkPacketSignature } from 'node-mavlink';

/** The signing epoch, 2015-01-01T00:00:00Z, in ms since 1970. */
export const SIGNING_EPOCH_MS = Date.UTC(2015, 0, 1);
/** 10 µs units per second. */
const PER_S = 100_000;
const ONE_MINUTE = 60 * PER_S;
const SIGNATURE_LENGTH = 13;
/** MAVLINK_MAX_SIGNING_STREAMS in the C library ArduPilot builds with. */
export const MAX_SIGNING_STREAMS = 16;
/** GCS_Signing.cpp accept_list: RADIO_STATUS and RADIO, which SiK radios send unsigned. */
export const ACCEPTED_UNSIGNED = new Set<number>([109, 166]);
/** GCS_MAVLINK::save_signing_timestamp: every 30 s. */
const SAVE_INTERVAL_S = 30;

export type SignatureVerdict = 'ok' | 'unsigned' | 'bad-signature' | 'replay' | 'old-timestamp' | 'too-many-streams';

export interface SigningStats {
  /** Correctly signed packets accepted. */
  accepted: number;
  /** Unsigned or wrongly signed packets accepted anyway (channel 0, RADIO_STATUS, RADIO). */
  acceptedUnsigned: number;
  /** Packets dropped, all reasons. */
  rejected: number;
  /** Dropped: no signature (MAVLink 2 without the flag, or MAVLink 1). */
  unsigned: number;
  /** Dropped: signature does not match the key (wrong key, tampered). */
  badSignature: number;
  /** Dropped: timestamp not newer than the last one accepted on its stream. */
  replay: number;
  /** Dropped: a new stream's timestamp more than a minute behind the vehicle's. */
  oldTimestamp: number;
  /** Dropped: a new stream when 16 are already known. */
  tooManyStreams: number;
}

/** A frame to check: the raw bytes as received plus what the header says. */
export interface ReceivedFrame {
  frame: Buffer;
  sysid: number;
  compid: number;
  msgid: number;
  signed: boolean;
}

/** Check a key from configuration: 32 bytes, not all zero (ArduPilot treats an all-zero key as signing off). */
export function signingKeyProblem(key: unknown): string | undefined {
  if (!Buffer.isBuffer(key)) return 'must be a Buffer of 32 bytes';
  if (key.length !== 32) return `must be 32 bytes, got ${key.length}`;
  if (key.every((b) => b === 0)) return 'is all zeros, which ArduPilot takes as "signing disabled"';
  return undefined;
}

export class VehicleSigning {
  /** The next outgoing timestamp (10 µs units since 2015-01-01). */
  private ts: number;
  /** The timestamp in "FRAM": what a reboot starts from (plus a minute). */
  private stored: number;
  private storedAt = 0;
  /** Last accepted timestamp per (sysid, compid, link id); RAM, so a reboot forgets it. */
  private readonly streams = new Map<string, number>();
  private readonly counts: SigningStats = {
    accepted: 0,
    acceptedUnsigned: 0,
    rejected: 0,
    unsigned: 0,
    badSignature: 0,
    replay: 0,
    oldTimestamp: 0,
    tooManyStreams: 0,
  };

  constructor(
    private readonly key: Buffer,
    storedTimestamp = 0,
  ) {
    const problem = signingKeyProblem(key);
    if (problem) throw new Error(`signing key ${problem}`);
    this.stored = storedTimestamp;
    this.ts = storedTimestamp + ONE_MINUTE;
  }

  /** The timestamp the next outgoing packet will carry. */
  get timestamp(): number {
    return this.ts;
  }

  get stats(): Readonly<SigningStats> {
    return { ...this.counts };
  }

  /**
   * Firmware start (boot or reboot): signing streams are RAM and start empty; the timestamp restarts
   * at the stored one plus a minute (load_signing_key), ahead of anything sent since the last store.
   */
  boot(nowS: number): void {
    this.streams.clear();
    this.ts = this.stored + ONE_MINUTE;
    this.storedAt = nowS;
  }

  /** Called every simulation step: store the timestamp every 30 s. */
  step(nowS: number): void {
    if (nowS - this.storedAt >= SAVE_INTERVAL_S) this.save(nowS);
  }

  /**
   * The clock was set (GPS time), µs since 1970: update_signing_timestamp takes whole seconds since
   * 2015 and only ever moves the timestamp forward, then stores it at once.
   */
  setUtc(unixUs: number, nowS: number): void {
    const seconds = Math.floor(unixUs / 1e6) - SIGNING_EPOCH_MS / 1000;
    if (seconds <= 0) return;
    const t = seconds * PER_S;
    if (t > this.ts) this.ts = t;
    this.save(nowS);
  }

  private save(nowS: number): void {
    this.storedAt = nowS;
    if (this.ts > this.stored) this.stored = this.ts;
  }

  /**
   * Sign a MAVLink 2 frame that was serialized with the SIGNED incompatibility flag (its CRC covers
   * the flag): a copy with the trailer appended. Each packet uses the next timestamp.
   */
  sign(frame: Buffer, linkId: number): Buffer {
    const out = Buffer.concat([frame, Buffer.alloc(SIGNATURE_LENGTH)]);
    const sig = new MavLinkPacketSignature(out);
    sig.linkId = linkId & 0xff;
    sig.timestamp = this.ts;
    sig.signature = sig.calculate(this.key);
    this.ts += 1;
    return out;
  }

  /** mavlink_signature_check: the verdict on one frame (updates the stream on 'ok'). */
  verify(f: ReceivedFrame): SignatureVerdict {
    if (!f.signed || f.frame.length < 12 + SIGNATURE_LENGTH) return 'unsigned';
    const sig = new MavLinkPacketSignature(f.frame);
    const expected = Buffer.from(sig.calculate(this.key), 'hex');
    const got = f.frame.subarray(f.frame.length - 6);
    if (expected.length !== 6 || !timingSafeEqual(expected, got)) return 'bad-signature';
    const t = sig.timestamp;
    const stream = `${f.sysid}/${f.compid}/${sig.linkId}`;
    const last = this.streams.get(stream);
    if (last === undefined) {
      if (this.streams.size >= MAX_SIGNING_STREAMS) return 'too-many-streams';
      if (t + ONE_MINUTE < this.ts) return 'old-timestamp';
    } else if (t <= last) return 'replay';
    this.streams.set(stream, t);
    if (t > this.ts) this.ts = t;
    return 'ok';
  }

  /** Whether the vehicle takes this frame, received on MAVLink channel `channel` (0 = SERIAL0). Counts it. */
  accept(f: ReceivedFrame, channel: number): boolean {
    const verdict = this.verify(f);
    if (verdict === 'ok') {
      this.counts.accepted += 1;
      return true;
    }
    if (channel === 0 || ACCEPTED_UNSIGNED.has(f.msgid)) {
      this.counts.acceptedUnsigned += 1;
      return true;
    }
    this.counts.rejected += 1;
    switch (verdict) {
      case 'unsigned':
        this.counts.unsigned += 1;
        break;
      case 'bad-signature':
        this.counts.badSignature += 1;
        break;
      case 'replay':
        this.counts.replay += 1;
        break;
      case 'old-timestamp':
        this.counts.oldTimestamp += 1;
        break;
      case 'too-many-streams':
        this.counts.tooManyStreams += 1;
        break;
    }
    return false;
  }
}
