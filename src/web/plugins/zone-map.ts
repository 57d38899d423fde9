/** Zone map plugin (prefix /api/zone-map): read it (any logged-in user), replace it (admin). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FeatureCollection } from 'geojson';
import { ServiceError } from '../../dispatch/errors.js';
import type { ZoneMap } from '../../geo/types.js';
import {
  ERROR_RESPONSES,
  ZoneMapPutBodySchema,
  ZoneMapPutResponseSchema,
  ZoneMapResponseSchema,
  type ZoneMapResponse,
  type ZoneMapSummary,
} from '../api-types.js';
import { guarded, requireUser, userView } from '../auth.js';
import type { AppDeps, FeatureOptions } from '../context.js';

export function summariseZoneMap(map: ZoneMap): ZoneMapSummary {
  return {
    depots: map.depots.map((d) => ({ name: d.name, position: { lat: d.position[1], lon: d.position[0] }, drones: d.drones })),
    dropPoints: map.dropPoints.map((p) => ({ name: p.name, position: { lat: p.position[1], lon: p.position[0] }, zone: p.zone ?? null, heightM: p.heightM })),
    areas: [...map.areas, ...map.noFly].map((a) => ({
      name: a.name,
      kind: a.kind,
      reason: 'reason' in a && typeof a.reason === 'string' ? a.reason : null,
      temporary: 'temporary' in a ? Boolean(a.temporary) : false,
    })),
    obstacles: map.obstacles.map((o) => ({ name: o.name, heightM: o.heightM })),
    warnings: map.warnings,
  };
}

function zoneMapView({ repos, dispatcher }: AppDeps): ZoneMapResponse {
  const cur = dispatcher.zoneMap();
  if (!cur) throw new ServiceError('not-found', 'no zone map has been loaded yet');
  const by = cur.record.createdBy !== null ? repos.users.byId(cur.record.createdBy) : null;
  return {
    version: cur.record.version,
    name: cur.record.name,
    updatedAt: cur.record.createdAt,
    updatedBy: by ? userView(by) : null,
    geojson: JSON.parse(cur.record.geojson) as FeatureCollection,
    summary: summariseZoneMap(cur.map),
  };
}

export const zoneMapPlugin: FastifyPluginAsyncTypebox<FeatureOptions> = async (app, { deps }) => {
  await app.register(
    guarded('any', async (signedIn) => {
      signedIn.get(
        '',
        {
          schema: {
            tags: ['zone map'],
            summary: 'The current zone map (GeoJSON) and its summary',
            response: { 200: ZoneMapResponseSchema, ...ERROR_RESPONSES },
          },
        },
        async () => zoneMapView(deps),
      );
    }),
  );

  await app.register(
    guarded(['admin'], async (admin) => {
      admin.put(
        '',
        {
          bodyLimit: 20 * 1024 * 1024,
          schema: {
            tags: ['zone map'],
            summary: 'Replace the zone map (admin); re-plans every request not yet approved',
            body: ZoneMapPutBodySchema,
            response: { 200: ZoneMapPutResponseSchema, ...ERROR_RESPONSES },
          },
        },
        async (req) => {
          const { replanned } = await deps.dispatcher.setZoneMap(req.body, requireUser(req).id);
          return { ...zoneMapView(deps), replanned };
        },
      );
    }),
  );
};
