/**
 * The pilot page's flight cards show each flight's standing alerts (issue 11): a flight flying on
 * an emulated drone gets alerts recorded the way the fleet's store records them (a row in the
 * store, then a 'flight' event on the service's bus: SqliteFlightStore.saveAlert and FleetStarter;
 * test/integration/api-standing-alerts.test.ts covers that wiring), and the card, already open,
 * shows them live with their numbers and their severity in words, in zh-CN and English at desktop
 * (1366×900) and phone (390×844) size; the page's live regions say them; the alerts that end them
 * ('link-back', 'back-on-route') take them off the card. axe-core finds no serious or critical
 * violation on the card with alerts. The admin page at phone size shows the users and drones as
 * cards: nothing wider than its panel, every button reached with the Tab key.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alert, cleared, type Alert } from '../../src/fleet/alerts.js';
import { apiSession } from './support/api-session.js';
import { axeViolations, blocking, describeFindings } from './support/axe.js';
import { CHROMIUM, haveChromium, launchBrowser, MATRIX, openPage, screenshot, type Lang, type WatchedPage } from './support/browser.js';
import { say } from './support/catalogue.js';
import { tabThrough } from './support/keyboard.js';
import { startService, type Credentials, type ServiceHandle } from './support/service.js';

if (!haveChromium) console.warn(`e2e: SKIPPED — ${CHROMIUM} is not installed (apt-get install -y chromium fonts-noto-cjk)`);

const CHECKLIST = ['airspace', 'weather', 'battery', 'payload', 'drop-zone', 'propellers'];

describe.skipIf(!haveChromium)('pilot page: alerts on the flight cards', () => {
  let service: ServiceHandle;
  let browser: Browser;
  const opened: WatchedPage[] = [];
  let flight: { id: number; requestId: number };
  /** Alert times: each one later than the last, as the fleet records them. */
  let clock = Date.now();
  const tick = (): number => {
    clock += 1000;
    return clock;
  };

  /** Record an alert as SqliteFlightStore.saveAlert does, and tell the pages as FleetStarter does. */
  function record(a: Alert): void {
    service.repos.flights.addAlert({
      flightId: flight.id,
      kind: a.kind,
      code: a.code,
      params: a.data ?? {},
      severity: a.active ? a.severity : 'info',
      message: a.message,
      at: new Date(a.t).toISOString(),
    });
    service.bus.publish({ type: 'flight', flightId: flight.id, requestId: flight.requestId });
  }

  async function logIn(page: Page, lang: Lang, who: Credentials): Promise<void> {
    await page.goto(`${service.url}/?lang=${lang}`);
    await page.waitForSelector('#lang-select');
    await page.fill('#username', who.username);
    await page.fill('#password', who.password);
    await page.click('#login-submit');
    await page.waitForSelector('body[data-ready=true]');
  }

  beforeAll(async () => {
    // real time: the flight stays in the air for the whole test (its card shows while it flies)
    [service, browser] = await Promise.all([startService({ speedup: 1 }), launchBrowser()]);
    const officer = await apiSession(service.url, service.users.officer);
    const pilot = await apiSession(service.url, service.users.pilot);
    const zm = await officer('GET', '/api/zone-map');
    const drop = (zm.geojson.features as { properties: { kind: string; name: string } }[]).find((f) => f.properties.kind === 'drop-point')!;
    const req = await officer(
      'POST',
      '/api/requests',
      {
        recipient: 'Ma Jun 马骏',
        phone: '0971 6123456',
        dropPoint: { name: drop.properties.name },
        medicine: 'Insulin 胰岛素',
        weightKg: 0.4,
        urgency: 'urgent',
      },
      { 'idempotency-key': `pilot-alerts-${Date.now()}` },
    );
    const deadline = Date.now() + 30_000;
    let missionId: number | null = null;
    while (missionId === null && Date.now() < deadline) {
      const r = await officer('GET', `/api/requests/${req.id}`);
      if (r.status === 'awaiting-approval') missionId = r.missionId;
      else await new Promise((res) => setTimeout(res, 250));
    }
    if (missionId === null) throw new Error(`set-up: request ${req.id} was not planned in 30 s`);
    const approved = await pilot('POST', `/api/missions/${missionId}/approve`, { checklist: CHECKLIST });
    flight = { id: approved.flight.id, requestId: req.id };
  }, 90_000);

  afterAll(async () => {
    for (const w of opened) await w.context.close().catch(() => {});
    await browser?.close().catch(() => {});
    await service?.close();
  });

  for (const { lang, size } of MATRIX) {
    it(`${lang}, ${size}: an alert shows on the open card with its numbers, is said, and goes when it ends`, async () => {
      const w = await openPage(browser, { size });
      opened.push(w);
      const p = w.page;
      await logIn(p, lang, service.users.pilot);
      const card = p.locator(`#flight-${flight.id}`);
      await card.waitFor();
      expect(await card.locator('.flight-alerts').count()).toBe(0);

      const silentS = 4.2;
      record(alert('link-lost', 'critical', tick(), `Link lost (no HEARTBEAT, silent for ${silentS} s)`, { silentS, why: 'no HEARTBEAT' }));
      record(alert('off-route', 'warning', tick(), 'Off the planned route by 47 m (limit 30 m)', { offRouteM: 47, limitM: 30 }));

      const lost = card.locator('li.flight-alert[data-alert-code=link-lost]');
      const off = card.locator('li.flight-alert[data-alert-code=off-route]');
      await lost.waitFor({ timeout: 10_000 });
      await off.waitFor();
      // the sentence with its numbers, in the page's language; the severity in words beside it
      expect(await lost.textContent()).toBe(`${say(lang, 'severity.critical')} ${say(lang, 'alertDetail.link-lost', { silentS })}`);
      expect(await off.textContent()).toBe(`${say(lang, 'severity.warning')} ${say(lang, 'alertDetail.off-route', { offRouteM: 47, limitM: 30 })}`);
      expect(await lost.getAttribute('data-severity')).toBe('critical');
      // critical first, and the list is named for the flight
      expect(await card.locator('li.flight-alert').evaluateAll((els) => els.map((e) => e.getAttribute('data-alert-code')))).toEqual(['link-lost', 'off-route']);
      expect(await card.locator('.flight-alerts').getAttribute('aria-label')).toBe(
        say(lang, 'pilot.alertsLabel', { request: flight.requestId, flight: flight.id }),
      );
      // read out: the critical one at once, the warning politely
      expect(await p.textContent('#flight-alerts-urgent')).toContain(say(lang, 'alertDetail.link-lost', { silentS }));
      expect(await p.textContent('#flight-alerts-status')).toContain(say(lang, 'alertDetail.off-route', { offRouteM: 47, limitM: 30 }));
      expect(await p.getAttribute('#flight-alerts-urgent', 'role')).toBe('alert');
      expect(await p.getAttribute('#flight-alerts-status', 'role')).toBe('status');

      await screenshot(p, lang, `pilot-alerts-${size}`);
      const bad = blocking(await axeViolations(p));
      expect(describeFindings(bad)).toBe('');

      // back on the route: that one goes, the link stays lost
      record(cleared('off-route', 'back-on-route', tick(), 'Back on the planned route (9 m off)', { offRouteM: 9 }));
      await off.waitFor({ state: 'detached', timeout: 10_000 });
      expect(await lost.count()).toBe(1);
      // the link back: nothing stands, the list is gone
      record(cleared('link-lost', 'link-back', tick(), 'Link back (HEARTBEAT)'));
      await card.locator('.flight-alerts').waitFor({ state: 'detached', timeout: 10_000 });
      // the flight flew on all along: its card is still there
      expect(await card.count()).toBe(1);
      expect(w.problems).toEqual([]);
    }, 60_000);
  }

  for (const lang of ['zh-CN', 'en'] as const) {
    it(`${lang}, phone: the admin's users and drones are cards, every button reached by keyboard`, async () => {
      const w = await openPage(browser, { size: 'phone' });
      opened.push(w);
      const p = w.page;
      await logIn(p, lang, service.users.admin);
      await p.waitForSelector('#users-table td');
      await p.waitForSelector('#drones-table td');
      for (const table of ['#users-table', '#drones-table']) {
        const fit = await p.$eval(table, (el) => {
          const style = (globalThis as unknown as { getComputedStyle(e: unknown): { display: string } }).getComputedStyle;
          const box = el.closest('.table-scroll')!;
          const buttons = [...el.querySelectorAll('button')].map((b) => b.getBoundingClientRect());
          const panel = box.getBoundingClientRect();
          return {
            display: style(el.querySelector('tr:not(:has(th))')!).display,
            // the column names are hidden from sight (each value carries its own), kept for screen readers
            headerShown: el.querySelector('tr:has(th)')!.getBoundingClientRect().height > 1,
            sideways: box.scrollWidth - box.clientWidth,
            outside: buttons.filter((b) => b.left < panel.left - 1 || b.right > panel.right + 1).length,
            buttons: buttons.length,
          };
        });
        expect(fit, table).toMatchObject({ display: 'block', headerShown: false, sideways: 0, outside: 0 });
        expect(fit.buttons, table).toBeGreaterThan(0);
        // each value under its column's name, in the page's language
        const labels = await p.$$eval(`${table} td[data-label]`, (tds) => tds.map((td) => td.getAttribute('data-label')));
        expect(labels.length, table).toBeGreaterThan(0);
        expect(
          labels.every((l) => l?.endsWith(say(lang, 'punct.colon'))),
          table,
        ).toBe(true);
      }
      // every control on the page, the cards' buttons among them, is a Tab stop
      const walk = await tabThrough(p);
      expect(walk.missed).toEqual([]);
      const tableButtons = await p.$$eval('#users-table button, #drones-table button', (bs) => bs.map((b) => b.textContent ?? ''));
      for (const text of new Set(tableButtons))
        expect(
          walk.order.some((n) => n.includes(text)),
          text,
        ).toBe(true);
      await screenshot(p, lang, 'admin-tables-phone');
      const bad = blocking(await axeViolations(p));
      expect(describeFindings(bad)).toBe('');
      expect(w.problems).toEqual([]);
    }, 90_000);
  }
});
