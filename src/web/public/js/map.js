// @ts-check
// Leaflet maps that work with no tile server: zones, no-fly areas, depots and drop points are
// vector layers; a base map is added only when /api/config names a tile URL.
import { h } from './dom.js';
import { t } from './i18n.js';

/**
 * @typedef {import('../../api-types.js').ConfigResponse} ConfigResponse
 * @typedef {import('geojson').FeatureCollection} FeatureCollection
 * @typedef {import('geojson').Geometry} Geometry
 * @typedef {'sealed' | 'controlled' | 'precaution'} AreaKind
 * @typedef {{ kind: AreaKind, name: string, geometry: Geometry }} Area
 * @typedef {{ kind: 'no-fly', name: string, geometry: Geometry, reason: unknown, temporary: boolean }} NoFlyArea
 * @typedef {{ kind: 'depot', name: string, position: [lon: number, lat: number] }} Depot
 * @typedef {{ kind: 'drop-point', name: string, position: [lon: number, lat: number], zone: unknown }} DropPoint
 * @typedef {{ areas: Area[], noFly: NoFlyArea[], depots: Depot[], dropPoints: DropPoint[] }} ZoneLayers
 */

// Leaflet's UMD build is loaded by a <script> tag from /vendor/leaflet/leaflet.js (served by the app);
// @types/leaflet types the global.
export const L = globalThis.L;
if (!L) throw new Error('Leaflet did not load from /vendor/leaflet/leaflet.js');

/** @satisfies {Record<string, import('leaflet').PathOptions>} */
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
 * @param {HTMLElement} el
 * @param {ConfigResponse | null} config
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

/**
 * Sort the zone-map GeoJSON (features with properties.kind, as GET /api/zone-map and the mission
 * geometry give it) into the layers drawn. A feature without geometry, or a point without two
 * coordinates, is left out.
 * @param {FeatureCollection | null | undefined} input
 * @returns {ZoneLayers}
 */
export function normaliseZoneMap(input) {
  /** @type {ZoneLayers} */
  const out = { areas: [], noFly: [], depots: [], dropPoints: [] };
  if (!input || !Array.isArray(input.features)) return out;
  for (const f of input.features) {
    const props = f?.properties ?? {};
    const kind = props.kind;
    const name = String(props.name ?? '');
    if (!f?.geometry) continue;
    if (kind === 'sealed' || kind === 'controlled' || kind === 'precaution') out.areas.push({ kind, name, geometry: f.geometry });
    else if (kind === 'no-fly') out.noFly.push({ kind, name, geometry: f.geometry, reason: props.reason, temporary: Boolean(props.temporary) });
    else if ((kind === 'depot' || kind === 'drop-point') && f.geometry.type === 'Point') {
      const [lon, lat] = f.geometry.coordinates;
      if (lon === undefined || lat === undefined) continue;
      if (kind === 'depot') out.depots.push({ kind, name, position: [lon, lat] });
      else out.dropPoints.push({ kind, name, position: [lon, lat], zone: props.zone });
    }
  }
  return out;
}

/**
 * Tooltip content as a DOM node: Leaflet puts string content in with innerHTML, and zone, drop
 * point and drone names come from uploaded files and forms.
 * @param {unknown} text
 */
export function textTip(text) {
  return h('span', { text: String(text) });
}

/** @param {AreaKind | 'no-fly'} kind */
function zoneLabel(kind) {
  return t(`zone.${kind}`);
}

/**
 * Draw zones, no-fly areas, depots and drop points. Returns { group, bounds, dropMarkers } where
 * dropMarkers maps a drop point name to its marker (pages attach click handlers).
 * @param {import('leaflet').Map} map
 * @param {FeatureCollection | null | undefined} zoneMapInput
 * @param {{ onDropPointClick?: (dp: DropPoint) => void, fit?: 'all' | 'dropPoints' | false }} [options]
 */
export function drawZoneMap(map, zoneMapInput, { onDropPointClick, fit = 'all' } = {}) {
  const zm = normaliseZoneMap(zoneMapInput);
  const group = L.featureGroup().addTo(map);
  /** @type {Record<AreaKind, number>} */
  const order = { precaution: 0, controlled: 1, sealed: 2 };
  const areas = [...zm.areas].sort((a, b) => order[a.kind] - order[b.kind]);
  for (const area of areas) {
    const layer = L.geoJSON(area.geometry, { style: STYLE[area.kind], interactive: !onDropPointClick });
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
  /** @type {Map<string, import('leaflet').CircleMarker>} */
  const dropMarkers = new Map();
  for (const dp of zm.dropPoints) {
    const [lon, lat] = dp.position;
    const marker = L.circleMarker([lat, lon], { radius: 7, color: '#12324f', weight: 2, fillColor: '#ffffff', fillOpacity: 1 });
    marker.bindTooltip(textTip(`${t('map.dropPoint')}: ${dp.name}`));
    if (onDropPointClick)
      marker.on('click', (ev) => {
        L.DomEvent.stopPropagation(ev);
        onDropPointClick(dp);
      });
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

// The icons are DOM nodes styled through the CSSOM, not HTML strings: Leaflet puts a string in with
// innerHTML, and the page's Content Security Policy (src/web/security-headers.ts) refuses inline
// style attributes that arrive that way.

/** @param {string} color */
export function squareIcon(color) {
  return L.divIcon({
    className: '',
    html: h('span', {
      style: { display: 'block', width: '14px', height: '14px', background: color, border: '2px solid #fff', boxShadow: `0 0 0 1px ${color}` },
    }),
    iconSize: [14, 14],
    iconAnchor: [7, 7],
  });
}

/** @param {string} color */
export function pinIcon(color) {
  return L.divIcon({
    className: '',
    html: h('span', {
      style: {
        display: 'block',
        width: '18px',
        height: '18px',
        borderRadius: '50% 50% 50% 0',
        transform: 'rotate(-45deg)',
        background: color,
        border: '2px solid #fff',
        boxShadow: `0 0 0 1px ${color}`,
      },
    }),
    iconSize: [18, 18],
    iconAnchor: [9, 18],
  });
}

const SVG = 'http://www.w3.org/2000/svg';

/**
 * @param {string} tag
 * @param {Record<string, string | number>} attrs
 * @returns {SVGElement}
 */
function svg(tag, attrs) {
  const el = /** @type {SVGElement} */ (document.createElementNS(SVG, tag));
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

/** @param {number} [headingDeg] */
export function droneIcon(headingDeg = 0) {
  const rot = Number.isFinite(headingDeg) ? headingDeg : 0;
  const icon = svg('svg', { width: 28, height: 28, viewBox: '-14 -14 28 28', 'aria-hidden': 'true' });
  icon.style.transform = `rotate(${rot}deg)`;
  icon.append(svg('circle', { r: 12, fill: '#00897b', stroke: '#fff', 'stroke-width': 2 }), svg('path', { d: 'M0,-9 L6,6 L0,2 L-6,6 Z', fill: '#fff' }));
  return L.divIcon({
    className: '',
    html: /** @type {HTMLElement} */ (/** @type {unknown} */ (icon)),
    iconSize: [28, 28],
    iconAnchor: [14, 14],
  });
}

/** The legend's swatches, by entry (the colours of STYLE and the icons). */
const LEGEND_SWATCHES = {
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
/** @typedef {keyof typeof LEGEND_SWATCHES} LegendEntry */

/**
 * A legend list for the given entries: 'sealed', 'controlled', 'precaution', 'no-fly', 'route', …
 * @param {LegendEntry[]} entries
 */
export function legend(entries) {
  return h(
    'ul',
    { class: 'legend', 'aria-label': t('map.legend') },
    entries.map((key) => h('li', {}, LEGEND_SWATCHES[key]?.() ?? null, t(`legend.${key}`))),
  );
}
