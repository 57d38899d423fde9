/**
 * The AUTO mission executor, after ArduPilot's AP_Mission and ModeAuto: start a run, run DO commands up
 * to the next NAV command (DO_JUMP counting its repeats), start that NAV command, steer it step by
 * step until it is done (MISSION_ITEM_REACHED), and finish the mission. Payload place is delegated to
 * payload.ts, the return to launch to rtl.ts. Holds a reference to the shared vehicle state.
 */
import type { EventEmitter } from 'node:events';
import { common } from 'node-mavlink';
import type { MissionItem } from '../../src/missions/types.js';
import type { Arming } from './arming.js';
import { fenceEnableCommand } from './fence-monitor.js';
import type { NE } from './geo.js';
import { changeSpeed, currentLocation, downSpeed, here, itemTarget, landSpeedAt, upSpeed, wpSpeed } from './kinematics.js';
import type { Link } from './link.js';
import { CMD, COMMAND_NAMES, isNavCommand } from './mission-store.js';
import type { Payload } from './payload.js';
import type { Target } from './physics.js';
import { rtlController, startRtl } from './rtl.js';
import type { TelemetryStreams } from './telemetry-streams.js';
import { SEV, type VehicleState } from './vehicle-state.js';

/**
 * DO commands AP_Mission::verify_command completes itself (library commands): they never produce a
 * MISSION_ITEM_REACHED. Every other DO / CONDITION command goes to ArduCopter's ModeAuto::verify_command,
 * which sends MISSION_ITEM_REACHED when it completes (DO_CHANGE_SPEED, DO_WINCH, DO_FENCE_ENABLE … at
 * once; an unknown one after 'Skipping invalid cmd #<id>').
 */
const LIBRARY_DO = new Set<number>([
  CMD.DO_GRIPPER,
  CMD.DO_SET_SERVO,
  CMD.DO_SET_RELAY,
  CMD.DO_REPEAT_SERVO,
  CMD.DO_REPEAT_RELAY,
  202 /* DIGICAM_CONFIGURE */,
  CMD.DO_DIGICAM_CONTROL,
  206 /* SET_CAM_TRIGG_DIST */,
  CMD.DO_PARACHUTE,
  217 /* SEND_SCRIPT_MESSAGE */,
  216 /* SPRAYER */,
  218 /* AUX_FUNCTION */,
  215 /* SET_RESUME_REPEAT_DIST */,
  1000 /* GIMBAL_MANAGER_PITCHYAW */,
  600 /* JUMP_TAG */,
  2000,
  2001 /* IMAGE_START/STOP_CAPTURE */,
  531,
  532,
  534 /* SET_CAMERA_ZOOM/FOCUS/SOURCE */,
  2500,
  2501 /* VIDEO_START/STOP_CAPTURE */,
]);
/** DO / CONDITION commands ModeAuto::verify_command knows (the rest are 'Skipping invalid cmd'). */
const COPTER_VERIFIED_DO = new Set<number>([
  CMD.DO_CHANGE_SPEED,
  CMD.DO_SET_HOME,
  CMD.DO_SET_ROI_LOCATION,
  CMD.DO_SET_ROI_NONE,
  CMD.DO_SET_ROI,
  CMD.DO_MOUNT_CONTROL,
  222 /* GUIDED_LIMITS */,
  CMD.DO_FENCE_ENABLE,
  CMD.DO_WINCH,
  188 /* RETURN_PATH_START */,
  CMD.DO_LAND_START,
  CMD.CONDITION_DELAY,
  CMD.CONDITION_DISTANCE,
  CMD.CONDITION_YAW,
]);

export class AutoExecutor {
  /**
   * MISSION_ITEM_REACHED waiting to go out. ArduPilot queues it as a deferred message with ONE index per
   * channel (GCS::send_mission_item_reached_message sets mission_item_reached_index, then
   * send_message(MSG_MISSION_ITEM_REACHED)): two completions in the same AP_Mission::update overwrite
   * each other and only the last is sent. That happens when a NAV command completes and the first DO
   * command after it, loaded with the next NAV command (advance_current_nav_cmd), is verified at once in
   * the same update: SITL reports 2 (DO_CHANGE_SPEED), not 1 (TAKEOFF). Later DO commands are loaded and
   * verified one per update (advance_current_do_cmd), each with its own message.
   */
  private reachedSlot: number | undefined;
  private laterReached: number[] = [];

  constructor(
    private readonly s: VehicleState,
    private readonly link: Link,
    private readonly telemetry: TelemetryStreams,
    private readonly arming: Arming,
    private readonly payload: Payload,
    private readonly events: EventEmitter,
  ) {}

  startMissionRun(): void {
    const s = this.s;
    s.missionState = 'running';
    s.jumpCounts.clear();
    s.navIndex = 0;
    s.nav = undefined;
    const started = this.advance(1);
    this.flushReached();
    if (!started) this.missionComplete();
  }

  private sendReached(i: number): void {
    const s = this.s;
    s.reached.push(i);
    const r = new common.MissionItemReached();
    r.seq = i;
    this.link.send(r);
    this.events.emit('reached', i);
  }

  /** Send what this mission update completed (see reachedSlot). */
  private flushReached(): void {
    if (this.reachedSlot !== undefined) this.sendReached(this.reachedSlot);
    for (const i of this.laterReached) this.sendReached(i);
    this.reachedSlot = undefined;
    this.laterReached = [];
  }

  /** AP_Mission::advance_current_nav_cmd: run DO commands up to the next NAV command and start it. */
  private advance(from: number): boolean {
    const s = this.s;
    let i = from;
    let firstDo = true;
    for (let loops = 0; loops < 1000 && i < s.missionItems.length; loops++) {
      const it = s.missionItems[i]!;
      if (it.command === CMD.DO_JUMP) {
        const target = Math.round(it.param1);
        const repeat = Math.round(it.param2);
        const done = s.jumpCounts.get(i) ?? 0;
        if (repeat < 0 || done < repeat) {
          s.jumpCounts.set(i, done + 1);
          i = Math.max(1, target);
        } else i += 1;
        continue;
      }
      this.announce(i, it);
      if (isNavCommand(it.command)) {
        this.startNav(i, it);
        return true;
      }
      this.runDo(it);
      if (!LIBRARY_DO.has(it.command)) {
        if (!COPTER_VERIFIED_DO.has(it.command)) this.link.text(SEV.WARNING, `Skipping invalid cmd #${it.command}`);
        // the first DO is verified in the same update as the NAV completion (same message slot)
        if (firstDo) this.reachedSlot = i;
        else this.laterReached.push(i);
      }
      firstDo = false;
      i += 1;
    }
    return false;
  }

  /** AP_Mission::start_command's 'Mission: N <name>'. */
  announce(i: number, it: MissionItem): void {
    this.link.text(SEV.INFO, `Mission: ${i} ${COMMAND_NAMES[it.command] ?? it.command}`);
  }

  /** Announce the current NAV command again (a resume restarts it). */
  announceCurrent(): void {
    const s = this.s;
    const it = s.missionItems[s.navIndex];
    if (s.missionState === 'running' && it && isNavCommand(it.command)) this.announce(s.navIndex, it);
  }

  /** Make item `i` (a NAV command) the current one and set up its phase. */
  startNav(i: number, it: MissionItem): void {
    const s = this.s;
    s.navIndex = i;
    this.telemetry.sendMissionCurrent();
    const h = here(s);
    const { ne, alt } = itemTarget(s, it);
    const pos: NE = { n: h.n, e: h.e };
    switch (it.command) {
      case CMD.NAV_TAKEOFF:
        s.nav = { kind: 'takeoff', alt: Math.max(alt, 1), startedAt: s.nowS };
        break;
      case CMD.NAV_WAYPOINT:
      case CMD.NAV_SPLINE_WAYPOINT:
        s.nav = { kind: 'goto', target: ne ?? pos, alt: it.z === 0 && !ne ? h.alt : alt, holdS: it.param1 };
        break;
      case CMD.NAV_LOITER_UNLIM:
        s.nav = { kind: 'goto', target: ne ?? pos, alt, holdS: 0, forever: true };
        break;
      case CMD.NAV_LOITER_TIME:
        s.nav = { kind: 'goto', target: ne ?? pos, alt, holdS: it.param1 };
        break;
      case CMD.NAV_LOITER_TURNS:
        s.nav = { kind: 'goto', target: ne ?? pos, alt, holdS: Math.max(1, it.param1) * 20 };
        break;
      case CMD.NAV_RETURN_TO_LAUNCH:
        s.nav = { kind: 'rtl', rtl: startRtl(s) };
        break;
      case CMD.NAV_LAND:
        s.nav = { kind: 'land', target: ne ?? pos, flyFirst: ne !== undefined };
        break;
      case CMD.NAV_PAYLOAD_PLACE:
        s.nav = { kind: 'payload', target: ne ?? pos, startAlt: h.alt, maxDescent: it.param1, stage: 'fly', stageAt: s.nowS, descentStartAlt: h.alt };
        break;
      case CMD.NAV_DELAY:
        s.nav = { kind: 'delay', until: s.nowS + Math.max(0, it.param1) };
        break;
      case CMD.NAV_CONTINUE_AND_CHANGE_ALT:
      case CMD.NAV_LOITER_TO_ALT:
        s.nav = { kind: 'alt', alt };
        break;
      default:
        s.nav = { kind: 'delay', until: s.nowS };
    }
  }

  private runDo(it: MissionItem): void {
    const s = this.s;
    switch (it.command) {
      case CMD.DO_CHANGE_SPEED:
        changeSpeed(s, it.param1, it.param2);
        break;
      case CMD.DO_GRIPPER:
        // AP_Mission::start_command_do_gripper: the gripper's own text, then this one (said even when
        // GRIP_ENABLE is 0 and nothing moves)
        this.payload.gripperAction(it.param2, 'gripper');
        if (Math.round(it.param2) === 0) this.link.text(SEV.INFO, 'Gripper Released');
        else if (Math.round(it.param2) === 1) this.link.text(SEV.INFO, 'Gripper Grabbed');
        break;
      case CMD.DO_WINCH:
        this.payload.winchAction(it.param2, it.param3, it.param4);
        break;
      case CMD.DO_SET_HOME:
        if (Math.round(it.param1) === 1) this.arming.setHome(currentLocation(s));
        else this.arming.setHome({ lat: it.x / 1e7, lon: it.y / 1e7, altM: it.z });
        break;
      case CMD.DO_FENCE_ENABLE:
        fenceEnableCommand(s, Math.round(it.param1) === 1);
        break;
      default:
        break; // CONDITION_* and camera/servo commands: accepted, no effect here
    }
  }

  /** The current NAV command is done: MISSION_ITEM_REACHED, then on to the next one (or the end). */
  navComplete(): void {
    const s = this.s;
    const i = s.navIndex;
    this.reachedSlot = i;
    s.nav = undefined;
    const next = this.advance(i + 1);
    this.flushReached();
    if (!next) this.missionComplete();
  }

  private missionComplete(): void {
    const s = this.s;
    s.missionState = 'complete';
    s.nav = undefined;
    s.hold = here(s);
    this.telemetry.sendMissionCurrent();
    if (s.isLanded && s.isArmed) this.arming.disarm('Disarming motors');
  }

  /** This step's target in AUTO: the current NAV command's, or hold where the mission left off. */
  autoController(): Target | undefined {
    const s = this.s;
    const h = here(s);
    const speeds = { speed: wpSpeed(s), up: upSpeed(s), down: downSpeed(s) };
    if (s.missionState !== 'running' || !s.nav) {
      if (s.isLanded) return undefined;
      return { ...s.hold, ...speeds };
    }
    const nav = s.nav;
    const radius = s.params.get('WP_RADIUS_M');
    switch (nav.kind) {
      case 'takeoff':
        // motors spool up for ~2 s before the climb (ArduCopter's takeoff spool-up)
        if (s.isLanded && s.nowS - nav.startedAt < 2) return undefined;
        if (h.alt >= nav.alt - 0.3) {
          s.hold = { n: h.n, e: h.e, alt: nav.alt };
          this.navComplete();
        }
        return { n: s.hold.n, e: s.hold.e, alt: nav.alt, ...speeds, ...(s.isLanded ? { n: h.n, e: h.e } : {}) };
      case 'goto': {
        const d = Math.hypot(nav.target.n - h.n, nav.target.e - h.e);
        if (nav.arrivedAt === undefined && d <= radius && Math.abs(nav.alt - h.alt) < 1) nav.arrivedAt = s.nowS;
        if (nav.arrivedAt !== undefined && !nav.forever && s.nowS - nav.arrivedAt >= nav.holdS) {
          s.hold = { n: nav.target.n, e: nav.target.e, alt: nav.alt };
          // verify_nav_wp / verify_spline_wp / verify_loiter_time say so
          const cmd = s.missionItems[s.navIndex]?.command;
          if (cmd === CMD.NAV_WAYPOINT || cmd === CMD.NAV_SPLINE_WAYPOINT || cmd === CMD.NAV_LOITER_TIME)
            this.link.text(SEV.INFO, `Reached command #${s.navIndex}`);
          this.navComplete();
        }
        return { n: nav.target.n, e: nav.target.e, alt: nav.alt, ...speeds };
      }
      case 'alt':
        if (Math.abs(h.alt - nav.alt) < 0.5) {
          s.hold = { ...h, alt: nav.alt };
          this.navComplete();
        }
        return { n: s.hold.n, e: s.hold.e, alt: nav.alt, ...speeds };
      case 'delay':
        if (s.nowS >= nav.until) this.navComplete();
        return s.isLanded ? undefined : { ...s.hold, ...speeds };
      case 'rtl':
        return rtlController(s, nav.rtl);
      case 'land': {
        if (nav.flyFirst) {
          const d = Math.hypot(nav.target.n - h.n, nav.target.e - h.e);
          if (d > 1) return { n: nav.target.n, e: nav.target.e, alt: h.alt, ...speeds };
          nav.flyFirst = false;
        }
        if (nav.touchedAt !== undefined && s.nowS - nav.touchedAt >= 1) {
          this.landedMidMission();
          return undefined;
        }
        if (s.isLanded) return undefined;
        return { n: nav.target.n, e: nav.target.e, alt: -1, speed: speeds.speed, up: 0, down: landSpeedAt(s, h.alt) };
      }
      case 'payload':
        return this.payload.payloadController(nav, h, speeds);
    }
  }

  /**
   * NAV_LAND done with the motors stopped: go on only if MIS_OPTIONS has CONTINUE_AFTER_LAND (bit 2,
   * AP_Mission.h) and the next NAV command is a take-off; otherwise disarm and reset the mission to its start.
   */
  private landedMidMission(): void {
    const s = this.s;
    const i = s.navIndex;
    const continueAfterLand = (s.params.get('MIS_OPTIONS') & 4) !== 0;
    let nextNav: MissionItem | undefined;
    for (let k = i + 1; k < s.missionItems.length; k++) {
      const it = s.missionItems[k]!;
      if (isNavCommand(it.command)) {
        nextNav = it;
        break;
      }
    }
    if (continueAfterLand && nextNav?.command === CMD.NAV_TAKEOFF) {
      this.navComplete();
      return;
    }
    // ModeAuto::verify_land disarms and returns false: the mission is reset by the disarm
    // (AP_Arming_Copter::disarm → mission.reset()) before this NAV_LAND could complete, so no
    // MISSION_ITEM_REACHED is sent for it (real SITL: none for the closing NAV_LAND).
    s.nav = undefined;
    this.arming.disarm('Disarming motors');
    // The disarm resets the mission (AP_Mission::reset) but leaves it running in AUTO, so the next
    // AP_Mission::update starts it again from the top (advance_current_nav_cmd: the first DO command and
    // the first NAV command are started and announced) with the motors off: real SITL says
    // 'Mission: 1 Takeoff' after 'Disarming motors' and MISSION_CURRENT is 1 from then on.
    s.missionState = 'idle';
    s.navIndex = 0;
    let firstDo = true;
    for (let k = 1; k < s.missionItems.length; k++) {
      const it = s.missionItems[k]!;
      if (isNavCommand(it.command)) {
        this.announce(k, it);
        s.navIndex = k;
        break;
      }
      if (firstDo && it.command !== CMD.DO_JUMP) {
        this.announce(k, it);
        firstDo = false;
      }
    }
    this.telemetry.sendMissionCurrent();
  }
}
