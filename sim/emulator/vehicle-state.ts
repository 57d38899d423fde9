/**
 * The one state object of an emulated ArduCopter, shared by every part of the emulator (boot, flight,
 * the AUTO executor, payload, failsafes, commands, telemetry). The parts are small classes or plain
 * functions that hold a reference to this object; none of them keeps vehicle state of its own. Also
 * the words the parts share: flight modes, STATUSTEXT severities, command results, mission phases.
 */
import type { MissionItem } from '../../src/missions/types.js';
import { toNE, type LatLon, type NE } from './geo.js';
import type { FenceShapes } from './mission-store.js';
import type { ParamTable } from './params.js';
import { windVector, type Body, type Wind } from './physics.js';

export const MODE = { STABILIZE: 0, ALT_HOLD: 2, AUTO: 3, GUIDED: 4, LOITER: 5, RTL: 6, LAND: 9, BRAKE: 17 } as const;
export const MODE_NAMES: Record<number, string> = { 0: 'STABILIZE', 2: 'ALT_HOLD', 3: 'AUTO', 4: 'GUIDED', 5: 'LOITER', 6: 'RTL', 9: 'LAND', 17: 'BRAKE' };
export const GPS_MODES = new Set<number>([MODE.AUTO, MODE.GUIDED, MODE.LOITER, MODE.RTL, MODE.BRAKE]);

export const SEV = { EMERGENCY: 0, ALERT: 1, CRITICAL: 2, ERROR: 3, WARNING: 4, NOTICE: 5, INFO: 6 } as const;
export const RESULT = { ACCEPTED: 0, TEMPORARILY_REJECTED: 1, DENIED: 2, UNSUPPORTED: 3, FAILED: 4 } as const;

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

export type NavPhase =
  | { kind: 'takeoff'; alt: number; startedAt: number }
  | { kind: 'goto'; target: NE; alt: number; holdS: number; arrivedAt?: number; forever?: boolean }
  | { kind: 'rtl'; rtl: RtlState }
  | { kind: 'land'; target: NE; flyFirst: boolean; touchedAt?: number }
  | {
      kind: 'payload';
      target: NE;
      startAlt: number;
      maxDescent: number;
      stage: 'fly' | 'descend' | 'settle' | 'release' | 'ascend';
      stageAt: number;
      descentStartAlt: number;
      placedAt?: number;
    }
  | { kind: 'delay'; until: number }
  | { kind: 'alt'; alt: number };

export interface RtlState {
  stage: 'climb' | 'return' | 'loiter' | 'land' | 'landed';
  target: NE;
  alt: number;
  stageAt: number;
}

/** A point in the local frame: metres north/east of the start, altitude above the start ground. */
export interface LocalPoint {
  n: number;
  e: number;
  alt: number;
}

export interface VehicleState {
  sysid: number;
  /** Where the vehicle powered up: the origin of its local frame (n/e/alt of `body`). */
  readonly start: LatLon & { altM: number };
  readonly readyAfterS: number;
  /** Raised surfaces in the local frame: centre, radius, height of the top above the start ground. */
  readonly surfaces: { n: number; e: number; r: number; h: number }[];
  /** The ground's height AMSL at a place (a DEM), or undefined: flat at the start altitude. */
  readonly terrain: ((lat: number, lon: number) => number | undefined) | undefined;
  readonly params: ParamTable;
  nowS: number;

  // boot / link
  booted: boolean;
  bootAt: number;
  bootStage: number;
  nextHeartbeat: number;
  linkDownUntil: number;
  /** Message id → stream interval and next send time (REQUEST_DATA_STREAM, SET_MESSAGE_INTERVAL). */
  readonly streams: Map<number, { interval: number; next: number }>;
  rebootAt: number | undefined;
  /** Power removed (a battery swap) until this sim time: the firmware is off, then boots again. */
  powerOffUntil: number | undefined;
  /** AP_Arming::update's state, ms since boot (reset at every boot). */
  prearm: { lastRunMs: number; lastDisplayMs: number; reportImmediately: boolean; lastPassed: boolean };
  rebootCount: number;
  nextTimesync: number;
  gcsHeardAt: number | undefined;
  gcsFailsafe: boolean;

  // sensors
  gpsFix: boolean;
  gpsLostAt: number | undefined;
  ekfPosition: boolean;
  prearmHealthy: boolean;
  ekfFailsafe: boolean;

  // flight
  modeNum: number;
  isArmed: boolean;
  armedAt: number;
  isLanded: boolean;
  tookOff: boolean;
  readonly body: Body;
  homePos: (LatLon & { altM: number }) | undefined;
  originSet: boolean;
  wind: Wind;
  windSpec: { speedMs: number; fromDeg: number };
  hold: LocalPoint;
  guidedTarget: LocalPoint | undefined;
  landTarget: NE | undefined;
  rtl: RtlState | undefined;
  speeds: { h: number | undefined; up: number | undefined; down: number | undefined };

  // payload
  /** The parcel has been let go (from the moment a release starts). */
  gripperReleased: boolean;
  /**
   * AP_Gripper_Servo's state: NEUTRAL at boot (init_gripper), GRABBING / RELEASING while the servo
   * moves (SERVO_ACTUATION_TIME, 0.5 s), then GRABBED / RELEASED; `at` = when the servo was commanded.
   */
  gripper: { state: 'neutral' | 'grabbing' | 'releasing' | 'grabbed' | 'released'; at: number };
  readonly releases: ReleaseRecord[];
  /** Winch line (WINCH_TYPE ≠ 0): paid-out length, where it is heading, how fast. */
  /**
   * AP_Winch_PWM's line: `lengthM` is its estimate (line_length, integrated from the desired rate, not
   * stopped by the ground: the parcel resting there leaves the line slack), `targetM` where position
   * control takes it (length_desired), `rateMs` the rate limit (or the commanded rate), `mode` position
   * (P controller, WINCH_POS_P) or rate.
   */
  winch: { lengthM: number; targetM: number; rateMs: number; mode?: 'position' | 'rate' };

  // battery
  consumedMah: number;
  currentA: number;
  batteryFailed: boolean;
  batteryFs: 0 | 1 | 2;

  // fence
  fenceBreach: string | undefined;
  fenceBreachCount: number;
  fenceCache: { items: MissionItem[]; shapes: FenceShapes } | undefined;
  /**
   * AC_Fence::_enabled_fences (ArduCopter 4.5+): FENCE_TYPE is copied in only when FENCE_ENABLE changes
   * (AC_Fence::update) or by MAV_CMD_DO_FENCE_ENABLE; a FENCE_TYPE written while the fence is on adds no
   * fence. Latched at boot from the stored parameters.
   */
  fenceMask: number;
  fenceEnableSeen: number;

  // mission storage and execution
  missionItems: MissionItem[];
  fenceItems: MissionItem[];
  rallyItems: MissionItem[];
  missionState: 'idle' | 'running' | 'paused' | 'complete';
  navIndex: number;
  nav: NavPhase | undefined;
  readonly jumpCounts: Map<number, number>;
  disarmAfterLanding: number | undefined;

  /** Every STATUSTEXT the vehicle produced (sent or not, e.g. during a link drop). */
  readonly statusTexts: { t: number; severity: number; text: string }[];
  /** MISSION_ITEM_REACHED seqs, in order. */
  readonly reached: number[];
}

export interface VehicleStateInit {
  sysid: number;
  home: { lat: number; lon: number; altM: number };
  readyAfterS: number;
  surfaces: Surface[];
  terrain?: ((lat: number, lon: number) => number | undefined) | undefined;
  params: ParamTable;
  wind: { speedMs: number; fromDeg: number };
}

/** A vehicle powered up on the ground at `home`, not yet booted, disarmed in STABILIZE. */
export function createVehicleState(init: VehicleStateInit): VehicleState {
  const start = { lat: init.home.lat, lon: init.home.lon, altM: init.home.altM };
  return {
    sysid: init.sysid,
    start,
    readyAfterS: init.readyAfterS,
    surfaces: init.surfaces.map((sf) => {
      const ne = toNE(start, sf);
      return { n: ne.n, e: ne.e, r: sf.radiusM, h: sf.topAltM - init.home.altM };
    }),
    terrain: init.terrain,
    params: init.params,
    nowS: 0,

    booted: false,
    bootAt: 0,
    bootStage: 0,
    nextHeartbeat: 0,
    linkDownUntil: -1,
    streams: new Map(),
    rebootAt: undefined,
    powerOffUntil: undefined,
    prearm: { lastRunMs: -Infinity, lastDisplayMs: 0, reportImmediately: false, lastPassed: false },
    rebootCount: 0,
    nextTimesync: 0,
    gcsHeardAt: undefined,
    gcsFailsafe: false,

    gpsFix: false,
    gpsLostAt: undefined,
    ekfPosition: false,
    prearmHealthy: false,
    ekfFailsafe: false,

    modeNum: MODE.STABILIZE,
    isArmed: false,
    armedAt: 0,
    isLanded: true,
    tookOff: false,
    body: { n: 0, e: 0, alt: 0, vn: 0, ve: 0, vu: 0 },
    homePos: undefined,
    originSet: false,
    windSpec: { ...init.wind },
    wind: windVector(init.wind.speedMs, init.wind.fromDeg),
    hold: { n: 0, e: 0, alt: 0 },
    guidedTarget: undefined,
    landTarget: undefined,
    rtl: undefined,
    speeds: { h: undefined, up: undefined, down: undefined },

    gripperReleased: false,
    gripper: { state: 'neutral', at: 0 },
    releases: [],
    winch: { lengthM: 0, targetM: 0, rateMs: 0 },

    consumedMah: 0,
    currentA: 0,
    batteryFailed: false,
    batteryFs: 0,

    fenceBreach: undefined,
    fenceBreachCount: 0,
    fenceCache: undefined,
    fenceMask: 0,
    fenceEnableSeen: 0,

    missionItems: [],
    fenceItems: [],
    rallyItems: [],
    missionState: 'idle',
    navIndex: 0,
    nav: undefined,
    jumpCounts: new Map(),
    disarmAfterLanding: undefined,

    statusTexts: [],
    reached: [],
  };
}
