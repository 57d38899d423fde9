/**
 * The vehicle_commands table: an approval, pause, resume, abort, declaration of loss or link test
 * asked at an instance that does not own the drone's link, waiting for the owner to take it, carry it out and answer. Taking is one
 * UPDATE … WHERE state = 'pending' (exactly one instance gets it); a command past its expiry is
 * never taken, so a late owner does not act on a decision its requester has given up on.
 */
import { json, num, str, strOrNull, type Row, type StoreConnection } from '../connection.js';

export type VehicleCommandAction = 'approve' | 'abort' | 'pause' | 'resume' | 'declare-lost' | 'link-test';

export interface VehicleCommand {
  id: number;
  droneId: string;
  action: VehicleCommandAction;
  payload: Record<string, unknown>;
  askedBy: string;
  askedAt: number;
  expiresAt: number;
  state: 'pending' | 'taken' | 'answered';
  takenBy: string | null;
  answer: Record<string, unknown> | null;
}

const command = (r: Row): VehicleCommand => ({
  id: num(r.id),
  droneId: str(r.drone_id),
  action: str(r.action) as VehicleCommandAction,
  payload: json<Record<string, unknown>>(r.payload, {}),
  askedBy: str(r.asked_by),
  askedAt: num(r.asked_at),
  expiresAt: num(r.expires_at),
  state: str(r.state) as VehicleCommand['state'],
  takenBy: strOrNull(r.taken_by),
  answer: r.answer === null || r.answer === undefined ? null : json<Record<string, unknown>>(r.answer, {}),
});

export class VehicleCommandsRepository {
  constructor(private readonly c: StoreConnection) {}

  ask(c: { droneId: string; action: VehicleCommandAction; payload: Record<string, unknown>; askedBy: string; askedAt: number; expiresAt: number }): number {
    return num(
      this.c
        .q('INSERT INTO vehicle_commands (drone_id, action, payload, asked_by, asked_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(c.droneId, c.action, JSON.stringify(c.payload), c.askedBy, c.askedAt, c.expiresAt).lastInsertRowid,
    );
  }

  /** Commands waiting for one of these drones, oldest first, not expired at `now`. */
  pending(droneIds: readonly string[], now: number): VehicleCommand[] {
    if (droneIds.length === 0) return [];
    const rows = this.c.q("SELECT * FROM vehicle_commands WHERE state = 'pending' AND expires_at > ? ORDER BY id").all(now) as Row[];
    const wanted = new Set(droneIds);
    return rows.map(command).filter((c) => wanted.has(c.droneId));
  }

  /** Take a pending command for `by`; false: another instance took it, or it expired. */
  take(id: number, by: string, now: number): boolean {
    return (
      this.c.q("UPDATE vehicle_commands SET state = 'taken', taken_by = ? WHERE id = ? AND state = 'pending' AND expires_at > ?").run(by, id, now).changes === 1
    );
  }

  answer(id: number, by: string, answer: Record<string, unknown>, now: number): void {
    this.c
      .q("UPDATE vehicle_commands SET state = 'answered', answer = ?, answered_at = ? WHERE id = ? AND taken_by = ?")
      .run(JSON.stringify(answer), now, id, by);
  }

  /** Withdraw a command nobody took (its requester gave up): true when it was still pending. */
  withdraw(id: number): boolean {
    return (
      this.c.q("UPDATE vehicle_commands SET state = 'answered', answer = ? WHERE id = ? AND state = 'pending'").run('{"withdrawn":true}', id).changes === 1
    );
  }

  get(id: number): VehicleCommand | null {
    const r = this.c.q('SELECT * FROM vehicle_commands WHERE id = ?').get(id) as Row | undefined;
    return r ? command(r) : null;
  }
}
