/**
 * The few TypeBox helpers the API contract (api-types.ts) is written with: nullable values, string
 * enums in the form ajv reports as "must be one of …", free text without control characters, and a
 * compile-time proof that a schema describes the same value as a type a lower layer defines.
 */
import { Type, type TSchema, type TSchemaOptions } from 'typebox';
import { CONTROL_CHARACTER_CLASS } from '../domain/text.js';

/** `T | null`. fast-json-stringify picks the branch by value; the OpenAPI 3.0 document says `nullable`. */
export const Nullable = <T extends TSchema>(t: T, options?: TSchemaOptions) => Type.Union([t, Type.Null()], options);

/**
 * A string out of a fixed list, as `{ type: 'string', enum }`: ajv then fails with keyword 'enum' and
 * the allowed values, which errors.ts turns into "<field> must be one of …" (a union of literals
 * would fail as "must match a schema in anyOf").
 */
export const StringEnum = <const V extends string[]>(values: readonly [...V], options?: TSchemaOptions) => Type.Enum(values, { type: 'string', ...options });

/** Free text may hold tabs and line breaks, but no other control characters (NUL, escapes, …). */
export const NO_CONTROL_CHARACTERS = `^[^${CONTROL_CHARACTER_CLASS}]*$`;

export const Text = (minLength: number, maxLength: number, options?: TSchemaOptions) =>
  Type.String({ minLength, maxLength, pattern: NO_CONTROL_CHARACTERS, ...options });

/**
 * Free text that must say something: at least one character that is not white space (Unicode
 * white space too: a full-width U+3000 is typed on Chinese keyboards), no control characters. The
 * service stores it trimmed. "   " used to be stored as an empty recipient.
 */
export const NOT_BLANK_TEXT = `^(?=[\\s\\S]*\\S)${NO_CONTROL_CHARACTERS.slice(1)}`;

export const FilledText = (minLength: number, maxLength: number, options?: TSchemaOptions) =>
  Type.String({ minLength: Math.max(1, minLength), maxLength, pattern: NOT_BLANK_TEXT, ...options });

/**
 * A phone number: 5–32 of digits, spaces, + - ( ), with at least 3 digits (the shortest numbers
 * called, 110 and 120, have three); "     " and "+-()" used to pass.
 */
export const PHONE_PATTERN = '^(?=(?:[^0-9]*[0-9]){3})[0-9 +()-]{5,32}$';

/** Request bodies refuse unknown fields (400 "<field> is not a known field"). */
export const CLOSED = { additionalProperties: false } as const;

// ─── compile-time checks ────────────────────────────────────────────────────────────────────────

/** Intersections and nested object types flattened, so `A & B` compares equal to `{ ...A, ...B }`. */
type Flat<T> = T extends object ? { [K in keyof T]: Flat<T[K]> } : T;
type Identical<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;
/** True when A and B describe the same values: same properties, same optionality, same member types. */
export type Same<A, B> = Identical<Flat<A>, Flat<B>>;
/** Fails to compile unless T is `true`: `type _ = Assert<Same<Static<typeof S>, T>>`. */
export type Assert<T extends true> = T;
