/** The missions module: mission builder, fence, rally, exports and the .plan reader. */
export * from './types.js';
export { buildMission, type MissionInput, type BuiltMission } from './build.js';
export { buildFence, fenceStorageBytes, FENCE_MAX_ITEMS, FENCE_MAX_VERTICES, type FenceResult, type FencePolygon } from './fence.js';
export { chooseRally, type RallyResult } from './rally.js';
export { fenceShapes, fenceItemsFromShapes, type FenceShapes } from './fence-items.js';
export { exportQgcPlan, toQgcPlan, readPlanFile, parsePlanFile, PlanFileError, type ParsedPlanFile, type QgcPlanFile, type PlanFileMeta, type MedidropPlanMember } from './export-qgc.js';
export { deriveVehicleParams, type DerivedParams } from './plan-params.js';
export { exportWaypoints } from './export-waypoints.js';
export { exportGeoJson, deliveryPlanGeoJson } from './export-geojson.js';
export { exportDeliveryPlan, deliveryPlanSummary } from './export-plan.js';
