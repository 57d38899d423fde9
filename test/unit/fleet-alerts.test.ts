import { describe, expect, it } from 'vitest';
import type { FlightContext } from '../../src/fleet/flight-state.js';
import { classifyStatusText, standingAlerts } from '../../src/fleet/alerts.js';
import type { DeliveryPlan } from '../../src/planner/types.js';
import { CORNER, HOME, ev, feed, leg, offset, referencePlan, toEnRoute } from './fleet-fixtures.js';

const ctx = (over: Partial<FlightContext> = {}): FlightContext => ({ plan: referencePlan(), ...over });
const airborne = () => [...toEnRoute(), ev.pos(3000, HOME, 15, 0), ev.cur(3100, 3)];

describe('alerts: link lost', () => {
  it('after the configured silence (clock tick), once; back when telemetry returns, same flight', () => {
    const c = ctx({ options: { linkSilenceMs: 3000 } });
    const run = feed(c, [
      ...airborne(),
      ev.pos(4000, offset(50, 0)),
      { type: 'tick', t: 6000 }, // 2 s silent: fine
      { type: 'tick', t: 7100 }, // 3.1 s: lost
      { type: 'tick', t: 8000 }, // still lost: no repeat
      ev.pos(9000, offset(120, 0)),
    ]);
    expect(run.alerts.map((a) => [a.kind, a.active, a.t])).toEqual([
      ['link-lost', true, 7100],
      ['link-lost', false, 9000],
    ]);
    expect(run.alerts[0]!.severity).toBe('critical');
    expect(run.alerts[0]!.message).toMatch(/silent for 3\.1 s.*failsafe/);
    expect(run.state.status).toBe('en-route');
    expect(run.state.vehicle.linkUp).toBe(true);
  });

  it('from the link layer (link event down/up)', () => {
    const run = feed(ctx(), [...airborne(), ev.link(5000, false), ev.link(9000, true)]);
    expect(run.alerts.map((a) => [a.kind, a.active])).toEqual([
      ['link-lost', true],
      ['link-lost', false],
    ]);
  });

  it("ignores the link layer's 'lost' while telemetry still arrives (heartbeats late, position flowing)", () => {
    const run = feed(ctx(), [...airborne(), ev.pos(4000, offset(30, 0)), ev.link(4300, false), ev.pos(4400, offset(35, 0))]);
    expect(run.alerts).toEqual([]);
  });

  it('silence below the limit raises nothing', () => {
    const run = feed(ctx(), [...airborne(), { type: 'tick', t: 3100 + 4900 }]);
    expect(run.alerts).toEqual([]);
  });
});

describe('alerts: battery below the planned margin', () => {
  // planned use 60 % of the battery, margin 40 % left, reserve 20 → spare 20 points
  const dp = { marginPct: 40, outbound: [], inbound: [], durationS: 0, distanceM: 0 } as unknown as DeliveryPlan;

  it('fires when the battery is behind the plan by more than the spare', () => {
    const c = ctx({ deliveryPlan: dp });
    // at the corner the plan expects 100 − 60 × progress; progress counts the whole flight, the 30 m
    // climb and the 30 m landing too: (30 + 300) / (30 + 900 + 30) → 79.4 %
    const ok = feed(c, [...airborne(), ...leg(HOME, CORNER, 3, 3100, 1000), ev.batt(6200, 65)]);
    expect(ok.alerts).toEqual([]);
    const low = feed(c, [...airborne(), ...leg(HOME, CORNER, 3, 3100, 1000), ev.batt(6200, 55)]);
    expect(low.alerts.map((a) => a.kind)).toEqual(['battery-below-margin']);
    expect(low.alerts[0]!.data).toMatchObject({ remainingPct: 55, sparePct: 20 });
    expect(low.alerts[0]!.data!.deficitPct).toBeCloseTo(100 - (60 * 330) / 960 - 55, 0);
  });

  it('uses an explicit energy expectation when given, and fires once', () => {
    const c = ctx({ energy: { plannedUsePct: 50, sparePct: 10 } });
    const run = feed(c, [...airborne(), ev.batt(4000, 85), ev.batt(5000, 84), ev.batt(6000, 80)]);
    expect(run.alerts.map((a) => a.kind)).toEqual(['battery-below-margin']);
  });

  it('stays quiet without an energy expectation (nothing to compare with)', () => {
    const run = feed(ctx(), [...airborne(), ev.batt(4000, 30)]);
    expect(run.alerts).toEqual([]);
  });
});

describe('alerts: off the planned route', () => {
  it('fires above the cross-track limit and clears when back', () => {
    const c = ctx({ options: { offRouteM: 30 } });
    const run = feed(c, [
      ...airborne(),
      ev.pos(4000, offset(100, 10)),
      ev.pos(5000, offset(150, 45)),
      ev.pos(6000, offset(200, 50)),
      ev.pos(7000, offset(250, 5)),
    ]);
    expect(run.alerts.map((a) => [a.kind, a.active])).toEqual([
      ['off-route', true],
      ['off-route', false],
    ]);
    expect(run.alerts[0]!.data).toMatchObject({ offRouteM: 45, limitM: 30 });
    expect(run.state.progress.offRouteM).toBeCloseTo(5, 0);
  });
});

describe('alerts: fence breach and modes', () => {
  it("'Polygon fence breached' then RTL: a fence alert, returning, and no 'unexpected mode'", () => {
    const run = feed(ctx(), [...airborne(), ev.text(5000, 'Polygon fence breached', 2), ev.hb(5100, 6, true), ev.text(9000, 'Fence breach cleared')]);
    expect(run.alerts.map((a) => [a.kind, a.active])).toEqual([
      ['fence-breach', true],
      ['fence-breach', false],
    ]);
    expect(run.transitions.at(-1)).toEqual({ from: 'en-route', to: 'returning', t: 5100, cause: 'HEARTBEAT mode RTL (fence breach)' });
  });

  it('an RTL nobody asked for → unexpected mode, returning', () => {
    const run = feed(ctx(), [...airborne(), ev.hb(5100, 6, true)]);
    expect(run.alerts.map((a) => a.kind)).toEqual(['unexpected-mode']);
    expect(run.transitions.at(-1)!.cause).toBe('HEARTBEAT mode RTL (not requested)');
  });

  it('LOITER from the RC while en route → unexpected mode; a requested BRAKE (pause) is not', () => {
    const rc = feed(ctx(), [...airborne(), ev.hb(5000, 5, true)]);
    expect(rc.alerts.map((a) => [a.kind, a.data])).toEqual([['unexpected-mode', { from: 'AUTO', to: 'LOITER' }]]);
    const paused = feed(ctx(), [
      ...airborne(),
      { type: 'mode-requested', t: 4900, mode: 17 },
      { type: 'pause', t: 4950, by: 'pilot-li' },
      ev.hb(5000, 17, true),
    ]);
    expect(paused.alerts).toEqual([]);
    expect(paused.state.paused).toEqual({ by: 'pilot-li', t: 4950 });
  });

  it('failsafe STATUSTEXTs in flight are critical alerts', () => {
    const texts = ['Battery Failsafe', 'Radio Failsafe', 'EKF Failsafe', 'GPS Glitch', 'GCS Failsafe On', 'EKF variance'];
    const run = feed(ctx(), [...airborne(), ...texts.map((t, i) => ev.text(5000 + i, t, 2))]);
    expect(run.alerts.map((a) => a.data?.what)).toEqual(['battery', 'radio', 'ekf', 'gps', 'gcs', 'ekf']);
    expect(run.alerts.every((a) => a.kind === 'failsafe' && a.severity === 'critical')).toBe(true);
  });
});

describe('classifyStatusText', () => {
  it('knows the ArduCopter texts and ignores the rest', () => {
    expect(classifyStatusText('Polygon fence breached')?.kind).toBe('fence-breach');
    expect(classifyStatusText('Fence breach cleared')?.kind).toBe('fence-cleared');
    expect(classifyStatusText('Battery Failsafe')).toMatchObject({ kind: 'failsafe', what: 'battery' });
    expect(classifyStatusText('Arm: Need Position Estimate')?.kind).toBe('arm-refused');
    // A pre-arm check that mentions the battery is a refusal to arm, not a battery failsafe.
    expect(classifyStatusText('PreArm: Battery 1 low voltage failsafe')?.kind).toBe('arm-refused');
    expect(classifyStatusText('PreArm: Battery 1 low')?.kind).toBe('arm-refused');
    expect(classifyStatusText('Mission: 3 WP')).toBeNull();
    expect(classifyStatusText('Flight plan received')).toBeNull();
    expect(classifyStatusText('EKF3 IMU0 is using GPS')).toBeNull();
  });
});

describe('standingAlerts: what still stands for the pilot card', () => {
  const a = (kind: string, code: string, severity: 'info' | 'warning' | 'critical', at: number) => ({ kind, code, severity, at });
  it('a latched condition until its end; the latest of each kind; other warnings stay; info never', () => {
    const history = [
      a('off-route', 'off-route', 'warning', 1),
      a('link-lost', 'link-lost', 'critical', 2),
      a('failsafe', 'failsafe', 'critical', 3),
      a('off-route', 'back-on-route', 'info', 4),
      a('link-lost', 'link-back', 'info', 5),
      a('fence-breach', 'fence-breach', 'critical', 6),
      a('fence-breach', 'fence-breach-rtl', 'critical', 7),
      a('link-lost', 'link-unreachable', 'critical', 8),
      a('failsafe', 'failsafe', 'critical', 9),
      a('battery-below-margin', 'battery-below-margin', 'critical', 10),
    ];
    expect(standingAlerts(history).map((x) => [x.code, x.at])).toEqual([
      ['fence-breach-rtl', 7],
      ['link-unreachable', 8],
      ['failsafe', 9],
      ['battery-below-margin', 10],
    ]);
    expect(standingAlerts([...history, a('fence-breach', 'fence-cleared', 'info', 11), a('link-lost', 'link-back', 'info', 12)]).map((x) => x.code)).toEqual([
      'failsafe',
      'battery-below-margin',
    ]);
  });
  it('an alert stored before alerts had codes counts by its kind', () => {
    expect(standingAlerts([{ kind: 'off-route', code: null, severity: 'warning' as const }]).map((x) => x.kind)).toEqual(['off-route']);
    expect(standingAlerts([])).toEqual([]);
  });
});
