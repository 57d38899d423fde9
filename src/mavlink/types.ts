/**
 * The MAVLink layer's public face: what the fleet tracker, the flight runner, the CLI and the
 * service use. Implemented in src/mavlink (connection.ts, vehicle.ts, mission-transfer.ts …).
 */
import type { VehicleEvent } from './telemetry.js';
import type { MissionItem, MissionType, VehiclePlan } from '../missions/types.js';
import type { RetryOptions } from './retry.js';

/** Every way a mission/fence/rally transfer can end badly (MAVSDK-style result enum). */
export type TransferError =
  | 'timeout' // no answer within a step's deadline (retry.ts)
  | 'link-lost'
  | 'cancelled' // MAV_MISSION_OPERATION_CANCELLED (vehicle gave up, e.g. 'Mission upload timeout')
  | 'no-space' // MAV_MISSION_NO_SPACE
  | 'denied' // MAV_MISSION_DENIED (another GCS is transferring)
  | 'unsupported' // MAV_MISSION_UNSUPPORTED (command not supported)
  | 'unsupported-frame'
  | 'invalid-param' // MAV_MISSION_INVALID_PARAM1..7 / INVALID_PARAM5_X …
  | 'invalid-sequence' // final only if retries are exhausted
  | 'invalid'
  | 'error' // MAV_MISSION_ERROR (e.g. fence 'Invalid vertex count')
  | 'mismatch' // read-back differs from what was sent
  | 'protocol' // peer broke the protocol (e.g. count out of range)
  | 'aborted'; // our caller cancelled (AbortSignal)

export type TransferResult<T = void> =
  | { ok: true; value: T }
  | { ok: false; error: TransferError; message: string /** MAV_MISSION_RESULT when the vehicle said it */; ackType?: number };

export interface TransferProgress {
  missionType: MissionType;
  phase: 'upload' | 'download' | 'clear' | 'verify' | 'params';
  /** Items done so far, of total. */
  done: number;
  total: number;
}

/**
 * Retry policy (retry.ts; defaults hold at 30 % loss each way), clock and the link's round-trip
 * estimate for each step of a transfer, plus whole-transfer attempts.
 */
export interface TransferOptions extends RetryOptions {
  /** Whole-transfer attempts when the vehicle gives up or a step times out (default 3). */
  attempts?: number;
  onProgress?: (p: TransferProgress) => void;
  signal?: AbortSignal;
}

export interface CommandResult {
  ok: boolean;
  /** MAV_RESULT, or -1 when no COMMAND_ACK arrived. */
  result: number;
  resultName: string;
  /** The vehicle's STATUSTEXT reason when it gave one (e.g. 'Arm: Need Position Estimate'). */
  reason?: string;
}

export interface PlanUploadReport {
  ok: boolean;
  /** What failed, when not ok; the vehicle has been cleared or restored, never left half-written. */
  error?: TransferError;
  message?: string;
  uploaded: { mission: number; fence: number; rally: number };
  paramsSet: Record<string, number>;
}

/** One parameter read in a batch: its value, or why the vehicle did not report it (step, tries, time). */
export type ParamReadResult = { ok: true; value: number } | { ok: false; error: string };

/** One vehicle (sysid/compid) reached over a link. */
export interface VehicleLink {
  readonly sysid: number;
  readonly compid: number;
  /** Heartbeats arriving within the link timeout. */
  readonly online: boolean;
  /** Latest state from heartbeats (undefined before the first one). */
  readonly customMode: number | undefined;
  readonly armed: boolean;

  onEvent(listener: (e: VehicleEvent) => void): () => void;

  /** Ask for the telemetry the tracker needs (ArduPilot streams nothing unasked). */
  requestTelemetry(rateHz?: number): Promise<void>;
  setMode(customMode: number): Promise<CommandResult>;
  arm(): Promise<CommandResult>;
  disarm(force?: boolean): Promise<CommandResult>;
  /** MAV_CMD_MISSION_START with param1 = param2 = 0. */
  startMission(): Promise<CommandResult>;
  /** Hold position: BRAKE (or LOITER). */
  pause(mode?: 'BRAKE' | 'LOITER'): Promise<CommandResult>;
  /** Back to AUTO, continuing the mission. */
  resume(): Promise<CommandResult>;
  returnToLaunch(): Promise<CommandResult>;
  land(): Promise<CommandResult>;
  /** Resolves when the EKF has an absolute horizontal position (and GPS fix); rejects with the reason at the deadline. */
  waitReadyToArm(opts?: { timeoutMs?: number; signal?: AbortSignal }): Promise<void>;

  getParam(name: string | string[]): Promise<number>;
  setParam(name: string | string[], value: number): Promise<number>;
  /**
   * Several parameters in as few round trips as the protocol allows (PARAM_REQUEST_READs pipelined,
   * params.ts): each one's value, or why the vehicle did not give it, in the order asked. One
   * parameter the vehicle lacks does not fail the others.
   */
  readParams(names: (string | string[])[]): Promise<ParamReadResult[]>;

  uploadItems(type: MissionType, items: MissionItem[], opts?: TransferOptions): Promise<TransferResult>;
  downloadItems(type: MissionType, opts?: TransferOptions): Promise<TransferResult<MissionItem[]>>;
  clearItems(type: MissionType, opts?: TransferOptions): Promise<TransferResult>;
  /** Upload mission, fence and rally, set the parameters they need, read every part back and compare. */
  uploadPlan(plan: VehiclePlan, opts?: TransferOptions): Promise<PlanUploadReport>;
}

export interface MavlinkConnection {
  vehicles(): VehicleLink[];
  /** First vehicle heard (or the given sysid). Rejects after timeoutMs. */
  waitForVehicle(opts?: { sysid?: number; timeoutMs?: number; signal?: AbortSignal }): Promise<VehicleLink>;
  onVehicle(listener: (v: VehicleLink) => void): () => void;
  /** Every decoded vehicle event from every vehicle on this link. */
  onEvent(listener: (e: VehicleEvent) => void): () => void;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** Our own system id (default 255) and component id (default 190, MAV_COMP_ID_MISSIONPLANNER). */
  sysid?: number;
  compid?: number;
  /** Silence after which a vehicle counts as lost, ms (default 3000). */
  linkTimeoutMs?: number;
  /** MAVLink 2 signing: secret keys per vehicle sysid (32 bytes), and whether unsigned input is refused. */
  signing?: { keys: Record<number, Buffer>; requireSigned: boolean };
}
