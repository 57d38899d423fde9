/**
 * Dispatch: plan every drop request as soon as it is queued (and again when the zone map, the fleet
 * or the request changes), choosing among the available drones — each flying from the depot it is
 * based at — the feasible plan with the best energy margin. Requests no drone can serve keep the
 * reasons why. The pilots' queue is ordered by urgency (critical first), then age.
 */
import type { DroneProfile, PlanRequest, Reason } from '../planning/types.js';
import type { DroneAvailability } from './drone-availability.js';
import type { DeliveryPlan, PlanDelivery } from '../planner/types.js';
import type { ZoneMap } from '../geo/types.js';
import { ZoneMapError } from '../geo/types.js';
import type { Repositories } from '../store/repositories.js';
import type { Candidate, DropRequestRecord, MissionRecord, PlanningConditions, ZoneMapRecord } from '../store/records.js';
import type { RequestStatus } from '../domain/words.js';
import type { EventBus } from './events.js';
import { ServiceError } from './errors.js';
import { createLogger } from '../log.js';

const log = createLogger('dispatch');

export interface Weather {
  windSpeedMs: number;
  windFromDeg: number;
  temperatureC: number;
}

export interface DispatcherDeps {
  repos: Repositories;
  bus: EventBus;
  planDelivery: PlanDelivery;
  parseZoneMap: (json: unknown, sourceName?: string) => ZoneMap;
  profiles: Map<string, DroneProfile>;
  weather: Weather;
  /** Drones kept out of planning by a stranded or lost flight (src/dispatch/drone-availability.ts). */
  availability?: DroneAvailability;
}

export interface PlanOutcome {
  status: RequestStatus;
  mission: MissionRecord | null;
  reasons: Reason[];
}

interface Tried {
  candidate: Candidate;
  plan: DeliveryPlan | null;
}

export class Dispatcher {
  private map: { record: ZoneMapRecord; map: ZoneMap } | null = null;

  constructor(private readonly deps: DispatcherDeps) {
    const latest = deps.repos.zoneMaps.latest();
    if (latest) {
      try {
        this.map = { record: latest, map: deps.parseZoneMap(JSON.parse(latest.geojson), `zone map v${latest.version}`) };
      } catch (err) {
        log.error({ err, version: latest.version }, 'stored zone map no longer parses; planning is off until a new map is uploaded');
      }
    }
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
    try {
      map = this.deps.parseZoneMap(geojson, 'zone map');
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
      const rec = repos.zoneMaps.add({ name: map.name, geojson: JSON.stringify(geojson), createdBy: actorId });
      repos.audit.append({
        actorId,
        action: 'zone-map.update',
        subjectType: 'zone-map',
        subjectId: rec.version,
        details: { name: map.name, areas: map.areas.length, noFly: map.noFly.length, depots: map.depots.length, dropPoints: map.dropPoints.length },
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
      const cur = this.deps.repos.requests.byId(r.id);
      if (!cur || (cur.status !== 'awaiting-approval' && cur.status !== 'unservable')) continue;
      const o = await this.planRequest(r.id, cause);
      out.push({ requestId: r.id, status: o.status });
    }
    return out;
  }

  /** Resolve a drop point given by name on the current map; throws 400 naming the field. */
  resolveDropPoint(dp: { name: string } | { lat: number; lon: number }): { name: string | null; lat: number; lon: number } {
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
      return { name: found.name, lat: found.position[1], lon: found.position[0] };
    }
    return { name: null, lat: dp.lat, lon: dp.lon };
  }

  /** Every candidate (available drone × its depot) planned, best first. Pure apart from reading drones. */
  async candidates(request: DropRequestRecord): Promise<{ tried: Tried[]; reasons: Reason[] }> {
    const map = this.map?.map;
    if (!map) return { tried: [], reasons: [{ code: 'no-zone-map', message: 'no zone map has been loaded; an admin must upload one' }] };
    const drones = this.deps.repos.drones.list().filter((d) => d.enabled);
    if (drones.length === 0) return { tried: [], reasons: [{ code: 'no-drones', message: 'no drone is registered and enabled' }] };
    const tried: Tried[] = [];
    const conditionsFor = (depotName: string) => ({
      payloadKg: request.weightKg,
      wind: { speedMs: this.deps.weather.windSpeedMs, fromDeg: this.deps.weather.windFromDeg },
      temperatureC: this.deps.weather.temperatureC,
      siteAltitudeM: map.depots.find((d) => d.name === depotName)?.groundAltitudeM ?? map.siteAltitudeM,
    });
    const blocked = this.deps.availability?.blocked() ?? new Map<string, Reason>();
    for (const drone of drones) {
      const profile = this.deps.profiles.get(drone.profileId);
      const base: Candidate = { depot: drone.depot, droneId: drone.id, feasible: false, marginPct: Number.NEGATIVE_INFINITY, reasons: [] };
      const unavailable = blocked.get(drone.id);
      if (unavailable) {
        tried.push({ candidate: { ...base, reasons: [unavailable] }, plan: null });
        continue;
      }
      if (!profile) {
        tried.push({
          candidate: { ...base, reasons: [{ code: 'unknown-profile', message: `drone ${drone.id} has unknown profile '${drone.profileId}'` }] },
          plan: null,
        });
        continue;
      }
      if (!map.depots.some((d) => d.name === drone.depot)) {
        tried.push({
          candidate: {
            ...base,
            reasons: [{ code: 'unknown-depot', message: `drone ${drone.id} is based at '${drone.depot}', which is not a depot on the zone map` }],
          },
          plan: null,
        });
        continue;
      }
      const req: PlanRequest = {
        from: { name: drone.depot },
        to: request.dropPointName ? { name: request.dropPointName } : { position: [request.lon, request.lat] },
        drone: profile,
        conditions: conditionsFor(drone.depot),
      };
      // one plan at a time, yielding in between: telemetry and API calls go on while we plan
      await new Promise<void>((resolve) => setImmediate(resolve));
      try {
        const plan = this.deps.planDelivery(map, req);
        tried.push({ candidate: { ...base, feasible: plan.feasible, marginPct: plan.marginPct, reasons: plan.reasons }, plan });
      } catch (err) {
        tried.push({ candidate: { ...base, reasons: [{ code: 'planner-error', message: err instanceof Error ? err.message : String(err) }] }, plan: null });
      }
    }
    tried.sort(
      (a, b) =>
        Number(b.candidate.feasible) - Number(a.candidate.feasible) ||
        b.candidate.marginPct - a.candidate.marginPct ||
        a.candidate.droneId.localeCompare(b.candidate.droneId),
    );
    const reasons = tried.some((t) => t.candidate.feasible)
      ? []
      : uniqueReasons(
          tried.flatMap((t) => t.candidate.reasons.map((r) => ({ code: r.code, message: `${t.candidate.droneId} from ${t.candidate.depot}: ${r.message}` }))),
        );
    return { tried, reasons };
  }

  /**
   * Plan (or re-plan) one request and store the outcome: the previous open mission is superseded,
   * the new best plan becomes 'awaiting-approval' (or 'infeasible' with the reasons).
   */
  async planRequest(requestId: number, cause: string): Promise<PlanOutcome> {
    const { repos, bus } = this.deps;
    const request = repos.requests.byId(requestId);
    if (!request) throw new ServiceError('not-found', `drop request ${requestId} not found`);
    const { tried, reasons } = await this.candidates(request);
    const best = tried.find((t) => t.plan !== null);
    const stale = (): PlanOutcome | null => {
      // changed while we planned (edited, cancelled, approved, or planned again): keep what is there
      const now = repos.requests.byId(requestId);
      if (now && now.updatedAt === request.updatedAt && now.missionId === request.missionId && now.status === request.status) return null;
      const mission = now?.missionId != null ? repos.missions.byId(now.missionId) : null;
      return { status: now?.status ?? request.status, mission, reasons: now?.reasons ?? [] };
    };
    let superseded: number | null = null;
    const outcome = repos.transaction((): PlanOutcome => {
      const keep = stale();
      if (keep) return keep;
      superseded = request.missionId;
      if (request.missionId !== null) {
        const prev = repos.missions.byId(request.missionId);
        if (prev && (prev.status === 'awaiting-approval' || prev.status === 'infeasible')) repos.missions.setStatus(prev.id, 'superseded');
      }
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
        actorId: null,
        action: feasible ? 'mission.plan' : 'mission.plan-infeasible',
        subjectType: 'request',
        subjectId: request.id,
        reason: cause,
        details: {
          missionId: mission.id,
          droneId: best.candidate.droneId,
          depot: best.candidate.depot,
          marginPct: plan.marginPct,
          reasons: feasible ? [] : reasons.map((r) => r.code),
        },
      });
      return { status, mission, reasons: feasible ? [] : reasons };
    });
    bus.publish({ type: 'request', requestId: request.id });
    if (outcome.mission) bus.publish({ type: 'mission', missionId: outcome.mission.id });
    if (superseded !== null) bus.publish({ type: 'mission', missionId: superseded });
    log.info({ requestId, status: outcome.status, cause }, 'planned');
    return outcome;
  }
}

function uniqueReasons(reasons: Reason[]): Reason[] {
  const seen = new Set<string>();
  return reasons.filter((r) => (seen.has(r.message) ? false : (seen.add(r.message), true)));
}
