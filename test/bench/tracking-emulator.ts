/**
 * Child process for the tracking benchmark: N emulated ArduCopters on one UDP link to the GCS port
 * given, so that the emulator's CPU is not counted against the tracker being measured.
 *   node dist/test/bench/tracking-emulator.js <vehicles> <gcsPort> <readyAfterS>
 * Prints one JSON line {"ready":true} when listening; stops on SIGTERM or when stdin closes.
 */
import { startEmulator } from '../../sim/emulator/index.js';

export function benchHome(i: number): { lat: number; lon: number; altM: number } {
  // depots on a 10 × 10 grid, 2 km apart, around Xining
  return { lat: 36.55 + Math.floor(i / 10) * 0.018, lon: 101.7 + (i % 10) * 0.0224, altM: 2260 };
}

async function main(): Promise<void> {
  const [n, port, ready] = process.argv.slice(2).map(Number);
  if (!n || !port) throw new Error('usage: tracking-emulator.js <vehicles> <gcsPort> [readyAfterS]');
  const emu = await startEmulator({
    vehicles: Array.from({ length: n }, (_, i) => ({ sysid: i + 1, home: benchHome(i) })),
    speedup: 1,
    readyAfterS: ready || 2,
    udpOut: { host: '127.0.0.1', port },
  });
  const stop = () => void emu.stop().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.stdin.on('end', stop);
  process.stdin.resume();
  process.stdout.write(`${JSON.stringify({ ready: true, udpPort: emu.udpPort })}\n`);
}

if (process.env.MEDIDROP_TRACKING_CHILD === '1') {
  main().catch((err: unknown) => {
    process.stderr.write(`tracking emulator failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
