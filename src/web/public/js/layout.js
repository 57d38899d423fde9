// @ts-check
// The top bar every page shares: product name, the role's pages, who is logged in, the
// language switch (remembered), the live-update indicator and log-out.
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
  replaceChildren(
    bar,
    // first stop of the Tab key: past the top bar straight to the page (WCAG 2.4.1 bypass blocks)
    h('a', { class: 'skip-link', href: `#${MAIN_ID}`, text: t('nav.skip') }),
    h('a', { class: 'brand', href: role ? HOME[role] : '/index.html', text: t('app.name') }),
    role
      ? h(
          'nav',
          { 'aria-label': t('nav.label') },
          (NAV[role] ?? []).map(([href, key]) => h('a', { href, text: t(key) })),
        )
      : null,
    session ? h('span', { id: 'link-status', class: `link-status ${linkState}`, role: 'status', text: t(`link.${linkState}`) }) : null,
    session ? h('span', { class: 'who', text: `${session.user.name} · ${t(`role.${role}`)}` }) : null,
    select,
    session
      ? h('button', {
          type: 'button',
          id: 'logout',
          text: t('nav.logout'),
          on: {
            click: async () => {
              await logout().catch(() => {});
              location.href = '/index.html';
            },
          },
        })
      : null,
  );
}

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
