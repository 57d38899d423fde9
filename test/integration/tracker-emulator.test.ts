/**
 * Whole flights through runFlight / attachFlight on the project's ArduCopter emulator, over the real
 * MAVLink layer (TCP): the happy path, a lost link that comes back, the mission changed behind our
 * back, a vehicle reboot mid-flight, an abort, and re-attaching after a "service restart".
 */
import { afterEach, describe, expect, it } from 'vitest';
import { attachFlight, attachUnfinishedFlights, runFlight, startFlight } from '../../src/fleet/flight-runner.js';
import { MemoryFlightStore } from '../../src/fleet/store.js';
import type { FlightUpdate } from '../../src/fleet/tracker.js';
import { DROP, HOME, referencePlan } from '../unit/fleet-fixtures.js';
import { distanceM } from '../../src/geo/spherical.js';
import { startRig, waitForStatus, waitUntil, type Rig } from './tracker-support.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const opts = { readyTimeoutMs: 20_000, armTimeoutMs: 10_000, flightOptions: { linkSilenceMs: 1500 } };

describe('flights on the emulator', () => {
  it('flies a whole delivery: uploaded, verified, armed, delivered within 3 m, landed at the depot', async () => {
    rig = await startRig();
    const store = new MemoryFlightStore();
    const updates: FlightUpdate[] = [];
    const progress: number[] = [];
    const outcome = await runFlight({
      ...opts,
      vehicle: rig.vehicle,
      plan: referencePlan(),
      flightId: 'F1',
      store,
      onUpdate: (u) => void updates.push(u),
      onProgress: (p) => progress.push(p.done),
    });
    expect(outcome.status, outcome.reason ?? '').toBe('completed');
    expect(outcome.ok).toBe(true);
    expect(outcome.transitions.map((t) => t.to)).toEqual(['uploading', 'uploaded', 'arming', 'en-route', 'delivering', 'returning', 'landed', 'completed']);
    expect(outcome.transitions.find((t) => t.to === 'delivering')!.cause).toBe(`MISSION_CURRENT seq ${referencePlan().delivery.seq}`);
    // delivered where the emulator says it released, within 3 m of the drop point
    const rel = rig.sim.releases[0]!;
    expect(rel).toBeDefined();
    expect(outcome.delivery.delivered).toBe(true);
    expect(outcome.delivery.release!.distanceM).toBeLessThan(3);
    expect(distanceM([DROP.lon, DROP.lat], [outcome.delivery.release!.lon, outcome.delivery.release!.lat])).toBeLessThan(3);
    expect(outcome.alerts.filter((a) => a.severity !== 'info')).toEqual([]);
    // landed at home
    expect(distanceM([HOME.lon, HOME.lat], [rig.sim.position.lon, rig.sim.position.lat])).toBeLessThan(10);
    expect(outcome.state.progress.fraction).toBe(1);
    // persisted: every transition, the delivery, a down-sampled track in batches
    expect(store.transitions.get('F1')!.length).toBe(8);
    expect(store.deliveries.get('F1')!.delivered).toBe(true);
    const track = store.tracks.get('F1')!;
    expect(track.length).toBeGreaterThan(20);
    for (let i = 1; i < track.length; i++) expect(track[i]!.t).toBeGreaterThanOrEqual(track[i - 1]!.t);
    // the subscriber saw the flight live, and the upload showed progress
    expect(updates.some((u) => u.state.status === 'en-route' && u.state.progress.fraction > 0.2)).toBe(true);
    // … including the last transitions, delivered before the outcome resolved
    expect(updates.flatMap((u) => u.transitions.map((t) => t.to))).toEqual(outcome.transitions.map((t) => t.to));
    expect(updates.at(-1)!.state.status).toBe('completed');
    expect(progress.length).toBeGreaterThan(3);
  });

  it('link lost in flight: the state shows it, the vehicle flies on, tracking resumes on the same flight', async () => {
    rig = await startRig({ linkTimeoutMs: 1000 });
    const h = startFlight({ ...opts, vehicle: rig.vehicle, plan: referencePlan(), flightOptions: { linkSilenceMs: 1000 } });
    await waitForStatus(h, 'en-route');
    rig.sim.dropLink(60_000); // 60 s of sim time ≈ 1.5 s of wall time at 40×: ends before the drop (≈ 90 s)
    await waitUntil(() => !h.state().vehicle.linkUp, 'link shown lost', 10_000);
    const lost = h.state().vehicle.position!;
    expect(h.state().activeAlerts['link-lost']).toBe(true);
    expect(h.state().status).toBe('en-route');
    // back: the first position heard again is far from the last one before the outage (it flew on)
    await waitUntil(() => h.state().vehicle.linkUp && h.state().vehicle.position!.t > lost.t + 500, 'link back with a position', 20_000);
    const back = h.state().vehicle.position!;
    expect(distanceM([lost.lon, lost.lat], [back.lon, back.lat])).toBeGreaterThan(100);
    const outcome = await h.done;
    expect(outcome.status, outcome.reason ?? '').toBe('completed');
    expect(outcome.flightId).toBe(h.id);
    // lost, then back (a busy CI machine may add a short outage of its own: each one must end)
    const link = outcome.alerts.filter((a) => a.kind === 'link-lost').map((a) => a.active);
    expect(link.slice(0, 2)).toEqual([true, false]);
    expect(link.length % 2).toBe(0);
    expect(outcome.alerts.some((a) => a.kind === 'mission-changed')).toBe(false);
  });

  it('link lost over the drop: the unheard release is not claimed, and the reason says why', async () => {
    rig = await startRig({ linkTimeoutMs: 1000 });
    const plan = referencePlan();
    const h = startFlight({ ...opts, vehicle: rig.vehicle, plan, flightOptions: { linkSilenceMs: 1000 } });
    await waitUntil(() => h.state().vehicle.missionSeq === plan.delivery.seq - 1, 'approach to the drop point');
    rig.sim.dropLink(200_000);
    const outcome = await h.done;
    expect(rig.sim.releases.length).toBe(1); // it did release, we could not hear it
    expect(outcome.delivery.delivered).toBe(false);
    expect(outcome.status).toBe('failed');
    expect(outcome.reason).toMatch(/release may have gone unheard \(confirm with the hand-over code\)/);
  });

  it('mission changed behind our back: detected, flight failed and alerted, never silently continued', async () => {
    rig = await startRig();
    const plan = referencePlan();
    const h = startFlight({ ...opts, vehicle: rig.vehicle, plan });
    await waitForStatus(h, 'en-route');
    // "someone else" uploads a shorter mission (through the same link, behind the runner's back)
    const other = plan.mission.slice(0, 5).map((it) => ({ ...it }));
    const up = await rig.vehicle.uploadItems(0, other);
    expect(up.ok).toBe(true);
    const outcome = await h.done;
    expect(outcome.status).toBe('failed');
    expect(outcome.reason).toBe(`mission changed on the vehicle: the vehicle holds 5 mission items, the plan has ${plan.mission.length}`);
    expect(outcome.alerts.map((a) => a.kind)).toContain('mission-changed');
    expect(outcome.state.missionMismatch).not.toBeNull();
  });

  it('mission changed while we were away (same length, a moved waypoint): re-attach reads it back and refuses', async () => {
    rig = await startRig();
    const plan = referencePlan();
    const store = new MemoryFlightStore();
    const stop = new AbortController();
    const first = startFlight({ ...opts, vehicle: rig.vehicle, plan, flightId: 'F5', store, signal: stop.signal });
    await waitForStatus(first, 'en-route');
    stop.abort();
    await first.done;
    const moved = plan.mission.map((it) => (it.seq === 8 ? { ...it, x: it.x + 2000 } : { ...it }));
    expect((await rig.vehicle.uploadItems(0, moved)).ok).toBe(true);
    const [rec] = store.loadUnfinishedFlights();
    const h = attachFlight({ vehicle: rig.vehicle, record: rec!, store });
    const outcome = await h.done;
    expect(outcome.status).toBe('failed');
    expect(outcome.reason).toMatch(/^mission changed on the vehicle: mission item 8: x \d+, sent \d+/);
    expect(store.alerts.get('F5')!.map((a) => a.kind)).toContain('mission-changed');
  });

  it('vehicle reboot mid-flight: detected, flight failed and alerted, never continued', async () => {
    rig = await startRig();
    const h = startFlight({ ...opts, vehicle: rig.vehicle, plan: referencePlan() });
    await waitForStatus(h, 'en-route');
    await waitUntil(() => h.state().progress.fraction > 0.05, 'some progress');
    rig.sim.reboot();
    const outcome = await h.done;
    expect(outcome.status).toBe('failed');
    expect(outcome.reason).toBe('the vehicle rebooted mid-flight');
    expect(outcome.alerts.map((a) => a.kind)).toContain('vehicle-rebooted');
  });

  it('abort in flight: RTL home, recorded with who aborted', async () => {
    rig = await startRig();
    const h = startFlight({ ...opts, vehicle: rig.vehicle, plan: referencePlan() });
    await waitForStatus(h, 'en-route');
    await waitUntil(() => h.state().progress.fraction > 0.1, 'some progress');
    const r = await h.abort('pilot-li', 'crowd at the drop point');
    expect(r?.ok).toBe(true);
    const outcome = await h.done;
    expect(outcome.status).toBe('aborted');
    expect(outcome.reason).toBe('aborted by pilot-li: crowd at the drop point');
    expect(outcome.state.abort).toMatchObject({ by: 'pilot-li', reason: 'crowd at the drop point' });
    expect(outcome.transitions.slice(-2).map((t) => t.to)).toEqual(['landed', 'aborted']);
    expect(outcome.delivery.delivered).toBe(false);
    expect(rig.sim.releases.length).toBe(0);
    expect(rig.sim.modeName).toBe('RTL');
    expect(distanceM([HOME.lon, HOME.lat], [rig.sim.position.lon, rig.sim.position.lat])).toBeLessThan(10);
    expect(outcome.alerts.some((a) => a.kind === 'unexpected-mode')).toBe(false);
  });

  it('service restart: the flight is re-attached from the store by sysid, verified and followed to the end', async () => {
    rig = await startRig();
    const store = new MemoryFlightStore();
    const stop = new AbortController();
    const first = startFlight({ ...opts, vehicle: rig.vehicle, plan: referencePlan(), flightId: 'F9', store, signal: stop.signal });
    await waitForStatus(first, 'en-route');
    await waitUntil(() => first.state().progress.fraction > 0.1, 'some progress');
    // the "service" goes away: stop following and drop the connection
    stop.abort();
    const detached = await first.done;
    expect(detached.status).toBe('detached');
    await rig.conn.close();
    const sim = rig.sim;
    await waitUntil(() => !sim.online, 'the emulator to notice the client left', 5000);
    // a new "service": reload unfinished flights and re-attach by system id
    const [rec] = store.loadUnfinishedFlights();
    expect(rec).toMatchObject({ id: 'F9', sysid: 1 });
    const { conn } = await rig.reconnect();
    const { handles, missing } = await attachUnfinishedFlights({ store, link: conn, flightOptions: opts.flightOptions });
    expect(missing).toEqual([]);
    expect(handles.map((x) => x.id)).toEqual(['F9']);
    const outcome = await handles[0]!.done;
    expect(outcome.state.missionVerifiedAt).toBeGreaterThan(0); // read back and matched before continuing
    expect(outcome.status, outcome.reason ?? '').toBe('completed');
    expect(outcome.delivery.delivered).toBe(true);
    // one continuous history in the store
    expect(store.transitions.get('F9')!.map((t) => t.to)).toEqual([
      'uploading',
      'uploaded',
      'arming',
      'en-route',
      'delivering',
      'returning',
      'landed',
      'completed',
    ]);
  });
});
