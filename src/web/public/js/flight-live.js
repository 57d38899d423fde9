// @ts-check
// One flight, live: GET /api/flights/:id once, then /api/flights/:id/events (snapshot first)
// merged into a FlightView. No polling.
import { api } from './api.js';
import { subscribe } from './events.js';

/**
 * @typedef {import('../../api-types.js').FlightView} FlightView
 * @typedef {import('../../api-types.js').FlightEvents} FlightEvents
 * @typedef {import('../../api-types.js').FlightStatus} FlightStatus
 * @typedef {import('./events.js').StreamStatus} StreamStatus
 */
/**
 * Called after every merged event with the merged view; with null, 'error' and the error when
 * the flight could not be read.
 * @typedef {(view: FlightView | null, eventName: keyof FlightEvents | 'error', data: unknown) => void} FlightListener
 */

/** @type {FlightStatus[]} */
export const STEPS = ['uploading', 'uploaded', 'arming', 'en-route', 'delivering', 'returning', 'landed', 'completed'];
/** @type {FlightStatus[]} */
export const FINAL = ['completed', 'aborted', 'failed', 'lost'];

/**
 * Follow flight `id`. onChange(view, eventName, data) runs after every merged event.
 * Returns { view(), close() }.
 * @param {string | number} id
 * @param {FlightListener} onChange
 * @param {{ onStatus?: (status: StreamStatus) => void }} [options]
 */
export function followFlight(id, onChange, { onStatus } = {}) {
  /** @type {FlightView | null} */
  let view = null;
  /** @param {keyof FlightEvents} name @param {unknown} data */
  const emit = (name, data) => {
    if (view) onChange(view, name, data);
  };
  /**
   * The handler for event `name`: merge its payload into the view, then tell onChange.
   * @template {keyof FlightEvents} K
   * @param {K} name
   * @param {(data: FlightEvents[K]) => void} merge
   * @returns {(data: FlightEvents[K]) => void}
   */
  const on = (name, merge) => (data) => {
    merge(data);
    emit(name, data);
  };
  const handlers = {
    snapshot: on('snapshot', (v) => {
      view = v;
    }),
    position: on('position', (p) => {
      if (!view) return;
      const { routeFraction, eta, etaTo, ...position } = p;
      view.position = position;
      if (typeof routeFraction === 'number') view.routeFraction = routeFraction;
      if (eta !== undefined) view.eta = eta;
      if (etaTo !== undefined) view.etaTo = etaTo;
    }),
    state: on('state', (tr) => {
      if (!view) return;
      view.state = tr.to;
      view.transitions = [...(view.transitions ?? []), tr];
      if (FINAL.includes(tr.to) && tr.cause && tr.to !== 'completed') {
        view.stateReason = view.stateReason ?? tr.cause;
        // the service's view carries why the flight ended as a code with params (stateReasonText),
        // which the pages translate; the transition has only the English cause
        void reload();
      }
    }),
    battery: on('battery', (b) => {
      if (view) view.batteryPct = b.remainingPct;
    }),
    link: on('link', (l) => {
      if (view) view.link = { up: l.up, lastHeardAt: l.up ? l.t : (view.link?.lastHeardAt ?? null) };
    }),
    mode: on('mode', (m) => {
      if (view) view.mode = m.mode;
    }),
    alert: on('alert', (a) => {
      if (view) view.alerts = [...(view.alerts ?? []), a];
      // the vehicle unreachable (or back), or the flight declared lost: the service's view says
      // what the pilot can still do (linkLost, state), so read it again
      if (a.kind === 'link-lost' || a.kind === 'declared-lost') void reload();
    }),
    progress: on('progress', (p) => {
      if (view) view.progress = p;
    }),
    delivery: on('delivery', (d) => {
      if (view) view.delivery = d;
    }),
    paused: on('paused', (p) => {
      if (view) view.paused = p.paused;
    }),
  };
  const reload = async () => {
    try {
      view = await api('GET /api/flights/:id', { params: { id } });
      emit('snapshot', view);
    } catch (err) {
      onChange(null, 'error', err);
    }
  };
  const close = subscribe(`/api/flights/${encodeURIComponent(id)}/events`, handlers, { onStatus, onReconnect: reload });
  reload();
  return {
    view: () => view,
    close,
    reload,
    /** @param {FlightView} v */
    set: (v) => {
      view = v;
      emit('snapshot', v);
    },
  };
}
