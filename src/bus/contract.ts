/**
 * The MQTT telemetry bus contract (issue 13): every topic medidrop publishes under `medidrop/v1/…`,
 * its QoS and retain flag with the reason for them, and each payload as a TypeBox schema (the live
 * flight payloads are the SSE ones, src/web/api-types.ts). docs/asyncapi.yaml describes the same
 * topics for other systems (a city command centre); test/unit/bus-asyncapi.test.ts checks that the
 * two agree. Pure: building and parsing topic names, checking payloads.
 *
 * Every payload is JSON with `schemaVersion` (1: a change that breaks a reader makes topic root
 * `medidrop/v2`; fields may be added within v1, readers ignore fields they do not know), a `messageId` (UUID; a QoS 1 message can arrive twice, readers drop a messageId
 * they have seen), the `instanceId` of the medidrop process that sent it (an instance drops its own
 * messages), and `sentAt`. Payloads carry ids, states and positions only: never a recipient's name,
 * phone, medicine, notes or hand-over code.
 */
import { type Static, type TSchema, Type } from 'typebox';
import { Compile } from 'typebox/compile';
import { FlightLiveEventsSchema, FlightStatusSchema, MissionStatusSchema, RequestStatusSchema, UrgencySchema } from '../web/api-types.js';
import { Nullable } from '../web/schema-kit.js';

export const BUS_SCHEMA_VERSION = 1;
export const TOPIC_ROOT = 'medidrop/v1';

/**
 * The topics, by kind. QoS and retain, and why:
 * - telemetry: QoS 0, retained. Positions come several times a second and the latest one wins: a
 *   lost one is replaced by the next within TELEMETRY_MIN_INTERVAL_MS, so an acknowledged delivery
 *   (QoS 1) would only add traffic and stale re-sends. Retained so that a subscriber that joins late
 *   (a command centre's map) shows every vehicle's last known position at once (`position.t` says how old).
 * - flight events (state transitions, alerts, link, mode, upload progress, delivery, pause): QoS 1,
 *   not retained. Each one matters (a 'link-lost' alert, the transition to 'delivered') and must
 *   arrive at least once; duplicates are dropped by messageId. Not retained: the last event alone
 *   would mislead a late subscriber, who reads the flight's status topic instead.
 * - flight / request / mission status: QoS 1, retained. The current state of each thing, sent when
 *   it changes; retained so a late subscriber learns the state of everything without asking the API.
 */
export const TOPICS = {
  telemetry: { pattern: `${TOPIC_ROOT}/vehicles/{droneId}/telemetry`, qos: 0, retain: true },
  flightEvents: { pattern: `${TOPIC_ROOT}/flights/{flightId}/events`, qos: 1, retain: false },
  flightStatus: { pattern: `${TOPIC_ROOT}/flights/{flightId}/status`, qos: 1, retain: true },
  requestStatus: { pattern: `${TOPIC_ROOT}/requests/{requestId}/status`, qos: 1, retain: true },
  missionStatus: { pattern: `${TOPIC_ROOT}/missions/{missionId}/status`, qos: 1, retain: true },
} as const satisfies Record<string, { pattern: string; qos: 0 | 1; retain: boolean }>;

export type TopicKind = keyof typeof TOPICS;

/** What an instance subscribes to: everything under the versioned root. */
export const SUBSCRIPTION = `${TOPIC_ROOT}/#`;

/**
 * Telemetry goes out at most once per this interval per vehicle (2 Hz), the latest state winning:
 * enough for a moving marker on a city map, and 200 vehicles stay at 400 messages/s on the broker
 * whatever rate the vehicles report at (the tracker forwards each MAVLink position, up to 10 Hz).
 */
export const TELEMETRY_MIN_INTERVAL_MS = 500;

const DroneId = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,31}$', description: "the drone's id (lowercase letters, digits and '-')" });
const Id = Type.Integer({ minimum: 1 });
const Envelope = {
  schemaVersion: Type.Literal(BUS_SCHEMA_VERSION),
  messageId: Type.String({ minLength: 1, maxLength: 64, description: 'UUID; a reader drops a messageId it has seen (QoS 1 may deliver twice)' }),
  instanceId: Type.String({ minLength: 1, maxLength: 128, description: 'the medidrop instance that sent it' }),
  sentAt: Type.String({ description: 'ISO-8601 UTC' }),
};

const live = FlightLiveEventsSchema.properties;

export const TelemetryMessageSchema = Type.Object(
  {
    ...Envelope,
    droneId: DroneId,
    flightId: Id,
    requestId: Id,
    position: Nullable(live.position, { description: 'the latest position (null: none yet on this flight)' }),
    battery: Nullable(live.battery, { description: 'the latest battery report (null: none yet)' }),
  },
  { description: 'A vehicle on a flight: its latest position and battery.' },
);

/** The flight events other than telemetry: the SSE event names of a flight stream. */
export const FLIGHT_EVENT_NAMES = ['state', 'link', 'mode', 'alert', 'progress', 'delivery', 'paused'] as const;
export type FlightEventName = (typeof FLIGHT_EVENT_NAMES)[number];
/** Position and battery travel on the telemetry topic. */
export const TELEMETRY_EVENT_NAMES = ['position', 'battery'] as const;

const flightEvent = <E extends FlightEventName>(event: E) =>
  Type.Object({ ...Envelope, flightId: Id, requestId: Id, droneId: DroneId, event: Type.Literal(event), data: live[event] });

export const FlightEventMessageSchema = Type.Union(
  [
    flightEvent('state'),
    flightEvent('link'),
    flightEvent('mode'),
    flightEvent('alert'),
    flightEvent('progress'),
    flightEvent('delivery'),
    flightEvent('paused'),
  ],
  { description: 'One live flight event, as GET /api/flights/:id/events sends it (`event` is the SSE event name).' },
);

export const FlightStatusMessageSchema = Type.Object(
  {
    ...Envelope,
    flightId: Id,
    requestId: Id,
    missionId: Id,
    droneId: DroneId,
    state: FlightStatusSchema,
    stateReason: Nullable(Type.String()),
    paused: Type.Boolean(),
    airborneAt: Nullable(Type.String()),
    endedAt: Nullable(Type.String()),
  },
  { description: "A flight's current status." },
);

export const RequestStatusMessageSchema = Type.Object(
  {
    ...Envelope,
    requestId: Id,
    version: Id,
    status: RequestStatusSchema,
    urgency: UrgencySchema,
    missionId: Nullable(Id),
    updatedAt: Type.String(),
  },
  { description: "A delivery request's current status (no recipient, phone, medicine or notes)." },
);

export const MissionStatusMessageSchema = Type.Object(
  { ...Envelope, missionId: Id, requestId: Id, droneId: DroneId, depot: Type.String(), status: MissionStatusSchema },
  { description: "A planned mission's current status." },
);

export const PAYLOAD_SCHEMAS = {
  telemetry: TelemetryMessageSchema,
  flightEvents: FlightEventMessageSchema,
  flightStatus: FlightStatusMessageSchema,
  requestStatus: RequestStatusMessageSchema,
  missionStatus: MissionStatusMessageSchema,
} as const satisfies Record<TopicKind, TSchema>;

export type TelemetryMessage = Static<typeof TelemetryMessageSchema>;
export type FlightEventMessage = Static<typeof FlightEventMessageSchema>;
export type FlightStatusMessage = Static<typeof FlightStatusMessageSchema>;
export type RequestStatusMessage = Static<typeof RequestStatusMessageSchema>;
export type MissionStatusMessage = Static<typeof MissionStatusMessageSchema>;

export type BusMessage =
  | { kind: 'telemetry'; message: TelemetryMessage }
  | { kind: 'flightEvents'; message: FlightEventMessage }
  | { kind: 'flightStatus'; message: FlightStatusMessage }
  | { kind: 'requestStatus'; message: RequestStatusMessage }
  | { kind: 'missionStatus'; message: MissionStatusMessage };

/** The fields without the envelope, as the bridge builds them. */
export type Body<M> = Omit<M, keyof typeof Envelope>;

/** The topic of a message: its pattern with the id filled in. */
export function topicFor(m: BusMessage): string {
  switch (m.kind) {
    case 'telemetry':
      return `${TOPIC_ROOT}/vehicles/${m.message.droneId}/telemetry`;
    case 'flightEvents':
      return `${TOPIC_ROOT}/flights/${m.message.flightId}/events`;
    case 'flightStatus':
      return `${TOPIC_ROOT}/flights/${m.message.flightId}/status`;
    case 'requestStatus':
      return `${TOPIC_ROOT}/requests/${m.message.requestId}/status`;
    case 'missionStatus':
      return `${TOPIC_ROOT}/missions/${m.message.missionId}/status`;
  }
}

const validators = Object.fromEntries(Object.entries(PAYLOAD_SCHEMAS).map(([k, s]) => [k, Compile(s)])) as {
  [K in TopicKind]: ReturnType<typeof Compile<(typeof PAYLOAD_SCHEMAS)[K]>>;
};

/** Which kind of topic a name is, and the id in it; null for a name outside the contract. */
export function parseTopic(topic: string): { kind: TopicKind; id: string } | null {
  const m = /^medidrop\/v1\/(vehicles|flights|requests|missions)\/([^/]+)\/(telemetry|events|status)$/.exec(topic);
  if (!m) return null;
  const [, what, id, leaf] = m as unknown as [string, string, string, string];
  const kind: TopicKind | null =
    what === 'vehicles' && leaf === 'telemetry'
      ? 'telemetry'
      : what === 'flights' && leaf === 'events'
        ? 'flightEvents'
        : what === 'flights' && leaf === 'status'
          ? 'flightStatus'
          : what === 'requests' && leaf === 'status'
            ? 'requestStatus'
            : what === 'missions' && leaf === 'status'
              ? 'missionStatus'
              : null;
  return kind ? { kind, id } : null;
}

export class BusMessageError extends Error {
  override name = 'BusMessageError';
}

/**
 * A received message, checked: the topic is one of the contract's, the payload is JSON that matches
 * its schema, and the id in the topic is the one in the payload. Throws BusMessageError saying what
 * is wrong otherwise.
 */
export function decodeMessage(topic: string, payload: Uint8Array): BusMessage {
  const t = parseTopic(topic);
  if (!t) throw new BusMessageError(`${topic}: not a medidrop/v1 topic`);
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(payload).toString('utf8'));
  } catch (err) {
    throw new BusMessageError(`${topic}: payload is not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const v = validators[t.kind];
  if (!v.Check(json)) {
    const e = v.Errors(json)[0];
    throw new BusMessageError(`${topic}: payload does not match the ${t.kind} schema: ${e ? `${e.instancePath || '/'} ${e.message}` : 'invalid'}`);
  }
  const m = { kind: t.kind, message: json } as BusMessage;
  if (topicFor(m) !== topic) throw new BusMessageError(`${topic}: the id in the topic is not the payload's`);
  return m;
}

/** Whether a value is a valid payload for a kind (tests, and the AsyncAPI examples check). */
export function checkPayload(kind: TopicKind, value: unknown): string[] {
  const v = validators[kind];
  return v.Check(value) ? [] : v.Errors(value).map((e) => `${e.instancePath || '/'} ${e.message}`);
}
