/**
 * `medidrop upload` of a plan that QGroundControl saved again (the `medidrop` member gone), as a
 * pilot runs it against the ArduCopter emulator (sim/emulator): the vehicle must end up with the same
 * parameters as after uploading medidrop's own file, or the upload is refused before anything is sent.
 * Spawns dist/src/cli.js (npm test builds first). What QGC writes: test/support/qgc-resave.ts.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../sim/emulator/index.js';
import { exportDeliveryPlan } from '../../src/planner/export-plan.js';
import { planDelivery } from '../../src/planner/plan-delivery.js';
import type { PlanRequest } from '../../src/planning/types.js';
import { CLI, killCliChildren, runCli } from '../support/cli.js';
import { qgcResave } from '../support/qgc-resave.js';
import { drone, exampleMap } from './flight-scenarios.js';

const DEPOT = 'Chengzhong Police Station 城中派出所';
const DROP = 'Jinxiu Garden courtyard 锦绣花园中心庭院';

let dir: string;
let original: string;
let home: { lat: number; lon: number; altM: number };
const emulators: Emulator[] = [];

beforeAll(() => {
  if (!existsSync(CLI)) execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'ignore' });
  dir = mkdtempSync(path.join(tmpdir(), 'medidrop-qgc-'));
  // land-release: its plan needs MIS_OPTIONS as well as the fence and rally parameters
  const req: PlanRequest = {
    from: { name: DEPOT },
    to: { name: DROP },
    drone: { ...drone(), deliveryMethod: 'land-release' },
    conditions: { payloadKg: 0.5, wind: { speedMs: 0, fromDeg: 0 }, temperatureC: 15 },
  };
  const p = planDelivery(exampleMap(), req);
  if (!p.feasible) throw new Error(`plan not feasible: ${JSON.stringify(p.reasons)}`);
  home = p.vehiclePlan!.home;
  original = exportDeliveryPlan(p, req);
}, 120_000);
afterAll(async () => {
  killCliChildren();
  await Promise.all(emulators.map((e) => e.stop().catch(() => undefined)));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function vehicle(): Promise<Emulator> {
  const emu = await startEmulator({ vehicles: [{ sysid: 1, home }], speedup: 20, readyAfterS: 2 });
  emulators.push(emu);
  return emu;
}
const table = (emu: Emulator) => Object.fromEntries(emu.vehicles[0]!.params.list().map((p) => [p.name, p.value]));
const write = (name: string, text: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
};
const upload = (emu: Emulator, file: string) =>
  runCli(['upload', '--connect', `tcp://127.0.0.1:${emu.vehicles[0]!.tcpPort}`, file], { env: { MEDIDROP_LOG_LEVEL: 'silent' }, timeoutMs: 60_000 });

describe('medidrop upload of a .plan saved again by QGroundControl', () => {
  it('sets the same parameters on the vehicle as the original file', async () => {
    const resaved = qgcResave(original, { terrainHomeAltM: home.altM - 3.5 });
    expect(JSON.parse(resaved).medidrop).toBeUndefined();
    const [a, b] = await Promise.all([vehicle(), vehicle()]);
    const before = table(b);
    expect(table(a)).toEqual(before);

    const [ra, rb] = await Promise.all([upload(a, write('original.plan', original)), upload(b, write('resaved.plan', resaved))]);
    expect(ra.code, ra.stderr).toBe(0);
    expect(rb.code, rb.stderr).toBe(0);
    expect(rb.stderr).toMatch(
      /resaved\.plan has no medidrop member .*parameters rebuilt from its mission, fence and rally points: FENCE_ACTION=1 FENCE_ALT_MAX=90 FENCE_ENABLE=1 FENCE_MARGIN=3 FENCE_TYPE=5 MIS_OPTIONS=4 RALLY_INCL_HOME=1 RALLY_LIMIT_KM=0/,
    );
    expect(ra.stderr).not.toMatch(/no medidrop member/);
    const [repA, repB] = [JSON.parse(ra.stdout), JSON.parse(rb.stdout)];
    expect(repB.uploaded).toEqual(repA.uploaded);
    expect(repB.paramsSet).toEqual(repA.paramsSet);

    // The whole parameter table is the same, and the upload did change it (not a vacuous equality).
    const [after, afterB] = [table(a), table(b)];
    expect(afterB).toEqual(after);
    expect(after).toMatchObject({ FENCE_ENABLE: 1, FENCE_ALT_MAX: 90, FENCE_MARGIN: 3, MIS_OPTIONS: 4, RALLY_LIMIT_KM: 0 });
    expect(before).toMatchObject({ FENCE_ENABLE: 0, FENCE_ALT_MAX: 110, FENCE_MARGIN: 2, MIS_OPTIONS: 0 });
  }, 120_000);

  it('refuses a re-saved plan whose parameters cannot be rebuilt, naming what is missing, and sends nothing', async () => {
    const doc = JSON.parse(qgcResave(original));
    doc.geoFence.polygons = [];
    const file = write('nofence.plan', JSON.stringify(doc, null, 4));
    const emu = await vehicle();
    const before = table(emu);
    const r = await upload(emu, file);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nofence\.plan: invalid \.plan file:\n\s+- no medidrop\.params .* the file has no geofence/);
    expect(r.stdout).toBe('');
    expect(table(emu)).toEqual(before);
  }, 60_000);
});
