/**
 * The pages' message catalogues (src/web/public/i18n/<lang>.json) on the service side, for the few
 * things the service itself writes in words for people: the audit CSV's readable columns. Read
 * once per language; the same files the pages load, so a file and a page say the same.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lang } from '../domain/words.js';
import { packageRoot } from '../package-root.js';

export interface Catalogue {
  lang: Lang;
  /** The template for `key`, falling back to Chinese (as the pages do), or undefined. */
  get(key: string): string | undefined;
  /** A zone-map name "English 中文" in this language's half (the pages' localName). */
  placeName(name: string): string;
}

const loaded = new Map<Lang, Catalogue>();

function readTable(lang: Lang): Record<string, string> {
  return JSON.parse(readFileSync(join(packageRoot(), 'src', 'web', 'public', 'i18n', `${lang}.json`), 'utf8')) as Record<string, string>;
}

/** Split at the last space before the first Chinese character, as src/web/public/js/i18n.js localName does. */
function placeName(lang: Lang, name: string): string {
  const firstHan = name.search(/[\u3400-\u9fff]/u);
  if (firstHan <= 0) return name;
  const cut = name.lastIndexOf(' ', firstHan);
  if (cut <= 0) return name;
  const latin = name.slice(0, cut).trim();
  const han = name.slice(cut + 1).trim();
  if (!/[A-Za-z]/.test(latin) || /[\u3400-\u9fff]/u.test(latin)) return name;
  return lang === 'zh-CN' ? han : latin;
}

export function catalogue(lang: Lang): Catalogue {
  const cached = loaded.get(lang);
  if (cached) return cached;
  const table = readTable(lang);
  const fallback = lang === 'zh-CN' ? table : readTable('zh-CN');
  const c: Catalogue = { lang, get: (key) => table[key] ?? fallback[key], placeName: (name) => placeName(lang, name) };
  loaded.set(lang, c);
  return c;
}
