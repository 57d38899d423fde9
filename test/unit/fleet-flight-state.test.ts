import { describe, expect, it } from 'vitest';
import { initialFlightState, reduceFlight, deliveryPhase, type FlightContext } from '../../src/fleet/flight-state.js';
import { CORNER, DROP, HOME, SYSID, ev, feed, leg, offset, payloadPlaceFlight, referencePlan, toEnRoute } from './fleet-fixtures.js';

const ctx = (over: Partial<FlightContext> = {}): FlightContext => ({ plan: referencePlan(), ...over });

describe('flight state machine: the happy path (payload-place)', () => {
  const c = ctx();
  const run = feed(c, [...toEnRoute(), ...payloadPlaceFlight()]);

  it('goes through every state in order, ending completed', () => {
    expect(run.transitions.map((t) => t.to)).toEqual(['uploading', 'uploaded', 'arming', 'en-route', 'delivering', 'returning', 'landed', 'completed']);
    expect(run.state.status).toBe('completed');
    expect(run.state.reason).toBeNull();
  });

  it('gives every transition a time and a telemetry cause', () => {
    const by = Object.fromEntries(run.transitions.map((t) => [t.to, t]));
    expect(by['en-route']).toMatchObject({ from: 'arming', t: 2000, cause: 'HEARTBEAT armed, mode AUTO' });
    expect(by['delivering']).toMatchObject({ from: 'en-route', t: 3000 + 17_000, cause: 'MISSION_CURRENT seq 6' });
    expect(by['returning']).toMatchObject({ from: 'delivering', t: 3000 + 23_000, cause: 'MISSION_ITEM_REACHED seq 6' });
    expect(by['landed']).toMatchObject({ from: 'returning', t: 3000 + 45_400, cause: 'HEARTBEAT disarmed' });
    expect(by['completed']!.cause).toMatch(/^landed 0\.\d m from home after delivery$/);
    for (const t of run.transitions) expect(typeof t.t).toBe('number');
  });

  it('confirms the delivery with the release position and time', () => {
    const d = run.state.delivery;
    expect(d.delivered).toBe(true);
    expect(d.release).toMatchObject({ t: 3000 + 20_100, text: 'PayloadPlace: Releasing the gripper', seq: 6 });
    expect(d.release!.distanceM).toBeLessThan(0.1);
    expect(d.deliveredAt).toBe(3000 + 23_000);
  });

  it('raises no alert on a flight that went to plan', () => {
    expect(run.alerts).toEqual([]);
  });

  it('reports progress along the planned path and an ETA', () => {
    expect(run.state.progress.fraction).toBe(1);
    const mid = feed(c, [...toEnRoute(), ...payloadPlaceFlight().slice(0, 9)]);
    // 3 + 5 of 10 steps to the corner: 160 m of 900 m planned (300 + 150 out, 150 + 300 back)
    expect(mid.state.status).toBe('en-route');
    expect(mid.state.progress.totalM).toBeCloseTo(900, -1);
    expect(mid.state.progress.alongM).toBeGreaterThan(150);
    expect(mid.state.progress.alongM).toBeLessThan(200);
    // 450 m − along to the drop at 10 m/s
    expect(mid.state.progress.etaDropS).toBeCloseTo((450 - mid.state.progress.alongM) / 10, 0);
  });

  it('counts the climb and the landing: over the depot at cruise height is not 100 %, and home is on the ground', () => {
    const all = payloadPlaceFlight();
    const overHome = all.filter((e) => e.t <= 3000 + 40_200);
    const above = feed(c, [...toEnRoute(), ...overHome, ev.pos(3000 + 40_500, HOME, 30, 0)]);
    expect(above.state.status).toBe('returning');
    expect(above.state.progress.fraction).toBeLessThan(0.99);
    // the 30 m descent is still to fly: 20 m at 1.5 m/s, 10 m at 0.5 m/s (ArduCopter's defaults)
    expect(above.state.progress.etaHomeS).toBeCloseTo(20 / 1.5 + 10 / 0.5, 0);
    const lower = feed(c, [...toEnRoute(), ...overHome, ev.pos(3000 + 40_500, HOME, 30, 0), ev.pos(3000 + 44_000, HOME, 5, 0)]);
    expect(lower.state.progress.fraction).toBeGreaterThan(above.state.progress.fraction);
    expect(lower.state.progress.fraction).toBeLessThan(1);
    expect(lower.state.progress.etaHomeS).toBeCloseTo(10, 0);
    // climbing at the depot: some progress, not yet on the way
    const climbing = feed(c, [...toEnRoute(), ev.pos(2500, HOME, 10, 0)]);
    expect(climbing.state.progress.fraction).toBeGreaterThan(0);
    expect(climbing.state.progress.alongM).toBe(0);
  });

  it('keeps the ETA sane while hovering (uses the planned speed, not 0 m/s)', () => {
    const hover = feed(c, [...toEnRoute(), ev.pos(3000, CORNER, 30, 0)]);
    expect(Number.isFinite(hover.state.progress.etaHomeS)).toBe(true);
    expect(hover.state.progress.etaHomeS).toBeGreaterThan(0);
  });

  it('is pure: the input state is not modified', () => {
    const s0 = initialFlightState(SYSID, c, 0);
    const frozen = JSON.stringify(s0);
    reduceFlight(s0, { type: 'upload-started', t: 1 }, c);
    expect(JSON.stringify(s0)).toBe(frozen);
  });
});

describe('flight state machine: other delivery methods', () => {
  it('winch: delivering from the loiter before the DO_GRIPPER, returning after the release', () => {
    const plan = referencePlan('winch');
    expect(plan.delivery.seq).toBe(8);
    expect(deliveryPhase(plan)).toEqual({ navDelivery: false, startNav: 7, nextNav: 9 });
    const run = feed({ plan }, [
      ...toEnRoute(),
      ev.pos(3000, HOME, 15, 0),
      ev.cur(3100, 3),
      ...leg(HOME, CORNER, 5, 3100, 1000),
      ev.cur(8200, 4),
      ...leg(CORNER, DROP, 3, 8200, 1000),
      ev.cur(11_300, 5),
      ev.pos(12_000, DROP, 8, 0),
      ev.cur(13_000, 7),
      ev.pos(29_900, DROP, 8, 0),
      ev.cur(30_000, 9),
      ev.text(30_050, 'Gripper load released'),
      ev.cur(40_000, 10),
      ...leg(DROP, CORNER, 3, 40_000, 1000),
      ev.cur(43_100, 12),
      ...leg(CORNER, HOME, 5, 43_100, 1000),
      ev.cur(48_200, 13),
      ev.pos(50_000, HOME, 0, 0),
      ev.hb(50_100, 3, false),
    ]);
    const tr = Object.fromEntries(run.transitions.map((t) => [t.to, t.cause]));
    expect(tr['delivering']).toBe('MISSION_CURRENT seq 7');
    expect(tr['returning']).toBe("STATUSTEXT 'Gripper load released'");
    expect(run.state.delivery.delivered).toBe(true);
    expect(run.state.status).toBe('completed');
  });

  it('land-release: the touchdown and disarm at the drop point are not the landing', () => {
    const plan = referencePlan('land-release');
    const run = feed({ plan }, [
      ...toEnRoute(),
      ev.pos(3000, HOME, 15, 0),
      ev.cur(3100, 3),
      ...leg(HOME, CORNER, 5, 3100, 1000),
      ev.cur(8200, 4),
      ...leg(CORNER, DROP, 3, 8200, 1000),
      ev.cur(11_300, 5),
      ev.cur(12_000, 6),
      ev.pos(15_000, DROP, 0, 0),
      ev.landed(15_100, 1),
      ev.hb(15_200, 3, false),
      ev.text(15_300, 'Gripper load released'),
      ev.cur(15_300, 8),
      ev.hb(16_000, 3, true),
      ev.cur(20_000, 9),
      ...leg(DROP, HOME, 5, 20_000, 1000),
      ev.cur(26_000, 12),
      ev.pos(27_000, HOME, 0, 0),
      ev.hb(27_100, 3, false),
    ]);
    expect(run.transitions.map((t) => t.to)).toEqual(['uploading', 'uploaded', 'arming', 'en-route', 'delivering', 'returning', 'landed', 'completed']);
    expect(run.state.delivery.delivered).toBe(true);
  });
});

describe('flight state machine: failures and aborts', () => {
  it('upload failure → failed with the reason and an alert', () => {
    const run = feed(ctx(), [
      { type: 'upload-started', t: 1 },
      { type: 'upload-failed', t: 2, message: 'no-space: Only 650 items are supported' },
    ]);
    expect(run.state.status).toBe('failed');
    expect(run.state.reason).toBe('upload failed: no-space: Only 650 items are supported');
    expect(run.alerts.map((a) => a.kind)).toEqual(['upload-failed']);
  });

  it('vehicle configuration check failed after upload → failed with every problem and one critical alert; ignored once flying', () => {
    const problems = ['the vehicle has no winch configured (WINCH_TYPE = 0): ArduCopter would ignore DO_WINCH and the gripper would drop the parcel from 20 m'];
    const run = feed(ctx({ plan: referencePlan('winch') }), [
      { type: 'upload-started', t: 1 },
      { type: 'upload-finished', t: 2 },
      { type: 'vehicle-check-failed', t: 3, problems },
    ]);
    expect(run.state.status).toBe('failed');
    expect(run.state.reason).toBe(`vehicle configuration check failed: ${problems[0]}`);
    expect(run.transitions.at(-1)).toMatchObject({ from: 'uploaded', to: 'failed', t: 3, cause: 'vehicle configuration check failed' });
    expect(run.alerts).toMatchObject([{ kind: 'vehicle-config', severity: 'critical', active: true, message: `Not flown: ${problems[0]}` }]);

    const flying = feed(ctx(), [...toEnRoute(), { type: 'vehicle-check-failed', t: 10_000, problems }]);
    expect(flying.state.status).toBe('en-route');
    expect(flying.alerts).toEqual([]);
  });

  it("arming refused until the deadline → failed with the vehicle's reason; arm STATUSTEXTs are alerts", () => {
    const run = feed(ctx(), [
      { type: 'upload-started', t: 1 },
      { type: 'upload-finished', t: 2 },
      { type: 'arm-requested', t: 3 },
      ev.text(4, 'Arm: Need Position Estimate'),
      // ArduCopter repeats the reason on every attempt (once a second): one alert per reason.
      ev.text(5, 'Arm: Need Position Estimate'),
      ev.text(6, 'Arm: Need Position Estimate'),
      { type: 'arm-failed', t: 30_000, message: 'not armed within 30 s: Arm: Need Position Estimate' },
    ]);
    expect(run.state.status).toBe('failed');
    expect(run.state.reason).toBe('arming failed: not armed within 30 s: Arm: Need Position Estimate');
    expect(run.alerts.map((a) => a.kind)).toEqual(['arm-refused']);
  });

  it('disarm before the mission starts (DISARM_DELAY) → failed', () => {
    const run = feed(ctx(), [
      { type: 'upload-started', t: 1 },
      { type: 'upload-finished', t: 2 },
      { type: 'arm-requested', t: 3 },
      ev.hb(4, 4, true),
      ev.hb(14_000, 4, false),
    ]);
    expect(run.state.status).toBe('failed');
    expect(run.state.reason).toMatch(/disarmed before the mission started/);
  });

  it('abort on the ground → aborted at once, with who', () => {
    const run = feed(ctx(), [
      { type: 'upload-started', t: 1 },
      { type: 'upload-finished', t: 2 },
      { type: 'abort', t: 5, by: 'pilot-li', reason: 'wind' },
    ]);
    expect(run.transitions.at(-1)).toEqual({ from: 'uploaded', to: 'aborted', t: 5, cause: 'abort by pilot-li' });
    expect(run.state.abort).toEqual({ by: 'pilot-li', t: 5, reason: 'wind' });
    expect(run.state.reason).toBe('aborted by pilot-li: wind');
  });

  it('abort in the air → returning (RTL), then aborted on landing; our RTL is not "unexpected"', () => {
    const run = feed(ctx(), [
      ...toEnRoute(),
      ev.pos(3000, HOME, 15, 0),
      ev.cur(3100, 3),
      ...leg(HOME, CORNER, 5, 3100, 1000),
      { type: 'abort', t: 9000, by: 'pilot-li' },
      { type: 'mode-requested', t: 9000, mode: 6 },
      ev.hb(9100, 6, true),
      ...leg(CORNER, HOME, 5, 9100, 1000),
      ev.pos(15_000, HOME, 0, 0),
      ev.hb(15_100, 6, false),
    ]);
    expect(run.transitions.slice(-3)).toEqual([
      { from: 'en-route', to: 'returning', t: 9000, cause: 'abort by pilot-li' },
      { from: 'returning', to: 'landed', t: 15_100, cause: 'HEARTBEAT disarmed' },
      { from: 'landed', to: 'aborted', t: 15_100, cause: 'landed after abort by pilot-li' },
    ]);
    expect(run.alerts).toEqual([]);
    // Home again, but the route to the drop point was never flown: the bar must not read 100 %.
    expect(run.state.progress.fraction).toBeGreaterThan(0);
    expect(run.state.progress.fraction).toBeLessThan(0.5);
    expect(run.state.progress.etaHomeS).toBe(0);
  });

  it('a release far from the drop point is recorded but not delivered; landing then fails the flight', () => {
    const far = offset(300, 170); // 20 m east of the drop point
    const run = feed(ctx(), [...toEnRoute(), ...payloadPlaceFlight(3000, far)]);
    expect(run.state.delivery.delivered).toBe(false);
    expect(run.state.delivery.release!.distanceM).toBeCloseTo(20, 0);
    expect(run.state.delivery.reason).toMatch(/released 20\.\d m from the drop point \(tolerance 3 m\)/);
    expect(run.alerts.map((a) => a.kind)).toContain('release-off-target');
    expect(run.state.status).toBe('failed');
    expect(run.state.reason).toMatch(/landed without a confirmed delivery: released 20/);
  });

  it('no release (no ground within the descent limit) → not-released alert, returning, failed on landing', () => {
    const flight = payloadPlaceFlight().filter((e) => e.type !== 'statustext' || !/releas/i.test(e.text));
    const run = feed(ctx(), [...toEnRoute(), ...flight]);
    expect(run.alerts.map((a) => a.kind)).toContain('not-released');
    expect(run.transitions.find((t) => t.to === 'returning')!.cause).toBe('MISSION_CURRENT seq 7');
    expect(run.state.status).toBe('failed');
  });

  it('delivered but landed away from the depot → failed, landed-away alert', () => {
    const flight = payloadPlaceFlight();
    const away = offset(100, 0);
    const cut = flight.findIndex((e) => e.type === 'mission-current' && e.seq === 9);
    const run = feed(ctx(), [...toEnRoute(), ...flight.slice(0, cut), ev.pos(60_000, away, 0, 0), ev.hb(60_100, 9, true), ev.hb(60_200, 9, false)]);
    expect(run.state.delivery.delivered).toBe(true);
    expect(run.state.status).toBe('failed');
    expect(run.state.reason).toBe('delivered, but landed 100 m from the depot');
    expect(run.alerts.map((a) => a.kind)).toEqual(['unexpected-mode', 'landed-away']);
  });

  it('terminal states take no more transitions', () => {
    const run = feed(ctx(), [...toEnRoute(), ...payloadPlaceFlight(), ev.hb(90_000, 3, true), { type: 'abort', t: 90_001, by: 'x' }]);
    expect(run.state.status).toBe('completed');
    expect(run.transitions.at(-1)!.to).toBe('completed');
  });

  it('mission read back differs → failed, mission-changed alert', () => {
    const run = feed(ctx(), [...toEnRoute(), { type: 'mission-verified', t: 5000, ok: false, message: 'mission: vehicle holds 3 items, 11 were sent' }]);
    expect(run.state.status).toBe('failed');
    expect(run.state.reason).toBe('mission changed on the vehicle: mission: vehicle holds 3 items, 11 were sent');
    expect(run.state.missionMismatch).not.toBeNull();
    expect(run.alerts.map((a) => a.kind)).toEqual(['mission-changed']);
  });

  it('MISSION_CURRENT with another item count → mission changed at once; the planned count is fine', () => {
    const good = feed(ctx(), [...toEnRoute(), ...payloadPlaceFlight().map((e) => (e.type === 'mission-current' ? { ...e, total: 10 } : e))]);
    expect(good.state.status).toBe('completed');
    const run = feed(ctx(), [...toEnRoute(), ev.cur(5000, 3, 4)]);
    expect(run.state.status).toBe('failed');
    expect(run.state.reason).toBe('mission changed on the vehicle: the vehicle holds 5 mission items, the plan has 11');
    expect(run.transitions.at(-1)!.cause).toBe('MISSION_CURRENT total 4');
    expect(run.alerts.map((a) => a.kind)).toEqual(['mission-changed']);
  });

  it('a delivery passed while the link was lost is not claimed; the reason says the release may have gone unheard', () => {
    const flight = payloadPlaceFlight();
    const from = flight.findIndex((e) => e.type === 'mission-current' && e.seq === 5);
    const to = flight.findIndex((e) => e.type === 'mission-current' && e.seq === 8);
    const run = feed(ctx(), [...toEnRoute(), ...flight.slice(0, from), ev.link(19_500, false), ...flight.slice(to)]);
    expect(run.state.delivery.delivered).toBe(false);
    expect(run.state.delivery.reason).toMatch(/link was lost during the flight, so a release may have gone unheard/);
    expect(run.alerts.map((a) => a.kind)).toEqual(['link-lost', 'link-lost', 'not-released']);
    expect(run.state.status).toBe('failed');
  });

  it('the vehicle reboots mid-flight (disarmed in STABILIZE / BOOT / boot time back) → failed, vehicle-rebooted', () => {
    for (const reboot of [[ev.hb(9000, 0, false)], [ev.hb(9000, 3, false, 1)], [ev.pos(8000, CORNER, 30, 10, 120_000), ev.pos(9000, CORNER, 30, 10, 800)]]) {
      const run = feed(ctx(), [...toEnRoute(), ev.pos(3000, HOME, 15, 0, 100_000), ...reboot]);
      expect(run.state.status).toBe('failed');
      expect(run.state.reason).toBe('the vehicle rebooted mid-flight');
      expect(run.alerts.map((a) => a.kind)).toEqual(['vehicle-rebooted']);
    }
  });

  it('rejects a plan whose delivery item is not in the mission, saying so', () => {
    const plan = referencePlan();
    plan.delivery.seq = 40;
    expect(() => initialFlightState(SYSID, { plan }, 0)).toThrow(/plan\.delivery\.seq 40 is not an item of the mission/);
  });
});
