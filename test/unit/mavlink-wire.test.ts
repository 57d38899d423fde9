/**
 * The input path must survive anything: random bytes, truncated packets, bad CRCs, valid-CRC
 * packets with absurd field values for every known message, huge length fields — and still find
 * the good packets in between.
 */
import { describe, expect, it } from 'vitest';
import { x25crc, MSG_ID_MAGIC_NUMBER } from 'node-mavlink';
import { Encoder, MSG, PacketSplitter, decodePacket, messageClass } from '../../src/mavlink/wire.js';
import { Connection } from '../../src/mavlink/connection.js';
import type { Transport } from '../../src/mavlink/transports.js';
import { FakeClock } from '../support/fake-clock.js';
import { seededRandom } from '../support/random.js';
import { makeMission } from '../support/mavlink-fixtures.js';

const MAGIC = MSG_ID_MAGIC_NUMBER as unknown as Record<string, number>;
const heartbeat = (sysid: number) =>
  new Encoder(sysid, 1).encode(MSG.HEARTBEAT, { type: 2, autopilot: 3, base_mode: 0x81, custom_mode: 4, system_status: 3, mavlink_version: 3 });

/** A MAVLink 2 frame with a correct CRC around an arbitrary payload. */
function frameWith(msgid: number, payload: Buffer, sysid = 1, compid = 1, seq = 0): Buffer {
  const b = Buffer.alloc(10 + payload.length + 2);
  b[0] = 0xfd;
  b[1] = payload.length;
  b[4] = seq;
  b[5] = sysid;
  b[6] = compid;
  b.writeUIntLE(msgid, 7, 3);
  payload.copy(b, 10);
  b.writeUInt16LE(x25crc(b.subarray(0, 10 + payload.length + 2), 1, 2, MAGIC[msgid]!), 10 + payload.length);
  return b;
}

function fakeTransport(): Transport & { feed(b: Buffer): void; sent: Buffer[] } {
  const listeners: ((c: Buffer) => void)[] = [];
  const sent: Buffer[] = [];
  return {
    description: 'fake://',
    sent,
    send: (b) => void sent.push(b),
    onData: (l) => void listeners.push(l),
    onState: () => undefined,
    close: async () => undefined,
    feed: (b) => {
      for (const l of listeners) l(b);
    },
  };
}

describe('packet splitter', () => {
  it('finds packets between garbage, across chunk boundaries, and counts CRC errors', () => {
    const s = new PacketSplitter();
    const hb = heartbeat(7);
    const bad = Buffer.from(hb);
    bad[bad.length - 1]! ^= 0xff;
    const stream = Buffer.concat([Buffer.from([1, 2, 0xfd, 3]), hb, bad, Buffer.from('garbage'), hb]);
    const got = [];
    for (let i = 0; i < stream.length; i += 3) got.push(...s.push(stream.subarray(i, i + 3)));
    expect(got.map((p) => p.sysid)).toEqual([7, 7]);
    expect(s.stats.crcErrors).toBeGreaterThanOrEqual(1);
  });

  it('keeps memory bounded on endless garbage and huge length fields', () => {
    const s = new PacketSplitter();
    const rnd = seededRandom(42);
    for (let i = 0; i < 2000; i++) {
      const chunk = Buffer.alloc(512);
      for (let k = 0; k < chunk.length; k++) chunk[k] = rnd() < 0.1 ? 0xfd : Math.floor(rnd() * 256);
      s.push(chunk);
      expect((s as unknown as { buf: Buffer }).buf.length).toBeLessThanOrEqual(280);
    }
    // a start byte claiming 255 bytes of payload, never completed, does not hide the next good packet for long
    s.push(Buffer.from([0xfd, 0xff, 0, 0, 0, 1, 1, 0, 0, 0]));
    const after = s.push(Buffer.concat([heartbeat(3), Buffer.alloc(300), heartbeat(4)]));
    expect(after.map((p) => p.sysid)).toContain(4);
  });

  it('decodes every known message from random valid-CRC payloads without throwing', () => {
    const rnd = seededRandom(7);
    const s = new PacketSplitter();
    let decoded = 0;
    for (const id of Object.keys(MAGIC).map(Number)) {
      const cls = messageClass(id);
      if (!cls) continue;
      for (let n = 0; n < 5; n++) {
        const len = Math.floor(rnd() * (cls.PAYLOAD_LENGTH + 1));
        const payload = Buffer.alloc(len);
        for (let k = 0; k < len; k++) payload[k] = Math.floor(rnd() * 256);
        const packets = s.push(frameWith(id, payload));
        for (const p of packets) {
          expect(() => decodePacket(p)).not.toThrow();
          if (decodePacket(p)) decoded++;
        }
      }
    }
    expect(decoded).toBeGreaterThan(1000);
  });
});

describe('connection input path under fuzz', () => {
  it('never throws, keeps working and ends a transfer with a typed result', async () => {
    const t = fakeTransport();
    const clock = new FakeClock(); // the transfer's retries run on simulated time (the shipped policy)
    const conn = new Connection(t, { sysid: 255, compid: 190, heartbeatIntervalMs: 1000, linkTimeoutMs: 60_000, clock });
    try {
      t.feed(heartbeat(1));
      const v = conn.vehicle(1)!;
      expect(v).toBeDefined();
      const events: string[] = [];
      conn.onEvent((e) => events.push(e.type));
      const upload = v.uploadItems(0, makeMission(5), { attempts: 1 });
      const rnd = seededRandom(1234);
      const ids = Object.keys(MAGIC)
        .map(Number)
        .filter((id) => messageClass(id));
      const interesting = [
        MSG.MISSION_REQUEST,
        MSG.MISSION_REQUEST_INT,
        MSG.MISSION_ACK,
        MSG.MISSION_COUNT,
        MSG.MISSION_ITEM_INT,
        MSG.COMMAND_ACK,
        MSG.PARAM_VALUE,
        MSG.STATUSTEXT,
        MSG.HEARTBEAT,
        MSG.GLOBAL_POSITION_INT,
        MSG.SYS_STATUS,
        MSG.BATTERY_STATUS,
        MSG.EKF_STATUS_REPORT,
        MSG.HOME_POSITION,
        MSG.MISSION_CURRENT,
      ];
      for (let i = 0; i < 3000; i++) {
        const r = rnd();
        let chunk: Buffer;
        if (r < 0.3) {
          chunk = Buffer.alloc(Math.floor(rnd() * 300));
          for (let k = 0; k < chunk.length; k++) chunk[k] = Math.floor(rnd() * 256);
        } else {
          const id = rnd() < 0.6 ? interesting[Math.floor(rnd() * interesting.length)]! : ids[Math.floor(rnd() * ids.length)]!;
          const cls = messageClass(id)!;
          const payload = Buffer.alloc(Math.floor(rnd() * (cls.PAYLOAD_LENGTH + 1)));
          for (let k = 0; k < payload.length; k++) payload[k] = Math.floor(rnd() * 256);
          chunk = frameWith(id, payload, rnd() < 0.8 ? 1 : Math.floor(rnd() * 256), Math.floor(rnd() * 256), i & 0xff);
          if (rnd() < 0.1)
            chunk = chunk.subarray(0, Math.floor(rnd() * chunk.length)); // truncated
          else {
            // a second, independent draw
            if (rnd() < 0.1) chunk[Math.floor(rnd() * chunk.length)]! ^= 0x55; // bad CRC
          }
        }
        expect(() => t.feed(chunk)).not.toThrow();
      }
      const result = await clock.run(upload);
      expect(typeof result.ok).toBe('boolean');
      // any TransferError (src/mavlink/types.ts): link-lost when the fuzz left no valid heartbeat in the timeout window
      if (!result.ok)
        expect(result.error).toMatch(
          /^(timeout|link-lost|protocol|invalid-sequence|cancelled|no-space|denied|unsupported|unsupported-frame|invalid-param|invalid|error)$/,
        );
      // still alive: a clean heartbeat is understood
      t.feed(heartbeat(1));
      expect(events).toContain('heartbeat');
      expect(conn.stats.packets).toBeGreaterThan(1000);
    } finally {
      await conn.close();
    }
  });
});
