/**
 * A planner worker thread (run by piscina from src/planner/pool.ts): validates zone maps and plans
 * deliveries off the service's event loop. It keeps the last few maps it has seen by id, so a map
 * crosses to each worker once, not with every plan; the prepared route graph of a map
 * (preparedFor in plan-delivery.ts, cached per map object) is then built once per worker too.
 */
import { parseZoneMap } from '../geo/zone-map.js';
import { ZoneMapError, type ZoneMap } from '../geo/types.js';
import { PlanRequestError, planDelivery } from './plan-delivery.js';
import { workerData } from 'node:worker_threads';
import { loadDem } from '../geo/dem/load.js';
import type { Dem } from '../geo/dem/types.js';
import type { PlannerWorkerData, WorkerResult, WorkerTask } from './worker-protocol.js';

/** The service's DEM, loaded by this worker on its first plan (directory tiles on first use). */
const demPaths = ((workerData as PlannerWorkerData | undefined)?.dem ?? []) as string[];
let demLoading: Promise<Dem> | null = null;
function demOf(): Promise<Dem> | null {
  if (demPaths.length === 0) return null;
  if (!demLoading) demLoading = loadDem(demPaths);
  return demLoading;
}

/** Maps kept per worker: the current one, plus the previous ones still being re-planned away from. */
const KEEP_MAPS = 3;
const maps = new Map<number, ZoneMap>();

function remember(id: number, map: ZoneMap): void {
  maps.delete(id);
  maps.set(id, map);
  while (maps.size > KEEP_MAPS) maps.delete(maps.keys().next().value as number);
}

export default async function run(task: WorkerTask): Promise<WorkerResult> {
  try {
    if (task.kind === 'parse') {
      const map = parseZoneMap(JSON.parse(task.text), task.source);
      remember(task.mapId, map);
      return { kind: 'parsed', map };
    }
    let map = maps.get(task.mapId);
    if (!map) {
      if (task.text !== undefined) map = parseZoneMap(JSON.parse(task.text), task.source);
      else if (task.map) map = task.map;
      else return { kind: 'map-miss' };
      remember(task.mapId, map);
    }
    const dem = await demOf();
    return { kind: 'planned', plan: planDelivery(map, task.request, dem ? { dem } : undefined) };
  } catch (err) {
    if (err instanceof ZoneMapError) return { kind: 'invalid-map', issues: err.issues };
    if (err instanceof PlanRequestError) return { kind: 'error', name: err.name, code: err.code, message: err.message };
    return { kind: 'error', name: err instanceof Error ? err.name : 'Error', message: err instanceof Error ? err.message : String(err) };
  }
}
