/**
 * The service's fleet view (src/dispatch/fleet-view.ts) over a real store and fake vehicle reports:
 * 'drone' events when what a drone shows changes, state-change listeners (first seen, available →
 * offline → available), a fresh battery (a rise of 20 points) reported once, nothing after close.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { EventBus, type BusEvent } from '../../src/dispatch/events.js';
import { FleetView, type VehicleReports } from '../../src/dispatch/fleet-view.js';
import type { VehicleReport } from '../../src/fleet/fleet-status.js';
import { openStore } from '../../src/store/db.js';

const stores: { close(): void }[] = [];
const views: FleetView[] = [];
afterEach(() => {
  for (const v of views.splice(0)) v.close();
  for (const s of stores.splice(0)) s.close();
});

function setup() {
  const store = openStore(':memory:');
  stores.push(store);
  const { repos } = store;
  repos.drones.create({ id: 'md-1', name: 'MD-1', profileId: 'police-quad', depot: 'Depot', connectionUrl: 'tcp://127.0.0.1:1', sysid: 1, enabled: true });
  let now = 1_000_000;
  const report: VehicleReport = {
    watchedSince: now,
    lastHeardAt: now,
    armed: false,
    modeName: 'STABILIZE',
    battery: { t: now, remainingPct: 40, voltageV: 11.1 },
    position: null,
  };
  let onChange: (() => void) | null = null;
  const reports: VehicleReports = {
    watch: (_url, _sysid, cb) => {
      onChange = () => cb(report);
    },
    vehicleReport: () => ({ ...report }),
  };
  const bus = new EventBus();
  const events: BusEvent[] = [];
  bus.subscribe((e) => events.push(e));
  const view = new FleetView(repos, bus, { liveState: () => null }, reports, { now: () => now, offlineAfterMs: 15_000, tickMs: 60_000 });
  views.push(view);
  const changes: [string, string | null, string][] = [];
  view.onStateChange((id, from, to) => changes.push([id, from, to]));
  const rises: string[] = [];
  view.onBatteryRise((id) => rises.push(id));
  return {
    repos,
    view,
    events,
    changes,
    rises,
    report,
    tick: (ms: number) => {
      now += ms;
    },
    heard: () => {
      report.lastHeardAt = now;
      onChange?.();
    },
  };
}

describe('FleetView', () => {
  it('reports the drone with its battery and link; first seen is a state change from null', () => {
    const f = setup();
    f.view.checkAll();
    expect(f.view.get('md-1')).toMatchObject({ state: 'available', linkUp: true, battery: { remainingPct: 40 } });
    expect(f.changes).toEqual([['md-1', null, 'available']]);
    expect(f.events).toContainEqual({ type: 'drone', droneId: 'md-1' });
  });

  it('nothing new, no event; silence past the limit → offline; heard again → available', () => {
    const f = setup();
    f.view.checkAll();
    const n = f.events.length;
    f.view.checkAll();
    expect(f.events.length).toBe(n);
    f.tick(16_000);
    f.view.checkAll();
    expect(f.view.get('md-1')!.state).toBe('offline');
    f.heard();
    expect(f.changes.map((c) => c.slice(1))).toEqual([
      [null, 'available'],
      ['available', 'offline'],
      ['offline', 'available'],
    ]);
  });

  it('a rise of the reported battery by 20 points or more is a fresh pack, told once', () => {
    const f = setup();
    f.view.checkAll();
    f.report.battery = { t: 2, remainingPct: 50, voltageV: 11.4 };
    f.heard();
    expect(f.rises).toEqual([]);
    f.report.battery = { t: 3, remainingPct: 98, voltageV: 12.6 };
    f.heard();
    expect(f.rises).toEqual(['md-1']);
    f.report.battery = { t: 4, remainingPct: 97, voltageV: 12.6 };
    f.heard();
    expect(f.rises).toEqual(['md-1']);
  });

  it('an admin-disabled drone is in maintenance', () => {
    const f = setup();
    f.repos.drones.update('md-1', { enabled: false });
    f.view.check('md-1');
    expect(f.view.get('md-1')).toMatchObject({ state: 'maintenance', availableAt: null });
  });

  it('after close nothing is published', () => {
    const f = setup();
    f.view.close();
    f.view.checkAll();
    expect(f.events).toEqual([]);
  });
});
