/**
 * One emulated ArduCopter: boot and readiness timeline, MAVLink message handling (commands, params,
 * streams, mission protocol), flight modes, the AUTO mission executor, failsafes and fault
 * injection. Everything runs on the emulator's simulated clock, one fixed step at a time.
 *
 * This class is the vehicle's face to the transport (index.ts) and to tests: it builds the one shared
 * state object (vehicle-state.ts), wires the parts that work on it, and runs them in order each step.
 * The parts: link.ts (ports, send, STATUSTEXT), boot.ts (boot timeline, reboot, GPS/EKF), flight.ts
 * (mode controllers, touchdown), auto-executor.ts (AUTO), payload.ts (gripper, winch, payload place),
 * rtl.ts, modes.ts, arming.ts, battery.ts, fence-monitor.ts, failsafes.ts, messages.ts and commands.ts
 * (incoming), parameters.ts, mission-lists.ts (stored lists, mission protocol), telemetry-streams.ts.
 */
import { EventEmitter } from 'node:events';
import type { MissionItem } from '../../src/missions/types.js';
import type { Logger } from '../../src/log.js';
import { Arming } from './arming.js';
import { AutoExecutor } from './auto-executor.js';
import { batteryStep, remainingPct, voltage } from './battery.js';
import { Boot } from './boot.js';
import { CommandHandler } from './commands.js';
import { Failsafes } from './failsafes.js';
import { latchFence } from './fence-monitor.js';
import { Flight } from './flight.js';
import { position } from './kinematics.js';
import { Link, type Port } from './link.js';
import { MessageRouter } from './messages.js';
import type { MissionProtocolServer } from './mission-protocol.js';
import { createMissionProtocol } from './mission-lists.js';
import { Modes } from './modes.js';
import { ParameterProtocol } from './parameters.js';
import { ParamTable, type ParamNaming } from './params.js';
import { Payload } from './payload.js';
import { windVector } from './physics.js';
import { VehicleSigning } from './signing.js';
import { gpsTimeUs, TelemetryStreams, timeBootMs } from './telemetry-streams.js';
import { createVehicleState, MODE_NAMES, type ReleaseRecord, type Surface, type VehicleState } from './vehicle-state.js';

export { MODE } from './vehicle-state.js';
export type { ReleaseRecord, Surface } from './vehicle-state.js';
export type { Port } from './link.js';

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
  /** Ground height AMSL at a place (from a DEM); without it the ground is flat at the start altitude. */
  terrain?: (lat: number, lon: number) => number | undefined;
  logger?: Logger;
  /** MAVLink 2 signing key (32 bytes): sign everything, drop what is not signed with it (see signing.ts). */
  signingKey?: Buffer;
}

export class EmulatedVehicle extends EventEmitter {
  tcpPort = 0;
  /** Ports of the extra serial ports (SERIAL1, SERIAL2 … on TCP), when asked for. */
  extraTcpPorts: number[] = [];
  readonly params: ParamTable;
  /** MAVLink 2 signing, when the vehicle has a key: timestamp and accepted / rejected packet counts. */
  readonly signing: VehicleSigning | undefined;
  readonly releases: ReleaseRecord[];
  /** Every STATUSTEXT the vehicle produced (sent or not, e.g. during a link drop). */
  readonly statusTexts: { t: number; severity: number; text: string }[];
  /** MISSION_ITEM_REACHED seqs, in order. */
  readonly reached: number[];
  /** Set by the transport: whether a TCP client should be dropped now (reboot). */
  onDisconnectRequest: (() => void) | undefined;

  private readonly s: VehicleState;
  private readonly link: Link;
  private readonly protocol: MissionProtocolServer;
  private readonly telemetry: TelemetryStreams;
  private readonly boot: Boot;
  private readonly arming: Arming;
  private readonly flight: Flight;
  private readonly payload: Payload;
  private readonly failsafes: Failsafes;
  private readonly parameters: ParameterProtocol;
  private readonly router: MessageRouter;

  constructor(cfg: VehicleConfig) {
    super();
    this.params = new ParamTable(cfg.paramNaming ?? '4.7', { ...(cfg.params ?? {}) });
    this.params.setInternal('MAV_SYSID', cfg.sysid);
    this.params.setInternal('SIM_WIND_SPD', cfg.wind.speedMs);
    this.params.setInternal('SIM_WIND_DIR', cfg.wind.fromDeg);
    const s = createVehicleState({
      sysid: cfg.sysid,
      home: cfg.home,
      readyAfterS: cfg.readyAfterS,
      surfaces: cfg.surfaces ?? [],
      terrain: cfg.terrain,
      params: this.params,
      wind: cfg.wind,
    });
    this.s = s;
    latchFence(s);
    this.releases = s.releases;
    this.statusTexts = s.statusTexts;
    this.reached = s.reached;
    this.signing = cfg.signingKey ? new VehicleSigning(cfg.signingKey) : undefined;
    const log = cfg.logger;

    // The parts, each holding the shared state and the parts it calls. The payload's "NAV command
    // done" and the link's "message in" reach parts built after them, through a closure.
    const link = new Link(s, this.signing, this, log, (m) => this.router.handle(m));
    const telemetry = new TelemetryStreams(s, link);
    const protocol = createMissionProtocol(s, link);
    const arming = new Arming(s, link, telemetry, this);
    const payload = new Payload(s, link, this, () => auto.navComplete());
    const auto = new AutoExecutor(s, link, telemetry, arming, payload, this);
    const modes = new Modes(s, telemetry, auto, this, link);
    const boot = new Boot(s, link, telemetry, arming, modes, protocol, this.signing, log, () => this.onDisconnectRequest?.());
    const parameters = new ParameterProtocol(s, link);
    const commands = new CommandHandler(s, link, telemetry, arming, modes, auto, payload, boot);
    this.link = link;
    this.protocol = protocol;
    this.telemetry = telemetry;
    this.boot = boot;
    this.arming = arming;
    this.payload = payload;
    this.parameters = parameters;
    this.flight = new Flight(s, link, auto, this);
    this.failsafes = new Failsafes(s, link, arming, modes);
    this.router = new MessageRouter(s, link, telemetry, modes, auto, protocol, parameters, commands, log);
  }

  // ───────────────────────────── public state ─────────────────────────────

  get sysid(): number {
    return this.s.sysid;
  }
  set sysid(v: number) {
    this.s.sysid = v;
  }
  get rebootCount(): number {
    return this.s.rebootCount;
  }
  set rebootCount(v: number) {
    this.s.rebootCount = v;
  }
  /** Winch line (WINCH_TYPE ≠ 0): paid-out length, where it is heading, how fast. */
  get winch(): { lengthM: number; targetM: number; rateMs: number } {
    return this.s.winch;
  }
  set winch(w: { lengthM: number; targetM: number; rateMs: number }) {
    this.s.winch = w;
  }
  get position(): { lat: number; lon: number; altM: number; relAltM: number } {
    return position(this.s);
  }
  get mode(): number {
    return this.s.modeNum;
  }
  get modeName(): string {
    return MODE_NAMES[this.s.modeNum] ?? String(this.s.modeNum);
  }
  get armed(): boolean {
    return this.s.isArmed;
  }
  get landed(): boolean {
    return this.s.isLanded;
  }
  get home(): { lat: number; lon: number; altM: number } | undefined {
    return this.s.homePos ? { ...this.s.homePos } : undefined;
  }
  /** True once the EKF uses GPS (EKF_STATUS_REPORT has POS_HORIZ_ABS): ready to arm in GUIDED. */
  get ready(): boolean {
    return this.s.ekfPosition;
  }
  get mission(): MissionItem[] {
    return this.s.missionItems.map((i) => ({ ...i }));
  }
  get fence(): MissionItem[] {
    return this.s.fenceItems.map((i) => ({ ...i }));
  }
  get rally(): MissionItem[] {
    return this.s.rallyItems.map((i) => ({ ...i }));
  }
  get gripper(): { released: boolean; releasedAt: ReleaseRecord | undefined } {
    return { released: this.s.gripperReleased, releasedAt: this.releases[this.releases.length - 1] };
  }
  get battery(): { remainingPct: number; voltageV: number; currentA: number; consumedMah: number } {
    return { remainingPct: remainingPct(this.s), voltageV: voltage(this.s), currentA: this.s.currentA, consumedMah: this.s.consumedMah };
  }
  get currentSeq(): number {
    return this.s.navIndex;
  }
  get fenceBreached(): string | undefined {
    return this.s.fenceBreach;
  }
  get simTimeS(): number {
    return this.s.nowS;
  }
  /** Milliseconds since the firmware booted (the time_boot_ms the vehicle stamps on its messages). */
  get timeBootMs(): number {
    return timeBootMs(this.s);
  }
  /** Whether a TCP/UDP peer is attached and the vehicle has booted. */
  get online(): boolean {
    return this.s.booted && this.link.ports.size > 0 && this.s.nowS >= this.s.linkDownUntil;
  }
  param(name: string): number | undefined {
    return this.params.find(name)?.value;
  }
  setParam(name: string, value: number): void {
    if (!this.params.set(name, value)) throw new Error(`unknown parameter '${name}'`);
    this.parameters.paramChanged(name);
  }

  // ───────────────────────────── fault injection ─────────────────────────────

  /** The radio link goes silent both ways for `ms` of simulated time; the vehicle flies on. */
  dropLink(ms: number): void {
    this.s.linkDownUntil = this.s.nowS + ms / 1000;
  }
  /** The battery collapses: voltage sags, little capacity left; the battery failsafe acts. */
  failBattery(): void {
    this.s.batteryFailed = true;
    const cap = this.params.get('BATT_CAPACITY');
    this.s.consumedMah = Math.max(this.s.consumedMah, cap * 0.95);
  }
  /** GPS fix lost: EKF loses its absolute position, then the EKF failsafe acts (LAND, drifting with the wind). */
  loseGps(): void {
    this.s.gpsFix = false;
    this.s.gpsLostAt = this.s.nowS;
  }
  restoreGps(): void {
    this.s.gpsLostAt = undefined;
    this.s.gpsFix = true;
  }
  setWind(speedMs: number, fromDeg: number): void {
    this.s.windSpec = { speedMs, fromDeg };
    this.s.wind = windVector(speedMs, fromDeg);
    this.params.setInternal('SIM_WIND_SPD', speedMs);
    this.params.setInternal('SIM_WIND_DIR', fromDeg);
  }
  /**
   * Reboot like SITL does: the link drops (a TCP client is disconnected), the firmware restarts with
   * the vehicle on the ground at its start position, disarmed in STABILIZE, home unknown and the EKF
   * re-converging. Mission, fence, rally and parameters survive (EEPROM). A mid-air reboot is a crash.
   */
  reboot(): void {
    this.boot.requestReboot();
  }

  // ───────────────────────────── the world around it ─────────────────────────────

  /**
   * A ground crew swaps the battery pack: only while disarmed on the ground (a crew does not reach a
   * spinning or flying drone). Pulling the pack powers the flight controller down, so a swap is a power
   * cycle: silence for `offS` sim seconds (default 10), then a fresh boot (new time_boot_ms, streams to be
   * requested again, home set again once the EKF has its origin, ready after readyAfterS). AP_BattMonitor
   * starts every boot with nothing consumed, so the new pack reads full (BATT_CAPACITY, SIM_BATT_VOLTAGE).
   * Mission, fence, rally and parameters are in EEPROM and survive. Throws when the vehicle is armed or
   * in the air, or already powered off.
   */
  swapBattery(opts: { offS?: number } = {}): void {
    const s = this.s;
    const offS = opts.offS ?? 10;
    if (!(offS >= 0) || !Number.isFinite(offS)) throw new Error(`battery swap: offS must be a number of seconds ≥ 0, got ${offS}`);
    if (s.powerOffUntil !== undefined) throw new Error(`vehicle ${s.sysid}: battery swap already under way (powered off)`);
    if (s.isArmed) throw new Error(`vehicle ${s.sysid}: cannot swap the battery while armed; disarm first`);
    if (!s.isLanded) throw new Error(`vehicle ${s.sysid}: cannot swap the battery in the air; land first`);
    this.boot.powerCycle(offS);
    this.emit('battery-swap', { offS });
  }

  /** False while the power is off during a battery swap. */
  get powered(): boolean {
    return this.s.powerOffUntil === undefined;
  }

  // ───────────────────────────── transport side ─────────────────────────────

  /** A client attached (TCP accept, or UDP start): the firmware boots if it has not. */
  attach(port: Port, boots = true): void {
    this.link.ports.add(port);
    if (!this.s.booted && boots && this.s.powerOffUntil === undefined) this.boot.boot();
  }
  detach(port: Port): void {
    this.link.detach(port);
  }
  /** Bytes from a link (each link has its own frame splitter, as interleaved streams would corrupt frames). */
  receive(bytes: Buffer, from?: Port): void {
    if (this.s.powerOffUntil !== undefined) return; // the flight controller is unpowered: bytes reach nothing
    this.link.receive(bytes, from);
  }

  // ───────────────────────────── the step ─────────────────────────────

  step(now: number, dt: number): void {
    const s = this.s;
    s.nowS = now;
    if (s.rebootAt !== undefined) {
      s.rebootAt = undefined;
      this.boot.doReboot();
      return;
    }
    if (s.powerOffUntil !== undefined) {
      if (now < s.powerOffUntil) return;
      this.boot.powerOn();
    }
    if (!s.booted) return;
    this.boot.bootTimeline();
    if (this.signing) {
      // the GPS sets the clock, which moves the signing timestamp forward (AP_RTC → update_signing_timestamp)
      if (s.gpsFix) this.signing.setUtc(gpsTimeUs(s), now);
      this.signing.step(now);
    }
    this.telemetry.periodic(now);
    this.protocol.step();
    this.boot.sensors();
    this.arming.updatePrearm();
    this.flight.fly(dt);
    this.payload.winchStep(dt);
    this.payload.gripperStep();
    batteryStep(s, dt);
    this.failsafes.step();
    this.telemetry.streamStep();
  }

  /** Send a STATUSTEXT (split into chunks past 50 characters) and record it. */
  text(severity: number, text: string): void {
    this.link.text(severity, text);
  }

  destroy(): void {
    this.link.destroy();
    this.removeAllListeners();
  }
}
