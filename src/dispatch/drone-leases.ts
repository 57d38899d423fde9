/**
 * Which drones this service instance owns: a lease per drone in the database (drone_leases), taken
 * when free or expired, renewed every third of its time, and carrying a fencing token raised on
 * every acquisition. The instance commands a vehicle and writes about its flights only while it
 * holds the drone's lease:
 * - `holds()` is the cheap check before every frame sent to a vehicle: the lease counts as lost as
 *   soon as this instance's own clock passes the time up to which it was last renewed (a process
 *   paused by SIGSTOP, a stalled event loop), without asking the database;
 * - `fence()` is the check inside a write's transaction: the token and the expiry in the WHERE of
 *   an UPDATE of the lease row (src/store/repos/leases.ts), so that a write of an owner whose lease
 *   was taken over is refused by the database itself.
 * A lost lease (renewal refused, or expired by the own clock) is let go at once: listeners detach
 * the link and leave the flight to the new owner. Every tick also tries to take the leases of
 * drones nobody holds (enabled drones, and drones with an unfinished flight): that is the takeover
 * when another instance has died. With `shared: false` (one instance, the default) start-up claims
 * every lease at once, whoever held it before, so that a restart does not wait for its own old
 * leases to expire (README "Several instances, one fleet").
 */
import type { Repositories } from '../store/repositories.js';
import type { VehicleReport } from '../fleet/fleet-status.js';
import { createLogger } from '../log.js';

const log = createLogger('leases');

export interface DroneLeaseOptions {
  /** This instance's id in the lease rows (MEDIDROP_INSTANCE_ID). */
  instanceId: string;
  /** Lease time, ms (MEDIDROP_LEASE_MS); renewed every third of it. */
  leaseMs: number;
  /** Several instances share the database (MEDIDROP_SHARED): leases are only taken when free or expired. */
  shared: boolean;
  /**
   * false: this instance has no vehicle links at all (no flight starter: API tests, a read-only
   * instance); it never takes a lease, and asks the holders. Default true.
   */
  takesLeases?: boolean;
  now?: () => number;
}

interface Held {
  token: number;
  /** This instance's clock: the lease runs out here unless renewed (renewal start + lease time). */
  until: number;
}

export type LeaseListener = (droneId: string, reason: string) => void;

export class DroneLeases {
  readonly instanceId: string;
  readonly leaseMs: number;
  private readonly held = new Map<string, Held>();
  private readonly lostListeners = new Set<LeaseListener>();
  private readonly acquiredListeners = new Set<LeaseListener>();
  private readonly now: () => number;
  private timer: NodeJS.Timeout | null = null;
  private ticking = false;
  /** What this instance last heard from a drone it holds, stored with each renewal for the others. */
  private ownReport: ((droneId: string) => VehicleReport | null) | null = null;

  constructor(
    private readonly repos: Repositories,
    private readonly opts: DroneLeaseOptions,
  ) {
    if (!Number.isInteger(opts.leaseMs) || opts.leaseMs < 300) throw new RangeError(`lease time must be an integer ≥ 300 ms, got ${opts.leaseMs}`);
    this.instanceId = opts.instanceId;
    this.leaseMs = opts.leaseMs;
    this.now = opts.now ?? Date.now;
  }

  onLost(l: LeaseListener): () => void {
    this.lostListeners.add(l);
    return () => this.lostListeners.delete(l);
  }

  onAcquired(l: LeaseListener): () => void {
    this.acquiredListeners.add(l);
    return () => this.acquiredListeners.delete(l);
  }

  /** Where the reports stored with each renewal come from (the link watchers of the flight starter). */
  reportWith(fn: (droneId: string) => VehicleReport | null): void {
    this.ownReport = fn;
  }

  /**
   * What the instance holding the drone last heard from it (stored with its renewals), when another
   * instance holds the lease now; null when this one holds it, nobody does, or nothing was heard.
   */
  reportElsewhere(droneId: string): VehicleReport | null {
    const r = this.repos.leases.report(droneId);
    if (!r || r.owner === this.instanceId || r.expiresAt <= this.now() || r.report === null) return null;
    try {
      return JSON.parse(r.report) as VehicleReport;
    } catch {
      return null;
    }
  }

  /** The drones whose leases this instance holds now. */
  owned(): string[] {
    return [...this.held.keys()].filter((id) => this.holds(id));
  }

  /**
   * This instance holds the drone's lease by its own clock (no database access). A lease found
   * past its time is let go here and now, before the caller sends or writes anything.
   */
  holds(droneId: string): boolean {
    const h = this.held.get(droneId);
    if (!h) return false;
    if (this.now() < h.until) return true;
    // One instance (not shared): nobody else takes leases, so a stalled event loop (a planning burst,
    // a loaded machine) must not cost a flight its link. The lease is renewed here and now instead.
    if (!this.opts.shared && this.renewNow(droneId, h)) return true;
    this.lose(droneId, `lease expired by this instance's clock ${this.now() - h.until} ms ago without renewal (process paused or stalled)`);
    return false;
  }

  private renewNow(droneId: string, h: Held): boolean {
    try {
      const start = this.now();
      const report = this.ownReport?.(droneId) ?? null;
      if (!this.repos.leases.renew(droneId, this.instanceId, h.token, start + this.leaseMs, report ? JSON.stringify(report) : null)) return false;
      h.until = start + this.leaseMs;
      return true;
    } catch (err) {
      log.warn({ err, droneId }, 'could not renew the drone lease');
      return false;
    }
  }

  /** The fencing token of the lease held, or null. */
  token(droneId: string): number | null {
    return this.holds(droneId) ? this.held.get(droneId)!.token : null;
  }

  /** The check inside a write's transaction: held by the own clock, and the database agrees (token, expiry). */
  fence(droneId: string): boolean {
    const h = this.held.get(droneId);
    if (!h || !this.holds(droneId)) return false;
    if (this.repos.leases.fence(droneId, this.instanceId, h.token, this.now())) return true;
    this.lose(droneId, `the database refused a write with token ${h.token}: the lease was taken over`);
    return false;
  }

  /** Take the drone's lease when it is free or expired (or already ours). True: this instance holds it now. */
  tryAcquire(droneId: string, force = false): boolean {
    if (this.holds(droneId)) return true;
    if (this.opts.takesLeases === false) return false;
    const start = this.now();
    const got = this.repos.leases.acquire(droneId, this.instanceId, start, start + this.leaseMs, force);
    if (!got) return false;
    this.held.set(droneId, { token: got.token, until: start + this.leaseMs });
    log.info({ droneId, token: got.token, instanceId: this.instanceId, leaseMs: this.leaseMs }, 'drone lease acquired');
    for (const l of this.acquiredListeners) l(droneId, `lease acquired with token ${got.token}`);
    return true;
  }

  /**
   * The instance that holds the drone's lease when it is not this one (null: this one holds it, or
   * has just taken it because it was free).
   */
  ownerElsewhere(droneId: string): string | null {
    if (this.tryAcquire(droneId)) return null;
    const l = this.repos.leases.get(droneId);
    return l && l.owner !== this.instanceId && l.expiresAt > this.now() ? l.owner : null;
  }

  /** Claim (one instance) or take what is free (shared), then renew every third of the lease time. */
  start(): void {
    for (const id of this.candidates()) {
      try {
        this.tryAcquire(id, !this.opts.shared);
      } catch (err) {
        log.error({ err, droneId: id }, 'could not take the drone lease');
      }
    }
    this.timer = setInterval(() => this.tick(), Math.max(100, Math.floor(this.leaseMs / 3)));
    this.timer.unref();
  }

  /** Renew what is held (a refusal loses it), then take the leases of drones nobody holds. */
  tick(): void {
    if (this.ticking) return;
    this.ticking = true;
    try {
      for (const [id, h] of [...this.held]) {
        if (!this.holds(id)) continue;
        const start = this.now();
        let renewed: boolean;
        try {
          const report = this.ownReport?.(id) ?? null;
          renewed = this.repos.leases.renew(id, this.instanceId, h.token, start + this.leaseMs, report ? JSON.stringify(report) : null);
        } catch (err) {
          // the database is out of reach: the lease is kept until its time runs out by our clock
          log.warn({ err, droneId: id }, 'could not renew the drone lease');
          continue;
        }
        if (renewed) h.until = start + this.leaseMs;
        else this.lose(id, `renewal refused: another instance holds the lease now (token ${h.token} is stale)`);
      }
      for (const id of this.candidates()) {
        if (this.held.has(id)) continue;
        try {
          this.tryAcquire(id);
        } catch (err) {
          log.warn({ err, droneId: id }, 'could not take the drone lease');
        }
      }
    } finally {
      this.ticking = false;
    }
  }

  /** Enabled drones, and drones with an unfinished flight (a disabled drone may still be in the air). */
  private candidates(): string[] {
    const ids = new Set(
      this.repos.drones
        .list()
        .filter((d) => d.enabled)
        .map((d) => d.id),
    );
    for (const f of this.repos.flights.list({ unfinished: true })) ids.add(f.droneId);
    return [...ids];
  }

  private lose(droneId: string, reason: string): void {
    const h = this.held.get(droneId);
    if (!h) return;
    this.held.delete(droneId);
    log.warn({ droneId, token: h.token, instanceId: this.instanceId, reason }, 'drone lease lost: link detached, no more commands or writes for this drone');
    // Nothing is sent or written for the drone from here on (holds() is false); the listeners that
    // detach the link run after the current call, which may be a frame being sent on that link.
    queueMicrotask(() => {
      for (const l of this.lostListeners) {
        try {
          l(droneId, reason);
        } catch (err) {
          log.error({ err, droneId }, 'lease-lost listener failed');
        }
      }
    });
  }

  /** Stop renewing and give every lease up (a clean stop: another instance may take them at once). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const [id, h] of this.held) {
      try {
        this.repos.leases.release(id, this.instanceId, h.token);
      } catch (err) {
        log.warn({ err, droneId: id }, 'could not release the drone lease');
      }
    }
    this.held.clear();
  }
}
