import { describe, expect, it } from 'vitest';
import { parseZoneMap } from '../../src/geo/zone-map.js';
import { planDelivery } from '../../src/planner/plan-delivery.js';
import { DEFAULT_DRONE } from '../../src/planning/drone.js';
import { initialFlightState, type FlightState } from '../../src/fleet/flight-state.js';
import type { TrackPoint } from '../../src/fleet/store.js';
import type { Store } from '../../src/store/db.js';
import { describeOnEngines } from '../support/store-engines.js';
import { SqliteFlightStore } from '../../src/store/flight-store.js';

const MAP = parseZoneMap({
  type: 'FeatureCollection',
  features: [
    { type: 'Feature', properties: { kind: 'depot', name: 'Depot' }, geometry: { type: 'Point', coordinates: [113.6, 34.75] } },
    // 0.8 m north of where the request row says (34.753): the delivery is measured against the flown plan's point
    { type: 'Feature', properties: { kind: 'drop-point', name: 'Gate' }, geometry: { type: 'Point', coordinates: [113.605, 34.7530072] } },
  ],
});

function setUp(open: () => Store) {
  const store = open();
  const { repos } = store;
  const plan = planDelivery(MAP, {
    from: { name: 'Depot' },
    to: { name: 'Gate' },
    drone: { ...DEFAULT_DRONE },
    conditions: { payloadKg: 0.5, wind: { speedMs: 0, fromDeg: 0 }, temperatureC: 15 },
  });
  expect(plan.feasible).toBe(true);
  const officer = repos.users.create({ username: 'o', name: 'O', role: 'officer', passwordHash: 'x' });
  repos.drones.create({ id: 'md-1', name: 'MD-1', profileId: 'police-quad', depot: 'Depot', connectionUrl: 'tcp://127.0.0.1:1', sysid: 4, enabled: true });
  const mk = () => {
    const req = repos.requests.create(
      {
        officerId: officer.id,
        recipient: 'R',
        phone: '12345',
        dropPointName: 'Gate',
        lat: 34.753,
        lon: 113.605,
        medicine: 'm',
        weightKg: 0.5,
        urgency: 'urgent',
        notes: '',
      },
      'in-flight',
    );
    const m = repos.missions.create({
      requestId: req.id,
      requestVersion: req.version,
      status: 'approved',
      zoneMapVersion: null,
      droneId: 'md-1',
      plan,
      candidates: [],
      conditions: { payloadKg: 0.5, windSpeedMs: 0, windFromDeg: 0, temperatureC: 15, siteAltitudeM: 0 },
    });
    const f = repos.flights.create({ missionId: m.id, requestId: req.id, droneId: 'md-1', sysid: 4, connectionUrl: 'tcp://127.0.0.1:1', state: 'approved' });
    return { req, f };
  };
  const state0 = initialFlightState(4, { plan: plan.vehiclePlan!, deliveryPlan: plan }, 1_000);
  return { store, repos, plan, mk, state0, sqlite: new SqliteFlightStore(repos) };
}

const withStatus = (s: FlightState, status: FlightState['status'], extra: Partial<FlightState> = {}): FlightState => ({ ...s, status, ...extra });

describeOnEngines('flight store', (engine) => {
  describe('SqliteFlightStore (the fleet layer’s FlightStore on SQLite)', () => {
    it('keeps the runner state; unfinished flights come back with their plan for re-attaching', () => {
      const { repos, plan, mk, state0, sqlite, store } = setUp(engine.open);
      const { f } = mk();
      sqlite.createFlight({
        id: String(f.id),
        sysid: 4,
        connection: 'tcp://127.0.0.1:1',
        plan: plan.vehiclePlan!,
        deliveryPlan: plan,
        state: state0,
        createdAt: 1000,
        updatedAt: 1000,
      });
      const enRoute = withStatus(state0, 'en-route', { timestamps: { ...state0.timestamps, takeoffAt: 5_000 } });
      sqlite.saveTransition(String(f.id), { from: 'arming', to: 'en-route', t: 5_000, cause: 'MISSION_CURRENT 1, armed, climbing' }, enRoute);
      const rec = repos.flights.byId(f.id)!;
      expect(rec.state).toBe('en-route');
      expect(rec.airborneAt).toBe(new Date(5_000).toISOString());
      const loaded = sqlite.loadUnfinishedFlights();
      expect(loaded).toHaveLength(1);
      expect(loaded[0]).toMatchObject({ id: String(f.id), sysid: 4, connection: 'tcp://127.0.0.1:1' });
      expect(loaded[0]!.state.status).toBe('en-route');
      expect(loaded[0]!.plan).toEqual(plan.vehiclePlan);
      sqlite.saveTransition(String(f.id), { from: 'landed', to: 'completed', t: 9_000, cause: 'disarmed at home' }, withStatus(state0, 'completed'));
      expect(sqlite.loadUnfinishedFlights()).toEqual([]);
      expect(repos.flights.transitions(f.id).map((t) => t.cause)).toEqual(['MISSION_CURRENT 1, armed, climbing', 'disarmed at home']);
      store.close();
    });

    it('writes a track batch for several flights in one transaction: a bad point refuses the whole batch', () => {
      const { repos, mk, sqlite, store } = setUp(engine.open);
      const a = mk().f;
      const b = mk().f;
      const pt = (flightId: number, t: number, lat = 34.75): TrackPoint => ({
        flightId: String(flightId),
        t,
        lat,
        lon: 113.6,
        relAltM: 30,
        altAmslM: 30,
        groundSpeedMs: 10,
        headingDeg: 90,
        batteryPct: 95,
        status: 'en-route',
      });
      sqlite.appendTrack([pt(a.id, 1000), pt(b.id, 1000), pt(a.id, 2000), pt(b.id, 2000)]);
      expect(repos.track.forFlight(a.id)).toHaveLength(2);
      expect(repos.track.forFlight(b.id)).toHaveLength(2);
      expect(() => sqlite.appendTrack([pt(a.id, 3000), pt(b.id, 3000), pt(b.id, 4000, Number.NaN)])).toThrow();
      expect(repos.track.forFlight(a.id)).toHaveLength(2);
      expect(repos.track.forFlight(b.id)).toHaveLength(2);
      store.close();
    });

    it('a confirmed delivery marks the request delivered; an abort before the drop marks it failed with the reason', () => {
      const { repos, mk, sqlite, state0, store } = setUp(engine.open);
      const one = mk();
      const delivery = {
        ...state0.delivery,
        release: { t: 7_000, lat: 34.753, lon: 113.605, relAltM: 2, positionAgeMs: 100, text: 'Gripper load released', seq: 4, distanceM: 0.8 },
        delivered: true,
        deliveredAt: 7_100,
      };
      sqlite.saveDelivery(String(one.f.id), delivery);
      sqlite.saveDelivery(String(one.f.id), delivery); // repeated: still one delivery
      expect(repos.requests.byId(one.req.id)!.status).toBe('delivered');
      expect(repos.flights.delivery(one.f.id)).toMatchObject({
        lat: 34.753,
        lon: 113.605,
        distanceM: 0.8,
        cause: 'Gripper load released',
        at: new Date(7_100).toISOString(),
      });
      expect(repos.audit.list({ limit: 10 }).filter((e) => e.action === 'request.delivered')).toHaveLength(1);

      const two = mk();
      const aborted = withStatus(state0, 'aborted', { reason: 'aborted by pilot.zhao: storm', abort: { by: 'pilot.zhao', t: 8_000, reason: 'storm' } });
      sqlite.saveTransition(String(two.f.id), { from: 'en-route', to: 'aborted', t: 8_000, cause: 'abort by pilot.zhao' }, aborted);
      expect(repos.requests.byId(two.req.id)).toMatchObject({ status: 'failed', statusReason: 'aborted by pilot.zhao: storm' });
      expect(repos.flights.byId(two.f.id)).toMatchObject({ state: 'aborted', stateReason: 'aborted by pilot.zhao: storm' });
      store.close();
    });

    it("a delivery is recorded at the release position against the flown mission's drop point, whatever the request row says now", () => {
      const { repos, mk, sqlite, state0, plan, store } = setUp(engine.open);
      const one = mk();
      // the request row moved 1.6 km away (as the edit that raced the approval did before versions)
      const row = repos.requests.byId(one.req.id)!;
      repos.requests.updateFields(one.req.id, { ...row, lat: 34.7674, dropPointName: null });
      const release = { t: 7_000, lat: 34.753, lon: 113.605, relAltM: 2, positionAgeMs: 100, text: 'Gripper load released', seq: 4, distanceM: 0 };
      sqlite.saveDelivery(String(one.f.id), { ...state0.delivery, release, delivered: true, deliveredAt: 7_100 });
      const d = repos.flights.delivery(one.f.id)!;
      const flown = plan.vehiclePlan!.delivery;
      expect(d).toMatchObject({ missionId: repos.flights.byId(one.f.id)!.missionId, lat: 34.753, lon: 113.605, dropLat: flown.lat, dropLon: flown.lon });
      // measured here, from the release to the flown drop point (0.8 m north), not taken from the runner's report
      expect(d.distanceM).toBe(0.8);
      const audit = repos.audit.list({ limit: 5 }).find((e) => e.action === 'request.delivered')!;
      expect(audit.details).toMatchObject({ release: { lat: 34.753, lon: 113.605 }, dropPoint: { lat: flown.lat, lon: flown.lon }, distanceM: 0.8 });
      store.close();
    });
  });
});
