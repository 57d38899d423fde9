/**
 * Drone leases (src/store/repos/leases.ts, src/dispatch/drone-leases.ts): two instances on one
 * database file, each with its own connection, and a clock the test moves. Acquisition only when
 * free or expired, the token raised on every acquisition, renewal and fence refused with a stale
 * token, the own-clock expiry after a pause, and routed commands taken by exactly one instance.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type OpenedStore } from '../../src/store/db.js';
import { DroneLeases } from '../../src/dispatch/drone-leases.js';
import { OwnerRouting } from '../../src/dispatch/owner-routing.js';
import { ServiceError, flightConflict } from '../../src/dispatch/errors.js';

const opened: OpenedStore[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function twoConnections(): [OpenedStore, OpenedStore] {
  const dir = mkdtempSync(join(tmpdir(), 'medidrop-lease-'));
  dirs.push(dir);
  const a = openStore(join(dir, 'db.sqlite'));
  const b = openStore(join(dir, 'db.sqlite'));
  opened.push(a, b);
  a.repos.drones.create({ id: 'md-1', name: 'MD-1', profileId: 'quad', depot: 'Depot', connectionUrl: 'tcp://127.0.0.1:1', sysid: 1, enabled: true });
  a.repos.drones.create({ id: 'md-2', name: 'MD-2', profileId: 'quad', depot: 'Depot', connectionUrl: 'tcp://127.0.0.1:2', sysid: 2, enabled: false });
  return [a, b];
}

const flush = () => new Promise((r) => setImmediate(r));

describe('leases repository', () => {
  it('acquires only a free or expired lease, raising the token each time; renew and fence need the current token', () => {
    const [a, b] = twoConnections();
    const first = a.repos.leases.acquire('md-1', 'A', 1000, 6000);
    expect(first).toEqual({ droneId: 'md-1', owner: 'A', token: 1, expiresAt: 6000 });
    // held by A until 6000: B cannot take it, nor can A "acquire" it again
    expect(b.repos.leases.acquire('md-1', 'B', 5999, 10_999)).toBeNull();
    expect(a.repos.leases.acquire('md-1', 'A', 2000, 7000)).toBeNull();
    expect(a.repos.leases.renew('md-1', 'A', 1, 9000)).toBe(true);
    expect(b.repos.leases.acquire('md-1', 'B', 8999, 13_999)).toBeNull();
    // expired at 9000: B takes it with token 2
    expect(b.repos.leases.acquire('md-1', 'B', 9000, 14_000)).toEqual({ droneId: 'md-1', owner: 'B', token: 2, expiresAt: 14_000 });
    // A's renewal and fence with token 1 change nothing
    expect(a.repos.leases.renew('md-1', 'A', 1, 15_000)).toBe(false);
    expect(a.repos.leases.fence('md-1', 'A', 1, 9500)).toBe(false);
    expect(b.repos.leases.fence('md-1', 'B', 2, 9500)).toBe(true);
    // the fence also refuses a lease past its expiry, even with the right token
    expect(b.repos.leases.fence('md-1', 'B', 2, 14_000)).toBe(false);
    expect(a.repos.leases.get('md-1')).toEqual({ droneId: 'md-1', owner: 'B', token: 2, expiresAt: 14_000 });
    // release keeps the token counting; force takes a held lease
    expect(b.repos.leases.release('md-1', 'B', 2)).toBe(true);
    expect(a.repos.leases.acquire('md-1', 'A', 10_000, 15_000)?.token).toBe(3);
    expect(b.repos.leases.acquire('md-1', 'B', 10_000, 15_000, true)?.token).toBe(4);
  });

  it('a routed command is taken by exactly one instance, and never after it expired', () => {
    const [a, b] = twoConnections();
    const id = a.repos.vehicleCommands.ask({ droneId: 'md-1', action: 'pause', payload: { flightId: 1 }, askedBy: 'A', askedAt: 0, expiresAt: 1000 });
    expect(b.repos.vehicleCommands.pending(['md-1'], 10).map((c) => c.id)).toEqual([id]);
    expect(b.repos.vehicleCommands.pending(['md-2'], 10)).toEqual([]);
    expect(b.repos.vehicleCommands.take(id, 'B', 10)).toBe(true);
    expect(a.repos.vehicleCommands.take(id, 'A', 10)).toBe(false);
    b.repos.vehicleCommands.answer(id, 'B', { ok: true }, 20);
    expect(a.repos.vehicleCommands.get(id)).toMatchObject({ state: 'answered', takenBy: 'B', answer: { ok: true } });
    const late = a.repos.vehicleCommands.ask({ droneId: 'md-1', action: 'abort', payload: {}, askedBy: 'A', askedAt: 0, expiresAt: 1000 });
    expect(b.repos.vehicleCommands.pending(['md-1'], 1000)).toEqual([]);
    expect(b.repos.vehicleCommands.take(late, 'B', 1000)).toBe(false);
    expect(a.repos.vehicleCommands.withdraw(late)).toBe(true);
  });
});

describe('DroneLeases', () => {
  it('shared: the first instance takes the free drones, the other takes over only after the lease expired', async () => {
    const [a, b] = twoConnections();
    let now = 100_000;
    const clock = () => now;
    const A = new DroneLeases(a.repos, { instanceId: 'A', leaseMs: 3000, shared: true, now: clock });
    const B = new DroneLeases(b.repos, { instanceId: 'B', leaseMs: 3000, shared: true, now: clock });
    const lostA: string[] = [];
    const gotB: string[] = [];
    A.onLost((id, why) => lostA.push(`${id}: ${why}`));
    B.onAcquired((id) => gotB.push(id));
    A.start();
    B.start();
    // md-2 is disabled and has no flight: nobody leases it
    expect(A.owned()).toEqual(['md-1']);
    expect(B.owned()).toEqual([]);
    expect(B.ownerElsewhere('md-1')).toBe('A');
    expect(A.fence('md-1')).toBe(true);
    // A renews in time: B never gets it
    now += 2000;
    A.tick();
    now += 2000;
    B.tick();
    expect(B.owned()).toEqual([]);
    // A is paused past its lease: B takes it over with a higher token
    now += 3001;
    B.tick();
    expect(B.owned()).toEqual(['md-1']);
    expect(gotB).toEqual(['md-1']);
    expect(B.token('md-1')).toBe(2);
    // A wakes up: its own clock says the lease ran out, before it asks the database
    expect(A.holds('md-1')).toBe(false);
    expect(A.fence('md-1')).toBe(false);
    await flush();
    expect(lostA).toHaveLength(1);
    expect(lostA[0]).toMatch(/md-1: lease expired by this instance's clock/);
    // and its next tick does not take it back while B renews
    A.tick();
    expect(A.owned()).toEqual([]);
    A.stop();
    B.stop();
    // a clean stop releases: the lease is free at once
    expect(a.repos.leases.get('md-1')?.expiresAt).toBe(0);
  });

  it('a renewal refused (taken over while this instance still thought it held it) loses the lease', async () => {
    const [a, b] = twoConnections();
    let now = 0;
    const A = new DroneLeases(a.repos, { instanceId: 'A', leaseMs: 3000, shared: true, now: () => now });
    const lost: string[] = [];
    A.onLost((_, why) => lost.push(why));
    A.start();
    // another instance with a faster clock takes it (clock skew): A's next renewal is refused
    expect(b.repos.leases.acquire('md-1', 'B', 3000, 6000)?.token).toBe(2);
    now = 1000;
    A.tick();
    await flush();
    expect(A.holds('md-1')).toBe(false);
    expect(lost).toEqual(['renewal refused: another instance holds the lease now (token 1 is stale)']);
    A.stop();
  });

  it('the holder stores what it last heard from the vehicle with each renewal; the others read it while the lease stands', () => {
    const [a, b] = twoConnections();
    let now = 10_000;
    const A = new DroneLeases(a.repos, { instanceId: 'A', leaseMs: 3000, shared: true, now: () => now });
    const B = new DroneLeases(b.repos, { instanceId: 'B', leaseMs: 3000, shared: true, now: () => now });
    const heard = {
      watchedSince: 9000,
      lastHeardAt: 10_500,
      armed: false,
      modeName: 'STABILIZE',
      battery: { t: 10_500, remainingPct: 97, voltageV: 16.6 },
      position: null,
    };
    A.reportWith((id) => (id === 'md-1' ? heard : null));
    A.start();
    B.start();
    expect(B.reportElsewhere('md-1')).toBeNull(); // nothing stored before the first renewal
    now += 1000;
    A.tick();
    expect(B.reportElsewhere('md-1')).toEqual(heard);
    expect(A.reportElsewhere('md-1')).toBeNull(); // the holder reads its own watcher, not the row
    now += 3000; // A stopped renewing: its report is not shown as current any more
    expect(B.reportElsewhere('md-1')).toBeNull();
    A.stop();
    B.stop();
  });

  it('one instance (not shared) claims every lease at start-up, without waiting for its old ones to expire', () => {
    const [a, b] = twoConnections();
    const now = 50_000;
    // a previous run of this service died holding the lease until 55 000
    expect(a.repos.leases.acquire('md-1', 'old-run', now - 1000, now + 5000)?.token).toBe(1);
    const single = new DroneLeases(b.repos, { instanceId: 'new-run', leaseMs: 5000, shared: false, now: () => now });
    single.start();
    expect(single.owned()).toEqual(['md-1']);
    expect(single.token('md-1')).toBe(2);
    single.stop();
  });

  it('one instance whose event loop stalled past the lease keeps its drones: nobody else can have taken them', async () => {
    const [, b] = twoConnections();
    let now = 0;
    const single = new DroneLeases(b.repos, { instanceId: 'only', leaseMs: 3000, shared: false, now: () => now });
    const lost: string[] = [];
    single.onLost((_, why) => lost.push(why));
    single.start();
    now = 20_000; // a 20 s stall: no tick ran
    expect(single.holds('md-1')).toBe(true);
    expect(single.fence('md-1')).toBe(true);
    expect(single.token('md-1')).toBe(1);
    await flush();
    expect(lost).toEqual([]);
    expect(b.repos.leases.get('md-1')?.expiresAt).toBe(23_000);
    single.stop();
  });
});

describe('OwnerRouting', () => {
  it("a command asked at a non-owner is carried out by the owner; the owner's refusal comes back with its reason", async () => {
    const [a, b] = twoConnections();
    const A = new DroneLeases(a.repos, { instanceId: 'A', leaseMs: 3000, shared: true });
    const B = new DroneLeases(b.repos, { instanceId: 'B', leaseMs: 3000, shared: true });
    A.start();
    B.start();
    const atA = new OwnerRouting(a.repos, A);
    const atB = new OwnerRouting(b.repos, B);
    const carried: string[] = [];
    atA.serve(async (c) => {
      carried.push(`${c.action} ${JSON.stringify(c.payload)} from ${c.askedBy}`);
      if (c.action === 'resume') throw flightConflict('flight-not-paused', 'flight 7 is not paused', { flightId: 7 });
      return { flightId: 7 };
    });
    try {
      expect(B.ownerElsewhere('md-1')).toBe('A');
      expect(await atB.forward('md-1', 'pause', { flightId: 7, userId: 2 }, 'A')).toEqual({ flightId: 7 });
      const refused = await atB.forward('md-1', 'resume', { flightId: 7, userId: 2 }, 'A').catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(ServiceError);
      expect(refused).toMatchObject({ code: 'conflict', message: 'flight 7 is not paused', detail: { reason: 'flight-not-paused', params: { flightId: 7 } } });
      expect(carried).toEqual(['pause {"flightId":7,"userId":2} from B', 'resume {"flightId":7,"userId":2} from B']);
    } finally {
      await atA.close();
      A.stop();
      B.stop();
    }
  });

  it("nobody takes the command (the owner is gone, no takeover yet): it is withdrawn and answered 409 'drone-owner-unreachable'", async () => {
    const [a, b] = twoConnections();
    // the owner holds the lease but serves nothing (as if stalled); the shortest lease keeps the test short
    expect(a.repos.leases.acquire('md-1', 'A', Date.now(), Date.now() + 60_000)).not.toBeNull();
    const B = new DroneLeases(b.repos, { instanceId: 'B', leaseMs: 300, shared: true });
    const atB = new OwnerRouting(b.repos, B);
    const t0 = Date.now();
    const err = await atB.forward('md-1', 'abort', { flightId: 7, userId: 2 }, 'A').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'conflict', detail: { reason: 'drone-owner-unreachable', params: { droneId: 'md-1', action: 'abort' } } });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2 * 300 + 2000);
    // withdrawn: an owner that wakes up later does not carry it out
    expect(a.repos.vehicleCommands.pending(['md-1'], Date.now() - 10_000)).toEqual([]);
  });
});
