/**
 * The emulated world of a zone map: its drop surfaces, in the form the vehicle emulator takes them.
 * The emulator is an independent ArduCopter and knows nothing of zone maps, so the command line
 * converts: every drop point standing above the ground (a rooftop, `heightM` > 0) becomes a raised
 * disc the vehicle can touch down on — a payload place descends until it finds it (ArduCopter
 * mode_auto.cpp / PayloadPlace::run: descend at PLDP_SPEED_DN until the thrust drops on touchdown),
 * a NAV_LAND lands on it, a winch line rests its parcel on it.
 *
 * A drop point's `heightM` is above the ground of the depot the drone starts from (src/geo/types.ts, and
 * the planner plans the descent against the depot's home that way), and the emulator's ground is flat at
 * each vehicle's start altitude. So surfaces are made per depot: top = the depot's ground + heightM.
 *
 * With elevation data (`--dem`, MEDIDROP_DEM) the world's ground is the DEM's, as the planner's is
 * (src/planner/plan-delivery.ts): a drone stands on the DEM's ground at its depot, the emulator's
 * terrain is the DEM, and a rooftop stands on the DEM's ground at its drop point.
 */
import { type Dem, isDemGap } from '../geo/dem/types.js';
import type { Depot, ZoneMap } from '../geo/types.js';
import type { Surface } from '../../sim/emulator/index.js';
import { createLogger } from '../log.js';

const log = createLogger('demo');

/**
 * Footprint radius given to a rooftop drop point, m: the map has a point, not the building's outline.
 * 10 m holds the planner's release tolerance with room to spare and stays clear of the map's ground-level
 * drop points (the closest is over 40 m from a rooftop in the example maps).
 */
export const ROOF_RADIUS_M = 10;

/** The map's raised drop surfaces for a drone whose depot ground is at `groundAltM` (m AMSL). */
export function dropSurfaces(map: ZoneMap, groundAltM: number, radiusM = ROOF_RADIUS_M): Surface[] {
  return map.dropPoints.filter((d) => d.heightM > 0).map((d) => ({ lat: d.position[1], lon: d.position[0], radiusM, topAltM: groundAltM + d.heightM }));
}

/** The DEM's ground (m AMSL) at a place, as the emulator's `terrain` takes it; undefined where it has no data. */
export function demTerrain(dem: Dem): (lat: number, lon: number) => number | undefined {
  return (lat, lon) => {
    const g = dem.sample(lon, lat);
    return isDemGap(g) ? undefined : g;
  };
}

/** Where a depot's drone stands and what it can land on, on the DEM's ground when one is given. */
export interface DepotWorld {
  /** The ground at the depot, m AMSL: the DEM's, else the depot's `groundAltitudeM`, else the map's site altitude. */
  altM: number;
  /** The map's rooftop drop points as surfaces (see dropSurfaces). */
  surfaces: Surface[];
  /** A DEM was given but has no data at the depot (the map's altitude is used; plans from there are refused as `dem-no-coverage`). */
  demGap: boolean;
}

export function depotWorld(map: ZoneMap, depot: Depot, dem?: Dem): DepotWorld {
  const mapAltM = depot.groundAltitudeM ?? map.siteAltitudeM;
  if (!dem) return { altM: mapAltM, surfaces: dropSurfaces(map, mapAltM), demGap: false };
  const ground = demTerrain(dem);
  const atDepot = ground(depot.position[1], depot.position[0]);
  const altM = atDepot ?? mapAltM;
  // heightM stands on the DEM's ground at the drop point (where it has none: the depot's).
  const surfaces = dropSurfaces(map, altM).map((sf) => ({ ...sf, topAltM: sf.topAltM - altM + (ground(sf.lat, sf.lon) ?? altM) }));
  return { altM, surfaces, demGap: atDepot === undefined };
}

/** The demo ground crew's settings, logging each battery swap (also used by the demo-fleet process). */
export function demoCrewOptions(turnaroundS: number, idOf: (sysid: number) => string | undefined) {
  return {
    turnaroundS,
    onSwap: (s: { sysid: number; before: { remainingPct: number; consumedMah: number }; groundS: number }) =>
      log.info(
        { drone: idOf(s.sysid), sysid: s.sysid, remainingPct: s.before.remainingPct, consumedMah: s.before.consumedMah, groundS: Math.round(s.groundS) },
        'demo ground crew: battery swapped (the drone power-cycles onto a full pack)',
      ),
    onError: (err: Error, v: { sysid: number }) =>
      log.warn({ drone: idOf(v.sysid), sysid: v.sysid, err: err.message }, 'demo ground crew: battery swap failed'),
  };
}
