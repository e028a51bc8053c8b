import type { AuditRepo, LabelRepo, MemberRepo } from '../project-types.js';
import { SqliteAuditRepo } from './audit-repo.js';
import type { SqlExecutor } from './executor.js';
import { SqliteLabelRepo } from './label-repo.js';
import { SqliteMemberRepo } from './member-repo.js';
import type { SqliteProjectRepo } from './project-repo.js';
import type { SqliteRepositoryRepo } from './repository-repo.js';

/**
 * The project aggregates beyond `projects` itself: members, labels and the audit log, over one
 * executor. Storage accounting lives with blobs and projects (`ProjectUsage`).
 */
export function createProjectAggregateRepos(
  sql: SqlExecutor,
  deps: { projects: SqliteProjectRepo; repositories: SqliteRepositoryRepo },
): { members: MemberRepo; labels: LabelRepo; audit: AuditRepo } {
  return {
    members: new SqliteMemberRepo(sql, deps.projects),
    labels: new SqliteLabelRepo(sql, deps.projects),
    audit: new SqliteAuditRepo(sql),
  };
}
