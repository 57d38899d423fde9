/**
 * The flight runner's sequence and its failure branches, against a scripted VehicleLink (the
 * emulator flights are in test/integration/tracker-*.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { FOUND_ON_GROUND_DELIVERED_REASON, FOUND_ON_GROUND_REASON } from '../../src/domain/words.js';
import { attachFlight, startFlight } from '../../src/fleet/flight-runner.js';
import { MemoryFlightStore } from '../../src/fleet/store.js';
import type { VehicleEvent } from '../../src/mavlink/telemetry.js';
import type { CommandResult, ParamReadResult, PlanUploadReport, TransferResult, VehicleLink } from '../../src/mavlink/types.js';
import type { MissionItem, VehiclePlan } from '../../src/missions/types.js';
import { SYSID, referencePlan } from './fleet-fixtures.js';

const OK: CommandResult = { ok: true, result: 0, resultName: 'ACCEPTED' };

class ScriptedVehicle implements VehicleLink {
  readonly sysid = SYSID;
  readonly compid = 1;
  online = true;
  customMode: number | undefined = 0;
  armed = false;
  calls: string[] = [];
  private readonly listeners = new Set<(e: VehicleEvent) => void>();
  upload: PlanUploadReport = { ok: true, uploaded: { mission: 11, fence: 0, rally: 0 }, paramsSet: {} };
  ready: () => Promise<void> = () => Promise.resolve();
  armResult: () => CommandResult = () => OK;
  startResult: () => CommandResult = () => OK;

  onEvent(l: (e: VehicleEvent) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  emit(e: VehicleEvent): void {
    for (const l of this.listeners) l(e);
  }
  hb(mode: number, armed: boolean): void {
    this.customMode = mode;
    this.armed = armed;
    this.emit({
      type: 'heartbeat',
      sysid: SYSID,
      t: Date.now(),
      customMode: mode,
      modeName: String(mode),
      armed,
      systemStatus: 4,
      vehicleType: 2,
      autopilot: 3,
    });
  }
  async requestTelemetry(): Promise<void> {
    this.calls.push('telemetry');
  }
  async setMode(m: number): Promise<CommandResult> {
    this.calls.push(`mode ${m}`);
    this.hb(m, this.armed);
    return OK;
  }
  async arm(): Promise<CommandResult> {
    this.calls.push('arm');
    const r = this.armResult();
    if (r.ok) this.hb(this.customMode ?? 0, true);
    return r;
  }
  async disarm(): Promise<CommandResult> {
    this.calls.push('disarm');
    this.hb(this.customMode ?? 0, false);
    return OK;
  }
  async startMission(): Promise<CommandResult> {
    this.calls.push('start');
    const r = this.startResult();
    if (r.ok) this.hb(3, true);
    return r;
  }
  pause(): Promise<CommandResult> {
    return this.setMode(17);
  }
  resume(): Promise<CommandResult> {
    return this.setMode(3);
  }
  returnToLaunch(): Promise<CommandResult> {
    return this.setMode(6);
  }
  land(): Promise<CommandResult> {
    return this.setMode(9);
  }
  waitReadyToArm(): Promise<void> {
    this.calls.push('wait-ready');
    return this.ready();
  }
  /** The vehicle's parameters (a gripper, as medidrop.parm sets; no winch, as ArduCopter's default). */
  params: Record<string, number> = { GRIP_ENABLE: 1, WINCH_TYPE: 0, WINCH_RATE_MAX: 1 };
  async getParam(name: string | string[]): Promise<number> {
    const n = Array.isArray(name) ? name[0]! : name;
    this.calls.push(`param ${n}`);
    const v = this.params[n];
    if (v === undefined) throw new Error(`read parameter ${n}: no matching PARAM_VALUE from vehicle ${SYSID}`);
    return v;
  }
  /** Each batch read the runner asked for (one per vehicle check: all parameters at once). */
  batches: string[][] = [];
  async readParams(names: (string | string[])[]): Promise<ParamReadResult[]> {
    this.batches.push(names.map((n) => (Array.isArray(n) ? n[0]! : n)));
    return Promise.all(
      names.map((n) =>
        this.getParam(n).then(
          (value): ParamReadResult => ({ ok: true, value }),
          (err: Error): ParamReadResult => ({ ok: false, error: err.message }),
        ),
      ),
    );
  }
  async setParam(_n: string | string[], v: number): Promise<number> {
    return v;
  }
  async uploadItems(): Promise<TransferResult> {
    return { ok: true, value: undefined };
  }
  async downloadItems(): Promise<TransferResult<MissionItem[]>> {
    return { ok: true, value: [] };
  }
  async clearItems(): Promise<TransferResult> {
    return { ok: true, value: undefined };
  }
  async uploadPlan(
    _p: VehiclePlan,
    opts?: { onProgress?: (p: { missionType: 0 | 1 | 2; phase: 'upload'; done: number; total: number }) => void },
  ): Promise<PlanUploadReport> {
    this.calls.push('upload');
    opts?.onProgress?.({ missionType: 0, phase: 'upload', done: 11, total: 11 });
    return this.upload;
  }
}

describe('flight runner', () => {
  it('uploads, waits until ready, GUIDED, arms, starts; the heartbeat (armed, AUTO) makes it en route', async () => {
    const v = new ScriptedVehicle();
    const store = new MemoryFlightStore();
    const h = startFlight({ vehicle: v, plan: referencePlan(), flightId: 'R1', store });
    await new Promise((r) => setTimeout(r, 50));
    expect(v.calls).toEqual(['telemetry', 'upload', 'param GRIP_ENABLE', 'wait-ready', 'mode 4', 'arm', 'start']);
    expect(h.state().status).toBe('en-route');
    expect(h.state().requestedMode?.mode).toBe(3);
    h.detach();
    const o = await h.done;
    expect(o.status).toBe('detached');
    expect(store.transitions.get('R1')!.map((t) => t.to)).toEqual(['uploading', 'uploaded', 'arming', 'en-route']);
    expect(store.loadUnfinishedFlights().map((f) => f.id)).toEqual(['R1']);
  });

  it('re-attached after a restart to a vehicle that is disarmed (landed or rebooted unheard): failed with that cause; a recorded release is named', async () => {
    for (const delivered of [false, true]) {
      const v = new ScriptedVehicle();
      const store = new MemoryFlightStore();
      const h = startFlight({ vehicle: v, plan: referencePlan(), flightId: 'R2', store });
      await new Promise((r) => setTimeout(r, 50));
      expect(h.state().status).toBe('en-route');
      h.detach('service killed');
      await h.done;
      const rec = store.loadUnfinishedFlights().find((f) => f.id === 'R2')!;
      if (delivered) rec.state = { ...rec.state, delivery: { ...rec.state.delivery, delivered: true } };
      // the restarted service finds the vehicle on the ground, disarmed (its first heartbeat)
      const again = new ScriptedVehicle();
      const a = attachFlight({ vehicle: again, record: rec, store });
      const o = await a.done;
      expect(o.status).toBe('failed');
      expect(o.reason).toBe(delivered ? FOUND_ON_GROUND_DELIVERED_REASON : FOUND_ON_GROUND_REASON);
      // nothing was commanded: the vehicle is left as it is
      expect(again.calls.filter((c) => c !== 'telemetry')).toEqual([]);
    }
  });

  it('re-attached to a vehicle still armed in the air: it goes on (not failed)', async () => {
    const v = new ScriptedVehicle();
    const store = new MemoryFlightStore();
    const h = startFlight({ vehicle: v, plan: referencePlan(), flightId: 'R3', store });
    await new Promise((r) => setTimeout(r, 50));
    h.detach('service killed');
    await h.done;
    const rec = store.loadUnfinishedFlights().find((f) => f.id === 'R3')!;
    const again = new ScriptedVehicle();
    again.armed = true;
    again.customMode = 3;
    again.downloadItems = async () => ({ ok: true, value: referencePlan().mission });
    const a = attachFlight({ vehicle: again, record: rec, store });
    await new Promise((r) => setTimeout(r, 50));
    expect(a.state().status).toBe('en-route');
    a.detach();
    expect((await a.done).status).toBe('detached');
  });

  it('a failed upload ends the flight failed, with the reason, before arming', async () => {
    const v = new ScriptedVehicle();
    v.upload = { ok: false, error: 'no-space', message: 'Only 650 items are supported', uploaded: { mission: 0, fence: 0, rally: 0 }, paramsSet: {} };
    const o = await startFlight({ vehicle: v, plan: referencePlan() }).done;
    expect(o.status).toBe('failed');
    expect(o.reason).toBe('upload failed: no-space: Only 650 items are supported');
    expect(v.calls).not.toContain('arm');
  });

  it('a winch plan on a vehicle without a winch (WINCH_TYPE 0) fails after upload, before anything is armed, with an alert', async () => {
    const v = new ScriptedVehicle();
    const store = new MemoryFlightStore();
    const o = await startFlight({ vehicle: v, plan: referencePlan('winch'), flightId: 'W0', store }).done;
    expect(o.status).toBe('failed');
    expect(o.ok).toBe(false);
    expect(o.reason).toBe(
      'vehicle configuration check failed: the vehicle has no winch configured (WINCH_TYPE = 0): ArduCopter would ignore DO_WINCH and the gripper would drop the parcel from the hover height',
    );
    expect(o.alerts.map((a) => [a.kind, a.severity])).toEqual([['vehicle-config', 'critical']]);
    expect(o.alerts[0]!.message).toMatch(/no winch configured \(WINCH_TYPE = 0\)/);
    // read after the verified upload; never waited to arm, never changed mode, never armed
    expect(v.calls).toEqual(['telemetry', 'upload', 'param WINCH_TYPE', 'param WINCH_RATE_MAX', 'param GRIP_ENABLE']);
    // all three in one batch read (one pipelined exchange), not one round trip each
    expect(v.batches).toEqual([['WINCH_TYPE', 'WINCH_RATE_MAX', 'GRIP_ENABLE']]);
    expect(v.armed).toBe(false);
    expect(store.transitions.get('W0')!.map((t) => [t.to, t.cause])).toEqual([
      ['uploading', 'upload started'],
      ['uploaded', 'upload verified (mission 11, fence 0, rally 0 items)'],
      ['failed', 'vehicle configuration check failed'],
    ]);
    expect(store.loadUnfinishedFlights()).toEqual([]);
  });

  it('a winch plan on a vehicle with a winch and a gripper flies', async () => {
    const v = new ScriptedVehicle();
    v.params = { GRIP_ENABLE: 1, WINCH_TYPE: 1, WINCH_RATE_MAX: 1 };
    const h = startFlight({ vehicle: v, plan: referencePlan('winch') });
    await new Promise((r) => setTimeout(r, 50));
    expect(v.calls).toEqual(['telemetry', 'upload', 'param WINCH_TYPE', 'param WINCH_RATE_MAX', 'param GRIP_ENABLE', 'wait-ready', 'mode 4', 'arm', 'start']);
    expect(h.state().status).toBe('en-route');
    h.detach();
    await h.done;
  });

  it('every missing piece is named: a winch but no gripper, and a vehicle that does not know WINCH_TYPE', async () => {
    const noGrip = new ScriptedVehicle();
    noGrip.params = { GRIP_ENABLE: 0, WINCH_TYPE: 1, WINCH_RATE_MAX: 1 };
    const a = await startFlight({ vehicle: noGrip, plan: referencePlan('winch') }).done;
    expect(a.status).toBe('failed');
    expect(a.reason).toBe(
      'vehicle configuration check failed: the vehicle has no gripper configured (GRIP_ENABLE = 0): DO_GRIPPER at the end of the winch line would release nothing and the parcel would be wound back in and flown home',
    );
    expect(noGrip.calls).not.toContain('arm');

    const unknown = new ScriptedVehicle();
    unknown.params = { GRIP_ENABLE: 0, WINCH_RATE_MAX: 1 };
    const b = await startFlight({ vehicle: unknown, plan: referencePlan('winch') }).done;
    expect(b.status).toBe('failed');
    expect(b.reason).toBe(
      'vehicle configuration check failed: the vehicle did not report WINCH_TYPE (read parameter WINCH_TYPE: no matching PARAM_VALUE from vehicle 7), ' +
        'so it cannot be confirmed that it has a winch: without one ArduCopter would ignore DO_WINCH and the gripper would drop the parcel from the hover height; ' +
        'the vehicle has no gripper configured (GRIP_ENABLE = 0): DO_GRIPPER at the end of the winch line would release nothing and the parcel would be wound back in and flown home',
    );
    expect(b.alerts.filter((x) => x.kind === 'vehicle-config')).toHaveLength(1);
    expect(unknown.calls).not.toContain('wait-ready');
    expect(unknown.calls).not.toContain('arm');
  });

  it('payload place and land-and-release need the gripper (GRIP_ENABLE 1)', async () => {
    for (const method of ['payload-place', 'land-release'] as const) {
      const v = new ScriptedVehicle();
      v.params = { GRIP_ENABLE: 0, WINCH_TYPE: 0 };
      const o = await startFlight({ vehicle: v, plan: referencePlan(method) }).done;
      expect(o.status).toBe('failed');
      expect(o.reason).toMatch(/^vehicle configuration check failed: the vehicle has no gripper configured \(GRIP_ENABLE = 0\): /);
      expect(v.calls).toEqual(['telemetry', 'upload', 'param GRIP_ENABLE']);
    }
  });

  it('abort while the configuration is being read: aborted, never armed', async () => {
    const v = new ScriptedVehicle();
    let release!: () => void;
    v.getParam = async (name) => {
      v.calls.push(`param ${String(name)}`);
      await new Promise<void>((r) => (release = r));
      return 1;
    };
    const h = startFlight({ vehicle: v, plan: referencePlan() });
    await new Promise((r) => setTimeout(r, 20));
    expect(h.state().status).toBe('uploaded');
    await h.abort('pilot-li');
    release();
    const o = await h.done;
    expect(o.status).toBe('aborted');
    expect(v.calls).toEqual(['telemetry', 'upload', 'param GRIP_ENABLE']);
  });

  it("not ready to arm by the deadline → failed with the vehicle's reason", async () => {
    const v = new ScriptedVehicle();
    v.ready = () => Promise.reject(new Error('vehicle 7 not ready to arm after 100 ms: EKF has no absolute horizontal position (flags 0x0)'));
    const o = await startFlight({ vehicle: v, plan: referencePlan(), readyTimeoutMs: 100 }).done;
    expect(o.status).toBe('failed');
    expect(o.reason).toMatch(/^arming failed: not ready to arm: vehicle 7 not ready to arm after 100 ms: EKF has no absolute/);
  });

  it('arming is retried about once a second until it works', async () => {
    const v = new ScriptedVehicle();
    let n = 0;
    v.armResult = () => (++n < 3 ? { ok: false, result: 4, resultName: 'FAILED', reason: 'Arm: Need Position Estimate' } : OK);
    const t0 = Date.now();
    const h = startFlight({ vehicle: v, plan: referencePlan(), armRetryMs: 100 });
    await new Promise((r) => setTimeout(r, 400));
    expect(v.calls.filter((c) => c === 'arm').length).toBe(3);
    expect(h.state().status).toBe('en-route');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(200);
    h.detach();
    await h.done;
  });

  it('arming refused until the deadline → failed, surfacing the STATUSTEXT reason', async () => {
    const v = new ScriptedVehicle();
    v.armResult = () => ({ ok: false, result: 4, resultName: 'FAILED', reason: 'Arm: Need Position Estimate' });
    const o = await startFlight({ vehicle: v, plan: referencePlan(), armRetryMs: 50, armTimeoutMs: 300 }).done;
    expect(o.status).toBe('failed');
    expect(o.reason).toBe('arming failed: not armed within 0.3 s: Arm: Need Position Estimate');
    expect(v.calls.filter((c) => c === 'arm').length).toBeGreaterThanOrEqual(4);
  });

  it('MISSION_START refused three times → disarmed, failed with the result', async () => {
    const v = new ScriptedVehicle();
    v.startResult = () => ({ ok: false, result: 2, resultName: 'DENIED' });
    const o = await startFlight({ vehicle: v, plan: referencePlan() }).done;
    expect(o.status).toBe('failed');
    expect(o.reason).toBe('mission start failed: DENIED');
    expect(v.calls.filter((c) => c === 'start').length).toBe(3);
    expect(v.calls.at(-1)).toBe('disarm');
  }, 10_000);

  it('abort while uploading stops it: aborted, never armed', async () => {
    const v = new ScriptedVehicle();
    let release!: () => void;
    v.uploadPlan = async () => {
      v.calls.push('upload');
      await new Promise<void>((r) => (release = r));
      return { ok: false, error: 'aborted', message: 'cancelled', uploaded: { mission: 0, fence: 0, rally: 0 }, paramsSet: {} };
    };
    const h = startFlight({ vehicle: v, plan: referencePlan() });
    await new Promise((r) => setTimeout(r, 20));
    expect(h.state().status).toBe('uploading');
    await h.abort('pilot-li', 'wrong parcel');
    release();
    const o = await h.done;
    expect(o.status).toBe('aborted');
    expect(o.reason).toBe('aborted by pilot-li: wrong parcel');
    expect(v.calls).not.toContain('arm');
  });

  it('pause / resume are refused on the ground, saying why', async () => {
    const v = new ScriptedVehicle();
    v.ready = () => new Promise(() => undefined); // never ready
    const h = startFlight({ vehicle: v, plan: referencePlan() });
    await new Promise((r) => setTimeout(r, 20));
    expect(await h.pause('pilot-li')).toMatchObject({ ok: false, reason: 'cannot pause a flight that is uploaded' });
    h.detach();
    await h.done;
  });
});
