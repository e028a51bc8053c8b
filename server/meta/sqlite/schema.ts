import type { Generated } from 'kysely';
import type { IdentityTables } from './schema-identity.js';
import type { ProjectTables } from './schema-projects.js';
import type { RetentionTables } from './schema-retention.js';
import type { JobTables } from './schema-jobs.js';
import type { ScanTables } from './schema-scan.js';
import type { ReplicationTables } from './schema-replication.js';

/**
 * Table types for the Kysely query builder: the current shape of the schema that `migrations.ts`
 * builds. Column names are snake_case as stored. Times are integer milliseconds since the epoch;
 * booleans are 0/1 integers (SQLite has no boolean type).
 *
 * ```
 * projects ─< repositories ─< repository_blobs >─ blobs
 *                  │
 *                  ├─< artifacts ─< artifact_blobs      (config, layers: digests of blobs)
 *                  │       ├──────< artifact_children   (an index's child manifests, by digest)
 *                  │       └── subject_digest           (referrers; the subject may be absent)
 *                  └─< tags >── artifacts
 * upload_sessions (standalone; keyed by upload id)
 * ```
 */
export interface MetaDatabase
  extends IdentityTables, ProjectTables, JobTables, RetentionTables, ScanTables, ReplicationTables {
  schema_migrations: SchemaMigrationsTable;
  projects: ProjectsTable;
  repositories: RepositoriesTable;
  blobs: BlobsTable;
  repository_blobs: RepositoryBlobsTable;
  artifacts: ArtifactsTable;
  artifact_blobs: ArtifactBlobsTable;
  artifact_children: ArtifactChildrenTable;
  tags: TagsTable;
  upload_sessions: UploadSessionsTable;
}

export interface SchemaMigrationsTable {
  version: number;
  name: string;
  applied_at: number;
}

export interface ProjectsTable {
  id: Generated<number>;
  name: string;
  /** Mirrored as the `public` row of `project_metadata`. */
  public: number;
  /** References `users.id` (set null when the user goes); null for system-created projects. */
  owner_id: number | null;
  created_at: number;
  updated_at: number;
  /** Bytes; -1 for unlimited. */
  storage_limit: Generated<number>;
  /** Sum of the sizes of the project's distinct linked blobs (see `project_blobs`). */
  storage_used: Generated<number>;
}

export interface RepositoriesTable {
  id: Generated<number>;
  project_id: number;
  /** Full name, `<project>/<path>`. */
  name: string;
  created_at: number;
  updated_at: number;
  /** Manifest GETs served, counted in the batched pull writes (a crash may lose the last second). */
  pull_count: Generated<number>;
}

export interface BlobsTable {
  digest: string;
  size: number;
  media_type: string | null;
  created_at: number;
}

export interface RepositoryBlobsTable {
  repository_id: number;
  digest: string;
  created_at: number;
}

export interface ArtifactsTable {
  id: Generated<number>;
  repository_id: number;
  digest: string;
  media_type: string;
  artifact_type: string | null;
  size: number;
  config_digest: string | null;
  subject_digest: string | null;
  /** JSON object text, or null. */
  annotations: string | null;
  push_time: number;
  pull_time: number | null;
}

export interface ArtifactBlobsTable {
  artifact_id: number;
  digest: string;
}

export interface ArtifactChildrenTable {
  parent_id: number;
  child_digest: string;
}

export interface TagsTable {
  id: Generated<number>;
  repository_id: number;
  name: string;
  artifact_id: number;
  push_time: number;
  pull_time: number | null;
}

export interface UploadSessionsTable {
  id: string;
  repository: string;
  started_at: number;
}
