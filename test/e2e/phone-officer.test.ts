/**
 * The officer on a 390×844 phone, in zh-CN and English: a second tap on "submit" after success
 * sends nothing and paints nothing red; the request just queued is pinned at the top with its
 * number, live status, queue ETA ("约 N 分钟 (HH:MM)") and hand-over code, and follows the flight to
 * "delivered"; the top bar is one row (phone and desktop); the tracking page names the request,
 * puts state and ETA above the map on the phone (beside it on a desktop), keeps progress under
 * 100 % until the drone has landed and writes units the same way in both languages — checked on the
 * officer's phone and on the pilot's desktop (1366×900) tracking page of the same flight. At desktop
 * size the officer's confirmation is pinned in sight and a repeated submit is ignored too. Real
 * service, emulated drones, Debian's Chromium (test/e2e/support).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { haveChromium, launchBrowser, openPage, screenshot, type WatchedPage } from './support/browser.js';
import { startService, type ServiceHandle } from './support/service.js';

type Lang = 'zh-CN' | 'en';
const PHONE = { width: 390, height: 844 };
/** One row of the top bar: a 44 px control plus the bar's padding. */
const ONE_ROW_PX = 64;

const TEXT: Record<Lang, { awaiting: string; delivered: string; request: string; eta: RegExp; speed: RegExp; height: RegExp; etaHome: string }> = {
  'zh-CN': {
    awaiting: '待飞手审批',
    delivered: '已送达',
    request: '请求 #',
    eta: /约 \d+ 分钟 \(\d\d:\d\d\)/,
    speed: /^\d+(\.\d)? 米\/秒$/,
    height: /^\d+ 米$/,
    etaHome: '预计返航降落',
  },
  en: {
    awaiting: 'Awaiting approval',
    delivered: 'Delivered',
    request: 'Request #',
    eta: /about \d+ min \(\d\d:\d\d\)/,
    speed: /^\d+(\.\d)? m\/s$/,
    height: /^\d+ m$/,
    etaHome: 'Lands at the depot',
  },
};

describe.skipIf(!haveChromium)('the officer on a phone', () => {
  let service: ServiceHandle;
  let browser: Browser;
  const opened: WatchedPage[] = [];

  beforeAll(async () => {
    browser = await launchBrowser();
  }, 60_000);
  beforeEach(async () => {
    service = await startService();
  }, 60_000);
  afterEach(async () => {
    for (const w of opened.splice(0)) await w.context.close().catch(() => {});
    await service?.close();
  });
  afterAll(async () => {
    await browser?.close().catch(() => {});
  });

  async function open(opts: Parameters<typeof openPage>[1] = {}): Promise<WatchedPage> {
    const w = await openPage(browser, opts);
    opened.push(w);
    return w;
  }

  async function logIn(page: Page, lang: Lang, who: { username: string; password: string }): Promise<void> {
    await page.goto(`${service.url}/`);
    await page.waitForSelector('#lang-select');
    if (lang !== 'zh-CN') await page.selectOption('#lang-select', lang);
    await expect.poll(() => page.getAttribute('html', 'lang'), { timeout: 15_000 }).toBe(lang);
    await page.fill('#username', who.username);
    await page.fill('#password', who.password);
    await page.click('#login-submit');
    await page.waitForSelector('body[data-ready=true]');
  }

  async function height(page: Page, selector: string): Promise<number> {
    const box = await page.locator(selector).boundingBox();
    if (!box) throw new Error(`${selector} is not shown`);
    return box.height;
  }

  async function top(page: Page, selector: string): Promise<number> {
    return page.locator(selector).evaluate((el) => (el as unknown as { getBoundingClientRect(): { top: number } }).getBoundingClientRect().top);
  }

  for (const lang of ['zh-CN', 'en'] as const) {
    it(`phone 390×844 (${lang}), pilot at 1366×900: submit once, confirmation pinned and live to delivered, compact top bar, tracking state and ETA above the map, progress and units on both sizes`, async () => {
      const text = TEXT[lang];
      const officer = await open({ phone: true, viewport: PHONE });
      const o = officer.page;
      await logIn(o, lang, service.users.officer);
      expect(new URL(o.url()).pathname).toBe('/officer.html');

      // ── the top bar: one row; the pages, the user and log-out behind the menu button ────────
      expect(await height(o, '#topbar')).toBeLessThanOrEqual(ONE_ROW_PX);
      expect(await o.isVisible('#lang-select')).toBe(true);
      expect(await o.isVisible('#logout')).toBe(false);
      await o.click('#menu-toggle');
      expect(await o.getAttribute('#menu-toggle', 'aria-expanded')).toBe('true');
      expect(await o.isVisible('#logout')).toBe(true);
      await o.keyboard.press('Escape');
      expect(await o.isVisible('#logout')).toBe(false);
      expect(await height(o, '#topbar')).toBeLessThanOrEqual(ONE_ROW_PX);

      // ── queue one drop, then tap "submit" again a second later ────────────────────────────
      const recipient = lang === 'zh-CN' ? '韩女士' : 'Ms Han';
      await o.fill('#recipient', recipient);
      await o.fill('#phone', '138 0971 2260');
      await o.selectOption('#drop-point-name', { index: 1 });
      await o.fill('#medicine', lang === 'zh-CN' ? '胰岛素' : 'insulin');
      await o.fill('#weightKg', '0.5');
      await o.check('input[name=urgency][value=urgent]');
      const posts = () => officer.apiCalls.filter((c) => c === 'POST /api/requests').length;
      await o.tap('#submit-request');
      const pinned = o.locator('#confirmation');
      await pinned.waitFor();
      expect(posts()).toBe(1);
      const requestId = Number(await pinned.getAttribute('data-request-id'));
      expect(requestId).toBeGreaterThan(0);
      // brought into sight at once (the list with the new card is far below on a phone)
      await expect.poll(() => top(o, '#confirmation')).toBeGreaterThanOrEqual(-1);
      expect(await top(o, '#confirmation')).toBeLessThan(PHONE.height / 2);
      await o.waitForTimeout(1000);
      await o.tap('#submit-request');
      await o.waitForTimeout(800);
      expect(posts()).toBe(1); // nothing sent
      expect(await o.locator('#request-form [aria-invalid=true]').count()).toBe(0); // nothing red
      expect((await o.locator('#request-form .field-error').allTextContents()).join('')).toBe('');
      expect(await o.textContent('#form-notice')).toBe('');
      expect(await o.locator('#request-list li').count()).toBe(1);
      // pinned at the top of the page, in sight, with number, status, queue ETA and code
      expect(await pinned.isVisible()).toBe(true);
      expect(await top(o, '#confirmation')).toBeLessThan(await top(o, '#request-form'));
      expect(await o.textContent('#confirmation-title')).toContain(`#${requestId}`);
      expect(await pinned.locator('[data-status]').first().textContent()).toBe(text.awaiting);
      expect(await o.textContent('#confirmation-eta')).toMatch(text.eta);
      expect(await o.textContent('#confirmation-code')).toMatch(/^\d{6}$/);
      await screenshot(o, lang, 'officer-phone-confirmation');
      // typing again makes the form a new fill: submitting it now checks it (and finds it empty)
      await o.fill('#recipient', 'x');
      await o.tap('#submit-request');
      await expect.poll(() => o.getAttribute('#phone', 'aria-invalid')).toBe('true');
      expect(posts()).toBe(1);
      await o.fill('#recipient', '');

      // ── the pilot (desktop) approves; one-row top bar there too ───────────────────────────
      const pilot = await open();
      const p = pilot.page;
      await logIn(p, lang, service.users.pilot);
      expect(await height(p, '#topbar')).toBeLessThanOrEqual(ONE_ROW_PX);
      // the pilot's queue names the request by its number too
      await expect.poll(() => p.locator('#mission-queue li', { hasText: recipient }).textContent()).toContain(`#${requestId}`);
      expect(await p.isVisible('#logout')).toBe(true);
      expect(await p.isVisible('#menu-toggle')).toBe(false);
      await p.locator('#mission-queue li', { hasText: recipient }).locator('a').click();
      await p.waitForSelector('body[data-ready=true]');
      // the review names the request too (its plan number second)
      expect((await p.textContent('#review-heading'))?.toLowerCase()).toContain(`${text.request}${requestId}`.toLowerCase());
      for (const box of await p.locator('#checklist input').all()) await box.check();
      await p.click('#approve');
      await p.click('#track-link');
      await p.waitForSelector('body[data-ready=true]');
      await p.waitForSelector('#track-state[data-state]');
      // the desktop puts the map to the left of state and ETA
      const mapBox = await p.locator('#track-map').boundingBox();
      const stateBox = await p.locator('#track-state').boundingBox();
      expect(mapBox && stateBox && mapBox.x + mapBox.width <= stateBox.x).toBe(true);
      expect(await p.textContent('#track-heading')).toContain(`${text.request}${requestId}`);

      // ── the officer's confirmation follows the flight ──────────────────────────────────────
      await o.waitForSelector('#confirmation[data-status=in-flight]', { timeout: 60_000 });
      const trackHref = await pinned.locator('a[href^="/track.html"]').getAttribute('href');
      expect(trackHref).toBeTruthy();

      // ── tracking on the phone: request number, state and ETA above the map ────────────────
      const t2 = await officer.context.newPage();
      t2.on('pageerror', (err) => officer.problems.push(`uncaught (track): ${err.message}`));
      await t2.goto(`${service.url}${trackHref}`);
      await t2.waitForSelector('body[data-ready=true]');
      await t2.waitForSelector('#track-state[data-state]');
      expect(await t2.textContent('#track-heading')).toContain(`${text.request}${requestId}`);
      expect(await t2.textContent('#track-heading')).toContain(recipient);
      expect(await height(t2, '#topbar')).toBeLessThanOrEqual(ONE_ROW_PX);
      expect(await top(t2, '#track-state')).toBeLessThan(await top(t2, '#track-map'));
      expect(await top(t2, '#route-progress')).toBeLessThan(await top(t2, '#track-map'));
      // in the air (on a loaded machine the page may open after the drone reached the drop point)
      await t2.waitForSelector(['en-route', 'delivering', 'returning'].map((st) => `#track-state[data-state=${st}]`).join(', '), { timeout: 90_000 });
      await expect.poll(() => t2.textContent('#track-eta'), { timeout: 15_000 }).toMatch(text.eta);
      expect(await top(t2, '#track-eta')).toBeLessThan(await top(t2, '#track-map'));
      await expect.poll(() => t2.textContent('#stat-speed .v'), { timeout: 15_000 }).toMatch(text.speed);
      expect(await t2.textContent('#stat-altitude .v')).toMatch(text.height);
      await screenshot(t2, lang, 'track-phone');
      // the tracking legend lists what its map draws: the demo map's areas, depots and drop points
      // (no obstacles on it), the planned and flown lines, the drone and the drop point of this request
      const drawnHere = ['sealed', 'controlled', 'precaution', 'no-fly', 'depot', 'dropPoint', 'planned', 'flown', 'drone', 'target'];
      for (const page of [t2, p])
        await expect
          .poll(() => page.$$eval('#track-legend li[data-legend]', (els) => els.map((e) => e.getAttribute('data-legend'))), { timeout: 15_000 })
          .toEqual(drawnHere);

      // Follow to the end: progress stays under 100 % until the drone is on the ground, and
      // after the drop the ETA is the landing at home.
      type Sample = { state: string; pct: number; eta: string; etaTo: string; speed: string };
      const samples: Sample[] = [];
      /** The pilot's desktop tracking page of the same flight, sampled alongside. */
      const desk: Sample[] = [];
      const until = Date.now() + 120_000;
      const sample = (page: Page) =>
        page.evaluate(() => {
          const doc = (
            globalThis as unknown as { document: { querySelector(q: string): { getAttribute(a: string): string | null; textContent: string | null } | null } }
          ).document;
          return {
            state: doc.querySelector('#track-state')?.getAttribute('data-state') ?? '',
            pct: Number(doc.querySelector('#route-progress')?.getAttribute('aria-valuenow')),
            eta: doc.querySelector('#track-eta')?.textContent ?? '',
            etaTo: doc.querySelector('#track-eta')?.getAttribute('data-eta-to') ?? '',
            speed: doc.querySelector('#stat-speed .v')?.textContent ?? '',
          };
        });
      for (;;) {
        const [s, d] = await Promise.all([sample(t2), sample(p)]);
        samples.push(s);
        desk.push(d);
        if ((s.state === 'completed' && d.state === 'completed') || Date.now() > until) break;
        await t2.waitForTimeout(150);
      }
      expect(samples.at(-1)?.state).toBe('completed');
      const airborne = samples.filter((s) => ['en-route', 'delivering', 'returning'].includes(s.state));
      expect(airborne.length).toBeGreaterThan(0);
      for (const s of airborne) expect(s.pct, JSON.stringify(s)).toBeLessThan(100);
      expect(Math.max(...airborne.map((s) => s.pct))).toBeGreaterThan(50); // the return is counted too
      // progress never goes backwards
      for (let i = 1; i < samples.length; i++) expect(samples[i]!.pct).toBeGreaterThanOrEqual(samples[i - 1]!.pct);
      const returning = airborne.filter((s) => s.state === 'returning' || s.state === 'delivering');
      expect(returning.length).toBeGreaterThan(0);
      for (const s of returning) {
        expect(s.etaTo, JSON.stringify(samples.map((x) => [x.state, x.etaTo, x.pct]))).toBe('home');
        expect(s.eta).toContain(text.etaHome);
        expect(s.eta).toMatch(text.eta);
      }
      expect(samples.at(-1)?.pct).toBe(100);
      expect(samples.at(-1)?.eta).toBe(''); // over: no ETA
      // the same on the pilot's desktop page: under 100 % in the air, ETA as "about N min (HH:MM)", the same units
      expect(desk.at(-1)?.state).toBe('completed');
      const deskAirborne = desk.filter((s) => ['en-route', 'delivering', 'returning'].includes(s.state));
      expect(deskAirborne.length).toBeGreaterThan(0);
      for (const s of deskAirborne) {
        expect(s.pct, JSON.stringify(s)).toBeLessThan(100);
        if (s.eta) expect(s.eta).toMatch(text.eta);
        if (s.speed && s.speed !== '—') expect(s.speed).toMatch(text.speed);
      }
      expect(deskAirborne.some((s) => text.eta.test(s.eta))).toBe(true);
      for (let i = 1; i < desk.length; i++) expect(desk[i]!.pct).toBeGreaterThanOrEqual(desk[i - 1]!.pct);
      expect(desk.at(-1)?.pct).toBe(100);
      expect(desk.at(-1)?.eta).toBe('');
      await screenshot(p, lang, 'track-desktop-completed');
      await screenshot(t2, lang, 'track-phone-completed');

      // ── back on the officer page: the pinned confirmation says delivered, then goes ───────
      await o.waitForSelector('#confirmation[data-status=delivered]', { timeout: 30_000 });
      expect(await pinned.locator('[data-status]').first().textContent()).toBe(text.delivered);
      expect(await o.isVisible('#confirmation-delivered')).toBe(true);
      expect(await o.locator('#confirmation-eta').count()).toBe(0);
      expect(await o.textContent('#form-notice')).toBe(''); // no stale "queued: awaiting approval"
      await screenshot(o, lang, 'officer-phone-delivered');
      await o.click('#confirmation-dismiss');
      expect(await pinned.isHidden()).toBe(true);
      await o.reload();
      await o.waitForSelector('body[data-ready=true]');
      expect(await pinned.isHidden()).toBe(true);

      expect(officer.problems).toEqual([]);
      expect(pilot.problems).toEqual([]);
    }, 240_000);
  }

  for (const lang of ['zh-CN', 'en'] as const) {
    it(`desktop 1366×900 (${lang}): confirmation pinned in sight with number, status, ETA and code; a repeated submit sends nothing; one-row top bar`, async () => {
      const text = TEXT[lang];
      const officer = await open({ size: 'desktop' });
      const o = officer.page;
      await logIn(o, lang, service.users.officer);
      expect(await height(o, '#topbar')).toBeLessThanOrEqual(ONE_ROW_PX);
      expect(await o.isVisible('#logout')).toBe(true);
      expect(await o.isVisible('#menu-toggle')).toBe(false);
      await o.fill('#recipient', lang === 'zh-CN' ? '周先生' : 'Mr Zhou');
      await o.fill('#phone', '0971 6123456');
      await o.selectOption('#drop-point-name', { index: 2 });
      await o.fill('#medicine', lang === 'zh-CN' ? '硝酸甘油' : 'nitroglycerin');
      await o.fill('#weightKg', '0.3');
      const posts = () => officer.apiCalls.filter((c) => c === 'POST /api/requests').length;
      await o.click('#submit-request');
      const pinned = o.locator('#confirmation');
      await pinned.waitFor();
      const requestId = Number(await pinned.getAttribute('data-request-id'));
      expect(requestId).toBeGreaterThan(0);
      await expect.poll(() => top(o, '#confirmation')).toBeGreaterThanOrEqual(-1);
      expect(await top(o, '#confirmation')).toBeLessThan(900 / 2);
      expect(await o.textContent('#confirmation-title')).toContain(`#${requestId}`);
      expect(await pinned.locator('[data-status]').first().textContent()).toBe(text.awaiting);
      expect(await o.textContent('#confirmation-eta')).toMatch(text.eta);
      expect(await o.textContent('#confirmation-code')).toMatch(/^\d{6}$/);
      // the card in the list carries the same number
      expect(await o.locator(`#request-list li[data-request-id="${requestId}"]`).textContent()).toContain(`#${requestId}`);
      await screenshot(o, lang, 'officer-desktop-confirmation');
      await o.waitForTimeout(1000);
      await o.click('#submit-request');
      await o.waitForTimeout(800);
      expect(posts()).toBe(1);
      expect(await o.locator('#request-form [aria-invalid=true]').count()).toBe(0);
      expect(await o.textContent('#form-notice')).toBe('');
      expect(await pinned.isVisible()).toBe(true);
      expect(officer.problems).toEqual([]);
    }, 90_000);
  }
});
