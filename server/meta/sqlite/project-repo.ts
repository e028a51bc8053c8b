import type { Project, ProjectRepo } from '../meta-store.js';
import type { ArgFn, SqlExecutor } from './executor.js';

interface ProjectRow {
  id: number;
  name: string;
  public: number;
  created_at: number;
}

/** Projects. Creation elsewhere (first push) goes through `SqliteRepositoryRepo.ensureForWrite`. */
export class SqliteProjectRepo implements ProjectRepo {
  private readonly insert;
  private readonly byName;
  private readonly all;

  constructor(private readonly sql: SqlExecutor) {
    const qb = sql.qb;
    this.insert = sql.prepare((arg: ArgFn<{ name: string; public: number; now: number }>) =>
      qb
        .insertInto('projects')
        .values({ name: arg('name'), public: arg('public'), created_at: arg('now') })
        .onConflict((oc) => oc.column('name').doNothing()),
    );
    this.byName = sql.prepare((arg: ArgFn<{ name: string }>) =>
      qb.selectFrom('projects').selectAll().where('name', '=', arg('name')),
    );
    this.all = sql.prepare(() => qb.selectFrom('projects').selectAll().orderBy('name'));
  }

  async ensure(name: string, options?: { public?: boolean }): Promise<Project> {
    return this.ensureSync(name, options?.public ?? false, Date.now());
  }

  async get(name: string): Promise<Project | undefined> {
    const row = this.byName.get({ name });
    return row && toProject(row);
  }

  async list(): Promise<Project[]> {
    return this.all.all({}).map(toProject);
  }

  /** Synchronous form, for use inside another repository's transaction. */
  findSync(name: string): Project | undefined {
    const row = this.byName.get({ name });
    return row && toProject(row);
  }

  /** Synchronous form, for use inside another repository's transaction. An existing project is kept as is. */
  ensureSync(name: string, isPublic: boolean, now: number): Project {
    // Insert-or-ignore then read, in one transaction: safe against a concurrent creator.
    return this.sql.transaction(() => {
      this.insert.run({ name, public: isPublic ? 1 : 0, now });
      const row = this.byName.get({ name });
      if (!row) throw new Error(`project ${name} vanished after insert`);
      return toProject(row);
    });
  }
}

function toProject(row: ProjectRow): Project {
  return { id: row.id, name: row.name, public: row.public !== 0, createdAt: new Date(row.created_at) };
}
