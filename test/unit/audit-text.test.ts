/**
 * Audit entries in words (issue 11): each action's details as catalogue codes with their numbers,
 * the service's own reasons as codes, typed reasons marked as typed; the CSV's readable columns in
 * the language asked for, the stored columns unchanged.
 */
import { describe, expect, it } from 'vitest';
import type { AuditEntryView } from '../../src/web/api-types.js';
import { auditCsv, auditWords } from '../../src/web/audit-csv.js';
import { describeAudit } from '../../src/web/audit-text.js';
import { catalogue } from '../../src/web/catalogue.js';

const entry = (action: string, reason: string | null, details: Record<string, unknown>): AuditEntryView => ({
  id: 7,
  at: '2026-12-03T08:00:00.000Z',
  actor: null,
  action,
  subject: { type: 'request', id: '3' },
  reason,
  details,
  ...(({ parts, reason: r }) => ({ summary: parts, reasonText: r }))(describeAudit({ action, reason, details })),
});

const zh = catalogue('zh-CN');
const en = catalogue('en');

describe('audit entries in words', () => {
  it('a plan: mission, drone and depot (the depot in the reader’s half of its name), margin; the cause as a code', () => {
    const e = entry('mission.plan', 'zone map v4', {
      missionId: 12,
      requestVersion: 1,
      droneId: 'XN-01',
      depot: 'North depot 北站',
      marginPct: 41.6,
      reasons: [],
    });
    expect(e.reasonText).toEqual({ from: 'service', code: 'plan-zone-map', params: { version: 4 } });
    expect(auditWords(e, zh)).toEqual({
      action: zh.get('audit.action.mission.plan'),
      reason: '区域地图 v4',
      summary: '任务 #12；无人机 XN-01，从北站起飞；电量余量 42%',
    });
    expect(auditWords(e, en).summary).toBe('mission #12; drone XN-01 from North depot; battery margin 42 %');
  });

  it('no flyable plan: the planner reasons by name, once each', () => {
    const e = entry('mission.plan-infeasible', 'new request', {
      missionId: 3,
      droneId: 'XN-01',
      depot: 'A',
      marginPct: -5,
      reasons: ['too-heavy', 'too-heavy', 'unreachable'],
    });
    const words = auditWords(e, zh);
    expect(words.reason).toBe('新申请');
    expect(words.summary).toContain(`无法执行的原因：${zh.get('reason.too-heavy')}、${zh.get('reason.unreachable')}`);
    expect(words.summary).not.toMatch(/[A-Za-z]{3,}/);
    expect(e.summary.find((p) => p.code === 'reasons')!.params.reasons).toEqual(['too-heavy', 'unreachable']);
  });

  it('a user change: role from and to in words; what a person typed stays as typed', () => {
    const e = entry('user.update', null, { username: 'officer.li', changed: { role: { from: 'officer', to: 'pilot' } }, sessionsEnded: 2 });
    expect(auditWords(e, zh).summary).toBe(
      `用户 officer.li；${zh.get('fieldName.role')}：${zh.get('role.officer')} → ${zh.get('role.pilot')}；结束 2 个登录会话`,
    );
    const rej = entry('mission.reject', '风太大', {});
    expect(rej.reasonText).toEqual({ from: 'user', code: null, params: {} });
    expect(auditWords(rej, en).reason).toBe('风太大');
  });

  it('an abort without a typed reason is the service’s words; with one, the pilot’s', () => {
    expect(describeAudit({ action: 'flight.aborted', reason: 'aborted by pilot.zhao', details: { by: 'pilot.zhao' } }).reason).toMatchObject({
      from: 'service',
      code: 'aborted-by',
      params: { by: 'pilot.zhao' },
    });
    expect(describeAudit({ action: 'flight.aborted', reason: '有鸟群', details: {} }).reason?.from).toBe('user');
    expect(describeAudit({ action: 'request.delivered', reason: 'Gripper: released', details: { flightId: 2, distanceM: 1.2 } }).reason?.from).toBe('vehicle');
  });

  it('a drone change: each field by its name; flags as yes / no', () => {
    const e = entry('drone.update', null, { enabled: false, turnaroundS: 300 });
    expect(auditWords(e, en).summary).toBe(`${en.get('fieldName.enabled')}: no; ${en.get('fieldName.turnaroundS')}: 300`);
  });

  it('every detail code and service reason the describer can give has a sentence in both catalogues', () => {
    const samples: [string, string | null, Record<string, unknown>][] = [
      ['login', null, { ip: '10.0.0.1' }],
      ['user.create', 'demo user', { username: 'a', role: 'pilot' }],
      ['user.password-reset', null, { username: 'a', sessionsEnded: 1 }],
      ['drone.link-test', null, { heartbeat: true, setupOk: false, firmware: 'ArduCopter V4.7.0', problems: ['param-wrong'] }],
      ['drone.link-test', null, { heartbeat: false, problems: ['no-heartbeat'] }],
      ['request.create', null, { urgency: 'urgent', dropPoint: [36.6, 101.7], medicine: 'x', weightKg: 1 }],
      ['request.create', null, { urgency: 'urgent', dropPoint: 'P', medicine: 'x', weightKg: 1 }],
      ['request.update', 'request edited', { fields: ['medicine'], version: 2, previousVersion: 1, supersededMissionId: 4 }],
      ['request.cancel', 'no longer needed', { version: 1, supersededMissionId: 4 }],
      ['request.delivered', 'released', { flightId: 1, distanceM: 2 }],
      ['request.requeue', 'flight 3 declared lost; back in the queue', {}],
      ['request.requeue', 'flight 3 found landed and disarmed after a restart; release not confirmed; back in the queue', {}],
      ['mission.reassign', 'pilot pilot.zhao chose drone XN-02', { missionId: 1, droneId: 'XN-02', depot: 'A', marginPct: 30, reasons: [] }],
      ['mission.approve', null, { flightId: 1, droneId: 'XN-01', checklist: ['a', 'b'] }],
      ['flight.declare-lost', 'gone', { droneId: 'XN-01', lastKnownLocation: 'river', stateBefore: 'en-route' }],
      ['drone.recovered', 'found', { flights: [1, 2] }],
      ['zone-map.update', null, { name: 'Town 镇', crs: 'gcj02', areas: 1, noFly: 2, depots: 1, dropPoints: 3 }],
      ['login.refused', 'account disabled', { ip: '1.2.3.4' }],
      ['handover.confirm', 'recipient entered the hand-over code', {}],
      ['mission.plan', 'drone XN-01 is in-flight', { missionId: 1 }],
      ['mission.plan', 'drone XN-01 is available', { missionId: 1 }],
      ['mission.plan', 'drone XN-01 has a fresh battery', { missionId: 1 }],
      ['mission.plan', 'request 4 planned ahead on drone XN-01', { missionId: 1 }],
      ['mission.plan', 'drone XN-01 added', {}],
      ['mission.plan', 'drone XN-01 changed', {}],
      ['mission.plan', 'drone XN-01 recovered', {}],
      ['mission.plan', 'zone map changed while planned', {}],
      ['mission.plan', 'planned after restart', {}],
      ['mission.plan', 'demo drones started', {}],
      ['something.new', null, { a: 1 }],
    ];
    for (const [action, reason, details] of samples) {
      const d = describeAudit({ action, reason, details });
      for (const c of [zh, en]) {
        for (const p of d.parts) expect(c.get(`auditDetail.${p.code}`), `${c.lang} auditDetail.${p.code}`).toBeDefined();
        if (d.reason?.code) expect(c.get(`auditReason.${d.reason.code}`), `${c.lang} auditReason.${d.reason.code}`).toBeDefined();
        if (action !== 'something.new') expect(c.get(`audit.action.${action}`), `${c.lang} audit.action.${action}`).toBeDefined();
        const words = auditWords(entry(action, reason, details), c);
        // nothing left unfilled
        expect(`${words.reason} ${words.summary}`, `${c.lang} ${action}`).not.toMatch(/\{\w+\}/);
      }
      if (reason && !['mission.reject', 'request.cancel', 'flight.declare-lost', 'drone.recovered', 'request.delivered'].includes(action)) {
        expect(d.reason?.code, `${action}: '${reason}' is the service's own text`).not.toBeNull();
      }
    }
  });
});

describe('audit CSV', () => {
  it('keeps the stored columns first; with a language adds action, reason and details in words', () => {
    const e = entry('request.update', 'request edited', { fields: ['medicine', 'weightKg'], version: 2, previousVersion: 1, supersededMissionId: null });
    const plain = auditCsv([e]).split('\r\n');
    expect(plain[0]).toBe('\uFEFFid,time,user,role,action,subject,reason,details');
    const words = auditCsv([e], zh).split('\r\n');
    expect(words[0]).toBe('\uFEFFid,time,user,role,action,subject,reason,details,action_text,reason_text,summary');
    expect(words[1]).toMatch(
      new RegExp(String.raw`,request\.update,request 3,request edited,"\{.*\}",${zh.get('audit.action.request.update')},申请已修改,"?版本 1 → 2；修改了：`),
    );
    expect(words[1]).toContain(`${zh.get('fieldName.medicine')}、${zh.get('fieldName.weightKg')}`);
  });
});

describe('why a flight ended or a request was refused, as codes', () => {
  it('the service’s and the fleet’s reasons become codes; what a person typed and what the vehicle said stay apart', async () => {
    const { outcomeText } = await import('../../src/web/outcome-text.js');
    const { FOUND_ON_GROUND_REASON } = await import('../../src/domain/words.js');
    expect(outcomeText('aborted by pilot: 有鸟群')).toEqual({ code: 'aborted-by-because', params: { by: 'pilot', typed: '有鸟群' } });
    expect(outcomeText('aborted by pilot')).toEqual({ code: 'aborted-by', params: { by: 'pilot' } });
    expect(outcomeText('arming failed: PreArm: Need Position Estimate')).toEqual({
      code: 'arming-failed',
      params: { vehicle: 'PreArm: Need Position Estimate' },
    });
    expect(outcomeText('delivered, but landed 240 m from the depot')).toEqual({ code: 'landed-away', params: { distanceM: 240 } });
    expect(outcomeText(FOUND_ON_GROUND_REASON)?.code).toBe('found-on-ground');
    // why a re-attached flight has no link (src/dispatch/fleet-starter.ts)
    expect(outcomeText('vehicle sysid 3 not heard at tcp://127.0.0.1:5760 within 3 s of re-attaching')).toEqual({
      code: 'link-not-heard',
      params: { sysid: 3, url: 'tcp://127.0.0.1:5760', silenceS: 3 },
    });
    expect(outcomeText('vehicle sysid 3 not reachable at udp://0.0.0.0:14550: connect ECONNREFUSED')).toEqual({
      code: 'link-not-reachable',
      params: { sysid: 3, url: 'udp://0.0.0.0:14550', vehicle: 'connect ECONNREFUSED' },
    });
    // a rejection's or a cancellation's reason is what the person typed, unless the service wrote it
    expect(outcomeText('风太大', true)).toEqual({ code: 'typed', params: { typed: '风太大' } });
    expect(outcomeText('cancelled by the officer', true)?.code).toBe('cancelled');
    // a text it does not know: no code (the pages show it to English readers only)
    expect(outcomeText('something new')).toEqual({ code: null, params: {} });
    expect(outcomeText(null)).toBeNull();
    // every code has a sentence in both catalogues
    const source = (await import('node:fs')).readFileSync('src/web/outcome-text.ts', 'utf8');
    const codes = [...source.matchAll(/code: '([a-z-]+)'/g)].map((m) => m[1]!).filter((c) => c !== 'typed');
    expect(codes.length).toBeGreaterThan(15);
    for (const c of [zh, en]) expect(codes.filter((code) => c.get(`outcome.${code}`) === undefined)).toEqual([]);
  });
});
