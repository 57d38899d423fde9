/**
 * A drone's fleet state from plain facts: whether an admin took it out of service, its unfinished
 * flight (if any) and when that flight is expected to land, when its last flight landed, its
 * turnaround time (battery swap or charge), and what its MAVLink link last reported. Pure: the same
 * facts and `now` give the same answer. The states are the domain's (src/domain/words.ts DroneState);
 * the rule is documented in README "Fleet states".
 */
import type { DroneState, FlightStatus } from '../domain/words.js';

/** What the link watcher last heard from the vehicle (src/fleet/link-watch.ts). Times in ms. */
export interface VehicleReport {
  /** When the service started listening for this vehicle. */
  watchedSince: number;
  /** Last heartbeat, or null when never heard. */
  lastHeardAt: number | null;
  armed: boolean;
  modeName: string | null;
  /** SYS_STATUS.battery_remaining / BATTERY_STATUS (remaining % of the pack, voltage). */
  battery: { t: number; remainingPct: number | null; voltageV: number } | null;
  position: { t: number; lat: number; lon: number; relAltM: number } | null;
}

export interface DroneStatusInput {
  /** false: an admin took the drone out of service → 'maintenance'. */
  enabled: boolean;
  /** Battery swap or charge after a flight, seconds. */
  turnaroundS: number;
  /** The drone's unfinished flight and when it is expected to be on the ground (ms). */
  flight: { status: FlightStatus; expectedLandingAt: number } | null;
  /** When its last flight that left the ground ended (ms), or null. */
  lastLandedAt: number | null;
  /** null: the service has no link to the vehicles (flights off); the link is not judged. */
  report: VehicleReport | null;
  /** Silence (or never heard since watching began) after which the drone counts as offline, ms. */
  offlineAfterMs: number;
  /** Silence after which the link shows as down (the MAVLink link timeout), ms. */
  linkTimeoutMs: number;
  now: number;
}

export interface DroneStatus {
  state: DroneState;
  /** When the drone is expected to be available for a new flight (ms); null when it cannot say (offline, maintenance). */
  availableAt: number | null;
  /** Heard within the link timeout; null when the service has no link to the vehicles. */
  linkUp: boolean | null;
}

/** A pack reported at least this full after landing is a fresh one (swapped or charged): the turnaround is over. */
export const FRESH_PACK_PCT = 95;

/** Flight statuses in which the drone is on its way out or at the drop point. */
const OUTBOUND: readonly FlightStatus[] = ['approved', 'uploading', 'uploaded', 'arming', 'en-route', 'delivering'];

export function droneStatus(i: DroneStatusInput): DroneStatus {
  const r = i.report;
  const linkUp = r === null ? null : r.lastHeardAt !== null && i.now - r.lastHeardAt <= i.linkTimeoutMs;
  const turnaroundMs = Math.max(0, i.turnaroundS) * 1000;
  if (!i.enabled) return { state: 'maintenance', availableAt: null, linkUp };
  // A flight dominates the link: a flight whose link is lost is still in the air (or must be found).
  if (i.flight) {
    const landing = Math.max(i.now, i.flight.expectedLandingAt);
    const state: DroneState = OUTBOUND.includes(i.flight.status) ? 'in-flight' : i.flight.status === 'returning' ? 'returning' : 'turnaround';
    return { state, availableAt: landing + turnaroundMs, linkUp };
  }
  // A drone in turnaround may well be switched off (battery out): silence then is expected. The
  // turnaround is over early when the drone, heard now, reports a fresh pack since it landed: the
  // crew swapped or charged it sooner than the configured time.
  if (i.lastLandedAt !== null && i.now < i.lastLandedAt + turnaroundMs) {
    const b = r?.battery;
    const fresh = linkUp === true && b != null && b.t > i.lastLandedAt && b.remainingPct !== null && b.remainingPct >= FRESH_PACK_PCT;
    if (!fresh) return { state: 'turnaround', availableAt: i.lastLandedAt + turnaroundMs, linkUp };
  }
  if (r !== null) {
    const silentSince = r.lastHeardAt ?? r.watchedSince;
    if (i.now - silentSince > i.offlineAfterMs) return { state: 'offline', availableAt: null, linkUp };
  }
  return { state: 'available', availableAt: i.now, linkUp };
}

/** States in which the drone may be sent on a new flight now. */
export function canFlyNow(s: DroneState): boolean {
  return s === 'available';
}

/** States after which the drone is expected back in service by itself (availableAt known). */
export function comesBack(s: DroneState): boolean {
  return s === 'in-flight' || s === 'returning' || s === 'turnaround';
}
