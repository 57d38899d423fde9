/**
 * The lost-flight procedure in the browser: the service is killed (SIGKILL) mid-flight and its
 * vehicle is gone when it comes back. The pilot's tracking page says there is no contact and keeps
 * abort and pause disabled; the pilot declares the flight lost with a reason, then confirms the
 * drone recovered with a note. Real service as a child process (`node dist/src/cli.js serve`),
 * emulated drone in this process, Debian's Chromium.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../sim/emulator/index.js';
import { packageRoot } from '../../src/package-root.js';
import { CHECKLIST, DEPOT, PASSWORD, makeTestApp, newKey, requestBody } from '../integration/api-support.js';
import { CHROMIUM, haveChromium, launchBrowser, openPage, unlabelledControls, type WatchedPage } from './support/browser.js';

if (!haveChromium) console.warn(`e2e: SKIPPED — ${CHROMIUM} is not installed (apt-get install -y chromium fonts-noto-cjk)`);

const CLI = join(packageRoot(), 'dist', 'src', 'cli.js');
const children: ChildProcess[] = [];
let emu: Emulator | null = null;
let dir: string | null = null;
let browser: Browser | null = null;
const opened: WatchedPage[] = [];

async function serve(db: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [CLI, 'serve', '--db', db, '--port', '0'], {
    cwd: packageRoot(),
    env: { ...process.env, MEDIDROP_LOG_LEVEL: 'warn', VITEST: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`service did not start:\n${out}`)), 40_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`service exited (${code}):\n${out}`)));
  });
  return { child, url };
}

async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!haveChromium)('lost flight in the browser', () => {
  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build' first (npm test does)`);
    browser = await launchBrowser();
  }, 60_000);
  afterEach(async () => {
    for (const w of opened.splice(0)) await w.context.close().catch(() => {});
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await emu?.stop();
    emu = null;
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = null;
  });
  afterAll(async () => {
    await browser?.close().catch(() => {});
  });

  it('no contact after a restart: the pilot declares the flight lost, then confirms the drone recovered', async () => {
    dir = mkdtempSync(join(tmpdir(), 'medidrop-e2e-lost-'));
    const db = join(dir, 'medidrop.sqlite');
    emu = await startEmulator({ vehicles: [{ sysid: 6, home: { lat: DEPOT[1], lon: DEPOT[0], altM: 0 } }], speedup: 12, readyAfterS: 2 });
    const seed = await makeTestApp({ db });
    seed.parts.repos.drones.update('md-1', { connectionUrl: `tcp://127.0.0.1:${emu.vehicles[0]!.tcpPort}`, sysid: 6 });
    const officer = await seed.login('officer.li');
    const request = (
      await seed.as(officer, { method: 'POST', url: '/api/requests', payload: requestBody(), headers: { 'idempotency-key': newKey() } })
    ).json() as { id: number; missionId: number };
    const pilotSeed = await seed.login('pilot.zhao');
    await seed.close();

    // approve and fly (the seeded session survives into the service)
    let svc = await serve(db);
    const call = async (method: string, path: string, body?: unknown) => {
      const r = await fetch(`${svc.url}${path}`, {
        method,
        headers: { cookie: pilotSeed.cookie, 'x-csrf-token': pilotSeed.csrf, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      return (await r.json()) as Record<string, any>;
    };
    const flightId = (await call('POST', `/api/missions/${request.missionId}/approve`, { checklist: CHECKLIST })).flight.id as number;
    await waitFor('airborne', async () => {
      const f = await call('GET', `/api/flights/${flightId}`);
      return f.state === 'en-route' && f.position?.relAltM > 2;
    });
    // the vehicle and the service die; the service comes back alone
    await emu.stop();
    emu = null;
    svc.child.kill('SIGKILL');
    await new Promise((r) => svc.child.once('exit', r));
    svc = await serve(db);

    const w = await openPage(browser!);
    opened.push(w);
    const { page } = w;
    await page.goto(`${svc.url}/`);
    await page.waitForSelector('#lang-select');
    await page.selectOption('#lang-select', 'en');
    await page.fill('#username', 'pilot.zhao');
    await page.fill('#password', PASSWORD);
    await page.click('#login-submit');
    await page.waitForSelector('body[data-ready=true]');
    await page.goto(`${svc.url}/track.html?id=${flightId}`);
    await page.waitForSelector('#link-lost:not([hidden])', { timeout: 30_000 });
    expect(await page.textContent('#link-lost')).toContain('No contact with the drone');
    expect(await page.isDisabled('#abort-flight')).toBe(true);
    expect(await page.isDisabled('#pause-flight')).toBe(true);
    expect(await unlabelledControls(page)).toEqual([]);

    // a reason is required: asked for before anything is sent
    const calls = w.apiCalls.length;
    await page.click('#declare-lost');
    await expect.poll(() => page.textContent('#flight-controls')).toContain('Why is it lost?');
    expect(w.apiCalls.slice(calls).filter((c) => c.includes('declare-lost'))).toEqual([]);
    await page.fill('#lost-reason', 'no telemetry since the restart; not at the depot');
    await page.fill('#lost-where', 'east of the river');
    page.once('dialog', (d) => void d.accept());
    await page.click('#declare-lost');
    await page.waitForSelector('#flight-state[data-state=lost]', { timeout: 15_000 });
    const lost = await call('GET', `/api/flights/${flightId}`);
    expect(lost.state).toBe('lost');
    expect(lost.stateReason).toBe('declared lost by pilot.zhao: no telemetry since the restart; not at the depot');

    // the drone is confirmed recovered from the same page
    await page.waitForSelector('#drone-recovered', { state: 'visible' });
    await page.fill('#recovered-note', 'found by the river bank, undamaged');
    await page.click('#drone-recovered');
    await expect.poll(() => page.textContent('main'), { timeout: 15_000 }).toContain('confirmed recovered');
    const drones = (await call('GET', '/api/drones')).drones as { id: string; status: string }[];
    expect(drones.find((d) => d.id === 'md-1')!.status).toBe('idle');
    expect(w.problems).toEqual([]);
  }, 180_000);
});
