/**
 * Missions plugin (prefix /api/missions): pilots and admins read the queue and a plan's detail;
 * pilots approve (which starts the flight), reject, or move it to another drone.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { badRequest, conflict, notFound } from '../../dispatch/errors.js';
import {
  ApproveBodySchema,
  ApproveResponseSchema,
  ERROR_RESPONSES,
  IdParamsSchema,
  MissionDetailSchema,
  MissionListQuerySchema,
  MissionListResponseSchema,
  MissionSummarySchema,
  ReassignBodySchema,
  ReassignResponseSchema,
  RejectBodySchema,
} from '../api-types.js';
import { guarded, requireUser } from '../auth.js';
import { viewSources, type FeatureOptions } from '../context.js';
import { flightView, missionDetail, missionSummary } from '../views.js';

export const missionsPlugin: FastifyPluginAsyncTypebox<FeatureOptions> = async (app, { deps }) => {
  const { repos, flights } = deps;
  const src = viewSources(deps);
  const mission = (id: number) => {
    const m = repos.missions.byId(id);
    if (!m) throw notFound(`mission ${id}`);
    return m;
  };

  await app.register(
    guarded(['pilot', 'admin'], async (crew) => {
      crew.get(
        '',
        {
          schema: {
            tags: ['missions'],
            summary: 'Missions by status, most urgent first, then oldest request first',
            querystring: MissionListQuerySchema,
            response: { 200: MissionListResponseSchema, ...ERROR_RESPONSES },
          },
        },
        async (req) => ({ missions: repos.missions.list(req.query.status).map((m) => missionSummary(src, m)) }),
      );

      crew.get(
        '/:id',
        {
          schema: {
            tags: ['missions'],
            summary: 'Plan detail for review: geometry, numbers, checks',
            params: IdParamsSchema,
            response: { 200: MissionDetailSchema, ...ERROR_RESPONSES },
          },
        },
        async (req) => missionDetail(src, mission(Number(req.params.id)), requireUser(req)),
      );
    }),
  );

  await app.register(
    guarded(['pilot'], async (pilot) => {
      pilot.post(
        '/:id/approve',
        {
          schema: {
            tags: ['missions'],
            summary: 'Approve the reviewed request version with the ticked pre-flight checklist (pilot): starts the flight; 409 with a reason when stale',
            params: IdParamsSchema,
            body: ApproveBodySchema,
            response: { 200: ApproveResponseSchema, ...ERROR_RESPONSES },
          },
        },
        async (req) => {
          const flight = await flights.approve(requireUser(req), Number(req.params.id), req.body.checklist, req.body.requestVersion);
          const created = repos.flights.byId(flight.id);
          if (!created) throw notFound(`flight ${flight.id}`);
          return { mission: missionSummary(src, mission(flight.missionId)), flight: flightView(src, created) };
        },
      );

      pilot.post(
        '/:id/reassign',
        {
          schema: {
            tags: ['missions'],
            summary: "Plan the mission's request on another drone the pilot chose (pilot)",
            params: IdParamsSchema,
            body: ReassignBodySchema,
            response: { 200: ReassignResponseSchema, ...ERROR_RESPONSES },
          },
        },
        async (req) => {
          const user = requireUser(req);
          const m = mission(Number(req.params.id));
          const request = repos.requests.byId(m.requestId);
          if (!request || request.missionId !== m.id || (m.status !== 'awaiting-approval' && m.status !== 'infeasible'))
            throw conflict(
              `mission ${m.id} is ${m.status}${request && request.missionId !== m.id ? ' (the request has a newer plan)' : ''}; only the current plan of a waiting request can move to another drone`,
            );
          const drone = repos.drones.byId(req.body.droneId);
          if (!drone) throw notFound(`drone '${req.body.droneId}'`);
          if (!drone.enabled) throw conflict(`drone ${drone.id} is in maintenance`, 'droneId');
          const o = await deps.dispatcher.planRequest(request.id, `pilot ${user.username} chose drone ${drone.id}`, { droneId: drone.id, actorId: user.id });
          const cur = repos.requests.byId(request.id);
          const now = cur?.missionId != null ? repos.missions.byId(cur.missionId) : null;
          const feasible = o.changed === true && o.mission?.droneId === drone.id && o.status === 'awaiting-approval';
          return { feasible, reasons: feasible ? [] : o.reasons, mission: now ? missionSummary(src, now) : null };
        },
      );

      pilot.post(
        '/:id/reject',
        {
          schema: {
            tags: ['missions'],
            summary: 'Reject with a reason (pilot)',
            params: IdParamsSchema,
            body: RejectBodySchema,
            response: { 200: MissionSummarySchema, ...ERROR_RESPONSES },
          },
        },
        async (req) => {
          const reason = req.body.reason.trim();
          if (reason.length < 3) throw badRequest('reason', 'reason must say why (at least 3 characters)');
          flights.reject(requireUser(req), Number(req.params.id), reason);
          return missionSummary(src, mission(Number(req.params.id)));
        },
      );
    }),
  );
};
