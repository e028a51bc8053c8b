import { NotFound, Invalid } from '../../core/errors.js';
import type { ListQuery, Page } from '../list-query.js';
import type { Repository, RepositoryRepo, RepositorySummary } from '../meta-store.js';
import type { ArgFn, SqlExecutor } from './executor.js';
import type { SqliteProjectRepo } from './project-repo.js';
import { RepositoryListing, toRepository } from './repository-listing.js';

/**
 * Repositories. They come into being implicitly, on the first blob link or manifest commit, through
 * `ensureForWrite`, which other repositories call inside their own transaction.
 */
export class SqliteRepositoryRepo implements RepositoryRepo {
  private readonly byName;
  private readonly insert;
  private readonly touch;
  private readonly page;
  private readonly deleteById;
  private readonly listing: RepositoryListing;

  constructor(
    private readonly sql: SqlExecutor,
    private readonly projects: SqliteProjectRepo,
  ) {
    const qb = sql.qb;
    this.byName = sql.prepare((arg: ArgFn<{ name: string }>) =>
      qb.selectFrom('repositories').selectAll().where('name', '=', arg('name')),
    );
    this.insert = sql.prepare((arg: ArgFn<{ projectId: number; name: string; now: number }>) =>
      qb
        .insertInto('repositories')
        .values({ project_id: arg('projectId'), name: arg('name'), created_at: arg('now'), updated_at: arg('now') })
        .returning('id'),
    );
    this.touch = sql.prepare((arg: ArgFn<{ id: number; now: number }>) =>
      qb
        .updateTable('repositories')
        .set({ updated_at: arg('now') })
        .where('id', '=', arg('id')),
    );
    // Names are never empty, so `last = ''` means "from the start" and one statement serves both.
    // Lexical order is byte order, as distribution sorts; SQLite's default BINARY collation gives it
    // (PostgreSQL will need COLLATE "C").
    this.page = sql.prepare((arg: ArgFn<{ last: string; limit: number }>) =>
      qb.selectFrom('repositories').select('name').where('name', '>', arg('last')).orderBy('name').limit(arg('limit')),
    );
    // Artifacts (with their tags, references and children) and tags go through ON DELETE CASCADE;
    // blob links are released explicitly first (see releaseBlobLinksSync).
    this.deleteById = sql.prepare((arg: ArgFn<{ id: number }>) =>
      qb.deleteFrom('repositories').where('id', '=', arg('id')),
    );
    this.listing = new RepositoryListing(sql);
  }

  async get(name: string): Promise<Repository | undefined> {
    const row = this.byName.get({ name });
    return row && toRepository(row);
  }

  async catalog(limit: number, last?: string): Promise<string[]> {
    if (limit <= 0) return [];
    return this.page.all({ last: last ?? '', limit }).map((r) => r.name);
  }

  async catalogVisible(
    visible: { projectIds: number[]; includePublic: boolean },
    limit: number,
    last?: string,
  ): Promise<string[]> {
    return this.listing.catalogVisible(visible, limit, last);
  }

  async list(query: ListQuery): Promise<Page<RepositorySummary>> {
    return this.listing.list(query);
  }

  /**
   * In one transaction: releases the repository's blob links (and the project's storage they held),
   * then deletes the row, which cascades to its artifacts and tags. Bytes stay for GC.
   */
  async delete(name: string): Promise<boolean> {
    return this.sql.transaction(() => {
      const id = this.findId(name);
      if (id === undefined) return false;
      this.releaseBlobLinksSync(id);
      this.deleteById.run({ id });
      return true;
    });
  }

  /** The repository's id, or undefined. Synchronous, for use inside a transaction. */
  findId(name: string): number | undefined {
    return this.byName.get({ name })?.id;
  }

  /**
   * Throws what `ensureForWrite` would throw, without writing: lets a caller report an unknown
   * project before (more confusingly) reporting the blobs that such a repository cannot have.
   */
  assertCreatable(name: string, project: string, createProject: boolean): void {
    assertInProject(name, project);
    if (!createProject && !this.projects.findSync(project)) {
      throw new NotFound('NAME_UNKNOWN', `project ${project} not found`, { project });
    }
  }

  /**
   * Returns the repository's id, creating it (and its project, private, when `createProject`) if
   * missing. Throws `NotFound(NAME_UNKNOWN)` for a missing project when `createProject` is false.
   * Synchronous: call it inside the caller's transaction.
   */
  ensureForWrite(name: string, project: string, createProject: boolean, now: number): number {
    const existing = this.findId(name);
    if (existing !== undefined) return existing;
    this.assertCreatable(name, project, createProject);
    const projectId = (this.projects.findSync(project) ?? this.projects.ensureSync(project, false, now)).id;
    const inserted = this.insert.get({ projectId, name, now });
    if (!inserted) throw new Error(`repository ${name} was not created`);
    return inserted.id;
  }

  /** Records that the repository's content changed. */
  touchSync(id: number, now: number): void {
    this.touch.run({ id, now });
  }

  /**
   * The one place where a repository's blob links go away: through the project's storage
   * accounting, which deletes the links and credits the blobs no other repository of the project
   * links. Must run before the repository row is deleted (the cascade would drop the links unaccounted).
   */
  private releaseBlobLinksSync(repositoryId: number): void {
    this.projects.usage.releaseRepositorySync(repositoryId);
  }
}

function assertInProject(name: string, project: string): void {
  // The caller derives both from one request name; a mismatch is a bug that would file a repository
  // under the wrong project's permissions.
  if (!name.startsWith(`${project}/`)) {
    throw new Invalid('NAME_INVALID', `repository ${name} is not in project ${project}`);
  }
}
