/**
 * COMMAND_LONG / COMMAND_INT on the vehicle side: arm and disarm, mode changes, mission start, RTL and
 * LAND, GUIDED take-off and reposition, pause/continue, speed, gripper, winch, fence enable, home,
 * message intervals and requests, reboot — each answered with the COMMAND_ACK result ArduCopter gives.
 * Holds a reference to the shared vehicle state.
 */
import type { common } from 'node-mavlink';
import type { Arming } from './arming.js';
import type { AutoExecutor } from './auto-executor.js';
import type { Boot } from './boot.js';
import { fenceEnableCommand } from './fence-monitor.js';
import { toNE } from './geo.js';
import { changeSpeed, currentLocation, here, homeAltOffset } from './kinematics.js';
import type { Link } from './link.js';
import type { Peer } from './mission-protocol.js';
import type { Modes } from './modes.js';
import type { Payload } from './payload.js';
import { STREAMABLE, type TelemetryStreams } from './telemetry-streams.js';
import { MODE, RESULT, SEV, type VehicleState } from './vehicle-state.js';

/** COMPONENT_ARM_DISARM param2 that forces arming / disarming past the checks. */
const FORCE_MAGIC = 21196;

export class CommandHandler {
  constructor(
    private readonly s: VehicleState,
    private readonly link: Link,
    private readonly telemetry: TelemetryStreams,
    private readonly arming: Arming,
    private readonly modes: Modes,
    private readonly auto: AutoExecutor,
    private readonly payload: Payload,
    private readonly boot: Boot,
  ) {}

  command(from: Peer, c: common.CommandLong | common.CommandInt, isInt: boolean): void {
    const s = this.s;
    const p = [c._param1, c._param2, c._param3, c._param4, c._param5, c._param6, c._param7] as number[];
    const ack = (result: number) => this.link.sendAck(from, c.command, result);
    switch (c.command) {
      case 400: {
        // COMPONENT_ARM_DISARM
        const force = Math.round(p[1]!) === FORCE_MAGIC;
        if (Math.round(p[0]!) === 1) return ack(this.arming.arm(force).result);
        if (!s.isArmed) return ack(RESULT.ACCEPTED);
        if (!s.isLanded && !force) {
          this.link.text(SEV.WARNING, 'Disarm: vehicle is flying');
          return ack(RESULT.FAILED);
        }
        this.arming.disarm('Disarming motors');
        return ack(RESULT.ACCEPTED);
      }
      case 176: {
        // DO_SET_MODE: param1 base mode (custom mode flag), param2 custom mode
        if ((Math.round(p[0]!) & 1) === 0) return ack(RESULT.FAILED); // only custom modes on ArduCopter
        const why = this.modes.trySetMode(Math.round(p[1]!));
        if (why) this.link.text(SEV.WARNING, why);
        return ack(why ? RESULT.FAILED : RESULT.ACCEPTED);
      }
      case 300: {
        // MISSION_START
        if (p[0] !== 0 || p[1] !== 0) return ack(RESULT.DENIED);
        const why = this.modes.trySetMode(MODE.AUTO);
        if (why) {
          this.link.text(SEV.WARNING, why);
          return ack(RESULT.FAILED);
        }
        if (s.missionState !== 'running') {
          // handle_MAV_CMD_MISSION_START starts the mission (start_or_resume), then ModeAuto::run, still
          // waiting_to_start after ModeAuto::init, calls start_or_resume again: with MIS_RESTART 0 a resume,
          // which restarts the current command and announces it a second time ('Mission: 1 Takeoff' twice on SITL)
          this.auto.startMissionRun();
          this.auto.announceCurrent();
        }
        return ack(RESULT.ACCEPTED);
      }
      case 20: {
        const why = this.modes.trySetMode(MODE.RTL);
        if (why) this.link.text(SEV.WARNING, why);
        return ack(why ? RESULT.FAILED : RESULT.ACCEPTED);
      }
      case 21: {
        const why = this.modes.trySetMode(MODE.LAND);
        return ack(why ? RESULT.FAILED : RESULT.ACCEPTED);
      }
      case 22: {
        // NAV_TAKEOFF in GUIDED
        if (s.modeNum !== MODE.GUIDED || !s.isArmed || !s.isLanded) return ack(RESULT.FAILED);
        const h = here(s);
        s.guidedTarget = { n: h.n, e: h.e, alt: Math.max(1, p[6]!) + homeAltOffset(s) };
        return ack(RESULT.ACCEPTED);
      }
      case 192: {
        // DO_REPOSITION
        if (!s.isArmed) return ack(RESULT.FAILED);
        const lat = isInt ? p[4]! / 1e7 : p[4]!;
        const lon = isInt ? p[5]! / 1e7 : p[5]!;
        if (s.modeNum !== MODE.GUIDED) {
          const why = this.modes.trySetMode(MODE.GUIDED);
          if (why) return ack(RESULT.FAILED);
        }
        const ne = toNE(s.start, { lat, lon });
        s.guidedTarget = { n: ne.n, e: ne.e, alt: Number.isFinite(p[6]) ? p[6]! + homeAltOffset(s) : s.body.alt };
        if (p[0]! > 0) s.speeds.h = p[0]!;
        return ack(RESULT.ACCEPTED);
      }
      case 193: {
        // DO_PAUSE_CONTINUE in AUTO
        if (s.modeNum !== MODE.AUTO) return ack(RESULT.FAILED);
        if (Math.round(p[0]!) === 0) {
          s.missionState = s.missionState === 'running' ? 'paused' : s.missionState;
          s.hold = here(s);
        } else if (s.missionState === 'paused') {
          this.modes.setModeInternal(MODE.AUTO);
        }
        return ack(RESULT.ACCEPTED);
      }
      case 178:
        changeSpeed(s, p[0]!, p[1]!);
        return ack(RESULT.ACCEPTED);
      case 211:
        if (s.params.get('GRIP_ENABLE') !== 1) return ack(RESULT.FAILED);
        this.payload.gripperAction(p[1]!, 'command');
        return ack(RESULT.ACCEPTED);
      case 42600:
        if (s.params.get('WINCH_TYPE') === 0) return ack(RESULT.FAILED);
        this.payload.winchAction(p[1]!, p[2]!, p[3]!);
        return ack(RESULT.ACCEPTED);
      case 207:
        fenceEnableCommand(s, Math.round(p[0]!) === 1);
        return ack(RESULT.ACCEPTED);
      case 179:
        if (Math.round(p[0]!) === 1) this.arming.setHome(currentLocation(s));
        else this.arming.setHome({ lat: isInt ? p[4]! / 1e7 : p[4]!, lon: isInt ? p[5]! / 1e7 : p[5]!, altM: p[6]! });
        return ack(RESULT.ACCEPTED);
      case 511: {
        // SET_MESSAGE_INTERVAL
        const id = Math.round(p[0]!);
        const us = p[1]!;
        if (!STREAMABLE.has(id)) return ack(RESULT.FAILED);
        if (us <= 0) s.streams.delete(id);
        else s.streams.set(id, { interval: us / 1e6, next: s.nowS });
        return ack(RESULT.ACCEPTED);
      }
      case 512: {
        // REQUEST_MESSAGE
        const id = Math.round(p[0]!);
        if (!STREAMABLE.has(id)) return ack(RESULT.FAILED);
        ack(RESULT.ACCEPTED);
        this.telemetry.sendById(id);
        return;
      }
      case 410:
        ack(RESULT.ACCEPTED);
        this.telemetry.sendHome();
        return;
      case 246: {
        // PREFLIGHT_REBOOT_SHUTDOWN
        if (Math.round(p[0]!) !== 1) return ack(RESULT.UNSUPPORTED);
        if (s.isArmed) return ack(RESULT.FAILED);
        ack(RESULT.ACCEPTED);
        this.boot.requestReboot();
        return;
      }
      default:
        return ack(RESULT.UNSUPPORTED);
    }
  }
}
