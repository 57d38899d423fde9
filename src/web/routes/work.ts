/**
 * The day's work: drop requests (officers), missions (pilots), flights (pilots; officers follow
 * their own), the hand-over confirmation (public) and the live event streams.
 */
import { TERMINAL_STATUSES } from '../../domain/words.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { BusEvent } from '../../dispatch/events.js';
import type { DropRequestRecord, ServiceFlight, UserRecord } from '../../store/records.js';
import type {
  ApproveBody,
  ApproveResponse,
  DropRequestBody,
  DropRequestPatchBody,
  FlightTrackResponse,
  HandoverBody,
  HandoverResponse,
  MissionStatus,
  RejectBody,
  RequestStatus,
} from '../api-types.js';
import { guard } from '../auth.js';
import { viewSources, type AppDeps } from '../context.js';
import { openSse } from '../sse.js';
import { dropRequestBody, dropRequestPatch, idParam } from '../schemas.js';
import { flightView, missionDetail, missionSummary, plannedRoute, requestView } from '../views.js';
import { badRequest, notFound } from '../../dispatch/errors.js';

const REQUEST_STATUSES: RequestStatus[] = ['awaiting-approval', 'unservable', 'rejected', 'in-flight', 'delivered', 'failed', 'cancelled'];
const MISSION_STATUSES: MissionStatus[] = ['awaiting-approval', 'approved', 'rejected', 'superseded', 'infeasible'];

function checkDropPoint(dp: DropRequestBody['dropPoint'] | undefined): void {
  if (dp === undefined) return;
  const o = dp as Record<string, unknown>;
  const hasName = o.name !== undefined;
  const hasLat = o.lat !== undefined;
  const hasLon = o.lon !== undefined;
  if (hasName && (hasLat || hasLon)) throw badRequest('dropPoint', 'dropPoint: give either a name or lat and lon, not both');
  if (!hasName && !(hasLat && hasLon)) throw badRequest(hasLat ? 'dropPoint.lon' : 'dropPoint.lat', `dropPoint.${hasLat ? 'lon' : 'lat'} is required with coordinates (or give dropPoint.name)`);
}

export function workRoutes(app: FastifyInstance, deps: AppDeps): void {
  const { repos, requests, flights, bus, settings } = deps;
  const src = viewSources(deps);

  /** Officers see their own requests only (others are "not found", not "forbidden": ids are not probed). */
  const visibleRequest = (user: UserRecord, id: number): DropRequestRecord => {
    const r = repos.requests.byId(id);
    if (!r || (user.role === 'officer' && r.officerId !== user.id)) throw notFound(`drop request ${id}`);
    return r;
  };
  const visibleFlight = (user: UserRecord, id: number): ServiceFlight => {
    const f = repos.flights.byId(id);
    if (!f) throw notFound(`flight ${id}`);
    if (user.role === 'officer' && repos.requests.byId(f.requestId)?.officerId !== user.id) throw notFound(`flight ${id}`);
    return f;
  };

  // ─── drop requests ──────────────────────────────────────────────────────────────────────────

  app.post<{ Body: DropRequestBody }>('/api/requests', {
    onRequest: guard(['officer']),
    schema: {
      tags: ['requests'],
      summary: 'Queue a medicine drop (officer); planned at once. Idempotency-Key header required.',
      headers: { type: 'object', properties: { 'idempotency-key': { type: 'string', description: '8–128 characters, fresh per new request' } } },
      body: dropRequestBody,
    },
  }, async (req, reply) => {
    checkDropPoint(req.body.dropPoint);
    const key = req.headers['idempotency-key'];
    const { request, replay } = await requests.create(req.user!, req.body, typeof key === 'string' ? key : '');
    return reply.code(replay ? 200 : 201).header('idempotent-replay', replay ? 'true' : 'false').send(requestView(src, request, req.user!));
  });

  app.get<{ Querystring: { status?: RequestStatus } }>('/api/requests', {
    onRequest: guard('any'),
    schema: {
      tags: ['requests'],
      summary: 'Drop requests, newest first (officer: own; pilot/admin: all)',
      querystring: { type: 'object', additionalProperties: false, properties: { status: { type: 'string', enum: REQUEST_STATUSES } } },
    },
  }, async (req) => {
    const user = req.user!;
    const list = repos.requests.list({ ...(user.role === 'officer' ? { officerId: user.id } : {}), ...(req.query.status ? { status: req.query.status } : {}) });
    return { requests: list.map((r) => requestView(src, r, user)) };
  });

  app.get<{ Params: { id: string } }>('/api/requests/:id', {
    onRequest: guard('any'),
    schema: { tags: ['requests'], summary: 'One drop request with status and ETA', params: idParam },
  }, async (req) => requestView(src, visibleRequest(req.user!, Number(req.params.id)), req.user!));

  app.patch<{ Params: { id: string }; Body: DropRequestPatchBody }>('/api/requests/:id', {
    onRequest: guard(['officer']),
    schema: { tags: ['requests'], summary: 'Edit own request before approval (officer); re-planned', params: idParam, body: dropRequestPatch },
  }, async (req) => {
    checkDropPoint(req.body.dropPoint);
    return requestView(src, await requests.update(req.user!, Number(req.params.id), req.body), req.user!);
  });

  app.delete<{ Params: { id: string }; Body: { reason?: string } | undefined }>('/api/requests/:id', {
    onRequest: guard(['officer']),
    schema: {
      tags: ['requests'],
      summary: 'Cancel own request before approval (officer)',
      params: idParam,
    },
  }, async (req) => {
    const body = req.body as { reason?: unknown } | undefined;
    const reason = typeof body?.reason === 'string' && body.reason.trim() ? body.reason.trim().slice(0, 500) : null;
    return requestView(src, requests.cancel(req.user!, Number(req.params.id), reason), req.user!);
  });

  // ─── missions ───────────────────────────────────────────────────────────────────────────────

  app.get<{ Querystring: { status?: MissionStatus } }>('/api/missions', {
    onRequest: guard(['pilot', 'admin']),
    schema: {
      tags: ['missions'],
      summary: 'Missions by status, most urgent first, then oldest request first',
      querystring: { type: 'object', additionalProperties: false, properties: { status: { type: 'string', enum: MISSION_STATUSES } } },
    },
  }, async (req) => ({ missions: repos.missions.list(req.query.status).map((m) => missionSummary(src, m)) }));

  app.get<{ Params: { id: string } }>('/api/missions/:id', {
    onRequest: guard(['pilot', 'admin']),
    schema: { tags: ['missions'], summary: 'Plan detail for review: geometry, numbers, checks', params: idParam },
  }, async (req) => {
    const m = repos.missions.byId(Number(req.params.id));
    if (!m) throw notFound(`mission ${req.params.id}`);
    return missionDetail(src, m, req.user!);
  });

  app.post<{ Params: { id: string }; Body: ApproveBody }>('/api/missions/:id/approve', {
    onRequest: guard(['pilot']),
    schema: {
      tags: ['missions'],
      summary: 'Approve with the ticked pre-flight checklist (pilot): starts the flight',
      params: idParam,
      body: {
        type: 'object',
        required: ['checklist'],
        additionalProperties: false,
        properties: { checklist: { type: 'array', items: { type: 'string', maxLength: 64 }, maxItems: 50, uniqueItems: true } },
      },
    },
  }, async (req) => {
    const flight = flights.approve(req.user!, Number(req.params.id), req.body.checklist);
    const body: ApproveResponse = { mission: missionSummary(src, repos.missions.byId(flight.missionId)!), flight: flightView(src, repos.flights.byId(flight.id)!) };
    return body;
  });

  app.post<{ Params: { id: string }; Body: RejectBody }>('/api/missions/:id/reject', {
    onRequest: guard(['pilot']),
    schema: {
      tags: ['missions'],
      summary: 'Reject with a reason (pilot)',
      params: idParam,
      body: { type: 'object', required: ['reason'], additionalProperties: false, properties: { reason: { type: 'string', minLength: 3, maxLength: 500 } } },
    },
  }, async (req) => {
    const reason = req.body.reason.trim();
    if (reason.length < 3) throw badRequest('reason', 'reason must say why (at least 3 characters)');
    flights.reject(req.user!, Number(req.params.id), reason);
    return missionSummary(src, repos.missions.byId(Number(req.params.id))!);
  });

  // ─── flights ────────────────────────────────────────────────────────────────────────────────

  app.get<{ Querystring: { active?: 'true' | 'false' } }>('/api/flights', {
    onRequest: guard(['pilot', 'admin']),
    schema: {
      tags: ['flights'],
      summary: 'Flights (active=true: not finished)',
      querystring: { type: 'object', additionalProperties: false, properties: { active: { type: 'string', enum: ['true', 'false'] } } },
    },
  }, async (req) => ({ flights: repos.flights.list({ unfinished: req.query.active === 'true' }).map((f) => flightView(src, f, { history: false })) }));

  app.get<{ Params: { id: string } }>('/api/flights/:id', {
    onRequest: guard('any'),
    schema: { tags: ['flights'], summary: 'One flight: state, position, battery, link, alerts, transitions', params: idParam },
  }, async (req) => flightView(src, visibleFlight(req.user!, Number(req.params.id))));

  for (const action of ['abort', 'pause', 'resume'] as const) {
    app.post<{ Params: { id: string }; Body: { reason?: string } | undefined }>(`/api/flights/:id/${action}`, {
      onRequest: guard(['pilot']),
      // the body is optional: a POST without one means {}
      preValidation: (req, _reply, done) => {
        if (req.body === undefined || req.body === null) req.body = {};
        done();
      },
      schema: {
        tags: ['flights'],
        summary: action === 'abort' ? 'Abort: return home by the safe path (pilot)' : action === 'pause' ? 'Hold position (pilot)' : 'Continue the mission (pilot)',
        params: idParam,
        body: { type: 'object', additionalProperties: false, properties: { reason: { type: 'string', maxLength: 500 } } },
      },
    }, async (req) => {
      const reason = req.body?.reason?.trim() || null;
      const f = await flights.command(req.user!, Number(req.params.id), action, reason);
      return flightView(src, f);
    });
  }

  app.get<{ Params: { id: string } }>('/api/flights/:id/track', {
    onRequest: guard('any'),
    schema: { tags: ['flights'], summary: 'The stored, down-sampled track and the planned route', params: idParam },
  }, async (req) => {
    const f = visibleFlight(req.user!, Number(req.params.id));
    const m = repos.missions.byId(f.missionId);
    const body: FlightTrackResponse = {
      flightId: f.id,
      planned: m ? plannedRoute(m.plan) : [],
      points: repos.track.forFlight(f.id).map((p) => ({ t: new Date(p.t).toISOString(), lat: p.lat, lon: p.lon, relAltM: p.relAltM, groundSpeedMs: p.groundSpeedMs, batteryPct: p.batteryPct })),
    };
    return body;
  });

  // ─── live streams ───────────────────────────────────────────────────────────────────────────

  const officerMay = (user: UserRecord, requestId: number) => user.role !== 'officer' || repos.requests.byId(requestId)?.officerId === user.id;

  app.get('/api/events', {
    onRequest: guard('any'),
    schema: { tags: ['events'], summary: 'SSE: request / mission / flight updates the user may see' },
  }, async (req: FastifyRequest, reply) => {
    const user = req.user!;
    const stream = openSse(app, req, reply, settings.ssePingMs);
    const off = bus.subscribe((e: BusEvent) => {
      if (e.type === 'request') {
        if (!officerMay(user, e.requestId)) return;
        const r = repos.requests.byId(e.requestId);
        if (r) stream.send('request', requestView(src, r, user));
      } else if (e.type === 'mission') {
        if (user.role === 'officer') return;
        const m = repos.missions.byId(e.missionId);
        if (m) stream.send('mission', missionSummary(src, m));
      } else if (e.type === 'flight') {
        if (!officerMay(user, e.requestId)) return;
        const f = repos.flights.byId(e.flightId);
        if (f) stream.send('flight', flightView(src, f, { history: false }));
      }
    });
    stream.onClose(off);
  });

  app.get<{ Params: { id: string } }>('/api/flights/:id/events', {
    onRequest: guard('any'),
    schema: { tags: ['events'], summary: 'SSE: one flight live (snapshot first, then position, state, battery, link, alerts, progress)', params: idParam },
  }, async (req, reply) => {
    const flight = visibleFlight(req.user!, Number(req.params.id));
    const stream = openSse(app, req, reply, settings.ssePingMs);
    stream.send('snapshot', flightView(src, flight));
    const off = bus.subscribe((e: BusEvent) => {
      if (e.type === 'flight-live' && e.flightId === flight.id) stream.send(e.event, e.data);
      else if (e.type === 'flight' && e.flightId === flight.id) {
        const f = repos.flights.byId(flight.id);
        if (!f) return;
        const d = repos.flights.delivery(f.id);
        if (d) stream.send('delivery', { at: d.at, lat: d.lat, lon: d.lon, distanceM: d.distanceM, confirmedAt: d.confirmedAt });
        if (TERMINAL_STATUSES.includes(f.state)) stream.send('snapshot', flightView(src, f));
      }
    });
    stream.onClose(off);
  });

  // ─── hand-over (public) ─────────────────────────────────────────────────────────────────────

  app.post<{ Body: HandoverBody }>('/api/handover', {
    config: { rateLimit: { max: settings.handoverRateLimit.max, timeWindow: settings.handoverRateLimit.windowMs } },
    schema: {
      tags: ['hand-over'],
      summary: 'The recipient confirms receipt with the hand-over code (public, rate-limited)',
      body: {
        type: 'object',
        required: ['requestId', 'code'],
        additionalProperties: false,
        properties: { requestId: { type: 'integer', minimum: 1 }, code: { type: 'string', minLength: 4, maxLength: 16 } },
      },
    },
  }, async (req, reply) => {
    try {
      const { request, confirmedAt } = await requests.confirmHandover(req.body.requestId, req.body.code);
      const body: HandoverResponse = { requestId: request.id, confirmedAt, medicine: request.medicine };
      return body;
    } catch (err) {
      if (err instanceof Error && 'code' in err && (err as { code: string }).code === 'bad-request') {
        repos.audit.append({ actorId: null, action: 'handover.failed', subjectType: 'request', subjectId: req.body.requestId, details: { ip: req.ip } });
      }
      throw err;
    }
  });

}
