/**
 * Drop requests, with the two tables that exist only for them: idempotency keys (an officer's retried
 * POST creates one request, not two) and hand-over codes (only a salted hash, and when the recipient
 * confirmed).
 */
import type { Reason } from '../../planning/types.js';
import { type CoordinateSystem, URGENCY_ORDER, type RequestStatus, type Urgency } from '../../domain/words.js';
import { json, num, numOrNull, str, strOrNull, type Row, type StoreConnection } from '../connection.js';
import type { DropRequestInput, DropRequestRecord } from '../records.js';

function requestRow(r: Row): DropRequestRecord {
  return {
    id: num(r.id),
    version: num(r.version),
    officerId: num(r.officer_id),
    recipient: str(r.recipient),
    phone: str(r.phone),
    dropPointName: strOrNull(r.drop_point_name),
    dropPointCrs: (strOrNull(r.drop_point_crs) ?? 'wgs84') as CoordinateSystem,
    lat: num(r.lat),
    lon: num(r.lon),
    medicine: str(r.medicine),
    weightKg: num(r.weight_kg),
    urgency: str(r.urgency) as Urgency,
    notes: str(r.notes),
    status: str(r.status) as RequestStatus,
    statusReason: strOrNull(r.status_reason),
    reasons: json<Reason[]>(r.reasons, []),
    missionId: numOrNull(r.mission_id),
    createdAt: str(r.created_at),
    updatedAt: str(r.updated_at),
  };
}

export class RequestsRepository {
  /** The highest id handed out by reserveId() on this connection. */
  private reserved = 0;

  constructor(private readonly c: StoreConnection) {}

  /**
   * The id the next request will be stored under, known before it is stored (its hand-over code is
   * derived from the id, and hashed slowly before the storing transaction). Ids handed out here are
   * never handed out again by this connection; one not used (a refused or replayed creation) leaves a
   * gap in the numbering. Another process inserting meanwhile is caught by create() (the id is taken).
   */
  reserveId(): number {
    const max = num((this.c.q('SELECT COALESCE(MAX(id), 0) AS m FROM drop_requests').get() as Row).m);
    this.reserved = Math.max(this.reserved, max) + 1;
    return this.reserved;
  }
  /** Whether a request with this id is stored. */
  exists(id: number): boolean {
    return this.c.q('SELECT 1 FROM drop_requests WHERE id = ?').get(id) !== undefined;
  }

  /**
   * Store a new request: under `id` when given (from reserveId()), else the next free id (one above
   * the highest, as SQLite's rowid; written out so that PostgreSQL does the same).
   */
  create(input: DropRequestInput, status: RequestStatus, id: number | null = null): DropRequestRecord {
    const at = this.c.now();
    const info = this.c
      .q(
        `INSERT INTO drop_requests (id, officer_id, recipient, phone, drop_point_name, lat, lon, medicine, weight_kg, urgency, urgency_rank, notes, drop_point_crs, status, created_at, updated_at)
       VALUES (COALESCE(?, (SELECT COALESCE(MAX(id), 0) + 1 FROM drop_requests)), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(id, input.officerId, ...fieldValues(input), status, at, at);
    return {
      ...input,
      id: Number(info.lastInsertRowid),
      version: 1,
      status,
      statusReason: null,
      reasons: [],
      missionId: null,
      createdAt: at,
      updatedAt: at,
    };
  }
  /** Store edited fields as the next version of the request; returns that version. */
  updateFields(id: number, input: Omit<DropRequestInput, 'officerId'>): number {
    const r = this.c
      .q(
        `UPDATE drop_requests SET recipient = ?, phone = ?, drop_point_name = ?, lat = ?, lon = ?, medicine = ?, weight_kg = ?, urgency = ?, urgency_rank = ?, notes = ?, drop_point_crs = ?, version = version + 1, updated_at = ? WHERE id = ? RETURNING version`,
      )
      .get(...fieldValues(input), this.c.now(), id) as Row | undefined;
    if (!r) throw new Error(`no drop request ${id}`);
    return num(r.version);
  }
  setStatus(id: number, status: RequestStatus, extra: { statusReason?: string | null; reasons?: Reason[]; missionId?: number | null } = {}): void {
    const cur = this.byId(id);
    if (!cur) throw new Error(`no drop request ${id}`);
    this.c
      .q('UPDATE drop_requests SET status = ?, status_reason = ?, reasons = ?, mission_id = ?, updated_at = ? WHERE id = ?')
      .run(
        status,
        extra.statusReason !== undefined ? extra.statusReason : cur.statusReason,
        JSON.stringify(extra.reasons ?? cur.reasons),
        extra.missionId !== undefined ? extra.missionId : cur.missionId,
        this.c.now(),
        id,
      );
  }
  byId(id: number): DropRequestRecord | null {
    const r = this.c.q('SELECT * FROM drop_requests WHERE id = ?').get(id) as Row | undefined;
    return r ? requestRow(r) : null;
  }
  list(filter: { officerId?: number; status?: RequestStatus } = {}): DropRequestRecord[] {
    const rows = this.c
      .q(
        `SELECT * FROM drop_requests WHERE (CAST(@officerId AS INTEGER) IS NULL OR officer_id = @officerId) AND (CAST(@status AS TEXT) IS NULL OR status = @status) ORDER BY created_at DESC, id DESC`,
      )
      .all({ officerId: filter.officerId ?? null, status: filter.status ?? null }) as Row[];
    return rows.map(requestRow);
  }
  /** Requests a zone-map or fleet change must plan again: being planned or not yet approved, not closed. */
  toReplan(): DropRequestRecord[] {
    return (
      this.c
        .q(`SELECT * FROM drop_requests WHERE status IN ('planning', 'awaiting-approval', 'unservable') ORDER BY urgency_rank, created_at, id`)
        .all() as Row[]
    ).map(requestRow);
  }

  /**
   * The requests awaiting approval, each with its mission's drone and planned flight time (no plan,
   * no other columns): what ranking the drones for one more request reads, once per candidate set.
   */
  waiting(): { id: number; urgency: Urgency; createdAt: string; droneId: string | null; durationS: number | null }[] {
    return (
      this.c
        .q(
          `SELECT r.id, r.urgency, r.created_at, m.drone_id, m.duration_s FROM drop_requests r LEFT JOIN missions m ON m.id = r.mission_id
           WHERE r.status = 'awaiting-approval' ORDER BY r.urgency_rank, r.created_at, r.id`,
        )
        .all() as Row[]
    ).map((r) => ({
      id: num(r.id),
      urgency: str(r.urgency) as Urgency,
      createdAt: str(r.created_at),
      droneId: strOrNull(r.drone_id),
      durationS: numOrNull(r.duration_s),
    }));
  }

  // idempotency
  byIdempotencyKey(officerId: number, key: string): { bodyHash: string; requestId: number } | null {
    const r = this.c.q('SELECT body_hash, request_id FROM idempotency_keys WHERE officer_id = ? AND key = ?').get(officerId, key) as Row | undefined;
    return r ? { bodyHash: str(r.body_hash), requestId: num(r.request_id) } : null;
  }
  rememberIdempotencyKey(officerId: number, key: string, bodyHash: string, requestId: number): void {
    this.c
      .q('INSERT INTO idempotency_keys (officer_id, key, body_hash, request_id, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(officerId, key, bodyHash, requestId, this.c.now());
  }

  // hand-over codes
  setHandoverCodeHash(requestId: number, codeHash: string): void {
    this.c
      .q('INSERT INTO handover_codes (request_id, code_hash) VALUES (?, ?) ON CONFLICT(request_id) DO UPDATE SET code_hash = excluded.code_hash')
      .run(requestId, codeHash);
  }
  handoverCode(requestId: number): { codeHash: string; confirmedAt: string | null } | null {
    const r = this.c.q('SELECT code_hash, confirmed_at FROM handover_codes WHERE request_id = ?').get(requestId) as Row | undefined;
    return r ? { codeHash: str(r.code_hash), confirmedAt: strOrNull(r.confirmed_at) } : null;
  }
  idsWithoutHandoverCode(): number[] {
    return (
      this.c.q('SELECT r.id FROM drop_requests r LEFT JOIN handover_codes h ON h.request_id = r.id WHERE h.request_id IS NULL ORDER BY r.id').all() as Row[]
    ).map((r) => num(r.id));
  }
  confirmHandover(requestId: number, at: string): void {
    this.c.q('UPDATE handover_codes SET confirmed_at = ? WHERE request_id = ? AND confirmed_at IS NULL').run(at, requestId);
  }
}

/** The editable columns of a drop request, in the order both the INSERT and the UPDATE list them. */
function fieldValues(input: Omit<DropRequestInput, 'officerId'>): (string | number | null)[] {
  return [
    input.recipient,
    input.phone,
    input.dropPointName,
    input.lat,
    input.lon,
    input.medicine,
    input.weightKg,
    input.urgency,
    URGENCY_ORDER[input.urgency],
    input.notes,
    input.dropPointCrs ?? 'wgs84',
  ];
}
