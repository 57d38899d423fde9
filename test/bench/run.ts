/**
 * Benchmark entry (`npm run bench`, or `node dist/test/bench/run.js [section …]`): runs each section
 * module's exported `run()` in turn. Sections: planner, upload, tracking, dispatch, terrain (those whose file exists).
 * Give section names to run only those, e.g. `node dist/test/bench/run.js planner`.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SECTIONS = ['planner', 'upload', 'tracking', 'dispatch', 'terrain'] as const;

// The figures are the output: the service's info logs (one per planned request…) only bury them.
// MEDIDROP_LOG_LEVEL=info brings them back.
process.env.MEDIDROP_LOG_LEVEL ??= 'warn';

async function main(argv: string[]): Promise<number> {
  const unknown = argv.filter((a) => !(SECTIONS as readonly string[]).includes(a));
  if (unknown.length > 0) {
    process.stderr.write(`bench: unknown section ${unknown.map((u) => `'${u}'`).join(', ')}; sections: ${SECTIONS.join(', ')}\n`);
    return 2;
  }
  const wanted = argv.length > 0 ? SECTIONS.filter((s) => argv.includes(s)) : [...SECTIONS];
  let ran = 0;
  for (const name of wanted) {
    const file = new URL(`./${name}.bench.js`, import.meta.url);
    if (!existsSync(fileURLToPath(file))) {
      process.stdout.write(`(bench section '${name}' not present: ${fileURLToPath(file)} — skipped)\n`);
      continue;
    }
    const mod = (await import(file.href)) as { run?: () => Promise<void> };
    if (typeof mod.run !== 'function') {
      process.stderr.write(`bench: ${name}.bench.js exports no run() function\n`);
      return 1;
    }
    const t0 = performance.now();
    await mod.run();
    process.stdout.write(`(section '${name}' took ${((performance.now() - t0) / 1000).toFixed(1)} s)\n\n`);
    ran++;
  }
  return ran > 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
