// @ts-check
// Small shared renderers: badges for urgency / status / flight state, translated reasons.
import { h } from './dom.js';
import { t, has, lang, localName, fmtNumber } from './i18n.js';

/**
 * @typedef {import('../../api-types.js').Urgency} Urgency
 * @typedef {import('../../api-types.js').RequestStatus} RequestStatus
 * @typedef {import('../../api-types.js').MissionStatus} MissionStatus
 * @typedef {import('../../api-types.js').FlightStatus} FlightStatus
 * @typedef {import('../../api-types.js').FlightAlertView} FlightAlertView
 * @typedef {import('../../api-types.js').LonLatPair} LonLatPair
 * @typedef {import('../../api-types.js').MissionDetail['checks'][number]} Check
 * @typedef {import('../../api-types.js').MissionDetail['reasons'][number]} Reason
 * @typedef {[lat: number, lon: number]} LatLngPair Leaflet's order
 */

/** @param {Urgency} urgency */
export function urgencyBadge(urgency) {
  return h('span', { class: `badge urgency-${urgency}`, dataset: { urgency }, text: t(`urgency.${urgency}`) });
}

/** @param {RequestStatus} status */
export function statusBadge(status) {
  return h('span', { class: `badge status ${status}`, dataset: { status }, text: t(`status.${status}`) });
}

/** @param {MissionStatus} status */
export function missionStatusBadge(status) {
  return h('span', { class: `badge status ${status}`, dataset: { missionStatus: status }, text: t(`mission.${status}`) });
}

/** @param {FlightStatus} state */
export function flightStateBadge(state) {
  return h('span', { class: `badge status ${state}`, dataset: { state }, text: t(`flight.${state}`) });
}

/**
 * A catalogue sentence with its values filled in, or null when the catalogue has no such key or the
 * values lack a name the sentence needs (old data): the caller then says less rather than something wrong.
 * @param {string} key
 * @param {Record<string, unknown> | null | undefined} params
 * @returns {string | null}
 */
export function sentence(key, params) {
  if (!has(key)) return null;
  const text = t(key, params ?? {});
  return /\{\w+\}/.test(text) ? null : text;
}

/** Params that are place names from the zone map ("English 中文"), said in the reader's language. */
const PLACE_PARAMS = ['depot', 'area', 'dropPoint', 'areas', 'name'];

/**
 * A message's values with its place names in the reader's language (a list "a, b" name by name).
 * @param {Record<string, unknown> | null | undefined} params
 * @returns {Record<string, unknown>}
 */
export function localParams(params) {
  /** @type {Record<string, unknown>} */
  const out = { ...(params ?? {}) };
  for (const k of PLACE_PARAMS) {
    const v = out[k];
    if (typeof v === 'string') out[k] = v.split(', ').map(localName).join(t('punct.listSep'));
  }
  return out;
}

/**
 * What the planner said in English, shown only to English readers: a page in another language says
 * the translated name alone rather than mix in English (the catalogue parity test keeps a sentence
 * for every code the planner gives, so this is only reached by plans stored by older versions).
 * @param {string} message
 */
function englishOnly(message) {
  return lang() === 'en' ? message : '';
}

/** @param {Reason} reason */
export function reasonText(reason) {
  return h('span', { text: reasonSentence(reason) });
}

/**
 * A reason in a sentence of the page's language, its numbers and names filled in from the
 * reason's params ("reasonDetail.<code>"); without a translated sentence (or a param it needs) the
 * short name (with the planner's English detail for English readers).
 * @param {Reason} reason
 * @returns {string}
 */
export function reasonSentence(reason) {
  const text = sentence(`reasonDetail.${reason.code}`, localParams(reason.params));
  if (text) return text;
  if (!has(`reason.${reason.code}`)) return reason.message;
  const extra = englishOnly(reason.message);
  return extra ? `${t(`reason.${reason.code}`)} — ${extra}` : t(`reason.${reason.code}`);
}

/**
 * Reasons given per drone, said once when every drone gives the same (same code, same numbers),
 * else prefixed with the drones that give it.
 * @param {Reason[]} reasons
 * @returns {string[]}
 */
export function droneReasons(reasons) {
  /** @type {Map<string, { reason: Reason, drones: string[] }>} */
  const groups = new Map();
  const everyDrone = new Set();
  for (const r of reasons) {
    const { droneId, droneName, depot, ...rest } = r.params ?? {};
    const drone = droneId === undefined ? null : String(droneName ?? droneId);
    if (drone) everyDrone.add(drone);
    // the depot stays in the key only when the sentence names it (range: "… km from {depot}")
    const named = has(`reasonDetail.${r.code}`) && t(`reasonDetail.${r.code}`).includes('{depot}');
    const key = JSON.stringify([r.code, rest, named ? depot : null, r.params ? null : r.message]);
    const g = groups.get(key) ?? { reason: r, drones: [] };
    if (drone && !g.drones.includes(drone)) g.drones.push(drone);
    groups.set(key, g);
  }
  return [...groups.values()].map(({ reason, drones }) =>
    drones.length === 0 || drones.length === everyDrone.size
      ? reasonSentence(reason)
      : t('officer.reasonByDrone', { drones: drones.join(', '), reason: reasonSentence(reason) }),
  );
}

/**
 * A check's name and its sentence in the page's language ("checkDetail.<detail>" with its numbers).
 * @param {Check} check
 */
export function checkText(check) {
  const name = has(`check.${check.id}`) ? t(`check.${check.id}`) : check.id;
  const detail = sentence(`checkDetail.${check.detail ?? check.id}`, localParams(check.params)) ?? englishOnly(check.message);
  return h('span', {}, h('strong', { text: name }), ' ', h('span', { class: 'muted small', text: detail }));
}

/**
 * An alert's values for its sentence: the failsafe's subsystem in words ("电池" / "Battery"); the
 * vehicle's own text and the reason a person typed are shown apart (alertText), not inside it.
 * @param {FlightAlertView['params'] | undefined} params
 * @returns {Record<string, unknown>}
 */
function alertParams(params) {
  /** @type {Record<string, unknown>} */
  const out = { ...(params ?? {}) };
  if (typeof out.what === 'string') {
    const key = `failsafeWhat.${out.what.replace(/\s+/g, '')}`;
    out.what = has(key) ? t(key) : t('failsafeWhat.other');
  }
  return out;
}

/**
 * An alert in the page's language: its sentence with its numbers ("alertDetail.<code>"), or its
 * name when the alert lacks them (stored before alerts carried codes; the service's English
 * detail then only for English readers). The vehicle's own STATUSTEXT (ArduPilot writes English)
 * and a reason a person typed follow as quoted data, marked so (data-vehicle-text, data-user-text).
 * @param {FlightAlertView} alert
 * @returns {HTMLElement}
 */
export function alertText(alert) {
  const code = alert.code ?? alert.kind;
  const params = alert.params ?? {};
  const detail = sentence(`alertDetail.${code}`, alertParams(params));
  const key = `alert.${alert.kind}`;
  let text = detail;
  if (!text && has(key)) {
    const extra = englishOnly(alert.message);
    text = extra ? `${t(key)} — ${extra}` : t(key);
  }
  if (!text) text = lang() === 'en' ? alert.message : t('alert.unknown');
  const vehicle = detail && typeof params.text === 'string' && params.text ? params.text : null;
  const typed = detail && typeof params.reason === 'string' && params.reason ? params.reason : null;
  return h(
    'span',
    { dataset: { alertCode: code } },
    text,
    vehicle ? h('span', { class: 'muted small' }, ` ${t('alert.vehicleSaid')}`, h('q', { lang: 'en', dataset: { vehicleText: '' }, text: vehicle })) : null,
    typed ? h('span', { class: 'muted small' }, ` ${t('alert.reasonGiven')}`, h('q', { dataset: { userText: '' }, text: typed })) : null,
  );
}

/**
 * Why a flight ended or a request was refused, in the page's language: the service's own reason
 * as "outcome.<code>" with its names and numbers; what a person typed, and what the autopilot or
 * the link said (English), follow quoted and marked as such (data-user-text, data-vehicle-text).
 * A reason without a code (one the service does not know, or a live one not reloaded yet) is
 * shown to English readers only, as the English the service stored.
 * @param {{ code: string | null, params: Record<string, string | number> } | null | undefined} o
 * @param {string | null | undefined} raw
 * @returns {HTMLElement | null}
 */
export function outcomeNode(o, raw) {
  if (!raw) return null;
  if (!o?.code) return lang() === 'en' ? h('span', { text: raw }) : null;
  const { typed, vehicle, ...rest } = o.params;
  const text = o.code === 'typed' ? '' : (sentence(`outcome.${o.code}`, localParams(rest)) ?? t(`outcome.${o.code}`));
  return h(
    'span',
    { dataset: { outcome: o.code } },
    text,
    typed !== undefined ? [text ? t('punct.colon') : '', h('q', { dataset: { userText: '' }, text: String(typed) })] : null,
    vehicle !== undefined
      ? h('span', { class: 'muted small' }, ` ${t('outcome.detail')}`, h('q', { lang: 'en', dataset: { vehicleText: '' }, text: String(vehicle) }))
      : null,
  );
}

/**
 * The same as plain text, for a sentence that takes it as a value: the technical detail (the link
 * layer's English error) only for English readers; a text without a code too.
 * @param {{ code: string | null, params: Record<string, string | number> } | null | undefined} o
 * @param {string} raw
 * @returns {string}
 */
export function outcomeString(o, raw) {
  if (!o?.code || o.code === 'typed') return o?.code === 'typed' ? raw : englishOnly(raw);
  const { typed, vehicle, ...rest } = o.params;
  const text = sentence(`outcome.${o.code}`, localParams(rest)) ?? englishOnly(raw);
  const extra = typed !== undefined ? `${t('punct.colon')}“${typed}”` : vehicle !== undefined ? englishOnly(`: ${vehicle}`) : '';
  return `${text}${extra}`;
}

/**
 * Leaflet polylines want [lat, lon]; the API gives [lon, lat].
 * @param {LonLatPair[] | null | undefined} lonLats
 * @returns {LatLngPair[]}
 */
export function latLngs(lonLats) {
  return (lonLats ?? []).map(([lon, lat]) => [lat, lon]);
}

/**
 * "lat, lon" → { lat, lon } or null. Accepts "36.6, 101.78", "36.6 101.78" and full-width commas.
 * @param {string} text
 * @returns {{ lat: number, lon: number } | null}
 */
export function parseCoords(text) {
  const m = String(text)
    .trim()
    .match(/^(-?\d+(?:\.\d+)?)\s*[,，\s]\s*(-?\d+(?:\.\d+)?)$/);
  if (!m) return null;
  const lat = Number(m[1]);
  const lon = Number(m[2]);
  if (!Number.isFinite(lat) || !Number.isFinite(lon) || lat < -90 || lat > 90 || lon < -180 || lon > 180) return null;
  return { lat, lon };
}

/** @param {number} lat @param {number} lon */
export function fmtCoords(lat, lon) {
  return `${lat.toFixed(6)}, ${lon.toFixed(6)}`;
}

/**
 * @typedef {import('../../api-types.js').DroneView} DroneView
 * @typedef {import('../../api-types.js').QueueEta} QueueEta
 */

/** @param {DroneView['state']} state */
export function droneStateBadge(state) {
  return h('span', { class: `badge status drone-${state}`, dataset: { droneState: state }, text: t(`fleet.state.${state}`) });
}

/** "HH:MM" of an ISO time. @param {string} iso */
function clockHM(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '—' : `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

/** "about N min (HH:MM)" / "约 N 分钟 (HH:MM)" from now to an ISO time. @param {string | null | undefined} iso */
export function etaText(iso) {
  if (!iso) return '—';
  // under a minute (or a little late) still reads "about 1 min": "about 0 min" says nothing
  const min = Math.max(1, Math.round((Date.parse(iso) - Date.now()) / 60_000));
  return t('eta.about', { min, time: clockHM(iso) });
}

/**
 * Units are catalogue entries ("unit.*"): the same unit in both languages, written the way each
 * language writes it (米/秒 beside 米, m/s beside m).
 * @param {number} ms
 */
export function fmtSpeed(ms) {
  return t('unit.ms', { n: fmtNumber(ms, 1) });
}

/** @param {number} m height or altitude */
export function fmtHeight(m) {
  return t('unit.m', { n: fmtNumber(m) });
}

/** @param {number} kg */
export function fmtWeight(kg) {
  return t('unit.kg', { n: fmtNumber(kg, 2) });
}

/** Take-off and arrival of a waiting request, and the drone expected to fly it. @param {QueueEta | null | undefined} q @param {string} [droneName] */
export function queueEtaText(q, droneName) {
  if (!q) return t('eta.none');
  return t('eta.line', { takeoff: etaText(q.takeoffAt), arrival: etaText(q.arrivalAt), drone: droneName ?? q.droneId });
}

/** One line of a drone's live facts: battery, link, last contact, when it is available. @param {DroneView} d */
export function droneFactsText(d) {
  const parts = [];
  const pct = d.battery?.remainingPct;
  if (pct == null) parts.push(t('fleet.batteryUnknown'));
  else if (d.battery?.voltageV != null) parts.push(t('fleet.batteryVolts', { pct: Math.round(pct), volts: d.battery.voltageV.toFixed(1) }));
  else parts.push(t('fleet.battery', { pct: Math.round(pct) }));
  parts.push(t(d.link.up === null ? 'fleet.linkNone' : d.link.up ? 'fleet.linkUp' : 'fleet.linkDown'));
  if (d.lastContactAt) parts.push(t('fleet.lastContact', { time: clockHM(d.lastContactAt) }));
  if (d.state !== 'available' && d.availableAt) parts.push(t('fleet.availableAt', { eta: etaText(d.availableAt) }));
  return parts.join(' · ');
}

/** A drone as a card line: name, depot, state badge, facts. @param {DroneView} d */
export function droneCard(d) {
  return h(
    'li',
    { class: 'card', id: `drone-${d.id}`, dataset: { droneId: d.id, droneState: d.state } },
    h('div', { class: 'title' }, h('span', { text: `${d.name} · ${localName(d.depot)}` }), droneStateBadge(d.state)),
    h('div', { class: 'meta', text: droneFactsText(d) }),
  );
}
