#!/usr/bin/env node
// A stand-in for ArduPilot's `arducopter` SITL binary, for testing the harness (and dry-running the
// SITL tier) on machines without ArduPilot: it parses the same flags and serves SERIAL0 (TCP 5760 + 10·N,
// boots on connect) and SERIAL1 (5762 + 10·N) with medidrop's emulator, at the given speed-up.
// FAKE_SITL_MODE=exit makes it fail at start, =hang never opens a port.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
writeFileSync(path.join(process.cwd(), 'args.json'), JSON.stringify(args));
const mode = process.env.FAKE_SITL_MODE ?? '';
console.log('Setting SIM_SPEEDUP=' + args[args.indexOf('--speedup') + 1]);
if (mode === 'exit') {
  console.error('Failed to load defaults (fake)');
  process.exit(1);
}
if (mode === 'hang') setInterval(() => undefined, 1000);
else {
  const get = (flag) => args[args.indexOf(flag) + 1];
  const instance = Number(get('-I'));
  const [lat, lon, alt] = get('--home').split(',').map(Number);
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const { startEmulator } = await import(path.join(root, 'dist/sim/emulator/index.js'));
  const { MEDIDROP_PARAMS, parseParmText } = await import(path.join(root, 'dist/sim/medidrop-params.js'));
  // The harness writes medidrop's parameters plus a test's own (e.g. WINCH_TYPE) into the last defaults
  // file; the emulator boots with medidrop's already, so it gets the test's own on top.
  const defaults = get('--defaults').split(',');
  const own = new Set(MEDIDROP_PARAMS.map((p) => p.name));
  const params = Object.fromEntries(Object.entries(parseParmText(readFileSync(defaults[defaults.length - 1], 'utf8'))).filter(([k]) => !own.has(k)));
  await startEmulator({
    vehicles: [{ sysid: Number(get('--sysid')), home: { lat, lon, altM: alt }, tcpPort: 5760 + 10 * instance, extraTcpPorts: [5762 + 10 * instance], params }],
    speedup: Number(get('--speedup')),
    // as slow as real SITL to 'EKF3 IMU0 is using GPS' (about 42 sim s), so that boot-clock behaviour (the 30 s
    // pre-arm display) falls in the same phase as on ArduPilot; FAKE_SITL_READY_S overrides it
    readyAfterS: Number(process.env.FAKE_SITL_READY_S ?? 42),
  });
  console.log(`bind port ${5760 + 10 * instance} for SERIAL0`);
}
