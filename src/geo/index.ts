/** The geo module: zone map types, loading/validation and the local metric projection. */
export * from './types.js';
export { parseZoneMap, loadZoneMapFile, geometryContains, FEATURE_KINDS } from './zone-map.js';
export { localProjection, boundsCentre, type LocalProjection, type XY } from './projection.js';
