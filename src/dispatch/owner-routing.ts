/**
 * Approvals and flight commands asked at an instance that does not own the drone's link reach the
 * owner through the database: the asking instance writes a vehicle_commands row and waits for its
 * answer; the owner looks for rows of the drones it holds every POLL_MS, takes each with one
 * conditional UPDATE (exactly one instance gets it), carries it out as if it had been asked there
 * (the same checks, the same audit entry), and writes the answer: the result, or the refusal with
 * its code and parameters, which the asking instance raises as its own. No network path between
 * instances is needed, it works the same on SQLite and PostgreSQL, and a command waiting while the
 * owner dies is taken by the instance that takes the drone over (README "Several instances").
 */
import type { Repositories } from '../store/repositories.js';
import type { VehicleCommand, VehicleCommandAction } from '../store/repos/vehicle-commands.js';
import type { DroneLeases } from './drone-leases.js';
import { ServiceError, flightConflict } from './errors.js';
import { createLogger } from '../log.js';

const log = createLogger('owner-routing');

/** How often the owner looks for commands, and the asker for answers, ms. */
export const POLL_MS = 100;
/** How long a carried-out command may take to be answered (an abort may wait for the vehicle, 15 s, then its acknowledgement). */
export const ANSWER_WITHIN_MS = 45_000;

type Answer = { ok: true; value: Record<string, unknown> } | { ok: false; error: Record<string, unknown> };

export type Execute = (c: VehicleCommand) => Promise<Record<string, unknown>>;

export class OwnerRouting {
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
  private readonly idle: (() => void)[] = [];

  constructor(
    private readonly repos: Repositories,
    private readonly leases: DroneLeases,
    private readonly now: () => number = Date.now,
  ) {}

  /** Carry out what other instances ask for the drones this one holds, and call `alsoEvery` (at most once a second). */
  serve(execute: Execute, alsoEvery?: () => void): void {
    let lastExtra = 0;
    this.timer = setInterval(() => {
      if (this.busy) return;
      this.busy = true;
      void this.serveOnce(execute)
        .catch((err: unknown) => log.error({ err }, 'could not serve routed commands'))
        .finally(() => {
          this.busy = false;
          if (alsoEvery && this.now() - lastExtra >= 1000) {
            lastExtra = this.now();
            try {
              alsoEvery();
            } catch (err) {
              log.error({ err }, 'periodic owner work failed');
            }
          }
          for (const f of this.idle.splice(0)) f();
        });
    }, POLL_MS);
    this.timer.unref();
  }

  private async serveOnce(execute: Execute): Promise<void> {
    const owned = this.leases.owned();
    for (const c of this.repos.vehicleCommands.pending(owned, this.now())) {
      if (!this.leases.holds(c.droneId) || !this.repos.vehicleCommands.take(c.id, this.leases.instanceId, this.now())) continue;
      log.info({ id: c.id, action: c.action, droneId: c.droneId, from: c.askedBy }, 'carrying out a command asked at another instance');
      let answer: Answer;
      try {
        answer = { ok: true, value: await execute(c) };
      } catch (err) {
        answer = { ok: false, error: serialiseError(err) };
      }
      this.repos.vehicleCommands.answer(c.id, this.leases.instanceId, answer, this.now());
    }
  }

  /**
   * Ask the owner of the drone to carry out `action` and wait for its answer. The owner's refusal is
   * raised here as it was there; no answer in time is a 409 'drone-owner-unreachable'.
   */
  async forward(droneId: string, action: VehicleCommandAction, payload: Record<string, unknown>, owner: string): Promise<Record<string, unknown>> {
    const askedAt = this.now();
    // Not taken within this time: the owner is gone and nobody took the drone over yet (a takeover
    // takes up to 4/3 of the lease time); the asker is told rather than left waiting.
    const takeWithinMs = 2 * this.leases.leaseMs + 2000;
    const id = this.repos.vehicleCommands.ask({ droneId, action, payload, askedBy: this.leases.instanceId, askedAt, expiresAt: askedAt + takeWithinMs });
    log.info({ id, action, droneId, owner }, 'command sent to the instance that owns the drone');
    const unreachable = () =>
      flightConflict(
        'drone-owner-unreachable',
        `the service instance that holds drone ${droneId}'s link (${owner}) did not answer the ${action} in time; check the flight before trying again`,
        { droneId, action },
      );
    for (;;) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      const c = this.repos.vehicleCommands.get(id);
      if (!c) throw new Error(`routed command ${id} disappeared`);
      if (c.state === 'answered' && c.answer) return unpack(c.answer as Answer);
      const t = this.now();
      if (c.state === 'pending' && t >= c.expiresAt && this.repos.vehicleCommands.withdraw(id)) throw unreachable();
      if (t - askedAt > takeWithinMs + ANSWER_WITHIN_MS) throw unreachable();
    }
  }

  /** Stop serving; resolves when a command being carried out has been answered. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.busy) await new Promise<void>((r) => this.idle.push(r));
  }
}

function serialiseError(err: unknown): Record<string, unknown> {
  if (err instanceof ServiceError)
    return {
      code: err.code,
      message: err.message,
      field: err.field ?? null,
      issues: err.issues ?? null,
      detail: err.detail ?? null,
      reasons: err.reasons ?? null,
    };
  return { code: 'internal', message: err instanceof Error ? err.message : String(err) };
}

function unpack(a: Answer): Record<string, unknown> {
  if (a.ok) return a.value;
  const e = a.error as Record<string, never>;
  if (e.code === 'internal' || typeof e.code !== 'string') throw new Error(`the owning instance failed: ${String(e.message)}`);
  throw new ServiceError(e.code, String(e.message), e.field ?? undefined, e.issues ?? undefined, e.detail ?? undefined, e.reasons ?? undefined);
}
