/**
 * Every page in zh-CN shows no English, and in English no Chinese (issue 11), at desktop (1366×900)
 * and phone (390×844) sizes, with real data: a stored unservable request (its drop point closed by
 * a temporary no-fly area, so every drone gives the same reason), a plan awaiting approval with its
 * checks, a flight with an alert of every code the fleet can raise (battery, failsafes, fence,
 * link …), a cancelled request with a typed reason, an admin's schema error, a zone-map upload with
 * issues and the audit log of all of it.
 *
 * zh-CN: a visible text node with three or more ASCII letters in a row fails the test unless it is
 * an allowed token (drone ids, MAVLink/GeoJSON names, coordinate-system names) or data a person
 * typed or configured (marked below: the recipients and medicines this test types, the drones' and
 * profiles' names). English: a Chinese character fails it, unless it is such data or a zone-map
 * name that has no English half. In both, text the page marks as data — what a person typed
 * ([data-user-text]) and what the vehicle said in its STATUSTEXT ([data-vehicle-text], ArduPilot
 * writes English) — is not page text; a catalogue key that echoes back untranslated ("reason.xyz")
 * fails it too. One browser; one context per role, reused across languages and sizes.
 */
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, haveChromium, launchBrowser, openPage, screenshot, type WatchedPage } from './support/browser.js';
import { startService, type ServiceHandle } from './support/service.js';
import { apiSession } from './support/api-session.js';
import type { AlertCode } from '../../src/fleet/alerts.js';

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

/** Text a page shows as data, not as its own words: what a person typed, what the vehicle said. */
const DATA_MARKS = ['[data-user-text]', '[data-vehicle-text]'];

type Lang = 'zh-CN' | 'en';
const SIZES = {
  desktop: { width: 1366, height: 900 },
  phone: { width: 390, height: 844 },
} as const;
type Size = keyof typeof SIZES;
const HAN = /[\u3400-\u9fff]/u;

/**
 * An alert of every code, with the numbers the fleet gives it (src/fleet/flight-state.ts): the
 * `Record<AlertCode, …>` makes a new code fail to compile here until it is shown too.
 */
const ALERTS: Record<
  AlertCode,
  { kind: string; severity: 'info' | 'warning' | 'critical'; params: Record<string, string | number | boolean>; message: string }
> = {
  'link-lost': {
    kind: 'link-lost',
    severity: 'critical',
    params: { silentS: 3.1 },
    message: "Link lost (no HEARTBEAT, silent for 3.1 s); the vehicle's own failsafe applies",
  },
  'link-back': { kind: 'link-lost', severity: 'info', params: {}, message: 'Link back (HEARTBEAT)' },
  'link-unreachable': { kind: 'link-lost', severity: 'critical', params: { flightId: 1, droneId: 'XN-01' }, message: 'flight 1: no heartbeat' },
  'battery-below-margin': {
    kind: 'battery-below-margin',
    severity: 'critical',
    params: { remainingPct: 55, deficitPct: 12.5, sparePct: 8, routePct: 40 },
    message: 'Battery 55 % is 13 points below the plan at 40 % of the route',
  },
  'off-route': { kind: 'off-route', severity: 'warning', params: { offRouteM: 45, limitM: 30 }, message: 'Off the planned route by 45 m (limit 30 m)' },
  'back-on-route': { kind: 'off-route', severity: 'info', params: { offRouteM: 9 }, message: 'Back on the planned route (9 m off)' },
  'fence-breach': { kind: 'fence-breach', severity: 'critical', params: { text: 'Polygon fence breached' }, message: "Fence breach: 'Polygon fence breached'" },
  'fence-breach-rtl': {
    kind: 'fence-breach',
    severity: 'critical',
    params: { mode: 'RTL' },
    message: 'Fence breach: the vehicle switched to RTL and returns home',
  },
  'fence-cleared': { kind: 'fence-breach', severity: 'info', params: { text: 'Fence breach cleared' }, message: "'Fence breach cleared'" },
  'unexpected-mode': { kind: 'unexpected-mode', severity: 'critical', params: { from: 'AUTO', to: 'LOITER' }, message: 'Mode changed to LOITER (from AUTO)' },
  failsafe: { kind: 'failsafe', severity: 'critical', params: { what: 'battery', text: 'Battery Failsafe' }, message: "Failsafe: 'Battery Failsafe'" },
  'mission-changed': {
    kind: 'mission-changed',
    severity: 'critical',
    params: { vehicleItems: 9, planItems: 12 },
    message: 'The mission on the vehicle does not match the plan',
  },
  'vehicle-rebooted': { kind: 'vehicle-rebooted', severity: 'critical', params: {}, message: 'The vehicle rebooted mid-flight' },
  'release-off-target': {
    kind: 'release-off-target',
    severity: 'critical',
    params: { distanceM: 14.2, toleranceM: 5 },
    message: 'Parcel released but not delivered',
  },
  'not-released': { kind: 'not-released', severity: 'critical', params: {}, message: 'The vehicle left the delivery item without reporting a release' },
  'not-released-link-lost': { kind: 'not-released', severity: 'critical', params: {}, message: 'No release was reported; the link was lost' },
  'landed-away': { kind: 'landed-away', severity: 'critical', params: { distanceM: 240 }, message: 'Landed 240 m from the depot' },
  'landed-position-unknown': { kind: 'landed-away', severity: 'critical', params: {}, message: 'Landed, position unknown' },
  'arm-refused': {
    kind: 'arm-refused',
    severity: 'warning',
    params: { text: 'PreArm: Need Position Estimate' },
    message: "Arming refused: 'PreArm: Need Position Estimate'",
  },
  'upload-failed': { kind: 'upload-failed', severity: 'critical', params: {}, message: 'Upload failed: MISSION_ACK error' },
  'vehicle-config': { kind: 'vehicle-config', severity: 'critical', params: { problems: 2 }, message: 'Not flown: no gripper; RTL_ALT wrong' },
  'declared-lost': {
    kind: 'declared-lost',
    severity: 'critical',
    params: { by: 'pilot.zhao', reason: '河边找不到' },
    message: 'declared lost by pilot.zhao: 河边找不到',
  },
};

interface Untranslated {
  text: string;
  where: string;
}

/**
 * Visible text (and the options of visible selects) in the wrong language once the allowed tokens
 * and the user data are taken out (zh-CN: 3+ ASCII letters in a row; English: a Chinese
 * character); and any text that looks like a catalogue key.
 */
async function untranslated(page: Page, userData: string[], lang: Lang = 'zh-CN'): Promise<Untranslated[]> {
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
  }, DATA_MARKS);
  const bad: Untranslated[] = [];
  for (const { text, where } of found) {
    let rest = text;
    // user data first (longest first: a recipient's name may contain another's)
    for (const d of [...userData].sort((a, b) => b.length - a.length)) rest = rest.split(d).join(' ');
    for (const re of ALLOWED_TOKENS) rest = rest.replace(re, ' ');
    // (a catalogue key's first part has two letters or more: "e.g." in an English sentence is not a key)
    if (/\b[a-z][a-zA-Z]+\.[a-zA-Z][\w.-]*\b/.test(rest)) bad.push({ text, where });
    else if (lang === 'zh-CN' ? /[A-Za-z]{3,}/.test(rest) : HAN.test(rest)) bad.push({ text, where });
  }
  return bad;
}

describe.skipIf(!haveChromium)('no English in the Chinese pages, no Chinese in the English ones, at desktop and phone sizes', () => {
  let service: ServiceHandle;
  let browser: Browser;
  const opened: WatchedPage[] = [];
  /** What this test typed or the service was configured with: names people gave, not page text. */
  const userData: string[] = [];
  /** Zone-map names with no English half: an English page can only show them as they are. */
  const chineseOnlyPlaces: string[] = [];
  let missionId: number;
  let flightId: number;
  let unservableId: number;
  let waitingMissionId: number | null = null;
  let abortedFlightId: number;
  /** One logged-in page per role, reused for every language and size. */
  const pages = new Map<string, WatchedPage>();

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
    for (const f of map.features) if (f.properties.name && !/[A-Za-z]/.test(f.properties.name)) chineseOnlyPlaces.push(f.properties.name);
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
    const byDistance = [...drops].sort(
      (x, y) =>
        Math.hypot(y.geometry.coordinates[0]! - bLon, y.geometry.coordinates[1]! - bLat) -
        Math.hypot(x.geometry.coordinates[0]! - bLon, x.geometry.coordinates[1]! - bLat),
    );
    const far = byDistance[0]!;
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
    // request C waits for the pilot with its plan; request D is cancelled with a reason the officer types
    // (a drop point inside a standing no-fly area is refused at once: the next one is taken)
    const servable = async (recipient: string, key: string, skip: string[]) => {
      for (const f of byDistance.slice(2)) {
        if (skip.includes(f.properties.name)) continue;
        try {
          return { ...(await create(recipient, f.properties.name, key)), dropPoint: f.properties.name };
        } catch (err) {
          if (!String(err).includes(': 422 ')) throw err;
        }
      }
      throw new Error(`set-up: no drop point takes request ${key}`);
    };
    const c = await servable('赵阿姨', 'c', []);
    const dReq = await servable('孙先生', 'd', [c.dropPoint]);
    await officer('DELETE', `/api/requests/${dReq.id}`, { reason: '家属已自行取药' });
    // request C is approved and aborted at once with a reason the pilot types: an aborted flight, a failed request
    await until(async () => (await officer('GET', `/api/requests/${c.id}`)).status === 'awaiting-approval', 'request C planned');
    const cMission = await pilot('GET', `/api/missions/${(await officer('GET', `/api/requests/${c.id}`)).missionId}`);
    const cFlight = await pilot('POST', `/api/missions/${cMission.id}/approve`, {
      checklist: (config.checklist as { id: string }[]).map((x) => x.id),
      requestVersion: cMission.requestVersion,
    });
    abortedFlightId = cFlight.flight.id;
    await pilot('POST', `/api/flights/${abortedFlightId}/abort`, { reason: '投放点有人群聚集' });
    await until(async () => (await pilot('GET', `/api/flights/${abortedFlightId}`)).state === 'aborted', 'flight C aborted');
    // request E waits for the pilot with its plan
    const e = await servable('周大姐', 'e', []);
    await until(async () => ['awaiting-approval', 'unservable'].includes((await officer('GET', `/api/requests/${e.id}`)).status), 'request E planned');
    const eNow = await officer('GET', `/api/requests/${e.id}`);
    if (eNow.status === 'awaiting-approval') waitingMissionId = eNow.missionId;
    // the flight's alerts, one of every code, as the fleet stores them (with their numbers)
    const at = new Date().toISOString();
    for (const [code, x] of Object.entries(ALERTS))
      service.repos.flights.addAlert({
        flightId,
        kind: x.kind,
        code,
        // a flight is declared lost by the pilot who is logged in here
        params: code === 'declared-lost' ? { ...x.params, by: service.users.pilot.username } : x.params,
        severity: x.severity,
        message: x.message,
        at,
      });
    userData.push(
      '王奶奶',
      '李大爷',
      '赵阿姨',
      '孙先生',
      '周大姐',
      '投放点有人群聚集',
      '硝苯地平',
      '家属已自行取药',
      '河边找不到',
      '临时管制区',
      '现场处置',
      '短密码',
      'short.pw',
    );
    userData.push('甲站', '乙', '丙区', 'lake');
  }, 240_000);

  afterAll(async () => {
    for (const w of opened) await w.context.close().catch(() => {});
    await browser?.close().catch(() => {});
    await service?.close();
  });

  /** The page of a role (null: nobody logged in), opened and logged in once. */
  async function pageOf(who: 'officer' | 'pilot' | 'admin' | null): Promise<WatchedPage> {
    const key = who ?? 'anonymous';
    const have = pages.get(key);
    if (have) return have;
    const w = await openPage(browser, { expectedStatuses: [400, 401, 409], viewport: SIZES.desktop });
    opened.push(w);
    pages.set(key, w);
    if (who) {
      const cred = service.users[who];
      await w.page.goto(`${service.url}/`);
      await w.page.fill('#username', cred.username);
      await w.page.fill('#password', cred.password);
      await w.page.click('#login-submit');
      await w.page.waitForSelector('body[data-ready=true]');
    }
    return w;
  }

  async function visit(w: WatchedPage, lang: Lang, size: Size, path: string, ready: string): Promise<Page> {
    // A fresh browser context with the role's session (cookies, storage): the pages visited before
    // leave nothing behind. (The first tracking page, of the flight in the air, once took 24–40 s to
    // become ready on a loaded machine: the stream sent ~80 positions and battery levels a second at
    // the demo's 20×, and the page redrew for each. The streams now pace telemetry: web/sse-pacer.ts.)
    const fresh = await openPage(browser, { expectedStatuses: [400, 401, 409], viewport: SIZES[size], storageState: await w.context.storageState() });
    const old = w.context;
    Object.assign(w, { context: fresh.context, page: fresh.page, problems: fresh.problems, origins: fresh.origins, apiCalls: fresh.apiCalls });
    opened.push(fresh);
    await old.close();
    await w.page.goto(`${service.url}${path}${path.includes('?') ? '&' : '?'}lang=${lang}`);
    await (async () => {
      await w.page.waitForSelector('body[data-ready=true]');
      await w.page.waitForSelector(ready, { timeout: 30_000 });
    })().catch(async (err: unknown) => {
      await screenshot(w.page, lang, `${size}-untranslated-not-ready`);
      throw new Error(`${path} (${lang}, ${size}): ${String(err)}; page problems: ${w.problems.join(' | ') || 'none'}`);
    });
    return w.page;
  }

  /** What the check takes out in this language: the data, and in English the Chinese-only place names. */
  const dataFor = (lang: Lang) => (lang === 'en' ? [...userData, ...chineseOnlyPlaces] : userData);

  async function check(p: Page, lang: Lang, size: Size, name: string): Promise<void> {
    await screenshot(p, lang, `${size}-untranslated-${name}`);
    const bad = await untranslated(p, dataFor(lang), lang);
    expect(bad, `${lang} ${size} ${name}: ${JSON.stringify(bad)}`).toEqual([]);
  }

  const combos: [Lang, Size][] = [
    ['zh-CN', 'desktop'],
    ['zh-CN', 'phone'],
    ['en', 'desktop'],
    ['en', 'phone'],
  ];

  describe.each(combos)('%s at %s size', (lang, size) => {
    it('log-in and hand-over pages (the recipient’s)', async () => {
      const w = await pageOf(null);
      const p = w.page;
      await p.setViewportSize(SIZES[size]);
      await p.goto(`${service.url}/?lang=${lang}`);
      // these two pages have no data-ready: wait until the strings are applied
      const translated = (sel: string) =>
        p.waitForFunction(
          (s) =>
            (globalThis as unknown as { document: { querySelector(q: string): { textContent: string | null } | null } }).document
              .querySelector(s)
              ?.textContent?.trim(),
          sel,
        );
      await translated('#login-submit');
      // a wrong password: the refusal is said in the page's language too
      await p.fill('#username', service.users.officer.username);
      await p.fill('#password', 'not-the-password');
      await p.click('#login-submit');
      await p.waitForFunction((zh) => {
        const text =
          (globalThis as unknown as { document: { querySelector(q: string): { textContent: string | null } | null } }).document.querySelector(
            '[role=alert], .notice.error, #login-error',
          )?.textContent ?? '';
        return zh ? /[\u3400-\u9fff]/u.test(text) : /[A-Za-z]{3,}/.test(text);
      }, lang === 'zh-CN');
      await check(p, lang, size, 'login');
      await p.goto(`${service.url}/handover.html?lang=${lang}`);
      await translated('#handover-submit');
      // a wrong code: refused, in the page's language
      await p.fill('#request-id', String(unservableId));
      await p.fill('#handover-code', '000000');
      await p.click('#handover-submit');
      await translated('#handover-code-error');
      await check(p, lang, size, 'handover');
    }, 60_000);

    it('officer page: the unservable request says why once; the cancelled one with the reason as typed', async () => {
      const p = await visit(await pageOf('officer'), lang, size, '/officer.html', `#request-list li[data-request-id="${unservableId}"] ul li`);
      const reasons = await p.locator(`#request-list li[data-request-id="${unservableId}"] ul li`).allTextContents();
      expect(reasons).toHaveLength(1); // every drone gives the same reason: said once
      expect(reasons[0]).toContain(lang === 'zh-CN' ? '禁飞区' : 'no-fly');
      // the request whose flight was aborted says why, the pilot's words as typed
      await p.waitForSelector('#request-list [data-outcome="aborted-by-because"] [data-user-text]');
      await check(p, lang, size, 'officer');
    }, 60_000);

    it('pilot page: queue, fleet, flights and the unservable list, once per reason', async () => {
      const p = await visit(await pageOf('pilot'), lang, size, '/pilot.html', `#unservable-list li[data-request-id="${unservableId}"]`);
      const reasons = await p.locator(`#unservable-list li[data-request-id="${unservableId}"] ul li`).allTextContents();
      expect(reasons).toHaveLength(1);
      await check(p, lang, size, 'pilot');
    }, 60_000);

    it('review page: every check with its sentence and numbers (approved, and waiting when a drone was free)', async () => {
      const w = await pageOf('pilot');
      const p = await visit(w, lang, size, `/review.html?id=${missionId}`, '#checks-list li');
      const checks = await p.locator('#checks-list li').allTextContents();
      expect(checks.length).toBeGreaterThan(8);
      if (lang === 'zh-CN') expect(checks.join('\n')).toMatch(/每段航线与所有禁飞区保持 \d+ 米以上距离/);
      await check(p, lang, size, 'review');
      if (waitingMissionId !== null) {
        const waiting = await visit(w, lang, size, `/review.html?id=${waitingMissionId}`, '#checks-list li');
        await check(waiting, lang, size, 'review-waiting');
      }
    }, 60_000);

    it('tracking page: the flight with an alert of every code, each with its numbers', async () => {
      const p = await visit(await pageOf('pilot'), lang, size, `/track.html?id=${flightId}`, '#track-state [data-state]');
      await p.waitForSelector('#track-alerts [data-alert-code="battery-below-margin"]');
      const battery = await p.textContent('#track-alerts [data-alert-code="battery-below-margin"]');
      expect(battery).toMatch(lang === 'zh-CN' ? /电量 55%.*40%.*12\.5/ : /Battery 55 %.*12\.5 points.*40 %/);
      const codes = await p.locator('#track-alerts [data-alert-code]').evaluateAll((els) => els.map((e) => e.getAttribute('data-alert-code')));
      expect(new Set(codes)).toEqual(new Set(Object.keys(ALERTS)));
      // the vehicle's own words stay as it sent them, marked as such
      expect(await p.locator('#track-alerts [data-vehicle-text]').allTextContents()).toContain('Battery Failsafe');
      await check(p, lang, size, 'track');
      // the aborted flight: why, in the page's language, with the pilot's reason as typed
      const aborted = await visit(
        await pageOf('pilot'),
        lang,
        size,
        `/track.html?id=${abortedFlightId}`,
        '#track-delivery [data-outcome="aborted-by-because"]',
      );
      expect(await aborted.textContent('#track-delivery [data-outcome] [data-user-text]')).toBe('投放点有人群聚集');
      await check(aborted, lang, size, 'track-aborted');
    }, 60_000);

    it('admin page: a schema error, a zone map with issues, drones, users and the audit log', async () => {
      const p = await visit(await pageOf('admin'), lang, size, '/admin.html', '#users-table tr');
      // a password too short: the service's schema refuses it; the page says the field and the rule
      await p.fill('#u-username', 'short.pw');
      await p.fill('#u-name', '短密码');
      await p.fill('#u-password', 'abc');
      await p.click('#user-add');
      await expect.poll(() => p.textContent('#user-result'), { timeout: 15_000 }).toMatch(lang === 'zh-CN' ? /密码：至少 \d+ 个字符/ : /\d+/);
      // a zone map with problems: every issue in the page's language
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
      // the audit log: every action and its details in words, the typed reasons as typed
      await p.click('#a-apply');
      await p.waitForSelector('#audit-table tr[data-action="request.cancel"]', { timeout: 15_000 });
      expect(await p.textContent('#audit-table tr[data-action="request.cancel"] [data-user-text]')).toBe('家属已自行取药');
      const plan = await p.textContent('#audit-table tr[data-action="mission.plan"] td.details');
      expect(plan).toMatch(lang === 'zh-CN' ? /任务 #\d+；无人机 \S+，从.+起飞；电量余量 -?\d+%/ : /mission #\d+; drone \S+ from .+; battery margin -?\d+ %/);
      expect(await p.getAttribute('#a-export', 'href')).toContain(`lang=${lang}`);
      await check(p, lang, size, 'admin');
    }, 60_000);
  });
});
