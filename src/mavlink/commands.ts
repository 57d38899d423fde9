/**
 * COMMAND_LONG / COMMAND_INT with COMMAND_ACK matching: resend on timeout (retry.ts: a deadline with
 * backoff) with the confirmation field incremented, keep waiting (without resending) while the
 * vehicle says IN_PROGRESS, and turn the result into a CommandResult, with the vehicle's STATUSTEXT
 * reason when it refused. ArduPilot ignores `confirmation` and runs a repeated command again
 * (GCS_MAVLINK::handle_command_long); the commands medidrop sends are idempotent there.
 */
import { retryContext, type RetryOptions } from './retry.js';
import type { CommandResult } from './types.js';
import { MSG, num, type Fields, type Message } from './wire.js';

export const MAV_RESULT_NAMES: Record<number, string> = {
  0: 'ACCEPTED',
  1: 'TEMPORARILY_REJECTED',
  2: 'DENIED',
  3: 'UNSUPPORTED',
  4: 'FAILED',
  5: 'IN_PROGRESS',
  6: 'CANCELLED',
  7: 'COMMAND_LONG_ONLY',
  8: 'COMMAND_INT_ONLY',
  9: 'COMMAND_UNSUPPORTED_MAV_FRAME',
};
export const MAV_RESULT_IN_PROGRESS = 5;

export interface CommandPort {
  readonly targetSysid: number;
  readonly targetCompid: number;
  readonly ourSysid: number;
  send(msgid: number, fields: Fields): void;
  subscribe(listener: (m: Message) => void): () => void;
  /** STATUSTEXTs (severity, text) since a time, oldest first. */
  statusTexts(since: number): { severity: number; text: string }[];
}

export interface CommandOptions extends RetryOptions {
  /** How long IN_PROGRESS may last before we give up, ms (default 30000). */
  inProgressTimeoutMs?: number;
  /** Prefer STATUSTEXTs matching this as the failure reason (e.g. /arm/i). */
  reasonPattern?: RegExp;
  signal?: AbortSignal;
}

export interface CommandIntArgs {
  frame: number;
  /** param5/param6 as int32 (lat/lon in 1e-7 degrees for global frames). */
  x: number;
  y: number;
}

/** Send one command and wait for its final acknowledgement. */
export function sendCommand(port: CommandPort, command: number, params: number[], opts: CommandOptions = {}, int?: CommandIntArgs): Promise<CommandResult> {
  const ctx = retryContext(opts);
  const { clock } = ctx;
  const step = ctx.step();
  const inProgressMs = opts.inProgressTimeoutMs ?? 30_000;
  const p = (i: number) => params[i] ?? 0;
  const started = clock.now();
  let confirmation = 0;
  const send = () => {
    if (int) {
      port.send(MSG.COMMAND_INT, {
        target_system: port.targetSysid,
        target_component: port.targetCompid,
        frame: int.frame,
        command,
        current: 0,
        autocontinue: 0,
        param1: p(0),
        param2: p(1),
        param3: p(2),
        param4: p(3),
        x: int.x,
        y: int.y,
        z: p(6),
      });
    } else {
      port.send(MSG.COMMAND_LONG, {
        target_system: port.targetSysid,
        target_component: port.targetCompid,
        command,
        confirmation: confirmation & 0xff,
        param1: p(0),
        param2: p(1),
        param3: p(2),
        param4: p(3),
        param5: p(4),
        param6: p(5),
        param7: p(6),
      });
    }
  };
  return new Promise((resolve) => {
    let inProgressTimer: unknown;
    let done = false;
    let inProgress = false;
    const finish = (result: number, reasonOverride?: string) => {
      if (done) return;
      done = true;
      step.stop();
      if (inProgressTimer !== undefined) clock.clearTimeout(inProgressTimer);
      unsubscribe();
      opts.signal?.removeEventListener('abort', onAbort);
      const ok = result === 0;
      const base: CommandResult = { ok, result, resultName: result === -1 ? 'NO_ACK' : (MAV_RESULT_NAMES[result] ?? `RESULT_${result}`) };
      if (ok) return resolve(base);
      if (reasonOverride) return resolve({ ...base, reason: reasonOverride });
      // ArduPilot sends the reason as STATUSTEXT around the ACK: give it a moment to arrive
      const pick = () => pickReason(port.statusTexts(started), opts.reasonPattern);
      const now = pick();
      if (now) return resolve({ ...base, reason: now });
      clock.setTimeout(() => {
        const later = pick();
        resolve(later ? { ...base, reason: later } : base);
      }, REASON_WAIT_MS);
    };
    const onTimeout = () => {
      if (done || inProgress) return;
      if (!step.canRetry()) {
        finish(-1, `no COMMAND_ACK for command ${command} after ${step.summary()}`);
        return;
      }
      step.retried();
      confirmation++;
      send();
      step.arm(onTimeout);
    };
    const unsubscribe = port.subscribe((m) => {
      if (done || m.msgid !== MSG.COMMAND_ACK) return;
      if (num(m.fields, 'command') !== command) return;
      const ts = num(m.fields, 'target_system');
      if (ts !== 0 && ts !== port.ourSysid) return;
      const result = num(m.fields, 'result');
      if (!inProgress) step.answered();
      if (result === MAV_RESULT_IN_PROGRESS) {
        // the vehicle is working on it: no resends; each IN_PROGRESS restarts the wait for the final ACK
        inProgress = true;
        if (inProgressTimer !== undefined) clock.clearTimeout(inProgressTimer);
        inProgressTimer = clock.setTimeout(() => finish(-1, `no final COMMAND_ACK within ${inProgressMs} ms of IN_PROGRESS`), inProgressMs);
        return;
      }
      finish(result);
    });
    const onAbort = () => finish(-1, 'cancelled by the caller');
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort);
    send();
    step.begin();
    step.arm(onTimeout);
  });
}

/** ArduPilot sends the STATUSTEXT with the reason around the refusing COMMAND_ACK: wait this long for it. */
const REASON_WAIT_MS = 200;

/** The most telling STATUSTEXT: the newest matching the pattern, else the newest warning or worse. */
export function pickReason(texts: { severity: number; text: string }[], pattern?: RegExp): string | undefined {
  if (pattern) {
    for (let i = texts.length - 1; i >= 0; i--) if (pattern.test(texts[i]!.text)) return texts[i]!.text;
  }
  for (let i = texts.length - 1; i >= 0; i--) if (texts[i]!.severity <= 4) return texts[i]!.text;
  return undefined;
}
