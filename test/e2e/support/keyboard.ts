/**
 * Keyboard reachability: press Tab through a page and compare what received focus with every
 * control a user could operate there (links, buttons, inputs, selects, text areas, anything with a
 * tabindex ≥ 0, Leaflet's zoom links and focusable markers). A radio group is one Tab stop (arrow
 * keys move inside it), so one radio reached counts for its group. Controls are named by id, or by
 * tag, name, href and text when they have none, so a list re-drawn by a live update while tabbing
 * still matches.
 */
import type { Page } from 'playwright-core';

export interface TabWalk {
  /** Controls the user could operate that Tab never reached. */
  missed: string[];
  /** Controls reached whose focus could not be seen (no outline, no box-shadow). */
  invisibleFocus: string[];
  /** Every control reached, in Tab order. */
  order: string[];
}

// Runs in the page (the function's source is sent over, so it uses only browser globals).
const describeInPage = () => {
  type El = {
    id: string;
    tagName: string;
    type?: string;
    name?: string;
    textContent: string | null;
    getAttribute(n: string): string | null;
    checkVisibility?(o?: unknown): boolean;
    getBoundingClientRect(): { width: number; height: number };
    matches(s: string): boolean;
    closest(s: string): unknown;
  };
  const g = globalThis as unknown as {
    document: { querySelectorAll(s: string): ArrayLike<El>; activeElement: El | null; body: El };
    getComputedStyle(e: El): { outlineStyle: string; outlineWidth: string; boxShadow: string };
    __kbDescribe?: (e: El) => string;
  };
  const describe = (e: El): string => {
    if (e.id) return `#${e.id}`;
    const tag = e.tagName.toLowerCase();
    if (tag === 'input' && e.type === 'radio') return `radio[name=${e.name}]`;
    const cls =
      e
        .getAttribute('class')
        ?.split(/\s+/)
        .find((c) => c.startsWith('leaflet-control-zoom-')) ?? '';
    const where = e.closest('[id]') as El | null;
    const label = (e.getAttribute('aria-label') ?? e.getAttribute('title') ?? e.textContent ?? '').trim().slice(0, 40);
    return `${where ? `#${where.id} ` : ''}${tag}${cls ? `.${cls}` : ''}${e.getAttribute('href') ? `[href=${e.getAttribute('href')}]` : ''}${e.name ? `[name=${e.name}]` : ''} "${label}"`;
  };
  g.__kbDescribe = describe;
  const all = Array.from(g.document.querySelectorAll('a[href], button, input, select, textarea, [tabindex]')).filter((e) => {
    if (e.matches(':disabled') || e.getAttribute('tabindex') === '-1') return false;
    if ((e.type ?? '') === 'hidden') return false;
    if (e.closest('[hidden], [inert], [aria-hidden=true]')) return false;
    const r = e.getBoundingClientRect();
    return (e.checkVisibility?.({ visibilityProperty: true }) ?? true) && r.width > 0 && r.height > 0;
  });
  return [...new Set(all.map(describe))];
};

const focusedInPage = () => {
  const g = globalThis as unknown as {
    document: { activeElement: unknown; body: unknown };
    getComputedStyle(e: unknown): { outlineStyle: string; outlineWidth: string; boxShadow: string };
    __kbDescribe: (e: unknown) => string;
  };
  const e = g.document.activeElement;
  if (!e || e === g.document.body) return null;
  // Inside a date/time input, one Tab stop is the browser's own calendar button (in the input's
  // user-agent shadow tree): the input does not match :focus then, and Chromium draws that ring itself.
  if (!(e as { matches(s: string): boolean }).matches(':focus')) return { name: g.__kbDescribe(e), visible: true };
  const s = g.getComputedStyle(e);
  const visible = (s.outlineStyle !== 'none' && Number.parseFloat(s.outlineWidth) > 0) || (s.boxShadow !== 'none' && s.boxShadow !== '');
  return { name: g.__kbDescribe(e), visible };
};

/** Tab from where focus is (the top, on a page just loaded) until it comes round again; see TabWalk. */
export async function tabThrough(page: Page): Promise<TabWalk> {
  const wanted = await page.evaluate(describeInPage);
  const order: string[] = [];
  const invisibleFocus = new Set<string>();
  const limit = wanted.length * 2 + 20;
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    const now = await page.evaluate(focusedInPage);
    if (!now) continue; // past the last control (focus on the page itself): the next Tab starts at the top
    if (order.length > 0 && now.name === order[0]) break; // round again
    order.push(now.name);
    if (!now.visible) invisibleFocus.add(now.name);
  }
  const reached = new Set(order);
  return { missed: wanted.filter((w) => !reached.has(w)), invisibleFocus: [...invisibleFocus], order };
}
