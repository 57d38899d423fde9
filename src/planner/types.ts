/**
 * The planner's product: a whole delivery plan for one drop request on one drone — route, energy,
 * checks, fence, rally points and the items to upload — and the planner's entry point type. It sits
 * above planning (route, energy) and missions (mission, fence and rally items), which it composes.
 */
import type { LonLat, ZoneMap } from '../geo/types.js';
import type { VehiclePlan } from '../missions/types.js';
import type { Check, FenceSummary, LegEstimate, PlanRequest, RallySummary, Reason } from '../planning/types.js';

export interface DeliveryPlan {
  feasible: boolean;
  reasons: Reason[];
  checks: Check[];
  depot: { name: string; position: LonLat };
  dropPoint: { name: string; position: LonLat };
  /** Depot → drop point and drop point → depot polylines, [lon, lat]. */
  outbound: LonLat[];
  inbound: LonLat[];
  /** Flight waypoints as [lat, lon, relative altitude m] (the order pilots read). */
  waypoints: [lat: number, lon: number, altM: number][];
  cruiseAltitudeM: number;
  distanceM: number;
  durationS: number;
  energyWh: number;
  /** Energy left on landing beyond what was used, % of (temperature/altitude-derated) battery. */
  marginPct: number;
  legs: LegEstimate[];
  fence: FenceSummary;
  rally: RallySummary;
  /** The items to upload; null when no route exists. */
  vehiclePlan: VehiclePlan | null;
}

/**
 * The planner's entry point: planDelivery (src/planner/plan-delivery.ts) in-process, or the worker
 * pool's asynchronous one (src/planner/pool.ts).
 */
export type PlanDelivery = (map: ZoneMap, request: PlanRequest) => DeliveryPlan | Promise<DeliveryPlan>;
