/**
 * The vehicle's three stored lists — mission, fence and rally (its EEPROM: they survive a reboot) —
 * and the MissionProtocolServer that uploads and downloads them over the vehicle's links. Seq 0 of a
 * downloaded mission is the vehicle's home; MIS_TOTAL and RALLY_TOTAL follow the stored counts.
 */
import { common } from 'node-mavlink';
import type { MissionItem, MissionType } from '../../src/missions/types.js';
import type { Link } from './link.js';
import { altitudeReadback } from './ap-mission-storage.js';
import { MissionProtocolServer } from './mission-protocol.js';
import { CMD } from './mission-store.js';
import { MODE, type VehicleState } from './vehicle-state.js';

export function createMissionProtocol(s: VehicleState, link: Link): MissionProtocolServer {
  return new MissionProtocolServer({
    now: () => s.nowS,
    sendRequest: (to, type, seq) => {
      const r = new common.MissionRequest();
      r.targetSystem = to.sysid;
      r.targetComponent = to.compid;
      r.seq = seq;
      r.missionType = type;
      link.send(r);
    },
    sendAck: (to, type, result) => link.sendMissionAck(to, type, result),
    sendCount: (to, type, count) => {
      const c = new common.MissionCount();
      c.targetSystem = to.sysid;
      c.targetComponent = to.compid;
      c.count = count;
      c.missionType = type;
      c.opaqueId = 0;
      link.send(c);
    },
    sendItem: (to, item, asInt) => link.sendItem(to, item, asInt),
    text: (sev, text) => link.text(sev, text),
    items: (type) => storage(s, type),
    setItems: (type, items) => setStorage(s, type, items),
    homeItem: () => homeItem(s),
    canClearMission: () => !(s.isArmed && s.modeNum === MODE.AUTO && s.missionState === 'running'),
  });
}

function homeItem(s: VehicleState): MissionItem {
  const h = s.homePos;
  return {
    seq: 0,
    frame: 0,
    command: CMD.NAV_WAYPOINT,
    current: 0,
    autocontinue: 1,
    param1: 0,
    param2: 0,
    param3: 0,
    param4: 0,
    x: h ? Math.round(h.lat * 1e7) : 0,
    y: h ? Math.round(h.lon * 1e7) : 0,
    z: h ? altitudeReadback(h.altM) : 0,
    missionType: 0,
  };
}

function storage(s: VehicleState, type: MissionType): MissionItem[] {
  return type === 0 ? s.missionItems : type === 1 ? s.fenceItems : s.rallyItems;
}

function setStorage(s: VehicleState, type: MissionType, items: MissionItem[]): void {
  if (type === 0) {
    s.missionItems = items;
    s.params.setInternal('MIS_TOTAL', items.length);
  } else if (type === 1) {
    s.fenceItems = items;
  } else {
    s.rallyItems = items;
    s.params.setInternal('RALLY_TOTAL', items.length);
  }
}
