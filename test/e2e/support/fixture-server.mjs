// DEVELOPMENT FIXTURE ONLY (not used by the e2e tests, which drive the real service): a tiny
// in-memory stand-in for the API in src/web/api-types.ts so the pages can be looked at before
// the back end exists. `node test/e2e/support/fixture-server.mjs [port]`.
import Fastify from 'fastify';
import fastifyStatic from '@fastify/static';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const app = Fastify();
await app.register(fastifyStatic, { root: path.join(root, 'src/web/public') });
await app.register(fastifyStatic, { root: path.join(root, 'node_modules/leaflet/dist'), prefix: '/vendor/leaflet/', decorateReply: false });

const users = { officer: { id: 1, username: 'officer', name: '李伟 Li Wei', role: 'officer' }, pilot: { id: 2, username: 'pilot', name: '王芳 Wang Fang', role: 'pilot' }, admin: { id: 3, username: 'admin', name: 'Admin', role: 'admin' } };
const sessions = new Map();
const lonLat = (lat, lon) => [lon, lat];
const box = (lat, lon, d) => [[lonLat(lat - d, lon - d), lonLat(lat - d, lon + d), lonLat(lat + d, lon + d), lonLat(lat + d, lon - d), lonLat(lat - d, lon - d)]];
const geojson = { type: 'FeatureCollection', features: [
  { type: 'Feature', properties: { kind: 'precaution', name: '城东防控区' }, geometry: { type: 'Polygon', coordinates: box(36.62, 101.79, 0.02) } },
  { type: 'Feature', properties: { kind: 'controlled', name: '城东管控区' }, geometry: { type: 'Polygon', coordinates: box(36.62, 101.79, 0.012) } },
  { type: 'Feature', properties: { kind: 'sealed', name: '幸福小区' }, geometry: { type: 'Polygon', coordinates: box(36.62, 101.79, 0.005) } },
  { type: 'Feature', properties: { kind: 'no-fly', name: '核酸检测点', reason: 'testing site', temporary: true }, geometry: { type: 'Polygon', coordinates: box(36.61, 101.775, 0.003) } },
  { type: 'Feature', properties: { kind: 'depot', name: '城东派出所' }, geometry: { type: 'Point', coordinates: [101.765, 36.605] } },
  { type: 'Feature', properties: { kind: 'drop-point', name: '幸福小区3号楼门口', zone: '幸福小区' }, geometry: { type: 'Point', coordinates: [101.79, 36.621] } },
  { type: 'Feature', properties: { kind: 'drop-point', name: '幸福小区北门', zone: '幸福小区' }, geometry: { type: 'Point', coordinates: [101.791, 36.624] } },
] };
const dropPoints = geojson.features.filter((f) => f.properties.kind === 'drop-point').map((f) => ({ name: f.properties.name, position: { lat: f.geometry.coordinates[1], lon: f.geometry.coordinates[0] }, zone: f.properties.zone, heightM: 0 }));
const requests = new Map();
const missions = new Map();
const flights = new Map();
const listeners = new Set();
const flightListeners = new Map();
let nextId = 1;
const keys = new Map();

function who(req) {
  const sid = /medidrop_session=(\w+)/.exec(req.headers.cookie ?? '')?.[1];
  return sid ? sessions.get(sid) : undefined;
}
function err(reply, status, code, message, field) { return reply.code(status).send({ error: { code, message, ...(field ? { field } : {}) } }); }
function broadcast(event, data) { for (const l of listeners) l(event, data); }
function flightEmit(id, event, data) { for (const l of flightListeners.get(id) ?? []) l(event, data); }

app.get('/api/config', async () => ({ lang: 'zh-CN', languages: ['zh-CN', 'en'], tileUrl: null, tileAttribution: null, leafletBase: '/vendor/leaflet', checklist: [
  { id: 'airspace', label: 'Airspace checked' }, { id: 'weather', label: 'Weather' }, { id: 'battery', label: 'Battery' }, { id: 'payload', label: 'Payload' }, { id: 'drop-zone', label: 'Drop zone' }, { id: 'propellers', label: 'Propellers' }] }));
app.post('/api/session', async (req, reply) => {
  const u = users[req.body?.username];
  if (!u || req.body.password !== 'demo') return err(reply, 401, 'unauthenticated', 'wrong user name or password');
  const sid = String(Math.random()).slice(2);
  sessions.set(sid, u);
  reply.header('set-cookie', `medidrop_session=${sid}; Path=/; HttpOnly`);
  return { user: u, csrfToken: 'tok' };
});
app.get('/api/me', async (req, reply) => (who(req) ? { user: who(req), csrfToken: 'tok' } : err(reply, 401, 'unauthenticated', 'log in')));
app.delete('/api/session', async (req, reply) => reply.code(204).send());
app.get('/api/zone-map', async () => ({ version: 1, name: 'demo', updatedAt: new Date().toISOString(), updatedBy: null, geojson, summary: { depots: [], dropPoints, areas: [], warnings: [] } }));
app.get('/api/requests', async (req) => ({ requests: [...requests.values()].filter((r) => !req.query.status || r.status === req.query.status) }));
app.get('/api/requests/:id', async (req, reply) => requests.get(Number(req.params.id)) ?? err(reply, 404, 'not-found', 'no request'));
app.post('/api/requests', async (req, reply) => {
  const u = who(req);
  if (!u) return err(reply, 401, 'unauthenticated', 'log in');
  const key = req.headers['idempotency-key'];
  if (keys.has(key)) return reply.code(200).send(requests.get(keys.get(key)));
  const b = req.body;
  if (b.weightKg > 5) return err(reply, 400, 'bad-request', 'weightKg: 7 kg is over the heaviest payload any drone carries (5 kg)', 'weightKg');
  let dp;
  if ('name' in b.dropPoint) { const d = dropPoints.find((x) => x.name === b.dropPoint.name); if (!d) return err(reply, 400, 'bad-request', 'unknown drop point', 'dropPoint.name'); dp = { name: d.name, ...d.position }; }
  else dp = { name: null, ...b.dropPoint };
  const id = nextId++;
  const now = new Date().toISOString();
  const r = { id, createdAt: now, updatedAt: now, officer: { id: u.id, name: u.name }, recipient: b.recipient, phone: b.phone, dropPoint: dp, medicine: b.medicine, weightKg: b.weightKg, urgency: b.urgency, notes: b.notes ?? '', status: 'awaiting-approval', statusReason: null, reasons: [], missionId: id, plan: { depot: '城东派出所', droneId: 'md-1', droneName: '警用一号', distanceM: 5400, durationS: 420, route: [] }, flight: null, eta: new Date(Date.now() + 600e3).toISOString(), handoverCode: '482913', delivery: null };
  requests.set(id, r);
  keys.set(key, id);
  const route = [[101.765, 36.605], [101.78, 36.6], [dp.lon, dp.lat]];
  const m = { id, requestId: id, status: 'awaiting-approval', urgency: b.urgency, createdAt: now, requestedAt: now, recipient: b.recipient, medicine: b.medicine, weightKg: b.weightKg, depot: { name: '城东派出所', position: { lat: 36.605, lon: 101.765 } }, dropPoint: { name: dp.name ?? 'coords', position: { lat: dp.lat, lon: dp.lon } }, drone: { id: 'md-1', name: '警用一号' }, feasible: true, distanceM: 5400, durationS: 420, energyWh: 61.2, marginPct: 38.5, cruiseAltitudeM: 60, failedChecks: 0, flightId: null,
    request: r, checks: [{ id: 'route-clear', ok: true, message: 'Route keeps 30 m clear of every no-fly area' }, { id: 'payload', ok: true, message: 'Payload 1.2 kg within 5 kg' }, { id: 'energy', ok: true, message: 'Energy margin 38% ≥ reserve' }], reasons: [],
    conditions: { payloadKg: b.weightKg, windSpeedMs: 6, windFromDeg: 300, temperatureC: -5, siteAltitudeM: 2260 },
    geometry: { outbound: route, inbound: [...route].reverse(), waypoints: route.map(([lon, lat]) => [lat, lon, 60]), depot: [101.765, 36.605], dropPoint: [dp.lon, dp.lat], fence: { inclusion: [box(36.613, 101.78, 0.025)[0]], exclusion: [box(36.61, 101.775, 0.0035)[0]], circles: [], returnPoint: [101.765, 36.605] }, rally: [[101.77, 36.603]], zones: geojson },
    legs: [], fence: { items: 12, vertices: 10, excludedAreas: ['核酸检测点'], leftToRoute: [] }, rallyUnsafeLegs: [], candidates: [], checklist: [], approval: null, rejection: null };
  missions.set(id, m);
  broadcast('request', r); broadcast('mission', m);
  return reply.code(201).send(r);
});
app.get('/api/missions', async () => ({ missions: [...missions.values()].filter((m) => m.status === 'awaiting-approval') }));
app.get('/api/missions/:id', async (req, reply) => missions.get(Number(req.params.id)) ?? err(reply, 404, 'not-found', 'no mission'));
app.post('/api/missions/:id/approve', async (req, reply) => {
  const m = missions.get(Number(req.params.id));
  if (!m) return err(reply, 404, 'not-found', 'no mission');
  m.status = 'approved';
  const r = requests.get(m.requestId);
  const f = { id: m.id, missionId: m.id, requestId: m.requestId, drone: { id: 'md-1', name: '警用一号', sysid: 1 }, state: 'approved', stateReason: null, paused: false, createdAt: new Date().toISOString(), airborneAt: null, endedAt: null, progress: null, routeFraction: 0, position: null, batteryPct: 100, link: { up: true, lastHeardAt: new Date().toISOString() }, mode: 'GUIDED', eta: null, alerts: [], transitions: [], delivery: null, plannedRoute: [...m.geometry.outbound, ...m.geometry.inbound] };
  flights.set(f.id, f);
  m.flightId = f.id;
  r.status = 'in-flight'; r.flight = { id: f.id, state: f.state };
  broadcast('request', r); broadcast('mission', m);
  const states = ['uploading', 'uploaded', 'arming', 'en-route', 'en-route', 'en-route', 'delivering', 'returning', 'returning', 'landed', 'completed'];
  let i = 0;
  const timer = setInterval(() => {
    const s = states[i++];
    if (!s) { clearInterval(timer); return; }
    const from = f.state;
    f.state = s;
    f.routeFraction = Math.min(1, i / states.length);
    const pts = f.plannedRoute; const p = pts[Math.min(pts.length - 1, Math.floor(f.routeFraction * (pts.length - 1)))];
    f.position = { t: new Date().toISOString(), lat: p[1], lon: p[0], relAltM: 60, groundSpeedMs: 10, headingDeg: 45 };
    f.batteryPct = 100 - i * 5;
    if (s === 'uploading') flightEmit(f.id, 'progress', f.progress = { phase: 'mission', done: 7, total: 12 });
    flightEmit(f.id, 'state', { from, to: s, at: new Date().toISOString(), cause: 'fixture' });
    flightEmit(f.id, 'position', { ...f.position, routeFraction: f.routeFraction, eta: null });
    flightEmit(f.id, 'battery', { t: f.position.t, remainingPct: f.batteryPct, voltageV: 15 });
    if (s === 'delivering') { f.delivery = { at: new Date().toISOString(), lat: p[1], lon: p[0], distanceM: 1.2, confirmedAt: null }; r.status = 'delivered'; r.delivery = f.delivery; flightEmit(f.id, 'delivery', f.delivery); flightEmit(f.id, 'alert', { kind: 'mode-change', severity: 'info', message: 'AUTO', at: f.position.t }); }
    r.flight = { id: f.id, state: s };
    broadcast('request', r); broadcast('flight', f);
  }, Number(process.env.FIXTURE_STEP_MS ?? 800));
  return { mission: m, flight: f };
});
app.post('/api/missions/:id/reject', async (req) => { const m = missions.get(Number(req.params.id)); m.status = 'rejected'; return m; });
app.get('/api/flights', async () => ({ flights: [...flights.values()] }));
app.get('/api/flights/:id', async (req, reply) => flights.get(Number(req.params.id)) ?? err(reply, 404, 'not-found', 'no flight'));
app.get('/api/flights/:id/track', async (req) => ({ flightId: Number(req.params.id), planned: flights.get(Number(req.params.id))?.plannedRoute ?? [], points: [] }));
for (const a of ['abort', 'pause', 'resume']) app.post(`/api/flights/:id/${a}`, async (req) => { const f = flights.get(Number(req.params.id)); if (a === 'pause') f.paused = true; if (a === 'resume') f.paused = false; return f; });
function sse(req, reply, register) {
  reply.hijack();
  reply.raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  reply.raw.flushHeaders();
  const send = (event, data) => reply.raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  const off = register(send);
  req.raw.on('close', off);
}
app.get('/api/events', (req, reply) => sse(req, reply, (send) => { listeners.add(send); return () => listeners.delete(send); }));
app.get('/api/flights/:id/events', (req, reply) => sse(req, reply, (send) => {
  const id = Number(req.params.id);
  if (flights.get(id)) send('snapshot', flights.get(id));
  const set = flightListeners.get(id) ?? new Set(); flightListeners.set(id, set); set.add(send); return () => set.delete(send);
}));
app.post('/api/handover', async (req, reply) => (req.body.code === '482913' ? { requestId: req.body.requestId, confirmedAt: new Date().toISOString(), medicine: 'x' } : err(reply, 400, 'bad-request', 'wrong code', 'code')));
const address = await app.listen({ port: Number(process.argv[2] ?? 0), host: '127.0.0.1' });
console.log(address);
