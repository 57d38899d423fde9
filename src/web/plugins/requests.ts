/**
 * Drop requests plugin (prefix /api/requests): every logged-in user lists and reads the requests
 * they may see (officers: their own); officers queue, edit and cancel their own.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { FastifyRequest } from 'fastify';
import { badRequest } from '../../dispatch/errors.js';
import { feasibilityView } from '../../dispatch/feasibility.js';
import {
  DropRequestBodySchema,
  DropRequestPreviewBodySchema,
  FeasibilityViewSchema,
  DropRequestPatchBodySchema,
  DropRequestViewSchema,
  ApiErrorSchema,
  ERROR_RESPONSES,
  IdempotencyHeadersSchema,
  IdParamsSchema,
  RequestListQuerySchema,
  RequestListResponseSchema,
} from '../api-types.js';
import { guarded, requireUser } from '../auth.js';
import { viewSources, type FeatureOptions } from '../context.js';
import { outboundDurationS, requestView } from '../views.js';
import { visibleRequest } from '../visibility.js';

/**
 * The drop point is a name or coordinates, never both and never half a coordinate. The schema
 * (DropPointBodySchema) is the looser "any of name, lat, lon" so that ajv can name the field at
 * fault; this preHandler runs after it, so the handler sees the union DropRequestFields states.
 */
const checkDropPoint = async (req: FastifyRequest): Promise<void> => {
  const dp = (req.body as { dropPoint?: Record<string, unknown> } | undefined)?.dropPoint;
  if (dp !== undefined) {
    const hasName = dp.name !== undefined;
    const hasLat = dp.lat !== undefined;
    const hasLon = dp.lon !== undefined;
    if (hasName && (hasLat || hasLon)) throw badRequest('dropPoint', 'dropPoint: give either a name or lat and lon, not both');
    if (!hasName && !(hasLat && hasLon)) {
      throw badRequest(hasLat ? 'dropPoint.lon' : 'dropPoint.lat', `dropPoint.${hasLat ? 'lon' : 'lat'} is required with coordinates (or give dropPoint.name)`);
    }
  }
};

/**
 * Previews per officer and minute: a debounced form sends one every few keystrokes; a script
 * hammering the planner is turned away (429) long before it could keep the workers busy.
 */
export const PREVIEW_RATE_LIMIT = { max: 60, timeWindow: 60_000 };

/** DELETE's optional body `{ reason }`: a reason given as text, trimmed, at most 500 characters. */
function cancelReason(body: unknown): string | null {
  const reason = typeof body === 'object' && body !== null && 'reason' in body ? body.reason : undefined;
  return typeof reason === 'string' && reason.trim() ? reason.trim().slice(0, 500) : null;
}

export const requestsPlugin: FastifyPluginAsyncTypebox<FeatureOptions> = async (app, { deps }) => {
  const { repos, requests } = deps;
  const src = viewSources(deps);

  await app.register(
    guarded('any', async (signedIn) => {
      signedIn.get(
        '',
        {
          schema: {
            tags: ['requests'],
            summary: 'Drop requests, newest first (officer: own; pilot/admin: all)',
            querystring: RequestListQuerySchema,
            response: { 200: RequestListResponseSchema, ...ERROR_RESPONSES },
          },
        },
        async (req) => {
          const user = requireUser(req);
          const list = repos.requests.list({
            ...(user.role === 'officer' ? { officerId: user.id } : {}),
            ...(req.query.status ? { status: req.query.status } : {}),
          });
          return { requests: list.map((r) => requestView(src, r, user)) };
        },
      );

      signedIn.get(
        '/:id',
        {
          schema: {
            tags: ['requests'],
            summary: 'One drop request with status and ETA',
            params: IdParamsSchema,
            response: { 200: DropRequestViewSchema, ...ERROR_RESPONSES },
          },
        },
        async (req) => {
          const user = requireUser(req);
          return requestView(src, visibleRequest(repos, user, Number(req.params.id)), user);
        },
      );
    }),
  );

  await app.register(
    guarded(['officer'], async (officer) => {
      officer.post(
        '',
        {
          preHandler: checkDropPoint,
          schema: {
            tags: ['requests'],
            summary: 'Queue a medicine drop (officer); planned before it is stored: 422 when no drone could ever serve it. Idempotency-Key header required.',
            headers: IdempotencyHeadersSchema,
            body: DropRequestBodySchema,
            response: {
              200: Type.With(DropRequestViewSchema, {
                description: 'The request created the first time with this Idempotency-Key (header idempotent-replay: true)',
              }),
              201: Type.With(DropRequestViewSchema, { description: 'Created and planned' }),
              422: Type.With(ApiErrorSchema, {
                description:
                  'infeasible: no registered drone could ever serve it (error.reasons say why, per drone); nothing is stored and no hand-over code issued',
              }),
              ...ERROR_RESPONSES,
            },
          },
        },
        async (req, reply) => {
          const user = requireUser(req);
          const key = req.headers['idempotency-key'];
          const { request, replay } = await requests.create(user, req.body, typeof key === 'string' ? key : '');
          return reply
            .code(replay ? 200 : 201)
            .header('idempotent-replay', replay ? 'true' : 'false')
            .send(requestView(src, request, user));
        },
      );

      officer.post(
        '/preview',
        {
          preHandler: checkDropPoint,
          config: { rateLimit: { ...PREVIEW_RATE_LIMIT, keyGenerator: (req: FastifyRequest) => `preview:${req.user?.id ?? req.ip}` } },
          schema: {
            tags: ['requests'],
            summary:
              'What the planner says before submitting (officer): best drone and depot, distance, flight time, ETA, or why not — and whether POST /api/requests would refuse it. Stores nothing.',
            body: DropRequestPreviewBodySchema,
            response: { 200: FeasibilityViewSchema, ...ERROR_RESPONSES },
          },
        },
        async (req) => {
          const user = requireUser(req);
          const { assessed } = await requests.preview(user, req.body);
          return feasibilityView(assessed, Date.parse(repos.now()), outboundDurationS, (id) => repos.drones.byId(id)?.name ?? null);
        },
      );

      officer.patch(
        '/:id',
        {
          preHandler: checkDropPoint,
          schema: {
            tags: ['requests'],
            summary: 'Edit own request before approval (officer); re-planned',
            params: IdParamsSchema,
            body: DropRequestPatchBodySchema,
            response: { 200: DropRequestViewSchema, ...ERROR_RESPONSES },
          },
        },
        async (req) => {
          const user = requireUser(req);
          return requestView(src, await requests.update(user, Number(req.params.id), req.body), user);
        },
      );

      officer.delete(
        '/:id',
        {
          schema: {
            tags: ['requests'],
            summary: 'Cancel own request before approval (officer); optional body { reason }',
            params: IdParamsSchema,
            response: { 200: DropRequestViewSchema, ...ERROR_RESPONSES },
          },
        },
        async (req) => {
          const user = requireUser(req);
          return requestView(src, requests.cancel(user, Number(req.params.id), cancelReason(req.body)), user);
        },
      );
    }),
  );
};
