// @ts-check
// Pilot: plans awaiting approval (critical first, then oldest) with their take-off and arrival
// estimates and the planned drone's state and battery, the fleet (state, battery, link of every
// drone), flights in the air with the alerts that stand on each (battery below the plan, link
// lost, fence breach …), and requests no drone can serve. Everything live from /api/events: the
// service sends a flight again with every alert it records (FlightView.activeAlerts).
import { $, h, replaceChildren, renderKeyed, resetKeyed } from './dom.js';
import { t, localName, onLanguageChange, fmtClock, fmtTime, fmtDistance, fmtDuration, fmtNumber } from './i18n.js';
import { api, requireSession, describeError } from './api.js';
import { startPage, setLinkStatus } from './layout.js';
import { subscribe } from './events.js';
import {
  urgencyBadge,
  statusBadge,
  flightStateBadge,
  droneReasons,
  droneCard,
  droneStateBadge,
  droneFactsText,
  queueEtaText,
  fmtWeight,
  alertText,
} from './views.js';

/**
 * @typedef {import('../../api-types.js').MissionSummary} MissionSummary
 * @typedef {import('../../api-types.js').FlightView} FlightView
 * @typedef {import('../../api-types.js').DropRequestView} DropRequestView
 * @typedef {import('../../api-types.js').FlightStatus} FlightStatus
 * @typedef {import('../../api-types.js').Urgency} Urgency
 * @typedef {import('../../api-types.js').DroneView} DroneView
 * @typedef {import('../../api-types.js').QueueEta} QueueEta
 * @typedef {import('../../api-types.js').FlightAlertView} FlightAlertView
 */

await startPage(() => requireSession(['pilot', 'admin']));

/** @type {Record<Urgency, number>} the service's order (URGENCY_ORDER in src/domain/words.ts) */
const URGENCY_ORDER = { critical: 0, urgent: 1, routine: 2 };
/** @type {Map<number, MissionSummary>} */
const missions = new Map();
/** @type {Map<number, FlightView>} */
const flights = new Map();
/** @type {Map<number, DropRequestView>} */
const unservable = new Map();
/** @type {Map<string, DroneView>} */
const fleet = new Map();
/** @type {Map<number, QueueEta>} request id → its ETA (the 'queue' event) */
const etas = new Map();
/** @type {FlightStatus[]} */
const FINISHED = ['completed', 'aborted', 'failed', 'landed'];

/** @param {MissionSummary} m */
function missionCard(m) {
  return h(
    'li',
    { class: `card ${m.urgency}`, id: `mission-${m.id}`, dataset: { missionId: m.id, urgency: m.urgency } },
    h('div', { class: 'title' }, urgencyBadge(m.urgency), h('span', { text: `#${m.requestId} ${m.recipient}` })),
    h('div', { text: `${m.medicine} · ${fmtWeight(m.weightKg)}` }),
    h('div', { class: 'meta', text: `${localName(m.depot.name)} → ${localName(m.dropPoint.name)} · ${m.drone.name}` }),
    plannedDroneLine(m),
    h('div', {
      class: 'meta eta',
      text: queueEtaText(etas.get(m.requestId) ?? m.queueEta, fleet.get((etas.get(m.requestId) ?? m.queueEta)?.droneId ?? '')?.name),
    }),
    h('div', {
      class: 'meta',
      text: t('pilot.numbers', {
        distance: fmtDistance(m.distanceM),
        duration: fmtDuration(m.durationS),
        margin: fmtNumber(m.marginPct, 0),
        alt: fmtNumber(m.cruiseAltitudeM, 0),
      }),
    }),
    h('div', { class: 'meta', text: `${t('pilot.requestedAt')}: ${fmtTime(m.requestedAt)}` }),
    m.failedChecks > 0 ? h('div', { class: 'field-error', text: t('pilot.failedChecks', { n: m.failedChecks }) }) : null,
    h('div', { class: 'actions' }, h('a', { class: 'button primary', href: `/review.html?id=${encodeURIComponent(m.id)}`, text: t('pilot.review') })),
  );
}

/** The planned drone's state and battery (busy, low, offline shows before review). @param {MissionSummary} m */
function plannedDroneLine(m) {
  const d = fleet.get(m.drone.id);
  if (!d) return null;
  return h('div', { class: 'meta planned-drone' }, droneStateBadge(d.state), ' ', h('span', { text: droneFactsText(d) }));
}

/** @param {FlightView} f */
function flightCard(f) {
  return h(
    'li',
    { class: 'card', id: `flight-${f.id}`, dataset: { flightId: f.id, state: f.state } },
    h(
      'div',
      { class: 'title' },
      h('span', { text: t('pilot.flightTitle', { request: f.requestId, flight: f.id, drone: f.drone.name }) }),
      flightStateBadge(f.state),
      f.paused ? h('span', { class: 'badge status', text: t('flight.paused') }) : null,
    ),
    h('div', {
      class: 'meta',
      text: `${t('track.battery')}: ${f.batteryPct == null ? '—' : `${fmtNumber(f.batteryPct)}%`} · ${t('track.link')}: ${t(f.link?.up ? 'link.up' : 'link.down')} · ${t('track.progress')}: ${Math.floor((f.routeFraction ?? 0) * 100)}%`,
    }),
    flightAlerts(f),
    // no contact since a restart: say so on the queue, the tracking page offers "declare lost"
    f.linkLost ? h('div', { class: 'field-error', role: 'alert', text: t('pilot.linkLost', { since: fmtClock(f.linkLost.since) }) }) : null,
    h(
      'div',
      { class: 'actions' },
      h('a', { class: 'button', href: `/track.html?id=${encodeURIComponent(f.id)}`, text: t('pilot.track') }),
      h('a', { class: 'button', href: `/review.html?id=${encodeURIComponent(f.missionId)}`, text: t('pilot.controls') }),
    ),
  );
}

/** @type {Record<FlightAlertView['severity'], number>} */
const SEVERITY_ORDER = { critical: 0, warning: 1, info: 2 };

/**
 * Critical first, then the newest. Without contact since a restart the card says so in its own
 * line (with the time and what to do), so the same 'unreachable' alert is not listed twice.
 * @param {FlightView} f
 */
function standing(f) {
  return (f.activeAlerts ?? [])
    .filter((a) => !(f.linkLost && a.code === 'link-unreachable'))
    .sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || b.at.localeCompare(a.at));
}

/**
 * The alerts that stand on a flight, each with its severity in words (not colour alone) and its
 * sentence with its numbers; the page-level live regions announce new ones (announceAlerts).
 * @param {FlightView} f
 */
function flightAlerts(f) {
  const alerts = standing(f);
  if (alerts.length === 0) return null;
  return h(
    'ul',
    { class: 'flight-alerts', 'aria-label': t('pilot.alertsLabel', { request: f.requestId, flight: f.id }) },
    alerts.map((a) =>
      h(
        'li',
        { class: `flight-alert ${a.severity}`, dataset: { alertCode: a.code, severity: a.severity } },
        h('span', { class: `badge severity-${a.severity}`, text: t(`severity.${a.severity}`) }),
        ' ',
        alertText(a),
      ),
    ),
  );
}

/** Alerts already shown, by flight: "code at", so that only a new one is announced. @type {Map<number, Set<string>>} */
const announced = new Map();
/** @param {FlightAlertView} a */
const alertKey = (a) => `${a.code} ${a.at}`;

/**
 * Say a flight's new alerts in the page's live regions (its card is drawn again, and a region
 * inserted with it is not read out): critical ones at once (role=alert), warnings politely.
 * @param {FlightView} f
 */
function announceAlerts(f) {
  const seen = announced.get(f.id) ?? new Set();
  const fresh = standing(f).filter((a) => !seen.has(alertKey(a)));
  announced.set(f.id, new Set((f.activeAlerts ?? []).map(alertKey)));
  if (fresh.length === 0) return;
  /** @param {FlightAlertView[]} list */
  const say = (list) =>
    list.map((a) => h('p', {}, t('pilot.alertAnnounce', { request: f.requestId, flight: f.id, severity: t(`severity.${a.severity}`) }), ' ', alertText(a)));
  const critical = fresh.filter((a) => a.severity === 'critical');
  const other = fresh.filter((a) => a.severity !== 'critical');
  if (critical.length) replaceChildren($('#flight-alerts-urgent'), say(critical));
  if (other.length) replaceChildren($('#flight-alerts-status'), say(other));
}

/** @param {DropRequestView} r */
function unservableCard(r) {
  return h(
    'li',
    { class: `card ${r.urgency}`, dataset: { requestId: r.id } },
    h('div', { class: 'title' }, urgencyBadge(r.urgency), statusBadge(r.status), h('span', { text: `#${r.id} ${r.recipient}` })),
    h('div', {
      text: `${r.medicine} · ${fmtWeight(r.weightKg)} · ${r.dropPoint.name ? localName(r.dropPoint.name) : `${r.dropPoint.lat}, ${r.dropPoint.lon}`}`,
    }),
    h(
      'ul',
      { class: 'small' },
      droneReasons(r.reasons ?? []).map((text) => h('li', { text })),
    ),
  );
}

function render() {
  const queue = [...missions.values()].sort(
    (a, b) => URGENCY_ORDER[a.urgency] - URGENCY_ORDER[b.urgency] || a.requestedAt.localeCompare(b.requestedAt) || a.id - b.id,
  );
  renderKeyed($('#mission-queue'), queue, {
    key: (m) => m.id,
    sig: (m) => JSON.stringify([m, fleet.get(m.drone.id), etas.get(m.requestId)]),
    render: missionCard,
  });
  const drones = [...fleet.values()];
  renderKeyed($('#fleet-list'), drones, { key: (d) => d.id, sig: (d) => JSON.stringify(d), render: droneCard });
  $('#fleet-empty').hidden = drones.length > 0;
  $('#queue-empty').hidden = queue.length > 0;
  const active = [...flights.values()].sort((a, b) => b.id - a.id);
  renderKeyed($('#flight-list'), active, { key: (f) => f.id, sig: (f) => JSON.stringify(f), render: flightCard });
  $('#flights-empty').hidden = active.length > 0;
  const blocked = [...unservable.values()].sort((a, b) => URGENCY_ORDER[a.urgency] - URGENCY_ORDER[b.urgency] || a.id - b.id);
  renderKeyed($('#unservable-list'), blocked, { key: (r) => r.id, sig: (r) => JSON.stringify(r), render: unservableCard });
  $('#unservable-empty').hidden = blocked.length > 0;
}

/** @type {number | null} */
let lastAlerted = null;
/** @param {MissionSummary} m */
function onMission(m) {
  const wasQueued = missions.has(m.id);
  if (m.status === 'awaiting-approval') missions.set(m.id, m);
  else missions.delete(m.id);
  if (!wasQueued && m.status === 'awaiting-approval' && m.urgency === 'critical' && lastAlerted !== m.id) {
    lastAlerted = m.id;
    const box = $('#critical-alert');
    replaceChildren(
      box,
      t('pilot.criticalAlert', { id: m.requestId, recipient: m.recipient, medicine: m.medicine }),
      ' ',
      h('a', { href: `/review.html?id=${encodeURIComponent(m.id)}`, text: t('pilot.review') }),
    );
  }
  render();
}

/** @param {FlightView} f */
function onFlight(f) {
  if (FINISHED.includes(f.state)) {
    flights.delete(f.id);
    announced.delete(f.id);
  } else {
    flights.set(f.id, f);
    announceAlerts(f);
  }
  render();
}

/** @param {DropRequestView} r */
function onRequest(r) {
  if (r.status === 'unservable') unservable.set(r.id, r);
  else unservable.delete(r.id);
  render();
}

/** @param {DroneView} d */
function onDrone(d) {
  fleet.set(d.id, d);
  render();
}

/** @param {{ etas: (QueueEta & { requestId: number })[] }} q */
function onQueue(q) {
  etas.clear();
  for (const e of q.etas) etas.set(e.requestId, e);
  render();
}

async function load() {
  try {
    const [queue, active, blocked, drones] = await Promise.all([
      api('GET /api/missions', { query: { status: 'awaiting-approval' } }),
      api('GET /api/flights', { query: { active: 'true' } }),
      api('GET /api/requests', { query: { status: 'unservable' } }),
      api('GET /api/drones'),
    ]);
    fleet.clear();
    for (const d of drones.drones) fleet.set(d.id, d);
    onQueue({ etas: drones.queue });
    missions.clear();
    flights.clear();
    unservable.clear();
    for (const m of queue.missions) missions.set(m.id, m);
    for (const f of active.flights) {
      if (FINISHED.includes(f.state)) continue;
      flights.set(f.id, f);
      // what the page opens with is on the cards; only what arrives after is announced
      announced.set(f.id, new Set((f.activeAlerts ?? []).map(alertKey)));
    }
    for (const r of blocked.requests) unservable.set(r.id, r);
    $('#queue-notice').textContent = '';
  } catch (err) {
    $('#queue-notice').textContent = describeError(err);
  }
  render();
}

onLanguageChange(() => {
  for (const id of ['#mission-queue', '#fleet-list', '#flight-list', '#unservable-list']) resetKeyed($(id));
  render();
});
subscribe(
  '/api/events',
  { mission: onMission, flight: onFlight, request: onRequest, drone: onDrone, queue: onQueue },
  { onStatus: setLinkStatus, onReconnect: load },
);
// "about N min" counts down without any event
setInterval(() => {
  resetKeyed($('#mission-queue'));
  resetKeyed($('#fleet-list'));
  render();
}, 30_000);
await load();
document.body.dataset.ready = 'true';
