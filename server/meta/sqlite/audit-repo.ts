import type { Selectable } from 'kysely';
import { Invalid } from '../../core/errors.js';
import type { ListQuery, Page } from '../list-query.js';
import type { AuditEntry, AuditRepo } from '../project-types.js';
import type { ArgFn, SqlExecutor } from './executor.js';
import { listPage, type ListSpec } from './list-sql.js';
import type { AuditLogsTable } from './schema-projects.js';

type AuditRow = Selectable<AuditLogsTable>;

const TEXT_OPS: ('fuzzy' | 'or')[] = ['fuzzy', 'or'];

const LIST_SPEC: ListSpec = {
  keys: {
    username: { column: 'a.username', type: 'text', ops: TEXT_OPS },
    operation: { column: 'a.operation', type: 'text', ops: TEXT_OPS },
    resource_type: { column: 'a.resource_type', type: 'text', ops: TEXT_OPS },
    resource: { column: 'a.resource', type: 'text', ops: TEXT_OPS },
    op_time: { column: 'a.op_time', type: 'time', ops: ['range'] },
    project_id: { column: 'a.project_id', type: 'number', ops: ['or'] },
    success: { column: 'a.success', type: 'boolean' },
  },
  sortable: { op_time: 'a.op_time', id: 'a.id' },
  defaultSort: [
    { column: 'a.op_time', desc: true },
    { column: 'a.id', desc: true },
  ],
};

/**
 * The audit log: append-only apart from retention (`purge`). Entries keep their project id after the
 * project is gone (no foreign key).
 */
export class SqliteAuditRepo implements AuditRepo {
  private readonly insert;
  private readonly deleteBefore;
  private readonly deleteBeyond;

  constructor(private readonly sql: SqlExecutor) {
    const qb = sql.qb;
    this.insert = sql.prepare((arg: ArgFn<Omit<AuditRow, 'id'>>) =>
      qb.insertInto('audit_logs').values({
        op_time: arg('op_time'),
        username: arg('username'),
        operation: arg('operation'),
        resource_type: arg('resource_type'),
        resource: arg('resource'),
        project_id: arg('project_id'),
        client_ip: arg('client_ip'),
        success: arg('success'),
        detail: arg('detail'),
      }),
    );
    this.deleteBefore = sql.prepare((arg: ArgFn<{ cutoff: number }>) =>
      qb.deleteFrom('audit_logs').where('op_time', '<', arg('cutoff')),
    );
    // Everything after the newest `keep` rows (LIMIT -1: no limit, as SQLite spells it).
    this.deleteBeyond = sql.prepare((arg: ArgFn<{ keep: number }>) =>
      qb
        .deleteFrom('audit_logs')
        .where('id', 'in', (eb) =>
          eb
            .selectFrom('audit_logs')
            .select('id')
            .orderBy('op_time', 'desc')
            .orderBy('id', 'desc')
            .limit(-1)
            .offset(arg('keep')),
        ),
    );
  }

  async append(entries: Omit<AuditEntry, 'id'>[]): Promise<void> {
    if (entries.length === 0) return;
    this.sql.transaction(() => {
      for (const e of entries) {
        this.insert.run({
          op_time: e.opTime.getTime(),
          username: e.username,
          operation: e.operation,
          resource_type: e.resourceType,
          resource: e.resource,
          project_id: e.projectId,
          client_ip: e.clientIp,
          success: e.success ? 1 : 0,
          detail: e.detail,
        });
      }
    });
  }

  async list(query: ListQuery): Promise<Page<AuditEntry>> {
    return listPage(this.sql, this.sql.qb.selectFrom('audit_logs as a').selectAll('a'), query, LIST_SPEC, toEntry);
  }

  async purge(options: { olderThan?: Date; keepRows?: number }): Promise<number> {
    const { olderThan, keepRows } = options;
    if (keepRows !== undefined && (!Number.isSafeInteger(keepRows) || keepRows < 0)) {
      throw new Invalid('NAME_INVALID', `keepRows must be a whole number of rows, got ${keepRows}`);
    }
    return this.sql.transaction(() => {
      let deleted = 0;
      if (olderThan) deleted += this.deleteBefore.run({ cutoff: olderThan.getTime() });
      if (keepRows !== undefined) deleted += this.deleteBeyond.run({ keep: keepRows });
      return deleted;
    });
  }
}

function toEntry(row: AuditRow): AuditEntry {
  return {
    id: row.id,
    opTime: new Date(row.op_time),
    username: row.username,
    operation: row.operation,
    resourceType: row.resource_type,
    resource: row.resource,
    projectId: row.project_id,
    clientIp: row.client_ip,
    success: row.success !== 0,
    detail: row.detail,
  };
}
