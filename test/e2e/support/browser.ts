/**
 * Debian's Chromium driven by playwright-core (never a downloaded browser). Pages are watched for
 * uncaught errors and failed requests so a test can assert the pages ran clean.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const haveChromium = existsSync(CHROMIUM);
export const SCREENSHOT_DIR = path.resolve('test-artifacts', 'screenshots');

/** The sizes issue 11 walks the pages at: a common office screen and a common phone. */
export const VIEWPORTS = { desktop: { width: 1366, height: 900 }, phone: { width: 390, height: 844 } } as const;
export type ViewportName = keyof typeof VIEWPORTS;
export const LANGS = ['zh-CN', 'en'] as const;
export type Lang = (typeof LANGS)[number];
/** Every language at every size: the matrix the browser tests are parameterised over. */
export const MATRIX: readonly { lang: Lang; size: ViewportName }[] = LANGS.flatMap((lang) => (['desktop', 'phone'] as const).map((size) => ({ lang, size })));

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

export interface WatchedPage {
  context: BrowserContext;
  page: Page;
  /** Uncaught exceptions and console errors (other than expected HTTP statuses) seen so far. */
  problems: string[];
  /** Origins of every request the page made (the pages must work offline: no CDN, no tiles). */
  origins: Set<string>;
  /** "METHOD /api/path" of every API call other than event streams, in order. */
  apiCalls: string[];
}

/** A fresh context (own cookies and localStorage) with one page; phone-sized (390×844, touch) when asked, else 1366×900. */
export async function openPage(
  browser: Browser,
  opts: {
    phone?: boolean;
    size?: ViewportName;
    expectedStatuses?: number[];
    viewport?: { width: number; height: number };
    /** Cookies and storage to start with (another context's storageState(): the same session). */
    storageState?: Awaited<ReturnType<BrowserContext['storageState']>>;
  } = {},
): Promise<WatchedPage> {
  const phone = opts.phone ?? opts.size === 'phone';
  const context = await browser.newContext({
    viewport: opts.viewport ?? (phone ? VIEWPORTS.phone : VIEWPORTS.desktop),
    deviceScaleFactor: 1,
    isMobile: phone,
    hasTouch: phone,
    ...(opts.storageState ? { storageState: opts.storageState } : {}),
  });
  const page = await context.newPage();
  const problems: string[] = [];
  const origins = new Set<string>();
  const apiCalls: string[] = [];
  page.on('request', (req) => {
    const url = req.url();
    if (url.startsWith('data:') || url.startsWith('blob:')) return;
    const u = new URL(url);
    origins.add(u.origin);
    if (u.pathname.startsWith('/api/') && req.resourceType() !== 'eventsource') apiCalls.push(`${req.method()} ${u.pathname}${u.search}`);
  });
  page.on('pageerror', (err) => problems.push(`uncaught: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const text = msg.text();
    // 401 before log-in (GET /api/me) is expected; a test may expect more.
    const expected = [401, ...(opts.expectedStatuses ?? [])];
    const status = /status of (\d{3})/.exec(text)?.[1];
    if (status && expected.includes(Number(status))) return;
    problems.push(`console: ${text}`);
  });
  return { context, page, problems, origins, apiCalls };
}

export async function screenshot(page: Page, lang: string, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${lang}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * Form controls a screen reader could not name: no <label for>, no wrapping label, no aria-label
 * or aria-labelledby. Returns their ids (or tag names).
 */
export async function unlabelledControls(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    type Control = {
      id: string;
      tagName: string;
      type?: string;
      labels: ArrayLike<unknown> | null;
      getAttribute(n: string): string | null;
      closest(s: string): unknown;
    };
    const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<Control> } }).document;
    const out: string[] = [];
    for (const el of Array.from(doc.querySelectorAll('input, select, textarea'))) {
      if (el.type === 'hidden' || el.closest('[hidden]')) continue;
      const named = (el.labels && el.labels.length > 0) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
      if (!named) out.push(el.id || el.tagName.toLowerCase());
    }
    return out;
  });
}
