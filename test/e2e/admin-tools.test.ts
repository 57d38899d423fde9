/**
 * The admin's tools in Chromium on the real service (demo map, emulated drones), in zh-CN and in
 * English at desktop (1366×900) and phone (390×844) size (issue 11): filter the audit log by a
 * request number, by user and by time, export it as CSV (the downloaded file is read); add a drone
 * pointed at a demo drone's link and run its link test, edit it, disable and enable it; change a
 * user's role and reset their password (they log in with it, on their new role's page), then
 * disable them, after which they cannot log in.
 */
import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, haveChromium, launchBrowser, MATRIX, openPage, screenshot, type ViewportName, type WatchedPage } from './support/browser.js';
import { say } from './support/catalogue.js';
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
    for (const { lang, size } of MATRIX) {
      await admin('POST', '/api/users', {
        username: `temp.${lang === 'en' ? 'en' : 'zh'}.${size}`,
        name: `Temp ${lang} ${size}`,
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

  async function logIn(who: Credentials, lang: string, size: ViewportName): Promise<WatchedPage> {
    const w = await openPage(browser, { size });
    opened.push(w);
    await w.page.goto(`${service.url}/?lang=${lang}`);
    await w.page.fill('#username', who.username);
    await w.page.fill('#password', who.password);
    await w.page.click('#login-submit');
    await w.page.waitForSelector('body[data-ready=true]');
    return w;
  }

  for (const { lang, size } of MATRIX) {
    const zh = lang === 'zh-CN';
    const tag = `${zh ? 'zh' : 'en'}-${size}`;
    it(`${lang}, ${size}: audit by request, user and time with CSV export; a drone added, link-tested, edited, disabled, enabled; a user's role and password changed, then disabled`, async () => {
      const w = await logIn(service.users.admin, lang, size);
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

      // ── by user: the officer's entries only; by time: nothing after now, everything since an hour ago ──
      await p.fill('#a-request', '');
      await p.selectOption('#a-user', service.users.officer.username);
      await p.click('#a-apply');
      await expect
        .poll(async () => {
          const now = await auditRows();
          return now.length > 0 && now.every((r) => r.text.includes(`(${service.users.officer.username})`));
        })
        .toBe(true);
      expect(await p.getAttribute('#a-export', 'href')).toContain(`user=${encodeURIComponent(service.users.officer.username)}`);
      const local = (ms: number) =>
        p.evaluate((t) => {
          const d = new Date(t);
          const pad = (n: number) => String(n).padStart(2, '0');
          return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
        }, ms);
      await p.selectOption('#a-user', '');
      await p.fill('#a-from', await local(Date.now() + 3_600_000));
      await p.click('#a-apply');
      await p.locator('#audit-table td[colspan]').waitFor();
      expect(await p.textContent('#audit-table td[colspan]')).toBe(say(lang, 'admin.auditNone'));
      expect(await p.getAttribute('#a-export', 'href')).toContain('from=');
      await p.fill('#a-from', await local(Date.now() - 3_600_000));
      await p.click('#a-apply');
      await expect.poll(async () => (await auditRows()).length).toBeGreaterThan(1);
      await p.fill('#a-from', '');

      // ── add a drone on a demo drone's link, and test that link ──
      const id = `lt-${tag}`;
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
      await screenshot(p, lang, size === 'phone' ? 'admin-link-test-phone' : 'admin-link-test');

      // ── edit it: a new name; disable it and enable it again ──
      const row = p.locator(`#drones-table tr[data-drone="${id}"]`);
      await row.locator('button.edit-drone').click();
      expect(await p.inputValue('#d-id')).toBe(id);
      expect(await p.getAttribute('#d-id', 'readonly')).not.toBeNull();
      expect(await p.textContent('#drone-form-title')).toBe(say(lang, 'admin.editDrone', { id }));
      const renamed = zh ? '链路测试机二号' : 'Link tester two';
      await p.fill('#d-name', renamed);
      await p.click('#drone-save');
      await expect.poll(() => p.textContent('#drone-result')).toBe(say(lang, 'admin.droneSaved', { id }));
      await expect.poll(() => row.textContent()).toContain(renamed);
      await row.locator('button.toggle-drone').click();
      await expect.poll(() => p.textContent('#drone-result')).toBe(say(lang, 'admin.droneDisabledNow', { id }));
      expect(await row.locator('td').nth(2).textContent()).toContain(say(lang, 'drone.disabled'));
      expect(await row.locator('button.toggle-drone').textContent()).toBe(say(lang, 'admin.enable'));
      await row.locator('button.toggle-drone').click();
      await expect.poll(() => p.textContent('#drone-result')).toBe(say(lang, 'admin.droneEnabledNow', { id }));
      expect(await row.locator('td').nth(2).textContent()).not.toContain(say(lang, 'drone.disabled'));
      expect(await row.locator('button.toggle-drone').textContent()).toBe(say(lang, 'admin.disable'));

      // ── a user: made a pilot, given a new password (they log in with it, on the pilot's page) ──
      const username = `temp.${zh ? 'zh' : 'en'}.${size}`;
      const userRow = p.locator(`#users-table tr[data-username="${username}"]`);
      expect(await userRow.textContent()).toContain(say(lang, 'role.officer'));
      await userRow.locator('button.edit-user').click();
      await p.selectOption('#ue-role', 'pilot');
      await p.click('#ue-save');
      await expect.poll(() => p.textContent('#ue-result')).toBe(say(lang, 'admin.userSaved', { name: `Temp ${lang} ${size}` }));
      expect(await userRow.locator('td').nth(2).textContent()).toBe(say(lang, 'role.pilot'));
      await p.fill('#ue-password', 'reset-password-2');
      await p.click('#ue-set-password');
      await expect.poll(() => p.textContent('#ue-result')).toBe(say(lang, 'admin.passwordSet', { name: `Temp ${lang} ${size}` }));
      expect(await p.inputValue('#ue-password')).toBe('');
      const asPilot = await logIn({ username, password: 'reset-password-2' }, lang, size);
      expect(new URL(asPilot.page.url()).pathname).toBe('/pilot.html');
      expect(asPilot.problems).toEqual([]);
      await asPilot.context.close();

      // ── disable the user; they cannot log in ──
      await p.click('#ue-toggle');
      await expect.poll(() => p.textContent('#ue-result')).toBe(say(lang, 'admin.userDisabledNow', { name: `Temp ${lang} ${size}` }));
      await p.locator('#ue-result.ok').waitFor();
      expect(await p.textContent('#ue-result')).toContain(`Temp ${lang}`);
      expect(await p.textContent(`#users-table tr[data-username="${username}"]`)).toContain(zh ? '已停用' : 'Disabled');

      const other = await openPage(browser, { size, expectedStatuses: [403] });
      opened.push(other);
      await other.page.goto(`${service.url}/?lang=${lang}`);
      await other.page.fill('#username', username);
      await other.page.fill('#password', 'reset-password-2');
      await other.page.click('#login-submit');
      await other.page.locator('#login-error').filter({ hasText: /\S/ }).waitFor();
      expect(other.page.url()).not.toContain('.html?');
      expect(new URL(other.page.url()).pathname).toMatch(/^\/(index\.html)?$/);
      expect(await other.page.textContent('#login-error')).toBe(zh ? '该账户已被管理员停用。' : 'This account has been disabled by an administrator.');

      expect(w.problems).toEqual([]);
    }, 90_000);
  }
});
