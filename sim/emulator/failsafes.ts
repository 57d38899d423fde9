/**
 * What the vehicle does on its own when something goes wrong or is over, checked once a step in this
 * order: the disarm after landing (and DISARM_DELAY without a take-off), the battery failsafe
 * (BATT_LOW_* / BATT_CRT_* → BATT_FS_*_ACT), the GCS failsafe (FS_GCS_ENABLE, FS_GCS_TIMEOUT) and the
 * fence (FENCE_ACTION). The EKF failsafe lives with the sensors in boot.ts. Holds a reference to the
 * shared vehicle state.
 */
import type { Arming } from './arming.js';
import { voltage } from './battery.js';
import { fenceCheck } from './fence-monitor.js';
import type { Link } from './link.js';
import type { Modes } from './modes.js';
import { MODE, SEV, type VehicleState } from './vehicle-state.js';

export class Failsafes {
  constructor(
    private readonly s: VehicleState,
    private readonly link: Link,
    private readonly arming: Arming,
    private readonly modes: Modes,
  ) {}

  step(): void {
    this.disarmWhenLanded();
    this.battery();
    this.gcs();
    this.fence();
  }

  /** Disarm after landing / DISARM_DELAY without take-off. */
  private disarmWhenLanded(): void {
    const s = this.s;
    if (s.isArmed && s.disarmAfterLanding !== undefined && s.nowS >= s.disarmAfterLanding) {
      s.disarmAfterLanding = undefined;
      if (s.isLanded) this.arming.disarm('Disarming motors');
    }
    if (s.isArmed && s.isLanded && !s.tookOff) {
      const delay = s.params.get('DISARM_DELAY');
      const starting = s.modeNum === MODE.AUTO && s.missionState === 'running';
      if (delay > 0 && !starting && s.nowS - s.armedAt >= delay) this.arming.disarm('Disarming motors');
    }
  }

  private battery(): void {
    const s = this.s;
    const cap = s.params.get('BATT_CAPACITY');
    const leftMah = cap - s.consumedMah;
    const v = voltage(s);
    const crit =
      (s.params.get('BATT_CRT_MAH') > 0 && leftMah < s.params.get('BATT_CRT_MAH')) || (s.params.get('BATT_CRT_VOLT') > 0 && v < s.params.get('BATT_CRT_VOLT'));
    const low =
      crit ||
      (s.params.get('BATT_LOW_MAH') > 0 && leftMah < s.params.get('BATT_LOW_MAH')) ||
      (s.params.get('BATT_LOW_VOLT') > 0 && v < s.params.get('BATT_LOW_VOLT'));
    const level: 0 | 1 | 2 = crit ? 2 : low ? 1 : 0;
    if (level > s.batteryFs) {
      s.batteryFs = level;
      const word = level === 2 ? 'critical' : 'low';
      this.link.text(SEV.CRITICAL, `Battery 1 is ${word} ${v.toFixed(2)}V used ${Math.round(s.consumedMah)} mAh`);
      const action = s.params.get(level === 2 ? 'BATT_FS_CRT_ACT' : 'BATT_FS_LOW_ACT');
      if (s.isArmed && !s.isLanded && action > 0) {
        // 1 land, 2 RTL, 3 SmartRTL→RTL, 4 SmartRTL→land, 5 terminate (→ land here), 6 DO_LAND_START→RTL
        const mode = action === 2 || action === 3 || action === 6 ? MODE.RTL : MODE.LAND;
        if (!(mode === MODE.RTL && s.modeNum === MODE.LAND)) this.modes.setModeInternal(mode);
      }
    }
  }

  /** GCS failsafe (FS_GCS_ENABLE): no GCS heartbeat for FS_GCS_TIMEOUT while flying. */
  private gcs(): void {
    const s = this.s;
    const gcsFs = s.params.get('FS_GCS_ENABLE');
    if (gcsFs > 0 && s.gcsHeardAt !== undefined && s.isArmed && !s.isLanded) {
      const silent = s.nowS - s.gcsHeardAt > s.params.get('FS_GCS_TIMEOUT');
      if (silent && !s.gcsFailsafe) {
        s.gcsFailsafe = true;
        this.link.text(SEV.CRITICAL, 'GCS Failsafe');
        const continueAuto = gcsFs === 2 && s.modeNum === MODE.AUTO;
        if (!continueAuto && s.modeNum !== MODE.LAND) this.modes.setModeInternal(gcsFs === 5 ? MODE.LAND : MODE.RTL);
      } else if (!silent && s.gcsFailsafe) {
        s.gcsFailsafe = false;
        this.link.text(SEV.INFO, 'GCS Failsafe Cleared');
      }
    }
  }

  private fence(): void {
    const s = this.s;
    const enabled = s.params.get('FENCE_ENABLE') === 1;
    if (enabled && s.isArmed && !s.isLanded) {
      const breach = fenceCheck(s);
      if (breach && !s.fenceBreach) {
        s.fenceBreach = breach;
        s.fenceBreachCount += 1;
        this.link.text(SEV.CRITICAL, `${breach} fence breached`);
        const action = s.params.get('FENCE_ACTION');
        if (action !== 0 && s.modeNum !== MODE.LAND) {
          if (action === 2 || action === 5) this.modes.setModeInternal(MODE.LAND);
          else if (action === 4) this.modes.setModeInternal(MODE.BRAKE);
          else this.modes.setModeInternal(MODE.RTL);
        }
      } else if (!breach && s.fenceBreach) {
        s.fenceBreach = undefined;
        this.link.text(SEV.INFO, 'Fence breach cleared');
      }
    } else if (s.fenceBreach && !enabled) {
      s.fenceBreach = undefined;
    }
  }
}
