/**
 * axe-core in the browser tests. The service sends a strict Content Security Policy
 * (script-src 'self', see src/web/security-headers.ts), so playwright's addScriptTag — an inline
 * <script> — is refused by the page. axe's source is evaluated through the DevTools protocol
 * instead (page.evaluate), which the CSP does not govern; the page's own policy stays as users get it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AxeResults, ImpactValue, Result } from 'axe-core';
import type { Page } from 'playwright-core';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** The WCAG 2.1 A/AA rules plus axe's best practices (landmarks, heading order, regions). */
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];

export interface AxeFinding {
  id: string;
  impact: ImpactValue | null | undefined;
  help: string;
  /** CSS selectors of the offending nodes (first few) with axe's summary of what is wrong. */
  nodes: string[];
}

const finding = (v: Result): AxeFinding => ({
  id: v.id,
  impact: v.impact,
  help: v.help,
  nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')} — ${(n.failureSummary ?? '').replace(/\s+/g, ' ').trim()}`),
});

/** Runs axe on the whole page as it is now; every violation, most severe first. */
export async function axeViolations(page: Page): Promise<AxeFinding[]> {
  const present = await page.evaluate(() => typeof (globalThis as { axe?: unknown }).axe === 'object');
  if (!present) await page.evaluate(AXE_SOURCE);
  const results = (await page.evaluate(
    (tags) =>
      (globalThis as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<unknown> } }).axe.run(
        (globalThis as unknown as { document: unknown }).document,
        { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] },
      ),
    TAGS,
  )) as AxeResults;
  const rank: Record<string, number> = { critical: 0, serious: 1, moderate: 2, minor: 3 };
  return results.violations.map(finding).sort((a, b) => (rank[a.impact ?? 'minor'] ?? 4) - (rank[b.impact ?? 'minor'] ?? 4));
}

/** The violations a user is blocked or badly hindered by (axe's "serious" and "critical"). */
export function blocking(findings: AxeFinding[]): AxeFinding[] {
  return findings.filter((f) => f.impact === 'serious' || f.impact === 'critical');
}

/** One line per finding, for an assertion message or a log. */
export function describeFindings(findings: AxeFinding[]): string {
  return findings.map((f) => `[${f.impact}] ${f.id}: ${f.help}\n    ${f.nodes.join('\n    ')}`).join('\n');
}
