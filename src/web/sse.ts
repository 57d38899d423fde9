/**
 * Server-sent events over a hijacked fastify reply. The hub is created on the root app so that
 * closing the app ends every open stream (an open stream would otherwise keep the server from
 * closing); the events plugin opens its streams through it.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { TelemetryPacer } from './sse-pacer.js';

export interface SseStream {
  /** A message written at once (after any telemetry held for pacing, so the order is kept). */
  send(event: string, data: unknown): void;
  /** Latest-wins telemetry under `key`, at most one per key every 250 ms (sse-pacer.ts). */
  telemetry(key: string, event: string, data: unknown): void;
  onClose(fn: () => void): void;
  close(): void;
}

export interface SseHub {
  /** Answers `text/event-stream` on this reply; a `: ping` comment every `pingMs` keeps proxies from closing it. */
  open(req: FastifyRequest, reply: FastifyReply): SseStream;
}

export function createSseHub(app: FastifyInstance, pingMs = 15_000): SseHub {
  const open = new Set<SseStream>();
  app.addHook('preClose', (done) => {
    for (const s of [...open]) s.close();
    done();
  });
  return { open: (req, reply) => openStream(open, req, reply, pingMs) };
}

function openStream(set: Set<SseStream>, req: FastifyRequest, reply: FastifyReply, pingMs: number): SseStream {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  raw.write(': medidrop events\n\n');
  const closers: (() => void)[] = [];
  let isOpen = true;
  const ping = setInterval(() => {
    if (isOpen) raw.write(': ping\n\n');
  }, pingMs);
  ping.unref();
  const pacer = new TelemetryPacer((event, data) => {
    if (isOpen) raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  });
  const stream: SseStream = {
    send(event, data) {
      pacer.send(event, data);
    },
    telemetry(key, event, data) {
      pacer.telemetry(key, event, data);
    },
    onClose(fn) {
      closers.push(fn);
    },
    close() {
      if (!isOpen) return;
      isOpen = false;
      clearInterval(ping);
      pacer.close();
      set.delete(stream);
      for (const fn of closers) {
        try {
          fn();
        } catch {
          /* a closer must not stop the others */
        }
      }
      raw.end();
    },
  };
  set.add(stream);
  req.raw.on('close', () => stream.close());
  return stream;
}
