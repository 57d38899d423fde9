/**
 * Drop requests: queue (idempotent), edit and cancel before approval, hand-over codes. Each change
 * is written (with its audit entry) before the caller is answered, then planned at once. A new
 * request is stored with its plan and the hash of its hand-over code in one transaction.
 *
 * One approved version: an edit that changes anything makes the next version of the request and, in
 * the same transaction, supersedes the mission planned for the previous one and puts the request
 * back to 'planning'. There is no moment at which the old plan can still be approved; the pilot
 * approves the new plan once it is made (src/dispatch/flights.ts checks the version).
 */
import { createHash, createHmac } from 'node:crypto';
import { hashHandoverCode, normaliseCode, verifyHandoverCode } from '../fleet/delivery.js';
import type { Repositories } from '../store/repositories.js';
import type { DropRequestInput, DropRequestRecord, UserRecord } from '../store/records.js';
import type { DropRequestFields, RequestStatus } from '../domain/words.js';
import type { Dispatcher, Tried } from './dispatcher.js';
import { neverServable, withDroneNames } from './feasibility.js';
import type { Reason } from '../planning/types.js';
import type { EventBus } from './events.js';
import { ServiceError, badRequest, conflict, notFound, versionConflict } from './errors.js';
import { createLogger } from '../log.js';

const log = createLogger('requests');
/**
 * A hand-over code's hash waits at most this long for the requests being created to be answered, ms.
 * A hash is ~40 ms of CPU (scrypt), as much as ~20 plans: on a loaded machine a burst of creations
 * can last more than a few seconds, and hashes made during it took the CPU its plans needed.
 */
const HASH_WAIT_MAX_MS = 10_000;

const EDITABLE: readonly RequestStatus[] = ['planning', 'awaiting-approval', 'unservable'];

/** The preview takes the create body; only the drop point and the weight are needed to plan. */
export type PreviewFields = Partial<Omit<DropRequestFields, 'dropPoint' | 'weightKg'>> & Pick<DropRequestFields, 'dropPoint' | 'weightKg'>;
export type Assessed = { tried: Tried[]; reasons: Reason[] };

export class RequestService {
  /** Hand-over code hashes still to be stored, one after another (see create()). */
  private hashing: Promise<void> = Promise.resolve();
  private readonly hashPending = new Map<number, Promise<void>>();
  private readonly hashQueue: number[] = [];
  /** Creations being planned or stored right now (the hashes wait for them). */
  private creating = 0;

  constructor(
    private readonly repos: Repositories,
    private readonly dispatcher: Dispatcher,
    private readonly bus: EventBus,
    /** Server secret: hand-over codes are derived from it (shown to the officer) and only their hash is stored. */
    private readonly secret: string,
  ) {}

  /** The 6-digit hand-over code for a request (deterministic per secret and id). */
  handoverCode(requestId: number): string {
    const mac = createHmac('sha256', this.secret).update(`handover:${requestId}`).digest();
    return String(mac.readUInt32BE(0) % 1_000_000).padStart(6, '0');
  }

  /**
   * What the planner says about a request before it is submitted (stores nothing): the best drone
   * and depot, distance, flight time and ETA, or why not — and whether creation would refuse it.
   */
  async preview(officer: UserRecord, body: PreviewFields): Promise<{ assessed: Assessed; input: DropRequestInput }> {
    const input = this.toInput(officer.id, {
      recipient: body.recipient ?? '',
      phone: body.phone ?? '',
      medicine: body.medicine ?? '',
      urgency: body.urgency ?? 'routine',
      dropPoint: body.dropPoint,
      weightKg: body.weightKg,
      ...(body.notes !== undefined ? { notes: body.notes } : {}),
    });
    return { assessed: await this.dispatcher.candidates(this.draft(input)), input };
  }

  /**
   * Queue a request. It is planned first, before anything is stored: a request that no registered
   * drone could ever serve (src/dispatch/feasibility.ts) is refused with 422 and the reasons, and
   * stores nothing (no request, no idempotency key, no hand-over code). Otherwise the request, its
   * idempotency key, its audit entry and its plan (or its reasons) are written in one transaction.
   * The same Idempotency-Key from the same officer returns the first request (replay = true) and
   * creates nothing; with a different body it is a 409. Two submits with one key racing through the
   * planning both plan; the transaction lets one store and answers the other as its replay.
   *
   * The hand-over code is derived from the server secret and the request's id (handoverCode()), so
   * it exists as soon as the id does and can never be lost. Only its slow salted hash (scrypt, tens
   * of ms of CPU) is stored, and that is made after the officer is answered, one at a time, once the
   * creations under way are answered (at most HASH_WAIT_MAX_MS later): under a burst of new requests
   * it was most of each creation's CPU. A confirmation that comes first waits for it or makes it;
   * after a crash, start-up makes the missing ones (recoverAfterStart).
   */
  async create(officer: UserRecord, body: DropRequestFields, idempotencyKey: string): Promise<{ request: DropRequestRecord; replay: boolean }> {
    if (!/^[\x21-\x7e]{8,128}$/.test(idempotencyKey)) {
      throw badRequest('Idempotency-Key', 'Idempotency-Key header is required: 8–128 visible ASCII characters (a fresh random value per new request)');
    }
    const bodyHash = createHash('sha256').update(canonicalJson(body)).digest('hex');
    const seen = this.repos.requests.byIdempotencyKey(officer.id, idempotencyKey);
    if (seen) return this.replay(seen, bodyHash);
    const input = this.toInput(officer.id, body);
    this.creating++;
    try {
      const mapNow = () => this.dispatcher.zoneMap()?.record.version ?? null;
      const draft = this.draft(input);
      let mapVersion = mapNow();
      let assessed = await this.dispatcher.candidates(draft);
      // A zone map uploaded while this was planned: planned again on it before anything is stored
      // (twice at most; after that it is stored and re-planned below), so that the request is not
      // stored, audited and announced with a plan on a map that is gone.
      for (let again = 0; again < 2 && mapNow() !== mapVersion; again++) {
        mapVersion = mapNow();
        assessed = await this.dispatcher.candidates(draft);
      }
      if (neverServable(assessed.tried)) {
        const reasons = withDroneNames(assessed.reasons, (rid) => this.repos.drones.byId(rid)?.name ?? null);
        throw new ServiceError(
          'infeasible',
          `no drone can ever serve this request: ${reasons.map((r) => r.message).join('; ')}`,
          undefined,
          undefined,
          undefined,
          reasons,
        );
      }
      let created: { request: DropRequestRecord; publish(): void } | null = null;
      try {
        created = this.repos.transaction(() => {
          const again = this.repos.requests.byIdempotencyKey(officer.id, idempotencyKey);
          if (again) throw new Replay(again);
          // The id is reserved in the transaction that stores it (another process, the CLI on the
          // same database, may have stored one meanwhile).
          let id = this.repos.requests.reserveId();
          while (this.repos.requests.exists(id)) id = this.repos.requests.reserveId();
          const r = this.repos.requests.create(input, 'planning', id);
          this.repos.requests.rememberIdempotencyKey(officer.id, idempotencyKey, bodyHash, r.id);
          this.repos.audit.append({
            actorId: officer.id,
            action: 'request.create',
            subjectType: 'request',
            subjectId: r.id,
            details: { urgency: r.urgency, dropPoint: r.dropPointName ?? [r.lat, r.lon], medicine: r.medicine, weightKg: r.weightKg },
          });
          const { publish } = this.dispatcher.storePlan(r, assessed, 'new request');
          return { request: r, publish };
        });
      } catch (err) {
        if (err instanceof Replay) return this.replay(err.seen, bodyHash);
        throw err;
      }
      const id = created.request.id;
      this.hashLater(id);
      created.publish();
      // The zone map changed while this request was planned: the map's re-plan did not see it (it was
      // not stored yet), so it is planned again on the new map.
      if ((this.dispatcher.zoneMap()?.record.version ?? null) !== mapVersion) await this.dispatcher.planRequest(id, 'zone map changed while planned');
      return { request: this.repos.requests.byId(id)!, replay: false };
    } finally {
      this.creating--;
    }
  }

  /**
   * Store the hash of request `id`'s hand-over code after the creations under way (see create()).
   * The hashes waiting are made one after another and written together, in one transaction: one
   * commit for a burst, not one per request.
   */
  private hashLater(id: number): void {
    this.hashQueue.push(id);
    const started = Date.now();
    const done = this.hashing
      .then(async () => {
        const ids = this.hashQueue.splice(0);
        if (ids.length === 0) return;
        while (this.creating > 0 && Date.now() - started < HASH_WAIT_MAX_MS) await new Promise((r) => setTimeout(r, 20));
        const hashes: [number, string][] = [];
        for (const rid of ids) if (!this.repos.requests.handoverCode(rid)) hashes.push([rid, await this.handoverHashFor(rid)]);
        this.repos.transaction(() => {
          for (const [rid, hash] of hashes) if (!this.repos.requests.handoverCode(rid)) this.repos.requests.setHandoverCodeHash(rid, hash);
        });
      })
      .catch((err: unknown) => log.error({ err, requestId: id }, 'hand-over code hashes not stored (made again at the next start)'))
      .finally(() => this.hashPending.delete(id));
    this.hashPending.set(id, done);
    this.hashing = done;
  }

  /** Resolves when every hand-over code hash queued so far is stored (shutdown, tests). */
  async handoverCodesStored(): Promise<void> {
    await this.hashing;
  }

  /** A request as it would be stored, for planning before it is (id 0: never written). */
  private draft(input: DropRequestInput): DropRequestRecord {
    const now = this.repos.now();
    return { ...input, id: 0, version: 1, status: 'unservable', statusReason: null, reasons: [], missionId: null, createdAt: now, updatedAt: now };
  }

  /** Store the hash of a request's hand-over code if it is missing (a request stored by an older version). */
  async ensureHandoverCode(requestId: number): Promise<void> {
    if (!this.repos.requests.handoverCode(requestId)) this.repos.requests.setHandoverCodeHash(requestId, await this.handoverHashFor(requestId));
  }

  private async handoverHashFor(requestId: number): Promise<string> {
    return hashHandoverCode(this.handoverCode(requestId));
  }

  private replay(seen: { bodyHash: string; requestId: number }, bodyHash: string): { request: DropRequestRecord; replay: boolean } {
    if (seen.bodyHash !== bodyHash) {
      throw conflict('this Idempotency-Key was already used for a different request body; use a new key for a new request', 'Idempotency-Key');
    }
    return { request: this.repos.requests.byId(seen.requestId)!, replay: true };
  }

  /**
   * Officer edits own request before approval. An edit that changes nothing keeps the version and the
   * plan. Otherwise, in ONE transaction: the fields are stored as the next version, the open mission
   * (planned for the previous version) is superseded and the request goes back to 'planning'; then it
   * is re-planned. An edit after approval is refused (409 'request-not-editable').
   */
  async update(officer: UserRecord, id: number, patch: Partial<DropRequestFields>): Promise<DropRequestRecord> {
    const cur = this.ownedOpen(officer, id);
    const merged: DropRequestFields = {
      recipient: patch.recipient ?? cur.recipient,
      phone: patch.phone ?? cur.phone,
      dropPoint: patch.dropPoint ?? (cur.dropPointName ? { name: cur.dropPointName } : { lat: cur.lat, lon: cur.lon }),
      medicine: patch.medicine ?? cur.medicine,
      weightKg: patch.weightKg ?? cur.weightKg,
      urgency: patch.urgency ?? cur.urgency,
      notes: patch.notes ?? cur.notes,
    };
    const input = this.toInput(officer.id, merged);
    const changed = changedFields(cur, input);
    if (changed.length === 0) return cur;
    const { superseded } = this.repos.transaction(() => {
      // checked again inside the transaction that writes: what is stored is what was checked
      const before = this.ownedOpen(officer, id);
      const version = this.repos.requests.updateFields(id, input);
      const superseded = this.repos.missions.supersedeOpen(id);
      this.repos.requests.setStatus(id, 'planning', { statusReason: null, reasons: [], missionId: null });
      this.repos.audit.append({
        actorId: officer.id,
        action: 'request.update',
        subjectType: 'request',
        subjectId: id,
        details: { fields: changed, version, previousVersion: before.version, supersededMissionId: superseded },
      });
      return { version, superseded };
    });
    this.bus.publish({ type: 'request', requestId: id });
    if (superseded !== null) this.bus.publish({ type: 'mission', missionId: superseded });
    await this.dispatcher.planRequest(id, 'request edited');
    return this.repos.requests.byId(id)!;
  }

  cancel(officer: UserRecord, id: number, reason: string | null): DropRequestRecord {
    const superseded = this.repos.transaction(() => {
      const cur = this.ownedOpen(officer, id);
      const mission = this.repos.missions.supersedeOpen(id);
      this.repos.requests.setStatus(id, 'cancelled', { statusReason: reason ?? 'cancelled by the officer' });
      this.repos.audit.append({
        actorId: officer.id,
        action: 'request.cancel',
        subjectType: 'request',
        subjectId: id,
        reason,
        details: { version: cur.version, supersededMissionId: mission },
      });
      return mission;
    });
    this.bus.publish({ type: 'request', requestId: id });
    if (superseded !== null) this.bus.publish({ type: 'mission', missionId: superseded });
    return this.repos.requests.byId(id)!;
  }

  /**
   * The recipient confirms the hand-over with the code. Wrong code or unknown request → 400 on
   * 'code' (the same answer, so ids cannot be probed); before the drop → 409.
   */
  async confirmHandover(requestId: number, code: string): Promise<{ request: DropRequestRecord; confirmedAt: string }> {
    // a request created moments ago may not have its hash stored yet (see create())
    await this.hashPending.get(requestId);
    if (!this.repos.requests.handoverCode(requestId) && this.repos.requests.exists(requestId)) await this.ensureHandoverCode(requestId);
    const stored = this.repos.requests.handoverCode(requestId);
    const ok = stored ? await verifyHandoverCode(normaliseCode(code), stored.codeHash) : false;
    const request = ok ? this.repos.requests.byId(requestId) : null;
    if (!ok || !request || !stored) throw badRequest('code', 'the request number and hand-over code do not match');
    if (stored.confirmedAt) return { request, confirmedAt: stored.confirmedAt };
    if (request.status !== 'delivered') throw conflict(`request ${requestId} has not been dropped yet (status ${request.status})`);
    const at = this.repos.now();
    this.repos.transaction(() => {
      this.repos.requests.confirmHandover(requestId, at);
      this.repos.audit.append({
        actorId: null,
        action: 'handover.confirm',
        subjectType: 'request',
        subjectId: requestId,
        reason: 'recipient entered the hand-over code',
      });
    });
    this.bus.publish({ type: 'request', requestId });
    return { request, confirmedAt: at };
  }

  private ownedOpen(officer: UserRecord, id: number): DropRequestRecord {
    const cur = this.repos.requests.byId(id);
    if (!cur || cur.officerId !== officer.id) throw notFound(`drop request ${id}`);
    if (!EDITABLE.includes(cur.status)) {
      throw versionConflict('request-not-editable', `drop request ${id} is ${cur.status}; it can only be changed before a pilot approves it`, {
        requestId: id,
        status: cur.status,
      });
    }
    return cur;
  }

  private toInput(officerId: number, body: DropRequestFields): DropRequestInput {
    const dp = this.dispatcher.resolveDropPoint(body.dropPoint);
    if (!(body.weightKg > 0)) throw badRequest('weightKg', 'weightKg must be more than 0');
    return {
      officerId,
      recipient: body.recipient.trim(),
      phone: body.phone.trim(),
      dropPointName: dp.name,
      dropPointCrs: dp.crs,
      lat: dp.lat,
      lon: dp.lon,
      medicine: body.medicine.trim(),
      weightKg: body.weightKg,
      urgency: body.urgency,
      notes: (body.notes ?? '').trim(),
    };
  }
}

/** The fields an edit changes, by their API names (dropPoint for its name or position). */
function changedFields(cur: DropRequestRecord, next: DropRequestInput): string[] {
  const out: string[] = [];
  if (cur.recipient !== next.recipient) out.push('recipient');
  if (cur.phone !== next.phone) out.push('phone');
  if (cur.dropPointName !== next.dropPointName || cur.lat !== next.lat || cur.lon !== next.lon) out.push('dropPoint');
  if (cur.medicine !== next.medicine) out.push('medicine');
  if (cur.weightKg !== next.weightKg) out.push('weightKg');
  if (cur.urgency !== next.urgency) out.push('urgency');
  if (cur.notes !== next.notes) out.push('notes');
  return out;
}

class Replay extends Error {
  constructor(readonly seen: { bodyHash: string; requestId: number }) {
    super('replay');
  }
}

/** JSON with sorted keys, so that key order does not make two equal bodies differ. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

export { ServiceError };
