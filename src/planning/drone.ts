/**
 * Drone profiles: the built-in default and validation of profile files (missions/drones/*.json).
 * A profile file is one JSON object with exactly the fields of DroneProfile (see README "Drone
 * profile format"); validation names every wrong field and why.
 */
import type { DeliveryMethod } from '../domain/words.js';
import type { DroneProfile } from './types.js';

/**
 * The built-in default: a light police quadcopter of the DJI M30 class (≈ 4 kg with two ~130 Wh
 * packs, ~40 min hover unloaded) carrying a gripper. Same values as missions/drones/police-quad.json.
 */
export const DEFAULT_DRONE: Readonly<DroneProfile> = Object.freeze({
  id: 'police-quad',
  name: 'Light police quadcopter (gripper)',
  emptyMassKg: 4.0,
  maxPayloadKg: 1.5,
  batteryWh: 260,
  cruiseSpeedMs: 10,
  climbRateMs: 3,
  descentRateMs: 2,
  hoverPowerW: 380,
  cruisePowerW: 340,
  reservePct: 25,
  cruiseAltitudeM: 80,
  maxWindMs: 12,
  deliveryMethod: 'payload-place',
});

export class DroneProfileError extends Error {
  override name = 'DroneProfileError';
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`${source}: invalid drone profile:\n  - ${problems.join('\n  - ')}`);
  }
}

const METHODS: DeliveryMethod[] = ['payload-place', 'winch', 'land-release'];

type NumberField = { [K in keyof DroneProfile]: DroneProfile[K] extends number ? K : never }[keyof DroneProfile];

/** [field, min (exclusive unless inclusive), max, unit] */
const NUMBER_FIELDS: [NumberField, number, number, string, boolean][] = [
  ['emptyMassKg', 0, 25, 'kg', false],
  ['maxPayloadKg', 0, 25, 'kg', true],
  ['batteryWh', 0, 10_000, 'Wh', false],
  ['cruiseSpeedMs', 0, 40, 'm/s', false],
  ['climbRateMs', 0, 10, 'm/s', false],
  ['descentRateMs', 0, 10, 'm/s', false],
  ['hoverPowerW', 0, 50_000, 'W', false],
  ['cruisePowerW', 0, 50_000, 'W', false],
  ['reservePct', 0, 90, '%', true],
  ['cruiseAltitudeM', 0, 500, 'm', false],
  ['maxWindMs', 0, 40, 'm/s', true],
];

/** Validate an already-parsed JSON value as a drone profile; throws DroneProfileError listing all problems. */
export function parseDroneProfile(value: unknown, source = 'drone profile'): DroneProfile {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new DroneProfileError(source, ['expected a JSON object with the fields id, name, emptyMassKg, … (see README "Drone profile format")']);
  }
  const o = value as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of ['id', 'name'] as const) {
    if (typeof o[key] !== 'string' || (o[key] as string).trim() === '') problems.push(`"${key}" must be a non-empty string`);
  }
  for (const [key, min, max, unit, inclusive] of NUMBER_FIELDS) {
    const v = o[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      problems.push(`"${key}" must be a number (${unit}), got ${v === undefined ? 'nothing' : JSON.stringify(v)}`);
    } else if ((inclusive ? v < min : v <= min) || v > max) {
      problems.push(`"${key}" = ${v} ${unit} is out of range (${inclusive ? '≥' : '>'} ${min} and ≤ ${max})`);
    }
  }
  if (!METHODS.includes(o.deliveryMethod as DeliveryMethod)) {
    problems.push(`"deliveryMethod" must be one of ${METHODS.join(', ')}, got ${JSON.stringify(o.deliveryMethod)}`);
  }
  const known = new Set<string>(['id', 'name', 'deliveryMethod', ...NUMBER_FIELDS.map((f) => f[0])]);
  for (const key of Object.keys(o)) if (!known.has(key) && !key.startsWith('$') && key !== 'notes') problems.push(`unknown field "${key}"`);
  if (problems.length > 0) throw new DroneProfileError(source, problems);
  const profile: DroneProfile = {
    id: o.id as string,
    name: o.name as string,
    emptyMassKg: o.emptyMassKg as number,
    maxPayloadKg: o.maxPayloadKg as number,
    batteryWh: o.batteryWh as number,
    cruiseSpeedMs: o.cruiseSpeedMs as number,
    climbRateMs: o.climbRateMs as number,
    descentRateMs: o.descentRateMs as number,
    hoverPowerW: o.hoverPowerW as number,
    cruisePowerW: o.cruisePowerW as number,
    reservePct: o.reservePct as number,
    cruiseAltitudeM: o.cruiseAltitudeM as number,
    maxWindMs: o.maxWindMs as number,
    deliveryMethod: o.deliveryMethod as DeliveryMethod,
  };
  return profile;
}

/** Parse profile JSON text (file contents), with JSON syntax errors reported against the source. */
export function parseDroneProfileText(text: string, source: string): DroneProfile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new DroneProfileError(source, [`not valid JSON: ${err instanceof Error ? err.message : String(err)}`]);
  }
  return parseDroneProfile(value, source);
}
