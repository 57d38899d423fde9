/**
 * compose.yaml cannot be started here (no Docker engine), so what can be checked is checked: every
 * MEDIDROP_* setting it gives is one the service knows, both instances share one database and one
 * broker with leases on and their own instance ids, the proxy sends to both and does not buffer the
 * event streams, the drones listen where the instances can reach them, and the image can build
 * pg-native.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ENV_VARS, loadConfig } from '../../src/app/config.js';
import { packageRoot } from '../../src/package-root.js';

const root = packageRoot();
const compose = parse(readFileSync(join(root, 'compose.yaml'), 'utf8'), { merge: true }) as {
  services: Record<string, { environment?: Record<string, string>; command?: string[]; depends_on?: unknown; build?: { dockerfile: string } }>;
};
const instances = ['medidrop-a', 'medidrop-b'];

describe('compose.yaml', () => {
  it('gives each instance settings the service accepts: shared leases, one database, one broker, its own id', () => {
    const envs = instances.map((n) => compose.services[n]!.environment!);
    for (const env of envs) {
      for (const key of Object.keys(env).filter((k) => k.startsWith('MEDIDROP_') && k !== 'MEDIDROP_LOG_LEVEL'))
        expect(Object.keys(ENV_VARS), `${key} is not a setting of the service`).toContain(key);
      // the values as the service reads them (the compose default for the password filled in)
      const resolved = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v).replace(/\$\{POSTGRES_PASSWORD:-([^}]*)\}/, '$1')]));
      const cfg = loadConfig({ env: resolved });
      expect(cfg.shared).toBe(true);
      expect(cfg.db).toMatch(/^postgres:\/\/medidrop:[^@]+@postgres:5432\/medidrop$/);
      expect(cfg.mqtt).toBe('mqtt://mosquitto:1883');
      expect(cfg.host).toBe('0.0.0.0');
    }
    expect(envs[0]!.MEDIDROP_DB).toBe(envs[1]!.MEDIDROP_DB);
    expect(envs[0]!.MEDIDROP_INSTANCE_ID).not.toBe(envs[1]!.MEDIDROP_INSTANCE_ID);
  });

  it('the proxy sends to both instances on their port and does not buffer the event streams', () => {
    const nginx = readFileSync(join(root, 'deploy', 'nginx.conf'), 'utf8');
    const port = compose.services['medidrop-a']!.environment!.MEDIDROP_PORT;
    for (const n of instances) expect(nginx).toContain(`server ${n}:${port}`);
    const sse = /location ~ \^\/api\/\(events\|flights\/\[0-9\]\+\/events\)\$ \{([^}]*)\}/.exec(nginx);
    expect(sse?.[1]).toMatch(/proxy_buffering off;/);
    expect(sse?.[1]).toMatch(/proxy_read_timeout 24h;/);
  });

  it('the emulated drones listen on the compose network, and the image has libpq for pg-native', () => {
    const cmd = compose.services.sim!.command!;
    expect(cmd[cmd.indexOf('--host') + 1]).toBe('0.0.0.0');
    const map = cmd[cmd.indexOf('--map') + 1]!;
    const depot = cmd[cmd.indexOf('--depot') + 1]!;
    const features = (JSON.parse(readFileSync(join(root, map), 'utf8')) as { features: { properties: { kind: string; name: string } }[] }).features;
    expect(features.filter((f) => f.properties.kind === 'depot').map((f) => f.properties.name)).toContain(depot);
    const dockerfile = readFileSync(join(root, compose.services['medidrop-a']!.build!.dockerfile), 'utf8');
    expect(dockerfile).toMatch(/apt-get install[^\n]*libpq-dev/);
    expect(dockerfile).toMatch(/npm ci/);
  });
});
