// @ts-check
// Flight progress (upload → verify → arm → start → … → landed) and the pilot's abort (return
// home) and pause/resume buttons. Used on the review page after approval and on the tracking page.
// When the vehicle cannot be reached (after a restart), the pilot can declare the flight lost; a
// lost flight's drone is confirmed recovered here too (README "Restarts and lost flights").
// Built once and updated in place: telemetry arrives several times a second, and a button that is
// replaced under the pointer, or a reason field that loses what was typed, would fail the pilot.
import { h, replaceChildren } from './dom.js';
import { t, has, fmtClock, fmtNumber, fmtTime, onLanguageChange } from './i18n.js';
import { api, describeError } from './api.js';
import { STEPS, FINAL } from './flight-live.js';
import { flightStateBadge, outcomeNode, outcomeString } from './views.js';

/**
 * @typedef {import('../../api-types.js').FlightView} FlightView
 * @typedef {import('../../api-types.js').FlightStatus} FlightStatus
 */

/** @type {FlightStatus[]} */
const AIRBORNE = ['en-route', 'delivering', 'returning'];

/**
 * "upload:fence" → "上传 · 围栏"; unknown parts stay as they are.
 * @param {string} phase
 */
function phaseLabel(phase) {
  return String(phase)
    .split(':')
    .map((part) => (has(`phase.${part}`) ? t(`phase.${part}`) : part))
    .join(' · ');
}

/**
 * Controls inside `el`. canControl: the user may abort / pause (pilots). onUpdate(view) gets the
 * service's answer to a command. Returns update(view).
 * @param {HTMLElement} el
 * @param {{ canControl: boolean, onUpdate?: (view: FlightView) => void }} options
 * @returns {(view: FlightView | null) => void}
 */
export function createFlightControls(el, { canControl, onUpdate }) {
  /** @type {FlightView | null} */
  let view = null;
  const status = h('p', { id: 'flight-state' });
  const steps = h('ol', { class: 'steps' });
  const progressLabel = h('div', { class: 'small', id: 'upload-progress-label' });
  const progressFill = h('div');
  const progressBar = h('div', { class: 'progress', role: 'progressbar', 'aria-labelledby': 'upload-progress-label', 'aria-valuemin': 0 }, progressFill);
  const progress = h('div', { class: 'field', hidden: true }, progressLabel, progressBar);
  const airborne = h('p', { class: 'small muted', hidden: true });
  const stats = h('p', { class: 'small' });
  const reason = h('p', { class: 'notice error', hidden: true });
  const message = h('div', { class: 'notice error', role: 'alert' });

  const reasonLabel = h('label', { for: 'abort-reason' });
  const reasonInput = h('input', { type: 'text', id: 'abort-reason', maxlength: 500 });
  const abort = h('button', { type: 'button', id: 'abort-flight', class: 'danger' });
  const pause = h('button', { type: 'button', id: 'pause-flight', class: 'warn' });
  const resume = h('button', { type: 'button', id: 'resume-flight', class: 'warn', hidden: true });
  const hint = h('p', { class: 'small muted' });
  const controls = h(
    'div',
    { hidden: !canControl },
    h('div', { class: 'field' }, reasonLabel, reasonInput),
    h('div', { class: 'row' }, abort, pause, resume),
    hint,
  );

  // link down after a restart: declare lost (reason required, last known location optional)
  const linkLost = h('p', { class: 'notice error', role: 'alert', id: 'link-lost', hidden: true });
  const lostReasonLabel = h('label', { for: 'lost-reason' });
  const lostReasonInput = h('input', { type: 'text', id: 'lost-reason', maxlength: 500 });
  const lostWhereLabel = h('label', { for: 'lost-where' });
  const lostWhereInput = h('input', { type: 'text', id: 'lost-where', maxlength: 300 });
  const declareLost = h('button', { type: 'button', id: 'declare-lost', class: 'danger' });
  const lostControls = h(
    'div',
    { hidden: true },
    h('div', { class: 'field' }, lostReasonLabel, lostReasonInput),
    h('div', { class: 'field' }, lostWhereLabel, lostWhereInput),
    h('div', { class: 'row' }, declareLost),
  );
  // a lost flight: the pilot confirms where the drone is
  const lostHint = h('p', { class: 'small muted' });
  const noteLabel = h('label', { for: 'recovered-note' });
  const noteInput = h('input', { type: 'text', id: 'recovered-note', maxlength: 500 });
  const recovered = h('button', { type: 'button', id: 'drone-recovered', class: 'warn' });
  const recoveredDone = h('p', { class: 'notice', role: 'status', hidden: true });
  const recoverControls = h('div', { hidden: true }, lostHint, h('div', { class: 'field' }, noteLabel, noteInput), h('div', { class: 'row' }, recovered));

  let busy = false;
  /** @param {(flightId: number) => Promise<FlightView>} command */
  async function run(command) {
    if (!view || busy) return;
    busy = true;
    refreshButtons();
    message.textContent = '';
    try {
      const next = await command(view.id);
      onUpdate?.(next);
    } catch (err) {
      message.textContent = describeError(err);
    } finally {
      busy = false;
      refreshButtons();
    }
  }
  abort.addEventListener('click', () => {
    if (!confirm(t('flight.abortConfirm'))) return;
    const r = reasonInput.value.trim();
    run((id) => api('POST /api/flights/:id/abort', { params: { id }, body: r ? { reason: r } : {} }));
  });
  pause.addEventListener('click', () => run((id) => api('POST /api/flights/:id/pause', { params: { id }, body: {} })));
  resume.addEventListener('click', () => run((id) => api('POST /api/flights/:id/resume', { params: { id }, body: {} })));
  declareLost.addEventListener('click', () => {
    const r = lostReasonInput.value.trim();
    if (r.length < 3) {
      message.textContent = t('flight.declareLostReason');
      lostReasonInput.focus();
      return;
    }
    if (!confirm(t('flight.declareLostConfirm'))) return;
    const where = lostWhereInput.value.trim();
    run((id) => api('POST /api/flights/:id/declare-lost', { params: { id }, body: where ? { reason: r, lastKnownLocation: where } : { reason: r } }));
  });
  recovered.addEventListener('click', async () => {
    if (!view || busy) return;
    const note = noteInput.value.trim();
    if (note.length < 3) {
      message.textContent = t('flight.recoveredNote');
      noteInput.focus();
      return;
    }
    busy = true;
    refreshButtons();
    message.textContent = '';
    try {
      const res = await api('POST /api/drones/:id/recovered', { params: { id: view.drone.id }, body: { note } });
      recoveredDone.hidden = false;
      recoveredDone.textContent = t('flight.recoveredDone', { drone: res.drone.name });
      recoverControls.hidden = true;
    } catch (err) {
      message.textContent = describeError(err);
    } finally {
      busy = false;
      refreshButtons();
    }
  });

  function refreshButtons() {
    if (!view) return;
    const open = !FINAL.includes(view.state) && view.state !== 'landed';
    const unreachable = open && view.linkLost != null;
    controls.hidden = !canControl || !open;
    // the vehicle cannot hear a command while the link is down: declaring lost is what is left
    abort.disabled = busy || unreachable;
    pause.hidden = Boolean(view.paused);
    resume.hidden = !view.paused;
    pause.disabled = busy || unreachable || !AIRBORNE.includes(view.state);
    resume.disabled = busy || unreachable;
    lostControls.hidden = !canControl || !unreachable;
    declareLost.disabled = busy;
    recoverControls.hidden = !canControl || view.state !== 'lost' || !recoveredDone.hidden;
    recovered.disabled = busy;
  }

  function texts() {
    steps.setAttribute('aria-label', t('flight.steps'));
    reasonLabel.textContent = t('flight.abortReason');
    reasonInput.placeholder = t('flight.abortReasonPlaceholder');
    abort.textContent = t('flight.abort');
    pause.textContent = t('flight.pause');
    resume.textContent = t('flight.resume');
    hint.textContent = t('flight.abortHint');
    lostReasonLabel.textContent = t('flight.declareLostReason');
    lostReasonInput.placeholder = t('flight.declareLostReasonPlaceholder');
    lostWhereLabel.textContent = t('flight.lastKnownLocation');
    declareLost.textContent = t('flight.declareLost');
    lostHint.textContent = t('flight.lostHint');
    noteLabel.textContent = t('flight.recoveredNote');
    recovered.textContent = t('flight.recovered');
  }

  /** @param {FlightView | null} next */
  function update(next) {
    view = next;
    if (!next) return;
    status.dataset.state = next.state;
    replaceChildren(
      status,
      `${t('flight.state')}${t('punct.colon')}`,
      flightStateBadge(next.state),
      next.paused ? h('span', { class: 'badge status', text: t('flight.paused') }) : null,
      next.mode ? h('span', { class: 'muted small', text: ` · ${t('track.mode')}${t('punct.colon')}${next.mode}` }) : null,
    );
    const reached = new Set((next.transitions ?? []).map((tr) => tr.to));
    const currentIndex = STEPS.indexOf(next.state);
    replaceChildren(
      steps,
      STEPS.map((step, i) => {
        let cls = '';
        if (next.state === 'completed') cls = 'done';
        else if (step === next.state) cls = 'active';
        else if (currentIndex >= 0 ? i < currentIndex : reached.has(step)) cls = 'done';
        return h('li', { class: cls, dataset: { step }, text: t(`flight.${step}`) });
      }),
      FINAL.includes(next.state) && next.state !== 'completed'
        ? h('li', { class: 'failed', dataset: { step: next.state }, text: t(`flight.${next.state}`) })
        : null,
    );
    const p = next.progress;
    const showProgress = p != null && p.total > 0 && ['approved', 'uploading', 'uploaded', 'arming'].includes(next.state);
    progress.hidden = !showProgress;
    if (showProgress) {
      progressLabel.textContent = t('flight.phaseProgress', { phase: phaseLabel(p.phase), done: p.done, total: p.total });
      progressBar.setAttribute('aria-valuemax', String(p.total));
      progressBar.setAttribute('aria-valuenow', String(p.done));
      progressFill.style.width = `${Math.min(100, (100 * p.done) / p.total)}%`;
    }
    airborne.hidden = !next.airborneAt;
    airborne.textContent = next.airborneAt ? `${t('flight.airborneAt')}${t('punct.colon')}${fmtTime(next.airborneAt)}` : '';
    const battery = next.batteryPct == null ? '—' : `${fmtNumber(next.batteryPct)}%`;
    // the reader's colon ("电量：", "Battery: "); a finished flight's link is over, not lost (as track.js says it)
    const c = t('punct.colon');
    const link = t(FINAL.includes(next.state) ? 'link.ended' : next.link?.up ? 'link.up' : 'link.down');
    stats.textContent = `${t('track.battery')}${c}${battery} · ${t('track.link')}${c}${link} · ${t('track.progress')}${c}${fmtNumber((next.routeFraction ?? 0) * 100)}%`;
    const why = outcomeNode(next.stateReasonText, next.stateReason);
    reason.hidden = !why;
    replaceChildren(reason, why ? [`${t('officer.reason')}${t('punct.colon')}`, why] : null);
    const lost = next.endedAt === null ? next.linkLost : null;
    linkLost.hidden = !lost;
    linkLost.textContent = lost
      ? t('flight.linkLost', { since: fmtClock(lost.since), detail: outcomeString(lost.detailText, lost.detail) || t('alert.link-lost') })
      : '';
    refreshButtons();
  }

  texts();
  replaceChildren(el, status, steps, progress, airborne, stats, reason, linkLost, controls, lostControls, recoverControls, recoveredDone, message);
  onLanguageChange(() => {
    texts();
    update(view);
  });
  return update;
}
