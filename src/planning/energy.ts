/**
 * Energy and range model for a multirotor delivery. Pure functions, no I/O.
 *
 * ## Physics
 *
 * **Air density** (ISA troposphere): pressure at altitude h (m)
 *   p(h) = 101 325 Pa · (1 − 0.0065·h / 288.15)^5.25588
 * and density from the ideal gas law with the *actual* air temperature T (K):
 *   ρ = p(h) / (287.053 · T).
 * The density ratio σ = ρ / 1.225 kg/m³ compares with the ISA sea-level day (15 °C) at which drone
 * profiles give their powers. Xining (2,260 m, 15 °C): σ ≈ 0.79. Karamay (−20 °C, ~400 m): σ ≈ 1.10.
 *
 * **Rotor power** (momentum theory): induced power P = T^1.5 / sqrt(2ρA) with thrust T = m·g, so for
 * the same airframe (same disc area A)
 *   P(m, ρ) = P₀ · (m / m₀)^1.5 · (1 / σ)^0.5
 * with P₀ the profile's power at its empty mass m₀ at sea level. We apply this to hover and to cruise
 * power alike (at a delivery drone's 8–15 m/s the induced power still dominates; profile drag and the
 * avionics load are folded into P₀).
 *
 * **Climb** needs the hover power plus the rate of potential-energy gain through an assumed overall
 * efficiency η = 0.6 (motor · ESC · propeller):  P_climb = P_hover + m·g·v_climb / η.
 * **Descent** is taken as 0.85 · P_hover (a descending rotor needs a little less than hovering; we keep
 * most of it, which is conservative).
 *
 * **Wind** (wind triangle). The drone flies its cruise airspeed Va and crabs into the crosswind. With
 * the along-track wind component w_t (positive = tailwind) and the cross-track component w_c:
 *   ground speed Vg = sqrt(Va² − w_c²) + w_t,
 * so a headwind lowers Vg: the leg takes longer (d / Vg) and, at the same power, costs more energy.
 * Wind stronger than the airframe's `maxWindMs`, or a leg on which Vg ≤ 0.5 m/s, is infeasible.
 * ArduCopter holds its waypoint speed as a *ground* speed, so the mission builder commands each
 * leg's Vg with DO_CHANGE_SPEED (src/missions/build.ts): the drone then flies the airspeed modelled here.
 *
 * **Battery in the cold.** Usable capacity falls with temperature. We use a piecewise-linear curve
 * drawn from typical LiPo / Li-ion datasheet discharge-at-temperature curves at the 1–3 C rates a
 * multirotor draws (an assumption, not a measured model of one pack; a pre-warmed pack does better):
 *   ≥ 20 °C 100 %, 10 °C 95 %, 0 °C 87 %, −10 °C 77 %, −20 °C 65 %, −30 °C 50 %.
 * Below −30 °C the model refuses to plan (outside the packs' discharge range). Karamay at −20 °C thus
 * loses about a third of the battery.
 *
 * **Margin and reserve.** available = batteryWh · capacityFactor(T);
 *   margin % = (available − used) / available · 100.
 * A plan is feasible when margin ≥ the profile's reservePct. A battery that reports r % left
 * (`batteryRemainingPct`) starts with r % of it:  margin % = (r/100 · available − used) / available · 100,
 * the share of the full pack still there on landing; so a flight needs used / available · 100 + reserve
 * percent of charge at take-off (`requiredBatteryPct`).
 *
 * ## Phases of one delivery
 * take-off climb to cruise altitude (loaded) → outbound legs (loaded) → delivery at the drop point
 * (descent, the slow final descent at ArduCopter's LAND_SPEED 0.5 m/s, release, climb back; see
 * `deliveryPhases`) → inbound legs (empty) → descent and landing at the depot (final 10 m at 0.5 m/s,
 * like ArduCopter's LAND_ALT_LOW).
 *
 * ## Worked example (also a unit test: test/unit/energy.test.ts)
 * Drone: empty 4.0 kg, hover 380 W, cruise 340 W, climb 3 m/s, descent 2 m/s, cruise 10 m/s, 260 Wh,
 * reserve 25 %. Payload 1.0 kg, still air, 15 °C, sea level (σ = 1), cruise at 80 m, a straight 2,000 m
 * each way, payload-place delivery on the ground.
 *   loaded mass ratio 5/4 → (1.25)^1.5 = 1.39754; P_hover = 531.07 W, P_cruise = 475.16 W
 *   take-off: 80 m / 3 m/s = 26.67 s at 531.07 + 5·9.80665·3/0.6 = 776.23 W → 5.750 Wh
 *   outbound: 2,000 m / 10 m/s = 200 s at 475.16 W → 26.398 Wh
 *   delivery: descend 65 m / 2 m/s = 32.5 s at 0.85·531.07 W → 4.075 Wh; final 15 m / 0.5 m/s = 30 s
 *     at 531.07 W → 4.426 Wh; release hold 5 s at 380 W → 0.528 Wh; climb 80 m empty = 26.67 s at
 *     380 + 4·9.80665·3/0.6 = 576.13 W → 4.268 Wh
 *   inbound: 200 s at 340 W → 18.889 Wh
 *   landing: 70 m / 2 m/s = 35 s at 323 W → 3.140 Wh; 10 m / 0.5 m/s = 20 s at 323 W → 1.794 Wh
 *   total ≈ 69.27 Wh in ≈ 576 s. At 15 °C the battery gives 97.5 % of 260 Wh = 253.5 Wh, so
 *   margin = (253.5 − 69.27) / 253.5 = 72.7 % ≥ 25 % reserve.
 */
import type { LonLat } from '../geo/types.js';
import type { DeliveryMethod } from '../domain/words.js';
import type { DroneProfile, LegEstimate, Reason, Wind } from './types.js';
import { bearingDeg, distanceM } from '../geo/spherical.js';

export const G = 9.80665;
export const SEA_LEVEL_DENSITY = 1.225;
/** Assumed overall efficiency turning electrical power into climb work. */
export const CLIMB_EFFICIENCY = 0.6;
/** Descent power as a fraction of hover power. */
export const DESCENT_POWER_FACTOR = 0.85;
/** ArduCopter LAND_SPEED default (cm/s 50): the final descent of a landing and of a payload place. */
export const SLOW_DESCENT_MS = 0.5;
/** ArduCopter LAND_ALT_LOW default: below this height a landing slows to LAND_SPEED. */
export const LAND_SLOW_HEIGHT_M = 10;
/** Height above the drop surface from which a payload place / landing starts its slow descent. */
export const APPROACH_HEIGHT_M = 15;
/** Height above the drop surface at which a winch drone hovers while lowering the parcel. */
export const WINCH_HOVER_HEIGHT_M = 20;
/** Winch line speed, m/s. */
export const WINCH_RATE_MS = 0.5;
/** Time spent at the drop point for the release itself (gripper opening, settling), s. */
export const RELEASE_HOLD_S = 5;
/** Slowest acceptable ground speed on a leg, m/s. */
export const MIN_GROUND_SPEED_MS = 0.5;

/** Battery capacity curve (temperature °C → usable fraction). See the module comment. */
export const BATTERY_TEMPERATURE_CURVE: readonly [number, number][] = [
  [-30, 0.5],
  [-20, 0.65],
  [-10, 0.77],
  [0, 0.87],
  [10, 0.95],
  [20, 1],
];
export const MIN_BATTERY_TEMPERATURE_C = -30;

/** ISA static pressure at a geopotential altitude (troposphere), Pa. */
export function isaPressurePa(altitudeM: number): number {
  return 101_325 * (1 - (0.0065 * altitudeM) / 288.15) ** 5.25588;
}

/** Air density from ISA pressure at the altitude and the actual air temperature, kg/m³. */
export function airDensity(altitudeM: number, temperatureC: number): number {
  return isaPressurePa(altitudeM) / (287.053 * (temperatureC + 273.15));
}

/** ρ / ρ₀ with ρ₀ = 1.225 kg/m³ (ISA sea level, 15 °C). */
export function densityRatio(altitudeM: number, temperatureC: number): number {
  return airDensity(altitudeM, temperatureC) / SEA_LEVEL_DENSITY;
}

/** Usable battery fraction at an air temperature (piecewise-linear, flat above 20 °C). */
export function batteryCapacityFactor(temperatureC: number): number {
  const curve = BATTERY_TEMPERATURE_CURVE;
  const first = curve[0]!;
  const last = curve[curve.length - 1]!;
  if (temperatureC <= first[0]) return first[1];
  if (temperatureC >= last[0]) return last[1];
  for (let i = 1; i < curve.length; i++) {
    const [t1, f1] = curve[i]!;
    const [t0, f0] = curve[i - 1]!;
    if (temperatureC <= t1) return f0 + ((f1 - f0) * (temperatureC - t0)) / (t1 - t0);
  }
  return last[1];
}

/** Power scale for mass and air density: (m/m₀)^1.5 · σ^−0.5. */
export function powerScale(massKg: number, emptyMassKg: number, sigma: number): number {
  return (massKg / emptyMassKg) ** 1.5 / Math.sqrt(sigma);
}

export interface WindOnTrack {
  groundSpeedMs: number;
  /** Positive for a tailwind, negative for a headwind, m/s. */
  alongTrackMs: number;
  crossTrackMs: number;
}

/**
 * Wind triangle: ground speed along a track (degrees true) at an airspeed, with the wind given as
 * the direction it blows FROM. Null when the drone cannot make good the track (crosswind ≥ airspeed).
 */
export function windOnTrack(airspeedMs: number, trackDeg: number, wind: Wind): WindOnTrack | null {
  const rad = Math.PI / 180;
  // Wind vector points where the air goes: from (fromDeg) towards fromDeg + 180°.
  const we = -wind.speedMs * Math.sin(wind.fromDeg * rad);
  const wn = -wind.speedMs * Math.cos(wind.fromDeg * rad);
  const te = Math.sin(trackDeg * rad);
  const tn = Math.cos(trackDeg * rad);
  const along = we * te + wn * tn;
  const crossW = Math.abs(we * tn - wn * te);
  if (crossW >= airspeedMs) return null;
  return { groundSpeedMs: Math.sqrt(airspeedMs * airspeedMs - crossW * crossW) + along, alongTrackMs: along, crossTrackMs: crossW };
}

export interface Phase {
  name: string;
  durationS: number;
  powerW: number;
  energyWh: number;
}

export interface EnergyInput {
  drone: DroneProfile;
  payloadKg: number;
  wind: Wind;
  temperatureC: number;
  siteAltitudeM: number;
  /** Height above take-off of the cruise, m. */
  cruiseAltitudeM: number;
  /** Height of the drop surface above take-off, m (rooftop > 0). */
  dropHeightM: number;
  method: DeliveryMethod;
  /** Polylines [lon, lat]: depot → drop point (loaded) and back (empty). */
  outbound: LonLat[];
  inbound: LonLat[];
  /**
   * What the drone's battery reports it has left, % of the pack (SYS_STATUS battery_remaining);
   * absent: a full battery. The margin stays a share of the full (derated) pack, so the reserve
   * means the same energy on landing whatever the charge at take-off.
   */
  batteryRemainingPct?: number;
  /**
   * Over terrain the altitude changes leg by leg (src/planning/altitude-profile.ts): the cruise
   * altitude over the drop point when it differs from `cruiseAltitudeM` (which is then the altitude
   * over the depot), and the climbs made along the legs, m, loaded (outbound) and empty (inbound).
   * Climbing while cruising costs the work m·g·h / η on top of the cruise; descents are not credited.
   */
  dropCruiseAltitudeM?: number;
  enRouteClimbM?: { loaded: number; empty: number };
}

export interface EnergyEstimate {
  feasible: boolean;
  reasons: Reason[];
  legs: LegEstimate[];
  phases: Phase[];
  distanceM: number;
  durationS: number;
  energyWh: number;
  /** Battery energy usable at this temperature, Wh. */
  availableWh: number;
  capacityFactor: number;
  densityRatio: number;
  marginPct: number;
  reservePct: number;
  /** Loaded hover and cruise power at the site, W. */
  loadedHoverPowerW: number;
  loadedCruisePowerW: number;
}

const wh = (powerW: number, durationS: number) => (powerW * durationS) / 3600;

function phase(name: string, durationS: number, powerW: number): Phase {
  return { name, durationS, powerW, energyWh: wh(powerW, durationS) };
}

interface Powers {
  hover: number;
  cruise: number;
  climb: number;
  descent: number;
}

function powersAt(drone: DroneProfile, massKg: number, sigma: number): Powers {
  const k = powerScale(massKg, drone.emptyMassKg, sigma);
  const hover = drone.hoverPowerW * k;
  return {
    hover,
    cruise: drone.cruisePowerW * k,
    climb: hover + (massKg * G * drone.climbRateMs) / CLIMB_EFFICIENCY,
    descent: hover * DESCENT_POWER_FACTOR,
  };
}

/** Vertical work at the drop point for each delivery method. */
export function deliveryPhases(
  drone: DroneProfile,
  loaded: Powers,
  empty: Powers,
  cruiseAltitudeM: number,
  dropHeightM: number,
  method: DeliveryMethod,
): Phase[] {
  const above = Math.max(0, cruiseAltitudeM - dropHeightM);
  const phases: Phase[] = [];
  if (method === 'winch') {
    const hoverH = Math.min(WINCH_HOVER_HEIGHT_M, above);
    const lowerS = Math.ceil(hoverH / WINCH_RATE_MS);
    phases.push(phase('descent to winch height', (above - hoverH) / drone.descentRateMs, loaded.descent));
    phases.push(phase('lower parcel by winch', lowerS + RELEASE_HOLD_S, loaded.hover));
    phases.push(phase('release and retract line', 2 * RELEASE_HOLD_S + lowerS, empty.hover));
    phases.push(phase('climb back to cruise', (above - hoverH) / drone.climbRateMs, empty.climb));
    return phases;
  }
  const approach = Math.min(APPROACH_HEIGHT_M, above);
  phases.push(phase('descent to approach height', (above - approach) / drone.descentRateMs, loaded.descent));
  phases.push(phase(method === 'land-release' ? 'landing on the drop point' : 'payload place descent', approach / SLOW_DESCENT_MS, loaded.hover));
  // A landed drone draws little; a payload place holds a hover while the gripper opens.
  phases.push(phase('release', RELEASE_HOLD_S, method === 'land-release' ? 0 : empty.hover));
  phases.push(phase('climb back to cruise', above / drone.climbRateMs, empty.climb));
  return phases;
}

function legEstimates(path: LonLat[], drone: DroneProfile, wind: Wind, powerW: number, reasons: Reason[]): LegEstimate[] {
  const legs: LegEstimate[] = [];
  for (let i = 1; i < path.length; i++) {
    const from = path[i - 1]!;
    const to = path[i]!;
    const d = distanceM(from, to);
    const w = d > 0 ? windOnTrack(drone.cruiseSpeedMs, bearingDeg(from, to), wind) : { groundSpeedMs: drone.cruiseSpeedMs, alongTrackMs: 0, crossTrackMs: 0 };
    if (!w || w.groundSpeedMs < MIN_GROUND_SPEED_MS) {
      if (!reasons.some((r) => r.code === 'wind-too-strong')) {
        reasons.push({
          code: 'wind-too-strong',
          message: `with ${wind.speedMs} m/s wind from ${wind.fromDeg}° the drone (cruise ${drone.cruiseSpeedMs} m/s) cannot make headway on the leg towards ${to[1].toFixed(5)}, ${to[0].toFixed(5)}`,
          params: { windMs: wind.speedMs, maxWindMs: drone.maxWindMs },
        });
      }
      legs.push({ from, to, distanceM: d, groundSpeedMs: 0, durationS: Infinity, energyWh: Infinity });
      continue;
    }
    const durationS = d / w.groundSpeedMs;
    legs.push({ from, to, distanceM: d, groundSpeedMs: w.groundSpeedMs, durationS, energyWh: wh(powerW, durationS) });
  }
  return legs;
}

/** The work of climbing h metres while cruising (no extra time: the climb is flown along the leg). */
function enRouteClimb(name: string, heightM: number, massKg: number): Phase[] {
  if (!(heightM > 0)) return [];
  return [{ name, durationS: 0, powerW: 0, energyWh: (massKg * G * heightM) / CLIMB_EFFICIENCY / 3600 }];
}

/** Flight time, energy and margin of a delivery; reasons when it cannot be flown. */
export function estimateEnergy(input: EnergyInput): EnergyEstimate {
  const { drone, payloadKg, wind, temperatureC, siteAltitudeM, cruiseAltitudeM, dropHeightM, method } = input;
  const reasons: Reason[] = [];
  if (payloadKg > drone.maxPayloadKg) {
    reasons.push({
      code: 'too-heavy',
      message: `payload ${payloadKg} kg exceeds ${drone.name}'s maximum payload of ${drone.maxPayloadKg} kg`,
      params: { payloadKg, maxPayloadKg: drone.maxPayloadKg },
    });
  }
  if (wind.speedMs > drone.maxWindMs) {
    reasons.push({
      code: 'wind-too-strong',
      message: `wind ${wind.speedMs} m/s exceeds ${drone.name}'s limit of ${drone.maxWindMs} m/s`,
      params: { windMs: wind.speedMs, maxWindMs: drone.maxWindMs },
    });
  }
  if (temperatureC < MIN_BATTERY_TEMPERATURE_C) {
    reasons.push({
      code: 'too-cold',
      message: `air temperature ${temperatureC} °C is below the battery's discharge range (${MIN_BATTERY_TEMPERATURE_C} °C)`,
      params: { temperatureC, minTemperatureC: MIN_BATTERY_TEMPERATURE_C },
    });
  }
  const sigma = densityRatio(siteAltitudeM, temperatureC);
  const capacityFactor = batteryCapacityFactor(temperatureC);
  const availableWh = drone.batteryWh * capacityFactor;
  const chargeFraction = input.batteryRemainingPct === undefined ? 1 : Math.max(0, Math.min(100, input.batteryRemainingPct)) / 100;
  const startWh = availableWh * chargeFraction;
  const loaded = powersAt(drone, drone.emptyMassKg + payloadKg, sigma);
  const empty = powersAt(drone, drone.emptyMassKg, sigma);

  const outLegs = legEstimates(input.outbound, drone, wind, loaded.cruise, reasons);
  const inLegs = legEstimates(input.inbound, drone, wind, empty.cruise, reasons);
  const sum = (legs: LegEstimate[], f: (l: LegEstimate) => number) => legs.reduce((s, l) => s + f(l), 0);

  const landFast = Math.max(0, cruiseAltitudeM - LAND_SLOW_HEIGHT_M);
  const landSlow = Math.min(cruiseAltitudeM, LAND_SLOW_HEIGHT_M);
  const phases: Phase[] = [
    phase('take-off climb', cruiseAltitudeM / drone.climbRateMs, loaded.climb),
    { name: 'outbound cruise', durationS: sum(outLegs, (l) => l.durationS), powerW: loaded.cruise, energyWh: sum(outLegs, (l) => l.energyWh) },
    ...enRouteClimb('outbound climbs', input.enRouteClimbM?.loaded ?? 0, drone.emptyMassKg + payloadKg),
    ...deliveryPhases(drone, loaded, empty, input.dropCruiseAltitudeM ?? cruiseAltitudeM, dropHeightM, method),
    ...enRouteClimb('inbound climbs', input.enRouteClimbM?.empty ?? 0, drone.emptyMassKg),
    { name: 'inbound cruise', durationS: sum(inLegs, (l) => l.durationS), powerW: empty.cruise, energyWh: sum(inLegs, (l) => l.energyWh) },
    phase('descent to land', landFast / drone.descentRateMs, empty.descent),
    phase('landing', landSlow / SLOW_DESCENT_MS, empty.descent),
  ];
  const energyWh = phases.reduce((s, p) => s + p.energyWh, 0);
  const durationS = phases.reduce((s, p) => s + p.durationS, 0);
  const marginPct = ((startWh - energyWh) / availableWh) * 100;
  const chargeNote = chargeFraction < 1 ? ` with the battery at ${Math.round(chargeFraction * 100)} %` : '';
  if (Number.isFinite(energyWh)) {
    const windNote = wind.speedMs > 0 ? ` with ${wind.speedMs} m/s wind from ${wind.fromDeg}°` : '';
    const oneWayKm = Math.round(sum(outLegs, (l) => l.distanceM) / 100) / 10;
    const coldNote = capacityFactor < 1 ? ` (${Math.round(capacityFactor * 100)} % of ${drone.batteryWh} Wh at ${temperatureC} °C)` : '';
    if (energyWh > startWh) {
      reasons.push({
        code: 'battery-insufficient',
        message: `too far for the battery${windNote}${chargeNote}: the flight needs ${energyWh.toFixed(1)} Wh but only ${startWh.toFixed(1)} Wh are usable${coldNote}`,
        params: { neededWh: Number(energyWh.toFixed(1)), usableWh: Number(availableWh.toFixed(1)), distanceKm: oneWayKm },
      });
    } else if (marginPct < drone.reservePct) {
      reasons.push({
        code: 'margin-below-reserve',
        message: `only ${marginPct.toFixed(1)} % of the battery would be left on landing${windNote}${chargeNote}, below the ${drone.reservePct} % reserve (needs ${energyWh.toFixed(1)} Wh of ${availableWh.toFixed(1)} Wh usable${coldNote})`,
        params: { marginPct: Number(marginPct.toFixed(1)), reservePct: drone.reservePct, distanceKm: oneWayKm },
      });
    }
  }
  return {
    feasible: reasons.length === 0,
    reasons,
    legs: [...outLegs, ...inLegs],
    phases,
    distanceM: sum(outLegs, (l) => l.distanceM) + sum(inLegs, (l) => l.distanceM),
    durationS,
    energyWh,
    availableWh,
    capacityFactor,
    densityRatio: sigma,
    marginPct,
    reservePct: drone.reservePct,
    loadedHoverPowerW: loaded.hover,
    loadedCruisePowerW: loaded.cruise,
  };
}

/**
 * Charge a flight needs at take-off, % of the pack: the energy it uses as a share of the (derated)
 * pack plus the profile's reserve. The approval compares it with what the drone reports.
 */
export function requiredBatteryPct(drone: DroneProfile, energyWh: number, temperatureC: number): number {
  const availableWh = drone.batteryWh * batteryCapacityFactor(temperatureC);
  return (energyWh / availableWh) * 100 + drone.reservePct;
}
