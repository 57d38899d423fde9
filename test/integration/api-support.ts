/**
 * Shared set-up for the API tests: an in-memory store, the real planner and zone-map parser, a small
 * zone map, one user per role (plus a second officer), one drone, and log-in helpers.
 */
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { defaultConfig, type ServiceConfig } from '../../src/app/config.js';
import { packageRoot } from '../../src/package-root.js';
import { createService, type ServiceParts } from '../../src/app/service.js';
import type { FlightStarter } from '../../src/dispatch/flights.js';
import { openDatabase } from '../../src/store/db.js';
import { hashPassword } from '../../src/store/passwords.js';
import { buildApp } from '../../src/web/app.js';
import type { WebSettings } from '../../src/web/context.js';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { type PgCluster, POSTGRES, SKIP_REASON, startPostgres } from '../support/postgres.js';

/** ~600 m from the depot to the compound gate; a far checkpoint ~45 km away (out of range). */
export const DEPOT: [number, number] = [113.6, 34.75];
export const GATE: [number, number] = [113.6055, 34.7535];
export const FAR: [number, number] = [114.1, 34.75];

function square(c: [number, number], d: number): [number, number][][] {
  return [
    [
      [c[0] - d, c[1] - d],
      [c[0] + d, c[1] - d],
      [c[0] + d, c[1] + d],
      [c[0] - d, c[1] + d],
      [c[0] - d, c[1] - d],
    ],
  ];
}

export function fixtureMap(extra: { withGate?: boolean } = {}) {
  const withGate = extra.withGate ?? true;
  return {
    type: 'FeatureCollection',
    properties: { name: 'Test town' },
    features: [
      { type: 'Feature', properties: { kind: 'depot', name: 'East Police Station' }, geometry: { type: 'Point', coordinates: DEPOT } },
      ...(withGate
        ? [{ type: 'Feature', properties: { kind: 'drop-point', name: 'Sunrise Compound Gate' }, geometry: { type: 'Point', coordinates: GATE } }]
        : []),
      { type: 'Feature', properties: { kind: 'drop-point', name: 'Far Checkpoint' }, geometry: { type: 'Point', coordinates: FAR } },
      { type: 'Feature', properties: { kind: 'sealed', name: 'Sunrise Compound' }, geometry: { type: 'Polygon', coordinates: square(GATE, 0.0015) } },
      {
        type: 'Feature',
        properties: { kind: 'no-fly', name: 'Testing Site', reason: 'testing site', temporary: true },
        geometry: { type: 'Polygon', coordinates: square([113.60275, 34.75175], 0.0005) },
      },
    ],
  };
}

export const PASSWORD = 'medidrop-test-pw';
export const CHECKLIST = ['airspace', 'weather', 'battery', 'payload', 'drop-zone', 'propellers'];

export interface Session {
  cookie: string;
  csrf: string;
  userId: number;
}

export interface TestApp {
  app: FastifyInstance;
  parts: ServiceParts;
  login(username: string, password?: string): Promise<Session>;
  /** inject as a logged-in user, CSRF header included unless csrf === false. */
  as(s: Session | null, opts: InjectOptions & { csrf?: boolean }): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/**
 * MEDIDROP_TEST_DB=postgres runs the API tests on PostgreSQL: one throwaway cluster per test file
 * (test/support/postgres.ts), a fresh database per app instead of ':memory:'.
 */
const onPostgres = process.env.MEDIDROP_TEST_DB === 'postgres';
let cluster: Promise<PgCluster> | null = null;
if (onPostgres) {
  if (!POSTGRES) throw new Error(`MEDIDROP_TEST_DB=postgres: ${SKIP_REASON}`);
  afterAll(async () => {
    await (await cluster)?.stop();
  });
}
async function freshDatabase(): Promise<string> {
  if (!onPostgres) return ':memory:';
  cluster ??= startPostgres();
  return (await cluster).newDatabase();
}

export async function makeTestApp(
  o: { config?: Partial<ServiceConfig>; web?: Partial<WebSettings>; starter?: FlightStarter | null | 'fleet'; db?: string } = {},
): Promise<TestApp> {
  const store = openDatabase(o.db ?? (await freshDatabase()));
  const config: ServiceConfig = {
    ...defaultConfig(),
    dronesDir: join(packageRoot(), 'missions', 'drones'),
    loginRateLimit: { max: 1000, windowMs: 60_000 },
    handoverRateLimit: { max: 1000, windowMs: 60_000 },
    weather: { windSpeedMs: 2, windFromDeg: 270, temperatureC: 15 },
    ...o.config,
  };
  const parts = await createService({
    repos: store.repos,
    config,
    ...(o.starter === 'fleet' ? {} : { starter: o.starter ?? null }),
    ...(o.web ? { web: o.web } : {}),
  });
  const { repos } = parts;
  if (!repos.zoneMaps.latest()) {
    await parts.dispatcher.setZoneMap(fixtureMap(), null);
    const hash = await hashPassword(PASSWORD);
    for (const [username, name, role] of [
      ['officer.li', 'Li Wei', 'officer'],
      ['officer.wu', 'Wu Fang', 'officer'],
      ['pilot.zhao', 'Zhao Min', 'pilot'],
      ['admin.chen', 'Chen Jie', 'admin'],
    ] as const) {
      repos.users.create({ username, name, role, passwordHash: hash });
    }
    repos.drones.create({
      id: 'md-1',
      name: 'MD-1',
      profileId: 'police-quad',
      depot: 'East Police Station',
      connectionUrl: 'tcp://127.0.0.1:9',
      sysid: 1,
      enabled: true,
    });
  }
  const app = await buildApp(parts, { checkResponses: true });
  return {
    app,
    parts,
    async login(username, password = PASSWORD) {
      const res = await app.inject({ method: 'POST', url: '/api/session', payload: { username, password } });
      if (res.statusCode !== 200) throw new Error(`login ${username}: ${res.statusCode} ${res.body}`);
      const cookie = res.cookies.find((c) => c.name === 'medidrop_session');
      const body = res.json() as { csrfToken: string; user: { id: number } };
      return { cookie: `medidrop_session=${cookie!.value}`, csrf: body.csrfToken, userId: body.user.id };
    },
    as(s, opts) {
      const { csrf, ...rest } = opts;
      const headers: Record<string, string> = { ...(rest.headers as Record<string, string> | undefined) };
      if (s) {
        headers.cookie = s.cookie;
        if (csrf !== false) headers['x-csrf-token'] = s.csrf;
      }
      return app.inject({ ...rest, headers });
    },
    async close() {
      await app.close();
      await parts.close();
      store.close();
    },
  };
}

let keyCounter = 0;
export function newKey(): string {
  return `test-key-${process.pid}-${Date.now()}-${++keyCounter}`;
}

export function requestBody(over: Record<string, unknown> = {}) {
  return {
    recipient: 'Grandma Wang',
    phone: '138 0013 8000',
    dropPoint: { name: 'Sunrise Compound Gate' },
    medicine: 'nifedipine (blood pressure)',
    weightKg: 0.3,
    urgency: 'urgent',
    notes: 'lives alone, 6th floor',
    ...over,
  };
}
