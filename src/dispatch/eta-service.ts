/**
 * The queue's ETAs kept current: recomputed (queue-eta.ts) from the fleet view and the waiting
 * requests whenever a request, mission, flight or drone changes (debounced), and announced with a
 * 'queue' event on the bus when an ETA moved by a minute or more, or a request got or lost one.
 */
import type { Repositories } from '../store/repositories.js';
import type { EventBus } from './events.js';
import type { FleetView } from './fleet-view.js';
import { outboundDurationS, queueEtas, type Eta, type EtaRequest } from './queue-eta.js';

export interface EtaServiceOptions {
  /** Quiet time after a change before recomputing, ms (default 200). */
  debounceMs?: number;
  now?: () => number;
}

export class EtaService {
  private cache: { at: number; etas: Map<number, Eta> } | null = null;
  /**
   * The drone options of each waiting request's mission, by mission id, as of the last recompute. A
   * mission's candidates are written once, when it is planned (a new plan is a new mission), so a
   * recompute reads only the missions it has not seen: under a burst of new requests the table is
   * recomputed for each answer, and reading every waiting mission each time was a tenth of the
   * event loop's work.
   */
  private options = new Map<number, EtaRequest['options']>();
  private lastKey = '';
  private timer: NodeJS.Timeout | null = null;
  private readonly off: () => void;
  private readonly now: () => number;

  constructor(
    private readonly repos: Repositories,
    private readonly bus: EventBus,
    private readonly fleet: FleetView,
    private readonly opts: EtaServiceOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.off = bus.subscribe((e) => {
      if (e.type === 'queue' || e.type === 'flight-live') return;
      this.cache = null;
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      const key = this.key(this.all());
      if (key !== this.lastKey) {
        this.lastKey = key;
        this.bus.publish({ type: 'queue' });
      }
    }, this.opts.debounceMs ?? 200);
    this.timer.unref();
  }

  private key(etas: Eta[]): string {
    return etas.map((e) => `${e.requestId}:${e.droneId}:${Math.round(e.takeoffAt / 60_000)}:${Math.round(e.arrivalAt / 60_000)}`).join(',');
  }

  /** ETA of a waiting request (awaiting approval), or null. */
  get(requestId: number): Eta | null {
    return this.table().get(requestId) ?? null;
  }

  /** Every waiting request's ETA, in queue order. */
  all(): Eta[] {
    return [...this.table().values()];
  }

  private table(): Map<number, Eta> {
    const now = this.now();
    // recomputed at least every 10 s even without events: "now" moves on
    if (this.cache && now - this.cache.at < 10_000) return this.cache.etas;
    const fleet = this.fleet.list();
    const drones = fleet.map((f) => ({
      id: f.drone.id,
      availableAt: f.state === 'offline' || f.state === 'maintenance' ? null : f.availableAt,
      turnaroundS: f.drone.turnaroundS,
    }));
    const queue: EtaRequest[] = [];
    const known = new Map<number, EtaRequest['options']>();
    for (const r of this.repos.requests.toReplan()) {
      if (r.status !== 'awaiting-approval' || r.missionId === null) continue;
      const options = this.options.get(r.missionId) ?? this.optionsOf(r.missionId);
      if (!options) continue;
      known.set(r.missionId, options);
      queue.push({ requestId: r.id, options });
    }
    this.options = known;
    const etas = new Map(queueEtas(drones, queue, now).map((e) => [e.requestId, e]));
    this.cache = { at: now, etas };
    return etas;
  }

  /** Which drones could fly a mission and for how long, from its stored candidates (null: no such mission). */
  private optionsOf(missionId: number): EtaRequest['options'] | null {
    // the brief (no plan)
    const m = this.repos.missions.brief(missionId);
    if (!m) return null;
    const options = m.candidates
      .filter((c) => c.feasible && c.durationS !== undefined && c.outboundS !== undefined)
      .map((c) => ({ droneId: c.droneId, durationS: c.durationS!, outboundS: c.outboundS! }));
    // plans made before fleet-aware dispatch carry no per-drone times: the planned drone only
    if (options.length === 0) {
      const plan = this.repos.missions.byId(m.id)?.plan;
      if (plan) options.push({ droneId: m.droneId, durationS: plan.durationS, outboundS: outboundDurationS(plan) });
    }
    return options;
  }

  close(): void {
    this.off();
    if (this.timer) clearTimeout(this.timer);
  }
}
