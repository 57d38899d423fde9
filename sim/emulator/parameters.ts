/**
 * The parameter protocol on the vehicle side (PARAM_REQUEST_READ, PARAM_REQUEST_LIST, PARAM_SET →
 * PARAM_VALUE) and what a changed parameter does at once: FENCE_ENABLE re-latches the fence mask
 * (AC_Fence::update), SIM_WIND_* change the wind. Unknown names get no answer, as in ArduPilot.
 * Holds a reference to the shared vehicle state.
 */
import { common } from 'node-mavlink';
import { latchFence } from './fence-monitor.js';
import type { Link } from './link.js';
import type { Peer } from './mission-protocol.js';
import { PARAM_REAL32 } from './params.js';
import { windVector } from './physics.js';
import type { VehicleState } from './vehicle-state.js';

export class ParameterProtocol {
  constructor(
    private readonly s: VehicleState,
    private readonly link: Link,
  ) {}

  paramRequestRead(_from: Peer, r: common.ParamRequestRead): void {
    const params = this.s.params;
    const entry = r.paramIndex >= 0 ? params.at(r.paramIndex) : params.find(trimId(r.paramId));
    if (!entry) return; // ArduPilot answers nothing for an unknown name
    this.sendParam(entry.name);
  }

  paramRequestList(): void {
    for (const e of this.s.params.list()) this.sendParam(e.name);
  }

  paramSet(m: common.ParamSet): void {
    const name = trimId(m.paramId);
    const entry = this.s.params.set(name, m.paramValue);
    if (!entry) return; // unknown: ignored, no PARAM_VALUE (the GCS times out)
    this.paramChanged(name);
    this.sendParam(name);
  }

  /** Side effects of a parameter that was just written (over MAVLink or by EmulatedVehicle.setParam). */
  paramChanged(name: string): void {
    const s = this.s;
    if (name === 'FENCE_ENABLE' && (s.params.get('FENCE_ENABLE') === 1 ? 1 : 0) !== s.fenceEnableSeen) latchFence(s);
    if (name === 'SIM_WIND_SPD' || name === 'SIM_WIND_DIR') {
      s.windSpec = { speedMs: s.params.get('SIM_WIND_SPD'), fromDeg: s.params.get('SIM_WIND_DIR') };
      s.wind = windVector(s.windSpec.speedMs, s.windSpec.fromDeg);
    }
  }

  private sendParam(name: string): void {
    const params = this.s.params;
    const e = params.find(name);
    if (!e) return;
    const v = new common.ParamValue();
    v.paramId = e.name;
    v.paramValue = e.value;
    v.paramType = e.type === PARAM_REAL32 ? PARAM_REAL32 : e.type;
    v.paramCount = params.count;
    v.paramIndex = params.index(e.name);
    this.link.send(v);
  }
}

function trimId(id: string): string {
  const i = id.indexOf('\0');
  return (i >= 0 ? id.slice(0, i) : id).trim();
}
