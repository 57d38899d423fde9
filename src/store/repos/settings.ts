/** The settings table: one string value per key (what the service remembers between runs, e.g. the demo seed). */
import { str, type Row, type StoreConnection } from '../connection.js';

export class SettingsRepository {
  constructor(private readonly c: StoreConnection) {}

  get(key: string): string | null {
    const r = this.c.q('SELECT value FROM settings WHERE key = ?').get(key) as Row | undefined;
    return r ? str(r.value) : null;
  }

  set(key: string, value: string): void {
    this.c.q('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }
}
