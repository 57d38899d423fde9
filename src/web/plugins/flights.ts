/**
 * Flights plugin (prefix /api/flights): pilots and admins list them; everyone logged in reads the
 * flights they may see (officers: those serving their own requests) and their tracks; pilots
 * abort, pause and resume, and declare a flight lost whose vehicle cannot be reached. The live streams are the events plugin's.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  DeclareLostBodySchema,
  ERROR_RESPONSES,
  FlightCommandBodySchema,
  FlightListQuerySchema,
  FlightListResponseSchema,
  FlightTrackResponseSchema,
  FlightViewSchema,
  IdParamsSchema,
} from '../api-types.js';
import { badRequest } from '../../dispatch/errors.js';
import { guarded, requireUser } from '../auth.js';
import { viewSources, type FeatureOptions } from '../context.js';
import { flightView, plannedRoute } from '../views.js';
import { visibleFlight } from '../visibility.js';

const COMMANDS = {
  abort: 'Abort: return home by the safe path (pilot)',
  pause: 'Hold position (pilot)',
  resume: 'Continue the mission (pilot)',
} as const;

export const flightsPlugin: FastifyPluginAsyncTypebox<FeatureOptions> = async (app, { deps }) => {
  const { repos, flights } = deps;
  const src = viewSources(deps);

  await app.register(
    guarded(['pilot', 'admin'], async (crew) => {
      crew.get(
        '',
        {
          schema: {
            tags: ['flights'],
            summary: 'Flights (active=true: not finished)',
            querystring: FlightListQuerySchema,
            response: { 200: FlightListResponseSchema, ...ERROR_RESPONSES },
          },
        },
        async (req) => ({ flights: repos.flights.list({ unfinished: req.query.active === 'true' }).map((f) => flightView(src, f, { history: false })) }),
      );
    }),
  );

  await app.register(
    guarded('any', async (signedIn) => {
      signedIn.get(
        '/:id',
        {
          schema: {
            tags: ['flights'],
            summary: 'One flight: state, position, battery, link, alerts, transitions',
            params: IdParamsSchema,
            response: { 200: FlightViewSchema, ...ERROR_RESPONSES },
          },
        },
        async (req) => flightView(src, visibleFlight(repos, requireUser(req), Number(req.params.id))),
      );

      signedIn.get(
        '/:id/track',
        {
          schema: {
            tags: ['flights'],
            summary: 'The stored, down-sampled track and the planned route',
            params: IdParamsSchema,
            response: { 200: FlightTrackResponseSchema, ...ERROR_RESPONSES },
          },
        },
        async (req) => {
          const f = visibleFlight(repos, requireUser(req), Number(req.params.id));
          const m = repos.missions.byId(f.missionId);
          return {
            flightId: f.id,
            planned: m ? plannedRoute(m.plan) : [],
            points: repos.track.forFlight(f.id).map((p) => ({
              t: new Date(p.t).toISOString(),
              lat: p.lat,
              lon: p.lon,
              relAltM: p.relAltM,
              groundSpeedMs: p.groundSpeedMs,
              batteryPct: p.batteryPct,
            })),
          };
        },
      );
    }),
  );

  await app.register(
    guarded(['pilot'], async (pilot) => {
      for (const [action, summary] of Object.entries(COMMANDS) as [keyof typeof COMMANDS, string][]) {
        pilot.post(
          `/:id/${action}`,
          {
            // the body is optional: a POST without one means {}
            preValidation: async (req) => {
              if (req.body === undefined || req.body === null) req.body = {};
            },
            schema: {
              tags: ['flights'],
              summary,
              params: IdParamsSchema,
              body: FlightCommandBodySchema,
              response: { 200: FlightViewSchema, ...ERROR_RESPONSES },
            },
          },
          async (req) => {
            const reason = req.body.reason?.trim() || null;
            return flightView(src, await flights.command(requireUser(req), Number(req.params.id), action, reason));
          },
        );
      }
      pilot.post(
        '/:id/declare-lost',
        {
          schema: {
            tags: ['flights'],
            summary: 'Declare a flight lost whose vehicle cannot be reached (pilot): ends it, re-queues the request; audited',
            params: IdParamsSchema,
            body: DeclareLostBodySchema,
            response: { 200: FlightViewSchema, ...ERROR_RESPONSES },
          },
        },
        async (req) => {
          const reason = req.body.reason.trim();
          if (reason.length < 3) throw badRequest('reason', 'reason: say why the flight is declared lost (at least 3 characters)');
          const where = req.body.lastKnownLocation?.trim() || null;
          return flightView(src, await flights.declareLost(requireUser(req), Number(req.params.id), reason, where));
        },
      );
    }),
  );
};
