// @ts-check
// Server-sent events (EventSource): pushed updates only, no polling. EventSource reconnects by
// itself; after a reconnect the page re-reads its data once (events may have been missed).
import { me, toLogin } from './api.js';

/**
 * @typedef {import('../../api-types.js').ServiceEvents} ServiceEvents
 * @typedef {import('../../api-types.js').FlightEvents} FlightEvents
 * @typedef {'connecting' | 'up' | 'down'} StreamStatus
 */
/**
 * The two streams (api-types.ts): GET /api/events sends ServiceEvents, GET /api/flights/:id/events
 * sends FlightEvents; each event's data is the payload its name says.
 * @typedef {'/api/events' | `/api/flights/${string}/events`} StreamUrl
 */
/**
 * @template {StreamUrl} U
 * @typedef {U extends '/api/events' ? ServiceEvents : FlightEvents} EventsOf
 */
/**
 * @template E
 * @typedef {{ [K in keyof E]?: (data: E[K]) => void }} EventHandlers
 */

/**
 * Subscribe to `url`. handlers: { eventName: (data) => void }. onStatus('up'|'down') reports
 * the stream's state; onReconnect() runs when the stream comes back after being down.
 * Returns a function that closes the stream.
 * @template {StreamUrl} U
 * @param {U} url
 * @param {EventHandlers<EventsOf<U>>} handlers
 * @param {{ onStatus?: (status: StreamStatus) => void, onReconnect?: () => void }} [options]
 * @returns {() => void}
 */
export function subscribe(url, handlers, { onStatus, onReconnect } = {}) {
  /** @type {EventSource | null} */
  let source = null;
  let closed = false;
  let wasDown = false;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let retryTimer;
  onStatus?.('connecting');

  const open = () => {
    const stream = new EventSource(url, { withCredentials: true });
    source = stream;
    stream.addEventListener('open', () => {
      onStatus?.('up');
      if (wasDown) onReconnect?.();
      wasDown = false;
    });
    stream.addEventListener('error', () => {
      wasDown = true;
      onStatus?.('down');
      // EventSource retries by itself after a dropped connection, but gives up for good on an
      // error answer (a 401 after the session expired, a 5xx while the service restarts).
      if (stream.readyState === EventSource.CLOSED && !closed) {
        clearTimeout(retryTimer);
        retryTimer = setTimeout(async () => {
          if (closed) return;
          if (!(await me().catch(() => true))) return toLogin();
          open();
        }, 5000);
      }
    });
    for (const [name, fn] of Object.entries(handlers)) {
      stream.addEventListener(name, (ev) => {
        let data;
        try {
          data = JSON.parse(ev.data);
        } catch {
          return; // a malformed message is ignored, the stream goes on
        }
        // The service sends, under each event name, the payload the contract gives that name.
        fn?.(data);
      });
    }
  };
  open();
  const close = () => {
    closed = true;
    clearTimeout(retryTimer);
    source?.close();
  };
  addEventListener('pagehide', close);
  return close;
}
