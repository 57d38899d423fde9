/**
 * An officer pastes coordinates copied from AMap (GCJ-02) and says so in the form: the pin lands on
 * the WGS-84 position, the request is stored within 1 m of it, and the card says the input was
 * converted — in zh-CN and English.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { haveChromium, launchBrowser, openPage, CHROMIUM } from './support/browser.js';
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

  for (const lang of ['zh-CN', 'en'] as const) {
    it(`GCJ-02 coordinates are converted: stored within 1 m of WGS-84, the card says so (${lang})`, async () => {
      const w = await openPage(browser);
      const p = w.page;
      await p.goto(`${service.url}/?lang=${lang}`);
      await p.fill('#username', service.users.officer.username);
      await p.fill('#password', service.users.officer.password);
      await p.click('#login-submit');
      await p.waitForSelector('body[data-ready=true]');
      const [lon, lat] = fromWgs84(COURTYARD, 'gcj02');
      const recipient = `AMap ${lang}`;
      await p.fill('#recipient', recipient);
      await p.fill('#phone', '0971-8123456');
      await p.selectOption('#drop-point-crs', 'gcj02');
      await p.fill('#drop-point-coords', `${lat.toFixed(7)}, ${lon.toFixed(7)}`);
      await p.fill('#medicine', 'insulin');
      await p.fill('#weightKg', '0.5');
      await p.check('input[name=urgency][value=routine]');
      const created = p.waitForResponse((r) => r.url().endsWith('/api/requests') && r.request().method() === 'POST');
      await p.click('#submit-request');
      const res = await created;
      expect(res.status()).toBe(201);
      const body = (await res.json()) as { id: number; dropPoint: { lat: number; lon: number; crs: string } };
      expect(body.dropPoint.crs).toBe('gcj02');
      expect(distanceM([body.dropPoint.lon, body.dropPoint.lat], COURTYARD)).toBeLessThan(1);
      const card = p.locator(`#request-list li[data-request-id="${body.id}"]`);
      await card.waitFor();
      expect(await card.textContent()).toContain(lang === 'zh-CN' ? '按 高德 / 腾讯（GCJ-02） 输入，已转换' : 'given in AMap / Tencent (GCJ-02), converted');
      expect(w.problems).toEqual([]);
      await w.context.close();
    }, 60_000);
  }
});
