/**
 * The parameters medidrop needs on an ArduCopter beyond ArduPilot's stock SITL defaults
 * (Tools/autotest/default_params/copter.parm). One list for both back-ends: the SITL harness writes
 * it as a .parm file passed after copter.parm in `--defaults`, and the emulator boots with it.
 * `sim/sitl/medidrop.parm` is the same list for people running SITL by hand (a unit test keeps them equal).
 */
const STREAM_GROUPS = ['RAW_SENS', 'EXT_STAT', 'POSITION', 'EXTRA1', 'EXTRA2', 'EXTRA3'];

export const MEDIDROP_PARAMS: { name: string; value: number; why: string }[] = [
  { name: 'GRIP_ENABLE', value: 1, why: 'a gripper holds the parcel (NAV_PAYLOAD_PLACE / DO_GRIPPER release it)' },
  { name: 'GRIP_TYPE', value: 1, why: 'servo gripper' },
  { name: 'SERVO8_FUNCTION', value: 28, why: 'gripper on servo output 8' },
  { name: 'SIM_GRPS_ENABLE', value: 1, why: 'SITL: simulate the servo gripper' },
  { name: 'SIM_GRPS_PIN', value: 8, why: 'SITL: the simulated gripper listens to servo 8' },
  { name: 'FENCE_TYPE', value: 5, why: 'max altitude + polygons; the stock 7 adds a 150 m circle that a delivery breaches' },
  { name: 'FENCE_ACTION', value: 1, why: 'breach → RTL (or LAND)' },
  { name: 'FENCE_ALT_MAX', value: 110, why: 'stay under the 120 m legal ceiling with a margin' },
  { name: 'FENCE_ENABLE', value: 0, why: "medidrop enables the fence itself once the plan's fence is uploaded and verified" },
  { name: 'BATT_CAPACITY', value: 20000, why: 'the police quad of missions/drones/police-quad.json: 260 Wh ≈ 20 Ah at 12.6 V (stock SITL: 3300)' },
  { name: 'BATT_LOW_MAH', value: 5000, why: "low-battery failsafe at the planner's 25 % reserve, mAh left" },
  { name: 'BATT_CRT_MAH', value: 2500, why: 'critical-battery failsafe, mAh left' },
  { name: 'BATT_FS_LOW_ACT', value: 2, why: 'low battery → RTL' },
  { name: 'BATT_FS_CRT_ACT', value: 1, why: 'critical battery → LAND' },
  { name: 'AUTO_OPTIONS', value: 0, why: 'AUTO is not armable: medidrop arms in GUIDED and sends MISSION_START' },
  { name: 'MIS_OPTIONS', value: 0, why: 'a mid-mission NAV_LAND ends the mission unless the plan sets ContinueAfterLand' },
  { name: 'DISARM_DELAY', value: 10, why: 'disarm 10 s after arming without take-off' },
  { name: 'FS_GCS_ENABLE', value: 0, why: 'a delivery continues when the ground link drops; the fence and battery failsafes still act' },
  // Stream rates 0 on both TCP links (nothing streams unasked; medidrop asks with SET_MESSAGE_INTERVAL).
  // The group is per MAVLink channel: channel 0 = SERIAL0 (TCP 5760, the harness's link), channel 1 =
  // SERIAL1 (TCP 5762, medidrop's link). 4.7 spells them MAV1_* / MAV2_*, 4.6 SR0_* / SR1_*; ArduPilot
  // ignores names it does not know in a defaults file (AP_Param: 'Ignored unknown param'), so both go in.
  ...STREAM_GROUPS.flatMap((g) => [
    { name: `MAV1_${g}`, value: 0, why: `stream rate, SERIAL0 (4.7 name; 4.6: SR0_${g})` },
    { name: `SR0_${g}`, value: 0, why: `stream rate, SERIAL0 (4.6 name)` },
    { name: `MAV2_${g}`, value: 0, why: `stream rate, SERIAL1 = medidrop's link (4.7 name; 4.6: SR1_${g})` },
    { name: `SR1_${g}`, value: 0, why: `stream rate, SERIAL1 = medidrop's link (4.6 name)` },
  ]),
];

/** The .parm text (ArduPilot's `NAME value` lines with # comments). */
export function medidropParmText(): string {
  const lines = [
    "# medidrop: parameters on top of ArduPilot's copter.parm (pass both: --defaults copter.parm,medidrop.parm)",
    '# Generated from sim/medidrop-params.ts; keep the two equal.',
    '# No winch here (WINCH_TYPE stays 0): a winch drone (deliveryMethod winch) also needs WINCH_TYPE non-zero',
    '# (1 = PWM winch on a SERVOn_FUNCTION 88 output) on that vehicle, or medidrop refuses to fly its plan',
    '# (ArduCopter would ignore DO_WINCH and the gripper would drop the parcel from the hover height).',
  ];
  for (const p of MEDIDROP_PARAMS) lines.push(`# ${p.why}`, `${p.name} ${p.value}`);
  return lines.join('\n') + '\n';
}

/** Parse a .parm file (`NAME value` or `NAME,value`, # comments). Throws with the line number on garbage. */
export function parseParmText(text: string, source = 'parm file'): Record<string, number> {
  const out: Record<string, number> = {};
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) return;
    const m = /^([A-Za-z0-9_]+)[\s,]+(-?[0-9.eE+-]+)$/.exec(line);
    if (!m) throw new Error(`${source}:${i + 1}: expected 'NAME value', got '${raw.trim()}'`);
    const value = Number(m[2]);
    if (!Number.isFinite(value)) throw new Error(`${source}:${i + 1}: '${m[2]}' is not a number`);
    out[m[1]!] = value;
  });
  return out;
}
