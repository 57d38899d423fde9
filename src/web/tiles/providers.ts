/**
 * Base-map tile providers, each with the coordinate system its tiles are drawn in. medidrop's
 * geometry is WGS-84; a GCJ-02 base map (AMap/高德) shows every street ~170–560 m away from its
 * WGS-84 position, so the pages shift such a layer's tiles by the GCJ-02 offset at the view's centre
 * (src/web/public/js/map.js) and the zones land on the right street.
 *
 * - 天地图 Tianditu: CGCS2000, which for a drop at street scale is WGS-84 (they differ by
 *   centimetres); its Web-Mercator ("_w") WMTS layers need a key (console.tianditu.gov.cn).
 * - AMap/高德: GCJ-02 (every map licensed in China is), no key for the raster tiles.
 * - OpenStreetMap: WGS-84; its tile usage policy asks heavy users to run their own server.
 * - offline: a local MBTiles file served by medidrop itself (/tiles/offline/{z}/{x}/{y}), for field
 *   units without internet.
 * - custom: MEDIDROP_TILE_URL with MEDIDROP_TILE_CRS (default wgs84).
 */
import type { CoordinateSystem } from '../../domain/words.js';

export type TileProviderId = 'tianditu' | 'amap' | 'osm' | 'offline' | 'custom';
export const TILE_PROVIDER_IDS: readonly TileProviderId[] = ['tianditu', 'amap', 'osm', 'offline', 'custom'];

/** The datums a base map can be drawn in (BD-09 tiles, Baidu's own projection, are not supported). */
export type TileCrs = Extract<CoordinateSystem, 'wgs84' | 'gcj02'>;

export interface TileProvider {
  id: TileProviderId;
  /** Leaflet URL template ({s} subdomain, {z}/{x}/{y}). */
  url: string;
  subdomains: string;
  /** A label layer drawn over the base (Tianditu ships names separately), or null. */
  overlayUrl: string | null;
  attribution: string;
  crs: TileCrs;
  minZoom: number;
  maxZoom: number;
}

export interface TileSettings {
  /** Providers to offer, in order (the first is shown); empty: none (vector layers only). */
  tiles: TileProviderId[];
  tileUrl: string | null;
  tileAttribution: string | null;
  tileCrs: TileCrs;
  tiandituKey: string | null;
  /** Zoom range of the offline file, when one is configured. */
  offline: { minZoom: number; maxZoom: number; attribution: string | null } | null;
}

const TIANDITU = (layer: 'vec' | 'cva', key: string) =>
  `https://t{s}.tianditu.gov.cn/${layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=${layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=${encodeURIComponent(key)}`;

/** One provider, or the reason it cannot be offered. */
function provider(id: TileProviderId, s: TileSettings): TileProvider | string {
  switch (id) {
    case 'tianditu':
      if (!s.tiandituKey) return 'tianditu needs a key: set MEDIDROP_TIANDITU_KEY (free from console.tianditu.gov.cn)';
      return {
        id,
        url: TIANDITU('vec', s.tiandituKey),
        subdomains: '01234567',
        overlayUrl: TIANDITU('cva', s.tiandituKey),
        attribution: '© 天地图 Tianditu',
        crs: 'wgs84',
        minZoom: 1,
        maxZoom: 18,
      };
    case 'amap':
      return {
        id,
        url: 'https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}',
        subdomains: '1234',
        overlayUrl: null,
        attribution: '© 高德地图 AMap',
        crs: 'gcj02',
        minZoom: 3,
        maxZoom: 18,
      };
    case 'osm':
      return {
        id,
        url: 'https://tile.openstreetmap.org/{z}/{x}/{y}.png',
        subdomains: 'abc',
        overlayUrl: null,
        attribution: '© OpenStreetMap contributors',
        crs: 'wgs84',
        minZoom: 0,
        maxZoom: 19,
      };
    case 'offline':
      if (!s.offline) return 'offline needs a tile file: set MEDIDROP_OFFLINE_TILES to an .mbtiles file';
      return {
        id,
        url: '/tiles/offline/{z}/{x}/{y}',
        subdomains: 'abc',
        overlayUrl: null,
        attribution: s.offline.attribution ?? 'offline map',
        crs: 'wgs84',
        minZoom: s.offline.minZoom,
        maxZoom: s.offline.maxZoom,
      };
    case 'custom':
      if (!s.tileUrl) return 'custom needs MEDIDROP_TILE_URL';
      return { id, url: s.tileUrl, subdomains: 'abc', overlayUrl: null, attribution: s.tileAttribution ?? '', crs: s.tileCrs, minZoom: 0, maxZoom: 19 };
  }
}

/**
 * The providers the pages offer, in order, or the problems (one per provider that cannot be
 * offered). With no list configured: the offline file if there is one, then a custom URL if there
 * is one — so a field unit that only sets MEDIDROP_OFFLINE_TILES gets its map.
 */
export function resolveTileProviders(s: TileSettings): { providers: TileProvider[]; problems: string[] } {
  const ids: TileProviderId[] =
    s.tiles.length > 0 ? [...new Set(s.tiles)] : [...(s.offline ? ['offline' as const] : []), ...(s.tileUrl ? ['custom' as const] : [])];
  const providers: TileProvider[] = [];
  const problems: string[] = [];
  for (const id of ids) {
    const p = provider(id, s);
    if (typeof p === 'string') problems.push(p);
    else providers.push(p);
  }
  return { providers, problems };
}
