/**
 * The payload: the gripper (DO_GRIPPER, and the release a payload place makes), the winch (DO_WINCH,
 * its line paying out at up to WINCH_RATE_MAX), and the NAV_PAYLOAD_PLACE stages of the AUTO
 * executor (fly over, descend until touchdown or the maximum descent, settle, release, climb back).
 * Every release is recorded where it happened. Holds a reference to the shared vehicle state.
 */
import type { EventEmitter } from 'node:events';
import { groundAt, homeAltOffset, position } from './kinematics.js';
import type { Link } from './link.js';
import type { Target } from './physics.js';
import { SEV, type LocalPoint, type NavPhase, type ReleaseRecord, type VehicleState } from './vehicle-state.js';

/** SERVOn_FUNCTION 88 (k_winch) on some output: AP_Winch_PWM::healthy, and it only moves then (update). */
export function winchHealthy(s: VehicleState): boolean {
  for (let n = 1; n <= 16; n++) if (s.params.get(`SERVO${n}_FUNCTION`) === 88) return true;
  return false;
}

export class Payload {
  constructor(
    private readonly s: VehicleState,
    private readonly link: Link,
    private readonly events: EventEmitter,
    /** The AUTO executor's "this NAV command is done: go on to the next". */
    private readonly navComplete: () => void,
  ) {}

  /**
   * MAV_CMD_DO_WINCH: action 0 relax, 1 relative length control (+ pays out), 2 rate control.
   * As ArduCopter (mode_auto.cpp do_winch, GCS_Mavlink.cpp): relative length control calls
   * AP_Winch::release_length(param3) and ignores param4; the PWM winch then moves at up to
   * WINCH_RATE_MAX. Rate control is limited to WINCH_RATE_MAX.
   */
  winchAction(action: number, length: number, rate: number): void {
    const s = this.s;
    if (s.params.get('WINCH_TYPE') === 0) return; // no winch configured: ArduCopter ignores it
    const a = Math.round(action);
    const rateMax = Math.max(0, s.params.get('WINCH_RATE_MAX'));
    if (a === 0) s.winch = { ...s.winch, targetM: s.winch.lengthM, rateMs: 0, mode: 'rate' };
    else if (a === 1) {
      // AP_Winch::release_length: desired = current estimate + length (not clamped), and with
      // WINCH_OPTIONS bit 1 (VerboseOutput, default on) it says so. The estimate only approaches its
      // target (P control), so winding 20 m back in reads "raising 20.0m to -0.0m" on real SITL.
      const desired = s.winch.lengthM + length;
      if ((Math.round(s.params.get('WINCH_OPTIONS')) & 2) !== 0) {
        this.link.text(SEV.INFO, `Winch: ${length < 0 ? 'raising' : 'lowering'} ${cFixed(Math.abs(length), 4, 1)}m to ${cFixed(desired, 4, 1)}m`);
      }
      s.winch = { ...s.winch, targetM: desired, rateMs: rateMax, mode: 'position' };
    } else if (a === 2) s.winch = { ...s.winch, targetM: rate >= 0 ? 1000 : 0, rateMs: Math.min(Math.abs(rate), rateMax), mode: 'rate' };
  }

  /**
   * AP_Winch_PWM::control_winch: in position control the desired rate is (length_desired − line_length) ×
   * WINCH_POS_P, limited to WINCH_RATE_MAX, and the estimate moves by the desired rate ("assuming winch
   * will move exactly as requested"). Nothing moves without a winch output (AP_Winch_PWM::update).
   */
  winchStep(dt: number): void {
    const s = this.s;
    const w = s.winch;
    if (w.rateMs <= 0 || w.lengthM === w.targetM) return;
    if (!winchHealthy(s)) return;
    if (w.mode === 'position') {
      const rate = Math.max(-w.rateMs, Math.min(w.rateMs, (w.targetM - w.lengthM) * s.params.get('WINCH_POS_P')));
      w.lengthM += rate * dt;
      return;
    }
    const step = w.rateMs * dt;
    w.lengthM = Math.abs(w.targetM - w.lengthM) <= step ? w.targetM : w.lengthM + Math.sign(w.targetM - w.lengthM) * step;
  }

  /** The line actually hanging below the drone: the estimate, but no longer than the height above the ground (the parcel rests there). */
  private lineOutM(): number {
    const s = this.s;
    return Math.max(0, Math.min(s.winch.lengthM, s.body.alt - groundAt(s)));
  }

  /** This step's target for a NAV_PAYLOAD_PLACE in progress; moves `nav` on through its stages. */
  payloadController(nav: Extract<NavPhase, { kind: 'payload' }>, h: LocalPoint, speeds: { speed: number; up: number; down: number }): Target | undefined {
    const s = this.s;
    const at = { n: nav.target.n, e: nav.target.e };
    const descentRate = s.params.get('PLDP_SPEED_DN') > 0 ? s.params.get('PLDP_SPEED_DN') : s.params.get('LAND_SPEED') / 100;
    switch (nav.stage) {
      case 'fly': {
        const d = Math.hypot(at.n - h.n, at.e - h.e);
        if (d <= 0.5 && Math.hypot(s.body.vn, s.body.ve) < 0.5) {
          nav.stage = 'descend';
          nav.stageAt = s.nowS;
          nav.descentStartAlt = h.alt;
        }
        return { ...at, alt: nav.startAlt, ...speeds };
      }
      case 'descend': {
        const descended = nav.descentStartAlt - h.alt;
        if (nav.maxDescent > 0 && descended >= nav.maxDescent && !s.isLanded) {
          this.link.text(SEV.WARNING, 'PayloadPlace: Reached maximum descent');
          nav.stage = 'ascend';
          nav.stageAt = s.nowS;
          return { ...at, alt: nav.startAlt, ...speeds };
        }
        if (s.isLanded) {
          // the thrust drops on touchdown (PayloadPlace::run, State::Descent): placed once it stays
          // under PLDP_THRESH × the descent thrust for placed_check_duration_ms (0.5 s)
          nav.stage = 'settle';
          nav.stageAt = s.nowS;
          return { ...at, alt: h.alt, ...speeds };
        }
        return { ...at, alt: -1, speed: speeds.speed, up: 0, down: descentRate };
      }
      case 'settle':
        if (s.nowS - nav.stageAt >= 0.5) {
          nav.placedAt = nav.stageAt;
          // The threshold is PLDP_THRESH × the thrust measured in the steady descent; without an
          // attitude model the hover thrust (MOT_THST_HOVER) stands in for it (real SITL: 0.314).
          this.link.text(
            SEV.INFO,
            `PayloadPlace: payload release thrust threshold: ${(s.params.get('PLDP_THRESH') * s.params.get('MOT_THST_HOVER')).toFixed(6)}`,
          );
          // State::Release: with a gripper, release it and wait until it reports released; without, go on
          if (this.gripperValid()) {
            this.link.text(SEV.INFO, 'PayloadPlace: Releasing the gripper');
            this.gripperAction(0, 'payload-place');
          }
          nav.stage = 'release';
          nav.stageAt = s.nowS;
        }
        return { ...at, alt: h.alt, ...speeds };
      case 'release':
        // State::Releasing until AP_Gripper::released(), then State::Delay: PLDP_DELAY counted from
        // the start of the placed check
        if (this.gripperValid() && s.gripper.state !== 'released') return { ...at, alt: h.alt, ...speeds };
        if (s.nowS - (nav.placedAt ?? nav.stageAt) >= 0.5 + s.params.get('PLDP_DELAY')) {
          nav.stage = 'ascend';
          nav.stageAt = s.nowS;
        }
        return { ...at, alt: h.alt, ...speeds };
      case 'ascend':
        if (h.alt >= nav.startAlt - 0.3) {
          s.hold = { ...at, alt: nav.startAlt };
          this.navComplete();
        }
        return { ...at, alt: nav.startAlt, ...speeds };
    }
  }

  /** AP_Gripper::valid() for the servo gripper medidrop configures: GRIP_ENABLE set. */
  private gripperValid(): boolean {
    return this.s.params.get('GRIP_ENABLE') === 1;
  }

  /**
   * MAV_CMD_DO_GRIPPER action (0 release, 1 grab), when GRIP_ENABLE is set: AP_Gripper_Servo::release /
   * grab. A command to the state it is moving to does nothing; to the state it is in, says so
   * ('Gripper load released' / 'grabbed'); otherwise the servo moves ('Gripper load releasing' /
   * 'grabbing') and gripperStep reports the end of the move.
   */
  gripperAction(action: number, by: string): void {
    const s = this.s;
    if (!this.gripperValid()) return;
    const g = s.gripper;
    if (Math.round(action) === 0) {
      if (g.state === 'releasing') return;
      if (g.state === 'released') {
        this.link.text(SEV.INFO, 'Gripper load released');
        return;
      }
      s.gripper = { state: 'releasing', at: s.nowS };
      if (!s.gripperReleased) {
        s.gripperReleased = true;
        const p = position(s);
        const lineOutM = this.lineOutM();
        const payloadRelAltM = Math.max(groundAt(s) - homeAltOffset(s), p.relAltM - lineOutM);
        const rec: ReleaseRecord = { lat: p.lat, lon: p.lon, relAltM: p.relAltM, t: s.nowS, by, lineOutM, payloadRelAltM };
        s.releases.push(rec);
        this.link.text(SEV.INFO, 'Gripper load releasing');
        this.events.emit('released', rec);
      } else this.link.text(SEV.INFO, 'Gripper load releasing');
    } else {
      if (g.state === 'grabbing') return;
      if (g.state === 'grabbed') {
        this.link.text(SEV.INFO, 'Gripper load grabbed');
        return;
      }
      s.gripper = { state: 'grabbing', at: s.nowS };
      s.gripperReleased = false;
      this.link.text(SEV.INFO, 'Gripper load grabbing');
    }
  }

  /**
   * AP_Gripper_Servo::update_gripper (AP_Gripper::update, a 10 Hz task): once the servo has had
   * SERVO_ACTUATION_TIME (500 ms) to move, GRABBING → GRABBED ('Gripper load grabbed'), RELEASING →
   * RELEASED ('Gripper load released'). Real SITL says both texts on every release.
   */
  gripperStep(): void {
    const s = this.s;
    const g = s.gripper;
    if ((g.state !== 'releasing' && g.state !== 'grabbing') || s.nowS - g.at < 0.5) return;
    if (g.state === 'releasing') {
      s.gripper = { state: 'released', at: g.at };
      this.link.text(SEV.INFO, 'Gripper load released');
    } else {
      s.gripper = { state: 'grabbed', at: g.at };
      this.link.text(SEV.INFO, 'Gripper load grabbed');
    }
  }
}

/** C printf "%W.Pf": P decimals, right-aligned to width W (AP_Winch's "%4.1f"). */
function cFixed(v: number, width: number, decimals: number): string {
  return v.toFixed(decimals).padStart(width, ' ');
}
