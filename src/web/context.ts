/** What the routes need: the store, the dispatch services and the web settings. */
import type { Dispatcher } from '../dispatch/dispatcher.js';
import type { EventBus } from '../dispatch/events.js';
import type { FlightManager } from '../dispatch/flights.js';
import type { FleetView } from '../dispatch/fleet-view.js';
import type { EtaService } from '../dispatch/eta-service.js';
import type { RequestService } from '../dispatch/requests.js';
import type { Repositories } from '../store/repositories.js';
import type { Lang } from './api-types.js';
import type { AuthOptions } from './auth.js';
import type { MbtilesFile } from './tiles/mbtiles.js';
import type { TileProvider } from './tiles/providers.js';
import type { ViewSources } from './views.js';

export interface WebSettings extends AuthOptions {
  lang: Lang;
  /** Base maps the pages offer, in order (first shown); empty: vector layers only. */
  tileProviders: TileProvider[];
  /** The local MBTiles file behind the 'offline' provider, served at /tiles/offline/{z}/{x}/{y}. */
  offlineTiles?: MbtilesFile | null;
  /** Log-in attempts per client per window. */
  loginRateLimit: { max: number; windowMs: number };
  /** Hand-over code attempts per client per window. */
  handoverRateLimit: { max: number; windowMs: number };
  /** Directory of the browser pages (default src/web/public of the package). */
  publicDir?: string;
  /** Directory of Leaflet's dist files (default node_modules/leaflet/dist). */
  leafletDir?: string;
  /** SSE keep-alive comment interval, ms (default 15000). */
  ssePingMs?: number;
}

export interface AppDeps {
  repos: Repositories;
  bus: EventBus;
  dispatcher: Dispatcher;
  requests: RequestService;
  flights: FlightManager;
  /** Every drone's fleet state, battery, link and position. */
  fleet: FleetView;
  /** The waiting requests' take-off and arrival estimates. */
  etas: EtaService;
  settings: WebSettings;
}

export function viewSources(d: AppDeps): ViewSources {
  return {
    repos: d.repos,
    handoverCode: (id) => d.requests.handoverCode(id),
    liveState: (f) => d.flights.liveState(f),
    progress: (id) => d.flights.progress(id),
    isLive: (id) => d.flights.isLive(id),
    linkUpElsewhere: (f) => d.flights.linkUpElsewhere(f),
    queueEta: (id) => d.etas.get(id),
    linkLost: (id) => d.flights.linkLost(id),
  };
}

/** What every feature plugin is registered with (besides fastify's `prefix`). */
export interface FeatureOptions {
  deps: AppDeps;
}
