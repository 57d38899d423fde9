/**
 * Arming and disarming as ArduCopter does them: the pre-arm and arming checks (mode armable, GPS,
 * home, EKF, battery, fence), what arming sets (home at the current position, the hold point), what
 * disarming clears, and setting home; and the pre-arm failures ArduCopter displays on its own every
 * 30 s while disarmed (AP_Arming::update). Holds a reference to the shared vehicle state.
 */
import type { EventEmitter } from 'node:events';
import { fenceCheck, fenceTypeBits } from './fence-monitor.js';
import { currentLocation, here } from './kinematics.js';
import type { LatLon } from './geo.js';
import type { Link } from './link.js';
import type { TelemetryStreams } from './telemetry-streams.js';
import { GPS_MODES, MODE, MODE_NAMES, RESULT, SEV, type VehicleState } from './vehicle-state.js';

export class Arming {
  constructor(
    private readonly s: VehicleState,
    private readonly link: Link,
    private readonly telemetry: TelemetryStreams,
    private readonly events: EventEmitter,
  ) {}

  private armCheck(): string | undefined {
    const s = this.s;
    const mode = s.modeNum;
    if (mode === MODE.AUTO && (s.params.get('AUTO_OPTIONS') & 1) === 0) return 'Arm: AUTO mode not armable';
    if (mode === MODE.RTL || mode === MODE.LAND) return `Arm: ${MODE_NAMES[mode]} mode not armable`;
    if (s.params.get('ARMING_CHECK') !== 0) {
      if (!s.gpsFix && s.gpsLostAt === undefined && !s.prearmHealthy) return 'PreArm: GPS 1: Bad fix';
      if (!s.homePos) return 'PreArm: AHRS: waiting for home';
      if (!s.prearmHealthy) return 'PreArm: EKF3 still initialising';
      if (s.batteryFs > 0) return 'PreArm: Battery 1 low';
    }
    if (GPS_MODES.has(mode) && !s.ekfPosition) return 'Arm: Need Position Estimate';
    if (s.params.get('FENCE_ENABLE') === 1) {
      const breach = fenceCheck(s);
      if (breach) return `Arm: vehicle outside ${breach} fence`;
    }
    return undefined;
  }

  /**
   * The pre-arm checks this emulator models, failing ones only, in the order ArduCopter runs them
   * (AP_Arming_Copter::run_pre_arm_checks → gps_checks → mandatory_gps_checks, which stops at its
   * first failure; then the battery). Empty when armed: run_pre_arm_checks passes at once then.
   */
  prearmFailures(): string[] {
    const s = this.s;
    if (s.isArmed || s.params.get('ARMING_CHECK') === 0) return [];
    const out: string[] = [];
    if (!s.gpsFix && s.gpsLostAt === undefined && !s.prearmHealthy) out.push('PreArm: GPS 1: Bad fix');
    else if (!s.homePos) out.push('PreArm: AHRS: waiting for home');
    else if (!s.prearmHealthy) out.push('PreArm: EKF3 still initialising');
    else if (!s.ekfPosition) {
      // mandatory_gps_checks: a mode that needs GPS wants a position; otherwise an enabled circle or
      // polygon fence does ("clarify to user why they need GPS in non-GPS flight mode").
      if (GPS_MODES.has(s.modeNum)) out.push('PreArm: Need Position Estimate');
      else if ((fenceTypeBits(s) & 6) !== 0) out.push('PreArm: Fence enabled, need position estimate');
    }
    if (s.batteryFs > 0) out.push('PreArm: Battery 1 low');
    return out;
  }

  /**
   * AP_Arming::update, a 1 Hz task: runs the pre-arm checks and displays the failures every
   * PREARM_DISPLAY_PERIOD (30 s, counted from boot: last_prearm_display_ms starts at 0), or within
   * 4 s when the checks have just gone from passing to failing (report_immediately). Real SITL after a
   * reboot with FENCE_ENABLE 1 says 'PreArm: Fence enabled, need position estimate' at 30 s, before
   * 'EKF3 IMU0 is using GPS'.
   */
  updatePrearm(): void {
    const s = this.s;
    const p = s.prearm;
    const nowMs = (s.nowS - s.bootAt) * 1000;
    if (nowMs - p.lastRunMs < 1000) return;
    p.lastRunMs = nowMs;
    const display = (p.reportImmediately && nowMs - p.lastDisplayMs > 4000) || nowMs - p.lastDisplayMs > 30_000;
    if (display) {
      p.reportImmediately = false;
      p.lastDisplayMs = nowMs;
    }
    const failures = this.prearmFailures();
    if (display) for (const f of failures) this.link.text(SEV.CRITICAL, f);
    const passed = failures.length === 0;
    if (!passed && p.lastPassed) p.reportImmediately = true;
    p.lastPassed = passed;
  }

  arm(force: boolean): { result: number } {
    const s = this.s;
    if (s.isArmed) return { result: RESULT.ACCEPTED };
    if (!force) {
      const why = this.armCheck();
      if (why) {
        this.link.text(SEV.CRITICAL, why);
        return { result: RESULT.FAILED };
      }
    }
    s.isArmed = true;
    s.armedAt = s.nowS;
    s.tookOff = !s.isLanded;
    this.gripperReleasedAtArm();
    this.setHome(currentLocation(s));
    s.hold = here(s);
    this.link.text(SEV.INFO, 'Arming motors');
    this.events.emit('armed', true);
    this.telemetry.sendHeartbeat();
    return { result: RESULT.ACCEPTED };
  }

  private gripperReleasedAtArm(): void {
    // nothing: the gripper keeps whatever state it has (loaded before the flight by the operator)
  }

  disarm(text: string): void {
    const s = this.s;
    if (!s.isArmed) return;
    s.isArmed = false;
    s.disarmAfterLanding = undefined;
    this.link.text(SEV.INFO, text);
    this.events.emit('armed', false);
    if (s.modeNum === MODE.AUTO && s.missionState === 'running') s.missionState = 'idle';
    s.speeds = { h: undefined, up: undefined, down: undefined };
    this.telemetry.sendHeartbeat();
  }

  setHome(h: LatLon & { altM: number }): void {
    this.s.homePos = { ...h };
    this.telemetry.sendHome();
  }
}
