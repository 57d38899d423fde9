/**
 * A check on the response schemas. fastify writes JSON answers with fast-json-stringify, which
 * writes only the properties a schema lists and coerces values to the schema's types: a view
 * property missing from its schema would vanish without a word (and a page would break). With the
 * check on, every JSON answer is compared with what JSON.stringify makes of the handler's value; a
 * difference is logged and answered as a 500 naming the first path that differs. The API tests run
 * with it on; the service leaves it off (it serialises every answer twice).
 */
import { isDeepStrictEqual } from 'node:util';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiError } from './api-types.js';

/** The first path where `want` and `got` differ ("requests[0].plan.route"), or null when equal. */
export function firstDifference(want: unknown, got: unknown, path = ''): string | null {
  if (isDeepStrictEqual(want, got)) return null;
  const here = path || '(the body)';
  if (Array.isArray(want) && Array.isArray(got)) {
    if (want.length !== got.length) return `${here}: ${want.length} items written as ${got.length}`;
    for (let i = 0; i < want.length; i++) {
      const d = firstDifference(want[i], got[i], `${path}[${i}]`);
      if (d) return d;
    }
  } else if (isObject(want) && isObject(got)) {
    for (const key of new Set([...Object.keys(want), ...Object.keys(got)])) {
      const at = path ? `${path}.${key}` : key;
      if (!(key in got)) return `${at}: dropped (not in the response schema)`;
      if (!(key in want)) return `${at}: added by the serialiser`;
      const d = firstDifference(want[key], got[key], at);
      if (d) return d;
    }
  }
  return `${here}: ${JSON.stringify(want)} written as ${JSON.stringify(got)}`;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function installResponseCheck(app: FastifyInstance): void {
  const expected = new WeakMap<FastifyRequest, string>();
  app.addHook('preSerialization', async (req, _reply, payload) => {
    expected.set(req, JSON.stringify(payload));
    return payload;
  });
  app.addHook('onSend', async (req, reply, payload) => {
    const want = expected.get(req);
    if (want === undefined || typeof payload !== 'string') return payload;
    expected.delete(req);
    const diff = firstDifference(JSON.parse(want), JSON.parse(payload));
    if (diff === null) return payload;
    const message = `the answer to ${req.method} ${req.routeOptions.url ?? req.url} (status ${reply.statusCode}) does not match its response schema at ${diff}`;
    req.log.error(message);
    const body: ApiError = { error: { code: 'internal', message } };
    reply.code(500).type('application/json');
    return JSON.stringify(body);
  });
}
