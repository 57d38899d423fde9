/**
 * The two string tables (zh-CN default, English) must say the same things: same keys, same
 * {placeholders}, and every key the pages name literally must exist. A missing string would show
 * up on screen as its key ("officer.submit").
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const publicDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/web/public');
const load = (lang: string): Record<string, string> => JSON.parse(readFileSync(path.join(publicDir, 'i18n', `${lang}.json`), 'utf8'));
const zh = load('zh-CN');
const en = load('en');
const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

function referencedKeys(): Set<string> {
  const keys = new Set<string>();
  for (const file of readdirSync(publicDir)) {
    if (!file.endsWith('.html')) continue;
    const html = readFileSync(path.join(publicDir, file), 'utf8');
    for (const m of html.matchAll(/data-i18n(?:-[a-z-]+)?="([^"]+)"/g)) keys.add(m[1]!);
    for (const m of html.matchAll(/data-title-key="([^"]+)"/g)) keys.add(m[1]!);
  }
  for (const file of readdirSync(path.join(publicDir, 'js'))) {
    const js = readFileSync(path.join(publicDir, 'js', file), 'utf8');
    for (const m of js.matchAll(/\bt\('([a-zA-Z][\w.-]*)'/g)) keys.add(m[1]!);
  }
  return keys;
}

describe('UI strings', () => {
  it('zh-CN and English have the same keys', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(zh).sort());
  });

  it('every translation keeps the same {placeholders}', () => {
    const mismatched = Object.keys(zh).filter((k) => JSON.stringify(placeholders(zh[k]!)) !== JSON.stringify(placeholders(en[k] ?? '')));
    expect(mismatched).toEqual([]);
  });

  it('every key the pages use exists in both tables', () => {
    const missing = [...referencedKeys()].filter((k) => zh[k] === undefined || en[k] === undefined);
    expect(missing).toEqual([]);
  });

  it('every alert kind the fleet can raise has a name in both tables', () => {
    const source = readFileSync(path.resolve(publicDir, '../../fleet/alerts.ts'), 'utf8');
    const union = /export type AlertKind =([^;]+);/.exec(source)?.[1] ?? '';
    const kinds = [...union.matchAll(/'([a-z-]+)'/g)].map((m) => m[1]!);
    expect(kinds.length).toBeGreaterThan(5);
    const missing = kinds.filter((k) => zh[`alert.${k}`] === undefined || en[`alert.${k}`] === undefined);
    expect(missing).toEqual([]);
  });

  it('every alert code the fleet and the flight manager can send has a sentence in both tables, with the same placeholders', async () => {
    const { ALERT_CODES } = await import('../../src/fleet/alerts.js');
    expect(ALERT_CODES.length).toBeGreaterThan(15);
    expect(ALERT_CODES.filter((c) => zh[`alertDetail.${c}`] === undefined || en[`alertDetail.${c}`] === undefined)).toEqual([]);
    // (the codes written in src/fleet and src/dispatch are typed AlertCode: the compiler keeps them in this list)
    // the failsafe's subsystem is said in words
    for (const what of ['battery', 'radio', 'gcs', 'ekf', 'gps', 'other']) expect(inBoth(`failsafeWhat.${what}`)).toBe(true);
    expect(placeholders(zh['alertDetail.battery-below-margin']!)).toEqual(['deficitPct', 'remainingPct', 'routePct', 'sparePct']);
  });

  it('every reason a stale approval or a late edit is refused with (409) has a sentence in both tables, with the params it names', async () => {
    const { VERSION_CONFLICTS } = await import('../../src/domain/words.js');
    expect(VERSION_CONFLICTS.length).toBeGreaterThan(5);
    const missing = VERSION_CONFLICTS.filter((c) => zh[`conflict.${c}`] === undefined || en[`conflict.${c}`] === undefined);
    expect(missing).toEqual([]);
    expect(placeholders(en['conflict.request-edited']!)).toEqual(['currentVersion', 'requestId', 'reviewedVersion']);
  });

  it('every reason the planner can give has a name in both tables', () => {
    // the route and energy models (src/planning) and the planner that composes them (src/planner)
    const folders = ['../../planning', '../../planner'].map((d) => path.resolve(publicDir, d));
    const codes = new Set<string>();
    for (const file of folders.flatMap((dir) =>
      readdirSync(dir)
        .filter((f) => f.endsWith('.ts'))
        .map((f) => path.join(dir, f)),
    )) {
      const source = readFileSync(file, 'utf8');
      for (const m of source.matchAll(/code: '([a-z-]+)'/g)) codes.add(m[1]!);
      const route = /export type RouteFailureCode =([^;]+);/.exec(source)?.[1];
      for (const m of route?.matchAll(/'([a-z-]+)'/g) ?? []) codes.add(m[1]!);
    }
    expect(codes.size).toBeGreaterThan(10);
    const missing = [...codes].filter((c) => zh[`reason.${c}`] === undefined || en[`reason.${c}`] === undefined);
    expect(missing).toEqual([]);
  });

  // ── every code the service can send to a page, read from the source (not listed here by hand) ──
  const srcDir = path.resolve(publicDir, '../..');
  const sourceFiles = (...dirs: string[]) =>
    dirs.flatMap((d) =>
      readdirSync(path.join(srcDir, d))
        .filter((f) => f.endsWith('.ts'))
        .map((f) => readFileSync(path.join(srcDir, d, f), 'utf8')),
    );
  const inBoth = (key: string) => zh[key] !== undefined && en[key] !== undefined;

  it('every check sentence the planner can write has a sentence in both tables, with the params the check gives', () => {
    // plan checks: the planner (src/planner), the fence and rally builders (src/missions); each names its sentence in `detail:`
    const details = new Set<string>();
    const ids = new Set<string>();
    for (const source of sourceFiles('planner', 'missions', 'planning')) {
      for (const m of source.matchAll(/\bdetail:([\s\S]*?)\n\s*params:/g)) for (const q of m[1]!.matchAll(/'([a-z][a-z.-]*)'/g)) details.add(q[1]!);
      for (const m of source.matchAll(/checks\.push\(\{\s*id: '([a-z-]+)'/g)) ids.add(m[1]!);
      for (const m of source.matchAll(/Check\[\] = \[\s*\{\s*id: '([a-z-]+)'/g)) ids.add(m[1]!);
    }
    expect(ids.size).toBeGreaterThan(12);
    expect(details.size).toBeGreaterThan(25);
    // every check has a name and at least one sentence starting with its id
    expect([...ids].filter((id) => !inBoth(`check.${id}`))).toEqual([]);
    expect([...ids].filter((id) => ![...details].some((d) => d === id || d.startsWith(`${id}.`)))).toEqual([]);
    expect([...details].filter((d) => !inBoth(`checkDetail.${d}`))).toEqual([]);
    expect(placeholders(zh['checkDetail.route-clear.ok']!)).toEqual(['clearanceM']);
  });

  it('every reason the planner and the dispatcher can give has a sentence (reasonDetail) in both tables', () => {
    const codes = new Set<string>();
    for (const source of sourceFiles('planning', 'planner')) {
      for (const m of source.matchAll(/code: '([a-z-]+)'/g)) codes.add(m[1]!);
      const route = /export type RouteFailureCode =([^;]+);/.exec(source)?.[1];
      for (const m of route?.matchAll(/'([a-z-]+)'/g) ?? []) codes.add(m[1]!);
    }
    // (the dispatcher's own reasons, and why a drone is unavailable: src/dispatch/drone-availability.ts)
    const dispatchReasons = new Set<string>();
    const dispatchSource = (f: string) => readFileSync(path.join(srcDir, 'dispatch', f), 'utf8');
    for (const m of dispatchSource('dispatcher.ts').matchAll(/reasons: \[\{ code: '([a-z-]+)'/g)) dispatchReasons.add(m[1]!);
    for (const m of dispatchSource('drone-availability.ts').matchAll(/code: '([a-z-]+)'/g)) dispatchReasons.add(m[1]!);
    const reasonCodes = [...new Set([...codes, ...dispatchReasons])];
    expect(dispatchReasons.size).toBeGreaterThan(5);
    expect(reasonCodes.length).toBeGreaterThan(20);
    expect(reasonCodes.filter((c) => !inBoth(`reason.${c}`) || !inBoth(`reasonDetail.${c}`))).toEqual([]);
  });

  it('every zone-map issue has a sentence in both tables', async () => {
    const { MAP_ISSUE_DETAILS } = await import('../../src/geo/types.js');
    expect(MAP_ISSUE_DETAILS.length).toBeGreaterThan(30);
    expect(MAP_ISSUE_DETAILS.filter((d) => !inBoth(`mapIssue.${d}`))).toEqual([]);
  });

  it('every 409 reason of a flight command, an approval step or a lost flight has a sentence in both tables', async () => {
    const { FLIGHT_CONFLICTS } = await import('../../src/domain/words.js');
    expect(FLIGHT_CONFLICTS.length).toBeGreaterThan(10);
    expect(FLIGHT_CONFLICTS.filter((c) => !inBoth(`conflict.${c}`))).toEqual([]);
    // the actions a refusal names are said in words too
    const actions = ['abort', 'pause', 'resume', 'declare-lost'];
    expect(actions.filter((a) => !inBoth(`flightAction.${a}`))).toEqual([]);
  });

  it('every schema rule a 400 can name has a sentence, and every field a body may have has a name, in both tables', async () => {
    const { VALIDATION_KEYWORDS } = await import('../../src/domain/words.js');
    expect(VALIDATION_KEYWORDS.filter((k) => !inBoth(`validation.${k}`))).toEqual([]);
    // the field names: every property of every request body schema of the API contract
    const contract = (await import('../../src/web/api-types.js')) as Record<string, unknown>;
    const names = new Set<string>();
    const walk = (schema: unknown): void => {
      if (typeof schema !== 'object' || schema === null) return;
      const s = schema as { properties?: Record<string, unknown>; anyOf?: unknown[]; oneOf?: unknown[]; allOf?: unknown[]; items?: unknown };
      for (const [k, v] of Object.entries(s.properties ?? {})) {
        names.add(k);
        walk(v);
      }
      for (const list of [s.anyOf, s.oneOf, s.allOf]) for (const x of list ?? []) walk(x);
      walk(s.items);
    };
    for (const [name, value] of Object.entries(contract)) if (name.endsWith('BodySchema')) walk(value);
    expect(names.size).toBeGreaterThan(20);
    expect([...names].filter((n) => !inBoth(`fieldName.${n}`))).toEqual([]);
  });

  it('every flight state, drone state and request status has a name in both tables', async () => {
    const words = readFileSync(path.join(srcDir, 'domain/words.ts'), 'utf8');
    const union = (name: string) => [...(new RegExp(`export type ${name} =([^;]+);`).exec(words)?.[1] ?? '').matchAll(/'([a-z-]+)'/g)].map((m) => m[1]!);
    const flight = union('FlightStatus');
    const request = union('RequestStatus');
    expect(flight.length).toBeGreaterThan(10);
    expect(flight.filter((s) => !inBoth(`flight.${s}`))).toEqual([]);
    expect(request.filter((s) => !inBoth(`status.${s}`))).toEqual([]);
    const { DRONE_STATES } = await import('../../src/domain/words.js');
    expect(DRONE_STATES.filter((s) => !inBoth(`fleet.state.${s}`))).toEqual([]);
  });

  it('uses the domain words in Chinese', () => {
    expect(zh['zone.sealed']).toBe('封控区');
    expect(zh['zone.controlled']).toBe('管控区');
    expect(zh['zone.precaution']).toBe('防控区');
    expect(zh['zone.no-fly']).toBe('禁飞区');
    expect(zh['urgency.critical']).toBe('危急');
    expect(zh['urgency.urgent']).toBe('紧急');
    expect(zh['urgency.routine']).toBe('常规');
    expect(zh['status.delivered']).toBe('已送达');
  });
});
