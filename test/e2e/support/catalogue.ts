/**
 * The pages' message catalogues (src/web/public/i18n), for tests that check what a reader sees in
 * either language without copying the sentences into the test.
 */
import { readFileSync } from 'node:fs';
import type { Lang } from './browser.js';

const CATALOGUES: Record<Lang, Record<string, string>> = {
  'zh-CN': JSON.parse(readFileSync('src/web/public/i18n/zh-CN.json', 'utf8')),
  en: JSON.parse(readFileSync('src/web/public/i18n/en.json', 'utf8')),
};

/** The catalogue's sentence for `key` in `lang` with `{name}` placeholders filled; throws on a missing key. */
export function say(lang: Lang, key: string, vars: Record<string, string | number> = {}): string {
  const text = CATALOGUES[lang][key];
  if (text === undefined) throw new Error(`no catalogue key ${key} in ${lang}`);
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
}
