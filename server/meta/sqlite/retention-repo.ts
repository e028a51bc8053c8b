import type { Selectable } from 'kysely';
import { Conflict, NotFound } from '../../core/errors.js';
import type { NewRetentionPolicy, RetentionPolicy, RetentionPolicyRepo } from '../retention-types.js';
import type { ArgFn, SqlExecutor } from './executor.js';
import type { SqliteProjectRepo } from './project-repo.js';
import type { RetentionPoliciesTable } from './schema-retention.js';

type PolicyRow = Selectable<RetentionPoliciesTable>;
type PolicyBody = Pick<RetentionPolicy, 'algorithm' | 'rules' | 'trigger'>;

/** Harbor's project metadata key that names a project's retention policy. */
export const RETENTION_ID_KEY = 'retention_id';

/**
 * Retention policies, one per project (the `project_id` column is unique). The project's
 * `retention_id` metadata row is written and removed in the same transaction as the policy, so the
 * project API and the policy never disagree.
 */
export class SqliteRetentionPolicyRepo implements RetentionPolicyRepo {
  private readonly insert;
  private readonly byId;
  private readonly byProject;
  private readonly updateRow;
  private readonly deleteRow;
  private readonly putMeta;
  private readonly deleteMeta;

  constructor(
    private readonly sql: SqlExecutor,
    private readonly projects: SqliteProjectRepo,
  ) {
    const qb = sql.qb;
    this.insert = sql.prepare((arg: ArgFn<{ projectId: number; body: string; now: number }>) =>
      qb
        .insertInto('retention_policies')
        .values({ project_id: arg('projectId'), body: arg('body'), created_at: arg('now'), updated_at: arg('now') })
        .onConflict((oc) => oc.column('project_id').doNothing())
        .returning('id'),
    );
    this.byId = sql.prepare((arg: ArgFn<{ id: number }>) =>
      qb.selectFrom('retention_policies').selectAll().where('id', '=', arg('id')),
    );
    this.byProject = sql.prepare((arg: ArgFn<{ projectId: number }>) =>
      qb.selectFrom('retention_policies').selectAll().where('project_id', '=', arg('projectId')),
    );
    this.updateRow = sql.prepare((arg: ArgFn<{ id: number; body: string; now: number }>) =>
      qb
        .updateTable('retention_policies')
        .set({ body: arg('body'), updated_at: arg('now') })
        .where('id', '=', arg('id')),
    );
    this.deleteRow = sql.prepare((arg: ArgFn<{ id: number }>) =>
      qb.deleteFrom('retention_policies').where('id', '=', arg('id')),
    );
    this.putMeta = sql.prepare((arg: ArgFn<{ projectId: number; value: string }>) =>
      qb
        .insertInto('project_metadata')
        .values({ project_id: arg('projectId'), name: RETENTION_ID_KEY, value: arg('value') })
        .onConflict((oc) =>
          oc.columns(['project_id', 'name']).doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })),
        ),
    );
    this.deleteMeta = sql.prepare((arg: ArgFn<{ projectId: number; value: string }>) =>
      qb
        .deleteFrom('project_metadata')
        .where('project_id', '=', arg('projectId'))
        .where('name', '=', RETENTION_ID_KEY)
        .where('value', '=', arg('value')),
    );
  }

  async create(policy: NewRetentionPolicy, now = new Date()): Promise<RetentionPolicy> {
    const projectId = policy.scope.ref;
    return this.sql.transaction(() => {
      if (!this.projects.findByIdSync(projectId)) throw new NotFound('NAME_UNKNOWN', `project ${projectId} not found`);
      const row = this.insert.get({ projectId, body: bodyOf(policy), now: now.getTime() });
      if (!row) {
        const existing = this.byProject.get({ projectId });
        throw new Conflict('DENIED', `project ${projectId} already has retention policy ${existing?.id ?? '?'}`);
      }
      this.putMeta.run({ projectId, value: String(row.id) });
      return this.loadSync(row.id);
    });
  }

  async get(id: number): Promise<RetentionPolicy | undefined> {
    const row = this.byId.get({ id });
    return row && toPolicy(row);
  }

  async getByProject(projectId: number): Promise<RetentionPolicy | undefined> {
    const row = this.byProject.get({ projectId });
    return row && toPolicy(row);
  }

  async update(id: number, policy: PolicyBody, now = new Date()): Promise<RetentionPolicy> {
    return this.sql.transaction(() => {
      if (this.updateRow.run({ id, body: bodyOf(policy), now: now.getTime() }) === 0) {
        throw new NotFound('NAME_UNKNOWN', `retention policy ${id} not found`);
      }
      return this.loadSync(id);
    });
  }

  async delete(id: number): Promise<boolean> {
    return this.sql.transaction(() => {
      const row = this.byId.get({ id });
      if (!row) return false;
      this.deleteMeta.run({ projectId: row.project_id, value: String(id) });
      return this.deleteRow.run({ id }) > 0;
    });
  }

  private loadSync(id: number): RetentionPolicy {
    const row = this.byId.get({ id });
    if (!row) throw new Error(`retention policy ${id} vanished inside its own transaction`);
    return toPolicy(row);
  }
}

function bodyOf(policy: PolicyBody): string {
  const body: PolicyBody = { algorithm: policy.algorithm, rules: policy.rules, trigger: policy.trigger };
  return JSON.stringify(body);
}

function toPolicy(row: PolicyRow): RetentionPolicy {
  const body = JSON.parse(row.body) as PolicyBody;
  return {
    id: row.id,
    ...body,
    scope: { level: 'project', ref: row.project_id },
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}
