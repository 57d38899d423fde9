/**
 * `medidrop plan`: plan a delivery on a zone map and print / export it.
 *
 *   medidrop plan --zones FILE --from DEPOT --to DROP_POINT [--drone FILE] [--payload-kg N]
 *                 [--wind SPEED_MS@FROM_DEG] [--temperature C] [--site-altitude M] [--clearance M]
 *                 [--dem PATH]… [--vertical-clearance M] [--constant-altitude]
 *                 [--out FILE.plan|FILE.waypoints|FILE.geojson] [--json]
 *
 * --from / --to take a depot / drop point name, or coordinates "lat,lon" (latitude first, decimal
 * degrees, as pilots read them; e.g. "36.6171,101.7782").
 * Exit codes: 0 feasible (and written), 1 infeasible (nothing written), 2 bad input.
 */
import { writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import { loadZoneMapFile } from '../geo/zone-map.js';
import { ZoneMapError } from '../geo/types.js';
import { toWgs84 } from '../geo/crs.js';
import { COORDINATE_SYSTEMS, type CoordinateSystem } from '../domain/words.js';
import { DEFAULT_DRONE, DroneProfileError, parseDroneProfileText } from '../planning/drone.js';
import { planDelivery, PlanRequestError } from '../planner/plan-delivery.js';
import type { DroneProfile, PlaceRef, PlanRequest, Wind } from '../planning/types.js';
import type { DeliveryPlan } from '../planner/types.js';
import { exportDeliveryPlan } from '../planner/export-plan.js';
import { exportWaypoints } from '../missions/export-waypoints.js';
import { exportGeoJson } from '../planner/export-geojson.js';
import { numberFlag, parseCommandArgs, readSmallTextFile, UsageError } from './common.js';
import { createLogger } from '../log.js';
import { loadDem } from '../geo/dem/load.js';
import { type Dem, DemError } from '../geo/dem/types.js';

const HELP = `usage: medidrop plan --zones FILE --from DEPOT --to DROP_POINT [options]

  --zones FILE          zone map (GeoJSON FeatureCollection)
  --from DEPOT          depot name, or coordinates "lat,lon" (latitude first)
  --to DROP_POINT       drop point name, or coordinates "lat,lon" (latitude first)
  --drone FILE          drone profile JSON (default: built-in light police quad, id '${DEFAULT_DRONE.id}')
  --payload-kg N        parcel mass, kg (default 0.5)
  --wind S@D            wind speed m/s blowing FROM D degrees true, e.g. 8@270 (default 0@0)
  --temperature C       air temperature, °C (default 15)
  --site-altitude M     ground altitude AMSL, m (default: the depot's, else the map's siteAltitudeM)
  --clearance M         distance kept from no-fly areas, m (default 30)
  --crs SYSTEM          coordinate system of --from/--to coordinates: wgs84 (GPS, 天地图; default),
                        gcj02 (AMap/高德, Tencent) or bd09 (Baidu); converted to WGS-84 before planning
  --dem PATH            elevation data: an SRTM .hgt tile, an EPSG:4326 GeoTIFF, or a directory of
                        them (repeatable); without it the ground is taken as flat at the home elevation
  --vertical-clearance M  height kept above terrain and obstacles, m (default 30)
  --constant-altitude   with a DEM or obstacles, keep the constant cruise above home and only check
                        it (default: altitudes change leg by leg with the ground)
  --out FILE            write FILE.plan (QGroundControl), FILE.waypoints (QGC WPL 110) or FILE.geojson
  --json                print one JSON object instead of the summary

exit: 0 feasible, 1 infeasible (nothing written), 2 bad input`;

const OPTIONS = {
  zones: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  drone: { type: 'string' },
  'payload-kg': { type: 'string' },
  wind: { type: 'string' },
  temperature: { type: 'string' },
  'site-altitude': { type: 'string' },
  clearance: { type: 'string' },
  crs: { type: 'string' },
  dem: { type: 'string', multiple: true },
  'vertical-clearance': { type: 'string' },
  'constant-altitude': { type: 'boolean' },
  out: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const COORDS = /^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$/;

/** The --crs flag: which system coordinates on the command line are in (default WGS-84). */
export function parseCrs(value: string | undefined): CoordinateSystem {
  if (value === undefined) return 'wgs84';
  const key = value.trim().toLowerCase().replace('-', '');
  if ((COORDINATE_SYSTEMS as readonly string[]).includes(key)) return key as CoordinateSystem;
  throw new UsageError(`--crs must be wgs84, gcj02 or bd09, got '${value}'`);
}

/** A place flag: "lat,lon" coordinates (in `crs`, returned as WGS-84) or a name. */
export function parsePlace(flag: string, value: string, crs: CoordinateSystem = 'wgs84'): PlaceRef {
  const m = COORDS.exec(value);
  if (!m) return { name: value };
  const lat = Number(m[1]);
  const lon = Number(m[2]);
  if (Math.abs(lat) > 90 || Math.abs(lon) > 180) {
    const hint = Math.abs(lat) > 90 && Math.abs(lon) <= 90 ? ` — it looks like "lon,lat"; write "${lon},${lat}" (latitude first)` : '';
    throw new UsageError(`--${flag} ${value}: latitude must be −90…90 and longitude −180…180${hint}`);
  }
  return { position: toWgs84([lon, lat], crs) };
}

/** "SPEED@FROM_DEG" (or just "SPEED", from north). */
export function parseWind(value: string | undefined): Wind {
  if (value === undefined) return { speedMs: 0, fromDeg: 0 };
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:@\s*(\d+(?:\.\d+)?)\s*)?$/.exec(value);
  if (!m) throw new UsageError(`--wind must be SPEED_MS@FROM_DEG, e.g. 8@270, got '${value}'`);
  const speedMs = Number(m[1]);
  const fromDeg = m[2] === undefined ? 0 : Number(m[2]);
  if (fromDeg > 360) throw new UsageError(`--wind direction must be 0–360 degrees, got ${fromDeg}`);
  return { speedMs, fromDeg: fromDeg === 360 ? 0 : fromDeg };
}

function loadDrone(path: string | undefined): DroneProfile {
  if (path === undefined) return { ...DEFAULT_DRONE };
  const text = readSmallTextFile(path, `--drone ${path}`);
  try {
    return parseDroneProfileText(text, path);
  } catch (err) {
    if (err instanceof DroneProfileError) throw new UsageError(err.message);
    throw err;
  }
}

type OutKind = 'plan' | 'waypoints' | 'geojson';
function outKind(path: string): OutKind {
  const ext = extname(path).toLowerCase();
  if (ext === '.plan') return 'plan';
  if (ext === '.waypoints' || ext === '.txt') return 'waypoints';
  if (ext === '.geojson' || ext === '.json') return 'geojson';
  throw new UsageError(`--out ${path}: unknown file type '${ext}'; use .plan, .waypoints or .geojson`);
}

const round = (n: number, d: number) => Math.round(n * 10 ** d) / 10 ** d;

/** The --json object (snake_case, stable field order). */
export function planJson(plan: DeliveryPlan, request: PlanRequest, out: string | null, crs: CoordinateSystem = 'wgs84'): Record<string, unknown> {
  return {
    feasible: plan.feasible,
    reasons: plan.reasons,
    depot: plan.depot.name,
    drop_point: plan.dropPoint.name,
    // where the parcel goes, WGS-84 [lat, lon], whatever system --crs said the input was in
    drop_point_position: [plan.dropPoint.position[1], plan.dropPoint.position[0]],
    input_crs: crs,
    drone: request.drone.id,
    delivery_method: request.drone.deliveryMethod,
    waypoints: plan.waypoints,
    cruise_altitude_m: plan.cruiseAltitudeM,
    distance_m: plan.distanceM,
    duration_s: plan.durationS,
    energy_wh: plan.energyWh,
    margin_pct: plan.marginPct,
    reserve_pct: request.drone.reservePct,
    fence: { items: plan.fence.items, vertices: plan.fence.vertices, excluded: plan.fence.excludedAreas, left_to_route: plan.fence.leftToRoute },
    rally: { count: plan.rally.points.length, points: plan.rally.points.map(([lon, lat]) => [lat, lon]), unsafe_legs: plan.rally.unsafeLegs },
    delivery_seq: plan.vehiclePlan?.delivery.seq ?? null,
    mission_items: plan.vehiclePlan?.mission.length ?? 0,
    params: plan.vehiclePlan?.params ?? {},
    checks: plan.checks,
    terrain: plan.terrain ? terrainJson(plan) : null,
    out,
  };
}

/** The terrain section in --json: per waypoint ground and height above ground, path extremes, DEM. */
function terrainJson(plan: DeliveryPlan): Record<string, unknown> {
  const t = plan.terrain!;
  const place = (p: { lat: number; lon: number; part: string; obstacle?: string } | null) =>
    p ? { lat: p.lat, lon: p.lon, part: p.part, ...(p.obstacle !== undefined ? { obstacle: p.obstacle } : {}) } : null;
  return {
    dem: t.dem ?? 'flat ground assumed (no DEM given)',
    ground_model: t.groundModel,
    home_ground_m: t.homeGroundM,
    required_clearance_m: t.requiredClearanceM,
    max_agl_limit_m: t.maxAglLimitM,
    min_clearance_m: t.minClearanceM,
    min_clearance_at: place(t.minClearanceAt),
    max_agl_m: t.maxAglM,
    max_agl_at: place(t.maxAglAt),
    samples: t.samples,
    failsafe_returns: t.failsafeReturns,
    waypoints: plan.waypoints.map(([lat, lon, alt], i) => ({
      lat,
      lon,
      alt_m: alt,
      ground_m: t.waypoints[i]?.groundM ?? null,
      agl_m: t.waypoints[i]?.aglM ?? null,
    })),
    violations: t.violations,
  };
}

const CRS_LABEL: Record<CoordinateSystem, string> = { wgs84: 'WGS-84', gcj02: 'GCJ-02 (AMap/高德)', bd09: 'BD-09 (Baidu)' };

function summaryText(plan: DeliveryPlan, request: PlanRequest, out: string | null, crs: CoordinateSystem): string {
  const lines: string[] = [];
  lines.push(`${plan.feasible ? 'FEASIBLE' : 'NOT FEASIBLE'}: ${plan.depot.name} → ${plan.dropPoint.name} with ${request.drone.name} (${request.drone.id})`);
  if (crs !== 'wgs84') {
    const [lon, lat] = plan.dropPoint.position;
    lines.push(`  input      coordinates given in ${CRS_LABEL[crs]}; drop point in WGS-84: ${lat.toFixed(7)}, ${lon.toFixed(7)}`);
  }
  for (const r of plan.reasons) lines.push(`  ✗ ${r.code}: ${r.message}`);
  if (plan.vehiclePlan) {
    lines.push(
      `  route      ${(plan.distanceM / 1000).toFixed(2)} km round trip, ${plan.outbound.length - 2} turn point(s) each way, cruise ${plan.cruiseAltitudeM} m`,
    );
    lines.push(
      `  flight     ${Math.floor(plan.durationS / 60)} min ${Math.round(plan.durationS % 60)} s, ${plan.energyWh.toFixed(1)} Wh, ${plan.marginPct.toFixed(1)} % left (reserve ${request.drone.reservePct} %)`,
    );
    lines.push(`  delivery   ${plan.vehiclePlan.delivery.method} at item ${plan.vehiclePlan.delivery.seq} of ${plan.vehiclePlan.mission.length - 1}`);
    lines.push(`  fence      ${plan.fence.items} items / ${plan.fence.vertices} vertices; excluded: ${plan.fence.excludedAreas.join(', ') || 'none'}`);
    if (plan.fence.leftToRoute.length > 0) lines.push(`             left to the route alone: ${plan.fence.leftToRoute.join(', ')}`);
    lines.push(
      `  rally      ${plan.rally.points.length} point(s)${plan.rally.unsafeLegs.length > 0 ? `; unsafe failsafe legs: ${plan.rally.unsafeLegs.map((l) => l.legIndex + 1).join(', ')}` : ''}`,
    );
    const t = plan.terrain;
    if (t)
      lines.push(
        `  terrain    ${t.dem ? `DEM ${t.dem}` : 'flat ground assumed (no DEM)'}; home ground ${t.homeGroundM} m; min clearance ${t.minClearanceM ?? '–'} m (need ${t.requiredClearanceM}), max ${t.maxAglM ?? '–'} m above ground (limit ${t.maxAglLimitM})`,
      );
    lines.push('  waypoints  lat, lon, alt (m above home), ground (m AMSL), above ground (m)');
    plan.waypoints.forEach(([lat, lon, alt], i) => {
      const g = t?.waypoints[i];
      lines.push(`             ${lat.toFixed(7)}, ${lon.toFixed(7)}, ${round(alt, 1)}, ${g?.groundM ?? '–'}, ${g?.aglM ?? '–'}`);
    });
  }
  for (const c of plan.checks) if (!c.ok) lines.push(`  ! ${c.id}: ${c.message}`);
  if (out) lines.push(`  written    ${out}`);
  return lines.join('\n') + '\n';
}

/**
 * util.parseArgs refuses `--temperature -20` (a value that starts with a dash looks like an option).
 * Karamay at −20 °C and southern coordinates are ordinary input: join a string option with a
 * following negative number into `--name=-20`.
 */
export function joinNegativeValues(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const next = args[i + 1];
    const name = a.startsWith('--') ? a.slice(2) : '';
    const opt = (OPTIONS as Record<string, { type: string }>)[name];
    if (opt?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

export async function run(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(joinNegativeValues(args), OPTIONS);
  if (values.help) {
    process.stdout.write(HELP + '\n');
    return 0;
  }
  for (const f of ['zones', 'from', 'to'] as const) if (!values[f]) throw new UsageError(`plan: --${f} is required\n\n${HELP}`);
  const out = values.out ?? null;
  const kind = out ? outKind(out) : null;
  const drone = loadDrone(values.drone);
  const payloadKg = numberFlag('payload-kg', values['payload-kg'], 0.5)!;
  if (payloadKg < 0) throw new UsageError(`--payload-kg must be ≥ 0, got ${payloadKg}`);
  const temperatureC = numberFlag('temperature', values.temperature, 15)!;
  const siteAltitudeM = numberFlag('site-altitude', values['site-altitude']);
  const clearanceM = numberFlag('clearance', values.clearance, 30)!;
  if (clearanceM < 0) throw new UsageError(`--clearance must be ≥ 0 m, got ${clearanceM}`);
  const wind = parseWind(values.wind);
  const crs = parseCrs(values.crs);
  const verticalClearanceM = numberFlag('vertical-clearance', values['vertical-clearance'], 30)!;
  if (verticalClearanceM < 0) throw new UsageError(`--vertical-clearance must be ≥ 0 m, got ${verticalClearanceM}`);
  let dem: Dem | undefined;
  if (values.dem && values.dem.length > 0) {
    try {
      dem = await loadDem(values.dem);
    } catch (err) {
      if (err instanceof DemError) throw new UsageError(`--dem: ${err.message}`);
      throw err;
    }
  }

  let map: ReturnType<typeof loadZoneMapFile>;
  try {
    map = loadZoneMapFile(values.zones!);
  } catch (err) {
    if (err instanceof ZoneMapError)
      throw new UsageError(`--zones ${values.zones}: ${err.issues.length} problem(s):\n  ${err.issues.map((i) => i.message).join('\n  ')}`);
    throw err;
  }
  const request: PlanRequest = {
    from: parsePlace('from', values.from!, crs),
    to: parsePlace('to', values.to!, crs),
    drone,
    conditions: { payloadKg, wind, temperatureC, ...(siteAltitudeM !== undefined ? { siteAltitudeM } : {}) },
    options: { clearanceM, verticalClearanceM, ...(values['constant-altitude'] ? { followTerrain: false } : {}) },
  };
  const log = createLogger('plan');
  log.debug({ zones: values.zones, noFly: map.noFly.length, drone: drone.id }, 'zone map loaded');
  let plan: DeliveryPlan;
  const started = process.hrtime.bigint();
  try {
    plan = planDelivery(map, request, { dem });
  } catch (err) {
    if (err instanceof PlanRequestError) throw new UsageError(err.message);
    // A directory tile that became unreadable after start-up (read on first use).
    if (err instanceof DemError) throw new UsageError(`--dem: ${err.message}`);
    throw err;
  }

  log.debug({ ms: Number(process.hrtime.bigint() - started) / 1e6, feasible: plan.feasible, reasons: plan.reasons.map((r) => r.code) }, 'planned');
  let written: string | null = null;
  if (out && kind && plan.feasible && plan.vehiclePlan) {
    const text = kind === 'plan' ? exportDeliveryPlan(plan, request) : kind === 'waypoints' ? exportWaypoints(plan.vehiclePlan) : exportGeoJson(plan);
    try {
      writeFileSync(out, text);
    } catch (err) {
      throw new UsageError(`--out ${out}: cannot write (${(err as Error).message})`);
    }
    written = out;
  }
  if (values.json) process.stdout.write(JSON.stringify(planJson(plan, request, written, crs)) + '\n');
  else process.stdout.write(summaryText(plan, request, written, crs));
  if (!plan.feasible) {
    process.stderr.write(
      `medidrop: plan not feasible: ${plan.reasons.map((r) => `${r.code}: ${r.message}`).join('; ')}${out ? ` (${out} not written)` : ''}\n`,
    );
    return 1;
  }
  return 0;
}
