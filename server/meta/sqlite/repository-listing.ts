import { sql, type Selectable } from 'kysely';
import type { ListQuery, Page } from '../list-query.js';
import type { Repository, RepositorySummary } from '../meta-store.js';
import type { SqlExecutor } from './executor.js';
import { listPage, type ListSpec } from './list-sql.js';
import type { RepositoriesTable } from './schema.js';
import { allOnce, readSnapshot } from './snapshot-listing.js';

/** A repository with the number of its artifacts. */
type SummaryRow = Selectable<RepositoriesTable> & { artifact_count: number };

/**
 * `repositories.list`: keys `name` (exact, fuzzy), `project_id` (exact, or); sort `name`,
 * `creation_time`, `update_time` (default newest first).
 */
export const REPOSITORY_LIST_SPEC: ListSpec = {
  keys: {
    name: { column: 'r.name', type: 'text', ops: ['fuzzy'] },
    project_id: { column: 'r.project_id', type: 'number', ops: ['or'] },
    // Repositories of public projects plus of the given project ids (what a non-admin may see).
    public_or_project_id: {
      column: 'r.project_id',
      type: 'number',
      ops: ['or'],
      custom: (filter) => {
        const ids = filter.kind === 'or' ? filter.values.map(Number).filter(Number.isSafeInteger) : [];
        return sql<boolean>`(r.project_id in (select id from projects where public = 1) or r.project_id in (select value from json_each(${JSON.stringify(ids)})))`;
      },
    },
  },
  sortable: { name: 'r.name', creation_time: 'r.created_at', update_time: 'r.updated_at' },
  defaultSort: [
    { column: 'r.updated_at', desc: true },
    { column: 'r.id', desc: true },
  ],
};

/** Repository listings that do not belong on the registry's hot paths. */
export class RepositoryListing {
  constructor(private readonly sql: SqlExecutor) {}

  /**
   * Catalog order (byte order of names, strictly after `last`) over the repositories of the given
   * projects and, when `includePublic`, of every public project. Compiled per call: the id list varies.
   */
  catalogVisible(visible: { projectIds: number[]; includePublic: boolean }, limit: number, last?: string): string[] {
    if (limit <= 0 || (visible.projectIds.length === 0 && !visible.includePublic)) return [];
    const query = this.sql.qb
      .selectFrom('repositories as r')
      .innerJoin('projects as p', 'p.id', 'r.project_id')
      .select('r.name')
      .where('r.name', '>', last ?? '')
      .where((eb) => {
        const any = [];
        if (visible.projectIds.length > 0) any.push(eb('r.project_id', 'in', visible.projectIds));
        if (visible.includePublic) any.push(eb('p.public', '=', 1));
        return eb.or(any);
      })
      .orderBy('r.name')
      .limit(limit)
      .compile();
    return allOnce<{ name: string }>(this.sql, query).map((r) => r.name);
  }

  /** One page of repositories with their artifact counts, count and page from one snapshot. */
  list(query: ListQuery): Page<RepositorySummary> {
    const base = this.sql.qb.selectFrom('repositories as r').select((eb) => [
      'r.id',
      'r.project_id',
      'r.name',
      'r.created_at',
      'r.updated_at',
      'r.pull_count',
      eb
        .selectFrom('artifacts as a')
        .select((sub) => sub.fn.countAll<number>().as('n'))
        .whereRef('a.repository_id', '=', 'r.id')
        .as('artifact_count'),
    ]);
    return readSnapshot(this.sql, () => listPage(this.sql, base, query, REPOSITORY_LIST_SPEC, toSummary));
  }
}

/** A repository row as the `Repository` it describes. */
export function toRepository(row: Selectable<RepositoriesTable>): Repository {
  return {
    id: row.id,
    projectId: row.project_id,
    name: row.name,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

function toSummary(row: SummaryRow): RepositorySummary {
  return { ...toRepository(row), artifactCount: row.artifact_count, pullCount: row.pull_count };
}
