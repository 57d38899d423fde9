// Server-sent events (EventSource): pushed updates only, no polling. EventSource reconnects by
// itself; after a reconnect the page re-reads its data once (events may have been missed).

/**
 * Subscribe to `url`. handlers: { eventName: (data) => void }. onStatus('up'|'down') reports
 * the stream's state; onReconnect() runs when the stream comes back after being down.
 * Returns a function that closes the stream.
 */
export function subscribe(url, handlers, { onStatus, onReconnect } = {}) {
  const source = new EventSource(url, { withCredentials: true });
  let wasDown = false;
  onStatus?.('connecting');
  source.addEventListener('open', () => {
    onStatus?.('up');
    if (wasDown) onReconnect?.();
    wasDown = false;
  });
  source.addEventListener('error', () => {
    wasDown = true;
    onStatus?.('down');
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
  const close = () => source.close();
  addEventListener('pagehide', close);
  return close;
}
