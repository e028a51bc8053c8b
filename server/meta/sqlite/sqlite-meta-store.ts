import type { MetaStore } from '../meta-store.js';
import { ManifestCommitter } from './artifact-commit.js';
import { SqliteArtifactRepo } from './artifact-repo.js';
import { SqliteBlobRepo } from './blob-repo.js';
import { createIdentityRepos } from './identity-repos.js';
import { createProjectAggregateRepos } from './project-aggregates.js';
import { openSqliteDatabase } from './connection.js';
import { SqlExecutor } from './executor.js';
import { SqliteGcRepo } from './gc-repo.js';
import { migrate } from './migrations.js';
import { SqliteImmutableRuleRepo } from './immutable-rule-repo.js';
import { SqliteProjectRepo } from './project-repo.js';
import { SqliteRepositoryRepo } from './repository-repo.js';
import { SqliteRetentionPolicyRepo } from './retention-repo.js';
import { SqliteTagRepo } from './tag-repo.js';
import { SqliteUploadRepo } from './upload-repo.js';
import { SqliteJobRepo } from './job-repo.js';
import { SqliteScanRepo } from './scan-repo.js';
import { SqliteReplicationRepo } from './replication-repo.js';

export interface SqliteMetaStoreOptions {
  /** Database file, or ':memory:' for tests. */
  file: string;
  /** How long a writer waits for another connection's lock; default 5000 ms. */
  busyTimeoutMs?: number;
  /**
   * Receives failures of background work (the batched pull-time writes), which have no caller to
   * throw to. Default: a process warning. Pass a pino logger's `warn` wrapped accordingly.
   */
  onBackgroundError?: (err: unknown) => void;
}

/**
 * Opens (creating if needed) the embedded SQLite metadata store, applies pending migrations, and
 * prepares every statement. Throws `MetaStoreError('schema')` when the database was written by a
 * newer Berth, `MetaStoreError('failure')` when it cannot be opened.
 */
export function openSqliteMetaStore(options: SqliteMetaStoreOptions): MetaStore {
  const db = openSqliteDatabase(options);
  try {
    migrate(db);
    const sql = new SqlExecutor(db);
    const projects = new SqliteProjectRepo(sql);
    const repositories = new SqliteRepositoryRepo(sql, projects);
    const blobs = new SqliteBlobRepo(sql, repositories);
    const committer = new ManifestCommitter(sql, repositories, blobs);
    const artifacts = new SqliteArtifactRepo(
      sql,
      committer,
      options.onBackgroundError ??
        ((err) => process.emitWarning(`metadata store: recording pull times failed: ${String(err)}`)),
    );
    const tags = new SqliteTagRepo(sql, repositories);
    const uploads = new SqliteUploadRepo(sql);
    const identity = createIdentityRepos(sql);
    const projectAggregates = createProjectAggregateRepos(sql, { projects, repositories });
    let closed = false;
    return {
      projects,
      repositories,
      blobs,
      artifacts,
      tags,
      uploads,
      ...identity,
      ...projectAggregates,
      gc: new SqliteGcRepo(sql),
      immutableRules: new SqliteImmutableRuleRepo(sql, projects),
      retentionPolicies: new SqliteRetentionPolicyRepo(sql, projects),
      jobs: new SqliteJobRepo(sql),
      scans: new SqliteScanRepo(sql),
      replication: new SqliteReplicationRepo(sql),
      async close() {
        if (closed) return;
        closed = true;
        artifacts.flushPulls();
        db.close();
      },
    };
  } catch (err) {
    db.close();
    throw err;
  }
}
