/**
 * The retry policy (src/mavlink/retry.ts) and the parameter and command clients that use it, on a
 * FakeClock: the exact schedule of tries, pipelined parameter reads and writes matched by param_id,
 * failure messages naming step, tries and time, and the shipped defaults against a link that loses
 * 30 % of frames each way with ArduPilot's parameter behaviour (GCS_Param.cpp: unknown names get no
 * answer, PARAM_SET is answered with PARAM_VALUE of the value now held; reads are queued, 20 at
 * most, and answered five at a time by MSG_NEXT_PARAM every 100 ms).
 */
import { describe, expect, it } from 'vitest';
import { sendCommand, type CommandPort } from '../../src/mavlink/commands.js';
import { PARAM_WINDOW, readParam, readParams, readParamsEach, writeParams, type ParamPort } from '../../src/mavlink/params.js';
import { DEFAULT_RETRY, RetryStep, RttEstimator, resolvePolicy, type RetryPolicy } from '../../src/mavlink/retry.js';
import { MSG, num, str, type Fields, type Message } from '../../src/mavlink/wire.js';
import { FakeClock } from '../support/fake-clock.js';
import { seededRandom } from '../support/random.js';

describe('retry policy', () => {
  it('overlays settings on the defaults and refuses bad ones by name', () => {
    expect(resolvePolicy()).toEqual(DEFAULT_RETRY);
    expect(resolvePolicy({ deadlineMs: 5000 }, undefined, { maxTries: 3 })).toEqual({ ...DEFAULT_RETRY, deadlineMs: 5000, maxTries: 3 });
    expect(() => resolvePolicy({ deadlineMs: 0 })).toThrow(/deadlineMs must be a positive number of ms, got 0/);
    expect(() => resolvePolicy({ backoff: 0.5 })).toThrow(/backoff must be at least 1/);
    expect(() => resolvePolicy({ maxTries: 2.5 })).toThrow(/maxTries must be a whole number/);
    expect(() => resolvePolicy({ minTryMs: 2000 })).toThrow(/minTryMs 2000 is more than maxTryMs 1000/);
    expect(() => resolvePolicy({ maxTryMs: Number.NaN })).toThrow(/maxTryMs must be a positive number/);
  });

  it('a step waits the initial time, grows by the backoff up to the cap, and ends at its deadline', async () => {
    const clock = new FakeClock();
    const step = new RetryStep(resolvePolicy(), clock, new RttEstimator());
    const triesAt: number[] = [];
    const t0 = clock.now();
    const done = new Promise<void>((resolve) => {
      const onTimeout = () => {
        if (!step.canRetry()) return resolve();
        step.retried();
        triesAt.push(clock.now() - t0);
        step.arm(onTimeout);
      };
      triesAt.push(0);
      step.begin();
      step.arm(onTimeout);
    });
    await clock.run(done);
    expect(triesAt.slice(0, 5)).toEqual([0, 500, 1250, 2250, 3250]);
    expect(triesAt.at(-1)).toBe(19_250);
    expect(step.tries).toBe(21);
    expect(step.summary()).toBe('21 tries in 20.0 s');
  });

  it('the first try waits about the measured round trip (srtt + 4·rttvar), clamped to the policy', () => {
    const p = resolvePolicy();
    const rtt = new RttEstimator();
    expect(rtt.firstTryMs(p)).toBe(500); // nothing measured yet
    for (let i = 0; i < 30; i++) rtt.sample(80);
    expect(rtt.smoothedMs).toBeCloseTo(80, 5);
    expect(rtt.firstTryMs(p)).toBeGreaterThanOrEqual(80);
    expect(rtt.firstTryMs(p)).toBeLessThan(90);
    const fast = new RttEstimator();
    fast.sample(1);
    expect(fast.firstTryMs(p)).toBe(p.minTryMs);
    const slow = new RttEstimator();
    slow.sample(5000);
    expect(slow.firstTryMs(p)).toBe(p.maxTryMs);
  });

  it('measures only answers to a request sent once (Karn)', async () => {
    const clock = new FakeClock();
    const rtt = new RttEstimator();
    const step = new RetryStep(resolvePolicy(), clock, rtt);
    step.begin();
    await clock.advance(30);
    step.resent(); // the vehicle asked again and we answered: which one does the reply answer?
    await clock.advance(10);
    step.answered();
    expect(rtt.smoothedMs).toBeUndefined();
    step.begin();
    await clock.advance(42);
    step.answered();
    expect(rtt.smoothedMs).toBe(42);
  });
});

/** ArduPilot's parameter handling behind a link with loss, duplicates and latency, on the fake clock. */
class ParamVehicle implements ParamPort, CommandPort {
  readonly targetSysid = 1;
  readonly targetCompid = 1;
  readonly ourSysid = 255;
  readonly sent: { msgid: number; fields: Fields; at: number }[] = [];
  readonly params = new Map<string, number>();
  readonly readOnly = new Set<string>();
  /** Answers to COMMAND_LONG (undefined: never answered). */
  commandAck: ((f: Fields) => number[] | undefined) | undefined;
  private readonly listeners = new Set<(m: Message) => void>();
  private readonly rng: () => number;

  constructor(
    private readonly clock: FakeClock,
    private readonly link: { loss?: number; duplicate?: number; oneWayMs?: number; seed?: number; arduPilotQueues?: boolean } = {},
  ) {
    this.rng = seededRandom(link.seed ?? 1);
  }

  send(msgid: number, fields: Fields): void {
    this.sent.push({ msgid, fields, at: this.clock.now() });
    this.carry(() => this.receive(msgid, fields));
  }
  subscribe(l: (m: Message) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  statusTexts(): { severity: number; text: string }[] {
    return [];
  }

  /** One frame over the link: maybe lost, maybe twice, after the one-way latency. */
  private carry(deliver: () => void): void {
    if (this.rng() < (this.link.loss ?? 0)) return;
    const copies = this.rng() < (this.link.duplicate ?? 0) ? 2 : 1;
    for (let i = 0; i < copies; i++) this.clock.setTimeout(deliver, this.link.oneWayMs ?? 0);
  }

  private reply(msgid: number, fields: Fields): void {
    const m: Message = { msgid, name: String(msgid), sysid: 1, compid: 1, fields };
    this.carry(() => {
      for (const l of [...this.listeners]) l(m);
    });
  }

  /** GCS_MAVLINK::param_requests (20 entries) and the 100 ms MSG_NEXT_PARAM tick sending five replies. */
  private readonly requests: string[] = [];
  private ticking = false;
  private tick(): void {
    for (const name of this.requests.splice(0, 5)) this.answerRead(name);
    if (this.requests.length > 0) this.clock.setTimeout(() => this.tick(), 100);
    else this.ticking = false;
  }
  private answerRead(name: string): void {
    const v = this.params.get(name);
    if (v !== undefined) this.reply(MSG.PARAM_VALUE, { param_id: name, param_value: v, param_type: 9 });
  }

  private receive(msgid: number, f: Fields): void {
    if (msgid === MSG.PARAM_REQUEST_READ) {
      const name = str(f, 'param_id');
      if (!this.link.arduPilotQueues) return this.answerRead(name);
      if (this.requests.length >= 20) return; // handle_param_request_read: no space, dropped
      this.requests.push(name);
      if (!this.ticking) {
        this.ticking = true;
        this.clock.setTimeout(() => this.tick(), 100 - (this.clock.now() % 100));
      }
    } else if (msgid === MSG.PARAM_SET) {
      const name = str(f, 'param_id');
      if (!this.params.has(name)) return; // unknown: ignored
      if (!this.readOnly.has(name)) this.params.set(name, Math.fround(num(f, 'param_value')));
      this.reply(MSG.PARAM_VALUE, { param_id: name, param_value: this.params.get(name)!, param_type: 9 });
    } else if (msgid === MSG.COMMAND_LONG && this.commandAck) {
      for (const result of this.commandAck(f) ?? []) this.reply(MSG.COMMAND_ACK, { command: num(f, 'command'), result, target_system: 255 });
    }
  }

  sentOf(msgid: number): { msgid: number; fields: Fields; at: number }[] {
    return this.sent.filter((s) => s.msgid === msgid);
  }
}

const FENCE = { FENCE_ENABLE: 0, FENCE_TYPE: 7, FENCE_ACTION: 1, FENCE_ALT_MAX: 100, FENCE_MARGIN: 2, FENCE_RADIUS: 150, FENCE_TOTAL: 0, MAV_SYSID: 1 };

describe('parameters, pipelined', () => {
  it('sends all reads back to back and matches the answers by param_id in whatever order they come', async () => {
    const clock = new FakeClock();
    const v = new ParamVehicle(clock, { oneWayMs: 25 });
    for (const [k, x] of Object.entries(FENCE)) v.params.set(k, x);
    const t0 = clock.now();
    const got = await clock.run(readParams(v, ['FENCE_TYPE', 'FENCE_ALT_MAX', 'SYSID_THISMAV', 'FENCE_MARGIN'], { clock }));
    expect(got.map((g) => [g.name, g.value])).toEqual([
      ['FENCE_TYPE', 7],
      ['FENCE_ALT_MAX', 100],
      ['MAV_SYSID', 1], // the 4.7 spelling answers the 4.6 one (PARAM_ALIASES)
      ['FENCE_MARGIN', 2],
    ]);
    // one round trip for all of them, every request sent at the start
    expect(clock.now() - t0).toBe(50);
    expect(v.sentOf(MSG.PARAM_REQUEST_READ).map((s) => s.at - t0)).toEqual([0, 0, 0, 0, 0]);
  });

  it('keeps at most PARAM_WINDOW requests in flight (ArduPilot queues 20 and drops the rest)', async () => {
    const clock = new FakeClock();
    const v = new ParamVehicle(clock, { oneWayMs: 10 });
    const names = Array.from({ length: 25 }, (_, i) => `P${i}`);
    names.forEach((n, i) => {
      v.params.set(n, i);
    });
    const got = await clock.run(readParams(v, names, { clock }));
    expect(got.map((g) => g.value)).toEqual(names.map((_, i) => i));
    const sends = v.sentOf(MSG.PARAM_REQUEST_READ);
    expect(sends).toHaveLength(25);
    expect(sends.filter((s) => s.at === sends[0]!.at)).toHaveLength(PARAM_WINDOW);
  });

  it('a name the vehicle does not know fails alone, naming the step, the tries and the time spent', async () => {
    const clock = new FakeClock();
    const v = new ParamVehicle(clock, { oneWayMs: 5 });
    v.params.set('FENCE_TYPE', 7);
    const err = await clock.run(readParams(v, ['FENCE_TYPE', 'NO_SUCH_PARAM'], { clock }).catch((e: Error) => e));
    // the answered read measured 10 ms: the unknown one's tries start at the floor and grow
    expect(String(err)).toMatch(/^ParamError: read parameter NO_SUCH_PARAM: no matching PARAM_VALUE from vehicle 1 after \d+ tries in 20\.0 s$/);
    const tries = Number(/after (\d+) tries/.exec(String(err))![1]);
    expect(v.sentOf(MSG.PARAM_REQUEST_READ).filter((s) => str(s.fields, 'param_id') === 'NO_SUCH_PARAM')).toHaveLength(tries);
    expect(tries).toBeGreaterThan(20);
  });

  it('readParamsEach reports each parameter on its own: the known ones in one round trip, the unknown one with its reason', async () => {
    const clock = new FakeClock();
    const v = new ParamVehicle(clock, { oneWayMs: 25 });
    v.params.set('WINCH_TYPE', 1);
    v.params.set('GRIP_ENABLE', 1);
    const t0 = clock.now();
    const got = await clock.run(readParamsEach(v, ['WINCH_TYPE', 'WINCH_RATE_MAX', 'GRIP_ENABLE', 'bad name!'], { clock }));
    expect(got[0]).toMatchObject({ ok: true, value: { name: 'WINCH_TYPE', value: 1 } });
    expect(got[1]).toMatchObject({ ok: false });
    expect((got[1] as { error: string }).error).toMatch(/^read parameter WINCH_RATE_MAX: no matching PARAM_VALUE from vehicle 1 after \d+ tries in 20\.0 s$/);
    expect(got[2]).toMatchObject({ ok: true, value: { name: 'GRIP_ENABLE', value: 1 } });
    expect(got[3]).toEqual({ ok: false, error: "'bad name!' is not a parameter name (1–16 letters, digits, _)" });
    // every valid request went out at the start: one exchange, not one round trip each
    const reads = v.sentOf(MSG.PARAM_REQUEST_READ).filter((s) => s.at === t0);
    expect(reads.map((s) => str(s.fields, 'param_id')).sort()).toEqual(['GRIP_ENABLE', 'WINCH_RATE_MAX', 'WINCH_TYPE']);
  });

  it('writes in one round trip, matched by name and new value; a name with another spelling is read first', async () => {
    const clock = new FakeClock();
    const v = new ParamVehicle(clock, { oneWayMs: 25 });
    for (const [k, x] of Object.entries(FENCE)) v.params.set(k, x);
    const t0 = clock.now();
    const got = await clock.run(
      writeParams(
        v,
        [
          { name: 'FENCE_TYPE', value: 5 },
          { name: 'FENCE_ACTION', value: 1 }, // already holds it: not written
          { name: 'FENCE_ALT_MAX', value: 90 },
        ],
        { clock },
      ),
    );
    expect(got.map((g) => [g.name, g.value])).toEqual([
      ['FENCE_TYPE', 5],
      ['FENCE_ACTION', 1],
      ['FENCE_ALT_MAX', 90],
    ]);
    expect(v.sentOf(MSG.PARAM_SET).map((s) => str(s.fields, 'param_id'))).toEqual(['FENCE_TYPE', 'FENCE_ACTION', 'FENCE_ALT_MAX']);
    expect(v.sentOf(MSG.PARAM_REQUEST_READ)).toHaveLength(0);
    expect(clock.now() - t0).toBe(50);
    expect([v.params.get('FENCE_TYPE'), v.params.get('FENCE_ALT_MAX')]).toEqual([5, 90]);
    // SYSID_THISMAV may be MAV_SYSID (4.7): read to learn the spelling, and not written when it already holds the value
    const t1 = clock.now();
    const same = await clock.run(writeParams(v, [{ name: 'SYSID_THISMAV', value: 1 }], { clock }));
    expect(same.map((g) => [g.name, g.value])).toEqual([['MAV_SYSID', 1]]);
    expect(v.sentOf(MSG.PARAM_SET)).toHaveLength(3);
    const other = await clock.run(writeParams(v, [{ name: 'SYSID_THISMAV', value: 3 }], { clock }));
    expect(other.map((g) => [g.name, g.value])).toEqual([['MAV_SYSID', 3]]);
    expect(str(v.sentOf(MSG.PARAM_SET).at(-1)!.fields, 'param_id')).toBe('MAV_SYSID');
    expect(clock.now() - t1).toBe(150); // a read, then a read and a write
  });

  it('a PARAM_VALUE still showing the old value does not confirm a write: the failure says what the vehicle reports', async () => {
    const clock = new FakeClock();
    const v = new ParamVehicle(clock, { oneWayMs: 5 });
    v.params.set('FENCE_ALT_MAX', 100);
    v.readOnly.add('FENCE_ALT_MAX'); // "Param write denied": ArduPilot answers with the value it keeps
    const err = await clock.run(writeParams(v, [{ name: 'FENCE_ALT_MAX', value: 90 }], { clock }).catch((e: Error) => e));
    expect(String(err)).toMatch(
      /^ParamError: set parameter FENCE_ALT_MAX = 90: no matching PARAM_VALUE from vehicle 1 after \d+ tries in 20\.0 s; vehicle reports FENCE_ALT_MAX = 100$/,
    );
  });

  it("holds at 30 % loss each way (5 % duplicated) with the shipped defaults: 200 seeds of the plan upload's reads and writes", async () => {
    const names = Object.keys(FENCE).filter((n) => n !== 'MAV_SYSID');
    const times: number[] = [];
    for (let seed = 1; seed <= 200; seed++) {
      const clock = new FakeClock();
      const v = new ParamVehicle(clock, { loss: 0.3, duplicate: 0.05, oneWayMs: 3, seed, arduPilotQueues: true });
      for (const [k, x] of Object.entries(FENCE)) v.params.set(k, x);
      const t0 = clock.now();
      const o = { clock, rtt: new RttEstimator() };
      const before = await clock.run(readParams(v, names, o));
      expect(before.map((b) => b.value)).toEqual(names.map((n) => FENCE[n as keyof typeof FENCE]));
      await clock.run(
        writeParams(
          v,
          names.map((name, i) => ({ name, value: 200 + i })),
          o,
        ),
      );
      expect(names.map((n) => v.params.get(n))).toEqual(names.map((_, i) => 200 + i));
      times.push(clock.now() - t0);
    }
    times.sort((a, b) => a - b);
    console.log(
      `7 parameters read, then set, 30 % loss each way, 200 seeds: median ${Math.round(times[100]!)} ms, max ${Math.round(times.at(-1)!)} ms (simulated)`,
    );
    // two pipelined exchanges (read the originals, write): a few reply ticks and the resends of the
    // unlucky, far from any deadline
    expect(times[100]!).toBeLessThan(2500);
    expect(times.at(-1)!).toBeLessThan(DEFAULT_RETRY.deadlineMs);
  });

  it('the same link defeats the old policy (6 tries of 1.5 s, one parameter at a time) for some seeds', async () => {
    const old: Partial<RetryPolicy> = { initialTryMs: 1500, minTryMs: 1500, maxTryMs: 1500, backoff: 1, maxTries: 6, deadlineMs: 3_600_000 };
    let failed = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const clock = new FakeClock();
      const v = new ParamVehicle(clock, { loss: 0.3, duplicate: 0.05, oneWayMs: 3, seed, arduPilotQueues: true });
      for (const [k, x] of Object.entries(FENCE)) v.params.set(k, x);
      try {
        for (const n of Object.keys(FENCE)) await clock.run(readParam(v, n, { clock, retry: old }));
      } catch {
        failed++;
      }
    }
    expect(failed).toBeGreaterThan(0);
  });
});

describe('commands', () => {
  it('resends with the confirmation counted up and gives up at the deadline with NO_ACK, tries and time', async () => {
    const clock = new FakeClock();
    const v = new ParamVehicle(clock);
    const r = await clock.run(sendCommand(v, 176, [1, 4], { clock }));
    expect(r).toMatchObject({ ok: false, result: -1, resultName: 'NO_ACK', reason: 'no COMMAND_ACK for command 176 after 21 tries in 20.0 s' });
    expect(v.sentOf(MSG.COMMAND_LONG).map((s) => num(s.fields, 'confirmation'))).toEqual(Array.from({ length: 21 }, (_, i) => i));
  });

  it('answered on the third try: ACCEPTED after the first two waits', async () => {
    const clock = new FakeClock();
    const v = new ParamVehicle(clock);
    let n = 0;
    v.commandAck = () => (++n === 3 ? [0] : undefined);
    const t0 = clock.now();
    expect(await clock.run(sendCommand(v, 176, [1, 4], { clock }))).toEqual({ ok: true, result: 0, resultName: 'ACCEPTED' });
    expect(clock.now() - t0).toBe(500 + 750);
  });

  it('IN_PROGRESS stops the resends until the final answer', async () => {
    const clock = new FakeClock();
    const v = new ParamVehicle(clock, { oneWayMs: 2 });
    v.commandAck = () => [5];
    const pending = sendCommand(v, 400, [1], { clock, inProgressTimeoutMs: 10_000 });
    await clock.advance(5000);
    expect(v.sentOf(MSG.COMMAND_LONG)).toHaveLength(1);
    const r = await clock.run(pending);
    expect(r).toMatchObject({ ok: false, resultName: 'NO_ACK', reason: 'no final COMMAND_ACK within 10000 ms of IN_PROGRESS' });
  });
});
