/**
 * A delivery plan as a GeoJSON FeatureCollection ([lon, lat]): the outbound and inbound route
 * (LineStrings), depot and drop point, the fence polygons (inclusion / exclusion) and the rally
 * points. Each feature has `properties.kind` and, where it applies, a name.
 */
import type { Feature, FeatureCollection } from 'geojson';
import type { DeliveryPlan } from './types.js';
import { fenceShapes } from '../missions/fence-items.js';

export function deliveryPlanGeoJson(plan: DeliveryPlan): FeatureCollection {
  const features: Feature[] = [];
  if (plan.outbound.length >= 2)
    features.push({
      type: 'Feature',
      properties: { kind: 'route', direction: 'outbound', cruiseAltitudeM: plan.cruiseAltitudeM },
      geometry: { type: 'LineString', coordinates: plan.outbound },
    });
  if (plan.inbound.length >= 2)
    features.push({
      type: 'Feature',
      properties: { kind: 'route', direction: 'inbound', cruiseAltitudeM: plan.cruiseAltitudeM },
      geometry: { type: 'LineString', coordinates: plan.inbound },
    });
  features.push({ type: 'Feature', properties: { kind: 'depot', name: plan.depot.name }, geometry: { type: 'Point', coordinates: plan.depot.position } });
  features.push({
    type: 'Feature',
    properties: {
      kind: 'drop-point',
      name: plan.dropPoint.name,
      method: plan.vehiclePlan?.delivery.method ?? null,
      deliverySeq: plan.vehiclePlan?.delivery.seq ?? null,
    },
    geometry: { type: 'Point', coordinates: plan.dropPoint.position },
  });
  if (plan.vehiclePlan) {
    const shapes = fenceShapes(plan.vehiclePlan.fence);
    let ex = 0;
    for (const p of shapes.polygons) {
      const ring = p.points.map(([lat, lon]) => [lon, lat]);
      ring.push(ring[0]!);
      features.push({
        type: 'Feature',
        properties: p.inclusion ? { kind: 'fence-inclusion' } : { kind: 'fence-exclusion', index: ex++ },
        geometry: { type: 'Polygon', coordinates: [ring] },
      });
    }
    for (const [i, p] of plan.rally.points.entries()) {
      features.push({ type: 'Feature', properties: { kind: 'rally-point', index: i }, geometry: { type: 'Point', coordinates: p } });
    }
  }
  return { type: 'FeatureCollection', features };
}

export function exportGeoJson(plan: DeliveryPlan): string {
  return JSON.stringify(deliveryPlanGeoJson(plan), null, 2) + '\n';
}
