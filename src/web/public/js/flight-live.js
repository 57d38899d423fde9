// One flight, live: GET /api/flights/:id once, then /api/flights/:id/events (snapshot first)
// merged into a FlightView. No polling.
import { api } from './api.js';
import { subscribe } from './events.js';

export const STEPS = ['uploading', 'uploaded', 'arming', 'en-route', 'delivering', 'returning', 'landed', 'completed'];
export const FINAL = ['completed', 'aborted', 'failed'];

/**
 * Follow flight `id`. onChange(view, eventName, data) runs after every merged event.
 * Returns { view(), close() }.
 */
export function followFlight(id, onChange, { onStatus } = {}) {
  let view = null;
  const emit = (name, data) => { if (view) onChange(view, name, data); };
  const merge = {
    snapshot: (v) => { view = v; },
    position: (p) => {
      if (!view) return;
      const { routeFraction, eta, ...position } = p;
      view.position = position;
      if (typeof routeFraction === 'number') view.routeFraction = routeFraction;
      if (eta !== undefined) view.eta = eta;
    },
    state: (tr) => {
      if (!view) return;
      view.state = tr.to;
      view.transitions = [...(view.transitions ?? []), tr];
      if (FINAL.includes(tr.to) && tr.cause && tr.to !== 'completed') view.stateReason = view.stateReason ?? tr.cause;
    },
    battery: (b) => { if (view) view.batteryPct = b.remainingPct; },
    link: (l) => { if (view) view.link = { up: l.up, lastHeardAt: l.up ? l.t : view.link?.lastHeardAt ?? null }; },
    mode: (m) => { if (view) view.mode = m.mode; },
    alert: (a) => { if (view) view.alerts = [...(view.alerts ?? []), a]; },
    progress: (p) => { if (view) view.progress = p; },
    delivery: (d) => { if (view) view.delivery = d; },
    paused: (p) => { if (view) view.paused = p.paused; },
  };
  const handlers = {};
  for (const [name, fn] of Object.entries(merge)) handlers[name] = (data) => { fn(data); emit(name, data); };
  const reload = async () => {
    try {
      view = await api('GET', `/api/flights/${encodeURIComponent(id)}`);
      emit('snapshot', view);
    } catch (err) {
      onChange(null, 'error', err);
    }
  };
  const close = subscribe(`/api/flights/${encodeURIComponent(id)}/events`, handlers, { onStatus, onReconnect: reload });
  reload();
  return { view: () => view, close, reload, set: (v) => { view = v; emit('snapshot', v); } };
}
