// @ts-check
// Officer: queue a medicine drop (one request per form fill, whatever the clicks or taps) and follow
// your own requests live (SSE /api/events). The request just queued is pinned at the top of the
// page (number, live status, ETA, hand-over code) until the officer dismisses it.
import { $, h, replaceChildren, randomId, renderKeyed, resetKeyed } from './dom.js';
import { t, localName, onLanguageChange, fmtTime, fmtClock, fmtDistance, fmtDuration, fmtNumber } from './i18n.js';
import { api, requireSession, config, describeError, ApiError, ruleMessage, fieldProblem } from './api.js';
import { startPage, setLinkStatus } from './layout.js';
import { subscribe } from './events.js';
import { L, createMap, drawZoneMap, legend, pinIcon, textTip, STYLE, wgs84Of } from './map.js';
import { urgencyBadge, statusBadge, flightStateBadge, droneReasons, outcomeNode, parseCoords, fmtCoords, latLngs, etaText, fmtWeight } from './views.js';

/**
 * @typedef {import('../../api-types.js').DropRequestBody} DropRequestBody
 * @typedef {import('../../api-types.js').DropRequestView} DropRequestView
 * @typedef {import('../../api-types.js').DropRequestPreviewBody} DropRequestPreviewBody
 * @typedef {import('../../api-types.js').FeasibilityView} FeasibilityView
 * @typedef {import('../../api-types.js').FlightView} FlightView
 * @typedef {import('../../api-types.js').Urgency} Urgency
 * @typedef {import('../../api-types.js').ZoneMapResponse} ZoneMapResponse
 * @typedef {ZoneMapResponse['summary']['dropPoints'][number]} NamedDropPoint
 * @typedef {keyof DropRequestBody} Field
 */

const session = await startPage(() => requireSession(['officer', 'admin']));
const cfg = await config();

const form = $('#request-form', HTMLFormElement);
const submitButton = $('#submit-request', HTMLButtonElement);
const notice = $('#form-notice');
const nameSelect = $('#drop-point-name', HTMLSelectElement);
const coordsInput = $('#drop-point-coords', HTMLInputElement);
const crsSelect = $('#drop-point-crs', HTMLSelectElement);

/**
 * The typed coordinates with the system they were copied in (AMap/Tencent GCJ-02, Baidu BD-09): the
 * service converts them to WGS-84; WGS-84 needs no `crs`.
 */
function typedPoint() {
  const p = parseCoords(coordsInput.value);
  if (!p) return null;
  const crs = /** @type {'wgs84' | 'gcj02' | 'bd09'} */ (crsSelect.value);
  return crs === 'wgs84' ? p : { ...p, crs };
}

/** Counts typed-coordinate conversions: only the latest one may move the pin (an older answer can arrive later). */
let typedSeq = 0;
/** Put the pin where the typed coordinates really are (converted to WGS-84), moving the map there if needed. */
async function showTyped() {
  const p = parseCoords(coordsInput.value);
  if (!p) return;
  const seq = ++typedSeq;
  const at = await wgs84Of(p.lat, p.lon, /** @type {'wgs84' | 'gcj02' | 'bd09'} */ (crsSelect.value));
  if (seq !== typedSeq) return; // the officer typed again meanwhile: that conversion decides
  showTarget(at.lat, at.lon);
  // typed coordinates move the map to them (when they are off the view)
  if (!map.getBounds().contains([at.lat, at.lon])) map.panTo([at.lat, at.lon], { animate: false });
}
/** @type {Field[]} */
const FIELDS = ['recipient', 'phone', 'dropPoint', 'medicine', 'weightKg', 'urgency', 'notes'];
/** @type {Urgency[]} the radio buttons' values (officer.html) */
const URGENCIES = ['critical', 'urgent', 'routine'];

// ---- map and drop point ---------------------------------------------------------------------
/** @type {ZoneMapResponse | null} */
let zoneMap = null;
/** @type {NamedDropPoint[]} */
let dropPoints = [];
const map = createMap($('#officer-map'), cfg);
/** @type {import('leaflet').Marker | null} */
let target = null;

/** @param {number} lat @param {number} lon */
function showTarget(lat, lon) {
  if (target) target.setLatLng([lat, lon]);
  else {
    target = L.marker([lat, lon], { icon: pinIcon('#d81b60'), keyboard: false, interactive: false }).addTo(map);
    renderLegend();
  }
}

/** @type {Set<import('./map.js').LegendEntry>} what the zone map drew */
let zonePresent = new Set();
/** The legend lists what the map draws now: the zone map's kinds, the chosen point and a shown route. */
function renderLegend() {
  /** @type {Set<import('./map.js').LegendEntry>} */
  const present = new Set(zonePresent);
  if (target || routeLayer) present.add('target');
  if (routeLayer) present.add('route');
  replaceChildren($('#officer-legend'), legend(['sealed', 'controlled', 'precaution', 'no-fly', 'depot', 'dropPoint', 'route', 'target'], present));
}

/** @param {string} name */
function chooseNamed(name) {
  const dp = dropPoints.find((d) => d.name === name);
  nameSelect.value = dp ? dp.name : '';
  if (dp) {
    coordsInput.value = fmtCoords(dp.position.lat, dp.position.lon);
    crsSelect.value = 'wgs84';
    showTarget(dp.position.lat, dp.position.lon);
  }
  clearFieldError('dropPoint');
  schedulePreview();
}

function renderDropPointOptions() {
  const chosen = nameSelect.value;
  replaceChildren(
    nameSelect,
    h('option', { value: '', text: t('field.dropPointNone') }),
    dropPoints.map((dp) => h('option', { value: dp.name, text: dp.zone ? `${localName(dp.name)} (${localName(dp.zone)})` : localName(dp.name) })),
  );
  nameSelect.value = chosen;
}

async function loadZoneMap() {
  try {
    zoneMap = await api('GET /api/zone-map');
    dropPoints = zoneMap.summary?.dropPoints ?? [];
    // the first view shows every drop point and depot (and what lies between), kept fitted while the page settles
    zonePresent = drawZoneMap(map, zoneMap.geojson, { onDropPointClick: (dp) => chooseNamed(dp.name), fit: 'dropPoints' }).present;
  } catch (err) {
    $('#list-notice').textContent = describeError(err);
  }
  renderDropPointOptions();
  renderLegend();
}

nameSelect.addEventListener('change', () => {
  if (nameSelect.value) chooseNamed(nameSelect.value);
});
coordsInput.addEventListener('input', () => {
  // Typing coordinates means "not a named point".
  nameSelect.value = '';
  void showTyped();
});
crsSelect.addEventListener('change', () => {
  formChanged();
  void showTyped();
  schedulePreview();
});
map.on('click', (ev) => {
  formChanged();
  nameSelect.value = '';
  coordsInput.value = fmtCoords(ev.latlng.lat, ev.latlng.lng);
  crsSelect.value = 'wgs84'; // a point picked on the map is the map's own WGS-84
  showTarget(ev.latlng.lat, ev.latlng.lng);
  clearFieldError('dropPoint');
  schedulePreview();
});

// ---- what the planner says, while the form is filled in ---------------------------------------
// Once a drop point and a weight are there, a preview is asked for (debounced: a pause in typing,
// not every keystroke); an answer older than the latest question is dropped.
const preview = $('#preview');
const previewBody = $('#preview-body');
const PREVIEW_DELAY_MS = 400;
/** @type {ReturnType<typeof setTimeout> | null} */
let previewTimer = null;
let previewSeq = 0;
/** @type {FeasibilityView | null} the last answer, redrawn on a language change */
let lastPreview = null;

/** The drop point and weight as typed, when both make sense (else null: nothing to ask yet). */
function previewBodyOf() {
  const weightKg = Number($('#weightKg', HTMLInputElement).value.trim());
  if (!Number.isFinite(weightKg) || weightKg <= 0 || weightKg > 25) return null;
  /** @type {DropRequestPreviewBody['dropPoint'] | null} */
  const dropPoint = nameSelect.value ? { name: nameSelect.value } : typedPoint();
  return dropPoint ? { dropPoint, weightKg } : null;
}

function schedulePreview() {
  if (previewTimer) clearTimeout(previewTimer);
  previewTimer = setTimeout(runPreview, PREVIEW_DELAY_MS);
  // What is shown no longer matches the form: say it is being checked again.
  if (!preview.hidden) showChecking();
}

function showChecking() {
  previewSeq++;
  lastPreview = null;
  preview.hidden = false;
  preview.dataset.state = 'checking';
  replaceChildren(previewBody, h('div', { class: 'muted small', text: t('officer.previewChecking') }));
}

function hidePreview() {
  previewSeq++;
  lastPreview = null;
  preview.hidden = true;
  preview.dataset.state = '';
  replaceChildren(previewBody);
}

async function runPreview() {
  previewTimer = null;
  const body = previewBodyOf();
  if (!body) return hidePreview();
  showChecking();
  const seq = previewSeq;
  try {
    const v = await api('POST /api/requests/preview', { body });
    if (seq !== previewSeq) return;
    lastPreview = v;
    renderPreview(v);
  } catch {
    // A preview is a help, not a gate: on a refusal of the input (the form says why on submit),
    // a rate limit or a lost link, show none rather than a stale one.
    if (seq === previewSeq) hidePreview();
  }
}

/** @param {boolean} ok @param {string} yes @param {string} no */
function verdict(ok, yes, no) {
  return h('span', { class: `badge ${ok ? 'status awaiting-approval' : 'status unservable'}`, dataset: { ok: String(ok) }, text: t(ok ? yes : no) });
}

/** @param {FeasibilityView} v */
function renderPreview(v) {
  preview.hidden = false;
  preview.dataset.state = v.feasible ? 'feasible' : v.refused ? 'refused' : 'waiting';
  replaceChildren(
    previewBody,
    h(
      'div',
      { class: 'verdicts' },
      verdict(v.reachable, 'officer.previewReachable', 'officer.previewUnreachable'),
      verdict(v.withinPayload, 'officer.previewPayloadOk', 'officer.previewPayloadOver'),
    ),
    v.feasible && v.depot && v.droneId
      ? h('div', {
          class: 'preview-plan',
          text: t('officer.previewPlan', {
            depot: v.depot,
            drone: v.droneName ?? v.droneId,
            distance: fmtDistance(v.distanceM),
            duration: fmtDuration(v.flightTimeS),
            eta: etaText(v.etaAt),
          }),
        })
      : null,
    v.feasible ? null : h('div', { class: 'small', text: t(v.refused ? 'officer.previewRefused' : 'officer.previewWaiting') }),
    v.feasible
      ? null
      : h(
          'ul',
          { class: 'preview-reasons small' },
          droneReasons(v.reasons).map((text) => h('li', { text })),
        ),
  );
}

$('#weightKg', HTMLInputElement).addEventListener('input', schedulePreview);
coordsInput.addEventListener('input', schedulePreview);
nameSelect.addEventListener('change', schedulePreview);

// ---- form -----------------------------------------------------------------------------------
// One Idempotency-Key per form fill: a double click or a retry after a lost answer sends the same
// key, so the service creates one request. A new key only after the service has answered.
let idempotencyKey = randomId();
let submitting = false;
// After a request was queued the form is emptied; a second tap on "submit" (a phone user checking
// it went) must not send the empty form and paint every field red. Submit does nothing until the
// form is touched again.
let sentAndUnchanged = false;
function formChanged() {
  sentAndUnchanged = false;
}

/**
 * The control that shows a field's error (and takes the focus).
 * @param {Field} field
 * @returns {HTMLElement | null}
 */
function fieldInput(field) {
  if (field === 'dropPoint') return nameSelect.value ? nameSelect : coordsInput;
  if (field === 'urgency') return form.querySelector('input[name=urgency]');
  return document.getElementById(field);
}

/** @param {Field} field @param {string} message */
function setFieldError(field, message) {
  const box = document.getElementById(`${field}-error`);
  if (box) box.textContent = message;
  const input = fieldInput(field);
  if (input) input.setAttribute('aria-invalid', 'true');
  if (field === 'dropPoint') {
    nameSelect.setAttribute('aria-invalid', 'true');
    coordsInput.setAttribute('aria-invalid', 'true');
  }
}

/** @param {Field} field */
function clearFieldError(field) {
  const box = document.getElementById(`${field}-error`);
  if (box) box.textContent = '';
  for (const el of form.querySelectorAll(`[aria-describedby~="${field}-error"]`)) el.removeAttribute('aria-invalid');
  if (field === 'dropPoint') {
    nameSelect.removeAttribute('aria-invalid');
    coordsInput.removeAttribute('aria-invalid');
  }
  for (const el of form.querySelectorAll(`#${field}`)) el.removeAttribute('aria-invalid');
}

function clearErrors() {
  for (const f of FIELDS) clearFieldError(f);
  notice.textContent = '';
  notice.className = 'notice';
}

for (const f of FIELDS) {
  const el = document.getElementById(f);
  if (el) el.addEventListener('input', () => clearFieldError(f));
}
// A new fill starts: the "queued" note of the previous one has done its job (the list is live).
form.addEventListener('input', () => {
  formChanged();
  if (notice.classList.contains('ok')) {
    notice.textContent = '';
    notice.className = 'notice';
  }
});
form.addEventListener('change', (ev) => {
  formChanged();
  if (ev.target instanceof HTMLInputElement && ev.target.name === 'urgency') clearFieldError('urgency');
});

/**
 * Read the form; returns { body, errors } with errors keyed by field (already translated), and
 * body null while there are errors.
 * @returns {{ body: DropRequestBody | null, errors: Partial<Record<Field, string>> }}
 */
function readForm() {
  /** @type {Partial<Record<Field, string>>} */
  const errors = {};
  const recipient = $('#recipient', HTMLInputElement).value.trim();
  const phone = $('#phone', HTMLInputElement).value.trim();
  const medicine = $('#medicine', HTMLInputElement).value.trim();
  const weightText = $('#weightKg', HTMLInputElement).value.trim();
  const notes = $('#notes', HTMLTextAreaElement).value.trim();
  const checked = form.querySelector('input[name=urgency]:checked');
  const urgency = URGENCIES.find((u) => checked instanceof HTMLInputElement && checked.value === u);
  if (!recipient) errors.recipient = t('validate.required');
  if (!phone) errors.phone = t('validate.required');
  // the service's rule (PHONE_PATTERN in src/web/schema-kit.ts): at least 3 digits
  else if (!/^(?=(?:[^0-9]*[0-9]){3})[0-9 +\-()]{5,32}$/.test(phone)) errors.phone = t('validate.phone');
  if (!medicine) errors.medicine = t('validate.required');
  const weightKg = Number(weightText);
  if (!weightText) errors.weightKg = t('validate.required');
  else if (!Number.isFinite(weightKg) || weightKg <= 0 || weightKg > 25) errors.weightKg = t('validate.weight');
  if (!urgency) errors.urgency = t('validate.required');
  /** @type {DropRequestBody['dropPoint'] | null} */
  let dropPoint = null;
  if (nameSelect.value) dropPoint = { name: nameSelect.value };
  else if (coordsInput.value.trim()) {
    dropPoint = typedPoint();
    if (!dropPoint) errors.dropPoint = t('validate.coords');
  } else errors.dropPoint = t('validate.dropPoint');
  if (!dropPoint || !urgency) return { body: null, errors };
  /** @type {DropRequestBody} */
  const body = { recipient, phone, dropPoint, medicine, weightKg, urgency };
  if (notes) body.notes = notes;
  return { body, errors };
}

/**
 * The API names fields as dotted paths ("dropPoint.lat"); the form knows the first part.
 * @param {string | null} apiField
 * @returns {Field | null}
 */
function formField(apiField) {
  const head = String(apiField ?? '')
    .replace(/^body\./, '')
    .split(/[.[]/)[0];
  return FIELDS.find((f) => f === head) ?? null;
}

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  if (submitting || sentAndUnchanged) return;
  clearErrors();
  const { body, errors } = readForm();
  // In the order readForm found them (the first one takes the focus).
  const bad = Object.keys(errors)
    .map((key) => FIELDS.find((f) => f === key))
    .filter((f) => f !== undefined);
  if (bad.length || !body) {
    for (const f of bad) setFieldError(f, errors[f] ?? '');
    if (bad[0]) fieldInput(bad[0])?.focus();
    return;
  }
  submitting = true;
  submitButton.disabled = true;
  submitButton.textContent = t('officer.submitting');
  try {
    const created = await api('POST /api/requests', { body, headers: { 'idempotency-key': idempotencyKey } });
    idempotencyKey = randomId();
    upsert(created);
    form.reset();
    hidePreview();
    nameSelect.value = '';
    if (target) {
      target.remove();
      target = null;
      renderLegend();
    }
    sentAndUnchanged = true;
    // the confirmation replaces a one-off notice: it follows the request's status live
    pin(created.id);
    confirmation.scrollIntoView({ block: 'start' });
    confirmation.focus({ preventScroll: true });
  } catch (err) {
    if (err instanceof ApiError && err.status !== 0) idempotencyKey = randomId();
    const field = err instanceof ApiError && err.status === 400 ? formField(err.field) : null;
    if (field && err instanceof ApiError) {
      setFieldError(field, serverFieldMessage(field, err));
      fieldInput(field)?.focus();
    }
    notice.className = 'notice error';
    if (err instanceof ApiError && err.status === 422 && err.code === 'infeasible') {
      // Refused: nothing was stored and no code issued. Say why; keep every field as typed.
      replaceChildren(
        notice,
        h('div', { text: t('officer.refused') }),
        h(
          'ul',
          { class: 'refused-reasons' },
          droneReasons(err.reasons).map((text) => h('li', { text })),
        ),
      );
    } else notice.textContent = err instanceof ApiError && err.status === 0 ? t('officer.retry') : describeError(err);
  } finally {
    submitting = false;
    submitButton.disabled = false;
    submitButton.textContent = t('officer.submit');
  }
});

/** @param {Field} field @param {ApiError} err */
function serverFieldMessage(field, err) {
  if (field === 'dropPoint' && /name/.test(err.field ?? '')) return ruleMessage(err) ?? t('validate.dropPointUnknown', { detail: fieldProblem(err) });
  return t('validate.server', { detail: fieldProblem(err) });
}

// ---- my requests ----------------------------------------------------------------------------
/** @type {Map<number, DropRequestView>} */
const requests = new Map();

/** @param {DropRequestView} req */
function upsert(req) {
  if (!req || typeof req.id !== 'number') return;
  if (session.user.role === 'officer' && req.officer && req.officer.id !== session.user.id) return;
  requests.set(req.id, req);
  renderList();
}

/** @param {DropRequestView} req */
function requestCard(req) {
  const live = req.status === 'in-flight' && req.flight;
  const dp = req.dropPoint.name
    ? localName(req.dropPoint.name)
    : `${fmtCoords(req.dropPoint.lat, req.dropPoint.lon)}${req.dropPoint.crs !== 'wgs84' ? ` ${t('officer.crsConverted', { crs: t(`crs.${req.dropPoint.crs}`) })}` : ''}`;
  return h(
    'li',
    { class: `card ${req.urgency}`, id: `request-${req.id}`, dataset: { requestId: req.id, status: req.status, flightState: req.flight?.state ?? '' } },
    h(
      'div',
      { class: 'title' },
      h('span', { text: `#${req.id} ${req.recipient}` }),
      urgencyBadge(req.urgency),
      statusBadge(req.status),
      live ? flightStateBadge(live.state) : null,
    ),
    h('div', { text: `${req.medicine} · ${fmtWeight(req.weightKg)}` }),
    h('div', { class: 'meta', text: `${t('field.dropPoint')}: ${dp} · ${t('field.phone')}: ${req.phone}` }),
    h('div', { class: 'meta', text: `${t('officer.created')}: ${fmtTime(req.createdAt)}` }),
    req.plan
      ? h('div', {
          class: 'meta',
          text: t('officer.planLine', {
            depot: localName(req.plan.depot),
            drone: req.plan.droneName,
            distance: fmtDistance(req.plan.distanceM),
            duration: fmtDuration(req.plan.durationS),
          }),
        })
      : null,
    req.status === 'awaiting-approval' && req.queueEta
      ? h('div', { class: 'eta', text: `${t('eta.takeoff')}: ${etaText(req.queueEta.takeoffAt)} · ${t('eta.arrival')}: ${etaText(req.queueEta.arrivalAt)}` })
      : req.eta && ['awaiting-approval', 'in-flight'].includes(req.status)
        ? h('div', { class: 'eta', text: `${t('officer.eta')}: ${etaText(req.eta)}` })
        : null,
    req.status === 'delivered' && req.delivery
      ? h('div', { class: 'meta', text: t('officer.deliveredAt', { time: fmtTime(req.delivery.at), distance: fmtDistance(req.delivery.distanceM) }) })
      : null,
    req.delivery?.confirmedAt ? h('div', { class: 'notice ok', text: t('officer.confirmed', { time: fmtTime(req.delivery.confirmedAt) }) }) : null,
    outcomeNode(req.statusReasonText, req.statusReason)
      ? h('div', { class: 'meta' }, `${t('officer.reason')}${t('punct.colon')}`, outcomeNode(req.statusReasonText, req.statusReason))
      : null,
    req.status === 'unservable' && req.reasons?.length
      ? h(
          'ul',
          { class: 'small' },
          droneReasons(req.reasons).map((text) => h('li', { text })),
        )
      : null,
    req.handoverCode
      ? h(
          'div',
          {},
          h('span', { class: 'meta', text: `${t('officer.handoverCode')}: ` }),
          h('span', { class: 'code mono', dataset: { handoverCode: req.handoverCode }, text: req.handoverCode }),
          h('div', { class: 'meta small', text: t('officer.handoverHint', { id: req.id }) }),
        )
      : null,
    h(
      'div',
      { class: 'actions' },
      req.flight ? h('a', { class: 'button', href: `/track.html?id=${encodeURIComponent(req.flight.id)}`, text: t('officer.track') }) : null,
      req.plan?.route?.length ? h('button', { type: 'button', class: 'show-route', text: t('officer.showRoute'), on: { click: () => showRoute(req) } }) : null,
      ['planning', 'awaiting-approval', 'unservable'].includes(req.status)
        ? h('button', { type: 'button', class: 'cancel', text: t('officer.cancel'), on: { click: () => cancel(req) } })
        : null,
    ),
  );
}

// The planned route of one request on the form's map (depot → drop point → depot).
/** @type {import('leaflet').LayerGroup | null} */
let routeLayer = null;
/** @param {DropRequestView} req */
function showRoute(req) {
  if (!req.plan) return;
  const route = latLngs(req.plan.route);
  routeLayer?.remove();
  routeLayer = L.layerGroup([
    L.polyline(route, STYLE.route),
    L.marker([req.dropPoint.lat, req.dropPoint.lon], { icon: pinIcon('#d81b60'), keyboard: false }).bindTooltip(textTip(`#${req.id} ${req.recipient}`)),
  ]).addTo(map);
  renderLegend();
  map.fitBounds(L.latLngBounds(route).pad(0.2), { animate: false });
  $('#officer-map').scrollIntoView({ block: 'center' });
}

/** @param {DropRequestView} req */
async function cancel(req) {
  if (!confirm(t('officer.cancelConfirm', { id: req.id }))) return;
  try {
    upsert(await api('DELETE /api/requests/:id', { params: { id: req.id } }));
  } catch (err) {
    $('#list-notice').textContent = describeError(err);
  }
}

// ---- the pinned confirmation ------------------------------------------------------------------
const confirmation = $('#confirmation');
/** Remembered for the tab (a reload keeps it pinned), not across log-ins. */
const PINNED_KEY = 'medidrop.pinnedRequest';
/** @type {number | null} */
let pinnedId = Number(sessionStorage.getItem(PINNED_KEY)) || null;

/** @param {number} id */
function pin(id) {
  pinnedId = id;
  sessionStorage.setItem(PINNED_KEY, String(id));
  renderConfirmation();
}

function unpin() {
  pinnedId = null;
  sessionStorage.removeItem(PINNED_KEY);
  renderConfirmation();
}

/**
 * The ETA that means something for the request now: the queue's while it waits for approval,
 * the flight's once it flies; none before planning is done or once delivered.
 * @param {DropRequestView} req
 * @returns {string | null}
 */
function requestEta(req) {
  if (req.status === 'awaiting-approval' && req.queueEta) return t('confirm.etaQueue', { eta: etaText(req.queueEta.arrivalAt) });
  if (req.status === 'in-flight' && req.eta) return t('confirm.etaFlight', { eta: etaText(req.eta) });
  return null;
}

function renderConfirmation() {
  const req = pinnedId !== null ? requests.get(pinnedId) : undefined;
  confirmation.hidden = !req;
  if (!req) {
    replaceChildren(confirmation);
    return;
  }
  confirmation.dataset.requestId = String(req.id);
  confirmation.dataset.status = req.status;
  const eta = requestEta(req);
  replaceChildren(
    confirmation,
    h(
      'div',
      { class: 'title' },
      h('strong', { id: 'confirmation-title', text: t('confirm.title', { id: req.id }) }),
      statusBadge(req.status),
      req.status === 'in-flight' && req.flight ? flightStateBadge(req.flight.state) : null,
    ),
    eta ? h('div', { id: 'confirmation-eta', class: 'eta', text: eta }) : null,
    req.status === 'delivered' && req.delivery
      ? h('div', { id: 'confirmation-delivered', text: t('confirm.deliveredAt', { time: fmtClock(req.delivery.at) }) })
      : null,
    req.handoverCode
      ? h('div', {}, h('span', { text: `${t('officer.handoverCode')}: ` }), h('span', { id: 'confirmation-code', class: 'code mono', text: req.handoverCode }))
      : null,
    h(
      'div',
      { class: 'actions' },
      req.flight ? h('a', { class: 'button', href: `/track.html?id=${encodeURIComponent(req.flight.id)}`, text: t('officer.track') }) : null,
      h('button', { type: 'button', id: 'confirmation-dismiss', text: t('confirm.dismiss'), on: { click: unpin } }),
    ),
  );
}

function renderList() {
  renderConfirmation();
  const list = [...requests.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id - a.id);
  renderKeyed($('#request-list'), list, { key: (r) => r.id, sig: (r) => JSON.stringify(r), render: requestCard });
  $('#request-empty').hidden = list.length > 0;
}

async function loadRequests() {
  try {
    const { requests: list } = await api('GET /api/requests');
    requests.clear();
    for (const r of list) upsert(r);
    renderList();
    $('#list-notice').textContent = '';
  } catch (err) {
    $('#list-notice').textContent = describeError(err);
  }
}

onLanguageChange(() => {
  resetKeyed($('#request-list'));
  renderList();
  renderDropPointOptions();
  renderLegend();
  if (!submitting) submitButton.textContent = t('officer.submit');
  if (lastPreview) renderPreview(lastPreview);
});

await loadZoneMap();
subscribe(
  '/api/events',
  {
    request: upsert,
    // the queue's ETAs moved (a flight landed, a critical request jumped ahead …)
    queue: ({ etas }) => {
      const byId = new Map(etas.map((e) => [e.requestId, e]));
      for (const req of [...requests.values()]) {
        if (req.status !== 'awaiting-approval') continue;
        const e = byId.get(req.id);
        upsert({ ...req, queueEta: e ? { droneId: e.droneId, takeoffAt: e.takeoffAt, arrivalAt: e.arrivalAt } : null });
      }
    },
    flight: (flight) => {
      const req = requests.get(flight.requestId);
      if (req) upsert({ ...req, flight: { id: flight.id, state: flight.state }, eta: flight.eta ?? req.eta });
    },
  },
  { onStatus: setLinkStatus, onReconnect: loadRequests },
);
await loadRequests();
// "about N min" counts down without any event
setInterval(() => {
  resetKeyed($('#request-list'));
  renderList();
}, 30_000);
document.body.dataset.ready = 'true';
