/**
 * classifyStatusText against the texts ArduCopter 4.6 / 4.7 really sends (ArduCopter/events.cpp,
 * ekf_check.cpp, libraries/AC_Fence/AC_Fence.cpp, libraries/AP_BattMonitor, ArduCopter/mode_auto.cpp).
 */
import { describe, expect, it } from 'vitest';
import { classifyStatusText } from '../../src/fleet/alerts.js';
import { isReleaseText } from '../../src/fleet/delivery.js';

describe('ArduCopter STATUSTEXTs', () => {
  it('a failsafe ending is not a failsafe alert', () => {
    expect(classifyStatusText('GCS Failsafe Cleared')).toBeNull();
    expect(classifyStatusText('Radio Failsafe Cleared')).toBeNull();
    expect(classifyStatusText('EKF Failsafe Cleared')).toBeNull();
  });

  it('failsafes and fence breaches as ArduCopter words them', () => {
    expect(classifyStatusText('GCS Failsafe')).toMatchObject({ kind: 'failsafe', what: 'gcs' });
    expect(classifyStatusText('Radio Failsafe')).toMatchObject({ kind: 'failsafe', what: 'radio' });
    expect(classifyStatusText('EKF Failsafe: changed to LAND Mode')).toMatchObject({ kind: 'failsafe', what: 'ekf' });
    expect(classifyStatusText('EKF variance')).toMatchObject({ kind: 'failsafe', what: 'ekf' });
    expect(classifyStatusText('GPS Glitch or Compass error')).toMatchObject({ kind: 'failsafe', what: 'gps' });
    expect(classifyStatusText('Battery 1 is low 10.50V used 15012 mAh')).toMatchObject({ kind: 'failsafe', what: 'battery' });
    expect(classifyStatusText('Battery 1 is critical 10.10V used 17600 mAh')).toMatchObject({ kind: 'failsafe', what: 'battery' });
    expect(classifyStatusText('Polygon fence breached')?.kind).toBe('fence-breach');
    expect(classifyStatusText('Max Alt, Polygon fences breached')?.kind).toBe('fence-breach');
    expect(classifyStatusText('Polygon fence breach cleared')?.kind).toBe('fence-cleared');
    expect(classifyStatusText('Arm: Need Position Estimate')?.kind).toBe('arm-refused');
  });

  it('release texts: PayloadPlace and AP_Gripper_Servo', () => {
    expect(isReleaseText('PayloadPlace: Releasing the gripper')).toBe(true);
    expect(isReleaseText('Gripper load releasing')).toBe(true);
    expect(isReleaseText('Gripper load released')).toBe(true);
    expect(isReleaseText('Gripper load grabbing')).toBe(false);
    expect(isReleaseText('PayloadPlace: payload release thrust threshold: 0.30')).toBe(false);
  });
});
