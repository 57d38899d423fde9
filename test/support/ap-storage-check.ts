/**
 * Upload the literal storage cases (ap-storage-cases.ts) to a vehicle through a bare MAVLink ground
 * station and list every way its MISSION_ACKs, STATUSTEXTs and read-back differ from what ArduPilot
 * does. Run on the emulator (test/integration) and on ArduPilot SITL (test/sitl): [] on both means
 * the emulator stores items as ArduCopter does, and the client's read-back check accepts exactly
 * what ArduCopter returns.
 */
import { common } from 'node-mavlink';
import { compareItems } from '../../src/mavlink/compare.js';
import type { MissionItem, MissionType } from '../../src/missions/types.js';
import type { RawGcs } from '../integration/emulator-raw-gcs.js';
import {
  FENCE_CASES,
  FENCE_REFUSALS,
  FENCE_TRIANGLE,
  HOME_ITEM,
  LEGACY_WAYPOINT,
  MISSION_CASES,
  MISSION_REFUSALS,
  RALLY_CASES,
  type StorageCase,
} from './ap-storage-cases.js';

/** Periodic STATUSTEXTs of a vehicle that is not ready to arm, interleaved with the fence's. */
const UNRELATED = /^(PreArm|Arm:|EKF|GPS|AHRS|Field Elevation|Barometer)/;

const FIELDS = ['frame', 'param1', 'param2', 'param3', 'param4', 'x', 'y', 'z'] as const;

function asItem(m: common.MissionItemInt, type: MissionType): MissionItem {
  return {
    seq: m.seq,
    frame: m.frame,
    command: m.command,
    current: m.current ? 1 : 0,
    autocontinue: m.autocontinue ? 1 : 0,
    param1: m.param1,
    param2: m.param2,
    param3: m.param3,
    param4: m.param4,
    x: m.x,
    y: m.y,
    z: m.z,
    missionType: type,
  };
}

/** Differences between one read-back item and a case's literal read-back. */
function literalDiffs(c: StorageCase, got: MissionItem | undefined): string[] {
  if ('refused' in c.back) return [`${c.what}: stored, ArduPilot refuses it with ${c.back.refused}`];
  if (!got) return [`${c.what}: missing from the read-back`];
  const b = c.back;
  const want: Record<(typeof FIELDS)[number], number> = {
    frame: b.frame,
    param1: b.params[0],
    param2: b.params[1],
    param3: b.params[2],
    param4: b.params[3],
    x: b.x,
    y: b.y,
    z: b.z,
  };
  const out: string[] = [];
  for (const k of FIELDS) if (got[k] !== want[k]) out.push(`${c.what}: ${k} ${got[k]}, ArduPilot ${want[k]}`);
  if (got.autocontinue !== (c.type === 0 ? 1 : 0)) out.push(`${c.what}: autocontinue ${got.autocontinue}, ArduPilot ${c.type === 0 ? 1 : 0}`);
  return out;
}

async function download(gcs: RawGcs, sysid: number, type: MissionType): Promise<MissionItem[]> {
  return (await gcs.download(sysid, type)).map((m) => asItem(m, type));
}

/** Every difference from ArduPilot found on the vehicle (sysid) behind `gcs`; [] when there is none. */
export async function storageDifferences(gcs: RawGcs, sysid: number): Promise<string[]> {
  const out: string[] = [];

  // missions: everything that is stored, in one upload; then the client's read-back check on it
  const mission = [HOME_ITEM, ...MISSION_CASES.map((c, i) => ({ ...c.sent, seq: i + 1 }))];
  const ack = await gcs.upload(sysid, 0, mission, 30_000);
  if (ack !== 0) out.push(`mission of ${mission.length} items: MISSION_ACK ${ack}, ArduPilot 0`);
  else {
    const back = await download(gcs, sysid, 0);
    MISSION_CASES.forEach((c, i) => {
      out.push(...literalDiffs(c, back[i + 1]));
    });
    out.push(...compareItems(0, mission, back).map((d) => `client read-back check: ${d}`));
  }

  // one item after home: refused, or stored as ArduPilot stores it
  for (const c of MISSION_REFUSALS) {
    const a = await gcs.upload(sysid, 0, [HOME_ITEM, c.sent], 10_000);
    if ('refused' in c.back) {
      if (a !== c.back.refused) out.push(`${c.what}: MISSION_ACK ${a}, ArduPilot ${c.back.refused}`);
    } else if (a !== 0) out.push(`${c.what}: MISSION_ACK ${a}, ArduPilot 0`);
    else out.push(...literalDiffs(c, (await download(gcs, sysid, 0))[1]));
  }

  // fence and rally items, one per upload (a circle or a return point is a whole fence)
  for (const c of [...FENCE_CASES, ...RALLY_CASES]) {
    const a = await gcs.upload(sysid, c.type, [c.sent], 10_000);
    const want = 'refused' in c.back ? c.back.refused : 0;
    if (a !== want) out.push(`${c.what}: MISSION_ACK ${a}, ArduPilot ${want}`);
    else if (a === 0) {
      const back = await download(gcs, sysid, c.type);
      out.push(...literalDiffs(c, back[0]));
      out.push(...compareItems(c.type, [c.sent], back).map((d) => `client read-back check: ${d}`));
    }
  }
  const tri = await gcs.upload(sysid, 1, FENCE_TRIANGLE.sent, 10_000);
  if (tri !== 0) out.push(`triangle with vertex counts 3.7, 3.2, 3: MISSION_ACK ${tri}, ArduPilot 0`);
  else {
    const counts = (await download(gcs, sysid, 1)).map((it) => it.param1);
    if (counts.join() !== FENCE_TRIANGLE.back.join()) out.push(`triangle vertex counts ${counts.join()}, ArduPilot ${FENCE_TRIANGLE.back.join()}`);
  }

  // whole-fence refusals: MAV_MISSION_ERROR and ArduPilot's STATUSTEXTs, in order
  for (const c of FENCE_REFUSALS) {
    const since = gcs.messages.length;
    const a = await gcs.upload(sysid, 1, c.items, 10_000);
    await new Promise((r) => setTimeout(r, 300));
    const texts = gcs.messages
      .slice(since)
      .filter((m) => m.msgid === 253)
      .map((m) => (m.data as common.StatusText).text)
      .filter((t) => !UNRELATED.test(t));
    if (a !== 1) out.push(`${c.what}: MISSION_ACK ${a}, ArduPilot 1`);
    if (texts.join(' | ') !== c.texts.join(' | ')) out.push(`${c.what}: STATUSTEXT ${JSON.stringify(texts)}, ArduPilot ${JSON.stringify(c.texts)}`);
  }

  // legacy MISSION_ITEM: float degrees ×1.0e7f, and the warning
  const since = gcs.messages.length;
  const legacy = await new Promise<number>((resolve) => {
    const timer = setTimeout(() => {
      off();
      resolve(-1);
    }, 10_000);
    const off = gcs.on((m) => {
      if (m.sysid !== sysid) return;
      if (m.msgid === 40 || m.msgid === 51) {
        const r = m.data as common.MissionRequest;
        if (r.missionType !== 0) return;
        const mi = new common.MissionItem();
        Object.assign(mi, {
          targetSystem: sysid,
          targetComponent: 1,
          seq: r.seq,
          frame: r.seq === 0 ? 0 : 6,
          command: 16,
          current: 0,
          autocontinue: 1,
          param1: 0,
          param2: 0,
          param3: 0,
          param4: 0,
          missionType: 0,
        });
        mi.x = r.seq === 0 ? HOME_ITEM.x / 1e7 : LEGACY_WAYPOINT.lat;
        mi.y = r.seq === 0 ? HOME_ITEM.y / 1e7 : LEGACY_WAYPOINT.lon;
        mi.z = r.seq === 0 ? HOME_ITEM.z : 20;
        gcs.send(mi);
      } else if (m.msgid === 47 && (m.data as common.MissionAck).missionType === 0 && (m.data as common.MissionAck).type !== 13) {
        clearTimeout(timer);
        off();
        resolve((m.data as common.MissionAck).type);
      }
    });
    gcs.count(sysid, 0, 2);
  });
  if (legacy !== 0) out.push(`legacy MISSION_ITEM upload: MISSION_ACK ${legacy}, ArduPilot 0`);
  else {
    const wp = (await download(gcs, sysid, 0))[1];
    if (wp?.x !== LEGACY_WAYPOINT.x || wp?.y !== LEGACY_WAYPOINT.y)
      out.push(`legacy waypoint stored at ${wp?.x}, ${wp?.y}, ArduPilot ${LEGACY_WAYPOINT.x}, ${LEGACY_WAYPOINT.y}`);
    const warnings = gcs.messages
      .slice(since)
      .filter((m) => m.msgid === 253)
      .map((m) => m.data as common.StatusText);
    const warning = warnings.find((s) => /MISSION_ITEM/.test(s.text));
    if (warning?.text !== 'got MISSION_ITEM; GCS should send MISSION_ITEM_INT' || warning.severity !== 4) {
      out.push(
        `legacy MISSION_ITEM warning ${JSON.stringify(warning && [warning.severity, warning.text])}, ArduPilot [4,"got MISSION_ITEM; GCS should send MISSION_ITEM_INT"]`,
      );
    }
  }
  return out;
}
