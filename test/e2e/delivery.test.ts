/**
 * End to end, as people use it, in both languages: an officer logs in and queues a drop, a pilot
 * reviews the plan, ticks the pre-flight checklist and approves, the emulated drone flies, and the
 * officer's page shows "delivered" (已送达) pushed by server-sent events; the recipient confirms
 * with the hand-over code. Real service (temp SQLite, demo zone map, emulated drones at a
 * speed-up) on port 0, Debian's Chromium via playwright-core. Screenshots of every page go to
 * test-artifacts/screenshots/<lang>-<page>.png.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { haveChromium, launchBrowser, openPage, screenshot, unlabelledControls, CHROMIUM, type WatchedPage } from './support/browser.js';
import { startService, type ServiceHandle } from './support/service.js';

if (!haveChromium) {
  console.warn(`e2e: SKIPPED — ${CHROMIUM} is not installed (apt-get install -y chromium fonts-noto-cjk)`);
}

type Lang = 'zh-CN' | 'en';
const TEXT: Record<Lang, { login: string; awaiting: string; delivered: string; sealed: string; approve: string; handoverOk: string }> = {
  'zh-CN': { login: '登录', awaiting: '待飞手审批', delivered: '已送达', sealed: '封控区', approve: '批准并起飞', handoverOk: '已确认收到' },
  en: {
    login: 'Log in',
    awaiting: 'Awaiting approval',
    delivered: 'Delivered',
    sealed: 'Sealed zone',
    approve: 'Approve and fly',
    handoverOk: 'Receipt confirmed',
  },
};

describe.skipIf(!haveChromium)('medicine drop in the browser', () => {
  // A fresh service (new database, idle emulated drones on full batteries) for each test keeps the
  // two languages independent of each other's flights.
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

  async function open(opts: { phone?: boolean; expectedStatuses?: number[] } = {}): Promise<WatchedPage> {
    const w = await openPage(browser, opts);
    opened.push(w);
    return w;
  }

  /** Log in through the form, choosing the language on the log-in page (it is remembered). */
  async function logIn(page: Page, lang: Lang, who: { username: string; password: string }, shotName?: string): Promise<void> {
    await page.goto(`${service.url}/`);
    await page.waitForSelector('#lang-select');
    if (lang !== 'zh-CN') await page.selectOption('#lang-select', lang);
    await expect.poll(() => page.textContent('h1'), { timeout: 15_000 }).toBe(TEXT[lang].login);
    expect(await page.getAttribute('html', 'lang')).toBe(lang);
    await page.fill('#username', who.username);
    await page.fill('#password', who.password);
    if (shotName) await screenshot(page, lang, shotName);
    await page.click('#login-submit');
    await page.waitForSelector('body[data-ready=true]');
  }

  /** The flight's state, reason, battery and alerts from the API (for failure messages). */
  async function flightFacts(page: Page, id: number): Promise<string> {
    return page.evaluate(async (flight) => {
      const res = await fetch(`/api/flights/${flight}`);
      const v = (await res.json()) as Record<string, unknown>;
      return JSON.stringify({
        state: v.state,
        stateReason: v.stateReason,
        mode: v.mode,
        batteryPct: v.batteryPct,
        progress: v.progress,
        alerts: v.alerts,
        transitions: v.transitions,
      });
    }, id);
  }

  for (const lang of ['zh-CN', 'en'] as const) {
    it(`officer queues, pilot approves, drone delivers — ${lang}`, async () => {
      const text = TEXT[lang];
      const officer = await open({ phone: true });
      const pilot = await open();
      const recipient = lang === 'zh-CN' ? '张奶奶（90岁）' : 'Mrs Zhang (90)';

      // ── officer: log in, the form, field errors, queue one drop with a double click ─────────
      await logIn(officer.page, lang, service.users.officer, 'login');
      const o = officer.page;
      expect(new URL(o.url()).pathname).toBe('/officer.html');
      await o.waitForSelector('#officer-map path.leaflet-interactive');
      expect(await o.textContent('#officer-legend')).toContain(text.sealed);

      expect(await unlabelledControls(o)).toEqual([]);
      await o.fill('#recipient', recipient);
      await o.fill('#phone', '138 0971 2260');
      await o.fill('#medicine', lang === 'zh-CN' ? '硝苯地平缓释片（降压药）' : 'nifedipine (blood pressure)');
      await o.fill('#weightKg', '30');
      await o.click('#submit-request');
      // The weight is refused before anything is sent, next to the field, and says why.
      expect(await o.getAttribute('#weightKg', 'aria-invalid')).toBe('true');
      expect((await o.textContent('#weightKg-error'))?.trim()).not.toBe('');
      const before = (await o.$$('#request-list li')).length;
      expect(await o.textContent('#request-list')).not.toContain(recipient);

      await o.fill('#weightKg', '0.4');
      const dropPointName =
        (await o.locator('#drop-point-name option').evaluateAll((opts) => opts.map((opt) => (opt as unknown as { value: string }).value))).find(
          (v) => v !== '',
        ) ?? '';
      expect(dropPointName).not.toBe('');
      await o.selectOption('#drop-point-name', dropPointName);
      expect(await o.inputValue('#drop-point-coords')).toMatch(/^-?\d+\.\d+, -?\d+\.\d+$/);
      await o.check('input[name=urgency][value=urgent]');
      await o.fill('#notes', lang === 'zh-CN' ? '3号楼门口，老人独居，请先打电话' : 'Gate of building 3; lives alone, call first');

      const keys: string[] = [];
      o.on('request', (r) => {
        if (r.method() === 'POST' && new URL(r.url()).pathname === '/api/requests') keys.push(r.headers()['idempotency-key'] ?? '');
      });
      await o.dblclick('#submit-request');
      const card = o.locator('#request-list li', { hasText: recipient });
      await card.waitFor();
      await expect.poll(() => card.getAttribute('data-status'), { timeout: 15_000 }).toMatch(/awaiting-approval/);
      await o.waitForTimeout(300); // a second request, if the double click had made one, would be listed by now
      expect(await o.$$('#request-list li')).toHaveLength(before + 1);
      expect(await card.count()).toBe(1);
      expect(keys.length).toBeGreaterThanOrEqual(1);
      expect(new Set(keys).size).toBe(1); // every POST of this fill carried the same Idempotency-Key
      expect(await card.textContent()).toContain(text.awaiting);
      expect(await card.textContent()).toContain(recipient);
      const requestId = Number(await card.getAttribute('data-request-id'));
      const officerCallsAfterQueueing = officer.apiCalls.length;
      // The planned route, drawn on the officer's map on request.
      await card.locator('button.show-route').click();
      await o.waitForSelector('#officer-map path[stroke="#0b5cad"]');
      await screenshot(o, lang, 'officer');

      // ── pilot: the queue, the review, the checklist gate, approve ──────────────────────────
      await logIn(pilot.page, lang, service.users.pilot);
      const p = pilot.page;
      expect(new URL(p.url()).pathname).toBe('/pilot.html');
      const queued = p.locator('#mission-queue li', { hasText: recipient });
      await queued.waitFor();
      await screenshot(p, lang, 'pilot');
      await queued.locator('a').click();
      await p.waitForSelector('body[data-ready=true]');
      expect(new URL(p.url()).pathname).toBe('/review.html');
      await p.waitForSelector('#review-map path.leaflet-interactive');
      expect(await p.textContent('#review-legend')).toContain(text.sealed);
      expect(await p.$$('#checks-list li')).not.toHaveLength(0);
      expect(await p.$$('#checks-list li[data-ok=false]')).toHaveLength(0);
      expect(await p.textContent('#request-table')).toContain(recipient);
      expect((await p.textContent('#n-distance'))?.trim()).not.toBe('');

      expect(await unlabelledControls(p)).toEqual([]);
      const approve = p.locator('#approve');
      expect(await approve.textContent()).toBe(text.approve);
      expect(await approve.isDisabled()).toBe(true);
      const boxes = p.locator('#checklist input[type=checkbox]');
      const n = await boxes.count();
      expect(n).toBeGreaterThan(0);
      for (let i = 0; i < n - 1; i++) await boxes.nth(i).check();
      expect(await approve.isDisabled()).toBe(true); // one left unticked
      await screenshot(p, lang, 'review');
      // The last box ticked with the keyboard: focus it and press space.
      await boxes.nth(n - 1).focus();
      await p.keyboard.press('Space');
      expect(await approve.isDisabled()).toBe(false);
      const approvedAt = Date.now();
      await approve.click();

      // ── the flight: progress on the review page, then the live tracking page ───────────────
      await p.waitForSelector('#flight-panel:not([hidden]) #flight-state');
      await screenshot(p, lang, 'review-flight');
      const AIRBORNE = ['en-route', 'delivering', 'returning', 'landed', 'completed'].map((st) => `#flight-state[data-state=${st}]`).join(', ');
      await p.waitForSelector(AIRBORNE, { timeout: 60_000 });
      // What the pilot sees: from the click on approve to the page saying the drone is on its way.
      console.log(`e2e ${lang}: approve click → "en route" on the pilot's page: ${Date.now() - approvedAt} ms (emulator speed-up ${service.speedup}×)`);
      const callsBeforeTracking = pilot.apiCalls.length;
      await p.click('#track-link');
      await p.waitForSelector('body[data-ready=true]');
      expect(new URL(p.url()).pathname).toBe('/track.html');
      const flightId = Number(new URL(p.url()).searchParams.get('id'));
      await p
        .waitForSelector(
          '#track-state[data-state=en-route], #track-state[data-state=delivering], #track-state[data-state=returning], #track-state[data-state=landed], #track-state[data-state=completed]',
          { timeout: 60_000 },
        )
        .catch(async (err: unknown) => {
          throw new Error(`${String(err)}\nflight as the service sees it: ${await flightFacts(p, flightId)}`);
        });
      await p.waitForSelector('#track-map .leaflet-marker-icon svg', { timeout: 30_000 }); // the drone
      await screenshot(p, lang, 'track');

      // ── the officer's page turns to "delivered" by itself (SSE, no reload) ─────────────────
      const delivered = o.locator(`#request-${requestId}[data-status=delivered]`);
      await delivered.waitFor({ timeout: 90_000 });
      expect(await delivered.textContent()).toContain(text.delivered);
      await screenshot(o, lang, 'officer-delivered');
      // From queued to delivered the officer's page asked the service for nothing: it was told.
      expect(officer.apiCalls.slice(officerCallsAfterQueueing)).toEqual([]);
      await p.waitForSelector('#delivery-notice', { timeout: 30_000 });
      expect(await p.textContent('#delivery-notice')).toContain(text.delivered);
      await screenshot(p, lang, 'track-delivered');

      // ── the recipient confirms with the hand-over code ─────────────────────────────────────
      const code = await delivered.locator('[data-handover-code]').getAttribute('data-handover-code');
      if (code) {
        const r = await open({ phone: true, expectedStatuses: [400] }); // the wrong code first
        await r.page.goto(`${service.url}/handover.html?request=${requestId}`);
        await r.page.waitForSelector('#handover-code');
        if (lang !== 'zh-CN') await r.page.selectOption('#lang-select', lang);
        const wrong = code === '000000' ? '111111' : '000000';
        await r.page.fill('#handover-code', wrong);
        await r.page.click('#handover-submit');
        await expect.poll(() => r.page.getAttribute('#handover-code', 'aria-invalid'), { timeout: 15_000 }).toBe('true');
        await r.page.fill('#handover-code', code);
        await r.page.click('#handover-submit');
        await expect.poll(() => r.page.textContent('#handover-result'), { timeout: 15_000 }).toContain(text.handoverOk);
        await screenshot(r.page, lang, 'handover');
        expect(r.problems).toEqual([]);
      }

      // ── switching language on a live page redraws it and is remembered ─────────────────────
      if (lang === 'zh-CN') {
        await o.selectOption('#lang-select', 'en');
        await expect.poll(() => delivered.textContent(), { timeout: 15_000 }).toContain(TEXT.en.delivered);
        expect(await o.getAttribute('html', 'lang')).toBe('en');
        expect(await o.textContent('#submit-request')).toBe('Queue the drop');
        await o.reload();
        await o.waitForSelector('body[data-ready=true]');
        expect(await o.locator(`#request-${requestId}`).textContent()).toContain(TEXT.en.delivered);
        await o.selectOption('#lang-select', 'zh-CN');
        await expect.poll(() => o.textContent('#submit-request'), { timeout: 15_000 }).toBe('提交投送请求');
      }

      // ── the drone comes home: the tracking page ends at "completed" ────────────────────────
      await p.waitForSelector('#track-state[data-state=completed]', { timeout: 90_000 }).catch(async (err: unknown) => {
        throw new Error(`${String(err)}\nflight as the service sees it: ${await flightFacts(p, flightId)}`);
      });
      await expect.poll(() => p.getAttribute('#route-progress', 'aria-valuenow'), { timeout: 15_000 }).toBe('100');
      // The flight is over: its link is not reported as lost.
      await expect.poll(() => p.textContent('#stat-link .v'), { timeout: 15_000 }).toBe(lang === 'en' ? 'Flight ended' : '飞行已结束');
      await screenshot(p, lang, 'track-completed');
      // The whole flight was followed by pushed events: the tracking page made a handful of API
      // calls when it opened, not one per telemetry update (no polling).
      const trackingCalls = pilot.apiCalls.slice(callsBeforeTracking);
      expect(trackingCalls.length, trackingCalls.join('\n')).toBeLessThanOrEqual(10);
      // A normal delivery: no critical alert (failsafe, fence breach, link lost…) on the way.
      expect(await p.locator('#track-alerts li.critical').allTextContents()).toEqual([]);

      // The officer can follow the same flight on the phone, read-only.
      await o.locator(`#request-${requestId} a[href^="/track.html"]`).click();
      await o.waitForSelector('body[data-ready=true]');
      await o.waitForSelector('#track-state[data-state=completed]');
      expect(await o.isHidden('#controls-panel')).toBe(true);
      await screenshot(o, lang, 'track-officer');

      expect(officer.problems).toEqual([]);
      expect(pilot.problems).toEqual([]);
      // Everything came from the service itself: Leaflet, strings, data — no CDN, no tile server.
      const own = new URL(service.url).origin;
      expect([...officer.origins, ...pilot.origins].filter((x) => x !== own)).toEqual([]);
    }, 150_000);
  }

  it('admin replaces the zone map (broken one refused); the plan under review is re-planned and the pilot is told', async () => {
    // A request waiting for approval, and a pilot looking at its plan.
    const officer = await open({ phone: true });
    await logIn(officer.page, 'zh-CN', service.users.officer);
    const o = officer.page;
    await o.fill('#recipient', '马先生');
    await o.fill('#phone', '0971 6123456');
    await o.selectOption('#drop-point-name', { index: 1 });
    await o.fill('#medicine', '胰岛素（冷链）');
    await o.fill('#weightKg', '0.5');
    await o.check('input[name=urgency][value=urgent]');
    await o.click('#submit-request');
    await o.locator('#request-list li[data-status=awaiting-approval]', { hasText: '马先生' }).waitFor();
    const pilot = await open();
    await logIn(pilot.page, 'zh-CN', service.users.pilot);
    const p = pilot.page;
    await p.locator('#mission-queue li', { hasText: '马先生' }).locator('a').click();
    await p.waitForSelector('body[data-ready=true]');
    const firstPlan = new URL(p.url()).searchParams.get('id');

    const admin = await open({ expectedStatuses: [400] }); // the broken map's refusal
    await logIn(admin.page, 'zh-CN', service.users.admin);
    const a = admin.page;
    expect(new URL(a.url()).pathname).toBe('/admin.html');
    await a.waitForSelector('#admin-map path.leaflet-interactive');
    await a.waitForSelector('#users-table td');
    await a.waitForSelector('#drones-table td');
    const before = await a.textContent('#zm-current');

    // A broken map is refused with every problem listed by feature; the live map stays.
    const broken = {
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', properties: { kind: 'sealed', name: '坏区域' }, geometry: { type: 'Point', coordinates: [101.77, 36.61] } },
        { type: 'Feature', properties: { kind: 'lake', name: '未知类型' }, geometry: { type: 'Point', coordinates: [101.78, 36.62] } },
      ],
    };
    await a.setInputFiles('#zm-file', { name: 'broken.geojson', mimeType: 'application/geo+json', buffer: Buffer.from(JSON.stringify(broken)) });
    await a.click('#zm-upload');
    await a.waitForSelector('#zm-errors li');
    const errors = await a.textContent('#zm-errors');
    expect(errors).toContain('地图未被接受');
    expect(errors).toMatch(/坏区域|#0/);
    expect(await a.textContent('#zm-current')).toBe(before);
    await screenshot(a, 'zh-CN', 'admin-zone-map-refused');

    // The demo map uploaded again is accepted as a new version.
    await a.setInputFiles('#zm-file', service.zoneMapFile);
    await a.click('#zm-upload');
    await expect.poll(() => a.textContent('#zm-result'), { timeout: 15_000 }).toContain('已启用第 2 版');
    await screenshot(a, 'zh-CN', 'admin');

    // The pilot's open review says the plan was replaced and leads to the new one.
    const newPlanLink = p.locator('#decision-done a');
    await newPlanLink.waitFor({ timeout: 30_000 });
    expect(await p.textContent('#review-heading')).toContain('已被新方案取代');
    expect(await p.isHidden('#approve-form')).toBe(true);
    await screenshot(p, 'zh-CN', 'review-superseded');
    await newPlanLink.click();
    await p.waitForSelector('body[data-ready=true]');
    expect(new URL(p.url()).searchParams.get('id')).not.toBe(firstPlan);
    expect(await p.textContent('#review-heading')).toContain('待审批');
    expect(await p.isDisabled('#approve')).toBe(true);
    for (const w of [admin, officer, pilot]) expect(w.problems).toEqual([]);
  }, 60_000);
});
