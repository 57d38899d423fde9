// @ts-check
// The route's height profile on the review page: distance along the route (out, the drop point,
// back) against height above home, with the ground as a filled area, the obstacles crossed as bars
// labelled with their height, the flight path, the 120 m-above-ground ceiling as a dashed line that
// follows the ground, the required clearance band over the ground and obstacles, and the lowest
// clearance marked; a text summary says the same for screen readers.
// The SVG is built node by node with createElementNS and attributes (no innerHTML, no inline style
// attributes: the Content Security Policy, src/web/security-headers.ts, refuses them).
import { h, replaceChildren } from './dom.js';
import { fmtDistance, fmtNumber, t } from './i18n.js';

/**
 * @typedef {import('../../api-types.js').MissionDetail} MissionDetail
 * @typedef {import('../../api-types.js').MissionTerrain} MissionTerrain
 * @typedef {import('../../api-types.js').TerrainProfileView} TerrainProfileView
 * @typedef {TerrainProfileView['points'][number]} ProfilePoint
 */

const SVG = 'http://www.w3.org/2000/svg';
const W = 760;
const H = 320;
const PAD = { left: 64, right: 16, top: 18, bottom: 48 };
const COLOR = {
  ground: '#8d6e63',
  obstacle: '#546e7a',
  path: '#0b5cad',
  ceiling: '#c62828',
  clearance: '#fbc02d',
  drop: '#d81b60',
  axis: '#37474f',
};

/**
 * @param {string} tag
 * @param {Record<string, string | number>} attrs
 * @param {(Node | string)[]} [children]
 * @returns {SVGElement}
 */
function svg(tag, attrs, children = []) {
  const el = /** @type {SVGElement} */ (document.createElementNS(SVG, tag));
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(c);
  return el;
}

/** A round step giving about `count` ticks over `span`. @param {number} span @param {number} count */
function niceStep(span, count) {
  const raw = span / Math.max(1, count);
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

/** @param {[number, number][]} xy */
function pathD(xy) {
  return xy.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${x.toFixed(1)},${y.toFixed(1)}`).join(' ');
}

/**
 * Runs of consecutive points that have a value (a DEM gap splits a line).
 * @template T
 * @param {T[]} items
 * @param {(item: T) => boolean} ok
 */
function runs(items, ok) {
  /** @type {T[][]} */
  const out = [];
  /** @type {T[]} */
  let cur = [];
  for (const it of items) {
    if (ok(it)) cur.push(it);
    else if (cur.length) {
      out.push(cur);
      cur = [];
    }
  }
  if (cur.length) out.push(cur);
  return out;
}

/** The text summary (also the SVG's description). @param {MissionTerrain} terrain @param {TerrainProfileView | null} profile */
export function profileSummary(terrain, profile) {
  const parts = [
    terrain.minClearanceM === null
      ? t('profile.summaryNoClearance')
      : t('profile.summaryClearance', { min: fmtNumber(terrain.minClearanceM, 1), need: fmtNumber(terrain.requiredClearanceM) }),
    terrain.maxAglM === null ? '' : t('profile.summaryAgl', { max: fmtNumber(terrain.maxAglM, 1), limit: fmtNumber(terrain.maxAglLimitM) }),
  ];
  const low = profile?.minClearance;
  if (low)
    parts.push(
      t(low.obstacle !== undefined ? 'profile.summaryLowestObstacle' : 'profile.summaryLowest', {
        min: fmtNumber(low.clearanceM, 1),
        at: fmtDistance(low.distanceM),
        obstacle: low.obstacle ?? '',
      }),
    );
  const crossed = profile ? runs(profile.points, (p) => p.obstacleTopM !== null).length : 0;
  if (crossed > 0) parts.push(t('profile.summaryObstacles', { n: crossed }));
  parts.push(
    terrain.groundModel === 'flat' ? t('profile.flat', { m: fmtNumber(terrain.homeGroundM ?? Number.NaN) }) : t('profile.dem', { dem: terrain.dem ?? '' }),
  );
  return parts.filter(Boolean).join(' ');
}

/**
 * Draw the mission's height profile into `container` (replacing what was there). Without a terrain
 * section or a profile (plans made before profiles were kept) it says so.
 * @param {HTMLElement} container
 * @param {MissionDetail} m
 */
export function renderProfile(container, m) {
  const terrain = m.terrain;
  const profile = terrain?.profile ?? null;
  if (!terrain || !profile || profile.points.length < 2) {
    replaceChildren(container, h('p', { class: 'muted', 'data-profile': 'none', text: t('profile.none') }));
    return;
  }
  const summaryId = `${container.id || 'profile'}-summary`;
  replaceChildren(
    container,
    terrain.groundModel === 'flat'
      ? h('p', { class: 'notice info', 'data-profile': 'flat', text: t('profile.flat', { m: fmtNumber(terrain.homeGroundM ?? Number.NaN) }) })
      : null,
    // on a phone the chart keeps a readable size (its 11 px labels would shrink to 5 px) and scrolls sideways
    h('div', { class: 'profile-scroll', tabindex: 0, role: 'group', 'aria-label': t('profile.title') }, chart(terrain, profile, summaryId)),
    profileLegend(profile.ceilingAglM),
    h('p', { id: summaryId, class: 'small', 'data-profile': 'summary', text: profileSummary(terrain, profile) }),
  );
}

/** @param {MissionTerrain} terrain @param {TerrainProfileView} profile @param {string} summaryId */
function chart(terrain, profile, summaryId) {
  const pts = profile.points;
  const need = terrain.requiredClearanceM;
  const ceiling = profile.ceilingAglM;
  const grounds = pts.map((p) => p.groundM).filter((g) => g !== null);
  const lowY = Math.min(0, ...grounds, ...pts.map((p) => p.pathAltM));
  const highY = Math.max(...grounds.map((g) => g + ceiling), ...pts.map((p) => Math.max(p.pathAltM, (p.obstacleTopM ?? -Infinity) + need)), ceiling);
  const yStep = niceStep(highY - lowY, 6);
  const y0 = Math.floor(lowY / yStep) * yStep;
  const y1 = Math.ceil((highY + yStep * 0.2) / yStep) * yStep;
  const x1 = Math.max(profile.lengthM, pts[pts.length - 1]?.distanceM ?? 0, 1);
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  /** @param {number} d */
  const sx = (d) => PAD.left + (d / x1) * plotW;
  /** @param {number} v */
  const sy = (v) => PAD.top + (1 - (v - y0) / (y1 - y0)) * plotH;
  const bottom = sy(y0);

  const root = svg('svg', {
    viewBox: `0 0 ${W} ${H}`,
    width: '100%',
    role: 'img',
    'aria-describedby': summaryId,
    class: 'profile-chart',
    'data-profile': 'chart',
  });
  root.append(svg('title', {}, [t('profile.title')]));

  // Axes, grid and their labels (in the page's language).
  const axes = svg('g', { 'data-part': 'axes', 'font-size': 11, fill: COLOR.axis });
  for (let v = y0; v <= y1 + 1e-9; v += yStep) {
    axes.append(
      svg('line', { x1: PAD.left, x2: W - PAD.right, y1: sy(v), y2: sy(v), stroke: '#cfd8dc', 'stroke-width': 0.5 }),
      svg('text', { x: PAD.left - 6, y: sy(v) + 4, 'text-anchor': 'end' }, [fmtNumber(v)]),
    );
  }
  const xStep = niceStep(x1, 8);
  for (let d = 0; d <= x1 + 1e-9; d += xStep)
    axes.append(
      svg('line', { x1: sx(d), x2: sx(d), y1: bottom, y2: bottom + 4, stroke: COLOR.axis }),
      svg('text', { x: sx(d), y: bottom + 16, 'text-anchor': 'middle' }, [fmtDistance(d)]),
    );
  axes.append(
    svg('line', { x1: PAD.left, x2: W - PAD.right, y1: bottom, y2: bottom, stroke: COLOR.axis }),
    svg('line', { x1: PAD.left, x2: PAD.left, y1: PAD.top, y2: bottom, stroke: COLOR.axis }),
    svg('text', { 'data-part': 'x-label', x: PAD.left + plotW / 2, y: H - 8, 'text-anchor': 'middle', 'font-size': 12 }, [t('profile.axisDistance')]),
    svg(
      'text',
      { 'data-part': 'y-label', x: 14, y: PAD.top + plotH / 2, 'text-anchor': 'middle', 'font-size': 12, transform: `rotate(-90 14 ${PAD.top + plotH / 2})` },
      [t('profile.axisHeight')],
    ),
  );
  root.append(axes);

  // The required clearance band over the surface (ground or obstacle top).
  const surface = pts
    .filter((p) => p.groundM !== null)
    .map((p) => ({ d: p.distanceM, s: Math.max(/** @type {number} */ (p.groundM), p.obstacleTopM ?? -Infinity) }));
  for (const run of runs(surface, () => true)) {
    const upper = run.map((p) => /** @type {[number, number]} */ ([sx(p.d), sy(p.s + need)]));
    const lower = [...run].reverse().map((p) => /** @type {[number, number]} */ ([sx(p.d), sy(p.s)]));
    root.append(svg('path', { 'data-part': 'clearance', d: `${pathD([...upper, ...lower])} Z`, fill: COLOR.clearance, 'fill-opacity': 0.25, stroke: 'none' }));
  }

  // The ground, filled down to the axis.
  for (const run of runs(pts, (p) => p.groundM !== null)) {
    const top = run.map((p) => /** @type {[number, number]} */ ([sx(p.distanceM), sy(/** @type {number} */ (p.groundM))]));
    const first = run[0];
    const last = run[run.length - 1];
    if (!first || !last) continue;
    const area = [...top, [sx(last.distanceM), bottom], [sx(first.distanceM), bottom]];
    root.append(
      svg('path', {
        'data-part': 'ground',
        d: `${pathD(/** @type {[number, number][]} */ (area))} Z`,
        fill: COLOR.ground,
        'fill-opacity': 0.55,
        stroke: COLOR.ground,
      }),
    );
  }

  // Obstacles: one bar per crossing, from the ground to the top, labelled with the height above ground.
  const obstacles = svg('g', { 'data-part': 'obstacles' });
  for (let i = 0; i < pts.length; i++) {
    if (pts[i]?.obstacleTopM === null) continue;
    let j = i;
    while (j + 1 < pts.length && pts[j + 1]?.obstacleTopM !== null) j++;
    const run = pts.slice(i, j + 1);
    const from = pts[i - 1]?.distanceM ?? run[0]?.distanceM ?? 0;
    const to = run[run.length - 1]?.distanceM ?? from;
    const topM = Math.max(...run.map((p) => p.obstacleTopM ?? -Infinity));
    const groundM = Math.min(...run.map((p) => p.groundM ?? topM));
    const x = sx(from);
    const w = Math.max(3, sx(to) - x);
    obstacles.append(
      svg('rect', {
        'data-part': 'obstacle',
        x: x.toFixed(1),
        y: sy(topM).toFixed(1),
        width: w.toFixed(1),
        height: Math.max(1, sy(groundM) - sy(topM)).toFixed(1),
        fill: COLOR.obstacle,
      }),
      svg('text', { x: (x + w / 2).toFixed(1), y: (sy(topM) - 4).toFixed(1), 'text-anchor': 'middle', 'font-size': 10, fill: COLOR.obstacle }, [
        t('unit.m', { n: fmtNumber(topM - groundM) }),
      ]),
    );
    i = j;
  }
  root.append(obstacles);

  // The ceiling above the ground, dashed.
  for (const run of runs(pts, (p) => p.groundM !== null)) {
    const line = run.map((p) => /** @type {[number, number]} */ ([sx(p.distanceM), sy(/** @type {number} */ (p.groundM) + ceiling)]));
    root.append(svg('path', { 'data-part': 'ceiling', d: pathD(line), fill: 'none', stroke: COLOR.ceiling, 'stroke-width': 1.5, 'stroke-dasharray': '6 4' }));
  }
  const lastGround = [...pts].reverse().find((p) => p.groundM !== null);
  if (lastGround)
    root.append(
      svg(
        'text',
        { x: W - PAD.right - 2, y: sy(/** @type {number} */ (lastGround.groundM) + ceiling) - 4, 'text-anchor': 'end', 'font-size': 11, fill: COLOR.ceiling },
        [t('profile.ceilingLabel', { m: fmtNumber(ceiling) })],
      ),
    );

  // The drop point.
  if (profile.dropDistanceM !== null) {
    const x = sx(profile.dropDistanceM);
    root.append(
      svg('g', { 'data-part': 'drop' }, [
        svg('line', { x1: x, x2: x, y1: PAD.top, y2: bottom, stroke: COLOR.drop, 'stroke-dasharray': '2 3' }),
        svg('text', { x: x + 4, y: PAD.top + 10, 'font-size': 11, fill: COLOR.drop }, [t('profile.drop')]),
      ]),
    );
  }

  // The flight path.
  root.append(
    svg('path', {
      'data-part': 'path',
      d: pathD(pts.map((p) => [sx(p.distanceM), sy(p.pathAltM)])),
      fill: 'none',
      stroke: COLOR.path,
      'stroke-width': 2.5,
      'stroke-linejoin': 'round',
    }),
  );

  // The lowest clearance on the route.
  const low = profile.minClearance;
  if (low) {
    const x = sx(low.distanceM);
    root.append(
      svg('g', { 'data-part': 'min-clearance' }, [
        svg('line', { x1: x, x2: x, y1: sy(low.altM), y2: sy(low.surfaceM), stroke: COLOR.axis, 'stroke-width': 1.5 }),
        svg('circle', { cx: x, cy: sy(low.altM), r: 4, fill: '#fff', stroke: COLOR.axis, 'stroke-width': 2 }),
        svg('text', { x: x + 6, y: (sy(low.altM) + sy(low.surfaceM)) / 2 + 4, 'font-size': 11, fill: COLOR.axis }, [
          t('profile.minClearanceLabel', { m: fmtNumber(low.clearanceM, 1) }),
        ]),
      ]),
    );
  }
  return root;
}

/** The chart's key, drawn with the same colours. @param {number} ceiling */
function profileLegend(ceiling) {
  /** @param {string} color @param {string} cls */
  const swatch = (color, cls) => h('span', { class: `swatch ${cls}`, style: { background: cls.includes('line') ? '' : color, borderColor: color } });
  return h(
    'ul',
    { class: 'legend', 'aria-hidden': 'true' },
    h('li', {}, swatch(COLOR.ground, ''), t('profile.legendGround')),
    h('li', {}, swatch(COLOR.obstacle, ''), t('legend.obstacle')),
    h('li', {}, swatch(COLOR.path, 'line'), t('profile.legendPath')),
    h('li', {}, swatch(COLOR.ceiling, 'line dashed'), t('profile.ceilingLabel', { m: fmtNumber(ceiling) })),
    h('li', {}, swatch(COLOR.clearance, ''), t('profile.legendClearance')),
  );
}
