/**
 * The route's height profile on the review page (issue 12), in Chromium on the real service: one
 * service with a generated DEM (MEDIDROP_DEM's config, an SRTM tile written by the test: ground
 * rising eastwards), one without (flat ground assumed). A 15 m tower is put on the planned route by
 * uploading a new zone map; the zone-map summary lists it, the re-planned mission's review page
 * draws the ground, the tower, the flight path, the 120 m ceiling, the clearance band, the drop
 * point and the lowest clearance, labels the axes and summarises in zh-CN and English, and the map
 * and its legend show the obstacle.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plane, writeHgt } from '../support/dem.js';
import { CHROMIUM, haveChromium, launchBrowser, openPage, screenshot, type WatchedPage } from './support/browser.js';
import { startService, type ServiceHandle } from './support/service.js';
import { apiSession } from './support/api-session.js';

if (!haveChromium) console.warn(`e2e: SKIPPED — ${CHROMIUM} is not installed (apt-get install -y chromium fonts-noto-cjk)`);

const M_PER_DEG_LAT = 111_195;
/** A square `sideM` wide round [lon, lat]. */
function square([lon, lat]: [number, number], sideM: number): [number, number][] {
  const dLat = sideM / 2 / M_PER_DEG_LAT;
  const dLon = dLat / Math.cos((lat * Math.PI) / 180);
  return [
    [lon - dLon, lat - dLat],
    [lon + dLon, lat - dLat],
    [lon + dLon, lat + dLat],
    [lon - dLon, lat + dLat],
    [lon - dLon, lat - dLat],
  ];
}

interface Setup {
  service: ServiceHandle;
  missionId: number;
  /** The mission detail's terrain section, as the page gets it. */
  terrain: { groundModel: string; profile: { points: { obstacleTopM: number | null }[] } | null };
}

/** A request, then a zone map with a 15 m tower on its first leg: the re-planned mission crosses it. */
async function setUp(service: ServiceHandle): Promise<Setup> {
  const officer = await apiSession(service.url, service.users.officer);
  const admin = await apiSession(service.url, service.users.admin);
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
    { 'idempotency-key': `e2e-profile-${Date.now()}-${Math.random()}` },
  );
  expect(r.missionId).not.toBeNull();
  const first = await admin('GET', `/api/missions/${r.missionId}`);
  const [a, b] = first.geometry.outbound as [number, number][];
  const mid: [number, number] = [(a![0] + b![0]) / 2, (a![1] + b![1]) / 2];
  const tower = {
    type: 'Feature',
    properties: { kind: 'obstacle', name: 'Water tower 水塔', height_m: 15 },
    geometry: { type: 'Polygon', coordinates: [square(mid, 30)] },
  };
  const put = await admin('PUT', '/api/zone-map', { ...map.geojson, features: [...map.geojson.features, tower] });
  expect(put.summary.obstacles).toEqual([{ name: 'Water tower 水塔', heightM: 15 }]);
  expect((await officer('GET', '/api/zone-map')).summary.obstacles).toEqual([{ name: 'Water tower 水塔', heightM: 15 }]);
  // The PUT re-plans every request not yet approved before it answers: the request has a new mission.
  expect(put.replanned.map((x: { requestId: number }) => x.requestId)).toContain(r.id);
  const missionId: number = (await officer('GET', `/api/requests/${r.id}`)).missionId;
  expect(missionId).not.toBe(r.missionId);
  const detail = await admin('GET', `/api/missions/${missionId}`);
  return { service, missionId, terrain: detail.terrain };
}

describe.skipIf(!haveChromium)('height profile on the review page', () => {
  const root = mkdtempSync(join(tmpdir(), 'medidrop-e2e-dem-'));
  let browser: Browser;
  let withDem: Setup;
  let flat: Setup;
  const opened: WatchedPage[] = [];

  beforeAll(async () => {
    const dir = join(root, 'dem');
    mkdirSync(dir);
    // Ground rising eastwards, about 10 m per km, from 2,260 m at the county town's west edge.
    writeHgt(dir, 36, 101, 1201, plane(2260, 900, 0, 101.765, 0));
    const [s1, s2, b] = await Promise.all([startService({ config: { dem: [dir] } }), startService(), launchBrowser()]);
    browser = b;
    [withDem, flat] = await Promise.all([setUp(s1), setUp(s2)]);
  }, 120_000);

  afterAll(async () => {
    for (const w of opened) await w.context.close().catch(() => {});
    await browser?.close().catch(() => {});
    await withDem?.service.close();
    await flat?.service.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('the API carries the profile with the tower crossed, on the DEM and on flat ground', () => {
    expect(withDem.terrain.groundModel).toBe('dem');
    expect(flat.terrain.groundModel).toBe('flat');
    for (const s of [withDem, flat]) {
      expect(s.terrain.profile?.points.length).toBeGreaterThan(10);
      expect(s.terrain.profile?.points.length).toBeLessThanOrEqual(500);
      expect(s.terrain.profile?.points.some((p) => p.obstacleTopM !== null)).toBe(true);
    }
  });

  for (const [lang, which] of [
    ['zh-CN', 'dem'],
    ['en', 'dem'],
    ['zh-CN', 'flat'],
    ['en', 'flat'],
  ] as const) {
    it(`${lang}, ${which === 'dem' ? 'DEM' : 'flat ground'}: ground, tower, path, ceiling, clearance, drop point and the summary`, async () => {
      const zh = lang === 'zh-CN';
      const s = which === 'dem' ? withDem : flat;
      const w = await openPage(browser);
      opened.push(w);
      const p = w.page;
      await p.goto(`${s.service.url}/?lang=${lang}`);
      await p.fill('#username', s.service.users.pilot.username);
      await p.fill('#password', s.service.users.pilot.password);
      await p.click('#login-submit');
      await p.waitForSelector('body[data-ready=true]');
      await p.goto(`${s.service.url}/review.html?id=${s.missionId}`);
      await p.waitForSelector('body[data-ready=true]');
      const chart = '#review-profile svg[data-profile=chart]';
      await p.waitForSelector(chart);
      expect(await p.textContent('#profile-title')).toBe(zh ? '高度剖面' : 'Height profile');
      for (const part of [
        'path[data-part=ground]',
        'path[data-part=path]',
        'path[data-part=ceiling]',
        'path[data-part=clearance]',
        'rect[data-part=obstacle]',
        'g[data-part=drop]',
        'g[data-part=min-clearance]',
      ])
        expect(await p.locator(`${chart} ${part}`).count(), part).toBeGreaterThan(0);
      // The ceiling dashed, the ground filled, the tower a bar of some height.
      expect(await p.getAttribute(`${chart} path[data-part=ceiling]`, 'stroke-dasharray')).toBeTruthy();
      expect(await p.getAttribute(`${chart} path[data-part=ground]`, 'fill')).not.toBe('none');
      expect(Number(await p.getAttribute(`${chart} rect[data-part=obstacle]`, 'height'))).toBeGreaterThan(2);
      expect(await p.textContent(`${chart} [data-part=obstacles]`)).toContain(zh ? '15 米' : '15 m');
      expect(await p.textContent(`${chart} [data-part=x-label]`)).toBe(zh ? '沿航线距离（去程，然后返程）' : 'Distance along the route (out, then back)');
      expect(await p.textContent(`${chart} [data-part=y-label]`)).toBe(zh ? '相对起飞点高度（米）' : 'Height above home (m)');
      expect(await p.textContent(`${chart} [data-part=drop]`)).toBe(zh ? '投放点' : 'Drop point');
      // The ceiling line runs 120 m above the ground: the same vertical gap in the drawing at both ends.
      const gap = await p.$eval(chart, (svg) => {
        const ground = svg.querySelector('path[data-part=ground]')!.getAttribute('d')!;
        const ceiling = svg.querySelector('path[data-part=ceiling]')!.getAttribute('d')!;
        const ys = (d: string) => [...d.matchAll(/[ML]([\d.]+),([\d.]+)/g)].map((m) => Number(m[2]));
        const g = ys(ground);
        const c = ys(ceiling);
        return [g[0]! - c[0]!, g[c.length - 1]! - c[c.length - 1]!];
      });
      expect(gap[0]).toBeGreaterThan(20);
      expect(gap[1]).toBeCloseTo(gap[0]!, 0);
      // The summary names the clearance and the height above ground, in words.
      const summary = (await p.textContent('#review-profile [data-profile=summary]')) ?? '';
      expect(summary).toMatch(
        zh ? /距地形和障碍物的最小净空：[\d.]+ 米（要求 30 米）/ : /Minimum clearance above terrain and obstacles: [\d.]+ m \(required 30 m\)/,
      );
      expect(summary).toMatch(zh ? /最大离地高度：[\d.]+ 米/ : /Highest above the ground: [\d.]+ m/);
      // The tower is on the first leg: passed over on the way out and on the way back.
      expect(summary).toContain(zh ? '航线飞越障碍物 2 次' : 'The route passes over obstacles 2 times');
      expect(await p.getAttribute(chart, 'aria-describedby')).toBe('review-profile-summary');
      const flatNote = p.locator('#review-profile [data-profile=flat]');
      if (which === 'flat') expect(await flatNote.textContent()).toContain(zh ? '无高程数据' : 'No elevation data');
      else {
        expect(await flatNote.count()).toBe(0);
        expect(summary).toContain(zh ? '地面高程来自 DEM' : 'Ground from the DEM');
      }
      // The map draws the tower and the legend names it.
      expect(await p.textContent('#review-legend')).toContain(zh ? '障碍物' : 'Obstacle');
      expect(await p.locator('#review-map path.leaflet-interactive[stroke="#37474f"][fill="#546e7a"]').count()).toBeGreaterThan(0);
      await screenshot(p, lang, `review-profile-${which}`);
    });
  }
});
