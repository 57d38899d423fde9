import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/app/config.js';
import { packageRoot } from '../../src/package-root.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function file(content: string): string {
  const d = mkdtempSync(join(tmpdir(), 'medidrop-cfg-'));
  dirs.push(d);
  const p = join(d, 'medidrop.json');
  writeFileSync(p, content);
  return p;
}

describe('configuration', () => {
  it('defaults < config file < environment < flags', () => {
    const f = file(JSON.stringify({ port: 9000, lang: 'en', loginRateLimit: '3/30', weather: { windSpeedMs: 6 } }));
    const fromFile = loadConfig({ file: f, env: {} });
    expect(fromFile).toMatchObject({
      port: 9000,
      lang: 'en',
      host: '127.0.0.1',
      loginRateLimit: { max: 3, windowMs: 30_000 },
      weather: { windSpeedMs: 6, windFromDeg: 270 },
    });
    const withEnv = loadConfig({ file: f, env: { MEDIDROP_PORT: '9100', MEDIDROP_TILE_URL: 'https://t.example/{z}/{x}/{y}.png', MEDIDROP_DB: ':memory:' } });
    expect(withEnv).toMatchObject({ port: 9100, tileUrl: 'https://t.example/{z}/{x}/{y}.png', db: ':memory:', lang: 'en' });
    expect(loadConfig({ file: f, env: { MEDIDROP_PORT: '9100' }, overrides: { port: '0' } }).port).toBe(0);
  });

  it('reports every bad value with where it came from, and changes nothing', () => {
    const f = file(JSON.stringify({ port: 'eighty', colour: 'red' }));
    let err: unknown;
    try {
      loadConfig({
        file: f,
        env: { MEDIDROP_LANG: 'fr', MEDIDROP_SESSION_SECRET: 'short', MEDIDROP_TILE_URL: 'tiles.example', MEDIDROP_LOGIN_RATE_LIMIT: 'lots' },
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems;
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/medidrop\.json: port: must be an integer/),
        expect.stringMatching(/medidrop\.json: unknown key "colour"/),
        expect.stringMatching(/^MEDIDROP_LANG: must be 'zh-CN' or 'en'/),
        expect.stringMatching(/^MEDIDROP_SESSION_SECRET: must be at least 32 characters/),
        expect.stringMatching(/^MEDIDROP_TILE_URL: must be an http\(s\) URL template/),
        expect.stringMatching(/^MEDIDROP_LOGIN_RATE_LIMIT: must be "<attempts>\/<seconds>"/),
      ]),
    );
    expect(() => loadConfig({ file: join(tmpdir(), 'no-such-medidrop.json'), env: {} })).toThrow(/no-such-medidrop\.json/);
    expect(() => loadConfig({ file: file('{ not json'), env: {} })).toThrow(ConfigError);
  });

  it('medidrop serve refuses bad flags and bad settings with exit code 2 and a clear message', () => {
    const cli = join(packageRoot(), 'dist', 'src', 'cli.js');
    const bad = spawnSync(process.execPath, [cli, 'serve', '--port', 'abc'], { encoding: 'utf8', env: { ...process.env, MEDIDROP_LOG_LEVEL: 'silent' } });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--port: must be an integer from 0 to 65535/);
    const unknown = spawnSync(process.execPath, [cli, 'serve', '--colour'], { encoding: 'utf8' });
    expect(unknown.status).toBe(2);
    const env = spawnSync(process.execPath, [cli, 'serve'], { encoding: 'utf8', env: { ...process.env, MEDIDROP_LANG: 'fr' } });
    expect(env.status).toBe(2);
    expect(env.stderr).toMatch(/MEDIDROP_LANG/);
    const help = spawnSync(process.execPath, [cli, 'serve', '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/--demo/);
  });
});
