/**
 * `medidrop upload --connect URL FILE.plan`: put a .plan's mission, fence and rally points (and the
 * fence parameters it needs) on a vehicle, read everything back and compare. Progress on stderr,
 * the report as JSON on stdout; exit 0 when the vehicle holds the plan, 1 when it does not (it was
 * then cleared or restored), 2 for bad input.
 */
import { UsageError, parseCommandArgs, readSmallTextFile } from './common.js';
import { CONNECT_FLAGS, CONNECT_HELP, connectFromFlags } from './connect.js';
import { parsePlanFile, PlanFileError, type ParsedPlanFile } from '../missions/export-qgc.js';
import type { TransferProgress } from '../mavlink/types.js';

const HELP = `usage: medidrop upload --connect URL [options] FILE.plan

Uploads mission, fence and rally points from a QGroundControl .plan (as written by 'medidrop plan'),
sets the fence parameters, reads every part back and compares. On any failure the vehicle is
cleared and its parameters restored; the report says so.

A plan saved again by QGroundControl has lost medidrop's parameters: they are rebuilt from its
mission, fence and rally points, or the file is refused with the reason (e.g. no inclusion fence).

  --attempts N         whole-transfer attempts when the vehicle gives up (default 3)
${CONNECT_HELP}`;

const TYPE = ['mission', 'fence', 'rally'] as const;

export function progressLine(p: TransferProgress): string {
  const what = p.phase === 'params' ? 'parameters' : `${TYPE[p.missionType]} ${p.phase}`;
  return `${what}: ${p.done}/${p.total}`;
}

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { ...CONNECT_FLAGS, attempts: { type: 'string' } }, true);
  if (values.help) {
    process.stdout.write(HELP + '\n');
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`upload needs exactly one .plan file, got ${positionals.length}\n\n${HELP}`);
  const file = positionals[0]!;
  const text = readSmallTextFile(file, `cannot read ${file}`);
  let parsed: ParsedPlanFile;
  try {
    parsed = parsePlanFile(text);
  } catch (err) {
    if (err instanceof PlanFileError) throw new UsageError(`${file}: ${err.message}`);
    throw err;
  }
  const attempts = values.attempts === undefined ? undefined : Number(values.attempts);
  if (attempts !== undefined && (!Number.isInteger(attempts) || attempts < 1 || attempts > 100))
    throw new UsageError(`--attempts must be an integer 1–100, got '${values.attempts}'`);

  const plan = parsed.plan;
  if (parsed.paramsFrom === 'derived') {
    const list = Object.entries(plan.params)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    process.stderr.write(
      `${file} has no medidrop member (saved again by QGroundControl?): parameters rebuilt from its mission, fence and rally points: ${list}\n`,
    );
  }

  const { conn, vehicle } = await connectFromFlags(values);
  try {
    process.stderr.write(
      `vehicle ${vehicle.sysid} on ${conn.description}: uploading ${file} (mission ${plan.mission.length}, fence ${plan.fence.length}, rally ${plan.rally.length} items)\n`,
    );
    let lastLine = '';
    const report = await vehicle.uploadPlan(plan, {
      ...(attempts !== undefined ? { attempts } : {}),
      onProgress: (p) => {
        const line = progressLine(p);
        if (line !== lastLine) process.stderr.write(line + '\n');
        lastLine = line;
      },
    });
    process.stdout.write(JSON.stringify({ sysid: vehicle.sysid, file, ...report }, null, 2) + '\n');
    process.stderr.write(report.ok ? 'upload verified: the vehicle holds the plan\n' : `upload failed: ${report.message}\n`);
    return report.ok ? 0 : 1;
  } finally {
    await conn.close();
  }
}
