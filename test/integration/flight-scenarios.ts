/**
 * Delivery flight scenarios, flown the way medidrop flies them (planner → MAVLink client → flight
 * runner), against a vehicle back-end: the emulator (test/integration/flight*.test.ts, always) or
 * ArduPilot SITL (test/sitl, when ARDUPILOT_SITL_BIN is set). The checks are the ones a pilot makes:
 * the parcel was released at the drop point (within 3 m), the drone came back and landed at its depot.
 */
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { connect } from '../../src/mavlink/connection.js';
import type { MavlinkConnection, VehicleLink } from '../../src/mavlink/types.js';
import { loadZoneMapFile } from '../../src/geo/zone-map.js';
import type { ZoneMap } from '../../src/geo/types.js';
import { planDelivery } from '../../src/planner/plan-delivery.js';
import { parseDroneProfileText } from '../../src/planning/drone.js';
import type { DeliveryPlan } from '../../src/planner/types.js';
import { runFlight, type FlightOutcome } from '../../src/fleet/flight-runner.js';
import type { VehicleEvent } from '../../src/mavlink/telemetry.js';
import { startEmulator, type EmulatedVehicle, type Surface } from '../../sim/emulator/index.js';
import { startSitl, type SitlInstance } from '../../sim/sitl/harness.js';
import { distanceM } from '../../sim/emulator/geo.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export function exampleMap(name = 'county-town'): ZoneMap {
  return loadZoneMapFile(path.join(ROOT, 'missions', `${name}.geojson`));
}

export function drone(name = 'police-quad') {
  const file = path.join(ROOT, 'missions', 'drones', `${name}.json`);
  return parseDroneProfileText(readFileSync(file, 'utf8'), file);
}

export function plan(map: ZoneMap, depot: string, dropPoint: string, droneName = 'police-quad'): DeliveryPlan {
  const p = planDelivery(map, {
    from: { name: depot },
    to: { name: dropPoint },
    drone: drone(droneName),
    conditions: { payloadKg: 0.5, wind: { speedMs: 0, fromDeg: 0 }, temperatureC: 15 },
  });
  if (!p.feasible || !p.vehiclePlan) throw new Error(`plan ${depot} → ${dropPoint} not feasible: ${p.reasons.map((r) => r.message).join('; ')}`);
  return p;
}

/** Where a vehicle starts: the plan's home (the depot, on the ground). */
export function homeOf(p: DeliveryPlan): { lat: number; lon: number; altM: number } {
  return { ...p.vehiclePlan!.home };
}

/** A running back-end: one connection URL per vehicle, and (emulator only) the vehicles to inspect. */
export interface BackendRun {
  urls: string[];
  sysids: number[];
  /** Emulated vehicles (undefined on SITL). */
  vehicles?: EmulatedVehicle[];
  stop(failed?: boolean): Promise<void>;
}

export type Backend = (
  homes: { lat: number; lon: number; altM: number }[],
  opts?: {
    params?: Record<string, number>;
    surfaces?: Surface[];
    speedup?: number /** emulator only: sim s from boot to ready (default 4; SITL takes about 42) */;
    readyAfterS?: number;
  },
) => Promise<BackendRun>;

/** Rooftop drop points of a map as landing surfaces (heights above the depot's ground). */
export function roofSurfaces(map: ZoneMap, groundAltM: number): Surface[] {
  return map.dropPoints.filter((d) => d.heightM > 0).map((d) => ({ lat: d.position[1], lon: d.position[0], radiusM: 10, topAltM: groundAltM + d.heightM }));
}

export const emulatorBackend: Backend = async (homes, opts = {}) => {
  const emu = await startEmulator({
    vehicles: homes.map((home, i) => ({ sysid: i + 1, home, params: opts.params })),
    speedup: opts.speedup ?? 40,
    readyAfterS: opts.readyAfterS ?? 4,
    surfaces: opts.surfaces,
  });
  return {
    urls: emu.vehicles.map((v) => `tcp://127.0.0.1:${v.tcpPort}`),
    sysids: emu.vehicles.map((v) => v.sysid),
    vehicles: emu.vehicles,
    stop: () => emu.stop(),
  };
};

export function sitlBackend(speedup = 10): Backend {
  return async (homes, opts = {}) => {
    const instances: SitlInstance[] = [];
    try {
      for (const home of homes) instances.push(await startSitl({ home, speedup, params: opts.params }));
    } catch (err) {
      for (const s of instances) await s.stop({ failed: true });
      throw err;
    }
    return {
      urls: instances.map((s) => s.url),
      sysids: instances.map((s) => s.sysid),
      stop: async (failed) => {
        for (const s of instances) await s.stop({ failed });
      },
    };
  };
}

export interface FlownDelivery {
  outcome: FlightOutcome;
  events: VehicleEvent[];
  /** Last position reported by the vehicle. */
  last: { lat: number; lon: number; relAltM: number } | undefined;
}

/** Connect to a vehicle and fly one delivery plan with the flight runner. */
export async function fly(
  url: string,
  sysid: number,
  p: DeliveryPlan,
  timeoutMs: number,
): Promise<FlownDelivery & { connection: MavlinkConnection; vehicle: VehicleLink }> {
  const connection = await connect(url);
  try {
    const vehicle = await connection.waitForVehicle({ sysid, timeoutMs: 30_000 });
    const events: VehicleEvent[] = [];
    let last: FlownDelivery['last'];
    vehicle.onEvent((e) => {
      events.push(e);
      if (e.type === 'position') last = { lat: e.lat, lon: e.lon, relAltM: e.relAltM };
    });
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), timeoutMs);
    const outcome = await runFlight({ vehicle, plan: p.vehiclePlan!, deliveryPlan: p, signal: ac.signal, readyTimeoutMs: timeoutMs });
    clearTimeout(timer);
    return { outcome, events, last, connection, vehicle };
  } catch (err) {
    await connection.close();
    throw err;
  }
}

export { distanceM };

/** 1e-7 degree items for a small inclusion square around a point (the fence a delivery will breach). */
export function tightInclusionFence(centre: { lat: number; lon: number }, halfSideM: number): import('../../src/missions/types.js').MissionItem[] {
  const m = 111318.84502145034;
  const dLat = halfSideM / m;
  const dLon = halfSideM / (m * Math.cos((centre.lat * Math.PI) / 180));
  const corners: [number, number][] = [
    [centre.lat - dLat, centre.lon - dLon],
    [centre.lat - dLat, centre.lon + dLon],
    [centre.lat + dLat, centre.lon + dLon],
    [centre.lat + dLat, centre.lon - dLon],
  ];
  return corners.map(([lat, lon], seq) => ({
    seq,
    frame: 5,
    command: 5001,
    current: 0,
    autocontinue: 1,
    param1: 4,
    param2: 0,
    param3: 0,
    param4: 0,
    x: Math.round(lat * 1e7),
    y: Math.round(lon * 1e7),
    z: 0,
    missionType: 1,
  }));
}
