import { NotFound } from '../../core/errors.js';
import type { ListQuery, Page } from '../list-query.js';
import type { TagRecord, TagRepo } from '../meta-store.js';
import type { ArgFn, SqlExecutor } from './executor.js';
import { listPage } from './list-sql.js';
import type { SqliteRepositoryRepo } from './repository-repo.js';
import { readSnapshot } from './snapshot-listing.js';
import { selectTags, TAG_LIST_SPEC, toTagRecord, type TagRow } from './tag-listing.js';

/**
 * Tags. A manifest push creates or moves its tag inside `artifacts.commitManifest`; `put` does the
 * same for an artifact already stored (Harbor's "add tag").
 */
export class SqliteTagRepo implements TagRepo {
  private readonly page;
  private readonly deleteByName;
  private readonly artifactId;
  private readonly upsert;
  private readonly byName;

  constructor(
    private readonly sql: SqlExecutor,
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
    this.artifactId = sql.prepare((arg: ArgFn<{ repositoryId: number; digest: string }>) =>
      qb
        .selectFrom('artifacts')
        .select('id')
        .where('repository_id', '=', arg('repositoryId'))
        .where('digest', '=', arg('digest')),
    );
    // Inserts, or moves the tag with a fresh push time; a tag already on the artifact is left as is
    // (0 changes). The pull time stays, as in Harbor.
    this.upsert = sql.prepare((arg: ArgFn<{ repositoryId: number; name: string; artifactId: number; now: number }>) =>
      qb
        .insertInto('tags')
        .values({
          repository_id: arg('repositoryId'),
          name: arg('name'),
          artifact_id: arg('artifactId'),
          push_time: arg('now'),
        })
        .onConflict((oc) =>
          oc
            .columns(['repository_id', 'name'])
            .doUpdateSet((eb) => ({
              artifact_id: eb.ref('excluded.artifact_id'),
              push_time: eb.ref('excluded.push_time'),
            }))
            .whereRef('tags.artifact_id', '<>', 'excluded.artifact_id'),
        ),
    );
    this.byName = sql.prepare((arg: ArgFn<{ repositoryId: number; name: string }>) =>
      selectTags(qb).where('t.repository_id', '=', arg('repositoryId')).where('t.name', '=', arg('name')),
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

  /**
   * In one transaction: `NotFound(NAME_UNKNOWN)` for an unknown repository, `NotFound(MANIFEST_UNKNOWN)`
   * for a digest that is not an artifact of it; else creates the tag or moves it onto the artifact
   * (touching the repository's update time). Idempotent when the tag is already there. The tag name
   * is the caller's to validate (`assertValidTag`).
   */
  async put(repository: string, digest: string, tag: string, now = new Date()): Promise<TagRecord> {
    const at = now.getTime();
    return this.sql.transaction(() => {
      const repositoryId = this.repositories.findId(repository);
      if (repositoryId === undefined) {
        throw new NotFound('NAME_UNKNOWN', `repository ${repository} not known to registry`, { name: repository });
      }
      const artifact = this.artifactId.get({ repositoryId, digest });
      if (!artifact) throw new NotFound('MANIFEST_UNKNOWN', `manifest unknown: ${digest}`, { digest });
      if (this.upsert.run({ repositoryId, name: tag, artifactId: artifact.id, now: at }) > 0) {
        this.repositories.touchSync(repositoryId, at);
      }
      const row = this.byName.get({ repositoryId, name: tag });
      if (!row) throw new Error(`tag ${tag} vanished inside its own transaction`);
      return toTagRecord(row);
    });
  }

  /** An unknown repository or digest has no tags: an empty page (the query is still validated). */
  async listForArtifact(repository: string, digest: string, query: ListQuery): Promise<Page<TagRecord>> {
    const base = selectTags(this.sql.qb)
      .innerJoin('artifacts as a', 'a.id', 't.artifact_id')
      .innerJoin('repositories as r', 'r.id', 'a.repository_id')
      .where('r.name', '=', repository)
      .where('a.digest', '=', digest);
    return readSnapshot(this.sql, () =>
      listPage(this.sql, base, query, TAG_LIST_SPEC, (row: TagRow) => toTagRecord(row)),
    );
  }
}
