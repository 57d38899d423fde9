/**
 * Delivery confirmation and hand-over codes.
 *
 * A drop counts as delivered when (1) the vehicle was flying the planned delivery item (reached the
 * drop point), (2) the vehicle reported the release (ArduCopter's 'PayloadPlace: Releasing the
 * gripper' / 'Gripper load released', or a winch release), and (3) the position at release is within
 * a distance tolerance (default 3 m) of the planned drop point. The record keeps the position and time
 * of release whether or not it counts, so that a release in the wrong place is visible.
 */
import { randomInt, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { DeliveryMethod } from '../domain/words.js';
import { distanceM } from '../geo/spherical.js';

export const DEFAULT_RELEASE_TOLERANCE_M = 3;

export interface ReleaseReport {
  t: number;
  /** Vehicle position at the release (latest GLOBAL_POSITION_INT), degrees. */
  lat: number;
  lon: number;
  relAltM: number;
  /** Age of that position when the release was reported, ms. */
  positionAgeMs: number;
  /** The STATUSTEXT that reported it. */
  text: string;
  /** Mission item the vehicle was on. */
  seq: number;
  /** Horizontal distance from the planned drop point, m. */
  distanceM: number;
}

export interface DeliveryRecord {
  planned: { lat: number; lon: number; seq: number; method: DeliveryMethod };
  toleranceM: number;
  /** First release reported (kept even when off target). */
  release: ReleaseReport | null;
  /** When the delivery item was completed (MISSION_ITEM_REACHED, or the mission moved past it). */
  itemDoneAt: number | null;
  delivered: boolean;
  deliveredAt: number | null;
  /** Why it does not (yet) count, when it does not. */
  reason: string | null;
}

export function newDeliveryRecord(planned: DeliveryRecord['planned'], toleranceM = DEFAULT_RELEASE_TOLERANCE_M): DeliveryRecord {
  if (!(toleranceM > 0) || !Number.isFinite(toleranceM)) throw new Error(`delivery: tolerance must be a positive number of metres, got ${toleranceM}`);
  return { planned: { ...planned }, toleranceM, release: null, itemDoneAt: null, delivered: false, deliveredAt: null, reason: 'not released yet' };
}

/** STATUSTEXTs by which ArduCopter reports that the parcel was let go. */
const RELEASE_TEXTS: RegExp[] = [
  // NAV_PAYLOAD_PLACE, on touchdown
  /PayloadPlace: Releasing the gripper/i,
  // AP_Gripper, for DO_GRIPPER release (winch and land-release deliveries) and PAYLOAD_PLACE alike
  /Gripper load releas(ed|ing)/i,
];

export function isReleaseText(text: string): boolean {
  return RELEASE_TEXTS.some((r) => r.test(text));
}

/** Positions older than this at the release cannot confirm where it happened. */
export const MAX_RELEASE_POSITION_AGE_MS = 3000;

/** Record a release (the first one counts) and re-evaluate. Pure. */
export function recordRelease(
  rec: DeliveryRecord,
  r: { t: number; text: string; seq: number; position: { t: number; lat: number; lon: number; relAltM: number } | null },
): DeliveryRecord {
  if (rec.release) return rec;
  const pos = r.position;
  const release: ReleaseReport = pos
    ? {
        t: r.t,
        lat: pos.lat,
        lon: pos.lon,
        relAltM: pos.relAltM,
        positionAgeMs: Math.max(0, r.t - pos.t),
        text: r.text,
        seq: r.seq,
        distanceM: distanceM([rec.planned.lon, rec.planned.lat], [pos.lon, pos.lat]),
      }
    : { t: r.t, lat: NaN, lon: NaN, relAltM: NaN, positionAgeMs: Infinity, text: r.text, seq: r.seq, distanceM: Infinity };
  return evaluateDelivery({ ...rec, release });
}

/** Record that the delivery item completed (reached / passed). Pure. */
export function recordItemDone(rec: DeliveryRecord, t: number): DeliveryRecord {
  if (rec.itemDoneAt !== null) return rec;
  return evaluateDelivery({ ...rec, itemDoneAt: t });
}

/** Whether the record counts as delivered, and why not. Pure. */
export function evaluateDelivery(rec: DeliveryRecord): DeliveryRecord {
  if (rec.delivered) return rec;
  const r = rec.release;
  let reason: string | null = null;
  if (!r) reason = 'not released yet';
  else if (!Number.isFinite(r.distanceM) || r.positionAgeMs > MAX_RELEASE_POSITION_AGE_MS) reason = 'no recent position at the release';
  else if (r.seq !== rec.planned.seq) reason = `released on mission item ${r.seq}, not the delivery item ${rec.planned.seq}`;
  else if (r.distanceM > rec.toleranceM) reason = `released ${r.distanceM.toFixed(1)} m from the drop point (tolerance ${rec.toleranceM} m)`;
  else if (rec.itemDoneAt === null) reason = 'waiting for the delivery item to complete';
  if (reason) return { ...rec, reason };
  return { ...rec, delivered: true, deliveredAt: Math.max(r!.t, rec.itemDoneAt!), reason: null };
}

/** A release that will never count (wrong place / wrong item / no position). */
export function releaseFailed(rec: DeliveryRecord): boolean {
  return rec.release !== null && !rec.delivered && rec.reason !== 'waiting for the delivery item to complete';
}

// ---------------------------------------------------------------------------------------------
// Hand-over codes: the officer gives the recipient a short code; the recipient enters it on a public
// page to confirm they received the parcel. Only a salted scrypt hash is stored; the check is
// constant-time. Rate limiting belongs to the web layer.

const SCRYPT: ScryptOptions = { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const KEY_LEN = 32;

function scrypt(password: string, salt: Buffer, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scryptCb(password, salt, KEY_LEN, opts, (err, key) => (err ? reject(err) : resolve(key))));
}

export interface HandoverCode {
  /** Show once to the officer; never store. */
  code: string;
  /** Store this: `scrypt$N$r$p$<salt b64>$<hash b64>`. */
  hash: string;
}

/** A crypto-random numeric code (default 6 digits, leading zeros kept) and its salted hash. */
export async function createHandoverCode(digits = 6): Promise<HandoverCode> {
  const code = randomHandoverCode(digits);
  return { code, hash: await hashHandoverCode(code) };
}

/** Just the code: `digits` crypto-random decimal digits. */
export function randomHandoverCode(digits = 6): string {
  if (!Number.isInteger(digits) || digits < 4 || digits > 12) throw new Error(`hand-over code: digits must be an integer from 4 to 12, got ${digits}`);
  let code = '';
  for (let i = 0; i < digits; i++) code += String(randomInt(10));
  return code;
}

export async function hashHandoverCode(code: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(normaliseCode(code), salt, SCRYPT);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** Spaces and dashes people type are ignored ("123 456", "123-456"). */
export function normaliseCode(code: string): string {
  return code.replace(/[\s-]/g, '');
}

/**
 * Check an entered code against a stored hash in constant time. A malformed entry or a malformed
 * stored hash is simply "no" (never an exception to the caller's request handler).
 */
export async function verifyHandoverCode(entered: string, stored: string): Promise<boolean> {
  if (typeof entered !== 'string' || typeof stored !== 'string') return false;
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  if (![N, r, p].every((v) => Number.isInteger(v) && v > 0) || N > 1 << 20 || r > 32 || p > 16) return false;
  const salt = Buffer.from(parts[4] as string, 'base64');
  const expected = Buffer.from(parts[5] as string, 'base64');
  if (salt.length < 8 || expected.length !== KEY_LEN) return false;
  const code = normaliseCode(entered);
  // Hash whatever was entered (even garbage) so that timing does not reveal the format check.
  const usable = /^\d{4,12}$/.test(code);
  let key: Buffer;
  try {
    key = await scrypt(usable ? code : 'x', salt, { N, r, p, maxmem: 128 * N * r * 2 + 1024 * 1024 });
  } catch {
    return false;
  }
  return timingSafeEqual(key, expected) && usable;
}
