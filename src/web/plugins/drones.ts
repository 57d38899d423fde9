/**
 * Drones plugin (prefix /api/drones): pilots and admins list them with their fleet state, battery,
 * link and position (and the queue's ETAs); admins add and change them (turnaround time,
 * maintenance = enabled false), and pilots confirm a drone declared lost was recovered.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { badRequest, conflict, notFound } from '../../dispatch/errors.js';
import { parseConnectionUrl } from '../../mavlink/url.js';
import type { DroneRecord } from '../../store/records.js';
import {
  DroneCreateBodySchema,
  DroneIdParamsSchema,
  DroneListResponseSchema,
  DronePatchBodySchema,
  DroneRecoveredBodySchema,
  DroneRecoveredResponseSchema,
  DroneProfileListResponseSchema,
  DroneViewSchema,
  ERROR_RESPONSES,
  LinkTestBodySchema,
  LinkTestResponseSchema,
  type DroneCreateBody,
  type DronePatchBody,
  type DroneView,
} from '../api-types.js';
import { guarded, requireUser } from '../auth.js';
import { droneView, queueEtaView } from '../views.js';
import type { AppDeps, FeatureOptions } from '../context.js';

function view({ dispatcher, fleet, repos }: AppDeps, d: DroneRecord): DroneView {
  const f = fleet.get(d.id);
  if (!f) throw notFound(`drone '${d.id}'`);
  const lost = repos.flights.lostUnrecovered().some((l) => l.droneId === d.id);
  return droneView(f, dispatcher.profiles.get(d.profileId) ?? null, lost);
}

/** What the schema cannot know: the profile exists, the URL parses, the depot is on the zone map. */
function checkDrone({ dispatcher }: AppDeps, b: Partial<DroneCreateBody>): void {
  if (b.profileId !== undefined && !dispatcher.profiles.has(b.profileId)) {
    throw badRequest('profileId', `profileId '${b.profileId}' is not a known drone profile (known: ${[...dispatcher.profiles.keys()].join(', ')})`);
  }
  if (b.connectionUrl !== undefined) {
    try {
      parseConnectionUrl(b.connectionUrl);
    } catch (err) {
      throw badRequest('connectionUrl', `connectionUrl: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const map = dispatcher.zoneMap()?.map;
  if (b.depot !== undefined && map && !map.depots.some((d) => d.name === b.depot)) {
    throw badRequest('depot', `depot '${b.depot}' is not a depot on the zone map (known: ${map.depots.map((d) => d.name).join(', ')})`);
  }
}

/**
 * A drone on an unfinished flight keeps its link and stays enabled: the running flight holds the
 * link it was started on, and the planner must not see the drone vanish mid-flight.
 */
function checkNotFlying({ repos }: AppDeps, d: DroneRecord, b: DronePatchBody): void {
  const changes: string[] = [];
  if (b.enabled === false && d.enabled) changes.push('disabled');
  if (b.connectionUrl !== undefined && b.connectionUrl !== d.connectionUrl) changes.push('given another connection URL');
  if (b.sysid !== undefined && b.sysid !== d.sysid) changes.push('given another sysid');
  if (changes.length === 0) return;
  const flight = repos.flights.list({ unfinished: true }).find((f) => f.droneId === d.id);
  if (flight)
    throw conflict(
      `drone ${d.id} is on flight ${flight.id} (${flight.state}): it cannot be ${changes.join(' or ')} until the flight has finished`,
      changes[0] === 'disabled' ? 'enabled' : b.connectionUrl !== undefined ? 'connectionUrl' : 'sysid',
    );
}

/** The link test's bound on connecting plus the first heartbeat, by default. */
const LINK_TEST_TIMEOUT_S = 10;

export const dronesPlugin: FastifyPluginAsyncTypebox<FeatureOptions> = async (app, { deps }) => {
  const { repos, dispatcher } = deps;

  await app.register(
    guarded(['pilot', 'admin'], async (crew) => {
      crew.get(
        '',
        { schema: { tags: ['drones'], summary: 'Drones and their status', response: { 200: DroneListResponseSchema, ...ERROR_RESPONSES } } },
        async () => ({
          drones: deps.fleet.list().map((f) => view(deps, f.drone)),
          queue: deps.etas.all().map((e) => ({ requestId: e.requestId, ...queueEtaView(e)! })),
        }),
      );

      crew.post(
        '/:id/recovered',
        {
          schema: {
            tags: ['drones'],
            summary: 'Confirm where a drone declared lost is (pilot, admin); it is planned on again. Audited',
            params: DroneIdParamsSchema,
            body: DroneRecoveredBodySchema,
            response: { 200: DroneRecoveredResponseSchema, ...ERROR_RESPONSES },
          },
        },
        async (req) => {
          const note = req.body.note.trim();
          if (note.length < 3) throw badRequest('note', 'note: say where the drone was found (at least 3 characters)');
          const flights = await deps.flights.recovered(requireUser(req), req.params.id, note);
          return { drone: view(deps, repos.drones.byId(req.params.id)!), flights };
        },
      );
      crew.get(
        '/profiles',
        {
          schema: { tags: ['drones'], summary: 'The drone profiles the service loaded', response: { 200: DroneProfileListResponseSchema, ...ERROR_RESPONSES } },
        },
        async () => ({
          profiles: [...dispatcher.profiles.values()].map((p) => ({
            id: p.id,
            name: p.name,
            maxPayloadKg: p.maxPayloadKg,
            cruiseSpeedMs: p.cruiseSpeedMs,
            batteryWh: p.batteryWh,
            deliveryMethod: p.deliveryMethod,
          })),
        }),
      );
    }),
  );

  await app.register(
    guarded(['admin'], async (admin) => {
      admin.post(
        '',
        {
          schema: {
            tags: ['drones'],
            summary: 'Register a drone (admin); re-plans open requests',
            body: DroneCreateBodySchema,
            response: { 201: DroneViewSchema, ...ERROR_RESPONSES },
          },
        },
        async (req, reply) => {
          const user = requireUser(req);
          const b = req.body;
          checkDrone(deps, b);
          if (repos.drones.byId(b.id)) throw conflict(`drone '${b.id}' exists`, 'id');
          const d = repos.transaction(() => {
            const rec = repos.drones.create({
              id: b.id,
              name: b.name,
              profileId: b.profileId,
              depot: b.depot,
              connectionUrl: b.connectionUrl,
              sysid: b.sysid,
              enabled: b.enabled ?? true,
              ...(b.turnaroundS !== undefined ? { turnaroundS: b.turnaroundS } : {}),
            });
            repos.audit.append({ actorId: user.id, action: 'drone.create', subjectType: 'drone', subjectId: rec.id, details: { ...b } });
            return rec;
          });
          await dispatcher.replanOpen(`drone ${d.id} added`);
          return reply.code(201).send(view(deps, d));
        },
      );

      admin.patch(
        '/:id',
        {
          schema: {
            tags: ['drones'],
            summary: 'Change a drone (admin); re-plans open requests',
            params: DroneIdParamsSchema,
            body: DronePatchBodySchema,
            response: { 200: DroneViewSchema, ...ERROR_RESPONSES },
          },
        },
        async (req) => {
          const user = requireUser(req);
          const cur = repos.drones.byId(req.params.id);
          if (!cur) throw notFound(`drone '${req.params.id}'`);
          checkDrone(deps, req.body);
          checkNotFlying(deps, cur, req.body);
          const d = repos.transaction(() => {
            const rec = repos.drones.update(req.params.id, req.body);
            if (!rec) throw notFound(`drone '${req.params.id}'`);
            repos.audit.append({ actorId: user.id, action: 'drone.update', subjectType: 'drone', subjectId: rec.id, details: { ...req.body } });
            return rec;
          });
          deps.fleet.check(d.id);
          await dispatcher.replanOpen(`drone ${d.id} changed`);
          return view(deps, d);
        },
      );

      admin.post(
        '/:id/link-test',
        {
          // the body is optional: a POST without one means {}
          preValidation: async (req) => {
            if (req.body === undefined || req.body === null) req.body = {};
          },
          schema: {
            tags: ['drones'],
            summary: "Test a drone's link: heartbeat, autopilot, firmware and the set-up its delivery needs (admin)",
            params: DroneIdParamsSchema,
            body: LinkTestBodySchema,
            response: { 200: LinkTestResponseSchema, ...ERROR_RESPONSES },
          },
        },
        async (req) => {
          const user = requireUser(req);
          const d = repos.drones.byId(req.params.id);
          if (!d) throw notFound(`drone '${req.params.id}'`);
          const profile = dispatcher.profiles.get(d.profileId);
          if (!profile) throw conflict(`drone ${d.id} has profile '${d.profileId}', which is not loaded: fix the profile first`, 'profileId');
          const timeoutS = req.body.timeoutS ?? LINK_TEST_TIMEOUT_S;
          const r = await deps.flights.testDroneLink(d, profile.deliveryMethod, timeoutS * 1000);
          repos.audit.append({
            actorId: user.id,
            action: 'drone.link-test',
            subjectType: 'drone',
            subjectId: d.id,
            details: {
              connectionUrl: d.connectionUrl,
              heartbeat: r.heartbeat,
              setupOk: r.setupOk,
              autopilot: r.autopilot,
              firmware: r.firmware,
              problems: r.problems.map((p) => p.code),
            },
          });
          return { droneId: d.id, connectionUrl: d.connectionUrl, ...r };
        },
      );
    }),
  );
};
