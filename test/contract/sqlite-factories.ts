import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteMetaStore } from '../../server/meta/sqlite/sqlite-meta-store.js';
import type { DescribeMetaContract } from './contract-kit.js';

/**
 * Runs a MetaStore contract suite against SQLite twice: an in-memory database (`sqlite (:memory:)`)
 * and a database file in a temporary directory that each test's cleanup removes (`sqlite (file)`).
 */
export function describeAgainstSqlite(describeContract: DescribeMetaContract): void {
  describeContract('sqlite (:memory:)', async () => {
    const store = openSqliteMetaStore({ file: ':memory:' });
    return { store, cleanup: () => store.close() };
  });

  describeContract('sqlite (file)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-meta-'));
    const store = openSqliteMetaStore({ file: join(dir, 'meta.db') });
    return {
      store,
      cleanup: async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  });
}
