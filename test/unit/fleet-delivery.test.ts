import { describe, expect, it } from 'vitest';
import {
  createHandoverCode,
  hashHandoverCode,
  isReleaseText,
  newDeliveryRecord,
  randomHandoverCode,
  recordItemDone,
  recordRelease,
  verifyHandoverCode,
} from '../../src/fleet/delivery.js';
import { DROP, HOME, SYSID, ev, feed, offset, payloadPlaceFlight, referencePlan, toEnRoute } from './fleet-fixtures.js';

const planned = { lat: DROP.lat, lon: DROP.lon, seq: 6, method: 'payload-place' as const };
const at = (north: number, east: number, t = 100) => ({ t, ...offset(300 + north, 150 + east), relAltM: 0.2 });

describe('delivery confirmation', () => {
  it('delivered: release on the delivery item within 3 m, and the item completed', () => {
    let d = newDeliveryRecord(planned);
    d = recordRelease(d, { t: 100, text: 'PayloadPlace: Releasing the gripper', seq: 6, position: at(2, 1) });
    expect(d.delivered).toBe(false);
    expect(d.reason).toBe('waiting for the delivery item to complete');
    d = recordItemDone(d, 160);
    expect(d.delivered).toBe(true);
    expect(d.deliveredAt).toBe(160);
    expect(d.release).toMatchObject({ t: 100, seq: 6, text: 'PayloadPlace: Releasing the gripper' });
    expect(d.release!.distanceM).toBeCloseTo(Math.hypot(2, 1), 1);
    expect(d.release!.lat).toBeCloseTo(offset(302, 151).lat, 7);
  });

  it('not delivered: released 4 m away with the default 3 m tolerance, the record says where', () => {
    let d = newDeliveryRecord(planned);
    d = recordItemDone(recordRelease(d, { t: 100, text: 'Gripper load released', seq: 6, position: at(4, 0) }), 160);
    expect(d.delivered).toBe(false);
    expect(d.reason).toBe('released 4.0 m from the drop point (tolerance 3 m)');
    expect(d.release!.distanceM).toBeCloseTo(4, 1);
  });

  it('the tolerance is configurable', () => {
    const d = recordItemDone(recordRelease(newDeliveryRecord(planned, 5), { t: 100, text: 'Gripper load released', seq: 6, position: at(4, 0) }), 160);
    expect(d.delivered).toBe(true);
    expect(() => newDeliveryRecord(planned, 0)).toThrow(/tolerance must be a positive number of metres, got 0/);
  });

  it('not delivered: released on another mission item, or with no recent position', () => {
    const other = recordItemDone(recordRelease(newDeliveryRecord(planned), { t: 100, text: 'Gripper load released', seq: 3, position: at(0, 0) }), 160);
    expect(other.reason).toBe('released on mission item 3, not the delivery item 6');
    const stale = recordItemDone(
      recordRelease(newDeliveryRecord(planned), { t: 10_000, text: 'Gripper load released', seq: 6, position: at(0, 0, 100) }),
      10_100,
    );
    expect(stale.delivered).toBe(false);
    expect(stale.reason).toBe('no recent position at the release');
    const none = recordRelease(newDeliveryRecord(planned), { t: 100, text: 'Gripper load released', seq: 6, position: null });
    expect(none.reason).toBe('no recent position at the release');
  });

  it('the first release counts; a second text does not move it', () => {
    const d1 = recordRelease(newDeliveryRecord(planned), { t: 100, text: 'PayloadPlace: Releasing the gripper', seq: 6, position: at(0, 0) });
    const d2 = recordRelease(d1, { t: 200, text: 'Gripper load released', seq: 6, position: at(10, 0, 200) });
    expect(d2).toBe(d1);
  });

  it('recognises ArduCopter release texts only', () => {
    expect(isReleaseText('PayloadPlace: Releasing the gripper')).toBe(true);
    expect(isReleaseText('Gripper load released')).toBe(true);
    expect(isReleaseText('Gripper load grabbed')).toBe(false);
    expect(isReleaseText('Mission: 6 PayloadPlace')).toBe(false);
  });

  it('in a flight, a release 5 m away counts with a 6 m tolerance but not with the default', () => {
    const near = offset(305, 150);
    const strict = feed({ plan: referencePlan() }, [...toEnRoute(), ...payloadPlaceFlight(3000, near)]);
    expect(strict.state.delivery.delivered).toBe(false);
    const loose = feed({ plan: referencePlan(), options: { releaseToleranceM: 6 } }, [...toEnRoute(), ...payloadPlaceFlight(3000, near)]);
    expect(loose.state.delivery.delivered).toBe(true);
    expect(loose.state.status).toBe('completed');
    void HOME;
    void SYSID;
    void ev;
  });
});

describe('hand-over codes', () => {
  it('creates a 6-digit code and stores only a salted hash', async () => {
    const { code, hash } = await createHandoverCode();
    expect(code).toMatch(/^\d{6}$/);
    expect(hash).not.toContain(code);
    expect(hash).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    const again = await hashHandoverCode(code);
    expect(again).not.toBe(hash); // a new salt each time
  });

  it('accepts the right code (spaces and dashes ignored) and refuses others', async () => {
    const { code, hash } = await createHandoverCode();
    expect(await verifyHandoverCode(code, hash)).toBe(true);
    expect(await verifyHandoverCode(`${code.slice(0, 3)} ${code.slice(3)}`, hash)).toBe(true);
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    expect(await verifyHandoverCode(wrong, hash)).toBe(false);
    expect(await verifyHandoverCode('', hash)).toBe(false);
    expect(await verifyHandoverCode('abcdef', hash)).toBe(false);
  });

  it('a malformed stored hash is a plain "no", never an exception', async () => {
    expect(await verifyHandoverCode('123456', 'garbage')).toBe(false);
    expect(await verifyHandoverCode('123456', 'scrypt$99999999$8$1$AAAA$BBBB')).toBe(false);
    expect(await verifyHandoverCode('123456', 'scrypt$16384$8$1$$')).toBe(false);
  });

  it('codes are uniformly random digits: 2,000 codes are almost all different and use every digit', async () => {
    const codes = Array.from({ length: 2000 }, () => randomHandoverCode(6));
    expect(new Set(codes).size).toBeGreaterThan(1980); // birthday bound: ~2 collisions expected in 10^6
    const counts = new Array(10).fill(0) as number[];
    for (const c of codes) for (const ch of c) counts[Number(ch)]!++;
    for (const n of counts) expect(n).toBeGreaterThan(1000); // 1,200 expected per digit
    await expect(createHandoverCode(3)).rejects.toThrow(/digits must be an integer from 4 to 12, got 3/);
  });
});
