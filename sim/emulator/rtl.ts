/**
 * Return to launch, used by RTL mode and by NAV_RETURN_TO_LAUNCH in AUTO: where to return (home or the
 * nearest rally point), at what altitude (RTL_ALT_M, capped under the altitude fence), and the
 * climb → return → loiter → land stages. Plain functions of the shared vehicle state.
 */
import type { Target } from './physics.js';
import { fenceTypeBits } from './fence-monitor.js';
import { type NE, toNE } from './geo.js';
import { downSpeed, here, homeAltOffset, homeNE, landSpeedAt, upSpeed, wpSpeed } from './kinematics.js';
import type { RtlState, VehicleState } from './vehicle-state.js';

export function startRtl(s: VehicleState): RtlState {
  const h = here(s);
  const home = homeNE(s);
  let target = home;
  let alt = Math.max(s.params.get('RTL_ALT_M') + homeAltOffset(s), h.alt);
  const rally = nearestRally(s);
  if (rally) {
    target = rally.ne;
    alt = rally.alt;
  }
  const fenceMax = fenceTypeBits(s) & 1 && s.params.get('FENCE_ENABLE') ? s.params.get('FENCE_ALT_MAX') - 2 : Infinity;
  alt = Math.min(alt, Math.max(fenceMax, h.alt));
  const stage = h.alt < alt - 0.5 ? 'climb' : 'return';
  return { stage, target, alt, stageAt: s.nowS };
}

function nearestRally(s: VehicleState): { ne: NE; alt: number } | undefined {
  if (s.rallyItems.length === 0) return undefined;
  const pos = { n: s.body.n, e: s.body.e };
  const dist = (p: NE) => Math.hypot(p.n - pos.n, p.e - pos.e);
  let best: { ne: NE; alt: number } | undefined;
  for (const r of s.rallyItems) {
    const ne = toNE(s.start, { lat: r.x / 1e7, lon: r.y / 1e7 });
    if (!best || dist(ne) < dist(best.ne)) best = { ne, alt: r.z + homeAltOffset(s) };
  }
  if (!best) return undefined;
  const home = homeNE(s);
  const limit = s.params.get('RALLY_LIMIT_KM') * 1000;
  const inclHome = s.params.get('RALLY_INCL_HOME') !== 0;
  if (inclHome && dist(home) < dist(best.ne)) return undefined;
  if (limit > 0 && dist(best.ne) > limit && dist(home) < dist(best.ne)) return undefined;
  return best;
}

/** This step's target for an RTL in progress; moves `r` on to its next stage when one is done. */
export function rtlController(s: VehicleState, r: RtlState): Target | undefined {
  const h = here(s);
  const speed = s.params.get('RTL_SPEED_MS') > 0 ? s.params.get('RTL_SPEED_MS') : wpSpeed(s);
  switch (r.stage) {
    case 'climb':
      if (h.alt >= r.alt - 0.3) {
        r.stage = 'return';
        r.stageAt = s.nowS;
      }
      return { n: h.n, e: h.e, alt: r.alt, speed, up: upSpeed(s), down: downSpeed(s) };
    case 'return': {
      const d = Math.hypot(r.target.n - h.n, r.target.e - h.e);
      if (d < 1) {
        r.stage = 'loiter';
        r.stageAt = s.nowS;
      }
      return { n: r.target.n, e: r.target.e, alt: r.alt, speed, up: upSpeed(s), down: downSpeed(s) };
    }
    case 'loiter':
      if (s.nowS - r.stageAt >= s.params.get('RTL_LOIT_TIME') / 1000) {
        r.stage = 'land';
        r.stageAt = s.nowS;
      }
      return { n: r.target.n, e: r.target.e, alt: r.alt, speed, up: upSpeed(s), down: downSpeed(s) };
    case 'land':
      return { n: r.target.n, e: r.target.e, alt: -1, speed, up: 0, down: landSpeedAt(s, h.alt) };
    case 'landed':
      return undefined;
  }
}
