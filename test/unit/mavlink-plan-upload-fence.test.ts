/**
 * uploadPlan against ArduCopter's fence latch (libraries/AC_Fence/AC_Fence.cpp, 4.5+ / 4.6 / 4.7):
 * AC_Fence::update() copies FENCE_TYPE into the active fence mask ONLY when FENCE_ENABLE changes,
 * and get_enabled_fences() = that mask & FENCE_TYPE. A FENCE_TYPE written while FENCE_ENABLE is
 * already 1 therefore never activates a newly added polygon bit. The fake vehicle below models
 * exactly that, so the test fails if the upload leaves the plan's polygon fence inactive.
 */
import { describe, expect, it } from 'vitest';
import { uploadPlan, type PlanTarget } from '../../src/mavlink/plan-upload.js';
import type { MissionType, VehiclePlan } from '../../src/missions/types.js';
import { makePlan } from '../support/mavlink-fixtures.js';

class FenceLatchVehicle implements PlanTarget {
  params: Record<string, number>;
  /** AC_Fence::_enabled_fences. */
  mask = 0;
  writes: string[] = [];
  failType: MissionType | undefined;
  constructor(params: Record<string, number>) {
    this.params = { FENCE_ACTION: 1, FENCE_ALT_MAX: 100, ...params };
    this.latch(); // at boot _last_enabled is false: a stored FENCE_ENABLE 1 latches FENCE_TYPE
  }
  private latch(): void {
    this.mask = this.params.FENCE_ENABLE ? (this.params.FENCE_TYPE ?? 0) & ~8 : 0;
  }
  /** get_enabled_fences(). */
  activeFences(): number {
    return this.mask & (this.params.FENCE_TYPE ?? 0);
  }
  async getParam(name: string | string[]): Promise<number> {
    const n = Array.isArray(name) ? name[0]! : name;
    const v = this.params[n];
    if (v === undefined) throw new Error(`no ${n}`);
    return v;
  }
  async setParam(name: string | string[], value: number): Promise<number> {
    const n = Array.isArray(name) ? name[0]! : name;
    const before = this.params[n];
    this.params[n] = value;
    this.writes.push(`${n}=${value}`);
    if (n === 'FENCE_ENABLE' && before !== value) this.latch();
    return value;
  }
  async getParams(names: string[]): Promise<number[]> {
    const out: number[] = [];
    for (const n of names) out.push(await this.getParam(n));
    return out;
  }
  /** One exchange of independent writes, applied in the order given. */
  async setParams(writes: { name: string; value: number }[]): Promise<number[]> {
    const out: number[] = [];
    for (const w of writes) out.push(await this.setParam(w.name, w.value));
    return out;
  }
  async uploadAndVerify(type: MissionType) {
    if (type === this.failType) return { ok: false as const, error: 'mismatch' as const, message: 'read-back differs' };
    return { ok: true as const, value: undefined };
  }
  async clearItems() {
    return { ok: true as const, value: undefined };
  }
}

const plan: VehiclePlan = makePlan(8, 5, 1); // FENCE_ENABLE 1, FENCE_TYPE 5 (max altitude + polygon)

describe("uploadPlan and ArduCopter's FENCE_ENABLE latch", () => {
  it('fence off before: the polygon is active after the upload', async () => {
    const v = new FenceLatchVehicle({ FENCE_ENABLE: 0, FENCE_TYPE: 7 });
    expect((await uploadPlan(v, plan)).ok).toBe(true);
    expect(v.activeFences() & 4).toBe(4);
    expect(v.activeFences()).toBe(5);
  });

  it('fence already on with a type lacking the polygon bit: switched off, reconfigured, switched on', async () => {
    const v = new FenceLatchVehicle({ FENCE_ENABLE: 1, FENCE_TYPE: 1 });
    const report = await uploadPlan(v, plan);
    expect(report.ok).toBe(true);
    expect(v.activeFences()).toBe(5); // without the off/on cycle it stays 1: no polygon enforced
    expect(v.writes.indexOf('FENCE_ENABLE=0')).toBeLessThan(v.writes.indexOf('FENCE_TYPE=5'));
    expect(v.writes[v.writes.length - 1]).toBe('FENCE_ENABLE=1');
    expect(report.paramsSet.FENCE_ENABLE).toBe(1);
  });

  it('FENCE_TYPE already 5 but written while the fence was on (polygon not latched): the off/on cycle latches it', async () => {
    const v = new FenceLatchVehicle({ FENCE_ENABLE: 1, FENCE_TYPE: 1, FENCE_ALT_MAX: 120 });
    await v.setParam('FENCE_TYPE', 5); // e.g. by another ground station: ArduCopter keeps the old mask
    expect(v.activeFences()).toBe(1);
    v.writes = [];
    expect((await uploadPlan(v, plan)).ok).toBe(true);
    expect(v.writes.filter((w) => w.startsWith('FENCE_ENABLE'))).toEqual(['FENCE_ENABLE=0', 'FENCE_ENABLE=1']);
    expect(v.activeFences()).toBe(5);
  });

  it('a failed upload restores the old type first and re-enables last, so the old fences are active again', async () => {
    const v = new FenceLatchVehicle({ FENCE_ENABLE: 1, FENCE_TYPE: 3 });
    v.failType = 1;
    const report = await uploadPlan(v, plan);
    expect(report.ok).toBe(false);
    expect(v.params.FENCE_TYPE).toBe(3);
    expect(v.params.FENCE_ENABLE).toBe(1);
    expect(v.activeFences()).toBe(3);
  });
});
