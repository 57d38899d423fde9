/**
 * What goes onto the vehicle. The planner produces a VehiclePlan; the MAVLink transfer client
 * uploads it; the emulator and ArduCopter store it. One canonical form, equal to the wire form of
 * MISSION_ITEM_INT, so that comparing an upload with its read-back is a field-by-field affair.
 */
import type { DeliveryMethod } from '../domain/words.js';

/** MAV_MISSION_TYPE: 0 mission, 1 fence, 2 rally. */
export type MissionType = 0 | 1 | 2;
export const MISSION_TYPE = { mission: 0, fence: 1, rally: 2 } as const satisfies Record<string, MissionType>;
export type MissionTypeName = keyof typeof MISSION_TYPE;

export interface MissionItem {
  seq: number;
  /** MAV_FRAME: 6 GLOBAL_RELATIVE_ALT_INT for positions, 2 MISSION for DO_ commands, 0/3 on read-back. */
  frame: number;
  /** MAV_CMD (numeric). */
  command: number;
  current: 0 | 1;
  autocontinue: 0 | 1;
  param1: number;
  param2: number;
  param3: number;
  param4: number;
  /** Latitude in 1e-7 degrees (integer) for global frames; otherwise as the command defines. */
  x: number;
  /** Longitude in 1e-7 degrees (integer) for global frames. */
  y: number;
  /** Altitude in metres (relative to home for frame 3/6). */
  z: number;
  missionType: MissionType;
}

/** Everything one delivery needs on the vehicle. */
export interface VehiclePlan {
  /** seq 0 is the home placeholder (ArduPilot replaces it). */
  mission: MissionItem[];
  fence: MissionItem[];
  rally: MissionItem[];
  /** Parameters the plan relies on (FENCE_ENABLE, FENCE_TYPE, FENCE_ACTION, FENCE_ALT_MAX, …). */
  params: Record<string, number>;
  home: { lat: number; lon: number; altM: number };
  /** The delivery: where the parcel must be released and which mission item does it. */
  delivery: { lat: number; lon: number; seq: number; method: DeliveryMethod };
}

/** NAV_PAYLOAD_PLACE + gripper (default), lower by winch, or land, release and take off again. */
