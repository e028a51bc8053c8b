import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeMetaIdentityContract } from '../../../test/contract/meta-identity-contract.js';
import { openSqliteMetaStore } from './sqlite-meta-store.js';

describeMetaIdentityContract('sqlite (:memory:)', async () => {
  const store = openSqliteMetaStore({ file: ':memory:' });
  return { store, cleanup: () => store.close() };
});

describeMetaIdentityContract('sqlite (file)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-identity-'));
  const store = openSqliteMetaStore({ file: join(dir, 'meta.db') });
  return {
    store,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
