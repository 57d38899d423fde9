/**
 * Approvals and flights: a pilot's approval (with the pre-flight checklist) is stored with the new
 * flight in one transaction, then the flight is started in the background through a FlightStarter
 * (the fleet layer's flight runner in production). Reject, abort, pause and resume are recorded in
 * the audit log with who and why. On start-up, unfinished flights are re-attached at their drone's
 * current address; a vehicle not heard raises a link-lost alert at once and keeps its drone out of
 * planning until it is heard again or a pilot declares the flight lost (then the drone stays out
 * until a pilot confirms it recovered). A vehicle found landed and disarmed after a restart ends
 * its flight, and an undelivered request goes back to the queue (see README "Restarts and lost flights").
 * With several instances (drone leases, src/dispatch/drone-leases.ts), a flight runs on the instance
 * that holds its drone's lease: approvals and commands asked elsewhere are carried out there
 * (src/dispatch/owner-routing.ts), a drone taken over has its unfinished flight re-attached as after
 * a restart, and a drone whose lease is lost has its flight let go, not failed (README "Several instances").
 */
import { testLink, type LinkSource, type LinkTestResult } from './link-test.js';
import type { FlightState as FleetState } from '../fleet/flight-state.js';
import type { VehicleReport } from '../fleet/fleet-status.js';
import type { VehiclePlan } from '../missions/types.js';
import type { DeliveryPlan } from '../planner/types.js';
import type { Repositories } from '../store/repositories.js';
import type { DroneRecord, MissionRecord, ServiceFlight, UserRecord } from '../store/records.js';
import { type DeliveryMethod, FOUND_ON_GROUND_REASON, PREFLIGHT_CHECKLIST, TERMINAL_STATUSES } from '../domain/words.js';
import { DroneAvailability } from './drone-availability.js';
import type { EventBus } from './events.js';
import type { FlightAlertView } from './live-events.js';
import type { AlertCode } from '../fleet/alerts.js';
import type { FleetView } from './fleet-view.js';
import type { DroneProfile } from '../planning/types.js';
import { requiredBatteryPct } from '../planning/energy.js';
import { ServiceError, badRequest, conflict, flightConflict, notFound, versionConflict } from './errors.js';
import { createLogger } from '../log.js';
import type { DroneLeases } from './drone-leases.js';
import type { OwnerRouting } from './owner-routing.js';
import type { VehicleCommand } from '../store/repos/vehicle-commands.js';

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
  /** Re-attaching only: the vehicle is not heard (up = false), or heard again (up = true). */
  onLink?(up: boolean, detail: string): void;
}

/** A running flight the service can command. */
export interface FlightControl {
  abort(by: string, reason: string | null): Promise<void>;
  pause(by: string): Promise<void>;
  resume(by: string): Promise<void>;
  /** Settles when the runner is done with the flight (terminal state, or it gave up). */
  done: Promise<unknown>;
  /** Stop following the flight (it was declared lost): stop waiting for the vehicle, detach. */
  cancel(reason: string): void;
}

/** How flights reach vehicles: the fleet layer in production (src/dispatch/fleet-starter.ts). */
export interface FlightStarter {
  start(job: FlightJob): FlightControl;
  /** Continue a flight after a restart from its stored state. */
  attach(job: FlightJob & { state: FleetState }): FlightControl;
  /** Open the link to a vehicle ahead of any flight (it boots, streams, gets ready to arm). */
  prepare?(connectionUrl: string): Promise<void>;
  /** Follow a vehicle's heartbeat, battery and position between flights too (idempotent; fleet-view.ts). */
  watch?(connectionUrl: string, sysid: number, onChange: (r: VehicleReport) => void): void;
  /** What the watcher last heard from the vehicle; undefined when it is not watched. */
  vehicleReport?(connectionUrl: string, sysid: number): VehicleReport | undefined;
  /** A link for the admin's link test: the one kept to this URL when there is one, else a fresh one. */
  openLink?: LinkSource;
  /** Latest in-memory state of a flight this process runs. */
  liveState(flightId: string): FleetState | undefined;
  /** The lease of the drone at this URL was lost: close its link (flights on it are cancelled first). */
  release?(connectionUrl: string, reason: string): void;
  close(): Promise<void>;
}

export class FlightManager {
  private readonly running = new Map<number, FlightControl>();
  private readonly progressById = new Map<number, UploadProgress>();
  /**
   * The abort being sent to each flight, and the flights whose abort the vehicle accepted: a
   * repeated abort (a double click, five pilots at once) is one audited decision. Before, five
   * parallel aborts all passed the checks before the first reached the runner: six audit entries.
   */
  private readonly aborting = new Map<number, Promise<unknown>>();
  private readonly aborted = new Set<number>();
  /** A pause or resume being sent: a second one meanwhile is refused, not sent and audited again. */
  private readonly holding = new Map<number, 'pause' | 'resume'>();
  private closing = false;
  private fleet: { view: FleetView; profiles: Map<string, DroneProfile> } | null = null;
  /** Unfinished flights whose vehicle is not heard since re-attaching: since when, and what was tried. */
  private readonly unreachable = new Map<number, { since: string; detail: string }>();
  /** Drone leases and the routing to their owners (several instances); null: this instance commands every drone. */
  private owners: { leases: DroneLeases; routing: OwnerRouting } | null = null;
  /** Flights let go because this instance lost the drone's lease: the new owner follows them. */
  private readonly handedOver = new Set<number>();
  /** Unfinished flights were re-attached after the start (recoverAfterStart): from then on a drone taken over has its flight adopted. */
  private resumed = false;
  /** Puts a drop request (null: every open one) back in the queue, re-planned; wired to the dispatcher by the service. */
  requeue: ((requestId: number | null, cause: string) => Promise<unknown>) | null = null;

  constructor(
    private readonly repos: Repositories,
    private readonly bus: EventBus,
    private readonly starter: FlightStarter | null,
    readonly availability: DroneAvailability = new DroneAvailability(repos),
  ) {}

  /** Check approvals against the fleet: the drone's state and the battery it reports. */
  useFleet(view: FleetView, profiles: Map<string, DroneProfile>): void {
    this.fleet = { view, profiles };
  }

  /**
   * Run flights only on drones whose lease this instance holds: a lost lease lets the drone's flights
   * go (the new owner re-attaches them), an acquired one adopts them, and commands asked elsewhere
   * for the drones held here are carried out here.
   */
  useLeases(leases: DroneLeases, routing: OwnerRouting): void {
    this.owners = { leases, routing };
    leases.onLost((droneId, reason) => this.letGo(droneId, reason));
    leases.onAcquired((droneId) => {
      if (!this.resumed || this.closing) return;
      this.fleet?.view.watchAll();
      this.adopt(new Set([droneId]));
    });
    // Also, once a second: a flight approved for a drone held here whose approving instance did not
    // start it (it lost the lease in between) is started or re-attached here.
    routing.serve(
      (c) => this.carryOut(c),
      () => {
        if (this.resumed && !this.closing) this.adopt(new Set(leases.owned()));
      },
    );
  }

  /** The lease of this drone was lost: stop following its flights here (not failed), close its link. */
  private letGo(droneId: string, reason: string): void {
    const drone = this.repos.drones.byId(droneId);
    for (const [id, control] of this.running) {
      const f = this.repos.flights.byId(id);
      if (f?.droneId !== droneId) continue;
      this.handedOver.add(id);
      log.warn({ flightId: id, droneId, reason }, 'flight left to the instance that holds the drone lease now');
      control.cancel(`drone lease lost: ${reason}`);
    }
    const urls = new Set([
      drone?.connectionUrl,
      ...this.repos.flights
        .list({ unfinished: true })
        .filter((f) => f.droneId === droneId)
        .map((f) => f.connectionUrl),
    ]);
    for (const url of urls) if (url) this.starter?.release?.(url, reason);
  }

  /** Re-attach (or start) the unfinished flights of drones this instance has taken over. */
  private adopt(droneIds: Set<string>): void {
    if (droneIds.size === 0) return;
    const ids = this.resumeWhere((f) => droneIds.has(f.droneId));
    if (ids.length) log.info({ drones: [...droneIds], flights: ids }, 'drone taken over: its unfinished flight re-attached');
  }

  /** A command asked at another instance for a drone this one holds (owner-routing.ts). */
  private async carryOut(c: VehicleCommand): Promise<Record<string, unknown>> {
    const p = c.payload;
    const user = this.repos.users.byId(Number(p.userId));
    if (!user && c.action !== 'link-test') throw notFound(`user ${String(p.userId)}`);
    if (c.action === 'approve') {
      const requestVersion = typeof p.requestVersion === 'number' ? p.requestVersion : undefined;
      const f = this.approveHere(user!, Number(p.missionId), Array.isArray(p.checklist) ? p.checklist.map(String) : [], requestVersion);
      return { flightId: f.id };
    }
    if (c.action === 'link-test') {
      const drone = this.repos.drones.byId(c.droneId);
      if (!drone) throw notFound(`drone ${c.droneId}`);
      return { ...(await this.testLinkHere(drone, String(p.deliveryMethod) as DeliveryMethod, Number(p.timeoutMs))) };
    }
    const reason = typeof p.reason === 'string' ? p.reason : null;
    if (c.action === 'declare-lost') {
      const where = typeof p.lastKnownLocation === 'string' ? p.lastKnownLocation : null;
      return { flightId: (await this.declareLostHere(user!, Number(p.flightId), reason ?? '', where)).id };
    }
    return { flightId: (await this.commandHere(user!, Number(p.flightId), c.action, reason)).id };
  }

  /** The instance that owns the drone when it is another one; null: this one runs its flights. */
  private ownerElsewhere(droneId: string): string | null {
    return this.owners?.leases.ownerElsewhere(droneId) ?? null;
  }

  /** The vehicle of this unfinished flight is not heard since the restart (since when, why), or null. */
  linkLost(flightId: number): { since: string; detail: string } | null {
    return this.unreachable.get(flightId) ?? null;
  }

  liveState(f: ServiceFlight): FleetState | null {
    return this.starter?.liveState(String(f.id)) ?? (f.runnerState as FleetState | null) ?? null;
  }

  /**
   * Another instance holds this flight's drone and has heard its vehicle lately (what it stores
   * with its lease renewals): within the link-loss silence plus one renewal period.
   */
  linkUpElsewhere(f: ServiceFlight): boolean {
    const heard = this.owners?.leases.reportElsewhere(f.droneId)?.lastHeardAt;
    return heard !== null && heard !== undefined && Date.now() - heard < 3000 + this.owners!.leases.leaseMs / 3;
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

  /**
   * Approve a mission: the pilot names the mission and the request version reviewed. The approval,
   * the approved mission, the request in flight and the new flight are stored in one transaction,
   * and only when that mission is the request's current plan, made for the request's current version
   * (which is `requestVersion` when the pilot gives it). Otherwise 409 with a stable reason
   * (VersionConflict in src/domain/words.ts). Omitting `requestVersion` approves the mission's own
   * version, which is still checked against the request: a mission id is never reused for another
   * version, and an edit supersedes the mission in the same transaction as the edit.
   */
  async approve(pilot: UserRecord, missionId: number, checklist: string[], requestVersion?: number): Promise<ServiceFlight> {
    const mission = this.repos.missions.byId(missionId);
    const owner = mission && this.owners ? this.ownerElsewhere(mission.droneId) : null;
    if (owner && this.owners) {
      const { flightId } = await this.owners.routing.forward(
        mission!.droneId,
        'approve',
        { userId: pilot.id, missionId, checklist, ...(requestVersion !== undefined ? { requestVersion } : {}) },
        owner,
      );
      const f = this.repos.flights.byId(Number(flightId));
      if (!f) throw notFound(`flight ${String(flightId)}`);
      return f;
    }
    return this.approveHere(pilot, missionId, checklist, requestVersion);
  }

  private approveHere(pilot: UserRecord, missionId: number, checklist: string[], requestVersion?: number): ServiceFlight {
    const known = new Set(PREFLIGHT_CHECKLIST.map((c) => c.id));
    const unknown = checklist.filter((c) => !known.has(c));
    const missing = PREFLIGHT_CHECKLIST.filter((c) => !checklist.includes(c.id));
    const { flight, mission } = this.repos.transaction(() => {
      const mission = this.currentMission(missionId, requestVersion);
      if (unknown.length) throw badRequest('checklist', `checklist has unknown item(s): ${unknown.join(', ')}`);
      if (missing.length) throw badRequest('checklist', `tick every pre-flight check first; missing: ${missing.map((c) => c.id).join(', ')}`);
      if (!mission.plan.vehiclePlan) throw flightConflict('no-vehicle-plan', `mission ${missionId} has no vehicle plan`, { missionId });
      const drone = this.repos.drones.byId(mission.droneId);
      if (!drone || !drone.enabled)
        throw flightConflict('drone-unavailable', `drone ${mission.droneId} is not available (removed or disabled); the request will be re-planned`, {
          droneId: mission.droneId,
        });
      const busy = this.repos.flights.list({ unfinished: true }).find((f) => f.droneId === drone.id);
      if (busy)
        throw flightConflict('drone-busy', `drone ${drone.id} is still flying flight ${busy.id} (request ${busy.requestId}); approve when it has landed`, {
          droneId: drone.id,
          flightId: busy.id,
          requestId: busy.requestId,
        });
      const blocked = this.availability.blocked().get(drone.id);
      if (blocked) throw flightConflict('drone-blocked', `${blocked.message}; the request will be re-planned`, { droneId: drone.id, cause: blocked.code });
      this.checkFleet(drone.id, mission);
      return { mission, flight: this.storeApproval(pilot, mission, drone, checklist) };
    });
    this.bus.publish({ type: 'mission', missionId });
    this.bus.publish({ type: 'request', requestId: mission.requestId });
    this.bus.publish({ type: 'flight', flightId: flight.id, requestId: flight.requestId });
    this.launch(flight, mission.plan, null);
    return flight;
  }

  /**
   * The mission, if it is the one plan that may be approved now: awaiting approval, the request's
   * current mission, planned for the request's current version, and that version is the one the
   * pilot reviewed. Otherwise a 409 saying which of these failed, naming both versions.
   */
  private currentMission(missionId: number, reviewed: number | undefined): MissionRecord {
    const mission = this.repos.missions.byId(missionId);
    if (!mission) throw notFound(`mission ${missionId}`);
    const request = this.repos.requests.byId(mission.requestId);
    if (!request) throw notFound(`drop request ${mission.requestId}`);
    const requestId = request.id;
    const current = request.version;
    if (mission.status === 'approved') {
      const flightId = this.repos.flights.forMission(missionId)?.id ?? null;
      throw versionConflict('already-approved', `mission ${missionId} was already approved (flight ${flightId ?? 'unknown'})`, { missionId, flightId });
    }
    if (request.status === 'cancelled') {
      throw versionConflict('request-cancelled', `drop request ${requestId} was cancelled by the officer; mission ${missionId} will not fly`, {
        requestId,
        missionId,
      });
    }
    if (mission.status === 'rejected') throw versionConflict('mission-rejected', `mission ${missionId} was rejected`, { missionId });
    // (an approval without a version is judged by the mission's own version, just below)
    if (reviewed !== undefined && reviewed !== current) {
      throw versionConflict(
        'request-edited',
        `drop request ${requestId} was edited: you reviewed version ${reviewed}, it is now version ${current}; review the new plan`,
        { requestId, missionId, reviewedVersion: reviewed, currentVersion: current },
        'requestVersion',
      );
    }
    if (mission.status === 'superseded' || request.missionId !== missionId || mission.requestVersion !== current) {
      throw versionConflict(
        'mission-superseded',
        `mission ${missionId} was planned for version ${mission.requestVersion} of drop request ${requestId} and has been superseded` +
          (request.missionId !== null && request.missionId !== missionId ? ` by mission ${request.missionId}` : '') +
          ` (the request is at version ${current}${request.status === 'planning' ? ', being planned again' : ''}); review the current plan`,
        { missionId, requestId, missionVersion: mission.requestVersion, currentVersion: current, currentMissionId: request.missionId },
      );
    }
    if (mission.status === 'infeasible') throw versionConflict('mission-infeasible', `mission ${missionId} cannot be flown`, { missionId });
    if (mission.status !== 'awaiting-approval' || request.status !== 'awaiting-approval') {
      throw versionConflict('request-not-open', `drop request ${requestId} is ${request.status}; only a request awaiting approval can be approved`, {
        requestId,
        status: request.status,
      });
    }
    return mission;
  }

  private storeApproval(pilot: UserRecord, mission: MissionRecord, drone: DroneRecord, checklist: string[]): ServiceFlight {
    const missionId = mission.id;
    const at = this.repos.now();
    return this.repos.transaction(() => {
      this.repos.missions.recordApproval({
        missionId,
        requestVersion: mission.requestVersion,
        decision: 'approved',
        userId: pilot.id,
        checklist,
        reason: null,
        at,
      });
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
        details: { flightId: f.id, droneId: drone.id, requestId: mission.requestId, requestVersion: mission.requestVersion, checklist },
      });
      return this.repos.flights.byId(f.id)!;
    });
  }

  /**
   * Refuse (409) an approval the drone cannot fly now: not available (turnaround, offline …, named),
   * or a reported battery below what the plan needs (its energy as a share of the pack plus the
   * reserve), with both numbers. A drone that has not reported its battery yet (link just opened)
   * is not refused for it: the flight start waits for the vehicle (README "Fleet-aware dispatch").
   */
  private checkFleet(droneId: string, mission: MissionRecord): void {
    const f = this.fleet?.view.get(droneId);
    if (!f) return;
    if (f.state !== 'available') {
      const until = f.availableAt !== null && f.availableAt > Date.now() ? ` until about ${new Date(f.availableAt).toISOString()}` : '';
      throw new ServiceError('conflict', `drone ${droneId} is ${f.state}${until}; it cannot take a new flight now`, 'droneId', [
        {
          code: 'drone-not-available',
          message: `drone ${droneId} is ${f.state}`,
          params: { droneId, state: f.state, ...(f.availableAt !== null ? { availableAt: new Date(f.availableAt).toISOString() } : {}) },
        },
      ]);
    }
    const reported = f.battery?.remainingPct;
    const profile = this.fleet?.profiles.get(f.drone.profileId);
    if (reported === null || reported === undefined || !profile) return;
    const needed = Math.ceil(requiredBatteryPct(profile, mission.plan.energyWh, mission.conditions.temperatureC));
    if (reported < needed) {
      throw new ServiceError(
        'conflict',
        `battery too low: this flight needs ${needed} %, drone ${droneId} reports ${reported} % (${mission.plan.energyWh.toFixed(1)} Wh plus the ${profile.reservePct} % reserve); swap or charge the battery, or choose another drone`,
        'droneId',
        [{ code: 'battery-low', message: `needs ${needed} %, drone reports ${reported} %`, params: { droneId, neededPct: needed, reportedPct: reported } }],
      );
    }
  }

  reject(pilot: UserRecord, missionId: number, reason: string): void {
    const mission = this.repos.missions.byId(missionId);
    if (!mission) throw notFound(`mission ${missionId}`);
    if (mission.status !== 'awaiting-approval' && mission.status !== 'infeasible')
      throw conflict(`mission ${missionId} is ${mission.status}; it can no longer be rejected`);
    this.repos.transaction(() => {
      this.repos.missions.recordApproval({
        missionId,
        requestVersion: mission.requestVersion,
        decision: 'rejected',
        userId: pilot.id,
        checklist: [],
        reason,
        at: this.repos.now(),
      });
      this.repos.missions.setStatus(missionId, 'rejected');
      this.repos.requests.setStatus(mission.requestId, 'rejected', { statusReason: reason });
      this.repos.audit.append({ actorId: pilot.id, action: 'mission.reject', subjectType: 'mission', subjectId: missionId, reason });
    });
    this.bus.publish({ type: 'mission', missionId });
    this.bus.publish({ type: 'request', requestId: mission.requestId });
  }

  /**
   * Abort, pause or resume a flight, audited once per decision. A repeated abort adds nothing: while
   * the first is being sent it answers with that one's outcome, and after the vehicle accepted it,
   * 200 with the flight as it is (a failed abort may be tried again, and is audited again). A pause
   * or resume while another is being sent answers 409.
   */
  async command(user: UserRecord, flightId: number, action: 'abort' | 'pause' | 'resume', reason: string | null): Promise<ServiceFlight> {
    const flight = this.repos.flights.byId(flightId);
    if (flight && this.owners && !this.running.has(flightId) && !TERMINAL_STATUSES.includes(flight.state)) {
      const owner = this.ownerElsewhere(flight.droneId);
      if (owner) {
        await this.owners.routing.forward(flight.droneId, action, { userId: user.id, flightId, reason }, owner);
        return this.repos.flights.byId(flightId)!;
      }
    }
    return this.commandHere(user, flightId, action, reason);
  }

  private async commandHere(user: UserRecord, flightId: number, action: 'abort' | 'pause' | 'resume', reason: string | null): Promise<ServiceFlight> {
    const flight = this.repos.flights.byId(flightId);
    if (!flight) throw notFound(`flight ${flightId}`);
    if (TERMINAL_STATUSES.includes(flight.state))
      throw flightConflict('flight-finished', `flight ${flightId} is ${flight.state}; nothing to ${action}`, { flightId, state: flight.state, action });
    if (action === 'abort') {
      const pending = this.aborting.get(flightId);
      if (pending) {
        await pending;
        return this.repos.flights.byId(flightId)!;
      }
      if (this.aborted.has(flightId)) return flight;
    }
    const control = this.running.get(flightId);
    const lost = this.unreachable.get(flightId);
    if (lost)
      throw flightConflict(
        'flight-link-lost',
        `flight ${flightId}: the link to drone ${flight.droneId} is down (not heard since ${lost.since}: ${lost.detail}); cannot ${action}. ` +
          `If the drone cannot be reached, declare the flight lost (POST /api/flights/${flightId}/declare-lost)`,
        { flightId, droneId: flight.droneId, since: lost.since, action },
      );
    if (!control)
      throw flightConflict('flight-not-connected', `flight ${flightId} is not connected to its vehicle right now; cannot ${action}`, { flightId, action });
    const live = this.liveState(flight);
    // An aborted flight is flying home (RTL): a pause would brake it in place and hover until the
    // battery failsafe, and a resume would send it back onto the mission.
    if (action !== 'abort' && (live?.abort || this.aborting.has(flightId) || this.aborted.has(flightId)))
      throw flightConflict(
        'flight-returning',
        `flight ${flightId} was aborted${live?.abort ? ` by ${live.abort.by}` : ''} and is returning home; it cannot be ${action === 'pause' ? 'paused' : 'resumed'}`,
        { flightId, action },
      );
    if (action === 'resume' && live && live.paused === null) throw flightConflict('flight-not-paused', `flight ${flightId} is not paused`, { flightId });
    if (action === 'pause' && live && live.paused !== null) throw flightConflict('flight-already-paused', `flight ${flightId} is already paused`, { flightId });
    if (action !== 'abort') {
      const sending = this.holding.get(flightId);
      if (sending)
        throw flightConflict('flight-command-pending', `a ${sending} of flight ${flightId} is being sent to the vehicle; wait for its answer`, {
          flightId,
          pending: sending,
        });
    }
    this.repos.audit.append({ actorId: user.id, action: `flight.${action}`, subjectType: 'flight', subjectId: flightId, reason });
    const send =
      action === 'abort'
        ? control.abort(user.username, reason).then(() => {
            this.aborted.add(flightId);
          })
        : action === 'pause'
          ? control.pause(user.username)
          : control.resume(user.username);
    const outcome = send.catch((err: unknown) => {
      throw new ServiceError('conflict', `${action} failed: ${err instanceof Error ? err.message : String(err)}`);
    });
    if (action === 'abort') this.aborting.set(flightId, outcome);
    else this.holding.set(flightId, action);
    try {
      await outcome;
    } finally {
      if (action === 'abort') this.aborting.delete(flightId);
      else this.holding.delete(flightId);
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
    // only the instance that owns the drone's link talks to the vehicle
    const owner = this.owners ? this.ownerElsewhere(drone.id) : null;
    if (owner && this.owners) {
      const r = await this.owners.routing.forward(drone.id, 'link-test', { userId: 0, deliveryMethod, timeoutMs }, owner);
      return r as unknown as LinkTestResult;
    }
    return this.testLinkHere(drone, deliveryMethod, timeoutMs);
  }

  private async testLinkHere(
    drone: { id: string; connectionUrl: string; sysid: number },
    deliveryMethod: DeliveryMethod,
    timeoutMs: number,
  ): Promise<LinkTestResult> {
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

  /**
   * Re-attach every unfinished flight (after a restart). Returns the ids. A flight follows its
   * drone's current address: the drone record is where an admin (or the demo fleet) says the vehicle
   * is reached now; the address stored with the flight is only where it was reached at approval.
   */
  resumeUnfinished(): number[] {
    this.resumed = true;
    return this.resumeWhere(() => true);
  }

  /** Re-attach the unfinished flights that match, on drones this instance holds (all, without leases). */
  private resumeWhere(match: (f: ServiceFlight) => boolean): number[] {
    const ids: number[] = [];
    for (const stored of this.repos.flights.list({ unfinished: true })) {
      if (this.running.has(stored.id) || !match(stored)) continue;
      if (this.owners && !this.owners.leases.holds(stored.droneId)) continue;
      this.handedOver.delete(stored.id);
      const mission = this.repos.missions.byId(stored.missionId);
      if (!mission) continue;
      const drone = this.repos.drones.byId(stored.droneId);
      if (drone && drone.connectionUrl !== stored.connectionUrl) {
        log.info({ flightId: stored.id, from: stored.connectionUrl, to: drone.connectionUrl }, 'unfinished flight follows its drone to a new address');
        this.repos.flights.setConnectionUrl(stored.id, drone.connectionUrl);
      }
      const f = this.repos.flights.byId(stored.id)!;
      this.launch(f, mission.plan, (f.runnerState as FleetState | null) ?? null);
      ids.push(f.id);
    }
    return ids;
  }

  /**
   * A pilot declares an unfinished flight lost: its vehicle cannot be reached and nobody can say
   * where it is. Refused while the link is up (abort instead). The flight ends 'lost' with the reason
   * (audited), medidrop stops waiting for the vehicle, the request goes back to the queue, and the
   * drone stays out of planning until a pilot confirms it recovered (recovered()).
   */
  async declareLost(user: UserRecord, flightId: number, reason: string, lastKnownLocation: string | null): Promise<ServiceFlight> {
    // the owner knows whether the link is up, and follows the flight: it decides and lets go
    const stored = this.repos.flights.byId(flightId);
    if (stored && this.owners && !this.running.has(flightId) && !TERMINAL_STATUSES.includes(stored.state)) {
      const owner = this.ownerElsewhere(stored.droneId);
      if (owner) {
        await this.owners.routing.forward(stored.droneId, 'declare-lost', { userId: user.id, flightId, reason, lastKnownLocation }, owner);
        return this.repos.flights.byId(flightId)!;
      }
    }
    return this.declareLostHere(user, flightId, reason, lastKnownLocation);
  }

  private async declareLostHere(user: UserRecord, flightId: number, reason: string, lastKnownLocation: string | null): Promise<ServiceFlight> {
    const flight = this.repos.flights.byId(flightId);
    if (!flight) throw notFound(`flight ${flightId}`);
    if (TERMINAL_STATUSES.includes(flight.state))
      throw flightConflict('flight-finished', `flight ${flightId} is ${flight.state}; only an unfinished flight can be declared lost`, {
        flightId,
        state: flight.state,
        action: 'declare-lost',
      });
    const live = this.liveState(flight);
    const linkUp = this.isLive(flightId) && (live?.vehicle.linkUp ?? false);
    if (linkUp && !this.unreachable.has(flightId))
      throw flightConflict(
        'flight-link-up',
        `flight ${flightId}: drone ${flight.droneId} is connected (link up); abort the flight instead of declaring it lost`,
        {
          flightId,
          droneId: flight.droneId,
        },
      );
    const at = this.repos.now();
    const cause = `declared lost by ${user.username}: ${reason}`;
    // the pilot's reason is shown as typed; the rest of the sentence is the pages' (alertDetail.declared-lost)
    const lostAlert = {
      kind: 'declared-lost',
      code: 'declared-lost' satisfies AlertCode,
      params: { by: user.username, reason },
      severity: 'critical' as const,
      message: cause,
      at,
    };
    const requestReturns = this.repos.transaction(() => {
      this.repos.flights.transition(flightId, 'lost', cause, at, cause);
      this.repos.flights.addAlert({ flightId, ...lostAlert });
      this.repos.audit.append({
        actorId: user.id,
        action: 'flight.declare-lost',
        subjectType: 'flight',
        subjectId: flightId,
        reason,
        details: { droneId: flight.droneId, requestId: flight.requestId, lastKnownLocation, stateBefore: flight.state },
      });
      const req = this.repos.requests.byId(flight.requestId);
      // A release recorded before the loss stands: the request stays delivered.
      if (req && req.status === 'in-flight') {
        this.repos.requests.setStatus(req.id, 'failed', { statusReason: cause });
        return true;
      }
      return false;
    });
    this.unreachable.delete(flightId);
    this.availability.clearUnreachable(flightId);
    this.running.get(flightId)?.cancel(cause);
    this.bus.publish({
      type: 'flight-live',
      flightId,
      requestId: flight.requestId,
      event: 'alert',
      data: lostAlert,
    });
    this.bus.publish({ type: 'flight', flightId, requestId: flight.requestId });
    this.bus.publish({ type: 'request', requestId: flight.requestId });
    if (requestReturns) await this.requeueRequest(flight.requestId, `flight ${flightId} declared lost; back in the queue`);
    return this.repos.flights.byId(flightId)!;
  }

  /**
   * A pilot confirms where a drone declared lost is (found, back at the depot …): audited with the
   * note; the drone is offered to planning again and the open requests are re-planned.
   */
  async recovered(user: UserRecord, droneId: string, note: string): Promise<number[]> {
    const drone = this.repos.drones.byId(droneId);
    if (!drone) throw notFound(`drone ${droneId}`);
    const at = this.repos.now();
    const flights = this.repos.transaction(() => {
      const ids = this.repos.flights.markRecovered(droneId, at, note);
      if (ids.length === 0) return ids;
      this.repos.audit.append({
        actorId: user.id,
        action: 'drone.recovered',
        subjectType: 'drone',
        subjectId: droneId,
        reason: note,
        details: { flights: ids },
      });
      return ids;
    });
    if (flights.length === 0) throw flightConflict('no-lost-flight', `drone ${droneId} has no flight declared lost; nothing to confirm`, { droneId });
    for (const id of flights) this.bus.publish({ type: 'flight', flightId: id, requestId: this.repos.flights.byId(id)!.requestId });
    await this.requeueRequest(null, `drone ${droneId} recovered`);
    return flights;
  }

  /** Re-plan one request (or, with null, every open one) and audit it; errors are logged, not thrown. */
  private async requeueRequest(requestId: number | null, cause: string): Promise<void> {
    if (!this.requeue) return;
    try {
      if (requestId !== null)
        this.repos.audit.append({ actorId: null, action: 'request.requeue', subjectType: 'request', subjectId: requestId, reason: cause });
      await this.requeue(requestId, cause);
    } catch (err) {
      log.error({ err, requestId, cause }, 'could not put the request back in the queue');
    }
  }

  private onLink(flight: ServiceFlight, up: boolean, detail: string): void {
    if (this.owners && !this.owners.leases.holds(flight.droneId)) return;
    const at = this.repos.now();
    const cur = this.repos.flights.byId(flight.id);
    if (!cur || TERMINAL_STATUSES.includes(cur.state)) return;
    if (up) {
      if (!this.unreachable.delete(flight.id)) return;
      this.availability.clearUnreachable(flight.id);
    } else {
      if (this.unreachable.has(flight.id)) return;
      this.unreachable.set(flight.id, { since: at, detail });
      this.availability.markUnreachable(flight.id, flight.droneId);
    }
    const alert: FlightAlertView = up
      ? { kind: 'link-lost', code: 'link-back' satisfies AlertCode, params: {}, severity: 'info' as const, message: `link back: ${detail}`, at }
      : {
          kind: 'link-lost',
          code: 'link-unreachable' satisfies AlertCode,
          params: { flightId: flight.id, droneId: flight.droneId },
          severity: 'critical' as const,
          message: `flight ${flight.id}: ${detail}. Find the drone; if it cannot be reached, declare the flight lost`,
          at,
        };
    this.repos.flights.addAlert({ flightId: flight.id, ...alert });
    this.bus.publish({ type: 'flight-live', flightId: flight.id, requestId: flight.requestId, event: 'alert', data: alert });
    this.bus.publish({ type: 'flight-live', flightId: flight.id, requestId: flight.requestId, event: 'link', data: { t: at, up } });
    this.bus.publish({ type: 'flight', flightId: flight.id, requestId: flight.requestId });
  }

  private launch(flight: ServiceFlight, plan: DeliveryPlan, state: FleetState | null): void {
    if (!this.starter) {
      log.warn({ flightId: flight.id }, 'no flight starter configured: the flight stays approved');
      return;
    }
    if (this.owners && !this.owners.leases.holds(flight.droneId)) {
      log.info({ flightId: flight.id, droneId: flight.droneId }, 'not the drone lease holder: the holder runs the flight');
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
      onLink: (up, detail) => this.onLink(flight, up, detail),
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
        if (this.handedOver.has(flight.id)) return; // another instance holds the drone now and follows the flight
        const cur = this.repos.flights.byId(flight.id);
        if (cur && !TERMINAL_STATUSES.includes(cur.state)) this.failFlight(cur, err instanceof Error ? err.message : String(err));
      })
      .finally(() => {
        this.running.delete(flight.id);
        this.progressById.delete(flight.id);
        this.aborted.delete(flight.id);
        this.unreachable.delete(flight.id);
        this.availability.clearUnreachable(flight.id);
        this.bus.publish({ type: 'flight', flightId: flight.id, requestId: flight.requestId });
        if (this.closing || this.handedOver.has(flight.id)) return;
        // Found on the ground after a restart without a recorded release: the drop has not happened
        // as far as anyone knows, so the request goes back to the queue.
        const end = this.repos.flights.byId(flight.id);
        const req = end ? this.repos.requests.byId(end.requestId) : null;
        if (end?.state === 'failed' && end.stateReason === FOUND_ON_GROUND_REASON && req?.status === 'failed')
          void this.requeueRequest(req.id, `flight ${flight.id} ${FOUND_ON_GROUND_REASON}; back in the queue`);
      });
  }

  private failFlight(flight: ServiceFlight, reason: string): void {
    if (this.owners && !this.owners.leases.fence(flight.droneId)) {
      log.warn({ flightId: flight.id, reason }, 'flight not marked failed: this instance no longer holds the drone lease');
      return;
    }
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
