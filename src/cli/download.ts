/**
 * `medidrop download --connect URL [--type mission|fence|rally]`: read items back from a vehicle,
 * as a JSON array of MissionItem on stdout (progress on stderr).
 */
import { UsageError, parseCommandArgs } from './common.js';
import { CONNECT_FLAGS, CONNECT_HELP, connectFromFlags } from './connect.js';
import { MISSION_TYPE, type MissionTypeName } from '../missions/types.js';

const HELP = `usage: medidrop download --connect URL [--type mission|fence|rally] [options]

Prints the items stored on the vehicle as a JSON array (MAVLink MISSION_ITEM_INT fields; lat/lon in
1e-7 degrees as x/y). ArduPilot returns item 0 of a mission as its home position.

  --type T             mission (default), fence or rally
${CONNECT_HELP}`;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { ...CONNECT_FLAGS, type: { type: 'string' } }, false);
  void positionals;
  if (values.help) {
    process.stdout.write(HELP + '\n');
    return 0;
  }
  const typeName = (values.type ?? 'mission') as MissionTypeName;
  if (!(typeName in MISSION_TYPE)) throw new UsageError(`--type must be mission, fence or rally, got '${values.type}'`);
  const { conn, vehicle } = await connectFromFlags(values);
  try {
    let last = -1;
    const r = await vehicle.downloadItems(MISSION_TYPE[typeName], {
      onProgress: (p) => {
        if (p.done !== last && p.total > 0) process.stderr.write(`${typeName} download: ${p.done}/${p.total}\n`);
        last = p.done;
      },
    });
    if (!r.ok) {
      process.stderr.write(`download failed (${r.error}): ${r.message}\n`);
      return 1;
    }
    process.stdout.write(JSON.stringify(r.value, null, 2) + '\n');
    process.stderr.write(`vehicle ${vehicle.sysid}: ${r.value.length} ${typeName} items\n`);
    return 0;
  } finally {
    await conn.close();
  }
}
