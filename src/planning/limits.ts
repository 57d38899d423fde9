/**
 * The planner's limits and defaults: clearance from no-fly areas, the legal height ceiling and its
 * margin, fence margins and the altitude fence for a cruise altitude. Pure values, shared by the
 * planner (src/planner/plan-delivery.ts) and by the rebuild of a `.plan`'s parameters
 * (src/missions/plan-params.ts), so both derive the same numbers.
 */
import type { PlanOptions } from './types.js';

export const DEFAULT_PLAN_OPTIONS: Readonly<PlanOptions> = Object.freeze({
  clearanceM: 30,
  maxHeightM: 120,
  heightMarginM: 20,
  verticalClearanceM: 30,
  followTerrain: true,
});
/** Margin of the inclusion fence around the route, m. */
export const INCLUSION_MARGIN_M = 150;
/** Most vertices the inclusion polygon may use (the rest of the storage goes to exclusions). */
export const INCLUSION_MAX_VERTICES = 10;
/** Legs are re-checked against 99 % of the clearance (points are rounded to 1e-7° ≈ 1 cm). */
export const CLEARANCE_TOLERANCE = 0.99;
/** FENCE_MARGIN, m. */
export const FENCE_MARGIN_M = 3;
/** Lowest sensible cruise height above take-off, m (rooftops and trees). */
export const MIN_CRUISE_ALTITUDE_M = 30;

/**
 * FENCE_ALT_MAX for a cruise altitude: half the height margin above the cruise, never above the legal
 * ceiling. Also used to rebuild the parameters of a `.plan` that lost its medidrop member
 * (src/missions/plan-params.ts), with the default options every front end plans with.
 */
export function fenceCeilingM(cruiseAltitudeM: number, opts: Pick<PlanOptions, 'maxHeightM' | 'heightMarginM'> = DEFAULT_PLAN_OPTIONS): number {
  return Math.min(opts.maxHeightM, cruiseAltitudeM + opts.heightMarginM / 2);
}
