/**
 * The queue as officers and a pilot live it, in the browser on the real service: a drop point
 * picked by clicking the map, a critical request that jumps the queue and raises the pilot's alert
 * without a reload, a request no drone can serve refused with why, and a rejection whose reason reaches
 * the officer's page live.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { haveChromium, launchBrowser, openPage, screenshot, CHROMIUM, type WatchedPage } from './support/browser.js';
import { startService, type ServiceHandle } from './support/service.js';

if (!haveChromium) console.warn(`e2e: SKIPPED — ${CHROMIUM} is not installed (apt-get install -y chromium fonts-noto-cjk)`);

// A name is data, never markup: it must show literally and run nothing.
const XSS_NAME = 'Family Ma <img src=x onerror="window.__xss=1">';

describe.skipIf(!haveChromium)('queue, priorities and rejection in the browser', () => {
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

  async function logIn(who: { username: string; password: string }, opts: { phone?: boolean; expectedStatuses?: number[] } = {}): Promise<WatchedPage> {
    const w = await openPage(browser, opts);
    opened.push(w);
    await w.page.goto(`${service.url}/?lang=en`);
    await w.page.fill('#username', who.username);
    await w.page.fill('#password', who.password);
    await w.page.click('#login-submit');
    await w.page.waitForSelector('body[data-ready=true]');
    return w;
  }

  async function queue(o: Page, f: { recipient: string; medicine: string; weight: string; urgency: string; place: () => Promise<void> }): Promise<number> {
    await o.fill('#recipient', f.recipient);
    await o.fill('#phone', '0971-8123456');
    await f.place();
    await o.fill('#medicine', f.medicine);
    await o.fill('#weightKg', f.weight);
    await o.check(`input[name=urgency][value=${f.urgency}]`);
    await o.click('#submit-request');
    const card = o.locator('#request-list li', { hasText: f.recipient });
    await card.waitFor();
    return Number(await card.getAttribute('data-request-id'));
  }

  it('critical first with a live alert, unservable is refused and says why, a rejection reaches the officer', async () => {
    const officer = await logIn(service.users.officer, { phone: true, expectedStatuses: [422] });
    const pilot = await logIn(service.users.pilot);
    const o = officer.page;
    const p = pilot.page;
    expect(new URL(p.url()).pathname).toBe('/pilot.html');
    await o.waitForSelector('#officer-map path.leaflet-interactive');

    // Routine: the drop point is a click on the map, which fills the coordinates.
    const routineId = await queue(o, {
      recipient: XSS_NAME,
      medicine: 'infant milk powder',
      weight: '0.9',
      urgency: 'routine',
      place: async () => {
        // A spot of plain map: no marker, no clickable area, no zoom control under the pointer.
        const spot = await o.evaluate(() => {
          type El = { closest(s: string): unknown; classList: { contains(c: string): boolean } };
          const doc = (
            globalThis as unknown as {
              document: {
                querySelector(s: string): { getBoundingClientRect(): { x: number; y: number; width: number; height: number } };
                elementFromPoint(x: number, y: number): El | null;
              };
            }
          ).document;
          const r = doc.querySelector('#officer-map').getBoundingClientRect();
          for (const fy of [0.5, 0.4, 0.6, 0.3, 0.7]) {
            for (const fx of [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8]) {
              const x = r.x + r.width * fx;
              const y = r.y + r.height * fy;
              const el = doc.elementFromPoint(x, y);
              if (!el || !el.closest('#officer-map')) continue;
              if (el.closest('.leaflet-marker-icon, .leaflet-control') || el.classList.contains('leaflet-interactive')) continue;
              return { x, y };
            }
          }
          return null;
        });
        expect(spot).not.toBeNull();
        await o.mouse.click(spot!.x, spot!.y);
        await expect.poll(() => o.inputValue('#drop-point-coords'), { timeout: 15_000 }).toMatch(/^\d+\.\d{6}, \d+\.\d{6}$/);
        expect(await o.inputValue('#drop-point-name')).toBe('');
      },
    });

    // Unservable: typed coordinates ~40 km away. No drone could ever fly it, so it is refused before
    // anything is stored: the form says why and keeps what was typed; no card, nothing for the pilot.
    const cardsBefore = await o.locator('#request-list li').count();
    await o.fill('#recipient', 'Stranded drivers, far checkpoint');
    await o.fill('#phone', '0971-8123456');
    await o.fill('#drop-point-coords', '36.9800, 101.7700');
    await o.fill('#medicine', 'hot meals');
    await o.fill('#weightKg', '1.2');
    await o.check('input[name=urgency][value=routine]');
    await o.click('#submit-request');
    await expect.poll(() => o.locator('#form-notice .refused-reasons li').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    expect(await o.textContent('#form-notice')).toMatch(/Too far: \d+(\.\d)? km from/);
    expect(await o.inputValue('#recipient')).toBe('Stranded drivers, far checkpoint');
    expect(await o.inputValue('#drop-point-coords')).toBe('36.9800, 101.7700');
    expect(await o.locator('#request-list li').count()).toBe(cardsBefore);
    expect(await p.locator('#unservable-list li', { hasText: 'Stranded drivers' }).count()).toBe(0);

    // Critical, queued while the pilot's page is open: it comes first and raises the alert.
    await p.locator('#mission-queue li').first().waitFor();
    expect(await p.textContent('#critical-alert')).toBe('');
    const criticalId = await queue(o, {
      recipient: 'Ms Han (in labour)',
      medicine: 'oxytocin',
      weight: '0.3',
      urgency: 'critical',
      place: async () => {
        await o.selectOption('#drop-point-name', { index: 2 });
      },
    });
    await expect.poll(() => p.textContent('#critical-alert'), { timeout: 15_000 }).toContain(`#${criticalId}`);
    await expect.poll(() => p.locator('#mission-queue li').count(), { timeout: 15_000 }).toBe(2);
    expect(await p.locator('#mission-queue li').nth(0).getAttribute('data-urgency')).toBe('critical');
    expect(await p.locator('#mission-queue li').nth(1).getAttribute('data-urgency')).toBe('routine');
    await screenshot(p, 'en', 'pilot-critical');
    expect(await p.locator('#mission-queue').textContent()).toContain(XSS_NAME);
    expect(await p.locator('#mission-queue img').count()).toBe(0);

    // The pilot rejects the routine one with a reason; the officer's card changes by itself.
    await p.locator('#mission-queue li', { hasText: 'Family Ma' }).locator('a').click();
    await p.waitForSelector('body[data-ready=true]');
    expect(await p.textContent('#request-table')).toContain(XSS_NAME);
    await p.click('#reject');
    expect(await p.getAttribute('#reject-reason', 'aria-invalid')).toBe('true'); // a reason is required
    const reason = 'Mass testing at the drop point this afternoon; fly tomorrow';
    await p.fill('#reject-reason', reason);
    await p.click('#reject');
    await expect.poll(() => p.textContent('#decision-done'), { timeout: 15_000 }).toContain(reason);
    const routineCard = o.locator(`#request-${routineId}`);
    await expect.poll(() => routineCard.getAttribute('data-status'), { timeout: 15_000 }).toBe('rejected');
    expect(await routineCard.textContent()).toContain('Rejected');
    expect(await routineCard.textContent()).toContain(reason);
    await screenshot(o, 'en', 'officer-rejected');

    // The critical one flies; the pilot pauses (hold), resumes, then aborts (return home).
    await p.goto(`${service.url}/pilot.html`);
    await p.locator('#mission-queue li', { hasText: 'Ms Han' }).locator('a').click();
    await p.waitForSelector('body[data-ready=true]');
    for (const box of await p.locator('#checklist input').all()) await box.check();
    await p.click('#approve');
    await p.click('#track-link');
    await p.waitForSelector('body[data-ready=true]');
    await p.waitForSelector('#track-state[data-state=en-route]', { timeout: 45_000 });
    await p.waitForSelector('#pause-flight:not([disabled])');
    await p.click('#pause-flight');
    await p.waitForSelector('#track-paused .badge');
    await p.waitForSelector('#resume-flight');
    await screenshot(p, 'en', 'track-paused');
    expect(await p.isHidden('#pause-flight')).toBe(true);
    await p.click('#resume-flight');
    await p.waitForSelector('#pause-flight:visible');
    expect(await p.isHidden('#resume-flight')).toBe(true);
    expect(await p.locator('#track-paused .badge').count()).toBe(0);
    // Hold again, then abort before the drop: the drone returns and the request has failed.
    await p.click('#pause-flight');
    await p.waitForSelector('#resume-flight:visible');
    await p.fill('#abort-reason', 'crowd gathering at the gate');
    p.once('dialog', (d) => void d.accept());
    await p.click('#abort-flight');
    await p.waitForSelector('#track-state[data-state=aborted], #track-state[data-state=returning]', { timeout: 30_000 });
    const criticalCard = o.locator(`#request-${criticalId}`);
    await expect.poll(() => criticalCard.getAttribute('data-status'), { timeout: 60_000 }).toBe('failed');
    expect(await criticalCard.textContent()).toContain('crowd gathering at the gate');
    await screenshot(p, 'en', 'track-aborted');

    for (const page of [o, p]) expect(await page.evaluate(() => (globalThis as { __xss?: number }).__xss)).toBeUndefined();

    // Log out: back to the log-in page, and the pilot's pages ask for a log-in again.
    await p.click('#logout');
    await p.waitForURL(/\/index\.html$/);
    await p.goto(`${service.url}/pilot.html`);
    await p.waitForURL(/\/index\.html\?next=%2Fpilot\.html$/);
    await expect.poll(() => p.textContent('h1'), { timeout: 15_000 }).toBe('Log in');
    expect(officer.problems).toEqual([]);
    expect(pilot.problems).toEqual([]);
  }, 110_000);
});
