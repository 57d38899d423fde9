/**
 * Parameters by name: PARAM_REQUEST_READ / PARAM_SET, answered by PARAM_VALUE, with retries and
 * read-back. Several spellings may be given (ArduCopter 4.7 renamed some: MAV_SYSID was
 * SYSID_THISMAV); all are asked at once and the first the vehicle knows wins.
 */
import { MSG, num, str, type Fields, type Message } from './wire.js';

export interface ParamPort {
  readonly targetSysid: number;
  readonly targetCompid: number;
  send(msgid: number, fields: Fields): void;
  subscribe(listener: (m: Message) => void): () => void;
}

export interface ParamOptions {
  timeoutMs?: number;
  retries?: number;
  signal?: AbortSignal;
}

export class ParamError extends Error {
  override name = 'ParamError';
}

/** Same-unit renames in ArduCopter 4.7 (old ↔ new); unit changes (RTL_ALT → RTL_ALT_M) are not aliases. */
export const PARAM_ALIASES: Record<string, string[]> = {
  SYSID_THISMAV: ['MAV_SYSID'],
  MAV_SYSID: ['SYSID_THISMAV'],
  SYSID_MYGCS: ['MAV_GCS_SYSID'],
  MAV_GCS_SYSID: ['SYSID_MYGCS'],
};

export function paramNames(name: string | string[]): string[] {
  const list = Array.isArray(name) ? name : [name, ...(PARAM_ALIASES[name] ?? [])];
  for (const n of list) {
    if (!/^[A-Za-z0-9_]{1,16}$/.test(n)) throw new ParamError(`'${n}' is not a parameter name (1–16 letters, digits, _)`);
  }
  if (list.length === 0) throw new ParamError('no parameter name given');
  return list;
}

export interface ParamValue {
  name: string;
  value: number;
  type: number;
}

function waitValue(port: ParamPort, names: string[], send: () => void, accept: (v: ParamValue) => boolean, opts: ParamOptions, what: string): Promise<ParamValue> {
  const timeoutMs = opts.timeoutMs ?? 1000;
  let retriesLeft = opts.retries ?? 4;
  const wanted = new Set(names);
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | null = null;
    let last: ParamValue | undefined;
    const unsubscribe = port.subscribe((m) => {
      if (m.msgid !== MSG.PARAM_VALUE) return;
      const name = str(m.fields, 'param_id');
      if (!wanted.has(name)) return;
      const v: ParamValue = { name, value: num(m.fields, 'param_value'), type: num(m.fields, 'param_type') };
      last = v;
      if (!accept(v)) return;
      if (timer) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      unsubscribe();
      resolve(v);
    });
    const onAbort = () => {
      if (timer) clearTimeout(timer);
      unsubscribe();
      reject(new ParamError(`${what}: cancelled`));
    };
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const onTimeout = () => {
      if (retriesLeft <= 0) {
        opts.signal?.removeEventListener('abort', onAbort);
        unsubscribe();
        const tail = last ? `; vehicle reports ${last.name} = ${last.value}` : '';
        reject(new ParamError(`${what}: no matching PARAM_VALUE from vehicle ${port.targetSysid} after ${(opts.retries ?? 4) + 1} tries of ${timeoutMs} ms${tail}`));
        return;
      }
      retriesLeft--;
      send();
      timer = setTimeout(onTimeout, timeoutMs);
    };
    send();
    timer = setTimeout(onTimeout, timeoutMs);
  });
}

export function readParam(port: ParamPort, name: string | string[], opts: ParamOptions = {}): Promise<ParamValue> {
  const names = paramNames(name);
  const send = () => {
    for (const n of names) port.send(MSG.PARAM_REQUEST_READ, { target_system: port.targetSysid, target_component: port.targetCompid, param_id: n, param_index: -1 });
  };
  return waitValue(port, names, send, () => true, opts, `read parameter ${names.join(' / ')}`);
}

/** float32 equality the way the vehicle stores it. */
export function sameParamValue(a: number, b: number): boolean {
  const fa = Math.fround(a);
  const fb = Math.fround(b);
  return fa === fb || Math.abs(fa - fb) <= Math.abs(fa) * 1e-6;
}

export async function writeParam(port: ParamPort, name: string | string[], value: number, opts: ParamOptions = {}): Promise<ParamValue> {
  if (!Number.isFinite(value)) throw new ParamError(`parameter ${String(name)}: value ${value} is not a finite number`);
  const current = await readParam(port, name, opts);
  if (sameParamValue(current.value, value)) return current;
  const send = () =>
    port.send(MSG.PARAM_SET, {
      target_system: port.targetSysid,
      target_component: port.targetCompid,
      param_id: current.name,
      param_value: value,
      param_type: current.type || 9,
    });
  return waitValue(port, [current.name], send, (v) => sameParamValue(v.value, value), opts, `set parameter ${current.name} = ${value}`);
}
