/**
 * The transfer state machines against a scripted vehicle: exact message sequences for the cases a
 * real radio produces only by chance — duplicated and out-of-order requests, INVALID_SEQUENCE in the
 * middle, stale ACKs, a lost final ACK, requests out of range. Time is a FakeClock: the machines run
 * with the shipped retry policy and the tests assert on simulated milliseconds.
 */
import { describe, expect, it } from 'vitest';
import { clearItems, downloadItems, uploadOnce, type TransferPort } from '../../src/mavlink/mission-transfer.js';
import { DEFAULT_RETRY } from '../../src/mavlink/retry.js';
import { uploadAndVerify, uploadItemsReliably } from '../../src/mavlink/transfer-client.js';
import { FakeClock } from '../support/fake-clock.js';
import { MSG, num, type Fields, type Message } from '../../src/mavlink/wire.js';
import type { MissionItem } from '../../src/missions/types.js';
import { makeMission, makeRally } from '../support/mavlink-fixtures.js';

type Script = (msgid: number, f: Fields, peer: ScriptedPeer) => void;

class ScriptedPeer implements TransferPort {
  readonly targetSysid = 1;
  readonly targetCompid = 1;
  readonly sent: { msgid: number; fields: Fields }[] = [];
  private listeners = new Set<(m: Message) => void>();
  constructor(private readonly script: Script) {}
  send(msgid: number, fields: Fields): void {
    this.sent.push({ msgid, fields });
    queueMicrotask(() => this.script(msgid, fields, this));
  }
  subscribe(l: (m: Message) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  statusTextsSince(): string[] {
    return [];
  }
  reply(msgid: number, fields: Fields): void {
    const m: Message = { msgid, name: String(msgid), sysid: 1, compid: 1, fields: { target_system: 255, ...fields } };
    for (const l of [...this.listeners]) l(m);
  }
  request(seq: number, type = 0, asInt = false): void {
    this.reply(asInt ? MSG.MISSION_REQUEST_INT : MSG.MISSION_REQUEST, { seq, mission_type: type });
  }
  ack(result: number, type = 0): void {
    this.reply(MSG.MISSION_ACK, { type: result, mission_type: type });
  }
  itemsSent(): number[] {
    return this.sent.filter((s) => s.msgid === MSG.MISSION_ITEM_INT).map((s) => num(s.fields, 'seq'));
  }
}

/** The shipped policy on simulated time. */
function sim() {
  const clock = new FakeClock();
  return { clock, o: { clock } };
}

describe('upload state machine', () => {
  it('answers duplicated, REQUEST and REQUEST_INT, out-of-order requests and survives INVALID_SEQUENCE', async () => {
    const items = makeMission(4);
    const peer = new ScriptedPeer((msgid, f, p) => {
      if (msgid === MSG.MISSION_COUNT) {
        p.request(0);
        p.request(0, 0, true); // duplicate, the _INT flavour
      } else if (msgid === MSG.MISSION_ITEM_INT) {
        const seq = num(f, 'seq');
        if (seq === 0 && p.itemsSent().length === 2) {
          p.ack(13); // INVALID_SEQUENCE for the duplicate: not final
          p.request(2); // out of order, then the right one
          p.request(1);
        } else if (seq === 1) p.request(2);
        else if (seq === 2 && p.itemsSent().filter((s) => s === 2).length === 2) p.request(3);
        else if (seq === 3) p.ack(0);
      }
    });
    const { clock, o } = sim();
    const out = await clock.run(uploadOnce(peer, 255, 0, items, o));
    expect(out.result).toEqual({ ok: true, value: undefined });
    expect(peer.itemsSent()).toEqual([0, 0, 2, 1, 2, 3]);
  });

  it('after repeating item k and hearing INVALID_SEQUENCE, answers the lost request for k+1 at once', async () => {
    let got = -1;
    const peer = new ScriptedPeer((msgid, f, p) => {
      if (msgid === MSG.MISSION_COUNT) p.request(0);
      else if (msgid === MSG.MISSION_ITEM_INT) {
        const seq = num(f, 'seq');
        if (seq === got + 1) {
          got = seq;
          if (seq === 0) return; // the request for item 1 is lost on the way
          p.ack(0);
        } else p.ack(13); // the repeat of item 0: INVALID_SEQUENCE, the vehicle wants 1
      }
    });
    const { clock, o } = sim();
    const t0 = clock.now();
    const out = await clock.run(uploadOnce(peer, 255, 0, makeMission(2), o));
    expect(out.result.ok).toBe(true);
    expect(peer.itemsSent()).toEqual([0, 0, 1]);
    // one timeout, not the vehicle's 1 s re-request: the count was answered at once (round trip 0
    // simulated ms), so the one try's wait is the policy's floor
    expect(clock.now() - t0).toBe(DEFAULT_RETRY.minTryMs);
  });

  it('keeps answering the inferred request on its timeouts, four items past the last request at most', async () => {
    // the vehicle's requests for items 1..lost are lost; its 1 s re-request timer asks again for the last one
    const run = async (lost: number) => {
      const { clock, o } = sim();
      let got = -1;
      const peer = new ScriptedPeer((msgid, f, p) => {
        if (msgid === MSG.MISSION_COUNT) p.request(0);
        else if (msgid === MSG.MISSION_ITEM_INT) {
          const seq = num(f, 'seq');
          if (seq !== got + 1) return p.ack(13); // MissionItemProtocol::handle_mission_item: not request_i
          got = seq;
          if (seq === 7) p.ack(0);
          else if (seq < lost)
            return; // request for seq+1 lost
          else if (seq === lost)
            clock.setTimeout(() => got === seq && p.request(seq + 1), 1000); // lost, asked again after 1 s
          else p.request(seq + 1);
        }
      });
      const t0 = clock.now();
      const out = await clock.run(uploadOnce(peer, 255, 0, makeMission(8), o));
      return { out, sent: peer.itemsSent(), ms: clock.now() - t0 };
    };
    const four = await run(3); // requests for 1 to 4 lost
    expect(four.out.result.ok).toBe(true);
    expect(four.sent).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 5, 6, 7]);
    expect(four.ms).toBeLessThan(1000); // four timeouts, not the vehicle's re-request
    const five = await run(4); // requests for 1 to 5 lost: the fifth is not inferred
    expect(five.out.result.ok).toBe(true);
    expect(five.sent.slice(0, 9)).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4]);
    expect(five.sent.filter((s) => s === 5)).toHaveLength(1);
    expect(five.ms).toBeGreaterThanOrEqual(1000);
  });

  it('ignores a stale ACCEPTED before the last item was asked for', async () => {
    const peer = new ScriptedPeer((msgid, f, p) => {
      if (msgid === MSG.MISSION_COUNT) {
        p.ack(0); // e.g. a late duplicate of the previous clear's ACK
        p.request(0);
      } else if (msgid === MSG.MISSION_ITEM_INT && num(f, 'seq') < 2) p.request(num(f, 'seq') + 1);
      else if (msgid === MSG.MISSION_ITEM_INT) p.ack(0);
    });
    const { clock, o } = sim();
    const out = await clock.run(uploadOnce(peer, 255, 0, makeMission(3), o));
    expect(out.result.ok).toBe(true);
    expect(peer.itemsSent()).toEqual([0, 1, 2]);
  });

  it('resends COUNT when the first request does not come, and fails with a clear timeout at the deadline', async () => {
    const peer = new ScriptedPeer(() => undefined);
    const { clock, o } = sim();
    const t0 = clock.now();
    const out = await clock.run(uploadOnce(peer, 255, 2, makeRally(2), o));
    expect(out.result).toMatchObject({ ok: false, error: 'timeout' });
    // nothing measured yet: tries at 0, 0.5 s (initial wait), 1.25 s (×1.5), then every 1 s (the cap)
    // from 2.25 s to 19.25 s; the step ends at its 20 s deadline
    if (!out.result.ok)
      expect(out.result.message).toBe('rally upload timed out: no request for the first rally item after sending the count (21 tries in 20.0 s)');
    expect(peer.sent.filter((s) => s.msgid === MSG.MISSION_COUNT)).toHaveLength(21);
    expect(clock.now() - t0).toBe(DEFAULT_RETRY.deadlineMs);
  });

  it('names a silent vehicle whose heartbeats stopped too: link-lost', async () => {
    const peer = Object.assign(new ScriptedPeer(() => undefined), { online: () => false });
    const { clock, o } = sim();
    const out = await clock.run(uploadOnce(peer, 255, 0, makeMission(3), o));
    expect(out.result).toMatchObject({ ok: false, error: 'link-lost' });
    if (!out.result.ok) expect(out.result.message).toMatch(/no heartbeat from vehicle 1 either: the link is lost/);
  });

  it('a vehicle that stops answering mid-upload: each attempt gives up at the step deadline, never success', async () => {
    const peer = new ScriptedPeer((msgid, f, p) => {
      if (msgid === MSG.MISSION_COUNT && p.itemsSent().length === 0) p.request(0);
      else if (msgid === MSG.MISSION_ITEM_INT && num(f, 'seq') < 40) p.request(num(f, 'seq') + 1); // silent after item 40
    });
    const { clock, o } = sim();
    const t0 = clock.now();
    const r = await clock.run(uploadItemsReliably(peer, 255, 0, makeMission(100), { ...o, attempts: 2 }));
    expect(r).toMatchObject({ ok: false, error: 'timeout' });
    if (!r.ok)
      expect(r.message).toMatch(
        /^mission upload timed out: no request for the first mission item after sending the count \(\d+ tries in 20\.0 s\) \(after 2 attempts\)$/,
      );
    expect(peer.itemsSent().filter((s) => s === 40).length).toBeGreaterThan(20); // item 40 resent until the first attempt's deadline
    // the vehicle answers in 0 simulated ms: all the time is the two steps' deadlines
    expect(clock.now() - t0).toBe(2 * DEFAULT_RETRY.deadlineMs);
  });

  it('a request beyond the count is a protocol error', async () => {
    const peer = new ScriptedPeer((msgid, _f, p) => msgid === MSG.MISSION_COUNT && p.request(9));
    const { clock, o } = sim();
    const out = await clock.run(uploadOnce(peer, 255, 0, makeMission(3), o));
    expect(out.result).toMatchObject({ ok: false, error: 'protocol', message: 'the vehicle asked for mission item 9 of only 3' });
  });

  it('maps final errors: OPERATION_CANCELLED, UNSUPPORTED, INVALID_PARAM5_X, DENIED', async () => {
    for (const [ack, error, words] of [
      [15, 'cancelled', /cancelled the mission transfer/],
      [3, 'unsupported', /does not support a command/],
      [10, 'invalid-param', /invalid value .*INVALID_PARAM5_X/],
      [14, 'denied', /another ground station/],
    ] as const) {
      const peer = new ScriptedPeer((msgid, _f, p) => {
        if (msgid === MSG.MISSION_COUNT) p.request(0);
        else if (msgid === MSG.MISSION_ITEM_INT) p.ack(ack);
      });
      const { clock, o } = sim();
      const out = await clock.run(uploadOnce(peer, 255, 0, makeMission(3), o));
      expect(out.result).toMatchObject({ ok: false, error, ackType: ack });
      if (!out.result.ok) expect(out.result.message).toMatch(words);
    }
  });

  it('a lost final ACK is settled by reading back: success when the vehicle holds the items', async () => {
    const items = makeRally(2);
    const stored: MissionItem[] = [];
    const peer = new ScriptedPeer((msgid, f, p) => {
      if (msgid === MSG.MISSION_COUNT) p.request(0, 2);
      else if (msgid === MSG.MISSION_ITEM_INT) {
        const seq = num(f, 'seq');
        if (stored.length === seq) stored.push(items[seq]!);
        if (seq === 0) p.request(1, 2);
        else p.ack(1, 2); // final ACK "lost"; the repeat of the last item earns ERROR (not receiving)
      } else if (msgid === MSG.MISSION_REQUEST_LIST) p.reply(MSG.MISSION_COUNT, { count: stored.length, mission_type: 2 });
      else if (msgid === MSG.MISSION_REQUEST_INT) {
        const it = stored[num(f, 'seq')]!;
        p.reply(MSG.MISSION_ITEM_INT, { ...it, mission_type: 2 });
      }
    });
    const { clock, o } = sim();
    const r = await clock.run(uploadAndVerify(peer, 255, 2, items, o));
    expect(r).toEqual({ ok: true, value: undefined });
  });
});

describe('download and clear', () => {
  it('downloads ignoring duplicates and late items, then acknowledges', async () => {
    const items = makeMission(3);
    const peer = new ScriptedPeer((msgid, f, p) => {
      if (msgid === MSG.MISSION_REQUEST_LIST) {
        p.reply(MSG.MISSION_COUNT, { count: 3, mission_type: 0 });
        p.reply(MSG.MISSION_COUNT, { count: 99, mission_type: 0 }); // duplicate/stale: ignored
      } else if (msgid === MSG.MISSION_REQUEST_INT) {
        const seq = num(f, 'seq');
        if (seq > 0) p.reply(MSG.MISSION_ITEM_INT, { ...items[seq - 1]!, mission_type: 0 }); // late duplicate of the previous
        p.ack(1); // a stale ERROR (answer to a stray item): not final for a download
        p.reply(MSG.MISSION_ITEM_INT, { ...items[seq]!, mission_type: 0 });
      }
    });
    const { clock, o } = sim();
    const r = await clock.run(downloadItems(peer, 255, 0, o));
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.value.map((i) => i.seq)).toEqual([0, 1, 2]);
    expect(peer.sent.at(-1)).toMatchObject({ msgid: MSG.MISSION_ACK, fields: { type: 0, mission_type: 0 } });
  });

  it('a download refused because an upload is in progress (DENIED) is reported as such', async () => {
    const peer = new ScriptedPeer((msgid, _f, p) => msgid === MSG.MISSION_REQUEST_LIST && p.ack(14, 1));
    const { clock, o } = sim();
    expect(await clock.run(downloadItems(peer, 255, 1, o))).toMatchObject({ ok: false, error: 'denied' });
  });

  it('clears per type and retries when unanswered', async () => {
    let n = 0;
    const peer = new ScriptedPeer((msgid, f, p) => {
      if (msgid === MSG.MISSION_CLEAR_ALL && ++n === 2) p.ack(0, num(f, 'mission_type'));
    });
    const { clock, o } = sim();
    expect(await clock.run(clearItems(peer, 255, 1, o))).toEqual({ ok: true, value: undefined });
    expect(n).toBe(2);
  });
});
