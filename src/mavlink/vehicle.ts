/**
 * One vehicle (sysid/compid) on a connection: its latest heartbeat state, its events, and the
 * operations the flight runner uses — commands, parameters, mission/fence/rally transfers.
 * Commands run one at a time (COMMAND_ACK carries no request id), so do transfers.
 */
import type { VehicleEvent } from './telemetry.js';
import { COPTER_MODE } from './telemetry.js';
import type { MissionItem, MissionType, VehiclePlan } from '../missions/types.js';
import type { CommandResult, ParamReadResult, PlanUploadReport, TransferOptions, TransferResult, VehicleLink } from './types.js';
import { sendCommand, type CommandIntArgs, type CommandOptions } from './commands.js';
import { StatusTextJoiner, toVehicleEvent, modeName } from './events.js';
import { readParam, readParams, readParamsEach, writeParam, writeParams, type ParamOptions, type ParamWrite } from './params.js';
import { RttEstimator, realClock, type Clock, type RetryOptions, type RetryPolicy } from './retry.js';
import { uploadPlan } from './plan-upload.js';
import { clearItemsReliably, downloadItemsReliably, uploadAndVerify, uploadItemsReliably } from './transfer-client.js';
import { MSG, type Fields, type Message } from './wire.js';

export const MAV_CMD = {
  NAV_RETURN_TO_LAUNCH: 20,
  NAV_LAND: 21,
  DO_SET_MODE: 176,
  MISSION_START: 300,
  COMPONENT_ARM_DISARM: 400,
  SET_MESSAGE_INTERVAL: 511,
} as const;
const MAV_MODE_FLAG_CUSTOM_MODE_ENABLED = 1;
const FORCE_DISARM_MAGIC = 21196;

/** Messages the tracker needs, requested with MAV_CMD_SET_MESSAGE_INTERVAL. */
export const TELEMETRY_MESSAGES = [
  MSG.GLOBAL_POSITION_INT,
  MSG.SYS_STATUS,
  MSG.BATTERY_STATUS,
  MSG.GPS_RAW_INT,
  MSG.EKF_STATUS_REPORT,
  MSG.MISSION_CURRENT,
  MSG.HOME_POSITION,
  MSG.EXTENDED_SYS_STATE,
] as const;
/** REQUEST_DATA_STREAM fallback for firmware without SET_MESSAGE_INTERVAL: EXTENDED_STATUS, POSITION, EXTRA1..3. */
const DATA_STREAMS = [2, 6, 10, 11, 12];

/** What a vehicle needs from its connection. */
export interface VehicleHost {
  readonly ourSysid: number;
  readonly ourCompid: number;
  send(targetSysid: number, msgid: number, fields: Fields): void;
}

export interface VehicleOptions {
  /** Retry policy of every exchange with the vehicle (retry.ts DEFAULT_RETRY when not given). */
  retry?: Partial<RetryPolicy>;
  /** Clock and timers of the protocol machines (default: the real ones). */
  clock?: Clock;
  /** Per-kind settings; their `retry` wins over the one above. */
  command?: CommandOptions;
  param?: ParamOptions;
  transfer?: TransferOptions;
}

/** SET_MODE (no acknowledgement): how long to wait for a heartbeat showing the new mode. */
const SET_MODE_CONFIRM_MS = 3000;
/**
 * Message-interval requests give up sooner than the default deadline: firmware that lacks
 * SET_MESSAGE_INTERVAL gets the REQUEST_DATA_STREAM fallback instead.
 */
const TELEMETRY_REQUEST_DEADLINE_MS = 5000;

export class ReadyToArmError extends Error {
  override name = 'ReadyToArmError';
}

export class MavlinkVehicle implements VehicleLink {
  private _online = true;
  private _customMode: number | undefined;
  private _armed = false;
  lastHeartbeatAt = 0;
  private readonly eventListeners = new Set<(e: VehicleEvent) => void>();
  private readonly messageListeners = new Set<(m: Message) => void>();
  private readonly texts: { t: number; severity: number; text: string }[] = [];
  private readonly joiner: StatusTextJoiner;
  private commandChain: Promise<unknown> = Promise.resolve();
  private transferChain: Promise<unknown> = Promise.resolve();
  private paramChain: Promise<unknown> = Promise.resolve();
  private lastEkf: { flags: number; ok: boolean; t: number } | undefined;
  private lastGps: { fixType: number; satellites: number; t: number } | undefined;
  /** Aborted when the connection closes: pending commands, parameter and transfer steps end at once. */
  private readonly closing = new AbortController();
  private readonly clock: Clock;
  /**
   * This link's round trip, learnt from every answer: the first try of each step waits about this
   * long. One per kind, because ArduPilot answers them on different paths: mission items and
   * commands from the main loop at once, parameters from its IO thread through a reply queue sent
   * every 100 ms (params.ts). Until a kind has its own answer it goes by the link's, over all kinds.
   */
  private readonly linkRtt = new RttEstimator();
  private readonly rtt = { command: new RttEstimator(this.linkRtt), param: new RttEstimator(this.linkRtt), transfer: new RttEstimator(this.linkRtt) };

  constructor(
    readonly sysid: number,
    readonly compid: number,
    private readonly host: VehicleHost,
    private readonly opts: VehicleOptions = {},
  ) {
    this.clock = opts.clock ?? realClock;
    this.joiner = new StatusTextJoiner((severity, text) => {
      const t = this.now();
      this.texts.push({ t, severity, text });
      if (this.texts.length > 100) this.texts.shift();
      this.emit({ type: 'statustext', sysid: this.sysid, t, severity, text });
    });
  }

  get online(): boolean {
    return this._online;
  }
  get customMode(): number | undefined {
    return this._customMode;
  }
  get armed(): boolean {
    return this._armed;
  }
  get modeName(): string | undefined {
    return this._customMode === undefined ? undefined : modeName(this._customMode);
  }

  // ---- input ------------------------------------------------------------------------------

  /** Called by the connection for every decoded message from this vehicle's system. */
  handleMessage(m: Message): void {
    const t = this.now();
    if (m.msgid === MSG.STATUSTEXT) this.joiner.push(m);
    else if (m.msgid !== MSG.HEARTBEAT || m.compid === this.compid) {
      const e = toVehicleEvent(m, t);
      if (e) {
        if (e.type === 'heartbeat') {
          this._customMode = e.customMode;
          this._armed = e.armed;
          this.lastHeartbeatAt = t;
        } else if (e.type === 'ekf') this.lastEkf = { flags: e.flags, ok: e.positionOk, t };
        else if (e.type === 'gps') this.lastGps = { fixType: e.fixType, satellites: e.satellites, t };
        this.emit(e);
      }
    }
    for (const l of [...this.messageListeners]) l(m);
  }

  /** Called by the connection's link watchdog. */
  setOnline(up: boolean): void {
    if (this._online === up) return;
    this._online = up;
    this.emit({ type: 'link', sysid: this.sysid, t: this.now(), up });
  }

  private now(): number {
    return this.clock.now();
  }

  /** Policy, clock and round-trip estimate for one exchange: connection-wide, per kind, per call. */
  private timing(kind: 'command' | 'param' | 'transfer', call?: RetryOptions): RetryOptions {
    return { retry: { ...this.opts.retry, ...this.opts[kind]?.retry, ...call?.retry }, clock: this.clock, rtt: this.rtt[kind] };
  }

  private emit(e: VehicleEvent): void {
    for (const l of [...this.eventListeners]) {
      try {
        l(e);
      } catch {
        /* a listener's bug must not stop the link */
      }
    }
  }

  onEvent(listener: (e: VehicleEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /** Raw decoded messages from this vehicle (for tools and tests). */
  onMessage(listener: (m: Message) => void): () => void {
    this.messageListeners.add(listener);
    return () => this.messageListeners.delete(listener);
  }

  /** Recent STATUSTEXTs, joined, oldest first. */
  statusTexts(since = 0): { t: number; severity: number; text: string }[] {
    return this.texts.filter((x) => x.t >= since);
  }

  close(): void {
    this.joiner.close();
    this.closing.abort();
  }

  /** The caller's signal combined with the connection closing. */
  private signal(user?: AbortSignal): AbortSignal {
    return user ? AbortSignal.any([user, this.closing.signal]) : this.closing.signal;
  }

  // ---- ports for the protocol modules -----------------------------------------------------

  private get port() {
    return {
      targetSysid: this.sysid,
      targetCompid: this.compid,
      ourSysid: this.host.ourSysid,
      send: (msgid: number, fields: Fields) => this.host.send(this.sysid, msgid, fields),
      subscribe: (l: (m: Message) => void) => this.onMessage(l),
      statusTexts: (since: number) => this.statusTexts(since),
      statusTextsSince: (since: number) => this.statusTexts(since).map((x) => x.text),
      online: () => this._online,
    };
  }

  private serial<T>(chain: 'commandChain' | 'transferChain' | 'paramChain', job: () => Promise<T>): Promise<T> {
    const run = this[chain].then(job, job);
    this[chain] = run.catch(() => undefined);
    return run;
  }

  // ---- commands ---------------------------------------------------------------------------

  /** COMMAND_LONG (params 1–7) and wait for its COMMAND_ACK. */
  command(command: number, params: number[] = [], opts: CommandOptions = {}): Promise<CommandResult> {
    return this.serial('commandChain', () =>
      sendCommand(this.port, command, params, { ...this.opts.command, ...opts, ...this.timing('command', opts), signal: this.signal(opts.signal) }),
    );
  }

  /** COMMAND_INT (for commands that take a position: x/y as int32 1e-7 degrees). */
  commandInt(command: number, params: number[], int: CommandIntArgs, opts: CommandOptions = {}): Promise<CommandResult> {
    return this.serial('commandChain', () =>
      sendCommand(this.port, command, params, { ...this.opts.command, ...opts, ...this.timing('command', opts), signal: this.signal(opts.signal) }, int),
    );
  }

  async requestTelemetry(rateHz = 2): Promise<void> {
    if (!(rateHz > 0) || !Number.isFinite(rateHz)) throw new RangeError(`telemetry rate must be a positive number of Hz, got ${rateHz}`);
    const intervalUs = Math.round(1e6 / rateHz);
    let allAccepted = true;
    for (const msgid of TELEMETRY_MESSAGES) {
      const r = await this.command(MAV_CMD.SET_MESSAGE_INTERVAL, [msgid, msgid === MSG.HOME_POSITION ? Math.max(intervalUs, 1e6) : intervalUs], {
        retry: { deadlineMs: TELEMETRY_REQUEST_DEADLINE_MS },
      });
      if (!r.ok) allAccepted = false;
    }
    if (!allAccepted) {
      // older firmware: the classic stream groups
      for (const stream of DATA_STREAMS) {
        this.host.send(this.sysid, MSG.REQUEST_DATA_STREAM, {
          target_system: this.sysid,
          target_component: this.compid,
          req_stream_id: stream,
          req_message_rate: Math.max(1, Math.round(rateHz)),
          start_stop: 1,
        });
      }
    }
  }

  async setMode(customMode: number): Promise<CommandResult> {
    if (!Number.isInteger(customMode) || customMode < 0) throw new RangeError(`custom mode must be a non-negative integer, got ${customMode}`);
    const r = await this.command(MAV_CMD.DO_SET_MODE, [MAV_MODE_FLAG_CUSTOM_MODE_ENABLED, customMode]);
    if (r.result !== 3 /* UNSUPPORTED */) return r;
    // firmware without DO_SET_MODE: the SET_MODE message, confirmed by heartbeat
    this.host.send(this.sysid, MSG.SET_MODE, { target_system: this.sysid, base_mode: MAV_MODE_FLAG_CUSTOM_MODE_ENABLED, custom_mode: customMode });
    const seen = await this.waitFor((e) => e.type === 'heartbeat' && e.customMode === customMode, SET_MODE_CONFIRM_MS);
    return seen ? { ok: true, result: 0, resultName: 'ACCEPTED' } : { ...r, reason: `mode did not change to ${modeName(customMode)} after SET_MODE` };
  }

  arm(): Promise<CommandResult> {
    return this.command(MAV_CMD.COMPONENT_ARM_DISARM, [1], { reasonPattern: /arm/i });
  }

  disarm(force = false): Promise<CommandResult> {
    return this.command(MAV_CMD.COMPONENT_ARM_DISARM, [0, force ? FORCE_DISARM_MAGIC : 0], { reasonPattern: /arm/i });
  }

  startMission(): Promise<CommandResult> {
    return this.command(MAV_CMD.MISSION_START, [0, 0], { reasonPattern: /mission|arm|mode/i });
  }

  pause(mode: 'BRAKE' | 'LOITER' = 'BRAKE'): Promise<CommandResult> {
    return this.setMode(mode === 'BRAKE' ? COPTER_MODE.BRAKE : COPTER_MODE.LOITER);
  }

  resume(): Promise<CommandResult> {
    return this.setMode(COPTER_MODE.AUTO);
  }

  returnToLaunch(): Promise<CommandResult> {
    return this.setMode(COPTER_MODE.RTL);
  }

  land(): Promise<CommandResult> {
    return this.setMode(COPTER_MODE.LAND);
  }

  private waitFor(pred: (e: VehicleEvent) => boolean, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const off = this.onEvent((e) => {
        if (pred(e)) {
          this.clock.clearTimeout(timer);
          off();
          resolve(true);
        }
      });
      const timer = this.clock.setTimeout(() => {
        off();
        resolve(false);
      }, timeoutMs);
    });
  }

  /** Ready when EKF_STATUS_REPORT has an absolute horizontal position (not constant-position mode) and GPS has a 3D fix. */
  waitReadyToArm(o: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<void> {
    const opts = { ...o, signal: this.signal(o.signal) };
    const timeoutMs = opts.timeoutMs ?? 120_000;
    const started = this.now();
    const ready = () => this.lastEkf?.ok === true && (this.lastGps?.fixType ?? 0) >= 3;
    if (ready()) return Promise.resolve();
    if (!this.lastEkf || !this.lastGps) {
      // make sure the two reports flow, without waiting for the acknowledgements
      void this.command(MAV_CMD.SET_MESSAGE_INTERVAL, [MSG.EKF_STATUS_REPORT, 500_000], { retry: { deadlineMs: TELEMETRY_REQUEST_DEADLINE_MS } });
      void this.command(MAV_CMD.SET_MESSAGE_INTERVAL, [MSG.GPS_RAW_INT, 500_000], { retry: { deadlineMs: TELEMETRY_REQUEST_DEADLINE_MS } });
    }
    return new Promise((resolve, reject) => {
      const finish = (err?: Error) => {
        this.clock.clearTimeout(timer);
        off();
        opts.signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve();
      };
      const off = this.onEvent((e) => {
        if ((e.type === 'ekf' || e.type === 'gps') && ready()) finish();
      });
      const onAbort = () =>
        finish(
          new ReadyToArmError(
            this.closing.signal.aborted ? 'the connection was closed while waiting for ready-to-arm' : 'waiting for ready-to-arm was cancelled',
          ),
        );
      const timer = this.clock.setTimeout(() => finish(new ReadyToArmError(this.notReadyReason(started, timeoutMs))), timeoutMs);
      if (opts.signal?.aborted) onAbort();
      else opts.signal?.addEventListener('abort', onAbort);
    });
  }

  private notReadyReason(since: number, timeoutMs: number): string {
    const parts: string[] = [];
    if (!this.lastEkf) parts.push('no EKF_STATUS_REPORT received');
    else if (!this.lastEkf.ok) {
      const f = this.lastEkf.flags;
      parts.push(
        (f & 0x10) === 0
          ? `EKF has no absolute horizontal position (flags 0x${f.toString(16)})`
          : `EKF is in constant-position mode (flags 0x${f.toString(16)})`,
      );
    }
    if (!this.lastGps) parts.push('no GPS_RAW_INT received');
    else if (this.lastGps.fixType < 3) parts.push(`GPS fix type ${this.lastGps.fixType} with ${this.lastGps.satellites} satellites (3D fix needed)`);
    const pre = this.statusTexts(since)
      .filter((x) => /prearm|arm:|ekf|gps/i.test(x.text))
      .slice(-1)[0];
    if (pre) parts.push(`vehicle says '${pre.text}'`);
    return `vehicle ${this.sysid} not ready to arm after ${timeoutMs} ms: ${parts.join('; ') || 'unknown reason'}`;
  }

  // ---- parameters -------------------------------------------------------------------------

  private popts(): ParamOptions {
    return { ...this.opts.param, ...this.timing('param'), signal: this.closing.signal };
  }

  async getParam(name: string | string[]): Promise<number> {
    return (await this.serial('paramChain', () => readParam(this.port, name, this.popts()))).value;
  }

  async setParam(name: string | string[], value: number): Promise<number> {
    return (await this.serial('paramChain', () => writeParam(this.port, name, value, this.popts()))).value;
  }

  /** Several parameters in one pipelined exchange (params.ts), values in the order asked. */
  async getParams(names: (string | string[])[]): Promise<number[]> {
    return (await this.serial('paramChain', () => readParams(this.port, names, this.popts()))).map((v) => v.value);
  }

  /** Several parameters in one pipelined exchange, each reported on its own (VehicleLink.readParams). */
  async readParams(names: (string | string[])[]): Promise<ParamReadResult[]> {
    const outcomes = await this.serial('paramChain', () => readParamsEach(this.port, names, this.popts()));
    return outcomes.map((o) => (o.ok ? { ok: true, value: o.value.value } : o));
  }

  /** Several independent parameters set in one pipelined exchange; the values the vehicle reports, in order. */
  async setParams(writes: ParamWrite[]): Promise<number[]> {
    return (await this.serial('paramChain', () => writeParams(this.port, writes, this.popts()))).map((v) => v.value);
  }

  // ---- transfers --------------------------------------------------------------------------

  private topts(o?: TransferOptions): TransferOptions {
    return { ...this.opts.transfer, ...o, ...this.timing('transfer', o), signal: this.signal(o?.signal) };
  }

  uploadItems(type: MissionType, items: MissionItem[], opts?: TransferOptions): Promise<TransferResult> {
    return this.serial('transferChain', () => uploadItemsReliably(this.port, this.host.ourSysid, type, items, this.topts(opts)));
  }

  downloadItems(type: MissionType, opts?: TransferOptions): Promise<TransferResult<MissionItem[]>> {
    return this.serial('transferChain', () => downloadItemsReliably(this.port, this.host.ourSysid, type, this.topts(opts)));
  }

  clearItems(type: MissionType, opts?: TransferOptions): Promise<TransferResult> {
    return this.serial('transferChain', () => clearItemsReliably(this.port, this.host.ourSysid, type, this.topts(opts)));
  }

  /** Upload one type and read it back; 'mismatch' when the vehicle holds something else. */
  uploadAndVerify(type: MissionType, items: MissionItem[], opts?: TransferOptions): Promise<TransferResult> {
    return this.serial('transferChain', () => uploadAndVerify(this.port, this.host.ourSysid, type, items, this.topts(opts)));
  }

  uploadPlan(plan: VehiclePlan, opts?: TransferOptions): Promise<PlanUploadReport> {
    return uploadPlan(this, plan, this.topts(opts));
  }
}
