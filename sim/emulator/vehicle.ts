/**
 * One emulated ArduCopter: boot and readiness timeline, MAVLink message handling (commands, params,
 * streams, mission protocol), flight modes, the AUTO mission executor, failsafes and fault
 * injection. Everything runs on the emulator's simulated clock, one fixed step at a time.
 */
import { EventEmitter } from 'node:events';
import { ardupilotmega, common, minimal, type MavLinkData } from 'node-mavlink';
import type { MissionItem, MissionType } from '../../src/missions/types.js';
import type { Logger } from '../../src/log.js';
import { MavDecoder, MavEncoder, statusTextChunks, type Incoming } from './codec.js';
import { fromNE, insidePolygon, toNE, type LatLon, type NE } from './geo.js';
import { altitudeReadback, legacyItemToInt, legacyXY } from './ap-mission-storage.js';
import { MissionProtocolServer, type Peer } from './mission-protocol.js';
import { CMD, COMMAND_NAMES, fenceShapes, isNavCommand, type FenceShapes } from './mission-store.js';
import { ParamTable, PARAM_REAL32, type ParamNaming } from './params.js';
import { VehicleSigning } from './signing.js';
import { airSpeed, groundSpeed, stepBody, windVector, type Body, type Target, type Wind } from './physics.js';

export const MODE = { STABILIZE: 0, ALT_HOLD: 2, AUTO: 3, GUIDED: 4, LOITER: 5, RTL: 6, LAND: 9, BRAKE: 17 } as const;
const MODE_NAMES: Record<number, string> = { 0: 'STABILIZE', 2: 'ALT_HOLD', 3: 'AUTO', 4: 'GUIDED', 5: 'LOITER', 6: 'RTL', 9: 'LAND', 17: 'BRAKE' };
const GPS_MODES = new Set<number>([MODE.AUTO, MODE.GUIDED, MODE.LOITER, MODE.RTL, MODE.BRAKE]);

const SEV = { EMERGENCY: 0, ALERT: 1, CRITICAL: 2, ERROR: 3, WARNING: 4, NOTICE: 5, INFO: 6 } as const;
const RESULT = { ACCEPTED: 0, TEMPORARILY_REJECTED: 1, DENIED: 2, UNSUPPORTED: 3, FAILED: 4 } as const;
const FORCE_MAGIC = 21196;

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
const STREAMABLE = new Set<number>([1, 2, 24, 33, 42, 49, 74, 147, 162, 193, 242, 245]);

export interface VehicleConfig {
  sysid: number;
  home: { lat: number; lon: number; altM: number };
  /** Sim seconds from boot until the EKF uses GPS ('EKF3 IMU0 is using GPS'); real SITL ≈ 42. */
  readyAfterS: number;
  params?: Record<string, number>;
  paramNaming?: ParamNaming;
  wind: { speedMs: number; fromDeg: number };
  /** Raised surfaces (rooftops) the vehicle can land on: top altitude AMSL, round footprint. */
  surfaces?: Surface[];
  logger?: Logger;
  /** MAVLink 2 signing key (32 bytes): sign everything, drop what is not signed with it (see signing.ts). */
  signingKey?: Buffer;
}

export interface Surface {
  lat: number;
  lon: number;
  radiusM: number;
  /** Altitude of the top, m AMSL. */
  topAltM: number;
}

export interface ReleaseRecord {
  lat: number;
  lon: number;
  /** Height above home, m. */
  relAltM: number;
  /** Sim seconds since the emulator started. */
  t: number;
  /** What released it: 'payload-place', 'gripper' (DO_GRIPPER), 'command'. */
  by: string;
  /** Winch line paid out at the release, m (0 without a winch). */
  lineOutM: number;
  /** Height of the parcel above home when let go (vehicle height minus the line): > 0.5 m means it was dropped. */
  payloadRelAltM: number;
}

export interface Port {
  send(bytes: Buffer): void;
  /** MAVLink channel of this link (0 = SERIAL0, the one ArduPilot trusts unsigned); default 0. */
  channel?: number;
}

type NavPhase =
  | { kind: 'takeoff'; alt: number; startedAt: number }
  | { kind: 'goto'; target: NE; alt: number; holdS: number; arrivedAt?: number; forever?: boolean }
  | { kind: 'rtl'; rtl: RtlState }
  | { kind: 'land'; target: NE; flyFirst: boolean; touchedAt?: number }
  | { kind: 'payload'; target: NE; startAlt: number; maxDescent: number; stage: 'fly' | 'descend' | 'settle' | 'release' | 'ascend'; stageAt: number; descentStartAlt: number }
  | { kind: 'delay'; until: number }
  | { kind: 'alt'; alt: number };

interface RtlState {
  stage: 'climb' | 'return' | 'loiter' | 'land' | 'landed';
  target: NE;
  alt: number;
  stageAt: number;
}

export class EmulatedVehicle extends EventEmitter {
  sysid: number;
  tcpPort = 0;
  /** Ports of the extra serial ports (SERIAL1, SERIAL2 … on TCP), when asked for. */
  extraTcpPorts: number[] = [];
  readonly params: ParamTable;
  /** MAVLink 2 signing, when the vehicle has a key: timestamp and accepted / rejected packet counts. */
  readonly signing: VehicleSigning | undefined;

  private readonly start: LatLon & { altM: number };
  private readonly readyAfterS: number;
  private readonly log: Logger | undefined;
  private readonly surfaces: { n: number; e: number; r: number; h: number }[];
  private readonly encoder: MavEncoder;
  private readonly decoder: MavDecoder;
  private readonly decoders = new Map<Port, MavDecoder>();
  private readonly protocol: MissionProtocolServer;
  /** Every link the vehicle talks on (a TCP client, the UDP link): like ArduPilot's MAVLink channels. */
  private readonly ports = new Set<Port>();
  private nowS = 0;

  // boot / link
  private booted = false;
  private bootAt = 0;
  private bootStage = 0;
  private nextHeartbeat = 0;
  private linkDownUntil = -1;
  private statusTextId = 1;
  private readonly streams = new Map<number, { interval: number; next: number }>();
  private rebootAt: number | undefined;
  rebootCount = 0;
  private nextTimesync = 0;
  private gcsHeardAt: number | undefined;
  private gcsFailsafe = false;

  // sensors
  private gpsFix = false;
  private gpsLostAt: number | undefined;
  private ekfPosition = false;
  private prearmHealthy = false;
  private ekfFailsafe = false;

  // state
  private modeNum: number = MODE.STABILIZE;
  private isArmed = false;
  private armedAt = 0;
  private isLanded = true;
  private tookOff = false;
  private readonly body: Body = { n: 0, e: 0, alt: 0, vn: 0, ve: 0, vu: 0 };
  private homePos: (LatLon & { altM: number }) | undefined;
  private originSet = false;
  private wind: Wind;
  private windSpec: { speedMs: number; fromDeg: number };
  private hold: { n: number; e: number; alt: number } = { n: 0, e: 0, alt: 0 };
  private guidedTarget: { n: number; e: number; alt: number } | undefined;
  private landTarget: NE | undefined;
  private rtl: RtlState | undefined;
  private speeds: { h: number | undefined; up: number | undefined; down: number | undefined } = { h: undefined, up: undefined, down: undefined };

  // payload
  private gripperReleased = false;
  readonly releases: ReleaseRecord[] = [];
  /** Winch line (WINCH_TYPE ≠ 0): paid-out length, where it is heading, how fast. */
  winch: { lengthM: number; targetM: number; rateMs: number } = { lengthM: 0, targetM: 0, rateMs: 0 };

  // battery
  private consumedMah = 0;
  private currentA = 0;
  private batteryFailed = false;
  private batteryFs: 0 | 1 | 2 = 0;

  // fence
  private fenceBreach: string | undefined;
  private fenceBreachCount = 0;
  private fenceCache: { items: MissionItem[]; shapes: FenceShapes } | undefined;
  /**
   * AC_Fence::_enabled_fences (ArduCopter 4.5+): FENCE_TYPE is copied in only when FENCE_ENABLE changes
   * (AC_Fence::update) or by MAV_CMD_DO_FENCE_ENABLE; a FENCE_TYPE written while the fence is on adds no
   * fence. Latched at boot from the stored parameters.
   */
  private fenceMask = 0;
  private fenceEnableSeen = 0;

  // mission storage and execution
  private missionItems: MissionItem[] = [];
  private fenceItems: MissionItem[] = [];
  private rallyItems: MissionItem[] = [];
  private missionState: 'idle' | 'running' | 'paused' | 'complete' = 'idle';
  private navIndex = 0;
  private nav: NavPhase | undefined;
  private readonly jumpCounts = new Map<number, number>();
  private disarmAfterLanding: number | undefined;

  /** Every STATUSTEXT the vehicle produced (sent or not, e.g. during a link drop). */
  readonly statusTexts: { t: number; severity: number; text: string }[] = [];
  /** MISSION_ITEM_REACHED seqs, in order. */
  readonly reached: number[] = [];

  constructor(cfg: VehicleConfig) {
    super();
    this.sysid = cfg.sysid;
    this.start = { lat: cfg.home.lat, lon: cfg.home.lon, altM: cfg.home.altM };
    this.readyAfterS = cfg.readyAfterS;
    this.log = cfg.logger;
    this.surfaces = (cfg.surfaces ?? []).map((sf) => {
      const ne = toNE(this.start, sf);
      return { n: ne.n, e: ne.e, r: sf.radiusM, h: sf.topAltM - cfg.home.altM };
    });
    this.params = new ParamTable(cfg.paramNaming ?? '4.7', { ...(cfg.params ?? {}) });
    this.params.setInternal('MAV_SYSID', cfg.sysid);
    this.params.setInternal('SIM_WIND_SPD', cfg.wind.speedMs);
    this.params.setInternal('SIM_WIND_DIR', cfg.wind.fromDeg);
    this.latchFence();
    this.windSpec = { ...cfg.wind };
    this.wind = windVector(cfg.wind.speedMs, cfg.wind.fromDeg);
    this.signing = cfg.signingKey ? new VehicleSigning(cfg.signingKey) : undefined;
    this.encoder = new MavEncoder(cfg.sysid, 1, this.signing !== undefined);
    this.decoder = new MavDecoder((m) => this.fromLink(m, 0));
    this.protocol = new MissionProtocolServer({
      now: () => this.nowS,
      sendRequest: (to, type, seq) => {
        const r = new common.MissionRequest();
        r.targetSystem = to.sysid;
        r.targetComponent = to.compid;
        r.seq = seq;
        r.missionType = type;
        this.send(r);
      },
      sendAck: (to, type, result) => this.sendMissionAck(to, type, result),
      sendCount: (to, type, count) => {
        const c = new common.MissionCount();
        c.targetSystem = to.sysid;
        c.targetComponent = to.compid;
        c.count = count;
        c.missionType = type;
        c.opaqueId = 0;
        this.send(c);
      },
      sendItem: (to, item, asInt) => this.sendItem(to, item, asInt),
      text: (sev, text) => this.text(sev, text),
      items: (type) => this.storage(type),
      setItems: (type, items) => this.setStorage(type, items),
      homeItem: () => this.homeItem(),
      canClearMission: () => !(this.isArmed && this.modeNum === MODE.AUTO && this.missionState === 'running'),
    });
  }

  // ───────────────────────────── public state ─────────────────────────────

  get position(): { lat: number; lon: number; altM: number; relAltM: number } {
    const ll = fromNE(this.start, { n: this.body.n, e: this.body.e });
    const homeAlt = this.homePos?.altM ?? this.start.altM;
    return { lat: ll.lat, lon: ll.lon, altM: this.start.altM + this.body.alt, relAltM: this.start.altM + this.body.alt - homeAlt };
  }
  get mode(): number {
    return this.modeNum;
  }
  get modeName(): string {
    return MODE_NAMES[this.modeNum] ?? String(this.modeNum);
  }
  get armed(): boolean {
    return this.isArmed;
  }
  get landed(): boolean {
    return this.isLanded;
  }
  get home(): { lat: number; lon: number; altM: number } | undefined {
    return this.homePos ? { ...this.homePos } : undefined;
  }
  /** True once the EKF uses GPS (EKF_STATUS_REPORT has POS_HORIZ_ABS): ready to arm in GUIDED. */
  get ready(): boolean {
    return this.ekfPosition;
  }
  get mission(): MissionItem[] {
    return this.missionItems.map((i) => ({ ...i }));
  }
  get fence(): MissionItem[] {
    return this.fenceItems.map((i) => ({ ...i }));
  }
  get rally(): MissionItem[] {
    return this.rallyItems.map((i) => ({ ...i }));
  }
  get gripper(): { released: boolean; releasedAt: ReleaseRecord | undefined } {
    return { released: this.gripperReleased, releasedAt: this.releases[this.releases.length - 1] };
  }
  get battery(): { remainingPct: number; voltageV: number; currentA: number; consumedMah: number } {
    return { remainingPct: this.remainingPct(), voltageV: this.voltage(), currentA: this.currentA, consumedMah: this.consumedMah };
  }
  get currentSeq(): number {
    return this.navIndex;
  }
  get fenceBreached(): string | undefined {
    return this.fenceBreach;
  }
  get simTimeS(): number {
    return this.nowS;
  }
  /** Milliseconds since the firmware booted (the time_boot_ms the vehicle stamps on its messages). */
  get timeBootMs(): number {
    return this.booted ? Math.round((this.nowS - this.bootAt) * 1000) : 0;
  }
  /** Whether a TCP/UDP peer is attached and the vehicle has booted. */
  get online(): boolean {
    return this.booted && this.ports.size > 0 && this.nowS >= this.linkDownUntil;
  }
  param(name: string): number | undefined {
    return this.params.find(name)?.value;
  }
  setParam(name: string, value: number): void {
    if (!this.params.set(name, value)) throw new Error(`unknown parameter '${name}'`);
    this.paramChanged(name);
  }

  // ───────────────────────────── fault injection ─────────────────────────────

  /** The radio link goes silent both ways for `ms` of simulated time; the vehicle flies on. */
  dropLink(ms: number): void {
    this.linkDownUntil = this.nowS + ms / 1000;
  }
  /** The battery collapses: voltage sags, little capacity left; the battery failsafe acts. */
  failBattery(): void {
    this.batteryFailed = true;
    const cap = this.params.get('BATT_CAPACITY');
    this.consumedMah = Math.max(this.consumedMah, cap * 0.95);
  }
  /** GPS fix lost: EKF loses its absolute position, then the EKF failsafe acts (LAND, drifting with the wind). */
  loseGps(): void {
    this.gpsFix = false;
    this.gpsLostAt = this.nowS;
  }
  restoreGps(): void {
    this.gpsLostAt = undefined;
    this.gpsFix = true;
  }
  setWind(speedMs: number, fromDeg: number): void {
    this.windSpec = { speedMs, fromDeg };
    this.wind = windVector(speedMs, fromDeg);
    this.params.setInternal('SIM_WIND_SPD', speedMs);
    this.params.setInternal('SIM_WIND_DIR', fromDeg);
  }
  /**
   * Reboot like SITL does: the link drops (a TCP client is disconnected), the firmware restarts with
   * the vehicle on the ground at its start position, disarmed in STABILIZE, home unknown and the EKF
   * re-converging. Mission, fence, rally and parameters survive (EEPROM). A mid-air reboot is a crash.
   */
  reboot(): void {
    this.rebootAt = this.nowS;
  }

  // ───────────────────────────── transport side ─────────────────────────────

  /** A client attached (TCP accept, or UDP start): the firmware boots if it has not. */
  attach(port: Port, boots = true): void {
    this.ports.add(port);
    if (!this.booted && boots) this.boot();
  }
  detach(port: Port): void {
    this.ports.delete(port);
    this.decoders.get(port)?.destroy();
    this.decoders.delete(port);
  }
  /** Bytes from a link (each link has its own frame splitter, as interleaved streams would corrupt frames). */
  receive(bytes: Buffer, from?: Port): void {
    if (this.nowS < this.linkDownUntil) return;
    if (!from) return this.decoder.push(bytes);
    let d = this.decoders.get(from);
    if (!d) {
      const channel = from.channel ?? 0;
      d = new MavDecoder((m) => this.fromLink(m, channel));
      this.decoders.set(from, d);
    }
    d.push(bytes);
  }
  /** A frame from MAVLink channel `channel`: with signing, only what ArduPilot would accept gets handled. */
  private fromLink(m: Incoming, channel: number): void {
    if (this.signing && !this.signing.accept(m, channel)) return;
    this.handle(m);
  }
  /** Set by the transport: whether a TCP client should be dropped now (reboot). */
  onDisconnectRequest: (() => void) | undefined;

  private boot(): void {
    this.booted = true;
    this.bootAt = this.nowS;
    this.bootStage = 0;
    this.nextHeartbeat = this.nowS + 0.9;
    this.nextTimesync = this.nowS + 5;
    this.gcsHeardAt = undefined;
    this.gcsFailsafe = false;
    this.gpsFix = false;
    this.ekfPosition = false;
    this.prearmHealthy = false;
    this.originSet = false;
    this.homePos = undefined;
    this.signing?.boot(this.nowS);
  }

  // ───────────────────────────── the step ─────────────────────────────

  step(now: number, dt: number): void {
    this.nowS = now;
    if (this.rebootAt !== undefined) {
      this.rebootAt = undefined;
      this.doReboot();
      return;
    }
    if (!this.booted) return;
    this.bootTimeline();
    if (this.signing) {
      // the GPS sets the clock, which moves the signing timestamp forward (AP_RTC → update_signing_timestamp)
      if (this.gpsFix) this.signing.setUtc(this.gpsTimeUs(), now);
      this.signing.step(now);
    }
    if (now >= this.nextHeartbeat) {
      this.nextHeartbeat += 1;
      if (this.nextHeartbeat < now) this.nextHeartbeat = now + 1;
      this.sendHeartbeat();
    }
    if (now >= this.nextTimesync) {
      this.nextTimesync = now + 10;
      this.sendTimesync(0n, BigInt(Math.round(now * 1e9)), { sysid: 0, compid: 0 });
      // terrain is on by default: ArduCopter keeps asking the GCS for terrain tiles (safe to ignore)
      if (this.params.get('TERRAIN_ENABLE') === 1 && this.homePos) {
        const tr = new common.TerrainRequest();
        const p = this.position;
        tr.lat = Math.round(p.lat * 1e7);
        tr.lon = Math.round(p.lon * 1e7);
        tr.gridSpacing = 100;
        tr.mask = 0xffffffffffffffn;
        this.send(tr);
      }
    }
    this.protocol.step();
    this.sensors();
    this.fly(dt);
    this.winchStep(dt);
    this.batteryStep(dt);
    this.failsafes();
    this.streamStep();
  }

  private doReboot(): void {
    this.rebootCount += 1;
    this.log?.info({ sysid: this.sysid }, 'emulated vehicle rebooting');
    this.latchFence(); // a reboot re-reads FENCE_TYPE for a stored FENCE_ENABLE 1
    this.onDisconnectRequest?.();
    this.booted = false;
    this.protocol.reset();
    this.streams.clear();
    this.isArmed = false;
    this.modeNum = MODE.STABILIZE;
    this.isLanded = true;
    this.tookOff = false;
    Object.assign(this.body, { n: 0, e: 0, alt: 0, vn: 0, ve: 0, vu: 0 });
    this.missionState = 'idle';
    this.navIndex = 0;
    this.nav = undefined;
    this.rtl = undefined;
    this.gripperReleased = false;
    this.batteryFailed = false;
    this.batteryFs = 0;
    this.consumedMah = 0;
    this.fenceBreach = undefined;
    this.ekfFailsafe = false;
    this.gpsLostAt = undefined;
    this.linkDownUntil = -1;
    // UDP has no connection to wait for: boot again at once.
    if (this.ports.size > 0) this.boot();
  }

  private bootTimeline(): void {
    const t = this.nowS - this.bootAt;
    const R = this.readyAfterS;
    const stages: [number, () => void][] = [
      [0.9, () => {
        this.text(SEV.INFO, 'ArduCopter V4.7.0-dev (medidrop emulator)');
        this.text(SEV.INFO, 'Frame: QUAD/PLUS');
      }],
      [Math.min(2, R * 0.05), () => this.text(SEV.INFO, 'EKF3 IMU0 initialised')],
      [Math.min(3, R * 0.08), () => this.text(SEV.INFO, 'EKF3 IMU0 tilt alignment complete')],
      [(R * 11) / 42, () => {
        if (this.gpsLostAt === undefined) this.gpsFix = true;
        this.text(SEV.INFO, 'GPS 1: detected u-blox at 230400 baud');
      }],
      [(R * 21) / 42, () => {
        this.originSet = true;
        this.setHome(this.currentLocation());
        this.sendOrigin();
        this.text(SEV.INFO, 'EKF3 IMU0 origin set');
      }],
      [(R * 25) / 42, () => {
        this.prearmHealthy = true;
      }],
      [R, () => {
        if (this.gpsLostAt !== undefined) return;
        this.ekfPosition = true;
        this.text(SEV.INFO, 'EKF3 IMU0 is using GPS');
      }],
    ];
    while (this.bootStage < stages.length && t >= stages[this.bootStage]![0]) {
      stages[this.bootStage]![1]();
      this.bootStage += 1;
    }
  }

  private sensors(): void {
    if (this.gpsLostAt !== undefined) {
      const lost = this.nowS - this.gpsLostAt;
      if (lost > 1 && this.ekfPosition) {
        this.ekfPosition = false;
      }
      if (lost > 2 && !this.ekfFailsafe && this.isArmed && !this.isLanded && GPS_MODES.has(this.modeNum)) {
        this.ekfFailsafe = true;
        this.text(SEV.CRITICAL, 'EKF variance');
        const action = this.params.get('FS_EKF_ACTION');
        const mode = action === 2 ? MODE.ALT_HOLD : MODE.LAND;
        this.setModeInternal(mode);
        this.text(SEV.CRITICAL, `EKF Failsafe: changed to ${MODE_NAMES[mode]} Mode`);
      }
    } else if (this.bootStage >= 7 && !this.ekfPosition) {
      this.ekfPosition = true;
      this.ekfFailsafe = false;
      this.text(SEV.INFO, 'EKF3 IMU0 is using GPS');
    }
  }

  // ───────────────────────────── flight ─────────────────────────────

  private wpSpeed(): number {
    return this.speeds.h ?? this.params.get('WP_SPD');
  }
  private upSpeed(): number {
    return this.speeds.up ?? this.params.get('WP_SPD_UP');
  }
  private downSpeed(): number {
    return this.speeds.down ?? this.params.get('WP_SPD_DN');
  }
  private landSpeedAt(alt: number): number {
    const low = this.params.get('LAND_ALT_LOW') / 100;
    return alt > low ? this.params.get('WP_SPD_DN') : this.params.get('LAND_SPEED') / 100;
  }
  private here(): { n: number; e: number; alt: number } {
    return { n: this.body.n, e: this.body.e, alt: this.body.alt };
  }
  /** Height of whatever is under the vehicle above its start ground (0, or a rooftop). */
  private groundAt(n = this.body.n, e = this.body.e): number {
    let g = 0;
    for (const sf of this.surfaces) if (sf.h > g && Math.hypot(n - sf.n, e - sf.e) <= sf.r) g = sf.h;
    return g;
  }

  private homeNE(): NE {
    return this.homePos ? toNE(this.start, this.homePos) : { n: 0, e: 0 };
  }
  /** Altitude of the home ground above the start ground (home moves when arming elsewhere). */
  private homeAltOffset(): number {
    return (this.homePos?.altM ?? this.start.altM) - this.start.altM;
  }
  private currentLocation(): LatLon & { altM: number } {
    const p = this.position;
    return { lat: p.lat, lon: p.lon, altM: p.altM };
  }
  /** A mission item's location → local target (altitude above the start ground). */
  private itemTarget(it: MissionItem): { ne: NE | undefined; alt: number } {
    const ne = it.x === 0 && it.y === 0 ? undefined : toNE(this.start, { lat: it.x / 1e7, lon: it.y / 1e7 });
    let alt: number;
    if (it.frame === 0 || it.frame === 5) alt = it.z - this.start.altM;
    else alt = it.z + this.homeAltOffset();
    return { ne, alt };
  }

  private fly(dt: number): void {
    if (!this.isArmed) {
      if (!this.isLanded) {
        // motors stopped in the air: it falls
        this.body.vu -= 9.81 * dt;
        this.body.alt += this.body.vu * dt;
        this.body.n += this.body.vn * dt;
        this.body.e += this.body.ve * dt;
        if (this.body.alt <= this.groundAt()) this.touchdown(true);
      }
      return;
    }
    const target = this.controller();
    if (!target) return; // on the ground, idle
    const hasPos = this.ekfPosition;
    const wasLanded = this.isLanded;
    if (this.isLanded) {
      if (target.alt <= this.body.alt + 0.05) {
        this.body.vn = this.body.ve = this.body.vu = 0;
        return;
      }
      this.isLanded = false;
      this.tookOff = true;
      this.emit('landed', false);
    }
    stepBody(this.body, target, this.wind, this.params.get('WP_ACC'), hasPos, dt);
    const ground = this.groundAt();
    if (this.body.alt <= ground && !wasLanded) {
      this.touchdown(false);
    }
    if (this.body.alt < ground) this.body.alt = ground;
  }

  private touchdown(crash: boolean): void {
    this.body.alt = this.groundAt();
    this.body.vn = this.body.ve = this.body.vu = 0;
    if (this.isLanded) return;
    this.isLanded = true;
    if (crash) this.text(SEV.CRITICAL, 'Crash: vehicle fell to the ground');
    this.emit('landed', true);
    this.onTouchdown();
  }

  /** Desired target for this step from the active mode, or undefined when idle on the ground. */
  private controller(): Target | undefined {
    const h = this.here();
    const holdAt = (p: { n: number; e: number; alt: number }): Target => ({ ...p, speed: this.wpSpeed(), up: this.upSpeed(), down: this.downSpeed() });
    switch (this.modeNum) {
      case MODE.AUTO:
        return this.autoController();
      case MODE.GUIDED:
        if (this.guidedTarget) return holdAt(this.guidedTarget);
        if (this.isLanded) return undefined;
        return holdAt(this.hold);
      case MODE.LOITER:
      case MODE.BRAKE:
        if (this.isLanded) return undefined;
        return holdAt(this.hold);
      case MODE.RTL:
        if (!this.rtl) return undefined;
        return this.rtlController(this.rtl);
      case MODE.LAND: {
        if (this.isLanded) return undefined;
        const t = this.landTarget ?? { n: h.n, e: h.e };
        return { n: t.n, e: t.e, alt: -1, speed: this.wpSpeed(), up: 0, down: this.landSpeedAt(h.alt) };
      }
      default:
        // STABILIZE / ALT_HOLD without pilot input: throttle at minimum → it sinks
        if (this.isLanded) return undefined;
        return { n: h.n, e: h.e, alt: this.modeNum === MODE.ALT_HOLD ? h.alt : -1, speed: 0, up: 0, down: 3 };
    }
  }

  private startRtl(): RtlState {
    const here = this.here();
    const home = this.homeNE();
    let target = home;
    let alt = Math.max(this.params.get('RTL_ALT_M') + this.homeAltOffset(), here.alt);
    const rally = this.nearestRally();
    if (rally) {
      target = rally.ne;
      alt = rally.alt;
    }
    const fenceMax = this.fenceTypeBits() & 1 && this.params.get('FENCE_ENABLE') ? this.params.get('FENCE_ALT_MAX') - 2 : Infinity;
    alt = Math.min(alt, Math.max(fenceMax, here.alt));
    const stage = here.alt < alt - 0.5 ? 'climb' : 'return';
    return { stage, target, alt, stageAt: this.nowS };
  }

  private nearestRally(): { ne: NE; alt: number } | undefined {
    if (this.rallyItems.length === 0) return undefined;
    const here = { n: this.body.n, e: this.body.e };
    const dist = (p: NE) => Math.hypot(p.n - here.n, p.e - here.e);
    let best: { ne: NE; alt: number } | undefined;
    for (const r of this.rallyItems) {
      const ne = toNE(this.start, { lat: r.x / 1e7, lon: r.y / 1e7 });
      if (!best || dist(ne) < dist(best.ne)) best = { ne, alt: this.itemTarget(r).alt }; // frame 0 absolute, 3/10 above home
    }
    if (!best) return undefined;
    const home = this.homeNE();
    const limit = this.params.get('RALLY_LIMIT_KM') * 1000;
    const inclHome = this.params.get('RALLY_INCL_HOME') !== 0;
    if (inclHome && dist(home) < dist(best.ne)) return undefined;
    if (limit > 0 && dist(best.ne) > limit && dist(home) < dist(best.ne)) return undefined;
    return best;
  }

  private rtlController(r: RtlState): Target | undefined {
    const h = this.here();
    const speed = this.params.get('RTL_SPEED_MS') > 0 ? this.params.get('RTL_SPEED_MS') : this.wpSpeed();
    switch (r.stage) {
      case 'climb':
        if (h.alt >= r.alt - 0.3) {
          r.stage = 'return';
          r.stageAt = this.nowS;
        }
        return { n: h.n, e: h.e, alt: r.alt, speed, up: this.upSpeed(), down: this.downSpeed() };
      case 'return': {
        const d = Math.hypot(r.target.n - h.n, r.target.e - h.e);
        if (d < 1) {
          r.stage = 'loiter';
          r.stageAt = this.nowS;
        }
        return { n: r.target.n, e: r.target.e, alt: r.alt, speed, up: this.upSpeed(), down: this.downSpeed() };
      }
      case 'loiter':
        if (this.nowS - r.stageAt >= this.params.get('RTL_LOIT_TIME') / 1000) {
          r.stage = 'land';
          r.stageAt = this.nowS;
        }
        return { n: r.target.n, e: r.target.e, alt: r.alt, speed, up: this.upSpeed(), down: this.downSpeed() };
      case 'land':
        return { n: r.target.n, e: r.target.e, alt: -1, speed, up: 0, down: this.landSpeedAt(h.alt) };
      case 'landed':
        return undefined;
    }
  }

  private onTouchdown(): void {
    if (!this.isArmed) return;
    if (this.modeNum === MODE.RTL || this.modeNum === MODE.LAND) {
      if (this.rtl) this.rtl.stage = 'landed';
      this.disarmAfterLanding = this.nowS + 1;
      return;
    }
    if (this.modeNum === MODE.AUTO && this.nav) {
      if (this.nav.kind === 'rtl') {
        this.nav.rtl.stage = 'landed';
        this.navComplete();
        this.disarmAfterLanding = this.nowS + 0.5;
        return;
      }
      if (this.nav.kind === 'land') {
        this.nav.touchedAt = this.nowS;
        return; // completes in autoController after the motors spool down
      }
      if (this.nav.kind === 'payload') return; // payload place touches down on purpose
    }
    // landed in any other mode (sinking STABILIZE, failsafe LAND in ALT_HOLD…)
    this.disarmAfterLanding = this.nowS + 1;
  }

  // ───────────────────────────── AUTO ─────────────────────────────

  private startMissionRun(): void {
    this.missionState = 'running';
    this.jumpCounts.clear();
    this.navIndex = 0;
    this.nav = undefined;
    if (!this.advance(1)) this.missionComplete();
  }

  /** AP_Mission::advance_current_nav_cmd: run DO commands up to the next NAV command and start it. */
  private advance(from: number): boolean {
    let i = from;
    for (let loops = 0; loops < 1000 && i < this.missionItems.length; loops++) {
      const it = this.missionItems[i]!;
      if (it.command === CMD.DO_JUMP) {
        const target = Math.round(it.param1);
        const repeat = Math.round(it.param2);
        const done = this.jumpCounts.get(i) ?? 0;
        if (repeat < 0 || done < repeat) {
          this.jumpCounts.set(i, done + 1);
          i = Math.max(1, target);
        } else i += 1;
        continue;
      }
      this.text(SEV.INFO, `Mission: ${i} ${COMMAND_NAMES[it.command] ?? it.command}`);
      if (isNavCommand(it.command)) {
        this.startNav(i, it);
        return true;
      }
      this.runDo(it);
      i += 1;
    }
    return false;
  }

  private startNav(i: number, it: MissionItem): void {
    this.navIndex = i;
    this.sendMissionCurrent();
    const h = this.here();
    const { ne, alt } = this.itemTarget(it);
    const here: NE = { n: h.n, e: h.e };
    switch (it.command) {
      case CMD.NAV_TAKEOFF:
        this.nav = { kind: 'takeoff', alt: Math.max(alt, 1), startedAt: this.nowS };
        break;
      case CMD.NAV_WAYPOINT:
      case CMD.NAV_SPLINE_WAYPOINT:
        this.nav = { kind: 'goto', target: ne ?? here, alt: it.z === 0 && !ne ? h.alt : alt, holdS: it.param1 };
        break;
      case CMD.NAV_LOITER_UNLIM:
        this.nav = { kind: 'goto', target: ne ?? here, alt, holdS: 0, forever: true };
        break;
      case CMD.NAV_LOITER_TIME:
        this.nav = { kind: 'goto', target: ne ?? here, alt, holdS: it.param1 };
        break;
      case CMD.NAV_LOITER_TURNS:
        this.nav = { kind: 'goto', target: ne ?? here, alt, holdS: Math.max(1, it.param1) * 20 };
        break;
      case CMD.NAV_RETURN_TO_LAUNCH:
        this.nav = { kind: 'rtl', rtl: this.startRtl() };
        break;
      case CMD.NAV_LAND:
        this.nav = { kind: 'land', target: ne ?? here, flyFirst: ne !== undefined };
        break;
      case CMD.NAV_PAYLOAD_PLACE:
        this.nav = { kind: 'payload', target: ne ?? here, startAlt: h.alt, maxDescent: it.param1, stage: 'fly', stageAt: this.nowS, descentStartAlt: h.alt };
        break;
      case CMD.NAV_DELAY:
        this.nav = { kind: 'delay', until: this.nowS + Math.max(0, it.param1) };
        break;
      case CMD.NAV_CONTINUE_AND_CHANGE_ALT:
      case CMD.NAV_LOITER_TO_ALT:
        this.nav = { kind: 'alt', alt };
        break;
      default:
        this.nav = { kind: 'delay', until: this.nowS };
    }
  }

  private runDo(it: MissionItem): void {
    switch (it.command) {
      case CMD.DO_CHANGE_SPEED:
        this.changeSpeed(it.param1, it.param2);
        break;
      case CMD.DO_GRIPPER:
        this.gripperAction(it.param2, 'gripper');
        break;
      case CMD.DO_WINCH:
        this.winchAction(it.param2, it.param3, it.param4);
        break;
      case CMD.DO_SET_HOME:
        if (Math.round(it.param1) === 1) this.setHome(this.currentLocation());
        else this.setHome({ lat: it.x / 1e7, lon: it.y / 1e7, altM: it.z });
        break;
      case CMD.DO_FENCE_ENABLE:
        this.fenceEnableCommand(Math.round(it.param1) === 1);
        break;
      default:
        break; // CONDITION_* and camera/servo commands: accepted, no effect here
    }
  }

  /**
   * MAV_CMD_DO_WINCH: action 0 relax, 1 relative length control (+ pays out), 2 rate control.
   * As ArduCopter (mode_auto.cpp do_winch, GCS_Mavlink.cpp): relative length control calls
   * AP_Winch::release_length(param3) and ignores param4; the PWM winch then moves at up to
   * WINCH_RATE_MAX. Rate control is limited to WINCH_RATE_MAX.
   */
  private winchAction(action: number, length: number, rate: number): void {
    if (this.params.get('WINCH_TYPE') === 0) return; // no winch configured: ArduCopter ignores it
    const a = Math.round(action);
    const rateMax = Math.max(0, this.params.get('WINCH_RATE_MAX'));
    if (a === 0) this.winch = { ...this.winch, targetM: this.winch.lengthM, rateMs: 0 };
    else if (a === 1) this.winch = { ...this.winch, targetM: Math.max(0, this.winch.lengthM + length), rateMs: rateMax };
    else if (a === 2) this.winch = { ...this.winch, targetM: rate >= 0 ? 1000 : 0, rateMs: Math.min(Math.abs(rate), rateMax) };
  }

  private winchStep(dt: number): void {
    const w = this.winch;
    if (w.lengthM === w.targetM || w.rateMs <= 0) return;
    // the line cannot pay out below the ground (the parcel rests there)
    const maxLen = Math.max(0, this.body.alt - this.groundAt());
    const target = Math.min(w.targetM, maxLen);
    const step = w.rateMs * dt;
    w.lengthM = Math.abs(target - w.lengthM) <= step ? target : w.lengthM + Math.sign(target - w.lengthM) * step;
  }

  private changeSpeed(kind: number, speed: number): void {
    if (!(speed > 0)) return;
    const k = Math.round(kind);
    if (k === 0 || k === 1) this.speeds.h = speed;
    else if (k === 2) this.speeds.up = speed;
    else if (k === 3) this.speeds.down = speed;
  }

  private navComplete(): void {
    const i = this.navIndex;
    this.reached.push(i);
    const r = new common.MissionItemReached();
    r.seq = i;
    this.send(r);
    this.emit('reached', i);
    this.nav = undefined;
    if (!this.advance(i + 1)) this.missionComplete();
  }

  private missionComplete(): void {
    this.missionState = 'complete';
    this.nav = undefined;
    this.hold = this.here();
    this.sendMissionCurrent();
    if (this.isLanded && this.isArmed) this.disarm('Disarming motors');
  }

  private autoController(): Target | undefined {
    const h = this.here();
    const speeds = { speed: this.wpSpeed(), up: this.upSpeed(), down: this.downSpeed() };
    if (this.missionState !== 'running' || !this.nav) {
      if (this.isLanded) return undefined;
      return { ...this.hold, ...speeds };
    }
    const nav = this.nav;
    const radius = this.params.get('WP_RADIUS_M');
    switch (nav.kind) {
      case 'takeoff':
        // motors spool up for ~2 s before the climb (ArduCopter's takeoff spool-up)
        if (this.isLanded && this.nowS - nav.startedAt < 2) return undefined;
        if (h.alt >= nav.alt - 0.3) {
          this.hold = { n: h.n, e: h.e, alt: nav.alt };
          this.navComplete();
        }
        return { n: this.hold.n, e: this.hold.e, alt: nav.alt, ...speeds, ...(this.isLanded ? { n: h.n, e: h.e } : {}) };
      case 'goto': {
        const d = Math.hypot(nav.target.n - h.n, nav.target.e - h.e);
        if (nav.arrivedAt === undefined && d <= radius && Math.abs(nav.alt - h.alt) < 1) nav.arrivedAt = this.nowS;
        if (nav.arrivedAt !== undefined && !nav.forever && this.nowS - nav.arrivedAt >= nav.holdS) {
          this.hold = { n: nav.target.n, e: nav.target.e, alt: nav.alt };
          this.navComplete();
        }
        return { n: nav.target.n, e: nav.target.e, alt: nav.alt, ...speeds };
      }
      case 'alt':
        if (Math.abs(h.alt - nav.alt) < 0.5) {
          this.hold = { ...h, alt: nav.alt };
          this.navComplete();
        }
        return { n: this.hold.n, e: this.hold.e, alt: nav.alt, ...speeds };
      case 'delay':
        if (this.nowS >= nav.until) this.navComplete();
        return this.isLanded ? undefined : { ...this.hold, ...speeds };
      case 'rtl':
        return this.rtlController(nav.rtl);
      case 'land': {
        if (nav.flyFirst) {
          const d = Math.hypot(nav.target.n - h.n, nav.target.e - h.e);
          if (d > 1) return { n: nav.target.n, e: nav.target.e, alt: h.alt, ...speeds };
          nav.flyFirst = false;
        }
        if (nav.touchedAt !== undefined && this.nowS - nav.touchedAt >= 1) {
          this.landedMidMission();
          return undefined;
        }
        if (this.isLanded) return undefined;
        return { n: nav.target.n, e: nav.target.e, alt: -1, speed: speeds.speed, up: 0, down: this.landSpeedAt(h.alt) };
      }
      case 'payload':
        return this.payloadController(nav, h, speeds);
    }
  }

  private landedMidMission(): void {
    const i = this.navIndex;
    const continueAfterLand = (this.params.get('MIS_OPTIONS') & 4) !== 0;
    let nextNav: MissionItem | undefined;
    for (let k = i + 1; k < this.missionItems.length; k++) {
      const it = this.missionItems[k]!;
      if (isNavCommand(it.command)) {
        nextNav = it;
        break;
      }
    }
    if (continueAfterLand && nextNav?.command === CMD.NAV_TAKEOFF) {
      this.navComplete();
      return;
    }
    this.reached.push(i);
    const r = new common.MissionItemReached();
    r.seq = i;
    this.send(r);
    this.emit('reached', i);
    this.nav = undefined;
    this.disarm('Disarming motors');
    // the mission resets to its start
    this.missionState = 'idle';
    this.navIndex = 0;
    this.sendMissionCurrent();
  }

  private payloadController(nav: Extract<NavPhase, { kind: 'payload' }>, h: { n: number; e: number; alt: number }, speeds: { speed: number; up: number; down: number }): Target | undefined {
    const at = { n: nav.target.n, e: nav.target.e };
    const descentRate = this.params.get('PLDP_SPEED_DN') > 0 ? this.params.get('PLDP_SPEED_DN') : this.params.get('LAND_SPEED') / 100;
    switch (nav.stage) {
      case 'fly': {
        const d = Math.hypot(at.n - h.n, at.e - h.e);
        if (d <= 0.5 && Math.hypot(this.body.vn, this.body.ve) < 0.5) {
          nav.stage = 'descend';
          nav.stageAt = this.nowS;
          nav.descentStartAlt = h.alt;
        }
        return { ...at, alt: nav.startAlt, ...speeds };
      }
      case 'descend': {
        const descended = nav.descentStartAlt - h.alt;
        if (nav.maxDescent > 0 && descended >= nav.maxDescent && !this.isLanded) {
          this.text(SEV.INFO, 'PayloadPlace: Reached maximum descent');
          nav.stage = 'ascend';
          nav.stageAt = this.nowS;
          return { ...at, alt: nav.startAlt, ...speeds };
        }
        if (this.isLanded) {
          nav.stage = 'settle';
          nav.stageAt = this.nowS;
          return { ...at, alt: h.alt, ...speeds };
        }
        return { ...at, alt: -1, speed: speeds.speed, up: 0, down: descentRate };
      }
      case 'settle':
        // touchdown detected by the thrust dropping under PLDP_THRESH for a moment
        if (this.nowS - nav.stageAt >= 1) {
          this.text(SEV.INFO, 'PayloadPlace: Releasing the gripper');
          this.gripperAction(0, 'payload-place');
          nav.stage = 'release';
          nav.stageAt = this.nowS;
        }
        return { ...at, alt: h.alt, ...speeds };
      case 'release':
        if (this.nowS - nav.stageAt >= Math.max(0.5, this.params.get('PLDP_DELAY'))) {
          nav.stage = 'ascend';
          nav.stageAt = this.nowS;
        }
        return { ...at, alt: h.alt, ...speeds };
      case 'ascend':
        if (h.alt >= nav.startAlt - 0.3) {
          this.hold = { ...at, alt: nav.startAlt };
          this.navComplete();
        }
        return { ...at, alt: nav.startAlt, ...speeds };
    }
  }

  private gripperAction(action: number, by: string): void {
    if (this.params.get('GRIP_ENABLE') !== 1) return;
    const release = Math.round(action) === 0;
    if (release && !this.gripperReleased) {
      this.gripperReleased = true;
      const p = this.position;
      const lineOutM = this.winch.lengthM;
      const payloadRelAltM = Math.max(this.groundAt() - this.homeAltOffset(), p.relAltM - lineOutM);
      const rec: ReleaseRecord = { lat: p.lat, lon: p.lon, relAltM: p.relAltM, t: this.nowS, by, lineOutM, payloadRelAltM };
      this.releases.push(rec);
      // AP_Gripper_Servo::release(): 'Gripper load releasing' when it starts a release; 'Gripper load
      // released' only answers a release of a gripper that is already released.
      this.text(SEV.INFO, 'Gripper load releasing');
      this.emit('released', rec);
    } else if (release) {
      this.text(SEV.INFO, 'Gripper load released');
    } else if (this.gripperReleased) {
      this.gripperReleased = false;
      this.text(SEV.INFO, 'Gripper load grabbing');
    } else {
      this.text(SEV.INFO, 'Gripper load grabbed');
    }
  }

  // ───────────────────────────── battery, fence, failsafes ─────────────────────────────

  private remainingPct(): number {
    const cap = this.params.get('BATT_CAPACITY');
    return Math.max(0, Math.min(100, Math.round(100 * (1 - this.consumedMah / cap))));
  }
  private voltage(): number {
    return this.batteryFailed ? 10.2 : this.params.get('SIM_BATT_VOLTAGE');
  }

  private batteryStep(dt: number): void {
    if (!this.isArmed) this.currentA = 0.3;
    else if (this.isLanded) this.currentA = 4;
    else {
      const air = airSpeed(this.body, this.wind);
      const payload = this.gripperReleased ? 0 : 2;
      this.currentA = 26 + payload + 0.05 * air * air + Math.max(0, this.body.vu) * 1.5;
    }
    this.consumedMah += (this.currentA * dt * 1000) / 3600;
  }

  /** get_enabled_fences(): the latched mask, limited to what FENCE_TYPE still configures. */
  private fenceTypeBits(): number {
    return this.fenceMask & Math.round(this.params.get('FENCE_TYPE'));
  }

  /** AC_Fence::update(): FENCE_ENABLE changed → the active mask is FENCE_TYPE (without the floor) or nothing. */
  private latchFence(): void {
    const enabled = this.params.get('FENCE_ENABLE') === 1 ? 1 : 0;
    this.fenceEnableSeen = enabled;
    this.fenceMask = enabled ? Math.round(this.params.get('FENCE_TYPE')) & ~8 : 0;
  }

  /** MAV_CMD_DO_FENCE_ENABLE (mission item or command): AC_Fence::enable(value, all fences). */
  private fenceEnableCommand(on: boolean): void {
    this.params.setInternal('FENCE_ENABLE', on ? 1 : 0);
    this.fenceEnableSeen = on ? 1 : 0;
    this.fenceMask = on ? this.fenceMask | Math.round(this.params.get('FENCE_TYPE')) : 0;
  }

  private shapes(): FenceShapes {
    if (!this.fenceCache || this.fenceCache.items !== this.fenceItems) this.fenceCache = { items: this.fenceItems, shapes: fenceShapes(this.fenceItems) };
    return this.fenceCache.shapes;
  }

  /** Which fence the current position breaches ('Polygon', 'Circle', 'Max altitude'), if any. */
  private fenceCheck(): string | undefined {
    const bits = this.fenceTypeBits();
    const h = this.here();
    const relAlt = h.alt - this.homeAltOffset();
    if (bits & 1 && relAlt > this.params.get('FENCE_ALT_MAX')) return 'Max altitude';
    if (bits & 2) {
      const home = this.homeNE();
      if (Math.hypot(h.n - home.n, h.e - home.e) > this.params.get('FENCE_RADIUS')) return 'Circle';
    }
    if (bits & 4) {
      const s = this.shapes();
      const p: NE = { n: h.n, e: h.e };
      const ne = (ll: LatLon) => toNE(this.start, ll);
      for (const poly of s.inclusionPolygons) if (!insidePolygon(p, poly.map(ne))) return 'Polygon';
      for (const poly of s.exclusionPolygons) if (insidePolygon(p, poly.map(ne))) return 'Polygon';
      for (const c of s.inclusionCircles) {
        const cn = ne(c);
        if (Math.hypot(p.n - cn.n, p.e - cn.e) > c.radiusM) return 'Polygon';
      }
      for (const c of s.exclusionCircles) {
        const cn = ne(c);
        if (Math.hypot(p.n - cn.n, p.e - cn.e) < c.radiusM) return 'Polygon';
      }
    }
    return undefined;
  }

  private failsafes(): void {
    // disarm after landing / DISARM_DELAY without take-off
    if (this.isArmed && this.disarmAfterLanding !== undefined && this.nowS >= this.disarmAfterLanding) {
      this.disarmAfterLanding = undefined;
      if (this.isLanded) this.disarm('Disarming motors');
    }
    if (this.isArmed && this.isLanded && !this.tookOff) {
      const delay = this.params.get('DISARM_DELAY');
      const starting = this.modeNum === MODE.AUTO && this.missionState === 'running';
      if (delay > 0 && !starting && this.nowS - this.armedAt >= delay) this.disarm('Disarming motors');
    }
    // battery
    const cap = this.params.get('BATT_CAPACITY');
    const leftMah = cap - this.consumedMah;
    const v = this.voltage();
    const crit =
      (this.params.get('BATT_CRT_MAH') > 0 && leftMah < this.params.get('BATT_CRT_MAH')) ||
      (this.params.get('BATT_CRT_VOLT') > 0 && v < this.params.get('BATT_CRT_VOLT'));
    const low =
      crit ||
      (this.params.get('BATT_LOW_MAH') > 0 && leftMah < this.params.get('BATT_LOW_MAH')) ||
      (this.params.get('BATT_LOW_VOLT') > 0 && v < this.params.get('BATT_LOW_VOLT'));
    const level: 0 | 1 | 2 = crit ? 2 : low ? 1 : 0;
    if (level > this.batteryFs) {
      this.batteryFs = level;
      const word = level === 2 ? 'critical' : 'low';
      this.text(SEV.CRITICAL, `Battery 1 is ${word} ${v.toFixed(2)}V used ${Math.round(this.consumedMah)} mAh`);
      const action = this.params.get(level === 2 ? 'BATT_FS_CRT_ACT' : 'BATT_FS_LOW_ACT');
      if (this.isArmed && !this.isLanded && action > 0) {
        // 1 land, 2 RTL, 3 SmartRTL→RTL, 4 SmartRTL→land, 5 terminate (→ land here), 6 DO_LAND_START→RTL
        const mode = action === 2 || action === 3 || action === 6 ? MODE.RTL : MODE.LAND;
        if (!(mode === MODE.RTL && this.modeNum === MODE.LAND)) this.setModeInternal(mode);
      }
    }
    // GCS failsafe (FS_GCS_ENABLE): no GCS heartbeat for FS_GCS_TIMEOUT while flying
    const gcsFs = this.params.get('FS_GCS_ENABLE');
    if (gcsFs > 0 && this.gcsHeardAt !== undefined && this.isArmed && !this.isLanded) {
      const silent = this.nowS - this.gcsHeardAt > this.params.get('FS_GCS_TIMEOUT');
      if (silent && !this.gcsFailsafe) {
        this.gcsFailsafe = true;
        this.text(SEV.CRITICAL, 'GCS Failsafe');
        const continueAuto = gcsFs === 2 && this.modeNum === MODE.AUTO;
        if (!continueAuto && this.modeNum !== MODE.LAND) this.setModeInternal(gcsFs === 5 ? MODE.LAND : MODE.RTL);
      } else if (!silent && this.gcsFailsafe) {
        this.gcsFailsafe = false;
        this.text(SEV.INFO, 'GCS Failsafe Cleared');
      }
    }
    // fence
    const enabled = this.params.get('FENCE_ENABLE') === 1;
    if (enabled && this.isArmed && !this.isLanded) {
      const breach = this.fenceCheck();
      if (breach && !this.fenceBreach) {
        this.fenceBreach = breach;
        this.fenceBreachCount += 1;
        this.text(SEV.CRITICAL, `${breach} fence breached`);
        const action = this.params.get('FENCE_ACTION');
        if (action !== 0 && this.modeNum !== MODE.LAND) {
          if (action === 2 || action === 5) this.setModeInternal(MODE.LAND);
          else if (action === 4) this.setModeInternal(MODE.BRAKE);
          else this.setModeInternal(MODE.RTL);
        }
      } else if (!breach && this.fenceBreach) {
        this.fenceBreach = undefined;
        this.text(SEV.INFO, 'Fence breach cleared');
      }
    } else if (this.fenceBreach && !enabled) {
      this.fenceBreach = undefined;
    }
  }

  // ───────────────────────────── modes, arming ─────────────────────────────

  /** Mode change as Copter::set_mode: checks only when armed. Returns the failure text or undefined. */
  private trySetMode(mode: number): string | undefined {
    if (!(mode in MODE_NAMES)) return `Mode change to ${mode} failed: unknown mode`;
    if (this.isArmed) {
      if (GPS_MODES.has(mode) && !this.ekfPosition) return `Mode change to ${MODE_NAMES[mode]} failed: requires position`;
      if (mode === MODE.AUTO) {
        if (this.missionItems.length <= 1) return 'Mode change to AUTO failed: init failed';
        if (this.isLanded && !this.missionStartsWithTakeoff()) return 'Auto: Missing Takeoff Cmd';
      }
    }
    this.setModeInternal(mode);
    return undefined;
  }

  private missionStartsWithTakeoff(): boolean {
    for (let i = 1; i < this.missionItems.length; i++) {
      const c = this.missionItems[i]!.command;
      if (isNavCommand(c)) return c === CMD.NAV_TAKEOFF;
    }
    return false;
  }

  private setModeInternal(mode: number): void {
    const prev = this.modeNum;
    this.modeNum = mode;
    const h = this.here();
    if (mode !== MODE.GUIDED) this.guidedTarget = undefined;
    if (mode === MODE.LOITER || mode === MODE.GUIDED || mode === MODE.BRAKE) this.hold = { ...h };
    if (mode === MODE.RTL) this.rtl = this.startRtl();
    if (mode === MODE.LAND) this.landTarget = { n: h.n, e: h.e };
    if (mode === MODE.AUTO) {
      if (this.missionState === 'paused' || (this.missionState === 'running' && prev !== MODE.AUTO)) {
        // AP_Mission::resume: restart the current NAV command
        this.missionState = 'running';
        const it = this.missionItems[this.navIndex];
        if (it && isNavCommand(it.command)) this.startNav(this.navIndex, it);
      }
    } else if (this.missionState === 'running') {
      this.missionState = 'paused';
    }
    if (prev !== mode) {
      this.emit('mode', mode);
      this.sendHeartbeat();
    }
  }

  private armCheck(): string | undefined {
    const mode = this.modeNum;
    if (mode === MODE.AUTO && (this.params.get('AUTO_OPTIONS') & 1) === 0) return 'Arm: AUTO mode not armable';
    if (mode === MODE.RTL || mode === MODE.LAND) return `Arm: ${MODE_NAMES[mode]} mode not armable`;
    if (this.params.get('ARMING_CHECK') !== 0) {
      if (!this.gpsFix && this.gpsLostAt === undefined && !this.prearmHealthy) return 'PreArm: GPS 1: Bad fix';
      if (!this.homePos) return 'PreArm: AHRS: waiting for home';
      if (!this.prearmHealthy) return 'PreArm: EKF3 still initialising';
      if (this.batteryFs > 0) return 'PreArm: Battery 1 low';
    }
    if (GPS_MODES.has(mode) && !this.ekfPosition) return 'Arm: Need Position Estimate';
    if (this.params.get('FENCE_ENABLE') === 1) {
      const breach = this.fenceCheck();
      if (breach) return `Arm: vehicle outside ${breach} fence`;
    }
    return undefined;
  }

  private arm(force: boolean): { result: number } {
    if (this.isArmed) return { result: RESULT.ACCEPTED };
    if (!force) {
      const why = this.armCheck();
      if (why) {
        this.text(SEV.CRITICAL, why);
        return { result: RESULT.FAILED };
      }
    }
    this.isArmed = true;
    this.armedAt = this.nowS;
    this.tookOff = !this.isLanded;
    this.gripperReleasedAtArm();
    this.setHome(this.currentLocation());
    this.hold = this.here();
    this.text(SEV.INFO, 'Arming motors');
    this.emit('armed', true);
    this.sendHeartbeat();
    return { result: RESULT.ACCEPTED };
  }

  private gripperReleasedAtArm(): void {
    // nothing: the gripper keeps whatever state it has (loaded before the flight by the operator)
  }

  private disarm(text: string): void {
    if (!this.isArmed) return;
    this.isArmed = false;
    this.disarmAfterLanding = undefined;
    this.text(SEV.INFO, text);
    this.emit('armed', false);
    if (this.modeNum === MODE.AUTO && this.missionState === 'running') this.missionState = 'idle';
    this.speeds = { h: undefined, up: undefined, down: undefined };
    this.sendHeartbeat();
  }

  private setHome(h: LatLon & { altM: number }): void {
    this.homePos = { ...h };
    this.sendHome();
  }

  // ───────────────────────────── incoming messages ─────────────────────────────

  private handle(m: Incoming): void {
    try {
      this.dispatch(m);
    } catch (err) {
      this.log?.warn({ err, msgid: m.msgid }, 'emulator: message handling failed');
    }
  }

  private forUs(target: number | undefined): boolean {
    return target === undefined || target === 0 || target === this.sysid;
  }

  private dispatch(m: Incoming): void {
    const from: Peer = { sysid: m.sysid, compid: m.compid };
    const d = m.data as MavLinkData & { targetSystem?: number };
    if (m.msgid !== 0 && !this.forUs(d.targetSystem)) return;
    switch (m.msgid) {
      case 0: {
        const hb = m.data as minimal.Heartbeat;
        if (hb.type === 6) this.gcsHeardAt = this.nowS; // MAV_TYPE_GCS
        return;
      }
      case 111: {
        const ts = m.data as common.TimeSync;
        if (ts.tc1 === 0n) this.sendTimesync(BigInt(Math.round(this.nowS * 1e9)), ts.ts1, from);
        return;
      }
      case 11: {
        const s = m.data as common.SetMode;
        const why = this.trySetMode(s.customMode);
        if (why) this.text(SEV.WARNING, why);
        this.sendAck(from, 11, why ? RESULT.FAILED : RESULT.ACCEPTED);
        return;
      }
      case 20:
        return this.paramRequestRead(from, m.data as common.ParamRequestRead);
      case 21:
        return this.paramRequestList();
      case 23:
        return this.paramSet(m.data as common.ParamSet);
      case 39:
      case 73: {
        const legacy = m.msgid === 39;
        const it = m.data as common.MissionItemInt | common.MissionItem;
        const type = (it.missionType ?? 0) as MissionType;
        if (m.version === 1 && type !== 0) return this.needMavlink2(from, type);
        const wire = this.wireItem(it, type);
        // GCS_MAVLINK::handle_mission_item: a legacy item that does not convert is answered, the upload goes on
        const conv = legacy ? legacyItemToInt(wire) : { ok: true as const, item: wire };
        if (!conv.ok) return this.sendMissionAck(from, type, conv.result);
        const item = conv.item;
        if (it.current === 2 && type === 0) return this.guidedItem(from, item);
        this.protocol.handleItem(from, item, legacy);
        return;
      }
      case 40:
      case 51: {
        const r = m.data as common.MissionRequest;
        this.protocol.handleRequest(from, (r.missionType ?? 0) as MissionType, r.seq, m.msgid === 51);
        return;
      }
      case 41: {
        const r = m.data as common.MissionSetCurrent;
        const it = this.missionItems[r.seq];
        if (it && r.seq > 0) {
          if (this.missionState === 'running' && isNavCommand(it.command)) this.startNav(r.seq, it);
          else this.navIndex = r.seq;
          this.sendMissionCurrent();
        }
        return;
      }
      case 43: {
        const r = m.data as common.MissionRequestList;
        const type = (r.missionType ?? 0) as MissionType;
        if (m.version === 1 && type !== 0) return this.needMavlink2(from, type);
        this.protocol.handleRequestList(from, type);
        return;
      }
      case 44: {
        const c = m.data as common.MissionCount;
        const type = (c.missionType ?? 0) as MissionType;
        if (type > 2) return this.sendMissionAck(from, type as MissionType, 3);
        if (m.version === 1 && type !== 0) return this.needMavlink2(from, type);
        this.protocol.handleCount(from, type, c.count);
        return;
      }
      case 45: {
        const c = m.data as common.MissionClearAll;
        const type = (c.missionType ?? 0) as MissionType;
        if (type === 255 as number) {
          for (const t of [0, 1, 2] as MissionType[]) this.protocol.handleClearAll(from, t);
          return;
        }
        this.protocol.handleClearAll(from, type);
        return;
      }
      case 47:
        return;
      case 66:
        return this.requestDataStream(m.data as common.RequestDataStream);
      case 75:
      case 76:
        return this.command(from, m.data as common.CommandLong | common.CommandInt, m.msgid === 75);
      case 86:
        return this.positionTarget(m.data as common.SetPositionTargetGlobalInt);
      default:
        return;
    }
  }

  private needMavlink2(from: Peer, type: MissionType): void {
    this.text(SEV.WARNING, 'Need mavlink2 for item transfer');
    this.sendMissionAck(from, type, 3);
  }

  /** The item as it came (a legacy MISSION_ITEM still in float degrees). */
  private wireItem(it: common.MissionItemInt | common.MissionItem, type: MissionType): MissionItem {
    return {
      seq: it.seq,
      frame: it.frame,
      command: it.command,
      current: it.current ? 1 : 0,
      autocontinue: it.autocontinue ? 1 : 0,
      param1: it.param1,
      param2: it.param2,
      param3: it.param3,
      param4: it.param4,
      x: it.x,
      y: it.y,
      z: it.z,
      missionType: type,
    };
  }

  private guidedItem(from: Peer, item: MissionItem): void {
    if (this.modeNum !== MODE.GUIDED || !this.isArmed) {
      this.sendMissionAck(from, 0, 1);
      return;
    }
    const { ne, alt } = this.itemTarget(item);
    const h = this.here();
    this.guidedTarget = { n: ne?.n ?? h.n, e: ne?.e ?? h.e, alt };
    this.sendMissionAck(from, 0, 0);
  }

  private positionTarget(p: common.SetPositionTargetGlobalInt): void {
    if (this.modeNum !== MODE.GUIDED || !this.isArmed) return;
    const ne = toNE(this.start, { lat: p.latInt / 1e7, lon: p.lonInt / 1e7 });
    const alt = p.coordinateFrame === 5 || p.coordinateFrame === 0 ? p.alt - this.start.altM : p.alt + this.homeAltOffset();
    this.guidedTarget = { n: ne.n, e: ne.e, alt };
  }

  private command(from: Peer, c: common.CommandLong | common.CommandInt, isInt: boolean): void {
    const p = [c._param1, c._param2, c._param3, c._param4, c._param5, c._param6, c._param7] as number[];
    const ack = (result: number) => this.sendAck(from, c.command, result);
    switch (c.command) {
      case 400: {
        // COMPONENT_ARM_DISARM
        const force = Math.round(p[1]!) === FORCE_MAGIC;
        if (Math.round(p[0]!) === 1) return ack(this.arm(force).result);
        if (!this.isArmed) return ack(RESULT.ACCEPTED);
        if (!this.isLanded && !force) {
          this.text(SEV.WARNING, 'Disarm: vehicle is flying');
          return ack(RESULT.FAILED);
        }
        this.disarm('Disarming motors');
        return ack(RESULT.ACCEPTED);
      }
      case 176: {
        // DO_SET_MODE: param1 base mode (custom mode flag), param2 custom mode
        if ((Math.round(p[0]!) & 1) === 0) return ack(RESULT.FAILED); // only custom modes on ArduCopter
        const why = this.trySetMode(Math.round(p[1]!));
        if (why) this.text(SEV.WARNING, why);
        return ack(why ? RESULT.FAILED : RESULT.ACCEPTED);
      }
      case 300: {
        // MISSION_START
        if (p[0] !== 0 || p[1] !== 0) return ack(RESULT.DENIED);
        const why = this.trySetMode(MODE.AUTO);
        if (why) {
          this.text(SEV.WARNING, why);
          return ack(RESULT.FAILED);
        }
        if (this.missionState !== 'running') this.startMissionRun();
        return ack(RESULT.ACCEPTED);
      }
      case 20: {
        const why = this.trySetMode(MODE.RTL);
        if (why) this.text(SEV.WARNING, why);
        return ack(why ? RESULT.FAILED : RESULT.ACCEPTED);
      }
      case 21: {
        const why = this.trySetMode(MODE.LAND);
        return ack(why ? RESULT.FAILED : RESULT.ACCEPTED);
      }
      case 22: {
        // NAV_TAKEOFF in GUIDED
        if (this.modeNum !== MODE.GUIDED || !this.isArmed || !this.isLanded) return ack(RESULT.FAILED);
        const h = this.here();
        this.guidedTarget = { n: h.n, e: h.e, alt: Math.max(1, p[6]!) + this.homeAltOffset() };
        return ack(RESULT.ACCEPTED);
      }
      case 192: {
        // DO_REPOSITION
        if (!this.isArmed) return ack(RESULT.FAILED);
        const lat = isInt ? p[4]! / 1e7 : p[4]!;
        const lon = isInt ? p[5]! / 1e7 : p[5]!;
        if (this.modeNum !== MODE.GUIDED) {
          const why = this.trySetMode(MODE.GUIDED);
          if (why) return ack(RESULT.FAILED);
        }
        const ne = toNE(this.start, { lat, lon });
        this.guidedTarget = { n: ne.n, e: ne.e, alt: Number.isFinite(p[6]) ? p[6]! + this.homeAltOffset() : this.body.alt };
        if (p[0]! > 0) this.speeds.h = p[0]!;
        return ack(RESULT.ACCEPTED);
      }
      case 193: {
        // DO_PAUSE_CONTINUE in AUTO
        if (this.modeNum !== MODE.AUTO) return ack(RESULT.FAILED);
        if (Math.round(p[0]!) === 0) {
          this.missionState = this.missionState === 'running' ? 'paused' : this.missionState;
          this.hold = this.here();
        } else if (this.missionState === 'paused') {
          this.setModeInternal(MODE.AUTO);
        }
        return ack(RESULT.ACCEPTED);
      }
      case 178:
        this.changeSpeed(p[0]!, p[1]!);
        return ack(RESULT.ACCEPTED);
      case 211:
        if (this.params.get('GRIP_ENABLE') !== 1) return ack(RESULT.FAILED);
        this.gripperAction(p[1]!, 'command');
        return ack(RESULT.ACCEPTED);
      case 42600:
        if (this.params.get('WINCH_TYPE') === 0) return ack(RESULT.FAILED);
        this.winchAction(p[1]!, p[2]!, p[3]!);
        return ack(RESULT.ACCEPTED);
      case 207:
        this.fenceEnableCommand(Math.round(p[0]!) === 1);
        return ack(RESULT.ACCEPTED);
      case 179:
        if (Math.round(p[0]!) === 1) this.setHome(this.currentLocation());
        else this.setHome({ lat: isInt ? p[4]! / 1e7 : p[4]!, lon: isInt ? p[5]! / 1e7 : p[5]!, altM: p[6]! });
        return ack(RESULT.ACCEPTED);
      case 511: {
        // SET_MESSAGE_INTERVAL
        const id = Math.round(p[0]!);
        const us = p[1]!;
        if (!STREAMABLE.has(id)) return ack(RESULT.FAILED);
        if (us <= 0) this.streams.delete(id);
        else this.streams.set(id, { interval: us / 1e6, next: this.nowS });
        return ack(RESULT.ACCEPTED);
      }
      case 512: {
        // REQUEST_MESSAGE
        const id = Math.round(p[0]!);
        if (!STREAMABLE.has(id)) return ack(RESULT.FAILED);
        ack(RESULT.ACCEPTED);
        this.sendById(id);
        return;
      }
      case 410:
        ack(RESULT.ACCEPTED);
        this.sendHome();
        return;
      case 246: {
        // PREFLIGHT_REBOOT_SHUTDOWN
        if (Math.round(p[0]!) !== 1) return ack(RESULT.UNSUPPORTED);
        if (this.isArmed) return ack(RESULT.FAILED);
        ack(RESULT.ACCEPTED);
        this.reboot();
        return;
      }
      default:
        return ack(RESULT.UNSUPPORTED);
    }
  }

  // params
  private paramRequestRead(_from: Peer, r: common.ParamRequestRead): void {
    const entry = r.paramIndex >= 0 ? this.params.at(r.paramIndex) : this.params.find(trimId(r.paramId));
    if (!entry) return; // ArduPilot answers nothing for an unknown name
    this.sendParam(entry.name);
  }

  private paramRequestList(): void {
    for (const e of this.params.list()) this.sendParam(e.name);
  }

  private paramSet(s: common.ParamSet): void {
    const name = trimId(s.paramId);
    const entry = this.params.set(name, s.paramValue);
    if (!entry) return; // unknown: ignored, no PARAM_VALUE (the GCS times out)
    this.paramChanged(name);
    this.sendParam(name);
  }

  private paramChanged(name: string): void {
    if (name === 'FENCE_ENABLE' && (this.params.get('FENCE_ENABLE') === 1 ? 1 : 0) !== this.fenceEnableSeen) this.latchFence();
    if (name === 'SIM_WIND_SPD' || name === 'SIM_WIND_DIR') {
      this.windSpec = { speedMs: this.params.get('SIM_WIND_SPD'), fromDeg: this.params.get('SIM_WIND_DIR') };
      this.wind = windVector(this.windSpec.speedMs, this.windSpec.fromDeg);
    }
  }

  private sendParam(name: string): void {
    const e = this.params.find(name);
    if (!e) return;
    const v = new common.ParamValue();
    v.paramId = e.name;
    v.paramValue = e.value;
    v.paramType = e.type === PARAM_REAL32 ? PARAM_REAL32 : e.type;
    v.paramCount = this.params.count;
    v.paramIndex = this.params.index(e.name);
    this.send(v);
  }

  private requestDataStream(r: common.RequestDataStream): void {
    const ids = r.reqStreamId === 0 ? Object.values(STREAM_GROUPS).flat() : STREAM_GROUPS[r.reqStreamId] ?? [];
    for (const id of ids) {
      if (r.startStop === 0 || r.reqMessageRate === 0) this.streams.delete(id);
      else this.streams.set(id, { interval: 1 / r.reqMessageRate, next: this.nowS });
    }
  }

  // ───────────────────────────── outgoing ─────────────────────────────

  private send(msg: MavLinkData): void {
    if (this.ports.size === 0 || !this.booted || this.nowS < this.linkDownUntil) return;
    try {
      const bytes = this.encoder.encode(msg);
      for (const port of this.ports) port.send(this.signing ? this.signing.sign(bytes, port.channel ?? 0) : bytes);
    } catch (err) {
      this.log?.warn({ err }, 'emulator: send failed');
    }
  }

  text(severity: number, text: string): void {
    this.statusTexts.push({ t: this.nowS, severity, text });
    this.emit('statustext', text, severity);
    const chunks = statusTextChunks(text, text.length > 50 ? this.statusTextId++ : 0);
    if (this.statusTextId > 255) this.statusTextId = 1;
    for (const c of chunks) {
      const s = new common.StatusText();
      s.severity = severity;
      s.text = c.text;
      s.id = c.id;
      s.chunkSeq = c.chunkSeq;
      this.send(s);
    }
  }

  private sendAck(to: Peer, command: number, result: number): void {
    const a = new common.CommandAck();
    a.command = command;
    a.result = result;
    a.progress = 0;
    a.resultParam2 = 0;
    a.targetSystem = to.sysid;
    a.targetComponent = to.compid;
    this.send(a);
  }

  private sendMissionAck(to: Peer, type: MissionType, result: number): void {
    const a = new common.MissionAck();
    a.targetSystem = to.sysid;
    a.targetComponent = to.compid;
    a.type = result;
    a.missionType = type;
    a.opaqueId = 0;
    this.send(a);
  }

  private sendItem(to: Peer, item: MissionItem, asInt: boolean): void {
    const m = asInt ? new common.MissionItemInt() : new common.MissionItem();
    m.targetSystem = to.sysid;
    m.targetComponent = to.compid;
    m.seq = item.seq;
    m.frame = item.frame;
    m.command = item.command;
    m.current = item.current;
    m.autocontinue = item.autocontinue;
    m.param1 = item.param1;
    m.param2 = item.param2;
    m.param3 = item.param3;
    m.param4 = item.param4;
    const xy = asInt ? item : legacyXY(item);
    m.x = xy.x;
    m.y = xy.y;
    m.z = item.z;
    m.missionType = item.missionType;
    this.send(m);
  }

  private homeItem(): MissionItem {
    const h = this.homePos;
    return {
      seq: 0, frame: 0, command: CMD.NAV_WAYPOINT, current: 0, autocontinue: 1,
      param1: 0, param2: 0, param3: 0, param4: 0,
      x: h ? Math.round(h.lat * 1e7) : 0, y: h ? Math.round(h.lon * 1e7) : 0, z: h ? altitudeReadback(h.altM) : 0,
      missionType: 0,
    };
  }

  private storage(type: MissionType): MissionItem[] {
    return type === 0 ? this.missionItems : type === 1 ? this.fenceItems : this.rallyItems;
  }

  private setStorage(type: MissionType, items: MissionItem[]): void {
    if (type === 0) {
      this.missionItems = items;
      this.params.setInternal('MIS_TOTAL', items.length);
    } else if (type === 1) {
      this.fenceItems = items;
    } else {
      this.rallyItems = items;
      this.params.setInternal('RALLY_TOTAL', items.length);
    }
  }

  private sendHeartbeat(): void {
    if (!this.booted || this.nowS < this.bootAt + 0.9) return;
    const hb = new minimal.Heartbeat();
    hb.type = 2;
    hb.autopilot = 3;
    let base = 1; // CUSTOM_MODE_ENABLED
    base |= 16; // STABILIZE_ENABLED
    if (GPS_MODES.has(this.modeNum)) base |= 8; // GUIDED_ENABLED
    if (this.modeNum === MODE.AUTO) base |= 4;
    if (this.isArmed) base |= 128;
    hb.baseMode = base;
    hb.customMode = this.modeNum;
    const critical = this.ekfFailsafe || this.batteryFs > 0 || this.fenceBreach !== undefined;
    hb.systemStatus = critical && this.isArmed ? 5 : this.isArmed ? 4 : 3;
    hb.mavlinkVersion = 3;
    this.send(hb);
  }

  private sendTimesync(tc1: bigint, ts1: bigint, to: Peer): void {
    const t = new common.TimeSync();
    t.tc1 = tc1;
    t.ts1 = ts1;
    t.targetSystem = to.sysid;
    t.targetComponent = to.compid;
    this.send(t);
  }

  private sendHome(): void {
    if (!this.homePos) return;
    const h = new common.HomePosition();
    h.latitude = Math.round(this.homePos.lat * 1e7);
    h.longitude = Math.round(this.homePos.lon * 1e7);
    h.altitude = Math.round(this.homePos.altM * 1000);
    h.x = 0;
    h.y = 0;
    h.z = 0;
    h.q = [1, 0, 0, 0];
    h.approachX = 0;
    h.approachY = 0;
    h.approachZ = 0;
    h.timeUsec = BigInt(Math.round(this.nowS * 1e6));
    this.send(h);
  }

  private sendOrigin(): void {
    const o = new common.GpsGlobalOrigin();
    o.latitude = Math.round(this.start.lat * 1e7);
    o.longitude = Math.round(this.start.lon * 1e7);
    o.altitude = Math.round(this.start.altM * 1000);
    o.timeUsec = BigInt(Math.round(this.nowS * 1e6));
    this.send(o);
  }

  private sendMissionCurrent(): void {
    const m = new common.MissionCurrent();
    m.seq = this.navIndex;
    m.total = Math.max(0, Math.max(1, this.missionItems.length) - 1);
    m.missionState =
      this.missionItems.length <= 1 ? 1 : this.missionState === 'running' ? 3 : this.missionState === 'paused' ? 4 : this.missionState === 'complete' ? 5 : 2;
    m.missionMode = this.modeNum === MODE.AUTO ? 1 : 0;
    m.missionId = 0;
    m.fenceId = 0;
    m.rallyPointsId = 0;
    this.send(m);
  }

  private streamStep(): void {
    for (const [id, s] of this.streams) {
      if (this.nowS + 1e-9 >= s.next) {
        s.next += s.interval;
        if (s.next < this.nowS) s.next = this.nowS + s.interval;
        this.sendById(id);
      }
    }
  }


  private sendById(id: number): void {
    const p = this.position;
    switch (id) {
      case 0:
        return this.sendHeartbeat();
      case 1: {
        const s = new common.SysStatus();
        const present = 0x1 | 0x2 | 0x4 | 0x8 | 0x20 | 0x200000 | 0x2000000 | 0x10000000 | 0x100000;
        let health = 0x1 | 0x2 | 0x4 | 0x8 | 0x2000000 | 0x100000;
        if (this.gpsFix) health |= 0x20;
        if (this.ekfPosition) health |= 0x200000;
        if (this.prearmHealthy && this.ekfPosition) health |= 0x10000000;
        if (this.batteryFs > 0) health &= ~0x2000000;
        if (this.fenceBreach) health &= ~0x100000;
        let enabled = present;
        if (this.params.get('FENCE_ENABLE') !== 1) enabled &= ~0x100000;
        s.onboardControlSensorsPresent = present;
        s.onboardControlSensorsEnabled = enabled;
        s.onboardControlSensorsHealth = health;
        s.load = 200;
        s.voltageBattery = Math.round(this.voltage() * 1000);
        s.currentBattery = Math.round(this.currentA * 100);
        s.batteryRemaining = this.remainingPct();
        s.dropRateComm = 0;
        s.errorsComm = 0;
        s.errorsCount1 = 0;
        s.errorsCount2 = 0;
        s.errorsCount3 = 0;
        s.errorsCount4 = 0;
        s.onboardControlSensorsPresentExtended = 0 as common.MavSysStatusSensorExtended;
        s.onboardControlSensorsEnabledExtended = 0 as common.MavSysStatusSensorExtended;
        s.onboardControlSensorsHealthExtended = 0 as common.MavSysStatusSensorExtended;
        return this.send(s);
      }
      case 2: {
        const s = new common.SystemTime();
        s.timeUnixUsec = BigInt(this.gpsTimeUs());
        s.timeBootMs = (this.timeBootMs >>> 0);
        return this.send(s);
      }
      case 24: {
        const g = new common.GpsRawInt();
        g.timeUsec = BigInt(Math.round(this.nowS * 1e6));
        g.fixType = this.gpsFix ? 3 : this.gpsLostAt !== undefined ? 0 : 1;
        g.satellitesVisible = this.gpsFix ? 10 : 0;
        g.lat = this.gpsFix ? Math.round(p.lat * 1e7) : 0;
        g.lon = this.gpsFix ? Math.round(p.lon * 1e7) : 0;
        g.alt = this.gpsFix ? Math.round(p.altM * 1000) : 0;
        g.eph = this.gpsFix ? 121 : 9999;
        g.epv = this.gpsFix ? 200 : 9999;
        g.vel = Math.round(groundSpeed(this.body) * 100);
        g.cog = Math.round(((Math.atan2(this.body.ve, this.body.vn) * 180) / Math.PI + 360) % 360 * 100);
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
        g.timeBootMs = (this.timeBootMs >>> 0);
        g.lat = Math.round(p.lat * 1e7);
        g.lon = Math.round(p.lon * 1e7);
        g.alt = Math.round(p.altM * 1000);
        g.relativeAlt = Math.round(p.relAltM * 1000);
        g.vx = Math.round(this.body.vn * 100);
        g.vy = Math.round(this.body.ve * 100);
        g.vz = Math.round(-this.body.vu * 100);
        g.hdg = Math.round((((Math.atan2(this.body.ve, this.body.vn) * 180) / Math.PI + 360) % 360) * 100) % 36000;
        return this.send(g);
      }
      case 42:
        return this.sendMissionCurrent();
      case 49:
        return this.originSet ? this.sendOrigin() : undefined;
      case 74: {
        const v = new common.VfrHud();
        v.airspeed = airSpeed(this.body, this.wind);
        v.groundspeed = groundSpeed(this.body);
        v.alt = p.altM;
        v.climb = this.body.vu;
        v.heading = Math.round(((Math.atan2(this.body.ve, this.body.vn) * 180) / Math.PI + 360) % 360);
        v.throttle = this.isArmed && !this.isLanded ? 39 : 0;
        return this.send(v);
      }
      case 147: {
        const b = new common.BatteryStatus();
        b.id = 0;
        b.batteryFunction = 0;
        b.type = 0;
        b.temperature = 32767;
        b.voltages = [Math.round(this.voltage() * 1000), 65535, 65535, 65535, 65535, 65535, 65535, 65535, 65535, 65535];
        b.currentBattery = Math.round(this.currentA * 100);
        b.currentConsumed = Math.round(this.consumedMah);
        b.energyConsumed = Math.round((this.consumedMah / 1000) * this.voltage() * 36);
        b.batteryRemaining = this.remainingPct();
        b.timeRemaining = 0;
        b.chargeState = this.batteryFs === 2 ? 3 : this.batteryFs === 1 ? 2 : 1;
        b.voltagesExt = [0, 0, 0, 0];
        b.mode = 0;
        b.faultBitmask = 0 as common.MavBatteryFault;
        return this.send(b);
      }
      case 162: {
        const f = new common.FenceStatus();
        f.breachStatus = this.fenceBreach ? 1 : 0;
        f.breachCount = this.fenceBreachCount;
        f.breachType = this.fenceBreach === 'Max altitude' ? 2 : this.fenceBreach ? 3 : 0;
        f.breachTime = 0;
        f.breachMitigation = 0;
        return this.send(f);
      }
      case 193: {
        const e = new ardupilotmega.EkfStatusReport();
        e.flags = this.ekfPosition ? EKF_READY_FLAGS : EKF_ATTITUDE_ONLY;
        e.velocityVariance = this.ekfPosition ? 0.05 : 1.2;
        e.posHorizVariance = this.ekfPosition ? 0.03 : 1.2;
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
        const n = this.nav;
        const landing = this.modeNum === MODE.LAND || this.rtl?.stage === 'land' || n?.kind === 'land' || (n?.kind === 'rtl' && n.rtl.stage === 'land');
        const takingOff = n?.kind === 'takeoff';
        x.landedState = this.isLanded ? 1 : takingOff ? 3 : landing && this.isArmed ? 4 : 2;
        return this.send(x);
      }
      default:
        return;
    }
  }

  /** GPS time, µs since 1970: the emulator's clock starts at 2026-01-01 and runs on simulated time. */
  private gpsTimeUs(): number {
    return Math.round((Date.UTC(2026, 0, 1) / 1000 + this.nowS) * 1e6);
  }

  destroy(): void {
    this.decoder.destroy();
    for (const d of this.decoders.values()) d.destroy();
    this.removeAllListeners();
  }
}

function trimId(id: string): string {
  const i = id.indexOf('\0');
  return (i >= 0 ? id.slice(0, i) : id).trim();
}
