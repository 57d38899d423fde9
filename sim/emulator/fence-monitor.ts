/**
 * The geofence as ArduCopter's AC_Fence keeps it: which fences are enabled (the latched mask), and
 * which fence the vehicle's position breaches. What the vehicle does about a breach is in
 * failsafes.ts. Plain functions of the shared vehicle state.
 */
import { insidePolygon, toNE, type LatLon, type NE } from './geo.js';
import { here, homeAltOffset, homeNE } from './kinematics.js';
import { fenceShapes, type FenceShapes } from './mission-store.js';
import type { VehicleState } from './vehicle-state.js';

/** get_enabled_fences(): the latched mask, limited to what FENCE_TYPE still configures. */
export function fenceTypeBits(s: VehicleState): number {
  return s.fenceMask & Math.round(s.params.get('FENCE_TYPE'));
}

/** AC_Fence::update(): FENCE_ENABLE changed → the active mask is FENCE_TYPE (without the floor) or nothing. */
export function latchFence(s: VehicleState): void {
  const enabled = s.params.get('FENCE_ENABLE') === 1 ? 1 : 0;
  s.fenceEnableSeen = enabled;
  s.fenceMask = enabled ? Math.round(s.params.get('FENCE_TYPE')) & ~8 : 0;
}

/** MAV_CMD_DO_FENCE_ENABLE (mission item or command): AC_Fence::enable(value, all fences). */
export function fenceEnableCommand(s: VehicleState, on: boolean): void {
  s.params.setInternal('FENCE_ENABLE', on ? 1 : 0);
  s.fenceEnableSeen = on ? 1 : 0;
  s.fenceMask = on ? s.fenceMask | Math.round(s.params.get('FENCE_TYPE')) : 0;
}

function shapes(s: VehicleState): FenceShapes {
  if (!s.fenceCache || s.fenceCache.items !== s.fenceItems) s.fenceCache = { items: s.fenceItems, shapes: fenceShapes(s.fenceItems) };
  return s.fenceCache.shapes;
}

/** Which fence the current position breaches ('Polygon', 'Circle', 'Max altitude'), if any. */
export function fenceCheck(s: VehicleState): string | undefined {
  const bits = fenceTypeBits(s);
  const h = here(s);
  const relAlt = h.alt - homeAltOffset(s);
  if (bits & 1 && relAlt > s.params.get('FENCE_ALT_MAX')) return 'Max altitude';
  if (bits & 2) {
    const home = homeNE(s);
    if (Math.hypot(h.n - home.n, h.e - home.e) > s.params.get('FENCE_RADIUS')) return 'Circle';
  }
  if (bits & 4) {
    const sh = shapes(s);
    const p: NE = { n: h.n, e: h.e };
    const ne = (ll: LatLon) => toNE(s.start, ll);
    for (const poly of sh.inclusionPolygons) if (!insidePolygon(p, poly.map(ne))) return 'Polygon';
    for (const poly of sh.exclusionPolygons) if (insidePolygon(p, poly.map(ne))) return 'Polygon';
    for (const c of sh.inclusionCircles) {
      const cn = ne(c);
      if (Math.hypot(p.n - cn.n, p.e - cn.e) > c.radiusM) return 'Polygon';
    }
    for (const c of sh.exclusionCircles) {
      const cn = ne(c);
      if (Math.hypot(p.n - cn.n, p.e - cn.e) < c.radiusM) return 'Polygon';
    }
  }
  return undefined;
}
