/**
 * Wiring: from an opened store and the configuration to the services the web app uses. The
 * planner, the zone-map parser and the flight starter can be given (tests), else the real ones.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { PlanDelivery } from '../planner/types.js';
import type { ZoneMap } from '../geo/types.js';
import { ConfigError, type ServiceConfig } from './config.js';
import { type MbtilesFile, openMbtiles } from '../web/tiles/mbtiles.js';
import { resolveTileProviders, type TileProvider } from '../web/tiles/providers.js';
import { loadDem } from '../geo/dem/load.js';
import { type Dem, DemError } from '../geo/dem/types.js';
import type { Repositories } from '../store/repositories.js';
import type { AppDeps, WebSettings } from '../web/context.js';
import { Dispatcher } from '../dispatch/dispatcher.js';
import { EventBus } from '../dispatch/events.js';
import { DroneAvailability } from '../dispatch/drone-availability.js';
import { FlightManager, type FlightStarter } from '../dispatch/flights.js';
import { FleetView } from '../dispatch/fleet-view.js';
import { EtaService } from '../dispatch/eta-service.js';
import { loadDroneProfiles } from '../dispatch/profiles.js';
import { createPlannerPool, defaultPlanWorkers } from '../planner/pool.js';
import { RequestService } from '../dispatch/requests.js';
import { createLogger } from '../log.js';
import type { MqttBridge } from '../bus/mqtt-bridge.js';
import { DroneLeases } from '../dispatch/drone-leases.js';
import { OwnerRouting } from '../dispatch/owner-routing.js';

const log = createLogger('service');

export interface ServiceParts extends AppDeps {
  /** The configured elevation data (MEDIDROP_DEM) and its paths, made absolute; null: flat ground. The demo's emulated drones take their ground from it (src/cli/serve.ts). */
  dem: { model: Dem; paths: string[] } | null;
  /** The MQTT telemetry bus bridge, when MEDIDROP_MQTT is set (src/bus/mqtt-bridge.ts). */
  mqtt: MqttBridge | null;
  /** Which drones this instance owns (src/dispatch/drone-leases.ts). */
  leases: DroneLeases;
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

/** The configured base maps; the offline file opened (and checked) now, so a bad file stops the start. */
function openTiles(config: ServiceConfig): { providers: TileProvider[]; offline: MbtilesFile | null } {
  let offline: MbtilesFile | null = null;
  if (config.offlineTiles) {
    try {
      offline = openMbtiles(config.offlineTiles);
    } catch (err) {
      throw new ConfigError([`MEDIDROP_OFFLINE_TILES: ${err instanceof Error ? err.message : String(err)}`]);
    }
  }
  const { providers, problems } = resolveTileProviders({
    tiles: config.tiles,
    tileUrl: config.tileUrl,
    tileAttribution: config.tileAttribution,
    tileCrs: config.tileCrs,
    tiandituKey: config.tiandituKey,
    offline: offline ? { minZoom: offline.minZoom, maxZoom: offline.maxZoom, attribution: offline.attribution } : null,
  });
  if (problems.length > 0) {
    offline?.close();
    throw new ConfigError(problems.map((p) => `MEDIDROP_TILES: ${p}`));
  }
  log.info({ tiles: providers.map((p) => `${p.id} (${p.crs})`) }, providers.length ? 'base maps' : 'no base map: vector layers only');
  return { providers, offline };
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
  // The DEM is loaded here once to refuse a bad one at start; the pool's workers load it again each.
  const dem = await loadServiceDem(config);
  // Planning and zone-map validation run in worker threads unless both are given (tests).
  const pool =
    o.planDelivery && o.parseZoneMap ? null : createPlannerPool({ size: config.planWorkers ?? defaultPlanWorkers(), dem: config.dem, demInProcess: dem });
  const planDelivery = o.planDelivery ? withDem(o.planDelivery, dem) : pool!.planDelivery;
  const parseZoneMap = o.parseZoneMap ?? pool!.parseZoneMap;
  const { profiles, problems } = loadDroneProfiles(config.dronesDir);
  for (const p of problems) log.warn(p);
  const availability = new DroneAvailability(repos);
  const dispatcher = new Dispatcher({ repos, bus, planDelivery, parseZoneMap, profiles, weather: config.weather, availability });
  await dispatcher.ready();
  const requests = new RequestService(repos, dispatcher, bus, serverSecret(repos, config.sessionSecret));
  // Each drone's link belongs to the instance holding its lease (README "Several instances, one fleet").
  const instanceId = config.instanceId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  // (an instance without a flight starter has no vehicle links: it never takes a lease)
  const leases = new DroneLeases(repos, { instanceId, leaseMs: config.leaseMs, shared: config.shared, takesLeases: o.starter !== null });
  let starter: FlightStarter | null;
  if (o.starter !== undefined) starter = o.starter;
  else {
    const { FleetStarter } = await import('../dispatch/fleet-starter.js');
    const fleetStarter = new FleetStarter(repos, bus, { vehicleTimeoutMs: config.vehicleTimeoutMs, leases });
    leases.reportWith((droneId) => fleetStarter.ownReport(droneId));
    starter = fleetStarter;
  }
  const flights = new FlightManager(repos, bus, starter, availability);
  const routing = new OwnerRouting(repos, leases);
  flights.useLeases(leases, routing);
  leases.start();
  log.info({ instanceId, leaseMs: config.leaseMs, shared: config.shared, drones: leases.owned() }, 'drone leases held');
  // A flight that ends without a drop after a restart, or is declared lost, puts its request back in
  // the queue; a recovered drone brings every open request back to planning.
  flights.requeue = (requestId, cause) => (requestId === null ? dispatcher.replanOpen(cause) : dispatcher.planRequest(requestId, cause));
  const tiles = openTiles(config);
  const fleet = new FleetView(repos, bus, flights, starter, { offlineAfterMs: config.vehicleTimeoutMs });
  flights.useFleet(fleet, profiles);
  dispatcher.useFleet(fleet);
  const etas = new EtaService(repos, bus, fleet);
  // The bus to other instances: started without waiting for the broker (an outage must not stop the service).
  const mqtt = config.mqtt ? (await import('../bus/mqtt-bridge.js')).startMqttBridge({ url: config.mqtt, bus, repos, instanceId }) : null;
  const settings: WebSettings = {
    lang: config.lang,
    tileProviders: tiles.providers,
    offlineTiles: tiles.offline,
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
    fleet,
    etas,
    settings,
    dem: dem ? { model: dem, paths: config.dem.map((p) => resolve(p)) } : null,
    mqtt,
    leases,
    close: async () => {
      await routing.close();
      await mqtt?.close();
      etas.close();
      fleet.close();
      await dispatcher.close();
      // the hand-over code hashes still queued are written before the store closes
      await requests.handoverCodesStored();
      await flights.close();
      // after the links are closed: another instance may take the drones over at once
      leases.stop();
      tiles.offline?.close();
      await pool?.close();
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
