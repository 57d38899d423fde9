/**
 * The planner's product: a whole delivery plan for one drop request on one drone — route, energy,
 * checks, fence, rally points and the items to upload — and the planner's entry point type. It sits
 * above planning (route, energy) and missions (mission, fence and rally items), which it composes.
 */
import type { Dem } from '../geo/dem/types.js';
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
  /** The flown path checked against the ground and the obstacles; null when no mission was built. */
  terrain: TerrainReport | null;
}

/** A place on the checked path. */
export interface TerrainPlace {
  lat: number;
  lon: number;
  /** Which part of the path: "outbound route", "descent", "failsafe return to home from 840 m along the route" … */
  part: string;
  obstacle?: string;
}

/** The plan's terrain section (src/planner/terrain.ts). Heights in metres, AMSL unless said otherwise. */
export interface TerrainReport {
  /** The DEM used (files and resolution), or null: flat ground assumed at the home elevation. */
  dem: string | null;
  groundModel: 'dem' | 'flat';
  /** Ground elevation at home (the DEM's at the depot, or the site altitude on flat ground). */
  homeGroundM: number;
  /** The limits checked: vertical clearance above terrain and obstacles, height above ground. */
  requiredClearanceM: number;
  maxAglLimitM: number;
  /** For each of plan.waypoints, in order: the ground under it and its height above that ground (null: no data). */
  waypoints: { groundM: number | null; aglM: number | null }[];
  /**
   * Over the whole sampled path (every 10 m, failsafe returns included); null when nothing was
   * sampled. The clearance leaves out the take-off, the landing and the descent to the drop point,
   * which reach the ground by design (they are still checked to stay above it).
   */
  minClearanceM: number | null;
  minClearanceAt: TerrainPlace | null;
  maxAglM: number | null;
  maxAglAt: TerrainPlace | null;
  samples: number;
  /** Straight failsafe returns checked (one from every sampled point of the horizontal legs). */
  failsafeReturns: number;
  /** The first place each limit is broken (codes: terrain-clearance, height-above-ground, dem-no-coverage). */
  violations: (TerrainPlace & { code: string; message: string; params: Record<string, string | number> })[];
}

/** What a plan may use besides the map and the request: the elevation data (loaded once at start-up). */
export interface PlanContext {
  /** Ground heights; without one the ground is taken as flat at the home elevation. */
  dem?: Dem | undefined;
}

/**
 * The planner's entry point: planDelivery (src/planner/plan-delivery.ts) in-process, or the worker
 * pool's asynchronous one (src/planner/pool.ts); the context carries the DEM.
 */
export type PlanDelivery = (map: ZoneMap, request: PlanRequest, context?: PlanContext) => DeliveryPlan | Promise<DeliveryPlan>;
