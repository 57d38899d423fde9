/**
 * planDelivery: zone map + drop request → DeliveryPlan (route, energy, altitude, mission, fence,
 * rally, checks). Pure and deterministic: the same inputs give the same plan byte for byte once
 * serialised (no clocks, no randomness, numbers rounded at the output).
 *
 * Infeasible plans (too heavy, wind, battery, reserve, drop point in a no-fly area, unreachable…)
 * are returned with `feasible: false` and Reason codes; requests that do not make sense (an unknown
 * depot name, a negative payload) throw PlanRequestError.
 */
import type { Depot, DropPoint, LonLat, ZoneMap } from '../geo/types.js';
import { buildMission } from '../missions/build.js';
import { buildFence } from '../missions/fence.js';
import { chooseRally, rallyItems } from '../missions/rally.js';
import type { VehiclePlan } from '../missions/types.js';
import { APPROACH_HEIGHT_M, estimateEnergy, type EnergyEstimate } from '../planning/energy.js';
import { distanceM, pathLengthM, samplePath } from '../geo/spherical.js';

/** A drop point closer than this to the depot is no delivery, m. */
const MIN_DEPOT_DROP_DISTANCE_M = 10;
import { mergeCornerRuns } from '../planning/waypoints.js';
import { areaContaining, isSegmentClear, planRoute, prepareMap, type PreparedMap } from '../planning/route.js';
import type { Check, PlaceRef, PlanOptions, PlanRequest, Reason } from '../planning/types.js';
import type { DeliveryPlan, PlanContext } from './types.js';
import { obstaclesFor, routingMap, terrainReport } from './terrain.js';
import { chooseFailsafeAltitudes, RTL_ALT_DEFAULT_M, RTL_CONE_SLOPE_DEFAULT, type FailsafeAltitudes } from '../planning/failsafe-altitudes.js';
import { altitudeProfile } from '../planning/altitude-profile.js';
import { describeGap, isDemGap } from '../geo/dem/types.js';
import {
  CLEARANCE_TOLERANCE,
  DEFAULT_PLAN_OPTIONS,
  FENCE_MARGIN_M,
  INCLUSION_MARGIN_M,
  INCLUSION_MAX_VERTICES,
  MIN_CRUISE_ALTITUDE_M,
  fenceCeilingM,
} from '../planning/limits.js';

/** A request that cannot be planned at all (unknown place, nonsensical number). */
export class PlanRequestError extends Error {
  override name = 'PlanRequestError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const preparedCache = new WeakMap<ZoneMap, Map<number, PreparedMap>>();

/** prepareMap once per (map, clearance); planning many requests on one map reuses it. */
export function preparedFor(map: ZoneMap, clearanceM: number): PreparedMap {
  let byClearance = preparedCache.get(map);
  if (!byClearance) {
    byClearance = new Map();
    preparedCache.set(map, byClearance);
  }
  let prepared = byClearance.get(clearanceM);
  if (!prepared) {
    prepared = prepareMap(map, { clearanceM });
    byClearance.set(clearanceM, prepared);
  }
  return prepared;
}

const r = (n: number, digits: number) => {
  const f = 10 ** digits;
  const v = Math.round(n * f) / f;
  return Object.is(v, -0) ? 0 : v;
};
const r7 = (p: LonLat): LonLat => [r(p[0], 7), r(p[1], 7)];

function placeLabel(p: LonLat): string {
  return `${p[1].toFixed(6)},${p[0].toFixed(6)}`;
}

function checkPosition(p: LonLat, what: string): void {
  if (!Number.isFinite(p[0]) || !Number.isFinite(p[1]) || Math.abs(p[1]) > 90 || Math.abs(p[0]) > 180) {
    throw new PlanRequestError('bad-position', `${what} position [${p[0]}, ${p[1]}] is not a valid [lon, lat]`);
  }
}

function resolveDepot(map: ZoneMap, ref: PlaceRef): Depot {
  if ('name' in ref) {
    const depot = map.depots.find((d) => d.name === ref.name);
    if (!depot) {
      const dp = map.dropPoints.some((d) => d.name === ref.name);
      throw new PlanRequestError(
        'unknown-depot',
        `no depot named '${ref.name}' in map '${map.name}'${dp ? ' (that is a drop point)' : ''}; depots: ${map.depots.map((d) => d.name).join(', ') || 'none'}`,
      );
    }
    return depot;
  }
  checkPosition(ref.position, 'start');
  return { kind: 'depot', index: -1, name: placeLabel(ref.position), properties: {}, position: ref.position, drones: [] };
}

function resolveDropPoint(map: ZoneMap, ref: PlaceRef): DropPoint {
  if ('name' in ref) {
    const dp = map.dropPoints.find((d) => d.name === ref.name);
    if (!dp) {
      const depot = map.depots.some((d) => d.name === ref.name);
      throw new PlanRequestError(
        'unknown-drop-point',
        `no drop point named '${ref.name}' in map '${map.name}'${depot ? ' (that is a depot)' : ''}; drop points: ${map.dropPoints.map((d) => d.name).join(', ') || 'none'}`,
      );
    }
    return dp;
  }
  checkPosition(ref.position, 'drop point');
  return { kind: 'drop-point', index: -1, name: placeLabel(ref.position), properties: {}, position: ref.position, heightM: 0 };
}

function validateRequest(req: PlanRequest, opts: PlanOptions): void {
  const c = req.conditions;
  const bad = (code: string, msg: string) => {
    throw new PlanRequestError(code, msg);
  };
  if (!Number.isFinite(c.payloadKg) || c.payloadKg < 0) bad('bad-payload', `payload must be a number ≥ 0 kg, got ${c.payloadKg}`);
  if (!Number.isFinite(c.wind.speedMs) || c.wind.speedMs < 0) bad('bad-wind', `wind speed must be a number ≥ 0 m/s, got ${c.wind.speedMs}`);
  if (!Number.isFinite(c.wind.fromDeg) || c.wind.fromDeg < 0 || c.wind.fromDeg > 360) bad('bad-wind', `wind direction must be 0–360°, got ${c.wind.fromDeg}`);
  if (!Number.isFinite(c.temperatureC) || c.temperatureC < -60 || c.temperatureC > 60)
    bad('bad-temperature', `temperature must be −60…60 °C, got ${c.temperatureC}`);
  if (c.siteAltitudeM !== undefined && (!Number.isFinite(c.siteAltitudeM) || c.siteAltitudeM < -500 || c.siteAltitudeM > 8000))
    bad('bad-altitude', `site altitude must be −500…8000 m, got ${c.siteAltitudeM}`);
  if (c.batteryRemainingPct !== undefined && (!Number.isFinite(c.batteryRemainingPct) || c.batteryRemainingPct < 0 || c.batteryRemainingPct > 100))
    bad('bad-battery', `battery remaining must be 0…100 %, got ${c.batteryRemainingPct}`);
  if (!Number.isFinite(opts.clearanceM) || opts.clearanceM < 0 || opts.clearanceM > 1000)
    bad('bad-clearance', `clearance must be 0…1000 m, got ${opts.clearanceM}`);
  if (!Number.isFinite(opts.verticalClearanceM) || opts.verticalClearanceM < 0 || opts.verticalClearanceM > 1000)
    bad('bad-clearance', `vertical clearance must be 0…1000 m, got ${opts.verticalClearanceM}`);
  if (!Number.isFinite(opts.maxHeightM) || opts.maxHeightM <= 0) bad('bad-height', `maximum height must be > 0 m, got ${opts.maxHeightM}`);
  if (!Number.isFinite(opts.heightMarginM) || opts.heightMarginM < 0 || opts.heightMarginM >= opts.maxHeightM)
    bad('bad-height', `height margin must be ≥ 0 and below the maximum height, got ${opts.heightMarginM}`);
}

/**
 * Plan one delivery. See the module comment. `context.dem` gives the ground heights the terrain
 * section checks the path against; without it the ground is taken as flat at the home elevation.
 */
export function planDelivery(map: ZoneMap, request: PlanRequest, context: PlanContext = {}): DeliveryPlan {
  const opts: PlanOptions = { ...DEFAULT_PLAN_OPTIONS, ...request.options };
  validateRequest(request, opts);
  const { drone, conditions } = request;
  const depot = resolveDepot(map, request.from);
  const drop = resolveDropPoint(map, request.to);
  const reasons: Reason[] = [];
  const checks: Check[] = [];
  const siteAltitudeM = conditions.siteAltitudeM ?? depot.groundAltitudeM ?? map.siteAltitudeM;

  const infeasible = (extra: Partial<DeliveryPlan> = {}): DeliveryPlan => ({
    feasible: false,
    reasons,
    checks,
    depot: { name: depot.name, position: r7(depot.position) },
    dropPoint: { name: drop.name, position: r7(drop.position) },
    outbound: [],
    inbound: [],
    waypoints: [],
    cruiseAltitudeM: 0,
    distanceM: 0,
    durationS: 0,
    energyWh: 0,
    marginPct: 0,
    legs: [],
    fence: { items: 0, vertices: 0, excludedAreas: [], leftToRoute: [] },
    rally: { points: [], unsafeLegs: [] },
    vehiclePlan: null,
    terrain: null,
    ...extra,
  });

  // Following the terrain, obstacles too tall to overfly under the ceiling are no-fly for routing.
  const followTerrain = opts.followTerrain && (context.dem !== undefined || map.obstacles.length > 0);
  const routeMap = followTerrain ? routingMap(map, context.dem, opts.verticalClearanceM, opts.maxHeightM - opts.heightMarginM) : map;
  const prepared = preparedFor(routeMap, opts.clearanceM);

  // Places inside no-fly areas are refused naming both.
  const depotArea = areaContaining(prepared, depot.position);
  if (depotArea)
    reasons.push({
      code: 'depot-in-no-fly',
      message: `depot '${depot.name}' lies inside no-fly area '${depotArea.name}'${depotArea.reason ? ` (${depotArea.reason})` : ''}`,
      params: { depot: depot.name, area: depotArea.name },
    });
  const dropArea = areaContaining(prepared, drop.position);
  if (dropArea) {
    reasons.push({
      code: 'drop-point-in-no-fly',
      message: `drop point '${drop.name}' lies inside ${dropArea.temporary ? 'temporary ' : ''}no-fly area '${dropArea.name}'${dropArea.reason ? ` (${dropArea.reason})` : ''}`,
      params: { dropPoint: drop.name, area: dropArea.name },
    });
  }
  checks.push({
    id: 'places-outside-no-fly',
    ok: !depotArea && !dropArea,
    message: !depotArea && !dropArea ? 'depot and drop point lie outside every no-fly area' : reasons.map((x) => x.message).join('; '),
    detail: !depotArea && !dropArea ? 'places-outside-no-fly.ok' : 'places-outside-no-fly.inside',
    params: !depotArea && !dropArea ? {} : { areas: [...new Set([depotArea?.name, dropArea?.name].filter((n) => n !== undefined))].join(', ') },
  });
  if (depotArea || dropArea) return infeasible();

  // A drop point on the depot: the parcel would be released onto the launch pad (hand it over).
  const depotGapM = distanceM(depot.position, drop.position);
  if (depotGapM < MIN_DEPOT_DROP_DISTANCE_M) {
    reasons.push({
      code: 'drop-point-at-depot',
      message: `drop point '${drop.name}' is ${r(depotGapM, 1)} m from depot '${depot.name}'; a delivery needs at least ${MIN_DEPOT_DROP_DISTANCE_M} m (hand the parcel over instead)`,
      params: { dropPoint: drop.name, depot: depot.name, distanceM: r(depotGapM, 1), minDistanceM: MIN_DEPOT_DROP_DISTANCE_M },
    });
    return infeasible();
  }

  // Ground. With a DEM, heights "above home" are above the depot's ground and the drop surface lies
  // at the drop point's ground (plus its heightM); without one the ground is flat (as before).
  let homeGroundM = siteAltitudeM;
  let dropGroundM = siteAltitudeM;
  if (context.dem) {
    const hg = context.dem.sample(depot.position[0], depot.position[1]);
    const dg = context.dem.sample(drop.position[0], drop.position[1]);
    const at = (p: LonLat) => ({ lat: p[1].toFixed(6), lon: p[0].toFixed(6) });
    if (isDemGap(hg))
      reasons.push({
        code: 'dem-no-coverage',
        message: `the DEM gives no ground height for depot '${depot.name}': ${describeGap(hg)}`,
        params: at(depot.position),
      });
    if (isDemGap(dg))
      reasons.push({
        code: 'dem-no-coverage',
        message: `the DEM gives no ground height for drop point '${drop.name}': ${describeGap(dg)}`,
        params: at(drop.position),
      });
    if (isDemGap(hg) || isDemGap(dg)) return infeasible();
    homeGroundM = hg;
    dropGroundM = dg;
  }

  // Altitudes.
  const ceilingM = opts.maxHeightM - opts.heightMarginM;
  const cruiseAltitudeM = Math.min(drone.cruiseAltitudeM, ceilingM);
  checks.push({
    id: 'cruise-altitude',
    ok: cruiseAltitudeM >= MIN_CRUISE_ALTITUDE_M,
    message:
      cruiseAltitudeM < drone.cruiseAltitudeM
        ? `cruise at ${cruiseAltitudeM} m (the drone's ${drone.cruiseAltitudeM} m lowered to stay ${opts.heightMarginM} m under the ${opts.maxHeightM} m limit)`
        : `cruise at ${cruiseAltitudeM} m, ${r(opts.maxHeightM - cruiseAltitudeM, 2)} m under the ${opts.maxHeightM} m limit`,
    detail: cruiseAltitudeM < drone.cruiseAltitudeM ? 'cruise-altitude.lowered' : 'cruise-altitude.ok',
    params:
      cruiseAltitudeM < drone.cruiseAltitudeM
        ? { cruiseAltitudeM, droneCruiseM: drone.cruiseAltitudeM, marginM: opts.heightMarginM, maxHeightM: opts.maxHeightM }
        : { cruiseAltitudeM, underM: r(opts.maxHeightM - cruiseAltitudeM, 2), maxHeightM: opts.maxHeightM },
  });
  if (cruiseAltitudeM < MIN_CRUISE_ALTITUDE_M)
    reasons.push({
      code: 'altitude-too-low',
      message: `cruise altitude ${cruiseAltitudeM} m is below the ${MIN_CRUISE_ALTITUDE_M} m minimum`,
      params: { cruiseAltitudeM, minAltitudeM: MIN_CRUISE_ALTITUDE_M },
    });
  // Without a DEM: the drop point's heightM above the depot's ground, as given.
  const dropHeightM = context.dem ? r(dropGroundM - homeGroundM + drop.heightM, 2) : drop.heightM;
  const dropCheck = (overDropM: number) => {
    // Below the depot is fine where a DEM says so (a valley); without one heightM is ≥ 0 anyway.
    const ok = (context.dem !== undefined || dropHeightM >= 0) && dropHeightM + APPROACH_HEIGHT_M <= overDropM;
    checks.push({
      id: 'drop-altitude',
      ok,
      message: ok
        ? `drop surface at ${dropHeightM} m above the depot; approach from ${r(dropHeightM + APPROACH_HEIGHT_M, 2)} m`
        : `drop surface at ${dropHeightM} m above the depot needs a cruise of at least ${dropHeightM + APPROACH_HEIGHT_M} m (have ${overDropM} m)`,
      detail: ok ? 'drop-altitude.ok' : 'drop-altitude.too-high',
      params: ok
        ? { heightM: dropHeightM, approachM: r(dropHeightM + APPROACH_HEIGHT_M, 2) }
        : { heightM: dropHeightM, neededM: r(dropHeightM + APPROACH_HEIGHT_M, 2), cruiseAltitudeM: overDropM },
    });
    if (!ok)
      reasons.push({
        code: 'drop-point-too-high',
        message: `drop point '${drop.name}' at ${dropHeightM} m cannot be approached from the ${overDropM} m cruise altitude`,
        params: { dropPoint: drop.name, heightM: dropHeightM, cruiseAltitudeM: overDropM },
      });
  };
  // Following the terrain, the altitude over the drop point is known only after the route.
  if (!followTerrain) dropCheck(cruiseAltitudeM);

  // Route.
  const route = planRoute(prepared, depot.position, drop.position);
  if (!route.ok) {
    const area = route.area ? ` ('${route.area}')` : '';
    reasons.push({
      code: route.code,
      message: `no route from '${depot.name}' to '${drop.name}'${area}: ${route.message}`,
      params: { depot: depot.name, dropPoint: drop.name, ...(route.area ? { area: route.area } : {}) },
    });
    return infeasible({ cruiseAltitudeM });
  }
  // One waypoint per corner instead of the planner's arc vertices, keeping the same clearance test.
  let outbound = mergeCornerRuns(route.path.map(r7), (a, b) => isSegmentClear(prepared, a, b, opts.clearanceM * CLEARANCE_TOLERANCE), opts.clearanceM);
  let inbound = [...outbound].reverse();
  // Over terrain or obstacles: altitudes leg by leg, with extra waypoints where the ground changes.
  let outboundAltitudesM: number[] | undefined;
  if (followTerrain) {
    const profile = altitudeProfile({
      route: outbound,
      homeGroundM,
      dem: context.dem,
      obstacles: obstaclesFor(map, context.dem, homeGroundM),
      cruiseAglM: cruiseAltitudeM,
      minClearanceM: opts.verticalClearanceM,
      maxAglM: ceilingM,
    });
    if (!profile.ok) {
      reasons.push({
        code: profile.code === 'no-altitude' ? 'terrain-no-altitude' : 'dem-no-coverage',
        message: `no flight from '${depot.name}' to '${drop.name}' along this route keeps the terrain limits: ${profile.message}`,
        params: { depot: depot.name, dropPoint: drop.name, lat: profile.at[1].toFixed(6), lon: profile.at[0].toFixed(6) },
      });
      return infeasible({ outbound, inbound, cruiseAltitudeM });
    }
    outbound = profile.points.map((p) => r7([p[0], p[1]]));
    outboundAltitudesM = profile.points.map((p) => p[2]);
    inbound = [...outbound].reverse();
    dropCheck(outboundAltitudesM[outboundAltitudesM.length - 1]!);
  }
  const inboundAltitudesM = outboundAltitudesM ? [...outboundAltitudesM].reverse() : undefined;
  const climbs = (alts: number[] | undefined) => (alts ?? []).reduce((sum, z, i) => sum + (i > 0 ? Math.max(0, z - alts![i - 1]!) : 0), 0);
  const maxAltitudeM = outboundAltitudesM ? Math.max(...outboundAltitudesM) : cruiseAltitudeM;
  const flown = [...outbound, ...inbound.slice(1)];
  const blockedLegs: number[] = [];
  for (let i = 1; i < flown.length; i++) if (!isSegmentClear(prepared, flown[i - 1]!, flown[i]!, opts.clearanceM * CLEARANCE_TOLERANCE)) blockedLegs.push(i);
  checks.push({
    id: 'route-clear',
    ok: blockedLegs.length === 0,
    message:
      blockedLegs.length === 0
        ? `every leg keeps ${opts.clearanceM} m from every no-fly area`
        : `legs ${blockedLegs.join(', ')} come closer than ${opts.clearanceM} m to a no-fly area`,
    detail: blockedLegs.length === 0 ? 'route-clear.ok' : 'route-clear.blocked',
    params: blockedLegs.length === 0 ? { clearanceM: opts.clearanceM } : { legs: blockedLegs.join(', '), clearanceM: opts.clearanceM },
  });
  if (blockedLegs.length > 0)
    reasons.push({
      code: 'route-not-clear',
      message: `route legs ${blockedLegs.join(', ')} pass too close to a no-fly area`,
      params: { legs: blockedLegs.join(', '), clearanceM: opts.clearanceM },
    });

  // Energy.
  const energy: EnergyEstimate = estimateEnergy({
    drone,
    payloadKg: conditions.payloadKg,
    wind: conditions.wind,
    temperatureC: conditions.temperatureC,
    siteAltitudeM,
    cruiseAltitudeM: outboundAltitudesM ? outboundAltitudesM[0]! : cruiseAltitudeM,
    dropHeightM,
    method: drone.deliveryMethod,
    outbound,
    inbound,
    ...(conditions.batteryRemainingPct !== undefined ? { batteryRemainingPct: conditions.batteryRemainingPct } : {}),
    ...(outboundAltitudesM
      ? {
          dropCruiseAltitudeM: outboundAltitudesM[outboundAltitudesM.length - 1]!,
          enRouteClimbM: { loaded: climbs(outboundAltitudesM), empty: climbs(inboundAltitudesM) },
        }
      : {}),
  });
  reasons.push(...energy.reasons);
  checks.push({
    id: 'payload',
    ok: conditions.payloadKg <= drone.maxPayloadKg,
    message: `payload ${conditions.payloadKg} kg of ${drone.maxPayloadKg} kg maximum`,
    detail: 'payload',
    params: { payloadKg: conditions.payloadKg, maxPayloadKg: drone.maxPayloadKg },
  });
  checks.push({
    id: 'wind',
    ok: !energy.reasons.some((x) => x.code === 'wind-too-strong'),
    message: `wind ${conditions.wind.speedMs} m/s from ${conditions.wind.fromDeg}° (limit ${drone.maxWindMs} m/s)`,
    detail: 'wind',
    params: { windMs: conditions.wind.speedMs, fromDeg: conditions.wind.fromDeg, maxWindMs: drone.maxWindMs },
  });
  checks.push({
    id: 'battery-temperature',
    ok: !energy.reasons.some((x) => x.code === 'too-cold'),
    message: `battery gives ${r(energy.capacityFactor * 100, 1)} % of ${drone.batteryWh} Wh at ${conditions.temperatureC} °C; air density ${r(energy.densityRatio * 100, 1)} % of sea level at ${siteAltitudeM} m`,
    detail: 'battery-temperature',
    params: {
      capacityPct: r(energy.capacityFactor * 100, 1),
      batteryWh: drone.batteryWh,
      temperatureC: conditions.temperatureC,
      densityPct: r(energy.densityRatio * 100, 1),
      siteAltitudeM,
    },
  });
  const energyOk = Number.isFinite(energy.energyWh) && energy.marginPct >= drone.reservePct;
  checks.push({
    id: 'energy-reserve',
    ok: energyOk,
    message: Number.isFinite(energy.energyWh)
      ? `uses ${r(energy.energyWh, 1)} of ${r(energy.availableWh, 1)} Wh; ${r(energy.marginPct, 1)} % left (reserve ${drone.reservePct} %)`
      : 'the drone cannot fly this route in this wind',
    detail: Number.isFinite(energy.energyWh) ? 'energy-reserve' : 'energy-reserve.no-headway',
    params: Number.isFinite(energy.energyWh)
      ? { usedWh: r(energy.energyWh, 1), availableWh: r(energy.availableWh, 1), marginPct: r(energy.marginPct, 1), reservePct: drone.reservePct }
      : {},
  });

  // A flight the battery cannot finish gets no vehicle plan: the rally search samples the whole
  // route every few metres, and a drop point hundreds of km away (a typo, lat/lon swapped) would
  // keep it busy for minutes on a plan that cannot be flown anyway.
  if (!Number.isFinite(energy.energyWh) || energy.energyWh > energy.availableWh) {
    return infeasible({
      outbound,
      inbound,
      cruiseAltitudeM,
      distanceM: r(pathLengthM(flown), 1),
      durationS: Number.isFinite(energy.durationS) ? r(energy.durationS, 1) : -1,
      energyWh: Number.isFinite(energy.energyWh) ? r(energy.energyWh, 2) : -1,
      marginPct: Number.isFinite(energy.marginPct) ? r(energy.marginPct, 2) : -100,
    });
  }

  // Rally, fence, mission.
  const home = { lat: r(depot.position[1], 7), lon: r(depot.position[0], 7), altM: r(siteAltitudeM, 2) };
  const places = [...map.depots.map((d) => d.position), ...map.dropPoints.map((d) => d.position)].filter((p) => !areaContaining(prepared, p));
  const rally = chooseRally({ prepared, home: depot.position, route: flown, places, altitudeM: maxAltitudeM, clearanceM: opts.clearanceM / 2 });
  checks.push(...rally.checks);
  // Over terrain: RTL_ALT and the rally altitudes chosen so that every straight failsafe return,
  // flown level as ModeRTL flies it, keeps the clearance and the ceiling (failsafe-altitudes.ts).
  let failsafe: FailsafeAltitudes | undefined;
  if (followTerrain && outboundAltitudesM && inboundAltitudesM) {
    const to3 = (pts: LonLat[], alts: number[]) => pts.map((p, i): [number, number, number] => [p[0], p[1], alts[i]!]);
    failsafe = chooseFailsafeAltitudes({
      home: depot.position,
      homeGroundM,
      dem: context.dem,
      obstacles: obstaclesFor(map, context.dem, homeGroundM),
      legs: [to3(outbound, outboundAltitudesM), to3(inbound, inboundAltitudesM)],
      rallyPoints: rally.points,
      // Open places and the route's own corners may become rally points where the terrain needs them.
      candidates: [...places.filter((p) => distanceM(p, depot.position) >= 1), ...outbound, ...samplePath(outbound, 100).map((s) => s.point)],
      isClear: (a, b) => isSegmentClear(prepared, a, b, opts.clearanceM / 2),
      minClearanceM: opts.verticalClearanceM,
      maxAglM: ceilingM,
    });
    rally.points = failsafe.rallyPoints;
    rally.summary.points = failsafe.rallyPoints;
    rally.items = rallyItems(failsafe.rallyPoints, failsafe.rallyAltitudesM);
    // RTL_ALT is in cm on ArduCopter 4.6 and on 4.7.0-dev (Parameters.cpp, "RTL_ALT" @Units cm); a
    // vehicle that calls it RTL_ALT_M (metres) gets it converted on upload (src/mavlink/params.ts).
    // Left unset at the default (15 m), like the flat-ground plan: a flat DEM gives the same plan.
    if (failsafe.rtlAltM !== RTL_ALT_DEFAULT_M) rally.params.RTL_ALT = Math.round(failsafe.rtlAltM * 100);
    if (failsafe.coneSlope !== RTL_CONE_SLOPE_DEFAULT) rally.params.RTL_CONE_SLOPE = failsafe.coneSlope;
    checks.push({
      id: 'failsafe-return-altitude',
      ok: failsafe.ok,
      message: failsafe.ok
        ? `failsafe returns fly level at RTL_ALT ${failsafe.rtlAltM} m${rally.points.length > 0 ? ` / rally altitudes ${failsafe.rallyAltitudesM.join(', ')} m` : ''} above home or higher (at most ${r(failsafe.maxReturnAltM, 1)} m)${failsafe.coneSlope === 0 ? '; RTL cone off (RTL_CONE_SLOPE 0) so that returns close to home climb high enough' : ''}`
        : failsafe.reasons.map((x) => x.message).join('; '),
      detail: failsafe.ok ? 'failsafe-return-altitude.ok' : 'failsafe-return-altitude.fail',
      params: failsafe.ok
        ? { rtlAltM: failsafe.rtlAltM, maxReturnAltM: r(failsafe.maxReturnAltM, 1), rallyCount: rally.points.length }
        : { problems: failsafe.reasons.length },
    });
    reasons.push(...failsafe.reasons);
  }
  const fence = buildFence({
    route: flown,
    extraPoints: rally.points,
    noFly: map.noFly,
    options: {
      inclusionMarginM: Math.max(INCLUSION_MARGIN_M, 2 * opts.clearanceM),
      maxInclusionVertices: INCLUSION_MAX_VERTICES,
      minRouteGapM: opts.clearanceM / 2,
      // FENCE_ALT_MAX is measured from home (AC_Fence::check_fence_alt_max uses the altitude above
      // home), so over rising ground it must sit above the highest planned altitude, not at 120 m;
      // the height above the ground is kept by the altitudes themselves.
      // A failsafe return may fly higher than the route (over a ridge): the fence allows it, or
      // ModeRTL would cap the return at FENCE_ALT_MAX − FENCE_MARGIN.
      altMaxM: outboundAltitudesM ? r(Math.max(maxAltitudeM, failsafe?.maxReturnAltM ?? 0) + opts.heightMarginM / 2, 2) : fenceCeilingM(cruiseAltitudeM, opts),
      marginM: FENCE_MARGIN_M,
    },
  });
  checks.push(...fence.checks);
  for (const c of fence.checks) if (!c.ok) reasons.push({ code: 'fence-invalid', message: c.message, params: { check: c.id } });

  const nOut = outbound.length - 1;
  const windy = conditions.wind.speedMs > 0;
  const mission = buildMission({
    home,
    outbound,
    inbound,
    cruiseAltitudeM,
    cruiseSpeedMs: drone.cruiseSpeedMs,
    dropHeightM,
    method: drone.deliveryMethod,
    ...(outboundAltitudesM && inboundAltitudesM ? { outboundAltitudesM, inboundAltitudesM } : {}),
    ...(windy
      ? { outboundSpeedsMs: energy.legs.slice(0, nOut).map((l) => l.groundSpeedMs), inboundSpeedsMs: energy.legs.slice(nOut).map((l) => l.groundSpeedMs) }
      : {}),
  });
  const deliveryItem = mission.items[mission.deliverySeq]!;
  const vehiclePlan: VehiclePlan = {
    mission: mission.items,
    fence: fence.items,
    rally: rally.items,
    params: sortKeys({ ...fence.params, ...rally.params, ...mission.params }),
    home,
    delivery: { lat: r(drop.position[1], 7), lon: r(drop.position[0], 7), seq: deliveryItem.seq, method: drone.deliveryMethod },
  };
  const waypoints: [number, number, number][] = mission.items.filter((it) => it.seq > 0 && it.frame === 6).map((it) => [it.x / 1e7, it.y / 1e7, it.z]);

  // Terrain and obstacles: the flown path and its failsafe returns against the ground (information:
  // the route above is the flat-ground route; a broken limit makes the plan infeasible).
  const ceilingAglM = opts.maxHeightM - opts.heightMarginM;
  const terrain = terrainReport({
    map,
    dem: context.dem,
    home: depot.position,
    flatGroundM: siteAltitudeM,
    waypoints: waypoints.map(([lat, lon, alt]) => [lon, lat, alt]),
    rallyPoints: rally.points,
    rallyAltitudeM: failsafe ? failsafe.rallyAltitudesM : maxAltitudeM,
    ...(failsafe ? { rtlAltM: failsafe.rtlAltM, coneSlope: failsafe.coneSlope } : {}),
    minClearanceM: opts.verticalClearanceM,
    maxAglM: ceilingAglM,
    dropPoint: drop.position,
    legalCeilingAglM: opts.maxHeightM,
  });
  const t = terrain.report;
  const clearanceBroken = t.violations.find((v) => v.code === 'terrain-clearance');
  const aglBroken = t.violations.find((v) => v.code === 'height-above-ground');
  const noData = t.violations.find((v) => v.code === 'dem-no-coverage');
  const ground = t.dem ? `DEM: ${t.dem}` : `flat ground assumed at the home elevation (${t.homeGroundM} m; no DEM given)`;
  // the sentence of a terrain check: a gap in the DEM, the broken limit, or the path's numbers with the ground it was checked against
  const groundParams: Record<string, string | number> = t.dem ? { dem: t.dem } : { groundM: t.homeGroundM };
  checks.push({
    id: 'terrain-clearance',
    ok: !clearanceBroken && !noData,
    message: noData
      ? noData.message
      : clearanceBroken
        ? clearanceBroken.message
        : `the whole path (${t.samples} samples every 10 m, ${t.failsafeReturns} failsafe returns) keeps at least ${t.minClearanceM} m above the terrain and obstacles (${opts.verticalClearanceM} m required); ${ground}`,
    detail: noData ? 'terrain-clearance.no-data' : clearanceBroken ? 'terrain-clearance.broken' : t.dem ? 'terrain-clearance.ok' : 'terrain-clearance.ok-flat',
    params: noData
      ? noData.params
      : clearanceBroken
        ? clearanceBroken.params
        : { samples: t.samples, returns: t.failsafeReturns, minClearanceM: t.minClearanceM ?? '—', requiredM: opts.verticalClearanceM, ...groundParams },
  });
  checks.push({
    id: 'height-above-ground',
    ok: !aglBroken && !noData,
    message: aglBroken
      ? aglBroken.message
      : noData
        ? noData.message
        : `the path stays at most ${t.maxAglM} m above the ground (limit ${ceilingAglM} m: ${opts.maxHeightM} m minus ${opts.heightMarginM} m margin); ${ground}`,
    detail: aglBroken
      ? 'height-above-ground.broken'
      : noData
        ? 'height-above-ground.no-data'
        : t.dem
          ? 'height-above-ground.ok'
          : 'height-above-ground.ok-flat',
    params: aglBroken
      ? aglBroken.params
      : noData
        ? noData.params
        : { maxAglM: t.maxAglM ?? '—', limitM: ceilingAglM, maxHeightM: opts.maxHeightM, marginM: opts.heightMarginM, ...groundParams },
  });
  reasons.push(...terrain.reasons);

  return {
    feasible: reasons.length === 0,
    reasons,
    checks,
    depot: { name: depot.name, position: r7(depot.position) },
    dropPoint: { name: drop.name, position: r7(drop.position) },
    outbound,
    inbound,
    waypoints,
    cruiseAltitudeM,
    distanceM: r(pathLengthM(flown), 1),
    durationS: Number.isFinite(energy.durationS) ? r(energy.durationS, 1) : -1,
    energyWh: Number.isFinite(energy.energyWh) ? r(energy.energyWh, 2) : -1,
    marginPct: Number.isFinite(energy.marginPct) ? r(energy.marginPct, 2) : -100,
    legs: energy.legs.map((l) => ({
      from: l.from,
      to: l.to,
      distanceM: r(l.distanceM, 1),
      groundSpeedMs: r(l.groundSpeedMs, 2),
      durationS: Number.isFinite(l.durationS) ? r(l.durationS, 1) : -1,
      energyWh: Number.isFinite(l.energyWh) ? r(l.energyWh, 3) : -1,
    })),
    fence: fence.summary,
    rally: rally.summary,
    vehiclePlan,
    terrain: terrain.report,
  };
}

function sortKeys(o: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.keys(o)
      .sort()
      .map((k) => [k, o[k]!]),
  );
}
