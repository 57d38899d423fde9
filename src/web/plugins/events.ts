/**
 * Live events plugin (prefix /api): the server-sent event streams, for any logged-in user, each
 * message filtered by what the user may see. GET /api/events carries `ServiceEvents`,
 * GET /api/flights/:id/events carries `FlightEvents` (a `snapshot` first).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { TERMINAL_STATUSES } from '../../domain/words.js';
import type { BusEvent } from '../../dispatch/events.js';
import { ERROR_RESPONSES, IdParamsSchema, type FlightEvents, type ServiceEvents } from '../api-types.js';
import { guarded, requireUser } from '../auth.js';
import { viewSources, type FeatureOptions } from '../context.js';
import type { SseHub } from '../sse.js';
import { deliveryView, droneView, flightView, missionSummary, queueEtaView, requestView } from '../views.js';
import { mayFollowRequest, visibleFlight } from '../visibility.js';

export interface EventsOptions extends FeatureOptions {
  sse: SseHub;
}

/** The 200 answer of a stream: `event: <name>` and one JSON `data:` line per message (api-types.ts). */
const eventStream = (events: string) =>
  Type.Unsafe<never>({
    description: `text/event-stream; events: ${events}`,
    content: { 'text/event-stream': { schema: Type.String({ description: `event: <name>\\ndata: <JSON>\\n\\n — names and payloads: ${events}` }) } },
  });

export const eventsPlugin: FastifyPluginAsyncTypebox<EventsOptions> = guarded('any', async (app, { deps, sse }) => {
  const { repos, bus } = deps;
  const src = viewSources(deps);

  app.get(
    '/events',
    {
      schema: {
        tags: ['events'],
        summary: 'SSE: request / mission / flight / drone / queue updates the user may see',
        response: { 200: eventStream('ServiceEvents (request, mission, flight, drone, queue)'), ...ERROR_RESPONSES },
      },
    },
    async (req, reply) => {
      const user = requireUser(req);
      const stream = sse.open(req, reply);
      const send = <K extends keyof ServiceEvents>(event: K, data: ServiceEvents[K]) => stream.send(event, data);
      const off = bus.subscribe((e: BusEvent) => {
        if (e.type === 'request') {
          if (!mayFollowRequest(repos, user, e.requestId)) return;
          const r = repos.requests.byId(e.requestId);
          if (r) send('request', requestView(src, r, user));
        } else if (e.type === 'mission') {
          if (user.role === 'officer') return;
          const m = repos.missions.byId(e.missionId);
          if (m) send('mission', missionSummary(src, m));
        } else if (e.type === 'flight') {
          if (!mayFollowRequest(repos, user, e.requestId)) return;
          const f = repos.flights.byId(e.flightId);
          if (f) send('flight', flightView(src, f, { history: false }));
        } else if (e.type === 'drone') {
          if (user.role === 'officer') return;
          const f = deps.fleet.get(e.droneId);
          // a drone's view changes with every position it reports: paced per drone
          if (f) stream.telemetry(`drone:${e.droneId}`, 'drone', droneView(f, deps.dispatcher.profiles.get(f.drone.profileId) ?? null));
        } else if (e.type === 'queue') {
          const etas = deps.etas
            .all()
            .filter((q) => user.role !== 'officer' || mayFollowRequest(repos, user, q.requestId))
            .map((q) => ({ requestId: q.requestId, ...queueEtaView(q)! }));
          send('queue', { etas });
        }
      });
      stream.onClose(off);
    },
  );

  app.get(
    '/flights/:id/events',
    {
      schema: {
        tags: ['events'],
        summary: 'SSE: one flight live (snapshot first, then position, state, battery, link, alerts, progress)',
        params: IdParamsSchema,
        response: { 200: eventStream('FlightEvents (snapshot, position, state, battery, link, mode, alert, progress, delivery, paused)'), ...ERROR_RESPONSES },
      },
    },
    async (req, reply) => {
      const flight = visibleFlight(repos, requireUser(req), Number(req.params.id));
      const stream = sse.open(req, reply);
      const send = <K extends keyof FlightEvents>(event: K, data: FlightEvents[K]) => stream.send(event, data);
      send('snapshot', flightView(src, flight));
      const off = bus.subscribe((e: BusEvent) => {
        if (e.type === 'flight-live' && e.flightId === flight.id) {
          // positions and battery levels are telemetry (paced); state changes, alerts, modes go at once
          if (e.event === 'position' || e.event === 'battery') stream.telemetry(e.event, e.event, e.data);
          else stream.send(e.event, e.data);
        } else if (e.type === 'flight' && e.flightId === flight.id) {
          const f = repos.flights.byId(flight.id);
          if (!f) return;
          const d = repos.flights.delivery(f.id);
          if (d) send('delivery', deliveryView(d));
          if (TERMINAL_STATUSES.includes(f.state)) send('snapshot', flightView(src, f));
        }
      });
      stream.onClose(off);
    },
  );
});
