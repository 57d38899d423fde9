/**
 * `medidrop serve --demo` as a fresh machine would run it (child process, new database): demo users,
 * demo zone map, emulated drones at the depots. Through HTTP only: an officer queues a drop, a pilot
 * approves it, the drone takes off (time from approval to airborne printed), the pilot pauses,
 * resumes and aborts; the flight ends aborted, the request failed, and the audit log says who.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/package-root.js';

const CLI = join(packageRoot(), 'dist', 'src', 'cli.js');
/** Simulated-time factor of the demo drones (MEDIDROP_TEST_SPEEDUP=1 measures real time). */
const SPEEDUP = Number(process.env.MEDIDROP_TEST_SPEEDUP ?? 10);
let child: ChildProcess | null = null;
let dir: string | null = null;
afterEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
  }
  child = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = null;
});

type Json = Record<string, any>;

describe('medidrop serve --demo', () => {
  it('starts with demo users and drones; approve → airborne → pause → resume → abort over HTTP', async () => {
    expect(existsSync(CLI), `${CLI} missing: run 'npm run build' first`).toBe(true);
    dir = mkdtempSync(join(tmpdir(), 'medidrop-demo-'));
    child = spawn(process.execPath, [CLI, 'serve', '--demo', '--port', '0', '--db', join(dir, 'demo.sqlite'), '--speedup', String(SPEEDUP)], {
      cwd: dir, // a fresh directory: nothing but the package is needed
      env: { ...process.env, MEDIDROP_LOG_LEVEL: 'warn', VITEST: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const base = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL printed:\n${out}\n${err}`)), 30_000);
      child!.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      child!.once('exit', (code) => reject(new Error(`exited ${code}:\n${out}\n${err}`)));
    });
    expect(out).toMatch(/officer +officer \/ officer-demo/);
    expect(out).toMatch(/pilot +pilot \/ pilot-demo/);
    expect(out).toMatch(/admin +admin \/ admin-demo/);
    expect(out).toMatch(/emulated drones/);

    const login = async (username: string, password: string) => {
      const res = await fetch(`${base}/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password }),
      });
      expect(res.status).toBe(200);
      const cookie = res.headers.getSetCookie()[0]!.split(';')[0]!;
      const { csrfToken } = (await res.json()) as { csrfToken: string };
      return async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Json }> => {
        const r = await fetch(`${base}${path}`, {
          method,
          headers: { cookie, 'x-csrf-token': csrfToken, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        });
        return { status: r.status, body: r.status === 204 ? {} : ((await r.json()) as Json) };
      };
    };
    const officer = await login('officer', 'officer-demo');
    const pilot = await login('pilot', 'pilot-demo');
    const admin = await login('admin', 'admin-demo');

    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');

    const zm = (await officer('GET', '/api/zone-map')).body;
    const drones = (await admin('GET', '/api/drones')).body.drones as Json[];
    expect(drones.length).toBe(zm.summary.depots.reduce((n: number, d: Json) => n + Math.max(1, d.drones.length), 0));

    // queue drops to the named drop points until one is plannable (the demo map has some that are not)
    let request: Json | null = null;
    for (const dp of zm.summary.dropPoints as Json[]) {
      const r = await officer(
        'POST',
        '/api/requests',
        {
          recipient: '王奶奶 Grandma Wang',
          phone: '138 0013 8000',
          dropPoint: { name: dp.name },
          medicine: 'nifedipine',
          weightKg: 0.3,
          urgency: 'urgent',
          notes: '',
        },
        { 'idempotency-key': `demo-${Math.random().toString(36).slice(2)}-${Date.now()}` },
      );
      expect(r.status).toBe(201);
      if (r.body.status === 'awaiting-approval') {
        request = r.body;
        break;
      }
    }
    expect(request, 'no demo drop point could be planned').not.toBeNull();

    // the demo drones boot when the service starts and are ready to arm after 10 simulated seconds;
    // measure from a pilot's approval on a ready drone, as in the field
    await new Promise((r) => setTimeout(r, (11 / SPEEDUP) * 1000));
    const approvedAt = Date.now();
    const ap = await pilot('POST', `/api/missions/${request!.missionId}/approve`, {
      checklist: ['airspace', 'weather', 'battery', 'payload', 'drop-zone', 'propellers'],
    });
    expect(ap.status, JSON.stringify(ap.body)).toBe(200);
    const flightId = ap.body.flight.id as number;
    let f: Json = {};
    for (let i = 0; i < 600 * Math.max(1, 10 / SPEEDUP); i++) {
      f = (await officer('GET', `/api/flights/${flightId}`)).body;
      if (f.state === 'failed') throw new Error(`flight failed: ${f.stateReason}`);
      if (f.state === 'en-route' && f.position && f.position.relAltM > 1) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(f.state).toBe('en-route');
    // eslint-disable-next-line no-console
    console.log(`demo (speed-up ${SPEEDUP}×): approval → airborne (en route, > 1 m up) ${Date.now() - approvedAt} ms wall`);

    expect((await officer('POST', `/api/flights/${flightId}/abort`, {})).status).toBe(403);
    const paused = await pilot('POST', `/api/flights/${flightId}/pause`, {});
    expect(paused.status, JSON.stringify(paused.body)).toBe(200);
    expect(paused.body.paused).toBe(true);
    expect((await pilot('POST', `/api/flights/${flightId}/pause`, {})).status).toBe(409);
    const resumed = await pilot('POST', `/api/flights/${flightId}/resume`, {});
    expect(resumed.status, JSON.stringify(resumed.body)).toBe(200);
    expect(resumed.body.paused).toBe(false);
    const aborted = await pilot('POST', `/api/flights/${flightId}/abort`, { reason: 'ambulance helicopter inbound' });
    expect(aborted.status, JSON.stringify(aborted.body)).toBe(200);
    for (let i = 0; i < 1200 * Math.max(1, 10 / SPEEDUP); i++) {
      f = (await pilot('GET', `/api/flights/${flightId}`)).body;
      if (['aborted', 'failed', 'completed'].includes(f.state)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(f.state).toBe('aborted');
    const req = (await officer('GET', `/api/requests/${request!.id}`)).body;
    expect(req.status).toBe('failed');
    const audit = (await admin('GET', '/api/audit?limit=50')).body.entries as Json[];
    const abortEntry = audit.find((e) => e.action === 'flight.abort');
    expect(abortEntry).toMatchObject({ actor: { username: 'pilot' }, reason: 'ambulance helicopter inbound' });
    expect(audit.map((e) => e.action)).toEqual(expect.arrayContaining(['flight.pause', 'flight.resume', 'mission.approve', 'request.create']));

    child.kill('SIGTERM');
    const code = await new Promise((r) => child!.once('exit', (c) => r(c)));
    expect(code).toBe(0);
  }, 300_000);
});
