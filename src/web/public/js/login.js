// @ts-check
// The log-in page: name and password, then on to the page the user came from (or their home page).
import { $ } from './dom.js';
import { t } from './i18n.js';
import { login, me, describeError, HOME, ApiError } from './api.js';
import { startPage } from './layout.js';

/** @param {import('../../api-types.js').Role} role */
function nextPage(role) {
  const next = new URLSearchParams(location.search).get('next');
  // Only same-site paths: never send the user to another host.
  if (next && next.startsWith('/') && !next.startsWith('//')) return next;
  return HOME[role] ?? '/index.html';
}

await startPage(null);
const existing = await me().catch(() => null);
if (existing) location.replace(nextPage(existing.user.role));

const form = $('#login-form');
const errorBox = $('#login-error');
const submit = $('#login-submit', HTMLButtonElement);
form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  errorBox.textContent = '';
  const username = $('#username', HTMLInputElement).value.trim();
  const password = $('#password', HTMLInputElement).value;
  if (!username || !password) {
    errorBox.textContent = t('login.missing');
    return;
  }
  submit.disabled = true;
  try {
    const session = await login(username, password);
    location.assign(nextPage(session.user.role));
  } catch (err) {
    // 401: wrong name or password; 403: the right password for an account an admin disabled
    errorBox.textContent =
      err instanceof ApiError && err.status === 401
        ? t('login.wrong')
        : err instanceof ApiError && err.code === 'forbidden'
          ? t('login.disabled')
          : describeError(err);
    submit.disabled = false;
  }
});
