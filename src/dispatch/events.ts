/**
 * The in-process event bus: the dispatcher and the flight manager publish what changed, the SSE
 * routes fan it out to every subscriber that may see it. Listeners run synchronously; a throwing
 * listener is isolated (logged) so one broken subscriber cannot stop the others.
 */
import type { FlightLiveEvents } from './live-events.js';
import { createLogger } from '../log.js';

const log = createLogger('events');

export type BusEvent =
  | { type: 'request'; requestId: number }
  | { type: 'mission'; missionId: number }
  | { type: 'flight'; flightId: number; requestId: number }
  /** A drone's fleet state, battery, link or position changed (fleet-view.ts). */
  | { type: 'drone'; droneId: string }
  /** The queue's ETAs were recomputed (queue-eta.ts); pages fetch or receive the new ones. */
  | { type: 'queue' }
  | {
      [K in keyof FlightLiveEvents]: { type: 'flight-live'; flightId: number; requestId: number; event: K; data: FlightLiveEvents[K] };
    }[keyof FlightLiveEvents];

export class EventBus {
  private readonly listeners = new Set<(e: BusEvent) => void>();

  subscribe(listener: (e: BusEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(e: BusEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        log.warn({ err, event: e.type }, 'event listener failed');
      }
    }
  }

  get size(): number {
    return this.listeners.size;
  }
}
