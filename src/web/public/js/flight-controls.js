// Flight progress (upload → verify → arm → start → … → landed) and the pilot's abort (return
// home) and pause/resume buttons. Used on the review page after approval and on the tracking page.
import { h, replaceChildren } from './dom.js';
import { t, has, fmtNumber, fmtTime } from './i18n.js';
import { api, describeError } from './api.js';
import { STEPS, FINAL } from './flight-live.js';
import { flightStateBadge } from './views.js';

const AIRBORNE = ['en-route', 'delivering', 'returning'];

/** "upload:fence" → "上传 · 围栏"; unknown parts stay as they are. */
function phaseLabel(phase) {
  return String(phase).split(':').map((part) => (has(`phase.${part}`) ? t(`phase.${part}`) : part)).join(' · ');
}

/** Render `view` into `el`. canControl: the user may abort / pause (pilots, admins). */
export function renderFlightControls(el, view, { canControl, onUpdate }) {
  const reached = new Set((view.transitions ?? []).map((tr) => tr.to));
  reached.add(view.state);
  const currentIndex = STEPS.indexOf(view.state);
  const steps = h('ol', { class: 'steps', 'aria-label': t('flight.steps') },
    STEPS.map((step, i) => {
      let cls = '';
      if (step === view.state) cls = FINAL.includes(view.state) && view.state !== 'completed' ? 'failed' : 'active';
      else if (currentIndex >= 0 ? i < currentIndex : reached.has(step)) cls = 'done';
      if (view.state === 'completed') cls = 'done';
      return h('li', { class: cls, dataset: { step }, text: t(`flight.${step}`) });
    }));
  const p = view.progress;
  const showProgress = p && p.total > 0 && ['approved', 'uploading', 'uploaded', 'arming'].includes(view.state);
  const progress = showProgress
    ? h('div', { class: 'field' },
      h('div', { class: 'small', id: 'upload-progress-label', text: t('flight.phaseProgress', { phase: phaseLabel(p.phase), done: p.done, total: p.total }) }),
      h('div', { class: 'progress', role: 'progressbar', 'aria-labelledby': 'upload-progress-label', 'aria-valuemin': 0, 'aria-valuemax': p.total, 'aria-valuenow': p.done },
        h('div', { style: { width: `${Math.min(100, (100 * p.done) / p.total)}%` } })))
    : null;
  const status = h('p', { id: 'flight-state', dataset: { state: view.state } },
    `${t('flight.state')}: `, flightStateBadge(view.state),
    view.paused ? h('span', { class: 'badge status', text: ` ${t('flight.paused')}` }) : null,
    view.mode ? h('span', { class: 'muted small', text: ` · ${t('track.mode')}: ${view.mode}` }) : null);
  const reason = view.stateReason ? h('p', { class: 'notice error', text: `${t('officer.reason')}: ${view.stateReason}` }) : null;
  const airborne = view.airborneAt ? h('p', { class: 'small muted', text: `${t('flight.airborneAt')}: ${fmtTime(view.airborneAt)}` }) : null;
  const message = h('div', { class: 'notice error', role: 'alert' });

  let controls = null;
  if (canControl && !FINAL.includes(view.state) && view.state !== 'landed') {
    const run = async (button, path, body) => {
      button.disabled = true;
      message.textContent = '';
      try {
        onUpdate?.(await api('POST', `/api/flights/${encodeURIComponent(view.id)}/${path}`, body));
      } catch (err) {
        message.textContent = describeError(err);
      } finally {
        button.disabled = false;
      }
    };
    const canPause = AIRBORNE.includes(view.state);
    const pause = view.paused
      ? h('button', { type: 'button', id: 'resume-flight', class: 'warn', text: t('flight.resume'), on: { click: (e) => run(e.currentTarget, 'resume', {}) } })
      : h('button', { type: 'button', id: 'pause-flight', class: 'warn', disabled: !canPause, text: t('flight.pause'), on: { click: (e) => run(e.currentTarget, 'pause', {}) } });
    const reasonInput = h('input', { type: 'text', id: 'abort-reason', maxlength: 500, placeholder: t('flight.abortReasonPlaceholder') });
    const abort = h('button', {
      type: 'button', id: 'abort-flight', class: 'danger', text: t('flight.abort'),
      on: {
        click: (e) => {
          if (!confirm(t('flight.abortConfirm'))) return;
          const r = reasonInput.value.trim();
          run(e.currentTarget, 'abort', r ? { reason: r } : {});
        },
      },
    });
    controls = h('div', {},
      h('div', { class: 'field' }, h('label', { for: 'abort-reason', text: t('flight.abortReason') }), reasonInput),
      h('div', { class: 'row' }, abort, pause),
      h('p', { class: 'small muted', text: t('flight.abortHint') }));
  }
  const battery = view.batteryPct == null ? '—' : `${fmtNumber(view.batteryPct)}%`;
  const stats = h('p', { class: 'small', text: `${t('track.battery')}: ${battery} · ${t('track.link')}: ${t(view.link?.up ? 'link.up' : 'link.down')} · ${t('track.progress')}: ${fmtNumber((view.routeFraction ?? 0) * 100)}%` });
  replaceChildren(el, status, steps, progress, airborne, stats, reason, controls, message);
}
