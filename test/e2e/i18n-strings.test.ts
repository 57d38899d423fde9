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
