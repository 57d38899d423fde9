/**
 * The medidrop fastify app, without listening: `buildApp(deps)` registers the checked JSON body
 * parser, security headers, cookies, rate limits, sessions, OpenAPI, one encapsulated plugin per
 * feature of the JSON API, and the static pages. Each feature plugin brings its own role guard(s)
 * and its TypeBox schemas (src/web/api-types.ts). Tests drive the app with `app.inject`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import { packageRoot } from '../package-root.js';
import { createLogger } from '../log.js';
import { installSessions } from './auth.js';
import type { AppDeps } from './context.js';
import { installErrorHandling } from './errors.js';
import { installJsonBodyParser } from './json-body.js';
import { auditPlugin } from './plugins/audit.js';
import { configPlugin } from './plugins/config.js';
import { dronesPlugin } from './plugins/drones.js';
import { eventsPlugin } from './plugins/events.js';
import { flightsPlugin } from './plugins/flights.js';
import { tilesPlugin } from './plugins/tiles.js';
import { handoverPlugin } from './plugins/handover.js';
import { missionsPlugin } from './plugins/missions.js';
import { openapiPlugin } from './plugins/openapi.js';
import { requestsPlugin } from './plugins/requests.js';
import { sessionPlugin } from './plugins/session.js';
import { usersPlugin } from './plugins/users.js';
import { zoneMapPlugin } from './plugins/zone-map.js';
import { installResponseCheck } from './response-check.js';
import { installSecurityHeaders } from './security-headers.js';
import { createSseHub } from './sse.js';

export type { AppDeps } from './context.js';

export interface BuildOptions {
  /** false: no logging (default: the medidrop logger). */
  logger?: boolean;
  /** Answer 500 when a response schema would drop or change part of an answer (response-check.ts). */
  checkResponses?: boolean;
}

export async function buildApp(deps: AppDeps, opts: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    ...(opts.logger === false ? { logger: false } : { loggerInstance: createLogger('web') as FastifyBaseLogger }),
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false } },
  });
  installErrorHandling(app);
  installJsonBodyParser(app);
  await installSecurityHeaders(
    app,
    deps.settings.tileProviders.flatMap((p) => [p.url, ...(p.overlayUrl ? [p.overlayUrl] : [])]),
  );
  if (opts.checkResponses) installResponseCheck(app);
  const sse = createSseHub(app, deps.settings.ssePingMs);
  await app.register(fastifyCookie);
  await app.register(fastifyRateLimit, { global: false });
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'medidrop',
        version: '0.1.0',
        description: 'Drone medicine-delivery service: drop requests, plans, approvals, flights. Contract: src/web/api-types.ts.',
      },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'medidrop_session' },
          csrf: { type: 'apiKey', in: 'header', name: 'x-csrf-token' },
        },
      },
    },
  });
  installSessions(app, deps.repos);

  await app.register(openapiPlugin, { prefix: '/api' });
  await app.register(configPlugin, { prefix: '/api/config', deps });
  await app.register(sessionPlugin, { prefix: '/api', deps });
  await app.register(zoneMapPlugin, { prefix: '/api/zone-map', deps });
  await app.register(dronesPlugin, { prefix: '/api/drones', deps });
  await app.register(usersPlugin, { prefix: '/api/users', deps });
  await app.register(auditPlugin, { prefix: '/api/audit', deps });
  await app.register(requestsPlugin, { prefix: '/api/requests', deps });
  await app.register(missionsPlugin, { prefix: '/api/missions', deps });
  await app.register(flightsPlugin, { prefix: '/api/flights', deps });
  await app.register(eventsPlugin, { prefix: '/api', deps, sse });
  await app.register(handoverPlugin, { prefix: '/api/handover', deps });
  await app.register(tilesPlugin, { prefix: '/tiles/offline', deps });

  const publicDir = deps.settings.publicDir ?? join(packageRoot(), 'src', 'web', 'public');
  if (existsSync(publicDir)) {
    await app.register(fastifyStatic, { root: publicDir, prefix: '/', index: ['index.html'], wildcard: true });
  }
  const leafletDir = deps.settings.leafletDir ?? join(packageRoot(), 'node_modules', 'leaflet', 'dist');
  if (existsSync(leafletDir)) {
    await app.register(fastifyStatic, { root: leafletDir, prefix: '/vendor/leaflet/', decorateReply: false });
  }
  // gcoord's browser build: the pages shift GCJ-02 (AMap) base-map tiles with it
  const gcoordDir = join(packageRoot(), 'node_modules', 'gcoord', 'dist');
  if (existsSync(gcoordDir)) {
    await app.register(fastifyStatic, {
      root: gcoordDir,
      prefix: '/vendor/gcoord/',
      decorateReply: false,
      allowedPath: (p) => p.endsWith('.esm-browser.prod.js'),
    });
  }
  await app.ready();
  return app;
}
