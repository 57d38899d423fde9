/**
 * An audit entry in words a page can translate: what it records as parts, each a stable code
 * ("auditDetail.<code>" in src/web/public/i18n) with its params, and its reason as a code when the
 * service wrote it ("auditReason.<code>"), or marked as typed by a person or sent by the vehicle
 * (shown as it is). Params whose values are themselves words of the catalogue (a role, a field, a
 * planner reason) name the catalogue prefix in `terms`, so the page and the CSV translate them by
 * one rule. Pure: the stored record in, the description out; old entries are described too.
 */

export type AuditParam = string | number | boolean | null | string[];
export interface AuditPart {
  code: string;
  params: Record<string, AuditParam>;
  /** param name → catalogue prefix its value(s) are translated with ("role." + "pilot"). */
  terms?: Record<string, string>;
}
export interface AuditReasonText {
  /** Who wrote the reason: a person (shown as typed), the vehicle (its STATUSTEXT), or the service (translated by `code`). */
  from: 'user' | 'vehicle' | 'service';
  code: string | null;
  params: Record<string, AuditParam>;
  terms?: Record<string, string>;
}
export interface AuditDescription {
  parts: AuditPart[];
  reason: AuditReasonText | null;
}

/** Actions whose reason is what a person typed (a pilot's rejection, an officer's cancellation …). */
const TYPED_REASONS = new Set([
  'mission.reject',
  'flight.abort',
  'flight.pause',
  'flight.resume',
  'request.cancel',
  'flight.declare-lost',
  'drone.recovered',
  'flight.aborted',
]);

/**
 * The reasons the service itself writes, with the module that writes them. A text not listed here
 * is shown as it is stored (an entry from an older version, say).
 */
const SERVICE_REASONS: { re: RegExp; code: string; names?: string[]; terms?: Record<string, string> }[] = [
  { re: /^account disabled$/, code: 'account-disabled' }, // web/plugins/session.ts
  { re: /^demo user$/, code: 'demo-user' }, // cli/serve.ts
  { re: /^recipient entered the hand-over code$/, code: 'handover-code' }, // dispatch/requests.ts
  { re: /^aborted by (\S+)$/, code: 'aborted-by', names: ['by'] }, // fleet/flight-state.ts (an abort without a reason)
  // dispatch/flights.ts: a flight declared lost or found on the ground puts its request back in the queue
  { re: /^flight (\d+) declared lost; back in the queue$/, code: 'requeue-lost', names: ['flightId'] },
  {
    re: /^flight (\d+) found landed and disarmed after a restart; release not confirmed; back in the queue$/,
    code: 'requeue-found-on-ground',
    names: ['flightId'],
  },
  // why a request was planned (again): dispatch/requests.ts, dispatcher.ts, web/plugins/drones.ts, missions.ts, app/service.ts, cli/serve.ts
  { re: /^new request$/, code: 'plan-new-request' },
  { re: /^request edited$/, code: 'plan-request-edited' },
  { re: /^zone map changed while planned$/, code: 'plan-zone-map-changed' },
  { re: /^zone map v(\d+)$/, code: 'plan-zone-map', names: ['version'] },
  { re: /^drone (\S+) added$/, code: 'plan-drone-added', names: ['droneId'] },
  { re: /^drone (\S+) changed$/, code: 'plan-drone-changed', names: ['droneId'] },
  { re: /^drone (\S+) recovered$/, code: 'plan-drone-recovered', names: ['droneId'] },
  { re: /^drone (\S+) has a fresh battery$/, code: 'plan-drone-fresh-battery', names: ['droneId'] },
  { re: /^drone (\S+) is (\S+)$/, code: 'plan-drone-state', names: ['droneId', 'state'], terms: { state: 'fleet.state.' } },
  { re: /^request (\d+) planned ahead on drone (\S+)$/, code: 'plan-displaced', names: ['requestId', 'droneId'] },
  { re: /^pilot (\S+) chose drone (\S+)$/, code: 'plan-pilot-chose', names: ['pilot', 'droneId'] },
  { re: /^planned after restart$/, code: 'plan-after-restart' },
  { re: /^demo drones started$/, code: 'plan-demo-drones' },
];

function reasonOf(action: string, reason: string | null): AuditReasonText | null {
  if (reason === null || reason === '') return null;
  // the service's own texts first: an abort without a typed reason is recorded as "aborted by <pilot>"
  for (const s of SERVICE_REASONS) {
    const m = s.re.exec(reason);
    if (!m) continue;
    const params: Record<string, AuditParam> = {};
    (s.names ?? []).forEach((n, i) => {
      const v = m[i + 1] ?? '';
      params[n] = /^\d+$/.test(v) ? Number(v) : v;
    });
    return { from: 'service', code: s.code, params, ...(s.terms ? { terms: s.terms } : {}) };
  }
  if (TYPED_REASONS.has(action)) return { from: 'user', code: null, params: {} };
  // the release the vehicle reported (its STATUSTEXT, store/flight-store.ts)
  if (action === 'request.delivered') return { from: 'vehicle', code: null, params: {} };
  return { from: 'service', code: null, params: {} };
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const scalar = (v: unknown): AuditParam => (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : JSON.stringify(v));
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map((x) => String(x)) : []);

/** "field → value" for the fields a drone body or a user change sets. */
function fieldParts(values: Record<string, unknown>): AuditPart[] {
  return Object.entries(values).map(
    ([field, value]): AuditPart =>
      typeof value === 'boolean'
        ? { code: 'field-flag', params: { field, value: value ? 'yes' : 'no' }, terms: { field: 'fieldName.', value: 'auditTerm.' } }
        : { code: 'field-set', params: { field, value: scalar(value) }, terms: { field: 'fieldName.' } },
  );
}

function partsOf(action: string, d: Record<string, unknown>): AuditPart[] {
  const parts: AuditPart[] = [];
  const add = (code: string, params: Record<string, AuditParam> = {}, terms?: Record<string, string>) =>
    parts.push(terms ? { code, params, terms } : { code, params });
  const user = str(d.username);
  switch (action) {
    case 'login':
    case 'login.failed':
    case 'login.refused':
    case 'handover.failed':
      if (str(d.ip)) add('ip', { ip: str(d.ip) });
      break;
    case 'user.create':
      if (user) add('username', { username: user });
      if (str(d.role)) add('role', { role: str(d.role) }, { role: 'role.' });
      break;
    case 'user.update':
    case 'user.disable':
    case 'user.enable':
    case 'user.password-reset': {
      if (user) add('username', { username: user });
      const changed = (typeof d.changed === 'object' && d.changed !== null ? d.changed : {}) as Record<string, { from?: unknown; to?: unknown }>;
      for (const [field, c] of Object.entries(changed)) {
        if (field === 'disabled') continue; // said by the action (disabled / enabled)
        if (field === 'role') add('field-changed', { field, from: str(c.from), to: str(c.to) }, { field: 'fieldName.', from: 'role.', to: 'role.' });
        else add('field-changed', { field, from: scalar(c.from), to: scalar(c.to) }, { field: 'fieldName.' });
      }
      if (num(d.sessionsEnded)) add('sessions-ended', { n: num(d.sessionsEnded) });
      break;
    }
    case 'drone.create':
    case 'drone.update':
      parts.push(...fieldParts(d));
      break;
    case 'drone.link-test':
      add(d.heartbeat === true ? 'heartbeat-heard' : 'heartbeat-none');
      if (d.heartbeat === true) add(d.setupOk === true ? 'setup-ok' : 'setup-not-ok');
      if (str(d.firmware)) add('firmware', { firmware: str(d.firmware) });
      if (strings(d.problems).length) add('link-problems', { problems: strings(d.problems) }, { problems: 'linkProblem.' });
      break;
    case 'request.create':
      if (str(d.urgency)) add('urgency', { urgency: str(d.urgency) }, { urgency: 'urgency.' });
      if (Array.isArray(d.dropPoint)) add('drop-coords', { lat: num(d.dropPoint[0]), lon: num(d.dropPoint[1]) });
      else if (str(d.dropPoint)) add('drop-point', { dropPoint: str(d.dropPoint) }, { dropPoint: 'place:' });
      if (str(d.medicine)) add('medicine', { medicine: str(d.medicine), weightKg: num(d.weightKg) });
      break;
    case 'request.update':
      if (num(d.previousVersion) !== null && num(d.version) !== null) add('version', { from: num(d.previousVersion), to: num(d.version) });
      if (strings(d.fields).length) add('fields-changed', { fields: strings(d.fields) }, { fields: 'fieldName.' });
      if (num(d.supersededMissionId)) add('superseded', { missionId: num(d.supersededMissionId) });
      break;
    case 'request.cancel':
      if (num(d.supersededMissionId)) add('superseded', { missionId: num(d.supersededMissionId) });
      break;
    case 'request.delivered':
      if (num(d.flightId)) add('flight', { flightId: num(d.flightId) });
      if (num(d.distanceM) !== null) add('release-distance', { distanceM: num(d.distanceM) });
      break;
    case 'mission.plan':
    case 'mission.plan-infeasible':
    case 'mission.reassign':
      if (num(d.missionId)) add('mission', { missionId: num(d.missionId) });
      if (str(d.droneId)) add('drone-depot', { droneId: str(d.droneId), depot: str(d.depot) ?? '' }, { depot: 'place:' });
      if (num(d.marginPct) !== null && action !== 'mission.plan-infeasible') add('margin', { marginPct: Math.round(num(d.marginPct)!) });
      if (strings(d.reasons).length) add('reasons', { reasons: [...new Set(strings(d.reasons))] }, { reasons: 'reason.' });
      break;
    case 'mission.approve':
      if (num(d.flightId)) add('flight', { flightId: num(d.flightId) });
      if (str(d.droneId)) add('drone', { droneId: str(d.droneId) });
      if (Array.isArray(d.checklist)) add('checklist', { n: d.checklist.length });
      break;
    case 'flight.declare-lost':
      if (str(d.droneId)) add('drone', { droneId: str(d.droneId) });
      if (str(d.stateBefore)) add('state-before', { state: str(d.stateBefore) }, { state: 'flight.' });
      // where the pilot believes the drone is: typed, shown as typed
      if (str(d.lastKnownLocation)) add('last-known', { location: str(d.lastKnownLocation) });
      break;
    case 'drone.recovered':
      if (Array.isArray(d.flights)) add('flights', { flights: d.flights.map((x) => `#${String(x)}`) });
      break;
    case 'zone-map.update':
      add(
        'zone-map',
        {
          name: str(d.name) ?? '',
          crs: str(d.crs) ?? 'wgs84',
          areas: num(d.areas) ?? 0,
          noFly: num(d.noFly) ?? 0,
          depots: num(d.depots) ?? 0,
          dropPoints: num(d.dropPoints) ?? 0,
        },
        { crs: 'crs.', name: 'place:' },
      );
      break;
    default:
      // an action this version does not know: its details as they are
      for (const [k, v] of Object.entries(d)) add('raw', { key: k, value: scalar(v) });
  }
  return parts;
}

export function describeAudit(e: { action: string; reason: string | null; details: Record<string, unknown> }): AuditDescription {
  return { parts: partsOf(e.action, e.details), reason: reasonOf(e.action, e.reason) };
}

/**
 * One part (or a service reason) as a sentence of a catalogue: `tr(key)` gives the template or
 * undefined. A value named in `terms` is looked up under its prefix (lists item by item, joined by
 * the catalogue's list separator); "place:" names ("English 中文") keep the language's half.
 */
export function auditSentence(
  key: string,
  params: Record<string, AuditParam>,
  terms: Record<string, string> | undefined,
  tr: (key: string) => string | undefined,
  placeName: (name: string) => string,
): string | null {
  const template = tr(key);
  if (template === undefined) return null;
  const word = (prefix: string, v: string) => (prefix === 'place:' ? placeName(v) : (tr(`${prefix}${v}`) ?? v));
  const sep = tr('punct.listSep') ?? ', ';
  const value = (name: string, v: AuditParam): string => {
    const prefix = terms?.[name];
    if (Array.isArray(v)) return v.map((x) => (prefix ? word(prefix, x) : x)).join(sep);
    if (v === null) return '—';
    return prefix ? word(prefix, String(v)) : String(v);
  };
  return template.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? value(name, params[name] as AuditParam) : m));
}
