/**
 * Arming and disarming as ArduCopter does them: the pre-arm and arming checks (mode armable, GPS,
 * home, EKF, battery, fence), what arming sets (home at the current position, the hold point), what
 * disarming clears, and setting home. Holds a reference to the shared vehicle state.
 */
import type { EventEmitter } from 'node:events';
import { fenceCheck } from './fence-monitor.js';
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
