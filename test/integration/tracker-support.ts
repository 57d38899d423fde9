/**
 * Support for the tracker integration tests: an emulated vehicle and a real MAVLink connection to it,
 * cleaned up after each test, and waiting helpers on the flight handle.
 */
import { startEmulator, type Emulator, type EmulatedVehicle } from '../../sim/emulator/index.js';
import { connect } from '../../src/mavlink/connection.js';
import type { MavlinkConnection, VehicleLink } from '../../src/mavlink/types.js';
import type { FlightHandle } from '../../src/fleet/flight-runner.js';
import type { FlightStatus } from '../../src/domain/words.js';
import { HOME } from '../unit/fleet-fixtures.js';

export const SPEEDUP = 40;

export interface Rig {
  emu: Emulator;
  sim: EmulatedVehicle;
  url: string;
  conn: MavlinkConnection;
  vehicle: VehicleLink;
  reconnect(): Promise<{ conn: MavlinkConnection; vehicle: VehicleLink }>;
  close(): Promise<void>;
}

export async function startRig(opts: { sysid?: number; speedup?: number; linkTimeoutMs?: number } = {}): Promise<Rig> {
  const sysid = opts.sysid ?? 1;
  const emu = await startEmulator({ vehicles: [{ sysid, home: HOME }], speedup: opts.speedup ?? SPEEDUP, readyAfterS: 3 });
  const conns: MavlinkConnection[] = [];
  const url = `tcp://127.0.0.1:${emu.vehicles[0]!.tcpPort}`;
  const open = async () => {
    const conn = await connect(url, { linkTimeoutMs: opts.linkTimeoutMs ?? 1500, reconnectMinMs: 50, reconnectMaxMs: 200 });
    conns.push(conn);
    const vehicle = await conn.waitForVehicle({ sysid, timeoutMs: 10_000 });
    return { conn, vehicle };
  };
  const first = await open();
  return {
    emu,
    sim: emu.vehicles[0]!,
    url,
    ...first,
    reconnect: open,
    async close() {
      for (const c of conns) await c.close().catch(() => undefined);
      await emu.stop();
    },
  };
}

/** Resolves when the flight reaches `status` (or rejects after `timeoutMs`, saying where it is). */
export function waitForStatus(h: FlightHandle, status: FlightStatus, timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = () => {
      const s = h.state();
      if (s.status === status) return resolve();
      if (Date.now() - started > timeoutMs) return reject(new Error(`flight still ${s.status} (wanted ${status}) after ${timeoutMs} ms: ${s.reason ?? ''}`));
      setTimeout(poll, 20);
    };
    poll();
  });
}

export function waitUntil(pred: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = () => {
      if (pred()) return resolve();
      if (Date.now() - started > timeoutMs) return reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      setTimeout(poll, 20);
    };
    poll();
  });
}
