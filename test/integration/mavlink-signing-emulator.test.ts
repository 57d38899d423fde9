/**
 * medidrop's MAVLink client with signing, against the project's emulator with a per-vehicle key
 * (the emulator signs and checks the way ArduPilot does; see sim/emulator/signing.ts). The client
 * talks on SERIAL1 like on SITL (SERIAL0 is ArduPilot's trusted channel, held here by a plain socket
 * that boots the firmware, as the SITL harness holds it).
 */
import { createHash } from 'node:crypto';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../sim/emulator/index.js';
import { connect, type ConnectOptionsExt } from '../../src/mavlink/connection.js';
import { compareItems } from '../../src/mavlink/compare.js';
import type { UdpTransport } from '../../src/mavlink/transports.js';
import { HOME, makeMission, makePlan } from '../support/mavlink-fixtures.js';

const KEY = createHash('sha256').update('medidrop signing test key').digest();
const WRONG = createHash('sha256').update('not the key').digest();

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await Promise.resolve(cleanups.pop()!()).catch(() => undefined);
});

const FAST: ConnectOptionsExt = { linkTimeoutMs: 1000 };

/** One vehicle (sysid 1) with SERIAL1; SERIAL0 is opened (boots the firmware) and left alone. */
async function emulator(signingKey?: Buffer): Promise<{ emu: Emulator; serial1: number }> {
  const emu = await startEmulator({
    vehicles: [{ sysid: 1, home: HOME, extraTcpPorts: [0], ...(signingKey ? { signingKey } : {}) }],
    speedup: 20,
    readyAfterS: 2,
  });
  cleanups.push(() => emu.stop());
  const serial0 = net.connect(emu.vehicles[0]!.tcpPort, '127.0.0.1');
  serial0.on('error', () => undefined);
  serial0.resume();
  cleanups.push(() => void serial0.destroy());
  await new Promise<void>((resolve, reject) => {
    serial0.once('connect', resolve);
    serial0.once('error', reject);
  });
  return { emu, serial1: emu.vehicles[0]!.extraTcpPorts[0]! };
}

async function client(port: number, o: ConnectOptionsExt = {}) {
  const conn = await connect(`tcp://127.0.0.1:${port}`, { ...FAST, ...o });
  cleanups.push(() => conn.close());
  return conn;
}

describe('MAVLink 2 signing against the emulator', () => {
  it('with the vehicle’s key and signatures required: discovers it, uploads and verifies a plan, reads a parameter, arms', async () => {
    const { emu, serial1 } = await emulator(KEY);
    const vehicle = emu.vehicles[0]!;
    const conn = await client(serial1, { signing: { keys: { 1: KEY }, requireSigned: true } });
    const v = await conn.waitForVehicle({ timeoutMs: 5000 });
    const plan = makePlan(12, 6, 2);
    const report = await v.uploadPlan(plan);
    expect(report).toMatchObject({ ok: true, uploaded: { mission: 12, fence: 6, rally: 2 } });
    expect(vehicle.mission).toHaveLength(12);
    expect(vehicle.fence).toHaveLength(6);
    expect(vehicle.rally).toHaveLength(2);
    const back = await v.downloadItems(0);
    expect(back.ok && compareItems(0, plan.mission, back.value)).toEqual([]);
    expect(await v.getParam('FENCE_ENABLE')).toBe(1);
    await v.requestTelemetry(5);
    await v.waitReadyToArm({ timeoutMs: 10_000 });
    expect((await v.setMode(4)).ok).toBe(true);
    expect(await v.arm()).toMatchObject({ ok: true });
    expect(vehicle.armed).toBe(true);
    expect((await v.disarm(true)).ok).toBe(true);
    // every packet both ways was signed and accepted
    expect(vehicle.signing!.stats).toMatchObject({ rejected: 0, acceptedUnsigned: 0 });
    expect(vehicle.signing!.stats.accepted).toBeGreaterThan(50);
    expect(conn.stats).toMatchObject({ rejectedSignature: 0, rejectedUnsigned: 0 });
  });

  it('with a wrong key: neither side accepts the other — the client never sees the vehicle, the vehicle counts bad signatures', async () => {
    const { emu, serial1 } = await emulator(KEY);
    const conn = await client(serial1, { signing: { keys: { 1: WRONG }, requireSigned: true }, heartbeatIntervalMs: 100 });
    await expect(conn.waitForVehicle({ timeoutMs: 1500 })).rejects.toThrow(/no heartbeat from a vehicle/);
    expect(conn.vehicles()).toHaveLength(0);
    expect(conn.stats.rejectedSignature).toBeGreaterThan(0);
    const stats = emu.vehicles[0]!.signing!.stats;
    expect(stats.accepted).toBe(0);
    expect(stats.badSignature).toBeGreaterThan(5); // our signed heartbeats, all dropped
  });

  it('without a key: the client hears the (signed) vehicle, but the vehicle ignores every request — parameter read, command, upload', async () => {
    const { emu, serial1 } = await emulator(KEY);
    const vehicle = emu.vehicles[0]!;
    // the caller's own deadline (the CLI's --timeout): nothing is ever answered, and the default waits 20 s per step
    const conn = await client(serial1, { retry: { deadlineMs: 1000 } });
    const v = await conn.waitForVehicle({ timeoutMs: 5000 });
    await expect(v.getParam('FENCE_TYPE')).rejects.toThrow();
    expect(await v.setMode(4)).toMatchObject({ ok: false, resultName: 'NO_ACK' });
    const upload = await v.uploadItems(0, makeMission(5), { attempts: 1 });
    expect(upload.ok).toBe(false);
    expect(vehicle.mission).toHaveLength(0);
    expect(vehicle.modeName).toBe('STABILIZE');
    const stats = vehicle.signing!.stats;
    expect(stats.accepted).toBe(0);
    expect(stats.unsigned).toBeGreaterThan(5);
  });

  it('on SERIAL0, which ArduPilot trusts as USB, a client without a key is answered', async () => {
    const emu = await startEmulator({ vehicles: [{ sysid: 1, home: HOME, signingKey: KEY }], speedup: 20, readyAfterS: 2 });
    cleanups.push(() => emu.stop());
    const conn = await client(emu.vehicles[0]!.tcpPort);
    const v = await conn.waitForVehicle({ timeoutMs: 5000 });
    expect(await v.getParam('FENCE_TYPE')).toBe(emu.vehicles[0]!.param('FENCE_TYPE'));
    expect(emu.vehicles[0]!.signing!.stats).toMatchObject({ accepted: 0, rejected: 0 });
  });

  it('a client that requires signatures never sees a vehicle that does not sign', async () => {
    const { emu, serial1 } = await emulator();
    const conn = await client(serial1, { signing: { keys: { 1: KEY }, requireSigned: true } });
    await expect(conn.waitForVehicle({ timeoutMs: 1500 })).rejects.toThrow(/no heartbeat from a vehicle/);
    expect(conn.stats.rejectedUnsigned).toBeGreaterThan(0);
    expect(emu.vehicles[0]!.signing).toBeUndefined();
  });

  it('one key per vehicle: two vehicles with different keys on one UDP link both upload and verify', async () => {
    const k2 = createHash('sha256').update('vehicle two').digest();
    const conn = await connect('udpin://127.0.0.1:0', { ...FAST, signing: { keys: { 1: KEY, 2: k2 }, requireSigned: true } });
    cleanups.push(() => conn.close());
    const port = (conn.transport as UdpTransport).localPort;
    const emu = await startEmulator({
      vehicles: [
        { sysid: 1, home: HOME, signingKey: KEY },
        { sysid: 2, home: { ...HOME, lat: HOME.lat + 0.001 }, signingKey: k2 },
      ],
      speedup: 20,
      readyAfterS: 2,
      udpOut: { host: '127.0.0.1', port },
    });
    cleanups.push(() => emu.stop());
    const [a, b] = await Promise.all([conn.waitForVehicle({ sysid: 1, timeoutMs: 5000 }), conn.waitForVehicle({ sysid: 2, timeoutMs: 5000 })]);
    const reports = await Promise.all([a.uploadPlan(makePlan(8, 5, 1)), b.uploadPlan(makePlan(10, 6, 2))]);
    expect(reports.map((r) => r.ok)).toEqual([true, true]);
    expect(emu.vehicles.map((x) => x.mission.length)).toEqual([8, 10]);
    // (the client may refuse a few boot messages of one vehicle: stamped a minute past 2015 before its GPS set
    // the clock, they are older than the other vehicle's by more than the minute a new stream is allowed)
    expect(conn.stats.rejectedUnsigned).toBe(0);
    // on a shared link each vehicle also hears the packets signed for the other, and drops them
    for (const x of emu.vehicles) expect(x.signing!.stats.badSignature).toBeGreaterThan(0);
  });
});
