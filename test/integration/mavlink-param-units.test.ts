/**
 * A parameter renamed with a unit change (RTL_ALT in cm on ArduCopter 4.6 and 4.7.0-dev, RTL_ALT_M
 * in metres on later 4.7 builds; src/mavlink/params.ts PARAM_UNIT_ALIASES): the client reads and
 * writes it by either name, in the unit of the name it asks for, against the emulator speaking each
 * naming.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator } from '../../sim/emulator/index.js';
import { connect } from '../../src/mavlink/connection.js';
import type { PlanTarget } from '../../src/mavlink/plan-upload.js';
import { HOME, makePlan } from '../support/mavlink-fixtures.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});

async function vehicle(paramNaming: '4.6' | '4.7') {
  const emu = await startEmulator({ vehicles: [{ sysid: 1, home: HOME }], speedup: 20, readyAfterS: 2, paramNaming });
  cleanups.push(() => emu.stop());
  const conn = await connect(`tcp://127.0.0.1:${emu.vehicles[0]!.tcpPort}`, { linkTimeoutMs: 1000 });
  cleanups.push(() => conn.close());
  const v = await conn.waitForVehicle({ timeoutMs: 5000 });
  // The link's pipelined parameter calls are what the plan upload uses (PlanTarget, vehicle.ts).
  return Object.assign(v, { getParams: (v as unknown as PlanTarget).getParams.bind(v), setParams: (v as unknown as PlanTarget).setParams.bind(v) });
}

describe('RTL_ALT (cm) and RTL_ALT_M (m) are one parameter in two units', () => {
  it('4.7 naming (RTL_ALT_M): a plan value for RTL_ALT in cm lands in metres, and reads back in cm', async () => {
    const v = await vehicle('4.7');
    expect(await v.getParams(['RTL_ALT'])).toEqual([1500]);
    expect(await v.setParams([{ name: 'RTL_ALT', value: 6000 }])).toEqual([6000]);
    expect(await v.getParam(['RTL_ALT_M'])).toBe(60);
    expect(await v.getParams(['RTL_ALT_M'])).toEqual([60]);
  });

  it('4.6 naming (RTL_ALT in cm): the same write is stored as it is; RTL_ALT_M asked for reads in metres', async () => {
    const v = await vehicle('4.6');
    expect(await v.setParams([{ name: 'RTL_ALT', value: 6000 }])).toEqual([6000]);
    expect(await v.getParam(['RTL_ALT'])).toBe(6000);
    expect(await v.getParams(['RTL_ALT_M'])).toEqual([60]);
    expect(await v.setParams([{ name: 'RTL_ALT_M', value: 45 }])).toEqual([45]);
    expect(await v.getParam(['RTL_ALT'])).toBe(4500);
  });

  it('a plan setting RTL_ALT (cm) uploads onto a vehicle that knows only RTL_ALT_M', async () => {
    const v = await vehicle('4.7');
    const plan = makePlan();
    const report = await v.uploadPlan({ ...plan, params: { ...plan.params, RTL_ALT: 12300 } });
    expect(report.ok).toBe(true);
    expect(report.paramsSet.RTL_ALT).toBe(12300);
    expect(await v.getParam(['RTL_ALT_M'])).toBe(123);
  });
});
