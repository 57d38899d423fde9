/**
 * Point-mass multicopter: a position controller that flies the ground track towards a target with
 * speed, climb and descent limits and a horizontal acceleration limit, an airspeed cap that wind
 * eats into, and a ground. Without a position estimate (GPS lost) it cannot hold position and
 * drifts with the wind. Fixed time step; no randomness: the same inputs give the same track.
 */

export interface Body {
  /** Metres north / east of the emulator's start position, altitude above its ground. */
  n: number;
  e: number;
  alt: number;
  vn: number;
  ve: number;
  vu: number;
}

export interface Target {
  n: number;
  e: number;
  alt: number;
  /** Horizontal speed limit, m/s. */
  speed: number;
  up: number;
  down: number;
}

export interface Wind {
  /** Velocity of the air, m/s north / east (the direction it blows TO). */
  vn: number;
  ve: number;
}

export const MAX_AIRSPEED_MS = 18;
const VERTICAL_ACCEL = 2.5;

export function windVector(speedMs: number, fromDeg: number): Wind {
  const to = ((fromDeg + 180) * Math.PI) / 180;
  return { vn: speedMs * Math.cos(to), ve: speedMs * Math.sin(to) };
}

/** Advance the body one step towards the target. */
export function stepBody(b: Body, t: Target, wind: Wind, accel: number, hasPosition: boolean, dt: number): void {
  // Horizontal
  let dvn: number;
  let dve: number;
  let horizontalS = 0;
  if (hasPosition) {
    const en = t.n - b.n;
    const ee = t.e - b.e;
    const dist = Math.hypot(en, ee);
    horizontalS = t.speed > 0 ? dist / t.speed : 0;
    // Speed that still allows stopping at the target, capped by the limit. A leg is a straight 3-D
    // line (AC_WPNav::set_wp_destination → SCurve::calculate_track, whose speed along the track is
    // kinematic_limit(track, speed_xy, speed_up, speed_down), AP_Math/control.cpp): a climb or
    // descent the vertical limit makes slower than the horizontal run slows the horizontal speed,
    // so both end together instead of reaching the altitude early (or late, over lower ground).
    const ez = t.alt - b.alt;
    const vz = ez >= 0 ? t.up : t.down;
    const verticalS = vz > 0 ? Math.abs(ez) / vz : 0;
    const vmax = Math.min(t.speed, Math.sqrt(2 * accel * dist), dist / dt, verticalS > dt ? dist / verticalS : Infinity);
    dvn = dist > 1e-6 ? (en / dist) * vmax : 0;
    dve = dist > 1e-6 ? (ee / dist) * vmax : 0;
    // Airspeed cap: into a strong wind the ground speed drops.
    const an = dvn - wind.vn;
    const ae = dve - wind.ve;
    const air = Math.hypot(an, ae);
    if (air > MAX_AIRSPEED_MS) {
      dvn = wind.vn + (an * MAX_AIRSPEED_MS) / air;
      dve = wind.ve + (ae * MAX_AIRSPEED_MS) / air;
    }
  } else {
    dvn = wind.vn;
    dve = wind.ve;
  }
  const cn = dvn - b.vn;
  const ce = dve - b.ve;
  const change = Math.hypot(cn, ce);
  const maxChange = (hasPosition ? accel : 1) * dt;
  if (change > maxChange) {
    b.vn += (cn * maxChange) / change;
    b.ve += (ce * maxChange) / change;
  } else {
    b.vn = dvn;
    b.ve = dve;
  }
  // Vertical
  const ea = t.alt - b.alt;
  // On a 3-D line the altitude changes in step with the horizontal run (see above), not first.
  const vlim = Math.min(ea >= 0 ? t.up : t.down, horizontalS > dt ? Math.abs(ea) / horizontalS : Infinity);
  const vdes = Math.sign(ea) * Math.min(vlim, Math.sqrt(2 * VERTICAL_ACCEL * Math.abs(ea)), Math.abs(ea) / dt);
  const dv = vdes - b.vu;
  const maxDv = VERTICAL_ACCEL * 2 * dt;
  b.vu += Math.max(-maxDv, Math.min(maxDv, dv));
  b.n += b.vn * dt;
  b.e += b.ve * dt;
  b.alt += b.vu * dt;
}

export function groundSpeed(b: Body): number {
  return Math.hypot(b.vn, b.ve);
}

export function airSpeed(b: Body, wind: Wind): number {
  return Math.hypot(b.vn - wind.vn, b.ve - wind.ve);
}
