import { closeSync, openSync, readSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Bad command-line input: printed as `medidrop: <message>`, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * util.parseArgs with errors turned into UsageError, so every command reports bad flags the same
 * way (`medidrop: Unknown option '--foo'`).
 */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T, allowPositionals = false) {
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

/**
 * Read a small input file (drone profile, .plan) as UTF-8, refusing it once it grows past `maxBytes`
 * (default 16 MB): `--drone /dev/zero` must not read until the machine's memory runs out.
 * Errors are UsageErrors that start with `what` ("--drone x.json", "x.plan").
 */
export function readSmallTextFile(path: string, what: string, maxBytes = 16 * 1024 * 1024): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(
      `${what}: ${code === 'ENOENT' ? 'ENOENT: file not found' : code === 'EISDIR' ? 'is a directory, not a file' : (err as Error).message}`,
    );
  }
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(1024 * 1024);
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new UsageError(`${what}: ${code === 'EISDIR' ? 'is a directory, not a file' : `cannot be read (${(err as Error).message})`}`);
      }
      if (n === 0) break;
      total += n;
      if (total > maxBytes) throw new UsageError(`${what}: larger than ${Math.round(maxBytes / (1024 * 1024))} MB; not a file medidrop reads`);
      chunks.push(buf.subarray(0, n));
    }
    return Buffer.concat(chunks, total).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
