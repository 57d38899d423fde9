/**
 * The SITL harness against a stand-in binary (test/sitl/fake-arducopter.mjs) that takes the same
 * flags and serves the same ports: the command line, the scratch directory and parameter file, the
 * readiness wait on SERIAL0, the SERIAL1 URL, output collection, and kill-by-pid on stop or failure.
 * Needs the build (dist/) for the stand-in's emulator: `npm test` builds first.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freeInstance, startSitl, type SitlInstance } from '../../sim/sitl/harness.js';
import { ROOT } from '../integration/flight-scenarios.js';

const fake = path.join(ROOT, 'test/sitl/fake-arducopter.mjs');
const built = existsSync(path.join(ROOT, 'dist/sim/emulator/index.js'));
const copterParm = path.join(ROOT, 'sim/sitl/medidrop.parm'); // any readable file stands in for copter.parm
const home = { lat: 36.6171, lon: 101.7782, altM: 2260, headingDeg: 0 };

const running: SitlInstance[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) await s.stop();
  delete process.env.FAKE_SITL_MODE;
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!built)('SITL harness (stand-in binary)', () => {
  it('starts the binary with the SITL flags in a scratch directory, waits until ready, hands out SERIAL1, kills by pid', async () => {
    const instance = await freeInstance(60);
    const sitl = await startSitl({ bin: fake, copterDefaults: copterParm, home, speedup: 7, instance, params: { WP_SPD: 8 } });
    running.push(sitl);
    expect(sitl.port).toBe(5762 + 10 * instance);
    expect(sitl.url).toBe(`tcp://127.0.0.1:${5762 + 10 * instance}`);
    expect(sitl.sysid).toBe(instance + 1);
    const args = JSON.parse(readFileSync(path.join(sitl.dir, 'args.json'), 'utf8')) as string[];
    expect(args).toEqual([
      '--model',
      '+',
      '--speedup',
      '7',
      '-I',
      String(instance),
      '--sysid',
      String(instance + 1),
      '--home',
      '36.6171,101.7782,2260,0',
      '--defaults',
      `${copterParm},${path.join(sitl.dir, 'medidrop.parm')}`,
      '-w',
    ]);
    const parm = readFileSync(path.join(sitl.dir, 'medidrop.parm'), 'utf8');
    expect(parm).toMatch(/^GRIP_ENABLE 1$/m);
    expect(parm).toMatch(/^WP_SPD 8$/m);
    expect(sitl.statusTexts).toContain('EKF3 IMU0 is using GPS');
    expect(sitl.output()).toMatch(/Setting SIM_SPEEDUP=7/);
    expect(alive(sitl.pid)).toBe(true);
    const dir = sitl.dir;
    await sitl.stop();
    expect(alive(sitl.pid)).toBe(false);
    expect(existsSync(dir)).toBe(false);
  });

  it('makes SERIAL0 an active MAVLink channel, as ArduPilot sends STATUSTEXT only to active or streaming channels', async () => {
    // GCS::send_textv (libraries/GCS_MAVLink/GCS.cpp): active_channel_mask | streaming_channel_mask. With
    // the stream rates at 0 a harness that never sends would never see 'EKF3 IMU0 is using GPS'.
    const quiet = path.join(ROOT, 'test/sitl/fake-arducopter-quiet.mjs');
    const sitl = await startSitl({ bin: quiet, copterDefaults: copterParm, home, instance: await freeInstance(60), readyTimeoutMs: 10_000 });
    running.push(sitl);
    expect(sitl.statusTexts).toContain('EKF3 IMU0 is using GPS');
  });

  it('reports a binary that exits at start, pointing at its log, and keeps the scratch directory', async () => {
    process.env.FAKE_SITL_MODE = 'exit';
    const err = await startSitl({ bin: fake, copterDefaults: copterParm, home, instance: await freeInstance(60), readyTimeoutMs: 10_000 }).catch(
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/exited with code 1/);
    const log = /output in (\S+sitl\.log)/.exec((err as Error).message)?.[1];
    expect(log && existsSync(log)).toBeTruthy();
    expect(readFileSync(log!, 'utf8')).toMatch(/Failed to load defaults/);
    rmSync(path.dirname(log!), { recursive: true, force: true });
  });

  it('kills a binary that never becomes ready when the deadline passes', async () => {
    process.env.FAKE_SITL_MODE = 'hang';
    const t0 = Date.now();
    const err = await startSitl({ bin: fake, copterDefaults: copterParm, home, instance: await freeInstance(60), readyTimeoutMs: 1500 }).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/in time/);
    const log = /output in (\S+sitl\.log)/.exec((err as Error).message)?.[1];
    if (log) rmSync(path.dirname(log), { recursive: true, force: true });
    expect(Date.now() - t0).toBeLessThan(8000);
  });

  it('says clearly when there is no binary', async () => {
    const err = await startSitl({
      bin: '/nonexistent/arducopter',
      copterDefaults: copterParm,
      home,
      instance: await freeInstance(60),
      readyTimeoutMs: 2000,
    }).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/ENOENT|exited/);
    const log = /output in (\S+sitl\.log)/.exec((err as Error).message)?.[1];
    if (log) rmSync(path.dirname(log), { recursive: true, force: true });
  });
});
