/**
 * The example plans in missions/*.plan, generated from the example zone maps.
 *
 *   UPDATE_EXAMPLES=1 npx vitest run test/unit/plan-examples.test.ts   # (re)write them
 *   npx vitest run test/unit/plan-examples.test.ts                     # check they are current
 *
 * Without UPDATE_EXAMPLES the test fails when a committed file differs from what the planner now
 * produces (byte for byte), so the examples can never silently go stale.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadZoneMapFile } from '../../src/geo/zone-map.js';
import { planDelivery } from '../../src/planner/plan-delivery.js';
import { parseDroneProfileText } from '../../src/planning/drone.js';
import { exportDeliveryPlan } from '../../src/planner/export-plan.js';
import { readPlanFile } from '../../src/missions/export-qgc.js';
import { fenceShapes } from '../../src/missions/fence-items.js';
import type { PlanRequest } from '../../src/planning/types.js';

const drone = (file: string) => parseDroneProfileText(readFileSync(file, 'utf8'), file);

const EXAMPLES: { out: string; zones: string; from: string; to: string; droneFile: string; conditions: PlanRequest['conditions'] }[] = [
  {
    out: 'missions/county-town.plan',
    zones: 'missions/county-town.geojson',
    from: 'Chengzhong Police Station 城中派出所',
    to: 'Jinxiu Garden courtyard 锦绣花园中心庭院',
    droneFile: 'missions/drones/police-quad.json',
    conditions: { payloadKg: 0.8, wind: { speedMs: 4, fromDeg: 300 }, temperatureC: 5 },
  },
  {
    out: 'missions/county-town-rooftop.plan',
    zones: 'missions/county-town.geojson',
    from: 'Chengzhong Police Station 城中派出所',
    to: 'Jinxiu Garden Building 5 rooftop 锦绣花园5号楼楼顶',
    droneFile: 'missions/drones/police-quad.json',
    conditions: { payloadKg: 0.5, wind: { speedMs: 0, fromDeg: 0 }, temperatureC: 10 },
  },
  {
    out: 'missions/city-district.plan',
    zones: 'missions/city-district.geojson',
    from: 'Xiaodian Police Station 小店派出所',
    to: 'Jinyang Street checkpoint 晋阳街检查站',
    droneFile: 'missions/drones/police-quad.json',
    conditions: { payloadKg: 1, wind: { speedMs: 7, fromDeg: 320 }, temperatureC: 12 },
  },
  {
    out: 'missions/city-district-winch.plan',
    zones: 'missions/city-district.geojson',
    from: 'Qinxian Community Health Centre 亲贤社区卫生服务中心',
    to: 'Binhe Road elderly residence 滨河路老年公寓',
    droneFile: 'missions/drones/police-hexa-winch.json',
    conditions: { payloadKg: 3, wind: { speedMs: 5, fromDeg: 0 }, temperatureC: 8 },
  },
];

describe('example plans (missions/*.plan)', () => {
  for (const ex of EXAMPLES) {
    it(ex.out, () => {
      const request: PlanRequest = { from: { name: ex.from }, to: { name: ex.to }, drone: drone(ex.droneFile), conditions: ex.conditions };
      const plan = planDelivery(loadZoneMapFile(ex.zones), request);
      expect(plan.reasons).toEqual([]);
      expect(plan.feasible).toBe(true);
      const text = exportDeliveryPlan(plan, request);
      if (process.env.UPDATE_EXAMPLES) writeFileSync(ex.out, text);
      expect(existsSync(ex.out), `${ex.out} missing: run UPDATE_EXAMPLES=1 npx vitest run test/unit/plan-examples.test.ts`).toBe(true);
      const committed = readFileSync(ex.out, 'utf8');
      expect(committed === text, `${ex.out} is stale: run UPDATE_EXAMPLES=1 npx vitest run test/unit/plan-examples.test.ts`).toBe(true);
      const vp = readPlanFile(committed);
      expect(vp).toEqual(plan.vehiclePlan);
      const shapes = fenceShapes(vp.fence);
      expect(vp.fence.length).toBeLessThanOrEqual(70);
      expect(shapes.polygons.reduce((s, p) => s + p.points.length, 0)).toBeLessThanOrEqual(66);
    });
  }
});
