/**
 * The planning contract: inputs (drone profile, conditions, options) and the DeliveryPlan the
 * planner returns. Planning is pure: the same ZoneMap + PlanRequest give the same DeliveryPlan,
 * byte for byte once serialised.
 */
import type { DeliveryMethod } from '../domain/words.js';
import type { LonLat } from '../geo/types.js';

export interface DroneProfile {
  id: string;
  name: string;
  /** Take-off mass without payload, kg (frame + battery). */
  emptyMassKg: number;
  maxPayloadKg: number;
  /** Usable battery energy at 20 °C, sea level, Wh. */
  batteryWh: number;
  cruiseSpeedMs: number;
  climbRateMs: number;
  descentRateMs: number;
  /** Electrical power hovering at emptyMassKg, sea level, W. */
  hoverPowerW: number;
  /** Electrical power in still-air cruise at emptyMassKg, sea level, W. */
  cruisePowerW: number;
  /** Energy that must be left on landing, % of battery. */
  reservePct: number;
  /** Cruise height above take-off, m (kept under the legal 120 m with a margin). */
  cruiseAltitudeM: number;
  /** Strongest wind the airframe is rated for, m/s. */
  maxWindMs: number;
  deliveryMethod: DeliveryMethod;
}

export interface Wind {
  speedMs: number;
  /** Direction the wind blows FROM, degrees true (meteorological convention). */
  fromDeg: number;
}

export interface Conditions {
  payloadKg: number;
  wind: Wind;
  temperatureC: number;
  /** Ground altitude of the site AMSL, m. Defaults to the map's siteAltitudeM. */
  siteAltitudeM?: number;
  /** Charge the drone's battery reports, % of the pack; absent: full (energy.ts "Margin and reserve"). */
  batteryRemainingPct?: number;
}

export interface PlanOptions {
  /** Distance kept from every no-fly area, m (default 30). */
  clearanceM: number;
  /** Legal ceiling above ground, m (China: 120). */
  maxHeightM: number;
  /** Margin kept under the ceiling, m (default 20 → cruise ≤ 100 m). */
  heightMarginM: number;
  /** Vertical clearance kept above the terrain and the obstacles, m (default 30). */
  verticalClearanceM: number;
  /**
   * With a DEM or obstacles, change the altitude leg by leg to keep the clearance and the ceiling
   * (default true). false: fly the constant cruise above home and only check the path (the plan is
   * infeasible where it breaks a limit).
   */
  followTerrain: boolean;
}

export type PlaceRef = { name: string } | { position: LonLat };

export interface PlanRequest {
  from: PlaceRef;
  to: PlaceRef;
  drone: DroneProfile;
  conditions: Conditions;
  options?: Partial<PlanOptions>;
}

/**
 * Why something failed, machine-readable (code, for translated UIs) and human-readable. `params`
 * carries the numbers and names the message states, so that a page can say the same in its own
 * language ("payload 8 kg exceeds the 1.5 kg maximum" → {payloadKg: 8, maxPayloadKg: 1.5}).
 */
export interface Reason {
  code: string;
  message: string;
  params?: Record<string, string | number>;
}

/**
 * One check of a plan. `detail` names the sentence the message is (a page says it in its own
 * language as `checkDetail.<detail>` with `params`), e.g. 'route-clear.ok' with {clearanceM: 30}.
 */
export interface Check {
  id: string;
  ok: boolean;
  /** English; pages translate `detail` with `params` (and name the check by id). */
  message: string;
  detail: string;
  params: Record<string, string | number>;
}

export interface LegEstimate {
  from: LonLat;
  to: LonLat;
  distanceM: number;
  /** Ground speed along the leg with the wind, m/s. */
  groundSpeedMs: number;
  durationS: number;
  energyWh: number;
}

export interface FenceSummary {
  /** Items in the fence upload (inclusion + exclusion vertices, circles, return point). */
  items: number;
  vertices: number;
  /** No-fly areas uploaded as exclusion polygons. */
  excludedAreas: string[];
  /** No-fly areas not in the fence (storage full or far away): only the route keeps clear of them. */
  leftToRoute: string[];
}

export interface RallySummary {
  points: LonLat[];
  /** Parts of the route from which a straight failsafe return could cross a no-fly area. */
  /** fromM / toM: the stretch along the leg (metres) whose straight failsafe return crosses a no-fly area; absent in plans stored before. */
  unsafeLegs: { legIndex: number; fromM?: number; toM?: number; message: string }[];
}
