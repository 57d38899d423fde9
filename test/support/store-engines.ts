/**
 * Running a store test on both engines: `describeOnEngines(title, body)` declares `body` twice, once
 * on SQLite (':memory:') and once on PostgreSQL (a throwaway cluster on loopback for the block,
 * test/support/postgres.ts, with a fresh database per `location()`), so that the same assertions hold
 * on both. Without PostgreSQL binaries or pg-native the PostgreSQL block is skipped, saying why.
 */
import { afterAll, afterEach, beforeAll, describe } from 'vitest';
import { openDatabase, type Store } from '../../src/store/db.js';
import { type PgCluster, POSTGRES, SKIP_REASON, startPostgres } from './postgres.js';

export interface EngineUnderTest {
  name: 'SQLite' | 'PostgreSQL';
  /** A new, empty database's location (':memory:' or a postgres:// URL). */
  location(): string;
  /** A store on a new, empty database (closed after each test when not closed by it). */
  open(): Store;
}

if (!POSTGRES) console.warn(`skipping the store tests on PostgreSQL: ${SKIP_REASON}`);

export function describeOnEngines(title: string, body: (e: EngineUnderTest) => void): void {
  for (const name of ['SQLite', 'PostgreSQL'] as const) {
    const pg = name === 'PostgreSQL';
    describe.skipIf(pg && !POSTGRES)(`${title} [${name}]`, () => {
      let cluster: PgCluster | null = null;
      const opened: Store[] = [];
      if (pg) {
        beforeAll(async () => {
          cluster = await startPostgres();
        }, 60_000);
        afterAll(async () => {
          await cluster?.stop();
        });
      }
      afterEach(() => {
        for (const s of opened.splice(0)) s.close();
      });
      const location = () => {
        if (!pg) return ':memory:';
        if (!cluster) throw new Error('the PostgreSQL cluster did not start');
        return cluster.newDatabase();
      };
      body({
        name,
        location,
        open() {
          const s = openDatabase(location());
          opened.push(s);
          return s;
        },
      });
    });
  }
}
