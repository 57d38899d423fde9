/**
 * Mission protocol transfers (mavlink.io "Mission Protocol"), one small state machine each, in the
 * spirit of MAVSDK's MavlinkMissionTransferClient: an injected clock, one retry step per exchange
 * (retry.ts: a deadline with backoff, reset by every answer that makes progress), a typed result.
 *
 * Upload:   COUNT → (vehicle) REQUEST / REQUEST_INT k → ITEM_INT k … → (vehicle) ACK.
 *           Requests are answered whatever their order or repetition; INVALID_SEQUENCE in the middle
 *           is not final (ArduPilot re-requests); on our timeout we resend COUNT (before the first
 *           request — ArduPilot restarts for the same sender) or the last requested item.
 * Download: REQUEST_LIST → COUNT → REQUEST_INT k → ITEM_INT k … → ACK (ours).
 * Clear:    CLEAR_ALL → ACK.
 */
import type { MissionItem, MissionType } from '../missions/types.js';
import { retryContext, type Clock, type RetryContext, type RetryStep } from './retry.js';
import type { TransferError, TransferOptions, TransferProgress, TransferResult } from './types.js';
import { MSG, num, float, type Fields, type Message } from './wire.js';

export const MAV_MISSION = {
  ACCEPTED: 0,
  ERROR: 1,
  UNSUPPORTED_FRAME: 2,
  UNSUPPORTED: 3,
  NO_SPACE: 4,
  INVALID: 5,
  INVALID_PARAM1: 6,
  INVALID_PARAM7: 12,
  INVALID_SEQUENCE: 13,
  DENIED: 14,
  OPERATION_CANCELLED: 15,
} as const;

const ACK_NAMES: Record<number, string> = {
  0: 'ACCEPTED',
  1: 'ERROR',
  2: 'UNSUPPORTED_FRAME',
  3: 'UNSUPPORTED',
  4: 'NO_SPACE',
  5: 'INVALID',
  6: 'INVALID_PARAM1',
  7: 'INVALID_PARAM2',
  8: 'INVALID_PARAM3',
  9: 'INVALID_PARAM4',
  10: 'INVALID_PARAM5_X',
  11: 'INVALID_PARAM6_Y',
  12: 'INVALID_PARAM7',
  13: 'INVALID_SEQUENCE',
  14: 'DENIED',
  15: 'OPERATION_CANCELLED',
};

export const TYPE_NAMES: Record<MissionType, string> = { 0: 'mission', 1: 'fence', 2: 'rally' };

/** What a transfer needs from the vehicle link. */
export interface TransferPort {
  readonly targetSysid: number;
  readonly targetCompid: number;
  send(msgid: number, fields: Fields): void;
  /** Messages from this vehicle; returns an unsubscribe function. */
  subscribe(listener: (m: Message) => void): () => void;
  /** STATUSTEXTs received since a time (ms), newest last — for error messages. */
  statusTextsSince(t: number): string[];
  /** Heartbeats arriving (a timeout with the vehicle silent is reported as 'link-lost'). */
  online?(): boolean;
}

/** A step ran out of retries: 'link-lost' when the vehicle's heartbeats stopped too, else 'timeout'. */
function timedOut(port: TransferPort, message: string): { ok: false; error: TransferError; message: string } {
  if (port.online && !port.online())
    return { ok: false, error: 'link-lost', message: `${message}; no heartbeat from vehicle ${port.targetSysid} either: the link is lost` };
  return { ok: false, error: 'timeout', message };
}

/** Items past the vehicle's last request that INVALID_SEQUENCE answers may lead us to (see uploadOnce). */
const MAX_INFERRED = 4;
/** Tries of the last item while waiting for the final ACK before falling back to read-back. */
export const ACK_LOST_TRIES = 3;

/** A final MISSION_ACK result → our error kind and a sentence a pilot understands. */
export function ackError(type: number, what: string, detail?: string): { error: TransferError; message: string; ackType: number } {
  const name = ACK_NAMES[type] ?? `result ${type}`;
  const tail = detail ? `: ${detail}` : '';
  let error: TransferError;
  let text: string;
  switch (type) {
    case 1:
      error = 'error';
      text = `the vehicle rejected the ${what}`;
      break;
    case 2:
      error = 'unsupported-frame';
      text = `the vehicle does not support a coordinate frame in the ${what}`;
      break;
    case 3:
      error = 'unsupported';
      text = `the vehicle does not support a command in the ${what}`;
      break;
    case 4:
      error = 'no-space';
      text = `the ${what} is too large for the vehicle's storage`;
      break;
    case 13:
      error = 'invalid-sequence';
      text = `the vehicle kept reporting a wrong item sequence for the ${what}`;
      break;
    case 14:
      error = 'denied';
      text = `the vehicle denied the ${what} transfer (another ground station may be transferring)`;
      break;
    case 15:
      error = 'cancelled';
      text = `the vehicle cancelled the ${what} transfer (it gave up waiting)`;
      break;
    default:
      if (type >= 6 && type <= 12) {
        error = 'invalid-param';
        text = `the vehicle found an invalid value in the ${what} (${name})`;
      } else {
        error = 'invalid';
        text = `the vehicle reported the ${what} invalid`;
      }
  }
  return { error, message: `${text} (MAV_MISSION_${name})${tail}`, ackType: type };
}

interface Opts {
  retry: RetryContext;
  onProgress: (p: TransferProgress) => void;
  signal: AbortSignal | undefined;
}

function resolveOpts(o: TransferOptions | undefined): Opts {
  return {
    retry: retryContext(o),
    onProgress: o?.onProgress ?? (() => {}),
    signal: o?.signal,
  };
}

/** Validate items before anything goes on the wire: bad input changes nothing on the vehicle. */
export function validateItems(type: MissionType, items: MissionItem[]): string | undefined {
  const what = TYPE_NAMES[type];
  if (items.length > 65535) return `${what}: ${items.length} items is more than MAVLink can count`;
  for (let i = 0; i < items.length; i++) {
    const it = items[i]!;
    const at = `${what} item ${i}`;
    if (it.seq !== i) return `${at}: seq is ${it.seq}, expected ${i} (items must be numbered 0, 1, 2 … in order)`;
    if (it.missionType !== type) return `${at}: missionType ${it.missionType} in a ${what} upload`;
    if (!Number.isInteger(it.command) || it.command < 0 || it.command > 65535) return `${at}: command ${it.command} is not a MAV_CMD number`;
    if (!Number.isInteger(it.frame) || it.frame < 0 || it.frame > 255) return `${at}: frame ${it.frame} is not a MAV_FRAME number`;
    for (const k of ['x', 'y'] as const) {
      const v = it[k];
      if (!Number.isInteger(v) || v < -2147483648 || v > 2147483647) return `${at}: ${k} ${v} is not an int32 (lat/lon are in 1e-7 degrees)`;
    }
    for (const k of ['param1', 'param2', 'param3', 'param4', 'z'] as const) {
      const v = it[k];
      if (typeof v !== 'number' || v === Infinity || v === -Infinity) return `${at}: ${k} ${String(v)} is not a number`;
    }
  }
  return undefined;
}

function itemFields(port: TransferPort, it: MissionItem, type: MissionType): Fields {
  return {
    target_system: port.targetSysid,
    target_component: port.targetCompid,
    seq: it.seq,
    frame: it.frame,
    command: it.command,
    current: it.current ? 1 : 0,
    autocontinue: it.autocontinue ? 1 : 0,
    param1: it.param1,
    param2: it.param2,
    param3: it.param3,
    param4: it.param4,
    x: it.x,
    y: it.y,
    z: it.z,
    mission_type: type,
  };
}

/** A decoded MISSION_ITEM_INT (or legacy MISSION_ITEM) as our canonical item. */
export function itemFromMessage(m: Message, type: MissionType): MissionItem {
  const f = m.fields;
  const legacy = m.msgid === MSG.MISSION_ITEM;
  const frame = num(f, 'frame');
  const global = [0, 3, 10, 11, 5, 6].includes(frame);
  // legacy MISSION_ITEM carries degrees as floats; our items hold 1e-7 degrees like MISSION_ITEM_INT
  const xy = (v: number) => (legacy && global ? Math.round(v * 1e7) : v);
  return {
    seq: num(f, 'seq'),
    frame,
    command: num(f, 'command'),
    current: num(f, 'current') ? 1 : 0,
    autocontinue: num(f, 'autocontinue') ? 1 : 0,
    param1: float(f, 'param1'),
    param2: float(f, 'param2'),
    param3: float(f, 'param3'),
    param4: float(f, 'param4'),
    x: xy(float(f, 'x')),
    y: xy(float(f, 'y')),
    z: float(f, 'z'),
    missionType: type,
  };
}

/** Is this message addressed to us (or broadcast)? */
function forUs(m: Message, ourSysid: number): boolean {
  const ts = num(m.fields, 'target_system');
  return ts === 0 || ts === ourSysid;
}

/** Run one state machine: subscription, the current step's timer, abort handling. */
function machine<T>(
  port: TransferPort,
  opts: Opts,
  start: (ctx: MachineCtx<T>) => void,
  onMessage: (m: Message, ctx: MachineCtx<T>) => void,
  onTimeout: (ctx: MachineCtx<T>) => void,
): Promise<TransferResult<T>> {
  return new Promise((resolve) => {
    let done = false;
    let stopped = false;
    const step = opts.retry.step();
    const fire = () => {
      if (!done && !stopped) onTimeout(ctx);
    };
    const ctx: MachineCtx<T> = {
      step,
      clock: opts.retry.clock,
      stop() {
        stopped = true;
        step.stop();
      },
      begin() {
        step.begin();
        ctx.arm();
      },
      progress() {
        step.answered();
        step.begin();
        ctx.arm();
      },
      retry(limit) {
        if (!step.canRetry(limit)) return false;
        step.retried();
        return true;
      },
      arm() {
        if (stopped || done) return;
        step.arm(fire);
      },
      finish(r) {
        if (done) return;
        done = true;
        step.stop();
        unsubscribe();
        opts.signal?.removeEventListener('abort', onAbort);
        resolve(r);
      },
      get finished() {
        return done;
      },
    };
    const unsubscribe = port.subscribe((m) => {
      if (done || stopped) return;
      try {
        onMessage(m, ctx);
      } catch (err) {
        ctx.finish({ ok: false, error: 'protocol', message: `unexpected message handling error: ${err instanceof Error ? err.message : String(err)}` });
      }
    });
    const onAbort = () => ctx.finish({ ok: false, error: 'aborted', message: 'transfer cancelled by the caller' });
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort);
    start(ctx);
  });
}

/** ArduPilot sends the STATUSTEXT with the reason right after the failing MISSION_ACK: wait a moment for it. */
const REASON_WAIT_MS = 150;
function finishWithReason<T>(ctx: MachineCtx<T>, make: () => { error: TransferError; message: string; ackType: number }): void {
  ctx.stop();
  ctx.clock.setTimeout(() => ctx.finish({ ok: false, ...make() }), REASON_WAIT_MS);
}

interface MachineCtx<T> {
  /** The exchange in progress: its tries, time spent and timer. */
  readonly step: RetryStep;
  readonly clock: Clock;
  /** Stop reacting to messages and timeouts (a finish follows). */
  stop(): void;
  /** The first try of the first step was just sent. */
  begin(): void;
  /** The awaited answer came and the next step's first try was just sent. */
  progress(): void;
  /** On our timeout: may we try again (within the policy, and at most `limit` tries)? Counts the try. */
  retry(limit?: number): boolean;
  /** (Re)start the timer of the current try (e.g. after answering the vehicle's re-request). */
  arm(): void;
  finish(r: TransferResult<T>): void;
  readonly finished: boolean;
}

export interface UploadOutcome {
  result: TransferResult;
  /** Every item was requested and sent (a missing final ACK may still mean success: verify). */
  allItemsSent: boolean;
  /**
   * The outcome cannot be told without reading back: the final ACK never came, or a MISSION_ACK
   * ERROR came after the last item — ArduPilot answers ERROR both when it rejects the completed
   * fence and when a resent or duplicated item reaches it after the transfer already succeeded.
   */
  ambiguous: boolean;
}

/** One upload attempt. */
export function uploadOnce(port: TransferPort, ourSysid: number, type: MissionType, items: MissionItem[], o?: TransferOptions): Promise<UploadOutcome> {
  const opts = resolveOpts(o);
  const what = TYPE_NAMES[type];
  const count = items.length;
  const started = opts.retry.clock.now();
  let phase: 'count' | 'items' = 'count';
  let lastRequested = -1;
  let highest = -1;
  let allItemsSent = false;
  /** An ERROR ack before the last item: stale (a late duplicate) unless the vehicle stops asking. */
  let pendingError: { ack: number } | undefined;
  /** The item we believe the vehicle wants: the last it asked for, or up to MAX_INFERRED past it (INVALID_SEQUENCE). */
  let wanted = -1;
  /** The last item we sent. */
  let lastSent = -1;
  /** The item we last repeated on our timeout (-1 once something answered it). */
  let repeatedFor = -1;
  const sendCount = () =>
    port.send(MSG.MISSION_COUNT, { target_system: port.targetSysid, target_component: port.targetCompid, count, mission_type: type, opaque_id: 0 });
  const sendItem = (seq: number) => {
    lastSent = seq;
    port.send(MSG.MISSION_ITEM_INT, itemFields(port, items[seq]!, type));
  };
  const detail = () => port.statusTextsSince(started).slice(-2).join('; ') || undefined;

  return machine<void>(
    port,
    opts,
    (ctx) => {
      opts.onProgress({ missionType: type, phase: 'upload', done: 0, total: count });
      sendCount();
      ctx.begin();
    },
    (m, ctx) => {
      if (!forUs(m, ourSysid)) return;
      if (m.msgid === MSG.MISSION_REQUEST || m.msgid === MSG.MISSION_REQUEST_INT) {
        if (num(m.fields, 'mission_type') !== type) return;
        const seq = num(m.fields, 'seq');
        if (seq >= count) {
          ctx.finish({ ok: false, error: 'protocol', message: `the vehicle asked for ${what} item ${seq} of only ${count}` });
          return;
        }
        phase = 'items';
        lastRequested = seq;
        wanted = seq;
        repeatedFor = -1;
        if (seq === count - 1) allItemsSent = true;
        pendingError = undefined;
        sendItem(seq);
        if (seq > highest) {
          // progress: this request answers our last send, and the step for item seq begins
          highest = seq;
          opts.onProgress({ missionType: type, phase: 'upload', done: seq, total: count });
          ctx.progress();
        } else {
          // the vehicle asked again (its 1 s re-request, or a duplicate): answered, same step
          ctx.step.heard();
          ctx.step.resent();
          ctx.arm();
        }
        return;
      }
      if (m.msgid === MSG.MISSION_ACK) {
        if (num(m.fields, 'mission_type') !== type) return;
        const ack = num(m.fields, 'type');
        if (ack === MAV_MISSION.ACCEPTED) {
          // a stale ACCEPTED (e.g. a late duplicate from an earlier transfer) cannot end an upload whose items were not all sent
          if (count === 0 || allItemsSent) {
            ctx.step.answered();
            opts.onProgress({ missionType: type, phase: 'upload', done: count, total: count });
            ctx.finish({ ok: true, value: undefined });
          }
          return;
        }
        if (ack === MAV_MISSION.INVALID_SEQUENCE) {
          ctx.step.heard();
          // Mid-transfer, not final. It answers our repeat of item k when the vehicle already holds k:
          // ArduPilot then expects exactly k+1 and its request for it was lost
          // (MissionItemProtocol::handle_mission_item). Answer that request now, and keep resending
          // k+1 on our timeouts, instead of waiting for the vehicle's 1 s re-request timer. At most
          // MAX_INFERRED items past the last request: a stale INVALID_SEQUENCE (a late duplicate)
          // misleads us by at most that much until the vehicle's next request puts us right, where an
          // unbounded chain would run on, since the vehicle answers every wrong item the same way.
          const k = lastSent;
          if (k === wanted && repeatedFor === k && k + 1 < count && k + 1 - lastRequested <= MAX_INFERRED) {
            wanted = k + 1;
            repeatedFor = -1;
            if (wanted === count - 1) allItemsSent = true;
            sendItem(wanted);
            ctx.step.resent();
            ctx.arm();
          }
          return;
        }
        if (ack === MAV_MISSION.ERROR) {
          if (allItemsSent) {
            // rejected at completion, or a stale answer to a resent last item after success: read back
            finishWithReason(ctx, () => ackError(ack, what, detail()));
            return;
          }
          pendingError = { ack };
          return;
        }
        finishWithReason(ctx, () => ackError(ack, what, detail()));
      }
    },
    (ctx) => {
      // After the last item ArduPilot answers a resent item with silence (its transfer is over), so
      // a lost final ACK is settled sooner, by reading back (see transfer-client.ts).
      if (pendingError) {
        // Not stale: the vehicle stopped asking. ArduPilot answers ERROR to items it is not
        // receiving, e.g. after it gave up on us and its OPERATION_CANCELLED was lost: start again.
        finishWithReason(ctx, () => ({
          error: 'cancelled' as const,
          message: `the vehicle is no longer receiving the ${what}: it answered MAV_MISSION_ERROR to item ${lastRequested} of ${count}${detail() ? `: ${detail()}` : ''}`,
          ackType: MAV_MISSION.ERROR,
        }));
        return;
      }
      if (!ctx.retry(allItemsSent ? ACK_LOST_TRIES : undefined)) {
        const where =
          phase === 'count'
            ? `no request for the first ${what} item after sending the count`
            : allItemsSent
              ? `no final acknowledgement after the last ${what} item`
              : `the vehicle stopped asking for ${what} items after item ${highest} of ${count}`;
        ctx.finish(timedOut(port, `${what} upload timed out: ${where} (${ctx.step.summary()})`));
        return;
      }
      if (phase === 'count') sendCount();
      else {
        repeatedFor = wanted;
        sendItem(wanted);
      }
      ctx.arm();
    },
  ).then((result) => ({
    result,
    allItemsSent,
    ambiguous: !result.ok && allItemsSent && (result.error === 'timeout' || result.error === 'link-lost' || result.error === 'error'),
  }));
}

/** Download all items of one type (or, with `from`, only the items from that seq on). */
export function downloadItems(port: TransferPort, ourSysid: number, type: MissionType, o?: TransferOptions, from = 0): Promise<TransferResult<MissionItem[]>> {
  const opts = resolveOpts(o);
  const what = TYPE_NAMES[type];
  const started = opts.retry.clock.now();
  let count = -1;
  let next = from;
  let lastAck: number | undefined;
  const items: MissionItem[] = [];
  const t = { target_system: port.targetSysid, target_component: port.targetCompid, mission_type: type };
  const requestList = () => port.send(MSG.MISSION_REQUEST_LIST, t);
  const requestItem = () => port.send(MSG.MISSION_REQUEST_INT, { ...t, seq: next });
  const sendAck = () => port.send(MSG.MISSION_ACK, { ...t, type: MAV_MISSION.ACCEPTED, opaque_id: 0 });
  const detail = () => port.statusTextsSince(started).slice(-2).join('; ') || undefined;
  return machine<MissionItem[]>(
    port,
    opts,
    (ctx) => {
      opts.onProgress({ missionType: type, phase: 'download', done: 0, total: 0 });
      requestList();
      ctx.begin();
    },
    (m, ctx) => {
      if (!forUs(m, ourSysid)) return;
      if (m.msgid === MSG.MISSION_COUNT) {
        if (num(m.fields, 'mission_type') !== type || count >= 0) return; // duplicates after the first are stale
        count = num(m.fields, 'count');
        if (count <= next) {
          ctx.step.answered();
          sendAck();
          ctx.finish({ ok: true, value: [] });
          return;
        }
        opts.onProgress({ missionType: type, phase: 'download', done: 0, total: count - from });
        requestItem();
        ctx.progress();
        return;
      }
      if (m.msgid === MSG.MISSION_ITEM_INT || m.msgid === MSG.MISSION_ITEM) {
        if (count < 0 || num(m.fields, 'mission_type') !== type) return;
        if (num(m.fields, 'seq') !== next) return; // duplicate or late answer
        items.push({ ...itemFromMessage(m, type), seq: next });
        next++;
        opts.onProgress({ missionType: type, phase: 'download', done: next - from, total: count - from });
        if (next === count) {
          ctx.step.answered();
          sendAck();
          ctx.finish({ ok: true, value: items });
          return;
        }
        requestItem();
        ctx.progress();
        return;
      }
      if (m.msgid === MSG.MISSION_ACK) {
        if (num(m.fields, 'mission_type') !== type) return;
        const ack = num(m.fields, 'type');
        // Only DENIED (the vehicle is receiving an upload) ends a download at once. ERROR and
        // INVALID_SEQUENCE are also what a late duplicate of an uploaded item earns: noted, and
        // reported if the download then times out.
        if (ack === MAV_MISSION.DENIED) finishWithReason(ctx, () => ackError(ack, `${what} download`, detail()));
        else if (ack !== MAV_MISSION.ACCEPTED) lastAck = ack;
      }
    },
    (ctx) => {
      if (!ctx.retry()) {
        const where = count < 0 ? 'no item count after the list request' : `no answer for ${what} item ${next} of ${count}`;
        const said = lastAck !== undefined ? `; the vehicle last answered MISSION_ACK ${ACK_NAMES[lastAck] ?? lastAck}` : '';
        ctx.finish({
          ...timedOut(port, `${what} download timed out: ${where} (${ctx.step.summary()})${said}`),
          ...(lastAck !== undefined ? { ackType: lastAck } : {}),
        });
        return;
      }
      if (count < 0) requestList();
      else requestItem();
      ctx.arm();
    },
  );
}

/** Clear all items of one type. */
export function clearItems(port: TransferPort, ourSysid: number, type: MissionType, o?: TransferOptions): Promise<TransferResult> {
  const opts = resolveOpts(o);
  const what = TYPE_NAMES[type];
  const started = opts.retry.clock.now();
  const send = () => port.send(MSG.MISSION_CLEAR_ALL, { target_system: port.targetSysid, target_component: port.targetCompid, mission_type: type });
  return machine<void>(
    port,
    opts,
    (ctx) => {
      opts.onProgress({ missionType: type, phase: 'clear', done: 0, total: 1 });
      send();
      ctx.begin();
    },
    (m, ctx) => {
      if (!forUs(m, ourSysid) || m.msgid !== MSG.MISSION_ACK || num(m.fields, 'mission_type') !== type) return;
      const ack = num(m.fields, 'type');
      if (ack === MAV_MISSION.ACCEPTED) {
        ctx.step.answered();
        opts.onProgress({ missionType: type, phase: 'clear', done: 1, total: 1 });
        ctx.finish({ ok: true, value: undefined });
      } else if (ack === MAV_MISSION.ERROR && ctx.retry()) {
        // a stale answer to a stray item looks the same as a refused clear: ask again
        send();
        ctx.arm();
      } else if (ack !== MAV_MISSION.INVALID_SEQUENCE) {
        finishWithReason(ctx, () => ackError(ack, `${what} clear`, port.statusTextsSince(started).slice(-1)[0]));
      }
    },
    (ctx) => {
      if (!ctx.retry()) {
        ctx.finish(timedOut(port, `${what} clear timed out: no acknowledgement (${ctx.step.summary()})`));
        return;
      }
      send();
      ctx.arm();
    },
  );
}
