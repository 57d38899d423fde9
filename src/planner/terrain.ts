/**
 * The plan's terrain section: the planned mission's 3-D path checked against the ground (a DEM, or
 * flat ground at the home elevation when there is none) and the map's obstacles, with
 * src/planning/clearance.ts. Information only for now: the route is planned as on flat ground; a
 * broken limit makes the plan infeasible and says which limit and where.
 *
 * The checked path:
 * - the mission's positional items (frame GLOBAL_RELATIVE_ALT: metres above home) in order, from the
 *   ground at the depot to the landing. A segment between two items at the same place (the take-off,
 *   the delivery descent and climb, the landing) goes down to the ground or the drop surface by
 *   design: it must stay above the surface (clearance ≥ 0), not 30 m above it. Every other segment
 *   keeps the full clearance.
 * - the straight failsafe returns: from every point of the horizontal legs (every `stepM`), a
 *   straight line to the nearest of home and the rally points, as ArduCopter's RTL flies it
 *   (src/missions/rally.ts), level at the altitude ModeRTL::compute_return_target gives it with the
 *   plan's RTL_ALT, rally altitudes and RTL_CONE_SLOPE (src/planning/failsafe-altitudes.ts), then
 *   down over the target (not checked: that is the landing).
 */
import type { Dem } from '../geo/dem/types.js';
import { distanceM } from '../geo/spherical.js';
import type { LonLat, NoFlyArea, ZoneMap } from '../geo/types.js';
import {
  checkClearance,
  describeViolation,
  violationParams,
  type ClearanceResult,
  type ClearanceViolation,
  type PathPart,
  type Point3,
  type PreparedObstacles,
  prepareObstacles,
} from '../planning/clearance.js';
import { nearestTarget, returnAltitudeM, returnOrigins, RTL_ALT_DEFAULT_M, RTL_CONE_SLOPE_DEFAULT } from '../planning/failsafe-altitudes.js';
import type { Reason } from '../planning/types.js';
import { routeProfile } from './terrain-profile.js';
import type { TerrainReport } from './types.js';

export { RTL_ALT_DEFAULT_M } from '../planning/failsafe-altitudes.js';

const obstacleCache = new WeakMap<ZoneMap, Map<Dem | null, Map<number, PreparedObstacles>>>();

/** The obstacle index for (map, DEM, home ground), made once. */
export function obstaclesFor(map: ZoneMap, dem: Dem | undefined, homeGroundM: number): PreparedObstacles {
  let byDem = obstacleCache.get(map);
  if (!byDem) {
    byDem = new Map();
    obstacleCache.set(map, byDem);
  }
  let byHome = byDem.get(dem ?? null);
  if (!byHome) {
    byHome = new Map();
    byDem.set(dem ?? null, byHome);
  }
  // Without a DEM the tops stand on the home ground, so they depend on it; with one they do not.
  const key = dem ? 0 : homeGroundM;
  let prepared = byHome.get(key);
  if (!prepared) {
    prepared = prepareObstacles(map.obstacles, dem, homeGroundM);
    byHome.set(key, prepared);
  }
  return prepared;
}

export interface TerrainInput {
  map: ZoneMap;
  dem?: Dem | undefined;
  /** Depot position (home) and its ground AMSL when there is no DEM. */
  home: LonLat;
  flatGroundM: number;
  /** The mission's flown positions in order: [lon, lat, metres above home]. */
  waypoints: Point3[];
  /** Rally points and their altitudes above home (one for all, or one each). */
  rallyPoints: LonLat[];
  rallyAltitudeM: number | number[];
  /** RTL_ALT above home, m (default: ArduCopter's 15 m) and RTL_CONE_SLOPE (default 3). */
  rtlAltM?: number;
  coneSlope?: number;
  minClearanceM: number;
  maxAglM: number;
  stepM?: number;
  /** For the height profile: the drop point (marked along the route) and the legal ceiling (120 m). */
  dropPoint?: LonLat | undefined;
  legalCeilingAglM?: number;
}

export interface TerrainOutcome {
  report: TerrainReport;
  reasons: Reason[];
  result: ClearanceResult | null;
}

const r1 = (n: number) => {
  const v = Math.round(n * 10) / 10;
  return Object.is(v, -0) ? 0 : v;
};
const r7 = (n: number) => Math.round(n * 1e7) / 1e7;

/** Check the mission's path and its failsafe returns; see the module comment. Pure. */
export function terrainReport(input: TerrainInput): TerrainOutcome {
  const stepM = input.stepM ?? 10;
  const base: Omit<TerrainReport, 'waypoints' | 'minClearanceM' | 'maxAglM' | 'minClearanceAt' | 'maxAglAt' | 'samples' | 'failsafeReturns' | 'violations'> = {
    dem: input.dem ? input.dem.source.description : null,
    groundModel: input.dem ? 'dem' : 'flat',
    homeGroundM: 0,
    requiredClearanceM: input.minClearanceM,
    maxAglLimitM: input.maxAglM,
  };
  let homeGroundM = input.flatGroundM;
  if (input.dem) {
    const h = input.dem.sample(input.home[0], input.home[1]);
    if (typeof h !== 'number') {
      const message = `the DEM does not give the depot's ground height: ${describeViolation({ kind: 'no-coverage', part: 'depot', segment: 0, alongM: 0, lon: h.lon, lat: h.lat, message: h.gap === 'void' ? `a void in ${h.file}` : 'outside every DEM file' })}`;
      return {
        report: {
          ...base,
          homeGroundM: Number.NaN,
          waypoints: [],
          minClearanceM: null,
          maxAglM: null,
          minClearanceAt: null,
          maxAglAt: null,
          samples: 0,
          failsafeReturns: 0,
          violations: [
            {
              code: 'dem-no-coverage',
              message,
              lat: r7(input.home[1]),
              lon: r7(input.home[0]),
              part: 'depot',
              params: { lat: h.lat.toFixed(6), lon: h.lon.toFixed(6) },
            },
          ],
        },
        reasons: [{ code: 'dem-no-coverage', message }],
        result: null,
      };
    }
    homeGroundM = h;
  }
  base.homeGroundM = r1(homeGroundM);

  // The mission path, from the ground at the depot, split into level/sloped legs and vertical segments.
  const path: Point3[] = [[input.home[0], input.home[1], 0], ...input.waypoints];
  const parts: PathPart[] = [];
  let current: Point3[] = [];
  const routeNames = ['outbound route', 'return route'];
  let routeParts = 0;
  const flush = () => {
    if (current.length > 1) parts.push({ name: routeNames[routeParts] ?? `route part ${routeParts + 1}`, points: current });
    if (current.length > 1) routeParts++;
    current = [];
  };
  for (let i = 1; i < path.length; i++) {
    const a = path[i - 1]!;
    const b = path[i]!;
    // Mission positions are rounded to 1e-7° (about 1 cm): "the same place" within half a metre.
    const vertical = distanceM([a[0], a[1]], [b[0], b[1]]) < 0.5;
    if (vertical) {
      flush();
      // Half a metre of tolerance: a landing's position is rounded to 1e-7° and the ground under it
      // is interpolated, so "on the ground" may read a few centimetres below it on a slope.
      parts.push({ name: b[2] < a[2] ? 'descent' : 'climb', points: [a, b], minClearanceM: 0, toleranceM: 0.5 });
    } else {
      if (current.length === 0) current.push(a);
      current.push(b);
    }
  }
  flush();

  // Failsafe returns from every point of the horizontal legs, at the altitude ArduCopter flies them
  // (src/planning/failsafe-altitudes.ts: level at clamp(max(rally altitude, RTL_ALT), current, cone)).
  const rtlAltM = input.rtlAltM ?? RTL_ALT_DEFAULT_M;
  const coneSlope = input.coneSlope ?? RTL_CONE_SLOPE_DEFAULT;
  const rallyAlt = (k: number) => (Array.isArray(input.rallyAltitudeM) ? input.rallyAltitudeM[k]! : input.rallyAltitudeM);
  let failsafeReturns = 0;
  const horizontal = parts.filter((p) => p.minClearanceM === undefined).map((p) => p.points);
  for (const { p: o, alongM } of returnOrigins(horizontal, stepM)) {
    const { target, distM } = nearestTarget([o[0], o[1]], input.home, input.rallyPoints);
    if (distM < 1) continue;
    const alt = returnAltitudeM(o[2], target.rally < 0 ? 0 : rallyAlt(target.rally), rtlAltM, distM, coneSlope);
    parts.push({
      name: `failsafe return to ${target.name} from ${Math.round(alongM)} m along the route`,
      points: [
        [o[0], o[1], alt],
        [target.pos[0], target.pos[1], alt],
      ],
    });
    failsafeReturns++;
  }

  const obstacles = obstaclesFor(input.map, input.dem, homeGroundM);
  const result = checkClearance({
    parts,
    altitudeReference: 'home',
    homeGroundM,
    dem: input.dem,
    obstacles,
    minClearanceM: input.minClearanceM,
    maxAglM: input.maxAglM,
    stepM,
  });

  const waypoints = input.waypoints.map(([lon, lat, alt]) => {
    const g = input.dem ? input.dem.sample(lon, lat) : homeGroundM;
    return typeof g === 'number' ? { groundM: r1(g), aglM: r1(alt + homeGroundM - g) } : { groundM: null, aglM: null };
  });
  // Written out as `code: '…'` so the catalogue test (test/e2e/i18n-strings.test.ts) finds them.
  const codeOf = (kind: ClearanceViolation['kind']) =>
    kind === 'clearance' ? { code: 'terrain-clearance' } : kind === 'agl' ? { code: 'height-above-ground' } : { code: 'dem-no-coverage' };
  const violations = result.violations.map((v) => ({
    ...codeOf(v.kind),
    message: describeViolation(v),
    params: violationParams(v),
    lat: r7(v.lat),
    lon: r7(v.lon),
    part: v.part,
  }));
  const place = (p: { lat: number; lon: number; part: string; obstacle?: string } | undefined) =>
    p ? { lat: r7(p.lat), lon: r7(p.lon), part: p.part, ...(p.obstacle !== undefined ? { obstacle: p.obstacle } : {}) } : null;
  const report: TerrainReport = {
    ...base,
    waypoints,
    minClearanceM: Number.isFinite(result.minClearanceM) ? r1(result.minClearanceM) : null,
    minClearanceAt: place(result.minClearanceAt),
    maxAglM: result.samples > 0 ? r1(result.maxAglM) : null,
    maxAglAt: place(result.maxAglAt),
    samples: result.samples,
    failsafeReturns,
    violations,
    profile: routeProfile({
      path,
      dem: input.dem,
      obstacles,
      homeGroundM,
      dropPoint: input.dropPoint,
      ceilingAglM: input.legalCeilingAglM ?? 120,
      stepM,
    }),
  };
  return { report, reasons: violations.map((v) => ({ code: v.code, message: v.message, params: v.params })), result };
}

const routingCache = new WeakMap<ZoneMap, Map<Dem | null, Map<string, ZoneMap>>>();

/**
 * The map routes are planned on when following the terrain: an obstacle that cannot be overflown
 * with the clearance under the height-above-ground ceiling (its top plus the clearance, measured
 * from its highest ground, above the ceiling over its lowest ground, with the profile's margin on
 * both sides) becomes a no-fly area, so the route goes round it (still the shortest such route) and
 * the rally points keep straight failsafe returns off it. Only for routing: the fence keeps the map's
 * own no-fly areas. Made once per (map, DEM, limits).
 */
export function routingMap(map: ZoneMap, dem: Dem | undefined, minClearanceM: number, maxAglM: number, marginM = 3): ZoneMap {
  if (map.obstacles.length === 0) return map;
  let byDem = routingCache.get(map);
  if (!byDem) {
    byDem = new Map();
    routingCache.set(map, byDem);
  }
  let byLimits = byDem.get(dem ?? null);
  if (!byLimits) {
    byLimits = new Map();
    byDem.set(dem ?? null, byLimits);
  }
  const key = `${minClearanceM}/${maxAglM}/${marginM}`;
  const cached = byLimits.get(key);
  if (cached) return cached;
  const tall: NoFlyArea[] = [];
  for (const o of map.obstacles) {
    const polys = o.geometry.type === 'Polygon' ? [o.geometry.coordinates] : o.geometry.coordinates;
    let lo = Infinity;
    let hi = -Infinity;
    for (const rings of polys)
      for (const p of rings[0]!) {
        const g = dem ? dem.sample(p[0]!, p[1]!) : 0;
        if (typeof g !== 'number') continue;
        lo = Math.min(lo, g);
        hi = Math.max(hi, g);
      }
    if (lo === Infinity) continue; // no ground known: the profile reports the missing data
    if (hi + o.heightM + minClearanceM + marginM > lo + maxAglM - marginM)
      tall.push({
        index: o.index,
        name: o.name,
        kind: 'no-fly',
        geometry: o.geometry,
        properties: o.properties,
        temporary: false,
        reason: `obstacle ${o.heightM} m tall: cannot be overflown ${minClearanceM} m above it within ${maxAglM} m of the ground`,
      });
  }
  const out = tall.length === 0 ? map : { ...map, noFly: [...map.noFly, ...tall] };
  byLimits.set(key, out);
  return out;
}
