#!/usr/bin/env node
/**
 * medidrop command line. Each sub-command lives in src/cli/<name>.ts and exports
 * `run(args: string[]): Promise<number>` (the exit code). Loaded lazily so that `medidrop plan`
 * does not pay for fastify or serialport.
 */
import { UsageError } from './cli/common.js';

const COMMANDS: Record<string, { summary: string; load: () => Promise<{ run(args: string[]): Promise<number> }> }> = {
  plan: { summary: 'plan a delivery on a zone map and export it (.plan, .waypoints, GeoJSON)', load: () => import('./cli/plan.js') },
  upload: { summary: 'upload a .plan (mission, fence, rally) to a vehicle and verify it', load: () => import('./cli/upload.js') },
  download: { summary: 'read the mission, fence or rally points back from a vehicle', load: () => import('./cli/download.js') },
  watch: { summary: 'print one JSON line per vehicle state change', load: () => import('./cli/watch.js') },
  fly: { summary: 'upload, verify, arm, start and follow a delivery until landed', load: () => import('./cli/fly.js') },
  sim: { summary: 'start emulated ArduCopter drones at a depot of a zone map', load: () => import('./cli/sim.js') },
  serve: { summary: 'start the web service (officers, pilots, live tracking)', load: () => import('./cli/serve.js') },
  'add-user': { summary: 'create an account (the first admin of a deployment) in the database', load: () => import('./cli/add-user.js') },
  'demo-fleet': { summary: "the demo's emulated drones as their own process (started by serve --demo)", load: () => import('./cli/demo-fleet.js') },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `usage: medidrop <command> [options]\n\ncommands:\n${lines.join('\n')}\n\n'medidrop <command> --help' for a command's options.`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`medidrop: unknown command '${name}'\n\n${usage()}\n`);
    return 2;
  }
  const mod = await command.load();
  return mod.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`medidrop: ${err.message}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`medidrop: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
