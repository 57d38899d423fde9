/**
 * A battery swap on the emulator, seen from a bare MAVLink ground station: refused unless disarmed on
 * the ground; otherwise a power cycle — a HEARTBEAT gap with the link left open (a telemetry radio), a
 * fresh boot (time_boot_ms from zero), a full pack (BATTERY_STATUS: nothing consumed, 100 %), the
 * vehicle where it stood, mission and parameters kept (EEPROM). And the ground crew that swaps after a
 * flight's turnaround, not while a drone is idle or back in the air.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { common, minimal } from 'node-mavlink';
import { startEmulator, startGroundCrew, type Emulator } from '../../sim/emulator/index.js';
import { HOME, RawGcs, referenceMission } from './emulator-raw-gcs.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(speedup = 50): Promise<{ emu: Emulator; gcs: RawGcs }> {
  const emu = await startEmulator({ vehicles: [{ sysid: 1, home: HOME }], speedup, readyAfterS: 2 });
  cleanups.push(() => emu.stop());
  const gcs = await RawGcs.tcp(emu.vehicles[0]!.tcpPort);
  cleanups.push(() => gcs.close());
  await gcs.heartbeat();
  return { emu, gcs };
}

/** GUIDED, arm, take off to `alt` m, then LAND and wait until disarmed. Returns when on the ground. */
async function hop(emu: Emulator, gcs: RawGcs, alt = 15): Promise<void> {
  const v = emu.vehicles[0]!;
  await emu.waitSim(emu.simTimeS + 3); // EKF ready
  expect((await gcs.command(1, 176, [1, 4])).result).toBe(0);
  expect((await gcs.command(1, 400, [1])).result).toBe(0);
  expect((await gcs.command(1, 22, [0, 0, 0, 0, 0, 0, alt])).result).toBe(0);
  while (v.position.relAltM < alt - 1) await emu.waitSim(emu.simTimeS + 1);
  expect((await gcs.command(1, 176, [1, 9])).result).toBe(0);
  while (v.armed) await emu.waitSim(emu.simTimeS + 1);
}

describe('battery swap', () => {
  it('is refused while armed and in the air, saying why', async () => {
    const { emu, gcs } = await setup();
    const v = emu.vehicles[0]!;
    await emu.waitSim(emu.simTimeS + 3);
    expect((await gcs.command(1, 176, [1, 4])).result).toBe(0);
    expect((await gcs.command(1, 400, [1])).result).toBe(0);
    expect(() => v.swapBattery()).toThrow(/while armed/);
    expect((await gcs.command(1, 22, [0, 0, 0, 0, 0, 0, 10])).result).toBe(0);
    while (v.position.relAltM < 5) await emu.waitSim(emu.simTimeS + 0.5);
    expect(() => v.swapBattery()).toThrow(/armed|in the air/);
    expect(v.rebootCount).toBe(0);
    expect(v.powered).toBe(true);
  });

  it('power-cycles onto a full pack: HEARTBEAT gap on an open link, new boot, nothing consumed, mission, params and position kept', async () => {
    const { emu, gcs } = await setup();
    const v = emu.vehicles[0]!;
    expect(await gcs.upload(1, 0, referenceMission())).toBe(0);
    expect((await gcs.setParam(1, 'WP_SPD', 7.5)).paramValue).toBeCloseTo(7.5, 5);
    await hop(emu, gcs);
    expect(v.battery.consumedMah).toBeGreaterThan(50);
    const where = v.position;

    const offS = 8;
    const swappedAt = emu.simTimeS;
    const bootMsBefore = v.timeBootMs;
    const heard: number[] = [];
    const off = gcs.on((m) => {
      if (m.msgid === 0) heard.push(emu.simTimeS);
    });
    v.swapBattery({ offS });
    expect(v.powered).toBe(false);
    expect(v.rebootCount).toBe(1);
    expect(v.online).toBe(false);
    // while unpowered it hears nothing either
    expect(await gcs.command(1, 176, [1, 4], 300).catch(() => 'no answer')).toBe('no answer');
    const hb = await gcs.waitFor<minimal.Heartbeat>(0, () => emu.simTimeS > swappedAt + 1, 10_000);
    off();
    expect(gcs.closed).toBe(false);
    expect(hb.baseMode & 128).toBe(0);
    // no HEARTBEAT for the time the pack was out
    expect(heard.filter((t) => t > swappedAt + 0.2 && t < swappedAt + offS - 0.2)).toEqual([]);
    expect(emu.simTimeS - swappedAt).toBeGreaterThanOrEqual(offS);
    expect(v.timeBootMs).toBeLessThan(bootMsBefore);

    // streams are asked for again after a boot; the new pack reads full
    gcs.requestStreams(1, 5);
    const bs = await gcs.waitFor<common.BatteryStatus>(147, () => true, 10_000);
    // AP_BattMonitor counts from zero at boot: only the idle draw since the new boot (0.3 A for seconds)
    expect(bs.currentConsumed).toBeLessThanOrEqual(2);
    expect(bs.batteryRemaining).toBe(100);
    expect(v.battery.remainingPct).toBe(100);
    expect(v.battery.voltageV).toBeCloseTo(v.param('SIM_BATT_VOLTAGE')!, 3);

    // EEPROM survived; the vehicle stands where it landed
    expect(await gcs.download(1, 0)).toHaveLength(referenceMission().length);
    expect(v.param('WP_SPD')).toBeCloseTo(7.5, 5);
    expect(Math.abs(v.position.lat - where.lat) * 111_000).toBeLessThan(0.5);
    expect(Math.abs(v.position.lon - where.lon) * 89_000).toBeLessThan(0.5);
    expect(() => v.swapBattery()).not.toThrow(); // on the ground and disarmed again: another swap is fine
  });

  it('the ground crew swaps after a flight and its turnaround, never while idle or re-armed', async () => {
    const { emu, gcs } = await setup();
    const v = emu.vehicles[0]!;
    const crew = startGroundCrew(emu, { turnaroundS: 20, offS: 2 });
    cleanups.push(() => crew.stop());
    await emu.waitSim(emu.simTimeS + 25);
    expect(crew.swaps).toEqual([]); // never flown: nothing to swap

    await hop(emu, gcs);
    const landedAt = emu.simTimeS;
    const used = v.battery.consumedMah;
    // re-armed within the turnaround: the crew keeps off
    await emu.waitSim(landedAt + 10);
    expect((await gcs.command(1, 176, [1, 4])).result).toBe(0);
    expect((await gcs.command(1, 400, [1])).result).toBe(0);
    await emu.waitSim(emu.simTimeS + 2);
    expect((await gcs.command(1, 400, [0])).result).toBe(0);
    const disarmedAt = emu.simTimeS;
    await emu.waitSim(disarmedAt + 15);
    expect(crew.swaps).toEqual([]);
    await emu.waitSim(disarmedAt + 23);
    expect(crew.swaps).toHaveLength(1);
    const s = crew.swaps[0]!;
    expect(s.sysid).toBe(1);
    expect(s.groundS).toBeGreaterThanOrEqual(20);
    expect(s.t - disarmedAt).toBeGreaterThanOrEqual(20);
    expect(s.before.consumedMah).toBeGreaterThanOrEqual(Math.round(used));
    await emu.waitSim(emu.simTimeS + 3);
    expect(v.powered).toBe(true);
    expect(v.battery.consumedMah).toBeLessThan(5);
    await emu.waitSim(emu.simTimeS + 30);
    expect(crew.swaps).toHaveLength(1); // idle after the swap: no more swaps
  });
});
