/**
 * Accessibility of every page, in zh-CN and English, at desktop (1366×900) and phone (390×844)
 * size: no page is wider than the screen, and axe-core finds no serious or critical violation on the log-in, hand-over, officer (also
 * with field errors and with a refused request on screen), pilot, review (waiting for approval and
 * flying), tracking and admin pages. A request queued and
 * approved through the pages gives the review and tracking pages something real to show.
 * Every control on those pages, in both languages at both sizes, is reached with the Tab key and shows where focus is; a drop point
 * is chosen without a mouse (the drop-point list is the keyboard path to the map's drop points) and
 * the map zooms from the keyboard (Leaflet's zoom controls are links).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { axeViolations, blocking, describeFindings, type AxeFinding } from './support/axe.js';
import { tabThrough } from './support/keyboard.js';
import { haveChromium, launchBrowser, openPage, CHROMIUM, MATRIX, VIEWPORTS, type WatchedPage } from './support/browser.js';
import { startService, type Credentials, type ServiceHandle } from './support/service.js';

if (!haveChromium) console.warn(`e2e: SKIPPED — ${CHROMIUM} is not installed (apt-get install -y chromium fonts-noto-cjk)`);

type Lang = 'zh-CN' | 'en';
const SIZES = VIEWPORTS;
type Size = keyof typeof SIZES;

describe.skipIf(!haveChromium)('accessibility (axe-core)', () => {
  let service: ServiceHandle;
  let browser: Browser;
  const opened: WatchedPage[] = [];
  /** A request approved and flying (tracking page), and one waiting for approval (review page). */
  let flying: { requestId: number; flightId: number };
  let reviewUrl: string;
  /** The review page of the approved plan: flight progress and the pilot's controls. */
  let flightReviewUrl: string;

  async function open(size: Size, expectedStatuses: number[] = []): Promise<WatchedPage> {
    const w = await openPage(browser, { phone: size === 'phone', expectedStatuses });
    await w.page.setViewportSize(SIZES[size]);
    opened.push(w);
    return w;
  }

  async function logIn(page: Page, lang: Lang, who: Credentials): Promise<void> {
    await page.goto(`${service.url}/?lang=${lang}`);
    await page.waitForSelector('#lang-select');
    await page.fill('#username', who.username);
    await page.fill('#password', who.password);
    await page.click('#login-submit');
    await page.waitForSelector('body[data-ready=true]');
  }

  async function queue(o: Page, recipient: string, weight: string): Promise<void> {
    await o.fill('#recipient', recipient);
    await o.fill('#phone', '0971 6123456');
    await o.selectOption('#drop-point-name', { index: 1 });
    await o.fill('#medicine', '胰岛素（冷链）');
    await o.fill('#weightKg', weight);
    await o.click('#submit-request');
  }

  beforeAll(async () => {
    [service, browser] = await Promise.all([startService(), launchBrowser()]);
    const officer = await open('desktop');
    await logIn(officer.page, 'zh-CN', service.users.officer);
    const o = officer.page;
    await queue(o, '马先生', '0.5');
    const first = o.locator('#request-list li[data-status=awaiting-approval]', { hasText: '马先生' });
    await first.waitFor({ timeout: 20_000 });
    const requestId = Number(await first.getAttribute('data-request-id'));
    // the form empties itself once the request is stored: fill the next one after that
    await o.waitForFunction(
      () => (globalThis as unknown as { document: { querySelector(s: string): { value: string } } }).document.querySelector('#recipient').value === '',
      null,
      {
        timeout: 20_000,
      },
    );
    await queue(o, '李女士', '0.3');
    await o
      .locator('#request-list li[data-status=awaiting-approval]', { hasText: '李女士' })
      .waitFor({ timeout: 20_000 })
      .catch(async (err: unknown) => {
        throw new Error(
          `${String(err)}\nform notice: ${await o.textContent('#form-notice')}\nlist: ${await o.textContent('#request-list')}\n${officer.problems.join('\n')}`,
        );
      });

    const pilot = await open('desktop');
    await logIn(pilot.page, 'zh-CN', service.users.pilot);
    const p = pilot.page;
    await p.locator('#mission-queue li', { hasText: '李女士' }).locator('a').first().waitFor();
    reviewUrl = new URL((await p.locator('#mission-queue li', { hasText: '李女士' }).locator('a').first().getAttribute('href'))!, service.url).href;
    await p.locator('#mission-queue li', { hasText: '马先生' }).locator('a').first().click();
    await p.waitForSelector('body[data-ready=true]');
    flightReviewUrl = p.url();
    const boxes = p.locator('#checklist input[type=checkbox]');
    for (let i = 0; i < (await boxes.count()); i++) await boxes.nth(i).check();
    await p.click('#approve');
    await p.waitForSelector('#flight-panel:not([hidden]) #track-link');
    const flightId = Number(new URL((await p.getAttribute('#track-link', 'href'))!, service.url).searchParams.get('id'));
    flying = { requestId, flightId };
  }, 90_000);

  afterAll(async () => {
    for (const w of opened) await w.context.close().catch(() => {});
    await browser?.close().catch(() => {});
    await service?.close();
  });

  for (const lang of ['zh-CN', 'en'] as const) {
    for (const size of ['desktop', 'phone'] as const) {
      it(`${lang}, ${size}: no serious or critical violation on any page`, async () => {
        const found: Record<string, AxeFinding[]> = {};
        /** Pages wider than the screen (a phone then scrolls sideways and zooms out): name → px too wide. */
        const overflow: Record<string, number> = {};
        const check = async (name: string, page: Page) => {
          expect(await page.getAttribute('html', 'lang')).toBe(lang);
          const wider = await page.evaluate(() => {
            const d = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document;
            return d.documentElement.scrollWidth - d.documentElement.clientWidth;
          });
          if (wider > 0) overflow[name] = wider;
          const all = await axeViolations(page);
          if (all.length > 0) console.log(`axe ${lang} ${size} ${name}:\n${describeFindings(all)}`);
          const bad = blocking(all);
          if (bad.length > 0) found[name] = bad;
        };

        // nobody logged in: the log-in and hand-over pages
        const anon = await open(size);
        const a = anon.page;
        await a.goto(`${service.url}/?lang=${lang}`);
        await a.waitForSelector('#lang-select');
        await expect.poll(() => a.textContent('h1')).not.toBe('');
        await check('login', a);
        await a.goto(`${service.url}/handover.html?request=${flying.requestId}`);
        await a.waitForSelector('#lang-select');
        await expect.poll(() => a.textContent('h1')).not.toBe('');
        await check('handover', a);

        const officer = await open(size, [422]);
        const o = officer.page;
        await logIn(o, lang, service.users.officer);
        await o.waitForSelector('#officer-map path.leaflet-interactive');
        await o.waitForSelector('#request-list li');
        await check('officer', o);
        // sent empty: every field says what is missing
        await o.click('#submit-request');
        await o.waitForSelector('#recipient[aria-invalid=true]');
        await check('officer-field-errors', o);
        // an 8 kg parcel: refused, with the reason on the page
        await queue(o, 'Refused 8 kg', '8');
        await o.waitForSelector('#form-notice.error .refused-reasons li', { timeout: 20_000 });
        await check('officer-refused', o);

        const pilot = await open(size);
        const p = pilot.page;
        await logIn(p, lang, service.users.pilot);
        await p.waitForSelector('#mission-queue li');
        await check('pilot', p);
        await p.goto(reviewUrl);
        await p.waitForSelector('body[data-ready=true]');
        await p.waitForSelector('#review-map path.leaflet-interactive');
        await p.waitForSelector('#checks-list li');
        await check('review', p);
        await p.goto(flightReviewUrl);
        await p.waitForSelector('body[data-ready=true]');
        await p.waitForSelector('#flight-panel:not([hidden]) #flight-state');
        await check('review-flight', p);
        await p.goto(`${service.url}/track.html?id=${flying.flightId}`);
        await p.waitForSelector('body[data-ready=true]');
        await p.waitForSelector('#track-state[data-state]');
        await check('track', p);

        const admin = await open(size);
        const ad = admin.page;
        await logIn(ad, lang, service.users.admin);
        await ad.waitForSelector('#admin-map path.leaflet-interactive');
        await ad.waitForSelector('#users-table td');
        await ad.waitForSelector('#drones-table td');
        await check('admin', ad);

        expect(
          Object.entries(found)
            .map(([page, f]) => `${page}:\n${describeFindings(f)}`)
            .join('\n'),
        ).toBe('');
        expect(overflow).toEqual({});
        for (const w of [anon, officer, pilot, admin]) expect(w.problems).toEqual([]);
      }, 120_000);
    }
  }
  for (const { lang, size } of MATRIX) {
    it(`${lang}, ${size}: every control is reached by keyboard, with visible focus`, async () => {
      const walks: Record<string, Awaited<ReturnType<typeof tabThrough>>> = {};
      const anon = await open(size);
      const a = anon.page;
      await a.goto(`${service.url}/?lang=${lang}`);
      await a.waitForSelector('#lang-select');
      walks.login = await tabThrough(a);
      await a.goto(`${service.url}/handover.html?request=${flying.requestId}`);
      await a.waitForSelector('#lang-select');
      walks.handover = await tabThrough(a);

      const officer = await open(size);
      const o = officer.page;
      await logIn(o, lang, service.users.officer);
      await o.reload();
      await o.waitForSelector('body[data-ready=true]');
      await o.waitForSelector('#officer-map path.leaflet-interactive');
      await o.waitForSelector('#request-list li');
      walks.officer = await tabThrough(o);

      const pilot = await open(size);
      const p = pilot.page;
      await logIn(p, lang, service.users.pilot);
      await p.reload();
      await p.waitForSelector('#mission-queue li');
      walks.pilot = await tabThrough(p);
      await p.goto(reviewUrl);
      await p.waitForSelector('body[data-ready=true]');
      await p.waitForSelector('#checks-list li');
      walks.review = await tabThrough(p);
      await p.goto(`${service.url}/track.html?id=${flying.flightId}`);
      await p.waitForSelector('body[data-ready=true]');
      await p.waitForSelector('#track-state[data-state]');
      walks.track = await tabThrough(p);

      const admin = await open(size);
      const ad = admin.page;
      await logIn(ad, lang, service.users.admin);
      await ad.reload();
      await ad.waitForSelector('body[data-ready=true]');
      await ad.waitForSelector('#drones-table td');
      walks.admin = await tabThrough(ad);

      for (const [name, walk] of Object.entries(walks)) {
        console.log(`keyboard ${lang} ${size} ${name}: ${walk.order.length} stops: ${walk.order.join(' → ')}`);
        expect(walk.order.length, `${name}: nothing took focus`).toBeGreaterThan(1);
        expect(walk.missed, `${name}: not reachable by Tab (order: ${walk.order.join(' → ')})`).toEqual([]);
        expect(walk.invisibleFocus, `${name}: focus not visible`).toEqual([]);
      }
      // the skip link comes first and takes focus to the page's content
      expect(walks.officer!.order[0]).toBe('#topbar a[href=#main] "' + (lang === 'en' ? 'Skip to the page content' : '跳到正文') + '"');

      // ── officer, keyboard only: a drop point from the list, the map zoomed in ──────────────
      await o.reload();
      await o.waitForSelector('body[data-ready=true]');
      await o.waitForSelector('#officer-map path.leaflet-interactive');
      const pins = await o.locator('#officer-map .leaflet-marker-icon').count();
      await o.keyboard.press('Tab');
      await o.keyboard.press('Enter'); // the skip link
      expect(await o.evaluate(() => (globalThis as unknown as { document: { activeElement: { tagName: string } } }).document.activeElement.tagName)).toBe(
        'MAIN',
      );
      let guard = 0;
      while (
        (await o.evaluate(() => (globalThis as unknown as { document: { activeElement: { id: string } } }).document.activeElement.id)) !== 'drop-point-name'
      ) {
        await o.keyboard.press('Tab');
        expect(++guard, 'the drop-point list was never reached by Tab').toBeLessThan(40);
      }
      await o.keyboard.press('ArrowDown');
      await expect.poll(() => o.inputValue('#drop-point-coords')).toMatch(/^-?\d+\.\d+, -?\d+\.\d+$/);
      expect(await o.inputValue('#drop-point-name')).not.toBe('');
      // the chosen point is marked on the map
      await expect.poll(() => o.locator('#officer-map .leaflet-marker-icon').count()).toBe(pins + 1);
      // the drop points on the map themselves: Tab to another one, Enter chooses it as a click does
      const listed = await o.inputValue('#drop-point-name');
      let onMap: string | null = null;
      for (guard = 0; !onMap || onMap.endsWith(listed); guard++) {
        expect(guard, 'no other drop point on the map was reached by Tab').toBeLessThan(60);
        await o.keyboard.press('Tab');
        onMap = await o.evaluate(() => {
          const e = (
            globalThis as unknown as { document: { activeElement: { tagName: string; closest(s: string): unknown; getAttribute(n: string): string | null } } }
          ).document.activeElement;
          return e.tagName === 'path' && e.closest('#officer-map') && e.getAttribute('role') === 'button' ? e.getAttribute('aria-label') : null;
        });
      }
      await o.keyboard.press('Enter');
      await expect.poll(() => o.inputValue('#drop-point-name')).not.toBe(listed);
      expect(onMap.endsWith(await o.inputValue('#drop-point-name'))).toBe(true);
      expect(await o.inputValue('#drop-point-coords')).toMatch(/^-?\d+\.\d+, -?\d+\.\d+$/);
      // Leaflet's zoom-in link, reached by Tab and pressed with Enter, zooms the map in (the scale
      // bar's length in metres shrinks)
      const scale = () => o.textContent('#officer-map .leaflet-control-scale-line');
      const before = await scale();
      guard = 0;
      while (
        !(await o.evaluate(() =>
          (globalThis as unknown as { document: { activeElement: { classList: { contains(c: string): boolean } } } }).document.activeElement.classList.contains(
            'leaflet-control-zoom-in',
          ),
        ))
      ) {
        await o.keyboard.press('Tab');
        expect(++guard, 'the zoom-in control was never reached by Tab').toBeLessThan(40);
      }
      await o.keyboard.press('Enter');
      await expect.poll(scale).not.toBe(before);
      for (const w of [anon, officer, pilot, admin]) expect(w.problems).toEqual([]);
    }, 120_000);
  }
});
