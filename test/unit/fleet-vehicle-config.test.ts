/**
 * The pre-flight vehicle configuration check (src/fleet/vehicle-config.ts): which parameters each
 * delivery method needs, and the problems a pilot reads when the vehicle lacks them.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkVehicleConfig, requiredVehicleParams, type ParamReading, type VehicleParamCheck } from '../../src/fleet/vehicle-config.js';
import { readPlanFile } from '../../src/missions/export-qgc.js';
import type { VehiclePlan } from '../../src/missions/types.js';
import { referencePlan } from './fleet-fixtures.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const examplePlan = (name: string): VehiclePlan => readPlanFile(readFileSync(path.join(ROOT, 'missions', name), 'utf8'));

/** Answer every check from a parameter table; a name not in it is a parameter the vehicle does not know. */
function answer(checks: VehicleParamCheck[], params: Record<string, number>): ParamReading[] {
  return checks.map((check) => {
    const value = params[check.param];
    return value === undefined ? { check, error: `read parameter ${check.param}: no matching PARAM_VALUE from vehicle 1` } : { check, value };
  });
}

const problems = (plan: VehiclePlan, params: Record<string, number>) => checkVehicleConfig(answer(requiredVehicleParams(plan), params));

describe('requiredVehicleParams', () => {
  it('payload place and land-and-release need the gripper enabled; nothing about a winch', () => {
    for (const method of ['payload-place', 'land-release'] as const) {
      const checks = requiredVehicleParams(referencePlan(method));
      expect(checks.map((c) => [c.param, c.expect])).toEqual([['GRIP_ENABLE', { equals: 1 }]]);
    }
  });

  it('the winch plan needs a winch (WINCH_TYPE non-zero) and, because it releases with DO_GRIPPER, the gripper', () => {
    const checks = requiredVehicleParams(examplePlan('city-district-winch.plan'));
    expect(checks.map((c) => [c.param, c.expect])).toEqual([
      ['WINCH_TYPE', 'nonzero'],
      // ArduCopter pays out at WINCH_RATE_MAX whatever DO_WINCH asks; the plan waits for 0.5 m/s.
      ['WINCH_RATE_MAX', { atLeast: 0.5 }],
      ['GRIP_ENABLE', { equals: 1 }],
    ]);
  });

  it('goes by the mission items too: a DO_WINCH in a payload-place mission still needs the winch', () => {
    const plan = referencePlan('payload-place');
    const withWinch: VehiclePlan = {
      ...plan,
      mission: [...plan.mission, { ...plan.mission[2]!, seq: plan.mission.length, command: 42600, param1: 1, param2: 1, param3: 12 }],
    };
    expect(requiredVehicleParams(withWinch).map((c) => c.param)).toEqual(['WINCH_TYPE', 'WINCH_RATE_MAX', 'GRIP_ENABLE']);
  });
});

describe('checkVehicleConfig', () => {
  it('the winch plan on a vehicle without a winch: ArduCopter would ignore DO_WINCH and drop the parcel from the 20 m hover', () => {
    const found = problems(examplePlan('city-district-winch.plan'), { WINCH_TYPE: 0, WINCH_RATE_MAX: 1, GRIP_ENABLE: 1 });
    expect(found).toEqual([
      {
        param: 'WINCH_TYPE',
        value: 0,
        message: 'the vehicle has no winch configured (WINCH_TYPE = 0): ArduCopter would ignore DO_WINCH and the gripper would drop the parcel from 20 m',
      },
    ]);
  });

  it('a vehicle with a winch and a gripper passes (any winch type)', () => {
    const plan = examplePlan('city-district-winch.plan');
    expect(problems(plan, { WINCH_TYPE: 1, WINCH_RATE_MAX: 1, GRIP_ENABLE: 1 })).toEqual([]);
    expect(problems(plan, { WINCH_TYPE: 2, WINCH_RATE_MAX: 0.5, GRIP_ENABLE: 1 })).toEqual([]);
  });

  it('a winch slower than the plan assumes would open the gripper with the parcel in the air', () => {
    const found = problems(examplePlan('city-district-winch.plan'), { WINCH_TYPE: 1, WINCH_RATE_MAX: 0.2, GRIP_ENABLE: 1 });
    expect(found).toEqual([
      {
        param: 'WINCH_RATE_MAX',
        value: 0.2,
        message:
          "the vehicle's winch is too slow (WINCH_RATE_MAX = 0.2, needs at least 0.5): the line would still be paying out when the plan releases the parcel " +
          '(the plan assumes 0.5 m/s), so the gripper would open in the air',
      },
    ]);
  });

  it('payload place without a gripper: it would come back with the parcel', () => {
    const found = problems(examplePlan('county-town.plan'), { GRIP_ENABLE: 0 });
    expect(found.map((p) => p.message)).toEqual([
      'the vehicle has no gripper configured (GRIP_ENABLE = 0): NAV_PAYLOAD_PLACE would descend to the drop point and climb back without releasing the parcel',
    ]);
    expect(problems(examplePlan('county-town.plan'), { GRIP_ENABLE: 1 })).toEqual([]);
  });

  it('land-and-release without a gripper, and a GRIP_ENABLE that is neither 0 nor 1', () => {
    expect(problems(referencePlan('land-release'), { GRIP_ENABLE: 0 })[0]!.message).toBe(
      'the vehicle has no gripper configured (GRIP_ENABLE = 0): DO_GRIPPER after landing at the drop point would release nothing and the drone would take off again with the parcel',
    );
    expect(problems(referencePlan('land-release'), { GRIP_ENABLE: 2 })[0]!.message).toMatch(
      /^the vehicle's gripper is not enabled \(GRIP_ENABLE = 2, needs 1\): DO_GRIPPER after landing/,
    );
  });

  it('a parameter the vehicle does not know is a failed check with its own message', () => {
    const found = problems(examplePlan('city-district-winch.plan'), { WINCH_RATE_MAX: 1, GRIP_ENABLE: 1 });
    expect(found).toEqual([
      {
        param: 'WINCH_TYPE',
        value: null,
        message:
          'the vehicle did not report WINCH_TYPE (read parameter WINCH_TYPE: no matching PARAM_VALUE from vehicle 1), so it cannot be confirmed that it has a winch: ' +
          'without one ArduCopter would ignore DO_WINCH and the gripper would drop the parcel from 20 m',
      },
    ]);
  });

  it('reports every problem, in the order of the checks', () => {
    const found = problems(examplePlan('city-district-winch.plan'), { WINCH_TYPE: 0, WINCH_RATE_MAX: 0.1, GRIP_ENABLE: 0 });
    expect(found.map((p) => p.param)).toEqual(['WINCH_TYPE', 'WINCH_RATE_MAX', 'GRIP_ENABLE']);
  });

  it('a value that is not a number never passes', () => {
    const [check] = requiredVehicleParams(referencePlan('payload-place'));
    expect(checkVehicleConfig([{ check: check!, value: Number.NaN }])).toHaveLength(1);
  });
});
