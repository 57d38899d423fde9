/**
 * Maps people can read (issue 11), in Chromium on the real service with the demo map: the first view
 * shows every drop point and depot; a scale bar; names as labels once zoomed in, in the reader's
 * language (phones have no hover); typed coordinates move the map; on the review map the return leg
 * is told apart from the outbound one, waypoint altitudes are labelled, and the legend lists what
 * the map draws, drawn as the map draws it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { haveChromium, launchBrowser, openPage, screenshot, CHROMIUM, type WatchedPage } from './support/browser.js';
import { startService, type ServiceHandle } from './support/service.js';

if (!haveChromium) console.warn(`e2e: SKIPPED — ${CHROMIUM} is not installed (apt-get install -y chromium fonts-noto-cjk)`);

type Rect = { x: number; y: number; width: number; height: number };
const inside = (r: Rect, box: Rect) =>
  r.x + r.width / 2 >= box.x && r.x + r.width / 2 <= box.x + box.width && r.y + r.height / 2 >= box.y && r.y + r.height / 2 <= box.y + box.height;

describe.skipIf(!haveChromium)('maps people can read', () => {
  let service: ServiceHandle;
  let browser: Browser;
  const opened: WatchedPage[] = [];

  beforeAll(async () => {
    [service, browser] = await Promise.all([startService(), launchBrowser()]);
  }, 60_000);

  afterAll(async () => {
    for (const w of opened) await w.context.close().catch(() => {});
    await browser?.close().catch(() => {});
    await service?.close();
  });

  async function logIn(who: { username: string; password: string }, lang: string, opts: { phone?: boolean } = {}): Promise<WatchedPage> {
    const w = await openPage(browser, opts);
    opened.push(w);
    await w.page.goto(`${service.url}/?lang=${lang}`);
    await w.page.fill('#username', who.username);
    await w.page.fill('#password', who.password);
    await w.page.click('#login-submit');
    await w.page.waitForSelector('body[data-ready=true]');
    return w;
  }

  async function markersInView(page: Page, mapSel: string): Promise<{ outside: number; total: number }> {
    const box = (await page.locator(mapSel).boundingBox()) as Rect;
    const rects = await page.$$eval(`${mapSel} .leaflet-marker-icon, ${mapSel} path.leaflet-interactive[fill="#ffffff"]`, (els) =>
      els.map((e) => {
        const r = e.getBoundingClientRect();
        return { x: r.x, y: r.y, width: r.width, height: r.height };
      }),
    );
    return { outside: rects.filter((r) => !inside(r, box)).length, total: rects.length };
  }

  for (const [lang, phone] of [
    ['zh-CN', false],
    ['en', true],
  ] as const) {
    it(`officer map (${lang}${phone ? ', phone' : ''}): everything in the first view, scale bar, labels when zoomed in, typed coordinates pan`, async () => {
      const w = await logIn(service.users.officer, lang, { phone });
      const o = w.page;
      await o.waitForSelector('#officer-map path.leaflet-interactive');
      await o.waitForTimeout(300); // let the layout settle (the fit follows it)
      const view = await markersInView(o, '#officer-map');
      expect(view.total).toBeGreaterThanOrEqual(10); // 3 depots + 7 drop points on the demo map
      expect(view.outside).toBe(0);
      expect(await o.locator('#officer-map .leaflet-control-scale-line').count()).toBe(1);
      expect(((await o.textContent('#officer-map .leaflet-control-scale-line')) ?? '').trim()).toMatch(/^\d+ (m|km)$/);

      // zoomed out: no labels; zoomed in: names, in the reader's language
      const zoomIn = o.locator('#officer-map .leaflet-control-zoom-in');
      for (let i = 0; i < 4 && (await o.locator('#officer-map .map-label').count()) === 0; i++) {
        await zoomIn.click();
        await o.waitForTimeout(350);
      }
      const labels = await o.$$eval('#officer-map .map-label', (els) => els.map((e) => e.textContent ?? ''));
      expect(labels.length).toBeGreaterThan(0);
      if (lang === 'zh-CN') {
        expect(labels.some((l) => /锦绣花园|派出所|社区/.test(l))).toBe(true);
        expect(labels.every((l) => !/[A-Za-z]{4,}/.test(l))).toBe(true);
      } else {
        expect(labels.some((l) => /Jinxiu Garden|Police Station/.test(l))).toBe(true);
        expect(labels.every((l) => !/[\u4e00-\u9fff]/.test(l))).toBe(true);
      }
      await screenshot(o, lang, phone ? 'officer-map-labels-phone' : 'officer-map-labels');

      // typed coordinates far from the view: the map moves to them
      await o.fill('#drop-point-coords', '36.6035, 101.7849');
      await o.waitForTimeout(300);
      const pin = o.locator('#officer-map .leaflet-marker-icon').last();
      const box = (await o.locator('#officer-map').boundingBox()) as Rect;
      expect(inside((await pin.boundingBox()) as Rect, box)).toBe(true);
      expect(w.problems).toEqual([]);
    }, 60_000);
  }

  it('review map: return leg told apart, altitude labels, legend lists what is drawn as it is drawn', async () => {
    const officer = await logIn(service.users.officer, 'en');
    const ctx = officer.context.request;
    const me = await ctx.get(`${service.url}/api/me`);
    const { csrfToken } = (await me.json()) as { csrfToken: string };
    const created = await ctx.post(`${service.url}/api/requests`, {
      headers: { 'x-csrf-token': csrfToken, 'idempotency-key': `maps-${Date.now()}` },
      data: {
        recipient: 'Map test',
        phone: '0971-8123456',
        dropPoint: { name: 'Jinxiu Garden courtyard 锦绣花园中心庭院' },
        medicine: 'insulin',
        weightKg: 0.5,
        urgency: 'routine',
      },
    });
    expect(created.status()).toBe(201);
    const req = (await created.json()) as { mission: { id: number } | null; missionId?: number };
    const missionId = req.mission?.id ?? req.missionId;
    expect(missionId).toBeTruthy();

    const w = await logIn(service.users.pilot, 'en');
    const p = w.page;
    await p.goto(`${service.url}/review.html?id=${missionId}&lang=en`);
    await p.waitForSelector('body[data-ready=true]');
    await p.waitForSelector('#review-map path.leaflet-interactive');
    // outbound and return legs: different colours (and the return drawn dashed on top)
    const strokes = await p.$$eval('#review-map path.leaflet-interactive', (els) =>
      els.map((e) => [e.getAttribute('stroke'), e.getAttribute('stroke-dasharray')]),
    );
    expect(strokes).toContainEqual(['#0b5cad', null]);
    expect(strokes).toContainEqual(['#ef6c00', '10 8']);
    // legend: what is drawn, no rally points unless there are some; fence swatch green dotted like the fence
    const legendText = (await p.textContent('#review-legend')) ?? '';
    expect(legendText).toContain('Route out');
    expect(legendText).toContain('Route back');
    const rallyDrawn = strokes.some(([s]) => s === '#2e7d32') && (await p.$$('#review-map path[stroke="#2e7d32"][fill="#fff"]')).length > 0;
    expect(legendText.includes('Rally')).toBe(rallyDrawn);
    const fenceDrawn = strokes.some(([s, d]) => s === '#2e7d32' && d === '2 6');
    if (fenceDrawn) {
      const swatch = await p.$eval('#review-legend li:has-text("Geofence") .swatch', (e) => {
        const cs = (globalThis as unknown as { getComputedStyle(el: unknown): { borderTopStyle: string; borderTopColor: string } }).getComputedStyle(e);
        return [cs.borderTopStyle, cs.borderTopColor];
      });
      expect(swatch).toEqual(['dotted', 'rgb(46, 125, 50)']);
    }
    // zoom in until the waypoint altitude labels show
    for (let i = 0; i < 4 && (await p.locator('#review-map .map-label.altitude').count()) === 0; i++) {
      await p.locator('#review-map .leaflet-control-zoom-in').click();
      await p.waitForTimeout(350);
    }
    const alts = await p.$$eval('#review-map .map-label.altitude', (els) => els.map((e) => e.textContent ?? ''));
    expect(alts.length).toBeGreaterThan(0);
    for (const a of alts) expect(a).toMatch(/^\d+(\.\d)? m$/);
    await screenshot(p, 'en', 'review-map-readable');
    expect(w.problems).toEqual([]);
  }, 60_000);
});
