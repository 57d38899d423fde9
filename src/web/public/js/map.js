// @ts-check
// Leaflet maps that work with no tile server: zones, no-fly areas, depots and drop points are
// vector layers (WGS-84); base maps are added when /api/config names tile providers — a GCJ-02 one
// (AMap) with its tiles shifted so the WGS-84 geometry lands on the right street.
import { h } from './dom.js';
import { fmtNumber, localName, t } from './i18n.js';

/**
 * @typedef {import('../../api-types.js').ConfigResponse} ConfigResponse
 * @typedef {import('geojson').FeatureCollection} FeatureCollection
 * @typedef {import('geojson').Geometry} Geometry
 * @typedef {'sealed' | 'controlled' | 'precaution'} AreaKind
 * @typedef {{ kind: AreaKind, name: string, geometry: Geometry }} Area
 * @typedef {{ kind: 'no-fly', name: string, geometry: Geometry, reason: unknown, temporary: boolean }} NoFlyArea
 * @typedef {{ kind: 'depot', name: string, position: [lon: number, lat: number] }} Depot
 * @typedef {{ kind: 'drop-point', name: string, position: [lon: number, lat: number], zone: unknown }} DropPoint
 * @typedef {{ kind: 'obstacle', name: string, geometry: Geometry, heightM: number }} ObstacleFeature
 * @typedef {{ areas: Area[], noFly: NoFlyArea[], obstacles: ObstacleFeature[], depots: Depot[], dropPoints: DropPoint[] }} ZoneLayers
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
  // towers, tall buildings, pylons (kind obstacle): grey, hatched by a dense outline, height labelled
  obstacle: { color: '#37474f', fillColor: '#546e7a', fillOpacity: 0.55, weight: 2 },
  fence: { color: '#2e7d32', fill: false, weight: 2, dashArray: '2 6' },
  fenceExclusion: { color: '#37474f', fill: false, weight: 2, dashArray: '2 6' },
  route: { color: '#0b5cad', weight: 5, opacity: 0.85 },
  // the return leg often runs over the outbound one: another colour, narrower, drawn on top
  inbound: { color: '#ef6c00', weight: 3, opacity: 0.95, dashArray: '10 8' },
  planned: { color: '#0b5cad', weight: 3, opacity: 0.7, dashArray: '8 6' },
  flown: { color: '#00897b', weight: 5, opacity: 0.9 },
};

/**
 * A map with the configured base maps (config.tileProviders, first shown, a layer switcher when
 * there are several) or none: the vector layers alone work offline. `config` is the /api/config
 * answer (may be null when the route is missing).
 * @param {HTMLElement} el
 * @param {ConfigResponse | null} config
 */
export function createMap(el, config) {
  const providers = config?.tileProviders ?? [];
  const map = L.map(el, { zoomControl: true, attributionControl: providers.length > 0, preferCanvas: false });
  map.setView([36.6, 101.78], 13);
  L.control.scale({ metric: true, imperial: false, position: 'bottomleft' }).addTo(map);
  if (providers.length > 0) addBaseMaps(map, providers);
  // Keyboard users get the map's own keyboard pan/zoom; give the container a name.
  el.setAttribute('role', 'region');
  return map;
}

/** Until the user moves the map, the first view is kept fitted to `bounds` as the container settles. */
const fitted = new WeakMap();
/**
 * Show all of `bounds` (padded), and keep showing it while the page lays out (a container that
 * grows after the first fit — fonts, a panel opening, a phone rotating — would otherwise cut off
 * what the first view was meant to show), until the user pans or zooms.
 * @param {import('leaflet').Map} map
 * @param {import('leaflet').LatLngBounds} bounds
 * @param {{ maxZoom?: number }} [options]
 */
export function fitAll(map, bounds, options = {}) {
  if (!bounds.isValid()) return;
  const fit = () => map.fitBounds(bounds, { animate: false, padding: [24, 24], maxZoom: options.maxZoom ?? 17 });
  fit();
  const el = map.getContainer();
  const previous = fitted.get(map);
  previous?.disconnect();
  const observer = new ResizeObserver(() => {
    map.invalidateSize({ animate: false });
    fit();
  });
  observer.observe(el);
  fitted.set(map, observer);
  const stop = () => {
    observer.disconnect();
    for (const ev of ['mousedown', 'touchstart', 'wheel', 'keydown']) el.removeEventListener(ev, stop);
  };
  for (const ev of ['mousedown', 'touchstart', 'wheel', 'keydown']) el.addEventListener(ev, stop, { once: true, passive: true });
}

/** Labels (depot and drop point names, waypoint altitudes) appear from this zoom on. */
export const LABEL_MIN_ZOOM = 15;
/**
 * A label layer shown only when zoomed in (phones have no hover, so names cannot live in tooltips
 * alone; zoomed out they would cover each other).
 * @param {import('leaflet').Map} map
 */
export function labelLayer(map) {
  const group = L.layerGroup();
  const sync = () => {
    if (map.getZoom() >= LABEL_MIN_ZOOM) group.addTo(map);
    else group.remove();
  };
  map.on('zoomend', sync);
  map.whenReady(sync);
  return group;
}
/**
 * A text label next to a point (text set as text, never HTML: names come from uploaded files).
 * @param {import('leaflet').LatLngExpression} at
 * @param {string} text
 * @param {string} [cls]
 */
export function mapLabel(at, text, cls = '') {
  const html = h('span', { class: `map-label ${cls}`.trim(), text });
  return L.marker(at, {
    icon: L.divIcon({ className: 'map-label-icon', html, iconSize: undefined, iconAnchor: [-10, 9] }),
    interactive: false,
    keyboard: false,
  });
}

/**
 * @typedef {import('../../api-types.js').TileProviderView} TileProvider
 * @typedef {(ll: import('leaflet').LatLng) => import('leaflet').LatLng} LatLngShift
 */

/** @type {Promise<LatLngShift> | null} */
let gcjShiftLoading = null;
/**
 * WGS-84 → GCJ-02 for a LatLng, with gcoord's browser build (served at /vendor/gcoord/), loaded
 * once, only when a GCJ-02 base map is configured.
 * @returns {Promise<LatLngShift>}
 */
function loadGcjShift() {
  const url = '/vendor/gcoord/gcoord.esm-browser.prod.js';
  gcjShiftLoading ??= import(url).then((m) => {
    const gcoord = m.default;
    return (ll) => {
      const [lon, lat] = gcoord.transform([ll.lng, ll.lat], gcoord.WGS84, gcoord.GCJ02);
      return L.latLng(lat, lon);
    };
  });
  return gcjShiftLoading;
}

/**
 * A point typed in GCJ-02 (AMap, Tencent) or BD-09 (Baidu), as WGS-84 — where the map draws it; the
 * service converts the same way (src/geo/crs.ts, gcoord) when the request is sent.
 * @param {number} lat @param {number} lon @param {'wgs84' | 'gcj02' | 'bd09'} crs
 * @returns {Promise<{ lat: number, lon: number }>}
 */
export async function wgs84Of(lat, lon, crs) {
  if (crs === 'wgs84') return { lat, lon };
  const url = '/vendor/gcoord/gcoord.esm-browser.prod.js';
  const gcoord = (await import(url)).default;
  const [x, y] = gcoord.transform([lon, lat], crs === 'gcj02' ? gcoord.GCJ02 : gcoord.BD09, gcoord.WGS84);
  return { lat: y, lon: x };
}

/**
 * A tile layer whose tiles are drawn in another datum: Leaflet picks and places the tiles as if the
 * view's centre were `shift(centre)`, so the tile content for a street (drawn at its GCJ-02 position)
 * appears where the street's WGS-84 geometry is drawn. The GCJ-02 offset changes by well under a
 * metre across a district-sized view, so one shift per view is exact enough at street scale.
 * @param {string} url
 * @param {import('leaflet').TileLayerOptions} options
 * @param {LatLngShift} shift
 */
export function shiftedTileLayer(url, options, shift) {
  /** @type {any} */
  const base = L.TileLayer.prototype;
  /** @type {any} */
  const Shifted = L.TileLayer.extend({
    /** @this {any} @param {unknown} level @param {import('leaflet').LatLng | undefined} center @param {number} zoom */
    _setZoomTransform(level, center, zoom) {
      return base._setZoomTransform.call(this, level, shift(center ?? this._map.getCenter()), zoom);
    },
    /** @this {any} @param {import('leaflet').LatLng} center */
    _getTiledPixelBounds(center) {
      return base._getTiledPixelBounds.call(this, shift(center));
    },
  });
  return /** @type {import('leaflet').TileLayer} */ (new Shifted(url, options));
}

/**
 * @param {import('leaflet').Map} map
 * @param {TileProvider[]} providers
 */
function addBaseMaps(map, providers) {
  const needShift = providers.some((p) => p.crs === 'gcj02');
  const ready = needShift ? loadGcjShift() : Promise.resolve(/** @type {LatLngShift} */ ((ll) => ll));
  void ready.then((gcj) => {
    /** @type {Record<string, import('leaflet').Layer>} */
    const bases = {};
    /** @type {Record<string, string>} the provider id of each (translated) layer name */
    const idOf = {};
    for (const p of providers) {
      const datum = p.crs === 'gcj02' ? ` · ${t('tiles.gcj02Shifted')}` : '';
      /** @type {import('leaflet').TileLayerOptions} */
      const options = {
        subdomains: p.subdomains,
        minZoom: p.minZoom,
        maxZoom: 19,
        maxNativeZoom: p.maxZoom,
        attribution: `${escapeText(p.attribution)}${datum}`,
      };
      const make = (/** @type {string} */ url) => (p.crs === 'gcj02' ? shiftedTileLayer(url, options, gcj) : L.tileLayer(url, options));
      const layer = p.overlayUrl ? L.layerGroup([make(p.url), make(p.overlayUrl)]) : make(p.url);
      bases[t(`tiles.${p.id}`)] = layer;
      idOf[t(`tiles.${p.id}`)] = p.id;
    }
    const names = Object.keys(bases);
    // the choice is kept by provider id, not by its translated name: it survives a language change
    const chosenId = localStorage.getItem('medidrop.baseMap');
    const chosen = names.find((n) => idOf[n] === chosenId);
    const first = bases[chosen ?? names[0] ?? ''];
    first?.addTo(map);
    if (names.length > 1) {
      L.control.layers(bases, undefined, { position: 'topright' }).addTo(map);
      map.on('baselayerchange', (ev) => {
        const id = idOf[ev.name];
        if (id) localStorage.setItem('medidrop.baseMap', id);
      });
    }
  });
}

/**
 * Attribution goes into the page as HTML (Leaflet's attribution control): escape it.
 * @param {string} s
 */
function escapeText(s) {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
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
  const out = { areas: [], noFly: [], obstacles: [], depots: [], dropPoints: [] };
  if (!input || !Array.isArray(input.features)) return out;
  for (const f of input.features) {
    const props = f?.properties ?? {};
    const kind = props.kind;
    const name = String(props.name ?? '');
    if (!f?.geometry) continue;
    if (kind === 'sealed' || kind === 'controlled' || kind === 'precaution') out.areas.push({ kind, name, geometry: f.geometry });
    else if (kind === 'no-fly') out.noFly.push({ kind, name, geometry: f.geometry, reason: props.reason, temporary: Boolean(props.temporary) });
    else if (kind === 'obstacle' && (f.geometry.type === 'Polygon' || f.geometry.type === 'MultiPolygon'))
      out.obstacles.push({ kind, name, geometry: f.geometry, heightM: Number(props.height_m) });
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
  const labels = labelLayer(map);
  for (const ob of zm.obstacles) {
    const layer = L.geoJSON(ob.geometry, { style: STYLE.obstacle, interactive: !onDropPointClick });
    const height = fmtNumber(ob.heightM);
    layer.bindTooltip(textTip(t('map.obstacle', { name: ob.name, height })), { sticky: true });
    layer.addTo(group);
    const centre = layer.getBounds().getCenter();
    mapLabel(centre, t('unit.m', { n: height }), 'obstacle').addTo(labels);
  }
  for (const depot of zm.depots) {
    const [lon, lat] = depot.position;
    L.marker([lat, lon], { icon: squareIcon('#12324f'), title: depot.name, keyboard: true, alt: depot.name })
      .bindTooltip(textTip(`${t('map.depot')}: ${depot.name}`))
      .addTo(group);
    mapLabel([lat, lon], localName(depot.name), 'depot').addTo(labels);
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
    if (onDropPointClick) chooseByKeyboard(marker, `${t('map.dropPoint')}: ${dp.name}`, () => onDropPointClick(dp));
    dropMarkers.set(dp.name, marker);
    mapLabel([lat, lon], localName(dp.name)).addTo(labels);
  }
  const bounds = group.getLayers().length ? group.getBounds() : null;
  if (fit === 'dropPoints' && dropMarkers.size > 0) {
    // Officers pick drop points: every drop point, and the depots and no-fly areas around them.
    const dropBounds = L.latLngBounds([...dropMarkers.values()].map((m) => m.getLatLng()));
    for (const d of zm.depots) dropBounds.extend([d.position[1], d.position[0]]);
    fitAll(map, dropBounds);
  } else if (fit && bounds?.isValid()) {
    fitAll(map, bounds);
  }
  /** @type {Set<LegendEntry>} what this map shows, for its legend */
  const present = new Set();
  for (const a of zm.areas) present.add(a.kind);
  if (zm.noFly.length) present.add('no-fly');
  if (zm.obstacles.length) present.add('obstacle');
  if (zm.depots.length) present.add('depot');
  if (zm.dropPoints.length) present.add('dropPoint');
  return { group, bounds, dropMarkers, zoneMap: zm, labels, present };
}

/**
 * A vector marker (an SVG path) a keyboard user can choose as a mouse user clicks it: a Tab stop
 * named for screen readers, Enter or Space chooses. (Chromium already focuses SVG paths that have
 * focus listeners, which Leaflet adds for tooltips; other browsers need the tabindex.)
 * @param {import('leaflet').Path} marker a layer already on the map
 * @param {string} name
 * @param {() => void} choose
 */
function chooseByKeyboard(marker, name, choose) {
  const el = marker.getElement();
  if (!el) return;
  el.setAttribute('tabindex', '0');
  el.setAttribute('role', 'button');
  el.setAttribute('aria-label', name);
  L.DomEvent.on(/** @type {HTMLElement} */ (/** @type {unknown} */ (el)), 'keydown', (ev) => {
    const key = /** @type {KeyboardEvent} */ (ev).key;
    if (key !== 'Enter' && key !== ' ') return;
    L.DomEvent.preventDefault(ev);
    choose();
  });
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

/**
 * A line swatch drawn like the map draws the line: its colour, width and dash pattern.
 * @param {import('leaflet').PathOptions} style
 */
function lineSwatch(style) {
  const dashed = Boolean(style.dashArray);
  const dotted = dashed && String(style.dashArray).startsWith('2 ');
  return h('span', {
    class: `swatch line${dotted ? ' dotted' : dashed ? ' dashed' : ''}`,
    style: { borderColor: String(style.color), borderTopWidth: `${Math.max(2, Math.min(5, style.weight ?? 2))}px` },
  });
}

/** The legend's swatches, by entry: made from STYLE and the icons, so legend and map agree. */
const LEGEND_SWATCHES = {
  sealed: () => h('span', { class: 'swatch', style: { background: 'rgba(211,47,47,.25)', borderColor: STYLE.sealed.color } }),
  controlled: () => h('span', { class: 'swatch', style: { background: 'rgba(245,124,0,.2)', borderColor: STYLE.controlled.color } }),
  precaution: () => h('span', { class: 'swatch dashed', style: { background: 'rgba(251,192,45,.2)', borderColor: STYLE.precaution.color } }),
  'no-fly': () => h('span', { class: 'swatch', style: { background: 'rgba(106,27,154,.35)', borderColor: STYLE['no-fly'].color } }),
  obstacle: () => h('span', { class: 'swatch', style: { background: 'rgba(84,110,122,.6)', borderColor: STYLE.obstacle.color } }),
  route: () => lineSwatch(STYLE.route),
  inbound: () => lineSwatch(STYLE.inbound),
  planned: () => lineSwatch(STYLE.planned),
  flown: () => lineSwatch(STYLE.flown),
  fence: () => lineSwatch(STYLE.fence),
  fenceExclusion: () => lineSwatch(STYLE.fenceExclusion),
  depot: () => h('span', { class: 'swatch', style: { background: '#12324f', borderColor: '#12324f' } }),
  dropPoint: () => h('span', { class: 'swatch dot', style: { background: '#fff', borderColor: '#12324f' } }),
  target: () => h('span', { class: 'swatch dot', style: { background: '#d81b60', borderColor: '#d81b60' } }),
  rally: () => h('span', { class: 'swatch dot', style: { background: '#fff', borderColor: '#2e7d32' } }),
  waypoint: () => h('span', { class: 'swatch dot small', style: { background: '#0b5cad', borderColor: '#0b5cad' } }),
  drone: () => h('span', { class: 'swatch dot', style: { background: '#00897b', borderColor: '#00897b' } }),
};
/** @typedef {keyof typeof LEGEND_SWATCHES} LegendEntry */

/**
 * A legend list for the given entries: 'sealed', 'controlled', 'precaution', 'no-fly', 'route', …
 * With `present` (what the map actually shows), entries the map does not have are left out. A list
 * with 'no-fly' gets 'obstacle' after it (drawZoneMap draws both).
 * @param {LegendEntry[]} entries
 * @param {Set<LegendEntry>} [present]
 */
export function legend(entries, present) {
  // Obstacles come with the zone map on every page that draws it: next to the no-fly areas.
  const listed = entries.includes('obstacle')
    ? entries
    : entries.flatMap((e) => (e === 'no-fly' ? /** @type {LegendEntry[]} */ (['no-fly', 'obstacle']) : [e]));
  const shown = present ? listed.filter((e) => present.has(e)) : listed;
  return h(
    'ul',
    { class: 'legend', 'aria-label': t('map.legend') },
    shown.map((key) => h('li', { dataset: { legend: key } }, LEGEND_SWATCHES[key]?.() ?? null, t(`legend.${key}`))),
  );
}
