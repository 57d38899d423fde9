/**
 * Maps people can read (issue 11), in Chromium on the real service with the demo map, in zh-CN and
 * English at desktop (1366×900) and phone (390×844) size: the first view shows every drop point and
 * depot; a scale bar; names as labels once zoomed in, in the reader's language (phones have no
 * hover); typed coordinates move the map; on the review map the return leg is told apart from the
 * outbound one, waypoint altitudes are labelled, and the legend lists what the map draws, drawn as
 * the map draws it; the admin's map is larger than the officer's and also shows everything at first.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { haveChromium, launchBrowser, openPage, screenshot, CHROMIUM, MATRIX, type ViewportName, type WatchedPage } from './support/browser.js';
import { startService, type ServiceHandle } from './support/service.js';
import { say } from './support/catalogue.js';

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

  async function logIn(who: { username: string; password: string }, lang: string, size: ViewportName = 'desktop'): Promise<WatchedPage> {
    const w = await openPage(browser, { size });
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

  /** The legend's entries (data-legend) and their texts. */
  async function legendOf(page: Page, sel: string): Promise<{ entries: string[]; texts: string[] }> {
    const items = await page.$$eval(`${sel} li[data-legend]`, (els) => els.map((e) => [e.getAttribute('data-legend') ?? '', (e.textContent ?? '').trim()]));
    return { entries: items.map((i) => i[0]!), texts: items.map((i) => i[1]!) };
  }

  /** The legend entries the demo zone map's own features call for (what drawZoneMap draws). */
  function zoneEntries(): string[] {
    const map = JSON.parse(readFileSync(service.zoneMapFile, 'utf8')) as { features: { properties: { kind: string } }[] };
    const kinds = new Set(map.features.map((f) => f.properties.kind));
    const out: string[] = [];
    for (const k of ['sealed', 'controlled', 'precaution', 'no-fly', 'obstacle', 'depot', 'drop-point'])
      if (kinds.has(k)) out.push(k === 'drop-point' ? 'dropPoint' : k);
    return out;
  }

  for (const { lang, size } of MATRIX) {
    const phone = size === 'phone';
    it(`officer map (${lang}, ${size}): everything in the first view, scale bar, legend = what is drawn, labels when zoomed in, typed coordinates pan`, async () => {
      const w = await logIn(service.users.officer, lang, size);
      const o = w.page;
      await o.waitForSelector('#officer-map path.leaflet-interactive');
      await o.waitForTimeout(300); // let the layout settle (the fit follows it)
      const view = await markersInView(o, '#officer-map');
      expect(view.total).toBeGreaterThanOrEqual(10); // 3 depots + 7 drop points on the demo map
      expect(view.outside).toBe(0);
      expect(await o.locator('#officer-map .leaflet-control-scale-line').count()).toBe(1);
      expect(((await o.textContent('#officer-map .leaflet-control-scale-line')) ?? '').trim()).toMatch(/^\d+ (m|km)$/);
      // the legend lists exactly what the map draws (the demo map has no obstacles; no target chosen yet)
      const before = await legendOf(o, '#officer-legend');
      expect(before.entries).toEqual(zoneEntries());
      expect(before.texts).toEqual(before.entries.map((e) => say(lang, `legend.${e}`)));

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
      // the pin is on the map now, so the legend names it
      expect((await legendOf(o, '#officer-legend')).entries).toEqual([...zoneEntries(), 'target']);
      await screenshot(o, lang, phone ? 'officer-map-typed-phone' : 'officer-map-typed');
      expect(w.problems).toEqual([]);
    }, 60_000);
  }

  for (const { lang, size } of MATRIX) {
    it(`review map (${lang}, ${size}): return leg told apart, altitude labels, whole route in the first view, legend lists what is drawn as it is drawn`, async () => {
      const officer = await logIn(service.users.officer, lang, size);
      const ctx = officer.context.request;
      const me = await ctx.get(`${service.url}/api/me`);
      const { csrfToken } = (await me.json()) as { csrfToken: string };
      const created = await ctx.post(`${service.url}/api/requests`, {
        headers: { 'x-csrf-token': csrfToken, 'idempotency-key': `maps-${lang}-${size}-${Date.now()}` },
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

      await officer.context.close();
      const w = await logIn(service.users.pilot, lang, size);
      const p = w.page;
      await p.goto(`${service.url}/review.html?id=${missionId}&lang=${lang}`);
      await p.waitForSelector('body[data-ready=true]');
      await p.waitForSelector('#review-map path.leaflet-interactive');
      await p.waitForTimeout(300); // let the layout settle (the fit follows it)
      // the first view holds the whole route: every vertex of both legs inside the map
      const mapBox = (await p.locator('#review-map').boundingBox()) as Rect;
      const legBoxes = await p.$$eval('#review-map path.leaflet-interactive[stroke="#0b5cad"], #review-map path.leaflet-interactive[stroke="#ef6c00"]', (els) =>
        els.map((e) => {
          const r = e.getBoundingClientRect();
          return { x: r.x, y: r.y, width: r.width, height: r.height };
        }),
      );
      expect(legBoxes.length).toBeGreaterThanOrEqual(2);
      for (const b of legBoxes) {
        expect(b.x).toBeGreaterThanOrEqual(mapBox.x - 1);
        expect(b.y).toBeGreaterThanOrEqual(mapBox.y - 1);
        expect(b.x + b.width).toBeLessThanOrEqual(mapBox.x + mapBox.width + 1);
        expect(b.y + b.height).toBeLessThanOrEqual(mapBox.y + mapBox.height + 1);
      }
      expect(await p.locator('#review-map .leaflet-control-scale-line').count()).toBe(1);
      // outbound and return legs: different colours (and the return drawn dashed on top)
      const strokes = await p.$$eval('#review-map path.leaflet-interactive', (els) =>
        els.map((e) => [e.getAttribute('stroke'), e.getAttribute('stroke-dasharray')]),
      );
      expect(strokes).toContainEqual(['#0b5cad', null]);
      expect(strokes).toContainEqual(['#ef6c00', '10 8']);
      // legend: what is drawn, no rally points unless there are some; fence swatch green dotted like the fence
      const legendText = (await p.textContent('#review-legend')) ?? '';
      const said = (key: string) => say(lang, `legend.${key}`);
      expect(legendText).toContain(said('route'));
      expect(legendText).toContain(said('inbound'));
      if (lang === 'en') {
        expect(legendText).toContain('Route out');
        expect(legendText).toContain('Route back');
      }
      const { entries, texts } = await legendOf(p, '#review-legend');
      expect(texts).toEqual(entries.map((e) => said(e)));
      const rallyDrawn = strokes.some(([s]) => s === '#2e7d32') && (await p.$$('#review-map path[stroke="#2e7d32"][fill="#fff"]')).length > 0;
      expect(legendText.includes(said('rally'))).toBe(rallyDrawn);
      expect(entries.includes('rally')).toBe(rallyDrawn);
      const fenceDrawn = strokes.some(([s, d]) => s === '#2e7d32' && d === '2 6');
      expect(entries.includes('fence')).toBe(fenceDrawn);
      if (fenceDrawn) {
        const swatch = await p.$eval('#review-legend li[data-legend="fence"] .swatch', (e) => {
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
      for (const a of alts) expect(a).toMatch(lang === 'en' ? /^\d+(\.\d)? m$/ : /^\d+(\.\d)? 米$/);
      await screenshot(p, lang, size === 'phone' ? 'review-map-readable-phone' : 'review-map-readable');
      expect(w.problems).toEqual([]);
    }, 60_000);
  }

  for (const { lang, size } of MATRIX) {
    it(`admin map (${lang}, ${size}): larger than the officer's, everything in the first view, scale bar, legend = what is drawn`, async () => {
      const officer = await logIn(service.users.officer, lang, size);
      await officer.page.waitForSelector('#officer-map path.leaflet-interactive');
      const officerBox = (await officer.page.locator('#officer-map').boundingBox()) as Rect;
      await officer.context.close();

      const w = await logIn(service.users.admin, lang, size);
      const a = w.page;
      if (!a.url().includes('/admin.html')) {
        await a.goto(`${service.url}/admin.html`);
        await a.waitForSelector('body[data-ready=true]');
      }
      await a.waitForSelector('#admin-map path.leaflet-interactive');
      await a.waitForTimeout(300);
      const box = (await a.locator('#admin-map').boundingBox()) as Rect;
      // larger: at least as wide as the officer's map and half as tall again, and most of the screen's height
      expect(box.width).toBeGreaterThanOrEqual(officerBox.width);
      expect(box.height).toBeGreaterThanOrEqual(officerBox.height * 1.5);
      const viewport = a.viewportSize()!;
      expect(box.height).toBeGreaterThanOrEqual(viewport.height * 0.5);
      const view = await markersInView(a, '#admin-map');
      expect(view.total).toBeGreaterThanOrEqual(10);
      expect(view.outside).toBe(0);
      expect(await a.locator('#admin-map .leaflet-control-scale-line').count()).toBe(1);
      const { entries, texts } = await legendOf(a, '#admin-legend');
      expect(entries).toEqual(zoneEntries());
      expect(texts).toEqual(entries.map((e) => say(lang, `legend.${e}`)));
      await screenshot(a, lang, size === 'phone' ? 'admin-map-phone' : 'admin-map');
      expect(w.problems).toEqual([]);
    }, 60_000);
  }
});
