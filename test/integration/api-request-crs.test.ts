/**
 * A drop point typed as coordinates copied from AMap/Tencent (GCJ-02) or Baidu (BD-09): the API
 * converts it to WGS-84 before planning and storing, answers WGS-84, and says which system the
 * officer gave. An unknown system is a 400 naming the field, and nothing is stored.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fromWgs84 } from '../../src/geo/crs.js';
import { distanceM } from '../../src/geo/spherical.js';
import { GATE, makeTestApp, newKey, requestBody, type Session, type TestApp } from './api-support.js';

let t: TestApp;
let officer: Session;
beforeEach(async () => {
  t = await makeTestApp();
  officer = await t.login('officer.li');
});
afterEach(async () => {
  await t.close();
});

const post = (body: Record<string, unknown>) =>
  t.as(officer, { method: 'POST', url: '/api/requests', payload: body, headers: { 'idempotency-key': newKey() } });

describe('drop point coordinates in GCJ-02 / BD-09', () => {
  for (const crs of ['gcj02', 'bd09'] as const) {
    it(`${crs}: converted to WGS-84 within 1 m, stored and answered as WGS-84, the system kept`, async () => {
      const [lon, lat] = fromWgs84(GATE, crs);
      // the copied coordinates are hundreds of metres from the WGS-84 point: the conversion matters
      expect(distanceM([lon, lat], GATE)).toBeGreaterThan(100);
      const res = await post(requestBody({ dropPoint: { lat, lon, crs } }));
      expect(res.statusCode, res.body).toBe(201);
      const r = res.json();
      expect(r.dropPoint.crs).toBe(crs);
      expect(r.dropPoint.name).toBeNull();
      expect(distanceM([r.dropPoint.lon, r.dropPoint.lat], GATE)).toBeLessThan(1);
      const stored = t.parts.repos.requests.byId(r.id)!;
      expect(distanceM([stored.lon, stored.lat], GATE)).toBeLessThan(1);
      expect(stored.dropPointCrs).toBe(crs);
    });
  }

  it('without crs the coordinates are WGS-84, unchanged', async () => {
    const res = await post(requestBody({ dropPoint: { lat: GATE[1], lon: GATE[0] } }));
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().dropPoint).toMatchObject({ lat: GATE[1], lon: GATE[0], crs: 'wgs84' });
  });

  it('an unknown system is refused (400 naming dropPoint.crs); nothing is stored', async () => {
    const before = t.parts.repos.requests.list().length;
    const res = await post(requestBody({ dropPoint: { lat: GATE[1], lon: GATE[0], crs: 'mars' } }));
    expect(res.statusCode).toBe(400);
    expect(res.json().error.field).toBe('dropPoint.crs');
    expect(t.parts.repos.requests.list().length).toBe(before);
  });
});
