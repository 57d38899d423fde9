/** The reported battery in the energy model (energy.ts "Margin and reserve"): margin from the charge left, charge a flight needs. */
import { describe, expect, it } from 'vitest';
import { estimateEnergy, requiredBatteryPct, type EnergyInput } from '../../src/planning/energy.js';
import { DEFAULT_DRONE } from '../../src/planning/drone.js';
import type { LonLat } from '../../src/geo/types.js';

const A: LonLat = [101.7782, 36.6171];
const B: LonLat = [101.7782, 36.6171 + 2000 / ((6_371_008.8 * Math.PI) / 180)];
const input = (over: Partial<EnergyInput> = {}): EnergyInput => ({
  drone: { ...DEFAULT_DRONE },
  payloadKg: 1,
  wind: { speedMs: 0, fromDeg: 0 },
  temperatureC: 15,
  siteAltitudeM: 0,
  cruiseAltitudeM: 80,
  dropHeightM: 0,
  method: 'payload-place',
  outbound: [A, B],
  inbound: [B, A],
  ...over,
});

describe('reported battery', () => {
  it('100 % reported is the same plan as no report (the worked example: 72.68 % margin)', () => {
    const full = estimateEnergy(input());
    const reported = estimateEnergy(input({ batteryRemainingPct: 100 }));
    expect(reported.marginPct).toBeCloseTo(full.marginPct, 10);
    expect(full.marginPct).toBeCloseTo(72.68, 1);
  });

  it('the margin drops point for point with the charge: 64 % reported → 72.68 − 36 = 36.68 %', () => {
    expect(estimateEnergy(input({ batteryRemainingPct: 64 })).marginPct).toBeCloseTo(36.68, 1);
  });

  it('below what the flight needs plus the reserve it is infeasible, with the charge in the reason', () => {
    const e = estimateEnergy(input({ batteryRemainingPct: 50 }));
    expect(e.feasible).toBe(false);
    expect(e.reasons[0]!.code).toBe('margin-below-reserve');
    expect(e.reasons[0]!.message).toContain('with the battery at 50 %');
    const empty = estimateEnergy(input({ batteryRemainingPct: 20 }));
    expect(empty.reasons.map((r) => r.code)).toContain('battery-insufficient');
  });

  it('requiredBatteryPct = energy share of the (derated) pack + reserve; feasible exactly from there', () => {
    const e = estimateEnergy(input());
    const need = requiredBatteryPct(DEFAULT_DRONE, e.energyWh, 15);
    // 69.27 Wh of 253.5 Wh = 27.32 % + 25 % reserve
    expect(need).toBeCloseTo(52.32, 1);
    expect(estimateEnergy(input({ batteryRemainingPct: need + 0.01 })).feasible).toBe(true);
    expect(estimateEnergy(input({ batteryRemainingPct: need - 0.01 })).feasible).toBe(false);
  });

  it('the cold derates the pack the same way for the requirement', () => {
    const e = estimateEnergy(input({ temperatureC: -20 }));
    expect(requiredBatteryPct(DEFAULT_DRONE, e.energyWh, -20)).toBeGreaterThan(requiredBatteryPct(DEFAULT_DRONE, estimateEnergy(input()).energyWh, 15));
  });
});
