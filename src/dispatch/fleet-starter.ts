/**
 * FlightStarter on the fleet layer: one shared FleetTracker persisting through SqliteFlightStore,
 * one MAVLink connection per drone connection URL (opened on first use, kept), and the fleet's
 * startFlight / attachFlight per flight. Tracker updates become live SSE events on the bus. A link
 * watcher per watched vehicle (src/fleet/link-watch.ts) listens on the same connection, between
 * flights and during them, for the fleet's live battery, link and position.
 * With drone leases (src/dispatch/drone-leases.ts), a link is opened and watched only for a drone this
 * instance holds, every frame it sends asks the lease first, and every write about a flight is fenced
 * with the lease's token; `release` closes the link of a drone whose lease was lost.
 */
import { attachFlight, startFlight, type FlightHandle } from '../fleet/flight-runner.js';
import { FleetTracker, type FlightUpdate } from '../fleet/tracker.js';
import { flightEta, type FlightState as FleetState } from '../fleet/flight-state.js';
import { LinkWatch } from '../fleet/link-watch.js';
import type { VehicleReport } from '../fleet/fleet-status.js';
import { connect } from '../mavlink/connection.js';
import type { MavlinkConnection, VehicleLink } from '../mavlink/types.js';
import type { Repositories } from '../store/repositories.js';
import { SqliteFlightStore } from '../store/flight-store.js';
import type { FlightStatus } from '../domain/words.js';
import type { EventBus } from './events.js';
import type { FlightControl, FlightJob, FlightStarter } from './flights.js';
import { freshLink, type LinkSource } from './link-test.js';
import { createLogger } from '../log.js';

const log = createLogger('fleet-starter');

export interface FleetStarterOptions {
  /** How long to wait for the vehicle's first heartbeat when starting a flight, ms (default 15000). */
  vehicleTimeoutMs?: number;
  /** Silence after which a link counts as lost, ms (default 3000). */
  linkTimeoutMs?: number;
  readyTimeoutMs?: number;
  telemetryRateHz?: number;
  /** Drone leases: links only to drones held, frames only while held, writes fenced (several instances). */
  leases?: LeaseGate;
}

/** What the starter needs of the drone leases (src/dispatch/drone-leases.ts). */
export interface LeaseGate {
  /** Held by this instance's own clock (cheap; before every frame). */
  holds(droneId: string): boolean;
  /** Take the lease when it is free or expired (or already ours): true when held now. */
  tryAcquire(droneId: string): boolean;
  /** Held, and the database agrees (inside a write's transaction). */
  fence(droneId: string): boolean;
  /** What the instance holding a drone this one does not hold last heard from it. */
  reportElsewhere(droneId: string): VehicleReport | null;
}

const iso = (ms: number) => new Date(ms).toISOString();

export class FleetStarter implements FlightStarter {
  readonly tracker: FleetTracker;
  readonly store: SqliteFlightStore;
  private readonly connections = new Map<string, Promise<MavlinkConnection>>();
  private readonly handles = new Map<string, FlightHandle>();
  /** The link each flight of this starter runs on. */
  private readonly flightUrls = new Map<string, string>();
  private readonly unsubscribe: () => void;
  private readonly lastBattery = new Map<string, number>();
  private readonly lastMode = new Map<string, string>();
  /**
   * Each flight's request (it never changes), looked up once per flight rather than at every tracker
   * update: up to 10 a second per vehicle, and on PostgreSQL each lookup is a round trip to the server
   * that blocks the event loop (src/store/pg-engine.ts).
   */
  private readonly requestOfFlight = new Map<string, number>();
  private readonly watches = new Map<string, { since: number; watch: LinkWatch | null }>();
  private readonly firstWatched = new Map<string, number>();
  private closed = false;

  constructor(
    private readonly repos: Repositories,
    private readonly bus: EventBus,
    private readonly opts: FleetStarterOptions = {},
  ) {
    const leases = opts.leases;
    this.store = new SqliteFlightStore(repos, {
      ...(leases ? { fence: (droneId: string) => leases.fence(droneId) } : {}),
      transition: (flightId, requestId) => {
        this.bus.publish({ type: 'flight', flightId, requestId });
        this.bus.publish({ type: 'request', requestId });
      },
      // the pilot page's flight cards show the alerts that stand (FlightView.activeAlerts), from /api/events
      alert: (flightId, requestId) => this.bus.publish({ type: 'flight', flightId, requestId }),
      delivery: (flightId, requestId, d) => {
        if (!d.delivered) return;
        // The tracking page shows the release as soon as it is confirmed, not at the next transition.
        this.bus.publish({ type: 'flight', flightId, requestId });
        this.bus.publish({ type: 'request', requestId });
      },
    });
    this.tracker = new FleetTracker({ store: this.store });
    this.unsubscribe = this.tracker.subscribe((u) => this.onUpdate(u));
  }

  liveState(flightId: string): FleetState | undefined {
    return this.tracker.flightState(flightId);
  }

  /** The drone reached at this URL (null: none registered, e.g. an admin's link test of a new address). */
  private droneAt(url: string, sysid?: number): string | null {
    return this.repos.drones.list().find((d) => d.connectionUrl === url && (sysid === undefined || d.sysid === sysid))?.id ?? null;
  }

  /**
   * Without leases, always; with them, only for a drone this instance holds — or takes now, when
   * nobody holds it (a drone the admin has just added or re-addressed is not left waiting for the
   * next renewal tick).
   */
  private mayUse(url: string, sysid?: number): boolean {
    const leases = this.opts.leases;
    if (!leases) return true;
    const droneId = this.droneAt(url, sysid);
    return droneId === null || leases.holds(droneId) || leases.tryAcquire(droneId);
  }

  private connection(url: string): Promise<MavlinkConnection> {
    let c = this.connections.get(url);
    if (!c) {
      const leases = this.opts.leases;
      const droneId = this.droneAt(url);
      c = connect(url, {
        linkTimeoutMs: this.opts.linkTimeoutMs ?? 3000,
        ...(leases && droneId !== null ? { mayTransmit: () => leases.holds(droneId) } : {}),
      });
      c.catch(() => this.connections.delete(url));
      this.connections.set(url, c);
    }
    return c;
  }

  async prepare(connectionUrl: string): Promise<void> {
    if (!this.mayUse(connectionUrl)) return;
    await this.connection(connectionUrl);
  }

  /**
   * The lease of the drone at this URL was lost: every flight on the link is detached, the watchers
   * stop, and the connection is closed, so that nothing more from this instance reaches the vehicle.
   */
  release(connectionUrl: string, reason: string): void {
    for (const [flightId, url] of this.flightUrls) {
      if (url !== connectionUrl) continue;
      this.handles.get(flightId)?.detach(reason);
    }
    for (const [key, w] of this.watches) {
      if (!key.startsWith(`${connectionUrl}#`)) continue;
      w.watch?.close();
      this.watches.delete(key);
    }
    const c = this.connections.get(connectionUrl);
    this.connections.delete(connectionUrl);
    void c?.then((conn) => conn.close()).catch(() => undefined);
    log.warn({ url: connectionUrl, reason }, 'vehicle link closed: this instance no longer owns the drone');
  }

  /**
   * Follow a vehicle's heartbeat, battery and position on its (shared) connection; idempotent. A
   * connection that cannot be opened is tried again at the next call.
   */
  watch(connectionUrl: string, sysid: number, onChange: (r: VehicleReport) => void): void {
    const key = `${connectionUrl}#${sysid}`;
    if (this.closed || this.watches.has(key) || !this.mayUse(connectionUrl, sysid)) return;
    // silence counts from the first attempt: a link that cannot be opened turns the drone offline
    const since = this.firstWatched.get(key) ?? Date.now();
    this.firstWatched.set(key, since);
    const entry: { since: number; watch: LinkWatch | null } = { since, watch: null };
    this.watches.set(key, entry);
    this.connection(connectionUrl).then(
      (conn) => {
        if (this.closed || this.watches.get(key) !== entry) return;
        entry.watch = new LinkWatch(conn, sysid, {
          telemetryRateHz: this.opts.telemetryRateHz ?? 4,
          linkTimeoutMs: this.opts.linkTimeoutMs ?? 3000,
          watchedSince: entry.since,
          onChange,
        });
      },
      (err: unknown) => {
        log.warn({ err, url: connectionUrl, sysid }, 'could not open the link to watch the vehicle; will try again');
        // keep the entry for a while so that the drone turns offline, then let a later call retry
        setTimeout(() => {
          if (this.watches.get(key) === entry) this.watches.delete(key);
        }, 5000).unref();
      },
    );
  }

  /**
   * What the watcher last heard from the vehicle; undefined when it is not watched. A drone another
   * instance holds: what that instance last heard, as it stores it with its lease renewals.
   */
  vehicleReport(connectionUrl: string, sysid: number): VehicleReport | undefined {
    const e = this.watches.get(`${connectionUrl}#${sysid}`);
    if (!e) {
      const leases = this.opts.leases;
      const droneId = leases ? this.droneAt(connectionUrl, sysid) : null;
      if (!leases || droneId === null || leases.holds(droneId)) return undefined;
      return leases.reportElsewhere(droneId) ?? undefined;
    }
    return e.watch?.report() ?? { watchedSince: e.since, lastHeardAt: null, armed: false, modeName: null, battery: null, position: null };
  }

  /** What this instance's watcher last heard from a drone (stored with its lease for the other instances). */
  ownReport(droneId: string): VehicleReport | null {
    const d = this.repos.drones.byId(droneId);
    return d ? (this.watches.get(`${d.connectionUrl}#${d.sysid}`)?.watch?.report() ?? null) : null;
  }

  /**
   * The admin's link test borrows the link this starter keeps to the URL (a second connection to a
   * udpin port or serial device would fail or steal its traffic); without one it opens its own.
   */
  readonly openLink: LinkSource = async (url, opts) => {
    const kept = this.connections.get(url);
    if (kept) {
      const connection = await kept.catch(() => null);
      if (connection) return { connection, shared: true, release: async () => undefined };
    }
    return freshLink(url, opts);
  };

  start(job: FlightJob): FlightControl {
    this.flightUrls.set(job.flightId, job.connectionUrl);
    return this.control(job.flightId, async () => {
      const conn = await this.connection(job.connectionUrl);
      const vehicle = await conn.waitForVehicle({ sysid: job.sysid, timeoutMs: this.opts.vehicleTimeoutMs ?? 15_000 });
      return startFlight({
        vehicle,
        plan: job.plan,
        deliveryPlan: job.deliveryPlan,
        flightId: job.flightId,
        tracker: this.tracker,
        store: this.store,
        connection: job.connectionUrl,
        onProgress: (p) =>
          job.onProgress({ phase: `${p.phase}:${['mission', 'fence', 'rally'][p.missionType] ?? p.missionType}`, done: p.done, total: p.total }),
        ...(this.opts.readyTimeoutMs ? { readyTimeoutMs: this.opts.readyTimeoutMs } : {}),
        ...(this.opts.telemetryRateHz ? { telemetryRateHz: this.opts.telemetryRateHz } : {}),
      });
    });
  }

  attach(job: FlightJob & { state: FleetState }): FlightControl {
    const cancelled = { reason: null as string | null };
    this.flightUrls.set(job.flightId, job.connectionUrl);
    const control = this.control(job.flightId, async () => {
      // The flight may be in the air: never give up on it because the link is down right now.
      // Keep trying until the vehicle is heard, the flight is declared lost, or the service stops.
      // Not heard within the link-loss silence → the pilot is told at once (job.onLink), not after
      // the connect / heartbeat timeouts have run out. (The pages say these details in the reader's
      // language: src/web/outcome-text.ts knows their wording.)
      const silenceMs = this.opts.linkTimeoutMs ?? 3000;
      let told = false;
      const tell = setTimeout(() => {
        told = true;
        job.onLink?.(false, `vehicle sysid ${job.sysid} not heard at ${job.connectionUrl} within ${silenceMs / 1000} s of re-attaching`);
      }, silenceMs);
      tell.unref();
      let vehicle: VehicleLink | null = null;
      try {
        while (!vehicle) {
          if (this.closed) throw new Error('service stopping before the vehicle was heard again');
          if (cancelled.reason !== null) throw new Error(cancelled.reason);
          if (!this.mayUse(job.connectionUrl, job.sysid)) throw new Error('this instance no longer holds the drone lease');
          try {
            const conn = await this.connection(job.connectionUrl);
            vehicle = await conn.waitForVehicle({ sysid: job.sysid, timeoutMs: this.opts.vehicleTimeoutMs ?? 15_000 });
          } catch (err) {
            if (!told) {
              told = true;
              clearTimeout(tell);
              job.onLink?.(false, `vehicle sysid ${job.sysid} not reachable at ${job.connectionUrl}: ${err instanceof Error ? err.message : String(err)}`);
            }
            log.warn({ err, flightId: job.flightId, sysid: job.sysid, url: job.connectionUrl }, 'unfinished flight: vehicle not heard yet; still trying');
            await new Promise((r) => setTimeout(r, 2000).unref());
          }
        }
      } finally {
        clearTimeout(tell);
      }
      if (cancelled.reason !== null) throw new Error(cancelled.reason);
      if (told) job.onLink?.(true, `vehicle sysid ${job.sysid} heard again at ${job.connectionUrl}`);
      log.info({ flightId: job.flightId, sysid: job.sysid, status: job.state.status }, 're-attaching to an unfinished flight');
      return attachFlight({
        vehicle,
        tracker: this.tracker,
        store: this.store,
        connection: job.connectionUrl,
        record: { id: job.flightId, plan: job.plan, state: job.state, deliveryPlan: job.deliveryPlan },
        ...(this.opts.telemetryRateHz ? { telemetryRateHz: this.opts.telemetryRateHz } : {}),
      });
    });
    return {
      ...control,
      cancel: (reason: string) => {
        cancelled.reason = reason;
        control.cancel(reason);
      },
    };
  }

  private control(flightId: string, open: () => Promise<FlightHandle>): FlightControl {
    const handle = open().then((h) => {
      this.handles.set(flightId, h);
      return h;
    });
    const done = handle.then(async (h) => {
      const outcome = await h.done;
      await this.tracker.settled();
      this.handles.delete(flightId);
      this.flightUrls.delete(flightId);
      this.lastBattery.delete(flightId);
      this.lastMode.delete(flightId);
      this.requestOfFlight.delete(flightId);
      this.tracker.removeFlight(flightId);
      if (outcome.status === 'detached') throw new Error(outcome.reason ?? 'stopped following the flight');
      return outcome;
    });
    const need = async () => {
      const h = this.handles.get(flightId);
      if (!h) throw new Error('the vehicle is not connected yet');
      return h;
    };
    // An abort right after the approval finds the link still opening: it waits for the vehicle (as
    // long as a start does) and stops the flight before anything is uploaded, rather than refusing
    // and letting the flight it meant to stop take off.
    const reached = async () => {
      const h = this.handles.get(flightId);
      if (h) return h;
      let timer: NodeJS.Timeout | undefined;
      const limit = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('the vehicle is not connected yet')), this.opts.vehicleTimeoutMs ?? 15_000);
      });
      try {
        return await Promise.race([handle, limit]);
      } finally {
        clearTimeout(timer);
      }
    };
    return {
      done,
      cancel: (reason) => this.handles.get(flightId)?.detach(reason),
      abort: async (by, reason) => {
        const r = await (await reached()).abort(by, reason ?? undefined);
        if (r && !r.ok) throw new Error(`vehicle refused: ${r.resultName}${r.reason ? ` (${r.reason})` : ''}`);
      },
      pause: async (by) => {
        const r = await (await need()).pause(by);
        if (!r.ok) throw new Error(`vehicle refused: ${r.resultName}${r.reason ? ` (${r.reason})` : ''}`);
      },
      resume: async (by) => {
        const r = await (await need()).resume(by);
        if (!r.ok) throw new Error(`vehicle refused: ${r.resultName}${r.reason ? ` (${r.reason})` : ''}`);
      },
    };
  }

  /** Tracker update → live flight events for the SSE streams. */
  private onUpdate(u: FlightUpdate): void {
    const flightId = Number(u.flightId);
    let requestId = this.requestOfFlight.get(u.flightId);
    if (requestId === undefined) {
      const flight = this.repos.flights.byId(flightId);
      if (!flight) return;
      requestId = flight.requestId;
      this.requestOfFlight.set(u.flightId, requestId);
    }
    const s = u.state;
    const pub = <K extends 'position' | 'state' | 'battery' | 'link' | 'alert' | 'mode'>(event: K, data: unknown) =>
      this.bus.publish({ type: 'flight-live', flightId, requestId, event, data } as never);
    // Telemetry first, then what happened: a page that is told "delivering" already has the position
    // and ETA of that moment (streams pace telemetry and send state changes at once, in order).
    const p = s.vehicle.position;
    if (p) {
      const eta = flightEta(s.progress);
      pub('position', {
        t: iso(p.t),
        lat: p.lat,
        lon: p.lon,
        relAltM: p.relAltM,
        groundSpeedMs: p.groundSpeedMs,
        headingDeg: p.headingDeg,
        routeFraction: s.progress.fraction,
        eta: eta ? iso(p.t + eta.s * 1000) : null,
        etaTo: eta?.to ?? null,
      });
    }
    const b = s.vehicle.battery;
    if (b && this.lastBattery.get(u.flightId) !== b.t) {
      this.lastBattery.set(u.flightId, b.t);
      pub('battery', { t: iso(b.t), remainingPct: b.remainingPct, voltageV: b.voltageV });
    }
    for (const tr of u.transitions) pub('state', { from: tr.from as FlightStatus, to: tr.to as FlightStatus, at: iso(tr.t), cause: tr.cause });
    for (const a of u.alerts)
      pub('alert', { kind: a.kind, code: a.code, params: a.data ?? {}, severity: a.active ? a.severity : 'info', message: a.message, at: iso(a.t) });
    if (u.alerts.some((a) => a.kind === 'link-lost')) pub('link', { t: iso(u.t), up: s.vehicle.linkUp });
    const mode = s.vehicle.modeName;
    if (mode && this.lastMode.get(u.flightId) !== mode) {
      this.lastMode.set(u.flightId, mode);
      pub('mode', { t: iso(u.t), mode });
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe();
    for (const w of this.watches.values()) w.watch?.close();
    this.watches.clear();
    for (const h of this.handles.values()) h.detach('service stopping');
    await this.tracker.close();
    for (const c of this.connections.values()) {
      await c.then((conn) => conn.close()).catch(() => undefined);
    }
    this.connections.clear();
  }
}
