/**
 * The planner pool (src/planner/pool.ts) with real worker threads: the compiled worker
 * (dist/src/planner/worker.js, `npm run build`) — vitest runs the TypeScript sources, where the pool
 * would otherwise fall back to in-process planning.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZoneMapError, type ZoneMap } from '../../src/geo/types.js';
import { parseZoneMap } from '../../src/geo/zone-map.js';
import { packageRoot } from '../../src/package-root.js';
import { planDelivery } from '../../src/planner/plan-delivery.js';
import { createPlannerPool, defaultPlanWorkers, type PlannerPool } from '../../src/planner/pool.js';
import type { PlanRequest } from '../../src/planning/types.js';

const WORKER = join(packageRoot(), 'dist', 'src', 'planner', 'worker.js');
const GEOJSON = JSON.parse(readFileSync(join(packageRoot(), 'missions', 'county-town.geojson'), 'utf8'));
const DRONE = JSON.parse(readFileSync(join(packageRoot(), 'missions', 'drones', 'police-quad.json'), 'utf8'));

function requests(map: ZoneMap): PlanRequest[] {
  return map.dropPoints.map((dp) => ({
    from: { name: map.depots[0]!.name },
    to: { name: dp.name },
    drone: DRONE,
    conditions: { payloadKg: 1, wind: { speedMs: 3, fromDeg: 270 }, temperatureC: 15 },
  }));
}

describe('planner pool', () => {
  let pool: PlannerPool;
  beforeAll(() => {
    if (!existsSync(WORKER)) throw new Error(`${WORKER} is missing: run npm run build first`);
    pool = createPlannerPool({ size: 2, workerFile: WORKER });
  });
  afterAll(async () => {
    await pool?.close();
  });

  it('default size: cores − 1, at most 4, at least 1', () => {
    expect([1, 2, 3, 5, 16].map((c) => defaultPlanWorkers(c))).toEqual([1, 1, 2, 4, 4]);
  });

  it('plans in the workers exactly what planDelivery plans in-process, and sends a map to each worker once, not with every plan', async () => {
    expect(pool.size).toBe(2);
    const map = await pool.parseZoneMap(GEOJSON, 'county-town');
    const local = parseZoneMap(GEOJSON, 'county-town');
    expect(map).toEqual(local);
    const reqs = requests(local);
    expect(reqs.length).toBeGreaterThan(3);
    const viaPool = await Promise.all([...reqs, ...reqs].map((r) => pool.planDelivery(map, r)));
    const inProcess = [...reqs, ...reqs].map((r) => planDelivery(local, r));
    expect(JSON.stringify(viaPool)).toBe(JSON.stringify(inProcess));
    // each distinct plan is made once (planning is pure); the map went to a worker at most once a plan
    const sent = pool.stats().mapsSent;
    expect(pool.stats().plans).toBe(reqs.length);
    expect(sent).toBeLessThanOrEqual(reqs.length);
    const again = await Promise.all([...reqs, ...reqs].map((r) => pool.planDelivery(map, r)));
    expect(JSON.stringify(again)).toBe(JSON.stringify(inProcess));
    expect(pool.stats()).toEqual({ plans: reqs.length, mapsSent: sent });
    // other conditions are another plan, on workers that hold the map already
    const heavier = reqs.map((r) => ({ ...r, conditions: { ...r.conditions, payloadKg: 1.2 } }));
    const more = await Promise.all(heavier.map((r) => pool.planDelivery(map, r)));
    expect(JSON.stringify(more)).toBe(JSON.stringify(heavier.map((r) => planDelivery(local, r))));
    expect(pool.stats().plans).toBe(reqs.length * 2);
    expect(pool.stats().mapsSent).toBeLessThanOrEqual(Math.max(sent, 2));
  });

  it('a map the pool has not parsed is sent on a miss; a broken map is a ZoneMapError with its issues', async () => {
    const local = parseZoneMap(GEOJSON, 'county-town');
    const before = pool.stats().mapsSent;
    const plan = await pool.planDelivery(local, requests(local)[0]!);
    expect(plan.depot.name).toBe(local.depots[0]!.name);
    expect(pool.stats().mapsSent).toBe(before + 1);
    const broken = { ...GEOJSON, features: [...GEOJSON.features, { type: 'Feature', properties: { kind: 'lava', name: 'x' }, geometry: null }] };
    const err = await Promise.resolve(pool.parseZoneMap(broken, 'broken')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZoneMapError);
    expect((err as ZoneMapError).issues[0]).toMatchObject({ code: 'unknown-kind', featureIndex: GEOJSON.features.length });
  });

  it('a request the planner refuses rejects with its code; a worker that dies fails its task only and is replaced', async () => {
    const map = await pool.parseZoneMap(GEOJSON, 'county-town');
    const bad = { ...requests(map)[0]!, from: { name: 'Nowhere' } };
    await expect(pool.planDelivery(map, bad)).rejects.toMatchObject({ code: 'unknown-depot' });
    const pending = Promise.resolve(pool.planDelivery(map, requests(map)[1]!)).then(
      () => 'planned',
      (e: unknown) => (e instanceof Error ? e.message : String(e)),
    );
    await Promise.all(pool.threads().map((t) => t.terminate()));
    const outcome = await pending;
    if (outcome !== 'planned') expect(outcome).toMatch(/planner worker failed/);
    // new workers take over, and get the map again on their first miss
    const after = await Promise.all(requests(map).map((r) => pool.planDelivery(map, r)));
    expect(after.every((p) => p.depot.name === map.depots[0]!.name)).toBe(true);
    expect(pool.threads().length).toBeGreaterThan(0);
  });
});
