/**
 * Incoming MAVLink messages on the vehicle side: drop what is addressed to another system, then route
 * each message — GCS heartbeats (for the GCS failsafe), TIMESYNC, SET_MODE, the parameter protocol,
 * the mission protocol (with MISSION_ITEM current=2 as a GUIDED target, and MISSION_SET_CURRENT),
 * REQUEST_DATA_STREAM, commands, SET_POSITION_TARGET_GLOBAL_INT. A message that throws is logged and
 * dropped, never crashing the emulator. Holds a reference to the shared vehicle state.
 */
import type { common, minimal, MavLinkData } from 'node-mavlink';
import type { MissionItem, MissionType } from '../../src/missions/types.js';
import type { Logger } from '../../src/log.js';
import type { AutoExecutor } from './auto-executor.js';
import type { Incoming } from './codec.js';
import type { CommandHandler } from './commands.js';
import { toNE } from './geo.js';
import { legacyItemToInt } from './ap-mission-storage.js';
import { here, homeAltOffset, itemTarget } from './kinematics.js';
import type { Link } from './link.js';
import type { MissionProtocolServer, Peer } from './mission-protocol.js';
import { isNavCommand } from './mission-store.js';
import type { Modes } from './modes.js';
import type { ParameterProtocol } from './parameters.js';
import type { TelemetryStreams } from './telemetry-streams.js';
import { MODE, RESULT, SEV, type VehicleState } from './vehicle-state.js';

export class MessageRouter {
  constructor(
    private readonly s: VehicleState,
    private readonly link: Link,
    private readonly telemetry: TelemetryStreams,
    private readonly modes: Modes,
    private readonly auto: AutoExecutor,
    private readonly protocol: MissionProtocolServer,
    private readonly parameters: ParameterProtocol,
    private readonly commands: CommandHandler,
    private readonly log: Logger | undefined,
  ) {}

  handle(m: Incoming): void {
    try {
      this.dispatch(m);
    } catch (err) {
      this.log?.warn({ err, msgid: m.msgid }, 'emulator: message handling failed');
    }
  }

  private forUs(target: number | undefined): boolean {
    return target === undefined || target === 0 || target === this.s.sysid;
  }

  private dispatch(m: Incoming): void {
    const s = this.s;
    const from: Peer = { sysid: m.sysid, compid: m.compid };
    const d = m.data as MavLinkData & { targetSystem?: number };
    if (m.msgid !== 0 && !this.forUs(d.targetSystem)) return;
    switch (m.msgid) {
      case 0: {
        const hb = m.data as minimal.Heartbeat;
        if (hb.type === 6) s.gcsHeardAt = s.nowS; // MAV_TYPE_GCS
        return;
      }
      case 111: {
        const ts = m.data as common.TimeSync;
        if (ts.tc1 === 0n) this.link.sendTimesync(BigInt(Math.round(s.nowS * 1e9)), ts.ts1, from);
        return;
      }
      case 11: {
        const sm = m.data as common.SetMode;
        const why = this.modes.trySetMode(sm.customMode);
        if (why) this.link.text(SEV.WARNING, why);
        this.link.sendAck(from, 11, why ? RESULT.FAILED : RESULT.ACCEPTED);
        return;
      }
      case 20:
        return this.parameters.paramRequestRead(from, m.data as common.ParamRequestRead);
      case 21:
        return this.parameters.paramRequestList();
      case 23:
        return this.parameters.paramSet(m.data as common.ParamSet);
      case 39:
      case 73: {
        const legacy = m.msgid === 39;
        const it = m.data as common.MissionItemInt | common.MissionItem;
        const type = (it.missionType ?? 0) as MissionType;
        if (m.version === 1 && type !== 0) return this.needMavlink2(from, type);
        const wire = wireItem(it, type);
        // GCS_MAVLINK::handle_mission_item: a legacy item that does not convert is answered, the upload goes on
        const conv = legacy ? legacyItemToInt(wire) : { ok: true as const, item: wire };
        if (!conv.ok) return this.link.sendMissionAck(from, type, conv.result);
        const item = conv.item;
        if (it.current === 2 && type === 0) return this.guidedItem(from, item);
        this.protocol.handleItem(from, item, legacy);
        return;
      }
      case 40:
      case 51: {
        const r = m.data as common.MissionRequest;
        this.protocol.handleRequest(from, (r.missionType ?? 0) as MissionType, r.seq, m.msgid === 51);
        return;
      }
      case 41: {
        const r = m.data as common.MissionSetCurrent;
        const it = s.missionItems[r.seq];
        if (it && r.seq > 0) {
          if (s.missionState === 'running' && isNavCommand(it.command)) this.auto.startNav(r.seq, it);
          else s.navIndex = r.seq;
          this.telemetry.sendMissionCurrent();
        }
        return;
      }
      case 43: {
        const r = m.data as common.MissionRequestList;
        const type = (r.missionType ?? 0) as MissionType;
        if (m.version === 1 && type !== 0) return this.needMavlink2(from, type);
        this.protocol.handleRequestList(from, type);
        return;
      }
      case 44: {
        const c = m.data as common.MissionCount;
        const type = (c.missionType ?? 0) as MissionType;
        if (type > 2) return this.link.sendMissionAck(from, type as MissionType, 3);
        if (m.version === 1 && type !== 0) return this.needMavlink2(from, type);
        this.protocol.handleCount(from, type, c.count);
        return;
      }
      case 45: {
        const c = m.data as common.MissionClearAll;
        const type = (c.missionType ?? 0) as MissionType;
        if (type === (255 as number)) {
          for (const t of [0, 1, 2] as MissionType[]) this.protocol.handleClearAll(from, t);
          return;
        }
        this.protocol.handleClearAll(from, type);
        return;
      }
      case 47:
        return;
      case 66:
        return this.telemetry.requestDataStream(m.data as common.RequestDataStream);
      case 75:
      case 76:
        return this.commands.command(from, m.data as common.CommandLong | common.CommandInt, m.msgid === 75);
      case 86:
        return this.positionTarget(m.data as common.SetPositionTargetGlobalInt);
      default:
        return;
    }
  }

  private needMavlink2(from: Peer, type: MissionType): void {
    this.link.text(SEV.WARNING, 'Need mavlink2 for item transfer');
    this.link.sendMissionAck(from, type, 3);
  }

  /** MISSION_ITEM(_INT) with current = 2: a GUIDED-mode target, acknowledged with MISSION_ACK. */
  private guidedItem(from: Peer, item: MissionItem): void {
    const s = this.s;
    if (s.modeNum !== MODE.GUIDED || !s.isArmed) {
      this.link.sendMissionAck(from, 0, 1);
      return;
    }
    const { ne, alt } = itemTarget(s, item);
    const h = here(s);
    s.guidedTarget = { n: ne?.n ?? h.n, e: ne?.e ?? h.e, alt };
    this.link.sendMissionAck(from, 0, 0);
  }

  private positionTarget(p: common.SetPositionTargetGlobalInt): void {
    const s = this.s;
    if (s.modeNum !== MODE.GUIDED || !s.isArmed) return;
    const ne = toNE(s.start, { lat: p.latInt / 1e7, lon: p.lonInt / 1e7 });
    const alt = p.coordinateFrame === 5 || p.coordinateFrame === 0 ? p.alt - s.start.altM : p.alt + homeAltOffset(s);
    s.guidedTarget = { n: ne.n, e: ne.e, alt };
  }
}

/** The item as it came (a legacy MISSION_ITEM still in float degrees). */
function wireItem(it: common.MissionItemInt | common.MissionItem, type: MissionType): MissionItem {
  return {
    seq: it.seq,
    frame: it.frame,
    command: it.command,
    current: it.current ? 1 : 0,
    autocontinue: it.autocontinue ? 1 : 0,
    param1: it.param1,
    param2: it.param2,
    param3: it.param3,
    param4: it.param4,
    x: it.x,
    y: it.y,
    z: it.z,
    missionType: type,
  };
}
