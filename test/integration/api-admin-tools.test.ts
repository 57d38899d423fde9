/**
 * The admin's tools (issue 11): the audit log filtered by user, request and time and exported as CSV;
 * drones added, edited, enabled and disabled, with the flight guard, and their link tested against an
 * emulated vehicle and a dead port; users edited, given a new password and disabled, with the guards
 * that keep an admin from locking themself out.
 */
import { createServer } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../sim/emulator/index.js';
import { firmwareVersion } from '../../src/dispatch/link-test.js';
import { csvCell } from '../../src/web/audit-csv.js';
import { CHECKLIST, makeTestApp, newKey, PASSWORD, requestBody, type Session, type TestApp } from './api-support.js';

let t: TestApp;
let officer: Session;
let pilot: Session;
let admin: Session;

beforeEach(async () => {
  t = await makeTestApp();
  [officer, pilot, admin] = await Promise.all([t.login('officer.li'), t.login('pilot.zhao'), t.login('admin.chen')]);
});
afterEach(async () => {
  await t.close();
});

async function queue(over: Record<string, unknown> = {}) {
  const res = await t.as(officer, { method: 'POST', url: '/api/requests', payload: requestBody(over), headers: { 'idempotency-key': newKey() } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: number; missionId: number };
}

async function approve(missionId: number): Promise<number> {
  const ok = await t.as(pilot, { method: 'POST', url: `/api/missions/${missionId}/approve`, payload: { checklist: CHECKLIST } });
  expect(ok.statusCode, ok.body).toBe(200);
  return ok.json().flight.id as number;
}

interface Entry {
  id: number;
  at: string;
  action: string;
  actor: { id: number; username: string } | null;
  subject: { type: string; id: string } | null;
}

async function audit(query: string): Promise<Entry[]> {
  const res = await t.as(admin, { method: 'GET', url: `/api/audit${query}` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().entries;
}

describe('audit log filters', () => {
  it('by user: a log-in name in any case or a user id; an unknown user is a 400 naming the field', async () => {
    await queue();
    const byName = await audit('?user=OFFICER.LI');
    expect(byName.length).toBeGreaterThanOrEqual(2); // login, request.create
    expect(new Set(byName.map((e) => e.actor?.username))).toEqual(new Set(['officer.li']));
    expect(byName.map((e) => e.action)).toEqual(expect.arrayContaining(['login', 'request.create']));
    expect(await audit(`?user=${officer.userId}`)).toEqual(byName);
    const bad = await t.as(admin, { method: 'GET', url: '/api/audit?user=nobody' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ code: 'bad-request', field: 'user' });
  });

  it('by request: the request, its missions and its flights, and nothing of another request', async () => {
    const mine = await queue();
    const other = await queue({ recipient: 'Uncle Zhang' });
    const flightId = await approve(mine.missionId);
    await t.as(pilot, { method: 'POST', url: `/api/missions/${other.missionId}/reject`, payload: { reason: 'wind too strong' } });
    // a flight entry (the fleet layer writes these as the flight moves)
    t.parts.repos.audit.append({ actorId: null, action: 'flight.aborted', subjectType: 'flight', subjectId: flightId, reason: 'test' });
    const entries = await audit(`?request=${mine.id}`);
    expect(entries.map((e) => `${e.action} ${e.subject?.type} ${e.subject?.id}`).sort()).toEqual(
      [
        `flight.aborted flight ${flightId}`,
        `mission.approve mission ${mine.missionId}`,
        `mission.plan request ${mine.id}`,
        `request.create request ${mine.id}`,
      ].sort(),
    );
    const theOther = await audit(`?request=${other.id}`);
    expect(theOther.map((e) => e.action).sort()).toEqual(['mission.plan', 'mission.reject', 'request.create']);
    // filters combine: the pilot's entries about my request
    expect((await audit(`?request=${mine.id}&user=pilot.zhao`)).map((e) => e.action)).toEqual(['mission.approve']);
    for (const bad of ['abc', '0', '-1', '1.5']) {
      const res = await t.as(admin, { method: 'GET', url: `/api/audit?request=${bad}` });
      expect(res.statusCode, bad).toBe(400);
      expect(res.json().error.field).toBe('request');
    }
  });

  it('by time: from (inclusive) and to; dates and zoned times; a bad time is a 400 naming from or to', async () => {
    await queue();
    const all = await audit('?limit=500');
    const oldest = all[all.length - 1]!;
    const newest = all[0]!;
    expect(await audit(`?from=${encodeURIComponent(newest.at)}`)).toEqual(all.filter((e) => e.at >= newest.at));
    expect(await audit(`?to=${encodeURIComponent(oldest.at)}`)).toEqual(all.filter((e) => e.at <= oldest.at));
    const later = new Date(Date.parse(newest.at) + 60_000).toISOString();
    expect(await audit(`?from=${encodeURIComponent(later)}`)).toEqual([]);
    // the same instant written in Beijing time
    const d = new Date(Date.parse(newest.at) + 8 * 3600_000).toISOString().slice(0, 19);
    expect((await audit(`?from=${encodeURIComponent(`${d}+08:00`)}`)).length).toBeGreaterThan(0);
    // a date-only `to` covers that whole UTC day
    expect(await audit(`?to=${newest.at.slice(0, 10)}`)).toEqual(all);
    for (const [q, field] of [
      ['from=yesterday', 'from'],
      ['to=2026-02-30', 'to'],
      ['from=2026-12-03T08:00:00', 'from'], // no zone: whose 08:00?
      ['from=2026-12-04&to=2026-12-03', 'to'],
    ] as const) {
      const res = await t.as(admin, { method: 'GET', url: `/api/audit?${q}` });
      expect(res.statusCode, q).toBe(400);
      expect(res.json().error.field, q).toBe(field);
    }
    expect((await t.as(pilot, { method: 'GET', url: '/api/audit' })).statusCode).toBe(403);
  });

  it('pages back with before under a filter', async () => {
    for (let i = 0; i < 3; i++) await queue({ recipient: `R${i}` });
    const first = await audit('?user=officer.li&limit=2');
    expect(first).toHaveLength(2);
    const next = await audit(`?user=officer.li&limit=2&before=${first[1]!.id}`);
    expect(next.length).toBeGreaterThan(0);
    expect(next[0]!.id).toBeLessThan(first[1]!.id);
    expect(next.every((e) => e.actor?.username === 'officer.li')).toBe(true);
  });
});

describe('audit CSV export', () => {
  it('is UTF-8 with a BOM, an attachment, RFC 4180 quoted, and guards cells against formulas', async () => {
    const r = await queue();
    const reason = '=HYPERLINK("http://x","风太大, 返航")';
    const rej = await t.as(pilot, { method: 'POST', url: `/api/missions/${r.missionId}/reject`, payload: { reason } });
    expect(rej.statusCode, rej.body).toBe(200);
    const res = await t.as(admin, { method: 'GET', url: `/api/audit?format=csv&request=${r.id}` });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(new RegExp(`^attachment; filename="medidrop-audit-request-${r.id}-[0-9TZ-]+\\.csv"$`));
    const bytes = res.rawPayload;
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.subarray(3).toString('utf8');
    const lines = text.split('\r\n');
    expect(lines[0]).toBe('id,time,user,role,action,subject,reason,details');
    expect(lines[lines.length - 1]).toBe(''); // every line ends in CRLF
    const rejectLine = lines.find((l) => l.includes('mission.reject'))!;
    // the reason: formula-guarded with a quote, then quoted because of its comma and quotes
    expect(rejectLine).toContain(`"'=HYPERLINK(""http://x"",""风太大, 返航"")"`);
    expect(rejectLine).toMatch(/^\d+,\d{4}-\d{2}-\d{2}T[^,]+Z,pilot\.zhao,pilot,mission\.reject,mission \d+,/);
    const createLine = lines.find((l) => l.includes('request.create'))!;
    // details as JSON, quoted (it holds commas and quotes)
    expect(createLine).toMatch(/,"\{.*""/);
    expect(lines.filter((l) => l !== '').map((l) => l.split(',')[4])).toEqual(['action', 'mission.reject', 'mission.plan', 'request.create']);
    // same filters as the JSON; a bad one is still a 400 in JSON
    const bad = await t.as(admin, { method: 'GET', url: '/api/audit?format=csv&from=soon' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.field).toBe('from');
  });

  it('csvCell: quotes what must be quoted, prefixes = + - @ (and tab / CR) with a single quote', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell(null)).toBe('');
    expect(csvCell(42)).toBe('42');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('=1+1')).toBe("'=1+1");
    expect(csvCell('+86 138')).toBe("'+86 138");
    expect(csvCell('-5')).toBe("'-5");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\t=1')).toBe("'\t=1");
    expect(csvCell('=a,b')).toBe(`"'=a,b"`);
    expect(csvCell('李警官')).toBe('李警官');
  });
});

const drone = (over: Record<string, unknown> = {}) => ({
  id: 'md-2',
  name: '二号机',
  profileId: 'police-quad',
  depot: 'East Police Station',
  connectionUrl: 'tcp://127.0.0.1:5762',
  sysid: 2,
  ...over,
});

describe('drones: add, edit, enable, disable', () => {
  it('adds a drone (checked against profiles, depots and the URL parser), edits, disables and enables it, all audited', async () => {
    const add = await t.as(admin, { method: 'POST', url: '/api/drones', payload: drone() });
    expect(add.statusCode, add.body).toBe(201);
    expect(add.json()).toMatchObject({ id: 'md-2', name: '二号机', status: 'idle', enabled: true, profile: { maxPayloadKg: 1.5 } });
    expect((await t.as(admin, { method: 'POST', url: '/api/drones', payload: drone() })).statusCode).toBe(409);
    for (const [over, field] of [
      [{ id: 'md-3', profileId: 'jumbo-jet' }, 'profileId'],
      [{ id: 'md-3', depot: 'Nowhere' }, 'depot'],
      [{ id: 'md-3', connectionUrl: 'tcp://127.0.0.1:99999' }, 'connectionUrl'],
      [{ id: 'md-3', connectionUrl: 'http://example.com' }, 'connectionUrl'],
      [{ id: 'md-3', sysid: 0 }, 'sysid'],
      [{ id: 'MD 3' }, 'id'],
    ] as const) {
      const res = await t.as(admin, { method: 'POST', url: '/api/drones', payload: drone(over) });
      expect(res.statusCode, JSON.stringify(over)).toBe(400);
      expect(res.json().error.field).toBe(field);
    }
    expect((await t.as(pilot, { method: 'POST', url: '/api/drones', payload: drone({ id: 'md-4' }) })).statusCode).toBe(403);

    const edit = await t.as(admin, {
      method: 'PATCH',
      url: '/api/drones/md-2',
      payload: { name: 'MD-2 二号', sysid: 12, connectionUrl: 'udpin://0.0.0.0:14560' },
    });
    expect(edit.statusCode, edit.body).toBe(200);
    expect(edit.json()).toMatchObject({ name: 'MD-2 二号', sysid: 12, connectionUrl: 'udpin://0.0.0.0:14560' });
    const off = await t.as(admin, { method: 'PATCH', url: '/api/drones/md-2', payload: { enabled: false } });
    expect(off.json()).toMatchObject({ enabled: false, status: 'disabled' });
    const on = await t.as(admin, { method: 'PATCH', url: '/api/drones/md-2', payload: { enabled: true } });
    expect(on.json()).toMatchObject({ enabled: true, status: 'idle' });
    const actions = t.parts.repos.audit
      .list({ limit: 50 })
      .filter((a) => a.subjectType === 'drone' && a.subjectId === 'md-2')
      .map((a) => a.action);
    expect(actions).toEqual(['drone.update', 'drone.update', 'drone.update', 'drone.create']);
  });

  it('a drone on an unfinished flight cannot be disabled or get another link (409 naming the flight); its name can change', async () => {
    const r = await queue();
    const flightId = await approve(r.missionId); // no flight starter: the flight stays 'approved', unfinished
    for (const payload of [{ enabled: false }, { connectionUrl: 'tcp://127.0.0.1:5770' }, { sysid: 9 }]) {
      const res = await t.as(admin, { method: 'PATCH', url: '/api/drones/md-1', payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(409);
      expect(res.json().error.message).toContain(`flight ${flightId}`);
    }
    const rename = await t.as(admin, { method: 'PATCH', url: '/api/drones/md-1', payload: { name: 'MD-1 一号' } });
    expect(rename.statusCode).toBe(200);
    expect(t.parts.repos.drones.byId('md-1')).toMatchObject({ enabled: true, connectionUrl: 'tcp://127.0.0.1:9', sysid: 1 });
    // and no second link to a drone that is flying
    const test = await t.as(admin, { method: 'POST', url: '/api/drones/md-1/link-test' });
    expect(test.statusCode).toBe(409);
    expect(test.json().error.message).toContain(`flight ${flightId}`);
  });
});

/** A TCP port nothing listens on (bound, then closed). */
async function deadPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('drone link test', () => {
  let emu: Emulator | null = null;
  afterEach(async () => {
    await emu?.stop();
    emu = null;
  });

  it('against an emulated ArduCopter: heartbeat, autopilot and type, the gripper parameter read; audited', async () => {
    emu = await startEmulator({ vehicles: [{ sysid: 7, home: { lat: 34.75, lon: 113.6, altM: 100 } }], readyAfterS: 3 });
    const url = `tcp://127.0.0.1:${emu.vehicles[0]!.tcpPort}`;
    expect((await t.as(admin, { method: 'POST', url: '/api/drones', payload: drone({ id: 'emu-7', sysid: 7, connectionUrl: url }) })).statusCode).toBe(201);
    const res = await t.as(admin, { method: 'POST', url: '/api/drones/emu-7/link-test', payload: {} });
    expect(res.statusCode, res.body).toBe(200);
    const r = res.json();
    expect(r).toMatchObject({
      droneId: 'emu-7',
      connectionUrl: url,
      heartbeat: true,
      sysid: 7,
      otherSysids: [],
      autopilot: 'ARDUPILOTMEGA',
      vehicleType: 'QUADROTOR',
      setupOk: true,
      problems: [],
      params: { GRIP_ENABLE: 1 }, // police-quad delivers by payload place: needs the gripper
      sharedLink: false,
    });
    expect(r.elapsedMs).toBeLessThan(15_000);
    const entry = t.parts.repos.audit.list({ limit: 5 }).find((a) => a.action === 'drone.link-test')!;
    expect(entry).toMatchObject({ actorId: admin.userId, subjectType: 'drone', subjectId: 'emu-7' });
    expect(entry.details).toMatchObject({ heartbeat: true, setupOk: true, connectionUrl: url });

    // the same link with the wrong sysid: no heartbeat from it, and the page is told which sysid answered
    expect((await t.as(admin, { method: 'PATCH', url: '/api/drones/emu-7', payload: { sysid: 8 } })).statusCode).toBe(200);
    const wrong = (await t.as(admin, { method: 'POST', url: '/api/drones/emu-7/link-test', payload: { timeoutS: 3 } })).json();
    expect(wrong).toMatchObject({ heartbeat: false, sysid: null, otherSysids: [7], setupOk: false });
    expect(wrong.problems[0]).toMatchObject({ code: 'no-heartbeat', params: { sysid: 8 } });
  }, 40_000);

  it('borrows the link the service keeps to the drone (no second connection) and leaves it open', async () => {
    emu = await startEmulator({ vehicles: [{ sysid: 5, home: { lat: 34.75, lon: 113.6, altM: 100 } }], readyAfterS: 3 });
    const url = `tcp://127.0.0.1:${emu.vehicles[0]!.tcpPort}`;
    const fleet = await makeTestApp({ starter: 'fleet' });
    try {
      const boss = await fleet.login('admin.chen');
      await fleet.as(boss, { method: 'PATCH', url: '/api/drones/md-1', payload: { connectionUrl: url, sysid: 5 } });
      await fleet.parts.flights.prepareDrones(); // as `medidrop serve` does at start
      for (let i = 0; i < 2; i++) {
        const r = (await fleet.as(boss, { method: 'POST', url: '/api/drones/md-1/link-test' })).json();
        expect(r, JSON.stringify(r)).toMatchObject({ heartbeat: true, sysid: 5, sharedLink: true, setupOk: true, autopilot: 'ARDUPILOTMEGA' });
      }
    } finally {
      await fleet.close();
    }
  }, 40_000);

  it('reads AUTOPILOT_VERSION.flight_sw_version as ArduPilot packs it (major.minor.patch, type)', () => {
    expect(firmwareVersion((4 << 24) | (6 << 16) | (3 << 8) | 255)).toBe('4.6.3');
    expect(firmwareVersion((4 << 24) | (7 << 16) | (0 << 8) | 0)).toBe('4.7.0-dev');
    expect(firmwareVersion((4 << 24) | (6 << 16) | (0 << 8) | 192)).toBe('4.6.0-rc');
  });

  it('against a dead port: a clear failure within the default bound (10 s), no crash', async () => {
    const port = await deadPort();
    await t.as(admin, { method: 'POST', url: '/api/drones', payload: drone({ id: 'dead-1', connectionUrl: `tcp://127.0.0.1:${port}` }) });
    const started = Date.now();
    const res = await t.as(admin, { method: 'POST', url: '/api/drones/dead-1/link-test' });
    const took = Date.now() - started;
    expect(res.statusCode, res.body).toBe(200);
    const r = res.json();
    expect(r).toMatchObject({ heartbeat: false, setupOk: false, sysid: null, autopilot: null, firmware: null });
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0].code).toBe('link-error');
    expect(r.problems[0].message).toContain(`127.0.0.1:${port}`);
    expect(r.problems[0].message).toMatch(/ECONNREFUSED|could not connect/);
    expect(took).toBeGreaterThan(9_000);
    expect(took).toBeLessThan(12_000);
    expect((await t.as(admin, { method: 'POST', url: '/api/drones/nope/link-test' })).statusCode).toBe(404);
    expect((await t.as(admin, { method: 'POST', url: '/api/drones/dead-1/link-test', payload: { timeoutS: 99 } })).json().error.field).toBe('timeoutS');
  }, 30_000);
});

describe('users: edit, reset password, disable', () => {
  const userId = (name: string) => t.parts.repos.users.byName(name)!.id;

  it('edits display name and role; audited with what changed', async () => {
    const id = userId('officer.wu');
    const res = await t.as(admin, { method: 'PATCH', url: `/api/users/${id}`, payload: { name: '吴芳 Wu Fang', role: 'pilot' } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ id, username: 'officer.wu', name: '吴芳 Wu Fang', role: 'pilot', disabled: false });
    const list = (await t.as(admin, { method: 'GET', url: '/api/users' })).json().users;
    expect(list.find((u: { id: number }) => u.id === id)).toMatchObject({ role: 'pilot', disabled: false });
    const entry = t.parts.repos.audit.list({ limit: 1 })[0]!;
    expect(entry).toMatchObject({ action: 'user.update', actorId: admin.userId, subjectId: String(id) });
    expect(entry.details.changed).toEqual({ name: { from: 'Wu Fang', to: '吴芳 Wu Fang' }, role: { from: 'officer', to: 'pilot' } });
    expect((await t.as(admin, { method: 'PATCH', url: `/api/users/${id}`, payload: { role: 'boss' } })).json().error.field).toBe('role');
    expect((await t.as(admin, { method: 'PATCH', url: `/api/users/${id}`, payload: {} })).statusCode).toBe(400);
    expect((await t.as(admin, { method: 'PATCH', url: '/api/users/999', payload: { name: 'x' } })).statusCode).toBe(404);
    expect((await t.as(pilot, { method: 'PATCH', url: `/api/users/${id}`, payload: { name: 'x' } })).statusCode).toBe(403);
  });

  it('reset password: the new one works, the old one does not, and the user’s sessions end', async () => {
    const id = officer.userId;
    expect((await t.as(officer, { method: 'GET', url: '/api/me' })).statusCode).toBe(200);
    const res = await t.as(admin, { method: 'POST', url: `/api/users/${id}/password`, payload: { password: 'a-new-password' } });
    expect(res.statusCode, res.body).toBe(200);
    expect((await t.as(officer, { method: 'GET', url: '/api/me' })).statusCode).toBe(401);
    await expect(t.login('officer.li')).rejects.toThrow(/401/);
    await t.login('officer.li', 'a-new-password');
    const entry = t.parts.repos.audit.list({ limit: 5 }).find((a) => a.action === 'user.password-reset')!;
    expect(entry.details).toEqual({ username: 'officer.li', sessionsEnded: 1 });
    expect(JSON.stringify(t.parts.repos.audit.list({ limit: 50 }))).not.toContain('a-new-password');
    expect((await t.as(admin, { method: 'POST', url: `/api/users/${id}/password`, payload: { password: 'short' } })).json().error.field).toBe('password');
  });

  it('a disabled user cannot log in and their sessions end; enabled again they can', async () => {
    const res = await t.as(admin, { method: 'PATCH', url: `/api/users/${pilot.userId}`, payload: { disabled: true } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().disabled).toBe(true);
    expect((await t.as(pilot, { method: 'GET', url: '/api/me' })).statusCode).toBe(401);
    const login = await t.app.inject({ method: 'POST', url: '/api/session', payload: { username: 'pilot.zhao', password: PASSWORD } });
    expect(login.statusCode).toBe(403);
    expect(login.json().error).toMatchObject({ code: 'forbidden', message: expect.stringContaining('disabled') });
    const actions = t.parts.repos.audit.list({ limit: 3 }).map((a) => a.action);
    expect(actions.slice(0, 2)).toEqual(['login.refused', 'user.disable']);
    // a wrong password still says only that: it does not reveal the account is disabled
    const wrong = await t.app.inject({ method: 'POST', url: '/api/session', payload: { username: 'pilot.zhao', password: 'nope-nope' } });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.message).not.toContain('disabled');

    expect((await t.as(admin, { method: 'PATCH', url: `/api/users/${pilot.userId}`, payload: { disabled: false } })).json().disabled).toBe(false);
    await t.login('pilot.zhao');
    expect(t.parts.repos.audit.list({ limit: 5 }).map((a) => a.action)).toContain('user.enable');
  });

  it('an admin cannot disable or demote themself, nor leave the service without an enabled admin (409 saying why)', async () => {
    for (const payload of [{ disabled: true }, { role: 'pilot' }]) {
      const res = await t.as(admin, { method: 'PATCH', url: `/api/users/${admin.userId}`, payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(409);
      expect(res.json().error.message).toContain('yourself');
    }
    // the admin may still change their own display name
    expect((await t.as(admin, { method: 'PATCH', url: `/api/users/${admin.userId}`, payload: { name: '陈杰' } })).statusCode).toBe(200);

    // a second admin may demote the first; then the second is the last one and cannot be demoted by anyone
    const second = await t.as(admin, { method: 'POST', url: '/api/users', payload: { username: 'admin.two', name: 'Two', password: PASSWORD, role: 'admin' } });
    expect(second.statusCode).toBe(201);
    const two = await t.login('admin.two');
    expect((await t.as(two, { method: 'PATCH', url: `/api/users/${admin.userId}`, payload: { disabled: true } })).statusCode).toBe(200);
    expect(t.parts.repos.users.countActive('admin')).toBe(1);
    const self = await t.as(two, { method: 'PATCH', url: `/api/users/${two.userId}`, payload: { role: 'officer' } });
    expect(self.statusCode).toBe(409);
    expect(t.parts.repos.users.byId(two.userId)!.role).toBe('admin');
  });
});
