/**
 * Drone profiles known to the service: the built-in default plus every missions/drones/*.json.
 * A broken profile file is reported with its path and skipped; it never stops the service.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DroneProfile } from '../planning/types.js';
import { DEFAULT_DRONE, parseDroneProfileText } from '../planning/drone.js';

export interface ProfileLoad {
  profiles: Map<string, DroneProfile>;
  problems: string[];
}

export function loadDroneProfiles(dir: string): ProfileLoad {
  const profiles = new Map<string, DroneProfile>([[DEFAULT_DRONE.id, { ...DEFAULT_DRONE }]]);
  const problems: string[] = [];
  let files: string[] = [];
  try {
    files = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort();
  } catch (err) {
    problems.push(`${dir}: ${err instanceof Error ? err.message : String(err)}`);
  }
  for (const f of files) {
    const path = join(dir, f);
    try {
      const p = parseDroneProfileText(readFileSync(path, 'utf8'), path);
      profiles.set(p.id, p);
    } catch (err) {
      problems.push(err instanceof Error ? err.message : String(err));
    }
  }
  return { profiles, problems };
}
