/**
 * Wiring: from an opened store and the configuration to the services the web app uses. The
 * planner, the zone-map parser and the flight starter can be given (tests), else the real ones.
 */
import { randomBytes } from 'node:crypto';
import type { PlanDelivery } from '../planner/types.js';
import type { ZoneMap } from '../geo/types.js';
import { ConfigError, type ServiceConfig } from './config.js';
import { loadDem } from '../geo/dem/load.js';
import { type Dem, DemError } from '../geo/dem/types.js';
import type { Repositories } from '../store/repositories.js';
import type { AppDeps, WebSettings } from '../web/context.js';
import { Dispatcher } from '../dispatch/dispatcher.js';
import { EventBus } from '../dispatch/events.js';
import { FlightManager, type FlightStarter } from '../dispatch/flights.js';
import { loadDroneProfiles } from '../dispatch/profiles.js';
import { RequestService } from '../dispatch/requests.js';
import { createLogger } from '../log.js';

const log = createLogger('service');

export interface ServiceParts extends AppDeps {
  close(): Promise<void>;
}

export interface CreateServiceOptions {
  repos: Repositories;
  config: ServiceConfig;
  planDelivery?: PlanDelivery;
  parseZoneMap?: (json: unknown, source?: string) => ZoneMap;
  /** null: flights are recorded but never started (API tests without vehicles). Default: the fleet layer. */
  starter?: FlightStarter | null;
  /** Extra web settings (tests: publicDir …). */
  web?: Partial<WebSettings>;
}

/** The server secret: configured, or generated once and kept in the database. */
export function serverSecret(repos: Repositories, configured: string | null): string {
  if (configured) return configured;
  const stored = repos.settings.get('server-secret');
  if (stored) return stored;
  const s = randomBytes(32).toString('base64url');
  repos.settings.set('server-secret', s);
  return s;
}

/**
 * The configured elevation data (MEDIDROP_DEM / "dem"), loaded once at start-up (directory tiles on
 * first use), or undefined when none is configured. A file that is not a DEM is a ConfigError.
 */
export async function loadServiceDem(config: Pick<ServiceConfig, 'dem'>): Promise<Dem | undefined> {
  if (config.dem.length === 0) {
    log.info('no elevation data (MEDIDROP_DEM): plans take the ground as flat at the home elevation');
    return undefined;
  }
  try {
    const dem = await loadDem(config.dem);
    log.info({ dem: dem.source.description }, 'elevation data loaded');
    return dem;
  } catch (err) {
    if (err instanceof DemError) throw new ConfigError([`dem (MEDIDROP_DEM): ${err.message}`]);
    throw err;
  }
}

/** The planner with the service's DEM in every call's context (a caller's own context wins). */
export function withDem(plan: PlanDelivery, dem: Dem | undefined): PlanDelivery {
  return dem ? (map, request, context) => plan(map, request, { dem, ...context }) : plan;
}

export async function createService(o: CreateServiceOptions): Promise<ServiceParts> {
  const { repos, config } = o;
  const bus = new EventBus();
  const basePlan = o.planDelivery ?? (await import('../planner/plan-delivery.js')).planDelivery;
  const planDelivery = withDem(basePlan, await loadServiceDem(config));
  const parseZoneMap = o.parseZoneMap ?? (await import('../geo/zone-map.js')).parseZoneMap;
  const { profiles, problems } = loadDroneProfiles(config.dronesDir);
  for (const p of problems) log.warn(p);
  const dispatcher = new Dispatcher({ repos, bus, planDelivery, parseZoneMap, profiles, weather: config.weather });
  const requests = new RequestService(repos, dispatcher, bus, serverSecret(repos, config.sessionSecret));
  let starter: FlightStarter | null;
  if (o.starter !== undefined) starter = o.starter;
  else {
    const { FleetStarter } = await import('../dispatch/fleet-starter.js');
    starter = new FleetStarter(repos, bus, { vehicleTimeoutMs: config.vehicleTimeoutMs });
  }
  const flights = new FlightManager(repos, bus, starter);
  const settings: WebSettings = {
    lang: config.lang,
    tileUrl: config.tileUrl,
    tileAttribution: config.tileAttribution,
    sessionTtlMs: config.sessionTtlHours * 3600_000,
    secureCookie: config.secureCookie,
    loginRateLimit: config.loginRateLimit,
    handoverRateLimit: config.handoverRateLimit,
    ...o.web,
  };
  return {
    repos,
    bus,
    dispatcher,
    requests,
    flights,
    settings,
    close: async () => {
      await flights.close();
    },
  };
}

/** Work left over by a crash: requests stored but never planned (or without a hand-over code), unfinished flights. */
export async function recoverAfterStart(parts: ServiceParts): Promise<{ replanned: number; reattached: number[] }> {
  for (const id of parts.repos.requests.idsWithoutHandoverCode()) await parts.requests.ensureHandoverCode(id);
  let replanned = 0;
  for (const r of parts.repos.requests.toReplan()) {
    if (r.missionId === null && r.reasons.length === 0) {
      await parts.dispatcher.planRequest(r.id, 'planned after restart');
      replanned++;
    }
  }
  parts.repos.users.deleteExpiredSessions();
  const reattached = parts.flights.resumeUnfinished();
  return { replanned, reattached };
}
