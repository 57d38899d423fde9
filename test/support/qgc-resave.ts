/**
 * What QGroundControl writes when a pilot opens a `.plan` and saves it again, rebuilt from QGC's
 * loaders and writers (mavlink/qgroundcontrol, src/MissionManager/):
 * - PlanMasterController::saveToJson: a new object with the header JsonHelper::saveQGCJsonFileHeader
 *   writes (fileType, groundStation "QGroundControl", version) and only mission, geoFence and
 *   rallyPoints. Unknown members such as `medidrop` are not kept.
 * - MissionController::save: version 2, plannedHomePosition (the planned home's altitude may have
 *   been replaced by terrain data: MissionSettingsItem::_setHomeAltFromTerrain), firmwareType,
 *   vehicleType, cruiseSpeed, hoverSpeed (read as doubles in _loadJsonMissionFileV2, written back),
 *   globalPlanAltitudeMode (AltitudeModeMixed = 0 after a file load).
 * - MissionItem::save: type "SimpleItem", frame, command, autoContinue, doJumpId = the item's sequence
 *   number, params (a NaN is written as null). SimpleMissionItem::save adds AltitudeMode, Altitude and
 *   AMSLAltAboveTerrain for items that carry an altitude; SimpleMissionItem::load fills
 *   AMSLAltAboveTerrain from the file's Altitude, so that is what comes back.
 *   A DO_CHANGE_SPEED right after a waypoint becomes the waypoint's SpeedSection and is written
 *   again as (1 ground speed, speed, -1, 0, 0, 0, 0) in frame 2 (SpeedSection::scanForSection /
 *   appendSectionItems): medidrop writes exactly that item, so it comes back unchanged.
 * - GeoFenceController::save: version 2, polygons {version 1, inclusion, polygon [[lat, lon]…]}
 *   (QGCFencePolygon::saveToJson), circles {inclusion, circle {center [lat, lon], radius}}
 *   (QGCFenceCircle / QGCMapCircle::saveToJson, no version), breachReturn when set.
 * - RallyPointController::save: version 2, points [[lat, lon, alt]…].
 * Keys come out sorted, as QJsonObject keeps them. Test support only: QGC itself is not run here.
 */

type Json = Record<string, unknown>;

export interface QgcResaveOptions {
  /** Planned home altitude QGC took from its terrain data (default: keep the file's). */
  terrainHomeAltM?: number;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function sortedKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortedKeys);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortedKeys((v as Json)[k])]),
    );
  return v;
}

function item(raw: Json, seq: number): Json {
  const params = (raw.params as unknown[]).map(num);
  const out: Json = { autoContinue: raw.autoContinue !== false, command: raw.command, doJumpId: seq, frame: raw.frame, params, type: 'SimpleItem' };
  if ('AltitudeMode' in raw || 'Altitude' in raw) {
    const alt = num(raw.Altitude) ?? params[6];
    out.AltitudeMode = raw.AltitudeMode;
    out.Altitude = alt;
    out.AMSLAltAboveTerrain = alt;
  }
  return out;
}

/** The `.plan` text QGroundControl would write after loading `text`. */
export function qgcResave(text: string, opts: QgcResaveOptions = {}): string {
  const doc = JSON.parse(text) as Json;
  const m = doc.mission as Json;
  const home = [...(m.plannedHomePosition as number[])];
  if (opts.terrainHomeAltM !== undefined) home[2] = opts.terrainHomeAltM;
  const gf = (doc.geoFence ?? {}) as Json;
  const fence: Json = {
    circles: ((gf.circles ?? []) as Json[]).map((c) => ({
      circle: { center: (c.circle as Json).center, radius: (c.circle as Json).radius },
      inclusion: c.inclusion,
    })),
    polygons: ((gf.polygons ?? []) as Json[]).map((p) => ({ inclusion: p.inclusion, polygon: p.polygon, version: 1 })),
    version: 2,
  };
  if (gf.breachReturn) fence.breachReturn = gf.breachReturn;
  const rp = (doc.rallyPoints ?? {}) as Json;
  const out = {
    fileType: 'Plan',
    geoFence: fence,
    groundStation: 'QGroundControl',
    mission: {
      cruiseSpeed: m.cruiseSpeed,
      firmwareType: m.firmwareType,
      globalPlanAltitudeMode: 0,
      hoverSpeed: m.hoverSpeed,
      items: (m.items as Json[]).map((it, i) => item(it, i + 1)),
      plannedHomePosition: home,
      vehicleType: m.vehicleType,
      version: 2,
    },
    rallyPoints: { points: rp.points ?? [], version: 2 },
    version: 1,
  };
  // QJsonDocument::toJson(Indented) uses 4 spaces.
  return JSON.stringify(sortedKeys(out), null, 4) + '\n';
}
