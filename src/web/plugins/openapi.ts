/** OpenAPI plugin (prefix /api): the OpenAPI 3 document @fastify/swagger builds from the route schemas (public). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ERROR_RESPONSES } from '../api-types.js';

/** The document is @fastify/swagger's; described here only as "a JSON object", written out whole. */
const OpenApiDocumentSchema = Type.Object({}, { additionalProperties: true, description: 'The OpenAPI 3.0 document' });

export const openapiPlugin: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/openapi.json',
    { schema: { tags: ['openapi'], summary: 'This API as an OpenAPI 3.0 document', response: { 200: OpenApiDocumentSchema, ...ERROR_RESPONSES } } },
    async () => app.swagger(),
  );
};
