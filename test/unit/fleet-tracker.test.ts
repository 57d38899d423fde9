import { afterEach, describe, expect, it } from 'vitest';
import { FleetTracker, updateJson, type FlightUpdate } from '../../src/fleet/tracker.js';
import { MemoryFlightStore, MemoryTrackSink } from '../../src/fleet/store.js';
import { CORNER, HOME, SYSID, ev, leg, offset, payloadPlaceFlight, referencePlan, toEnRoute } from './fleet-fixtures.js';
import type { FlightInput } from '../../src/fleet/flight-state.js';

const trackers: FleetTracker[] = [];
function tracker(opts: ConstructorParameters<typeof FleetTracker>[0] = {}): FleetTracker {
  const t = new FleetTracker({ tickIntervalMs: 0, ...opts });
  trackers.push(t);
  return t;
}
afterEach(async () => {
  for (const t of trackers.splice(0)) await t.close();
});

const nextTurn = () => new Promise((r) => setImmediate(r));

function route(t: FleetTracker, id: string, inputs: FlightInput[]): void {
  for (const i of inputs) {
    if ('sysid' in i) t.ingest(i);
    else t.input(id, i);
  }
}

describe('tracker', () => {
  it('routes events by sysid to the flight and persists transitions, alerts, delivery and state in order', async () => {
    const store = new MemoryFlightStore();
    const t = tracker({ store });
    t.addFlight({ id: 'f1', sysid: SYSID, ctx: { plan: referencePlan() }, t: 0 });
    route(t, 'f1', [...toEnRoute(), ...payloadPlaceFlight()]);
    await t.settled();
    expect(store.transitions.get('f1')!.map((x) => x.to)).toEqual([
      'uploading',
      'uploaded',
      'arming',
      'en-route',
      'delivering',
      'returning',
      'landed',
      'completed',
    ]);
    expect(store.deliveries.get('f1')!.delivered).toBe(true);
    expect(store.flights.get('f1')!.state.status).toBe('completed');
    expect(store.loadUnfinishedFlights()).toEqual([]);
    // the vehicle is free for its next flight
    expect(() => t.addFlight({ id: 'f2', sysid: SYSID, ctx: { plan: referencePlan() } })).not.toThrow();
  });

  it('keeps unfinished flights loadable with their latest state (what a restart re-attaches to)', async () => {
    const store = new MemoryFlightStore();
    const t = tracker({ store });
    t.addFlight({ id: 'f1', sysid: SYSID, ctx: { plan: referencePlan() }, t: 0, connection: 'tcp://127.0.0.1:5760' });
    route(t, 'f1', toEnRoute());
    await t.settled();
    const [rec] = store.loadUnfinishedFlights();
    expect(rec).toMatchObject({ id: 'f1', sysid: SYSID, connection: 'tcp://127.0.0.1:5760' });
    expect(rec!.state.status).toBe('en-route');
    expect(rec!.plan.delivery.seq).toBe(6);
  });

  it('refuses a second active flight on the same vehicle, saying which', () => {
    const t = tracker();
    t.addFlight({ id: 'a', sysid: SYSID, ctx: { plan: referencePlan() } });
    expect(() => t.addFlight({ id: 'b', sysid: SYSID, ctx: { plan: referencePlan() } })).toThrow(/vehicle 7 already flies flight a \(approved\)/);
  });

  it('down-samples the track (≥ 1 s or ≥ 5 m, plus every state change) and writes it in batches', async () => {
    const sink = new MemoryTrackSink();
    const t = tracker({ trackSink: sink, track: { batchSize: 10 } });
    t.addFlight({ id: 'f1', sysid: SYSID, ctx: { plan: referencePlan() }, t: 0 });
    route(t, 'f1', toEnRoute());
    // 10 Hz for 5 s, hovering (0 m moved): 1 point a second
    for (let i = 1; i <= 50; i++) t.ingest(ev.pos(3000 + i * 100, offset(0, 0), 30, 0));
    // then 10 Hz moving 2 m per message: a point every 5 m (3rd message)
    for (let i = 1; i <= 30; i++) t.ingest(ev.pos(8000 + i * 100, offset(i * 2, 0), 30, 20));
    await t.settled();
    const pts = sink.points.filter((p) => p.t >= 3000);
    const hover = pts.filter((p) => p.t <= 8000);
    expect(hover.length).toBe(5);
    const moving = pts.filter((p) => p.t > 8000);
    expect(moving.length).toBe(10);
    expect(sink.batches).toBeGreaterThanOrEqual(2);
    // state changes are kept even when close in time and space
    expect(sink.points.map((p) => p.status)).toContain('en-route');
  });

  it('fans one update object out to every subscriber', async () => {
    const t = tracker();
    t.addFlight({ id: 'f1', sysid: SYSID, ctx: { plan: referencePlan() }, t: 0 });
    const got: FlightUpdate[][] = [[], [], []];
    for (const list of got) t.subscribe((u) => void list.push(u));
    t.input('f1', { type: 'upload-started', t: 1 });
    await nextTurn();
    expect(got.map((l) => l.length)).toEqual([1, 1, 1]);
    expect(got[0]![0]).toBe(got[1]![0]);
    expect(updateJson(got[0]![0]!)).toBe(updateJson(got[2]![0]!));
    expect(JSON.parse(updateJson(got[0]![0]!)).transitions[0]).toMatchObject({ from: 'approved', to: 'uploading' });
  });

  it('a slow subscriber does not block the others; it gets the latest state with every transition, coalesced', async () => {
    const t = tracker();
    t.addFlight({ id: 'f1', sysid: SYSID, ctx: { plan: referencePlan() }, t: 0 });
    let release!: () => void;
    const slow: FlightUpdate[] = [];
    const fast: FlightUpdate[] = [];
    t.subscribe((u) => {
      slow.push(u);
      return new Promise<void>((r) => (release = r));
    });
    t.subscribe((u) => void fast.push(u));
    const inputs = [...toEnRoute(), ...leg(HOME, CORNER, 20, 3000, 100)];
    for (const i of inputs) {
      route(t, 'f1', [i]);
      await nextTurn();
    }
    expect(fast.length).toBeGreaterThan(20);
    expect(slow.length).toBe(1);
    expect(t.stats().busySubscribers).toBe(1);
    expect(t.stats().pendingDeliveries).toBe(1); // bounded: one merged update per flight
    release();
    await nextTurn();
    await nextTurn();
    expect(slow.length).toBe(2);
    const merged = slow[1]!;
    expect(merged.state).toBe(t.flightState('f1'));
    expect(merged.merged).toBeGreaterThan(20);
    // no transition lost in the merge
    const all = slow.flatMap((u) => u.transitions.map((x) => x.to));
    expect(all).toEqual(['uploading', 'uploaded', 'arming', 'en-route']);
  });

  it('a throwing subscriber is isolated', async () => {
    const t = tracker();
    t.addFlight({ id: 'f1', sysid: SYSID, ctx: { plan: referencePlan() }, t: 0 });
    const ok: FlightUpdate[] = [];
    t.subscribe(() => {
      throw new Error('boom');
    });
    t.subscribe((u) => void ok.push(u));
    t.input('f1', { type: 'upload-started', t: 1 });
    await nextTurn();
    expect(ok.length).toBe(1);
    expect(t.stats().listenerErrors).toBe(1);
  });

  it('a failing track sink keeps the points for the next flush', async () => {
    let fail = true;
    const kept: number[] = [];
    const t = tracker({
      trackSink: {
        appendTrack(points) {
          if (fail) throw new Error('disk full');
          kept.push(...points.map((p) => p.t));
        },
      },
    });
    t.addFlight({ id: 'f1', sysid: SYSID, ctx: { plan: referencePlan() }, t: 0 });
    route(t, 'f1', toEnRoute());
    t.ingest(ev.pos(5000, offset(50, 0)));
    await t.flushTrack();
    expect(kept).toEqual([]);
    expect(t.stats().trackBuffered).toBeGreaterThan(0);
    fail = false;
    await t.flushTrack();
    expect(kept).toContain(5000);
  });

  it('keeps a snapshot of vehicles without a flight (the fleet map)', () => {
    const t = tracker();
    t.ingest({ ...ev.pos(10, offset(5, 5)), sysid: 42 });
    t.ingest({ ...ev.batt(11, 88), sysid: 42 });
    expect(t.vehicle(42)).toMatchObject({ sysid: 42, linkUp: true, battery: { remainingPct: 88 } });
    expect(t.vehicle(42)!.position!.lat).toBeCloseTo(offset(5, 5).lat, 7);
  });

  it('ticks flights so silence becomes "link lost" without any event', async () => {
    let now = 10_000;
    const t = tracker({ tickIntervalMs: 20, now: () => now, store: new MemoryFlightStore() });
    t.addFlight({ id: 'f1', sysid: SYSID, ctx: { plan: referencePlan(), options: { linkSilenceMs: 2000 } }, t: 0 });
    route(t, 'f1', [...toEnRoute(9000), ev.pos(10_000, HOME, 10)]);
    now = 13_000;
    await new Promise((r) => setTimeout(r, 60));
    expect(t.flightState('f1')!.vehicle.linkUp).toBe(false);
    expect(t.flightState('f1')!.activeAlerts['link-lost']).toBe(true);
  });
});
