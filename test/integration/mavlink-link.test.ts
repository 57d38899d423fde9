import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type ConnectOptionsExt } from '../../src/mavlink/connection.js';
import type { VehicleEvent } from '../../src/mavlink/telemetry.js';
import type { MavlinkVehicle } from '../../src/mavlink/vehicle.js';
import type { UdpTransport } from '../../src/mavlink/transports.js';
import { Encoder, MSG, PacketSplitter, decodePacket, num } from '../../src/mavlink/wire.js';
import { FakeClock } from '../support/fake-clock.js';
import { startMiniVehicle, type MiniVehicle, type MiniVehicleOptions } from '../support/mini-vehicle.js';
import { makeMission } from '../support/mavlink-fixtures.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});

async function vehicle(mvOpts: MiniVehicleOptions = {}, connOpts: ConnectOptionsExt = {}) {
  const mv: MiniVehicle = await startMiniVehicle({ speedup: 10, ...mvOpts });
  cleanups.push(() => mv.stop());
  const conn = await connect(`tcp://127.0.0.1:${mv.port}`, { linkTimeoutMs: 400, ...connOpts });
  cleanups.push(() => conn.close());
  return { mv, conn };
}

const until = async (pred: () => boolean, ms = 3000) => {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('commands', () => {
  it('retries an unanswered COMMAND_LONG with the confirmation field incremented', async () => {
    const { mv, conn } = await vehicle();
    const v = await conn.waitForVehicle({ timeoutMs: 3000 });
    mv.knobs.dropCommands = 2;
    const r = await v.setMode(4);
    expect(r).toEqual({ ok: true, result: 0, resultName: 'ACCEPTED' });
    expect(mv.customMode).toBe(4);
    const sent = mv.received.filter((m) => m.name === 'COMMAND_LONG').map((m) => num(m.fields, 'confirmation'));
    expect(sent).toEqual([0, 1, 2]);
  });

  it('waits through IN_PROGRESS without resending', async () => {
    const { mv, conn } = await vehicle();
    const v = await conn.waitForVehicle({ timeoutMs: 3000 });
    mv.knobs.inProgressMs = { 176: 500 };
    const r = await v.setMode(17);
    expect(r.ok).toBe(true);
    expect(mv.received.filter((m) => m.name === 'COMMAND_LONG')).toHaveLength(1);
  });

  it('reports no acknowledgement as NO_ACK after the retries', async () => {
    // the caller's own deadline (the CLI's --timeout), so that the test does not wait out the default 20 s;
    // the default schedule (21 tries in 20 s) is asserted on simulated time in mavlink-retry.test.ts
    const { mv, conn } = await vehicle({}, { retry: { deadlineMs: 1500 } });
    const v = await conn.waitForVehicle({ timeoutMs: 3000 });
    mv.knobs.dropCommands = 100;
    const r = await v.land();
    expect(r).toMatchObject({ ok: false, result: -1, resultName: 'NO_ACK' });
    expect(r.reason).toMatch(/^no COMMAND_ACK for command 176 after \d+ tries in 1\.5 s$/);
    const tries = Number(/after (\d+) tries/.exec(r.reason!)![1]);
    expect(tries).toBeGreaterThanOrEqual(3); // nothing measured yet: 0, 0.5 s, 1.25 s
    expect(mv.received.filter((m) => m.name === 'COMMAND_LONG' && num(m.fields, 'command') === 176)).toHaveLength(tries);
  });

  it('surfaces the pre-arm reason, joining a chunked STATUSTEXT', async () => {
    const { mv, conn } = await vehicle({ ekfReadyAfterMs: 60_000 });
    const v = await conn.waitForVehicle({ timeoutMs: 3000 });
    expect(await v.arm()).toMatchObject({ ok: false, result: 4, resultName: 'FAILED', reason: 'Arm: Need Position Estimate' });
    const long = 'PreArm: Fence requires position; also check the compass calibration and the battery monitor settings';
    mv.knobs.armFailText = long;
    expect((await v.arm()).reason).toBe(long);
  });

  it('arms in GUIDED, refuses MISSION_START unless armed, starts the mission, pauses, resumes, returns', async () => {
    const { mv, conn } = await vehicle();
    const v = await conn.waitForVehicle({ timeoutMs: 3000 });
    expect(await v.startMission()).toMatchObject({ ok: false, resultName: 'DENIED' });
    expect((await v.setMode(4)).ok).toBe(true);
    expect((await v.arm()).ok).toBe(true);
    expect(mv.armed).toBe(true);
    expect((await v.startMission()).ok).toBe(true);
    const start = mv.received.filter((m) => m.name === 'COMMAND_LONG' && num(m.fields, 'command') === 300).at(-1)!;
    expect([num(start.fields, 'param1'), num(start.fields, 'param2')]).toEqual([0, 0]);
    expect(mv.customMode).toBe(3);
    expect((await v.pause()).ok).toBe(true);
    expect(mv.customMode).toBe(17);
    expect((await v.pause('LOITER')).ok).toBe(true);
    expect(mv.customMode).toBe(5);
    expect((await v.resume()).ok).toBe(true);
    expect(mv.customMode).toBe(3);
    expect((await v.returnToLaunch()).ok).toBe(true);
    expect(mv.customMode).toBe(6);
    await until(() => v.customMode === 6);
    expect((await v.disarm(true)).ok).toBe(true);
    expect(mv.armed).toBe(false);
  });

  it('falls back to SET_MODE when DO_SET_MODE is unsupported', async () => {
    const { mv, conn } = await vehicle();
    const v = await conn.waitForVehicle({ timeoutMs: 3000 });
    mv.knobs.noDoSetMode = true;
    expect((await v.setMode(9)).ok).toBe(true);
    expect(mv.customMode).toBe(9);
  });
});

describe('closing', () => {
  it('ends pending commands, parameter reads and transfers at once when the connection closes', async () => {
    // the protocol machines run on a clock that never moves: whatever ends, ends because of the close
    const clock = new FakeClock();
    const { mv, conn } = await vehicle({}, { clock });
    const v = await conn.waitForVehicle({ timeoutMs: 3000 });
    mv.knobs.mute = true;
    const pending = [
      v.setMode(4),
      v.getParam('FENCE_TYPE').catch((e: Error) => e),
      v.uploadItems(0, makeMission(5)),
      v.waitReadyToArm({ timeoutMs: 60_000 }).catch((e: Error) => e),
    ];
    await new Promise((r) => setTimeout(r, 50));
    const t0 = clock.now();
    expect(clock.pending).toBeGreaterThan(0); // each is waiting on its timer
    await conn.close();
    const [cmd, param, upload, ready] = await Promise.all(pending);
    expect(clock.now()).toBe(t0);
    expect(cmd).toMatchObject({ ok: false, resultName: 'NO_ACK' });
    expect(String(param)).toMatch(/cancelled/);
    expect(upload).toMatchObject({ ok: false, error: 'aborted' });
    expect(String(ready)).toMatch(/connection was closed/);
  });
});

describe('parameters', () => {
  it('reads by either spelling, writes with read-back and names an unknown parameter', async () => {
    // the caller's own deadline: ArduPilot never answers an unknown name, and the default would wait 20 s
    const { mv, conn } = await vehicle({ sysid: 7 }, { param: { retry: { deadlineMs: 1500 } } });
    const v = await conn.waitForVehicle({ timeoutMs: 3000 });
    expect(await v.getParam(['SYSID_THISMAV', 'MAV_SYSID'])).toBe(7);
    expect(await v.getParam('SYSID_THISMAV')).toBe(7); // alias table
    expect(await v.setParam('FENCE_ALT_MAX', 87.5)).toBe(87.5);
    expect(mv.params.get('FENCE_ALT_MAX')).toBe(87.5);
    await expect(v.getParam('NO_SUCH_PARAM')).rejects.toThrow(/read parameter NO_SUCH_PARAM: no matching PARAM_VALUE from vehicle 7/);
    await expect(v.getParam('bad name!')).rejects.toThrow(/'bad name!' is not a parameter name/);
  });
});

describe('telemetry and readiness', () => {
  it('requests the streams the tracker needs and emits normalised events', async () => {
    const { mv, conn } = await vehicle();
    const v = await conn.waitForVehicle({ timeoutMs: 3000 });
    const seen = new Map<string, VehicleEvent>();
    v.onEvent((e) => seen.set(e.type, e));
    await v.requestTelemetry(20);
    const intervals = mv.received.filter((m) => m.name === 'COMMAND_LONG' && num(m.fields, 'command') === 511).map((m) => num(m.fields, 'param1'));
    expect(intervals.sort((a, b) => a - b)).toEqual([1, 24, 33, 42, 147, 193, 242, 245]);
    await until(() => ['position', 'battery', 'gps', 'ekf', 'home', 'mission-current', 'landed-state'].every((k) => seen.has(k)));
    expect(seen.get('position')).toMatchObject({ lat: 36.6171, lon: 101.7782, altAmslM: 2260, relAltM: 0 });
    expect(seen.get('battery')).toMatchObject({ remainingPct: 100, voltageV: 12.6 });
    expect(seen.get('ekf')).toMatchObject({ positionOk: true });
  });

  it('waitReadyToArm resolves once the EKF has an absolute position, and says why not at the deadline', async () => {
    const { conn } = await vehicle({ ekfReadyAfterMs: 400 });
    const v = await conn.waitForVehicle({ timeoutMs: 3000 });
    const err = await v.waitReadyToArm({ timeoutMs: 150 }).catch((e: Error) => e);
    expect(String(err)).toMatch(
      /ReadyToArmError: vehicle 1 not ready to arm after 150 ms: (no EKF_STATUS_REPORT received|EKF has no absolute horizontal position \(flags 0x81\)); (no GPS_RAW_INT received|GPS fix type 1 with 3 satellites \(3D fix needed\))/,
    );
    await v.waitReadyToArm({ timeoutMs: 3000 });
  });
});

describe('link state', () => {
  it('reports link lost and regained, and reconnects TCP with back-off', async () => {
    const { mv, conn } = await vehicle({}, { reconnectMinMs: 50 });
    const v = (await conn.waitForVehicle({ timeoutMs: 3000 })) as MavlinkVehicle;
    const links: boolean[] = [];
    v.onEvent((e) => e.type === 'link' && links.push(e.up));
    mv.knobs.mute = true;
    await until(() => !v.online);
    expect(links.at(-1)).toBe(false);
    mv.knobs.mute = false;
    await until(() => v.online);
    expect(links.at(-1)).toBe(true);
    expect(links.indexOf(false)).toBeGreaterThanOrEqual(0);
    // the vehicle drops the TCP connection: we reconnect and hear it again
    const before = mv.received.length;
    (mv as unknown as { sockets: Set<import('node:net').Socket> }).sockets.forEach((s) => {
      s.destroy();
    });
    await until(() => mv.received.length > before + 2, 5000);
    expect((await v.setMode(5)).ok).toBe(true);
  });

  it('tells a refused TCP connection clearly', async () => {
    const mv = await startMiniVehicle();
    const port = mv.port;
    await mv.stop();
    await expect(connect(`tcp://127.0.0.1:${port}`, { connectTimeoutMs: 300, reconnectMinMs: 50 })).rejects.toThrow(
      /tcp:\/\/127.0.0.1:\d+: could not connect within 300 ms \(.*ECONNREFUSED/,
    );
  });

  it('udpin: several vehicles on one link, replies go to whoever sent', async () => {
    const conn = await connect('udpin://127.0.0.1:0', { heartbeatIntervalMs: 50 });
    cleanups.push(() => conn.close());
    const port = (conn.transport as UdpTransport).localPort;
    const heard: Record<number, number> = { 1: 0, 2: 0 };
    const socks = [1, 2].map((sysid) => {
      const s = dgram.createSocket('udp4');
      const split = new PacketSplitter();
      s.on('message', (msg) => {
        for (const p of split.push(msg)) if (decodePacket(p)?.name === 'HEARTBEAT' && p.sysid === 255) heard[sysid]!++;
      });
      cleanups.push(() => new Promise((r) => s.close(() => r())));
      const enc = new Encoder(sysid, 1);
      const timer = setInterval(
        () =>
          s.send(enc.encode(MSG.HEARTBEAT, { type: 2, autopilot: 3, base_mode: 0, custom_mode: 0, system_status: 3, mavlink_version: 3 }), port, '127.0.0.1'),
        30,
      );
      cleanups.push(async () => clearInterval(timer));
      return s;
    });
    void socks;
    await until(() => conn.vehicles().length === 2);
    expect(
      conn
        .vehicles()
        .map((v) => v.sysid)
        .sort(),
    ).toEqual([1, 2]);
    await until(() => heard[1]! > 0 && heard[2]! > 0);
  });
});

describe('signing', () => {
  const key = Buffer.alloc(32, 0x5a);
  it('talks to a vehicle that requires signing when the keys match', async () => {
    const { conn } = await vehicle({ signingKey: key, requireSigned: true }, { signing: { keys: { 1: key }, requireSigned: true } });
    const v = await conn.waitForVehicle({ timeoutMs: 3000 });
    expect(await v.getParam('FENCE_TYPE')).toBe(7);
    expect((await v.setMode(4)).ok).toBe(true);
  });

  it('hears nothing from a vehicle signing with another key, and the vehicle ignores us', async () => {
    const { mv, conn } = await vehicle({ signingKey: Buffer.alloc(32, 1), requireSigned: true }, { signing: { keys: { 1: key }, requireSigned: true } });
    await expect(conn.waitForVehicle({ timeoutMs: 500 })).rejects.toThrow(/no heartbeat from a vehicle/);
    expect((conn as unknown as { stats: { rejectedSignature: number } }).stats.rejectedSignature).toBeGreaterThan(0);
    expect(mv.received).toHaveLength(0);
  });

  it('refuses unsigned input when signing is required', async () => {
    const { conn } = await vehicle({}, { signing: { keys: { 1: key }, requireSigned: true } });
    await expect(conn.waitForVehicle({ timeoutMs: 500 })).rejects.toThrow(/no heartbeat/);
    expect((conn as unknown as { stats: { rejectedUnsigned: number } }).stats.rejectedUnsigned).toBeGreaterThan(0);
  });

  it('accepts unsigned input when signing is optional', async () => {
    const { conn } = await vehicle({}, { signing: { keys: { 1: key }, requireSigned: false } });
    await conn.waitForVehicle({ timeoutMs: 3000 });
  });
});

describe('serial transport', () => {
  it('talks MAVLink over a serial port (serialport mock binding)', async () => {
    const { SerialPortMock } = await import('serialport');
    SerialPortMock.binding.createPort('/dev/ttyMOCK0', { echo: false, record: true });
    const conn = await connect('serial:///dev/ttyMOCK0:57600', { serialPortClass: SerialPortMock as never, heartbeatIntervalMs: 50 });
    cleanups.push(() => conn.close());
    expect(conn.description).toBe('serial:///dev/ttyMOCK0:57600');
    const wire = (conn.transport as unknown as { device: { port: { emitData(b: Buffer): void; recording: Buffer } } }).device.port;
    // the vehicle's heartbeat comes in over the wire, in two pieces
    const hb = new Encoder(4, 1).encode(MSG.HEARTBEAT, { type: 2, autopilot: 3, base_mode: 0, custom_mode: 5, system_status: 3, mavlink_version: 3 });
    wire.emitData(hb.subarray(0, 7));
    wire.emitData(hb.subarray(7));
    const v = await conn.waitForVehicle({ timeoutMs: 1000 });
    expect([v.sysid, v.customMode]).toEqual([4, 5]);
    // and our GCS heartbeat goes out on it
    await until(() => wire.recording.length > 0);
    const sent = new PacketSplitter().push(wire.recording).map((p) => decodePacket(p));
    expect(sent[0]).toMatchObject({ name: 'HEARTBEAT', sysid: 255, compid: 190, fields: { type: 6, autopilot: 8 } });
  });

  it('says which serial device could not be opened', async () => {
    await expect(connect('serial:///dev/ttyNO_SUCH_DEVICE:57600')).rejects.toThrow(
      /serial:\/\/\/dev\/ttyNO_SUCH_DEVICE:57600: .*(No such file|cannot open|ENOENT)/i,
    );
  });
});
