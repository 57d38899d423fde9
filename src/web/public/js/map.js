// Leaflet maps that work with no tile server: zones, no-fly areas, depots and drop points are
// vector layers; a base map is added only when /api/config names a tile URL.
import { h } from './dom.js';
import { t } from './i18n.js';

// Leaflet's UMD build is loaded by a <script> tag from /vendor/leaflet/leaflet.js (served by the app).
export const L = globalThis.L;
if (!L) throw new Error('Leaflet did not load from /vendor/leaflet/leaflet.js');

export const STYLE = {
  sealed: { color: '#d32f2f', fillColor: '#d32f2f', fillOpacity: 0.18, weight: 2 },
  controlled: { color: '#f57c00', fillColor: '#f57c00', fillOpacity: 0.12, weight: 2 },
  precaution: { color: '#c9a000', fillColor: '#fbc02d', fillOpacity: 0.1, weight: 2, dashArray: '6 4' },
  'no-fly': { color: '#6a1b9a', fillColor: '#6a1b9a', fillOpacity: 0.3, weight: 2 },
  fence: { color: '#37474f', fill: false, weight: 2, dashArray: '2 6' },
  route: { color: '#0b5cad', weight: 4, opacity: 0.9 },
  inbound: { color: '#0b5cad', weight: 3, opacity: 0.7, dashArray: '8 6' },
  flown: { color: '#00897b', weight: 5, opacity: 0.9 },
};

/**
 * A map with no base layer unless `tileUrl` is given. `config` is the /api/config answer (may be
 * null when the route is missing: the map still works offline).
 */
export function createMap(el, config) {
  const map = L.map(el, { zoomControl: true, attributionControl: Boolean(config?.tileUrl), preferCanvas: false });
  if (config?.tileUrl) {
    L.tileLayer(config.tileUrl, { maxZoom: 19, attribution: config.tileAttribution ?? '' }).addTo(map);
  }
  map.setView([36.6, 101.78], 13);
  // Keyboard users get the map's own keyboard pan/zoom; give the container a name.
  el.setAttribute('role', 'region');
  return map;
}

/** Accept either the zone-map GeoJSON (features with properties.kind) or a typed ZoneMap. */
export function normaliseZoneMap(input) {
  const out = { areas: [], noFly: [], depots: [], dropPoints: [] };
  if (!input) return out;
  if (Array.isArray(input.features)) {
    for (const f of input.features) {
      const kind = f?.properties?.kind;
      const name = String(f?.properties?.name ?? '');
      if (!f?.geometry) continue;
      if (kind === 'sealed' || kind === 'controlled' || kind === 'precaution') out.areas.push({ kind, name, geometry: f.geometry, properties: f.properties });
      else if (kind === 'no-fly') out.noFly.push({ kind, name, geometry: f.geometry, properties: f.properties, reason: f.properties.reason, temporary: Boolean(f.properties.temporary) });
      else if (kind === 'depot' && f.geometry.type === 'Point') out.depots.push({ kind, name, position: f.geometry.coordinates, properties: f.properties });
      else if (kind === 'drop-point' && f.geometry.type === 'Point') out.dropPoints.push({ kind, name, position: f.geometry.coordinates, properties: f.properties, zone: f.properties.zone });
    }
    return out;
  }
  out.areas = input.areas ?? [];
  out.noFly = input.noFly ?? [];
  out.depots = input.depots ?? [];
  out.dropPoints = input.dropPoints ?? [];
  return out;
}

/**
 * Tooltip content as a DOM node: Leaflet puts string content in with innerHTML, and zone, drop
 * point and drone names come from uploaded files and forms.
 */
export function textTip(text) {
  return h('span', { text: String(text) });
}

function zoneLabel(kind) {
  return t(`zone.${kind}`);
}

/**
 * Draw zones, no-fly areas, depots and drop points. Returns { group, bounds, dropMarkers } where
 * dropMarkers maps a drop point name to its marker (pages attach click handlers).
 */
export function drawZoneMap(map, zoneMapInput, { onDropPointClick, fit = 'all' } = {}) {
  const zm = normaliseZoneMap(zoneMapInput);
  const group = L.featureGroup().addTo(map);
  const order = { precaution: 0, controlled: 1, sealed: 2 };
  const areas = [...zm.areas].sort((a, b) => (order[a.kind] ?? 0) - (order[b.kind] ?? 0));
  for (const area of areas) {
    const layer = L.geoJSON(area.geometry, { style: STYLE[area.kind] ?? STYLE.precaution, interactive: !onDropPointClick });
    layer.bindTooltip(textTip(`${zoneLabel(area.kind)}: ${area.name}`), { sticky: true });
    layer.addTo(group);
  }
  for (const nf of zm.noFly) {
    const layer = L.geoJSON(nf.geometry, { style: STYLE['no-fly'] });
    const reason = nf.reason ? ` (${nf.reason})` : '';
    const temp = nf.temporary ? ` · ${t('map.temporary')}` : '';
    layer.bindTooltip(textTip(`${zoneLabel('no-fly')}: ${nf.name}${reason}${temp}`), { sticky: true });
    layer.addTo(group);
  }
  for (const depot of zm.depots) {
    const [lon, lat] = depot.position;
    L.marker([lat, lon], { icon: squareIcon('#12324f'), title: depot.name, keyboard: true, alt: depot.name })
      .bindTooltip(textTip(`${t('map.depot')}: ${depot.name}`))
      .addTo(group);
  }
  const dropMarkers = new Map();
  for (const dp of zm.dropPoints) {
    const [lon, lat] = dp.position;
    const marker = L.circleMarker([lat, lon], { radius: 7, color: '#12324f', weight: 2, fillColor: '#ffffff', fillOpacity: 1 });
    marker.bindTooltip(textTip(`${t('map.dropPoint')}: ${dp.name}`));
    if (onDropPointClick) marker.on('click', (ev) => { L.DomEvent.stopPropagation(ev); onDropPointClick(dp); });
    marker.addTo(group);
    dropMarkers.set(dp.name, marker);
  }
  const bounds = group.getLayers().length ? group.getBounds() : null;
  if (fit === 'dropPoints' && dropMarkers.size > 0) {
    // Officers pick drop points: show where they are, not the whole county.
    const dropBounds = L.latLngBounds([...dropMarkers.values()].map((m) => m.getLatLng()));
    map.fitBounds(dropBounds.pad(0.15), { animate: false, maxZoom: 17 });
  } else if (fit && bounds?.isValid()) {
    map.fitBounds(bounds.pad(0.05), { animate: false });
  }
  return { group, bounds, dropMarkers, zoneMap: zm };
}

export function squareIcon(color) {
  return L.divIcon({
    className: '',
    html: `<span style="display:block;width:14px;height:14px;background:${color};border:2px solid #fff;box-shadow:0 0 0 1px ${color}"></span>`,
    iconSize: [14, 14],
    iconAnchor: [7, 7],
  });
}

export function pinIcon(color) {
  return L.divIcon({
    className: '',
    html: `<span style="display:block;width:18px;height:18px;border-radius:50% 50% 50% 0;transform:rotate(-45deg);background:${color};border:2px solid #fff;box-shadow:0 0 0 1px ${color}"></span>`,
    iconSize: [18, 18],
    iconAnchor: [9, 18],
  });
}

export function droneIcon(headingDeg = 0) {
  const rot = Number.isFinite(headingDeg) ? headingDeg : 0;
  return L.divIcon({
    className: '',
    html: `<svg width="28" height="28" viewBox="-14 -14 28 28" style="transform:rotate(${rot}deg)" aria-hidden="true"><circle r="12" fill="#00897b" stroke="#fff" stroke-width="2"/><path d="M0,-9 L6,6 L0,2 L-6,6 Z" fill="#fff"/></svg>`,
    iconSize: [28, 28],
    iconAnchor: [14, 14],
  });
}

/** [lon, lat] pairs → Leaflet [lat, lon]. */
export function toLatLngs(lonLats) {
  return (lonLats ?? []).filter((p) => Array.isArray(p) && p.length >= 2).map(([lon, lat]) => [lat, lon]);
}

/** A legend list for the given entries: 'sealed', 'controlled', 'precaution', 'no-fly', 'route', … */
export function legend(entries) {
  const items = {
    sealed: () => h('span', { class: 'swatch', style: { background: 'rgba(211,47,47,.25)', borderColor: '#d32f2f' } }),
    controlled: () => h('span', { class: 'swatch', style: { background: 'rgba(245,124,0,.2)', borderColor: '#f57c00' } }),
    precaution: () => h('span', { class: 'swatch dashed', style: { background: 'rgba(251,192,45,.2)', borderColor: '#c9a000' } }),
    'no-fly': () => h('span', { class: 'swatch', style: { background: 'rgba(106,27,154,.35)', borderColor: '#6a1b9a' } }),
    route: () => h('span', { class: 'swatch line', style: { borderColor: '#0b5cad' } }),
    inbound: () => h('span', { class: 'swatch line dashed', style: { borderColor: '#0b5cad' } }),
    planned: () => h('span', { class: 'swatch line dashed', style: { borderColor: '#0b5cad' } }),
    flown: () => h('span', { class: 'swatch line', style: { borderColor: '#00897b', borderTopWidth: '4px' } }),
    fence: () => h('span', { class: 'swatch line dashed', style: { borderColor: '#37474f' } }),
    depot: () => h('span', { class: 'swatch', style: { background: '#12324f', borderColor: '#12324f' } }),
    dropPoint: () => h('span', { class: 'swatch dot', style: { background: '#fff', borderColor: '#12324f' } }),
    target: () => h('span', { class: 'swatch dot', style: { background: '#d81b60', borderColor: '#d81b60' } }),
    rally: () => h('span', { class: 'swatch dot', style: { background: '#fff', borderColor: '#2e7d32' } }),
    drone: () => h('span', { class: 'swatch dot', style: { background: '#00897b', borderColor: '#00897b' } }),
  };
  return h('ul', { class: 'legend', 'aria-label': t('map.legend') },
    entries.map((key) => h('li', {}, items[key]?.() ?? null, t(`legend.${key}`))));
}
