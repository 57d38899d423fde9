/**
 * Normalised vehicle events: what the MAVLink layer decodes from a vehicle and what the flight
 * tracker, `medidrop watch` and the live pages consume. One event per decoded message of interest;
 * `t` is the receive time in ms (Date.now() or a simulated clock), `sysid` the vehicle.
 */
export type VehicleEvent =
  | {
      type: 'heartbeat';
      sysid: number;
      t: number;
      customMode: number;
      modeName: string;
      armed: boolean;
      systemStatus: number;
      vehicleType: number;
      autopilot: number;
    }
  | {
      type: 'position';
      sysid: number;
      t: number;
      lat: number;
      lon: number;
      relAltM: number;
      altAmslM: number;
      groundSpeedMs: number;
      headingDeg: number /** GLOBAL_POSITION_INT.time_boot_ms when known: a jump back means the autopilot rebooted. */;
      timeBootMs?: number;
    }
  | { type: 'battery'; sysid: number; t: number; remainingPct: number; voltageV: number; currentA: number }
  | { type: 'gps'; sysid: number; t: number; fixType: number; satellites: number }
  | { type: 'ekf'; sysid: number; t: number; flags: number /** EKF_POS_HORIZ_ABS set and not CONST_POS_MODE */; positionOk: boolean }
  | { type: 'home'; sysid: number; t: number; lat: number; lon: number; altAmslM: number }
  | { type: 'mission-current'; sysid: number; t: number; seq: number; total: number }
  | { type: 'item-reached'; sysid: number; t: number; seq: number }
  | { type: 'statustext'; sysid: number; t: number; severity: number /** chunks already joined */; text: string }
  | { type: 'landed-state'; sysid: number; t: number /** MAV_LANDED_STATE: 1 on ground, 2 in air, 3 taking off, 4 landing */; landedState: number }
  | { type: 'link'; sysid: number; t: number; up: boolean };

export type VehicleEventType = VehicleEvent['type'];

/** ArduCopter flight modes by custom_mode (ArduCopter's mode numbers). */
export const COPTER_MODES: Record<number, string> = {
  0: 'STABILIZE',
  1: 'ACRO',
  2: 'ALT_HOLD',
  3: 'AUTO',
  4: 'GUIDED',
  5: 'LOITER',
  6: 'RTL',
  7: 'CIRCLE',
  9: 'LAND',
  11: 'DRIFT',
  13: 'SPORT',
  14: 'FLIP',
  15: 'AUTOTUNE',
  16: 'POSHOLD',
  17: 'BRAKE',
  18: 'THROW',
  19: 'AVOID_ADSB',
  20: 'GUIDED_NOGPS',
  21: 'SMART_RTL',
  22: 'FLOWHOLD',
  23: 'FOLLOW',
  24: 'ZIGZAG',
  25: 'SYSTEMID',
  26: 'AUTOROTATE',
  27: 'AUTO_RTL',
};
export const COPTER_MODE = { STABILIZE: 0, AUTO: 3, GUIDED: 4, LOITER: 5, RTL: 6, LAND: 9, BRAKE: 17 } as const;
