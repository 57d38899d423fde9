/**
 * Where medidrop's files are: the package root (package.json, src/, missions/, node_modules/),
 * found from this module whether it runs from src/ (vitest) or dist/src/ (the built CLI). A base
 * module like log.ts: every layer may import it.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's root directory (where package.json is), from src/ or dist/src/. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'src'))) return dir;
    dir = dirname(dir);
  }
  return process.cwd();
}
