/**
 * Put a whole VehiclePlan on a vehicle, or nothing: parameters the plan relies on (fence type,
 * action, altitude first; FENCE_ENABLE last, once the fence it enables is on board and verified),
 * then mission, fence and rally, each uploaded, read back and compared. Any failure clears what
 * was written and restores the parameters, and the report says so.
 *
 * Parameters that do not depend on each other go in one pipelined exchange (params.ts): all the
 * originals in one read, each group of writes (switch-offs, configuration, enables) in one write.
 */
import type { MissionType, VehiclePlan } from '../missions/types.js';
import type { PlanUploadReport, TransferOptions, TransferResult, TransferError } from './types.js';
import { TYPE_NAMES, validateItems } from './mission-transfer.js';
import { paramNames, sameParamValue } from './params.js';

/** What uploadPlan needs from a vehicle (a VehicleLink provides it). */
export interface PlanTarget {
  /** Read several parameters at once; values in the order asked. */
  getParams(names: string[]): Promise<number[]>;
  /** Set several independent parameters at once; the values the vehicle reports, in order. */
  setParams(writes: { name: string; value: number }[]): Promise<number[]>;
  uploadAndVerify(type: MissionType, items: VehiclePlan['mission'], opts?: TransferOptions): Promise<TransferResult>;
  clearItems(type: MissionType, opts?: TransferOptions): Promise<TransferResult>;
}

/** Parameters that switch something on go last (and are restored first on failure). */
function isEnable(name: string): boolean {
  return /_ENABLE$/.test(name);
}

export function validatePlan(plan: VehiclePlan): string | undefined {
  if (!plan || typeof plan !== 'object') return 'plan is not an object';
  for (const [type, items] of [
    [0, plan.mission],
    [1, plan.fence],
    [2, plan.rally],
  ] as const) {
    if (!Array.isArray(items)) return `plan.${TYPE_NAMES[type]} is not a list of items`;
    const v = validateItems(type, items);
    if (v) return v;
  }
  if (plan.mission.length === 0) return 'plan.mission is empty: item 0 (home) is required';
  for (const [name, value] of Object.entries(plan.params ?? {})) {
    try {
      paramNames(name);
    } catch (err) {
      return `plan.params: ${(err as Error).message}`;
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) return `plan.params.${name}: ${String(value)} is not a finite number`;
  }
  return undefined;
}

export async function uploadPlan(target: PlanTarget, plan: VehiclePlan, opts: TransferOptions = {}): Promise<PlanUploadReport> {
  const report: PlanUploadReport = { ok: false, uploaded: { mission: 0, fence: 0, rally: 0 }, paramsSet: {} };
  const invalid = validatePlan(plan);
  if (invalid) return { ...report, error: 'invalid', message: `${invalid}; nothing was sent to the vehicle` };

  const params = Object.entries(plan.params ?? {});
  const first = params.filter(([n]) => !isEnable(n));
  const last = params.filter(([n]) => isEnable(n));
  const progress = (done: number, total: number) => opts.onProgress?.({ missionType: 1, phase: 'params', done, total });

  // 1. remember the parameters we are about to change (restored on failure)
  const original: Record<string, number> = {};
  try {
    progress(0, params.length * 2);
    const values = await target.getParams(params.map(([name]) => name));
    params.forEach(([name], i) => {
      original[name] = values[i]!;
    });
  } catch (err) {
    return {
      ...report,
      error: 'timeout',
      message: `could not read parameter before the upload: ${(err as Error).message}; nothing was changed on the vehicle`,
    };
  }

  // ArduCopter 4.5+ (AC_Fence::update) reads FENCE_TYPE into the active fence mask only when FENCE_ENABLE
  // changes: a FENCE_TYPE written while the fence is already on stays inactive (a new polygon bit would
  // never be enforced), and whether that happened earlier cannot be read back. So an enable switch the
  // plan needs on that is on already is switched off first and back on last, once the configuration
  // and the items are on board: the vehicle then latches exactly the plan's fence types.
  const switchOff: [string, number][] = last.filter(([n, v]) => v !== 0 && original[n] !== 0).map(([n]) => [n, 0]);

  const touched: MissionType[] = [];
  const changedParams: string[] = [];
  const fail = async (error: TransferError, message: string): Promise<PlanUploadReport> => {
    const notes: string[] = [];
    // switch things off before removing what they rely on; switch back on only after the
    // configuration it latches is restored (ArduCopter latches FENCE_TYPE when FENCE_ENABLE changes)
    const rank = (n: string) => (isEnable(n) ? (original[n] === 0 ? 0 : 2) : 1);
    for (const r of [0, 1, 2]) {
      const group = changedParams.filter((n) => rank(n) === r);
      if (group.length === 0) continue;
      try {
        await target.setParams(group.map((name) => ({ name, value: original[name]! })));
      } catch (err) {
        notes.push(`WARNING: could not restore ${group.map((n) => `${n} to ${original[n]}`).join(', ')}: ${(err as Error).message}`);
      }
    }
    for (const type of touched) {
      const r = await target.clearItems(type, { ...opts, onProgress: undefined });
      if (!r.ok) notes.push(`WARNING: could not clear the ${TYPE_NAMES[type]}: ${r.message} — do not fly this vehicle before re-uploading`);
    }
    const cleaned = touched.length > 0 ? `; cleared ${touched.map((t) => TYPE_NAMES[t]).join(', ')} on the vehicle` : '';
    const restored = changedParams.length > 0 ? `; restored ${changedParams.join(', ')}` : '';
    return { ...report, ok: false, error, message: `${message}${cleaned}${restored}${notes.length ? '. ' + notes.join('. ') : ''}` };
  };

  /** One group of independent writes, in one exchange. */
  const setAll = async (list: [string, number][], offset: number): Promise<string | undefined> => {
    if (list.length === 0) return undefined;
    progress(Math.min(offset, params.length * 2), params.length * 2);
    // counted as changed before the exchange: a write that failed half-way may still have landed
    for (const [name, value] of list) if (!sameParamValue(original[name]!, value) && !changedParams.includes(name)) changedParams.push(name);
    try {
      const got = await target.setParams(list.map(([name, value]) => ({ name, value })));
      list.forEach(([name], i) => {
        report.paramsSet[name] = got[i]!;
      });
    } catch (err) {
      return (err as Error).message;
    }
    progress(Math.min(offset + list.length, params.length * 2), params.length * 2);
    return undefined;
  };

  // 2. fence type, action, altitude … before the items (an enable whose group changes goes off first)
  const offErr = await setAll(switchOff, params.length);
  if (offErr) return fail('timeout', `setting parameters failed: ${offErr}`);
  const preErr = await setAll(first, params.length);
  if (preErr) return fail('timeout', `setting parameters failed: ${preErr}`);

  // 3. mission, fence, rally: upload, read back, compare
  for (const [type, items] of [
    [0, plan.mission],
    [1, plan.fence],
    [2, plan.rally],
  ] as const) {
    touched.push(type);
    const r = await target.uploadAndVerify(type, items, opts);
    if (!r.ok) return fail(r.error, r.message);
    report.uploaded[TYPE_NAMES[type] as 'mission' | 'fence' | 'rally'] = items.length;
  }

  // 4. enable what the plan needs, now that it is on board
  const postErr = await setAll(last, params.length + first.length);
  if (postErr) return fail('timeout', `setting parameters failed: ${postErr}`);
  progress(params.length * 2, params.length * 2);
  return { ...report, ok: true };
}
