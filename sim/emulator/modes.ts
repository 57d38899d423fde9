/**
 * Flight mode changes as Copter::set_mode makes them: the checks a mode change must pass when armed
 * (position for the GPS modes, a mission for AUTO), and what entering each mode sets up (hold point,
 * return to launch, landing spot, resuming or pausing the mission). Holds a reference to the shared
 * vehicle state.
 */
import type { EventEmitter } from 'node:events';
import type { AutoExecutor } from './auto-executor.js';
import { here } from './kinematics.js';
import { CMD, isNavCommand } from './mission-store.js';
import { startRtl } from './rtl.js';
import type { Link } from './link.js';
import type { TelemetryStreams } from './telemetry-streams.js';
import { GPS_MODES, MODE, MODE_NAMES, SEV, type VehicleState } from './vehicle-state.js';

export class Modes {
  constructor(
    private readonly s: VehicleState,
    private readonly telemetry: TelemetryStreams,
    private readonly auto: AutoExecutor,
    private readonly events: EventEmitter,
    private readonly link: Link,
  ) {}

  /** Mode change as Copter::set_mode: checks only when armed. Returns the failure text or undefined. */
  trySetMode(mode: number): string | undefined {
    const s = this.s;
    if (!(mode in MODE_NAMES)) return `Mode change to ${mode} failed: unknown mode`;
    if (s.isArmed) {
      if (GPS_MODES.has(mode) && !s.ekfPosition) return `Mode change to ${MODE_NAMES[mode]} failed: requires position`;
      if (mode === MODE.AUTO) {
        if (s.missionItems.length <= 1) return 'Mode change to AUTO failed: init failed';
        if (s.isLanded && !this.missionStartsWithTakeoff()) return 'Auto: Missing Takeoff Cmd';
      }
    }
    this.setModeInternal(mode);
    return undefined;
  }

  private missionStartsWithTakeoff(): boolean {
    const items = this.s.missionItems;
    for (let i = 1; i < items.length; i++) {
      const c = items[i]!.command;
      if (isNavCommand(c)) return c === CMD.NAV_TAKEOFF;
    }
    return false;
  }

  /** Enter `mode` without checks (failsafes, and after trySetMode's checks passed). */
  setModeInternal(mode: number): void {
    const s = this.s;
    const prev = s.modeNum;
    s.modeNum = mode;
    const h = here(s);
    if (mode !== MODE.GUIDED) s.guidedTarget = undefined;
    if (mode === MODE.LOITER || mode === MODE.GUIDED || mode === MODE.BRAKE) s.hold = { ...h };
    if (mode === MODE.RTL) s.rtl = startRtl(s);
    if (mode === MODE.LAND) s.landTarget = { n: h.n, e: h.e };
    if (mode === MODE.AUTO) {
      if (s.missionState === 'paused' || (s.missionState === 'running' && prev !== MODE.AUTO)) {
        // AP_Mission::resume: restart the current NAV command (set_current_cmd → start_command, which
        // announces it again: real SITL says 'Mission: 3 WP' twice around a BRAKE pause)
        s.missionState = 'running';
        const it = s.missionItems[s.navIndex];
        if (it && isNavCommand(it.command)) {
          this.auto.announce(s.navIndex, it);
          this.auto.startNav(s.navIndex, it);
        }
      }
    } else if (s.missionState === 'running') {
      s.missionState = 'paused';
    }
    if (prev !== mode && s.fenceBreach && s.params.get('FENCE_ACTION') !== 0) {
      // Copter::set_mode → AC_Fence::manual_recovery_start: any mode change during a breach (the fence's
      // own RTL included) counts as the pilot recovering
      this.link.text(SEV.INFO, 'Manual recovery started');
    }
    if (prev !== mode) {
      this.events.emit('mode', mode);
      this.telemetry.sendHeartbeat();
    }
  }
}
