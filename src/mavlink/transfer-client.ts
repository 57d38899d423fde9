/**
 * Transfers as the rest of medidrop sees them: input validated first, whole-transfer restarts when
 * the vehicle gave up (ArduPilot cancels after 8 s without an item), and an upload whose final
 * MISSION_ACK was lost settled by reading the items back (ArduPilot ignores a resent last item).
 */
import type { MissionItem, MissionType } from '../missions/types.js';
import type { TransferOptions, TransferResult } from './types.js';
import { compareItems } from './compare.js';
import { RttEstimator, realClock } from './retry.js';
import { TYPE_NAMES, clearItems, downloadItems, uploadOnce, validateItems, type TransferPort } from './mission-transfer.js';

export const DEFAULT_ATTEMPTS = 3;
/** After DENIED (another ground station is uploading) wait this long before the next attempt. */
const DENIED_WAIT_MS = 1500;

export async function uploadItemsReliably(
  port: TransferPort,
  ourSysid: number,
  type: MissionType,
  items: MissionItem[],
  opts: TransferOptions = {},
): Promise<TransferResult> {
  opts = sharedRtt(opts);
  const invalid = validateItems(type, items);
  if (invalid) return { ok: false, error: 'invalid', message: `${invalid}; nothing was sent` };
  const attempts = Math.max(1, opts.attempts ?? DEFAULT_ATTEMPTS);
  let last: TransferResult = { ok: false, error: 'timeout', message: 'no attempt made' };
  let made = 0;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    made = attempt;
    const { result, ambiguous } = await uploadOnce(port, ourSysid, type, items, opts);
    if (result.ok) return result;
    last = result;
    if (ambiguous && (await lastItemStored(port, ourSysid, type, items, opts))) return { ok: true, value: undefined };
    const retryable = RETRYABLE.has(result.error) || (ambiguous && result.error === 'error');
    if (!retryable || opts.signal?.aborted) break;
    if (attempt < attempts && result.error === 'denied') await new Promise((r) => (opts.clock ?? realClock).setTimeout(() => r(undefined), DENIED_WAIT_MS));
  }
  if (made > 1 && !last.ok) return { ...last, message: `${last.message} (after ${made} attempts)` };
  return last;
}

/**
 * Settle an upload whose final ACK went missing, cheaply: the vehicle must hold exactly our count
 * (which it only reports once it has stopped receiving) and our last item. ArduPilot accepts items
 * strictly in order and asked us for each, so the last one stored means all were. (uploadAndVerify
 * reads everything back anyway.)
 */
async function lastItemStored(port: TransferPort, ourSysid: number, type: MissionType, items: MissionItem[], opts: TransferOptions): Promise<boolean> {
  const n = items.length;
  const tail = await downloadItems(port, ourSysid, type, { ...opts, onProgress: undefined }, Math.max(0, n - 1));
  if (!tail.ok || tail.value.length !== Math.min(1, n)) return false;
  if (n === 0) return true;
  const got = [...items.slice(0, n - 1), tail.value[0]!];
  return compareItems(type, items, got).length === 0;
}

/** Download, retried as a whole when it times out half-way. */
export async function downloadItemsReliably(
  port: TransferPort,
  ourSysid: number,
  type: MissionType,
  opts: TransferOptions = {},
): Promise<TransferResult<MissionItem[]>> {
  opts = sharedRtt(opts);
  const attempts = Math.max(1, opts.attempts ?? DEFAULT_ATTEMPTS);
  let last: TransferResult<MissionItem[]> = { ok: false, error: 'timeout', message: 'no attempt made' };
  for (let attempt = 1; attempt <= attempts; attempt++) {
    last = await downloadItems(port, ourSysid, type, opts);
    if (last.ok || !(last.error === 'timeout' || last.error === 'link-lost') || opts.signal?.aborted) return last;
  }
  return last;
}

export async function clearItemsReliably(port: TransferPort, ourSysid: number, type: MissionType, opts: TransferOptions = {}): Promise<TransferResult> {
  opts = sharedRtt(opts);
  const attempts = Math.max(1, opts.attempts ?? DEFAULT_ATTEMPTS);
  let last: TransferResult = { ok: false, error: 'timeout', message: 'no attempt made' };
  for (let attempt = 1; attempt <= attempts; attempt++) {
    last = await clearItems(port, ourSysid, type, opts);
    if (last.ok || !(last.error === 'timeout' || last.error === 'link-lost') || opts.signal?.aborted) return last;
  }
  return last;
}

/**
 * Upload, read back and compare one type. The read-back also settles an upload whose final ACK was
 * lost; an unconfirmed upload that does not read back right is retried as a whole.
 */
export async function uploadAndVerify(
  port: TransferPort,
  ourSysid: number,
  type: MissionType,
  items: MissionItem[],
  opts: TransferOptions = {},
): Promise<TransferResult> {
  opts = sharedRtt(opts);
  const invalid = validateItems(type, items);
  if (invalid) return { ok: false, error: 'invalid', message: `${invalid}; nothing was sent` };
  const attempts = Math.max(1, opts.attempts ?? DEFAULT_ATTEMPTS);
  const verifyOpts: TransferOptions = {
    ...opts,
    onProgress: opts.onProgress ? (p) => opts.onProgress!({ ...p, phase: 'verify' }) : undefined,
  };
  let last: TransferResult = { ok: false, error: 'timeout', message: 'no attempt made' };
  let made = 0;
  for (let attempt = 1; attempt <= attempts && !opts.signal?.aborted; attempt++) {
    made = attempt;
    const { result, ambiguous } = await uploadOnce(port, ourSysid, type, items, opts);
    const unconfirmed = ambiguous;
    if (!result.ok && !unconfirmed) {
      last = result;
      if (RETRYABLE.has(result.error)) continue;
      break;
    }
    const back = await downloadItemsReliably(port, ourSysid, type, verifyOpts);
    if (!back.ok) {
      last = { ...back, message: `read-back of the ${TYPE_NAMES[type]} failed: ${back.message}` };
      if (unconfirmed || RETRYABLE.has(back.error)) continue;
      break;
    }
    const diffs = compareItems(type, items, back.value);
    if (diffs.length === 0) return { ok: true, value: undefined };
    const more = diffs.length > 3 ? ` (and ${diffs.length - 3} more)` : '';
    last = {
      ok: false,
      error: 'mismatch',
      message: `the ${TYPE_NAMES[type]} read back from the vehicle differs from what was sent: ${diffs.slice(0, 3).join('; ')}${more}`,
    };
    if (!result.ok && result.error === 'error') {
      // the ERROR was real (e.g. a fence that fails validation; the vehicle kept its old items) or
      // the vehicle had given up on us before the last item: another attempt tells which
      last = result;
      continue;
    }
    if (!unconfirmed) break; // the vehicle acknowledged and still holds something else: report it
  }
  if (made > 1 && !last.ok) return { ...last, message: `${last.message} (after ${made} attempts)` };
  return last;
}

/** One round-trip estimate across the attempts and phases of one call (a vehicle passes its own). */
function sharedRtt(opts: TransferOptions): TransferOptions {
  return opts.rtt ? opts : { ...opts, rtt: new RttEstimator() };
}

const RETRYABLE = new Set(['cancelled', 'timeout', 'link-lost', 'invalid-sequence', 'denied']);
