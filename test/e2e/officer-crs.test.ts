/**
 * An officer pastes coordinates copied from AMap/Tencent (GCJ-02) or Baidu (BD-09) and says so in
 * the form: the pin lands on the WGS-84 position (on the demo map's drop point there, not 170 m or
 * 1 km off), the request is stored within 1 m of it, and the card says which system was used and
 * that it was converted — in zh-CN and English, at desktop (1366×900) and phone (390×844) size.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { haveChromium, launchBrowser, MATRIX, openPage, CHROMIUM } from './support/browser.js';
import { say } from './support/catalogue.js';
import { startService, type ServiceHandle } from './support/service.js';
import { fromWgs84 } from '../../src/geo/crs.js';
import { distanceM } from '../../src/geo/spherical.js';
import type { LonLat } from '../../src/geo/types.js';

if (!haveChromium) console.warn(`e2e: SKIPPED — ${CHROMIUM} is not installed (apt-get install -y chromium fonts-noto-cjk)`);

// Jinxiu Garden courtyard on the demo map, WGS-84
const COURTYARD: LonLat = [101.7782, 36.6171901];

describe.skipIf(!haveChromium)('officer form: coordinates copied from AMap', () => {
  let service: ServiceHandle;
  let browser: Browser;
  beforeAll(async () => {
    [service, browser] = await Promise.all([startService(), launchBrowser()]);
  }, 60_000);
  afterAll(async () => {
    await browser?.close().catch(() => {});
    await service?.close();
  });

  // Both systems in both languages and at both sizes, over the four runs.
  for (const [i, { lang, size }] of MATRIX.entries()) {
    const crs = i % 3 === 0 ? 'gcj02' : 'bd09';
    it(`${crs === 'gcj02' ? 'GCJ-02' : 'BD-09'} coordinates are converted: pin on the WGS-84 point, stored within 1 m of it, the card says so (${lang}, ${size})`, async () => {
      const w = await openPage(browser, { size });
      const p = w.page;
      await p.goto(`${service.url}/?lang=${lang}`);
      await p.fill('#username', service.users.officer.username);
      await p.fill('#password', service.users.officer.password);
      await p.click('#login-submit');
      await p.waitForSelector('body[data-ready=true]');
      const [lon, lat] = fromWgs84(COURTYARD, crs);
      const recipient = `${crs} ${lang} ${size}`;
      await p.fill('#recipient', recipient);
      await p.fill('#phone', '0971-8123456');
      // street scale first (where 170 m is many pixels); typed coordinates off the view bring the map to them
      await p.waitForSelector('#officer-map path.leaflet-interactive');
      for (let k = 0; k < 3; k++) {
        await p.locator('#officer-map .leaflet-control-zoom-in').click();
        await p.waitForTimeout(350);
      }
      await p.selectOption('#drop-point-crs', crs);
      await p.fill('#drop-point-coords', `${lat.toFixed(7)}, ${lon.toFixed(7)}`);
      // the pin's tip sits on the courtyard's drop-point marker (drawn at its WGS-84 position)
      const pin = p.locator('#officer-map .leaflet-marker-icon').last();
      await pin.waitFor();
      await p.waitForTimeout(300);
      const pinBox = (await pin.boundingBox())!;
      const spot = (await p.locator('#officer-map path[role=button][aria-label*="锦绣花园中心庭院"]').boundingBox())!;
      const px = Math.hypot(pinBox.x + pinBox.width / 2 - (spot.x + spot.width / 2), pinBox.y + pinBox.height - (spot.y + spot.height / 2));
      const scale = await p.$eval(
        '#officer-map .leaflet-control-scale-line',
        (e) => [e.textContent ?? '', (e as unknown as { offsetWidth: number }).offsetWidth] as const,
      );
      const [n, unit] = scale[0].trim().split(' ');
      const metresPerPx = (Number(n) * (unit === 'km' ? 1000 : 1)) / scale[1];
      expect(metresPerPx).toBeLessThan(5); // street scale, where the datum shift would be tens of pixels
      expect(px * metresPerPx).toBeLessThan(12);
      await p.fill('#medicine', 'insulin');
      await p.fill('#weightKg', '0.5');
      await p.check('input[name=urgency][value=routine]');
      const created = p.waitForResponse((r) => r.url().endsWith('/api/requests') && r.request().method() === 'POST');
      await p.click('#submit-request');
      const res = await created;
      expect(res.status()).toBe(201);
      const body = (await res.json()) as { id: number; dropPoint: { lat: number; lon: number; crs: string } };
      expect(body.dropPoint.crs).toBe(crs);
      expect(distanceM([body.dropPoint.lon, body.dropPoint.lat], COURTYARD)).toBeLessThan(1);
      const card = p.locator(`#request-list li[data-request-id="${body.id}"]`);
      await card.waitFor();
      const cardText = (await card.textContent()) ?? '';
      if (crs === 'gcj02')
        expect(cardText).toContain(lang === 'zh-CN' ? '按 高德 / 腾讯（GCJ-02） 输入，已转换' : 'given in AMap / Tencent (GCJ-02), converted');
      expect(cardText).toContain(say(lang, `crs.${crs}`));
      expect(w.problems).toEqual([]);
      await w.context.close();
    }, 60_000);
  }
});
