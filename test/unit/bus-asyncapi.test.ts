/**
 * docs/asyncapi.yaml and src/bus/contract.ts agree: the same channels (addresses) as the code's
 * topics and no others, the QoS and retain flag of each send operation, the payload schemas equal
 * to the code's, and every example a valid payload for its topic (decoded as the bridge decodes a
 * received message).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { checkPayload, decodeMessage, FLIGHT_EVENT_NAMES, PAYLOAD_SCHEMAS, TOPICS, type TopicKind } from '../../src/bus/contract.js';
import { packageRoot } from '../../src/package-root.js';

const doc = YAML.parse(readFileSync(join(packageRoot(), 'docs', 'asyncapi.yaml'), 'utf8'));

/** A `$ref: '#/a/b'` inside the document, resolved. */
function deref(node: any): any {
  if (node && typeof node === 'object' && typeof node.$ref === 'string') {
    const path = node.$ref.replace(/^#\//, '').split('/');
    return deref(path.reduce((o: any, k: string) => o?.[k], doc));
  }
  return node;
}

/** The channel whose address is a topic pattern. */
const channelOf = (kind: TopicKind) => Object.entries<any>(doc.channels).find(([, c]) => c.address === TOPICS[kind].pattern);

describe('AsyncAPI document (docs/asyncapi.yaml)', () => {
  it('is AsyncAPI 3.0 with one channel per topic of the code, and no other', () => {
    expect(doc.asyncapi).toBe('3.0.0');
    expect(
      Object.values<any>(doc.channels)
        .map((c) => c.address)
        .sort(),
    ).toEqual(
      Object.values(TOPICS)
        .map((t) => t.pattern)
        .sort(),
    );
    for (const kind of Object.keys(TOPICS) as TopicKind[]) {
      const [, channel] = channelOf(kind)!;
      // every {parameter} in the address is described
      const params = [...channel.address.matchAll(/\{(\w+)\}/g)].map((m: RegExpMatchArray) => m[1]);
      expect(Object.keys(channel.parameters ?? {}).sort(), kind).toEqual(params.sort());
    }
  });

  it("states each topic's QoS and retain flag as the code publishes them", () => {
    for (const kind of Object.keys(TOPICS) as TopicKind[]) {
      const [name] = channelOf(kind)!;
      const sends = Object.values<any>(doc.operations).filter((o) => o.action === 'send' && o.channel.$ref === `#/channels/${name}`);
      expect(sends, kind).toHaveLength(1);
      expect(sends[0].bindings.mqtt, kind).toMatchObject({ qos: TOPICS[kind].qos, retain: TOPICS[kind].retain });
    }
  });

  it('has the payload schemas the code checks messages with', () => {
    for (const kind of Object.keys(TOPICS) as TopicKind[]) {
      const [, channel] = channelOf(kind)!;
      const messages = Object.values<any>(channel.messages).map(deref);
      expect(messages, kind).toHaveLength(1);
      expect(deref(messages[0].payload), `${kind}: components.schemas out of date`).toEqual(JSON.parse(JSON.stringify(PAYLOAD_SCHEMAS[kind])));
    }
    const events = deref(doc.components.schemas.FlightEventMessage).anyOf.map((b: any) => b.properties.event.const);
    expect(events).toEqual([...FLIGHT_EVENT_NAMES]);
  });

  it('has examples that are valid payloads for their topic', () => {
    let n = 0;
    for (const kind of Object.keys(TOPICS) as TopicKind[]) {
      const [, channel] = channelOf(kind)!;
      for (const message of Object.values<any>(channel.messages).map(deref)) {
        expect(message.examples?.length, kind).toBeGreaterThan(0);
        for (const ex of message.examples) {
          expect(checkPayload(kind, ex.payload), `${kind} example '${ex.name}'`).toEqual([]);
          const topic = channel.address.replace(/\{(\w+)\}/g, (_: string, p: string) => String(ex.payload[p]));
          expect(decodeMessage(topic, Buffer.from(JSON.stringify(ex.payload))).kind).toBe(kind);
          n++;
        }
      }
    }
    expect(n).toBeGreaterThanOrEqual(Object.keys(TOPICS).length);
  });
});
