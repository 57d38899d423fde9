// @ts-check
// Admin: replace the zone map (shows every validation problem the service finds), list and add
// users, list drones.
import { $, h, replaceChildren } from './dom.js';
import { t, onLanguageChange, fmtTime, fmtNumber } from './i18n.js';
import { api, requireSession, config, describeError, ApiError } from './api.js';
import { startPage } from './layout.js';
import { createMap, drawZoneMap, legend } from './map.js';

/**
 * @typedef {import('../../api-types.js').ZoneMapResponse} ZoneMapResponse
 * @typedef {import('../../api-types.js').UserView} UserView
 * @typedef {import('../../api-types.js').DroneView} DroneView
 * @typedef {import('../../api-types.js').Role} Role
 * @typedef {import('./api.js').ApiIssue} ApiIssue
 */

await startPage(() => requireSession(['admin']));
const cfg = await config();
const map = createMap($('#admin-map'), cfg);
/** @type {ReturnType<typeof drawZoneMap> | null} */
let drawn = null;
/** @type {ZoneMapResponse | null} */
let zoneMap = null;
/** @type {UserView[]} */
let users = [];
/** @type {DroneView[]} */
let drones = [];

function renderZoneMap() {
  if (!zoneMap) return;
  $('#zm-current').textContent = t('admin.zoneMapCurrent', {
    name: zoneMap.name,
    version: zoneMap.version,
    time: fmtTime(zoneMap.updatedAt),
    depots: zoneMap.summary.depots.length,
    dropPoints: zoneMap.summary.dropPoints.length,
    areas: zoneMap.summary.areas.length,
  });
  if (drawn) drawn.group.remove();
  drawn = drawZoneMap(map, zoneMap.geojson);
  replaceChildren($('#admin-legend'), legend(['sealed', 'controlled', 'precaution', 'no-fly', 'depot', 'dropPoint']));
}

/** @param {ApiIssue[]} issues */
function issueList(issues) {
  return h(
    'ul',
    {},
    issues.map((i) =>
      h('li', {
        text: `${i.featureIndex != null ? `#${i.featureIndex} ` : ''}${i.featureName ? `${i.featureName}: ` : ''}${i.message}`,
      }),
    ),
  );
}

$('#zm-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const out = $('#zm-result');
  const file = $('#zm-file', HTMLInputElement).files?.[0];
  if (!file) {
    replaceChildren(out, h('div', { class: 'notice error', text: t('admin.zoneMapNoFile') }));
    return;
  }
  /** @type {unknown} the service checks it and names every problem */
  let body;
  try {
    body = JSON.parse(await file.text());
  } catch (err) {
    replaceChildren(out, h('div', { class: 'notice error', text: t('admin.zoneMapNotJson', { detail: String(err instanceof Error ? err.message : err) }) }));
    return;
  }
  const button = $('#zm-upload', HTMLButtonElement);
  button.disabled = true;
  try {
    const res = await api('PUT /api/zone-map', { body });
    zoneMap = res;
    renderZoneMap();
    replaceChildren(
      out,
      h('div', { class: 'notice ok', text: t('admin.zoneMapAccepted', { version: res.version, replanned: res.replanned?.length ?? 0 }) }),
      res.summary.warnings?.length ? h('div', { class: 'notice info' }, t('admin.zoneMapWarnings'), issueList(res.summary.warnings)) : null,
    );
  } catch (err) {
    const issues = err instanceof ApiError ? err.issues : [];
    replaceChildren(
      out,
      h(
        'div',
        { class: 'notice error', id: 'zm-errors' },
        h('div', { text: t('admin.zoneMapRefused') }),
        issues.length ? issueList(issues) : h('div', { text: `${fieldOf(err)}${describeError(err)}` }),
      ),
    );
  } finally {
    button.disabled = false;
  }
});

/**
 * "field: " for an error the service tied to a field, else nothing.
 * @param {unknown} err
 */
function fieldOf(err) {
  return err instanceof ApiError && err.field ? `${err.field}: ` : '';
}

function renderUsers() {
  replaceChildren(
    $('#users-table'),
    h('tr', {}, h('th', { text: t('login.username') }), h('th', { text: t('admin.displayName') }), h('th', { text: t('admin.role') })),
    users.map((u) => h('tr', {}, h('td', { text: u.username }), h('td', { text: u.name }), h('td', { text: t(`role.${u.role}`) }))),
  );
}

function renderDrones() {
  replaceChildren(
    $('#drones-table'),
    h('tr', {}, h('th', { text: t('admin.drone') }), h('th', { text: t('map.depot') }), h('th', { text: t('admin.droneStatus') })),
    drones.map((d) =>
      h(
        'tr',
        {},
        h('td', { text: `${d.name} (${d.id}, sysid ${d.sysid})` }),
        h('td', { text: d.depot }),
        h('td', { text: `${t(`drone.${d.status}`)}${d.profile ? ` · ${fmtNumber(d.profile.maxPayloadKg, 1)} kg` : ''}` }),
      ),
    ),
  );
}

$('#user-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const out = $('#user-result');
  out.className = 'notice';
  out.textContent = '';
  try {
    const user = await api('POST /api/users', {
      body: {
        username: $('#u-username', HTMLInputElement).value.trim(),
        name: $('#u-name', HTMLInputElement).value.trim(),
        password: $('#u-password', HTMLInputElement).value,
        // The select offers exactly the three roles (admin.html); the service answers 400 field 'role' to anything else.
        role: /** @type {Role} */ ($('#u-role', HTMLSelectElement).value),
      },
    });
    users.push(user);
    renderUsers();
    $('#user-form', HTMLFormElement).reset();
    out.className = 'notice ok';
    out.textContent = t('admin.userAdded', { name: user.name });
  } catch (err) {
    out.className = 'notice error';
    out.textContent = `${fieldOf(err)}${describeError(err)}`;
  }
});

async function load() {
  const [zm, us, ds] = await Promise.allSettled([api('GET /api/zone-map'), api('GET /api/users'), api('GET /api/drones')]);
  if (zm.status === 'fulfilled') {
    zoneMap = zm.value;
    renderZoneMap();
  }
  if (us.status === 'fulfilled') users = us.value.users;
  if (ds.status === 'fulfilled') drones = ds.value.drones;
  renderUsers();
  renderDrones();
}

onLanguageChange(() => {
  renderZoneMap();
  renderUsers();
  renderDrones();
});
await load();
document.body.dataset.ready = 'true';
