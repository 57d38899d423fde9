/**
 * Boot and sensors: the firmware's boot timeline as real SITL shows it (banner, EKF initialised and
 * aligned, GPS detected, origin and home set, pre-arm healthy, 'EKF3 IMU0 is using GPS' after
 * readyAfterS), a reboot like SITL's (link dropped, vehicle back on the ground at its start, EEPROM
 * kept), and the GPS/EKF state each step, with the EKF failsafe (FS_EKF_ACTION) when the GPS is lost
 * in flight. Holds a reference to the shared vehicle state.
 */
import type { Logger } from '../../src/log.js';
import type { Arming } from './arming.js';
import { latchFence } from './fence-monitor.js';
import { currentLocation } from './kinematics.js';
import type { Link } from './link.js';
import type { MissionProtocolServer } from './mission-protocol.js';
import type { Modes } from './modes.js';
import type { VehicleSigning } from './signing.js';
import type { TelemetryStreams } from './telemetry-streams.js';
import { GPS_MODES, MODE, MODE_NAMES, SEV, type VehicleState } from './vehicle-state.js';

export class Boot {
  constructor(
    private readonly s: VehicleState,
    private readonly link: Link,
    private readonly telemetry: TelemetryStreams,
    private readonly arming: Arming,
    private readonly modes: Modes,
    private readonly protocol: MissionProtocolServer,
    private readonly signing: VehicleSigning | undefined,
    private readonly log: Logger | undefined,
    /** The transport's hook to drop a TCP client (a reboot disconnects it, as SITL does). */
    private readonly disconnect: () => void,
  ) {}

  /** Reboot at the start of the next step (PREFLIGHT_REBOOT_SHUTDOWN, or EmulatedVehicle.reboot()). */
  requestReboot(): void {
    this.s.rebootAt = this.s.nowS;
  }

  boot(): void {
    const s = this.s;
    s.booted = true;
    s.bootAt = s.nowS;
    s.bootStage = 0;
    s.nextHeartbeat = s.nowS + 0.9;
    s.nextTimesync = s.nowS + 5;
    s.gcsHeardAt = undefined;
    s.gcsFailsafe = false;
    s.gpsFix = false;
    s.ekfPosition = false;
    s.prearmHealthy = false;
    s.originSet = false;
    s.homePos = undefined;
    s.prearm = { lastRunMs: -Infinity, lastDisplayMs: 0, reportImmediately: false, lastPassed: false };
    this.signing?.boot(s.nowS);
  }

  doReboot(): void {
    const s = this.s;
    this.log?.info({ sysid: s.sysid }, 'emulated vehicle rebooting');
    this.disconnect();
    this.restart();
    Object.assign(s.body, { n: 0, e: 0, alt: 0, vn: 0, ve: 0, vu: 0 });
    // UDP has no connection to wait for: boot again at once.
    if (this.link.ports.size > 0) this.boot();
  }

  /**
   * Power removed for `offS` sim seconds, then restored (a ground crew swapping the battery pack): the
   * flight controller is unpowered, so it says nothing and hears nothing, then boots from scratch like any
   * reboot (EEPROM kept: mission, fence, rally, parameters). Unlike SITL's reboot the vehicle stays where
   * it stands, and the links stay attached: on a real drone the telemetry radio on the ground side keeps
   * its connection and only hears silence (a HEARTBEAT gap) until the new boot's first HEARTBEAT.
   */
  powerCycle(offS: number): void {
    const s = this.s;
    this.log?.info({ sysid: s.sysid, offS }, 'emulated vehicle power-cycled');
    const where = { n: s.body.n, e: s.body.e, alt: s.body.alt };
    this.restart();
    Object.assign(s.body, { ...where, vn: 0, ve: 0, vu: 0 });
    s.powerOffUntil = s.nowS + offS;
  }

  /** Power restored after powerCycle: the firmware boots when a link is attached (as at first power-up). */
  powerOn(): void {
    this.s.powerOffUntil = undefined;
    if (this.link.ports.size > 0) this.boot();
  }

  /** What every restart of the firmware loses (RAM) and resets; EEPROM (mission, fence, rally, params) stays. */
  private restart(): void {
    const s = this.s;
    s.rebootCount += 1;
    latchFence(s); // a reboot re-reads FENCE_TYPE for a stored FENCE_ENABLE 1
    s.booted = false;
    this.protocol.reset();
    s.streams.clear();
    s.isArmed = false;
    s.modeNum = MODE.STABILIZE;
    s.isLanded = true;
    s.tookOff = false;
    s.missionState = 'idle';
    s.navIndex = 0;
    s.nav = undefined;
    s.rtl = undefined;
    s.gripperReleased = false;
    s.gripper = { state: 'neutral', at: s.nowS }; // AP_Gripper_Servo::init_gripper: servo to neutral
    // AP_BattMonitor keeps consumed mAh in RAM only: every boot starts counting from zero (a full pack by
    // BATT_CAPACITY), and the failsafe state starts clear (AP_BattMonitor_Backend::update_failsafes).
    s.batteryFailed = false;
    s.batteryFs = 0;
    s.consumedMah = 0;
    s.fenceBreach = undefined;
    s.ekfFailsafe = false;
    s.gpsLostAt = undefined;
    s.linkDownUntil = -1;
  }

  bootTimeline(): void {
    const s = this.s;
    const t = s.nowS - s.bootAt;
    const R = s.readyAfterS;
    const stages: [number, () => void][] = [
      [
        0.9,
        () => {
          this.link.text(SEV.INFO, 'ArduCopter V4.7.0-dev (medidrop emulator)');
          this.link.text(SEV.INFO, 'Frame: QUAD/PLUS');
        },
      ],
      [Math.min(2, R * 0.05), () => this.link.text(SEV.INFO, 'EKF3 IMU0 initialised')],
      [Math.min(3, R * 0.08), () => this.link.text(SEV.INFO, 'EKF3 IMU0 tilt alignment complete')],
      [
        (R * 11) / 42,
        () => {
          if (s.gpsLostAt === undefined) s.gpsFix = true;
          this.link.text(SEV.INFO, 'GPS 1: detected u-blox at 230400 baud');
        },
      ],
      [
        (R * 21) / 42,
        () => {
          s.originSet = true;
          this.arming.setHome(currentLocation(s));
          this.telemetry.sendOrigin();
          this.link.text(SEV.INFO, 'EKF3 IMU0 origin set');
        },
      ],
      [
        (R * 25) / 42,
        () => {
          s.prearmHealthy = true;
        },
      ],
      [
        R,
        () => {
          if (s.gpsLostAt !== undefined) return;
          s.ekfPosition = true;
          this.link.text(SEV.INFO, 'EKF3 IMU0 is using GPS');
        },
      ],
    ];
    while (s.bootStage < stages.length && t >= stages[s.bootStage]![0]) {
      stages[s.bootStage]![1]();
      s.bootStage += 1;
    }
  }

  sensors(): void {
    const s = this.s;
    if (s.gpsLostAt !== undefined) {
      const lost = s.nowS - s.gpsLostAt;
      if (lost > 1 && s.ekfPosition) {
        s.ekfPosition = false;
      }
      if (lost > 2 && !s.ekfFailsafe && s.isArmed && !s.isLanded && GPS_MODES.has(s.modeNum)) {
        s.ekfFailsafe = true;
        this.link.text(SEV.CRITICAL, 'EKF variance');
        const action = s.params.get('FS_EKF_ACTION');
        const mode = action === 2 ? MODE.ALT_HOLD : MODE.LAND;
        this.modes.setModeInternal(mode);
        this.link.text(SEV.CRITICAL, `EKF Failsafe: changed to ${MODE_NAMES[mode]} Mode`);
      }
    } else if (s.bootStage >= 7 && !s.ekfPosition) {
      s.ekfPosition = true;
      s.ekfFailsafe = false;
      this.link.text(SEV.INFO, 'EKF3 IMU0 is using GPS');
    }
  }
}
