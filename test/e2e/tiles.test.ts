/**
 * Base maps in the browser: a configured tile URL (here a tile server of our own on 127.0.0.1) is
 * drawn under the zones with its attribution; a GCJ-02 base map (as AMap's tiles are) is shifted so
 * that the tile content under a depot is the content at the depot's GCJ-02 position — the street the
 * depot is really on; and the offline MBTiles map is served by medidrop itself. The providers named
 * in configuration (天地图 Tianditu with its key and label layer, AMap shifted from GCJ-02,
 * OpenStreetMap) are offered with a layer switcher, in zh-CN and English at desktop and phone size;
 * their hosts are answered by the browser context itself (no network), so what is checked is which
 * tiles the page asks for and where it draws them.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { haveChromium, launchBrowser, MATRIX, openPage, screenshot, CHROMIUM } from './support/browser.js';
import { say } from './support/catalogue.js';
import { startService, type ServiceHandle } from './support/service.js';
import { fromWgs84 } from '../../src/geo/crs.js';
import type { LonLat } from '../../src/geo/types.js';
import { PNG_1PX, tileAt, writeMbtiles, type TileSpec } from '../support/mbtiles.js';

if (!haveChromium) console.warn(`e2e: SKIPPED — ${CHROMIUM} is not installed (apt-get install -y chromium fonts-noto-cjk)`);

const DEPOT_NAME = 'Chengzhong Police Station 城中派出所';

async function loginOfficer(page: Page, service: ServiceHandle, lang?: string): Promise<void> {
  await page.goto(`${service.url}/${lang ? `?lang=${lang}` : ''}`);
  await page.fill('#username', service.users.officer.username);
  await page.fill('#password', service.users.officer.password);
  await page.click('#login-submit');
  await page.waitForSelector('body[data-ready=true]');
}

function depotPosition(service: ServiceHandle): LonLat {
  const map = JSON.parse(readFileSync(service.zoneMapFile, 'utf8')) as { features: { properties: { name: string }; geometry: { coordinates: LonLat } }[] };
  const f = map.features.find((x) => x.properties.name === DEPOT_NAME);
  if (!f) throw new Error(`${DEPOT_NAME} is not on ${service.zoneMapFile}`);
  return f.geometry.coordinates;
}

/**
 * Where on the screen the loaded tiles show the content of `p` (a point in the tiles' own datum):
 * find the tile holding p at the tiles' zoom and place p inside its on-screen rectangle.
 */
/** z/x/y of a tile URL: path-style (/z/x/y.png), WMTS (TILEMATRIX/TILECOL/TILEROW, Tianditu) or x/y/z query (AMap). */
function tileZxy(src: string): [number, number, number] | null {
  const u = new URL(src, 'http://x');
  const q = (k: string) => u.searchParams.get(k);
  if (q('TILEMATRIX') && q('TILECOL') && q('TILEROW')) return [Number(q('TILEMATRIX')), Number(q('TILECOL')), Number(q('TILEROW'))];
  if (q('x') && q('y') && q('z')) return [Number(q('z')), Number(q('x')), Number(q('y'))];
  const m = /\/(\d+)\/(\d+)\/(\d+)(?:\.png)?$/.exec(u.pathname);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

async function screenPointOfTileContent(page: Page, mapSel: string, p: LonLat, srcFilter = ''): Promise<{ x: number; y: number }> {
  const tiles = await page.$$eval(`${mapSel} img.leaflet-tile-loaded${srcFilter}`, (imgs) =>
    imgs.map((i) => {
      const r = i.getBoundingClientRect();
      return { src: i.getAttribute('src') ?? '', left: r.left, top: r.top, width: r.width, height: r.height };
    }),
  );
  for (const t of tiles) {
    const zxy = tileZxy(t.src);
    if (!zxy) continue;
    const [z, x, y] = zxy;
    const n = 2 ** z;
    const gx = ((p[0] + 180) / 360) * n * 256;
    const r = (p[1] * Math.PI) / 180;
    const gy = ((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n * 256;
    if (Math.floor(gx / 256) !== x || Math.floor(gy / 256) !== y) continue;
    return { x: t.left + ((gx - x * 256) * t.width) / 256, y: t.top + ((gy - y * 256) * t.height) / 256 };
  }
  throw new Error(`no loaded tile holds ${p.join(', ')} (${tiles.length} tiles loaded)`);
}

async function depotOnScreen(page: Page, mapSel: string): Promise<{ x: number; y: number }> {
  const box = await page.locator(`${mapSel} .leaflet-marker-icon[title="${DEPOT_NAME}"]`).boundingBox();
  if (!box) throw new Error('depot marker not on screen');
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

function tileServer(served: string[]): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const ok = /^\/\d+\/\d+\/\d+\.png$/.test(req.url ?? '');
    if (ok) served.push(req.url ?? '');
    res.writeHead(ok ? 200 : 404, { 'content-type': 'image/png', 'access-control-allow-origin': '*' });
    res.end(ok ? PNG_1PX : undefined);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port })));
}

describe.skipIf(!haveChromium)('base maps', () => {
  let browser: Browser;
  const servers: Server[] = [];
  const services: ServiceHandle[] = [];
  let dir = '';

  beforeAll(async () => {
    browser = await launchBrowser();
    dir = mkdtempSync(join(tmpdir(), 'medidrop-e2e-tiles-'));
  }, 60_000);

  afterAll(async () => {
    await browser?.close().catch(() => {});
    for (const s of services) await s.close();
    for (const s of servers) await new Promise<void>((resolve) => s.close(() => resolve()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a WGS-84 tile URL: tiles under the zones, with the attribution, content under the depot is the depot', async () => {
    const served: string[] = [];
    const { server, port } = await tileServer(served);
    servers.push(server);
    const service = await startService({ tileUrl: `http://127.0.0.1:${port}/{z}/{x}/{y}.png`, tileAttribution: '© local tiles' });
    services.push(service);
    const w = await openPage(browser);
    await loginOfficer(w.page, service);
    await w.page.waitForSelector('#officer-map img.leaflet-tile-loaded');
    await w.page.waitForSelector('#officer-map path.leaflet-interactive');
    expect(served.length).toBeGreaterThan(0);
    expect(await w.page.textContent('#officer-map .leaflet-control-attribution')).toContain('© local tiles');
    const depot = await depotOnScreen(w.page, '#officer-map');
    const content = await screenPointOfTileContent(w.page, '#officer-map', depotPosition(service));
    expect(Math.hypot(depot.x - content.x, depot.y - content.y)).toBeLessThan(2);
    await screenshot(w.page, 'zh-CN', 'officer-with-tiles');
    expect(w.problems).toEqual([]);
    await w.context.close();
  }, 60_000);

  it('a GCJ-02 base map (AMap-style) is shifted: under the depot lies the content at its GCJ-02 position', async () => {
    const served: string[] = [];
    const { server, port } = await tileServer(served);
    servers.push(server);
    const service = await startService({
      config: { tileUrl: `http://127.0.0.1:${port}/{z}/{x}/{y}.png`, tileAttribution: '© GCJ tiles', tileCrs: 'gcj02' },
    });
    services.push(service);
    const w = await openPage(browser);
    await loginOfficer(w.page, service);
    await w.page.waitForSelector('#officer-map img.leaflet-tile-loaded');
    expect(await w.page.textContent('#officer-map .leaflet-control-attribution')).toContain('GCJ-02');
    // street scale: two zoom steps in, where 170 m is many pixels
    for (let i = 0; i < 2; i++) {
      await w.page.locator('#officer-map .leaflet-control-zoom-in').click();
      await w.page.waitForTimeout(400);
    }
    await w.page.waitForSelector('#officer-map img.leaflet-tile-loaded');
    const wgs = depotPosition(service);
    const depot = await depotOnScreen(w.page, '#officer-map');
    const gcjContent = await screenPointOfTileContent(w.page, '#officer-map', fromWgs84(wgs, 'gcj02'));
    expect(Math.hypot(depot.x - gcjContent.x, depot.y - gcjContent.y)).toBeLessThan(2);
    // and it mattered: unshifted, the depot would sit on the content ~170 m away
    const wgsContent = await screenPointOfTileContent(w.page, '#officer-map', wgs).catch(() => null);
    if (wgsContent) expect(Math.hypot(depot.x - wgsContent.x, depot.y - wgsContent.y)).toBeGreaterThan(30);
    expect(w.problems).toEqual([]);
    await w.context.close();
  }, 60_000);

  describe('the offline MBTiles map, served by medidrop', () => {
    let service: ServiceHandle;
    beforeAll(async () => {
      const file = join(dir, 'county.mbtiles');
      const tiles: TileSpec[] = [];
      for (let z = 11; z <= 17; z++) {
        const a = tileAt(101.7, 36.68, z);
        const b = tileAt(101.86, 36.56, z);
        for (let x = a.x; x <= b.x; x++) for (let y = a.y; y <= b.y; y++) tiles.push({ z, x, y, data: PNG_1PX });
      }
      writeMbtiles(file, tiles, { name: 'Xining offline', format: 'png', minzoom: '12', maxzoom: '17', attribution: '© offline survey' });
      service = await startService({ config: { offlineTiles: file } });
      services.push(service);
    }, 60_000);

    for (const { lang, size } of MATRIX) {
      it(`${lang}, ${size}: no other origin, tiles under the zones, the file's attribution`, async () => {
        const w = await openPage(browser, { size });
        await loginOfficer(w.page, service, lang);
        await w.page.waitForSelector('#officer-map img.leaflet-tile-loaded');
        const srcs = await w.page.$$eval('#officer-map img.leaflet-tile-loaded', (imgs) => imgs.map((i) => i.getAttribute('src') ?? ''));
        expect(srcs.length).toBeGreaterThan(0);
        for (const s of srcs) expect(s).toMatch(/^\/tiles\/offline\/\d+\/\d+\/\d+$/);
        expect([...w.origins]).toEqual([new URL(service.url).origin]);
        expect(await w.page.textContent('#officer-map .leaflet-control-attribution')).toContain('© offline survey');
        await screenshot(w.page, lang, size === 'phone' ? 'officer-offline-map-phone' : 'officer-offline-map');
        expect(w.problems).toEqual([]);
        await w.context.close();
      }, 60_000);
    }
  });

  describe('providers from configuration: Tianditu (key, labels), AMap (GCJ-02, shifted), OpenStreetMap', () => {
    let service: ServiceHandle;
    beforeAll(async () => {
      service = await startService({ config: { tiles: ['tianditu', 'amap', 'osm'], tiandituKey: 'e2e-key' } });
      services.push(service);
    }, 60_000);

    for (const { lang, size } of MATRIX) {
      it(`${lang}, ${size}: Tianditu first with its key and label layer, unshifted; the switcher gives AMap shifted and OSM unshifted`, async () => {
        const w = await openPage(browser, { size });
        const asked: string[] = [];
        // The providers' hosts, answered here: the page must ask the right tiles and place them right.
        await w.context.route(/^https:\/\/(t\d\.tianditu\.gov\.cn|webrd0\d\.is\.autonavi\.com|tile\.openstreetmap\.org)\//, (route) => {
          asked.push(route.request().url());
          return route.fulfill({ status: 200, contentType: 'image/png', body: PNG_1PX, headers: { 'access-control-allow-origin': '*' } });
        });
        const p = w.page;
        await loginOfficer(p, service, lang);
        await p.waitForSelector('#officer-map path.leaflet-interactive');
        await p.waitForSelector('#officer-map img.leaflet-tile-loaded');
        // Tianditu: the base and its label layer, with the key; WGS-84 (CGCS2000) tiles, not shifted
        expect(asked.some((u) => u.includes('/vec_w/wmts') && u.includes('tk=e2e-key'))).toBe(true);
        expect(asked.some((u) => u.includes('/cva_w/wmts') && u.includes('tk=e2e-key'))).toBe(true);
        expect(asked.some((u) => u.includes('autonavi') || u.includes('openstreetmap'))).toBe(false); // only the shown base map is fetched
        const attribution = () => p.textContent('#officer-map .leaflet-control-attribution');
        expect(await attribution()).toContain('天地图');
        const wgs = depotPosition(service);
        const gap = async (filter: string, at: LonLat) => {
          const depot = await depotOnScreen(p, '#officer-map');
          const content = await screenPointOfTileContent(p, '#officer-map', at, filter);
          return Math.hypot(depot.x - content.x, depot.y - content.y);
        };
        // street scale, where the GCJ-02 shift is tens of pixels
        for (let i = 0; i < 2; i++) {
          await p.locator('#officer-map .leaflet-control-zoom-in').click();
          await p.waitForTimeout(400);
        }
        await p.waitForSelector('#officer-map img.leaflet-tile-loaded[src*="vec_w"]');
        expect(await gap('[src*="vec_w"]', wgs)).toBeLessThan(2);

        // the layer switcher, in the reader's language: AMap, drawn shifted
        const control = p.locator('#officer-map .leaflet-control-layers');
        const choose = async (id: string) => {
          if (size === 'phone') {
            // Clicks as a tap makes them, without playwright's emulated mouse: after a tap it moves the
            // mouse back to where an earlier click left it, which "leaves" the control and folds it up
            // (a phone's hover stays under the finger).
            await control.locator('.leaflet-control-layers-toggle').dispatchEvent('click');
            await expect.poll(() => control.getAttribute('class')).toContain('leaflet-control-layers-expanded');
            await control
              .locator('label', { hasText: say(lang, `tiles.${id}`) })
              .locator('input')
              .dispatchEvent('click');
          } else {
            await control.hover();
            await control.locator('label', { hasText: say(lang, `tiles.${id}`) }).click();
          }
        };
        const names = await control.locator('label').allTextContents();
        expect(names.map((n) => n.trim())).toEqual(['tianditu', 'amap', 'osm'].map((id) => say(lang, `tiles.${id}`)));
        await choose('amap');
        await p.waitForSelector('#officer-map img.leaflet-tile-loaded[src*="autonavi"]');
        expect(await attribution()).toContain(say(lang, 'tiles.gcj02Shifted'));
        expect(await gap('[src*="autonavi"]', fromWgs84(wgs, 'gcj02'))).toBeLessThan(2);
        await screenshot(p, lang, size === 'phone' ? 'officer-amap-phone' : 'officer-amap');
        // OpenStreetMap: WGS-84, not shifted
        await choose('osm');
        await p.waitForSelector('#officer-map img.leaflet-tile-loaded[src*="openstreetmap"]');
        expect(await attribution()).toContain('OpenStreetMap');
        expect(await attribution()).not.toContain(say(lang, 'tiles.gcj02Shifted'));
        expect(await gap('[src*="openstreetmap"]', wgs)).toBeLessThan(2);
        expect(w.problems).toEqual([]);
        await w.context.close();
      }, 60_000);
    }

    it('the chosen base map is kept across a language change (kept by provider, not by its translated name)', async () => {
      const w = await openPage(browser, { size: 'desktop' });
      await w.context.route(/^https:\/\/(t\d\.tianditu\.gov\.cn|webrd0\d\.is\.autonavi\.com|tile\.openstreetmap\.org)\//, (route) =>
        route.fulfill({ status: 200, contentType: 'image/png', body: PNG_1PX, headers: { 'access-control-allow-origin': '*' } }),
      );
      const p = w.page;
      await loginOfficer(p, service, 'en');
      await p.waitForSelector('#officer-map img.leaflet-tile-loaded[src*="vec_w"]');
      const control = p.locator('#officer-map .leaflet-control-layers');
      await control.hover();
      await control.locator('label', { hasText: say('en', 'tiles.amap') }).click();
      await p.waitForSelector('#officer-map img.leaflet-tile-loaded[src*="autonavi"]');
      // the officer switches to Chinese: the page comes back on AMap, its switcher names AMap in Chinese
      await p.goto(`${service.url}/?lang=zh-CN`);
      await p.waitForSelector('body[data-ready=true]');
      await p.waitForSelector('#officer-map img.leaflet-tile-loaded[src*="autonavi"]');
      expect(await p.locator('#officer-map img[src*="vec_w"]').count()).toBe(0);
      const checked = p.locator('#officer-map .leaflet-control-layers label', { has: p.locator('input:checked') });
      expect((await checked.textContent())?.trim()).toBe(say('zh-CN', 'tiles.amap'));
      expect(w.problems).toEqual([]);
      await w.context.close();
    }, 60_000);
  });
});
