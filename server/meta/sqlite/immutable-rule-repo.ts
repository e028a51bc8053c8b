import type { Selectable } from 'kysely';
import { Conflict, NotFound } from '../../core/errors.js';
import type { ImmutableRule, ImmutableRuleRepo, NewImmutableRule } from '../retention-types.js';
import type { ArgFn, SqlExecutor } from './executor.js';
import type { SqliteProjectRepo } from './project-repo.js';
import type { ImmutableRulesTable } from './schema-retention.js';

type RuleRow = Selectable<ImmutableRulesTable>;
type RuleContent = Pick<
  ImmutableRule,
  'priority' | 'action' | 'template' | 'params' | 'tagSelectors' | 'scopeSelectors'
>;

/** Immutable tag rules: Harbor's rule JSON per project, unique by content within the project. */
export class SqliteImmutableRuleRepo implements ImmutableRuleRepo {
  private readonly insert;
  private readonly byId;
  private readonly ofProject;
  private readonly countOfProject;
  private readonly sameFilter;
  private readonly updateRow;
  private readonly deleteRow;

  constructor(
    private readonly sql: SqlExecutor,
    private readonly projects: SqliteProjectRepo,
  ) {
    const qb = sql.qb;
    this.insert = sql.prepare((arg: ArgFn<{ projectId: number; disabled: number; filter: string; now: number }>) =>
      qb
        .insertInto('immutable_rules')
        .values({
          project_id: arg('projectId'),
          disabled: arg('disabled'),
          filter: arg('filter'),
          created_at: arg('now'),
          updated_at: arg('now'),
        })
        .returning('id'),
    );
    this.byId = sql.prepare((arg: ArgFn<{ id: number }>) =>
      qb.selectFrom('immutable_rules').selectAll().where('id', '=', arg('id')),
    );
    this.ofProject = sql.prepare((arg: ArgFn<{ projectId: number; offset: number; limit: number }>) =>
      qb
        .selectFrom('immutable_rules')
        .selectAll()
        .where('project_id', '=', arg('projectId'))
        .orderBy('id')
        .limit(arg('limit'))
        .offset(arg('offset')),
    );
    this.countOfProject = sql.prepare((arg: ArgFn<{ projectId: number }>) =>
      qb
        .selectFrom('immutable_rules')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('project_id', '=', arg('projectId')),
    );
    this.sameFilter = sql.prepare((arg: ArgFn<{ projectId: number; filter: string; id: number }>) =>
      qb
        .selectFrom('immutable_rules')
        .select('id')
        .where('project_id', '=', arg('projectId'))
        .where('filter', '=', arg('filter'))
        .where('id', '!=', arg('id')),
    );
    this.updateRow = sql.prepare((arg: ArgFn<{ id: number; disabled: number; filter: string; now: number }>) =>
      qb
        .updateTable('immutable_rules')
        .set({ disabled: arg('disabled'), filter: arg('filter'), updated_at: arg('now') })
        .where('id', '=', arg('id')),
    );
    this.deleteRow = sql.prepare((arg: ArgFn<{ id: number }>) =>
      qb.deleteFrom('immutable_rules').where('id', '=', arg('id')),
    );
  }

  async create(rule: NewImmutableRule): Promise<ImmutableRule> {
    const filter = filterOf(rule);
    return this.sql.transaction(() => {
      if (!this.projects.findByIdSync(rule.projectId)) {
        throw new NotFound('NAME_UNKNOWN', `project ${rule.projectId} not found`);
      }
      this.refuseDuplicate(rule.projectId, filter, -1);
      const row = this.insert.get({
        projectId: rule.projectId,
        disabled: rule.disabled ? 1 : 0,
        filter,
        now: Date.now(),
      });
      if (!row) throw new Error('immutable rule insert returned no id');
      return this.loadSync(row.id);
    });
  }

  async get(id: number): Promise<ImmutableRule | undefined> {
    const row = this.byId.get({ id });
    return row && toRule(row);
  }

  async list(
    projectId: number,
    page: { offset: number; limit: number } = { offset: 0, limit: -1 },
  ): Promise<{ items: ImmutableRule[]; total: number }> {
    return this.sql.guard(() => ({
      items: this.ofProject.all({ projectId, ...page }).map(toRule),
      total: this.countOfProject.get({ projectId })?.n ?? 0,
    }));
  }

  async update(rule: ImmutableRule): Promise<ImmutableRule> {
    const filter = filterOf(rule);
    return this.sql.transaction(() => {
      const existing = this.byId.get({ id: rule.id });
      if (!existing) throw new NotFound('NAME_UNKNOWN', `immutable rule ${rule.id} not found`);
      this.refuseDuplicate(existing.project_id, filter, rule.id);
      this.updateRow.run({ id: rule.id, disabled: rule.disabled ? 1 : 0, filter, now: Date.now() });
      return this.loadSync(rule.id);
    });
  }

  async delete(id: number): Promise<boolean> {
    return this.deleteRow.run({ id }) > 0;
  }

  private refuseDuplicate(projectId: number, filter: string, id: number): void {
    const other = this.sameFilter.get({ projectId, filter, id });
    if (other) throw new Conflict('DENIED', `an identical immutable rule already exists (id ${other.id})`);
  }

  private loadSync(id: number): ImmutableRule {
    const row = this.byId.get({ id });
    if (!row) throw new Error(`immutable rule ${id} vanished inside its own transaction`);
    return toRule(row);
  }
}

/** The rule's content as canonical JSON (fixed key order), what uniqueness compares. */
function filterOf(rule: RuleContent): string {
  const content: RuleContent = {
    priority: rule.priority,
    action: rule.action,
    template: rule.template,
    params: rule.params,
    tagSelectors: rule.tagSelectors,
    scopeSelectors: rule.scopeSelectors,
  };
  return JSON.stringify(content);
}

function toRule(row: RuleRow): ImmutableRule {
  const content = JSON.parse(row.filter) as RuleContent;
  return { id: row.id, projectId: row.project_id, disabled: row.disabled !== 0, ...content };
}
