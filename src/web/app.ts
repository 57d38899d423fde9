/**
 * The medidrop fastify app, without listening: `buildApp(deps)` registers cookies, rate limits,
 * OpenAPI, the JSON API and the static pages. Tests drive it with `app.inject`.
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
import { installSse } from './sse.js';
import { accountRoutes } from './routes/accounts.js';
import { fleetAdminRoutes } from './routes/fleet-admin.js';
import { workRoutes } from './routes/work.js';

export type { AppDeps } from './context.js';

export async function buildApp(deps: AppDeps, opts: { logger?: boolean } = {}): Promise<FastifyInstance> {
  const app = Fastify({
    ...(opts.logger === false ? { logger: false } : { loggerInstance: createLogger('web') as FastifyBaseLogger }),
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false } },
  });
  installErrorHandling(app);
  installSse(app);
  await app.register(fastifyCookie);
  await app.register(fastifyRateLimit, { global: false });
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'medidrop', version: '0.1.0', description: 'Drone medicine-delivery service: drop requests, plans, approvals, flights. Contract: src/web/api-types.ts.' },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'medidrop_session' },
          csrf: { type: 'apiKey', in: 'header', name: 'x-csrf-token' },
        },
      },
    },
  });
  installSessions(app, deps.repos);

  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  accountRoutes(app, deps);
  fleetAdminRoutes(app, deps);
  workRoutes(app, deps);

  const publicDir = deps.settings.publicDir ?? join(packageRoot(), 'src', 'web', 'public');
  if (existsSync(publicDir)) {
    await app.register(fastifyStatic, { root: publicDir, prefix: '/', index: ['index.html'], wildcard: true });
  }
  const leafletDir = deps.settings.leafletDir ?? join(packageRoot(), 'node_modules', 'leaflet', 'dist');
  if (existsSync(leafletDir)) {
    await app.register(fastifyStatic, { root: leafletDir, prefix: '/vendor/leaflet/', decorateReply: false });
  }
  await app.ready();
  return app;
}
