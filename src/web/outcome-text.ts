/**
 * Why a flight ended badly, or why a request was rejected, cancelled or failed, as a page can
 * translate it: the reasons the service and the fleet write ("aborted by pilot: …", "upload
 * failed: …") as a stable code ("outcome.<code>" in src/web/public/i18n) with their params; what
 * a person typed (the pilot's abort reason, an officer's cancellation) marked as typed; what the
 * autopilot said (its STATUSTEXT, in English) marked as the vehicle's. Pure; it reads the stored
 * text, so flights and requests stored before are described too. A text it does not know stays
 * as it is (`code` null).
 */
import { FOUND_ON_GROUND_DELIVERED_REASON, FOUND_ON_GROUND_REASON } from '../domain/words.js';

export interface OutcomeText {
  code: string | null;
  /** Names and numbers for the sentence; `typed` is what a person wrote, `vehicle` what the autopilot or the link layer said. */
  params: Record<string, string | number>;
}

const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The service's and the fleet's own reasons, with the module that writes each. */
const OUTCOMES: { re: RegExp; code: string; names: string[] }[] = [
  // fleet/flight-state.ts abort(); dispatch/flights.ts declareLost()
  { re: /^aborted by (\S+): ([\s\S]+)$/, code: 'aborted-by-because', names: ['by', 'typed'] },
  { re: /^aborted by (\S+)$/, code: 'aborted-by', names: ['by'] },
  { re: /^declared lost by (\S+): ([\s\S]+)$/, code: 'declared-lost', names: ['by', 'typed'] },
  // fleet/flight-state.ts fail() reasons
  { re: /^the vehicle disarmed before the mission started/, code: 'disarmed-before-start', names: [] },
  { re: /^landed without a confirmed delivery/, code: 'landed-without-delivery', names: [] },
  { re: /^delivered, but landed (\d+) m from the depot$/, code: 'landed-away', names: ['distanceM'] },
  { re: /^landed, position unknown$/, code: 'landed-position-unknown', names: [] },
  { re: /^mission changed on the vehicle: ([\s\S]+)$/, code: 'mission-changed', names: ['vehicle'] },
  { re: /^the vehicle rebooted mid-flight$/, code: 'vehicle-rebooted', names: [] },
  { re: /^upload failed: ([\s\S]+)$/, code: 'upload-failed', names: ['vehicle'] },
  { re: /^vehicle configuration check failed: ([\s\S]+)$/, code: 'vehicle-config', names: ['vehicle'] },
  { re: /^arming failed: ([\s\S]+)$/, code: 'arming-failed', names: ['vehicle'] },
  { re: /^mission start failed: ([\s\S]+)$/, code: 'mission-start-failed', names: ['vehicle'] },
  // fleet/flight-runner.ts
  { re: /^interrupted by a service restart before take-off/, code: 'restart-before-takeoff', names: [] },
  { re: /^flight runner error: ([\s\S]+)$/, code: 'runner-error', names: ['vehicle'] },
  // dispatch/flights.ts
  { re: /^could not start the flight: ([\s\S]+)$/, code: 'could-not-start', names: ['vehicle'] },
  { re: new RegExp(`^${literal(FOUND_ON_GROUND_REASON)}`), code: 'found-on-ground', names: [] },
  { re: new RegExp(`^${literal(FOUND_ON_GROUND_DELIVERED_REASON)}`), code: 'found-on-ground-delivered', names: [] },
  // dispatch/fleet-starter.ts: why a flight re-attached after a restart has no link (FlightView.linkLost.detail)
  { re: /^vehicle sysid (\d+) not heard at (\S+) within ([\d.]+) s of re-attaching$/, code: 'link-not-heard', names: ['sysid', 'url', 'silenceS'] },
  { re: /^vehicle sysid (\d+) not reachable at (\S+): ([\s\S]+)$/, code: 'link-not-reachable', names: ['sysid', 'url', 'vehicle'] },
  // dispatch/requests.ts cancel() without a reason; store/flight-store.ts when a flight ended without one
  { re: /^cancelled by the officer$/, code: 'cancelled', names: [] },
  { re: /^flight aborted$/, code: 'flight-aborted', names: [] },
  { re: /^flight failed$/, code: 'flight-failed', names: [] },
];

/**
 * A stored reason as code and params. `typedByDefault`: the field holds what a person typed unless
 * the service wrote it (a request's reason after a rejection or a cancellation).
 */
export function outcomeText(reason: string | null, typedByDefault = false): OutcomeText | null {
  if (reason === null || reason === '') return null;
  for (const o of OUTCOMES) {
    const m = o.re.exec(reason);
    if (!m) continue;
    const params: Record<string, string | number> = {};
    o.names.forEach((n, i) => {
      const v = m[i + 1] ?? '';
      params[n] = /^\d+$/.test(v) ? Number(v) : v;
    });
    return { code: o.code, params };
  }
  return typedByDefault ? { code: 'typed', params: { typed: reason } } : { code: null, params: {} };
}
