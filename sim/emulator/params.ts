/**
 * The emulated ArduCopter's parameter table. Names follow ArduCopter 4.7 (MAV_SYSID, WP_SPD in m/s,
 * RTL_ALT_M, MAV1_* stream rates) unless the vehicle is started with `paramNaming: '4.6'`
 * (SYSID_THISMAV, WPNAV_SPEED in cm/s, RTL_ALT in cm, SR0_*). Values are sent as floats
 * (ArduPilot's MAV_PROTOCOL_CAPABILITY_PARAM_FLOAT) with the parameter's MAV_PARAM_TYPE.
 */
import { MEDIDROP_PARAMS } from '../medidrop-params.js';

export type ParamNaming = '4.7' | '4.6';

/** MAV_PARAM_TYPE */
export const PARAM_INT8 = 2;
export const PARAM_INT16 = 4;
export const PARAM_INT32 = 6;
export const PARAM_REAL32 = 9;

interface ParamDef {
  name: string;
  /** 4.6 spelling and the factor from the 4.7 unit to the 4.6 unit (m → cm: 100). */
  old?: { name: string; scale: number };
  value: number;
  type: number;
}

const I8 = PARAM_INT8;
const I16 = PARAM_INT16;
const I32 = PARAM_INT32;
const F = PARAM_REAL32;

/** ArduCopter defaults (with the stock SITL copter.parm values where it differs) for what the emulator uses. */
const DEFS: ParamDef[] = [
  { name: 'MAV_SYSID', old: { name: 'SYSID_THISMAV', scale: 1 }, value: 1, type: I16 },
  { name: 'MAV_GCS_SYSID', old: { name: 'SYSID_MYGCS', scale: 1 }, value: 255, type: I16 },
  { name: 'FRAME_CLASS', value: 1, type: I8 },
  { name: 'FRAME_TYPE', value: 0, type: I8 },
  { name: 'ARMING_CHECK', value: 1, type: I32 },
  { name: 'DISARM_DELAY', value: 10, type: I8 },
  { name: 'AUTO_OPTIONS', value: 0, type: I32 },
  { name: 'MIS_OPTIONS', value: 0, type: I16 },
  { name: 'MIS_RESTART', value: 0, type: I8 },
  { name: 'MIS_TOTAL', value: 0, type: I16 },
  { name: 'WP_SPD', old: { name: 'WPNAV_SPEED', scale: 100 }, value: 10, type: F },
  { name: 'WP_SPD_UP', old: { name: 'WPNAV_SPEED_UP', scale: 100 }, value: 2.5, type: F },
  { name: 'WP_SPD_DN', old: { name: 'WPNAV_SPEED_DN', scale: 100 }, value: 1.5, type: F },
  { name: 'WP_ACC', old: { name: 'WPNAV_ACCEL', scale: 100 }, value: 2.5, type: F },
  { name: 'WP_RADIUS_M', old: { name: 'WPNAV_RADIUS', scale: 100 }, value: 2, type: F },
  { name: 'RTL_ALT_M', old: { name: 'RTL_ALT', scale: 100 }, value: 15, type: F },
  { name: 'RTL_SPEED_MS', old: { name: 'RTL_SPEED', scale: 100 }, value: 0, type: F },
  { name: 'RTL_LOIT_TIME', value: 5000, type: I32 },
  { name: 'RTL_ALT_FINAL', value: 0, type: F },
  { name: 'LAND_SPEED', value: 50, type: I16 },
  { name: 'LAND_ALT_LOW', value: 1000, type: I16 },
  { name: 'PLDP_SPEED_DN', value: 0, type: F },
  { name: 'PLDP_THRESH', value: 0.9, type: F },
  { name: 'MOT_THST_HOVER', value: 0.39, type: F }, // copter.parm (ArduCopter's default is 0.35)
  { name: 'PLDP_DELAY', value: 0, type: F },
  { name: 'PLDP_RNG_MAX', value: 0, type: F },
  { name: 'FENCE_ENABLE', value: 0, type: I8 },
  { name: 'FENCE_TYPE', value: 7, type: I8 },
  { name: 'FENCE_ACTION', value: 1, type: I8 },
  { name: 'FENCE_ALT_MAX', value: 100, type: F },
  { name: 'FENCE_ALT_MIN', value: -10, type: F },
  { name: 'FENCE_RADIUS', value: 150, type: F },
  { name: 'FENCE_MARGIN', value: 2, type: F },
  { name: 'RALLY_TOTAL', value: 0, type: I8 },
  { name: 'RALLY_LIMIT_KM', value: 0.3, type: F },
  { name: 'RALLY_INCL_HOME', value: 1, type: I8 },
  { name: 'OA_TYPE', value: 0, type: I8 },
  { name: 'GRIP_ENABLE', value: 0, type: I8 },
  { name: 'GRIP_TYPE', value: 0, type: I8 },
  // SERVOn_FUNCTION: outputs 1–4 drive the quad's motors (Motor1–4 = 33–36, set by AP_MotorsMatrix),
  // the rest are unassigned until configured (medidrop: 8 = gripper 28; a PWM winch needs one with 88)
  ...Array.from({ length: 16 }, (_, k) => ({ name: `SERVO${k + 1}_FUNCTION`, value: k < 4 ? 33 + k : 0, type: I16 })),
  { name: 'SIM_GRPS_ENABLE', value: 0, type: I8 },
  { name: 'SIM_GRPS_PIN', value: -1, type: I8 },
  { name: 'WINCH_TYPE', value: 0, type: I8 },
  { name: 'WINCH_RATE_MAX', value: 1, type: F },
  { name: 'WINCH_POS_P', value: 1, type: F },
  { name: 'WINCH_OPTIONS', value: 7, type: I16 }, // AP_Winch: SpinFreelyOnStartup | VerboseOutput | RetryIfStuck
  { name: 'BATT_MONITOR', value: 4, type: I8 },
  { name: 'BATT_CAPACITY', value: 3300, type: I32 },
  { name: 'BATT_LOW_VOLT', value: 10.5, type: F },
  { name: 'BATT_CRT_VOLT', value: 0, type: F },
  { name: 'BATT_LOW_MAH', value: 0, type: F },
  { name: 'BATT_CRT_MAH', value: 0, type: F },
  { name: 'BATT_FS_LOW_ACT', value: 0, type: I8 },
  { name: 'BATT_FS_CRT_ACT', value: 0, type: I8 },
  { name: 'FS_EKF_ACTION', value: 1, type: I8 },
  { name: 'FS_EKF_THRESH', value: 0.8, type: F },
  { name: 'FS_GCS_ENABLE', value: 0, type: I8 },
  { name: 'FS_GCS_TIMEOUT', value: 5, type: F },
  { name: 'FS_THR_ENABLE', value: 1, type: I8 },
  { name: 'TERRAIN_ENABLE', value: 1, type: I8 },
  { name: 'AHRS_EKF_TYPE', value: 3, type: I8 },
  { name: 'SIM_SPEEDUP', value: 1, type: F },
  { name: 'SIM_WIND_SPD', value: 0, type: F },
  { name: 'SIM_WIND_DIR', value: 180, type: F },
  { name: 'SIM_BATT_VOLTAGE', value: 12.6, type: F },
  ...['RAW_SENS', 'EXT_STAT', 'RC_CHAN', 'RAW_CTRL', 'POSITION', 'EXTRA1', 'EXTRA2', 'EXTRA3', 'PARAMS', 'ADSB'].map(
    (s): ParamDef => ({ name: `MAV1_${s}`, old: { name: `SR0_${s}`, scale: 1 }, value: 0, type: I16 }),
  ),
];

export interface ParamEntry {
  name: string;
  value: number;
  type: number;
}

export class ParamTable {
  private readonly entries: ParamEntry[] = [];
  private readonly byName = new Map<string, ParamEntry>();
  /** 4.7 name → wire name (and scale) for the naming in use. */
  private readonly wire = new Map<string, { name: string; scale: number }>();

  constructor(
    readonly naming: ParamNaming = '4.7',
    overrides: Record<string, number> = {},
    medidropDefaults = true,
  ) {
    for (const d of DEFS) {
      const spell = naming === '4.6' && d.old ? d.old : { name: d.name, scale: 1 };
      const entry: ParamEntry = { name: spell.name, value: d.value * spell.scale, type: d.type };
      this.entries.push(entry);
      this.byName.set(entry.name, entry);
      this.wire.set(d.name, spell);
    }
    if (medidropDefaults) for (const p of MEDIDROP_PARAMS) this.setByAnyName(p.name, p.value);
    for (const [k, v] of Object.entries(overrides)) {
      if (!this.setByAnyName(k, v)) throw new Error(`unknown emulator parameter '${k}'`);
    }
  }

  /** Sets by wire name, or by the 4.7 name converted to this table's spelling. */
  private setByAnyName(name: string, value: number): boolean {
    if (this.byName.has(name)) return this.set(name, value) !== undefined;
    const spell = this.wire.get(name);
    if (spell && this.byName.has(spell.name)) return this.set(spell.name, value * spell.scale) !== undefined;
    return false;
  }

  get count(): number {
    return this.entries.length;
  }

  list(): readonly ParamEntry[] {
    return this.entries;
  }

  index(name: string): number {
    return this.entries.findIndex((e) => e.name === name);
  }

  at(i: number): ParamEntry | undefined {
    return this.entries[i];
  }

  /** Wire lookup (exact name as sent by a GCS). */
  find(name: string): ParamEntry | undefined {
    return this.byName.get(name);
  }

  /** Set by wire name; integers are rounded and clamped like ArduPilot's AP_Int types. Returns the stored entry. */
  set(name: string, value: number): ParamEntry | undefined {
    const e = this.byName.get(name);
    if (!e || !Number.isFinite(value)) return undefined;
    if (e.type === PARAM_INT8) e.value = Math.max(-128, Math.min(127, Math.round(value)));
    else if (e.type === PARAM_INT16) e.value = Math.max(-32768, Math.min(32767, Math.round(value)));
    else if (e.type === PARAM_INT32) e.value = Math.round(value);
    else e.value = Math.fround(value);
    return e;
  }

  /** Value by 4.7 name in 4.7 units, whatever the wire spelling. */
  get(name47: string): number {
    const spell = this.wire.get(name47) ?? { name: name47, scale: 1 };
    const e = this.byName.get(spell.name);
    if (!e) throw new Error(`emulator parameter '${name47}' is not defined`);
    return e.value / spell.scale;
  }

  /** Internal update by 4.7 name (e.g. MIS_TOTAL), no wire echo. */
  setInternal(name47: string, value: number): void {
    const spell = this.wire.get(name47) ?? { name: name47, scale: 1 };
    this.set(spell.name, value * spell.scale);
  }
}
