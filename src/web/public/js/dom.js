// @ts-check
// Small DOM helpers. Data only ever reaches the page through textContent / attributes,
// never through innerHTML, so a recipient called "<script>" stays a name.

/**
 * What `h` and `replaceChildren` accept as children: a node, text, nothing, or a list of those
 * (append() takes lists of lists too; no page needs them and JSDoc cannot spell a recursive type).
 * @typedef {Node | string | number | null | undefined | false} Leaf
 * @typedef {Leaf | Leaf[]} Child
 */
/**
 * @typedef {{ [K in keyof HTMLElementEventMap]?: (ev: HTMLElementEventMap[K]) => void }} Handlers
 * @typedef {object} SpecialAttrs
 * @property {string} [class]
 * @property {unknown} [text] textContent
 * @property {Handlers} [on]
 * @property {Record<string, string | number>} [dataset]
 * @property {Partial<CSSStyleDeclaration>} [style]
 * @typedef {SpecialAttrs & Record<string, unknown>} Attrs
 */

const PROPERTIES = ['disabled', 'checked', 'hidden', 'required', 'selected', 'readOnly', 'value'];

/**
 * Create an element. attrs: plain attributes, plus `class`, `text` (textContent),
 * `on` ({ event: handler }), `dataset`, and boolean properties (disabled, checked, hidden…).
 * children: nodes, strings (text nodes), null/undefined/false (skipped) or arrays of those.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Attrs | null} [attrs]
 * @param {...Child} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  const given = attrs ?? {};
  for (const [key, value] of Object.entries(given)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = Array.isArray(value) ? value.filter(Boolean).join(' ') : String(value);
    else if (key === 'text') el.textContent = String(value);
    else if (key === 'on') {
      // Each handler takes the event its name says (Handlers); Object.entries loses that pairing.
      for (const [ev, fn] of Object.entries(given.on ?? {})) el.addEventListener(ev, /** @type {EventListener} */ (fn));
    } else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'style' && typeof value === 'object') Object.assign(el.style, value);
    else if (PROPERTIES.includes(key)) Object.assign(el, { [key]: value });
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

/** @param {Element} el @param {Child[]} children */
function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

/**
 * Replace every child of `el` with `children`.
 * @template {Element} E
 * @param {E} el
 * @param {...Child} children
 * @returns {E}
 */
export function replaceChildren(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/**
 * The page's element for `selector`, of the kind `type` (HTMLElement unless said: pass
 * HTMLInputElement for an input). A missing element or one of another kind is a broken page.
 * @overload
 * @param {string} selector
 * @returns {HTMLElement}
 */
/**
 * @template {Element} E
 * @overload
 * @param {string} selector
 * @param {new () => E} type
 * @returns {E}
 */
/**
 * @param {string} selector
 * @param {new () => Element} [type]
 * @returns {Element}
 */
export function $(selector, type = HTMLElement) {
  const el = document.querySelector(selector);
  if (!el) throw new Error(`missing element ${selector}`);
  if (!(el instanceof type)) throw new Error(`element ${selector} is not a ${type.name}`);
  return el;
}

/**
 * Query parameter from the page URL.
 * @param {string} name
 */
export function param(name) {
  return new URLSearchParams(location.search).get(name);
}

/** A random id for Idempotency-Key headers (crypto.randomUUID needs a secure context). */
export function randomId() {
  // The DOM types declare randomUUID always there; outside a secure context the browser leaves it out.
  if (typeof globalThis.crypto?.randomUUID === 'function' && globalThis.isSecureContext) return crypto.randomUUID();
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** @type {WeakMap<Element, Map<string, { sig: string, el: Element }>>} renderKeyed's elements, per container */
const keyedCache = new WeakMap();

/**
 * Render a list keyed by id: an item whose signature has not changed keeps its element (focus,
 * a half-finished click and screen-reader position survive live updates), and elements are only
 * moved when the order really changed.
 * @template T
 * @param {Element} container
 * @param {T[]} items
 * @param {{ key: (item: T) => string | number, sig: (item: T) => string, render: (item: T) => Element }} how
 */
export function renderKeyed(container, items, { key, sig, render }) {
  let cache = keyedCache.get(container);
  if (!cache) {
    cache = new Map();
    keyedCache.set(container, cache);
  }
  /** @type {Element[]} */
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

/**
 * Forget what renderKeyed cached (after a language switch every card must be drawn again).
 * @param {Element} container
 */
export function resetKeyed(container) {
  keyedCache.get(container)?.clear();
  container.replaceChildren();
}
