/**
 * What a phone following a flight receives: a vehicle at the demo's 20× reports its position about 80
 * times a second; the stream carries one position per 250 ms, always the newest, never reordered
 * against state changes and alerts, and the last one before a landing is never lost.
 */
import { describe, expect, it } from 'vitest';
import { TELEMETRY_MIN_INTERVAL_MS, TelemetryPacer } from '../../src/web/sse-pacer.js';
import { FakeClock } from '../support/fake-clock.js';

function stream() {
  const clock = new FakeClock();
  const out: { event: string; data: unknown; at: number }[] = [];
  const start = clock.now();
  const pacer = new TelemetryPacer((event, data) => out.push({ event, data, at: clock.now() - start }), TELEMETRY_MIN_INTERVAL_MS, clock);
  return { clock, out, pacer };
}

describe('telemetry pacing of an event stream', () => {
  it('80 positions a second for 2 s reach the reader as at most 4 a second, the newest each time, the last one included', async () => {
    const { clock, out, pacer } = stream();
    for (let i = 0; i < 160; i++) {
      pacer.telemetry('position', 'position', { i });
      await clock.advance(12.5);
    }
    await clock.advance(1000);
    expect(out.length).toBeLessThanOrEqual(9);
    expect(out.length).toBeGreaterThanOrEqual(8);
    for (let k = 1; k < out.length; k++) expect(out[k]!.at - out[k - 1]!.at).toBeGreaterThanOrEqual(TELEMETRY_MIN_INTERVAL_MS);
    expect(out[0]!.data).toEqual({ i: 0 });
    expect(out.at(-1)!.data).toEqual({ i: 159 });
    // each one written is the newest offered by then (positions only move forward)
    const seq = out.map((o) => (o.data as { i: number }).i);
    expect([...seq].sort((a, b) => a - b)).toEqual(seq);
  });

  it('a state change goes at once, after the position held before it', async () => {
    const { clock, out, pacer } = stream();
    pacer.telemetry('position', 'position', { i: 1 });
    await clock.advance(50);
    pacer.telemetry('position', 'position', { i: 2 });
    pacer.send('state', { to: 'landed' });
    expect(out.map((o) => o.event)).toEqual(['position', 'position', 'state']);
    expect(out[1]!.data).toEqual({ i: 2 });
    expect(out[2]!.at).toBe(50);
    // nothing is left to come later and overwrite what the state change said
    await clock.advance(1000);
    expect(out).toHaveLength(3);
  });

  it('the position right after a state change is not held back (its ETA goes with the new state)', async () => {
    const { clock, out, pacer } = stream();
    pacer.telemetry('position', 'position', { etaTo: 'drop' });
    await clock.advance(10);
    pacer.send('state', { to: 'delivering' });
    await clock.advance(10);
    pacer.telemetry('position', 'position', { etaTo: 'home' });
    expect(out.map((o) => [o.event, o.at])).toEqual([
      ['position', 0],
      ['state', 10],
      ['position', 20],
    ]);
    // and the pacing goes on from there
    pacer.telemetry('position', 'position', { etaTo: 'home', n: 2 });
    expect(out).toHaveLength(3);
  });

  it('keys are paced apart: a battery level does not wait for a position, two drones do not wait for each other', async () => {
    const { clock, out, pacer } = stream();
    pacer.telemetry('position', 'position', { p: 1 });
    pacer.telemetry('battery', 'battery', { pct: 80 });
    pacer.telemetry('drone:xn-01', 'drone', { id: 'xn-01' });
    pacer.telemetry('drone:xn-02', 'drone', { id: 'xn-02' });
    expect(out.map((o) => o.event)).toEqual(['position', 'battery', 'drone', 'drone']);
    await clock.advance(1);
    pacer.telemetry('drone:xn-01', 'drone', { id: 'xn-01', n: 2 });
    expect(out).toHaveLength(4);
    await clock.advance(TELEMETRY_MIN_INTERVAL_MS);
    expect(out.at(-1)!.data).toEqual({ id: 'xn-01', n: 2 });
  });

  it('after close nothing is written, and no timer is left behind', async () => {
    const { clock, out, pacer } = stream();
    pacer.telemetry('position', 'position', { i: 1 });
    pacer.telemetry('position', 'position', { i: 2 });
    pacer.close();
    pacer.send('state', {});
    await clock.advance(1000);
    expect(out).toHaveLength(1);
    expect(clock.pending).toBe(0);
  });
});
