import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeMetaStoreContract } from '../../../test/contract/meta-store-contract.js';
import { describeAgainstSqlite } from '../../../test/contract/sqlite-factories.js';
import { digestOf } from '../../core/digest.js';
import { MetaStoreError } from '../meta-errors.js';
import type { MetaStore } from '../meta-store.js';
import { openSqliteDatabase } from './connection.js';
import { MIGRATIONS } from './migrations.js';
import { openSqliteMetaStore } from './sqlite-meta-store.js';

describeAgainstSqlite(describeMetaStoreContract);

describe('sqlite meta store', () => {
  let dir: string;
  let file: string;
  const open: MetaStore[] = [];
  const raw: Database.Database[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'berth-meta-'));
    file = join(dir, 'meta.db');
  });
  afterEach(async () => {
    for (const store of open.splice(0)) await store.close();
    for (const db of raw.splice(0)) db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function openStore(busyTimeoutMs?: number): MetaStore {
    const store = openSqliteMetaStore({ file, busyTimeoutMs });
    open.push(store);
    return store;
  }
  function rawDb(): Database.Database {
    const db = new Database(file);
    raw.push(db);
    return db;
  }

  it('applies each migration once and records it', async () => {
    await openStore().close();
    await openStore().close();
    const rows = rawDb().prepare('select version, name from schema_migrations order by version').all();
    expect(rows).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
  });

  it('keeps data across reopening, including pull times flushed on close', async () => {
    const store = openStore();
    const manifest = digestOf('manifest');
    await store.artifacts.commitManifest({
      repository: 'library/app',
      project: 'library',
      createProject: false,
      manifest: { digest: manifest, size: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json' },
      artifactType: null,
      configDigest: null,
      subjectDigest: null,
      annotations: null,
      blobDigests: [],
      childDigests: [],
      tag: 'v1',
      now: new Date(1000),
    });
    await store.artifacts.markPulled('library/app', manifest, new Date(2000), 'v1');
    await store.close();

    const reopened = openStore();
    const artifact = await reopened.artifacts.getByTag('library/app', 'v1');
    expect(artifact).toMatchObject({ digest: manifest, pushTime: new Date(1000), pullTime: new Date(2000) });
    const tagRow = rawDb().prepare('select pull_time from tags where name = ?').get('v1');
    expect(tagRow).toEqual({ pull_time: 2000 });
  });

  it('refuses a database written by a newer schema version', async () => {
    await openStore().close();
    rawDb()
      .prepare('insert into schema_migrations (version, name, applied_at) values (?, ?, ?)')
      .run(999, 'from the future', Date.now());
    const attempt = () => openSqliteMetaStore({ file });
    expect(attempt).toThrow(MetaStoreError);
    expect(attempt).toThrow(/version 999, newer than this build supports/);
  });

  it('refuses a database whose migration history diverges', async () => {
    await openStore().close();
    rawDb().prepare('update schema_migrations set name = ? where version = 1').run('something else');
    expect(() => openSqliteMetaStore({ file })).toThrow(/diverging build/);
  });

  it('sets the durability pragmas', () => {
    const db = openSqliteDatabase({ file, busyTimeoutMs: 1234 });
    raw.push(db);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(1234);
  });

  it('reports a writer held off past the busy timeout as MetaStoreError(busy), not a SqliteError', async () => {
    const store = openStore(50);
    const other = rawDb();
    other.exec('begin immediate');
    try {
      const err = await store.blobs
        .link({
          repository: 'library/app',
          project: 'library',
          createProject: false,
          blob: { digest: digestOf('b'), size: 1 },
        })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MetaStoreError);
      expect(err).toMatchObject({ reason: 'busy' });
    } finally {
      other.exec('rollback');
    }
  });

  it('reports use after close as MetaStoreError(closed)', async () => {
    const store = openStore();
    await store.close();
    await store.close(); // idempotent
    await expect(store.projects.get('library')).rejects.toMatchObject({ name: 'MetaStoreError', reason: 'closed' });
  });

  it('serves reads while another connection holds the write lock (WAL)', async () => {
    const store = openStore(50);
    const other = rawDb();
    other.exec('begin immediate');
    try {
      expect(await store.projects.get('library')).toBeDefined();
    } finally {
      other.exec('rollback');
    }
  });
});
