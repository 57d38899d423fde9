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
  /** The route's height profile for the review page (src/planner/terrain-profile.ts); absent in plans made before it. */
  profile?: TerrainProfile;
}

/** One point of the height profile; heights in metres above home. */
export interface TerrainProfilePoint {
  /** Distance flown from home along the route (outbound, then return). */
  distanceM: number;
  /** Ground under the path (the highest since the previous point when thinned); null: no elevation data. */
  groundM: number | null;
  /** The planned altitude. */
  pathAltM: number;
  /** Top of the highest obstacle crossed since the previous point, or null. */
  obstacleTopM: number | null;
}

/** The route's height profile (src/planner/terrain-profile.ts). */
export interface TerrainProfile {
  /** Heights are metres above the ground at home (the mission's altitude frame). */
  reference: 'home';
  /** Sampling step before thinning, m. */
  stepM: number;
  /** Length of the route, m. */
  lengthM: number;
  /** Where the drop point is along the route, m, or null. */
  dropDistanceM: number | null;
  /** The legal ceiling above the ground, m (120). */
  ceilingAglM: number;
  /** Lowest clearance on the route's horizontal legs (not the failsafe returns) and where. */
  minClearance: { distanceM: number; clearanceM: number; altM: number; surfaceM: number; obstacle?: string } | null;
  points: TerrainProfilePoint[];
}

/** What a plan may use besides the map and the request: the elevation data (loaded once at start-up). */
export interface PlanContext {
  /** Ground heights; without one the ground is taken as flat at the home elevation. */
  dem?: Dem | undefined;
  /**
   * Scheduling only, never the plan: a background plan (a re-plan nobody is waiting on — a zone-map
   * change, a fleet change, a displaced request) waits in the planner pool behind the plans people
   * wait on (a new request, an edit, the form's preview, the pilot's choice of drone).
   */
  background?: boolean;
}

/**
 * The planner's entry point: planDelivery (src/planner/plan-delivery.ts) in-process, or the worker
 * pool's asynchronous one (src/planner/pool.ts); the context carries the DEM.
 */
export type PlanDelivery = (map: ZoneMap, request: PlanRequest, context?: PlanContext) => DeliveryPlan | Promise<DeliveryPlan>;
