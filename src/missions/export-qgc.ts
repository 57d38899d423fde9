/**
 * QGroundControl `.plan` files (JSON), both ways.
 *
 * Written as QGroundControl writes them (Plan File Format, docs.qgroundcontrol.com, and
 * MissionItem/SimpleMissionItem/GeoFenceController/RallyPointController in mavlink/qgroundcontrol):
 *   { fileType: "Plan", version: 1, groundStation,
 *     mission: { version: 2, firmwareType: 3 (MAV_AUTOPILOT_ARDUPILOTMEGA), vehicleType: 2 (quadrotor),
 *                cruiseSpeed, hoverSpeed (whole m/s, see qgcSpeed), plannedHomePosition: [lat, lon, altAMSL],
 *                items: [SimpleItem { autoContinue, command, doJumpId, frame,
 *                                     params: [p1, p2, p3, p4, lat, lon, alt], type: "SimpleItem",
 *                                     AMSLAltAboveTerrain: null, Altitude, AltitudeMode (position items)}] },
 *     geoFence: { version: 2, polygons: [{ inclusion, polygon: [[lat, lon]…], version: 1 }],
 *                 circles: [{ inclusion, circle: { center: [lat, lon], radius }, version: 1 }],
 *                 breachReturn?: [lat, lon, alt] },
 *     rallyPoints: { version: 2, points: [[lat, lon, alt]] },
 *     medidrop: { version: 1, droneId, home, delivery, params, summary } }
 * The mission's seq 0 (home) is not an item in a .plan: it is `plannedHomePosition`. Frames are the
 * non-INT frames QGC stores (3 relative altitude, 0 global, 10 terrain); the vehicle form uses 6, 5
 * and 11. AltitudeMode follows the frame as QGC's SimpleMissionItem maps it (MAV_FRAME_GLOBAL_TERRAIN_ALT
 * ↔ AltitudeModeTerrainFrame, GLOBAL ↔ Absolute, GLOBAL_RELATIVE_ALT ↔ Relative).
 * `medidrop` carries what QGC lacks; QGC ignores unknown top-level members, and drops them when it
 * saves the plan again (PlanMasterController::saveToJson): readPlanFile then rebuilds the parameters
 * from the items (plan-params.ts) or refuses the file.
 */
import type { DeliveryMethod } from '../domain/words.js';
import type { MissionItem, VehiclePlan } from './types.js';
import { fenceItemsFromShapes, fenceShapes } from './fence-items.js';
import { isPositionCommand } from './build.js';
import { deriveVehicleParams } from './plan-params.js';
import { common } from 'node-mavlink';

export const QGC_FIRMWARE_ARDUPILOT = 3;
/** ArduCopter storage limits (ARDUPILOT.md): mission items incl. home, fence items, rally points. */
export const ARDUCOPTER_MAX_MISSION_ITEMS = 650;
export const ARDUCOPTER_MAX_FENCE_ITEMS = 70;
export const ARDUCOPTER_MAX_RALLY_POINTS = 46;
export const QGC_VEHICLE_QUADROTOR = 2;
/**
 * QGC AltitudeMode, the enum QGroundControlQmlGlobal::AltMode (src/QmlControls/QGroundControlQmlGlobal.h):
 * 0 Mixed (plan-wide only), 1 Relative (MAV_FRAME_GLOBAL_RELATIVE_ALT), 2 Absolute (MAV_FRAME_GLOBAL),
 * 3 CalcAboveTerrain (absolute altitudes QGC computes from terrain data), 4 TerrainFrame
 * (MAV_FRAME_GLOBAL_TERRAIN_ALT), 5 None. SimpleMissionItem::load takes the item's mode from this key;
 * a terrain-frame item marked Relative is drawn and checked for terrain collision as if above home
 * (SimpleMissionItem::amslEntryAlt), and QGC rewrites its frame to 3 once the item is edited
 * (SimpleMissionItem::_altitudeModeChanged).
 */
export const QGC_ALTITUDE_MODE_RELATIVE = 1;
export const QGC_ALTITUDE_MODE_ABSOLUTE = 2;
export const QGC_ALTITUDE_MODE_TERRAIN_FRAME = 4;

/** AltitudeMode for an item's (non-INT) QGC frame. */
export function qgcAltitudeMode(qgcFrame: number): number {
  if (qgcFrame === common.MavFrame.GLOBAL) return QGC_ALTITUDE_MODE_ABSOLUTE;
  if (qgcFrame === common.MavFrame.GLOBAL_TERRAIN_ALT) return QGC_ALTITUDE_MODE_TERRAIN_FRAME;
  return QGC_ALTITUDE_MODE_RELATIVE;
}

/**
 * `mission.cruiseSpeed` / `hoverSpeed` as every ground station can read them: whole m/s, rounded down.
 * Mission Planner deserialises the .plan with Newtonsoft.Json into `int cruiseSpeed` / `int hoverSpeed`
 * (ArduPilot/MissionPlanner ExtLibs/Utilities/MissionFile.cs, class Mission), and Newtonsoft's reader
 * throws "Input string '7.5' is not a valid integer" for any number with a fraction
 * (JsonTextReader.ParseReadNumber, ReadType.ReadAsInt32), so the whole file fails to load.
 * QGroundControl reads both as doubles (MissionController::_loadJsonMissionFileV2) but only for its
 * time estimates (offlineEditingCruiseSpeed / HoverSpeed). What the vehicle flies is the mission's
 * DO_CHANGE_SPEED items, whose param2 keeps the exact speed. Rounding down keeps QGC's estimate on
 * the safe (longer) side; at least 1 m/s, as QGC divides distances by it.
 */
export function qgcSpeed(ms: number): number {
  return Math.max(1, Math.floor(ms));
}

export interface QgcSimpleItem {
  AMSLAltAboveTerrain?: null;
  Altitude?: number;
  AltitudeMode?: number;
  autoContinue: boolean;
  command: number;
  doJumpId: number;
  frame: number;
  params: (number | null)[];
  type: 'SimpleItem';
}

export interface MedidropPlanMember {
  version: 1;
  droneId: string | null;
  home: VehiclePlan['home'];
  delivery: VehiclePlan['delivery'];
  params: Record<string, number>;
  /** Planner summary (distance, time, energy, checks …) for humans and the UI; free-form. */
  summary: Record<string, unknown> | null;
}

export interface QgcPlanFile {
  fileType: 'Plan';
  geoFence: {
    circles: { circle: { center: [number, number]; radius: number }; inclusion: boolean; version: 1 }[];
    polygons: { inclusion: boolean; polygon: [number, number][]; version: 1 }[];
    breachReturn?: [number, number, number];
    version: 2;
  };
  groundStation: string;
  medidrop: MedidropPlanMember;
  mission: {
    cruiseSpeed: number;
    firmwareType: number;
    hoverSpeed: number;
    items: QgcSimpleItem[];
    plannedHomePosition: [number, number, number];
    vehicleType: number;
    version: 2;
  };
  rallyPoints: { points: [number, number, number][]; version: 2 };
  version: 1;
}

export interface PlanFileMeta {
  cruiseSpeedMs?: number;
  hoverSpeedMs?: number;
  droneId?: string | null;
  summary?: Record<string, unknown> | null;
}

const F = common.MavFrame;
/** Vehicle (INT) frame → the frame QGC stores in a .plan. */
const TO_QGC_FRAME: Record<number, number> = {
  [F.GLOBAL_INT]: F.GLOBAL,
  [F.GLOBAL_RELATIVE_ALT_INT]: F.GLOBAL_RELATIVE_ALT,
  [F.GLOBAL_TERRAIN_ALT_INT]: F.GLOBAL_TERRAIN_ALT,
};
const FROM_QGC_FRAME: Record<number, number> = {
  [F.GLOBAL]: F.GLOBAL_INT,
  [F.GLOBAL_RELATIVE_ALT]: F.GLOBAL_RELATIVE_ALT_INT,
  [F.GLOBAL_TERRAIN_ALT]: F.GLOBAL_TERRAIN_ALT_INT,
};

const deg = (e7: number) => Math.round(e7) / 1e7;

function toSimpleItem(it: MissionItem): QgcSimpleItem {
  const frame = TO_QGC_FRAME[it.frame] ?? it.frame;
  const positional = it.frame !== F.MISSION && isPositionCommand(it.command);
  const params: number[] = [it.param1, it.param2, it.param3, it.param4, positional ? deg(it.x) : it.x, positional ? deg(it.y) : it.y, it.z];
  const base = { autoContinue: it.autocontinue === 1, command: it.command, doJumpId: it.seq, frame, params, type: 'SimpleItem' as const };
  if (!positional) return base;
  return { AMSLAltAboveTerrain: null, Altitude: it.z, AltitudeMode: qgcAltitudeMode(frame), ...base };
}

/** VehiclePlan → QGC plan object. */
export function toQgcPlan(plan: VehiclePlan, meta: PlanFileMeta = {}): QgcPlanFile {
  const shapes = fenceShapes(plan.fence);
  const geoFence: QgcPlanFile['geoFence'] = {
    circles: shapes.circles.map((c) => ({ circle: { center: c.center, radius: c.radiusM }, inclusion: c.inclusion, version: 1 as const })),
    polygons: shapes.polygons.map((p) => ({ inclusion: p.inclusion, polygon: p.points, version: 1 as const })),
    version: 2,
  };
  if (shapes.returnPoint) geoFence.breachReturn = shapes.returnPoint;
  return {
    fileType: 'Plan',
    geoFence,
    groundStation: 'medidrop',
    medidrop: {
      version: 1,
      droneId: meta.droneId ?? null,
      home: plan.home,
      delivery: plan.delivery,
      params: plan.params,
      summary: meta.summary ?? null,
    },
    mission: {
      cruiseSpeed: qgcSpeed(meta.cruiseSpeedMs ?? 10),
      firmwareType: QGC_FIRMWARE_ARDUPILOT,
      hoverSpeed: qgcSpeed(meta.hoverSpeedMs ?? 5),
      items: plan.mission.filter((it) => it.seq > 0).map(toSimpleItem),
      plannedHomePosition: [plan.home.lat, plan.home.lon, plan.home.altM],
      vehicleType: QGC_VEHICLE_QUADROTOR,
      version: 2,
    },
    rallyPoints: { points: plan.rally.map((it) => [deg(it.x), deg(it.y), it.z] as [number, number, number]), version: 2 },
    version: 1,
  };
}

/** VehiclePlan → `.plan` file text (pretty JSON, trailing newline). */
export function exportQgcPlan(plan: VehiclePlan, meta: PlanFileMeta = {}): string {
  return JSON.stringify(toQgcPlan(plan, meta), null, 2) + '\n';
}

// ---------------------------------------------------------------- reading

/** A `.plan` file that cannot be used; `problems` lists each one with its JSON path. */
export class PlanFileError extends Error {
  override name = 'PlanFileError';
  constructor(readonly problems: string[]) {
    super(`invalid .plan file:\n  - ${problems.join('\n  - ')}`);
  }
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const METHODS: DeliveryMethod[] = ['payload-place', 'winch', 'land-release'];
const C = common.MavCmd;
/** Largest |altitude| a mission item may carry, m. */
const MAX_ITEM_ALT_M = 10_000;

function latLon(v: unknown, path: string, problems: string[], withAlt: boolean): [number, number, number] | null {
  const n = withAlt ? 3 : 2;
  if (!Array.isArray(v) || v.length < n || !v.slice(0, n).every(isNum)) {
    problems.push(`${path}: expected [lat, lon${withAlt ? ', alt' : ''}] numbers, got ${JSON.stringify(v)?.slice(0, 80)}`);
    return null;
  }
  const [lat, lon, alt] = v as number[];
  if (Math.abs(lat!) > 90 || Math.abs(lon!) > 180) {
    const hint = Math.abs(lat!) > 90 && Math.abs(lon!) <= 90 ? ' (looks like [lon, lat]: .plan files use [lat, lon])' : '';
    problems.push(`${path}: latitude ${lat} / longitude ${lon} out of range${hint}`);
    return null;
  }
  return [lat!, lon!, withAlt ? alt! : 0];
}

function readItem(raw: unknown, index: number, problems: string[]): MissionItem | null {
  const path = `mission.items[${index}]`;
  if (!isObj(raw)) {
    problems.push(`${path}: expected an object`);
    return null;
  }
  if (raw.type !== 'SimpleItem') {
    problems.push(
      `${path}: type ${JSON.stringify(raw.type)} is not supported (only "SimpleItem"; convert complex items such as surveys in QGroundControl first)`,
    );
    return null;
  }
  const before = problems.length;
  if (!Number.isInteger(raw.command) || (raw.command as number) < 0 || (raw.command as number) > 65535)
    problems.push(`${path}.command: expected a MAV_CMD number, got ${JSON.stringify(raw.command)}`);
  if (!Number.isInteger(raw.frame) || (raw.frame as number) < 0 || (raw.frame as number) > 255)
    problems.push(`${path}.frame: expected a MAV_FRAME number, got ${JSON.stringify(raw.frame)}`);
  if (raw.autoContinue !== undefined && typeof raw.autoContinue !== 'boolean') problems.push(`${path}.autoContinue: expected true or false`);
  if (raw.doJumpId !== undefined && !Number.isInteger(raw.doJumpId)) problems.push(`${path}.doJumpId: expected an integer`);
  const params = raw.params;
  if (!Array.isArray(params) || params.length !== 7 || !params.every((p) => p === null || isNum(p))) {
    problems.push(`${path}.params: expected 7 numbers (null allowed), got ${JSON.stringify(params)?.slice(0, 80)}`);
  }
  if (problems.length > before) return null;
  const p = (params as (number | null)[]).map((v) => (v === null ? 0 : v));
  const command = raw.command as number;
  const qgcFrame = raw.frame as number;
  const positional = qgcFrame !== F.MISSION && isPositionCommand(command);
  let x = p[4]!;
  let y = p[5]!;
  if (positional) {
    const ll = latLon([p[4], p[5]], `${path}.params[4..5]`, problems, false);
    if (!ll) return null;
    // A missing (null) altitude would become 0 m above home: a waypoint on the ground. RTL and LAND
    // ignore it. Beyond ±10 km is no altitude a copter flies (and 1e40 is Infinity as a float32).
    const alt = (params as (number | null)[])[6];
    const altIgnored = command === C.NAV_RETURN_TO_LAUNCH || command === C.NAV_LAND;
    if (alt === null && !altIgnored) {
      problems.push(`${path}.params[6]: the altitude is missing (null); a ${common.MavCmd[command] ?? command} needs one`);
      return null;
    }
    if (alt !== null && alt !== undefined && Math.abs(alt) > MAX_ITEM_ALT_M) {
      problems.push(`${path}.params[6]: altitude ${alt} m is out of range (±${MAX_ITEM_ALT_M} m)`);
      return null;
    }
    x = Math.round(ll[0] * 1e7);
    y = Math.round(ll[1] * 1e7);
  }
  return {
    seq: index + 1,
    frame: FROM_QGC_FRAME[qgcFrame] ?? qgcFrame,
    command,
    current: 0,
    autocontinue: raw.autoContinue === false ? 0 : 1,
    param1: p[0]!,
    param2: p[1]!,
    param3: p[2]!,
    param4: p[3]!,
    x,
    y,
    z: p[6]!,
    missionType: 0,
  };
}

/** The item that releases the parcel, when a file carries no medidrop.delivery. */
function findDelivery(mission: MissionItem[]): { seq: number; method: DeliveryMethod; lat: number; lon: number } | null {
  const place = mission.find((it) => it.command === C.NAV_PAYLOAD_PLACE);
  if (place) return { seq: place.seq, method: 'payload-place', lat: place.x / 1e7, lon: place.y / 1e7 };
  const grip = mission.find((it) => it.command === C.DO_GRIPPER && it.param2 === 0);
  if (grip) {
    const before = [...mission.slice(0, grip.seq)].reverse().find((it) => it.frame !== F.MISSION && isPositionCommand(it.command));
    const winch = mission.some((it) => it.command === C.DO_WINCH);
    if (before) return { seq: grip.seq, method: winch ? 'winch' : 'land-release', lat: before.x / 1e7, lon: before.y / 1e7 };
  }
  return null;
}

/** A `.plan` read for upload, and where its vehicle parameters came from. */
export interface ParsedPlanFile {
  plan: VehiclePlan;
  /**
   * 'medidrop': the file's medidrop.params. 'derived': the file has none (a plan re-saved by
   * QGroundControl, or written by another tool) and they were rebuilt from its items (plan-params.ts).
   */
  paramsFrom: 'medidrop' | 'derived';
}

/**
 * Parse and validate `.plan` text into the VehiclePlan to upload. Throws PlanFileError listing every
 * problem with its JSON path. See parsePlanFile.
 */
export function readPlanFile(text: string): VehiclePlan {
  return parsePlanFile(text).plan;
}

/**
 * Parse and validate `.plan` text. Files written by QGroundControl (without the `medidrop` member) are
 * accepted when their mission has a recognisable delivery item (NAV_PAYLOAD_PLACE or a DO_GRIPPER
 * release) and the parameters can be rebuilt from mission, fence and rally (deriveVehicleParams);
 * otherwise PlanFileError names what is missing. A plan is never returned without its parameters.
 */
export function parsePlanFile(text: string): ParsedPlanFile {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new PlanFileError([`not valid JSON: ${err instanceof Error ? err.message : String(err)}`]);
  }
  const problems: string[] = [];
  if (!isObj(doc)) throw new PlanFileError(['expected a JSON object (a QGroundControl .plan file)']);
  if (doc.fileType !== 'Plan') problems.push(`fileType: expected "Plan", got ${JSON.stringify(doc.fileType)}`);
  if (doc.version !== 1) problems.push(`version: expected 1, got ${JSON.stringify(doc.version)}`);
  const m = doc.mission;
  const mission: MissionItem[] = [];
  let home: VehiclePlan['home'] | null = null;
  if (!isObj(m)) {
    problems.push('mission: missing or not an object');
  } else {
    if (m.version !== 2) problems.push(`mission.version: expected 2, got ${JSON.stringify(m.version)}`);
    if (m.firmwareType !== undefined && m.firmwareType !== QGC_FIRMWARE_ARDUPILOT)
      problems.push(`mission.firmwareType: expected ${QGC_FIRMWARE_ARDUPILOT} (ArduPilot), got ${JSON.stringify(m.firmwareType)}`);
    const h = latLon(m.plannedHomePosition, 'mission.plannedHomePosition', problems, true);
    if (h) home = { lat: h[0], lon: h[1], altM: h[2] };
    if (!Array.isArray(m.items) || m.items.length === 0) problems.push('mission.items: expected a non-empty array of mission items');
    else {
      mission.push({
        seq: 0,
        frame: F.GLOBAL,
        command: C.NAV_WAYPOINT,
        current: 0,
        autocontinue: 1,
        param1: 0,
        param2: 0,
        param3: 0,
        param4: 0,
        x: h ? Math.round(h[0] * 1e7) : 0,
        y: h ? Math.round(h[1] * 1e7) : 0,
        z: h ? h[2] : 0,
        missionType: 0,
      });
      m.items.forEach((raw, i) => {
        const it = readItem(raw, i, problems);
        if (it) mission.push(it);
      });
    }
  }

  let fence: MissionItem[] = [];
  const gf = doc.geoFence;
  if (gf !== undefined) {
    if (!isObj(gf)) problems.push('geoFence: expected an object');
    else {
      const polygons: { inclusion: boolean; points: [number, number][] }[] = [];
      const circles: { inclusion: boolean; center: [number, number]; radiusM: number }[] = [];
      let returnPoint: [number, number, number] | null = null;
      const polys = gf.polygons ?? [];
      if (!Array.isArray(polys)) problems.push('geoFence.polygons: expected an array');
      else
        polys.forEach((poly, i) => {
          const path = `geoFence.polygons[${i}]`;
          if (!isObj(poly) || typeof poly.inclusion !== 'boolean' || !Array.isArray(poly.polygon)) {
            problems.push(`${path}: expected { inclusion: boolean, polygon: [[lat, lon]…] }`);
            return;
          }
          if (poly.polygon.length < 3) {
            problems.push(`${path}.polygon: a fence polygon needs at least 3 vertices, has ${poly.polygon.length}`);
            return;
          }
          const pts: [number, number][] = [];
          poly.polygon.forEach((v, k) => {
            const ll = latLon(v, `${path}.polygon[${k}]`, problems, false);
            if (ll) pts.push([ll[0], ll[1]]);
          });
          polygons.push({ inclusion: poly.inclusion, points: pts });
        });
      const circs = gf.circles ?? [];
      if (!Array.isArray(circs)) problems.push('geoFence.circles: expected an array');
      else
        circs.forEach((c, i) => {
          const path = `geoFence.circles[${i}]`;
          if (!isObj(c) || typeof c.inclusion !== 'boolean' || !isObj(c.circle) || !isNum(c.circle.radius) || c.circle.radius <= 0) {
            problems.push(`${path}: expected { inclusion: boolean, circle: { center: [lat, lon], radius > 0 } }`);
            return;
          }
          const ll = latLon(c.circle.center, `${path}.circle.center`, problems, false);
          if (ll) circles.push({ inclusion: c.inclusion, center: [ll[0], ll[1]], radiusM: c.circle.radius });
        });
      if (gf.breachReturn !== undefined) {
        const br = Array.isArray(gf.breachReturn) && gf.breachReturn.length === 2 ? [...gf.breachReturn, 0] : gf.breachReturn;
        returnPoint = latLon(br, 'geoFence.breachReturn', problems, true);
      }
      fence = fenceItemsFromShapes({ polygons, circles, returnPoint });
    }
  }

  const rally: MissionItem[] = [];
  const rp = doc.rallyPoints;
  if (rp !== undefined) {
    if (!isObj(rp) || !Array.isArray(rp.points)) problems.push('rallyPoints: expected { points: [[lat, lon, alt]…] }');
    else
      rp.points.forEach((p, i) => {
        const ll = latLon(p, `rallyPoints.points[${i}]`, problems, true);
        if (ll)
          rally.push({
            seq: rally.length,
            frame: F.GLOBAL_RELATIVE_ALT_INT,
            command: C.NAV_RALLY_POINT,
            current: 0,
            autocontinue: 1,
            param1: 0,
            param2: 0,
            param3: 0,
            param4: 0,
            x: Math.round(ll[0] * 1e7),
            y: Math.round(ll[1] * 1e7),
            z: ll[2],
            missionType: 2,
          });
      });
  }

  let params: Record<string, number> | null = null;
  let delivery: VehiclePlan['delivery'] | null = null;
  const md = doc.medidrop;
  if (md !== undefined) {
    if (!isObj(md)) problems.push('medidrop: expected an object');
    else {
      if (md.params !== undefined) {
        if (!isObj(md.params)) problems.push('medidrop.params: expected an object of parameter name → number');
        else {
          for (const [k, v] of Object.entries(md.params)) {
            if (!/^[A-Z0-9_]{1,16}$/.test(k)) problems.push(`medidrop.params.${k}: not an ArduPilot parameter name (A–Z, 0–9, _; at most 16 characters)`);
            else if (!isNum(v)) problems.push(`medidrop.params.${k}: expected a number, got ${JSON.stringify(v)}`);
          }
          params = md.params as Record<string, number>;
        }
      }
      if (md.home !== undefined) {
        const hh = md.home;
        if (!isObj(hh) || !isNum(hh.lat) || !isNum(hh.lon) || !isNum(hh.altM)) problems.push('medidrop.home: expected { lat, lon, altM } numbers');
        else home = { lat: hh.lat, lon: hh.lon, altM: hh.altM };
      }
      if (md.delivery !== undefined) {
        const d = md.delivery;
        if (!isObj(d) || !isNum(d.lat) || !isNum(d.lon) || !Number.isInteger(d.seq) || !METHODS.includes(d.method as DeliveryMethod)) {
          problems.push(`medidrop.delivery: expected { lat, lon, seq, method: ${METHODS.join(' | ')} }`);
        } else if ((d.seq as number) < 1 || (d.seq as number) >= mission.length) {
          problems.push(`medidrop.delivery.seq: ${d.seq} is not a mission item (1…${mission.length - 1})`);
        } else delivery = { lat: d.lat as number, lon: d.lon as number, seq: d.seq as number, method: d.method as DeliveryMethod };
      }
    }
  }
  if (!delivery && mission.length > 1 && !problems.some((p) => p.startsWith('medidrop.delivery'))) {
    const found = findDelivery(mission);
    if (found) delivery = found;
    else problems.push('no delivery: the mission has no NAV_PAYLOAD_PLACE (94) or DO_GRIPPER release (211) item and the file has no medidrop.delivery');
  }
  // ArduCopter's storage limits (ARDUPILOT.md): refuse here rather than half-way through an upload.
  if (mission.length > ARDUCOPTER_MAX_MISSION_ITEMS)
    problems.push(`mission.items: ${mission.length - 1} items (+ home) exceed ArduCopter's ${ARDUCOPTER_MAX_MISSION_ITEMS} mission items`);
  if (fence.length > ARDUCOPTER_MAX_FENCE_ITEMS) problems.push(`geoFence: ${fence.length} fence items exceed ArduCopter's ${ARDUCOPTER_MAX_FENCE_ITEMS}`);
  if (rally.length > ARDUCOPTER_MAX_RALLY_POINTS)
    problems.push(`rallyPoints.points: ${rally.length} rally points exceed ArduCopter's ${ARDUCOPTER_MAX_RALLY_POINTS}`);
  // No medidrop.params (QGC keeps only its own members when it saves a plan): rebuild them from the
  // items the file holds, or refuse. Uploading the fence without FENCE_ENABLE & co. would leave it off.
  let paramsFrom: ParsedPlanFile['paramsFrom'] = 'medidrop';
  if (params === null && problems.length === 0 && home) {
    paramsFrom = 'derived';
    const derived = deriveVehicleParams({ mission, fence, rally, home });
    if (derived.ok) params = derived.params;
    else
      problems.push(
        ...derived.missing.map(
          (m) =>
            `no medidrop.params (a plan re-saved by QGroundControl keeps only mission, geoFence and rallyPoints) and they cannot be rebuilt from the plan: ${m}`,
        ),
      );
  }
  if (problems.length > 0 || !home || !delivery || !params) throw new PlanFileError(problems.length > 0 ? problems : ['incomplete plan']);
  return { plan: { mission, fence, rally, params, home, delivery }, paramsFrom };
}
