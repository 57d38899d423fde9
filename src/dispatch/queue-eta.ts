/**
 * Queue ETAs: when each waiting drop request is expected to take off and arrive, from the fleet's
 * state and the queue order. Pure. The rule (README "Queue ETAs"): take the requests in queue order
 * (critical → urgent → routine, then oldest first; domain URGENCY_ORDER) and give each, greedily, to
 * the drone among those that can fly it that gets it to the drop point earliest: a drone takes off
 * at the later of now and when it becomes available (landing of its current flight + turnaround);
 * after taking a request it is busy for that flight's planned duration plus its turnaround time.
 */
import { URGENCY_ORDER, type Urgency } from '../domain/words.js';
import type { DeliveryPlan } from '../planner/types.js';

export interface EtaDrone {
  id: string;
  /** When it can take off next (ms); null: not expected back by itself (offline, maintenance). */
  availableAt: number | null;
  turnaroundS: number;
}

export interface EtaRequest {
  requestId: number;
  /** The drones that can fly it, with the planned flight time (take-off → home) and take-off → drop point, s. */
  options: { droneId: string; durationS: number; outboundS: number }[];
}

export interface Eta {
  requestId: number;
  droneId: string;
  takeoffAt: number;
  arrivalAt: number;
}

/** Queue order: urgency (critical first), then age, then id. */
export function queueOrder<T extends { id: number; urgency: Urgency; createdAt: string }>(requests: readonly T[]): T[] {
  return [...requests].sort((a, b) => URGENCY_ORDER[a.urgency] - URGENCY_ORDER[b.urgency] || a.createdAt.localeCompare(b.createdAt) || a.id - b.id);
}

/** ETAs of the queue (already in queue order); requests no drone can take are left out. */
export function queueEtas(drones: readonly EtaDrone[], queue: readonly EtaRequest[], now: number): Eta[] {
  const free = new Map<string, { at: number; turnaroundMs: number }>();
  for (const d of drones) if (d.availableAt !== null) free.set(d.id, { at: Math.max(now, d.availableAt), turnaroundMs: Math.max(0, d.turnaroundS) * 1000 });
  const out: Eta[] = [];
  for (const r of queue) {
    let best: { o: EtaRequest['options'][number]; takeoffAt: number; arrivalAt: number } | null = null;
    for (const o of r.options) {
      const f = free.get(o.droneId);
      if (!f || !Number.isFinite(o.durationS) || !Number.isFinite(o.outboundS)) continue;
      const arrivalAt = f.at + o.outboundS * 1000;
      if (!best || arrivalAt < best.arrivalAt || (arrivalAt === best.arrivalAt && o.droneId < best.o.droneId)) best = { o, takeoffAt: f.at, arrivalAt };
    }
    if (!best) continue;
    const f = free.get(best.o.droneId)!;
    f.at = best.takeoffAt + best.o.durationS * 1000 + f.turnaroundMs;
    out.push({ requestId: r.requestId, droneId: best.o.droneId, takeoffAt: best.takeoffAt, arrivalAt: Math.round(best.arrivalAt) });
  }
  return out;
}

/** Planned seconds from take-off to the drop point: the legs up to the one ending there. */
export function outboundDurationS(plan: DeliveryPlan): number {
  let sum = 0;
  const [dlon, dlat] = plan.dropPoint.position;
  for (const leg of plan.legs) {
    sum += leg.durationS;
    if (Math.abs(leg.to[0] - dlon) < 1e-6 && Math.abs(leg.to[1] - dlat) < 1e-6) return sum;
  }
  return plan.durationS / 2;
}
