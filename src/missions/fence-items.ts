/**
 * Fence items (mission_type 1) ⇄ shapes. A polygon is a run of consecutive vertex items with the
 * same command whose param1 is the vertex count; circles carry their radius in param1.
 */
import { common } from 'node-mavlink';
import type { MissionItem } from './types.js';

export interface FenceShapes {
  polygons: { inclusion: boolean; points: [lat: number, lon: number][] }[];
  circles: { inclusion: boolean; center: [lat: number, lon: number]; radiusM: number }[];
  returnPoint: [lat: number, lon: number, alt: number] | null;
}

const C = common.MavCmd;

/** Group fence items into shapes; throws with the offending seq when a polygon's count is inconsistent. */
export function fenceShapes(items: MissionItem[]): FenceShapes {
  const out: FenceShapes = { polygons: [], circles: [], returnPoint: null };
  for (let i = 0; i < items.length; ) {
    const it = items[i]!;
    const lat = it.x / 1e7;
    const lon = it.y / 1e7;
    if (it.command === C.NAV_FENCE_POLYGON_VERTEX_INCLUSION || it.command === C.NAV_FENCE_POLYGON_VERTEX_EXCLUSION) {
      const n = it.param1;
      if (!Number.isInteger(n) || n < 3 || i + n > items.length)
        throw new Error(`fence item ${it.seq}: polygon vertex count ${n} is invalid (need ≥ 3 and that many items)`);
      const points: [number, number][] = [];
      for (let k = 0; k < n; k++) {
        const v = items[i + k]!;
        if (v.command !== it.command || v.param1 !== n)
          throw new Error(`fence item ${v.seq}: expected vertex ${k + 1} of ${n} of the polygon starting at item ${it.seq}`);
        points.push([v.x / 1e7, v.y / 1e7]);
      }
      out.polygons.push({ inclusion: it.command === C.NAV_FENCE_POLYGON_VERTEX_INCLUSION, points });
      i += n;
    } else if (it.command === C.NAV_FENCE_CIRCLE_INCLUSION || it.command === C.NAV_FENCE_CIRCLE_EXCLUSION) {
      out.circles.push({ inclusion: it.command === C.NAV_FENCE_CIRCLE_INCLUSION, center: [lat, lon], radiusM: it.param1 });
      i++;
    } else if (it.command === C.NAV_FENCE_RETURN_POINT) {
      out.returnPoint = [lat, lon, it.z];
      i++;
    } else {
      throw new Error(`fence item ${it.seq}: command ${it.command} is not a fence command`);
    }
  }
  return out;
}

function fenceItem(seq: number, command: number, lat: number, lon: number, param1: number, z = 0): MissionItem {
  return {
    seq,
    frame: common.MavFrame.GLOBAL_INT,
    command,
    current: 0,
    autocontinue: 1,
    param1,
    param2: 0,
    param3: 0,
    param4: 0,
    x: Math.round(lat * 1e7),
    y: Math.round(lon * 1e7),
    z,
    missionType: 1,
  };
}

/** Shapes → fence items (polygons, then circles, then the return point). */
export function fenceItemsFromShapes(shapes: FenceShapes): MissionItem[] {
  const items: MissionItem[] = [];
  for (const p of shapes.polygons) {
    const cmd = p.inclusion ? C.NAV_FENCE_POLYGON_VERTEX_INCLUSION : C.NAV_FENCE_POLYGON_VERTEX_EXCLUSION;
    for (const [lat, lon] of p.points) items.push(fenceItem(items.length, cmd, lat, lon, p.points.length));
  }
  for (const c of shapes.circles)
    items.push(fenceItem(items.length, c.inclusion ? C.NAV_FENCE_CIRCLE_INCLUSION : C.NAV_FENCE_CIRCLE_EXCLUSION, c.center[0], c.center[1], c.radiusM));
  if (shapes.returnPoint) items.push(fenceItem(items.length, C.NAV_FENCE_RETURN_POINT, shapes.returnPoint[0], shapes.returnPoint[1], 0, shapes.returnPoint[2]));
  return items;
}
