/**
 * Flight alerts: what a pilot must see at once. Pure helpers used by the flight reducer; each alert
 * is raised once when its condition starts and (where it can end) once more with `active: false`
 * when it ends, so that live pages and the store see edges, not a stream of repeats.
 */

export type AlertKind =
  | 'link-lost' // no telemetry for longer than the configured silence (or the link layer says so)
  | 'battery-below-margin' // battery behind the plan by more than the plan's energy margin
  | 'off-route' // cross-track distance to the planned route above the limit
  | 'fence-breach' // 'Polygon fence breached' / RTL by fence
  | 'unexpected-mode' // a mode we did not ask for while flying the mission
  | 'failsafe' // battery / EKF / GPS / radio / GCS failsafe text
  | 'mission-changed' // the mission on the vehicle no longer matches the plan
  | 'vehicle-rebooted' // heartbeat / boot time shows the autopilot restarted
  | 'release-off-target' // the parcel was released farther than the tolerance from the drop point
  | 'not-released' // the vehicle moved on from the delivery item without a release
  | 'landed-away' // landed (disarmed) away from the depot
  | 'arm-refused' // the vehicle refused to arm (reason from STATUSTEXT)
  | 'upload-failed'
  | 'vehicle-config'; // pre-flight: the vehicle lacks what the delivery needs (no winch, no gripper)

export type AlertSeverity = 'info' | 'warning' | 'critical';

/**
 * What an alert says, as a stable code the pages translate ("alertDetail.<code>" in
 * src/web/public/i18n) with the alert's `data` as its numbers. Finer than the kind: the end of a
 * latched alert and each variant of a kind says something different.
 */
export const ALERT_CODES = [
  'link-lost',
  'link-back',
  'link-unreachable',
  'battery-below-margin',
  'off-route',
  'back-on-route',
  'fence-breach',
  'fence-breach-rtl',
  'fence-cleared',
  'unexpected-mode',
  'failsafe',
  'mission-changed',
  'vehicle-rebooted',
  'release-off-target',
  'not-released',
  'not-released-link-lost',
  'landed-away',
  'landed-position-unknown',
  'arm-refused',
  'upload-failed',
  'vehicle-config',
  'declared-lost',
] as const;
export type AlertCode = (typeof ALERT_CODES)[number];

export interface Alert {
  kind: AlertKind;
  /** What it says (pages translate it with `data`); the kind itself unless a variant says more. */
  code: AlertCode;
  severity: AlertSeverity;
  /** Time the condition was seen (event time, ms). */
  t: number;
  /** English text (logs, API consumers); pages translate `code` and fill in `data`. */
  message: string;
  /** false when the condition has ended (e.g. link back, back on route). */
  active: boolean;
  data?: Record<string, string | number | boolean>;
}

/** Alert kinds that can end (and are therefore tracked as active/inactive). */
export type LatchedAlertKind = 'link-lost' | 'off-route' | 'battery-below-margin' | 'fence-breach';

export function alert(kind: AlertKind, severity: AlertSeverity, t: number, message: string, data?: Alert['data'], code: AlertCode = kind): Alert {
  return data ? { kind, code, severity, t, message, active: true, data } : { kind, code, severity, t, message, active: true };
}

/** The end of a latched alert: said with its own code ('link-back', 'back-on-route', 'fence-cleared'). */
export function cleared(kind: AlertKind, code: AlertCode, t: number, message: string, data?: Alert['data']): Alert {
  return data ? { kind, code, severity: 'info', t, message, active: false, data } : { kind, code, severity: 'info', t, message, active: false };
}

export type StatusTextClass =
  | { kind: 'fence-breach'; text: string }
  | { kind: 'fence-cleared'; text: string }
  | { kind: 'failsafe'; text: string; what: string }
  | { kind: 'arm-refused'; text: string };

/**
 * ArduCopter STATUSTEXT messages that matter to a flight. Texts as ArduCopter prints them:
 * 'Polygon fence breached', 'Fence breach cleared', 'Battery Failsafe', 'Radio Failsafe',
 * 'GCS Failsafe', 'EKF Failsafe', 'EKF variance', 'GPS Glitch', 'Crash: Disarming',
 * 'Potential Thrust Loss', 'Arm: Need Position Estimate', 'PreArm: …'.
 */
export function classifyStatusText(text: string): StatusTextClass | null {
  const s = text.trim();
  // Pre-arm and arming refusals are never failsafes, whatever they mention ('PreArm: Battery 1 low').
  if (/^(Arm|PreArm):/i.test(s)) return { kind: 'arm-refused', text: s };
  if (/fence breach cleared|fence.*cleared/i.test(s)) return { kind: 'fence-cleared', text: s };
  if (/fence.*breach|breach.*fence/i.test(s)) return { kind: 'fence-breach', text: s };
  // The end of a failsafe is not a failsafe: ArduCopter's events.cpp sends 'GCS Failsafe Cleared',
  // 'Radio Failsafe Cleared' (and 'EKF Failsafe Cleared', 'failsafe resolved' elsewhere).
  if (/fail ?safe.*\b(cleared|resolved|off)\b/i.test(s)) return null;
  const fs = /(battery|radio|gcs|ekf|gps|throttle|terrain|dead ?reckon|adsb|main loop|vibration)[^a-z]*fail ?safe/i.exec(s);
  if (fs) return { kind: 'failsafe', text: s, what: (fs[1] as string).toLowerCase() };
  if (/fail ?safe/i.test(s) && !/fail ?safe (cleared|resolved|off)/i.test(s)) return { kind: 'failsafe', text: s, what: 'other' };
  if (/EKF variance|GPS Glitch|Crash: Disarming|Potential Thrust Loss|Battery .*(low|critical)/i.test(s)) {
    const what = /ekf/i.test(s) ? 'ekf' : /gps/i.test(s) ? 'gps' : /battery/i.test(s) ? 'battery' : 'other';
    return { kind: 'failsafe', text: s, what };
  }
  return null;
}

/**
 * Battery against the plan. The plan expects `plannedUsePct` % of the battery for the whole flight
 * (100 − the planner's marginPct). At route fraction `progress` the battery should read about
 * `startPct − plannedUsePct·progress`; the deficit is how far below that it reads. The reducer alerts
 * when the deficit exceeds the spare the plan kept beyond the drone's reserve (marginPct − reservePct,
 * at least a few points of noise), i.e. when the drone would land below its reserve.
 */
export function batteryDeficitPct(opts: { startPct: number; remainingPct: number; plannedUsePct: number; progress: number }): number {
  const expected = opts.startPct - opts.plannedUsePct * Math.min(1, Math.max(0, opts.progress));
  return expected - opts.remainingPct;
}

/** The code that ends each latched kind (what `cleared` is called with in the flight reducer). */
const CLEARING_CODES: Partial<Record<AlertCode, LatchedAlertKind>> = {
  'link-back': 'link-lost',
  'back-on-route': 'off-route',
  'fence-cleared': 'fence-breach',
};
const LATCHED_KINDS: readonly string[] = ['link-lost', 'off-route', 'battery-below-margin', 'fence-breach'] satisfies LatchedAlertKind[];

/**
 * The alerts that still stand, from a flight's alert history (oldest first), for a pilot watching
 * many flights: a latched condition (link lost, off route, battery below the plan, fence breach)
 * until the alert that ends it ('link-back', 'back-on-route', 'fence-cleared'), the latest of each
 * kind; any other warning or critical alert (a failsafe, a mode nobody asked for, a reboot …)
 * has no end the vehicle reports (ArduCopter's 'Failsafe Cleared' texts are not alerts, see
 * classifyStatusText), so it stands for the rest of the flight, the latest of each code. Info
 * alerts never stand. Order: as raised.
 */
export function standingAlerts<A extends { kind: string; code: string | null; severity: AlertSeverity }>(history: readonly A[]): A[] {
  const standing = new Map<string, A>();
  for (const a of history) {
    const code = a.code ?? a.kind;
    const ends = CLEARING_CODES[code as AlertCode];
    if (ends) {
      standing.delete(`kind:${ends}`);
      continue;
    }
    if (a.severity === 'info') continue;
    const key = LATCHED_KINDS.includes(a.kind) ? `kind:${a.kind}` : `code:${code}`;
    standing.delete(key); // the latest one, in the place it was raised
    standing.set(key, a);
  }
  return [...standing.values()];
}
