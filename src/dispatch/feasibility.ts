/**
 * Feasibility of a drop request before it is stored: what the planner says about it on every
 * registered drone (the officer's preview while filling in the form), and whether the request is
 * one that NO drone could ever serve — which creation refuses (422) instead of queueing it.
 *
 * "Never" means: every candidate (enabled drone × its depot) fails for a reason that lies in the
 * request itself against the map and the airframes — a parcel over the drone's maximum payload, a
 * drop point inside or too close to a no-fly area or enclosed by them, a drop surface too high for
 * the cruise altitude, a drop point on the depot, a flight longer than the battery. Reasons that
 * pass (wind, cold, a drone busy or low on battery, no drone enabled, no map, a planner error) leave
 * the request queued as 'unservable' and it is planned again when things change.
 *
 * The range judgement takes the weather of the moment (the planner's battery model with the wind
 * and temperature configured); a drop point that is out of range only because of a gale would be
 * refused too — the officer sees the numbers and can submit again later.
 */
import type { Reason } from '../planning/types.js';
import type { Tried } from './dispatcher.js';

/** Reason codes that no change of weather or fleet availability can lift. */
export const STATIC_REASON_CODES: ReadonlySet<string> = new Set([
  'too-heavy',
  'drop-point-in-no-fly',
  'goal-blocked',
  'unreachable',
  'drop-point-too-high',
  'drop-point-at-depot',
  'battery-insufficient',
]);

/** True when there is at least one candidate and each fails for at least one static reason. */
export function neverServable(tried: readonly Tried[]): boolean {
  return tried.length > 0 && tried.every((t) => !t.candidate.feasible && t.candidate.reasons.some((r) => STATIC_REASON_CODES.has(r.code)));
}

export interface FeasibilityView {
  /** A drone can fly it now: it would be queued 'awaiting-approval'. */
  feasible: boolean;
  /** POST /api/requests would refuse it (422): no registered drone could ever serve it. */
  refused: boolean;
  /** Some drone can carry the weight / some drone has a route and the range to the drop point. */
  withinPayload: boolean;
  reachable: boolean;
  /** The best candidate (feasible first, then best energy margin); null without any candidate. */
  droneId: string | null;
  /** Its display name ("XN-01"). */
  droneName: string | null;
  depot: string | null;
  /** Round trip, m, and flight time depot → drop point → depot, s (0 when no route was found). */
  distanceM: number;
  flightTimeS: number;
  /** When the parcel would arrive: now + the flight to the drop point (queue waiting not included). */
  etaAt: string | null;
  /** Empty when feasible; else why, per drone (params.droneId / params.depot). */
  reasons: Reason[];
}

const RANGE_OR_ROUTE = new Set(['drop-point-in-no-fly', 'goal-blocked', 'unreachable', 'battery-insufficient', 'margin-below-reserve', 'route-not-clear']);

/**
 * The preview of candidates() for a request not stored. `outboundS(plan)` is the flight time to
 * the drop point (src/web/views.ts outboundDurationS, the rule the request cards use for their ETA).
 */
export function feasibilityView(
  assessed: { tried: readonly Tried[]; reasons: Reason[] },
  nowMs: number,
  outboundS: (plan: NonNullable<Tried['plan']>) => number,
  droneName: (droneId: string) => string | null,
): FeasibilityView {
  const { tried, reasons } = assessed;
  const best = tried[0];
  const plan = best?.plan ?? null;
  const feasible = !!best && best.candidate.feasible && plan !== null && plan.vehiclePlan !== null;
  const planned = tried.filter((t) => t.plan !== null);
  return {
    feasible,
    refused: neverServable(tried),
    withinPayload: planned.length === 0 || planned.some((t) => !t.candidate.reasons.some((r) => r.code === 'too-heavy')),
    reachable: planned.length === 0 || planned.some((t) => !t.candidate.reasons.some((r) => RANGE_OR_ROUTE.has(r.code))),
    droneId: best?.candidate.droneId ?? null,
    droneName: best ? droneName(best.candidate.droneId) : null,
    depot: best?.candidate.depot ?? null,
    distanceM: plan && plan.durationS > 0 ? plan.distanceM : 0,
    flightTimeS: plan && plan.durationS > 0 ? plan.durationS : 0,
    etaAt: feasible && plan ? new Date(nowMs + outboundS(plan) * 1000).toISOString() : null,
    reasons: feasible ? [] : withDroneNames(reasons, droneName),
  };
}

/** Reasons per drone also name the drone as people know it (params.droneName, "XN-01"). */
export function withDroneNames(reasons: Reason[], droneName: (droneId: string) => string | null): Reason[] {
  return reasons.map((r) => {
    const id = r.params?.droneId;
    const name = typeof id === 'string' ? droneName(id) : null;
    return name ? { ...r, params: { ...r.params, droneName: name } } : r;
  });
}
