/**
 * The battery: current drawn for what the vehicle is doing (idle, on the ground armed, flying with or
 * without the parcel), capacity used, and the voltage and remaining percentage it reports. The battery
 * failsafe that acts on these is in failsafes.ts. Plain functions of the shared vehicle state.
 */
import { airSpeed } from './physics.js';
import type { VehicleState } from './vehicle-state.js';

export function remainingPct(s: VehicleState): number {
  const cap = s.params.get('BATT_CAPACITY');
  return Math.max(0, Math.min(100, Math.round(100 * (1 - s.consumedMah / cap))));
}

export function voltage(s: VehicleState): number {
  return s.batteryFailed ? 10.2 : s.params.get('SIM_BATT_VOLTAGE');
}

export function batteryStep(s: VehicleState, dt: number): void {
  if (!s.isArmed) s.currentA = 0.3;
  else if (s.isLanded) s.currentA = 4;
  else {
    const air = airSpeed(s.body, s.wind);
    const payload = s.gripperReleased ? 0 : 2;
    s.currentA = 26 + payload + 0.05 * air * air + Math.max(0, s.body.vu) * 1.5;
  }
  s.consumedMah += (s.currentA * dt * 1000) / 3600;
}
