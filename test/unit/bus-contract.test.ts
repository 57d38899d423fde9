/**
 * The MQTT bus's pure parts: topic names and payload checks (src/bus/contract.ts), the per-vehicle
 * latest-wins rate limit (throttle.ts), the reconnection backoff, and the MEDIDROP_MQTT setting.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, loadConfig } from '../../src/app/config.js';
import {
  BusMessageError,
  checkPayload,
  decodeMessage,
  FLIGHT_EVENT_NAMES,
  parseTopic,
  TELEMETRY_EVENT_NAMES,
  topicFor,
  TOPICS,
} from '../../src/bus/contract.js';
import { RECONNECT_MAX_MS, RECONNECT_MIN_MS, reconnectDelayMs, redactUrl } from '../../src/bus/mqtt-bridge.js';
import { LatestThrottle } from '../../src/bus/throttle.js';
import { FlightLiveEventsSchema } from '../../src/web/api-types.js';

const envelope = { schemaVersion: 1, messageId: 'm-1', instanceId: 'i-1', sentAt: '2026-12-03T10:00:00.000Z' };
const status = { ...envelope, requestId: 7, version: 2, status: 'in-flight', urgency: 'critical', missionId: 3, updatedAt: '2026-12-03T10:00:00.000Z' };
const bytes = (v: unknown) => Buffer.from(JSON.stringify(v));

describe('bus contract', () => {
  it('topics are versioned under medidrop/v1, and each parses back to its kind and id', () => {
    for (const t of Object.values(TOPICS)) expect(t.pattern).toMatch(/^medidrop\/v1\//);
    expect(parseTopic('medidrop/v1/vehicles/md-1/telemetry')).toEqual({ kind: 'telemetry', id: 'md-1' });
    expect(parseTopic('medidrop/v1/flights/12/events')).toEqual({ kind: 'flightEvents', id: '12' });
    expect(parseTopic('medidrop/v1/flights/12/status')).toEqual({ kind: 'flightStatus', id: '12' });
    expect(parseTopic('medidrop/v1/requests/7/status')).toEqual({ kind: 'requestStatus', id: '7' });
    expect(parseTopic('medidrop/v1/missions/3/status')).toEqual({ kind: 'missionStatus', id: '3' });
    for (const bad of [
      'medidrop/v2/flights/1/events',
      'medidrop/v1/flights/1',
      'medidrop/v1/vehicles/md-1/events',
      'medidrop/v1/flights/1/events/x',
      'other/v1/flights/1/events',
    ])
      expect(parseTopic(bad), bad).toBeNull();
    expect(topicFor({ kind: 'requestStatus', message: status as never })).toBe('medidrop/v1/requests/7/status');
  });

  it('every live flight event travels on one topic: position and battery as telemetry, the rest as flight events', () => {
    expect([...FLIGHT_EVENT_NAMES, ...TELEMETRY_EVENT_NAMES].sort()).toEqual(Object.keys(FlightLiveEventsSchema.properties).sort());
  });

  it('decodes a good message and refuses bad ones with a message saying what is wrong', () => {
    expect(decodeMessage('medidrop/v1/requests/7/status', bytes(status))).toEqual({ kind: 'requestStatus', message: status });
    const refuse = (topic: string, payload: Uint8Array, why: RegExp) => {
      expect(() => decodeMessage(topic, payload)).toThrow(BusMessageError);
      expect(() => decodeMessage(topic, payload)).toThrow(why);
    };
    refuse('medidrop/v1/requests/7/status', Buffer.from('{'), /not JSON/);
    refuse('medidrop/v1/requests/7/status', bytes({ ...status, status: 'teleported' }), /\/status/);
    refuse('medidrop/v1/requests/7/status', bytes({ ...status, schemaVersion: 2 }), /\/schemaVersion/);
    // A field added later within v1 does not break an older reader.
    expect(decodeMessage('medidrop/v1/requests/7/status', bytes({ ...status, priority: 3 })).kind).toBe('requestStatus');
    refuse('medidrop/v1/requests/8/status', bytes(status), /not the payload's/);
    refuse('medidrop/v1/requests/7/unknown', bytes(status), /not a medidrop\/v1 topic/);
    expect(checkPayload('requestStatus', { ...status, urgency: undefined })).not.toEqual([]);
  });
});

describe('latest-wins throttle', () => {
  afterEach(() => vi.useRealTimers());

  it('sends at most once per interval per key, the latest value, and always the last one', () => {
    vi.useFakeTimers();
    const sent: [string, number][] = [];
    const th = new LatestThrottle<number>({ intervalMs: 500, now: () => Date.now() }, (k, v) => sent.push([k, v]));
    th.offer('a', 1); // first: at once
    th.offer('b', 1); // another key is not held back by 'a'
    vi.advanceTimersByTime(100);
    th.offer('a', 2);
    vi.advanceTimersByTime(100);
    th.offer('a', 3); // replaces 2
    expect(sent).toEqual([
      ['a', 1],
      ['b', 1],
    ]);
    vi.advanceTimersByTime(300); // 500 ms after the first 'a'
    expect(sent.at(-1)).toEqual(['a', 3]);
    th.offer('a', 4);
    vi.advanceTimersByTime(499);
    expect(sent).toHaveLength(3);
    vi.advanceTimersByTime(1);
    expect(sent.at(-1)).toEqual(['a', 4]);
    // 10 Hz for 5 s → at most 2 Hz, ending with the last value
    sent.length = 0;
    for (let i = 0; i < 50; i++) {
      th.offer('c', i);
      vi.advanceTimersByTime(100);
    }
    vi.advanceTimersByTime(1000);
    expect(sent.length).toBeLessThanOrEqual(11);
    expect(sent.length).toBeGreaterThanOrEqual(9);
    expect(sent.at(-1)).toEqual(['c', 49]);
    th.offer('c', 50);
    th.offer('c', 51);
    th.close();
    vi.advanceTimersByTime(1000);
    expect(sent.at(-1)).not.toEqual(['c', 51]);
  });
});

describe('reconnection and the setting', () => {
  it('backs off from 1 s doubling to 30 s, with ±20 % jitter', () => {
    const mid = () => 0.5;
    expect([0, 1, 2, 3, 4, 5, 6, 40].map((a) => reconnectDelayMs(a, mid))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    expect(reconnectDelayMs(0, () => 0)).toBe(RECONNECT_MIN_MS * 0.8);
    expect(reconnectDelayMs(10, () => 1)).toBe(RECONNECT_MAX_MS * 1.2);
    expect(redactUrl('mqtt://user:secret@broker.example:1883')).toBe('mqtt://broker.example:1883');
  });

  it('MEDIDROP_MQTT: off by default; an mqtt(s) URL with a host; anything else refused with where and why', () => {
    expect(loadConfig({ env: {} }).mqtt).toBeNull();
    expect(loadConfig({ env: { MEDIDROP_MQTT: 'mqtt://127.0.0.1:1883' } }).mqtt).toBe('mqtt://127.0.0.1:1883');
    expect(loadConfig({ env: {}, overrides: { mqtt: 'mqtts://broker.example' } }).mqtt).toBe('mqtts://broker.example');
    for (const [bad, why] of [
      ['127.0.0.1:1883', /must be an MQTT broker URL/],
      ['http://broker:1883', /scheme 'http:'/],
      ['mqtt://broker:99999', /must be an MQTT broker URL/],
      ['mqtt://broker:1883/medidrop', /no path/],
      ['mqtt://', /must be an MQTT broker URL/],
    ] as const) {
      let err: unknown;
      try {
        loadConfig({ env: { MEDIDROP_MQTT: bad } });
      } catch (e) {
        err = e;
      }
      expect(err, bad).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems.join('\n'), bad).toMatch(new RegExp(`^MEDIDROP_MQTT: [\\s\\S]*${why.source}`));
    }
  });
});
