import type { Generated } from 'kysely';

/**
 * Table types of the project tables (migration 4). Conventions as in `schema.ts`.
 *
 * ```
 * projects ─< project_metadata          (Harbor's metadata strings; `public` mirrors the column)
 *          ─< project_blobs             (distinct digests linked in the project, with link counts)
 *          ─< project_members >─ users  (entity_type 'u'; a trigger drops them with the user)
 *          ─< labels (scope 'p')        (project_id 0 for global labels, so no foreign key)
 * artifacts ─< artifact_labels >─ labels
 * audit_logs                            (project_id without a foreign key: logs outlive projects)
 * ```
 */
export interface ProjectTables {
  project_metadata: ProjectMetadataTable;
  project_blobs: ProjectBlobsTable;
  project_members: ProjectMembersTable;
  labels: LabelsTable;
  artifact_labels: ArtifactLabelsTable;
  audit_logs: AuditLogsTable;
}

export interface ProjectMetadataTable {
  project_id: number;
  name: string;
  value: string;
}

/**
 * One row per distinct blob digest linked to at least one repository of the project. `refs` counts
 * those repository links; the blob's size is part of `projects.storage_used` exactly while a row exists.
 */
export interface ProjectBlobsTable {
  project_id: number;
  digest: string;
  refs: number;
}

export interface ProjectMembersTable {
  id: Generated<number>;
  project_id: number;
  /** 'u' user, 'g' group. */
  entity_type: string;
  entity_id: number;
  /** Harbor's role id, 1..5. */
  role: number;
  created_at: number;
  updated_at: number;
}

export interface LabelsTable {
  id: Generated<number>;
  name: string;
  description: string;
  color: string;
  /** 'g' global, 'p' project. */
  scope: string;
  /** 0 for global labels. */
  project_id: number;
  created_at: number;
  updated_at: number;
}

export interface ArtifactLabelsTable {
  artifact_id: number;
  label_id: number;
  created_at: number;
}

export interface AuditLogsTable {
  id: Generated<number>;
  op_time: number;
  username: string;
  operation: string;
  resource_type: string;
  resource: string;
  project_id: number | null;
  client_ip: string | null;
  success: number;
  detail: string | null;
}
