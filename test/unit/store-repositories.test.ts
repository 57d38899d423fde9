import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/db.js';
import { describeOnEngines } from '../support/store-engines.js';
import { hashPassword, verifyPassword } from '../../src/store/passwords.js';
import type { Repositories } from '../../src/store/repositories.js';
import type { StoredTrackPoint } from '../../src/store/records.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'medidrop-store-'));
  dirs.push(d);
  return d;
}

function seed(repos: Repositories) {
  const officer = repos.users.create({ username: 'li.wei', name: 'Li Wei', role: 'officer', passwordHash: 'x' });
  const pilot = repos.users.create({ username: 'zhao.min', name: 'Zhao Min', role: 'pilot', passwordHash: 'x' });
  repos.drones.create({ id: 'md-1', name: 'MD-1', profileId: 'quad', depot: 'Depot', connectionUrl: 'udp://127.0.0.1:1', sysid: 1, enabled: true });
  const req = repos.requests.create(
    {
      officerId: officer.id,
      recipient: 'Wang',
      phone: '138 0000 0000',
      dropPointName: 'Gate',
      lat: 30,
      lon: 114,
      medicine: 'insulin',
      weightKg: 0.5,
      urgency: 'urgent',
      notes: '',
    },
    'awaiting-approval',
  );
  return { officer, pilot, req };
}

describe('passwords', () => {
  it('hashes with scrypt and verifies only the right password', async () => {
    const h = await hashPassword('correct horse');
    expect(h.startsWith('scrypt$')).toBe(true);
    expect(h).not.toContain('correct horse');
    expect(await verifyPassword('correct horse', h)).toBe(true);
    expect(await verifyPassword('correct hors', h)).toBe(false);
    expect(await verifyPassword('x', 'garbage')).toBe(false);
    expect(await hashPassword('correct horse')).not.toBe(h); // salted
  });
});

describeOnEngines('store', (engine) => {
  describe('audit log', () => {
    it('is append-only: updates and deletes are refused by the database itself', () => {
      const { repos, engine: db, close } = engine.open();
      const { pilot } = seed(repos);
      const e = repos.audit.append({ actorId: pilot.id, action: 'mission.reject', subjectType: 'mission', subjectId: 4, reason: 'wind too strong' });
      expect(() => db.prepare('UPDATE audit_log SET reason = ? WHERE id = ?').run('nothing', e.id)).toThrow(/append-only/);
      expect(() => db.prepare('DELETE FROM audit_log').run()).toThrow(/append-only/);
      const [only] = repos.audit.list({ limit: 10 });
      expect(only).toMatchObject({ actorId: pilot.id, action: 'mission.reject', subjectType: 'mission', subjectId: '4', reason: 'wind too strong' });
      close();
    });

    it('pages newest first', () => {
      const { repos, close } = engine.open();
      for (let i = 0; i < 5; i++) repos.audit.append({ actorId: null, action: `a${i}` });
      const first = repos.audit.list({ limit: 2 });
      expect(first.map((e) => e.action)).toEqual(['a4', 'a3']);
      expect(repos.audit.list({ limit: 10, before: first[1]!.id }).map((e) => e.action)).toEqual(['a2', 'a1', 'a0']);
      close();
    });
  });

  describe('flights and track', () => {
    it('stores transitions with cause, ends the flight on a final state, and writes track batches whole', () => {
      const { repos, close } = engine.open();
      const { req } = seed(repos);
      const plan = {
        feasible: true,
        depot: { name: 'Depot' },
        checks: [],
        distanceM: 1,
        durationS: 2,
        energyWh: 3,
        marginPct: 40,
        cruiseAltitudeM: 60,
      } as never;
      const m = repos.missions.create({
        requestId: req.id,
        requestVersion: req.version,
        status: 'approved',
        zoneMapVersion: 1,
        droneId: 'md-1',
        plan,
        candidates: [],
        conditions: {} as never,
      });
      const f = repos.flights.create({ missionId: m.id, requestId: req.id, droneId: 'md-1', sysid: 1, connectionUrl: 'udp://x', state: 'approved' });
      repos.flights.transition(f.id, 'uploading', 'approved by pilot');
      repos.flights.transition(f.id, 'en-route', 'MISSION_CURRENT 2');
      expect(repos.flights.byId(f.id)!.airborneAt).not.toBeNull();
      expect(repos.flights.list({ unfinished: true }).map((x) => x.id)).toEqual([f.id]);
      repos.flights.transition(f.id, 'aborted', 'abort by zhao.min', undefined, 'pilot aborted');
      const after = repos.flights.byId(f.id)!;
      expect(after.state).toBe('aborted');
      expect(after.stateReason).toBe('pilot aborted');
      expect(after.endedAt).not.toBeNull();
      expect(repos.flights.list({ unfinished: true })).toEqual([]);
      expect(repos.flights.transitions(f.id).map((t) => [t.from, t.to, t.cause])).toEqual([
        ['approved', 'uploading', 'approved by pilot'],
        ['uploading', 'en-route', 'MISSION_CURRENT 2'],
        ['en-route', 'aborted', 'abort by zhao.min'],
      ]);

      const pts: StoredTrackPoint[] = Array.from({ length: 50 }, (_, i) => ({
        t: 1000 + i * 200,
        lat: 30 + i * 1e-5,
        lon: 114,
        relAltM: 50,
        groundSpeedMs: 10,
        headingDeg: 0,
        batteryPct: 90,
      }));
      repos.track.append(f.id, pts);
      // a batch with a bad point (NaN latitude violates NOT NULL) is refused whole
      const bad = [
        { ...pts[0]!, t: 99_000 },
        { ...pts[0]!, t: 99_200, lat: null as unknown as number },
      ];
      expect(() => repos.track.append(f.id, bad)).toThrow();
      const stored = repos.track.forFlight(f.id);
      expect(stored).toHaveLength(50);
      expect(stored[49]).toEqual(pts[49]);
      close();
    });
  });
});

describe('restart durability', () => {
  it('everything written before a hard kill of the writing process is there on reopen', () => {
    const dir = tempDir();
    const file = join(dir, 'medidrop.sqlite');
    // (runs the compiled store: `npm test` builds first)
    // a child writes, acknowledges on stdout, then is killed without closing the database
    const script = `
      import { openStore } from ${JSON.stringify(new URL('../../dist/src/store/db.js', import.meta.url).pathname)};
      const { repos } = openStore(${JSON.stringify(file)});
      const u = repos.users.create({ username: 'li.wei', name: 'Li Wei', role: 'officer', passwordHash: 'x' });
      for (let i = 0; i < 20; i++) {
        repos.requests.create({ officerId: u.id, recipient: 'r' + i, phone: '12345', dropPointName: null, lat: 30, lon: 114, medicine: 'm', weightKg: 1, urgency: 'routine', notes: '' }, 'unservable');
      }
      repos.audit.append({ actorId: u.id, action: 'request.create' });
      process.stdout.write('ack\\n');
      process.kill(process.pid, 'SIGKILL');
    `;
    const res = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(res.stdout.trim(), res.stderr).toBe('ack');
    expect(res.signal).toBe('SIGKILL');
    const { repos, close } = openStore(file);
    expect(repos.requests.list()).toHaveLength(20);
    expect(repos.audit.list({ limit: 10 }).map((a) => a.action)).toEqual(['request.create']);
    close();
  });
});
