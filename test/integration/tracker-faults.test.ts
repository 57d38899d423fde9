/**
 * Alerts from the emulator's own fault behaviour, through runFlight over MAVLink: battery failsafe,
 * GPS loss (EKF failsafe), a fence breach that ends in RTL, and a pause / resume by the pilot.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startFlight } from '../../src/fleet/flight-runner.js';
import type { MissionItem } from '../../src/missions/types.js';
import { distanceM } from '../../src/geo/spherical.js';
import { HOME, offset, referencePlan } from '../unit/fleet-fixtures.js';
import { startRig, waitForStatus, waitUntil, type Rig } from './tracker-support.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const opts = { readyTimeoutMs: 20_000, armTimeoutMs: 10_000, flightOptions: { linkSilenceMs: 1500 } };

function fenceVertex(seq: number, p: { lat: number; lon: number }, count: number): MissionItem {
  return {
    seq,
    frame: 5,
    command: 5001,
    current: 0,
    autocontinue: 1,
    param1: count,
    param2: 0,
    param3: 0,
    param4: 0,
    x: Math.round(p.lat * 1e7),
    y: Math.round(p.lon * 1e7),
    z: 0,
    missionType: 1,
  };
}

describe('alerts on the emulator', () => {
  it('battery collapse: below-the-plan and failsafe alerts, the vehicle turns back on its own (mode not ours), no delivery claimed', async () => {
    rig = await startRig();
    // the plan expects 40 % of the battery for the flight and keeps 20 points spare beyond the reserve
    const h = startFlight({ ...opts, vehicle: rig.vehicle, plan: referencePlan(), energy: { plannedUsePct: 40, sparePct: 20 } });
    await waitForStatus(h, 'en-route');
    await waitUntil(() => h.state().progress.fraction > 0.1, 'some progress');
    expect(h.state().activeAlerts['battery-below-margin']).toBeFalsy();
    rig.sim.failBattery();
    const outcome = await h.done;
    const fs = outcome.alerts.find((a) => a.kind === 'failsafe');
    expect(fs?.data?.what).toBe('battery');
    const margin = outcome.alerts.find((a) => a.kind === 'battery-below-margin');
    expect(margin?.data?.remainingPct).toBeLessThan(20);
    expect(outcome.alerts.find((a) => a.kind === 'unexpected-mode')?.data?.to).toMatch(/^(RTL|LAND)$/);
    expect(outcome.status).toBe('failed');
    expect(outcome.delivery.delivered).toBe(false);
  });

  it('GPS lost: EKF failsafe alert, LAND where it is, landed away from the depot', async () => {
    rig = await startRig();
    const h = startFlight({ ...opts, vehicle: rig.vehicle, plan: referencePlan() });
    await waitForStatus(h, 'en-route');
    await waitUntil(() => h.state().progress.fraction > 0.15, 'some progress');
    rig.sim.loseGps();
    const outcome = await h.done;
    expect(outcome.alerts.some((a) => a.kind === 'failsafe' && a.data?.what === 'ekf')).toBe(true);
    expect(outcome.alerts.find((a) => a.kind === 'unexpected-mode')?.data?.to).toBe('LAND');
    expect(outcome.alerts.some((a) => a.kind === 'landed-away')).toBe(true);
    expect(outcome.status).toBe('failed');
  });

  it('fence breach: fence alert, RTL by the fence is "returning (fence breach)", not an unexpected mode', async () => {
    rig = await startRig();
    const plan = referencePlan();
    // an inclusion fence that ends 150 m north of the depot (the route goes 300 m north)
    const corners = [offset(-50, -50), offset(150, -50), offset(150, 50), offset(-50, 50)];
    plan.fence = corners.map((c, i) => fenceVertex(i, c, corners.length));
    plan.params = { FENCE_ENABLE: 1, FENCE_TYPE: 4, FENCE_ACTION: 1 };
    const h = startFlight({ ...opts, vehicle: rig.vehicle, plan });
    const outcome = await h.done;
    expect(outcome.alerts.filter((a) => a.kind === 'fence-breach').map((a) => a.active)[0]).toBe(true);
    expect(outcome.transitions.find((t) => t.to === 'returning')!.cause).toBe('HEARTBEAT mode RTL (fence breach)');
    expect(outcome.alerts.some((a) => a.kind === 'unexpected-mode')).toBe(false);
    expect(outcome.status).toBe('failed');
    expect(outcome.reason).toMatch(/^landed without a confirmed delivery/);
    expect(distanceM([HOME.lon, HOME.lat], [rig.sim.position.lon, rig.sim.position.lat])).toBeLessThan(10);
  });

  it('pause and resume by the pilot: BRAKE holds, no alert, the flight then completes', async () => {
    rig = await startRig();
    const h = startFlight({ ...opts, vehicle: rig.vehicle, plan: referencePlan() });
    await waitForStatus(h, 'en-route');
    await waitUntil(() => h.state().progress.fraction > 0.1, 'some progress');
    const p = await h.pause('pilot-li');
    expect(p.ok).toBe(true);
    await waitUntil(() => h.state().vehicle.modeName === 'BRAKE', 'BRAKE');
    expect(h.state().paused?.by).toBe('pilot-li');
    await new Promise((r) => setTimeout(r, 250)); // 10 s of sim time to come to a stop
    const held = h.state().progress.alongM;
    await new Promise((r) => setTimeout(r, 500)); // 20 s of sim time holding
    expect(h.state().progress.alongM - held).toBeLessThan(3);
    expect(h.state().status).toBe('en-route');
    const r = await h.resume('pilot-li');
    expect(r.ok).toBe(true);
    const outcome = await h.done;
    expect(outcome.status, outcome.reason ?? '').toBe('completed');
    expect(outcome.alerts.filter((a) => a.severity !== 'info')).toEqual([]);
  });
});
