/**
 * Server-sent events over a hijacked fastify reply. Streams are registered with the app so that
 * closing the app ends them (an open stream would otherwise keep the server from closing).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export interface SseStream {
  send(event: string, data: unknown): void;
  onClose(fn: () => void): void;
  close(): void;
}

const streams = new WeakMap<FastifyInstance, Set<SseStream>>();

export function installSse(app: FastifyInstance): void {
  const set = new Set<SseStream>();
  streams.set(app, set);
  app.addHook('preClose', (done) => {
    for (const s of [...set]) s.close();
    done();
  });
}

export function openSse(app: FastifyInstance, req: FastifyRequest, reply: FastifyReply, pingMs = 15_000): SseStream {
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
  let open = true;
  const set = streams.get(app);
  const ping = setInterval(() => {
    if (open) raw.write(': ping\n\n');
  }, pingMs);
  ping.unref();
  const stream: SseStream = {
    send(event, data) {
      if (!open) return;
      raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    onClose(fn) {
      closers.push(fn);
    },
    close() {
      if (!open) return;
      open = false;
      clearInterval(ping);
      set?.delete(stream);
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
  set?.add(stream);
  req.raw.on('close', () => stream.close());
  return stream;
}
