/**
 * Dispatch: plan every drop request as soon as it is queued (and again when the zone map, the fleet
 * or the request changes), choosing among the enabled drones — each flying from the depot it is
 * based at — by the fleet's state (fleet-view.ts; README "Fleet-aware dispatch"): a feasible plan
 * first; a drone free now before one free later (in flight, returning, turning around, or claimed by
 * a waiting request ahead in the queue), the earliest first; then the best energy margin; then the
 * drone id. An offline drone is not planned on. The battery is the one the drone reports. When a
 * planned drone stops being available before approval, its waiting requests are planned again.
 * Requests no drone can serve keep the reasons why. The pilots' queue is ordered by urgency
 * (critical first), then age.
 */
import type { DroneProfile, PlanRequest, Reason } from '../planning/types.js';
import type { DroneAvailability } from './drone-availability.js';
import type { DeliveryPlan, PlanDelivery } from '../planner/types.js';
import type { ZoneMap } from '../geo/types.js';
import { ZoneMapError } from '../geo/types.js';
import { zoneMapToWgs84 } from '../geo/zone-map-crs.js';
import { toWgs84 } from '../geo/crs.js';
import type { Repositories } from '../store/repositories.js';
import type { Candidate, DropRequestRecord, MissionBrief, MissionRecord, PlanningConditions, ZoneMapRecord } from '../store/records.js';
import type { CoordinateSystem, DropRequestFields, RequestStatus } from '../domain/words.js';
import type { DroneState } from '../domain/words.js';
import type { EventBus } from './events.js';
import { ServiceError } from './errors.js';
import type { FleetView } from './fleet-view.js';
import { outboundDurationS, queueOrder } from './queue-eta.js';
import { createLogger } from '../log.js';

const log = createLogger('dispatch');
/** The longest a background re-plan waits for plans someone waits on (yieldToInteractive), ms. */
const YIELD_MAX_MS = 250;
/** The longest fleet-triggered re-plans are gathered while plans someone waits on are under way, ms. */
const PASS_WAIT_MAX_MS = 2000;

export interface Weather {
  windSpeedMs: number;
  windFromDeg: number;
  temperatureC: number;
}

export interface DispatcherDeps {
  repos: Repositories;
  bus: EventBus;
  planDelivery: PlanDelivery;
  /** In-process (sync) or through the planner pool (async). */
  parseZoneMap: (json: unknown, sourceName?: string) => ZoneMap | Promise<ZoneMap>;
  profiles: Map<string, DroneProfile>;
  weather: Weather;
  /** Drones kept out of planning by a stranded or lost flight (src/dispatch/drone-availability.ts). */
  availability?: DroneAvailability;
}

export interface PlanOutcome {
  status: RequestStatus;
  mission: MissionRecord | null;
  reasons: Reason[];
  /** false: nothing was stored (changed meanwhile, or the pilot's chosen drone cannot fly it). */
  changed?: boolean;
}

export interface Tried {
  candidate: Candidate;
  plan: DeliveryPlan | null;
}

export class Dispatcher {
  private map: { record: ZoneMapRecord; map: ZoneMap } | null = null;
  /** The stored map being loaded (parsed in a worker when planning runs in the pool). */
  private readonly loading: Promise<void>;
  private fleet: FleetView | null = null;
  /** Fleet-triggered re-plans waiting for the next pass (queueReplan). */
  private pendingReplans: { cause: string; which: (r: DropRequestRecord, m: MissionBrief | null) => boolean }[] = [];
  /** The pass running now, if any. */
  private replanRun: Promise<void> | null = null;
  /** Set by close(): no re-plan starts any more (the store is about to close). */
  private closed = false;
  /** candidates() calls someone waits on (not background), now under way. */
  private interactive = 0;
  /** Plans are made off the event loop (the planner pool answers with promises); null: not known yet. */
  private plansOffLoop: boolean | null = null;

  constructor(private readonly deps: DispatcherDeps) {
    const latest = deps.repos.zoneMaps.latest();
    const broken = (err: unknown, version: number) =>
      log.error({ err, version }, 'stored zone map no longer parses; planning is off until a new map is uploaded');
    this.loading = (async () => {
      if (!latest) return;
      try {
        const map = await deps.parseZoneMap(JSON.parse(latest.geojson), `zone map v${latest.version}`);
        if (!this.map) this.map = { record: latest, map };
      } catch (err) {
        broken(err, latest.version);
      }
    })();
  }

  /** Resolves once the stored zone map is loaded (or found broken). */
  ready(): Promise<void> {
    return this.loading;
  }

  /**
   * Plan by the fleet's live state from now on, and re-plan when a drone's state changes: requests
   * waiting on a drone that stops being available go to another; when a drone becomes available,
   * unservable requests and those waiting on an unavailable drone are tried again.
   */
  useFleet(fleet: FleetView): void {
    this.fleet = fleet;
    fleet.onStateChange((droneId, from, to) => {
      if (from === null || from === to) return;
      if (from === 'available') this.queueReplan(`drone ${droneId} is ${to}`, (r, m) => m?.droneId === droneId && r.status === 'awaiting-approval');
      else if (to === 'available')
        this.queueReplan(
          `drone ${droneId} is available`,
          (r, m) => r.status === 'unservable' || (m !== null && this.fleet?.get(m.droneId)?.state !== 'available'),
        );
    });
    // a fresh pack: plans that found this drone's battery too low may use it now
    fleet.onBatteryRise((droneId) =>
      this.queueReplan(
        `drone ${droneId} has a fresh battery`,
        (r, m) => r.status === 'unservable' || (m !== null && m.candidates.some((c) => c.droneId === droneId && !c.feasible)),
      ),
    );
  }

  /**
   * Re-plan the open requests that match, in queue order, after whatever re-plan is running.
   * Triggers that arrive while a pass runs are gathered and served by ONE next pass over the open
   * requests, each request planned at most once per pass (for the first trigger it matches): under
   * load (every new request may displace those behind it) the work grows with the open requests,
   * not with requests × triggers. Resolves when no trigger is left.
   */
  private queueReplan(cause: string, which: (r: DropRequestRecord, m: MissionBrief | null) => boolean): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.pendingReplans.push({ cause, which });
    if (!this.replanRun) {
      this.replanRun = this.drainReplans().finally(() => {
        this.replanRun = null;
      });
    }
    return this.replanRun;
  }

  private async drainReplans(): Promise<void> {
    // start after the trigger's own work (the caller's publish) has finished
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.pendingReplans.length > 0) {
      // While requests someone waits on are being planned (a burst of new requests, each of which
      // may displace those behind it), the triggers are gathered until the burst is over (at most
      // PASS_WAIT_MAX_MS): one pass then serves all of them, instead of a pass per few new requests
      // re-planning and storing the same waiting requests again and again on the event loop the
      // new requests need.
      await this.yieldToInteractive(PASS_WAIT_MAX_MS);
      const batch = this.pendingReplans.splice(0);
      for (const r of this.deps.repos.requests.toReplan()) {
        const cur = this.deps.repos.requests.byId(r.id);
        if (!cur || (cur.status !== 'awaiting-approval' && cur.status !== 'unservable')) continue;
        const m = cur.missionId !== null ? this.deps.repos.missions.brief(cur.missionId) : null;
        const hit = batch.find((b) => b.which(cur, m));
        if (!hit) continue;
        // a turn of the event loop between two re-plans: one whose plans are remembered by the pool
        // runs to its commit without one, and a pass of them would hold every other request up
        await new Promise<void>((resolve) => setImmediate(resolve));
        await this.yieldToInteractive();
        try {
          await this.planRequest(cur.id, hit.cause, undefined, true, true);
        } catch (err) {
          log.error({ err, cause: hit.cause, requestId: cur.id }, 're-plan failed');
        }
      }
    }
  }

  /**
   * A request just planned on a drone claims it ahead of the waiting requests behind it in the queue
   * (a critical request jumps the queue): those planned on the same drone are planned again, in case
   * another drone is free for them. Only when another drone is available at all.
   */
  private displaceBehind(request: DropRequestRecord, droneId: string): void {
    if (!this.fleet) return;
    const others = this.fleet.list().filter((f) => f.drone.id !== droneId && f.state === 'available');
    if (others.length === 0) return;
    this.queueReplan(`request ${request.id} planned ahead on drone ${droneId}`, (r, m) => {
      if (r.id === request.id || r.status !== 'awaiting-approval' || m?.droneId !== droneId) return false;
      return queueOrder([r, request])[0]!.id === request.id;
    });
  }

  /**
   * Before each background re-plan: while plans someone waits on are under way (a new request, an
   * edit, a preview), wait for them, at most YIELD_MAX_MS, so that a burst of new requests is not
   * slowed by re-plans (their reads and commits) on the event loop; the re-plans still go on.
   */
  private async yieldToInteractive(maxMs = YIELD_MAX_MS): Promise<void> {
    const until = Date.now() + maxMs;
    while (this.interactive > 0 && !this.closed && Date.now() < until) await new Promise<void>((resolve) => setTimeout(resolve, 10));
  }

  /** Settles when the fleet-triggered re-plans queued so far, and any they queue, are done (tests). */
  async replansSettled(): Promise<void> {
    while (this.replanRun) await this.replanRun;
  }

  /**
   * Shutdown: triggers from now on are dropped (the store is about to close); resolves when the
   * pass running now and the triggers already gathered are served.
   */
  async close(): Promise<void> {
    this.closed = true;
    await this.replansSettled();
  }

  get profiles(): Map<string, DroneProfile> {
    return this.deps.profiles;
  }

  get weather(): Weather {
    return this.deps.weather;
  }

  zoneMap(): { record: ZoneMapRecord; map: ZoneMap } | null {
    return this.map;
  }

  /**
   * Validate and store a new zone map version, then re-plan every request not yet approved.
   * A broken map changes nothing and is refused with every issue, located by feature; so is (409) a
   * map that lacks the depot an enabled drone is based at.
   */
  async setZoneMap(geojson: unknown, actorId: number | null): Promise<{ record: ZoneMapRecord; replanned: { requestId: number; status: RequestStatus }[] }> {
    let map: ZoneMap;
    await this.loading;
    try {
      map = await this.deps.parseZoneMap(geojson, 'zone map');
    } catch (err) {
      if (err instanceof ZoneMapError) {
        const first = err.issues[0];
        const field = first?.featureIndex !== undefined ? `features[${first.featureIndex}]` : 'body';
        const where = first?.featureName ? ` (feature '${first.featureName}')` : '';
        throw new ServiceError('bad-request', `${first?.message ?? 'invalid zone map'}${where}`, field, err.issues);
      }
      throw new ServiceError('bad-request', err instanceof Error ? err.message : String(err), 'body');
    }
    const { repos } = this.deps;
    // A map that drops the depot an enabled drone is based at would silently ground that drone and
    // leave its requests unservable: refuse it, naming each drone, until the drone is moved or disabled.
    const current = this.map?.map;
    if (current) {
      const lost = repos.drones
        .list()
        .filter((d) => d.enabled && current.depots.some((p) => p.name === d.depot) && !map.depots.some((p) => p.name === d.depot));
      if (lost.length > 0) {
        throw new ServiceError(
          'conflict',
          lost.map((d) => `drone ${d.id} is based at '${d.depot}', which the new map does not have: move or disable the drone first`).join('; '),
          'features',
        );
      }
    }
    const record = repos.transaction(() => {
      // stored as WGS-84: a GCJ-02 / BD-09 upload is kept converted (the audit records what it came in)
      const rec = repos.zoneMaps.add({ name: map.name, geojson: JSON.stringify(zoneMapToWgs84(geojson).json), createdBy: actorId });
      repos.audit.append({
        actorId,
        action: 'zone-map.update',
        subjectType: 'zone-map',
        subjectId: rec.version,
        details: {
          name: map.name,
          crs: map.sourceCrs ?? 'wgs84',
          areas: map.areas.length,
          noFly: map.noFly.length,
          depots: map.depots.length,
          dropPoints: map.dropPoints.length,
        },
      });
      return rec;
    });
    this.map = { record, map };
    const replanned = await this.replanOpen(`zone map v${record.version}`);
    return { record, replanned };
  }

  /**
   * Re-plan every request that is awaiting approval or unservable (map or fleet changed), most
   * urgent first. Yields to the event loop between requests so that live tracking never stalls
   * behind a long re-plan; a request approved or cancelled meanwhile is left alone.
   */
  async replanOpen(cause: string): Promise<{ requestId: number; status: RequestStatus }[]> {
    const out: { requestId: number; status: RequestStatus }[] = [];
    for (const r of this.deps.repos.requests.toReplan()) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      await this.yieldToInteractive();
      const cur = this.deps.repos.requests.byId(r.id);
      if (!cur || (cur.status !== 'planning' && cur.status !== 'awaiting-approval' && cur.status !== 'unservable')) continue;
      // those behind it in the queue come later in this loop: no displacement re-plan for them
      const o = await this.planRequest(r.id, cause, undefined, false, true);
      out.push({ requestId: r.id, status: o.status });
    }
    return out;
  }

  /** Resolve a drop point given by name on the current map; throws 400 naming the field. */
  resolveDropPoint(dp: DropRequestFields['dropPoint']): { name: string | null; lat: number; lon: number; crs: CoordinateSystem } {
    if ('name' in dp) {
      const found = this.map?.map.dropPoints.find((p) => p.name === dp.name);
      if (!found) {
        const known = this.map?.map.dropPoints.map((p) => p.name) ?? [];
        throw new ServiceError(
          'bad-request',
          `dropPoint.name '${dp.name}' is not a drop point on the zone map${known.length ? ` (known: ${known.slice(0, 10).join(', ')})` : ''}`,
          'dropPoint.name',
        );
      }
      return { name: found.name, lat: found.position[1], lon: found.position[0], crs: 'wgs84' };
    }
    // coordinates copied from AMap/Tencent (GCJ-02) or Baidu (BD-09) become WGS-84 here, at the edge
    const crs = dp.crs ?? 'wgs84';
    const [lon, lat] = toWgs84([dp.lon, dp.lat], crs);
    return { name: null, lat, lon, crs };
  }

  /**
   * When each drone could take this request off (ms), by its fleet state and the waiting requests
   * ahead of this one in the queue planned on it (each keeps it busy for its planned flight and the
   * turnaround); null for an offline drone. Without a fleet view every drone is free now.
   */
  private readiness(request: DropRequestRecord, now: number): Map<string, { state: DroneState | null; readyAt: number | null; batteryPct: number | null }> {
    const out = new Map<string, { state: DroneState | null; readyAt: number | null; batteryPct: number | null }>();
    const { repos } = this.deps;
    const drones = repos.drones.list();
    const turnaroundOf = new Map(drones.map((d) => [d.id, d.turnaroundS]));
    for (const d of drones) {
      if (!d.enabled) continue;
      const f = this.fleet?.get(d.id) ?? null;
      if (!f) {
        out.set(d.id, { state: null, readyAt: now, batteryPct: null });
        continue;
      }
      // A drone that is only busy for a while gets a fresh pack in its turnaround: plan it as full.
      const batteryPct = f.state === 'available' ? (f.battery?.remainingPct ?? null) : null;
      // available: free now (the fleet view's own clock may be a few ms on; never rank by that)
      const readyAt = f.state === 'offline' ? null : f.state === 'available' ? now : Math.max(now, f.availableAt ?? now);
      out.set(d.id, { state: f.state, readyAt, batteryPct });
    }
    // one query for the whole queue (drone and flight time of each waiting request's mission)
    const open = queueOrder(repos.requests.waiting());
    for (const r of open) {
      if (r.id === request.id) break;
      if (queueOrder([r, request])[0]!.id !== r.id) break;
      const slot = r.droneId !== null && r.durationS !== null ? out.get(r.droneId) : undefined;
      if (!slot || slot.readyAt === null) continue;
      const turnaroundS = turnaroundOf.get(r.droneId!) ?? 0;
      slot.readyAt += (r.durationS! + turnaroundS) * 1000;
    }
    return out;
  }

  /**
   * Every candidate (enabled drone × its depot) planned, best first (see the module comment); only
   * `onlyDroneId` when given (the pilot's choice). Pure apart from reading drones and the fleet.
   * `background`: a re-plan nobody waits on; the planner pool plans it after the others.
   */
  async candidates(request: DropRequestRecord, onlyDroneId?: string, background = false): Promise<{ tried: Tried[]; reasons: Reason[] }> {
    if (background) return this.assess(request, onlyDroneId, true);
    this.interactive++;
    try {
      return await this.assess(request, onlyDroneId, false);
    } finally {
      this.interactive--;
    }
  }

  private async assess(request: DropRequestRecord, onlyDroneId: string | undefined, background: boolean): Promise<{ tried: Tried[]; reasons: Reason[] }> {
    await this.loading;
    const map = this.map?.map;
    if (!map) return { tried: [], reasons: [{ code: 'no-zone-map', message: 'no zone map has been loaded; an admin must upload one' }] };
    const drones = this.deps.repos.drones.list().filter((d) => d.enabled && (onlyDroneId === undefined || d.id === onlyDroneId));
    if (drones.length === 0) return { tried: [], reasons: [{ code: 'no-drones', message: 'no drone is registered and enabled' }] };
    const now = Date.parse(this.deps.repos.now());
    const ready = this.readiness(request, now);
    const conditionsFor = (depotName: string, batteryPct: number | null) => ({
      payloadKg: request.weightKg,
      wind: { speedMs: this.deps.weather.windSpeedMs, fromDeg: this.deps.weather.windFromDeg },
      temperatureC: this.deps.weather.temperatureC,
      siteAltitudeM: map.depots.find((d) => d.name === depotName)?.groundAltitudeM ?? map.siteAltitudeM,
      ...(batteryPct !== null ? { batteryRemainingPct: batteryPct } : {}),
    });
    const blocked = this.deps.availability?.blocked() ?? new Map<string, Reason>();
    // Every drone's plan is asked for at once: through the planner pool they run on as many workers
    // as it has (in-process they still run one after another). The order of `tried` does not depend
    // on which plan finishes first: each has its drone's slot, and the sort below ends on the id.
    // In-process, each plan is started on its own turn of the event loop (a chain of setImmediate),
    // so that telemetry and API calls go on between two plans. Through the pool (known from the
    // first plan, which comes back as a promise), all of a request's plans are queued at once, one
    // after another: under a burst of new requests each is then answered as soon as its own plans
    // are made, instead of every request waiting until the plans of all of them are nearly done.
    let turn: Promise<void> = Promise.resolve();
    const slots = drones.map(async (drone): Promise<Tried> => {
      const profile = this.deps.profiles.get(drone.profileId);
      const r = ready.get(drone.id) ?? { state: null, readyAt: now, batteryPct: null };
      const base: Candidate = {
        depot: drone.depot,
        droneId: drone.id,
        feasible: false,
        marginPct: Number.NEGATIVE_INFINITY,
        reasons: [],
        ...(r.state ? { state: r.state } : {}),
        batteryPct: r.batteryPct,
        readyAt: r.readyAt !== null ? new Date(r.readyAt).toISOString() : null,
      };
      const unavailable = blocked.get(drone.id);
      if (unavailable) return { candidate: { ...base, reasons: [unavailable] }, plan: null };
      if (!profile) {
        return {
          candidate: { ...base, reasons: [{ code: 'unknown-profile', message: `drone ${drone.id} has unknown profile '${drone.profileId}'` }] },
          plan: null,
        };
      }
      if (!map.depots.some((d) => d.name === drone.depot)) {
        return {
          candidate: {
            ...base,
            reasons: [{ code: 'unknown-depot', message: `drone ${drone.id} is based at '${drone.depot}', which is not a depot on the zone map` }],
          },
          plan: null,
        };
      }
      if (r.state === 'offline') {
        return {
          candidate: { ...base, reasons: [{ code: 'drone-offline', message: `drone ${drone.id} is offline (no heartbeat from the vehicle)` }] },
          plan: null,
        };
      }
      const req: PlanRequest = {
        from: { name: drone.depot },
        to: request.dropPointName ? { name: request.dropPointName } : { position: [request.lon, request.lat] },
        drone: profile,
        conditions: conditionsFor(drone.depot, r.batteryPct),
      };
      if (!this.plansOffLoop) {
        const mine = turn.then(() => new Promise<void>((resolve) => setImmediate(resolve)));
        turn = mine;
        await mine;
      }
      try {
        const made = this.deps.planDelivery(map, req, background ? { background } : undefined);
        this.plansOffLoop ??= made instanceof Promise;
        const plan = await made;
        return {
          candidate: {
            ...base,
            feasible: plan.feasible,
            marginPct: plan.marginPct,
            reasons: plan.reasons,
            durationS: plan.durationS,
            outboundS: outboundDurationS(plan),
          },
          plan,
        };
      } catch (err) {
        return { candidate: { ...base, reasons: [{ code: 'planner-error', message: err instanceof Error ? err.message : String(err) }] }, plan: null };
      }
    });
    const tried: Tried[] = await Promise.all(slots);
    // free now first, then the earliest; a drone that cannot say when sorts last
    const wait = (c: Candidate) => {
      const at = c.readyAt ? Date.parse(c.readyAt) : Number.POSITIVE_INFINITY;
      return at <= now ? 0 : at - now;
    };
    tried.sort(
      (a, b) =>
        Number(b.candidate.feasible) - Number(a.candidate.feasible) ||
        wait(a.candidate) - wait(b.candidate) ||
        b.candidate.marginPct - a.candidate.marginPct ||
        a.candidate.droneId.localeCompare(b.candidate.droneId),
    );
    const reasons = tried.some((t) => t.candidate.feasible)
      ? []
      : uniqueReasons(
          tried.flatMap((t) =>
            t.candidate.reasons.map((r) => ({
              code: r.code,
              message: `${t.candidate.droneId} from ${t.candidate.depot}: ${r.message}`,
              params: { ...r.params, droneId: t.candidate.droneId, depot: t.candidate.depot },
            })),
          ),
        );
    return { tried, reasons };
  }

  /**
   * Plan (or re-plan) one request and store the outcome: the previous open mission is superseded,
   * the new best plan becomes 'awaiting-approval' (or 'infeasible' with the reasons). The mission
   * records the request version it was planned for; a plan finished after the request changed
   * (edited, cancelled, approved, planned again) is dropped, never stored over the newer state.
   * `displace`: re-plan those behind it on the same drone (displaceBehind); `background`: nobody
   * waits on this re-plan (a map or fleet change), so the planner pool plans it after the others.
   */
  async planRequest(
    requestId: number,
    cause: string,
    choice?: { droneId: string; actorId: number },
    displace = true,
    background = false,
  ): Promise<PlanOutcome> {
    const { repos } = this.deps;
    const request = repos.requests.byId(requestId);
    if (!request) throw new ServiceError('not-found', `drop request ${requestId} not found`);
    const assessed = await this.candidates(request, choice?.droneId, background);
    // The pilot's choice of drone replaces the plan only when that drone can fly it; else nothing changes.
    const chosen = assessed.tried.find((t) => t.plan !== null);
    if (choice && !(chosen?.plan?.feasible && chosen.plan.vehiclePlan)) {
      const why = chosen?.candidate.reasons.length ? chosen.candidate.reasons : assessed.reasons;
      return { status: request.status, mission: request.missionId !== null ? repos.missions.byId(request.missionId) : null, reasons: why, changed: false };
    }
    const stored = repos.transaction(() => this.storePlan(request, assessed, cause, choice));
    stored.publish(displace);
    return stored.outcome;
  }

  /**
   * A re-plan that found exactly what is stored — the open mission of this request version, on this
   * map, the same drone, the same plan and the same candidates (when each is ready aside) — stores
   * nothing: the mission the pilot may be approving stays, and no audit entry or event says that
   * nothing changed. Under load most displacement re-plans end like that. Returns the outcome, or
   * null when something differs.
   */
  private unchanged(request: DropRequestRecord, best: Tried | undefined, tried: Tried[]): PlanOutcome | null {
    const { repos } = this.deps;
    if (request.missionId === null || !best?.plan) return null;
    const cur = repos.missions.stored(request.missionId);
    if (!cur) return null;
    const feasible = best.plan.feasible && best.plan.vehiclePlan !== null;
    const status: RequestStatus = feasible ? 'awaiting-approval' : 'unservable';
    if (
      cur.brief.status !== (feasible ? 'awaiting-approval' : 'infeasible') ||
      request.status !== status ||
      cur.brief.requestVersion !== request.version ||
      cur.zoneMapVersion !== (this.map?.record.version ?? null) ||
      cur.brief.droneId !== best.candidate.droneId ||
      cur.planJson !== JSON.stringify(best.plan) ||
      JSON.stringify(cur.brief.candidates.map(withoutReadyAt)) !== JSON.stringify(tried.map((t) => withoutReadyAt(t.candidate)))
    )
      return null;
    return { status, mission: repos.missions.byId(cur.brief.id), reasons: request.reasons, changed: false };
  }

  /**
   * Store what candidates() found for `request` (as read before planning): supersede the open
   * mission, record the best plan or the reasons. Runs inside the caller's transaction (or opens
   * its own); call publish() once that transaction has committed. A request that changed while it
   * was planned keeps what it has.
   */
  storePlan(
    request: DropRequestRecord,
    assessed: { tried: Tried[]; reasons: Reason[] },
    cause: string,
    choice?: { droneId: string; actorId: number },
  ): { outcome: PlanOutcome; publish(displace?: boolean): void } {
    const { repos, bus } = this.deps;
    const requestId = request.id;
    const { tried, reasons } = assessed;
    const best = tried.find((t) => t.plan !== null);
    const stale = (): PlanOutcome | null => {
      // changed while we planned (edited, cancelled, approved, or planned again): keep what is there
      // (the version is what counts: two edits within one millisecond share an updatedAt)
      const now = repos.requests.byId(requestId);
      if (now && now.version === request.version && now.updatedAt === request.updatedAt && now.missionId === request.missionId && now.status === request.status)
        return null;
      const mission = now?.missionId != null ? repos.missions.byId(now.missionId) : null;
      return { status: now?.status ?? request.status, mission, reasons: now?.reasons ?? [], changed: false };
    };
    let superseded: number | null = null;
    let unchanged = false;
    const outcome = repos.transaction((): PlanOutcome => {
      const keep = stale();
      if (keep) return keep;
      const same = choice ? null : this.unchanged(request, best, tried);
      if (same) {
        unchanged = true;
        return same;
      }
      superseded = repos.missions.supersedeOpen(request.id);
      if (!best || !best.plan) {
        repos.requests.setStatus(request.id, 'unservable', { reasons, missionId: null });
        return { status: 'unservable', mission: null, reasons };
      }
      const plan = best.plan;
      const conditions: PlanningConditions = {
        payloadKg: request.weightKg,
        windSpeedMs: this.deps.weather.windSpeedMs,
        windFromDeg: this.deps.weather.windFromDeg,
        temperatureC: this.deps.weather.temperatureC,
        siteAltitudeM: this.map?.map.depots.find((d) => d.name === best.candidate.depot)?.groundAltitudeM ?? this.map?.map.siteAltitudeM ?? 0,
      };
      const feasible = plan.feasible && plan.vehiclePlan !== null;
      const mission = repos.missions.create({
        requestId: request.id,
        requestVersion: request.version,
        status: feasible ? 'awaiting-approval' : 'infeasible',
        zoneMapVersion: this.map?.record.version ?? null,
        droneId: best.candidate.droneId,
        plan,
        candidates: tried.map((t) => t.candidate),
        conditions,
      });
      const status: RequestStatus = feasible ? 'awaiting-approval' : 'unservable';
      repos.requests.setStatus(request.id, status, { reasons: feasible ? [] : reasons, missionId: mission.id });
      repos.audit.append({
        actorId: choice?.actorId ?? null,
        action: choice ? 'mission.reassign' : feasible ? 'mission.plan' : 'mission.plan-infeasible',
        subjectType: 'request',
        subjectId: request.id,
        reason: cause,
        details: {
          missionId: mission.id,
          requestVersion: request.version,
          droneId: best.candidate.droneId,
          depot: best.candidate.depot,
          marginPct: plan.marginPct,
          reasons: feasible ? [] : reasons.map((r) => r.code),
        },
      });
      return { status, mission, reasons: feasible ? [] : reasons, changed: true };
    });
    // displace: false when the caller re-plans every open request in queue order anyway (replanOpen)
    const publish = (displace = true) => {
      if (unchanged) return;
      bus.publish({ type: 'request', requestId: request.id });
      if (outcome.mission) bus.publish({ type: 'mission', missionId: outcome.mission.id });
      if (superseded !== null) bus.publish({ type: 'mission', missionId: superseded });
      log.info({ requestId, status: outcome.status, cause, droneId: outcome.mission?.droneId }, 'planned');
      const before = request.missionId !== null ? repos.missions.brief(request.missionId)?.droneId : undefined;
      if (displace && outcome.changed && outcome.mission && outcome.status === 'awaiting-approval' && before !== outcome.mission.droneId)
        this.displaceBehind(request, outcome.mission.droneId);
    };
    return { outcome, publish };
  }
}

/** A candidate as compared between two plans of one request: when the drone is ready moves with the clock. */
function withoutReadyAt(c: Candidate): Omit<Candidate, 'readyAt'> {
  const { readyAt: _, ...rest } = c;
  return rest;
}

function uniqueReasons(reasons: Reason[]): Reason[] {
  const seen = new Set<string>();
  return reasons.filter((r) => (seen.has(r.message) ? false : (seen.add(r.message), true)));
}
