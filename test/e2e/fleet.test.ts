/**
 * The fleet in the browser (issue 14): the pilot's queue page lists every drone with its state,
 * battery and link from the emulated drones' own reports; a queued request shows its take-off and
 * arrival as "about N min (HH:MM)" to the pilot and the officer ("约 N 分钟" in Chinese); the review
 * page shows the planned drone and lets the pilot move the plan to another drone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { haveChromium, launchBrowser, openPage, screenshot, CHROMIUM, type WatchedPage } from './support/browser.js';
import { startService, type ServiceHandle } from './support/service.js';

if (!haveChromium) console.warn(`e2e: SKIPPED — ${CHROMIUM} is not installed (apt-get install -y chromium fonts-noto-cjk)`);

describe.skipIf(!haveChromium)('fleet and queue ETAs in the browser', () => {
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

  async function logIn(who: { username: string; password: string }, lang: 'en' | 'zh-CN'): Promise<WatchedPage> {
    const w = await openPage(browser);
    opened.push(w);
    await w.page.goto(`${service.url}/?lang=${lang}`);
    await w.page.fill('#username', who.username);
    await w.page.fill('#password', who.password);
    await w.page.click('#login-submit');
    await w.page.waitForSelector('body[data-ready=true]');
    return w;
  }

  it('the pilot sees the fleet live; both see the ETA; the review page moves a plan to another drone', async () => {
    const pilot = await logIn(service.users.pilot, 'en');
    const officer = await logIn(service.users.officer, 'zh-CN');
    const p = pilot.page;
    const o = officer.page;

    // every demo drone reports its battery and link before any flight
    const fleet = p.locator('#fleet-list li');
    await expect.poll(() => fleet.count(), { timeout: 15_000 }).toBeGreaterThan(1);
    await expect
      .poll(async () => (await fleet.allTextContents()).every((s) => /Available/.test(s) && /Battery \d+%/.test(s) && /Link up/.test(s)), { timeout: 30_000 })
      .toBe(true);

    // the officer queues a request (first named drop point)
    await o.fill('#recipient', 'Mr Zhou');
    await o.fill('#phone', '0971-8123456');
    await o.selectOption('#drop-point-name', { index: 1 });
    await o.fill('#medicine', 'insulin');
    await o.fill('#weightKg', '0.4');
    await o.check('input[name=urgency][value=urgent]');
    await o.click('#submit-request');
    const card = o.locator('#request-list li', { hasText: 'Mr Zhou' });
    await card.waitFor();
    await expect
      .poll(() => card.locator('.eta').textContent(), { timeout: 15_000 })
      .toMatch(/起飞: 约 \d+ 分钟 \(\d\d:\d\d\) · 送达: 约 \d+ 分钟 \(\d\d:\d\d\)/);

    const mission = p.locator('#mission-queue li', { hasText: 'Mr Zhou' });
    await mission.waitFor({ timeout: 15_000 });
    await expect.poll(() => mission.locator('.eta').textContent(), { timeout: 15_000 }).toMatch(/Take-off about \d+ min \(\d\d:\d\d\) · arrival about \d+ min/);
    expect(await mission.locator('.planned-drone').textContent()).toMatch(/Available.*Battery \d+%/);
    await screenshot(p, 'en', 'pilot-fleet');

    // review: the planned drone and the chooser; moving to another drone opens the new plan
    await mission.locator('a').click();
    await p.waitForSelector('body[data-ready=true]');
    await p.locator('#fleet-list li').first().waitFor();
    const before = new URL(p.url()).searchParams.get('id');
    expect(await p.locator('#reassign-drone option').count()).toBeGreaterThan(0);
    await p.click('#reassign');
    await p.waitForURL((u) => u.searchParams.get('id') !== before, { timeout: 20_000 });
    await p.waitForSelector('body[data-ready=true]');
    expect(await p.textContent('#planned-drone')).toBeTruthy();
    expect(pilot.problems).toEqual([]);
    expect(officer.problems).toEqual([]);
  }, 110_000);
});
