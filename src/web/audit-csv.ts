/**
 * The audit log as CSV for spreadsheet programs: RFC 4180 (CRLF line ends; a field holding a comma,
 * quote or line break is quoted, quotes doubled), UTF-8 with a byte-order mark (without it Excel in
 * a Chinese locale reads the file as GBK and garbles every Chinese name), and cells that a
 * spreadsheet would run as a formula (starting with = + - @, or a tab / carriage return before one)
 * prefixed with a single quote (OWASP "CSV Injection").
 *
 * The stored columns (action and reason as recorded, details as JSON) stay as they are and come
 * first, for filtering and for programs that read the file as before; with a language, three more
 * say the same in words of that language, from the pages' catalogue (src/web/audit-text.ts), for
 * people reading the file.
 */
import type { AuditEntryView } from './api-types.js';
import { auditSentence } from './audit-text.js';
import type { Catalogue } from './catalogue.js';

export const CSV_BOM = '\uFEFF';
export const AUDIT_CSV_COLUMNS = ['id', 'time', 'user', 'role', 'action', 'subject', 'reason', 'details'] as const;
/** The readable columns, added when a language is asked for (the pages' export link always does). */
export const AUDIT_CSV_WORD_COLUMNS = ['action_text', 'reason_text', 'summary'] as const;

/** One cell: formula-guarded, then quoted when it must be. */
export function csvCell(value: string | number | null): string {
  let s = value === null ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(cells: (string | number | null)[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

/** The entry's action, reason and details in words of the catalogue's language. */
export function auditWords(e: AuditEntryView, c: Catalogue): { action: string; reason: string; summary: string } {
  const say = (key: string, params: Record<string, unknown>, terms?: Record<string, string>) =>
    auditSentence(key, params as Parameters<typeof auditSentence>[1], terms, c.get, c.placeName);
  const r = e.reasonText;
  const reason = r?.code ? (say(`auditReason.${r.code}`, r.params, r.terms) ?? e.reason ?? '') : (e.reason ?? '');
  const summary = e.summary
    .map((p) => say(`auditDetail.${p.code}`, p.params, p.terms))
    .filter((x): x is string => Boolean(x))
    .join(c.get('audit.partSep') ?? '; ');
  return { action: c.get(`audit.action.${e.action}`) ?? e.action, reason, summary };
}

/** The whole file, BOM and header first; with a catalogue, the readable columns in its language. */
export function auditCsv(entries: AuditEntryView[], c: Catalogue | null = null): string {
  const lines = [CSV_BOM, csvLine([...AUDIT_CSV_COLUMNS, ...(c ? AUDIT_CSV_WORD_COLUMNS : [])])];
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
        ...(c ? (({ action, reason, summary }) => [action, reason, summary])(auditWords(e, c)) : []),
      ]),
    );
  }
  return lines.join('');
}
