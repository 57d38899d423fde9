// @ts-check
// Admin: replace the zone map (shows every validation problem the service finds); list, add, edit,
// re-password, disable and enable users; add, edit, enable, disable and link-test drones; read the
// audit log filtered by user, request and time, and export it as CSV with the same filters.
import { $, h, replaceChildren } from './dom.js';
import { t, has, lang, onLanguageChange, fmtTime, fmtNumber, localName } from './i18n.js';
import { api, requireSession, config, describeError, ApiError, fieldLabel } from './api.js';
import { startPage } from './layout.js';
import { createMap, drawZoneMap, legend } from './map.js';
import { localParams } from './views.js';

/**
 * @typedef {import('../../api-types.js').ZoneMapResponse} ZoneMapResponse
 * @typedef {import('../../api-types.js').UserAdminView} UserAdminView
 * @typedef {import('../../api-types.js').DroneView} DroneView
 * @typedef {import('../../api-types.js').DroneProfileView} DroneProfileView
 * @typedef {import('../../api-types.js').AuditEntryView} AuditEntryView
 * @typedef {AuditEntryView['summary'][number]} AuditPart
 * @typedef {import('../../api-types.js').LinkTestResponse} LinkTestResponse
 * @typedef {import('../../api-types.js').LinkProblem} LinkProblem
 * @typedef {import('./api.js').AuditQuery} AuditQuery
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
/** @type {UserAdminView[]} */
let users = [];
/** @type {DroneView[]} */
let drones = [];
/** @type {DroneProfileView[]} */
let profiles = [];
/** @type {UserAdminView | null} the user in the edit form */
let editingUser = null;
/** @type {DroneView | null} the drone in the drone form (null: adding one) */
let editingDrone = null;
/** @type {LinkTestResponse | null} */
let lastLinkTest = null;
/** @type {AuditEntryView[]} */
let auditEntries = [];
/** The service answers at most this many entries a page. */
const AUDIT_PAGE = 50;
/** A column's name as the label a phone shows before each value ("原因："). @param {string} key */
const label = (key) => `${t(key)}${t('punct.colon')}`;

function renderZoneMap() {
  if (!zoneMap) return;
  $('#zm-current').textContent = t('admin.zoneMapCurrent', {
    name: localName(zoneMap.name),
    version: zoneMap.version,
    time: fmtTime(zoneMap.updatedAt),
    depots: zoneMap.summary.depots.length,
    dropPoints: zoneMap.summary.dropPoints.length,
    areas: zoneMap.summary.areas.length,
  });
  if (drawn) drawn.group.remove();
  drawn = drawZoneMap(map, zoneMap.geojson);
  replaceChildren($('#admin-legend'), legend(['sealed', 'controlled', 'precaution', 'no-fly', 'depot', 'dropPoint'], drawn.present));
}

/**
 * A zone-map issue in the page's words: which feature (number, name as the file gives it), then the
 * sentence `mapIssue.<detail>` with its values; the service's English only for English readers.
 * @param {ApiIssue} i
 */
function issueText(i) {
  const where =
    i.featureIndex != null
      ? t(i.featureName ? 'admin.issueFeatureNamed' : 'admin.issueFeature', { n: i.featureIndex, name: localName(i.featureName ?? '') })
      : '';
  const vars = localParams(i.params);
  if (typeof vars.kind === 'string' && has(`featureKind.${vars.kind}`)) vars.kind = t(`featureKind.${vars.kind}`);
  if (typeof vars.kinds === 'string')
    vars.kinds = vars.kinds
      .split(', ')
      .map((k) => (has(`featureKind.${k}`) ? t(`featureKind.${k}`) : k))
      .join(t('punct.listSep'));
  const text = i.detail && has(`mapIssue.${i.detail}`) ? t(`mapIssue.${i.detail}`, vars) : lang() === 'en' ? i.message : t('mapIssue.unknown');
  return where ? `${where}${t('punct.colon')}${text}` : text;
}

/** @param {ApiIssue[]} issues */
function issueList(issues) {
  return h(
    'ul',
    {},
    issues.map((i) => h('li', { dataset: { issue: i.detail ?? i.code }, text: issueText(i) })),
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
    renderDroneChoices();
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
  // a schema or text rule names its field itself (describeError: "密码：至少 8 个字符")
  if (!(err instanceof ApiError) || !err.field || err.validation || err.rule) return '';
  return `${fieldLabel(err.field)}${t('punct.colon')}`;
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
    users.push({ ...user, disabled: false });
    renderUsers();
    renderAuditUsers();
    $('#user-form', HTMLFormElement).reset();
    out.className = 'notice ok';
    out.textContent = t('admin.userAdded', { name: user.name });
  } catch (err) {
    out.className = 'notice error';
    out.textContent = `${fieldOf(err)}${describeError(err)}`;
  }
});

/**
 * What went wrong, with the field the service named.
 * @param {HTMLElement} out
 * @param {unknown} err
 */
function showError(out, err) {
  out.className = 'notice error';
  out.textContent = `${fieldOf(err)}${describeError(err)}`;
}

/**
 * @param {HTMLElement} out
 * @param {string} text
 */
function showOk(out, text) {
  out.className = 'notice ok';
  out.textContent = text;
}

// ---- users ------------------------------------------------------------------------------------

function renderUsers() {
  replaceChildren(
    $('#users-table'),
    h(
      'tr',
      {},
      h('th', { text: t('login.username') }),
      h('th', { text: t('admin.displayName') }),
      h('th', { text: t('admin.role') }),
      h('th', { text: t('admin.userStatus') }),
      h('th', { text: t('admin.actions') }),
    ),
    users.map((u) =>
      h(
        'tr',
        { dataset: { username: u.username } },
        h('td', { text: u.username, dataset: { label: label('login.username') } }),
        h('td', { text: u.name, dataset: { label: label('admin.displayName') } }),
        h('td', { text: t(`role.${u.role}`), dataset: { label: label('admin.role') } }),
        h('td', { text: u.disabled ? t('admin.userDisabled') : t('admin.userActive'), dataset: { label: label('admin.userStatus') } }),
        h(
          'td',
          { class: 'actions-cell' },
          h('div', { class: 'row-actions' }, h('button', { type: 'button', class: 'edit-user', text: t('admin.edit'), on: { click: () => editUser(u) } })),
        ),
      ),
    ),
  );
}

/** @param {UserAdminView} u */
function editUser(u) {
  editingUser = u;
  const form = $('#user-edit-form', HTMLFormElement);
  form.hidden = false;
  $('#ue-name', HTMLInputElement).value = u.name;
  $('#ue-role', HTMLSelectElement).value = u.role;
  $('#ue-password', HTMLInputElement).value = '';
  $('#ue-result').textContent = '';
  renderUserEdit();
  $('#ue-name').focus();
}

function renderUserEdit() {
  if (!editingUser) return;
  $('#ue-title').textContent = t('admin.editUser', { name: `${editingUser.name} (${editingUser.username})` });
  $('#ue-toggle').textContent = editingUser.disabled ? t('admin.enable') : t('admin.disable');
  $('#ue-toggle').className = editingUser.disabled ? '' : 'danger';
}

/** @param {UserAdminView} updated */
function userChanged(updated) {
  users = users.map((u) => (u.id === updated.id ? updated : u));
  editingUser = updated;
  renderUsers();
  renderUserEdit();
}

$('#user-edit-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const out = $('#ue-result');
  if (!editingUser) return;
  try {
    const updated = await api('PATCH /api/users/:id', {
      params: { id: editingUser.id },
      // The select offers exactly the three roles; the service answers 400 field 'role' to anything else.
      body: { name: $('#ue-name', HTMLInputElement).value.trim(), role: /** @type {Role} */ ($('#ue-role', HTMLSelectElement).value) },
    });
    userChanged(updated);
    showOk(out, t('admin.userSaved', { name: updated.name }));
  } catch (err) {
    showError(out, err);
  }
});

$('#ue-toggle').addEventListener('click', async () => {
  const out = $('#ue-result');
  if (!editingUser) return;
  try {
    const updated = await api('PATCH /api/users/:id', { params: { id: editingUser.id }, body: { disabled: !editingUser.disabled } });
    userChanged(updated);
    showOk(out, t(updated.disabled ? 'admin.userDisabledNow' : 'admin.userEnabledNow', { name: updated.name }));
  } catch (err) {
    showError(out, err);
  }
});

$('#ue-set-password').addEventListener('click', async () => {
  const out = $('#ue-result');
  if (!editingUser) return;
  try {
    const updated = await api('POST /api/users/:id/password', {
      params: { id: editingUser.id },
      body: { password: $('#ue-password', HTMLInputElement).value },
    });
    $('#ue-password', HTMLInputElement).value = '';
    userChanged(updated);
    showOk(out, t('admin.passwordSet', { name: updated.name }));
  } catch (err) {
    showError(out, err);
  }
});

$('#ue-cancel').addEventListener('click', () => {
  editingUser = null;
  $('#user-edit-form').hidden = true;
});

// ---- drones -----------------------------------------------------------------------------------

function renderDrones() {
  replaceChildren(
    $('#drones-table'),
    h(
      'tr',
      {},
      h('th', { text: t('admin.drone') }),
      h('th', { text: t('map.depot') }),
      h('th', { text: t('admin.droneStatus') }),
      h('th', { text: t('admin.actions') }),
    ),
    drones.map((d) =>
      h(
        'tr',
        { dataset: { drone: d.id } },
        h(
          'td',
          { class: 'drone-name' },
          h('div', { text: t('admin.droneIdLine', { name: d.name, id: d.id, sysid: d.sysid }) }),
          h('div', { class: 'small muted mono', text: d.connectionUrl }),
        ),
        h('td', { text: localName(d.depot), dataset: { label: label('map.depot') } }),
        h('td', {
          text: `${t(`drone.${d.status}`)}${d.profile ? ` · ${fmtNumber(d.profile.maxPayloadKg, 1)} kg` : ''}`,
          dataset: { label: label('admin.droneStatus') },
        }),
        h(
          'td',
          { class: 'actions-cell' },
          h(
            'div',
            { class: 'row-actions' },
            h('button', { type: 'button', class: 'edit-drone', text: t('admin.edit'), on: { click: () => editDrone(d) } }),
            h('button', {
              type: 'button',
              class: 'toggle-drone',
              text: d.enabled ? t('admin.disable') : t('admin.enable'),
              on: { click: () => toggleDrone(d) },
            }),
            h('button', { type: 'button', class: 'test-drone', text: t('admin.linkTest'), on: { click: () => linkTest(d) } }),
          ),
        ),
      ),
    ),
  );
}

/** Profiles the service loaded and the zone map's depots, as the form's choices. */
function renderDroneChoices() {
  const profileSel = $('#d-profile', HTMLSelectElement);
  const depotSel = $('#d-depot', HTMLSelectElement);
  const keepProfile = profileSel.value;
  const keepDepot = depotSel.value;
  replaceChildren(
    profileSel,
    profiles.map((p) =>
      h('option', {
        value: p.id,
        text: `${p.name} · ${t('admin.profileSummary', { kg: fmtNumber(p.maxPayloadKg, 1), method: t(`delivery.${p.deliveryMethod}`) })}`,
      }),
    ),
  );
  replaceChildren(
    depotSel,
    (zoneMap?.summary.depots ?? []).map((d) => h('option', { value: d.name, text: localName(d.name) })),
  );
  if (keepProfile) profileSel.value = keepProfile;
  if (keepDepot) depotSel.value = keepDepot;
}

/** @param {DroneView | null} d null: back to adding a drone */
function editDrone(d) {
  editingDrone = d;
  const idInput = $('#d-id', HTMLInputElement);
  idInput.readOnly = d !== null;
  $('#drone-cancel').hidden = d === null;
  $('#drone-result').textContent = '';
  if (d) {
    idInput.value = d.id;
    $('#d-name', HTMLInputElement).value = d.name;
    $('#d-profile', HTMLSelectElement).value = d.profileId;
    $('#d-depot', HTMLSelectElement).value = d.depot;
    $('#d-url', HTMLInputElement).value = d.connectionUrl;
    $('#d-sysid', HTMLInputElement).value = String(d.sysid);
    $('#d-name').focus();
  } else {
    $('#drone-form', HTMLFormElement).reset();
  }
  renderDroneForm();
}

function renderDroneForm() {
  const title = editingDrone ? t('admin.editDrone', { id: editingDrone.id }) : t('admin.addDrone');
  $('#drone-form-title').textContent = title;
  $('#drone-save').textContent = editingDrone ? t('admin.saveDrone') : t('admin.addDrone');
}

/** @param {DroneView} updated */
function droneChanged(updated) {
  const i = drones.findIndex((d) => d.id === updated.id);
  if (i >= 0) drones[i] = updated;
  else drones.push(updated);
  renderDrones();
}

$('#drone-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const out = $('#drone-result');
  const fields = {
    name: $('#d-name', HTMLInputElement).value.trim(),
    profileId: $('#d-profile', HTMLSelectElement).value,
    depot: $('#d-depot', HTMLSelectElement).value,
    connectionUrl: $('#d-url', HTMLInputElement).value.trim(),
    // A non-number goes to the service as NaN→null and comes back as a 400 naming 'sysid'.
    sysid: Number($('#d-sysid', HTMLInputElement).value),
  };
  try {
    if (editingDrone) {
      const d = await api('PATCH /api/drones/:id', { params: { id: editingDrone.id }, body: fields });
      droneChanged(d);
      editDrone(null);
      showOk(out, t('admin.droneSaved', { id: d.id }));
    } else {
      const d = await api('POST /api/drones', { body: { id: $('#d-id', HTMLInputElement).value.trim(), ...fields } });
      droneChanged(d);
      $('#drone-form', HTMLFormElement).reset();
      showOk(out, t('admin.droneAdded', { id: d.id }));
    }
  } catch (err) {
    showError(out, err);
  }
});

$('#drone-cancel').addEventListener('click', () => editDrone(null));

/** @param {DroneView} d */
async function toggleDrone(d) {
  const out = $('#drone-result');
  try {
    const updated = await api('PATCH /api/drones/:id', { params: { id: d.id }, body: { enabled: !d.enabled } });
    droneChanged(updated);
    showOk(out, t(updated.enabled ? 'admin.droneEnabledNow' : 'admin.droneDisabledNow', { id: d.id }));
  } catch (err) {
    showError(out, err);
  }
}

/** The link test's default bound (the service's too), for the "testing…" line. */
const LINK_TEST_S = 10;

/** @param {DroneView} d */
async function linkTest(d) {
  const out = $('#drone-test-result');
  lastLinkTest = null;
  replaceChildren(out, h('div', { class: 'notice info', text: t('admin.linkTesting', { id: d.id, seconds: LINK_TEST_S }) }));
  for (const b of document.querySelectorAll('#drones-table button.test-drone')) if (b instanceof HTMLButtonElement) b.disabled = true;
  try {
    lastLinkTest = await api('POST /api/drones/:id/link-test', { params: { id: d.id }, body: {} });
    renderLinkTest();
  } catch (err) {
    replaceChildren(out, h('div', { class: 'notice error', text: `${fieldOf(err)}${describeError(err)}` }));
  } finally {
    for (const b of document.querySelectorAll('#drones-table button.test-drone')) if (b instanceof HTMLButtonElement) b.disabled = false;
  }
}

/** @param {LinkProblem} p */
function linkProblemText(p) {
  const key = `link.${p.code}`;
  if (!has(key)) return p.message;
  const vars = { ...p.params };
  if (p.code === 'no-heartbeat') vars.others = p.params.others ? t('link.othersHeard', { others: p.params.others }) : '';
  return t(key, vars);
}

function renderLinkTest() {
  const r = lastLinkTest;
  if (!r) return;
  const vars = {
    id: r.droneId,
    sysid: r.sysid ?? '—',
    autopilot: r.autopilot ?? '—',
    vehicleType: r.vehicleType ?? '—',
    firmware: r.firmware ? t('admin.linkFirmware', { version: r.firmware }) : '',
    seconds: fmtNumber(r.elapsedMs / 1000, 1),
  };
  const head = r.setupOk ? t('admin.linkOk', vars) : r.heartbeat ? t('admin.linkHeardProblems', vars) : t('admin.linkFailed', vars);
  replaceChildren(
    $('#drone-test-result'),
    h(
      'div',
      {
        class: `notice ${r.setupOk ? 'ok' : 'error'}`,
        id: 'link-test-outcome',
        dataset: { heartbeat: String(r.heartbeat), setupOk: String(r.setupOk), sharedLink: String(r.sharedLink) },
      },
      h('div', { text: head }),
      r.problems.length
        ? h(
            'ul',
            {},
            r.problems.map((p) => h('li', { text: linkProblemText(p) })),
          )
        : null,
    ),
  );
}

// ---- audit log --------------------------------------------------------------------------------

function renderAuditUsers() {
  const sel = $('#a-user', HTMLSelectElement);
  const keep = sel.value;
  replaceChildren(
    sel,
    h('option', { value: '', text: t('admin.auditAllUsers') }),
    users.map((u) => h('option', { value: u.username, text: `${u.name} (${u.username})` })),
  );
  sel.value = keep;
}

/**
 * A datetime-local value (the reader's local time) as an ISO instant the service takes.
 * @param {string} value
 */
function localToIso(value) {
  if (!value) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? value : d.toISOString();
}

/** The filters as the form holds them (the same for the table and the CSV link). @returns {AuditQuery} */
function auditFilters() {
  /** @type {AuditQuery} */
  const q = {};
  const user = $('#a-user', HTMLSelectElement).value;
  const request = $('#a-request', HTMLInputElement).value.trim().replace(/^#/, '');
  const from = localToIso($('#a-from', HTMLInputElement).value);
  const to = localToIso($('#a-to', HTMLInputElement).value);
  if (user) q.user = user;
  if (request) q.request = request;
  if (from) q.from = from;
  if (to) q.to = to;
  return q;
}

function updateExportLink() {
  // the file's readable columns in the page's language (the stored columns stay as recorded)
  const q = new URLSearchParams({ ...auditFilters(), format: 'csv', lang: lang() });
  $('#a-export', HTMLAnchorElement).href = `/api/audit?${q}`;
}

/**
 * What an entry's subject is, in words.
 * @param {AuditEntryView['subject']} s
 */
function subjectText(s) {
  if (!s) return '';
  const key = `audit.subject.${s.type}`;
  return has(key) ? t(key, { id: s.id }) : `${s.type} ${s.id}`;
}

/** @param {string} action */
function actionText(action) {
  const key = `audit.action.${action}`;
  return has(key) ? t(key) : action;
}

/**
 * A catalogue sentence of the audit page with its params; a param named in `terms` is a word of
 * the catalogue itself (a role, a field, a planner reason), a "place:" one a zone-map name
 * (src/web/audit-text.ts says which).
 * @param {string} key
 * @param {AuditPart['params']} params
 * @param {AuditPart['terms']} terms
 * @returns {string | null}
 */
function auditSay(key, params, terms) {
  if (!has(key)) return null;
  /** @type {Record<string, unknown>} */
  const vars = {};
  for (const [k, v] of Object.entries(params ?? {})) {
    const prefix = terms?.[k];
    /** @param {string} x */
    const word = (x) => (prefix === 'place:' ? localName(x) : prefix && has(`${prefix}${x}`) ? t(`${prefix}${x}`) : x);
    vars[k] = Array.isArray(v) ? v.map((x) => word(String(x))).join(t('punct.listSep')) : v === null ? '—' : prefix ? word(String(v)) : v;
  }
  return t(key, vars);
}

/**
 * An entry's details in words, part by part.
 * @param {AuditEntryView} e
 */
function auditDetails(e) {
  const said = (e.summary ?? []).map((p) => auditSay(`auditDetail.${p.code}`, p.params, p.terms)).filter(Boolean);
  return said.join(t('audit.partSep'));
}

/**
 * An entry's reason: the service's own in the page's language; what a person typed or the vehicle
 * sent, as it is (quoted and marked, so it is never mistaken for page text).
 * @param {AuditEntryView} e
 */
function auditReason(e) {
  const r = e.reasonText;
  if (!e.reason || !r) return '';
  if (r.from === 'service' && r.code) return auditSay(`auditReason.${r.code}`, r.params, r.terms) ?? e.reason;
  if (r.from === 'vehicle') return h('span', {}, `${t('alert.vehicleSaid')} `, h('q', { lang: 'en', dataset: { vehicleText: '' }, text: e.reason }));
  if (r.from === 'user') return h('q', { dataset: { userText: '' }, title: t('admin.auditTypedBy'), text: e.reason });
  return e.reason;
}

function renderAudit() {
  replaceChildren(
    $('#audit-table'),
    h(
      'tr',
      {},
      h('th', { text: t('admin.auditTime') }),
      h('th', { text: t('admin.auditUser') }),
      h('th', { text: t('admin.auditAction') }),
      h('th', { text: t('admin.auditSubject') }),
      h('th', { text: t('admin.auditReason') }),
      h('th', { text: t('admin.auditDetails') }),
    ),
    auditEntries.map((e) =>
      h(
        'tr',
        { dataset: { id: e.id, action: e.action } },
        h('td', { text: fmtTime(e.at), title: e.at, dataset: { label: label('admin.auditTime') } }),
        h('td', { text: e.actor ? `${e.actor.name} (${e.actor.username})` : t('admin.auditSystem'), dataset: { label: label('admin.auditUser') } }),
        h('td', { text: actionText(e.action), dataset: { label: label('admin.auditAction') } }),
        h('td', { text: subjectText(e.subject), dataset: { label: label('admin.auditSubject') } }),
        h('td', { dataset: { label: label('admin.auditReason') } }, auditReason(e)),
        h('td', {
          class: 'details',
          title: Object.keys(e.details).length ? JSON.stringify(e.details) : undefined,
          text: auditDetails(e),
          dataset: { label: label('admin.auditDetails') },
        }),
      ),
    ),
  );
  if (auditEntries.length === 0) $('#audit-table').append(h('tr', {}, h('td', { colspan: 6, class: 'muted', text: t('admin.auditNone') })));
}

/** @param {boolean} older append the next page back instead of starting again */
async function loadAudit(older) {
  const out = $('#audit-result');
  out.textContent = '';
  out.className = 'notice';
  const last = auditEntries[auditEntries.length - 1];
  /** @type {AuditQuery} */
  const query = { ...auditFilters(), limit: String(AUDIT_PAGE), ...(older && last ? { before: String(last.id) } : {}) };
  try {
    const res = await api('GET /api/audit', { query });
    auditEntries = older ? [...auditEntries, ...res.entries] : res.entries;
    $('#a-older').hidden = res.entries.length < AUDIT_PAGE;
    renderAudit();
  } catch (err) {
    showError(out, err);
  }
}

$('#audit-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  updateExportLink();
  void loadAudit(false);
});
$('#audit-form').addEventListener('input', updateExportLink);
$('#audit-form').addEventListener('change', updateExportLink);
$('#a-older').addEventListener('click', () => void loadAudit(true));

// ---- start ------------------------------------------------------------------------------------

async function load() {
  const [zm, us, ds, ps] = await Promise.allSettled([api('GET /api/zone-map'), api('GET /api/users'), api('GET /api/drones'), api('GET /api/drones/profiles')]);
  if (zm.status === 'fulfilled') {
    zoneMap = zm.value;
    renderZoneMap();
  }
  if (us.status === 'fulfilled') users = us.value.users;
  if (ds.status === 'fulfilled') drones = ds.value.drones;
  if (ps.status === 'fulfilled') profiles = ps.value.profiles;
  renderUsers();
  renderDrones();
  renderDroneChoices();
  renderDroneForm();
  renderAuditUsers();
  updateExportLink();
  await loadAudit(false);
}

onLanguageChange(() => {
  renderZoneMap();
  renderUsers();
  renderUserEdit();
  renderDrones();
  renderDroneChoices();
  renderDroneForm();
  renderLinkTest();
  renderAuditUsers();
  renderAudit();
  updateExportLink();
});
await load();
document.body.dataset.ready = 'true';
