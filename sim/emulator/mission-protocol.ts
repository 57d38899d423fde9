/**
 * The vehicle side of the MAVLink mission protocol as ArduPilot's MissionItemProtocol implements
 * it, for mission (0), fence (1) and rally (2):
 * - upload: MISSION_COUNT → the vehicle asks with MISSION_REQUEST (#40, never _INT) → MISSION_ITEM_INT
 *   (or legacy MISSION_ITEM: 'got MISSION_ITEM; GCS should send MISSION_ITEM_INT' once per mission
 *   type, MissionItemProtocol::send_mission_item_warning); each item is stored as
 *   ap-mission-storage.ts says; a wrong seq gets MISSION_ACK
 *   INVALID_SEQUENCE mid-transfer and the same seq is asked again by the 1 s re-request timer;
 *   8 s without an item → OPERATION_CANCELLED + 'Mission upload timeout'. All timers on sim time.
 * - missions and rally points are written through (truncated at MISSION_COUNT, so a failed upload
 *   leaves them mixed); fences are buffered and written atomically after whole-fence validation.
 * - download: MISSION_REQUEST_LIST → MISSION_COUNT; MISSION_REQUEST_INT / MISSION_REQUEST → item.
 */
import type { MissionItem, MissionType } from '../../src/missions/types.js';
import { convertItem, MAV_MISSION, MAX_FENCE_ITEMS, MAX_MISSION_ITEMS, MAX_RALLY_POINTS, validateFence } from './mission-store.js';

export interface Peer {
  sysid: number;
  compid: number;
}

export interface MissionProtocolHost {
  now(): number;
  /** Send MISSION_REQUEST (#40). */
  sendRequest(to: Peer, type: MissionType, seq: number): void;
  sendAck(to: Peer, type: MissionType, result: number): void;
  sendCount(to: Peer, type: MissionType, count: number): void;
  sendItem(to: Peer, item: MissionItem, asInt: boolean): void;
  text(severity: number, text: string): void;
  /** The stored items of a type (mission: seq 0 is whatever was uploaded there; download substitutes home). */
  items(type: MissionType): MissionItem[];
  setItems(type: MissionType, items: MissionItem[]): void;
  /** Seq 0 of the mission on download: the vehicle's home. */
  homeItem(): MissionItem;
  /** False while the mission runs and may not be cleared. */
  canClearMission(): boolean;
}

interface Upload {
  type: MissionType;
  peer: Peer;
  count: number;
  next: number;
  lastReceive: number;
  lastRequest: number;
  /** Fence only: items collected before the atomic write. */
  buffer: MissionItem[];
}

const SEV_WARNING = 4;
const SEV_INFO = 6;
const SEV_CRITICAL = 2;
const SEV_DEBUG = 7;

const LIMITS: Record<MissionType, number> = { 0: MAX_MISSION_ITEMS, 1: MAX_FENCE_ITEMS, 2: MAX_RALLY_POINTS };

export class MissionProtocolServer {
  private readonly uploads = new Map<MissionType, Upload>();
  /** MissionItemProtocol::mission_item_warning_sent: one per mission type, until reboot. */
  private readonly warnedLegacy = new Set<MissionType>();

  constructor(private readonly host: MissionProtocolHost) {}

  receiving(type: MissionType): boolean {
    return this.uploads.has(type);
  }

  handleCount(from: Peer, type: MissionType, count: number): void {
    const current = this.uploads.get(type);
    if (current) {
      if (current.peer.sysid !== from.sysid || current.peer.compid !== from.compid) {
        this.host.sendAck(from, type, MAV_MISSION.DENIED);
        return;
      }
      this.uploads.delete(type); // same GCS restarting: start over with the new count
    }
    const limit = LIMITS[type];
    if (count > limit) {
      this.host.text(SEV_WARNING, `Only ${limit} items are supported`);
      this.host.sendAck(from, type, MAV_MISSION.NO_SPACE);
      return;
    }
    if (type !== 1) {
      // AP_Mission / AP_Rally truncate immediately: a failed upload leaves the old tail cut off.
      const items = this.host.items(type);
      if (items.length > count) this.host.setItems(type, items.slice(0, count));
    }
    const now = this.host.now();
    const up: Upload = { type, peer: from, count, next: 0, lastReceive: now, lastRequest: now, buffer: [] };
    if (count === 0) {
      this.complete(up);
      return;
    }
    this.uploads.set(type, up);
    this.host.sendRequest(from, type, 0);
  }

  handleItem(from: Peer, raw: MissionItem, legacy: boolean): void {
    const type = raw.missionType;
    const up = this.uploads.get(type);
    if (legacy && !this.warnedLegacy.has(type)) {
      this.warnedLegacy.add(type);
      this.host.text(SEV_WARNING, 'got MISSION_ITEM; GCS should send MISSION_ITEM_INT');
    }
    if (!up) {
      this.host.sendAck(from, type, MAV_MISSION.ERROR);
      return;
    }
    if (raw.seq !== up.next) {
      this.host.sendAck(from, type, MAV_MISSION.INVALID_SEQUENCE);
      return;
    }
    if (from.sysid !== up.peer.sysid || from.compid !== up.peer.compid) {
      this.host.sendAck(from, type, MAV_MISSION.DENIED);
      return;
    }
    const conv = convertItem(type, { ...raw, seq: raw.seq }, up.count);
    if (!conv.ok) {
      this.uploads.delete(type);
      this.host.sendAck(from, type, conv.result);
      return;
    }
    if (type === 1) {
      up.buffer.push(conv.item);
    } else {
      const items = this.host.items(type).slice();
      if (raw.seq < items.length) items[raw.seq] = conv.item;
      else items.push(conv.item);
      this.host.setItems(type, items);
    }
    const now = this.host.now();
    up.lastReceive = now;
    up.next += 1;
    if (up.next >= up.count) {
      this.uploads.delete(type);
      this.complete(up);
      return;
    }
    up.lastRequest = now;
    this.host.sendRequest(from, type, up.next);
  }

  private complete(up: Upload): void {
    if (up.type === 1) {
      const refusal = validateFence(up.buffer);
      if (refusal) {
        for (const t of refusal.texts) this.host.text(t.severity, t.text);
        this.host.sendAck(up.peer, 1, MAV_MISSION.ERROR);
        return;
      }
      this.host.setItems(1, up.buffer);
      this.host.sendAck(up.peer, 1, MAV_MISSION.ACCEPTED);
      this.host.text(SEV_DEBUG, 'Fence Indexed OK'); // AC_PolyFence_loader::write_fence, SITL builds only
      return;
    }
    this.host.sendAck(up.peer, up.type, MAV_MISSION.ACCEPTED);
    if (up.type === 0) this.host.text(SEV_INFO, 'Flight plan received');
  }

  handleRequestList(from: Peer, type: MissionType): void {
    this.host.sendCount(from, type, this.downloadItems(type).length);
  }

  handleRequest(from: Peer, type: MissionType, seq: number, asInt: boolean): void {
    const items = this.downloadItems(type);
    const item = items[seq];
    if (!item) {
      this.host.sendAck(from, type, MAV_MISSION.INVALID_SEQUENCE);
      return;
    }
    this.host.sendItem(from, { ...item, seq }, asInt);
  }

  handleClearAll(from: Peer, type: MissionType): void {
    if (type === 0 && !this.host.canClearMission()) {
      this.host.sendAck(from, type, MAV_MISSION.ERROR);
      return;
    }
    this.uploads.delete(type);
    this.host.setItems(type, []);
    this.host.sendAck(from, type, MAV_MISSION.ACCEPTED);
  }

  /** Re-request every 1 s, give up after 8 s without an item (simulated time). */
  step(): void {
    const now = this.host.now();
    for (const up of [...this.uploads.values()]) {
      if (now - up.lastReceive > 8) {
        this.uploads.delete(up.type);
        this.host.sendAck(up.peer, up.type, MAV_MISSION.OPERATION_CANCELLED);
        this.host.text(SEV_CRITICAL, 'Mission upload timeout');
      } else if (now - up.lastRequest >= 1) {
        up.lastRequest = now;
        this.host.sendRequest(up.peer, up.type, up.next);
      }
    }
  }

  /** Abandon uploads (reboot). */
  reset(): void {
    this.uploads.clear();
    this.warnedLegacy.clear();
  }

  private downloadItems(type: MissionType): MissionItem[] {
    const items = this.host.items(type);
    if (type !== 0) return items.map((it, i) => ({ ...it, seq: i }));
    const home = this.host.homeItem();
    if (items.length === 0) return [home];
    return [home, ...items.slice(1).map((it, i) => ({ ...it, seq: i + 1 }))];
  }
}
