/**
 * The layer rule (.dependency-cruiser.cjs, README "Layers") covers every folder of src/: a new
 * folder that is not in the layer list would escape `npm run lint:deps` altogether.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/package-root.js';

const root = packageRoot();
const config = createRequire(import.meta.url)(join(root, '.dependency-cruiser.cjs')) as { forbidden: { name: string }[] };
const layers = config.forbidden.filter((r) => r.name.startsWith('layer-')).map((r) => r.name.slice('layer-'.length));

describe('layer rule', () => {
  it('names every folder of src/ as a layer, in the order the README draws them', () => {
    const folders = readdirSync(join(root, 'src'), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
    expect([...layers].sort()).toEqual(folders.sort());
    expect(layers.slice(-4)).toEqual(['web', 'bus', 'app', 'cli']);
    // The README's diagram lists the layers top (cli) to bottom (domain).
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const diagram = /### Layers, and what each may import[\s\S]*?```\n([\s\S]*?)```/.exec(readme)![1]!;
    const drawn = diagram
      .split('\n')
      .map((l) => /^([a-z]+)\s{2,}/.exec(l)?.[1])
      .filter((x): x is string => x !== undefined);
    expect(drawn).toEqual([...layers].reverse());
  });
});
