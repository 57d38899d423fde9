/**
 * What counts as text wherever people type it (request fields, reasons, user and drone names, zone
 * map names): no C0 control character but tab, line feed and carriage return, and no DEL; and valid
 * Unicode, so no lone UTF-16 surrogate. One definition, used by the API's schemas and body parser
 * (src/web) and by the zone-map parser (src/geo). Written as regular-expression source strings: a
 * JSON Schema `pattern` takes one, and a regex literal of control characters reads as a mistake.
 */

/** The characters free text may not hold, as the inside of a regex character class. */
export const CONTROL_CHARACTER_CLASS = '\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F';

const CONTROL = new RegExp(`[${CONTROL_CHARACTER_CLASS}]`);
/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The first control character of `s` (code and index), or null. */
export function findControlCharacter(s: string): { code: number; index: number } | null {
  const m = CONTROL.exec(s);
  return m ? { code: m[0].charCodeAt(0), index: m.index } : null;
}

/** The first lone surrogate of `s` (code unit and index), or null. */
export function findLoneSurrogate(s: string): { code: number; index: number } | null {
  const m = LONE_SURROGATE.exec(s);
  return m ? { code: m[0].charCodeAt(0), index: m.index } : null;
}
