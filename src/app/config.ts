/**
 * Service configuration: defaults < JSON config file (--config) < environment variables < command-
 * line flags. Every value is validated; all problems are reported together, each with where it came
 * from ("MEDIDROP_PORT: …", "medidrop.json: port: …").
 */
import { readFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import type { Lang } from '../domain/words.js';
import { TILE_PROVIDER_IDS, type TileCrs, type TileProviderId } from '../web/tiles/providers.js';
import { packageRoot } from '../package-root.js';
import { isPostgresUrl } from '../store/pg-engine.js';

export interface ServiceConfig {
  port: number;
  host: string;
  /** SQLite file (or ':memory:'), or a postgres:// / postgresql:// URL (PostgreSQL, src/store/pg-engine.ts). */
  db: string;
  lang: Lang;
  /** Base-map providers offered, in order (MEDIDROP_TILES=tianditu,amap,osm,offline,custom); empty: offline file / custom URL if set. */
  tiles: TileProviderId[];
  /** Custom tile URL template (provider 'custom'). */
  tileUrl: string | null;
  tileAttribution: string | null;
  /** Datum the custom tiles are drawn in: wgs84 (default) or gcj02 (AMap-style Chinese tiles). */
  tileCrs: TileCrs;
  /** Tianditu key (provider 'tianditu'). */
  tiandituKey: string | null;
  /** Local MBTiles file served at /tiles/offline/{z}/{x}/{y} (provider 'offline'). */
  offlineTiles: string | null;
  /** ≥ 32 characters; derived secrets (hand-over codes) depend on it. null: generated and kept in the database. */
  sessionSecret: string | null;
  sessionTtlHours: number;
  secureCookie: boolean;
  loginRateLimit: { max: number; windowMs: number };
  handoverRateLimit: { max: number; windowMs: number };
  /** Zone map GeoJSON loaded when the database has none. */
  zoneMap: string | null;
  /** Directory of drone profile files. */
  dronesDir: string;
  /**
   * Elevation data for the planner: SRTM .hgt tiles, EPSG:4326 GeoTIFFs, or directories of them
   * (MEDIDROP_DEM: a list separated by the platform's path delimiter, ':' on Linux). Empty: the
   * planner takes the ground as flat at the home elevation and says so in every plan.
   */
  dem: string[];
  weather: { windSpeedMs: number; windFromDeg: number; temperatureC: number };
  /** Demo: simulated-time factor of the emulated drones. */
  simSpeedup: number;
  /**
   * Demo: simulated seconds a drone stands landed and disarmed after a flight before its emulated ground
   * crew swaps the battery (a power cycle onto a full pack). Simulated time, so the speed-up scales it.
   */
  simTurnaroundS: number;
  /** How long to wait for a vehicle's heartbeat when starting a flight (and between retries when re-attaching), ms. */
  vehicleTimeoutMs: number;
  /**
   * Planner worker threads (src/planner/pool.ts): plans and zone-map validation run there, off the
   * event loop. null: min(cores − 1, 4), at least 1. 0: plan in-process, on the event loop.
   */
  planWorkers: number | null;
  /**
   * MQTT broker for the telemetry bus between instances (MEDIDROP_MQTT, src/bus/): mqtt://host:port
   * or mqtts://host:port. null (the default): no bus, live events stay in this process.
   */
  mqtt: string | null;
  /**
   * This instance's name in the drone leases and on the MQTT bus (MEDIDROP_INSTANCE_ID). null: host
   * name, process id and a random suffix, new on every start.
   */
  instanceId: string | null;
  /**
   * How long a drone lease lasts without renewal, ms (MEDIDROP_LEASE_MS, default 5000; renewed every
   * third of it). A dead instance's drones are taken over between one and four thirds of it after
   * its last renewal (README "Several instances, one fleet").
   */
  leaseMs: number;
  /**
   * Several instances share this database and fleet (MEDIDROP_SHARED). false (the default): this is
   * the only one, and it claims every drone lease at start-up without waiting for old ones to expire.
   */
  shared: boolean;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

export function defaultConfig(): ServiceConfig {
  const root = packageRoot();
  return {
    port: 8080,
    host: '127.0.0.1',
    db: resolve('data', 'medidrop.sqlite'),
    lang: 'zh-CN',
    tiles: [],
    tileUrl: null,
    tileAttribution: null,
    tileCrs: 'wgs84',
    tiandituKey: null,
    offlineTiles: null,
    sessionSecret: null,
    sessionTtlHours: 12,
    secureCookie: false,
    loginRateLimit: { max: 5, windowMs: 60_000 },
    handoverRateLimit: { max: 10, windowMs: 60_000 },
    zoneMap: null,
    dronesDir: join(root, 'missions', 'drones'),
    dem: [],
    weather: { windSpeedMs: 3, windFromDeg: 270, temperatureC: 15 },
    simSpeedup: 5,
    simTurnaroundS: 60,
    vehicleTimeoutMs: 15_000,
    planWorkers: null,
    mqtt: null,
    instanceId: null,
    leaseMs: 5000,
    shared: false,
  };
}

/** Environment variable → config key. */
export const ENV_VARS = {
  MEDIDROP_PORT: 'port',
  MEDIDROP_HOST: 'host',
  MEDIDROP_DB: 'db',
  MEDIDROP_LANG: 'lang',
  MEDIDROP_TILE_URL: 'tileUrl',
  MEDIDROP_TILE_ATTRIBUTION: 'tileAttribution',
  MEDIDROP_TILES: 'tiles',
  MEDIDROP_TILE_CRS: 'tileCrs',
  MEDIDROP_TIANDITU_KEY: 'tiandituKey',
  MEDIDROP_OFFLINE_TILES: 'offlineTiles',
  MEDIDROP_SESSION_SECRET: 'sessionSecret',
  MEDIDROP_SESSION_TTL_HOURS: 'sessionTtlHours',
  MEDIDROP_SECURE_COOKIE: 'secureCookie',
  MEDIDROP_LOGIN_RATE_LIMIT: 'loginRateLimit',
  MEDIDROP_HANDOVER_RATE_LIMIT: 'handoverRateLimit',
  MEDIDROP_ZONE_MAP: 'zoneMap',
  MEDIDROP_DRONES_DIR: 'dronesDir',
  MEDIDROP_DEM: 'dem',
  MEDIDROP_WIND_MS: 'weather.windSpeedMs',
  MEDIDROP_WIND_FROM_DEG: 'weather.windFromDeg',
  MEDIDROP_TEMPERATURE_C: 'weather.temperatureC',
  MEDIDROP_SIM_SPEEDUP: 'simSpeedup',
  MEDIDROP_SIM_TURNAROUND_S: 'simTurnaroundS',
  MEDIDROP_VEHICLE_TIMEOUT_MS: 'vehicleTimeoutMs',
  MEDIDROP_PLAN_WORKERS: 'planWorkers',
  MEDIDROP_MQTT: 'mqtt',
  MEDIDROP_INSTANCE_ID: 'instanceId',
  MEDIDROP_LEASE_MS: 'leaseMs',
  MEDIDROP_SHARED: 'shared',
} as const;

type Raw = Record<string, unknown>;

/**
 * Build the configuration. `file` is a JSON file with the ServiceConfig keys (rate limits as
 * {max, windowMs} or "5/60" = 5 per 60 s); env values are strings.
 */
export function loadConfig(opts: { file?: string; env?: NodeJS.ProcessEnv; overrides?: Partial<Record<keyof ServiceConfig, unknown>> } = {}): ServiceConfig {
  const cfg = defaultConfig();
  const problems: string[] = [];
  const env = opts.env ?? process.env;

  if (opts.file) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(opts.file, 'utf8'));
    } catch (err) {
      throw new ConfigError([`${opts.file}: ${err instanceof Error ? err.message : String(err)}`]);
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError([`${opts.file}: must be a JSON object`]);
    const known = new Set<string>([...Object.keys(cfg)]);
    for (const [k, v] of Object.entries(raw as Raw)) {
      if (!known.has(k)) {
        problems.push(`${opts.file}: unknown key "${k}" (known: ${[...known].join(', ')})`);
        continue;
      }
      if (k === 'weather' && v && typeof v === 'object') {
        for (const [wk, wv] of Object.entries(v as Raw)) apply(cfg, `weather.${wk}`, wv, `${opts.file}: weather.${wk}`, problems);
      } else {
        apply(cfg, k, v, `${opts.file}: ${k}`, problems);
      }
    }
  }
  for (const [name, key] of Object.entries(ENV_VARS)) {
    const v = env[name];
    if (v !== undefined && v !== '') apply(cfg, key, v, name, problems);
  }
  for (const [k, v] of Object.entries(opts.overrides ?? {})) {
    if (v !== undefined) apply(cfg, k, v, `--${k}`, problems);
  }
  if (problems.length) throw new ConfigError(problems);
  return cfg;
}

function apply(cfg: ServiceConfig, key: string, value: unknown, where: string, problems: string[]): void {
  const fail = (msg: string) => problems.push(`${where}: ${msg}, got ${JSON.stringify(value)}`);
  const num = (min: number, max: number, integer = false): number | undefined => {
    const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
    if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
      fail(`must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`);
      return undefined;
    }
    return n;
  };
  const str = (): string | undefined => {
    if (typeof value !== 'string' || value.trim() === '') {
      fail('must be a non-empty string');
      return undefined;
    }
    return value.trim();
  };
  const rate = (): { max: number; windowMs: number } | undefined => {
    if (typeof value === 'string') {
      const m = /^(\d+)\/(\d+)$/.exec(value.trim());
      if (m && Number(m[1]) >= 1 && Number(m[2]) >= 1) return { max: Number(m[1]), windowMs: Number(m[2]) * 1000 };
    } else if (value && typeof value === 'object') {
      const o = value as Raw;
      if (Number.isInteger(o.max) && (o.max as number) >= 1 && Number.isInteger(o.windowMs) && (o.windowMs as number) >= 1)
        return { max: o.max as number, windowMs: o.windowMs as number };
    }
    fail('must be "<attempts>/<seconds>" such as "5/60" (or {max, windowMs})');
    return undefined;
  };
  let v: unknown;
  switch (key) {
    case 'port':
      v = num(0, 65535, true);
      break;
    case 'host':
      v = str();
      break;
    case 'db':
      v = str();
      // a PostgreSQL URL is used as given; a file path is made absolute
      if (v && v !== ':memory:' && !isPostgresUrl(v as string)) v = resolve(v as string);
      break;
    case 'lang':
      if (value === 'zh-CN' || value === 'en') v = value;
      else fail("must be 'zh-CN' or 'en'");
      break;
    case 'tileUrl':
      if (value === null) v = null;
      else {
        const s = str();
        if (s && !/^https?:\/\/.+\{z\}.*\{x\}.*\{y\}/.test(s)) fail('must be an http(s) URL template with {z}, {x} and {y}');
        else v = s;
      }
      break;
    case 'tileAttribution':
      v = value === null ? null : str();
      break;
    case 'tiles': {
      const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : null;
      const ids = list?.map((x) => String(x).trim().toLowerCase()).filter((x) => x !== '');
      const bad = ids?.filter((x) => !(TILE_PROVIDER_IDS as readonly string[]).includes(x));
      if (!ids || (bad && bad.length > 0)) fail(`must list base maps from ${TILE_PROVIDER_IDS.join(', ')}, comma-separated`);
      else v = ids;
      break;
    }
    case 'tileCrs':
      if (value === 'wgs84' || value === 'gcj02') v = value;
      else fail("must be 'wgs84' or 'gcj02' (the datum the tiles are drawn in)");
      break;
    case 'tiandituKey':
      v = value === null ? null : str();
      break;
    case 'offlineTiles':
      v = value === null ? null : str();
      if (typeof v === 'string') v = resolve(v);
      break;
    case 'sessionSecret': {
      const s = value === null ? null : str();
      if (s !== null && s !== undefined && s.length < 32) fail('must be at least 32 characters');
      else v = s;
      break;
    }
    case 'sessionTtlHours':
      v = num(0.01, 24 * 30);
      break;
    case 'instanceId': {
      const s = value === null ? null : str();
      if (typeof s === 'string' && !/^[A-Za-z0-9._:-]{1,64}$/.test(s)) fail('must be 1–64 letters, digits, dots, colons, dashes or underscores');
      else v = s;
      break;
    }
    case 'leaseMs':
      v = num(300, 600_000, true);
      break;
    case 'shared':
    case 'secureCookie':
      if (value === true || value === 'true' || value === '1') v = true;
      else if (value === false || value === 'false' || value === '0') v = false;
      else fail('must be true or false');
      break;
    case 'loginRateLimit':
      v = rate();
      break;
    case 'handoverRateLimit':
      v = rate();
      break;
    case 'zoneMap':
      v = value === null ? null : str();
      if (typeof v === 'string') v = resolve(v);
      break;
    case 'dronesDir':
      v = str();
      if (typeof v === 'string') v = resolve(v);
      break;
    case 'dem': {
      // A list in the config file; the environment's one string split at the path delimiter.
      const list = typeof value === 'string' ? value.split(delimiter).filter((p) => p.trim() !== '') : value;
      if (!Array.isArray(list) || !list.every((p) => typeof p === 'string' && p.trim() !== '')) {
        fail(`must be a list of DEM files or directories${typeof value === 'string' ? ` separated by '${delimiter}'` : ''}`);
        break;
      }
      v = list.map((p: string) => resolve(p.trim()));
      break;
    }
    case 'weather.windSpeedMs':
      v = num(0, 60);
      break;
    case 'weather.windFromDeg':
      v = num(0, 360);
      break;
    case 'weather.temperatureC':
      v = num(-60, 60);
      break;
    case 'simSpeedup':
      v = num(0.1, 100);
      break;
    case 'simTurnaroundS':
      v = num(0, 86_400);
      break;
    case 'vehicleTimeoutMs':
      v = num(100, 600_000, true);
      break;
    case 'planWorkers':
      v = value === null ? null : num(0, 64, true);
      break;
    case 'mqtt': {
      if (value === null) {
        v = null;
        break;
      }
      const s = str();
      if (s === undefined) break;
      const problem = mqttUrlProblem(s);
      if (problem) fail(problem);
      else v = s;
      break;
    }
    default:
      problems.push(`${where}: unknown setting`);
      return;
  }
  if (v === undefined) return;
  if (key.startsWith('weather.')) (cfg.weather as Record<string, number>)[key.slice(8)] = v as number;
  else (cfg as unknown as Raw)[key] = v;
}

/** Why a broker URL is not usable (null: it is): mqtt:// or mqtts://, a host, a port from 1 to 65535 if given. */
export function mqttUrlProblem(s: string): string | null {
  const hint = 'must be an MQTT broker URL such as mqtt://127.0.0.1:1883 (or mqtts://host:8883)';
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return hint;
  }
  if (u.protocol !== 'mqtt:' && u.protocol !== 'mqtts:') return `${hint}; the scheme '${u.protocol}' is not mqtt: or mqtts:`;
  if (!u.hostname) return `${hint}; the host is missing`;
  if ((u.pathname !== '' && u.pathname !== '/') || u.search || u.hash) return `${hint}; no path, query or fragment`;
  return null;
}
