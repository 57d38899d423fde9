/**
 * The fleet on emulated drones (issue 14): the link watchers report each drone's battery and link
 * before any flight; two requests go to two drones; a drone whose battery is low is refused at
 * approval with both numbers (needed and reported); the pilot moves the mission to the other drone
 * and approves it there; the request waiting on that drone is then refused as "in-flight". Repeated.
 * A drone never heard turns offline and is not planned on.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../sim/emulator/index.js';
import { CHECKLIST, DEPOT, makeTestApp, newKey, requestBody, type Session, type TestApp } from './api-support.js';

let t: TestApp | null = null;
let emu: Emulator | null = null;
afterEach(async () => {
  await t?.close();
  await emu?.stop();
  t = null;
  emu = null;
});

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface DroneJson {
  id: string;
  state: string;
  battery: { remainingPct: number | null } | null;
  link: { up: boolean | null };
}

describe('fleet on the emulator', () => {
  for (let run = 1; run <= 3; run++) {
    it(`busy drone and low battery at approval (run ${run})`, async () => {
      const home = { lat: DEPOT[1], lon: DEPOT[0], altM: 0 };
      emu = await startEmulator({
        vehicles: [
          { sysid: 1, home },
          { sysid: 2, home },
        ],
        speedup: 20,
        readyAfterS: 2,
      });
      t = await makeTestApp({ starter: 'fleet' });
      const { repos } = t.parts;
      repos.drones.update('md-1', { connectionUrl: `tcp://127.0.0.1:${emu.vehicles[0]!.tcpPort}`, sysid: 1 });
      repos.drones.create({
        id: 'md-2',
        name: 'MD-2',
        profileId: 'police-quad',
        depot: 'East Police Station',
        connectionUrl: `tcp://127.0.0.1:${emu.vehicles[1]!.tcpPort}`,
        sysid: 2,
        enabled: true,
      });
      const [officer, pilot] = await Promise.all([t.login('officer.li'), t.login('pilot.zhao')]);
      const drones = async (s: Session = pilot) => (await t!.as(s, { method: 'GET', url: '/api/drones' })).json().drones as DroneJson[];
      // both vehicles heard, with a battery report, before any flight
      await waitFor('both drones reporting', async () => {
        const ds = await drones();
        return ds.length === 2 && ds.every((d) => d.state === 'available' && d.link.up === true && d.battery?.remainingPct != null) ? ds : null;
      });

      const create = async () => {
        const res = await t!.as(officer, { method: 'POST', url: '/api/requests', payload: requestBody(), headers: { 'idempotency-key': newKey() } });
        expect(res.statusCode, res.body).toBe(201);
        return res.json() as { id: number };
      };
      const a = await create();
      const b = await create();
      const view = async (id: number) => (await t!.as(officer, { method: 'GET', url: `/api/requests/${id}` })).json();
      const [va, vb] = [await view(a.id), await view(b.id)];
      expect(va.status).toBe('awaiting-approval');
      expect(vb.status).toBe('awaiting-approval');
      expect(va.plan.droneId).toBe('md-1');
      expect(vb.plan.droneId).toBe('md-2');

      // md-1's battery collapses (emulator fault): the fleet shows it, the approval is refused with both numbers
      emu.vehicles[0]!.failBattery();
      const low = await waitFor('md-1 reporting a low battery', async () => {
        const d = (await drones()).find((x) => x.id === 'md-1');
        return d?.battery?.remainingPct != null && d.battery.remainingPct <= 5 ? d.battery.remainingPct : null;
      });
      const refused = await t.as(pilot, { method: 'POST', url: `/api/missions/${va.missionId}/approve`, payload: { checklist: CHECKLIST } });
      expect(refused.statusCode, refused.body).toBe(409);
      const err = refused.json().error;
      const issue = err.issues[0];
      expect(issue.code).toBe('battery-low');
      expect(issue.params.reportedPct).toBe(low);
      expect(issue.params.neededPct).toBeGreaterThan(low);
      expect(err.message).toContain(`needs ${issue.params.neededPct} %`);
      expect(err.message).toContain(`reports ${low} %`);
      expect(repos.flights.list()).toHaveLength(0);

      // the pilot moves it to md-2 and approves it there
      const moved = await t.as(pilot, { method: 'POST', url: `/api/missions/${va.missionId}/reassign`, payload: { droneId: 'md-2' } });
      expect(moved.statusCode, moved.body).toBe(200);
      expect(moved.json()).toMatchObject({ feasible: true, mission: { drone: { id: 'md-2' } } });
      const ok = await t.as(pilot, { method: 'POST', url: `/api/missions/${moved.json().mission.id}/approve`, payload: { checklist: CHECKLIST } });
      expect(ok.statusCode, ok.body).toBe(200);
      await waitFor('md-2 in flight', async () => (await drones()).find((d) => d.id === 'md-2')?.state === 'in-flight');

      // request b waited on md-2, which is now busy: it is planned again (md-1 cannot: its battery)
      await t.parts.dispatcher.replansSettled();
      const vb2 = await view(b.id);
      const m = (await t.as(pilot, { method: 'GET', url: `/api/missions/${vb2.missionId}` })).json();
      const c1 = m.candidates.find((c: { droneId: string }) => c.droneId === 'md-1');
      expect(c1.feasible).toBe(false);
      expect(c1.reasons.map((r: { code: string }) => r.code)).toContain('battery-insufficient');
      expect(c1.batteryPct).toBe(low);
      // … and approving it on the busy drone is refused with the state named
      const busy = await t.as(pilot, { method: 'POST', url: `/api/missions/${vb2.missionId}/approve`, payload: { checklist: CHECKLIST } });
      expect(busy.statusCode, busy.body).toBe(409);
      expect(busy.json().error.message).toMatch(/md-2 is (still flying|in-flight)/);
      // its ETA waits for md-2's flight and turnaround
      expect(Date.parse(vb2.queueEta.takeoffAt)).toBeGreaterThan(Date.now() + 500_000);
    }, 90_000);
  }

  it('a drone that is never heard turns offline: not planned on (reason drone-offline); the other drone takes the work', async () => {
    const home = { lat: DEPOT[1], lon: DEPOT[0], altM: 0 };
    emu = await startEmulator({ vehicles: [{ sysid: 2, home }], speedup: 20, readyAfterS: 2 });
    t = await makeTestApp({ starter: 'fleet' });
    const { repos } = t.parts;
    // md-1 keeps its address where nothing answers (tcp://127.0.0.1:9)
    repos.drones.create({
      id: 'md-2',
      name: 'MD-2',
      profileId: 'police-quad',
      depot: 'East Police Station',
      connectionUrl: `tcp://127.0.0.1:${emu.vehicles[0]!.tcpPort}`,
      sysid: 2,
      enabled: true,
    });
    const [officer, pilot] = await Promise.all([t.login('officer.li'), t.login('pilot.zhao')]);
    t.parts.fleet.watchAll();
    const states = async () =>
      Object.fromEntries(((await t!.as(pilot, { method: 'GET', url: '/api/drones' })).json().drones as DroneJson[]).map((d) => [d.id, d.state]));
    // the default offline limit (MEDIDROP_VEHICLE_TIMEOUT_MS, 15 s) of silence since watching began
    await waitFor('md-1 offline, md-2 available', async () => {
      const s = await states();
      return s['md-1'] === 'offline' && s['md-2'] === 'available';
    });
    const res = await t.as(officer, { method: 'POST', url: '/api/requests', payload: requestBody(), headers: { 'idempotency-key': newKey() } });
    expect(res.statusCode, res.body).toBe(201);
    const r = res.json();
    expect(r.status).toBe('awaiting-approval');
    expect(r.plan.droneId).toBe('md-2');
    const m = (await t.as(pilot, { method: 'GET', url: `/api/missions/${r.missionId}` })).json();
    const c1 = m.candidates.find((c: { droneId: string }) => c.droneId === 'md-1');
    expect(c1).toMatchObject({ feasible: false, state: 'offline' });
    expect(c1.reasons[0].code).toBe('drone-offline');
    // the pilot cannot move it to the offline drone
    const moved = await t.as(pilot, { method: 'POST', url: `/api/missions/${r.missionId}/reassign`, payload: { droneId: 'md-1' } });
    expect(moved.statusCode).toBe(200);
    expect(moved.json()).toMatchObject({ feasible: false, mission: { id: r.missionId } });
    expect(moved.json().reasons[0].code).toBe('drone-offline');
  }, 60_000);
});
