/**
 * The ground crew of an emulated fleet: after a drone has flown and then stood landed and disarmed for
 * its turnaround time, the crew swaps its battery (EmulatedVehicle.swapBattery: a power cycle onto a full
 * pack). This is the world around the vehicles, not the firmware: ArduCopter itself never recharges.
 *
 *   const crew = startGroundCrew(emu, { turnaroundS: 60, onSwap: (s) => log.info(s, 'battery swapped') });
 *   crew.stop();
 *
 * Time is the emulator's simulated clock (checked every simulated second), so the turnaround scales with
 * the speed-up like everything else. A drone re-armed before its turnaround is over keeps its pack.
 */
import type { EmulatedVehicle } from './vehicle.js';

/** The part of a running emulator (index.ts `Emulator`) the crew needs: its vehicles and its clock. */
export interface CrewWorld {
  readonly vehicles: EmulatedVehicle[];
  readonly simTimeS: number;
  waitSim(seconds: number): Promise<void>;
}

export interface BatterySwap {
  sysid: number;
  /** Sim seconds since the emulator started. */
  t: number;
  /** What the old pack read when it came out. */
  before: { remainingPct: number; consumedMah: number };
  /** How long it had stood landed and disarmed, sim s. */
  groundS: number;
}

export interface GroundCrewOptions {
  /** Sim seconds a drone stands landed and disarmed after a flight before its pack is swapped (≥ 0). */
  turnaroundS: number | ((v: EmulatedVehicle) => number);
  /** Sim seconds the flight controller is unpowered during a swap (default: swapBattery's). */
  offS?: number;
  onSwap?: (swap: BatterySwap) => void;
  onError?: (err: Error, v: EmulatedVehicle) => void;
}

export interface GroundCrew {
  /** Every swap so far, in order. */
  readonly swaps: readonly BatterySwap[];
  stop(): void;
}

export function startGroundCrew(emu: CrewWorld, opts: GroundCrewOptions): GroundCrew {
  const turnaround = (v: EmulatedVehicle): number => {
    const t = typeof opts.turnaroundS === 'function' ? opts.turnaroundS(v) : opts.turnaroundS;
    if (!(t >= 0) || !Number.isFinite(t)) throw new Error(`ground crew: turnaround of vehicle ${v.sysid} must be a number of seconds ≥ 0, got ${t}`);
    return t;
  };
  for (const v of emu.vehicles) turnaround(v); // a bad setting fails at start, not mid-demo
  const swaps: BatterySwap[] = [];
  // per vehicle: flown since its last swap, and since when it has stood landed and disarmed
  const state = new Map<EmulatedVehicle, { flown: boolean; groundSince: number | undefined }>(
    emu.vehicles.map((v) => [v, { flown: false, groundSince: undefined }]),
  );
  let stopped = false;

  const check = (now: number) => {
    for (const v of emu.vehicles) {
      const st = state.get(v)!;
      if (!v.powered) continue;
      if (v.armed || !v.landed) {
        if (v.armed) st.flown = true;
        st.groundSince = undefined;
        continue;
      }
      if (!st.flown) continue;
      st.groundSince ??= now;
      const groundS = now - st.groundSince;
      if (groundS < turnaround(v)) continue;
      const b = v.battery;
      try {
        v.swapBattery(opts.offS === undefined ? {} : { offS: opts.offS });
      } catch (err) {
        opts.onError?.(err as Error, v);
        continue;
      }
      st.flown = false;
      st.groundSince = undefined;
      const swap: BatterySwap = { sysid: v.sysid, t: now, before: { remainingPct: b.remainingPct, consumedMah: Math.round(b.consumedMah) }, groundS };
      swaps.push(swap);
      opts.onSwap?.(swap);
    }
  };

  const loop = async () => {
    while (!stopped) {
      await emu.waitSim(Math.floor(emu.simTimeS) + 1);
      if (stopped) return;
      check(emu.simTimeS);
    }
  };
  void loop();
  return {
    swaps,
    stop() {
      stopped = true;
    },
  };
}
