// Server-sent events (EventSource): pushed updates only, no polling. EventSource reconnects by
// itself; after a reconnect the page re-reads its data once (events may have been missed).
import { me, toLogin } from './api.js';

/**
 * Subscribe to `url`. handlers: { eventName: (data) => void }. onStatus('up'|'down') reports
 * the stream's state; onReconnect() runs when the stream comes back after being down.
 * Returns a function that closes the stream.
 */
export function subscribe(url, handlers, { onStatus, onReconnect } = {}) {
  let source = null;
  let closed = false;
  let wasDown = false;
  let retryTimer = null;
  onStatus?.('connecting');

  const open = () => {
    source = new EventSource(url, { withCredentials: true });
    source.addEventListener('open', () => {
      onStatus?.('up');
      if (wasDown) onReconnect?.();
      wasDown = false;
    });
    source.addEventListener('error', () => {
      wasDown = true;
      onStatus?.('down');
      // EventSource retries by itself after a dropped connection, but gives up for good on an
      // error answer (a 401 after the session expired, a 5xx while the service restarts).
      if (source.readyState === EventSource.CLOSED && !closed) {
        clearTimeout(retryTimer);
        retryTimer = setTimeout(async () => {
          if (closed) return;
          if (!(await me().catch(() => true))) return toLogin();
          open();
        }, 5000);
      }
    });
    for (const [name, fn] of Object.entries(handlers)) {
      source.addEventListener(name, (ev) => {
        let data;
        try {
          data = JSON.parse(ev.data);
        } catch {
          return; // a malformed message is ignored, the stream goes on
        }
        fn(data);
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
