/**
 * Flying one step: the active mode's controller picks a target (AUTO from the mission executor, RTL
 * from rtl.ts, GUIDED/LOITER/BRAKE hold a point, LAND descends, STABILIZE/ALT_HOLD without a pilot
 * sink or hold height), the body moves towards it (physics.ts), and touching down — on purpose or
 * falling with the motors stopped — schedules the disarm. Holds a reference to the shared vehicle state.
 */
import type { EventEmitter } from 'node:events';
import type { AutoExecutor } from './auto-executor.js';
import { groundAt, here, landSpeedAt, downSpeed, upSpeed, wpSpeed } from './kinematics.js';
import type { Link } from './link.js';
import { stepBody, type Target } from './physics.js';
import { rtlController } from './rtl.js';
import { MODE, SEV, type LocalPoint, type VehicleState } from './vehicle-state.js';

export class Flight {
  constructor(
    private readonly s: VehicleState,
    private readonly link: Link,
    private readonly auto: AutoExecutor,
    private readonly events: EventEmitter,
  ) {}

  fly(dt: number): void {
    const s = this.s;
    if (!s.isArmed) {
      if (!s.isLanded) {
        // motors stopped in the air: it falls
        s.body.vu -= 9.81 * dt;
        s.body.alt += s.body.vu * dt;
        s.body.n += s.body.vn * dt;
        s.body.e += s.body.ve * dt;
        if (s.body.alt <= groundAt(s)) this.touchdown(true);
      }
      return;
    }
    const target = this.controller();
    if (!target) return; // on the ground, idle
    const hasPos = s.ekfPosition;
    const wasLanded = s.isLanded;
    if (s.isLanded) {
      if (target.alt <= s.body.alt + 0.05) {
        s.body.vn = s.body.ve = s.body.vu = 0;
        return;
      }
      s.isLanded = false;
      s.tookOff = true;
      this.events.emit('landed', false);
    }
    stepBody(s.body, target, s.wind, s.params.get('WP_ACC'), hasPos, dt);
    const ground = groundAt(s);
    if (s.body.alt <= ground && !wasLanded) {
      this.touchdown(false);
    }
    if (s.body.alt < ground) s.body.alt = ground;
  }

  private touchdown(crash: boolean): void {
    const s = this.s;
    s.body.alt = groundAt(s);
    s.body.vn = s.body.ve = s.body.vu = 0;
    if (s.isLanded) return;
    s.isLanded = true;
    if (crash) this.link.text(SEV.CRITICAL, 'Crash: vehicle fell to the ground');
    this.events.emit('landed', true);
    this.onTouchdown();
  }

  /** Desired target for this step from the active mode, or undefined when idle on the ground. */
  private controller(): Target | undefined {
    const s = this.s;
    const h = here(s);
    const holdAt = (p: LocalPoint): Target => ({ ...p, speed: wpSpeed(s), up: upSpeed(s), down: downSpeed(s) });
    switch (s.modeNum) {
      case MODE.AUTO:
        return this.auto.autoController();
      case MODE.GUIDED:
        if (s.guidedTarget) return holdAt(s.guidedTarget);
        if (s.isLanded) return undefined;
        return holdAt(s.hold);
      case MODE.LOITER:
      case MODE.BRAKE:
        if (s.isLanded) return undefined;
        return holdAt(s.hold);
      case MODE.RTL:
        if (!s.rtl) return undefined;
        return rtlController(s, s.rtl);
      case MODE.LAND: {
        if (s.isLanded) return undefined;
        const t = s.landTarget ?? { n: h.n, e: h.e };
        return { n: t.n, e: t.e, alt: -1, speed: wpSpeed(s), up: 0, down: landSpeedAt(s, h.alt) };
      }
      default:
        // STABILIZE / ALT_HOLD without pilot input: throttle at minimum → it sinks
        if (s.isLanded) return undefined;
        return { n: h.n, e: h.e, alt: s.modeNum === MODE.ALT_HOLD ? h.alt : -1, speed: 0, up: 0, down: 3 };
    }
  }

  private onTouchdown(): void {
    const s = this.s;
    if (!s.isArmed) return;
    if (s.modeNum === MODE.RTL || s.modeNum === MODE.LAND) {
      if (s.rtl) s.rtl.stage = 'landed';
      s.disarmAfterLanding = s.nowS + 1;
      return;
    }
    if (s.modeNum === MODE.AUTO && s.nav) {
      if (s.nav.kind === 'rtl') {
        s.nav.rtl.stage = 'landed';
        this.auto.navComplete();
        s.disarmAfterLanding = s.nowS + 0.5;
        return;
      }
      if (s.nav.kind === 'land') {
        s.nav.touchedAt = s.nowS;
        return; // completes in autoController after the motors spool down
      }
      if (s.nav.kind === 'payload') return; // payload place touches down on purpose
    }
    // landed in any other mode (sinking STABILIZE, failsafe LAND in ALT_HOLD…)
    s.disarmAfterLanding = s.nowS + 1;
  }
}
