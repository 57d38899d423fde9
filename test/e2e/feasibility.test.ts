/**
 * Feasibility before submit, in the browser on the real service (county-town demo map, four
 * emulated drones at three depots): while the officer fills in the form the page shows what the
 * planner says (reachable, payload, depot and drone, flight time and ETA); a request no drone can
 * ever serve — an 8 kg parcel, a drop point inside a no-fly area, one 41 km away — is refused with
 * the reason in the officer's language, gets no hand-over code, and the form keeps what was typed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { haveChromium, launchBrowser, openPage, screenshot, CHROMIUM, type WatchedPage } from './support/browser.js';
import { startService, type ServiceHandle } from './support/service.js';

if (!haveChromium) console.warn(`e2e: SKIPPED — ${CHROMIUM} is not installed (apt-get install -y chromium fonts-noto-cjk)`);

/** Inside the hospital helipad no-fly area of missions/county-town.geojson. */
const IN_HELIPAD = '36.619464, 101.769767';
/** 41 km north of Chengzhong Police Station. */
const FAR_41_KM = '36.983000, 101.773400';

const TEXT = {
  en: {
    reachable: 'Reachable',
    heavy: /weighs 8 kg; the drone carries at most 1\.5 kg/,
    noFly: /inside the no-fly area “Qinghai Provincial People's Hospital helipad/,
    far: /Too far: 41(\.\d)? km from/,
    refused: 'Not submitted',
  },
  'zh-CN': {
    reachable: '可到达',
    heavy: /包裹重 8 千克，无人机最多载重 1\.5 千克/,
    // a Chinese page names the area by its Chinese name (issue 11: no English inside the Chinese pages)
    noFly: /投放点位于禁飞区“青海省人民医院直升机停机坪”/,
    far: /距离太远：距.* 41(\.\d)? 公里/,
    refused: '未提交',
  },
} as const;

describe.skipIf(!haveChromium)('feasibility before submit in the browser', () => {
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

  async function officerPage(lang: 'en' | 'zh-CN'): Promise<WatchedPage> {
    const w = await openPage(browser, { expectedStatuses: [422] });
    opened.push(w);
    await w.page.goto(`${service.url}/?lang=${lang}`);
    await w.page.fill('#username', service.users.officer.username);
    await w.page.fill('#password', service.users.officer.password);
    await w.page.click('#login-submit');
    await w.page.waitForSelector('body[data-ready=true]');
    expect(new URL(w.page.url()).pathname).toBe('/officer.html');
    return w;
  }

  async function fill(o: Page, f: { recipient: string; place: string | { index: number }; weight: string }): Promise<void> {
    await o.fill('#recipient', f.recipient);
    await o.fill('#phone', '0971-8123456');
    if (typeof f.place === 'string') await o.fill('#drop-point-coords', f.place);
    else await o.selectOption('#drop-point-name', { index: f.place.index });
    await o.fill('#medicine', 'insulin');
    await o.fill('#weightKg', f.weight);
  }

  const values = (o: Page) =>
    Promise.all(['#recipient', '#phone', '#drop-point-coords', '#medicine', '#weightKg'].map((s) => o.inputValue(s)).concat(o.inputValue('#drop-point-name')));

  for (const lang of ['en', 'zh-CN'] as const) {
    it(`${lang}: the preview shows the plan; unservable requests are refused with the reason and the form keeps what was typed`, async () => {
      const w = await officerPage(lang);
      const o = w.page;
      const text = TEXT[lang];

      // A servable drop: the preview names depot, drone, distance, flight time and ETA.
      await fill(o, { recipient: 'Preview check', place: { index: 1 }, weight: '0.5' });
      await o.waitForSelector('#preview[data-state=feasible]', { timeout: 20_000 });
      const plan = await o.textContent('#preview');
      expect(plan).toContain(text.reachable);
      expect(plan).toMatch(/XN-0\d/);
      expect(await o.locator('#preview .verdicts [data-ok=false]').count()).toBe(0);
      await screenshot(o, lang, 'officer-preview');

      const cases: { name: string; place: string | { index: number }; weight: string; reason: RegExp; onePerDrone: boolean }[] = [
        { name: '8 kg parcel', place: { index: 1 }, weight: '8', reason: text.heavy, onePerDrone: false },
        { name: 'inside the helipad no-fly area', place: IN_HELIPAD, weight: '0.5', reason: text.noFly, onePerDrone: false },
        { name: '41 km away', place: FAR_41_KM, weight: '0.5', reason: text.far, onePerDrone: true },
      ];
      for (const c of cases) {
        await o.fill('#drop-point-coords', '');
        await o.selectOption('#drop-point-name', { index: 0 });
        await fill(o, { recipient: `Refused: ${c.name}`, place: c.place, weight: c.weight });
        // the preview says so before submitting
        await o.waitForSelector('#preview[data-state=refused]', { timeout: 20_000 });
        expect(await o.textContent('#preview .preview-reasons')).toMatch(c.reason);
        const typed = await values(o);
        const cards = await o.locator('#request-list li').count();
        await o.click('#submit-request');
        await expect.poll(() => o.textContent('#form-notice'), { timeout: 20_000 }).toContain(text.refused);
        const notice = o.locator('#form-notice');
        expect(await notice.getAttribute('class')).toContain('error');
        const reasons = await notice.locator('.refused-reasons li').allTextContents();
        expect(
          reasons.some((r) => c.reason.test(r)),
          `${c.name}: ${reasons.join(' | ')}`,
        ).toBe(true);
        // every drone gives the same reason (same payload limit, same area): said once; else by
        // drone name, drones with the same numbers together
        if (!c.onePerDrone) expect(reasons).toHaveLength(1);
        else expect(reasons.every((r) => /^XN-0\d/.test(r))).toBe(true);
        // nothing stored, no code shown, nothing wiped
        expect(await values(o)).toEqual(typed);
        expect(await o.locator('#request-list li').count()).toBe(cards);
        expect(await o.locator('[data-handover-code]').count()).toBe(0);
        await screenshot(o, lang, `officer-refused-${c.name.replace(/\W+/g, '-')}`);
      }
      expect(w.problems).toEqual([]);
    }, 120_000);
  }
});
