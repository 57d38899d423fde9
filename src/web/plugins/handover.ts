/**
 * Hand-over plugin (prefix /api/handover): the recipient confirms receipt with the code the officer
 * gave them. Public (the recipient has no account), so rate-limited per client address, and every
 * wrong code is audited.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ServiceError } from '../../dispatch/errors.js';
import { ERROR_RESPONSES, HandoverBodySchema, HandoverResponseSchema } from '../api-types.js';
import type { FeatureOptions } from '../context.js';

export const handoverPlugin: FastifyPluginAsyncTypebox<FeatureOptions> = async (app, { deps }) => {
  const { repos, requests, settings } = deps;

  app.post(
    '',
    {
      config: { rateLimit: { max: settings.handoverRateLimit.max, timeWindow: settings.handoverRateLimit.windowMs } },
      schema: {
        tags: ['hand-over'],
        summary: 'The recipient confirms receipt with the hand-over code (public, rate-limited)',
        body: HandoverBodySchema,
        response: { 200: HandoverResponseSchema, ...ERROR_RESPONSES },
      },
    },
    async (req) => {
      try {
        const { request, confirmedAt } = await requests.confirmHandover(req.body.requestId, req.body.code);
        return { requestId: request.id, confirmedAt, medicine: request.medicine };
      } catch (err) {
        if (err instanceof ServiceError && err.code === 'bad-request') {
          repos.audit.append({ actorId: null, action: 'handover.failed', subjectType: 'request', subjectId: req.body.requestId, details: { ip: req.ip } });
        }
        throw err;
      }
    },
  );
};
