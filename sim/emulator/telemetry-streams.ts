/**
 * What the vehicle sends on its own: HEARTBEAT every second, TIMESYNC and TERRAIN_REQUEST every ten,
 * and the message streams a GCS asks for (REQUEST_DATA_STREAM groups, SET_MESSAGE_INTERVAL,
 * REQUEST_MESSAGE), each message filled in from the shared vehicle state.
 */
import { ardupilotmega, common, minimal, type MavLinkData } from 'node-mavlink';
import { remainingPct, voltage } from './battery.js';
import { position } from './kinematics.js';
import type { Link } from './link.js';
import { airSpeed, groundSpeed } from './physics.js';
import { GPS_MODES, MODE, type VehicleState } from './vehicle-state.js';

/** EKF_STATUS_FLAGS */
const EKF_READY_FLAGS = 0x01 | 0x02 | 0x04 | 0x08 | 0x10 | 0x20 | 0x100 | 0x200;
const EKF_ATTITUDE_ONLY = 0x01 | 0x80; // attitude + CONST_POS_MODE

/** REQUEST_DATA_STREAM groups → the messages ArduCopter sends in them (those the emulator produces). */
const STREAM_GROUPS: Record<number, number[]> = {
  1: [],
  2: [1, 42, 24, 162, 245], // EXTENDED_STATUS: SYS_STATUS, MISSION_CURRENT, GPS_RAW_INT, FENCE_STATUS, EXTENDED_SYS_STATE
  3: [],
  6: [33], // POSITION: GLOBAL_POSITION_INT
  10: [],
  11: [74], // EXTRA2: VFR_HUD
  12: [147, 193, 2], // EXTRA3: BATTERY_STATUS, EKF_STATUS_REPORT, SYSTEM_TIME
};
/** Messages SET_MESSAGE_INTERVAL and REQUEST_MESSAGE can ask for. */
export const STREAMABLE = new Set<number>([1, 2, 24, 33, 42, 49, 74, 147, 162, 193, 242, 245]);

/** GPS time, µs since 1970: the emulator's clock starts at 2026-01-01 and runs on simulated time. */
export function gpsTimeUs(s: VehicleState): number {
  return Math.round((Date.UTC(2026, 0, 1) / 1000 + s.nowS) * 1e6);
}

/** Milliseconds since the firmware booted (the time_boot_ms the vehicle stamps on its messages). */
export function timeBootMs(s: VehicleState): number {
  return s.booted ? Math.round((s.nowS - s.bootAt) * 1000) : 0;
}

export class TelemetryStreams {
  constructor(
    private readonly s: VehicleState,
    private readonly link: Link,
  ) {}

  private send(msg: MavLinkData): void {
    this.link.send(msg);
  }

  /** The timed messages of one step: HEARTBEAT (1 Hz), TIMESYNC and TERRAIN_REQUEST (every 10 s). */
  periodic(now: number): void {
    const s = this.s;
    if (now >= s.nextHeartbeat) {
      s.nextHeartbeat += 1;
      if (s.nextHeartbeat < now) s.nextHeartbeat = now + 1;
      this.sendHeartbeat();
    }
    if (now >= s.nextTimesync) {
      s.nextTimesync = now + 10;
      this.link.sendTimesync(0n, BigInt(Math.round(now * 1e9)), { sysid: 0, compid: 0 });
      // terrain is on by default: ArduCopter keeps asking the GCS for terrain tiles (safe to ignore)
      if (s.params.get('TERRAIN_ENABLE') === 1 && s.homePos) {
        const tr = new common.TerrainRequest();
        const p = position(s);
        tr.lat = Math.round(p.lat * 1e7);
        tr.lon = Math.round(p.lon * 1e7);
        tr.gridSpacing = 100;
        tr.mask = 0xffffffffffffffn;
        this.send(tr);
      }
    }
  }

  requestDataStream(r: common.RequestDataStream): void {
    const ids = r.reqStreamId === 0 ? Object.values(STREAM_GROUPS).flat() : (STREAM_GROUPS[r.reqStreamId] ?? []);
    for (const id of ids) {
      if (r.startStop === 0 || r.reqMessageRate === 0) this.s.streams.delete(id);
      else this.s.streams.set(id, { interval: 1 / r.reqMessageRate, next: this.s.nowS });
    }
  }

  streamStep(): void {
    const s = this.s;
    for (const [id, st] of s.streams) {
      if (s.nowS + 1e-9 >= st.next) {
        st.next += st.interval;
        if (st.next < s.nowS) st.next = s.nowS + st.interval;
        this.sendById(id);
      }
    }
  }

  sendHeartbeat(): void {
    const s = this.s;
    if (!s.booted || s.nowS < s.bootAt + 0.9) return;
    const hb = new minimal.Heartbeat();
    hb.type = 2;
    hb.autopilot = 3;
    let base = 1; // CUSTOM_MODE_ENABLED
    base |= 16; // STABILIZE_ENABLED
    if (GPS_MODES.has(s.modeNum)) base |= 8; // GUIDED_ENABLED
    if (s.modeNum === MODE.AUTO) base |= 4;
    if (s.isArmed) base |= 128;
    hb.baseMode = base;
    hb.customMode = s.modeNum;
    const critical = s.ekfFailsafe || s.batteryFs > 0 || s.fenceBreach !== undefined;
    hb.systemStatus = critical && s.isArmed ? 5 : s.isArmed ? 4 : 3;
    hb.mavlinkVersion = 3;
    this.send(hb);
  }

  sendHome(): void {
    const home = this.s.homePos;
    if (!home) return;
    const h = new common.HomePosition();
    h.latitude = Math.round(home.lat * 1e7);
    h.longitude = Math.round(home.lon * 1e7);
    h.altitude = Math.round(home.altM * 1000);
    h.x = 0;
    h.y = 0;
    h.z = 0;
    h.q = [1, 0, 0, 0];
    h.approachX = 0;
    h.approachY = 0;
    h.approachZ = 0;
    h.timeUsec = BigInt(Math.round(this.s.nowS * 1e6));
    this.send(h);
  }

  sendOrigin(): void {
    const o = new common.GpsGlobalOrigin();
    o.latitude = Math.round(this.s.start.lat * 1e7);
    o.longitude = Math.round(this.s.start.lon * 1e7);
    o.altitude = Math.round(this.s.start.altM * 1000);
    o.timeUsec = BigInt(Math.round(this.s.nowS * 1e6));
    this.send(o);
  }

  sendMissionCurrent(): void {
    const s = this.s;
    const m = new common.MissionCurrent();
    m.seq = s.navIndex;
    m.total = Math.max(0, Math.max(1, s.missionItems.length) - 1);
    m.missionState =
      s.missionItems.length <= 1 ? 1 : s.missionState === 'running' ? 3 : s.missionState === 'paused' ? 4 : s.missionState === 'complete' ? 5 : 2;
    m.missionMode = s.modeNum === MODE.AUTO ? 1 : 0;
    m.missionId = 0;
    m.fenceId = 0;
    m.rallyPointsId = 0;
    this.send(m);
  }

  sendById(id: number): void {
    const s = this.s;
    const p = position(s);
    switch (id) {
      case 0:
        return this.sendHeartbeat();
      case 1: {
        const m = new common.SysStatus();
        const present = 0x1 | 0x2 | 0x4 | 0x8 | 0x20 | 0x200000 | 0x2000000 | 0x10000000 | 0x100000;
        let health = 0x1 | 0x2 | 0x4 | 0x8 | 0x2000000 | 0x100000;
        if (s.gpsFix) health |= 0x20;
        if (s.ekfPosition) health |= 0x200000;
        if (s.prearmHealthy && s.ekfPosition) health |= 0x10000000;
        if (s.batteryFs > 0) health &= ~0x2000000;
        if (s.fenceBreach) health &= ~0x100000;
        let enabled = present;
        if (s.params.get('FENCE_ENABLE') !== 1) enabled &= ~0x100000;
        m.onboardControlSensorsPresent = present;
        m.onboardControlSensorsEnabled = enabled;
        m.onboardControlSensorsHealth = health;
        m.load = 200;
        m.voltageBattery = Math.round(voltage(s) * 1000);
        m.currentBattery = Math.round(s.currentA * 100);
        m.batteryRemaining = remainingPct(s);
        m.dropRateComm = 0;
        m.errorsComm = 0;
        m.errorsCount1 = 0;
        m.errorsCount2 = 0;
        m.errorsCount3 = 0;
        m.errorsCount4 = 0;
        m.onboardControlSensorsPresentExtended = 0 as common.MavSysStatusSensorExtended;
        m.onboardControlSensorsEnabledExtended = 0 as common.MavSysStatusSensorExtended;
        m.onboardControlSensorsHealthExtended = 0 as common.MavSysStatusSensorExtended;
        return this.send(m);
      }
      case 2: {
        const m = new common.SystemTime();
        m.timeUnixUsec = BigInt(gpsTimeUs(s));
        m.timeBootMs = timeBootMs(s) >>> 0;
        return this.send(m);
      }
      case 24: {
        const g = new common.GpsRawInt();
        g.timeUsec = BigInt(Math.round(s.nowS * 1e6));
        g.fixType = s.gpsFix ? 3 : s.gpsLostAt !== undefined ? 0 : 1;
        g.satellitesVisible = s.gpsFix ? 10 : 0;
        g.lat = s.gpsFix ? Math.round(p.lat * 1e7) : 0;
        g.lon = s.gpsFix ? Math.round(p.lon * 1e7) : 0;
        g.alt = s.gpsFix ? Math.round(p.altM * 1000) : 0;
        g.eph = s.gpsFix ? 121 : 9999;
        g.epv = s.gpsFix ? 200 : 9999;
        g.vel = Math.round(groundSpeed(s.body) * 100);
        g.cog = Math.round((((Math.atan2(s.body.ve, s.body.vn) * 180) / Math.PI + 360) % 360) * 100);
        g.altEllipsoid = 0;
        g.hAcc = 300;
        g.vAcc = 500;
        g.velAcc = 40;
        g.hdgAcc = 0;
        g.yaw = 0;
        return this.send(g);
      }
      case 33: {
        const g = new common.GlobalPositionInt();
        g.timeBootMs = timeBootMs(s) >>> 0;
        g.lat = Math.round(p.lat * 1e7);
        g.lon = Math.round(p.lon * 1e7);
        g.alt = Math.round(p.altM * 1000);
        g.relativeAlt = Math.round(p.relAltM * 1000);
        g.vx = Math.round(s.body.vn * 100);
        g.vy = Math.round(s.body.ve * 100);
        g.vz = Math.round(-s.body.vu * 100);
        g.hdg = Math.round((((Math.atan2(s.body.ve, s.body.vn) * 180) / Math.PI + 360) % 360) * 100) % 36000;
        return this.send(g);
      }
      case 42:
        return this.sendMissionCurrent();
      case 49:
        return s.originSet ? this.sendOrigin() : undefined;
      case 74: {
        const v = new common.VfrHud();
        v.airspeed = airSpeed(s.body, s.wind);
        v.groundspeed = groundSpeed(s.body);
        v.alt = p.altM;
        v.climb = s.body.vu;
        v.heading = Math.round(((Math.atan2(s.body.ve, s.body.vn) * 180) / Math.PI + 360) % 360);
        v.throttle = s.isArmed && !s.isLanded ? 39 : 0;
        return this.send(v);
      }
      case 147: {
        const b = new common.BatteryStatus();
        b.id = 0;
        b.batteryFunction = 0;
        b.type = 0;
        b.temperature = 32767;
        b.voltages = [Math.round(voltage(s) * 1000), 65535, 65535, 65535, 65535, 65535, 65535, 65535, 65535, 65535];
        b.currentBattery = Math.round(s.currentA * 100);
        b.currentConsumed = Math.round(s.consumedMah);
        b.energyConsumed = Math.round((s.consumedMah / 1000) * voltage(s) * 36);
        b.batteryRemaining = remainingPct(s);
        b.timeRemaining = 0;
        b.chargeState = s.batteryFs === 2 ? 3 : s.batteryFs === 1 ? 2 : 1;
        b.voltagesExt = [0, 0, 0, 0];
        b.mode = 0;
        b.faultBitmask = 0 as common.MavBatteryFault;
        return this.send(b);
      }
      case 162: {
        const f = new common.FenceStatus();
        f.breachStatus = s.fenceBreach ? 1 : 0;
        f.breachCount = s.fenceBreachCount;
        f.breachType = s.fenceBreach === 'Max altitude' ? 2 : s.fenceBreach ? 3 : 0;
        f.breachTime = 0;
        f.breachMitigation = 0;
        return this.send(f);
      }
      case 193: {
        const e = new ardupilotmega.EkfStatusReport();
        e.flags = s.ekfPosition ? EKF_READY_FLAGS : EKF_ATTITUDE_ONLY;
        e.velocityVariance = s.ekfPosition ? 0.05 : 1.2;
        e.posHorizVariance = s.ekfPosition ? 0.03 : 1.2;
        e.posVertVariance = 0.02;
        e.compassVariance = 0.02;
        e.terrainAltVariance = 0;
        e.airspeedVariance = 0;
        return this.send(e);
      }
      case 242:
        return this.sendHome();
      case 245: {
        const x = new common.ExtendedSysState();
        x.vtolState = 0;
        const n = s.nav;
        const landing = s.modeNum === MODE.LAND || s.rtl?.stage === 'land' || n?.kind === 'land' || (n?.kind === 'rtl' && n.rtl.stage === 'land');
        const takingOff = n?.kind === 'takeoff';
        x.landedState = s.isLanded ? 1 : takingOff ? 3 : landing && s.isArmed ? 4 : 2;
        return this.send(x);
      }
      default:
        return;
    }
  }
}
