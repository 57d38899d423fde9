/** Zone map (read: everyone logged in; replace: admin) and drones (read: pilot/admin; change: admin). */
import type { FastifyInstance } from 'fastify';
import type { ZoneMap } from '../../geo/types.js';
import type { DroneRecord } from '../../store/records.js';
import type { DroneCreateBody, DronePatchBody, DroneView, ZoneMapPutResponse, ZoneMapResponse, ZoneMapSummary } from '../api-types.js';
import { guard, userView } from '../auth.js';
import type { AppDeps } from '../context.js';
import { sendError } from '../errors.js';
import { droneIdParam } from '../schemas.js';
import { parseConnectionUrl } from '../../mavlink/url.js';

export function summariseZoneMap(map: ZoneMap): ZoneMapSummary {
  return {
    depots: map.depots.map((d) => ({ name: d.name, position: { lat: d.position[1], lon: d.position[0] }, drones: d.drones })),
    dropPoints: map.dropPoints.map((p) => ({ name: p.name, position: { lat: p.position[1], lon: p.position[0] }, zone: p.zone ?? null, heightM: p.heightM })),
    areas: [...map.areas, ...map.noFly].map((a) => ({
      name: a.name, kind: a.kind, reason: 'reason' in a && typeof a.reason === 'string' ? a.reason : null, temporary: 'temporary' in a ? Boolean(a.temporary) : false,
    })),
    warnings: map.warnings,
  };
}

const droneProps = {
  name: { type: 'string', minLength: 1, maxLength: 100 },
  profileId: { type: 'string', minLength: 1, maxLength: 64 },
  depot: { type: 'string', minLength: 1, maxLength: 100 },
  connectionUrl: { type: 'string', pattern: '^(udpin|udpout|tcp|serial)://.+', maxLength: 300 },
  sysid: { type: 'integer', minimum: 1, maximum: 255 },
  enabled: { type: 'boolean' },
} as const;

export function fleetAdminRoutes(app: FastifyInstance, deps: AppDeps): void {
  const { repos, dispatcher } = deps;

  const zoneMapView = (): ZoneMapResponse | null => {
    const cur = dispatcher.zoneMap();
    if (!cur) return null;
    const by = cur.record.createdBy !== null ? repos.users.byId(cur.record.createdBy) : null;
    return {
      version: cur.record.version, name: cur.record.name, updatedAt: cur.record.createdAt, updatedBy: by ? userView(by) : null,
      geojson: JSON.parse(cur.record.geojson) as ZoneMapResponse['geojson'], summary: summariseZoneMap(cur.map),
    };
  };

  app.get('/api/zone-map', { onRequest: guard('any'), schema: { tags: ['zone map'], summary: 'The current zone map (GeoJSON) and its summary' } }, async (_req, reply) => {
    const view = zoneMapView();
    if (!view) return sendError(reply, 'not-found', 'no zone map has been loaded yet');
    return view;
  });

  app.put('/api/zone-map', {
    onRequest: guard(['admin']),
    bodyLimit: 20 * 1024 * 1024,
    schema: {
      tags: ['zone map'],
      summary: 'Replace the zone map (admin); re-plans every request not yet approved',
      body: { type: 'object', required: ['type', 'features'], properties: { type: { type: 'string', const: 'FeatureCollection' }, features: { type: 'array' } } },
    },
  }, async (req) => {
    const { replanned } = await dispatcher.setZoneMap(req.body, req.user!.id);
    const body: ZoneMapPutResponse = { ...zoneMapView()!, replanned };
    return body;
  });

  const droneView = (d: DroneRecord): DroneView => {
    const profile = dispatcher.profiles.get(d.profileId);
    const flying = repos.flights.list({ unfinished: true }).some((f) => f.droneId === d.id);
    return {
      id: d.id, name: d.name, profileId: d.profileId, depot: d.depot, connectionUrl: d.connectionUrl, sysid: d.sysid, enabled: d.enabled,
      status: !d.enabled ? 'disabled' : flying ? 'flying' : 'idle',
      profile: profile ? { name: profile.name, maxPayloadKg: profile.maxPayloadKg, cruiseSpeedMs: profile.cruiseSpeedMs, batteryWh: profile.batteryWh } : null,
    };
  };

  const checkDrone = (b: Partial<DroneCreateBody>): void => {
    if (b.profileId !== undefined && !dispatcher.profiles.has(b.profileId)) {
      throw Object.assign(new Error(`profileId '${b.profileId}' is not a known drone profile (known: ${[...dispatcher.profiles.keys()].join(', ')})`), { field: 'profileId' });
    }
    if (b.connectionUrl !== undefined) {
      try {
        parseConnectionUrl(b.connectionUrl);
      } catch (err) {
        throw Object.assign(new Error(`connectionUrl: ${err instanceof Error ? err.message : String(err)}`), { field: 'connectionUrl' });
      }
    }
    const map = dispatcher.zoneMap()?.map;
    if (b.depot !== undefined && map && !map.depots.some((d) => d.name === b.depot)) {
      throw Object.assign(new Error(`depot '${b.depot}' is not a depot on the zone map (known: ${map.depots.map((d) => d.name).join(', ')})`), { field: 'depot' });
    }
  };

  app.get('/api/drones', { onRequest: guard(['pilot', 'admin']), schema: { tags: ['drones'], summary: 'Drones and their status' } }, async () => ({
    drones: repos.drones.list().map(droneView),
  }));

  app.post<{ Body: DroneCreateBody }>('/api/drones', {
    onRequest: guard(['admin']),
    schema: {
      tags: ['drones'],
      summary: 'Register a drone (admin); re-plans open requests',
      body: {
        type: 'object',
        required: ['id', 'name', 'profileId', 'depot', 'connectionUrl', 'sysid'],
        additionalProperties: false,
        properties: { id: droneIdParam.properties.id, ...droneProps },
      },
    },
  }, async (req, reply) => {
    const b = req.body;
    try {
      checkDrone(b);
    } catch (err) {
      return sendError(reply, 'bad-request', (err as Error).message, (err as { field: string }).field);
    }
    if (repos.drones.byId(b.id)) return sendError(reply, 'conflict', `drone '${b.id}' exists`, 'id');
    const d = repos.transaction(() => {
      const rec = repos.drones.create({ id: b.id, name: b.name, profileId: b.profileId, depot: b.depot, connectionUrl: b.connectionUrl, sysid: b.sysid, enabled: b.enabled ?? true });
      repos.audit.append({ actorId: req.user!.id, action: 'drone.create', subjectType: 'drone', subjectId: rec.id, details: { ...b } });
      return rec;
    });
    await dispatcher.replanOpen(`drone ${d.id} added`);
    return reply.code(201).send(droneView(d));
  });

  app.patch<{ Params: { id: string }; Body: DronePatchBody }>('/api/drones/:id', {
    onRequest: guard(['admin']),
    schema: {
      tags: ['drones'],
      summary: 'Change a drone (admin); re-plans open requests',
      params: droneIdParam,
      body: { type: 'object', additionalProperties: false, minProperties: 1, properties: droneProps },
    },
  }, async (req, reply) => {
    if (!repos.drones.byId(req.params.id)) return sendError(reply, 'not-found', `drone '${req.params.id}' not found`);
    try {
      checkDrone(req.body);
    } catch (err) {
      return sendError(reply, 'bad-request', (err as Error).message, (err as { field: string }).field);
    }
    const d = repos.transaction(() => {
      const rec = repos.drones.update(req.params.id, req.body)!;
      repos.audit.append({ actorId: req.user!.id, action: 'drone.update', subjectType: 'drone', subjectId: rec.id, details: { ...req.body } });
      return rec;
    });
    await dispatcher.replanOpen(`drone ${d.id} changed`);
    return droneView(d);
  });
}
