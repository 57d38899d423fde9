/**
 * Mission, fence and rally items for the MAVLink tests: a delivery-shaped mission of any length,
 * a fence polygon of any vertex count, rally points.
 */
import type { MissionItem, MissionType, VehiclePlan } from '../../src/missions/types.js';

export const HOME = { lat: 36.6171, lon: 101.7782, altM: 2260 };

function item(type: MissionType, seq: number, command: number, frame: number, x: number, y: number, z: number, p: number[] = []): MissionItem {
  return {
    seq,
    frame,
    command,
    current: 0,
    autocontinue: 1,
    param1: p[0] ?? 0,
    param2: p[1] ?? 0,
    param3: p[2] ?? 0,
    param4: p[3] ?? 0,
    x,
    y,
    z,
    missionType: type,
  };
}

const e7 = (d: number) => Math.round(d * 1e7);

/** n items: home placeholder, takeoff, waypoints on a circle, payload place, RTL. */
export function makeMission(n: number, home = HOME): MissionItem[] {
  const items: MissionItem[] = [item(0, 0, 16, 0, e7(home.lat), e7(home.lon), 0)];
  if (n > 1) items.push(item(0, 1, 22, 3, 0, 0, 30));
  for (let i = 2; i < n - 1; i++) {
    const a = (i / n) * 2 * Math.PI;
    const cmd = i === n - 2 ? 94 : 16;
    items.push(item(0, i, cmd, 6, e7(home.lat + 0.003 * Math.sin(a)), e7(home.lon + 0.003 * Math.cos(a)), 30 + (i % 7) * 1.25, cmd === 94 ? [0] : [0, 2]));
  }
  if (n > 2) items.push(item(0, n - 1, 20, 2, 0, 0, 0));
  return items;
}

/** One inclusion polygon with `vertices` vertices around home. */
export function makeFence(vertices: number, home = HOME): MissionItem[] {
  const out: MissionItem[] = [];
  for (let i = 0; i < vertices; i++) {
    const a = (i / vertices) * 2 * Math.PI;
    out.push(item(1, i, 5001, 5, e7(home.lat + 0.01 * Math.sin(a)), e7(home.lon + 0.01 * Math.cos(a)), 0, [vertices]));
  }
  return out;
}

export function makeRally(n: number, home = HOME): MissionItem[] {
  const out: MissionItem[] = [];
  for (let i = 0; i < n; i++) out.push(item(2, i, 5100, 6, e7(home.lat + 0.001 * (i + 1)), e7(home.lon - 0.001 * (i + 1)), 25 + i));
  return out;
}

export function makePlan(missionItems = 10, fenceVertices = 6, rallyPoints = 2): VehiclePlan {
  const mission = makeMission(missionItems);
  return {
    mission,
    fence: makeFence(fenceVertices),
    rally: makeRally(rallyPoints),
    params: { FENCE_ENABLE: 1, FENCE_TYPE: 5, FENCE_ACTION: 1, FENCE_ALT_MAX: 120 },
    home: HOME,
    delivery: { lat: HOME.lat, lon: HOME.lon, seq: Math.max(1, missionItems - 2), method: 'payload-place' },
  };
}
