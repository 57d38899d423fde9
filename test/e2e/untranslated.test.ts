/**
 * Every page in zh-CN, with real data, shows no English (issue 11): a stored unservable request
 * (its drop point closed by a temporary no-fly area, so every drone gives the same reason), a plan
 * with its checks, a flight, an admin's schema error and a zone-map upload with issues. A visible
 * text node with three or more ASCII letters in a row fails the test unless it is an allowed token
 * (drone ids, MAVLink/GeoJSON names, coordinate-system names) or data a person typed or configured
 * (marked below: the recipients and medicines this test types, the drones' and profiles' names); a
 * catalogue key that echoes back untranslated ("reason.xyz") fails it too.
 */
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, haveChromium, launchBrowser, openPage, screenshot, type WatchedPage } from './support/browser.js';
import { startService, type Credentials, type ServiceHandle } from './support/service.js';
import { apiSession } from './support/api-session.js';

if (!haveChromium) console.warn(`e2e: SKIPPED — ${CHROMIUM} is not installed (apt-get install -y chromium fonts-noto-cjk)`);

/** Wait (set-up, outside a test) until `ok` says so; fail naming what was waited for after 60 s. */
async function until(ok: () => Promise<boolean>, what: string): Promise<void> {
  const end = Date.now() + 60_000;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`set-up: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Tokens that are not English words: ids, protocol and format names a Chinese page writes as they are. */
const ALLOWED_TOKENS = [
  /\b[A-Z]{2,}-\d+\b/g,
  /\b(?:medidrop|MAVLink|GeoJSON|JSON|CSV|WGS-?84|GCJ-?02|BD-?09|ArduPilot|ArduCopter|SITL|MB|ETA|ID|UTC|OpenStreetMap|Leaflet|GPS)\b/g,
  // ArduPilot parameter names (RTL_ALT, RTL_CONE_SLOPE), written as the autopilot and its ground stations write them
  /\b[A-Z]+(?:_[A-Z]+)+\b/g,
  // ArduCopter's flight-mode names, as the autopilot and every ground station write them (ArduCopter/mode.h)
  /\b(?:AUTO|GUIDED|LOITER|RTL|SMART_RTL|LAND|BRAKE|STABILIZE|ALT_HOLD|POSHOLD|ACRO)\b/g,
  // link addresses in the form an admin types them (the connection-URL hint)
  /\b(?:tcp|udp|udpin|udpout|serial):\/\/\S*/g,
];

/**
 * Parts of a page that still show service text as it is stored, listed so the test says so rather
 * than hide it: the audit table's details (the JSON an action recorded) and its free-text reasons.
 */
const KNOWN_OPEN = ['#audit-table'];

interface Untranslated {
  text: string;
  where: string;
}

/**
 * Visible text (and the options of visible selects) with 3+ ASCII letters in a row once the allowed
 * tokens and the user data are taken out; and any text that looks like a catalogue key.
 */
async function untranslated(page: Page, userData: string[]): Promise<Untranslated[]> {
  const found = await page.evaluate((known) => {
    type Node = { nodeValue: string | null; parentElement: El | null };
    type El = {
      tagName: string;
      id: string;
      className: unknown;
      closest(s: string): El | null;
      getClientRects(): { length: number };
      parentElement: El | null;
      options?: ArrayLike<{ textContent: string | null }>;
    };
    const doc = (
      globalThis as unknown as {
        document: {
          body: unknown;
          createTreeWalker(root: unknown, what: number): { nextNode(): Node | null };
          querySelectorAll(s: string): ArrayLike<El>;
        };
        getComputedStyle(e: unknown): { visibility: string; display: string };
      }
    ).document;
    const style = (globalThis as unknown as { getComputedStyle(e: unknown): { visibility: string } }).getComputedStyle;
    const path = (e: El | null) => {
      const parts: string[] = [];
      for (let x = e; x && parts.length < 3; x = x.parentElement) parts.unshift(`${x.tagName.toLowerCase()}${x.id ? `#${x.id}` : ''}`);
      return parts.join(' > ');
    };
    const out: { text: string; where: string }[] = [];
    const walker = doc.createTreeWalker(doc.body, 4 /* NodeFilter.SHOW_TEXT */);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      const text = (n.nodeValue ?? '').trim();
      if (!el || !text) continue;
      if (el.closest('script, style, noscript, template, .leaflet-control-attribution')) continue;
      if (known.some((k) => el.closest(k))) continue;
      if (el.getClientRects().length === 0 || style(el).visibility === 'hidden') continue;
      out.push({ text, where: path(el) });
    }
    for (const sel of Array.from(doc.querySelectorAll('select'))) {
      if (sel.getClientRects().length === 0) continue;
      for (const o of Array.from(sel.options ?? [])) if (o.textContent?.trim()) out.push({ text: o.textContent.trim(), where: `${path(sel)} option` });
    }
    // the language menu names each language in its own words ("English")
    return out.filter((x) => !x.where.includes('#lang-select'));
  }, KNOWN_OPEN);
  const bad: Untranslated[] = [];
  for (const { text, where } of found) {
    let rest = text;
    // user data first (longest first: a recipient's name may contain another's)
    for (const d of [...userData].sort((a, b) => b.length - a.length)) rest = rest.split(d).join(' ');
    for (const re of ALLOWED_TOKENS) rest = rest.replace(re, ' ');
    if (/\b[a-z][a-zA-Z]*\.[a-zA-Z][\w.-]*\b/.test(rest) || /[A-Za-z]{3,}/.test(rest)) bad.push({ text, where });
  }
  return bad;
}

describe.skipIf(!haveChromium)('no English in the Chinese pages', () => {
  let service: ServiceHandle;
  let browser: Browser;
  const opened: WatchedPage[] = [];
  /** What this test typed or the service was configured with: names people gave, not page text. */
  const userData: string[] = [];
  let missionId: number;
  let flightId: number;
  let unservableId: number;

  beforeAll(async () => {
    [service, browser] = await Promise.all([startService(), launchBrowser()]);
    const officer = await apiSession(service.url, service.users.officer);
    const admin = await apiSession(service.url, service.users.admin);
    const pilot = await apiSession(service.url, service.users.pilot);
    // the drones' names and models are the admin's configuration (user data)
    for (const d of (await admin('GET', '/api/drones')).drones as { id: string; name: string; profileId: string; connectionUrl: string }[])
      userData.push(d.name, d.id, d.profileId, d.connectionUrl);
    for (const p of (await admin('GET', '/api/drones/profiles')).profiles as { id: string; name: string }[]) userData.push(p.name, p.id);
    for (const u of (await admin('GET', '/api/users')).users as { username: string; name: string }[]) userData.push(u.username, u.name);
    const map = JSON.parse(readFileSync(service.zoneMapFile, 'utf8')) as {
      features: { properties: { kind: string; name: string }; geometry: { type: string; coordinates: number[] } }[];
    };
    const drops = map.features.filter((f) => f.properties.kind === 'drop-point');
    const create = async (recipient: string, dropPoint: string, key: string) =>
      officer(
        'POST',
        '/api/requests',
        { recipient, phone: '138 0013 8000', dropPoint: { name: dropPoint }, medicine: '硝苯地平', weightKg: 0.5, urgency: 'urgent' },
        { 'idempotency-key': `e2e-untranslated-${key}-${Date.now()}` },
      );
    // request A goes to the drop point farthest from B's, which the closure below must not touch
    const [bLon, bLat] = drops[1]!.geometry.coordinates as [number, number];
    const far = [...drops].sort(
      (x, y) =>
        Math.hypot(y.geometry.coordinates[0]! - bLon, y.geometry.coordinates[1]! - bLat) -
        Math.hypot(x.geometry.coordinates[0]! - bLon, x.geometry.coordinates[1]! - bLat),
    )[0]!;
    const a = await create('王奶奶', far.properties.name, 'a');
    const b = await create('李大爷', drops[1]!.properties.name, 'b');
    unservableId = b.id;
    // a temporary no-fly area over the second drop point: its request becomes unservable, with the same reason from every drone
    const [lon, lat] = drops[1]!.geometry.coordinates as [number, number];
    const d = 0.0006;
    const closed = {
      ...map,
      features: [
        ...map.features,
        {
          type: 'Feature',
          properties: { kind: 'no-fly', name: '临时管制区', temporary: true, reason: '现场处置' },
          geometry: {
            type: 'Polygon',
            coordinates: [
              [
                [lon - d, lat - d],
                [lon + d, lat - d],
                [lon + d, lat + d],
                [lon - d, lat + d],
                [lon - d, lat - d],
              ],
            ],
          },
        },
      ],
    };
    await admin('PUT', '/api/zone-map', closed);
    await until(async () => (await officer('GET', `/api/requests/${unservableId}`)).status === 'unservable', 'request B unservable');
    await until(async () => (await officer('GET', `/api/requests/${a.id}`)).status === 'awaiting-approval', 'request A re-planned');
    missionId = (await officer('GET', `/api/requests/${a.id}`)).missionId;
    const mission = await pilot('GET', `/api/missions/${missionId}`);
    const config = await pilot('GET', '/api/config');
    const approved = await pilot('POST', `/api/missions/${missionId}/approve`, {
      checklist: (config.checklist as { id: string }[]).map((c) => c.id),
      requestVersion: mission.requestVersion,
    });
    flightId = approved.flight.id;
  }, 180_000);

  afterAll(async () => {
    for (const w of opened) await w.context.close().catch(() => {});
    await browser?.close().catch(() => {});
    await service?.close();
  });

  async function logIn(who: Credentials | null, expectedStatuses: number[] = []): Promise<WatchedPage> {
    const w = await openPage(browser, { expectedStatuses });
    opened.push(w);
    await w.page.goto(`${service.url}/?lang=zh-CN`);
    if (who) {
      await w.page.fill('#username', who.username);
      await w.page.fill('#password', who.password);
      await w.page.click('#login-submit');
    }
    await w.page.waitForSelector(who ? 'body[data-ready=true]' : '#username');
    return w;
  }

  async function visit(w: WatchedPage, path: string, ready: string): Promise<void> {
    await w.page.goto(`${service.url}${path}`);
    await w.page.waitForSelector('body[data-ready=true]');
    await w.page.waitForSelector(ready, { timeout: 30_000 });
  }

  it('log-in and hand-over pages', async () => {
    const w = await logIn(null, [401]);
    // these two pages have no data-ready: wait until the strings are applied
    const translated = (sel: string) =>
      w.page.waitForFunction(
        (s) =>
          (globalThis as unknown as { document: { querySelector(q: string): { textContent: string | null } | null } }).document
            .querySelector(s)
            ?.textContent?.trim(),
        sel,
      );
    await translated('#login-submit');
    // a wrong password: the refusal is said in Chinese too
    await w.page.fill('#username', service.users.officer.username);
    await w.page.fill('#password', 'not-the-password');
    await w.page.click('#login-submit');
    await w.page.waitForFunction(() =>
      /[\u3400-\u9fff]/u.test(
        (globalThis as unknown as { document: { querySelector(q: string): { textContent: string | null } | null } }).document.querySelector(
          '[role=alert], .notice.error, #login-error',
        )?.textContent ?? '',
      ),
    );
    expect(await untranslated(w.page, userData)).toEqual([]);
    await w.page.goto(`${service.url}/handover.html`);
    await translated('#handover-submit');
    // a wrong code: refused, in Chinese
    await w.page.fill('#request-id', String(unservableId));
    await w.page.fill('#handover-code', '000000');
    await w.page.click('#handover-submit');
    await translated('#handover-result');
    expect(await untranslated(w.page, userData)).toEqual([]);
  }, 60_000);

  it('officer page: the unservable request says why once, in Chinese', async () => {
    const w = await logIn(service.users.officer);
    await w.page.waitForSelector(`#request-list li[data-request-id="${unservableId}"] ul li`, { timeout: 30_000 });
    const reasons = await w.page.locator(`#request-list li[data-request-id="${unservableId}"] ul li`).allTextContents();
    expect(reasons).toHaveLength(1); // every drone gives the same reason: said once
    expect(reasons[0]).toContain('禁飞区');
    await screenshot(w.page, 'zh-CN', 'untranslated-officer');
    expect(await untranslated(w.page, [...userData, '王奶奶', '李大爷'])).toEqual([]);
  }, 60_000);

  it('pilot page: the unservable list, once per reason', async () => {
    const w = await logIn(service.users.pilot);
    await visit(w, '/pilot.html', `#unservable-list li[data-request-id="${unservableId}"]`);
    const reasons = await w.page.locator(`#unservable-list li[data-request-id="${unservableId}"] ul li`).allTextContents();
    expect(reasons).toHaveLength(1);
    expect(await untranslated(w.page, [...userData, '王奶奶', '李大爷'])).toEqual([]);
  }, 60_000);

  it('review page: every check with its sentence and numbers', async () => {
    const w = await logIn(service.users.pilot);
    await visit(w, `/review.html?id=${missionId}`, '#checks-list li');
    const checks = await w.page.locator('#checks-list li').allTextContents();
    expect(checks.length).toBeGreaterThan(8);
    expect(checks.join('\n')).toMatch(/每段航线与所有禁飞区保持 \d+ 米以上距离/);
    await screenshot(w.page, 'zh-CN', 'untranslated-review');
    expect(await untranslated(w.page, [...userData, '王奶奶'])).toEqual([]);
  }, 60_000);

  it('tracking page', async () => {
    const w = await logIn(service.users.pilot);
    await visit(w, `/track.html?id=${flightId}`, '#track-state [data-state]');
    expect(await untranslated(w.page, [...userData, '王奶奶'])).toEqual([]);
  }, 60_000);

  it('admin page: a schema error and a zone map with issues, in Chinese', async () => {
    const w = await logIn(service.users.admin, [400]);
    const p = w.page;
    await visit(w, '/admin.html', '#users-table tr');
    // a password too short: the service's schema refuses it; the page says the field and the rule
    await p.fill('#u-username', 'short.pw');
    await p.fill('#u-name', '短密码');
    await p.fill('#u-password', 'abc');
    await p.click('#user-add');
    await expect.poll(() => p.textContent('#user-result'), { timeout: 15_000 }).toMatch(/密码：至少 \d+ 个字符/);
    // a zone map with problems: every issue in Chinese
    const broken = {
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', properties: { kind: 'depot', name: '甲站' }, geometry: { type: 'Point', coordinates: [36.6, 101.7] } },
        { type: 'Feature', properties: { kind: 'lake', name: '乙' }, geometry: { type: 'Point', coordinates: [101.7, 36.6] } },
        {
          type: 'Feature',
          properties: { kind: 'no-fly', name: '丙区' },
          geometry: {
            type: 'Polygon',
            coordinates: [
              [
                [101.7, 36.6],
                [101.71, 36.6],
                [101.71, 36.61],
              ],
            ],
          },
        },
      ],
    };
    await p.setInputFiles('#zm-file', { name: 'broken.geojson', mimeType: 'application/geo+json', buffer: Buffer.from(JSON.stringify(broken)) });
    await p.click('#zm-upload');
    await p.waitForSelector('#zm-result li[data-issue]', { timeout: 15_000 });
    const issues = await p.locator('#zm-result li[data-issue]').allTextContents();
    expect(issues.length).toBeGreaterThanOrEqual(3);
    await screenshot(p, 'zh-CN', 'untranslated-admin');
    expect(await untranslated(p, [...userData, '短密码', 'short.pw', '甲站', '乙', '丙区', 'lake'])).toEqual([]);
  }, 60_000);
});
