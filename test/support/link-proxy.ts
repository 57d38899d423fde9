/**
 * A bad radio link for tests: a TCP proxy between a client and a vehicle that splits each
 * direction into MAVLink packets and drops, duplicates, reorders and delays them with a seeded
 * random source, so that a failing seed can be replayed exactly.
 */
import net from 'node:net';
import { PacketSplitter } from '../../src/mavlink/wire.js';
import { seededRandom } from './random.js';

export interface LinkFaults {
  /** Probability a packet is dropped (0–1). */
  loss?: number;
  /** Probability a packet is sent twice. */
  duplicate?: number;
  /** Probability a packet is held back so that later ones overtake it. */
  reorder?: number;
  /** Fixed one-way delay, ms (RTT = delay up + delay down). */
  delayMs?: number;
  /** Extra random delay 0…jitterMs per packet. */
  jitterMs?: number;
}

export interface DirectionStats {
  packets: number;
  dropped: number;
  duplicated: number;
  reordered: number;
}

export interface LinkProxy {
  readonly port: number;
  readonly stats: { toVehicle: DirectionStats; toClient: DirectionStats };
  /** Change the faults of one direction while running. */
  setFaults(direction: 'toVehicle' | 'toClient', faults: LinkFaults): void;
  stop(): Promise<void>;
}

export async function startLinkProxy(opts: {
  target: { host?: string; port: number };
  seed: number;
  toVehicle?: LinkFaults;
  toClient?: LinkFaults;
}): Promise<LinkProxy> {
  const faults = { toVehicle: { ...opts.toVehicle }, toClient: { ...opts.toClient } };
  const stats = {
    toVehicle: { packets: 0, dropped: 0, duplicated: 0, reordered: 0 },
    toClient: { packets: 0, dropped: 0, duplicated: 0, reordered: 0 },
  };
  const rng = { toVehicle: seededRandom(opts.seed * 2 + 1), toClient: seededRandom(opts.seed * 2 + 2) };
  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<net.Socket>();

  const pipe = (dir: 'toVehicle' | 'toClient', from: net.Socket, to: net.Socket) => {
    const splitter = new PacketSplitter();
    const write = (buf: Buffer, delay: number) => {
      if (delay <= 0) {
        if (!to.destroyed) to.write(buf);
        return;
      }
      const t = setTimeout(() => {
        timers.delete(t);
        if (!to.destroyed) to.write(buf);
      }, delay);
      timers.add(t);
    };
    from.on('data', (chunk: Buffer) => {
      for (const p of splitter.push(chunk)) {
        const f = faults[dir];
        const r = rng[dir];
        const s = stats[dir];
        s.packets++;
        if (r() < (f.loss ?? 0)) {
          s.dropped++;
          continue;
        }
        let delay = (f.delayMs ?? 0) + r() * (f.jitterMs ?? 0);
        if (r() < (f.reorder ?? 0)) {
          s.reordered++;
          delay += 5 + (f.jitterMs ?? 0) + r() * 20;
        }
        write(p.buffer, delay);
        if (r() < (f.duplicate ?? 0)) {
          s.duplicated++;
          write(p.buffer, delay + 1 + r() * 10);
        }
      }
    });
  };

  const server = net.createServer((client) => {
    const upstream = net.connect({ host: opts.target.host ?? '127.0.0.1', port: opts.target.port });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.setNoDelay(true);
      s.on('error', () => undefined);
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    pipe('toVehicle', client, upstream);
    pipe('toClient', upstream, client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    stats,
    setFaults(direction, f) {
      faults[direction] = { ...f };
    },
    async stop() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
