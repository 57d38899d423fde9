/**
 * QA: bad input found by trying to break medidrop the way an outsider would. Each test says what
 * used to go wrong.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/store/db.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'medidrop-qa-'));
  dirs.push(d);
  return d;
}

describe('database file', () => {
  it('a --db file that is not a SQLite database is refused naming the file (was: "file is not a database", no path)', () => {
    const path = join(tmp(), 'zones.geojson');
    writeFileSync(path, '{"type":"FeatureCollection","features":[]}\n'.repeat(200));
    expect(() => openStore(path)).toThrow(new RegExp(`cannot open database '${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}': file is not a database`));
  });
});
