/**
 * The planner pool: planning and zone-map validation in worker threads (piscina), so that a long
 * plan or a map at the feature and vertex limits never stalls the service's event loop (live
 * tracking, the API). It offers the same two functions the dispatcher takes, made asynchronous.
 *
 * - Size: `size` workers (MEDIDROP_PLAN_WORKERS; default min(cores − 1, 4), at least 1). Size 0
 *   plans in-process, on the event loop, as before the pool existed.
 * - Maps cross once per worker: each map the pool has seen gets an id (a WeakMap on the map
 *   object). A plan is sent with the id only; a worker that does not hold that map answers "miss"
 *   and the plan is sent again with the map — its JSON text when the pool parsed it, which costs the
 *   event loop a string copy, not a structured clone of every polygon — and the worker keeps it. A
 *   map parsed through the pool is already held by the worker that parsed it. Plans started
 *   together before any worker has the map may each miss once (a burst per new map, not per plan).
 * - Two queues: the pool keeps at most TASKS_PER_WORKER tasks in each worker — the one being
 *   planned and the next ones already posted to the worker's own message queue, so that a worker
 *   goes from one plan to the next without waiting for the event loop to hand it another (under a
 *   burst the event loop is busy answering requests, and a worker that waited for it between plans
 *   idled for a third of the burst) — and holds the rest itself. Plans people wait on go first;
 *   background plans (PlanContext.background: re-plans after a zone-map or fleet change,
 *   displaced requests) go when no other plan waits. A background plan
 *   asked for again in the foreground is moved up. Under a burst of new requests while a zone-map
 *   change re-plans everything open, the new requests are answered first.
 * - Identical plans are made once: planning is pure (the same map and request give the same plan),
 *   so a plan asked for again on the same map — two drones of one depot and one profile, a request
 *   re-planned with nothing changed — is answered from the last MEMO_PLANS plans (or joins the
 *   one in progress). A failed plan is not kept. Plans are shared, so callers treat them as
 *   read-only (the dispatcher only stores and shows them).
 * - Failures: a plan that throws in a worker comes back as a rejected promise with the worker's
 *   message (the dispatcher turns it into a planner-error reason); a worker that dies (crash, out of
 *   memory, terminated) fails only the tasks it held (at most TASKS_PER_WORKER), and piscina starts
 *   a new one.
 * - The worker is the compiled dist/src/planner/worker.js, found next to this module. Run from
 *   TypeScript sources (vitest), there is no .js beside it: the pool then plans in-process and says
 *   so once in the log; tests that exercise the workers give `workerFile` (the dist build).
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { ZoneMap } from '../geo/types.js';
import { ZoneMapError } from '../geo/types.js';
import { parseZoneMap } from '../geo/zone-map.js';
import type { PlanRequest } from '../planning/types.js';
import { PlanRequestError, planDelivery } from './plan-delivery.js';
import type { DeliveryPlan, PlanContext } from './types.js';
import type { Dem } from '../geo/dem/types.js';
import type { PlannerWorkerData, WorkerResult, WorkerTask } from './worker-protocol.js';
import { createLogger } from '../log.js';

const log = createLogger('planner-pool');

/** Workers by default: leave a core to the event loop, and a handful is plenty for a county desk. */
export function defaultPlanWorkers(cores = availableParallelism()): number {
  return Math.max(1, Math.min(cores - 1, 4));
}

export interface PlannerPool {
  /** Worker threads planning; 0 when planning runs in-process. */
  readonly size: number;
  /** The context's DEM is the pool's own (given at creation); only its `background` is read here. */
  planDelivery(map: ZoneMap, request: PlanRequest, context?: PlanContext): DeliveryPlan | Promise<DeliveryPlan>;
  /** Validate a zone map (throws ZoneMapError with every issue, like parseZoneMap). */
  parseZoneMap(json: unknown, source?: string): ZoneMap | Promise<ZoneMap>;
  /** The live worker threads (health checks and tests). */
  threads(): readonly { terminate(): Promise<number> }[];
  /** Plans made, and how many times a whole map had to be sent to a worker with a plan. */
  stats(): { plans: number; mapsSent: number };
  close(): Promise<void>;
}

export interface PlannerPoolOptions {
  size: number;
  /** DEM files or directories (MEDIDROP_DEM): each worker loads them itself, on its first plan. */
  dem?: readonly string[];
  /** The DEM as loaded in this thread, for planning in-process (size 0, or no worker script). */
  demInProcess?: Dem | undefined;
  /** The compiled worker script; default: worker.js next to this module. */
  workerFile?: string;
}

const WORKER_FILE = fileURLToPath(new URL('./worker.js', import.meta.url));
/** Plans remembered by (map, request): most candidates of a busy queue (~150 requests × 3 depots); ~40 kB of heap each, so kept to 20 MB (a major GC pause grows with it). */
const MEMO_PLANS = 512;
/**
 * Tasks posted to a worker at once (see the module comment): enough that the next plan is always
 * there (a plan takes 2–3 ms; the event loop may take longer to answer under load), few enough
 * that a plan someone waits on never queues behind more than two background plans in a worker.
 */
const TASKS_PER_WORKER = 3;

export function createPlannerPool(o: PlannerPoolOptions): PlannerPool {
  const file = o.workerFile ?? WORKER_FILE;
  if (o.size <= 0) return inProcess(o.demInProcess);
  if (!existsSync(file)) {
    log.warn({ file }, 'planner worker script not found (running from TypeScript sources?): planning in-process');
    return inProcess(o.demInProcess);
  }
  const workerData: PlannerWorkerData = { dem: [...(o.dem ?? [])] };
  const piscina = new Piscina<WorkerTask, WorkerResult>({
    filename: file,
    minThreads: o.size,
    maxThreads: o.size,
    idleTimeout: Number.POSITIVE_INFINITY,
    concurrentTasksPerWorker: TASKS_PER_WORKER,
    workerData,
  });
  const known = new WeakMap<ZoneMap, { id: number; text?: string; source?: string }>();
  let nextId = 1;
  const counts = { plans: 0, mapsSent: 0 };
  const entryOf = (map: ZoneMap) => {
    let entry = known.get(map);
    if (!entry) {
      entry = { id: nextId++ };
      known.set(map, entry);
    }
    return entry;
  };
  // The two queues (see the module comment): tasks beyond `size` + 1 in the workers wait here.
  type Queued = { task: WorkerTask; resolve: (r: WorkerResult) => void; reject: (e: unknown) => void };
  const waiting = { now: [] as Queued[], background: [] as Queued[] };
  let inWorkers = 0;
  const pump = () => {
    while (inWorkers < o.size * TASKS_PER_WORKER) {
      const next = waiting.now.shift() ?? waiting.background.shift();
      if (!next) return;
      inWorkers++;
      piscina.run(next.task).then(
        (r) => {
          inWorkers--;
          next.resolve(r);
          pump();
        },
        (err: unknown) => {
          inWorkers--;
          // The worker died under the task (it is replaced); the caller gets an ordinary error.
          next.reject(new Error(`planner worker failed: ${err instanceof Error ? err.message : String(err)}`));
          pump();
        },
      );
    }
  };
  /** Queue a task; `lane.background` may be cleared later (promote) to move it up. */
  const run = (task: WorkerTask, lane: { background: boolean; promote?: () => void } = { background: false }): Promise<WorkerResult> =>
    new Promise<WorkerResult>((resolve, reject) => {
      const item: Queued = { task, resolve, reject };
      if (lane.background) {
        waiting.background.push(item);
        lane.promote = () => {
          const i = waiting.background.indexOf(item);
          if (i >= 0) {
            waiting.background.splice(i, 1);
            waiting.now.push(item);
            pump();
          }
        };
      } else waiting.now.push(item);
      pump();
    });
  const fail = (res: WorkerResult): never => {
    if (res.kind === 'invalid-map') throw new ZoneMapError(res.issues);
    if (res.kind === 'error') throw res.code ? new PlanRequestError(res.code, res.message) : new Error(res.message);
    throw new Error(`planner worker answered ${res.kind}`);
  };
  type Lane = { background: boolean; promote?: () => void };
  const memo = new Map<string, { plan: Promise<DeliveryPlan>; lane: Lane }>();
  const plan = async (map: ZoneMap, request: PlanRequest, lane: Lane): Promise<DeliveryPlan> => {
    const entry = entryOf(map);
    counts.plans++;
    let res = await run({ kind: 'plan', mapId: entry.id, request }, lane);
    if (res.kind === 'map-miss') {
      counts.mapsSent++;
      const payload = entry.text !== undefined ? { text: entry.text, ...(entry.source !== undefined ? { source: entry.source } : {}) } : { map };
      res = await run({ kind: 'plan', mapId: entry.id, ...payload, request }, lane);
    }
    return res.kind === 'planned' ? res.plan : fail(res);
  };
  return {
    size: o.size,
    planDelivery(map, request, context) {
      const background = context?.background === true;
      const key = `${entryOf(map).id}:${JSON.stringify(request)}`;
      const known = memo.get(key);
      if (known) {
        // most recently used last
        memo.delete(key);
        memo.set(key, known);
        if (!background && known.lane.background) {
          known.lane.background = false;
          known.lane.promote?.();
        }
        return known.plan;
      }
      const lane: Lane = { background };
      const made = plan(map, request, lane);
      memo.set(key, { plan: made, lane });
      while (memo.size > MEMO_PLANS) memo.delete(memo.keys().next().value as string);
      made.catch(() => memo.delete(key));
      return made;
    },
    async parseZoneMap(json, source) {
      const mapId = nextId++;
      const text = JSON.stringify(json);
      if (text === undefined) throw new Error('a zone map must be a GeoJSON FeatureCollection, got nothing');
      const res = await run({ kind: 'parse', mapId, text, ...(source !== undefined ? { source } : {}) });
      if (res.kind !== 'parsed') return fail(res);
      // The parsing worker holds this map under mapId; the others get its text on their first miss.
      known.set(res.map, { id: mapId, text, ...(source !== undefined ? { source } : {}) });
      return res.map;
    },
    threads: () => piscina.threads,
    stats: () => ({ ...counts }),
    close: () => piscina.destroy(),
  };
}

function inProcess(dem: Dem | undefined): PlannerPool {
  let plans = 0;
  return {
    size: 0,
    planDelivery: (map, request) => {
      plans++;
      return planDelivery(map, request, dem ? { dem } : undefined);
    },
    parseZoneMap,
    threads: () => [],
    stats: () => ({ plans, mapsSent: 0 }),
    close: async () => {},
  };
}
