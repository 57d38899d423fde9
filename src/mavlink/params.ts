/**
 * Parameters by name: PARAM_REQUEST_READ / PARAM_SET, answered by PARAM_VALUE, with read-back.
 * Several spellings may be given (ArduCopter 4.7 renamed some: MAV_SYSID was SYSID_THISMAV); all
 * are asked at once and the first the vehicle knows wins.
 *
 * Several parameters go out back to back, not one round trip each: every request is its own retry
 * step (retry.ts) and answers are matched by param_id, so they may come in any order. ArduPilot
 * queues PARAM_REQUEST_READ in a 20-entry buffer shared by all its links and silently drops what
 * does not fit (GCS_Param.cpp: `param_requests(20)`, handle_param_request_read), so at most
 * PARAM_WINDOW requests are in flight. It answers PARAM_SET with PARAM_VALUE of the value it now
 * holds, on every link (handle_param_set → AP_Param::save → GCS::send_parameter_value), and answers
 * nothing at all for a name it does not know.
 */
import { retryContext, type RetryOptions, type RetryStep } from './retry.js';
import { MSG, num, str, type Fields, type Message } from './wire.js';

export interface ParamPort {
  readonly targetSysid: number;
  readonly targetCompid: number;
  send(msgid: number, fields: Fields): void;
  subscribe(listener: (m: Message) => void): () => void;
}

export interface ParamOptions extends RetryOptions {
  signal?: AbortSignal;
}

export class ParamError extends Error {
  override name = 'ParamError';
}

/** PARAM_REQUEST_READs in flight at once: half of ArduPilot's shared 20-entry request queue. */
export const PARAM_WINDOW = 10;

/**
 * The shortest wait for a parameter's answer. ArduPilot answers PARAM_REQUEST_READ from its IO
 * thread and sends the replies with the deferred message MSG_NEXT_PARAM, which runs at least every
 * 100 ms even when the GCS asked for no streams (GCS_Common.cpp, set_ap_message_interval: "force
 * parameters to *always* get streamed"), five replies at a time (send_parameter_async_replies); a
 * PARAM_SET is answered once the IO thread has saved it (AP_Param::save_io_handler). Resending
 * sooner only fills the vehicle's queues with duplicates.
 */
export const PARAM_MIN_TRY_MS = 150;

/** PARAM_SET's type when the vehicle's is not known (ArduPilot ignores it). */
const MAV_PARAM_TYPE_REAL32 = 9;

/** Same-unit renames in ArduCopter 4.7 (old ↔ new); unit changes (RTL_ALT → RTL_ALT_M) are PARAM_UNIT_ALIASES. */
export const PARAM_ALIASES: Record<string, string[]> = {
  SYSID_THISMAV: ['MAV_SYSID'],
  MAV_SYSID: ['SYSID_THISMAV'],
  SYSID_MYGCS: ['MAV_GCS_SYSID'],
  MAV_GCS_SYSID: ['SYSID_MYGCS'],
};

/**
 * Renames with a unit change: asked for the key, a vehicle may know the parameter as `name`, whose
 * value is the key's × `scale`. RTL_ALT is in cm on ArduCopter 4.6 and on 4.7.0-dev (2598e9d4,
 * ArduCopter/Parameters.cpp: "RTL_ALT", @Units cm); later 4.7 builds call it RTL_ALT_M in metres. A
 * value read under the other name is converted to the unit of the name asked for, and a write
 * converts to the unit of the name the vehicle knows, so a plan's `RTL_ALT: 6000` (cm) sets
 * RTL_ALT_M = 60 on a vehicle that has only that.
 */
export const PARAM_UNIT_ALIASES: Record<string, { name: string; scale: number }[]> = {
  RTL_ALT: [{ name: 'RTL_ALT_M', scale: 0.01 }],
  RTL_ALT_M: [{ name: 'RTL_ALT', scale: 100 }],
};

/** The factor from the unit of `asked` to that of `known` (1: the same unit). */
export function paramScale(asked: string, known: string): number {
  return PARAM_UNIT_ALIASES[asked]?.find((a) => a.name === known)?.scale ?? 1;
}

export function paramNames(name: string | string[]): string[] {
  const list = Array.isArray(name) ? name : [name, ...(PARAM_ALIASES[name] ?? []), ...(PARAM_UNIT_ALIASES[name] ?? []).map((a) => a.name)];
  for (const n of list) {
    if (typeof n !== 'string' || !/^[A-Za-z0-9_]{1,16}$/.test(n)) throw new ParamError(`'${String(n)}' is not a parameter name (1–16 letters, digits, _)`);
  }
  if (list.length === 0) throw new ParamError('no parameter name given');
  return list;
}

export interface ParamValue {
  name: string;
  value: number;
  type: number;
}

/** One request and the PARAM_VALUE that settles it. */
interface Job {
  /** Names a PARAM_VALUE may carry to answer this job. */
  names: string[];
  send(): void;
  accept(v: ParamValue): boolean;
  /** The answer in the unit of the name asked for (a unit alias answered: PARAM_UNIT_ALIASES). */
  normalise?: (v: ParamValue) => ParamValue;
  /** 'read parameter X' / 'set parameter X = v', the start of any failure message. */
  what: string;
  /** Messages one try sends (one per spelling). */
  requests: number;
}

/** One job's outcome: the vehicle's answer, or why there is none (step, tries, time spent, what it did report). */
export type ParamOutcome = { ok: true; value: ParamValue } | { ok: false; error: string };

/**
 * Run the jobs pipelined: up to PARAM_WINDOW requests in flight, each retried on its own schedule
 * until its answer or its deadline. Resolves with every job's outcome in job order; rejects only
 * when cancelled.
 */
function exchangeEach(port: ParamPort, jobs: Job[], opts: ParamOptions): Promise<ParamOutcome[]> {
  const ctx = retryContext(opts, { minTryMs: PARAM_MIN_TRY_MS });
  return new Promise((resolve, reject) => {
    const results: ParamOutcome[] = new Array(jobs.length);
    const last: (ParamValue | undefined)[] = new Array(jobs.length);
    const inFlight = new Map<number, RetryStep>();
    let next = 0;
    let requestsInFlight = 0;
    let settled = 0;
    let finished = false;

    const finish = (err?: ParamError) => {
      if (finished) return;
      finished = true;
      for (const step of inFlight.values()) step.stop();
      inFlight.clear();
      unsubscribe();
      opts.signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve(results);
    };
    const settle = (i: number) => {
      inFlight.get(i)?.stop();
      inFlight.delete(i);
      requestsInFlight -= jobs[i]!.requests;
      settled++;
      if (settled === jobs.length) finish();
      else launch();
    };
    const onTimeout = (i: number) => {
      if (finished) return;
      const step = inFlight.get(i)!;
      const job = jobs[i]!;
      if (!step.canRetry()) {
        const seen = last[i];
        const tail = seen ? `; vehicle reports ${seen.name} = ${seen.value}` : '';
        results[i] = { ok: false, error: `${job.what}: no matching PARAM_VALUE from vehicle ${port.targetSysid} after ${step.summary()}${tail}` };
        settle(i);
        return;
      }
      step.retried();
      job.send();
      step.arm(() => onTimeout(i));
    };
    const launch = () => {
      while (!finished && next < jobs.length && (inFlight.size === 0 || requestsInFlight + jobs[next]!.requests <= PARAM_WINDOW)) {
        const i = next++;
        const job = jobs[i]!;
        const step = ctx.step();
        inFlight.set(i, step);
        requestsInFlight += job.requests;
        job.send();
        step.begin();
        step.arm(() => onTimeout(i));
      }
    };
    const unsubscribe = port.subscribe((m) => {
      if (finished || m.msgid !== MSG.PARAM_VALUE) return;
      const name = str(m.fields, 'param_id');
      const v: ParamValue = { name, value: num(m.fields, 'param_value'), type: num(m.fields, 'param_type') };
      for (const [i, step] of [...inFlight]) {
        const job = jobs[i]!;
        if (!job.names.includes(name)) continue;
        last[i] = v;
        if (!job.accept(v)) continue;
        step.answered();
        results[i] = { ok: true, value: job.normalise ? job.normalise(v) : v };
        settle(i);
        for (const other of inFlight.values()) other.refresh();
      }
    });
    const onAbort = () => finish(new ParamError(`${jobs.map((j) => j.what).join(', ')}: cancelled`));
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (jobs.length === 0) return finish();
    launch();
  });
}

/** exchangeEach, all or nothing: every answer in job order, or a rejection naming each job that got none. */
async function exchange(port: ParamPort, jobs: Job[], opts: ParamOptions): Promise<ParamValue[]> {
  const outcomes = await exchangeEach(port, jobs, opts);
  const failures = outcomes.flatMap((o) => (o.ok ? [] : [o.error]));
  if (failures.length > 0) throw new ParamError(failures.join('; '));
  return outcomes.map((o) => (o as { ok: true; value: ParamValue }).value);
}

function readJob(port: ParamPort, name: string | string[]): Job {
  const names = paramNames(name);
  return {
    names,
    requests: names.length,
    what: `read parameter ${names.join(' / ')}`,
    accept: () => true,
    normalise: (v) => ({ ...v, value: v.value / paramScale(names[0]!, v.name) }),
    send: () => {
      for (const n of names)
        port.send(MSG.PARAM_REQUEST_READ, { target_system: port.targetSysid, target_component: port.targetCompid, param_id: n, param_index: -1 });
    },
  };
}

/** Read several parameters in one pipelined exchange; answers in the order asked. */
export function readParams(port: ParamPort, names: (string | string[])[], opts: ParamOptions = {}): Promise<ParamValue[]> {
  let jobs: Job[];
  try {
    jobs = names.map((n) => readJob(port, n));
  } catch (err) {
    return Promise.reject(err);
  }
  return exchange(port, jobs, opts);
}

/**
 * Read several parameters in one pipelined exchange and report each on its own: its value, or why
 * the vehicle did not give it (a name it does not know is never answered, GCS_Param.cpp) — one
 * missing parameter does not hide the others. Outcomes in the order asked; rejects only when cancelled.
 */
export function readParamsEach(port: ParamPort, names: (string | string[])[], opts: ParamOptions = {}): Promise<ParamOutcome[]> {
  const outcomes: (ParamOutcome | undefined)[] = new Array(names.length);
  const jobs: Job[] = [];
  const slots: number[] = [];
  names.forEach((n, i) => {
    try {
      jobs.push(readJob(port, n));
      slots.push(i);
    } catch (err) {
      outcomes[i] = { ok: false, error: (err as Error).message };
    }
  });
  return exchangeEach(port, jobs, opts).then((got) => {
    got.forEach((o, k) => {
      outcomes[slots[k]!] = o;
    });
    return outcomes as ParamOutcome[];
  });
}

export async function readParam(port: ParamPort, name: string | string[], opts: ParamOptions = {}): Promise<ParamValue> {
  return (await readParams(port, [name], opts))[0]!;
}

/** float32 equality the way the vehicle stores it. */
export function sameParamValue(a: number, b: number): boolean {
  const fa = Math.fround(a);
  const fb = Math.fround(b);
  return fa === fb || Math.abs(fa - fb) <= Math.abs(fa) * 1e-6;
}

export interface ParamWrite {
  name: string | string[];
  value: number;
}

/**
 * Set several independent parameters in one pipelined exchange, each done when the vehicle reports
 * the new value; answers in the order given. A name with another spelling (PARAM_ALIASES) is read
 * first to learn which one the vehicle knows (and is left alone when it already holds the value);
 * a plain name is written at once. ArduPilot takes the type from its own table, not from
 * PARAM_SET's param_type (GCS_Param.cpp, handle_param_set), and answers a write of the value it
 * already holds like any other, so writing without reading first costs nothing but a round trip
 * saved.
 */
export async function writeParams(port: ParamPort, writes: ParamWrite[], opts: ParamOptions = {}): Promise<ParamValue[]> {
  for (const w of writes) {
    if (typeof w.value !== 'number' || !Number.isFinite(w.value))
      throw new ParamError(`parameter ${String(w.name)}: value ${String(w.value)} is not a finite number`);
  }
  const spellings = writes.map((w) => paramNames(w.name));
  const ambiguous = spellings.map((n, i) => (n.length > 1 ? i : -1)).filter((i) => i >= 0);
  const known: (ParamValue | undefined)[] = new Array(writes.length);
  if (ambiguous.length > 0) {
    const read = await readParams(
      port,
      ambiguous.map((i) => spellings[i]!),
      opts,
    );
    ambiguous.forEach((i, k) => {
      known[i] = read[k];
    });
  }
  const targets = writes.map((w, i) => ({ w, name: known[i]?.name ?? spellings[i]![0]!, known: known[i] }));
  const seen = new Set<string>();
  for (const t of targets) {
    if (seen.has(t.name)) throw new ParamError(`parameter ${t.name} is given twice in one write; nothing was set`);
    seen.add(t.name);
  }
  const changes = targets.filter((t) => !(t.known && sameParamValue(t.known.value, t.w.value)));
  const jobs: Job[] = changes.map((t) => {
    const scale = paramScale(spellings[writes.indexOf(t.w)]![0]!, t.name);
    const value = t.w.value * scale;
    return {
      names: [t.name],
      requests: 1,
      what: `set parameter ${t.name} = ${value}`,
      accept: (v) => sameParamValue(v.value, value),
      normalise: (v) => ({ ...v, value: v.value / scale }),
      send: () =>
        port.send(MSG.PARAM_SET, {
          target_system: port.targetSysid,
          target_component: port.targetCompid,
          param_id: t.name,
          param_value: value,
          param_type: t.known?.type || MAV_PARAM_TYPE_REAL32,
        }),
    };
  });
  const set = await exchange(port, jobs, opts);
  const byName = new Map(set.map((v) => [v.name, v]));
  return targets.map((t) => byName.get(t.name) ?? t.known!);
}

export async function writeParam(port: ParamPort, name: string | string[], value: number, opts: ParamOptions = {}): Promise<ParamValue> {
  return (await writeParams(port, [{ name, value }], opts))[0]!;
}
