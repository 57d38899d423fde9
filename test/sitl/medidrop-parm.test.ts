/**
 * The parameter file shipped for SITL users (sim/sitl/medidrop.parm) is the list the harness and the
 * emulator use (sim/medidrop-params.ts), and the SITL command line is what sim_vehicle.py would run.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { medidropParmText, MEDIDROP_PARAMS, parseParmText } from '../../sim/medidrop-params.js';
import { findCopterDefaults, findSitlBinary, sitlArgs } from '../../sim/sitl/harness.js';
import { ROOT } from '../integration/flight-scenarios.js';

describe('SITL parameter file and command line', () => {
  it('sim/sitl/medidrop.parm equals the list in sim/medidrop-params.ts', () => {
    const file = readFileSync(path.join(ROOT, 'sim/sitl/medidrop.parm'), 'utf8');
    expect(file).toBe(medidropParmText());
    const parsed = parseParmText(file, 'medidrop.parm');
    expect(parsed.GRIP_ENABLE).toBe(1);
    expect(parsed.SERVO8_FUNCTION).toBe(28);
    expect(parsed.SIM_GRPS_PIN).toBe(8);
    expect(parsed.FENCE_TYPE).toBe(5);
    expect(Object.keys(parsed)).toHaveLength(MEDIDROP_PARAMS.length);
  });

  it('quiets the stream groups of medidrop’s own link (SERIAL1 = MAVLink channel 1) in 4.7 and 4.6 spelling', () => {
    // GCS_MAVLink parameters are per channel: MAV1_*/SR0_* is SERIAL0 (the harness), MAV2_*/SR1_* SERIAL1.
    const parsed = parseParmText(medidropParmText());
    for (const g of ['RAW_SENS', 'EXT_STAT', 'POSITION', 'EXTRA1', 'EXTRA2', 'EXTRA3']) {
      for (const n of [`MAV1_${g}`, `SR0_${g}`, `MAV2_${g}`, `SR1_${g}`]) expect(parsed[n], n).toBe(0);
    }
  });

  it('parses ArduPilot .parm syntax and names the bad line', () => {
    expect(parseParmText('# c\nFENCE_RADIUS    150\nFRAME_CLASS,1\n')).toEqual({ FENCE_RADIUS: 150, FRAME_CLASS: 1 });
    expect(() => parseParmText('GOOD 1\nBAD LINE HERE\n', 'x.parm')).toThrow(/x.parm:2/);
  });

  it('builds the sim_vehicle.py command line: model, speedup, instance, sysid, home, comma-separated defaults, -w (wipe, dropped by SITL on reboot)', () => {
    const args = sitlArgs({
      home: { lat: 36.6171, lon: 101.7782, altM: 2260, headingDeg: 90 },
      speedup: 10,
      instance: 2,
      sysid: 3,
      defaults: ['/ap/copter.parm', '/tmp/x/medidrop.parm'],
    });
    expect(args.join(' ')).toBe('--model + --speedup 10 -I 2 --sysid 3 --home 36.6171,101.7782,2260,90 --defaults /ap/copter.parm,/tmp/x/medidrop.parm -w');
  });

  it('finds the binary from ARDUPILOT_SITL_BIN, and copter.parm next to it or from ARDUPILOT_COPTER_DEFAULTS', () => {
    expect(findSitlBinary({ ARDUPILOT_SITL_BIN: '/opt/ap/arducopter', PATH: '' })).toBe('/opt/ap/arducopter');
    expect(findSitlBinary({ PATH: '/nonexistent' })).toBeUndefined();
    const parm = path.join(ROOT, 'sim/sitl/medidrop.parm');
    expect(findCopterDefaults('/opt/ap/arducopter', { ARDUPILOT_COPTER_DEFAULTS: parm })).toBe(parm);
    expect(findCopterDefaults('/nonexistent/arducopter', {})).toBeUndefined();
  });
});
