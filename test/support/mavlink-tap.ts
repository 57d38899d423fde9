/**
 * A listening tap between ground stations and one vehicle: a TCP proxy that passes every byte on
 * unchanged and records, per ground-station connection, each MAVLink frame it sent to the vehicle
 * (message id, MISSION_COUNT's mission type, when), and when the connection opened and closed. Tests
 * of several service instances use it to tell which instance sent what, and when.
 */
import net from 'node:net';
import { PacketSplitter } from '../../src/mavlink/wire.js';

export interface TappedFrame {
  /** Date.now() when the frame reached the tap. */
  at: number;
  msgid: number;
  /** MISSION_COUNT (#44) only: the mission type (0 mission, 1 fence, 2 rally). */
  missionType?: number;
}

export interface TappedClient {
  /** The order in which ground stations connected, from 0. */
  index: number;
  openedAt: number;
  closedAt: number | null;
  frames: TappedFrame[];
}

export interface MavlinkTap {
  readonly port: number;
  readonly clients: TappedClient[];
  stop(): Promise<void>;
}

/** MISSION_COUNT: count (uint16), target system, target component, mission_type (MAVLink 2 extension; trailing zeros trimmed). */
const MISSION_COUNT = 44;

export async function startMavlinkTap(target: { host?: string; port: number }): Promise<MavlinkTap> {
  const clients: TappedClient[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const rec: TappedClient = { index: clients.length, openedAt: Date.now(), closedAt: null, frames: [] };
    clients.push(rec);
    const upstream = net.connect({ host: target.host ?? '127.0.0.1', port: target.port });
    const splitter = new PacketSplitter();
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.setNoDelay(true);
      s.on('error', () => undefined);
      s.on('close', () => {
        sockets.delete(s);
        rec.closedAt ??= Date.now();
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (chunk: Buffer) => {
      const at = Date.now();
      for (const p of splitter.push(chunk)) {
        rec.frames.push({ at, msgid: p.msgid, ...(p.msgid === MISSION_COUNT ? { missionType: p.payload[4] ?? 0 } : {}) });
      }
      if (!upstream.destroyed) upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!client.destroyed) client.write(chunk);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    clients,
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
