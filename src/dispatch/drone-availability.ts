/**
 * Which drones planning must not offer because of a stranded or lost flight: a drone whose flight
 * was declared lost and nobody has confirmed recovered (stored), and a drone whose unfinished flight
 * cannot reach its vehicle (found after a restart, kept in memory by the FlightManager until the
 * vehicle is heard or the flight is declared lost). Planning a new request on such a drone would
 * queue work for a vehicle that is somewhere unknown, possibly still in the air.
 *
 * Busy drones flying normally are not excluded here: when they can fly next is the fleet model's
 * question (dispatch ETAs), not a restart's.
 */
import type { Reason } from '../planning/types.js';
import type { Repositories } from '../store/repositories.js';

export class DroneAvailability {
  /** flight id → drone id of unfinished flights whose vehicle is not heard (after a restart). */
  private readonly unreachable = new Map<number, string>();

  constructor(private readonly repos: Repositories) {}

  markUnreachable(flightId: number, droneId: string): void {
    this.unreachable.set(flightId, droneId);
  }

  clearUnreachable(flightId: number): void {
    this.unreachable.delete(flightId);
  }

  isUnreachable(flightId: number): boolean {
    return this.unreachable.has(flightId);
  }

  /** drone id → why planning must not use it now. */
  blocked(): Map<string, Reason> {
    const out = new Map<string, Reason>();
    for (const l of this.repos.flights.lostUnrecovered())
      out.set(l.droneId, {
        code: 'drone-lost',
        message: `drone ${l.droneId} was declared lost on flight ${l.flightId}; a pilot must confirm it was recovered first`,
      });
    for (const [flightId, droneId] of this.unreachable)
      if (!out.has(droneId))
        out.set(droneId, {
          code: 'drone-unreachable',
          message: `drone ${droneId} is not heard from on unfinished flight ${flightId}; find it or declare the flight lost`,
        });
    return out;
  }
}
