/**
 * The one JSON body parser of every route. Before any schema, hook, audit entry or store write sees a
 * body, it refuses (400 bad-request, `field` naming where) what would otherwise slip through or crash:
 * - bytes that are not UTF-8 (the default decoder silently turns them into U+FFFD);
 * - nesting deeper than MAX_BODY_DEPTH (5,000 levels overflowed the stack in JSON.stringify: a 500);
 * - strings (values or keys) holding a lone UTF-16 surrogate (`"\ud800"` parses, but is no text);
 * - strings holding C0 control characters other than tab, line feed and carriage return, or DEL
 *   (NUL, ESC … reached reasons, user names and audit entries).
 * The walk is iterative, so no input can overflow the stack here either. Prototype poisoning is
 * refused by fastify's own parser, which this one wraps.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ServiceError } from '../dispatch/errors.js';
import { findControlCharacter, findLoneSurrogate } from '../domain/text.js';
import type { TextRule } from './api-types.js';

/** A 400 for a body that breaks one of the text rules; `rule` lets the pages translate it. */
export class TextRefusal extends ServiceError {
  constructor(
    message: string,
    field: string,
    readonly rule: TextRule,
  ) {
    super('bad-request', message, field);
  }
}

/**
 * Deepest nesting a body may have. The deepest legitimate body is a zone map's MultiPolygon
 * coordinates (features → [i] → geometry → coordinates → polygon → ring → position: 7 levels) and
 * feature properties (at most 32 levels of their own: src/geo/zone-map.ts MAX_PROPERTY_DEPTH).
 */
export const MAX_BODY_DEPTH = 64;

/** What is wrong with one string, in the words of errors.ts; null when it is acceptable text. */
export function textProblem(s: string): { rule: TextRule; why: string } | null {
  const c = findControlCharacter(s);
  if (c) {
    const code = `U+${c.code.toString(16).toUpperCase().padStart(4, '0')}`;
    return { rule: 'control-characters', why: `must not contain control characters (only text, tabs and line breaks); found ${code} at character ${c.index}` };
  }
  const l = findLoneSurrogate(s);
  if (l)
    return { rule: 'lone-surrogate', why: `must be valid Unicode text; found a lone UTF-16 surrogate (\\u${l.code.toString(16)}) at character ${l.index}` };
  return null;
}

function fieldOf(path: readonly (string | number)[]): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}

/**
 * Checks a parsed body; throws a 400 ServiceError naming the first offending field. Iterative
 * (an explicit stack), so its own depth is not the call stack's.
 */
export function checkBody(body: unknown, maxDepth = MAX_BODY_DEPTH): void {
  const stack: { v: unknown; path: (string | number)[] }[] = [{ v: body, path: [] }];
  while (stack.length > 0) {
    const { v, path } = stack.pop()!;
    if (typeof v === 'string') {
      const bad = textProblem(v);
      if (bad) {
        const field = fieldOf(path) || 'body';
        throw new TextRefusal(`${field} ${bad.why}`, field, bad.rule);
      }
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (path.length >= maxDepth) {
      // named by the outermost 10 levels: the field that holds the deep value, not 64 segments of it
      const field = fieldOf(path.slice(0, 10)) || 'body';
      throw new TextRefusal(`${field} is nested too deep: a body may nest at most ${maxDepth} levels`, field, 'too-deep');
    }
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], path: [...path, i] });
      continue;
    }
    const keys = Object.keys(v);
    for (let i = keys.length - 1; i >= 0; i--) {
      const k = keys[i]!;
      const bad = textProblem(k);
      if (bad) {
        const field = fieldOf(path) || 'body';
        throw new TextRefusal(`${field}: a property name ${bad.why}`, field, bad.rule);
      }
      stack.push({ v: (v as Record<string, unknown>)[k], path: [...path, k] });
    }
  }
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Replaces fastify's application/json parser with the checked one (same errors for malformed JSON). */
export function installJsonBodyParser(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req: FastifyRequest, raw: Buffer | string, done) => {
    let text: string;
    try {
      text = typeof raw === 'string' ? raw : STRICT_UTF8.decode(raw);
    } catch {
      done(new TextRefusal('the body is not valid UTF-8 text', 'body', 'not-utf8'), undefined);
      return;
    }
    parseJson(req, text, (err: Error | null, body?: unknown) => {
      if (err) {
        done(err, undefined);
        return;
      }
      try {
        checkBody(body);
      } catch (e) {
        done(e as Error, undefined);
        return;
      }
      done(null, body);
    });
  });
}
