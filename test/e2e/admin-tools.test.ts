/**
 * The admin's tools in Chromium on the real service (demo map, emulated drones), in zh-CN and in
 * English (issue 11): filter the audit log by a request number, export it as CSV (the downloaded
 * file is read), add a drone pointed at a demo drone's link and run its link test, and disable a
 * user, who then cannot log in.
 */
import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, haveChromium, launchBrowser, openPage, screenshot, type WatchedPage } from './support/browser.js';
import { startService, type Credentials, type ServiceHandle } from './support/service.js';
import { apiSession } from './support/api-session.js';

if (!haveChromium) console.warn(`e2e: SKIPPED — ${CHROMIUM} is not installed (apt-get install -y chromium fonts-noto-cjk)`);

describe.skipIf(!haveChromium)('admin tools', () => {
  let service: ServiceHandle;
  let browser: Browser;
  const opened: WatchedPage[] = [];
  let requestId: number;
  let demoDrone: { connectionUrl: string; sysid: number };

  beforeAll(async () => {
    [service, browser] = await Promise.all([startService(), launchBrowser()]);
    const officer = await apiSession(service.url, service.users.officer);
    const map = await officer('GET', '/api/zone-map');
    const r = await officer(
      'POST',
      '/api/requests',
      {
        recipient: '王奶奶',
        phone: '138 0013 8000',
        dropPoint: { name: map.summary.dropPoints[0].name },
        medicine: '硝苯地平',
        weightKg: 0.5,
        urgency: 'urgent',
      },
      { 'idempotency-key': `e2e-admin-${Date.now()}` },
    );
    requestId = r.id;
    const admin = await apiSession(service.url, service.users.admin);
    demoDrone = (await admin('GET', '/api/drones')).drones[0];
    for (const lang of ['zh-CN', 'en']) {
      await admin('POST', '/api/users', {
        username: `temp.${lang === 'en' ? 'en' : 'zh'}`,
        name: `Temp ${lang}`,
        password: 'temp-password-1',
        role: 'officer',
      });
    }
  }, 90_000);

  afterAll(async () => {
    for (const w of opened) await w.context.close().catch(() => {});
    await browser?.close().catch(() => {});
    await service?.close();
  });

  async function logIn(who: Credentials, lang: string): Promise<WatchedPage> {
    const w = await openPage(browser);
    opened.push(w);
    await w.page.goto(`${service.url}/?lang=${lang}`);
    await w.page.fill('#username', who.username);
    await w.page.fill('#password', who.password);
    await w.page.click('#login-submit');
    await w.page.waitForSelector('body[data-ready=true]');
    return w;
  }

  for (const lang of ['zh-CN', 'en'] as const) {
    const zh = lang === 'zh-CN';
    it(`${lang}: audit by request and CSV export, a new drone's link test, a disabled user cannot log in`, async () => {
      const w = await logIn(service.users.admin, lang);
      const p = w.page;
      if (!p.url().includes('/admin.html')) {
        await p.goto(`${service.url}/admin.html`);
        await p.waitForSelector('body[data-ready=true]');
      }
      expect(await p.textContent('#audit-title')).toBe(zh ? '审计日志' : 'Audit log');

      // ── audit log filtered by the request number ──
      await p.fill('#a-request', String(requestId));
      await p.click('#a-apply');
      const auditRows = () =>
        p.$$eval('#audit-table tr[data-action]', (els) => els.map((e) => ({ action: e.getAttribute('data-action'), text: e.textContent ?? '' })));
      // the filtered table replaces the unfiltered one: wait until every row is about the request
      await expect
        .poll(async () => {
          const now = await auditRows();
          return now.length > 0 && now.every((r) => r.text.includes(`#${requestId}`));
        })
        .toBe(true);
      const rows = await auditRows();
      expect(rows.map((r) => r.action)).toContain('request.create');
      const created = rows.find((r) => r.action === 'request.create')!;
      expect(created.text).toContain(zh ? '提交请求' : 'Request submitted');
      expect(created.text).toContain(zh ? `请求 #${requestId}` : `Request #${requestId}`);

      // ── CSV export with the same filter: the downloaded file ──
      const href = await p.getAttribute('#a-export', 'href');
      expect(href).toContain(`request=${requestId}`);
      expect(href).toContain('format=csv');
      const [download] = await Promise.all([p.waitForEvent('download'), p.click('#a-export')]);
      expect(download.suggestedFilename()).toMatch(new RegExp(`^medidrop-audit-request-${requestId}-.*\\.csv$`));
      const bytes = readFileSync((await download.path())!);
      expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const lines = bytes.subarray(3).toString('utf8').split('\r\n').filter(Boolean);
      // the stored columns first, as before; the page asks for the same in words of its language after them
      expect(lines[0]).toBe('id,time,user,role,action,subject,reason,details,action_text,reason_text,summary');
      expect(href).toContain(`lang=${zh ? 'zh-CN' : 'en'}`);
      expect(lines.some((l) => l.includes(zh ? ',提交请求,' : ',Request submitted,'))).toBe(true);
      expect(lines.slice(1).length).toBe(rows.length);
      expect(lines.some((l) => l.includes(',officer,request.create,') && l.includes(`request ${requestId}`) && l.includes('硝苯地平'))).toBe(true);
      expect(lines.slice(1).every((l) => l.includes(`request ${requestId}`) || /,(mission|flight) \d+,/.test(l))).toBe(true);

      // ── add a drone on a demo drone's link, and test that link ──
      const id = `lt-${zh ? 'zh' : 'en'}`;
      await p.fill('#d-id', id);
      await p.fill('#d-name', zh ? '链路测试机' : 'Link tester');
      await p.fill('#d-url', demoDrone.connectionUrl);
      await p.fill('#d-sysid', String(demoDrone.sysid));
      await p.click('#drone-save');
      await p.waitForSelector(`#drones-table tr[data-drone="${id}"]`);
      expect(await p.textContent('#drone-result')).toContain(id);
      await p.click(`#drones-table tr[data-drone="${id}"] button.test-drone`);
      const outcome = p.locator('#link-test-outcome');
      await outcome.waitFor({ timeout: 20_000 });
      expect(await outcome.getAttribute('data-heartbeat')).toBe('true');
      expect(await outcome.getAttribute('data-setup-ok')).toBe('true');
      const said = (await outcome.textContent()) ?? '';
      expect(said).toContain(zh ? '链路和配置正常' : 'link and set-up OK');
      expect(said).toContain('ARDUPILOTMEGA');
      await screenshot(p, lang, 'admin-link-test');

      // ── disable a user; they cannot log in ──
      const username = `temp.${zh ? 'zh' : 'en'}`;
      await p.click(`#users-table tr[data-username="${username}"] button.edit-user`);
      await p.click('#ue-toggle');
      await p.locator('#ue-result.ok').waitFor();
      expect(await p.textContent('#ue-result')).toContain(`Temp ${lang}`);
      expect(await p.textContent(`#users-table tr[data-username="${username}"]`)).toContain(zh ? '已停用' : 'Disabled');

      const other = await openPage(browser, { expectedStatuses: [403] });
      opened.push(other);
      await other.page.goto(`${service.url}/?lang=${lang}`);
      await other.page.fill('#username', username);
      await other.page.fill('#password', 'temp-password-1');
      await other.page.click('#login-submit');
      await other.page.locator('#login-error').filter({ hasText: /\S/ }).waitFor();
      expect(other.page.url()).not.toContain('.html?');
      expect(new URL(other.page.url()).pathname).toMatch(/^\/(index\.html)?$/);
      expect(await other.page.textContent('#login-error')).toBe(zh ? '该账户已被管理员停用。' : 'This account has been disabled by an administrator.');

      expect(w.problems).toEqual([]);
    }, 90_000);
  }
});
