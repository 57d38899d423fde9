/**
 * Where the vehicle is and how fast it may move: the local frame (metres from the start position,
 * altitude above the start ground) against home, the ground under it, mission item locations, and the
 * speed limits the controllers use (parameters, overridden by DO_CHANGE_SPEED / DO_REPOSITION).
 * Plain functions of the shared vehicle state.
 */
import type { MissionItem } from '../../src/missions/types.js';
import { fromNE, toNE, type LatLon, type NE } from './geo.js';
import type { LocalPoint, VehicleState } from './vehicle-state.js';

/** Position as the vehicle reports it: lat/lon, altitude AMSL and above home. */
export function position(s: VehicleState): { lat: number; lon: number; altM: number; relAltM: number } {
  const ll = fromNE(s.start, { n: s.body.n, e: s.body.e });
  const homeAlt = s.homePos?.altM ?? s.start.altM;
  return { lat: ll.lat, lon: ll.lon, altM: s.start.altM + s.body.alt, relAltM: s.start.altM + s.body.alt - homeAlt };
}

export function here(s: VehicleState): LocalPoint {
  return { n: s.body.n, e: s.body.e, alt: s.body.alt };
}

/**
 * Height of whatever is under the vehicle above its start ground: the terrain (flat at 0 without
 * one) or a rooftop on it. ArduCopter itself navigates by altitude above home and knows the ground
 * only through terrain data or a rangefinder; this is the world it flies in (where it touches down).
 */
export function groundAt(s: VehicleState, n = s.body.n, e = s.body.e): number {
  let g = 0;
  if (s.terrain) {
    const ll = fromNE(s.start, { n, e });
    const t = s.terrain(ll.lat, ll.lon);
    if (t !== undefined && Number.isFinite(t)) g = t - s.start.altM;
  }
  for (const sf of s.surfaces) if (sf.h > g && Math.hypot(n - sf.n, e - sf.e) <= sf.r) g = sf.h;
  return g;
}

export function homeNE(s: VehicleState): NE {
  return s.homePos ? toNE(s.start, s.homePos) : { n: 0, e: 0 };
}

/** Altitude of the home ground above the start ground (home moves when arming elsewhere). */
export function homeAltOffset(s: VehicleState): number {
  return (s.homePos?.altM ?? s.start.altM) - s.start.altM;
}

export function currentLocation(s: VehicleState): LatLon & { altM: number } {
  const p = position(s);
  return { lat: p.lat, lon: p.lon, altM: p.altM };
}

/** A mission item's location → local target (altitude above the start ground). */
export function itemTarget(s: VehicleState, it: MissionItem): { ne: NE | undefined; alt: number } {
  const ne = it.x === 0 && it.y === 0 ? undefined : toNE(s.start, { lat: it.x / 1e7, lon: it.y / 1e7 });
  let alt: number;
  if (it.frame === 0 || it.frame === 5) alt = it.z - s.start.altM;
  else alt = it.z + homeAltOffset(s);
  return { ne, alt };
}

export function wpSpeed(s: VehicleState): number {
  return s.speeds.h ?? s.params.get('WP_SPD');
}
export function upSpeed(s: VehicleState): number {
  return s.speeds.up ?? s.params.get('WP_SPD_UP');
}
export function downSpeed(s: VehicleState): number {
  return s.speeds.down ?? s.params.get('WP_SPD_DN');
}
export function landSpeedAt(s: VehicleState, alt: number): number {
  const low = s.params.get('LAND_ALT_LOW') / 100;
  return alt > low ? s.params.get('WP_SPD_DN') : s.params.get('LAND_SPEED') / 100;
}

/** MAV_CMD_DO_CHANGE_SPEED (mission item or command): speed type 0/1 horizontal, 2 climb, 3 descent. */
export function changeSpeed(s: VehicleState, kind: number, speed: number): void {
  if (!(speed > 0)) return;
  const k = Math.round(kind);
  if (k === 0 || k === 1) s.speeds.h = speed;
  else if (k === 2) s.speeds.up = speed;
  else if (k === 3) s.speeds.down = speed;
}
