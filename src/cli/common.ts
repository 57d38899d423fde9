import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Bad command-line input: printed as `medidrop: <message>`, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * util.parseArgs with errors turned into UsageError, so every command reports bad flags the same
 * way (`medidrop: Unknown option '--foo'`).
 */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(
  args: string[],
  options: T,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

/** Parse a finite number from a flag value, or say which flag is wrong. */
export function numberFlag(name: string, value: string | undefined, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got '${value}'`);
  return n;
}
