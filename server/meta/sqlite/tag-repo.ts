import { NotFound } from '../../core/errors.js';
import type { TagRepo } from '../meta-store.js';
import type { ArgFn, SqlExecutor } from './executor.js';
import type { SqliteRepositoryRepo } from './repository-repo.js';

/** Tags. Creating and moving a tag is part of `artifacts.commitManifest`. */
export class SqliteTagRepo implements TagRepo {
  private readonly page;
  private readonly deleteByName;

  constructor(
    sql: SqlExecutor,
    private readonly repositories: SqliteRepositoryRepo,
  ) {
    const qb = sql.qb;
    // Tags are never empty, so `last = ''` means "from the start"; byte order as in distribution.
    this.page = sql.prepare((arg: ArgFn<{ repositoryId: number; last: string; limit: number }>) =>
      qb
        .selectFrom('tags')
        .select('name')
        .where('repository_id', '=', arg('repositoryId'))
        .where('name', '>', arg('last'))
        .orderBy('name')
        .limit(arg('limit')),
    );
    this.deleteByName = sql.prepare((arg: ArgFn<{ repository: string; tag: string }>) =>
      qb
        .deleteFrom('tags')
        .where('repository_id', '=', (eb) =>
          eb.selectFrom('repositories').select('id').where('name', '=', arg('repository')),
        )
        .where('name', '=', arg('tag')),
    );
  }

  async list(repository: string, limit: number, last?: string): Promise<string[]> {
    // Two reads outside a transaction are fine here: WAL gives each statement a consistent snapshot,
    // and a repository deleted in between only yields an empty page.
    const repositoryId = this.repositories.findId(repository);
    if (repositoryId === undefined) {
      throw new NotFound('NAME_UNKNOWN', `repository ${repository} not known to registry`, { name: repository });
    }
    if (limit <= 0) return [];
    return this.page.all({ repositoryId, last: last ?? '', limit }).map((r) => r.name);
  }

  async delete(repository: string, tag: string): Promise<boolean> {
    return this.deleteByName.run({ repository, tag }) > 0;
  }
}
