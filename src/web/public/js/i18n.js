// @ts-check
// One string table per language (i18n/zh-CN.json, i18n/en.json). Chinese is the default; the
// choice is remembered in localStorage. Static markup names its strings with data-i18n*
// attributes; scripts call t(key, vars). Missing keys fall back to Chinese, then to the key.

/** @typedef {import('../../api-types.js').Lang} Lang */
/** @typedef {Record<string, string>} Table */

/** @type {Lang[]} */
export const LANGUAGES = ['zh-CN', 'en'];
const STORAGE_KEY = 'medidrop.lang';
/** @type {Map<Lang, Table>} */
const tables = new Map();
/** @type {Set<(lang: Lang) => void>} */
const listeners = new Set();
/** @type {Lang} */
let current = 'zh-CN';

/** @param {string | null} code @returns {code is Lang} */
const isLang = (code) => LANGUAGES.some((l) => l === code);

/** @param {Lang} lang */
async function loadTable(lang) {
  if (!tables.has(lang)) {
    const res = await fetch(`/i18n/${lang}.json`, { credentials: 'same-origin' });
    if (!res.ok) throw new Error(`cannot load strings for ${lang}: HTTP ${res.status}`);
    tables.set(lang, await res.json());
  }
  return tables.get(lang);
}

function storedLanguage() {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    if (stored && isLang(stored)) return stored;
  } catch {
    // storage disabled: fall through to the default
  }
  return 'zh-CN';
}

/** @param {Lang} code */
function remember(code) {
  try {
    localStorage.setItem(STORAGE_KEY, code);
  } catch {
    // storage disabled: switched for this page only
  }
}

export function lang() {
  return current;
}

/** Load the remembered language (and Chinese as the fallback) and translate the page. */
export async function initI18n() {
  const wanted = new URLSearchParams(location.search).get('lang');
  current = wanted && isLang(wanted) ? wanted : storedLanguage();
  if (wanted === current) remember(current); // a link with ?lang= sets the choice, like the selector
  await Promise.all([loadTable('zh-CN'), loadTable(current)]);
  applyI18n(document);
}

/** @param {string} next */
export async function setLanguage(next) {
  if (!isLang(next)) return;
  await loadTable(next);
  current = next;
  remember(next);
  applyI18n(document);
  for (const fn of listeners) fn(next);
}

/**
 * Called after every language switch (pages re-render their dynamic parts).
 * @param {(lang: Lang) => void} fn
 */
export function onLanguageChange(fn) {
  listeners.add(fn);
}

/**
 * Does the table have this key? (For optional translations such as check ids.)
 * @param {string} key
 */
export function has(key) {
  return (tables.get(current) ?? {})[key] !== undefined || (tables.get('zh-CN') ?? {})[key] !== undefined;
}

/**
 * The string `key` in the current language with `{name}` replaced from vars.
 * @param {string} key
 * @param {Record<string, unknown>} [vars]
 */
export function t(key, vars = {}) {
  const template = (tables.get(current) ?? {})[key] ?? (tables.get('zh-CN') ?? {})[key] ?? key;
  return String(template).replace(/\{(\w+)\}/g, (m, name) => (vars[name] === undefined ? m : String(vars[name])));
}

/**
 * Translate data-i18n (text), data-i18n-placeholder, data-i18n-aria-label, data-i18n-title.
 * @param {ParentNode} root
 */
export function applyI18n(root) {
  document.documentElement.lang = current;
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.getAttribute('data-i18n') ?? '');
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.setAttribute('placeholder', t(el.getAttribute('data-i18n-placeholder') ?? ''));
  for (const el of root.querySelectorAll('[data-i18n-aria-label]')) el.setAttribute('aria-label', t(el.getAttribute('data-i18n-aria-label') ?? ''));
  for (const el of root.querySelectorAll('[data-i18n-title]')) el.setAttribute('title', t(el.getAttribute('data-i18n-title') ?? ''));
  const titleKey = document.body?.dataset.titleKey;
  if (titleKey) document.title = `${t(titleKey)} · ${t('app.name')}`;
}

// ---- formatting -------------------------------------------------------------------------------

/**
 * @param {unknown} n
 * @param {number} [digits]
 */
export function fmtNumber(n, digits = 0) {
  if (typeof n !== 'number' || !Number.isFinite(n)) return '—';
  return new Intl.NumberFormat(current, { maximumFractionDigits: digits, minimumFractionDigits: digits }).format(n);
}

/** @param {unknown} m metres */
export function fmtDistance(m) {
  if (typeof m !== 'number' || !Number.isFinite(m)) return '—';
  return m >= 1000 ? t('unit.km', { n: fmtNumber(m / 1000, 2) }) : t('unit.m', { n: fmtNumber(m) });
}

/** @param {unknown} s seconds */
export function fmtDuration(s) {
  if (typeof s !== 'number' || !Number.isFinite(s)) return '—';
  const total = Math.max(0, Math.round(s));
  const min = Math.floor(total / 60);
  const sec = total % 60;
  return min > 0 ? t('unit.minSec', { min, sec: String(sec).padStart(2, '0') }) : t('unit.sec', { n: sec });
}

/** @param {string | null | undefined} iso */
export function fmtTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  return new Intl.DateTimeFormat(current, { month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit' }).format(d);
}

/** @param {string | null | undefined} iso */
export function fmtClock(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  return new Intl.DateTimeFormat(current, { hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(d);
}

/**
 * A place name in the reader's language. Zone maps name places bilingually, "English 中文"
 * (Chengzhong Police Station 城中派出所): zh-CN readers get the Chinese part, English readers the
 * English part; any other name is returned as it is.
 * @param {string} name
 */
export function localName(name) {
  // split at the last space before the first Chinese character: "G109 highway checkpoint G109国道检查站"
  const firstHan = name.search(/[\u3400-\u9fff]/u);
  if (firstHan <= 0) return name;
  const cut = name.lastIndexOf(' ', firstHan);
  if (cut <= 0) return name;
  const latin = name.slice(0, cut).trim();
  const han = name.slice(cut + 1).trim();
  if (!/[A-Za-z]/.test(latin) || /[\u3400-\u9fff]/u.test(latin)) return name;
  return current === 'zh-CN' ? han : latin;
}
