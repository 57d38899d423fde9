/** Queue ETAs (src/dispatch/queue-eta.ts): greedy in queue order, earliest arrival, turnaround between flights. */
import { describe, expect, it } from 'vitest';
import { queueEtas, queueOrder, type EtaDrone, type EtaRequest } from '../../src/dispatch/queue-eta.js';

const NOW = 1_700_000_000_000;
const MIN = 60_000;
const drone = (id: string, inMin = 0, turnaroundS = 600): EtaDrone => ({ id, availableAt: NOW + inMin * MIN, turnaroundS });
const req = (requestId: number, ...options: [string, number, number][]): EtaRequest => ({
  requestId,
  options: options.map(([droneId, durationMin, outboundMin]) => ({ droneId, durationS: durationMin * 60, outboundS: outboundMin * 60 })),
});

describe('queueOrder', () => {
  it('critical first, then urgent, then routine; oldest first within; id breaks ties', () => {
    const rs = [
      { id: 1, urgency: 'routine' as const, createdAt: '2026-01-01T08:00:00Z' },
      { id: 2, urgency: 'urgent' as const, createdAt: '2026-01-01T09:00:00Z' },
      { id: 3, urgency: 'critical' as const, createdAt: '2026-01-01T10:00:00Z' },
      { id: 4, urgency: 'urgent' as const, createdAt: '2026-01-01T08:30:00Z' },
      { id: 5, urgency: 'urgent' as const, createdAt: '2026-01-01T08:30:00Z' },
    ];
    expect(queueOrder(rs).map((r) => r.id)).toEqual([3, 4, 5, 2, 1]);
  });
});

describe('queueEtas', () => {
  it('one drone free now: the first request takes off now and arrives after its outbound time', () => {
    expect(queueEtas([drone('a')], [req(1, ['a', 10, 4])], NOW)).toEqual([{ requestId: 1, droneId: 'a', takeoffAt: NOW, arrivalAt: NOW + 4 * MIN }]);
  });

  it('the second request on the same drone waits for the first flight and the turnaround', () => {
    const e = queueEtas([drone('a')], [req(1, ['a', 10, 4]), req(2, ['a', 8, 3])], NOW);
    expect(e[1]).toEqual({ requestId: 2, droneId: 'a', takeoffAt: NOW + 20 * MIN, arrivalAt: NOW + 23 * MIN });
  });

  it('two drones: the second request goes to the idle one', () => {
    const e = queueEtas([drone('a'), drone('b')], [req(1, ['a', 10, 4], ['b', 10, 4]), req(2, ['a', 10, 4], ['b', 10, 4])], NOW);
    expect(e.map((x) => [x.droneId, x.takeoffAt])).toEqual([
      ['a', NOW],
      ['b', NOW],
    ]);
  });

  it('a drone in the air is available after its landing and turnaround (availableAt given)', () => {
    const e = queueEtas([drone('a', 25)], [req(1, ['a', 10, 4])], NOW);
    expect(e[0]).toMatchObject({ takeoffAt: NOW + 25 * MIN, arrivalAt: NOW + 29 * MIN });
  });

  it('an availability in the past counts as now', () => {
    expect(queueEtas([drone('a', -5)], [req(1, ['a', 10, 4])], NOW)[0]!.takeoffAt).toBe(NOW);
  });

  it('picks the drone that gets there earliest, not the one free first', () => {
    // a is free now but 20 min out; b is free in 5 min but 4 min out → b arrives at 9 min
    const e = queueEtas([drone('a'), drone('b', 5)], [req(1, ['a', 40, 20], ['b', 10, 4])], NOW);
    expect(e[0]).toMatchObject({ droneId: 'b', takeoffAt: NOW + 5 * MIN, arrivalAt: NOW + 9 * MIN });
  });

  it('a critical request put first in the queue takes the free drone; the routine one behind waits', () => {
    const drones = [drone('a')];
    const routine = req(1, ['a', 10, 4]);
    const critical = req(2, ['a', 6, 2]);
    const e = queueEtas(drones, [critical, routine], NOW);
    expect(e.map((x) => x.requestId)).toEqual([2, 1]);
    expect(e[0]).toMatchObject({ takeoffAt: NOW, arrivalAt: NOW + 2 * MIN });
    expect(e[1]).toMatchObject({ takeoffAt: NOW + 16 * MIN, arrivalAt: NOW + 20 * MIN });
  });

  it('turnaround differs per drone', () => {
    const e = queueEtas([drone('a', 0, 60)], [req(1, ['a', 10, 4]), req(2, ['a', 10, 4])], NOW);
    expect(e[1]!.takeoffAt).toBe(NOW + 11 * MIN);
  });

  it('requests no drone can take (offline drones, no options) get no ETA and do not hold the queue', () => {
    const offline: EtaDrone = { id: 'x', availableAt: null, turnaroundS: 600 };
    const e = queueEtas([offline, drone('a')], [req(1, ['x', 10, 4]), req(2), req(3, ['a', 10, 4])], NOW);
    expect(e).toEqual([{ requestId: 3, droneId: 'a', takeoffAt: NOW, arrivalAt: NOW + 4 * MIN }]);
  });

  it('ties in arrival go to the lower drone id', () => {
    const e = queueEtas([drone('b'), drone('a')], [req(1, ['b', 10, 4], ['a', 10, 4])], NOW);
    expect(e[0]!.droneId).toBe('a');
  });

  it('three requests, two drones: the third takes the drone that comes back first', () => {
    const e = queueEtas(
      [drone('a'), drone('b', 0, 300)],
      [req(1, ['a', 10, 4], ['b', 10, 4]), req(2, ['a', 10, 4], ['b', 10, 4]), req(3, ['a', 10, 4], ['b', 10, 4])],
      NOW,
    );
    expect(e[2]).toMatchObject({ droneId: 'b', takeoffAt: NOW + 15 * MIN });
  });
});
