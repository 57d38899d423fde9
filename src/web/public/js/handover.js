// @ts-check
// Public hand-over: the recipient types the request number and the 6-digit code the officer gave
// them; the service checks it (rate-limited) and records the hand-over.
import { $, param } from './dom.js';
import { t, fmtTime } from './i18n.js';
import { api, describeError, ApiError } from './api.js';
import { startPage } from './layout.js';

await startPage(null);
const form = $('#handover-form');
const result = $('#handover-result');
const idInput = $('#request-id', HTMLInputElement);
const codeInput = $('#handover-code', HTMLInputElement);
const submit = $('#handover-submit', HTMLButtonElement);
const requestParam = param('request');
if (requestParam) idInput.value = requestParam;

/** @param {HTMLInputElement} input @param {string} box selector of its message @param {string} message */
function fieldError(input, box, message) {
  $(box).textContent = message;
  if (message) input.setAttribute('aria-invalid', 'true');
  else input.removeAttribute('aria-invalid');
}

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  result.className = 'notice';
  result.textContent = '';
  fieldError(idInput, '#request-id-error', '');
  fieldError(codeInput, '#handover-code-error', '');
  const requestId = Number(idInput.value.trim().replace(/^#/, ''));
  const code = codeInput.value.replace(/\s/g, '');
  let bad = false;
  if (!Number.isInteger(requestId) || requestId <= 0) {
    fieldError(idInput, '#request-id-error', t('handover.badId'));
    bad = true;
  }
  if (!/^\d{6}$/.test(code)) {
    fieldError(codeInput, '#handover-code-error', t('handover.badCode'));
    bad = true;
  }
  if (bad) return;
  submit.disabled = true;
  try {
    const res = await api('POST /api/handover', { body: { requestId, code } });
    result.className = 'notice ok';
    result.textContent = t('handover.ok', { medicine: res.medicine, time: fmtTime(res.confirmedAt) });
    form.querySelectorAll('input').forEach((i) => {
      i.disabled = true;
    });
    return;
  } catch (err) {
    result.className = 'notice error';
    if (err instanceof ApiError && err.status === 400) {
      // said once, at the code field (the phone showed the same sentence twice, one under the other)
      result.className = 'notice';
      fieldError(codeInput, '#handover-code-error', t('handover.wrong'));
    } else if (err instanceof ApiError && err.status === 409) {
      result.textContent = t('handover.notYet');
    } else {
      result.textContent = describeError(err);
    }
  }
  submit.disabled = false;
});
