import { sql as raw, type Selectable } from 'kysely';
import { Conflict, Invalid, NotFound } from '../../core/errors.js';
import { DEFAULT_PROJECT } from '../../core/names.js';
import type { ListQuery, Page } from '../list-query.js';
import type { Project, ProjectRepo } from '../meta-store.js';
import type { NewProject } from '../project-types.js';
import type { ArgFn, SqlExecutor } from './executor.js';
import { listPage, type ListSpec } from './list-sql.js';
import { ProjectUsage } from './project-usage.js';
import type { ProjectsTable } from './schema.js';

type ProjectRow = Selectable<ProjectsTable>;

const LIST_SPEC: ListSpec = {
  keys: {
    name: { column: 'p.name', type: 'text', ops: ['fuzzy'] },
    public: { column: 'p.public', type: 'boolean' },
    owner_id: { column: 'p.owner_id', type: 'number' },
    project_id: { column: 'p.id', type: 'number', ops: ['or'] },
    // What a non-admin may list: every public project plus the given ids (memberships). The ids go
    // as one JSON parameter, so the list never runs into SQLite's parameter limit.
    public_or_id: {
      column: 'p.id',
      type: 'number',
      ops: ['or'],
      custom: (filter) => {
        const ids = filter.kind === 'or' ? filter.values.map(Number).filter(Number.isSafeInteger) : [];
        return raw<boolean>`(p.public = 1 or p.id in (select value from json_each(${JSON.stringify(ids)})))`;
      },
    },
  },
  sortable: { name: 'p.name', creation_time: 'p.created_at', update_time: 'p.updated_at' },
  defaultSort: [{ column: 'p.name', desc: false }],
};

/**
 * Projects with their metadata and storage quota. Creation on first push goes through
 * `SqliteRepositoryRepo.ensureForWrite` → `ensureSync`. The `public` column is the truth; the
 * `public` metadata row mirrors it and every `Project` read reports the column's value there.
 */
export class SqliteProjectRepo implements ProjectRepo {
  /** Storage accounting; repository deletion must call `usage.releaseRepositorySync` first. */
  readonly usage: ProjectUsage;
  private readonly insert;
  private readonly byName;
  private readonly byId;
  private readonly metadataOf;
  private readonly metadataOfMany;
  private readonly putMetadata;
  private readonly deleteMetadata;
  private readonly setPublic;
  private readonly touch;
  private readonly setLimit;
  private readonly repositoryCount;
  private readonly deleteLabels;
  private readonly deleteRow;

  constructor(private readonly sql: SqlExecutor) {
    const qb = sql.qb;
    this.usage = new ProjectUsage(sql);
    this.insert = sql.prepare(
      (arg: ArgFn<{ name: string; public: number; ownerId: number | null; limit: number; now: number }>) =>
        qb
          .insertInto('projects')
          .values({
            name: arg('name'),
            public: arg('public'),
            owner_id: arg('ownerId'),
            storage_limit: arg('limit'),
            created_at: arg('now'),
            updated_at: arg('now'),
          })
          .onConflict((oc) => oc.column('name').doNothing())
          .returning('id'),
    );
    this.byName = sql.prepare((arg: ArgFn<{ name: string }>) =>
      qb.selectFrom('projects').selectAll().where('name', '=', arg('name')),
    );
    this.byId = sql.prepare((arg: ArgFn<{ id: number }>) =>
      qb.selectFrom('projects').selectAll().where('id', '=', arg('id')),
    );
    this.metadataOf = sql.prepare((arg: ArgFn<{ id: number }>) =>
      qb.selectFrom('project_metadata').select(['name', 'value']).where('project_id', '=', arg('id')),
    );
    // One statement for any page size: the ids travel as one JSON array.
    this.metadataOfMany = sql.prepare((arg: ArgFn<{ ids: string }>) =>
      qb
        .selectFrom('project_metadata')
        .select(['project_id', 'name', 'value'])
        .where(raw<boolean>`project_id in (select value from json_each(${arg('ids')}))`),
    );
    this.putMetadata = sql.prepare((arg: ArgFn<{ id: number; name: string; value: string }>) =>
      qb
        .insertInto('project_metadata')
        .values({ project_id: arg('id'), name: arg('name'), value: arg('value') })
        .onConflict((oc) =>
          oc.columns(['project_id', 'name']).doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })),
        ),
    );
    this.deleteMetadata = sql.prepare((arg: ArgFn<{ id: number; name: string }>) =>
      qb.deleteFrom('project_metadata').where('project_id', '=', arg('id')).where('name', '=', arg('name')),
    );
    this.setPublic = sql.prepare((arg: ArgFn<{ id: number; public: number }>) =>
      qb
        .updateTable('projects')
        .set({ public: arg('public') })
        .where('id', '=', arg('id')),
    );
    this.touch = sql.prepare((arg: ArgFn<{ id: number; now: number }>) =>
      qb
        .updateTable('projects')
        .set({ updated_at: arg('now') })
        .where('id', '=', arg('id')),
    );
    this.setLimit = sql.prepare((arg: ArgFn<{ id: number; limit: number; now: number }>) =>
      qb
        .updateTable('projects')
        .set({ storage_limit: arg('limit'), updated_at: arg('now') })
        .where('id', '=', arg('id')),
    );
    this.repositoryCount = sql.prepare((arg: ArgFn<{ id: number }>) =>
      qb
        .selectFrom('repositories')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('project_id', '=', arg('id')),
    );
    this.deleteLabels = sql.prepare((arg: ArgFn<{ id: number }>) =>
      qb.deleteFrom('labels').where('scope', '=', 'p').where('project_id', '=', arg('id')),
    );
    // Metadata, members and blob accounting go by cascade; audit logs stay.
    this.deleteRow = sql.prepare((arg: ArgFn<{ id: number }>) => qb.deleteFrom('projects').where('id', '=', arg('id')));
  }

  async ensure(name: string, options?: { public?: boolean; ownerId?: number | null }): Promise<Project> {
    return this.ensureSync(name, options?.public ?? false, Date.now(), options?.ownerId ?? null);
  }

  async get(name: string): Promise<Project | undefined> {
    return this.findSync(name);
  }

  async getById(id: number): Promise<Project | undefined> {
    return this.findByIdSync(id);
  }

  async create(project: NewProject, now = new Date()): Promise<Project> {
    const limit = project.storageLimit ?? -1;
    assertLimit(limit);
    const at = now.getTime();
    return this.sql.transaction(() => {
      const inserted = this.insert.get({
        name: project.name,
        public: project.public ? 1 : 0,
        ownerId: project.ownerId,
        limit,
        now: at,
      });
      if (!inserted) throw new Conflict('DENIED', `project ${project.name} already exists`, { project: project.name });
      for (const [name, value] of Object.entries(project.metadata ?? {})) {
        if (name !== 'public') this.putMetadata.run({ id: inserted.id, name, value });
      }
      this.putMetadata.run({ id: inserted.id, name: 'public', value: String(project.public) });
      return this.loadSync(inserted.id);
    });
  }

  async list(query: ListQuery): Promise<Page<Project>> {
    const page = listPage<ProjectRow, ProjectRow>(
      this.sql,
      this.sql.qb.selectFrom('projects as p').selectAll('p'),
      query,
      LIST_SPEC,
      (row) => row,
    );
    const metadata = new Map<number, Record<string, string>>();
    if (page.items.length > 0) {
      for (const m of this.metadataOfMany.all({ ids: JSON.stringify(page.items.map((p) => p.id)) })) {
        let entry = metadata.get(m.project_id);
        if (!entry) metadata.set(m.project_id, (entry = {}));
        entry[m.name] = m.value;
      }
    }
    return { total: page.total, items: page.items.map((row) => toProject(row, metadata.get(row.id) ?? {})) };
  }

  /**
   * `public` accepts the usual boolean spellings (`true`, `1`, `f`, ...) and is stored as `true` or
   * `false`; removing it (null) makes the project private. Other keys are stored as given.
   */
  async updateMetadata(id: number, metadata: Record<string, string | null>, now = new Date()): Promise<Project> {
    const entries = Object.entries(metadata);
    for (const [name] of entries) {
      if (name === '') throw new Invalid('NAME_INVALID', 'project metadata keys must not be empty');
    }
    return this.sql.transaction(() => {
      this.requireSync(id);
      for (const [name, value] of entries) {
        if (name === 'public') {
          const isPublic = value === null ? false : parseBoolean(value);
          this.setPublic.run({ id, public: isPublic ? 1 : 0 });
          this.putMetadata.run({ id, name, value: String(isPublic) });
        } else if (value === null) {
          this.deleteMetadata.run({ id, name });
        } else {
          this.putMetadata.run({ id, name, value });
        }
      }
      this.touch.run({ id, now: now.getTime() });
      return this.loadSync(id);
    });
  }

  async setStorageLimit(id: number, bytes: number, now = new Date()): Promise<void> {
    assertLimit(bytes);
    if (this.setLimit.run({ id, limit: bytes, now: now.getTime() }) === 0) throw notFound(id);
  }

  /** Also refuses (`Conflict`) to delete `library`, which one-component repository names rely on. */
  async delete(id: number): Promise<boolean> {
    return this.sql.transaction(() => {
      const row = this.byId.get({ id });
      if (!row) return false;
      if (row.name === DEFAULT_PROJECT) {
        throw new Conflict('DENIED', `project ${row.name} cannot be deleted: one-component repository names use it`);
      }
      const repositories = this.repositoryCount.get({ id })?.n ?? 0;
      if (repositories > 0) {
        throw new Conflict(
          'DENIED',
          `project ${row.name} still has ${repositories} ${repositories === 1 ? 'repository' : 'repositories'}; ` +
            'delete them first',
          { project: row.name, repositories },
        );
      }
      this.deleteLabels.run({ id });
      return this.deleteRow.run({ id }) > 0;
    });
  }

  /** Synchronous form, for use inside another repository's transaction. */
  findSync(name: string): Project | undefined {
    const row = this.byName.get({ name });
    return row && this.withMetadata(row);
  }

  /** Synchronous form, for use inside another repository's transaction. */
  findByIdSync(id: number): Project | undefined {
    const row = this.byId.get({ id });
    return row && this.withMetadata(row);
  }

  /** Synchronous form, for use inside another repository's transaction. An existing project is kept as is. */
  ensureSync(name: string, isPublic: boolean, now: number, ownerId: number | null = null): Project {
    // Insert-or-ignore then read, in one transaction: safe against a concurrent creator.
    return this.sql.transaction(() => {
      const inserted = this.insert.get({ name, public: isPublic ? 1 : 0, ownerId, limit: -1, now });
      if (inserted) this.putMetadata.run({ id: inserted.id, name: 'public', value: String(isPublic) });
      const project = this.findSync(name);
      if (!project) throw new Error(`project ${name} vanished after insert`);
      return project;
    });
  }

  /** Throws `NotFound` unless the project exists. Synchronous, for use inside a transaction. */
  requireSync(id: number): void {
    if (!this.byId.get({ id })) throw notFound(id);
  }

  private loadSync(id: number): Project {
    const project = this.findByIdSync(id);
    if (!project) throw new Error(`project ${id} vanished inside its own transaction`);
    return project;
  }

  private withMetadata(row: ProjectRow): Project {
    const metadata: Record<string, string> = {};
    for (const m of this.metadataOf.all({ id: row.id })) metadata[m.name] = m.value;
    return toProject(row, metadata);
  }
}

function toProject(row: ProjectRow, metadata: Record<string, string>): Project {
  const isPublic = row.public !== 0;
  return {
    id: row.id,
    name: row.name,
    public: isPublic,
    ownerId: row.owner_id,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    metadata: { ...metadata, public: String(isPublic) },
    storageLimit: row.storage_limit,
    storageUsed: row.storage_used,
  };
}

function notFound(id: number): NotFound {
  return new NotFound('NAME_UNKNOWN', `project ${id} not found`, { projectId: id });
}

function assertLimit(bytes: number): void {
  if (!Number.isSafeInteger(bytes) || bytes < -1) {
    throw new Invalid('NAME_INVALID', `storage limit must be a whole number of bytes, or -1 for unlimited: ${bytes}`);
  }
}

function parseBoolean(value: string): boolean {
  const v = value.trim().toLowerCase();
  if (v === 'true' || v === '1' || v === 't') return true;
  if (v === 'false' || v === '0' || v === 'f') return false;
  throw new Invalid('NAME_INVALID', `project metadata "public" must be true or false, got "${value}"`);
}
