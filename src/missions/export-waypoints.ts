/**
 * Mission Planner / QGC plain-text waypoint file, `QGC WPL 110` (mavlink.io "File Formats"):
 * a header line, then one tab-separated line per item:
 *   INDEX CURRENT FRAME COMMAND P1 P2 P3 P4 LAT LON ALT AUTOCONTINUE
 * Line 0 is home (frame 0, altitude AMSL). Latitude comes before longitude. Frames are the non-INT
 * ones (3 relative altitude, 0 global) as Mission Planner writes them. Fence and rally points are not
 * part of this format (use the .plan file for those).
 */
import { common } from 'node-mavlink';
import type { VehiclePlan } from './types.js';
import { isPositionCommand } from './build.js';

const F = common.MavFrame;
const TO_PLAIN: Record<number, number> = {
  [F.GLOBAL_INT]: F.GLOBAL,
  [F.GLOBAL_RELATIVE_ALT_INT]: F.GLOBAL_RELATIVE_ALT,
  [F.GLOBAL_TERRAIN_ALT_INT]: F.GLOBAL_TERRAIN_ALT,
};

function num(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Math.round(n * 1e8) / 1e8);
}

export function exportWaypoints(plan: VehiclePlan): string {
  const lines = ['QGC WPL 110'];
  for (const it of plan.mission) {
    const positional = it.frame !== F.MISSION && isPositionCommand(it.command);
    const lat = positional ? (it.x / 1e7).toFixed(7) : num(it.x);
    const lon = positional ? (it.y / 1e7).toFixed(7) : num(it.y);
    const current = it.seq === 0 ? 1 : 0;
    lines.push(
      [
        it.seq,
        current,
        TO_PLAIN[it.frame] ?? it.frame,
        it.command,
        num(it.param1),
        num(it.param2),
        num(it.param3),
        num(it.param4),
        lat,
        lon,
        num(it.z),
        it.autocontinue,
      ].join('\t'),
    );
  }
  return lines.join('\n') + '\n';
}
