/**
 * One approved version, end to end on the emulator (issue 14): the officer edits a request (new drop
 * point, new weight) at the moment the pilot approves its plan. Exactly one wins. The drone flies the
 * plan that was approved, and the request is recorded delivered where the emulated vehicle really
 * released the parcel, measured against the drop point of the mission that flew, never the drop point
 * the request row holds.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../sim/emulator/index.js';
import type { FlightState } from '../../src/fleet/flight-state.js';
import { distanceM } from '../../src/geo/spherical.js';
import { seededRandom } from '../support/random.js';
import { CHECKLIST, DEPOT, GATE, makeTestApp, newKey, requestBody, type TestApp } from './api-support.js';

let t: TestApp | null = null;
let emu: Emulator | null = null;
afterEach(async () => {
  await t?.close();
  await emu?.stop();
  t = null;
  emu = null;
});

async function waitFor<T>(what: string, fn: () => T | undefined | null | false, timeoutMs = 90_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** ~800 m south of the compound gate: the drop point the officer moves the request to. */
const NEW_DROP = { lat: 34.747, lon: 113.6035 };

describe('edit racing an approval, on the emulator', () => {
  // Fired in both orders (each order usually lets the first one win; the test accepts either winner).
  it.each(['approve', 'edit'] as const)(
    '%s fired first: exactly one wins; the drone flies the approved plan; delivered where the parcel was released, against the flown drop point',
    async (first) => {
      emu = await startEmulator({ vehicles: [{ sysid: 7, home: { lat: DEPOT[1], lon: DEPOT[0], altM: 0 } }], speedup: 20, readyAfterS: 2 });
      t = await makeTestApp({ starter: 'fleet' });
      const { repos } = t.parts;
      repos.drones.update('md-1', { connectionUrl: `tcp://127.0.0.1:${emu.vehicles[0]!.tcpPort}`, sysid: 7 });
      const [officer, pilot] = await Promise.all([t.login('officer.li'), t.login('pilot.zhao')]);

      const created = await t.as(officer, { method: 'POST', url: '/api/requests', payload: requestBody(), headers: { 'idempotency-key': newKey() } });
      expect(created.statusCode, created.body).toBe(201);
      const request = created.json() as { id: number; missionId: number; version: number };
      const review = (await t.as(pilot, { method: 'GET', url: `/api/missions/${request.missionId}` })).json();
      expect(review).toMatchObject({ requestVersion: 1, status: 'awaiting-approval' });

      // the same moment: the pilot approves what was reviewed, the officer moves the drop point and the weight
      const approve = () =>
        t!.as(pilot, { method: 'POST', url: `/api/missions/${request.missionId}/approve`, payload: { checklist: CHECKLIST, requestVersion: 1 } });
      const edit = () => t!.as(officer, { method: 'PATCH', url: `/api/requests/${request.id}`, payload: { dropPoint: NEW_DROP, weightKg: 0.9 } });
      const approveFirst = first === 'approve';
      const [a, e] = approveFirst ? await Promise.all([approve(), edit()]) : await Promise.all([edit(), approve()]).then(([x, y]) => [y, x] as const);
      expect([a.statusCode, e.statusCode].sort(), `approve ${a.body} / edit ${e.body}`).toEqual([200, 409]);

      let flightId: number;
      let flownTo: { lat: number; lon: number };
      if (a.statusCode === 200) {
        // the approval won: the edit was refused, the request stays at version 1, the flight flies to the gate
        expect(e.json().error.reason).toBe('request-not-editable');
        expect(repos.requests.byId(request.id)).toMatchObject({ version: 1, lat: GATE[1], lon: GATE[0] });
        flightId = a.json().flight.id;
        flownTo = { lat: GATE[1], lon: GATE[0] };
      } else {
        // the edit won: the approval of version 1 was refused; the pilot reviews version 2 and approves it
        expect(['request-edited', 'mission-superseded']).toContain(a.json().error.reason);
        expect(a.json().error.message).toMatch(/version 1.*version 2/);
        const now = e.json() as { version: number; missionId: number; status: string };
        expect(now).toMatchObject({ version: 2, status: 'awaiting-approval' });
        const again = await t.as(pilot, {
          method: 'POST',
          url: `/api/missions/${now.missionId}/approve`,
          payload: { checklist: CHECKLIST, requestVersion: 2 },
        });
        expect(again.statusCode, again.body).toBe(200);
        flightId = again.json().flight.id;
        flownTo = NEW_DROP;
      }
      // eslint-disable-next-line no-console
      console.log(
        `edit vs approval on the emulator: ${a.statusCode === 200 ? 'the approval' : 'the edit'} won (${approveFirst ? 'approve' : 'edit'} fired first)`,
      );
      const flight = repos.flights.byId(flightId)!;
      const mission = repos.missions.byId(flight.missionId)!;
      expect(mission.requestVersion).toBe(repos.requests.byId(request.id)!.version);
      expect(mission.plan.vehiclePlan!.delivery.lat).toBeCloseTo(flownTo.lat, 6);
      expect(mission.plan.vehiclePlan!.delivery.lon).toBeCloseTo(flownTo.lon, 6);
      // once approved, nothing changes the request any more
      const late = await t.as(officer, { method: 'PATCH', url: `/api/requests/${request.id}`, payload: { dropPoint: { name: 'Sunrise Compound Gate' } } });
      expect(late.statusCode).toBe(409);

      await waitFor('delivered', () => {
        const f = repos.flights.byId(flightId)!;
        if (f.state === 'failed' || f.state === 'aborted') throw new Error(`flight ${f.state}: ${f.stateReason}`);
        return repos.requests.byId(request.id)!.status === 'delivered';
      });
      const stored = repos.flights.delivery(flightId)!;
      // where the vehicle was when it released: the flight's telemetry at the release, and the emulator's own record
      const runner = (t.parts.flights.liveState(repos.flights.byId(flightId)!) ?? repos.flights.byId(flightId)!.runnerState) as FlightState;
      const release = runner.delivery.release!;
      expect(stored.lat).toBe(release.lat);
      expect(stored.lon).toBe(release.lon);
      const truth = emu.vehicles[0]!.releases[0]!;
      expect(distanceM([stored.lon, stored.lat], [truth.lon, truth.lat]), 'recorded vs real release position, m').toBeLessThan(1);
      // measured against the drop point of the mission that flew
      expect(stored).toMatchObject({ missionId: mission.id, dropLat: mission.plan.vehiclePlan!.delivery.lat, dropLon: mission.plan.vehiclePlan!.delivery.lon });
      expect(stored.distanceM).toBeCloseTo(distanceM([stored.dropLon!, stored.dropLat!], [stored.lon, stored.lat]), 2);
      expect(stored.distanceM).toBeLessThan(3);
      expect(distanceM([flownTo.lon, flownTo.lat], [truth.lon, truth.lat])).toBeLessThan(3);
      // and the API says the same
      const view = (await t.as(officer, { method: 'GET', url: `/api/requests/${request.id}` })).json();
      expect(view.delivery).toMatchObject({
        lat: stored.lat,
        lon: stored.lon,
        distanceM: stored.distanceM,
        dropPoint: { lat: stored.dropLat, lon: stored.dropLon },
      });
      expect(distanceM([view.dropPoint.lon, view.dropPoint.lat], [view.delivery.lon, view.delivery.lat])).toBeLessThan(3);
      const delivered = repos.audit.list({ limit: 200 }).find((x) => x.action === 'request.delivered' && Number(x.subjectId) === request.id)!;
      expect(delivered.details).toMatchObject({ flightId, missionId: mission.id, requestVersion: mission.requestVersion });
    },
    150_000,
  );

  it('approve, abort, cancel and edit at the same moment, 6 rounds: one approval at most, an abort only of a flight that exists, the store and the audit agree', async () => {
    emu = await startEmulator({ vehicles: [{ sysid: 7, home: { lat: DEPOT[1], lon: DEPOT[0], altM: 0 } }], speedup: 20, readyAfterS: 2 });
    t = await makeTestApp({ starter: 'fleet' });
    const { repos } = t.parts;
    repos.drones.update('md-1', { connectionUrl: `tcp://127.0.0.1:${emu.vehicles[0]!.tcpPort}`, sysid: 7 });
    const [officer, pilot] = await Promise.all([t.login('officer.li'), t.login('pilot.zhao')]);
    const rnd = seededRandom(1414);
    const outcomes: string[] = [];
    for (let i = 0; i < 6; i++) {
      const where = `round ${i}`;
      const r = (await t.as(officer, { method: 'POST', url: '/api/requests', payload: requestBody(), headers: { 'idempotency-key': newKey() } })).json() as {
        id: number;
        missionId: number;
        version: number;
      };
      const nextFlightId = (repos.flights.list().at(-1)?.id ?? 0) + 1;
      const calls = {
        approve: () =>
          t!.as(pilot, { method: 'POST', url: `/api/missions/${r.missionId}/approve`, payload: { checklist: CHECKLIST, requestVersion: r.version } }),
        abort: () => t!.as(pilot, { method: 'POST', url: `/api/flights/${nextFlightId}/abort`, payload: { reason: 'crowd at the drop point' } }),
        cancel: () => t!.as(officer, { method: 'DELETE', url: `/api/requests/${r.id}`, payload: { reason: 'no longer needed' } }),
        edit: () => t!.as(officer, { method: 'PATCH', url: `/api/requests/${r.id}`, payload: { weightKg: 0.6 + i / 10 } }),
      };
      const ops = (Object.keys(calls) as (keyof typeof calls)[]).filter((k) => k === 'approve' || k === 'abort' || rnd() < 0.5);
      const order = ops.map((op) => ({ op, key: rnd() })).sort((x, y) => x.key - y.key);
      const res = Object.fromEntries(
        await Promise.all(
          order.map(async ({ op }) => {
            for (let k = Math.floor(rnd() * 3); k > 0; k--) await new Promise<void>((done) => setImmediate(done));
            return [op, await calls[op]()] as const;
          }),
        ),
      );
      const approved = res.approve!.statusCode === 200;
      const aborted = res.abort!.statusCode === 200;
      const flights = repos.flights.list().filter((f) => f.requestId === r.id);
      expect(flights.length, `${where}: flights`).toBe(approved ? 1 : 0);
      if (aborted) expect(approved, `${where}: an abort went through only on a flight that exists`).toBe(true);
      else expect([404, 409], `${where}: abort ${res.abort!.body}`).toContain(res.abort!.statusCode);
      if (approved) {
        for (const op of ['cancel', 'edit'] as const) if (res[op]) expect(res[op]!.json().error?.reason, `${where}: ${op}`).toBe('request-not-editable');
        // end the round: abort the flight if the race did not, and let the drone come home
        if (!aborted) {
          const stop = await calls.abort();
          expect(stop.statusCode, stop.body).toBe(200);
        }
        const end = await waitFor(`${where}: the flight ends`, () => {
          const f = repos.flights.byId(flights[0]!.id)!;
          return f.endedAt !== null ? f : null;
        });
        expect(end.state, `${where}: ${end.stateReason}`).toBe('aborted');
        expect(repos.requests.byId(r.id)!.status).toBe('failed');
        const mission = repos.missions.byId(flights[0]!.missionId)!;
        expect(mission.requestVersion).toBe(repos.requests.byId(r.id)!.version);
      } else {
        expect(res.approve!.statusCode, `${where}: approve ${res.approve!.body}`).toBe(409);
        expect(res.cancel?.statusCode === 200 || res.edit?.statusCode === 200, `${where}: the approval lost to a cancel or an edit`).toBe(true);
      }
      const audit = repos.audit.list({ limit: 10_000 });
      const about = (action: string, subjectType: string, id: number) =>
        audit.filter((x) => x.action === action && x.subjectType === subjectType && Number(x.subjectId) === id);
      expect(about('mission.approve', 'mission', r.missionId), `${where}: audited approvals`).toHaveLength(approved ? 1 : 0);
      if (approved) expect(about('flight.abort', 'flight', flights[0]!.id), `${where}: one audited abort`).toHaveLength(1);
      outcomes.push(approved ? (aborted ? 'approved+aborted in the race' : 'approved, aborted after') : `refused (${res.approve!.json().error.reason})`);
      // the drone is on the ground and disarmed before the next round
      await waitFor(`${where}: the vehicle disarmed`, () => !emu!.vehicles[0]!.armed);
    }
    // eslint-disable-next-line no-console
    console.log(`approve/abort/cancel/edit races on the emulator: ${outcomes.join('; ')}`);
  }, 240_000);
});
