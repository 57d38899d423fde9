/**
 * Single-band GeoTIFF DEMs in EPSG:4326 (WGS 84 longitude/latitude), read with the `geotiff` package.
 *
 * The GeoKeys decide whether a file is accepted: GTModelTypeGeoKey must be 2 (geographic) and
 * GeographicTypeGeoKey 4326; a projected file (ProjectedCSTypeGeoKey, e.g. UTM) is refused with the
 * gdalwarp command that fixes it, because reading metres as degrees would put every hill kilometres
 * away. GTRasterTypeGeoKey 1 (PixelIsArea, the default) means the tie point is the corner of pixel
 * (0,0) and each value stands for the pixel's centre; 2 (PixelIsPoint) means the tie point is the
 * sample itself (GeoTIFF 1.1 spec, §2.5.2.2 "Raster Space"). No data: the GDAL_NODATA tag, and NaN.
 */
import { fromArrayBuffer } from 'geotiff';
import type { Grid } from './grid.js';
import { DemError } from './types.js';

const EPSG_WGS84 = 4326;
const MODEL_GEOGRAPHIC = 2;
const RASTER_PIXEL_IS_POINT = 2;

/** Decode a GeoTIFF file's bytes into a grid; `file` names it in errors. */
export async function decodeGeoTiff(bytes: Uint8Array, file: string): Promise<Grid> {
  const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let image: Awaited<ReturnType<Awaited<ReturnType<typeof fromArrayBuffer>>['getImage']>>;
  try {
    const tiff = await fromArrayBuffer(buf);
    image = await tiff.getImage(0);
  } catch (err) {
    throw new DemError(file, `not a readable TIFF (${(err as Error).message})`);
  }
  const keys = image.getGeoKeys();
  if (!keys) throw new DemError(file, 'a TIFF without GeoKeys (no coordinate reference system): not a GeoTIFF DEM');
  if (keys.ProjectedCSTypeGeoKey !== undefined || (keys.GTModelTypeGeoKey !== undefined && keys.GTModelTypeGeoKey !== MODEL_GEOGRAPHIC)) {
    const crs = keys.ProjectedCSTypeGeoKey !== undefined ? `projected CRS EPSG:${keys.ProjectedCSTypeGeoKey}` : `model type ${keys.GTModelTypeGeoKey}`;
    throw new DemError(file, `${crs}; medidrop reads DEMs in EPSG:4326 only (convert with: gdalwarp -t_srs EPSG:4326 in.tif out.tif)`);
  }
  if (keys.GeographicTypeGeoKey !== EPSG_WGS84) {
    throw new DemError(
      file,
      `geographic CRS ${keys.GeographicTypeGeoKey === undefined ? 'not given' : `EPSG:${keys.GeographicTypeGeoKey}`}; medidrop reads DEMs in EPSG:4326 only (convert with: gdalwarp -t_srs EPSG:4326 in.tif out.tif)`,
    );
  }
  const bands = image.getSamplesPerPixel();
  if (bands !== 1) throw new DemError(file, `has ${bands} bands; a DEM has one (heights)`);
  let origin: number[];
  let res: number[];
  try {
    origin = image.getOrigin();
    res = image.getResolution();
  } catch (err) {
    throw new DemError(file, `has no georeferencing (tie point and pixel scale): ${(err as Error).message}`);
  }
  const transform = image.fileDirectory.getValue('ModelTransformation') as number[] | undefined;
  if (transform && (transform[1] !== 0 || transform[4] !== 0))
    throw new DemError(file, 'is rotated (ModelTransformation with shear); medidrop reads north-up grids only');
  const [dx, dy] = [res[0]!, res[1]!];
  if (!(dx > 0) || !(dy < 0)) throw new DemError(file, `pixel size ${dx} × ${dy} degrees is not a north-up grid (needs x > 0, y < 0)`);
  const cols = image.getWidth();
  const rows = image.getHeight();
  const pointSamples = keys.GTRasterTypeGeoKey === RASTER_PIXEL_IS_POINT;
  const half = pointSamples ? 0 : 0.5;
  const west = origin[0]! + half * dx;
  const north = origin[1]! + half * dy;
  if (west - half * dx < -180.0001 || west + (cols - 1 + half) * dx > 360.0001 || north + half * -dy > 90.0001 || north - (rows - 1 + half) * -dy < -90.0001)
    throw new DemError(file, `extent is not in longitude/latitude degrees (origin ${origin[0]}, ${origin[1]}; ${cols}×${rows} pixels of ${dx}°)`);
  let raster: unknown;
  try {
    raster = await image.readRasters({ interleave: true, samples: [0] });
  } catch (err) {
    throw new DemError(file, `cannot decode its pixels (${(err as Error).message})`);
  }
  const data = raster instanceof Int16Array || raster instanceof Float32Array ? raster : Float32Array.from(raster as ArrayLike<number>);
  const nodata = image.getGDALNoData();
  return { west, north, dLon: dx, dLat: -dy, cols, rows, data, nodata: nodata ?? null, border: half };
}
