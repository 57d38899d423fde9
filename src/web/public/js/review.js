// @ts-check
// Pilot review of one plan: map, numbers, checks, the planned drone's state, battery and link and
// the fleet's, the take-off / arrival estimate, moving the plan to another drone, pre-flight
// checklist, approve / reject; after approval the flight's upload → verify → arm → start progress
// with abort and pause/resume.
import { $, h, replaceChildren, param } from './dom.js';
import { t, has, lang, localName, onLanguageChange, fmtTime, fmtDistance, fmtDuration, fmtNumber } from './i18n.js';
import { api, requireSession, config, describeError, ApiError, fieldProblem } from './api.js';
import { startPage, setLinkStatus } from './layout.js';
import { L, createMap, drawZoneMap, fitAll, legend, mapLabel, STYLE, squareIcon, pinIcon, textTip } from './map.js';
import {
  urgencyBadge,
  missionStatusBadge,
  checkText,
  droneReasons,
  latLngs,
  droneCard,
  droneStateBadge,
  droneFactsText,
  queueEtaText,
  fmtWeight,
} from './views.js';
import { followFlight } from './flight-live.js';
import { renderProfile } from './profile.js';
import { subscribe } from './events.js';
import { createFlightControls } from './flight-controls.js';

/**
 * @typedef {import('../../api-types.js').MissionDetail} MissionDetail
 * @typedef {import('../../api-types.js').FlightView} FlightView
 * @typedef {import('./dom.js').Child} Child
 * @typedef {import('../../api-types.js').DroneView} DroneView
 * @typedef {import('../../api-types.js').QueueEta} QueueEta
 */

const session = await startPage(() => requireSession(['pilot', 'admin']));
const cfg = await config();
const missionId = param('id');
const canDecide = session.user.role === 'pilot';
/** @type {MissionDetail | null} */
let mission = null;
/** @type {FlightView | null} */
let flight = null;
/** @type {Map<string, DroneView>} */
const fleet = new Map();
/** @type {QueueEta | null} */
let queueEta = null;

/** @param {string} label @param {Child} value @param {string} [id] */
function row(label, value, id) {
  return h('tr', id ? { id } : {}, h('th', { scope: 'row', text: label }), h('td', {}, value));
}

/** @param {MissionDetail} m */
function renderHeading(m) {
  // named by the request (what officers and pilots talk about); the plan's own number second
  replaceChildren(
    $('#review-heading'),
    `${t('review.headingRequest', { request: m.requestId, plan: m.id })} `,
    urgencyBadge(m.urgency),
    ' ',
    missionStatusBadge(m.status),
  );
}

/** @param {MissionDetail} m */
function renderRequest(m) {
  const r = m.request;
  replaceChildren(
    $('#request-table'),
    row(t('field.recipient'), r.recipient),
    row(t('field.phone'), r.phone),
    row(t('field.medicine'), `${r.medicine} · ${fmtWeight(r.weightKg)}`),
    row(t('field.urgency'), urgencyBadge(r.urgency)),
    row(t('field.dropPoint'), `${localName(m.dropPoint.name)} (${m.dropPoint.position.lat.toFixed(5)}, ${m.dropPoint.position.lon.toFixed(5)})`),
    row(t('field.notes'), r.notes || '—'),
    row(t('review.requestedBy'), `${r.officer.name} · ${fmtTime(r.createdAt)}`),
    row(t('review.requestVersion'), t('review.requestVersionValue', { version: m.requestVersion, current: r.version }), 'request-version'),
  );
}

/** @param {MissionDetail} m */
function renderNumbers(m) {
  const c = m.conditions;
  replaceChildren(
    $('#numbers-table'),
    row(t('review.depotDrone'), `${localName(m.depot.name)} · ${m.drone.name}`),
    row(t('review.distance'), fmtDistance(m.distanceM), 'n-distance'),
    row(t('review.duration'), fmtDuration(m.durationS), 'n-duration'),
    row(t('review.energy'), t('unit.wh', { n: fmtNumber(m.energyWh, 1) })),
    row(t('review.margin'), h('span', { class: m.marginPct < 0 ? 'field-error' : '', text: `${fmtNumber(m.marginPct, 1)}%` }), 'n-margin'),
    row(t('review.altitude'), t('unit.m', { n: fmtNumber(m.cruiseAltitudeM) }), 'n-altitude'),
    row(t('review.wind'), c ? t('review.windValue', { speed: fmtNumber(c.windSpeedMs, 1), from: fmtNumber(c.windFromDeg) }) : '—', 'n-wind'),
    row(t('review.temperature'), c ? `${fmtNumber(c.temperatureC, 1)} °C` : '—'),
    row(t('review.siteAltitude'), c ? t('unit.m', { n: fmtNumber(c.siteAltitudeM) }) : '—'),
    row(t('review.fence'), t('review.fenceValue', { items: m.fence?.items ?? 0, excluded: m.fence?.excludedAreas?.length ?? 0 })),
    row(t('review.rally'), String(m.geometry?.rally?.length ?? 0)),
  );
}

/** @param {MissionDetail} m */
function renderChecks(m) {
  replaceChildren(
    $('#checks-list'),
    (m.checks ?? []).map((c) =>
      h(
        'li',
        { dataset: { check: c.id, ok: String(c.ok) } },
        h('span', { class: `badge ${c.ok ? 'pass' : 'fail'}`, text: c.ok ? `✓ ${t('review.pass')}` : `✗ ${t('review.fail')}` }),
        checkText(c),
      ),
    ),
  );
  /** @type {HTMLLIElement[]} */
  const warnings = [];
  for (const text of droneReasons(m.reasons ?? [])) warnings.push(h('li', { text }));
  for (const name of m.fence?.leftToRoute ?? []) warnings.push(h('li', { text: t('review.leftToRoute', { name }) }));
  // the stretch in words with its metres; a plan stored before they were kept says its English to English readers only
  for (const leg of m.rallyUnsafeLegs ?? [])
    warnings.push(
      h('li', {
        text:
          leg.fromM !== undefined && leg.toM !== undefined
            ? t('review.unsafeLegAlong', { leg: leg.legIndex + 1, fromM: leg.fromM, toM: leg.toM })
            : lang() === 'en'
              ? t('review.unsafeLeg', { leg: leg.legIndex + 1, message: leg.message })
              : t('review.unsafeLegPlain', { leg: leg.legIndex + 1 }),
      }),
    );
  replaceChildren($('#plan-warnings'), warnings.length ? h('div', { class: 'notice error' }, h('ul', {}, warnings)) : null);
}

/** @param {MissionDetail} m */
function checklistItems(m) {
  const items = m.checklist?.length ? m.checklist : (cfg.checklist ?? []);
  return items;
}

/** The pre-flight checklist's boxes. */
function checklistBoxes() {
  return [...document.querySelectorAll('#checklist input')].filter((box) => box instanceof HTMLInputElement);
}

/** The ids of the ticked checklist items. */
function tickedItems() {
  return checklistBoxes()
    .filter((box) => box.checked)
    .map((box) => box.value);
}

/** @param {MissionDetail} m */
function renderChecklist(m) {
  const ticked = new Set(tickedItems());
  replaceChildren(
    $('#checklist'),
    checklistItems(m).map((item) =>
      h(
        'label',
        { class: 'choice' },
        h('input', {
          type: 'checkbox',
          name: 'checklist',
          value: item.id,
          id: `checklist-${item.id}`,
          checked: ticked.has(item.id),
          on: { change: updateApprove },
        }),
        h('span', { text: has(`checklist.${item.id}`) ? t(`checklist.${item.id}`) : item.label }),
      ),
    ),
  );
  updateApprove();
}

function pending() {
  return mission?.status === 'awaiting-approval';
}

function updateApprove() {
  const boxes = checklistBoxes();
  const all = boxes.length > 0 && boxes.every((b) => b.checked);
  $('#approve', HTMLButtonElement).disabled = !(all && canDecide && pending() && mission?.feasible);
}

/** @param {MissionDetail} m */
function renderDecision(m) {
  const open = pending() && canDecide;
  $('#approve-form').hidden = !open;
  $('#reject-form').hidden = !open;
  const done = $('#decision-done');
  if (m.approval) done.textContent = t('review.approvedBy', { name: m.approval.by.name, time: fmtTime(m.approval.at) });
  else if (m.rejection) done.textContent = t('review.rejectedBy', { name: m.rejection.by.name, time: fmtTime(m.rejection.at), reason: m.rejection.reason });
  else if (m.status === 'superseded' && m.request?.missionId && String(m.request.missionId) !== String(m.id)) {
    replaceChildren(
      done,
      t('review.status.superseded'),
      ' ',
      h('a', { href: `/review.html?id=${encodeURIComponent(m.request.missionId)}`, text: t('review.newPlan') }),
    );
  } else if (!pending()) done.textContent = t(`review.status.${m.status}`);
  else if (!canDecide) done.textContent = t('review.pilotOnly');
  else if (!m.feasible) done.textContent = t('review.infeasible');
  else done.textContent = '';
}

/** @type {Set<import('./map.js').LegendEntry>} what the review map shows */
let reviewPresent = new Set();

/** @param {MissionDetail} m */
function drawMap(m) {
  const g = m.geometry;
  const map = createMap($('#review-map'), cfg);
  const { group, labels, present } = drawZoneMap(map, g.zones, { fit: false });
  for (const poly of g.fence?.inclusion ?? []) {
    L.polygon(latLngs(poly), { ...STYLE.fence })
      .bindTooltip(textTip(t('legend.fence')))
      .addTo(group);
    present.add('fence');
  }
  for (const poly of g.fence?.exclusion ?? []) {
    L.polygon(latLngs(poly), { ...STYLE.fenceExclusion })
      .bindTooltip(textTip(t('map.fenceExclusion')))
      .addTo(group);
    present.add('fenceExclusion');
  }
  for (const c of g.fence?.circles ?? []) {
    L.circle([c.center[1], c.center[0]], { ...(c.inclusion ? STYLE.fence : STYLE.fenceExclusion), radius: c.radiusM }).addTo(group);
    present.add(c.inclusion ? 'fence' : 'fenceExclusion');
  }
  if (g.outbound?.length) {
    L.polyline(latLngs(g.outbound), STYLE.route)
      .bindTooltip(textTip(t('legend.route')))
      .addTo(group);
    present.add('route');
  }
  if (g.inbound?.length) {
    L.polyline(latLngs(g.inbound), STYLE.inbound)
      .bindTooltip(textTip(t('legend.inbound')))
      .addTo(group);
    present.add('inbound');
  }
  (g.waypoints ?? []).forEach(([lat, lon, alt], i) => {
    L.circleMarker([lat, lon], { radius: 3, color: '#0b5cad', fillOpacity: 1 })
      .bindTooltip(textTip(t('map.waypoint', { n: i + 1, alt: fmtNumber(alt) })))
      .addTo(group);
    mapLabel([lat, lon], t('map.altitudeLabel', { alt: fmtNumber(alt) }), 'altitude').addTo(labels);
    present.add('waypoint');
  });
  for (const [lon, lat] of g.rally ?? []) {
    L.circleMarker([lat, lon], { radius: 6, color: '#2e7d32', weight: 3, fillColor: '#fff', fillOpacity: 1 })
      .bindTooltip(textTip(t('legend.rally')))
      .addTo(group);
    present.add('rally');
  }
  if (g.fence?.returnPoint)
    L.circleMarker([g.fence.returnPoint[1], g.fence.returnPoint[0]], { radius: 4, color: '#37474f' })
      .bindTooltip(textTip(t('map.returnPoint')))
      .addTo(group);
  if (g.depot)
    L.marker([g.depot[1], g.depot[0]], { icon: squareIcon('#12324f'), alt: m.depot.name, title: `${t('map.depot')}: ${m.depot.name}` })
      .bindTooltip(textTip(`${t('map.depot')}: ${m.depot.name}`))
      .addTo(group);
  if (g.dropPoint) {
    L.marker([g.dropPoint[1], g.dropPoint[0]], { icon: pinIcon('#d81b60'), alt: m.dropPoint.name, title: `${t('map.dropPoint')}: ${m.dropPoint.name}` })
      .bindTooltip(textTip(`${t('map.dropPoint')}: ${m.dropPoint.name}`))
      .addTo(group);
    present.add('target');
  }
  // the whole flight: route, fence and rally points
  const flightBounds = L.latLngBounds([...latLngs(g.outbound ?? []), ...latLngs(g.inbound ?? [])]);
  for (const [lon, lat] of g.rally ?? []) flightBounds.extend([lat, lon]);
  for (const poly of g.fence?.inclusion ?? []) flightBounds.extend(L.latLngBounds(latLngs(poly)));
  if (flightBounds.isValid()) fitAll(map, flightBounds);
  else if (group.getLayers().length) fitAll(map, group.getBounds());
  reviewPresent = present;
  renderLegend();
}

function renderLegend() {
  replaceChildren(
    $('#review-legend'),
    legend(
      ['sealed', 'controlled', 'precaution', 'no-fly', 'route', 'inbound', 'waypoint', 'fence', 'fenceExclusion', 'rally', 'depot', 'target'],
      reviewPresent,
    ),
  );
}

/** The planned drone (state, battery, link), the ETA, the fleet, and the drone chooser. @param {MissionDetail} m */
function renderFleet(m) {
  const d = fleet.get(m.drone.id);
  replaceChildren(
    $('#planned-drone'),
    h('span', { text: `${m.drone.name} · ${localName(m.depot.name)} ` }),
    d ? droneStateBadge(d.state) : null,
    d ? h('div', { class: 'meta', text: droneFactsText(d) }) : null,
  );
  $('#queue-eta').textContent = pending() ? queueEtaText(queueEta ?? m.queueEta, fleet.get((queueEta ?? m.queueEta)?.droneId ?? '')?.name) : '';
  replaceChildren($('#fleet-list'), [...fleet.values()].map(droneCard));
  const form = $('#reassign-form');
  form.hidden = !(pending() && canDecide);
  const select = $('#reassign-drone', HTMLSelectElement);
  const chosen = select.value;
  replaceChildren(
    select,
    [...fleet.values()]
      .filter((x) => x.id !== m.drone.id && x.state !== 'maintenance')
      .map((x) => h('option', { value: x.id, text: `${x.name} · ${localName(x.depot)} · ${t(`fleet.state.${x.state}`)}` })),
  );
  if (chosen) select.value = chosen;
  $('#reassign', HTMLButtonElement).disabled = select.options.length === 0;
}

async function loadFleet() {
  try {
    const res = await api('GET /api/drones');
    fleet.clear();
    for (const d of res.drones) fleet.set(d.id, d);
    queueEta = res.queue.find((q) => mission && q.requestId === mission.requestId) ?? null;
  } catch (err) {
    $('#review-notice').textContent = describeError(err);
  }
  if (mission) renderFleet(mission);
}

function renderAll() {
  if (!mission) return;
  renderHeading(mission);
  renderRequest(mission);
  renderFleet(mission);
  renderNumbers(mission);
  renderProfile($('#review-profile'), mission);
  renderChecks(mission);
  renderChecklist(mission);
  renderDecision(mission);
  renderFlight();
}

// ---- flight after approval ------------------------------------------------------------------
/** @type {ReturnType<typeof followFlight> | null} */
let live = null;
/** @param {number} flightId */
function startFlight(flightId) {
  $('#flight-panel').hidden = false;
  $('#track-link', HTMLAnchorElement).href = `/track.html?id=${encodeURIComponent(flightId)}`;
  if (live) return;
  live = followFlight(
    flightId,
    (view, name, data) => {
      if (!view) {
        if (name === 'error') $('#review-notice').textContent = describeError(data);
        return;
      }
      flight = view;
      renderFlight();
    },
    { onStatus: setLinkStatus },
  );
}

/** @type {ReturnType<typeof createFlightControls> | null} */
let updateControls = null;
function renderFlight() {
  if (!flight) return;
  updateControls ??= createFlightControls($('#flight-controls'), { canControl: canDecide, onUpdate: (v) => live?.set(v) });
  updateControls(flight);
}

// ---- decisions ------------------------------------------------------------------------------
$('#approve-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const button = $('#approve', HTMLButtonElement);
  if (button.disabled || !mission || !missionId) return;
  const checklist = tickedItems();
  button.disabled = true;
  $('#approve-error').textContent = '';
  try {
    // The approval names the request version this page shows: if the officer edited the request
    // meanwhile, the service refuses it (409, reason 'request-edited' or 'mission-superseded').
    const requestVersion = mission.requestVersion;
    const res = await api('POST /api/missions/:id/approve', { params: { id: missionId }, body: { checklist, requestVersion } });
    mission = { ...mission, ...res.mission, approval: { by: session.user, at: new Date().toISOString(), checklist, requestVersion } };
    flight = res.flight;
    renderAll();
    startFlight(res.flight.id);
    live?.set(res.flight);
  } catch (err) {
    $('#approve-error').textContent = describeError(err);
    if (err instanceof ApiError && err.status === 409) await load();
    updateApprove();
  }
});

$('#reassign-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  if (!mission || !missionId) return;
  const droneId = $('#reassign-drone', HTMLSelectElement).value;
  const out = $('#reassign-result');
  const name = fleet.get(droneId)?.name ?? droneId;
  const button = $('#reassign', HTMLButtonElement);
  button.disabled = true;
  out.textContent = '';
  try {
    const res = await api('POST /api/missions/:id/reassign', { params: { id: missionId }, body: { droneId } });
    if (res.feasible && res.mission) {
      out.textContent = t('review.replanDone', { drone: name });
      // the new plan has its own page: go there (its numbers, checks and checklist)
      location.href = `/review.html?id=${encodeURIComponent(res.mission.id)}`;
      return;
    }
    replaceChildren(
      out,
      h('p', { class: 'field-error', text: t('review.replanInfeasible', { drone: name }) }),
      h(
        'ul',
        { class: 'small' },
        droneReasons(res.reasons).map((text) => h('li', { text })),
      ),
    );
  } catch (err) {
    out.textContent = describeError(err);
  } finally {
    button.disabled = false;
  }
});

$('#reject-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  if (!mission || !missionId) return;
  const reason = $('#reject-reason', HTMLTextAreaElement).value.trim();
  const box = $('#reject-error');
  box.textContent = '';
  $('#reject-reason').removeAttribute('aria-invalid');
  if (reason.length < 3) {
    box.textContent = t('review.rejectReasonShort');
    $('#reject-reason').setAttribute('aria-invalid', 'true');
    $('#reject-reason').focus();
    return;
  }
  const button = $('#reject', HTMLButtonElement);
  button.disabled = true;
  try {
    const summary = await api('POST /api/missions/:id/reject', { params: { id: missionId }, body: { reason } });
    mission = { ...mission, ...summary, rejection: { by: session.user, at: new Date().toISOString(), reason } };
    renderAll();
  } catch (err) {
    box.textContent = err instanceof ApiError && err.field === 'reason' ? t('validate.server', { detail: fieldProblem(err) }) : describeError(err);
  } finally {
    button.disabled = false;
  }
});

/** @returns {Promise<MissionDetail | null>} the plan, or null when it could not be read */
async function load() {
  if (!missionId) return null;
  let loaded;
  try {
    loaded = await api('GET /api/missions/:id', { params: { id: missionId } });
    mission = loaded;
    $('#review-notice').textContent = '';
  } catch (err) {
    $('#review-notice').textContent = err instanceof ApiError && err.status === 404 ? t('review.notFound') : describeError(err);
    return null;
  }
  renderAll();
  if (loaded.flightId != null) startFlight(loaded.flightId);
  return loaded;
}

onLanguageChange(() => {
  if (mission) {
    renderAll();
    renderLegend();
  }
});
if (!missionId) $('#review-notice').textContent = t('review.notFound');
else {
  const loaded = await load();
  if (loaded) {
    drawMap(loaded);
    await loadFleet();
    // Another pilot's decision, or a re-plan after a zone-map change, shows here at once.
    subscribe(
      '/api/events',
      {
        mission: (m) => {
          if (!mission) return;
          // an edit supersedes this plan at once; the new plan follows when it is made: link to it then
          const newPlan = m.requestId === mission.requestId && String(m.id) !== String(missionId) && m.status === 'awaiting-approval';
          if (!newPlan && (String(m.id) !== String(missionId) || m.status === mission.status)) return;
          load();
        },
        drone: (d) => {
          fleet.set(d.id, d);
          if (mission) renderFleet(mission);
        },
        queue: (q) => {
          queueEta = q.etas.find((e) => mission && e.requestId === mission.requestId) ?? null;
          if (mission) renderFleet(mission);
        },
      },
      {
        onStatus: setLinkStatus,
        onReconnect: async () => {
          await load();
          await loadFleet();
        },
      },
    );
  }
}
document.body.dataset.ready = 'true';
