/**
 * The vehicle parameters a plan needs, rebuilt from its mission, fence and rally items alone.
 *
 * For a `.plan` that lost its `medidrop` member: QGroundControl writes a plan back with only its own
 * members (PlanMasterController::saveToJson writes mission, geoFence and rallyPoints and nothing
 * else; mavlink/qgroundcontrol src/MissionManager/PlanMasterController.cc), so a delivery planned by
 * medidrop and re-saved in QGC arrives without the parameters that switch its fence on. Uploading it
 * as it is would put a fence on the vehicle that is never enforced.
 *
 * The parameters come from the planner's own pure functions, fed with what the file holds:
 * - fence (fenceParams, FENCE_MARGIN_M): FENCE_ENABLE, FENCE_TYPE, FENCE_ACTION, FENCE_MARGIN, and
 *   FENCE_ALT_MAX = the highest altitude above home (mission and rally points) plus half the default
 *   height margin, as the planner sets it (every front end plans with the default options; only
 *   the clearance can be chosen);
 * - rally (RALLY_PARAMS): RALLY_INCL_HOME, RALLY_LIMIT_KM, as chooseRally always sets them;
 * - mission (missionParams): MIS_OPTIONS when a NAV_LAND is followed by a take-off (land-release).
 * The hardware the delivery items need (a gripper for NAV_PAYLOAD_PLACE / DO_GRIPPER, a winch for
 * DO_WINCH) is not set but checked before a flight, from the same items (src/fleet/vehicle-config.ts).
 *
 * What cannot be derived is refused, each reason naming what is missing: no inclusion fence, a
 * mission altitude that is not above home (terrain frame), or a mission that flies at or above the
 * ceiling the fence would enforce.
 */
import { common } from 'node-mavlink';
import { DEFAULT_PLAN_OPTIONS, FENCE_MARGIN_M, fenceCeilingM } from '../planning/limits.js';
import { isPositionCommand, missionParams } from './build.js';
import { fenceParams } from './fence.js';
import { RALLY_PARAMS } from './rally.js';
import type { MissionItem, VehiclePlan } from './types.js';

const CMD = common.MavCmd;
const FRAME = common.MavFrame;

export type DerivedParams = { ok: true; params: Record<string, number> } | { ok: false; missing: string[] };

const cmdName = (command: number) => common.MavCmd[command] ?? String(command);

/** Height above home of a mission item, or why it is not known. */
function heightAboveHome(it: MissionItem, homeAltM: number): number | string {
  switch (it.frame) {
    case FRAME.GLOBAL_RELATIVE_ALT:
    case FRAME.GLOBAL_RELATIVE_ALT_INT:
      return it.z;
    case FRAME.GLOBAL:
    case FRAME.GLOBAL_INT:
      // Above mean sea level: the plan's home altitude is the best estimate of the launch altitude.
      return it.z - homeAltM;
    case FRAME.GLOBAL_TERRAIN_ALT:
    case FRAME.GLOBAL_TERRAIN_ALT_INT:
      return `mission item ${it.seq} (${cmdName(it.command)}) flies ${it.z} m above the terrain (frame ${it.frame}), so its height above home, which FENCE_ALT_MAX limits, is not known without terrain data`;
    default:
      return `mission item ${it.seq} (${cmdName(it.command)}) uses frame ${it.frame}, not an altitude above home or sea level`;
  }
}

/** Parameters for a plan's items (see the header), or the reasons they cannot be derived. Pure. */
export function deriveVehicleParams(plan: Pick<VehiclePlan, 'mission' | 'fence' | 'rally' | 'home'>): DerivedParams {
  const missing: string[] = [];

  const inclusion = plan.fence.some((it) => it.command === CMD.NAV_FENCE_POLYGON_VERTEX_INCLUSION || it.command === CMD.NAV_FENCE_CIRCLE_INCLUSION);
  if (plan.fence.length === 0)
    missing.push('the file has no geofence (geoFence.polygons and geoFence.circles are empty): a medidrop delivery flies inside an inclusion fence');
  else if (!inclusion)
    missing.push('the geofence has only exclusion zones: a medidrop delivery flies inside an inclusion fence (a polygon or circle with "inclusion": true)');

  // ArduCopter ignores the altitude of LAND and RTL (they descend to the ground / climb to RTL_ALT).
  let highest: { m: number; seq: number } | null = null;
  for (const it of plan.mission) {
    if (it.seq === 0 || it.frame === FRAME.MISSION || !isPositionCommand(it.command)) continue;
    if (it.command === CMD.NAV_LAND || it.command === CMD.NAV_RETURN_TO_LAUNCH) continue;
    const h = heightAboveHome(it, plan.home.altM);
    if (typeof h === 'string') missing.push(h);
    else if (!highest || h > highest.m) highest = { m: h, seq: it.seq };
  }
  // A failsafe return to a rally point flies at least at its altitude (ModeRTL::compute_return_target):
  // the fence must allow that too, or ArduCopter caps the return at FENCE_ALT_MAX − FENCE_MARGIN.
  const highestRally = plan.rally.reduce((m, it) => Math.max(m, it.z), -Infinity);
  let altMaxM = 0;
  if (!highest) {
    if (!missing.some((m) => m.startsWith('mission item'))) missing.push('the mission has no waypoint with an altitude, so FENCE_ALT_MAX cannot be set');
  } else {
    // As the planner sets it (plan-delivery.ts): half the height margin above the highest planned
    // altitude above home. Not capped at the 120 m limit: FENCE_ALT_MAX is measured from home, and a
    // terrain-following plan (relative altitudes leg by leg) flies higher above home over rising
    // ground; the height above the ground is kept by the altitudes themselves.
    const top = Math.max(highest.m, highestRally);
    altMaxM = Math.round((top + DEFAULT_PLAN_OPTIONS.heightMarginM / 2) * 100) / 100;
    // Without the medidrop member the ground under the mission is unknown: a mission above the limit
    // over flat ground is refused (a terrain plan keeps its parameters in the medidrop member).
    if (fenceCeilingM(highest.m) <= highest.m) {
      missing.push(
        `mission item ${highest.seq} flies ${highest.m} m above home, at or above the ${DEFAULT_PLAN_OPTIONS.maxHeightM} m ceiling medidrop plans under: the altitude fence would be breached in flight`,
      );
    }
  }
  if (missing.length > 0) return { ok: false, missing };

  const all = { ...fenceParams({ altMaxM, marginM: FENCE_MARGIN_M }), ...RALLY_PARAMS, ...missionParams(plan.mission) };
  return {
    ok: true,
    params: Object.fromEntries(
      Object.keys(all)
        .sort()
        .map((k) => [k, all[k]!]),
    ),
  };
}
