/**
 * Zone map: the validated, typed form of a zone GeoJSON file (see README "Zone map format"), and the
 * two coordinate types of the geo layer. Coordinates are GeoJSON order, [longitude, latitude], WGS84
 * degrees; local metric points are [x, y] metres east and north.
 */
import type { MultiPolygon, Polygon } from 'geojson';
import type { CoordinateSystem } from '../domain/words.js';

export type LonLat = [lon: number, lat: number];

/**
 * A point in a local metric plane, metres east (x) and north (y) of an origin: what
 * src/geo/projection.ts makes of a LonLat, and what src/geo/planar.ts computes with.
 */
export type XY = [x: number, y: number];

/** 封控区 sealed, 管控区 controlled, 防控区 precaution, and no-fly areas. */
export type AreaKind = 'sealed' | 'controlled' | 'precaution' | 'no-fly';
export type PointKind = 'depot' | 'drop-point';
export type FeatureKind = AreaKind | PointKind | 'obstacle';

interface MapFeatureBase {
  /** Index of the feature in the source FeatureCollection (for error messages). */
  index: number;
  name: string;
  /** The feature's properties as given (kind and name included), for round-tripping and the UI. */
  properties: Record<string, unknown>;
}

export interface Area extends MapFeatureBase {
  kind: AreaKind;
  geometry: Polygon | MultiPolygon;
}

export interface NoFlyArea extends Area {
  kind: 'no-fly';
  /** Why it is closed: "airport", "hospital helipad", "power lines", "testing site" … */
  reason?: string;
  /** Temporary areas (a mass-testing site) may be declared over drop points. */
  temporary: boolean;
}

/**
 * Something tall on the ground — a tower block, a pylon, a mast — that the flight path must clear
 * vertically. Its top is `heightM` above the ground under it (the DEM's, or the home ground's when
 * the plan has no DEM). Not a no-fly area: it may be overflown with the vertical clearance.
 */
export interface Obstacle extends MapFeatureBase {
  kind: 'obstacle';
  geometry: Polygon | MultiPolygon;
  /** Height above the ground, m (> 0), from `properties.height_m`. */
  heightM: number;
}

export interface Depot extends MapFeatureBase {
  kind: 'depot';
  position: LonLat;
  /** Ground altitude above mean sea level, metres, when known (Xining ≈ 2,260 m). */
  groundAltitudeM?: number;
  /** Drone ids based here (optional). */
  drones: string[];
}

export interface DropPoint extends MapFeatureBase {
  kind: 'drop-point';
  position: LonLat;
  /** Height of the drop surface above the depot's ground, metres (a rooftop); 0 for a courtyard. */
  heightM: number;
  /** Name of the sealed/controlled/precaution area that contains it, if any. */
  zone?: string;
}

/** A problem found in a zone map, located by feature index and name. */
/**
 * The sentence of a zone-map issue (pages say it as `mapIssue.<detail>` with the issue's params); the
 * `code` stays the coarse kind ('bad-property', 'too-many-vertices' …) that scripts and tests check.
 */
export const MAP_ISSUE_DETAILS = [
  'bad-position',
  'non-numeric-coordinate',
  'swapped-coordinates',
  'swapped-far-away',
  'coordinate-out-of-range',
  'no-rings',
  'ring-not-array',
  'multipolygon-empty',
  'ring-too-short',
  'ring-too-few-corners',
  'ring-not-closed',
  'ring-self-intersects',
  'hole-crosses-ring',
  'ring-zero-area',
  'hole-outside',
  'property-not-number',
  'property-below-minimum',
  'property-control-characters',
  'property-name-control-characters',
  'too-deep',
  'not-feature-collection',
  'no-features-array',
  'too-many-features',
  'site-altitude-not-number',
  'not-a-feature',
  'missing-properties',
  'missing-name',
  'bad-name',
  'duplicate-name',
  'missing-kind',
  'unknown-kind',
  'wrong-geometry-area',
  'wrong-geometry-point',
  'too-many-vertices-area',
  'too-many-vertices-obstacle',
  'too-many-vertices-no-fly-total',
  'too-many-vertices-map-total',
  'too-many-vertices-obstacle-total',
  'missing-height',
  'bad-height',
  'bad-reason',
  'bad-temporary',
  'bad-drones',
  'drop-point-in-no-fly',
  'depot-in-no-fly',
  'file-too-large',
  'unreadable-file',
  'not-json',
  'crs-unknown',
] as const;
export type MapIssueDetail = (typeof MAP_ISSUE_DETAILS)[number];

export interface MapIssue {
  code: string;
  message: string;
  detail: MapIssueDetail;
  params: Record<string, string | number>;
  featureIndex?: number;
  featureName?: string;
}

export interface ZoneMap {
  name: string;
  /** The coordinate system the map was drawn in, when not WGS-84; its geometry here is WGS-84 already. */
  sourceCrs?: CoordinateSystem;
  /** Sealed, controlled and precaution zones (no-fly areas are only in `noFly`). */
  areas: Area[];
  noFly: NoFlyArea[];
  /** Obstacles with heights (kind `obstacle`). */
  obstacles: Obstacle[];
  depots: Depot[];
  dropPoints: DropPoint[];
  /** Site ground altitude AMSL in metres (map-level `properties.siteAltitudeM`), default 0. */
  siteAltitudeM: number;
  /** Non-fatal findings, e.g. a drop point inside a (temporary) no-fly area. */
  warnings: MapIssue[];
}

/** A structurally broken zone map: refused whole. `issues` lists every problem found. */
export class ZoneMapError extends Error {
  override name = 'ZoneMapError';
  constructor(readonly issues: MapIssue[]) {
    super(issues.map((i) => i.message).join('\n'));
  }
}
