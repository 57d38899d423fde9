/**
 * A DeliveryPlan as a `.plan` file: the vehicle plan in QGroundControl's format plus the planner's
 * summary in the `medidrop` member (see export-qgc.ts).
 */
import type { PlanRequest } from '../planning/types.js';
import type { DeliveryPlan } from './types.js';
import { exportQgcPlan } from '../missions/export-qgc.js';

/** Human-/UI-facing summary stored in `.plan` files under medidrop.summary. Deterministic. */
export function deliveryPlanSummary(plan: DeliveryPlan, request: PlanRequest): Record<string, unknown> {
  return {
    depot: plan.depot.name,
    dropPoint: plan.dropPoint.name,
    feasible: plan.feasible,
    reasons: plan.reasons,
    payloadKg: request.conditions.payloadKg,
    wind: request.conditions.wind,
    temperatureC: request.conditions.temperatureC,
    cruiseAltitudeM: plan.cruiseAltitudeM,
    distanceM: plan.distanceM,
    durationS: plan.durationS,
    energyWh: plan.energyWh,
    marginPct: plan.marginPct,
    reservePct: request.drone.reservePct,
    fence: plan.fence,
    rally: { count: plan.rally.points.length, unsafeLegs: plan.rally.unsafeLegs },
    checks: plan.checks,
    terrain: plan.terrain
      ? {
          dem: plan.terrain.dem,
          homeGroundM: plan.terrain.homeGroundM,
          minClearanceM: plan.terrain.minClearanceM,
          maxAglM: plan.terrain.maxAglM,
          violations: plan.terrain.violations.map((v) => ({ code: v.code, message: v.message })),
        }
      : null,
  };
}

/** `.plan` text for a planned delivery; throws when the plan has no vehicle plan (no route). */
export function exportDeliveryPlan(plan: DeliveryPlan, request: PlanRequest): string {
  if (!plan.vehiclePlan) throw new Error(`no mission to export: ${plan.reasons.map((r) => r.message).join('; ')}`);
  return exportQgcPlan(plan.vehiclePlan, {
    cruiseSpeedMs: request.drone.cruiseSpeedMs,
    // QGC uses hoverSpeed as a multirotor's horizontal mission speed (cruiseSpeed is for fixed wing).
    hoverSpeedMs: request.drone.cruiseSpeedMs,
    droneId: request.drone.id,
    summary: deliveryPlanSummary(plan, request),
  });
}
