/**
 * The real medidrop service for the browser tests, in this process: a temporary SQLite file, the
 * demo zone map (missions/county-town.geojson; a small map of our own until that file exists),
 * the demo users and emulated drones at a speed-up — the same wiring as `medidrop serve --demo` —
 * listening on an OS-chosen port.
 */
import { existsSync, mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, type ServiceConfig } from '../../../src/app/config.js';
import { createService, recoverAfterStart } from '../../../src/app/service.js';
import { openDatabase } from '../../../src/store/db.js';
import { buildApp } from '../../../src/web/app.js';
import type { Repositories } from '../../../src/store/repositories.js';
import type { EventBus } from '../../../src/dispatch/events.js';
import { DEMO_MAP, DEMO_USERS, ensureDemoUsers, startDemoDrones } from '../../../src/cli/serve.js';

export interface Credentials {
  username: string;
  password: string;
}

export interface ServiceHandle {
  url: string;
  users: { officer: Credentials; pilot: Credentials; admin: Credentials };
  zoneMapFile: string;
  /** Simulated-time factor of the emulated drones. */
  speedup: number;
  /** The service's store, for set-up a page cannot make (a flight's alerts as the fleet records them). */
  repos: Repositories;
  /** The service's event bus, to tell the pages what such set-up changed (as the fleet's store does). */
  bus: EventBus;
  close(): Promise<void>;
}

/**
 * The emulated drones' speed-up in the browser tests. ArduPilot's 8 s mission-upload timeout runs in
 * simulated time (AP_HAL::millis in SITL): at 20× it is 0.4 s of wall time, which a loaded CI machine
 * sometimes stalls longer than, and the vehicle gives the upload up. 10× leaves 0.8 s.
 */
export const E2E_SPEEDUP = 10;

const OWN_MAP = path.join(path.dirname(fileURLToPath(import.meta.url)), 'e2e-town.geojson');

export async function startService(
  opts: { speedup?: number; tileUrl?: string; tileAttribution?: string; config?: Partial<ServiceConfig> } = {},
): Promise<ServiceHandle> {
  const dir = mkdtempSync(path.join(tmpdir(), 'medidrop-e2e-'));
  const zoneMapFile = existsSync(DEMO_MAP) ? DEMO_MAP : OWN_MAP;
  const config = loadConfig({
    env: {},
    overrides: { port: 0, host: '127.0.0.1', db: path.join(dir, 'e2e.sqlite'), simSpeedup: opts.speedup ?? E2E_SPEEDUP, zoneMap: zoneMapFile },
  });
  if (opts.tileUrl) {
    config.tileUrl = opts.tileUrl;
    config.tileAttribution = opts.tileAttribution ?? null;
  }
  Object.assign(config, opts.config ?? {});
  // Several log-ins per minute from one browser are the test, not an attack.
  config.loginRateLimit = { max: 100, windowMs: 60_000 };
  config.handoverRateLimit = { max: 100, windowMs: 60_000 };
  const store = openDatabase(config.db);
  const stops: (() => Promise<void>)[] = [];
  try {
    const parts = await createService({ repos: store.repos, config });
    stops.push(() => parts.close());
    parts.dispatcher.setZoneMap(JSON.parse(readFileSync(zoneMapFile, 'utf8')), null);
    await ensureDemoUsers(store.repos);
    const sim = await startDemoDrones(parts, config.simSpeedup);
    stops.unshift(sim.stop);
    recoverAfterStart(parts);
    const app = await buildApp(parts);
    stops.unshift(() => app.close());
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    const cred = (role: string): Credentials => {
      const u = DEMO_USERS.find((d) => d.role === role)!;
      return { username: u.username, password: u.password };
    };
    return {
      url: address,
      users: { officer: cred('officer'), pilot: cred('pilot'), admin: cred('admin') },
      zoneMapFile,
      speedup: config.simSpeedup,
      repos: store.repos,
      bus: parts.bus,
      close: async () => {
        for (const stop of stops) await stop().catch(() => undefined);
        store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    for (const stop of stops) await stop().catch(() => undefined);
    store.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
