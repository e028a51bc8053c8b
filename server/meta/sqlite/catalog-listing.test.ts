import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeMetaCatalogContract } from '../../../test/contract/meta-catalog-contract.js';
import { openSqliteMetaStore } from './sqlite-meta-store.js';

describeMetaCatalogContract('sqlite (:memory:)', async () => {
  const store = openSqliteMetaStore({ file: ':memory:' });
  return { store, cleanup: () => store.close() };
});

describeMetaCatalogContract('sqlite (file)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-catalog-'));
  const store = openSqliteMetaStore({ file: join(dir, 'meta.db') });
  return {
    store,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
