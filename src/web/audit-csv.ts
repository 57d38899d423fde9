/**
 * The audit log as CSV for spreadsheet programs: RFC 4180 (CRLF line ends; a field holding a comma,
 * quote or line break is quoted, quotes doubled), UTF-8 with a byte-order mark (without it Excel in
 * a Chinese locale reads the file as GBK and garbles every Chinese name), and cells that a
 * spreadsheet would run as a formula (starting with = + - @, or a tab / carriage return before one)
 * prefixed with a single quote (OWASP "CSV Injection").
 */
import type { AuditEntryView } from './api-types.js';

export const CSV_BOM = '\uFEFF';
export const AUDIT_CSV_COLUMNS = ['id', 'time', 'user', 'role', 'action', 'subject', 'reason', 'details'] as const;

/** One cell: formula-guarded, then quoted when it must be. */
export function csvCell(value: string | number | null): string {
  let s = value === null ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(cells: (string | number | null)[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

/** The whole file, BOM and header first. */
export function auditCsv(entries: AuditEntryView[]): string {
  const lines = [CSV_BOM, csvLine([...AUDIT_CSV_COLUMNS])];
  for (const e of entries) {
    lines.push(
      csvLine([
        e.id,
        e.at,
        e.actor ? e.actor.username : null,
        e.actor ? e.actor.role : null,
        e.action,
        e.subject ? `${e.subject.type} ${e.subject.id}` : null,
        e.reason,
        JSON.stringify(e.details),
      ]),
    );
  }
  return lines.join('');
}
