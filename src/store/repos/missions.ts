/** Planned missions (plan, candidates and conditions as JSON beside the columns lists sort on) and their approval or rejection. */
import type { DeliveryPlan } from '../../planner/types.js';
import type { MissionStatus } from '../../domain/words.js';
import { json, num, numOrNull, str, strOrNull, type Row, type StoreConnection } from '../connection.js';
import type { ApprovalRecord, Candidate, MissionBrief, MissionInput, MissionRecord, PlanningConditions } from '../records.js';

function missionRow(r: Row): MissionRecord {
  return {
    id: num(r.id),
    requestId: num(r.request_id),
    requestVersion: num(r.request_version ?? 1),
    status: str(r.status) as MissionStatus,
    zoneMapVersion: numOrNull(r.zone_map_version),
    depot: str(r.depot),
    droneId: str(r.drone_id),
    plan: json<DeliveryPlan>(r.plan_json, null as unknown as DeliveryPlan),
    candidates: json<Candidate[]>(r.candidates_json, []),
    conditions: json<PlanningConditions>(r.conditions_json, null as unknown as PlanningConditions),
    createdAt: str(r.created_at),
  };
}

/** A mission's columns and candidates, without its plan (a row with at least brief()'s columns). */
function briefRow(r: Row): MissionBrief {
  return {
    id: num(r.id),
    requestId: num(r.request_id),
    requestVersion: num(r.request_version ?? 1),
    status: str(r.status) as MissionStatus,
    depot: str(r.depot),
    droneId: str(r.drone_id),
    durationS: num(r.duration_s),
    candidates: json<Candidate[]>(r.candidates_json, []),
  };
}

/** The figure columns are NOT NULL and SQLite stores a NaN as NULL: a figure the planner could not compute goes in as 0. */
function finite(n: number): number {
  return Number.isFinite(n) ? n : 0;
}

export class MissionsRepository {
  constructor(private readonly c: StoreConnection) {}

  create(m: MissionInput): MissionRecord {
    const at = this.c.now();
    const p = m.plan;
    const info = this.c
      .q(
        `INSERT INTO missions (request_id, request_version, status, zone_map_version, depot, drone_id, feasible, distance_m, duration_s, energy_wh, margin_pct, cruise_altitude_m, failed_checks, plan_json, candidates_json, conditions_json, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        m.requestId,
        m.requestVersion,
        m.status,
        m.zoneMapVersion,
        p.depot.name,
        m.droneId,
        p.feasible ? 1 : 0,
        finite(p.distanceM),
        finite(p.durationS),
        finite(p.energyWh),
        finite(p.marginPct),
        finite(p.cruiseAltitudeM),
        p.checks.filter((c) => !c.ok).length,
        JSON.stringify(p),
        JSON.stringify(m.candidates),
        JSON.stringify(m.conditions),
        at,
      );
    return { ...m, id: Number(info.lastInsertRowid), depot: p.depot.name, createdAt: at };
  }
  /**
   * Mark the request's open mission (awaiting approval, or infeasible) superseded; returns its id,
   * or null when it had none open. An approved or rejected mission is history and stays as it is.
   */
  supersedeOpen(requestId: number): number | null {
    const r = this.c
      .q(`UPDATE missions SET status = 'superseded' WHERE request_id = ? AND status IN ('awaiting-approval', 'infeasible') RETURNING id`)
      .all(requestId) as Row[];
    return r.length > 0 ? num(r[r.length - 1]!.id) : null;
  }
  setStatus(id: number, status: MissionStatus): void {
    this.c.q('UPDATE missions SET status = ? WHERE id = ?').run(status, id);
  }
  byId(id: number): MissionRecord | null {
    const r = this.c.q('SELECT * FROM missions WHERE id = ?').get(id) as Row | undefined;
    return r ? missionRow(r) : null;
  }
  /** The mission without its plan (columns and candidates only): cheap enough to read for a whole queue. */
  brief(id: number): MissionBrief | null {
    const r = this.c.q('SELECT id, request_id, request_version, status, depot, drone_id, duration_s, candidates_json FROM missions WHERE id = ?').get(id) as
      | Row
      | undefined;
    return r ? briefRow(r) : null;
  }
  /**
   * What a re-plan compares with before storing a new mission: the stored plan as its JSON text
   * (not parsed) and the candidates.
   */
  stored(id: number): { brief: MissionBrief; zoneMapVersion: number | null; planJson: string } | null {
    const r = this.c
      .q('SELECT id, request_id, request_version, status, zone_map_version, depot, drone_id, duration_s, candidates_json, plan_json FROM missions WHERE id = ?')
      .get(id) as Row | undefined;
    return r
      ? {
          brief: briefRow(r),
          zoneMapVersion: numOrNull(r.zone_map_version),
          planJson: str(r.plan_json),
        }
      : null;
  }
  /** Missions with a status, ordered by the request's urgency, then the request's age. */
  list(status?: MissionStatus): MissionRecord[] {
    const rows = this.c
      .q(
        `SELECT m.* FROM missions m JOIN drop_requests r ON r.id = m.request_id
       WHERE (CAST(@status AS TEXT) IS NULL OR m.status = @status) ORDER BY r.urgency_rank, r.created_at, r.id, m.id`,
      )
      .all({ status: status ?? null }) as Row[];
    return rows.map(missionRow);
  }

  // approvals (one decision per mission)
  recordApproval(a: ApprovalRecord): void {
    this.c
      .q('INSERT INTO approvals (mission_id, request_version, decision, user_id, checklist, reason, at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(a.missionId, a.requestVersion, a.decision, a.userId, JSON.stringify(a.checklist), a.reason, a.at);
  }
  approval(missionId: number): ApprovalRecord | null {
    const r = this.c.q('SELECT * FROM approvals WHERE mission_id = ?').get(missionId) as Row | undefined;
    return r
      ? {
          missionId: num(r.mission_id),
          requestVersion: numOrNull(r.request_version),
          decision: str(r.decision) as 'approved' | 'rejected',
          userId: num(r.user_id),
          checklist: json<string[]>(r.checklist, []),
          reason: strOrNull(r.reason),
          at: str(r.at),
        }
      : null;
  }
}
