// @ts-check
// The top bar every page shares: product name, the role's pages, who is logged in, the
// language switch (remembered), the live-update indicator and log-out. One row on a phone: the
// pages, the user and log-out fold into a menu button there (css/app.css); the language switch and
// the live indicator stay in sight.
import { h, replaceChildren } from './dom.js';
import { t, lang, setLanguage, LANGUAGES, onLanguageChange, initI18n } from './i18n.js';
import { logout, HOME } from './api.js';

/**
 * @typedef {import('../../api-types.js').SessionResponse} SessionResponse
 * @typedef {import('../../api-types.js').Role} Role
 * @typedef {import('./events.js').StreamStatus | 'idle'} LinkState
 */

/** @type {Record<Role, [href: string, key: string][]>} */
const NAV = {
  officer: [['/officer.html', 'nav.officer']],
  pilot: [['/pilot.html', 'nav.pilot']],
  admin: [
    ['/admin.html', 'nav.admin'],
    ['/pilot.html', 'nav.pilot'],
  ],
};

/** @type {LinkState} */
let linkState = 'idle'; // shown once the page opens a live stream
/** @type {SessionResponse | null} */
let topbarSession = null;

const MAIN_ID = 'main';

/**
 * The skip link's target: the page's <main>, focusable by script only (tabindex -1) so following
 * the link moves keyboard focus there, not just the scroll position.
 */
function markMain() {
  const main = document.querySelector('main');
  if (!main || main.id === MAIN_ID) return;
  main.id = MAIN_ID;
  main.setAttribute('tabindex', '-1');
}

/** @param {SessionResponse | null} session */
export function renderTopbar(session) {
  markMain();
  topbarSession = session;
  const bar = document.getElementById('topbar');
  if (!bar) return;
  const role = session?.user?.role;
  /** @type {HTMLSelectElement} */
  const select = h(
    'select',
    { id: 'lang-select', 'aria-label': t('lang.label'), on: { change: () => setLanguage(select.value) } },
    LANGUAGES.map((code) => h('option', { value: code, selected: code === lang(), text: t(`lang.${code}`) })),
  );
  bar.classList.remove('open');
  /** @type {HTMLButtonElement | null} */
  const toggle = session
    ? h('button', {
        type: 'button',
        id: 'menu-toggle',
        class: 'menu-toggle',
        'aria-expanded': 'false',
        'aria-controls': 'topbar-menu',
        text: `☰ ${t('topbar.menu')}`,
        on: { click: () => setMenuOpen(bar, !bar.classList.contains('open')) },
      })
    : null;
  replaceChildren(
    bar,
    // first stop of the Tab key: past the top bar straight to the page (WCAG 2.4.1 bypass blocks)
    h('a', { class: 'skip-link', href: `#${MAIN_ID}`, text: t('nav.skip') }),
    h('a', { class: 'brand', href: role ? HOME[role] : '/index.html', text: t('app.name') }),
    session
      ? h(
          'div',
          { id: 'topbar-menu', class: 'menu' },
          role
            ? h(
                'nav',
                { 'aria-label': t('nav.label') },
                (NAV[role] ?? []).map(([href, key]) => h('a', { href, text: t(key) })),
              )
            : null,
          h('span', { class: 'who', text: `${session.user.name} · ${t(`role.${role}`)}` }),
          h('button', {
            type: 'button',
            id: 'logout',
            text: t('nav.logout'),
            on: {
              click: async () => {
                await logout().catch(() => {});
                location.href = '/index.html';
              },
            },
          }),
        )
      : null,
    session ? h('span', { id: 'link-status', class: `link-status ${linkState}`, role: 'status', text: t(`link.${linkState}`) }) : null,
    select,
    toggle,
  );
}

/** @param {HTMLElement} bar @param {boolean} open */
function setMenuOpen(bar, open) {
  bar.classList.toggle('open', open);
  document.getElementById('menu-toggle')?.setAttribute('aria-expanded', String(open));
}

// The phone menu closes on Escape (focus back on its button) and on a tap elsewhere.
document.addEventListener('keydown', (ev) => {
  const bar = document.getElementById('topbar');
  if (ev.key !== 'Escape' || !bar?.classList.contains('open')) return;
  setMenuOpen(bar, false);
  document.getElementById('menu-toggle')?.focus();
});
document.addEventListener('click', (ev) => {
  const bar = document.getElementById('topbar');
  if (bar?.classList.contains('open') && ev.target instanceof Node && !bar.contains(ev.target)) setMenuOpen(bar, false);
});

/**
 * Show whether live updates are flowing.
 * @param {LinkState} state
 */
export function setLinkStatus(state) {
  linkState = state;
  const el = document.getElementById('link-status');
  if (!el) return;
  el.className = `link-status ${state}`;
  el.textContent = t(`link.${state}`);
}

/**
 * Load strings, draw the top bar, keep it translated. Answers the session sessionLoader gives
 * (null for a public page, which passes no loader).
 * @overload
 * @param {null} sessionLoader
 * @returns {Promise<null>}
 */
/**
 * @overload
 * @param {() => Promise<SessionResponse>} sessionLoader
 * @returns {Promise<SessionResponse>}
 */
/**
 * @param {(() => Promise<SessionResponse>) | null} sessionLoader
 * @returns {Promise<SessionResponse | null>}
 */
export async function startPage(sessionLoader) {
  await initI18n();
  const session = sessionLoader ? await sessionLoader() : null;
  renderTopbar(session);
  onLanguageChange(() => renderTopbar(topbarSession));
  return session;
}
