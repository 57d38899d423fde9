/**
 * Approvals and flights: a pilot's approval (with the pre-flight checklist) is stored with the new
 * flight in one transaction, then the flight is started in the background through a FlightStarter
 * (the fleet layer's flight runner in production). Reject, abort, pause and resume are recorded in
 * the audit log with who and why. On start-up, unfinished flights are re-attached.
 */
import { testLink, type LinkSource, type LinkTestResult } from './link-test.js';
import type { FlightState as FleetState } from '../fleet/flight-state.js';
import type { VehiclePlan } from '../missions/types.js';
import type { DeliveryPlan } from '../planner/types.js';
import type { Repositories } from '../store/repositories.js';
import type { ServiceFlight, UserRecord } from '../store/records.js';
import { PREFLIGHT_CHECKLIST, TERMINAL_STATUSES, type DeliveryMethod } from '../domain/words.js';
import type { EventBus } from './events.js';
import { ServiceError, badRequest, conflict, notFound } from './errors.js';
import { createLogger } from '../log.js';

const log = createLogger('flights');

export interface UploadProgress {
  phase: string;
  done: number;
  total: number;
}

export interface FlightJob {
  flightId: string;
  sysid: number;
  connectionUrl: string;
  plan: VehiclePlan;
  deliveryPlan: DeliveryPlan;
  onProgress(p: UploadProgress): void;
}

/** A running flight the service can command. */
export interface FlightControl {
  abort(by: string, reason: string | null): Promise<void>;
  pause(by: string): Promise<void>;
  resume(by: string): Promise<void>;
  /** Settles when the runner is done with the flight (terminal state, or it gave up). */
  done: Promise<unknown>;
}

/** How flights reach vehicles: the fleet layer in production (src/dispatch/fleet-starter.ts). */
export interface FlightStarter {
  start(job: FlightJob): FlightControl;
  /** Continue a flight after a restart from its stored state. */
  attach(job: FlightJob & { state: FleetState }): FlightControl;
  /** Open the link to a vehicle ahead of any flight (it boots, streams, gets ready to arm). */
  prepare?(connectionUrl: string): Promise<void>;
  /** A link for the admin's link test: the one kept to this URL when there is one, else a fresh one. */
  openLink?: LinkSource;
  /** Latest in-memory state of a flight this process runs. */
  liveState(flightId: string): FleetState | undefined;
  close(): Promise<void>;
}

export class FlightManager {
  private readonly running = new Map<number, FlightControl>();
  private readonly progressById = new Map<number, UploadProgress>();
  private closing = false;

  constructor(
    private readonly repos: Repositories,
    private readonly bus: EventBus,
    private readonly starter: FlightStarter | null,
  ) {}

  liveState(f: ServiceFlight): FleetState | null {
    return this.starter?.liveState(String(f.id)) ?? (f.runnerState as FleetState | null) ?? null;
  }

  progress(flightId: number): UploadProgress | null {
    return this.progressById.get(flightId) ?? null;
  }

  /** The tracker of this process has the flight in memory (it is being followed now). */
  isLive(flightId: number): boolean {
    return this.starter?.liveState(String(flightId)) !== undefined;
  }

  isRunning(flightId: number): boolean {
    return this.running.has(flightId);
  }

  approve(pilot: UserRecord, missionId: number, checklist: string[]): ServiceFlight {
    const mission = this.repos.missions.byId(missionId);
    if (!mission) throw notFound(`mission ${missionId}`);
    if (mission.status !== 'awaiting-approval') throw conflict(`mission ${missionId} is ${mission.status}; only a mission awaiting approval can be approved`);
    const known = new Set(PREFLIGHT_CHECKLIST.map((c) => c.id));
    const unknown = checklist.filter((c) => !known.has(c));
    if (unknown.length) throw badRequest('checklist', `checklist has unknown item(s): ${unknown.join(', ')}`);
    const missing = PREFLIGHT_CHECKLIST.filter((c) => !checklist.includes(c.id));
    if (missing.length) throw badRequest('checklist', `tick every pre-flight check first; missing: ${missing.map((c) => c.id).join(', ')}`);
    if (!mission.plan.vehiclePlan) throw conflict(`mission ${missionId} has no vehicle plan`);
    const drone = this.repos.drones.byId(mission.droneId);
    if (!drone || !drone.enabled) throw conflict(`drone ${mission.droneId} is not available (removed or disabled); the request will be re-planned`);
    const busy = this.repos.flights.list({ unfinished: true }).find((f) => f.droneId === drone.id);
    if (busy) throw conflict(`drone ${drone.id} is still flying flight ${busy.id} (request ${busy.requestId}); approve when it has landed`);
    const at = this.repos.now();
    const flight = this.repos.transaction(() => {
      this.repos.missions.recordApproval({ missionId, decision: 'approved', userId: pilot.id, checklist, reason: null, at });
      this.repos.missions.setStatus(missionId, 'approved');
      this.repos.requests.setStatus(mission.requestId, 'in-flight', { statusReason: null });
      const f = this.repos.flights.create({
        missionId,
        requestId: mission.requestId,
        droneId: drone.id,
        sysid: drone.sysid,
        connectionUrl: drone.connectionUrl,
        state: 'approved',
      });
      this.repos.flights.transition(f.id, 'approved', `approved by ${pilot.username}`, at);
      this.repos.audit.append({
        actorId: pilot.id,
        action: 'mission.approve',
        subjectType: 'mission',
        subjectId: missionId,
        details: { flightId: f.id, droneId: drone.id, checklist },
      });
      return this.repos.flights.byId(f.id)!;
    });
    this.bus.publish({ type: 'mission', missionId });
    this.bus.publish({ type: 'request', requestId: mission.requestId });
    this.bus.publish({ type: 'flight', flightId: flight.id, requestId: flight.requestId });
    this.launch(flight, mission.plan, null);
    return flight;
  }

  reject(pilot: UserRecord, missionId: number, reason: string): void {
    const mission = this.repos.missions.byId(missionId);
    if (!mission) throw notFound(`mission ${missionId}`);
    if (mission.status !== 'awaiting-approval' && mission.status !== 'infeasible')
      throw conflict(`mission ${missionId} is ${mission.status}; it can no longer be rejected`);
    this.repos.transaction(() => {
      this.repos.missions.recordApproval({ missionId, decision: 'rejected', userId: pilot.id, checklist: [], reason, at: this.repos.now() });
      this.repos.missions.setStatus(missionId, 'rejected');
      this.repos.requests.setStatus(mission.requestId, 'rejected', { statusReason: reason });
      this.repos.audit.append({ actorId: pilot.id, action: 'mission.reject', subjectType: 'mission', subjectId: missionId, reason });
    });
    this.bus.publish({ type: 'mission', missionId });
    this.bus.publish({ type: 'request', requestId: mission.requestId });
  }

  async command(user: UserRecord, flightId: number, action: 'abort' | 'pause' | 'resume', reason: string | null): Promise<ServiceFlight> {
    const flight = this.repos.flights.byId(flightId);
    if (!flight) throw notFound(`flight ${flightId}`);
    if (TERMINAL_STATUSES.includes(flight.state)) throw conflict(`flight ${flightId} is ${flight.state}; nothing to ${action}`);
    const control = this.running.get(flightId);
    if (!control) throw conflict(`flight ${flightId} is not connected to its vehicle right now; cannot ${action}`);
    const live = this.liveState(flight);
    // An aborted flight is flying home (RTL): a pause would brake it in place and hover until the
    // battery failsafe, and a resume would send it back onto the mission.
    if (action !== 'abort' && live?.abort)
      throw conflict(`flight ${flightId} was aborted by ${live.abort.by} and is returning home; it cannot be ${action === 'pause' ? 'paused' : 'resumed'}`);
    if (action === 'resume' && live && live.paused === null) throw conflict(`flight ${flightId} is not paused`);
    if (action === 'pause' && live && live.paused !== null) throw conflict(`flight ${flightId} is already paused`);
    this.repos.audit.append({ actorId: user.id, action: `flight.${action}`, subjectType: 'flight', subjectId: flightId, reason });
    try {
      if (action === 'abort') await control.abort(user.username, reason);
      else if (action === 'pause') await control.pause(user.username);
      else await control.resume(user.username);
    } catch (err) {
      throw new ServiceError('conflict', `${action} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (action !== 'abort') {
      this.repos.flights.setPaused(flightId, action === 'pause');
      this.bus.publish({
        type: 'flight-live',
        flightId,
        requestId: flight.requestId,
        event: 'paused',
        data: { paused: action === 'pause', by: user.username, at: this.repos.now() },
      });
    }
    this.bus.publish({ type: 'flight', flightId, requestId: flight.requestId });
    return this.repos.flights.byId(flightId)!;
  }

  /**
   * Test a drone's link (the admin's link test): refused with 409 while the drone has an unfinished
   * flight, whose link must not be disturbed. Uses the starter's kept link when it has one.
   */
  async testDroneLink(drone: { id: string; connectionUrl: string; sysid: number }, deliveryMethod: DeliveryMethod, timeoutMs: number): Promise<LinkTestResult> {
    const flying = this.repos.flights.list({ unfinished: true }).find((f) => f.droneId === drone.id);
    if (flying) throw conflict(`drone ${drone.id} is on flight ${flying.id} (${flying.state}): no link test until it has finished`);
    return testLink({
      connectionUrl: drone.connectionUrl,
      sysid: drone.sysid,
      deliveryMethod,
      timeoutMs,
      ...(this.starter?.openLink ? { source: this.starter.openLink } : {}),
    });
  }

  /** Open the links of every enabled drone now, so that an approval does not wait for a link (errors are logged). */
  async prepareDrones(): Promise<void> {
    const starter = this.starter;
    if (!starter?.prepare) return;
    await Promise.all(
      this.repos.drones
        .list()
        .filter((d) => d.enabled)
        .map((d) =>
          starter.prepare!(d.connectionUrl).catch((err: unknown) => log.warn({ err, drone: d.id, url: d.connectionUrl }, 'could not open the drone link yet')),
        ),
    );
  }

  /** Re-attach every unfinished flight (after a restart). Returns the ids. */
  resumeUnfinished(): number[] {
    const ids: number[] = [];
    for (const f of this.repos.flights.list({ unfinished: true })) {
      if (this.running.has(f.id)) continue;
      const mission = this.repos.missions.byId(f.missionId);
      if (!mission) continue;
      this.launch(f, mission.plan, (f.runnerState as FleetState | null) ?? null);
      ids.push(f.id);
    }
    return ids;
  }

  private launch(flight: ServiceFlight, plan: DeliveryPlan, state: FleetState | null): void {
    if (!this.starter) {
      log.warn({ flightId: flight.id }, 'no flight starter configured: the flight stays approved');
      return;
    }
    const job: FlightJob = {
      flightId: String(flight.id),
      sysid: flight.sysid,
      connectionUrl: flight.connectionUrl,
      plan: plan.vehiclePlan!,
      deliveryPlan: plan,
      onProgress: (p) => {
        this.progressById.set(flight.id, p);
        this.bus.publish({ type: 'flight-live', flightId: flight.id, requestId: flight.requestId, event: 'progress', data: p });
      },
    };
    let control: FlightControl;
    try {
      control = state ? this.starter.attach({ ...job, state }) : this.starter.start(job);
    } catch (err) {
      this.failFlight(flight, `could not start the flight: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    this.running.set(flight.id, control);
    control.done
      .catch((err: unknown) => {
        if (this.closing) return; // stopping the service: the flight stays unfinished and is re-attached on start
        const cur = this.repos.flights.byId(flight.id);
        if (cur && !TERMINAL_STATUSES.includes(cur.state)) this.failFlight(cur, err instanceof Error ? err.message : String(err));
      })
      .finally(() => {
        this.running.delete(flight.id);
        this.progressById.delete(flight.id);
        this.bus.publish({ type: 'flight', flightId: flight.id, requestId: flight.requestId });
      });
  }

  private failFlight(flight: ServiceFlight, reason: string): void {
    log.error({ flightId: flight.id, reason }, 'flight failed');
    this.repos.transaction(() => {
      this.repos.flights.transition(flight.id, 'failed', reason, this.repos.now(), reason);
      const req = this.repos.requests.byId(flight.requestId);
      if (req && req.status === 'in-flight') this.repos.requests.setStatus(req.id, 'failed', { statusReason: reason });
    });
    this.bus.publish({ type: 'flight', flightId: flight.id, requestId: flight.requestId });
    this.bus.publish({ type: 'request', requestId: flight.requestId });
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.starter?.close();
  }
}
