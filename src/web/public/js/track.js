// @ts-check
// Live tracking of one flight: the drone on the map, route flown vs planned, progress over the
// whole flight, state, ETA, battery, link, alerts — pushed by /api/flights/:id/events, never
// polled. Named by its request number (officers know requests), the flight second.
import { $, h, replaceChildren, param } from './dom.js';
import { t, onLanguageChange, fmtTime, fmtClock, fmtNumber, fmtDistance } from './i18n.js';
import { api, requireSession, config, describeError, HOME } from './api.js';
import { startPage, setLinkStatus } from './layout.js';
import { L, createMap, drawZoneMap, legend, STYLE, droneIcon, pinIcon, textTip } from './map.js';
import { flightStateBadge, alertText, outcomeNode, latLngs, etaText, fmtSpeed, fmtHeight } from './views.js';
import { followFlight, FINAL } from './flight-live.js';
import { createFlightControls } from './flight-controls.js';

/**
 * @typedef {import('../../api-types.js').FlightView} FlightView
 * @typedef {import('../../api-types.js').DropRequestView} DropRequestView
 * @typedef {import('../../api-types.js').LonLatPair} LonLatPair
 * @typedef {import('leaflet').LatLngTuple} LatLngTuple
 */

const session = await startPage(() => requireSession(['officer', 'pilot', 'admin']));
const cfg = await config();
const flightId = param('id');
const canControl = session.user.role === 'pilot';
$('#back-link', HTMLAnchorElement).href = HOME[session.user.role] ?? '/';

const map = createMap($('#track-map'), cfg);
/** @type {import('leaflet').Polyline | null} */
let planned = null;
/** @type {import('leaflet').Polyline | null} */
let flownLine = null;
/** @type {import('leaflet').Marker | null} */
let droneMarker = null;
/** @type {import('leaflet').Marker | null} */
let dropMarker = null;
/** @type {LatLngTuple[]} */
let flown = [];
let fitted = false;
/** @type {FlightView | null} */
let view = null;
/** @type {DropRequestView | null} */
let request = null;
/** @type {ReturnType<typeof createFlightControls> | null} */
let updateControls = null;

/** @param {string} id the flight */
async function loadBackground(id) {
  try {
    const zm = await api('GET /api/zone-map');
    zonePresent = drawZoneMap(map, zm.geojson, { fit: planned ? false : 'all' }).present;
    renderLegend();
  } catch {
    // the flight still shows without the zone map
  }
  try {
    const track = await api('GET /api/flights/:id/track', { params: { id } });
    flown = (track.points ?? []).map((p) => [p.lat, p.lon]);
    if (!planned && track.planned?.length) drawPlanned(track.planned);
  } catch {
    // no stored track yet
  }
  drawFlown();
}

/** @param {LonLatPair[] | null | undefined} route */
function drawPlanned(route) {
  if (planned || !route?.length) return;
  planned = L.polyline(latLngs(route), STYLE.planned)
    .bindTooltip(textTip(t('legend.planned')))
    .addTo(map);
  renderLegend();
  if (!fitted) {
    map.fitBounds(planned.getBounds().pad(0.3), { animate: false });
    fitted = true;
  }
}

function drawFlown() {
  if (!flown.length) return;
  if (flownLine) flownLine.setLatLngs(flown);
  else {
    flownLine = L.polyline(flown, STYLE.flown)
      .bindTooltip(textTip(t('legend.flown')))
      .addTo(map);
    renderLegend();
  }
}

/** @param {string} key @param {string} value @param {string} id */
function stat(key, value, id) {
  return h('div', { class: 'stat', id }, h('div', { class: 'k', text: t(key) }), h('div', { class: 'v', text: value }));
}

function render() {
  if (!view) return;
  replaceChildren($('#track-heading'), t('track.heading', { request: view.requestId }), request ? ` · ${request.recipient} · ${request.medicine}` : '');
  $('#track-heading').dataset.requestId = String(view.requestId);
  $('#track-subheading').textContent = t('track.flightLine', { flight: view.id, drone: view.drone.name });
  // An ETA only while it means something: to the drop point on the way there, to the landing at
  // home after that (the service says which); none on the ground before take-off or once landed.
  const eta = view.eta && !FINAL.includes(view.state) && view.state !== 'landed' ? view.eta : null;
  const etaEl = $('#track-eta');
  etaEl.dataset.etaTo = eta ? (view.etaTo ?? 'drop') : '';
  etaEl.textContent = eta ? t(view.etaTo === 'home' ? 'track.etaHome' : 'track.etaDrop', { eta: etaText(eta) }) : '';
  replaceChildren($('#track-state'), flightStateBadge(view.state));
  $('#track-state').dataset.state = view.state;
  replaceChildren($('#track-paused'), view.paused ? h('span', { class: 'badge status', text: t('flight.paused') }) : null);
  // whole percent, rounded down: "100 %" is the landing, never a drone still descending
  const pct = Math.floor(Math.max(0, Math.min(100, (view.routeFraction ?? 0) * 100)));
  const bar = $('#route-progress');
  bar.setAttribute('aria-valuenow', String(pct));
  $('#route-progress > div').style.width = `${pct}%`;
  const pos = view.position;
  replaceChildren(
    $('#track-stats'),
    stat('track.progress', `${fmtNumber(pct)}%`, 'stat-progress'),
    stat('track.battery', view.batteryPct == null ? '—' : `${fmtNumber(view.batteryPct)}%`, 'stat-battery'),
    // A finished flight is no longer followed: its link is not "lost", the flight is over.
    stat('track.link', t(FINAL.includes(view.state) ? 'link.ended' : view.link?.up ? 'link.up' : 'link.down'), 'stat-link'),
    stat('track.altitude', pos ? fmtHeight(pos.relAltM) : '—', 'stat-altitude'),
    stat('track.speed', pos ? fmtSpeed(pos.groundSpeedMs) : '—', 'stat-speed'),
    stat('track.mode', view.mode ?? '—', 'stat-mode'),
    stat('track.lastHeard', view.link?.lastHeardAt ? fmtClock(view.link.lastHeardAt) : '—', 'stat-heard'),
  );
  replaceChildren(
    $('#track-delivery'),
    view.delivery
      ? h('div', {
          class: 'notice ok',
          id: 'delivery-notice',
          text: t('track.delivered', { time: fmtTime(view.delivery.at), distance: fmtDistance(view.delivery.distanceM) }),
        })
      : null,
    view.stateReason && outcomeNode(view.stateReasonText, view.stateReason)
      ? h('div', { class: 'notice error' }, outcomeNode(view.stateReasonText, view.stateReason))
      : null,
  );
  const alerts = [...(view.alerts ?? [])].reverse();
  replaceChildren(
    $('#track-alerts'),
    alerts.map((a) => h('li', { class: a.severity }, h('span', { class: 'mono small', text: `${fmtClock(a.at)} ` }), alertText(a))),
  );
  $('#alerts-empty').hidden = alerts.length > 0;
  if (canControl) {
    $('#controls-panel').hidden = false;
    updateControls ??= createFlightControls($('#flight-controls'), { canControl, onUpdate: (v) => live?.set(v) });
    updateControls(view);
  }
}

function moveDrone() {
  const pos = view?.position;
  if (!view || !pos) return;
  /** @type {LatLngTuple} */
  const ll = [pos.lat, pos.lon];
  if (droneMarker) {
    droneMarker.setLatLng(ll);
    droneMarker.setIcon(droneIcon(pos.headingDeg));
  } else {
    droneMarker = L.marker(ll, { icon: droneIcon(pos.headingDeg), alt: t('legend.drone'), keyboard: false, zIndexOffset: 1000 }).addTo(map);
    renderLegend();
  }
  const label = `${view.drone.name} · ${fmtHeight(pos.relAltM)}`;
  if (droneMarker.getTooltip()) droneMarker.setTooltipContent(textTip(label));
  else droneMarker.bindTooltip(textTip(label));
  const last = flown[flown.length - 1];
  if (!last || last[0] !== ll[0] || last[1] !== ll[1]) {
    flown.push(ll);
    drawFlown();
  }
}

let requestAsked = false;
/** @param {number | null | undefined} requestId */
async function loadRequest(requestId) {
  if (requestAsked || requestId == null) return; // asked once: never a request per telemetry event
  requestAsked = true;
  try {
    const loaded = await api('GET /api/requests/:id', { params: { id: requestId } });
    request = loaded;
    const dp = loaded.dropPoint;
    // a keyboard-focusable marker (role=button) needs a name: Leaflet sets `alt` on <img> icons only
    const dpName = `${t('map.dropPoint')}: ${dp.name ?? `${dp.lat}, ${dp.lon}`}`;
    dropMarker ??= L.marker([dp.lat, dp.lon], { icon: pinIcon('#d81b60'), alt: dp.name ?? '', title: dpName })
      .bindTooltip(textTip(dpName))
      .addTo(map);
    renderLegend();
    render();
  } catch {
    // not allowed or gone: the map shows the flight without the request details
  }
}

/** @type {Set<import('./map.js').LegendEntry>} what the zone map drew (areas, depots, drop points) */
let zonePresent = new Set();
/** The legend lists what the map draws now: the zone map's kinds, then the flight's lines and markers once drawn. */
function renderLegend() {
  /** @type {Set<import('./map.js').LegendEntry>} */
  const present = new Set(zonePresent);
  if (planned) present.add('planned');
  if (flownLine) present.add('flown');
  if (droneMarker) present.add('drone');
  if (dropMarker) present.add('target');
  replaceChildren(
    $('#track-legend'),
    legend(['sealed', 'controlled', 'precaution', 'no-fly', 'depot', 'dropPoint', 'planned', 'flown', 'drone', 'target'], present),
  );
}

onLanguageChange(() => {
  render();
  renderLegend();
});
renderLegend();
/** @type {ReturnType<typeof followFlight> | null} */
let live = null;
if (!flightId) {
  $('#track-notice').textContent = t('track.notFound');
} else {
  await loadBackground(flightId);
  live = followFlight(
    flightId,
    (v, name, data) => {
      if (!v) {
        $('#track-notice').textContent = describeError(data);
        return;
      }
      view = v;
      $('#track-notice').textContent = '';
      drawPlanned(v.plannedRoute);
      if (name === 'snapshot' || name === 'position') moveDrone();
      loadRequest(v.requestId);
      render();
    },
    { onStatus: setLinkStatus },
  );
}
document.body.dataset.ready = 'true';
