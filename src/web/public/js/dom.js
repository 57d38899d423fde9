// Small DOM helpers. Data only ever reaches the page through textContent / attributes,
// never through innerHTML, so a recipient called "<script>" stays a name.

/**
 * Create an element. attrs: plain attributes, plus `class`, `text` (textContent),
 * `on` ({ event: handler }), `dataset`, and boolean properties (disabled, checked, hidden…).
 * children: nodes, strings (text nodes), null/undefined/false (skipped) or arrays of those.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = Array.isArray(value) ? value.filter(Boolean).join(' ') : String(value);
    else if (key === 'text') el.textContent = String(value);
    else if (key === 'on') for (const [ev, fn] of Object.entries(value)) el.addEventListener(ev, fn);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'style' && typeof value === 'object') Object.assign(el.style, value);
    else if (['disabled', 'checked', 'hidden', 'required', 'selected', 'readOnly', 'value'].includes(key)) el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

/** Replace every child of `el` with `children`. */
export function replaceChildren(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export function $(selector, root = document) {
  const el = root.querySelector(selector);
  if (!el) throw new Error(`missing element ${selector}`);
  return el;
}

/** Query parameter from the page URL. */
export function param(name) {
  return new URLSearchParams(location.search).get(name);
}

/** A random id for Idempotency-Key headers (crypto.randomUUID needs a secure context). */
export function randomId() {
  if (globalThis.crypto?.randomUUID && globalThis.isSecureContext) return crypto.randomUUID();
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Render a list keyed by id: an item whose signature has not changed keeps its element (focus,
 * a half-finished click and screen-reader position survive live updates), and elements are only
 * moved when the order really changed.
 */
export function renderKeyed(container, items, { key, sig, render }) {
  const cache = (container._keyed ??= new Map());
  const wanted = [];
  const seen = new Set();
  for (const item of items) {
    const k = String(key(item));
    const s = sig(item);
    seen.add(k);
    let entry = cache.get(k);
    if (!entry || entry.sig !== s) {
      const el = render(item);
      if (entry?.el.parentNode === container) container.replaceChild(el, entry.el);
      entry = { sig: s, el };
      cache.set(k, entry);
    }
    wanted.push(entry.el);
  }
  for (const [k, entry] of cache) {
    if (!seen.has(k)) {
      entry.el.remove();
      cache.delete(k);
    }
  }
  const current = [...container.children];
  const same = current.length === wanted.length && current.every((el, i) => el === wanted[i]);
  if (!same) for (const el of wanted) container.appendChild(el);
}

/** Forget what renderKeyed cached (after a language switch every card must be drawn again). */
export function resetKeyed(container) {
  container._keyed?.clear();
  container.replaceChildren();
}
