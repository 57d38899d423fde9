/**
 * Arming and disarming as ArduCopter does them: the pre-arm and arming checks (mode armable, GPS,
 * home, EKF, battery, fence), what arming sets (home at the current position, the hold point), what
 * disarming clears, and setting home; and the pre-arm failures ArduCopter displays on its own every
 * 30 s while disarmed (AP_Arming::update). Holds a reference to the shared vehicle state.
 */
import type { EventEmitter } from 'node:events';
import { fenceCheck, fenceTypeBits } from './fence-monitor.js';
import { winchHealthy } from './payload.js';
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

  /**
   * Why an arm attempt is refused, or undefined. AP_Arming::arm runs the pre-arm checks with
   * running_arming_checks set, so their failures read 'Arm: …' (check_failed's metafmt), not 'PreArm: …';
   * the arm checks (mode armable, fence) run only once the pre-arm checks pass.
   */
  private armCheck(): string | undefined {
    const s = this.s;
    const pre = this.prearmFailures();
    if (pre.length > 0) return `Arm: ${pre[0]}`;
    const mode = s.modeNum;
    if (mode === MODE.AUTO && (s.params.get('AUTO_OPTIONS') & 1) === 0) return 'Arm: AUTO mode not armable';
    if (mode === MODE.RTL || mode === MODE.LAND) return `Arm: ${MODE_NAMES[mode]} mode not armable`;
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
    if (s.isArmed) return [];
    const out: string[] = [];
    if (s.params.get('ARMING_CHECK') !== 0) {
      if (!s.gpsFix && s.gpsLostAt === undefined && !s.prearmHealthy) out.push('GPS 1: Bad fix');
      else if (!s.homePos) out.push('AHRS: waiting for home');
      else if (!s.prearmHealthy) out.push('EKF3 still initialising');
      else if (!s.ekfPosition) {
        // mandatory_gps_checks: a mode that needs GPS wants a position; otherwise an enabled circle or
        // polygon fence does ("clarify to user why they need GPS in non-GPS flight mode").
        if (GPS_MODES.has(s.modeNum)) out.push('Need Position Estimate');
        else if ((fenceTypeBits(s) & 6) !== 0) out.push('Fence enabled, need position estimate');
      }
      if (s.batteryFs > 0) out.push('Battery 1 low');
      // AP_Arming_Copter::winch_checks → AP_Winch::pre_arm_check: a PWM winch needs an output with
      // SERVOn_FUNCTION 88 (AP_Winch_PWM::healthy)
      if (s.params.get('WINCH_TYPE') !== 0 && !winchHealthy(s)) out.push('winch unhealthy');
    } else if (GPS_MODES.has(s.modeNum) && !s.ekfPosition) {
      // mandatory checks run even with ARMING_CHECK 0
      out.push('Need Position Estimate');
    }
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
    if (display) for (const f of failures) this.link.text(SEV.CRITICAL, `PreArm: ${f}`);
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
    // AP_Arming_Copter::disarm resets the mission (AP_Mission::reset: no current command, so
    // MISSION_CURRENT reads 0; real SITL after an RTL landing). A mission still running in AUTO starts
    // again from the top on its next update: see AutoExecutor.landedMidMission.
    if (s.missionState === 'running' || s.missionState === 'paused') s.missionState = 'idle';
    s.navIndex = 0;
    s.nav = undefined;
    this.telemetry.sendMissionCurrent();
    s.speeds = { h: undefined, up: undefined, down: undefined };
    this.telemetry.sendHeartbeat();
  }

  setHome(h: LatLon & { altM: number }): void {
    this.s.homePos = { ...h };
    this.telemetry.sendHome();
  }
}
