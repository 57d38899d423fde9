/**
 * The messages between the planner pool (src/planner/pool.ts, main thread) and its workers
 * (src/planner/worker.ts). Plain data only: everything crosses a structured clone. Errors come back
 * as results rather than thrown, because a thrown error loses its own fields (ZoneMapError.issues,
 * PlanRequestError.code) on the way through the worker boundary.
 */
import type { MapIssue, ZoneMap } from '../geo/types.js';
import type { PlanRequest } from '../planning/types.js';
import type { DeliveryPlan } from './types.js';

export type WorkerTask =
  /** Validate a zone map given as JSON text, and keep it as `mapId` for the plans that follow. */
  | { kind: 'parse'; mapId: number; text: string; source?: string }
  /**
   * Plan on map `mapId`. The map comes along only when the worker said it does not have it (a
   * miss): as its JSON text when the pool parsed it (a string crosses threads as a plain copy; the
   * worker validates it again), else as the parsed map.
   */
  | { kind: 'plan'; mapId: number; map?: ZoneMap; text?: string; source?: string; request: PlanRequest };

export type WorkerResult =
  | { kind: 'parsed'; map: ZoneMap }
  | { kind: 'invalid-map'; issues: MapIssue[] }
  | { kind: 'planned'; plan: DeliveryPlan }
  /** The worker does not hold map `mapId`: send it again with the map. */
  | { kind: 'map-miss' }
  | { kind: 'error'; name: string; code?: string; message: string };

/** What every worker is started with (piscina workerData). */
export interface PlannerWorkerData {
  /** DEM files or directories to plan over (MEDIDROP_DEM); empty: flat ground. */
  dem: string[];
}
