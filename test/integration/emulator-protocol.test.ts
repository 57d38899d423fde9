/**
 * The emulator speaks to a ground station the way ArduCopter 4.x SITL does (ARDUPILOT.md), checked
 * with raw node-mavlink packets: connection and heartbeat, streams only on request, the mission /
 * fence / rally protocol with ArduPilot's quirks, parameters, and STATUSTEXT chunking.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { common, type ardupilotmega, type minimal } from 'node-mavlink';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../sim/emulator/index.js';
import { HOME, item, offset, RawGcs, referenceMission } from './emulator-raw-gcs.js';
import type { MissionItem } from '../../src/missions/types.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(opts: Partial<EmulatorOptions> = {}, speedup = 50): Promise<{ emu: Emulator; gcs: RawGcs }> {
  const emu = await startEmulator({ vehicles: [{ sysid: 1, home: HOME }], speedup, readyAfterS: 2, ...opts });
  cleanups.push(() => emu.stop());
  const gcs = await RawGcs.tcp(emu.vehicles[0]!.tcpPort);
  cleanups.push(() => gcs.close());
  return { emu, gcs };
}

function square(type: 1, cmd: number, n: number, centre: { n: number; e: number }, r: number, startSeq = 0): MissionItem[] {
  const out: MissionItem[] = [];
  for (let i = 0; i < n; i++) {
    const a = (2 * Math.PI * i) / n;
    out.push(item(startSeq + i, cmd, { ...offset(centre.n + r * Math.cos(a), centre.e + r * Math.sin(a)), param1: n, missionType: type, frame: 5 }));
  }
  return out;
}

describe('connection and heartbeat', () => {
  it('boots only when a client connects and sends its first HEARTBEAT about 0.9 s (sim) later, as ArduCopter type 2 / autopilot 3 in STABILIZE', async () => {
    const emu = await startEmulator({ vehicles: [{ sysid: 7, home: HOME }], speedup: 2, readyAfterS: 2 });
    cleanups.push(() => emu.stop());
    await emu.waitSim(1.5);
    expect(emu.vehicles[0]!.statusTexts).toHaveLength(0); // not booted: nobody connected
    const gcs = await RawGcs.tcp(emu.vehicles[0]!.tcpPort);
    cleanups.push(() => gcs.close());
    const connectedAt = emu.simTimeS;
    const hb = await gcs.heartbeat();
    const firstAt = emu.simTimeS - connectedAt;
    expect(firstAt).toBeGreaterThan(0.8);
    expect(firstAt).toBeLessThan(1.3);
    const m = gcs.messages.find((x) => x.msgid === 0)!;
    expect([m.sysid, m.compid, m.version]).toEqual([7, 1, 2]);
    expect([hb.type, hb.autopilot, hb.customMode]).toEqual([2, 3, 0]);
    expect(hb.baseMode & 128).toBe(0);
  });

  it('a second client on the same TCP port connects but hears nothing until the first one leaves', async () => {
    const { emu, gcs } = await setup();
    await gcs.heartbeat();
    const second = await RawGcs.tcp(emu.vehicles[0]!.tcpPort);
    cleanups.push(() => second.close());
    await emu.waitSim(emu.simTimeS + 3);
    expect(second.messages).toHaveLength(0);
    // when the first client goes, the waiting one is taken on (SITL accepts the next connection)
    gcs.close();
    await second.heartbeat();
  });

  it('streams nothing unasked; REQUEST_DATA_STREAM and SET_MESSAGE_INTERVAL turn telemetry on', async () => {
    const { emu, gcs } = await setup();
    await emu.waitSim(5);
    const ids = new Set(gcs.messages.map((m) => m.msgid));
    for (const id of ids) expect([0, 253, 242, 49, 111, 133]).toContain(id); // HEARTBEAT, STATUSTEXT, HOME, ORIGIN, TIMESYNC, TERRAIN_REQUEST
    expect(ids.has(33)).toBe(false);
    gcs.requestStreams(1, 5);
    const pos = await gcs.waitFor<common.GlobalPositionInt>(33);
    expect(pos.lat).toBe(Math.round(HOME.lat * 1e7));
    expect(Math.round(pos.alt / 1000)).toBe(HOME.altM);
    for (const id of [1, 24, 147, 193, 42, 245]) await gcs.waitFor(id);
    // SET_MESSAGE_INTERVAL on a fresh vehicle
    const b = await setup();
    await b.emu.waitSim(3);
    const ack = await b.gcs.command(1, 511, [33, 100_000]);
    expect(ack.result).toBe(0);
    await b.gcs.waitFor(33);
  });

  it('readiness follows SITL: GPS, origin + HOME_POSITION, then "EKF3 IMU0 is using GPS" with EKF flag 0x10', async () => {
    const { emu, gcs } = await setup({ readyAfterS: 8 }, 5);
    gcs.requestStreams(1, 2);
    const early = await gcs.waitFor<ardupilotmega.EkfStatusReport>(193);
    expect(early.flags & 0x10).toBe(0);
    expect(early.flags & 0x80).toBe(0x80);
    const home = await gcs.waitFor<common.HomePosition>(242, () => true, 5000, 0);
    expect(home.latitude).toBe(Math.round(HOME.lat * 1e7));
    await gcs.waitText(/EKF3 IMU0 is using GPS/, 5000, 0);
    expect(emu.simTimeS).toBeGreaterThanOrEqual(8);
    const ready = await gcs.waitFor<ardupilotmega.EkfStatusReport>(193, (e) => (e.flags & 0x10) !== 0);
    expect(ready.flags & 0x80).toBe(0);
  });
});

describe('arming and commands', () => {
  it('refuses to arm before the EKF has a position, with the reason as STATUSTEXT and COMMAND_ACK FAILED', async () => {
    const { gcs } = await setup({ readyAfterS: 30 }, 10);
    await gcs.heartbeat();
    await gcs.waitText(/origin set/, 5000, 0);
    expect((await gcs.command(1, 176, [1, 4])).result).toBe(0);
    const ack = await gcs.command(1, 400, [1]);
    expect(ack.result).toBe(4);
    // 'Arm: ', not 'PreArm: ', during an arm attempt (AP_Arming::check_failed, running_arming_checks)
    await gcs.waitText(/^Arm: (Need Position Estimate|EKF3 still initialising)$/, 2000, 0);
  });

  it('AUTO is not armable; GUIDED arms once ready and disarms itself after DISARM_DELAY without MISSION_START', async () => {
    const { emu, gcs } = await setup();
    await gcs.waitText(/using GPS/, 5000, 0);
    expect((await gcs.command(1, 176, [1, 3])).result).toBe(0);
    expect((await gcs.command(1, 400, [1])).result).toBe(4);
    await gcs.waitText(/Arm: AUTO mode not armable/, 1000, 0);
    expect((await gcs.command(1, 176, [1, 4])).result).toBe(0);
    expect((await gcs.command(1, 400, [1])).result).toBe(0);
    const v = emu.vehicles[0]!;
    expect(v.armed).toBe(true);
    await new Promise<void>((r) => v.once('armed', () => r()));
    const at = (text: string) => v.statusTexts.find((x) => x.text === text)!.t;
    const after = at('Disarming motors') - at('Arming motors');
    void emu;
    expect(after).toBeGreaterThan(9);
    expect(after).toBeLessThan(11.5);
    expect(v.armed).toBe(false);
  });

  it('MISSION_START only with param1 = param2 = 0 (else DENIED); it switches to AUTO and takes off', async () => {
    const { emu, gcs } = await setup();
    expect(await gcs.upload(1, 0, referenceMission())).toBe(0);
    await gcs.waitText(/using GPS/, 5000, 0);
    await gcs.command(1, 176, [1, 4]);
    expect((await gcs.command(1, 400, [1])).result).toBe(0);
    expect((await gcs.command(1, 300, [1, 0])).result).toBe(2);
    expect((await gcs.command(1, 300, [0, 0])).result).toBe(0);
    const hb = await gcs.waitFor<minimal.Heartbeat>(0, (h) => h.customMode === 3);
    expect(hb.baseMode & 128).toBe(128);
    await gcs.waitText(/Mission: 1 Takeoff/, 3000, 0);
    await emu.waitSim(emu.simTimeS + 8);
    expect(emu.vehicles[0]!.position.relAltM).toBeGreaterThan(5);
  });

  it('answers a TIMESYNC request and sends its own', async () => {
    const { gcs } = await setup();
    await gcs.heartbeat();
    const t = new common.TimeSync();
    t.tc1 = 0n;
    t.ts1 = 123456789n;
    t.targetSystem = 1;
    t.targetComponent = 1;
    const reply = gcs.waitFor<common.TimeSync>(111, (r) => r.ts1 === 123456789n);
    gcs.send(t);
    expect((await reply).tc1 > 0n).toBe(true);
    await gcs.waitFor<common.TimeSync>(111, (r) => r.tc1 === 0n, 5000, 0);
  });

  it('answers unknown commands with UNSUPPORTED', async () => {
    const { gcs } = await setup();
    await gcs.heartbeat();
    expect((await gcs.command(1, 31000, [])).result).toBe(3);
  });
});

describe('parameters', () => {
  it('reads, sets (rounding integer types) and lists parameters; ignores unknown names', async () => {
    const { gcs } = await setup();
    await gcs.heartbeat();
    const r = new common.ParamRequestRead();
    r.targetSystem = 1;
    r.targetComponent = 1;
    r.paramId = 'FENCE_TYPE';
    r.paramIndex = -1;
    const p = gcs.waitFor<common.ParamValue>(22, (v) => v.paramId === 'FENCE_TYPE');
    gcs.send(r);
    expect((await p).paramValue).toBe(5); // medidrop.parm
    const set = await gcs.setParam(1, 'FENCE_ENABLE', 1.4);
    expect(set.paramValue).toBe(1);
    expect(set.paramType).toBe(2);
    const spd = await gcs.setParam(1, 'WP_SPD', 7.5);
    expect(spd.paramValue).toBe(7.5);
    const s = new common.ParamSet();
    s.targetSystem = 1;
    s.targetComponent = 1;
    s.paramId = 'NO_SUCH_PARAM';
    s.paramValue = 3;
    s.paramType = 9;
    gcs.send(s);
    expect(await gcs.maybe(22, (v: common.ParamValue) => v.paramId === 'NO_SUCH_PARAM', 300)).toBeUndefined();
    const list = new common.ParamRequestList();
    list.targetSystem = 1;
    list.targetComponent = 1;
    const first = gcs.waitFor<common.ParamValue>(22, (v) => v.paramIndex === 0);
    gcs.send(list);
    const total = (await first).paramCount;
    await gcs.waitFor<common.ParamValue>(22, (v) => v.paramIndex === total - 1);
  });

  it('speaks the 4.6 names when asked (SYSID_THISMAV, WPNAV_SPEED in cm/s)', async () => {
    const { gcs } = await setup({ paramNaming: '4.6' });
    await gcs.heartbeat();
    const v = await gcs.setParam(1, 'WPNAV_SPEED', 800);
    expect(v.paramValue).toBe(800);
  });
});

describe('mission upload and download (type 0)', () => {
  it('asks with MISSION_REQUEST (#40) only, stores, acks ACCEPTED with the type and says "Flight plan received"', async () => {
    const { gcs } = await setup();
    await gcs.heartbeat();
    expect(await gcs.upload(1, 0, referenceMission())).toBe(0);
    expect(gcs.messages.some((m) => m.msgid === 51)).toBe(false);
    expect(gcs.messages.filter((m) => m.msgid === 40)).toHaveLength(7);
    await gcs.waitText(/Flight plan received/, 1000, 0);
  });

  // AP_Mission::stored_in_location keeps NAV_TAKEOFF's position and none for RTL (checked on SITL:
  // test/sitl/mission-storage-sitl.test.ts)
  it('download: seq 0 is the vehicle home, frames come back 0/3, take-off keeps its position, RTL comes back with x = y = 0', async () => {
    const { gcs } = await setup();
    await gcs.waitText(/origin set/, 5000, 0);
    const up = referenceMission();
    up[1] = { ...up[1]!, ...offset(5, 5) };
    expect(await gcs.upload(1, 0, up)).toBe(0);
    const items = await gcs.download(1, 0);
    expect(items).toHaveLength(7);
    expect(items[0]!.x).toBe(Math.round(HOME.lat * 1e7));
    expect(items[0]!.z).toBeCloseTo(HOME.altM, 1);
    expect(items[0]!.frame).toBe(0);
    expect([items[1]!.command, items[1]!.x, items[1]!.y, items[1]!.frame, items[1]!.z]).toEqual([22, up[1]!.x, up[1]!.y, 3, 30]);
    expect([items[2]!.frame, items[2]!.x, items[2]!.y]).toEqual([3, up[2]!.x, up[2]!.y]);
    expect([items[6]!.command, items[6]!.x, items[6]!.y]).toEqual([20, 0, 0]);
  });

  it('MISSION_CURRENT.total is count - 1', async () => {
    const { gcs } = await setup();
    expect(await gcs.upload(1, 0, referenceMission())).toBe(0);
    gcs.requestStreams(1, 5);
    const mc = await gcs.waitFor<common.MissionCurrent>(42);
    expect(mc.total).toBe(6);
  });

  it('a wrong seq gets INVALID_SEQUENCE mid-transfer, then the same seq is asked again and the upload can finish', async () => {
    const { gcs } = await setup();
    await gcs.heartbeat();
    const items = referenceMission();
    const acks: number[] = [];
    gcs.on((m) => m.msgid === 47 && acks.push((m.data as common.MissionAck).type));
    const req0 = gcs.waitFor<common.MissionRequest>(40, (r) => r.seq === 0);
    gcs.count(1, 0, items.length);
    await req0;
    gcs.item(1, items[0]!);
    await gcs.waitFor<common.MissionRequest>(40, (r) => r.seq === 1);
    const again = gcs.waitFor<common.MissionRequest>(40, (r) => r.seq === 1, 3000);
    gcs.item(1, items[3]!); // out of order
    await gcs.waitFor<common.MissionAck>(47, (a) => a.type === 13);
    await again; // re-requested by the 1 s timer
    for (let s = 1; s < items.length; s++) {
      const next =
        s + 1 < items.length ? gcs.waitFor<common.MissionRequest>(40, (r) => r.seq === s + 1) : gcs.waitFor<common.MissionAck>(47, (a) => a.type !== 13);
      gcs.item(1, items[s]!);
      await next;
    }
    expect(acks).toEqual([13, 0]);
  });

  it('re-requests every 1 s and cancels after 8 s of silence, on simulated time', async () => {
    const { emu, gcs } = await setup({}, 40);
    await gcs.heartbeat();
    const start = gcs.messages.length;
    gcs.count(1, 0, 5);
    const t0 = emu.simTimeS;
    const ack = await gcs.waitFor<common.MissionAck>(47, () => true, 3000); // 8 s sim = 0.2 s wall
    const elapsed = emu.vehicles[0]!.statusTexts.find((x) => x.text === 'Mission upload timeout')!.t - t0;
    expect(ack.type).toBe(15);
    expect(elapsed).toBeGreaterThan(7.9);
    expect(elapsed).toBeLessThan(10);
    const requests = gcs.messages.slice(start).filter((m) => m.msgid === 40);
    expect(requests.length).toBeGreaterThanOrEqual(8);
    expect(requests.every((m) => (m.data as common.MissionRequest).seq === 0)).toBe(true);
    await gcs.waitText(/Mission upload timeout/, 1000, 0);
  });

  it('more than 650 items → NO_SPACE', async () => {
    const { gcs } = await setup();
    await gcs.heartbeat();
    gcs.count(1, 0, 651);
    expect((await gcs.waitFor<common.MissionAck>(47)).type).toBe(4);
  });

  it('a second GCS uploading meanwhile is DENIED', async () => {
    const { emu, gcs } = await setup({ udpOut: undefined });
    await gcs.heartbeat();
    gcs.count(1, 0, 4);
    await gcs.waitFor(40);
    void emu;
    // a second GCS on the same link (another sysid through the same socket, as a MAVLink router would)
    const spoof = new (await import('node-mavlink')).MavLinkProtocolV2(200, 190);
    const c = new common.MissionCount();
    c.targetSystem = 1;
    c.targetComponent = 1;
    c.count = 2;
    c.missionType = 0;
    c.opaqueId = 0;
    const denied = gcs.waitFor<common.MissionAck>(47, (a) => a.targetSystem === 200);
    (gcs as unknown as { write: (b: Buffer) => void }).write(spoof.serialize(c, 0));
    expect((await denied).type).toBe(14);
  });

  it('a bad item aborts the upload and leaves the stored mission mixed (truncated, new before, old after)', async () => {
    const { emu, gcs } = await setup();
    await gcs.heartbeat();
    const old = [item(0, 16), ...[1, 2, 3, 4, 5].map((i) => item(i, 16, { ...offset(i * 10, 0), z: 11 }))];
    expect(await gcs.upload(1, 0, old)).toBe(0);
    const fresh = [item(0, 16), item(1, 16, { ...offset(0, 50), z: 22 }), item(2, 31337), item(3, 16, { ...offset(0, 70), z: 22 })];
    expect(await gcs.upload(1, 0, fresh)).toBe(3); // UNSUPPORTED
    const stored = emu.vehicles[0]!.mission;
    expect(stored).toHaveLength(4);
    expect(stored[1]!.z).toBe(22); // new
    expect(stored[2]!.z).toBe(11); // old
    expect(stored[3]!.z).toBe(11); // old
    const lat95 = [item(0, 16), item(1, 16, { x: 950_000_000, y: 0, z: 5 })];
    expect(await gcs.upload(1, 0, lat95)).toBe(10); // INVALID_PARAM5_X
    const body = [item(0, 16), item(1, 16, { frame: 8, ...offset(1, 1), z: 5 })];
    expect(await gcs.upload(1, 0, body)).toBe(2); // UNSUPPORTED_FRAME
  });

  // MissionItemProtocol::send_mission_item_warning, as SITL sends it: WARNING, exactly 50 characters, once
  it('accepts legacy MISSION_ITEM (float degrees) with the STATUSTEXT "got MISSION_ITEM; GCS should send MISSION_ITEM_INT"', async () => {
    const { emu, gcs } = await setup();
    await gcs.heartbeat();
    const done = new Promise<number>((resolve) => {
      gcs.on((m) => {
        if (m.msgid === 40) {
          const r = m.data as common.MissionRequest;
          const mi = new common.MissionItem();
          mi.targetSystem = 1;
          mi.targetComponent = 1;
          mi.seq = r.seq;
          mi.frame = 3;
          mi.command = r.seq === 1 ? 16 : 16;
          mi.current = 0;
          mi.autocontinue = 1;
          mi.param1 = mi.param2 = mi.param3 = mi.param4 = 0;
          mi.x = HOME.lat + 0.001;
          mi.y = HOME.lon;
          mi.z = 20;
          mi.missionType = 0;
          gcs.send(mi);
        }
        if (m.msgid === 47) resolve((m.data as common.MissionAck).type);
      });
    });
    gcs.count(1, 0, 2);
    expect(await done).toBe(0);
    // float32 degrees carry about 1e-7° of rounding: within 2 cm
    expect(Math.abs(emu.vehicles[0]!.mission[1]!.x - Math.round((HOME.lat + 0.001) * 1e7))).toBeLessThan(20);
    const warnings = gcs.messages
      .filter((m) => m.msgid === 253)
      .map((m) => m.data as common.StatusText)
      .filter((s) => /MISSION_ITEM/.test(s.text));
    expect(warnings.map((w) => [w.severity, w.text, w.id])).toEqual([[4, 'got MISSION_ITEM; GCS should send MISSION_ITEM_INT', 0]]);
  });
});

describe('fence (type 1) and rally (type 2)', () => {
  it('accepts a polygon fence ("Fence Indexed OK") and reads it back', async () => {
    const { gcs } = await setup();
    await gcs.heartbeat();
    const fence = [...square(1, 5001, 4, { n: 150, e: 0 }, 400), ...square(1, 5002, 5, { n: 150, e: 200 }, 30, 4)];
    expect(await gcs.upload(1, 1, fence)).toBe(0);
    await gcs.waitText(/Fence Indexed OK/, 1000, 0);
    const back = await gcs.download(1, 1);
    expect(back.map((i) => i.command)).toEqual(fence.map((i) => i.command));
    expect(back[0]!.param1).toBe(4);
  });

  it('rejects a 2-vertex polygon, a count mismatch and non-fence commands, keeping the old fence (atomic)', async () => {
    const { emu, gcs } = await setup();
    await gcs.heartbeat();
    const good = square(1, 5001, 4, { n: 0, e: 0 }, 300);
    expect(await gcs.upload(1, 1, good)).toBe(0);
    const two = square(1, 5001, 2, { n: 0, e: 0 }, 100);
    expect(await gcs.upload(1, 1, two)).toBe(1);
    await gcs.waitText(/Invalid vertex count \(2\)/, 1000, 0);
    const mismatch = square(1, 5001, 4, { n: 0, e: 0 }, 100).slice(0, 3);
    expect(await gcs.upload(1, 1, mismatch)).toBe(1);
    await gcs.waitText(/Incorrect item count/, 1000, 0);
    const wrongCmd = [...square(1, 5001, 3, { n: 0, e: 0 }, 100), item(3, 16, { missionType: 1, ...offset(1, 1) })];
    expect(await gcs.upload(1, 1, wrongCmd)).toBe(3);
    expect(emu.vehicles[0]!.fence.map((i) => i.x)).toEqual(good.map((i) => i.x));
  });

  it('enforces the fence storage: > 70 items NO_SPACE, 70 vertices "Fence exceeds storage size", 66 fit', async () => {
    const { gcs } = await setup();
    await gcs.heartbeat();
    gcs.count(1, 1, 71);
    expect((await gcs.waitFor<common.MissionAck>(47, (a) => a.missionType === 1)).type).toBe(4);
    const seventy = [...square(1, 5002, 35, { n: 0, e: 500 }, 50), ...square(1, 5002, 35, { n: 0, e: -500 }, 50, 35)];
    expect(await gcs.upload(1, 1, seventy)).toBe(1);
    await gcs.waitText(/Fence exceeds storage size/, 1000, 0);
    const sixtySix = [...square(1, 5002, 33, { n: 0, e: 500 }, 50), ...square(1, 5002, 33, { n: 0, e: -500 }, 50, 33)];
    expect(await gcs.upload(1, 1, sixtySix)).toBe(0);
  });

  it('rally: NAV_RALLY_POINT only, about 46 points, cleared per mission type', async () => {
    const { emu, gcs } = await setup();
    await gcs.heartbeat();
    const rally = [item(0, 5100, { ...offset(100, 100), z: 20, missionType: 2 }), item(1, 5100, { ...offset(-100, 100), z: 20, missionType: 2 })];
    expect(await gcs.upload(1, 2, rally)).toBe(0);
    expect(await gcs.upload(1, 2, [item(0, 16, { ...offset(1, 1), missionType: 2 })])).toBe(3);
    gcs.count(1, 2, 47);
    expect((await gcs.waitFor<common.MissionAck>(47, (a) => a.missionType === 2 && a.type === 4)).type).toBe(4);
    expect(await gcs.upload(1, 0, referenceMission())).toBe(0);
    const clear = new common.MissionClearAll();
    clear.targetSystem = 1;
    clear.targetComponent = 1;
    clear.missionType = 2;
    const ack = gcs.waitFor<common.MissionAck>(47, (a) => a.missionType === 2);
    gcs.send(clear);
    expect((await ack).type).toBe(0);
    expect(emu.vehicles[0]!.rally).toHaveLength(0);
    expect(emu.vehicles[0]!.mission).toHaveLength(7);
  });
});

describe('several vehicles and UDP', () => {
  it('serves several sysids on one UDP link, each answering only commands addressed to it', async () => {
    const { gcs, port } = await RawGcs.udp();
    cleanups.push(() => gcs.close());
    const emu = await startEmulator({
      vehicles: [
        { sysid: 1, home: HOME },
        { sysid: 2, home: { ...HOME, lat: HOME.lat + 0.001 } },
      ],
      speedup: 50,
      readyAfterS: 2,
      udpOut: { host: '127.0.0.1', port },
    });
    cleanups.push(() => emu.stop());
    await gcs.waitFor(0, (_d, m) => m.sysid === 1);
    await gcs.waitFor(0, (_d, m) => m.sysid === 2);
    expect(await gcs.upload(2, 0, referenceMission())).toBe(0);
    expect(emu.vehicles[1]!.mission).toHaveLength(7);
    expect(emu.vehicles[0]!.mission).toHaveLength(0);
  });
});

describe('robustness', () => {
  it('survives garbage, truncated frames and messages for other systems, and keeps answering', async () => {
    const { emu, gcs } = await setup();
    await gcs.heartbeat();
    const raw = gcs as unknown as { write: (b: Buffer) => void };
    let seed = 7;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % 256;
    };
    raw.write(Buffer.from(Array.from({ length: 4096 }, rnd)));
    raw.write(Buffer.from([0xfd, 0x09, 0, 0, 0, 255, 190, 76, 0])); // a MAVLink 2 header with no body
    const other = new common.CommandLong();
    other.targetSystem = 42; // not us
    other.targetComponent = 1;
    other.command = 400;
    other.confirmation = 0;
    other._param1 = 1;
    other._param2 = other._param3 = other._param4 = other._param5 = other._param6 = other._param7 = 0;
    gcs.send(other);
    expect(await gcs.maybe(77, () => true, 300)).toBeUndefined();
    expect((await gcs.command(1, 31000, [])).result).toBe(3);
    expect(emu.vehicles[0]!.armed).toBe(false);
  });
});

describe('fault injection', () => {
  it('dropLink silences the vehicle for the given sim time', async () => {
    const { emu, gcs } = await setup();
    gcs.requestStreams(1, 10);
    await gcs.waitFor(33);
    const v = emu.vehicles[0]!;
    v.dropLink(3000);
    const droppedAtMs = v.timeBootMs;
    await emu.waitSim(emu.simTimeS + 4);
    const after = await gcs.waitFor<common.GlobalPositionInt>(33, (p) => p.timeBootMs > droppedAtMs + 1000);
    // nothing was sent during the 3 s (sim) of silence: the first position after it is ≥ 3 s later
    const stamps = gcs.messages.filter((m) => m.msgid === 33).map((m) => (m.data as common.GlobalPositionInt).timeBootMs);
    const during = stamps.filter((t) => t > droppedAtMs && t < droppedAtMs + 2950);
    expect(during).toEqual([]);
    expect(after.timeBootMs - droppedAtMs).toBeGreaterThanOrEqual(2900);
  });

  it('reboot drops the TCP client; after reconnecting the vehicle is disarmed in STABILIZE with its mission kept', async () => {
    const { emu, gcs } = await setup();
    expect(await gcs.upload(1, 0, referenceMission())).toBe(0);
    const ack = await gcs.command(1, 246, [1]);
    expect(ack.result).toBe(0);
    await new Promise((r) => setTimeout(r, 200));
    expect(gcs.closed).toBe(true);
    const again = await RawGcs.tcp(emu.vehicles[0]!.tcpPort);
    cleanups.push(() => again.close());
    const hb = await again.heartbeat();
    expect([hb.customMode, hb.baseMode & 128]).toEqual([0, 0]);
    expect(emu.vehicles[0]!.rebootCount).toBe(1);
    const items = await again.download(1, 0);
    expect(items).toHaveLength(7);
  });
});
