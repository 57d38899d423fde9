/**
 * The optional base map: with a tile URL in the configuration the pages load tiles from it (here
 * a tile server of our own on 127.0.0.1) and show its attribution; the vector layers stay on top.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { haveChromium, launchBrowser, openPage, screenshot, CHROMIUM } from './support/browser.js';
import { startService, type ServiceHandle } from './support/service.js';

if (!haveChromium) console.warn(`e2e: SKIPPED — ${CHROMIUM} is not installed (apt-get install -y chromium fonts-noto-cjk)`);

// A 1×1 PNG; Leaflet stretches it over the 256 px tile.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');

describe.skipIf(!haveChromium)('base map from a configured tile URL', () => {
  let tiles: Server;
  const served: string[] = [];
  let service: ServiceHandle;
  let browser: Browser;

  beforeAll(async () => {
    tiles = createServer((req, res) => {
      const ok = /^\/\d+\/\d+\/\d+\.png$/.test(req.url ?? '');
      if (ok) served.push(req.url!);
      res.writeHead(ok ? 200 : 404, { 'content-type': 'image/png', 'access-control-allow-origin': '*' });
      res.end(ok ? PNG : undefined);
    });
    await new Promise<void>((resolve) => tiles.listen(0, '127.0.0.1', resolve));
    const port = (tiles.address() as AddressInfo).port;
    [service, browser] = await Promise.all([
      startService({ tileUrl: `http://127.0.0.1:${port}/{z}/{x}/{y}.png`, tileAttribution: '© local tiles' }),
      launchBrowser(),
    ]);
  }, 60_000);

  afterAll(async () => {
    await browser?.close().catch(() => {});
    await service?.close();
    await new Promise<void>((resolve) => tiles?.close(() => resolve()));
  });

  it('officer map shows the tiles under the zones, with the attribution', async () => {
    const w = await openPage(browser);
    await w.page.goto(`${service.url}/`);
    await w.page.fill('#username', service.users.officer.username);
    await w.page.fill('#password', service.users.officer.password);
    await w.page.click('#login-submit');
    await w.page.waitForSelector('body[data-ready=true]');
    await w.page.waitForSelector('#officer-map img.leaflet-tile-loaded');
    await w.page.waitForSelector('#officer-map path.leaflet-interactive');
    expect(served.length).toBeGreaterThan(0);
    expect(await w.page.textContent('#officer-map .leaflet-control-attribution')).toContain('© local tiles');
    await screenshot(w.page, 'zh-CN', 'officer-with-tiles');
    expect(w.problems).toEqual([]);
    await w.context.close();
  }, 60_000);
});
