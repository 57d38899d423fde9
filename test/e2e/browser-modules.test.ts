/**
 * The pages' pure helpers, run in Node (they touch no DOM at import): how typed coordinates are
 * read, and the string interpolation every label goes through.
 */
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const js = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/web/public/js');
type Coords = { lat: number; lon: number } | null;
const views = (await import(pathToFileURL(path.join(js, 'views.js')).href)) as {
  parseCoords(text: string): Coords;
  fmtCoords(lat: number, lon: number): string;
};
const i18n = (await import(pathToFileURL(path.join(js, 'i18n.js')).href)) as { t(key: string, vars?: Record<string, unknown>): string };

describe('typed drop-point coordinates ("lat, lon")', () => {
  it('reads the forms officers type', () => {
    expect(views.parseCoords('36.6171, 101.7782')).toEqual({ lat: 36.6171, lon: 101.7782 });
    expect(views.parseCoords(' 36.6171 101.7782 ')).toEqual({ lat: 36.6171, lon: 101.7782 });
    expect(views.parseCoords('36.6171，101.7782')).toEqual({ lat: 36.6171, lon: 101.7782 }); // full-width comma (Chinese IME)
    expect(views.parseCoords('-33.9, 151.2')).toEqual({ lat: -33.9, lon: 151.2 });
  });

  it('refuses what is not a position, including lon/lat swapped past ±90', () => {
    expect(views.parseCoords('101.7782, 36.6171')).toBeNull();
    expect(views.parseCoords('36.6171')).toBeNull();
    expect(views.parseCoords('36.6171, 101.7782, 12')).toBeNull();
    expect(views.parseCoords('north gate')).toBeNull();
    expect(views.parseCoords('36.6, 181')).toBeNull();
    expect(views.parseCoords('')).toBeNull();
  });

  it('writes back what it reads', () => {
    const text = views.fmtCoords(36.6171901, 101.7782);
    expect(text).toBe('36.617190, 101.778200');
    expect(views.parseCoords(text)).toEqual({ lat: 36.61719, lon: 101.7782 });
  });
});

describe('string lookup', () => {
  it('falls back to the key itself when no string is found (a gap shows, nothing breaks)', () => {
    expect(i18n.t('officer.submit')).toBe('officer.submit');
  });
});
