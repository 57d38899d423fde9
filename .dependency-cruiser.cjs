/**
 * The layer rule, checked by `npm test` (npm run lint:deps). Each folder of src/ may import only the
 * folders below it; the order is the architecture (README, "How the code is laid out"):
 *
 *   domain < geo < planning < missions < planner < mavlink < fleet < store < dispatch < web < bus < app < cli
 *
 * src/log.ts and src/package-root.ts are base modules that every layer may import; they import no
 * layer. The emulator (sim/emulator) is an independent oracle for the MAVLink client: it may use the
 * domain words, the mission item types and the logger, never the client's code. Only the CLI starts
 * the emulator.
 */
const LAYERS = ['domain', 'geo', 'planning', 'missions', 'planner', 'mavlink', 'fleet', 'store', 'dispatch', 'web', 'bus', 'app', 'cli'];

const layerRules = LAYERS.map((layer, i) => ({
  name: `layer-${layer}`,
  comment: `src/${layer} may import only ${i === 0 ? 'nothing of src' : LAYERS.slice(0, i).join(', ')} (and the base modules)`,
  severity: 'error',
  from: { path: `^src/${layer}/` },
  to: { path: `^src/(${[...LAYERS.slice(i + 1), ...(i === 0 ? ['log', 'package-root'] : [])].join('|')})(/|\\.ts$)` },
}));

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'cli-entry-is-top',
      comment: 'src/cli.ts dispatches to src/cli/; nothing imports it',
      severity: 'error',
      from: {},
      to: { path: '^src/cli\\.ts$' },
    },
    {
      name: 'base-modules-import-no-layer',
      comment: 'src/log.ts and src/package-root.ts sit under every layer',
      severity: 'error',
      from: { path: '^src/(log|package-root)\\.ts$' },
      to: { path: '^src/[a-z-]+/' },
    },
    {
      name: 'src-does-not-use-the-simulator',
      comment: 'only the CLI (medidrop sim, serve --demo) starts the emulator',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/cli(/|\\.ts$)' },
      to: { path: '^sim/' },
    },
    {
      name: 'emulator-is-independent',
      comment: 'the emulator answers like ArduPilot, not like the client: no client code in it',
      severity: 'error',
      from: { path: '^sim/emulator/' },
      to: { path: '^src/', pathNot: '^src/(domain/|missions/types\\.ts$|log\\.ts$)' },
    },
    {
      name: 'emulator-below-sitl-harness',
      comment: 'the SITL harness may use the emulator codec, not the other way round',
      severity: 'error',
      from: { path: '^sim/emulator/' },
      to: { path: '^sim/sitl/' },
    },
    {
      name: 'no-circular',
      comment: 'no import cycles, between modules or folders',
      severity: 'error',
      from: { path: '^(src|sim)/' },
      to: { circular: true },
    },
    {
      name: 'not-to-tests',
      severity: 'error',
      from: { path: '^(src|sim)/' },
      to: { path: '^test/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js', '.mjs'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
