/**
 * Zone map loading and validation: a GeoJSON FeatureCollection → the typed ZoneMap.
 *
 * Every problem is collected (not just the first) and reported with the feature's index and name,
 * e.g. `feature 3 ("Helipad"): ring 0 is not closed`. A map with any structural problem is refused
 * whole (ZoneMapError). A drop point inside a no-fly area is not structural: it becomes a warning and
 * the planner refuses routes to it. See README "Zone map format".
 *
 * Ring topology (self-intersection, holes, containment) is checked in the plane of the degrees, as
 * GeoJSON draws it, exactly (no tolerance), with the kernel in ./planar.ts.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import type { MultiPolygon, Polygon, Position } from 'geojson';
import {
  ZoneMapError,
  type Area,
  type AreaKind,
  type Depot,
  type DropPoint,
  type FeatureKind,
  type LonLat,
  type MapIssue,
  type MapIssueDetail,
  type NoFlyArea,
  type Obstacle,
  type ZoneMap,
} from './types.js';
import { cross, pointInPolygon, pointInRing, segmentsIntersect, signedArea } from './planar.js';
import { distanceM } from './spherical.js';
import { zoneMapToWgs84 } from './zone-map-crs.js';
import { findControlCharacter } from '../domain/text.js';

export const FEATURE_KINDS: readonly FeatureKind[] = ['sealed', 'controlled', 'precaution', 'no-fly', 'obstacle', 'depot', 'drop-point'];
const AREA_KINDS: readonly AreaKind[] = ['sealed', 'controlled', 'precaution', 'no-fly'];
/**
 * Most vertices (all rings and parts) one area of any kind may have. Every area is drawn on the
 * pages, stored with each plan and tested against every drop point; a no-fly area is also buffered
 * by the route planner. A 100,000-vertex sealed zone used to pass because only no-fly areas counted.
 */
export const MAX_AREA_VERTICES = 1000;
/** The no-fly areas' own limit (the same number; kept as a name for the planner's reason). */
export const MAX_NO_FLY_VERTICES = MAX_AREA_VERTICES;
/** Most vertices all features of a map may have together (a point counts one). */
export const MAX_MAP_VERTICES = 20_000;
/**
 * Deepest nesting below a feature's `properties` (and the map's). No property the map format knows
 * nests at all; 5,000 levels overflowed the stack in JSON.stringify (a 500 on PUT /api/zone-map).
 */
export const MAX_PROPERTY_DEPTH = 32;
/** Kinds drawn as a Polygon or MultiPolygon. */
const POLYGON_KINDS: readonly FeatureKind[] = [...AREA_KINDS, 'obstacle'];
/** Most vertices one obstacle may have (a building outline; a pylon is 4). */
export const MAX_OBSTACLE_VERTICES = 1000;
/**
 * Most vertices all obstacles of a map may have together. A district's 500 tower blocks of a dozen
 * corners each is 6,000; the path check looks them up through a spatial index.
 */
export const MAX_MAP_OBSTACLE_VERTICES = 20_000;
/** Most vertices all no-fly areas of a map may have together (planning time grows with them). */
export const MAX_MAP_NO_FLY_VERTICES = 5000;
/**
 * Most features a map may have. A county deployment has a few hundred drop points; 50,000 made every
 * plan take seconds (each drop point is checked against every zone), so a larger file is refused.
 */
export const MAX_FEATURES = 10_000;
/** When a drop point lies in several zones, the most restrictive one names it. */
const ZONE_PRIORITY: readonly AreaKind[] = ['sealed', 'controlled', 'precaution'];

const KIND_WORDS: Record<FeatureKind, string> = {
  sealed: 'a sealed zone',
  controlled: 'a controlled zone',
  precaution: 'a precaution zone',
  'no-fly': 'a no-fly area',
  obstacle: 'an obstacle',
  depot: 'a depot',
  'drop-point': 'a drop point',
};

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Math.round(n * 1e7) / 1e7);
}

function fmtPos(p: readonly number[]): string {
  return `[${p.map((n) => fmt(n)).join(', ')}]`;
}

/** Collects issues for one feature, prefixed with its index and name. */
class FeatureReporter {
  constructor(
    private readonly issues: MapIssue[],
    readonly index: number,
    readonly name: string | undefined,
  ) {}

  get label(): string {
    return this.name !== undefined ? `feature ${this.index} (${JSON.stringify(this.name)})` : `feature ${this.index}`;
  }

  /** `detail` names the sentence (mapIssue.<detail>) and `params` its values, for translated pages. */
  error(code: string, text: string, detail: MapIssueDetail, params: Record<string, string | number> = {}): void {
    const issue: MapIssue = { code, message: `${this.label}: ${text}`, detail, params, featureIndex: this.index };
    if (this.name !== undefined) issue.featureName = this.name;
    this.issues.push(issue);
  }
}

/** Checks one [lon, lat] position; returns it when usable. */
function checkPosition(p: unknown, where: string, rep: FeatureReporter): LonLat | undefined {
  if (!Array.isArray(p) || p.length < 2 || p.length > 3) {
    rep.error('bad-position', `${where} is not a position [lon, lat] (got ${JSON.stringify(p)?.slice(0, 60)})`, 'bad-position', {
      got: String(JSON.stringify(p)).slice(0, 60),
    });
    return undefined;
  }
  if (!p.every((n) => typeof n === 'number' && Number.isFinite(n))) {
    rep.error('bad-position', `${where} has a non-numeric coordinate (got ${JSON.stringify(p).slice(0, 60)})`, 'non-numeric-coordinate', {
      got: JSON.stringify(p).slice(0, 60),
    });
    return undefined;
  }
  const [lon, lat] = p as number[] as [number, number];
  const lonOk = lon >= -180 && lon <= 180;
  const latOk = lat >= -90 && lat <= 90;
  if (lonOk && latOk) return [lon, lat];
  const swappedOk = Math.abs(lat) <= 180 && Math.abs(lon) <= 90;
  const what = !latOk ? `latitude ${fmt(lat)} is outside −90…90` : `longitude ${fmt(lon)} is outside −180…180`;
  const hint = swappedOk ? `; it looks swapped: GeoJSON positions are [lon, lat], so write ${fmtPos([lat, lon])}` : '';
  rep.error(
    swappedOk ? 'swapped-coordinates' : 'coordinate-out-of-range',
    `${where} ${fmtPos([lon, lat])}: ${what}${hint}`,
    swappedOk ? 'swapped-coordinates' : 'coordinate-out-of-range',
    { position: fmtPos([lon, lat]), swapped: fmtPos([lat, lon]) },
  );
  return undefined;
}

/**
 * First pair of non-adjacent edges of a closed ring that touch or cross (edge indices), or undefined.
 * Edges are sorted by their west end and swept, so long rings (a power-line corridor) stay cheap.
 */
export function findRingSelfIntersection(ring: readonly LonLat[]): { i: number; j: number } | undefined {
  const n = ring.length - 1; // edges
  const order = Array.from({ length: n }, (_, i) => i);
  const minX = (i: number) => Math.min(ring[i]![0], ring[i + 1]![0]);
  const maxX = (i: number) => Math.max(ring[i]![0], ring[i + 1]![0]);
  order.sort((p, q) => minX(p) - minX(q) || p - q);
  for (let s = 0; s < n; s++) {
    const i = order[s]!;
    const endX = maxX(i);
    for (let t = s + 1; t < n; t++) {
      const j = order[t]!;
      if (minX(j) > endX) break;
      const lo = Math.min(i, j);
      const hi = Math.max(i, j);
      const adjacent = hi - lo === 1 || (lo === 0 && hi === n - 1);
      const a = ring[i]!;
      const b = ring[i + 1]!;
      const c = ring[j]!;
      const d = ring[j + 1]!;
      if (adjacent) {
        // Adjacent edges share one vertex; they only conflict when they fold back over each other.
        const shared = hi - lo === 1 ? ring[hi]! : ring[0]!;
        const other1 = lo === 0 && hi === n - 1 ? ring[1]! : ring[lo]!;
        const other2 = lo === 0 && hi === n - 1 ? ring[n - 1]! : ring[hi + 1]!;
        if (n > 2 && cross(shared, other1, other2) === 0) {
          const ux = other1[0] - shared[0];
          const uy = other1[1] - shared[1];
          const vx = other2[0] - shared[0];
          const vy = other2[1] - shared[1];
          if (ux * vx + uy * vy > 0) return { i: lo, j: hi };
        }
        continue;
      }
      if (segmentsIntersect(a, b, c, d)) return { i: lo, j: hi };
    }
  }
  return undefined;
}

/** Validates a polygon's rings; returns them when all are usable. */
function checkPolygon(coords: unknown, prefix: string, rep: FeatureReporter): LonLat[][] | undefined {
  if (!Array.isArray(coords) || coords.length === 0) {
    rep.error('bad-geometry', `${prefix}has no rings (coordinates must be an array of linear rings)`, 'no-rings');
    return undefined;
  }
  const rings: LonLat[][] = [];
  let ok = true;
  coords.forEach((rawRing: unknown, r) => {
    const where = `${prefix}ring ${r}`;
    if (!Array.isArray(rawRing)) {
      rep.error('bad-geometry', `${where} is not an array of positions`, 'ring-not-array', { ring: r });
      ok = false;
      return;
    }
    const ring: LonLat[] = [];
    let ringOk = true;
    rawRing.forEach((p: unknown, k) => {
      const pos = checkPosition(p, `${where} position ${k}`, rep);
      if (pos) ring.push(pos);
      else ringOk = false;
    });
    if (!ringOk) {
      ok = false;
      return;
    }
    if (ring.length < 4) {
      rep.error(
        'ring-too-short',
        `${where} has ${ring.length} position${ring.length === 1 ? '' : 's'}; a closed ring needs at least 4 (3 corners and the first repeated)`,
        'ring-too-short',
        { ring: r, positions: ring.length },
      );
      ok = false;
      return;
    }
    const first = ring[0]!;
    const last = ring[ring.length - 1]!;
    if (first[0] !== last[0] || first[1] !== last[1]) {
      rep.error(
        'ring-not-closed',
        `${where} is not closed: it starts at ${fmtPos(first)} but ends at ${fmtPos(last)} (repeat the first position at the end)`,
        'ring-not-closed',
        { ring: r, first: fmtPos(first), last: fmtPos(last) },
      );
      ok = false;
      return;
    }
    // Repeated consecutive positions are legal GeoJSON; drop them so they do not read as touching edges.
    const distinct = ring.filter((p, k) => k === 0 || p[0] !== ring[k - 1]![0] || p[1] !== ring[k - 1]![1]);
    if (distinct.length < 4) {
      rep.error(
        'ring-too-short',
        `${where} has only ${distinct.length - 1} distinct corner${distinct.length === 2 ? '' : 's'}; a ring needs at least 3`,
        'ring-too-few-corners',
        { ring: r, corners: distinct.length - 1 },
      );
      ok = false;
      return;
    }
    ring.length = 0;
    ring.push(...distinct);
    const hit = findRingSelfIntersection(ring);
    if (hit) {
      const p = ring[hit.i]!;
      rep.error('ring-self-intersects', `${where} intersects itself: edges ${hit.i} and ${hit.j} cross or touch (near ${fmtPos(p)})`, 'ring-self-intersects', {
        ring: r,
        edgeA: hit.i,
        edgeB: hit.j,
        near: fmtPos(p),
      });
      ok = false;
      return;
    }
    if (signedArea(ring) === 0) {
      rep.error('ring-zero-area', `${where} encloses no area`, 'ring-zero-area', { ring: r });
      ok = false;
      return;
    }
    rings.push(ring);
  });
  if (!ok) return undefined;
  // Holes must lie inside the outer ring without crossing it or each other.
  const outer = rings[0]!;
  for (let h = 1; h < rings.length; h++) {
    const hole = rings[h]!;
    const crossing = [outer, ...rings.slice(1, h)].findIndex((other) => ringsCross(hole, other));
    if (crossing >= 0) {
      rep.error('ring-self-intersects', `${prefix}ring ${h} (a hole) crosses or touches ring ${crossing}`, 'hole-crosses-ring', { ring: h, other: crossing });
      return undefined;
    }
    if (!pointInRing(hole[0]!, outer)) {
      rep.error('hole-outside', `${prefix}ring ${h} (a hole) lies outside ring 0, the outer boundary`, 'hole-outside', { ring: h });
      return undefined;
    }
  }
  return rings;
}

function ringsCross(a: readonly LonLat[], b: readonly LonLat[]): boolean {
  for (let i = 0; i + 1 < a.length; i++) {
    for (let j = 0; j + 1 < b.length; j++) if (segmentsIntersect(a[i]!, a[i + 1]!, b[j]!, b[j + 1]!)) return true;
  }
  return false;
}

/**
 * Is p inside a Polygon / MultiPolygon in lon/lat (holes excluded)? Even-odd in the plane of the
 * degrees, as GeoJSON draws it; a point exactly on an edge may come out either way.
 */
export function geometryContains(geometry: Polygon | MultiPolygon, p: LonLat): boolean {
  const polys = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  return polys.some((rings) => pointInPolygon(p, rings as unknown as LonLat[][]));
}

function optionalNumber(props: Json, key: string, rep: FeatureReporter, min?: number): number | undefined {
  const v = props[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    rep.error('bad-property', `properties.${key} must be a number (got ${JSON.stringify(v)})`, 'property-not-number', { property: key });
    return undefined;
  }
  if (min !== undefined && v < min) {
    rep.error('bad-property', `properties.${key} must be at least ${min} (got ${v})`, 'property-below-minimum', { property: key, min, got: v });
    return undefined;
  }
  return v;
}

/**
 * The first problem in a properties object: nesting deeper than MAX_PROPERTY_DEPTH or a string
 * (value or key) with a control character. Walked with an explicit stack, never recursion, so no
 * depth of input can overflow the call stack here.
 */
export function propertiesProblem(
  props: Json,
  prefix = 'properties',
): { code: string; text: string; detail: MapIssueDetail; params: Record<string, string | number> } | undefined {
  const stack: { v: unknown; path: string; depth: number }[] = [{ v: props, path: prefix, depth: 0 }];
  while (stack.length > 0) {
    const { v, path, depth } = stack.pop()!;
    if (typeof v === 'string') {
      if (findControlCharacter(v))
        return {
          code: 'bad-property',
          text: `${path} must not contain control characters (only text, tabs and line breaks)`,
          detail: 'property-control-characters',
          params: { property: path },
        };
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (depth > MAX_PROPERTY_DEPTH) {
      return {
        code: 'too-deep',
        text: `${prefix} nest more than ${MAX_PROPERTY_DEPTH} levels deep (at ${path.slice(0, 120)}${path.length > 120 ? '…' : ''})`,
        detail: 'too-deep',
        params: { depth: MAX_PROPERTY_DEPTH },
      };
    }
    const entries: [string, unknown][] = Array.isArray(v) ? v.map((x, i) => [`[${i}]`, x]) : Object.entries(v).map(([k, x]) => [`.${k}`, x]);
    for (const [k, x] of entries) {
      if (findControlCharacter(k))
        return {
          code: 'bad-property',
          text: `${path} has a property name with control characters`,
          detail: 'property-name-control-characters',
          params: { property: path },
        };
      stack.push({ v: x, path: path + k, depth: depth + 1 });
    }
  }
  return undefined;
}

/** Positions in a Polygon's or MultiPolygon's coordinates as given, counted before any is checked. */
function countRawPositions(coords: unknown, levels: number): number {
  if (!Array.isArray(coords)) return 0;
  if (levels === 0) return 1;
  let n = 0;
  for (const c of coords) n += countRawPositions(c, levels - 1);
  return n;
}

function allPositions(geometry: Polygon | MultiPolygon): LonLat[] {
  const polys = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  return polys.flatMap((rings) => rings.flat() as unknown as LonLat[]);
}

/**
 * Validate a parsed GeoJSON value as a zone map. Throws ZoneMapError listing every structural
 * problem; otherwise returns the typed map (warnings for non-fatal findings).
 */
export function parseZoneMap(input: unknown, sourceName?: string): ZoneMap {
  const issues: MapIssue[] = [];
  const src = sourceName ? `${sourceName}: ` : '';
  // GCJ-02 / BD-09 maps become WGS-84 first: everything below sees WGS-84 only
  const { json, crs: sourceCrs } = zoneMapToWgs84(input);
  if (!isObject(json) || json.type !== 'FeatureCollection') {
    const got = isObject(json)
      ? `a GeoJSON object of type ${JSON.stringify(json.type)}`
      : Array.isArray(json)
        ? 'an array'
        : `${json === null ? 'null' : typeof json}`;
    throw new ZoneMapError([
      {
        code: 'not-feature-collection',
        message: `${src}a zone map must be a GeoJSON FeatureCollection, got ${got}`,
        detail: 'not-feature-collection',
        params: {},
      },
    ]);
  }
  if (!Array.isArray(json.features)) {
    throw new ZoneMapError([
      { code: 'not-feature-collection', message: `${src}the FeatureCollection has no "features" array`, detail: 'no-features-array', params: {} },
    ]);
  }
  if (json.features.length > MAX_FEATURES) {
    throw new ZoneMapError([
      {
        code: 'too-many-features',
        detail: 'too-many-features',
        params: { max: MAX_FEATURES, count: json.features.length },
        message: `${src}a zone map may have at most ${MAX_FEATURES} features, this one has ${json.features.length}; split the district into several maps`,
      },
    ]);
  }
  const mapProps = isObject(json.properties) ? json.properties : {};
  const mapPropsProblem = propertiesProblem(mapProps, 'map properties');
  if (mapPropsProblem)
    issues.push({ code: mapPropsProblem.code, message: `${mapPropsProblem.text}`, detail: mapPropsProblem.detail, params: mapPropsProblem.params });
  let siteAltitudeM = 0;
  if (mapProps.siteAltitudeM !== undefined) {
    if (typeof mapProps.siteAltitudeM !== 'number' || !Number.isFinite(mapProps.siteAltitudeM)) {
      issues.push({
        code: 'bad-property',
        message: `map properties.siteAltitudeM must be a number of metres (got ${JSON.stringify(mapProps.siteAltitudeM)})`,
        detail: 'site-altitude-not-number',
        params: {},
      });
    } else siteAltitudeM = mapProps.siteAltitudeM;
  }
  const mapName = typeof mapProps.name === 'string' && mapProps.name.trim() !== '' ? mapProps.name.trim() : (sourceName ?? 'zone map');

  const areas: Area[] = [];
  const noFly: NoFlyArea[] = [];
  const obstacles: Obstacle[] = [];
  const depots: Depot[] = [];
  const dropPoints: DropPoint[] = [];
  const seen = new Map<string, number>();
  /** First position of each located feature, for the "far from the rest" swap check. */
  const anchors: { rep: FeatureReporter; pos: LonLat }[] = [];
  let mapVertices = 0;

  (json.features as unknown[]).forEach((raw, index) => {
    if (!isObject(raw) || raw.type !== 'Feature') {
      new FeatureReporter(issues, index, undefined).error(
        'not-a-feature',
        `is not a GeoJSON Feature (type ${JSON.stringify(isObject(raw) ? raw.type : raw)})`,
        'not-a-feature',
      );
      return;
    }
    const props = isObject(raw.properties) ? raw.properties : undefined;
    const rawName = props?.name;
    const name = typeof rawName === 'string' && rawName.trim() !== '' ? rawName.trim() : undefined;
    const rep = new FeatureReporter(issues, index, name);
    if (!props) {
      rep.error(
        'missing-properties',
        `has no properties; every feature needs properties.kind (one of ${FEATURE_KINDS.join(', ')}) and properties.name`,
        'missing-properties',
      );
      return;
    }
    const propsProblem = propertiesProblem(props);
    if (propsProblem) {
      rep.error(propsProblem.code, propsProblem.text, propsProblem.detail, propsProblem.params);
      return;
    }
    if (name === undefined) {
      rep.error(
        'missing-name',
        rawName === undefined ? 'properties.name is missing' : `properties.name must be a non-empty string (got ${JSON.stringify(rawName)})`,
        rawName === undefined ? 'missing-name' : 'bad-name',
      );
    } else if (seen.has(name)) {
      rep.error(
        'duplicate-name',
        `duplicate name: feature ${seen.get(name)} is already called ${JSON.stringify(name)} (names must be unique)`,
        'duplicate-name',
        {
          other: seen.get(name)!,
          name,
        },
      );
    } else {
      seen.set(name, index);
    }
    const kind = props.kind;
    if (typeof kind !== 'string' || !(FEATURE_KINDS as readonly string[]).includes(kind)) {
      rep.error(
        'unknown-kind',
        `${kind === undefined ? 'properties.kind is missing' : `unknown kind ${JSON.stringify(kind)}`}; allowed kinds: ${FEATURE_KINDS.join(', ')}`,
        kind === undefined ? 'missing-kind' : 'unknown-kind',
        { kind: String(JSON.stringify(kind)).slice(0, 60), kinds: FEATURE_KINDS.join(', ') },
      );
      return;
    }
    const k = kind as FeatureKind;
    const geometry = raw.geometry;
    const gtype = isObject(geometry) ? geometry.type : null;
    const isArea = POLYGON_KINDS.includes(k);
    const wanted = isArea ? 'a Polygon or MultiPolygon' : 'a Point';
    if (!isObject(geometry) || (isArea ? gtype !== 'Polygon' && gtype !== 'MultiPolygon' : gtype !== 'Point')) {
      rep.error(
        'wrong-geometry',
        `${KIND_WORDS[k]} must be ${wanted}, got ${geometry === null || geometry === undefined ? 'no geometry' : JSON.stringify(gtype)}`,
        isArea ? 'wrong-geometry-area' : 'wrong-geometry-point',
        { kind: k },
      );
      return;
    }
    const properties = { ...props };
    const before = issues.length;
    if (isArea) {
      // Counted on the raw coordinates, before the ring checks (a self-intersection sweep over
      // 100,000 vertices would be the stall the limit is there to prevent).
      const corners = countRawPositions(geometry.coordinates, gtype === 'Polygon' ? 2 : 3);
      if (corners > MAX_AREA_VERTICES) {
        // The route planner buffers every no-fly corner; its cost grows faster than linearly with the
        // corner count (5000 corners: half a minute and 2 GB), which would stall the service.
        rep.error(
          'too-many-vertices',
          `${KIND_WORDS[k]} may have at most ${MAX_AREA_VERTICES} vertices, this one has ${corners}; simplify it (e.g. to 1 m tolerance)`,
          'too-many-vertices-area',
          { kind: k, max: MAX_AREA_VERTICES, count: corners },
        );
        return;
      }
      mapVertices += corners; // an area refused above is not counted again in the map's total
      let geom: Polygon | MultiPolygon | undefined;
      if (gtype === 'Polygon') {
        const rings = checkPolygon(geometry.coordinates, '', rep);
        if (rings) geom = { type: 'Polygon', coordinates: rings as Position[][] };
      } else {
        const polys = geometry.coordinates;
        if (!Array.isArray(polys) || polys.length === 0) {
          rep.error('bad-geometry', 'MultiPolygon has no polygons', 'multipolygon-empty');
        } else {
          const out: LonLat[][][] = [];
          polys.forEach((p: unknown, i) => {
            const rings = checkPolygon(p, `polygon ${i} `, rep);
            if (rings) out.push(rings);
          });
          if (out.length === polys.length) geom = { type: 'MultiPolygon', coordinates: out as Position[][][] };
        }
      }
      if (k === 'obstacle' && geom) {
        const corners = allPositions(geom).length;
        if (corners > MAX_OBSTACLE_VERTICES)
          rep.error(
            'too-many-vertices',
            `an obstacle may have at most ${MAX_OBSTACLE_VERTICES} vertices, this one has ${corners}; simplify it`,
            'too-many-vertices-obstacle',
            {
              max: MAX_OBSTACLE_VERTICES,
              count: corners,
            },
          );
      }
      let heightM: number | undefined;
      if (k === 'obstacle') {
        const h = props.height_m;
        if (h === undefined || h === null)
          rep.error('missing-property', 'properties.height_m is missing; an obstacle needs its height above the ground in metres (> 0)', 'missing-height');
        else if (typeof h !== 'number' || !Number.isFinite(h) || h <= 0)
          rep.error(
            'bad-property',
            `properties.height_m must be a number of metres above the ground, greater than 0 (got ${JSON.stringify(h)})`,
            'bad-height',
            {
              got: String(JSON.stringify(h)).slice(0, 60),
            },
          );
        else heightM = h;
      }
      if (k === 'no-fly') {
        if (props.reason !== undefined && typeof props.reason !== 'string')
          rep.error('bad-property', `properties.reason must be a string (got ${JSON.stringify(props.reason)})`, 'bad-reason');
        if (props.temporary !== undefined && typeof props.temporary !== 'boolean')
          rep.error('bad-property', `properties.temporary must be true or false (got ${JSON.stringify(props.temporary)})`, 'bad-temporary');
      }
      if (!geom || issues.length > before || name === undefined) return;
      anchors.push({ rep, pos: allPositions(geom)[0]! });
      if (k === 'obstacle') {
        obstacles.push({ index, name, kind: 'obstacle', geometry: geom, heightM: heightM!, properties });
      } else if (k === 'no-fly') {
        const area: NoFlyArea = { index, name, kind: 'no-fly', geometry: geom, properties, temporary: props.temporary === true };
        if (typeof props.reason === 'string' && props.reason.trim() !== '') area.reason = props.reason.trim();
        noFly.push(area);
      } else {
        areas.push({ index, name, kind: k as AreaKind, geometry: geom, properties });
      }
      return;
    }
    mapVertices += 1;
    const position = checkPosition(geometry.coordinates, 'point', rep);
    if (k === 'depot') {
      const groundAltitudeM = optionalNumber(props, 'groundAltitudeM', rep);
      let drones: string[] = [];
      if (props.drones !== undefined) {
        if (!Array.isArray(props.drones) || !props.drones.every((d) => typeof d === 'string' && d.trim() !== '')) {
          rep.error('bad-property', `properties.drones must be an array of drone id strings (got ${JSON.stringify(props.drones)})`, 'bad-drones');
        } else drones = props.drones.map((d: string) => d.trim());
      }
      if (!position || issues.length > before || name === undefined) return;
      anchors.push({ rep, pos: position });
      const depot: Depot = { index, name, kind: 'depot', position, drones, properties };
      if (groundAltitudeM !== undefined) depot.groundAltitudeM = groundAltitudeM;
      depots.push(depot);
      return;
    }
    const heightM = optionalNumber(props, 'heightM', rep, 0);
    if (!position || issues.length > before || name === undefined) return;
    anchors.push({ rep, pos: position });
    dropPoints.push({ index, name, kind: 'drop-point', position, heightM: heightM ?? 0, properties });
  });

  checkFarAway(anchors);
  const noFlyCorners = noFly.reduce((n, a) => n + allPositions(a.geometry).length, 0);
  if (noFlyCorners > MAX_MAP_NO_FLY_VERTICES) {
    issues.push({
      code: 'too-many-vertices',
      detail: 'too-many-vertices-no-fly-total',
      params: { count: noFlyCorners, max: MAX_MAP_NO_FLY_VERTICES },
      message: `the no-fly areas have ${noFlyCorners} vertices together; a map may have at most ${MAX_MAP_NO_FLY_VERTICES} (simplify the largest ones)`,
    });
  }
  if (mapVertices > MAX_MAP_VERTICES) {
    issues.push({
      code: 'too-many-vertices',
      detail: 'too-many-vertices-map-total',
      params: { count: mapVertices, max: MAX_MAP_VERTICES },
      message: `the features have ${mapVertices} vertices together (a point counts one); a map may have at most ${MAX_MAP_VERTICES} (simplify the largest areas)`,
    });
  }
  const obstacleCorners = obstacles.reduce((n, o) => n + allPositions(o.geometry).length, 0);
  if (obstacleCorners > MAX_MAP_OBSTACLE_VERTICES) {
    issues.push({
      code: 'too-many-vertices',
      detail: 'too-many-vertices-obstacle-total',
      params: { count: obstacleCorners, max: MAX_MAP_OBSTACLE_VERTICES },
      message: `the obstacles have ${obstacleCorners} vertices together; a map may have at most ${MAX_MAP_OBSTACLE_VERTICES} (simplify the outlines)`,
    });
  }
  if (issues.length > 0) throw new ZoneMapError(issues.map((i) => (src ? { ...i, message: src + i.message } : i)));

  const warnings: MapIssue[] = [];
  for (const dp of dropPoints) {
    for (const kind of ZONE_PRIORITY) {
      const zone = areas.find((a) => a.kind === kind && geometryContains(a.geometry, dp.position));
      if (zone) {
        dp.zone = zone.name;
        break;
      }
    }
    for (const nf of noFly) {
      if (geometryContains(nf.geometry, dp.position)) {
        warnings.push({
          code: 'drop-point-in-no-fly',
          detail: 'drop-point-in-no-fly',
          params: { dropPoint: dp.name, area: nf.name },
          message: `drop point ${JSON.stringify(dp.name)} (feature ${dp.index}) lies inside ${nf.temporary ? 'temporary ' : ''}no-fly area ${JSON.stringify(nf.name)} (feature ${nf.index}); deliveries to it are refused while the area is closed`,
          featureIndex: dp.index,
          featureName: dp.name,
        });
      }
    }
  }
  for (const depot of depots) {
    for (const nf of noFly) {
      if (geometryContains(nf.geometry, depot.position)) {
        warnings.push({
          code: 'depot-in-no-fly',
          detail: 'depot-in-no-fly',
          params: { depot: depot.name, area: nf.name },
          message: `depot ${JSON.stringify(depot.name)} (feature ${depot.index}) lies inside no-fly area ${JSON.stringify(nf.name)} (feature ${nf.index}); flights from it are refused`,
          featureIndex: depot.index,
          featureName: depot.name,
        });
      }
    }
  }
  return { name: mapName, areas, noFly, obstacles, depots, dropPoints, siteAltitudeM, warnings, ...(sourceCrs !== 'wgs84' ? { sourceCrs } : {}) };
}

/**
 * A feature whose coordinates are in range but hundreds of km from the rest of the map, and which
 * would land near the rest if its [lon, lat] were swapped, was almost certainly written [lat, lon].
 */
function checkFarAway(anchors: { rep: FeatureReporter; pos: LonLat }[]): void {
  if (anchors.length < 3) return;
  const lons = anchors.map((a) => a.pos[0]).sort((x, y) => x - y);
  const lats = anchors.map((a) => a.pos[1]).sort((x, y) => x - y);
  const mid = Math.floor(anchors.length / 2);
  const centre: LonLat = [lons[mid]!, lats[mid]!];
  for (const { rep, pos } of anchors) {
    const km = distanceM(pos, centre) / 1000;
    if (km > 300 && distanceM([pos[1], pos[0]], centre) / 1000 < 100) {
      rep.error(
        'swapped-coordinates',
        `position ${fmtPos(pos)} lies ${Math.round(km)} km from the rest of the map; it looks swapped: GeoJSON positions are [lon, lat], so write ${fmtPos([pos[1], pos[0]])}`,
        'swapped-far-away',
        { position: fmtPos(pos), km: Math.round(km), swapped: fmtPos([pos[1], pos[0]]) },
      );
    }
  }
}

/** Largest zone map file read, bytes (the service takes 20 MB bodies; /dev/zero must not eat the memory). */
export const MAX_ZONE_MAP_FILE_BYTES = 64 * 1024 * 1024;

/** Read a file as UTF-8, refusing it once it grows past `max` bytes (works for devices and pipes too). */
function readBounded(path: string, max: number): string {
  const fd = openSync(path, 'r');
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(1024 * 1024);
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      total += n;
      if (total > max)
        throw new ZoneMapError([
          {
            code: 'file-too-large',
            message: `zone map ${path}: larger than ${max / (1024 * 1024)} MB; a zone map is a few hundred kB`,
            detail: 'file-too-large',
            params: { maxMb: max / (1024 * 1024) },
          },
        ]);
      chunks.push(buf.subarray(0, n));
    }
    return Buffer.concat(chunks, total).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** Read and validate a zone map file. Missing file, unreadable or non-JSON content → ZoneMapError. */
export function loadZoneMapFile(path: string): ZoneMap {
  let text: string;
  try {
    text = readBounded(path, MAX_ZONE_MAP_FILE_BYTES);
  } catch (err) {
    if (err instanceof ZoneMapError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory, not a file' : `cannot be read (${(err as Error).message})`;
    throw new ZoneMapError([{ code: 'unreadable-file', message: `zone map ${path}: ${why}`, detail: 'unreadable-file', params: { path } }]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    throw new ZoneMapError([
      { code: 'not-json', message: `zone map ${path}: not valid JSON (${(err as Error).message})`, detail: 'not-json', params: { path } },
    ]);
  }
  return parseZoneMap(json, path);
}
