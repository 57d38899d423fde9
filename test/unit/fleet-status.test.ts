/** The fleet state of a drone from plain facts (src/fleet/fleet-status.ts). */
import { describe, expect, it } from 'vitest';
import { droneStatus, type DroneStatusInput, type VehicleReport } from '../../src/fleet/fleet-status.js';

const NOW = 1_000_000_000;
const heard = (agoMs: number, battery: number | null = 90): VehicleReport => ({
  watchedSince: NOW - 60_000,
  lastHeardAt: NOW - agoMs,
  armed: false,
  modeName: 'STABILIZE',
  battery: battery === null ? null : { t: NOW - agoMs, remainingPct: battery, voltageV: 12.6 },
  position: null,
});
const input = (o: Partial<DroneStatusInput> = {}): DroneStatusInput => ({
  enabled: true,
  turnaroundS: 600,
  flight: null,
  lastLandedAt: null,
  report: heard(500),
  offlineAfterMs: 15_000,
  linkTimeoutMs: 3000,
  now: NOW,
  ...o,
});

describe('droneStatus', () => {
  it('a drone on the ground, heard just now, with no recent flight is available now', () => {
    expect(droneStatus(input())).toEqual({ state: 'available', availableAt: NOW, linkUp: true });
  });

  it('an admin-disabled drone is in maintenance whatever else is true', () => {
    expect(droneStatus(input({ enabled: false, flight: { status: 'en-route', expectedLandingAt: NOW + 1000 } })).state).toBe('maintenance');
    expect(droneStatus(input({ enabled: false })).availableAt).toBeNull();
  });

  it.each([
    ['approved', 'in-flight'],
    ['uploading', 'in-flight'],
    ['arming', 'in-flight'],
    ['en-route', 'in-flight'],
    ['delivering', 'in-flight'],
    ['returning', 'returning'],
    ['landed', 'turnaround'],
  ] as const)('an unfinished flight in %s makes the drone %s, available after landing + turnaround', (status, state) => {
    const s = droneStatus(input({ flight: { status, expectedLandingAt: NOW + 300_000 } }));
    expect(s.state).toBe(state);
    expect(s.availableAt).toBe(NOW + 300_000 + 600_000);
  });

  it('a landing expected in the past counts from now', () => {
    expect(droneStatus(input({ flight: { status: 'returning', expectedLandingAt: NOW - 50_000 } })).availableAt).toBe(NOW + 600_000);
  });

  it('a flight whose link is lost is still in flight (not offline)', () => {
    const s = droneStatus(input({ flight: { status: 'en-route', expectedLandingAt: NOW + 1000 }, report: heard(60_000) }));
    expect(s.state).toBe('in-flight');
    expect(s.linkUp).toBe(false);
  });

  it('after landing the drone turns around for its turnaround time, then is available', () => {
    expect(droneStatus(input({ lastLandedAt: NOW - 100_000 }))).toMatchObject({ state: 'turnaround', availableAt: NOW + 500_000 });
    expect(droneStatus(input({ lastLandedAt: NOW - 600_000 }))).toMatchObject({ state: 'available', availableAt: NOW });
    expect(droneStatus(input({ lastLandedAt: NOW - 100_000, turnaroundS: 60 }))).toMatchObject({ state: 'available' });
    expect(droneStatus(input({ lastLandedAt: NOW - 1, turnaroundS: 0 })).state).toBe('available');
  });

  it('a drone switched off for its battery swap is turning around, not offline', () => {
    expect(droneStatus(input({ lastLandedAt: NOW - 100_000, report: heard(90_000) })).state).toBe('turnaround');
  });

  it('silence longer than the offline limit makes it offline; a short gap only shows the link down', () => {
    expect(droneStatus(input({ report: heard(16_000) }))).toEqual({ state: 'offline', availableAt: null, linkUp: false });
    expect(droneStatus(input({ report: heard(5000) }))).toEqual({ state: 'available', availableAt: NOW, linkUp: false });
    expect(droneStatus(input({ report: heard(3000) })).linkUp).toBe(true);
  });

  it('a drone never heard is available while its link is still being opened, offline after the limit', () => {
    const never = (sinceAgoMs: number): VehicleReport => ({ ...heard(0), watchedSince: NOW - sinceAgoMs, lastHeardAt: null, battery: null });
    expect(droneStatus(input({ report: never(2000) }))).toEqual({ state: 'available', availableAt: NOW, linkUp: false });
    expect(droneStatus(input({ report: never(15_001) })).state).toBe('offline');
  });

  it('without a link to the vehicles (flights off) the link is not judged', () => {
    expect(droneStatus(input({ report: null }))).toEqual({ state: 'available', availableAt: NOW, linkUp: null });
  });
});
