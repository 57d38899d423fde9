/**
 * Offline base map (prefix /tiles/offline): tiles of the local MBTiles file, for field units without
 * internet. Public like the page assets (a base map is not a secret; the zones drawn over it come
 * from the authenticated API). Tiles never change while the service runs, so browsers may cache them.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ERROR_RESPONSES } from '../api-types.js';
import { CLOSED } from '../schema-kit.js';
import type { FeatureOptions } from '../context.js';
import { ServiceError } from '../../dispatch/errors.js';

const TileParamsSchema = Type.Object(
  {
    z: Type.String({ pattern: '^(1?[0-9]|2[0-4])$', description: 'Zoom level 0–24.' }),
    x: Type.String({ pattern: '^[0-9]{1,8}$' }),
    y: Type.String({ pattern: '^[0-9]{1,8}(\\.(png|jpg|jpeg|webp))?$', description: 'Row, optionally with the file extension.' }),
  },
  CLOSED,
);

export const tilesPlugin: FastifyPluginAsyncTypebox<FeatureOptions> = async (app, { deps }) => {
  const file = deps.settings.offlineTiles;
  if (!file) return;
  app.get(
    '/:z/:x/:y',
    {
      schema: {
        tags: ['config'],
        summary: 'A tile of the offline base map (MBTiles), XYZ numbering',
        params: TileParamsSchema,
        response: { 200: Type.Unknown({ description: `The tile image (${file.contentType})` }), ...ERROR_RESPONSES },
      },
    },
    async (req, reply) => {
      const z = Number(req.params.z);
      const x = Number(req.params.x);
      const y = Number.parseInt(req.params.y, 10);
      const tile = file.tile(z, x, y);
      if (!tile) throw new ServiceError('not-found', `the offline map has no tile ${z}/${x}/${y}`);
      return reply.header('content-type', file.contentType).header('cache-control', 'public, max-age=86400').send(tile);
    },
  );
};
