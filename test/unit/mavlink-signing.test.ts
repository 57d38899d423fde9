import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { common, MavLinkProtocolV2 } from 'node-mavlink';
import { SignatureVerifier, SigningClock, parseSigningKey, SIGNING_EPOCH_MS } from '../../src/mavlink/signing.js';
import { Encoder, MSG, PacketSplitter } from '../../src/mavlink/wire.js';

const key = createHash('sha256').update('medidrop test key').digest();

describe('MAVLink 2 signing', () => {
  it('accepts a frame signed by node-mavlink itself (independent implementation)', () => {
    const proto = new MavLinkProtocolV2(1, 1, MavLinkProtocolV2.IFLAG_SIGNED);
    const msg = new common.ParamRequestList();
    msg.targetSystem = 255;
    msg.targetComponent = 190;
    const frame = proto.sign(proto.serialize(msg, 0), 3, key, Date.now());
    const [p] = new PacketSplitter().push(frame);
    expect(p?.signed).toBe(true);
    expect(new SignatureVerifier({ 1: key }).verify(p!.buffer, 1, 1, true)).toBe('ok');
  });

  it('signs the way the spec says: SHA-256(key ‖ frame up to the signature)[0..6], 10 µs timestamps since 2015', () => {
    const enc = new Encoder(255, 190);
    const t = Math.floor((Date.UTC(2026, 0, 1) - SIGNING_EPOCH_MS) * 100);
    const frame = enc.encode(MSG.HEARTBEAT, { type: 6, autopilot: 8, mavlink_version: 3 }, { key, linkId: 9, timestamp: t });
    expect(frame[2]! & 1).toBe(1);
    const sig = frame.subarray(frame.length - 13);
    expect(sig[0]).toBe(9);
    expect(sig.readUIntLE(1, 6)).toBe(t);
    const expected = createHash('sha256')
      .update(key)
      .update(frame.subarray(0, frame.length - 6))
      .digest()
      .subarray(0, 6);
    expect(sig.subarray(7)).toEqual(expected);
  });

  it('rejects a wrong key, a tampered payload and a replayed frame', () => {
    const enc = new Encoder(1, 1);
    const clock = new SigningClock();
    const good = enc.encode(MSG.HEARTBEAT, { type: 2, autopilot: 3 }, { key, linkId: 0, timestamp: clock.next() });
    const v = new SignatureVerifier({ 1: key });
    expect(v.verify(good, 1, 1, true)).toBe('ok');
    expect(v.verify(good, 1, 1, true)).toBe('replay');
    const other = enc.encode(MSG.HEARTBEAT, { type: 2, autopilot: 3 }, { key: Buffer.alloc(32, 7), linkId: 0, timestamp: clock.next() });
    expect(v.verify(other, 1, 1, true)).toBe('bad-signature');
    const tampered = Buffer.from(enc.encode(MSG.HEARTBEAT, { type: 2, autopilot: 3 }, { key, linkId: 0, timestamp: clock.next() }));
    tampered[10]! ^= 1;
    expect(v.verify(tampered, 1, 1, true)).toBe('bad-signature');
    expect(v.verify(good, 1, 1, false)).toBe('unsigned');
    expect(v.verify(good, 2, 1, true)).toBe('no-key');
  });

  it('gives strictly increasing timestamps within one millisecond', () => {
    const c = new SigningClock(() => 1_700_000_000_000);
    const a = c.next();
    expect(c.next()).toBe(a + 1);
  });

  it('parses keys from 64 hex digits or a passphrase', () => {
    expect(parseSigningKey('00'.repeat(32))).toEqual(Buffer.alloc(32));
    expect(parseSigningKey('secret')).toEqual(createHash('sha256').update('secret').digest());
    expect(() => parseSigningKey('  ')).toThrow(/signing key is empty/);
  });
});
