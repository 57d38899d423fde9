/**
 * The bridge between this instance's in-process event bus (src/dispatch/events.ts) and an MQTT
 * broker (MEDIDROP_MQTT, issue 13): what happens here is published on the `medidrop/v1/…` topics
 * (contract.ts), and what other instances publish there is put on the local bus, so that every
 * instance's SSE clients see every flight. The instances are meant to share one database (the
 * pages' streams look requests and flights up in it when an event names them).
 *
 * - An instance drops its own messages (noLocal subscription, and the instanceId in every payload),
 *   and a messageId it has already seen (QoS 1 may deliver twice). Events it put on the local bus are
 *   not published again, so nothing bounces between instances.
 * - Retained messages delivered on subscribing are old state for late subscribers outside medidrop;
 *   an instance does not replay them to its pages, which load the current state from the database.
 * - Telemetry is rate-limited per vehicle (TELEMETRY_MIN_INTERVAL_MS, latest wins).
 * - The broker may go away at any time: nothing here throws into the service or waits on the
 *   broker. The client reconnects with exponential backoff (1 s doubling to 30 s, ±20 % jitter);
 *   while it is down telemetry is dropped (the next one replaces it) and at most MAX_OFFLINE_QUEUE
 *   QoS 1 messages wait for the reconnection. The local SSE streams carry on as before. The broker
 *   keeps the instance's session for SESSION_EXPIRY_S, so QoS 1 messages from other instances
 *   published while this one's connection was down reach it when it is back.
 * - A malformed message on a medidrop topic is logged and dropped.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt';
import type { BusEvent, EventBus } from '../dispatch/events.js';
import type { FlightLiveEvents } from '../dispatch/live-events.js';
import type { Repositories } from '../store/repositories.js';
import { createLogger, type Logger } from '../log.js';
import {
  BUS_SCHEMA_VERSION,
  type Body,
  BusMessageError,
  type BusMessage,
  decodeMessage,
  FLIGHT_EVENT_NAMES,
  type FlightEventMessage,
  type FlightEventName,
  SUBSCRIPTION,
  TELEMETRY_MIN_INTERVAL_MS,
  type TelemetryMessage,
  TOPICS,
  topicFor,
} from './contract.js';
import { LatestThrottle } from './throttle.js';

/** QoS 1 messages kept for the reconnection while the broker is away; more are dropped (logged). */
export const MAX_OFFLINE_QUEUE = 1000;
/** Message ids remembered to drop QoS 1 duplicates (a duplicate comes soon after the original). */
const SEEN_IDS = 4096;
export const RECONNECT_MIN_MS = 1000;
export const RECONNECT_MAX_MS = 30_000;
/** How long the broker keeps an instance's session (its subscription and QoS 1 messages) after a drop. */
export const SESSION_EXPIRY_S = 120;

export interface MqttBridgeOptions {
  /** mqtt://host:port (or mqtts://), as validated by the configuration. */
  url: string;
  bus: EventBus;
  repos: Repositories;
  /** Default: host name, process id and a random suffix (two instances in one process differ). */
  instanceId?: string;
  /** Default: the 'mqtt' pino logger (tests pass one that keeps the lines). */
  logger?: Logger;
}

export interface MqttBridgeStats {
  published: number;
  received: number;
  malformed: number;
  duplicates: number;
  droppedOffline: number;
}

/** The delay before reconnection attempt `attempt` (0-based): 1 s doubling to 30 s, ±20 % jitter. */
export function reconnectDelayMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * 2 ** Math.min(attempt, 16));
  return Math.round(base * (0.8 + 0.4 * random()));
}

/** The URL without user name and password, for the logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return '(invalid URL)';
  }
}

type Telemetry = Body<TelemetryMessage>;

export class MqttBridge {
  readonly instanceId: string;
  readonly stats: MqttBridgeStats = { published: 0, received: 0, malformed: 0, duplicates: 0, droppedOffline: 0 };
  private readonly client: MqttClient;
  private readonly off: () => void;
  /** Events this bridge put on the local bus: not published again. */
  private readonly injected = new WeakSet<BusEvent>();
  private readonly seen = new Set<string>();
  /** The latest telemetry per vehicle, for the combined telemetry message. */
  private readonly telemetry = new Map<string, Telemetry>();
  private readonly throttle: LatestThrottle<Telemetry>;
  /** The last position / battery time put on the local bus per flight (an unchanged one is not repeated). */
  private readonly lastInbound = new Map<number, { position: string | null; battery: string | null }>();
  private readonly droneOfFlight = new Map<number, { droneId: string; requestId: number }>();
  private attempts = 0;
  private offlineQueued = 0;
  private closed = false;
  private wasConnected = false;
  /** Where the bridge logs (connection changes, dropped messages). */
  readonly log: Logger;

  constructor(private readonly o: MqttBridgeOptions) {
    this.log = o.logger ?? createLogger('mqtt');
    this.instanceId = o.instanceId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.throttle = new LatestThrottle({ intervalMs: TELEMETRY_MIN_INTERVAL_MS }, (_droneId, t) => this.publishTelemetry(t));
    this.client = mqtt.connect(o.url, {
      protocolVersion: 5,
      clientId: `medidrop-${this.instanceId}`.slice(0, 64),
      // A session the broker keeps for SESSION_EXPIRY_S after a connection drops: QoS 1 messages
      // published meanwhile wait there for this instance (a broker restart without persistence loses
      // them; the pages' streams then miss those events, the database still has them).
      clean: false,
      properties: { sessionExpiryInterval: SESSION_EXPIRY_S },
      keepalive: 30,
      connectTimeout: 10_000,
      reconnectPeriod: reconnectDelayMs(0),
      // Telemetry sent while the broker is away would be stale when it comes back.
      queueQoSZero: false,
      // Subscribed again on every connection below (the broker may have restarted without our session).
      resubscribe: false,
    });
    this.client.on('connect', () => {
      if (this.attempts > 0 || this.wasConnected) this.log.info({ broker: redactUrl(o.url), attempts: this.attempts }, 'MQTT broker reconnected');
      else this.log.info({ broker: redactUrl(o.url), instanceId: this.instanceId }, 'MQTT broker connected');
      this.wasConnected = true;
      this.attempts = 0;
      this.offlineQueued = 0;
      this.client.options.reconnectPeriod = reconnectDelayMs(0);
      // Every time: a broker that restarted without persistence has forgotten the session.
      this.client.subscribe(SUBSCRIPTION, { qos: 1, nl: true }, (err) => {
        if (err) this.log.warn({ err: err.message }, 'MQTT subscribe failed');
      });
    });
    this.client.on('close', () => {
      if (this.closed) return;
      // MQTT.js schedules the next attempt with options.reconnectPeriod when the connection closes,
      // before this listener runs: setting it here spaces the attempt after next.
      this.attempts++;
      this.client.options.reconnectPeriod = reconnectDelayMs(this.attempts);
      if (this.attempts === 1)
        this.log.warn({ broker: redactUrl(o.url) }, 'MQTT broker connection lost: local live events continue, reconnecting with backoff');
      else this.log.debug({ attempts: this.attempts }, 'MQTT reconnect failed');
    });
    // Without an 'error' listener an EventEmitter error would throw and end the process.
    this.client.on('error', (err) => this.log.warn({ err: err.message, broker: redactUrl(o.url) }, 'MQTT client error'));
    this.client.on('message', (topic, payload, packet) => this.receive(topic, payload, packet));
    this.off = o.bus.subscribe((e) => this.onLocal(e));
  }

  get connected(): boolean {
    return this.client.connected;
  }

  /** Stop: unsubscribe from the bus, drop held telemetry, disconnect (waits at most 2 s for the broker). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.off();
    this.throttle.close();
    await Promise.race([this.client.endAsync(!this.client.connected), new Promise((r) => setTimeout(r, 2000).unref())]);
    if (!this.client.disconnected) this.client.end(true);
  }

  // ─── local bus → broker ─────────────────────────────────────────────────────────────────────

  private onLocal(e: BusEvent): void {
    if (this.closed || this.injected.has(e)) return;
    const { repos } = this.o;
    switch (e.type) {
      case 'request': {
        const r = repos.requests.byId(e.requestId);
        if (r)
          this.publish({
            kind: 'requestStatus',
            message: this.envelope({
              requestId: r.id,
              version: r.version,
              status: r.status,
              urgency: r.urgency,
              missionId: r.missionId,
              updatedAt: r.updatedAt,
            }),
          });
        return;
      }
      case 'mission': {
        const m = repos.missions.byId(e.missionId);
        if (m)
          this.publish({
            kind: 'missionStatus',
            message: this.envelope({ missionId: m.id, requestId: m.requestId, droneId: m.droneId, depot: m.depot, status: m.status }),
          });
        return;
      }
      case 'flight': {
        const f = repos.flights.byId(e.flightId);
        if (f)
          this.publish({
            kind: 'flightStatus',
            message: this.envelope({
              flightId: f.id,
              requestId: f.requestId,
              missionId: f.missionId,
              droneId: f.droneId,
              state: f.state,
              stateReason: f.stateReason,
              paused: f.paused,
              airborneAt: f.airborneAt,
              endedAt: f.endedAt,
            }),
          });
        return;
      }
      case 'flight-live': {
        const drone = this.droneOf(e.flightId);
        if (!drone) return;
        if (e.event === 'position' || e.event === 'battery') {
          const cur = this.telemetry.get(drone.droneId);
          const t: Telemetry =
            cur && cur.flightId === e.flightId
              ? { ...cur }
              : { droneId: drone.droneId, flightId: e.flightId, requestId: e.requestId, position: null, battery: null };
          if (e.event === 'position') t.position = e.data as FlightLiveEvents['position'];
          else t.battery = e.data as FlightLiveEvents['battery'];
          this.telemetry.set(drone.droneId, t);
          this.throttle.offer(drone.droneId, t);
          return;
        }
        this.publish({
          kind: 'flightEvents',
          message: this.envelope({ flightId: e.flightId, requestId: e.requestId, droneId: drone.droneId, event: e.event, data: e.data }) as FlightEventMessage,
        });
        return;
      }
      default:
        // 'drone' and 'queue' are not bridged: each instance derives them from the shared store.
        return;
    }
  }

  private droneOf(flightId: number): { droneId: string; requestId: number } | null {
    let d = this.droneOfFlight.get(flightId);
    if (!d) {
      const f = this.o.repos.flights.byId(flightId);
      if (!f) return null;
      d = { droneId: f.droneId, requestId: f.requestId };
      if (this.droneOfFlight.size > 10_000) this.droneOfFlight.clear();
      this.droneOfFlight.set(flightId, d);
    }
    return d;
  }

  private envelope<B extends object>(body: B) {
    return { schemaVersion: BUS_SCHEMA_VERSION, messageId: randomUUID(), instanceId: this.instanceId, sentAt: new Date().toISOString(), ...body } as const;
  }

  private publishTelemetry(t: Telemetry): void {
    this.publish({ kind: 'telemetry', message: this.envelope(t) });
  }

  private publish(m: BusMessage): void {
    if (this.closed) return;
    const { qos, retain } = TOPICS[m.kind];
    if (!this.client.connected) {
      // QoS 0: dropped (the next telemetry replaces it). QoS 1: kept by MQTT.js until reconnected, up to a bound.
      if (qos === 0 || this.offlineQueued >= MAX_OFFLINE_QUEUE) {
        if (qos === 1 && this.stats.droppedOffline++ === 0) this.log.warn({ max: MAX_OFFLINE_QUEUE }, 'MQTT broker away too long: bus messages dropped');
        return;
      }
      this.offlineQueued++;
    }
    this.stats.published++;
    this.client.publish(topicFor(m), JSON.stringify(m.message), { qos, retain }, (err) => {
      if (err && !this.closed) this.log.debug({ err: err.message, kind: m.kind }, 'MQTT publish failed');
    });
  }

  // ─── broker → local bus ─────────────────────────────────────────────────────────────────────

  private receive(topic: string, payload: Buffer, packet: IPublishPacket): void {
    if (this.closed) return;
    let m: BusMessage;
    try {
      m = decodeMessage(topic, payload);
    } catch (err) {
      this.stats.malformed++;
      this.log.warn({ topic, bytes: payload.length, err: err instanceof BusMessageError ? err.message : String(err) }, 'malformed MQTT message dropped');
      return;
    }
    if (m.message.instanceId === this.instanceId || packet.retain) return;
    // Only QoS 1 topics can repeat a message (telemetry repeats nothing, and would crowd the ids out).
    if (TOPICS[m.kind].qos === 1) {
      if (this.seen.has(m.message.messageId)) {
        this.stats.duplicates++;
        return;
      }
      this.seen.add(m.message.messageId);
      if (this.seen.size > SEEN_IDS) this.seen.delete(this.seen.values().next().value!);
    }
    this.stats.received++;
    try {
      this.inject(m);
    } catch (err) {
      this.log.warn({ topic, err: err instanceof Error ? err.message : String(err) }, 'MQTT message not applied');
    }
  }

  private inject(m: BusMessage): void {
    const put = (e: BusEvent) => {
      this.injected.add(e);
      this.o.bus.publish(e);
    };
    switch (m.kind) {
      case 'requestStatus':
        return put({ type: 'request', requestId: m.message.requestId });
      case 'missionStatus':
        return put({ type: 'mission', missionId: m.message.missionId });
      case 'flightStatus':
        return put({ type: 'flight', flightId: m.message.flightId, requestId: m.message.requestId });
      case 'flightEvents': {
        const { flightId, requestId, event, data } = m.message;
        if (!(FLIGHT_EVENT_NAMES as readonly string[]).includes(event)) return;
        return put({ type: 'flight-live', flightId, requestId, event: event as FlightEventName, data } as BusEvent);
      }
      case 'telemetry': {
        const { flightId, requestId, position, battery } = m.message;
        const last = this.lastInbound.get(flightId) ?? { position: null, battery: null };
        if (position && position.t !== last.position) {
          last.position = position.t;
          put({ type: 'flight-live', flightId, requestId, event: 'position', data: position });
        }
        if (battery && battery.t !== last.battery) {
          last.battery = battery.t;
          put({ type: 'flight-live', flightId, requestId, event: 'battery', data: battery });
        }
        if (this.lastInbound.size > 10_000) this.lastInbound.clear();
        this.lastInbound.set(flightId, last);
        return;
      }
    }
  }
}

export function startMqttBridge(o: MqttBridgeOptions): MqttBridge {
  return new MqttBridge(o);
}
