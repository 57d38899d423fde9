import { describe, expect, it } from 'vitest';
import { batteryCapacityFactor, densityRatio, estimateEnergy, windOnTrack, type EnergyInput } from '../../src/planning/energy.js';
import { DEFAULT_DRONE } from '../../src/planning/drone.js';
import type { LonLat } from '../../src/geo/types.js';

const A: LonLat = [101.7782, 36.6171];
/** 2,000 m due north of A on the sphere used by the distance function. */
const B: LonLat = [101.7782, 36.6171 + 2000 / ((6_371_008.8 * Math.PI) / 180)];

function input(over: Partial<EnergyInput> = {}): EnergyInput {
  return {
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
  };
}

describe('energy model: hand-computed case (module comment worked example)', () => {
  it('gives 69.27 Wh, 575.8 s and 72.68 % margin', () => {
    const e = estimateEnergy(input());
    expect(e.distanceM).toBeCloseTo(4000, 3);
    // take-off 80 m at 3 m/s with (531.07 + 5·9.80665·3/0.6) W
    const takeoff = e.phases.find((p) => p.name === 'take-off climb')!;
    expect(takeoff.durationS).toBeCloseTo(26.667, 2);
    expect(takeoff.powerW).toBeCloseTo(776.23, 1);
    const outbound = e.phases.find((p) => p.name === 'outbound cruise')!;
    expect(outbound.durationS).toBeCloseTo(200, 3);
    expect(outbound.powerW).toBeCloseTo(340 * 1.25 ** 1.5, 3);
    expect(e.energyWh).toBeCloseTo(69.268, 2);
    expect(e.durationS).toBeCloseTo(575.83, 1);
    expect(e.availableWh).toBeCloseTo(253.5, 6);
    expect(e.marginPct).toBeCloseTo(72.675, 2);
    expect(e.feasible).toBe(true);
  });
});

describe('energy model: monotonic in the conditions', () => {
  const increasing = (xs: number[]) => xs.every((x, i) => i === 0 || x > xs[i - 1]!);
  it('more payload → more energy', () => {
    expect(increasing([0, 0.5, 1, 1.5].map((payloadKg) => estimateEnergy(input({ payloadKg })).energyWh))).toBe(true);
  });
  it('more wind (head one way, tail the other) → more energy and time', () => {
    const runs = [0, 2, 4, 6, 8].map((speedMs) => estimateEnergy(input({ wind: { speedMs, fromDeg: 0 } })));
    expect(increasing(runs.map((e) => e.energyWh))).toBe(true);
    expect(increasing(runs.map((e) => e.durationS))).toBe(true);
  });
  it('crosswind also costs energy', () => {
    expect(estimateEnergy(input({ wind: { speedMs: 6, fromDeg: 90 } })).energyWh).toBeGreaterThan(estimateEnergy(input()).energyWh);
  });
  it('colder → less margin (Karamay −20 °C loses about a third of the battery)', () => {
    const runs = [20, 10, 0, -10, -20].map((temperatureC) => estimateEnergy(input({ temperatureC })));
    const margins = runs.map((e) => e.marginPct);
    expect(margins.every((m, i) => i === 0 || m < margins[i - 1]!)).toBe(true);
    expect(runs[4]!.capacityFactor).toBeCloseTo(0.65, 6);
  });
  it('higher site → thinner air → more energy (Xining 2,260 m)', () => {
    expect(increasing([0, 1000, 2260, 3500].map((siteAltitudeM) => estimateEnergy(input({ siteAltitudeM })).energyWh))).toBe(true);
  });
});

describe('physics pieces', () => {
  it('ISA density: 1 at sea level 15 °C, ≈ 0.80 at 2,260 m on a standard day', () => {
    expect(densityRatio(0, 15)).toBeCloseTo(1, 4);
    // ISA temperature at 2,260 m is 15 − 6.5·2.26 = 0.31 °C; tables give σ ≈ 0.8006
    expect(densityRatio(2260, 0.31)).toBeCloseTo(0.8006, 2);
  });
  it('battery capacity curve', () => {
    expect(batteryCapacityFactor(25)).toBe(1);
    expect(batteryCapacityFactor(0)).toBeCloseTo(0.87, 6);
    expect(batteryCapacityFactor(-5)).toBeCloseTo(0.82, 6);
    expect(batteryCapacityFactor(-40)).toBe(0.5);
  });
  it('wind triangle: headwind, tailwind, crosswind, too strong', () => {
    expect(windOnTrack(10, 0, { speedMs: 4, fromDeg: 0 })!.groundSpeedMs).toBeCloseTo(6, 9);
    expect(windOnTrack(10, 180, { speedMs: 4, fromDeg: 0 })!.groundSpeedMs).toBeCloseTo(14, 9);
    expect(windOnTrack(10, 0, { speedMs: 6, fromDeg: 90 })!.groundSpeedMs).toBeCloseTo(8, 9);
    expect(windOnTrack(10, 0, { speedMs: 10, fromDeg: 270 })).toBeNull();
  });
});

describe('infeasible plans say why', () => {
  it('too heavy', () => {
    const e = estimateEnergy(input({ payloadKg: 2 }));
    expect(e.feasible).toBe(false);
    expect(e.reasons.map((r) => r.code)).toContain('too-heavy');
  });
  it('wind above the airframe limit', () => {
    const e = estimateEnergy(input({ wind: { speedMs: 13, fromDeg: 0 } }));
    expect(e.reasons.map((r) => r.code)).toContain('wind-too-strong');
  });
  it('too far for the battery with this wind', () => {
    const far: LonLat = [A[0], A[1] + 0.05]; // ≈ 5.6 km
    const calm = estimateEnergy(input({ outbound: [A, far], inbound: [far, A] }));
    expect(calm.feasible).toBe(true);
    const windy = estimateEnergy(input({ outbound: [A, far], inbound: [far, A], wind: { speedMs: 9, fromDeg: 0 } }));
    expect(windy.feasible).toBe(false);
    const reason = windy.reasons.find((r) => r.code === 'battery-insufficient')!;
    expect(reason.message).toContain('9 m/s wind from 0°');
  });
  it('margin below reserve', () => {
    const e = estimateEnergy(input({ drone: { ...DEFAULT_DRONE, reservePct: 80 } }));
    expect(e.reasons.map((r) => r.code)).toEqual(['margin-below-reserve']);
    expect(e.reasons[0]!.message).toMatch(/72\.7 % .* below the 80 % reserve/);
  });
  it('below the battery temperature range', () => {
    expect(estimateEnergy(input({ temperatureC: -35 })).reasons.map((r) => r.code)).toContain('too-cold');
  });
});
