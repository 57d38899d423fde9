/**
 * MAVLink 2 signing on the emulator, checked with raw node-mavlink packets (no medidrop client code):
 * the vehicle signs everything it sends and, like ArduPilot (GCS_Signing.cpp + the MAVLink C library),
 * drops unsigned, wrongly signed and replayed packets on every link but SERIAL0, except RADIO_STATUS
 * and RADIO.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { ardupilotmega, common } from 'node-mavlink';
import { startEmulator, type Emulator } from '../../sim/emulator/index.js';
import type { Incoming } from '../../sim/emulator/codec.js';
import { HOME, RawGcs } from './emulator-raw-gcs.js';

const KEY = createHash('sha256').update('medidrop emulator signing test').digest();
const OTHER_KEY = createHash('sha256').update('somebody else').digest();
/** 10 µs units since 2015-01-01. */
const stamp = (ms: number) => Math.floor((ms - Date.UTC(2015, 0, 1)) * 100);
const MINUTE = 60 * 100_000;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/**
 * A signing vehicle with SERIAL1: SERIAL0 (`tcpPort`, which boots the firmware) is held by one raw
 * station like the SITL harness does, the station under test talks on SERIAL1.
 */
async function setup(opts: { readyAfterS?: number; speedup?: number } = {}): Promise<{ emu: Emulator; serial0: RawGcs; serial1: RawGcs }> {
  const emu = await startEmulator({
    vehicles: [{ sysid: 1, home: HOME, signingKey: KEY, extraTcpPorts: [0] }],
    speedup: opts.speedup ?? 20,
    readyAfterS: opts.readyAfterS ?? 2,
  });
  cleanups.push(() => emu.stop());
  const serial0 = await RawGcs.tcp(emu.vehicles[0]!.tcpPort);
  cleanups.push(() => serial0.close());
  const serial1 = await RawGcs.tcp(emu.vehicles[0]!.extraTcpPorts[0]!);
  cleanups.push(() => serial1.close());
  await serial1.heartbeat();
  return { emu, serial0, serial1 };
}

const signature = (m: Incoming) => ({
  linkId: m.frame[m.frame.length - 13],
  timestamp: m.frame.readUIntLE(m.frame.length - 12, 6),
  value: m.frame.subarray(m.frame.length - 6),
});
const expectedSignature = (m: Incoming, key: Buffer) =>
  createHash('sha256')
    .update(key)
    .update(m.frame.subarray(0, m.frame.length - 6))
    .digest()
    .subarray(0, 6);

/** PARAM_REQUEST_READ; resolves with the PARAM_VALUE or undefined if none comes within `ms` (wall; pass a short one when none is expected). */
async function readParam(gcs: RawGcs, name: string, opts: { timestamp?: number; ms?: number } = {}): Promise<common.ParamValue | undefined> {
  const reply = gcs.maybe<common.ParamValue>(22, (v) => v.paramId === name, opts.ms ?? 3000);
  const r = new common.ParamRequestRead();
  r.targetSystem = 1;
  r.targetComponent = 1;
  r.paramId = name;
  r.paramIndex = -1;
  gcs.send(r, opts.timestamp === undefined ? {} : { timestamp: opts.timestamp });
  return reply;
}

describe('a vehicle with a signing key', () => {
  it('signs every packet: link id = its channel, growing 10 µs timestamps, SHA-256(key ‖ frame ‖ link id ‖ timestamp)[0..6]', async () => {
    const { emu, serial0, serial1 } = await setup({ readyAfterS: 8 });
    await serial1.waitText(/GPS 1: detected/);
    await emu.waitSim(emu.simTimeS + 1);
    for (const [gcs, linkId] of [
      [serial0, 0],
      [serial1, 1],
    ] as const) {
      const got = gcs.messages;
      expect(got.length).toBeGreaterThan(5);
      let last = -1;
      for (const m of got) {
        expect(m.signed).toBe(true);
        const s = signature(m);
        expect(s.linkId).toBe(linkId);
        expect(s.value).toEqual(expectedSignature(m, KEY));
        expect(s.timestamp).toBeGreaterThan(last);
        last = s.timestamp;
      }
    }
    // boot: the stored timestamp (0 for a key from configuration) plus a minute; GPS time moves it forward
    const first = signature(serial1.messages[0]!).timestamp;
    expect(first).toBeGreaterThanOrEqual(MINUTE);
    expect(first).toBeLessThan(2 * MINUTE);
    expect(signature(serial1.messages.at(-1)!).timestamp).toBeGreaterThanOrEqual(stamp(Date.UTC(2026, 0, 1)));
    // a correctly signed packet from a station whose clock is ahead moves the vehicle's timestamp past it
    serial1.signWith(KEY, 5);
    const ahead = stamp(Date.now()) + 5 * MINUTE;
    expect(await readParam(serial1, 'FENCE_TYPE', { timestamp: ahead })).toBeDefined();
    const after = serial1.messages.at(-1)!;
    expect(signature(after).timestamp).toBeGreaterThan(ahead);
  });

  it('answers a correctly signed request and ignores the same packet replayed', async () => {
    const { emu, serial1 } = await setup();
    const v = emu.vehicles[0]!;
    serial1.signWith(KEY, 7);
    expect((await readParam(serial1, 'FENCE_TYPE'))?.paramValue).toBe(v.param('FENCE_TYPE'));
    const replay = serial1.lastFrame!;
    const waiting = serial1.maybe<common.ParamValue>(22, (p) => p.paramId === 'FENCE_TYPE', 600);
    serial1.sendRaw(replay);
    expect(await waiting).toBeUndefined();
    expect(v.signing!.stats).toMatchObject({ accepted: 1, rejected: 1, replay: 1 });
    // the next packet of the stream, with a newer timestamp, is answered again
    expect(await readParam(serial1, 'FENCE_TYPE')).toBeDefined();
    expect(v.signing!.stats).toMatchObject({ accepted: 2, rejected: 1 });
  });

  it('takes a new stream only if its timestamp is at most a minute behind the vehicle’s', async () => {
    const { emu, serial1 } = await setup();
    const v = emu.vehicles[0]!;
    serial1.signWith(KEY, 1);
    expect(await readParam(serial1, 'FENCE_TYPE')).toBeDefined(); // the vehicle's timestamp is now the wall clock
    serial1.signWith(KEY, 2); // another link id: a new (sysid, compid, link) stream
    expect(await readParam(serial1, 'FENCE_TYPE', { timestamp: stamp(Date.now()) - MINUTE - 500_000, ms: 600 })).toBeUndefined();
    expect(v.signing!.stats).toMatchObject({ rejected: 1, oldTimestamp: 1 });
    expect(await readParam(serial1, 'FENCE_TYPE', { timestamp: stamp(Date.now()) - 30 * 100_000 })).toBeDefined();
  });

  it('drops unsigned, MAVLink 1 and wrongly signed packets silently, counting them; RADIO_STATUS and RADIO pass unsigned', async () => {
    const { emu, serial1 } = await setup();
    const v = emu.vehicles[0]!;
    expect(await readParam(serial1, 'FENCE_TYPE', { ms: 600 })).toBeUndefined();
    expect(v.signing!.stats).toMatchObject({ accepted: 0, unsigned: 1 });
    const arm = serial1.maybe<common.CommandAck>(77, () => true, 600);
    const c = new common.CommandLong();
    c.targetSystem = 1;
    c.targetComponent = 1;
    c.command = 400;
    c.confirmation = 0;
    c._param1 = 1;
    c._param2 = 21196;
    c._param3 = c._param4 = c._param5 = c._param6 = c._param7 = 0;
    serial1.send(c);
    expect(await arm).toBeUndefined();
    expect(v.armed).toBe(false);
    serial1.signWith(OTHER_KEY, 1);
    expect(await readParam(serial1, 'FENCE_TYPE', { ms: 600 })).toBeUndefined();
    expect(v.signing!.stats).toMatchObject({ badSignature: 1 });
    serial1.useV1();
    expect(await readParam(serial1, 'FENCE_TYPE', { ms: 600 })).toBeUndefined();
    expect(v.signing!.stats).toMatchObject({ accepted: 0, acceptedUnsigned: 0, rejected: 4, unsigned: 3, badSignature: 1 });
    // what a SiK radio injects is let through unsigned (ArduPilot's accept list)
    const rs = new common.RadioStatus();
    Object.assign(rs, { rssi: 200, remrssi: 190, txbuf: 90, noise: 40, remnoise: 41, rxerrors: 0, fixed: 0 });
    const radio = new ardupilotmega.Radio();
    Object.assign(radio, { rssi: 200, remrssi: 190, txbuf: 90, noise: 40, remnoise: 41, rxerrors: 0, fixed: 0 });
    serial1.send(rs);
    serial1.send(radio);
    await emu.waitSim(emu.simTimeS + 1);
    expect(v.signing!.stats).toMatchObject({ acceptedUnsigned: 2, rejected: 4 });
  });

  it('trusts SERIAL0 like ArduPilot trusts channel 0 (USB): unsigned requests are answered there, replies still signed', async () => {
    const { emu, serial0 } = await setup();
    const p = await readParam(serial0, 'FENCE_TYPE');
    expect(p?.paramValue).toBe(emu.vehicles[0]!.param('FENCE_TYPE'));
    const reply = serial0.messages.find((m) => m.msgid === 22)!;
    expect(reply.signed).toBe(true);
    expect(emu.vehicles[0]!.signing!.stats).toMatchObject({ accepted: 0, acceptedUnsigned: 1, rejected: 0 });
  });

  it('after a reboot the streams are forgotten but the timestamp restarts a minute past the stored one, so an old packet is still refused', async () => {
    const { emu, serial1 } = await setup();
    const v = emu.vehicles[0]!;
    serial1.signWith(KEY, 3);
    expect(await readParam(serial1, 'FENCE_TYPE')).toBeDefined();
    const old = serial1.lastFrame!;
    // ArduPilot stores the timestamp at every GPS clock update (5 Hz) and every 30 s; the emulator each step with a fix
    await emu.waitSim(emu.simTimeS + 0.2);
    const lastBefore = signature(serial1.messages.at(-1)!).timestamp;
    v.reboot();
    await emu.waitSim(emu.simTimeS + 0.5);
    const serial0 = await RawGcs.tcp(v.tcpPort); // boots the firmware again
    cleanups.push(() => serial0.close());
    const again = await RawGcs.tcp(v.extraTcpPorts[0]!);
    cleanups.push(() => again.close());
    await again.heartbeat();
    expect(v.rebootCount).toBe(1);
    expect(signature(again.messages[0]!).timestamp).toBeGreaterThan(lastBefore + MINUTE - 1000);
    const waiting = again.maybe<common.ParamValue>(22, (p) => p.paramId === 'FENCE_TYPE', 600);
    again.sendRaw(old);
    expect(await waiting).toBeUndefined();
    expect(v.signing!.stats).toMatchObject({ oldTimestamp: 1 });
    again.signWith(KEY, 3);
    expect(await readParam(again, 'FENCE_TYPE')).toBeDefined();
  });
});

describe('signing configuration', () => {
  it('refuses a key that is not 32 bytes, or all zeros (ArduPilot reads that as signing off)', async () => {
    await expect(startEmulator({ vehicles: [{ sysid: 3, home: HOME, signingKey: Buffer.alloc(16, 1) }] })).rejects.toThrow(
      /vehicle 3: signingKey must be 32 bytes, got 16/,
    );
    await expect(startEmulator({ vehicles: [{ sysid: 3, home: HOME, signingKey: Buffer.alloc(32) }] })).rejects.toThrow(/all zeros/);
  });

  it('a vehicle without a key sends unsigned packets and takes signed ones without checking them', async () => {
    const emu = await startEmulator({ vehicles: [{ sysid: 1, home: HOME, extraTcpPorts: [0] }], speedup: 20, readyAfterS: 2 });
    cleanups.push(() => emu.stop());
    const serial0 = await RawGcs.tcp(emu.vehicles[0]!.tcpPort);
    cleanups.push(() => serial0.close());
    const serial1 = await RawGcs.tcp(emu.vehicles[0]!.extraTcpPorts[0]!);
    cleanups.push(() => serial1.close());
    await serial1.heartbeat();
    expect(serial1.messages.every((m) => !m.signed)).toBe(true);
    serial1.signWith(OTHER_KEY, 1);
    expect(await readParam(serial1, 'FENCE_TYPE')).toBeDefined();
    expect(emu.vehicles[0]!.signing).toBeUndefined();
  });
});
