/**
 * The route schemas as a contract: GET /api/openapi.json documents every API route the app serves,
 * each with its success answer and the ApiError shape for 4xx, and the response check (which the
 * API tests run with) reports a property the serialiser would drop.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstDifference } from '../../src/web/response-check.js';
import { makeTestApp, type TestApp } from './api-support.js';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(async () => {
  await t.close();
});

/** "METHOD /api/path/{id}" of every route fastify serves under /api/, from its route tree. */
function servedRoutes(tree: string): string[] {
  const out: string[] = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^(.*?)[├└]── (\S+) \(([^)]*)\)$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    stack.push(m[2]!);
    const path = stack.join('');
    if (!path.startsWith('/api/')) continue;
    for (const method of m[3]!.split(', ')) {
      if (method !== 'HEAD') out.push(`${method} ${path.replace(/:(\w+)/g, '{$1}')}`);
    }
  }
  return out.sort();
}

interface Operation {
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: Record<string, unknown> }> }>;
}

describe('GET /api/openapi.json', () => {
  it('documents every API route the app serves, each with a response schema for success and the error shape for 4xx', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json() as { paths: Record<string, Record<string, Operation>> };
    const documented = Object.entries(doc.paths)
      .flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();
    const served = servedRoutes(t.app.printRoutes({ commonPrefix: false }));
    expect(served.length).toBeGreaterThanOrEqual(30);
    expect(documented).toEqual(served);

    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const where = `${method.toUpperCase()} ${path}`;
        const responses = op.responses ?? {};
        const success = Object.keys(responses).filter((code) => /^2\d\d$/.test(code));
        expect(success, `${where}: a 2xx answer`).not.toHaveLength(0);
        for (const code of success) {
          if (code === '204') continue;
          const content = responses[code]!.content ?? {};
          const schemas = Object.values(content).map((c) => c.schema);
          expect(schemas, `${where} ${code}: a schema`).not.toHaveLength(0);
          for (const s of schemas) expect(s?.type, `${where} ${code}: the schema says what it is`).toBeDefined();
          const json = content['application/json']?.schema;
          if (json?.type === 'object' && path !== '/api/openapi.json') {
            expect(Object.keys((json.properties as object | undefined) ?? {}), `${where} ${code}: lists its properties`).not.toHaveLength(0);
          }
        }
        const error = responses['4XX']?.content?.['application/json']?.schema as
          | { properties?: { error?: { required?: string[]; properties?: Record<string, unknown> } } }
          | undefined;
        expect(error?.properties?.error?.required, `${where}: 4xx in the ApiError shape`).toEqual(['code', 'message']);
        expect(Object.keys(error?.properties?.error?.properties ?? {}).sort()).toEqual([
          'code',
          'field',
          'issues',
          'message',
          'params',
          'reason',
          'reasons',
          'rule',
          'validation',
        ]);
      }
    }
  });

  it('describes the views in full: a drop request as the officer sees it lists every property the API sends', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    const view = doc.paths['/api/requests/{id}'].get.responses['200'].content['application/json'].schema;
    expect(Object.keys(view.properties).sort()).toEqual(
      [
        'createdAt',
        'delivery',
        'dropPoint',
        'eta',
        'flight',
        'handoverCode',
        'id',
        'medicine',
        'missionId',
        'notes',
        'officer',
        'phone',
        'plan',
        'queueEta',
        'reasons',
        'recipient',
        'status',
        'statusReason',
        'statusReasonText',
        'updatedAt',
        'urgency',
        'version',
        'weightKg',
      ].sort(),
    );
    // nullable in OpenAPI 3.0's words, not JSON Schema's `type: 'null'`
    expect(view.properties.statusReason).toMatchObject({ type: 'string', nullable: true });
  });
});

describe('the response check', () => {
  it('names the first property the serialiser dropped or changed, and nothing when the answers agree', () => {
    const view = { id: 1, plan: { route: [[113.6, 34.75]], droneId: 'md-1' }, notes: '' };
    expect(firstDifference(view, structuredClone(view))).toBeNull();
    expect(firstDifference(view, { id: 1, plan: { route: [[113.6, 34.75]] }, notes: '' })).toBe('plan.droneId: dropped (not in the response schema)');
    expect(firstDifference(view, { id: 1, plan: { route: [[113, 34.75]], droneId: 'md-1' }, notes: '' })).toBe('plan.route[0][0]: 113.6 written as 113');
    expect(firstDifference({ eta: null }, { eta: '' })).toBe('eta: null written as ""');
  });
});
