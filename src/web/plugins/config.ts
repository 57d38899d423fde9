/** Configuration plugin (prefix /api/config): what the pages need before log-in (public). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type ConfigResponse, ConfigResponseSchema, ERROR_RESPONSES, PREFLIGHT_CHECKLIST } from '../api-types.js';
import type { FeatureOptions } from '../context.js';

export const configPlugin: FastifyPluginAsyncTypebox<FeatureOptions> = async (app, { deps }) => {
  const { settings } = deps;
  app.get(
    '',
    {
      schema: {
        tags: ['config'],
        summary: 'Public UI configuration: default language, base maps, checklist',
        response: { 200: ConfigResponseSchema, ...ERROR_RESPONSES },
      },
    },
    async (): Promise<ConfigResponse> => ({
      lang: settings.lang,
      languages: ['zh-CN', 'en'],
      tileProviders: settings.tileProviders,
      tileUrl: settings.tileProviders[0]?.url ?? null,
      tileAttribution: settings.tileProviders[0]?.attribution ?? null,
      leafletBase: '/vendor/leaflet',
      checklist: PREFLIGHT_CHECKLIST,
    }),
  );
};
