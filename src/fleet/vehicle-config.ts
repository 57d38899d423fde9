/**
 * Pre-flight vehicle configuration check: does the vehicle have the hardware the plan's delivery
 * relies on? Pure: `requiredVehicleParams(plan)` says which parameters to read and what they must
 * be; `checkVehicleConfig(readings)` turns what the vehicle answered into problems a pilot can act on.
 * The flight runner reads the parameters (VehicleLink.readParams: all in one pipelined exchange)
 * after upload + verify and before arming, and fails the flight when any check fails.
 *
 * Why (see /work/shared/ARDUPILOT.md "Delivery in flight"):
 * - DO_WINCH does nothing on an ArduCopter without a winch (WINCH_TYPE = 0): the winch sequence's
 *   DO_GRIPPER then lets the parcel go at the hover height, ~20 m above the ground.
 * - NAV_PAYLOAD_PLACE and DO_GRIPPER need a gripper (GRIP_ENABLE = 1): without one the parcel is
 *   never released (payload place climbs back with it; land-release takes off again with it).
 */
import { common } from 'node-mavlink';
import type { DeliveryMethod } from '../domain/words.js';
import type { VehiclePlan } from '../missions/types.js';
import { WINCH_RATE_MS } from '../planning/energy.js';

const CMD = common.MavCmd;

/** One parameter the plan needs, and what it must be. */
export interface VehicleParamCheck {
  /** ArduCopter parameter name (the same in 4.6 and 4.7). */
  param: string;
  /** 'nonzero': any value but 0 (e.g. a winch type); `atLeast`: a minimum (a rate); otherwise the exact value. */
  expect: { equals: number } | { atLeast: number } | 'nonzero';
  /** What goes wrong when the vehicle lacks it: completes "the vehicle has no … configured (P = v): …". */
  consequence: string;
  /** What the parameter stands for, e.g. 'winch', 'gripper'. */
  device: string;
}

/** What the vehicle answered for one check: the value, or why it could not be read. */
export type ParamReading = { check: VehicleParamCheck; value: number } | { check: VehicleParamCheck; error: string };

export interface VehicleConfigProblem {
  param: string;
  /** null when the vehicle did not report the parameter. */
  value: number | null;
  message: string;
}

function has(plan: Pick<VehiclePlan, 'mission'>, command: number): boolean {
  return plan.mission.some((it) => it.seq > 0 && it.command === command);
}

/** The line length the winch sequence pays out (DO_WINCH param3), i.e. the drop height without a winch. */
function winchDropM(plan: Pick<VehiclePlan, 'mission'>): number | null {
  let m = 0;
  for (const it of plan.mission) if (it.command === CMD.DO_WINCH && Number.isFinite(it.param3) && it.param3 > m) m = it.param3;
  return m > 0 ? m : null;
}

function gripperConsequence(method: DeliveryMethod): string {
  switch (method) {
    case 'payload-place':
      return 'NAV_PAYLOAD_PLACE would descend to the drop point and climb back without releasing the parcel';
    case 'land-release':
      return 'DO_GRIPPER after landing at the drop point would release nothing and the drone would take off again with the parcel';
    case 'winch':
      return 'DO_GRIPPER at the end of the winch line would release nothing and the parcel would be wound back in and flown home';
  }
}

/**
 * The parameter checks a plan's delivery needs. Taken from the delivery method and from the mission
 * items themselves (a .plan file may carry DO_WINCH / DO_GRIPPER / NAV_PAYLOAD_PLACE too).
 */
export function requiredVehicleParams(plan: Pick<VehiclePlan, 'mission'> & { delivery: Pick<VehiclePlan['delivery'], 'method'> }): VehicleParamCheck[] {
  const method = plan.delivery.method;
  const checks: VehicleParamCheck[] = [];
  if (method === 'winch' || has(plan, CMD.DO_WINCH)) {
    const dropM = winchDropM(plan);
    const height = dropM !== null ? `${Math.round(dropM)} m` : 'the hover height';
    checks.push({
      param: 'WINCH_TYPE',
      expect: 'nonzero',
      device: 'winch',
      consequence: has(plan, CMD.DO_GRIPPER)
        ? `ArduCopter would ignore DO_WINCH and the gripper would drop the parcel from ${height}`
        : 'ArduCopter would ignore DO_WINCH and the parcel would never be lowered',
    });
    // ArduCopter's DO_WINCH ignores the mission's rate (param4) and pays out at WINCH_RATE_MAX; the
    // plan waits line ÷ WINCH_RATE_MS before releasing (AP_Winch, mode_auto.cpp do_winch).
    checks.push({
      param: 'WINCH_RATE_MAX',
      expect: { atLeast: WINCH_RATE_MS },
      device: 'winch',
      consequence: `the line would still be paying out when the plan releases the parcel (the plan assumes ${WINCH_RATE_MS} m/s), so the gripper would open in the air`,
    });
  }
  const needsGripper = method === 'payload-place' || method === 'land-release' || has(plan, CMD.DO_GRIPPER) || has(plan, CMD.NAV_PAYLOAD_PLACE);
  if (needsGripper) checks.push({ param: 'GRIP_ENABLE', expect: { equals: 1 }, device: 'gripper', consequence: gripperConsequence(method) });
  return checks;
}

/**
 * The checks a delivery method needs before there is any plan: what a drone with that profile must
 * have to deliver at all (the admin's link test). A plan may add more (its own DO_WINCH / DO_GRIPPER).
 */
export function requiredParamsForMethod(method: DeliveryMethod): VehicleParamCheck[] {
  return requiredVehicleParams({ delivery: { method }, mission: [] });
}

function passes(check: VehicleParamCheck, value: number): boolean {
  if (!Number.isFinite(value)) return false;
  if (check.expect === 'nonzero') return value !== 0;
  if ('atLeast' in check.expect) return value >= check.expect.atLeast - 1e-6;
  return value === check.expect.equals;
}

function shown(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Math.round(v * 1000) / 1000);
}

/** The problems among the vehicle's answers (empty: the vehicle is configured for the delivery). */
export function checkVehicleConfig(readings: readonly ParamReading[]): VehicleConfigProblem[] {
  const problems: VehicleConfigProblem[] = [];
  for (const r of readings) {
    const c = r.check;
    if ('error' in r) {
      problems.push({
        param: c.param,
        value: null,
        message: `the vehicle did not report ${c.param} (${r.error}), so it cannot be confirmed that it has a ${c.device}: without one ${c.consequence}`,
      });
    } else if (!passes(c, r.value)) {
      const e = c.expect;
      let message: string;
      if (e !== 'nonzero' && 'atLeast' in e)
        message = `the vehicle's ${c.device} is too slow (${c.param} = ${shown(r.value)}, needs at least ${shown(e.atLeast)}): ${c.consequence}`;
      else if (r.value === 0) message = `the vehicle has no ${c.device} configured (${c.param} = 0): ${c.consequence}`;
      else
        message = `the vehicle's ${c.device} is not enabled (${c.param} = ${shown(r.value)}, needs ${e === 'nonzero' ? 'non-zero' : shown(e.equals)}): ${c.consequence}`;
      problems.push({ param: c.param, value: r.value, message });
    }
  }
  return problems;
}
