import { sql, type Selectable } from 'kysely';
import { Conflict, Invalid, NotFound, Unsupported } from '../../core/errors.js';
import type { ListQuery, Page } from '../list-query.js';
import type { MemberRepo, ProjectMember, ProjectRoleId } from '../project-types.js';
import type { ArgFn, SqlExecutor } from './executor.js';
import { listPage, type ListSpec } from './list-sql.js';
import type { SqliteProjectRepo } from './project-repo.js';
import type { ProjectMembersTable } from './schema-projects.js';

type MemberRow = Selectable<ProjectMembersTable> & { entity_name: string | null };

const LIST_SPEC: ListSpec = {
  keys: { entityname: { column: 'u.username', type: 'text', ops: ['fuzzy'] } },
  sortable: { entityname: 'u.username' },
  defaultSort: [
    { column: 'u.username', desc: false },
    { column: 'm.id', desc: false },
  ],
};

/**
 * Project members and their roles. A user's memberships disappear with the user (a trigger on
 * `users`, migration 4) and with the project (cascade). Groups (`g`) are not supported yet.
 */
export class SqliteMemberRepo implements MemberRepo {
  private readonly userExists;
  private readonly insert;
  private readonly byId;
  private readonly setRole;
  private readonly deleteRow;
  private readonly role;
  private readonly roles;

  constructor(
    private readonly sql: SqlExecutor,
    private readonly projects: SqliteProjectRepo,
  ) {
    const qb = sql.qb;
    this.userExists = sql.prepare((arg: ArgFn<{ id: number }>) =>
      qb.selectFrom('users').select('id').where('id', '=', arg('id')),
    );
    this.insert = sql.prepare(
      (arg: ArgFn<{ projectId: number; entityType: string; entityId: number; role: number; now: number }>) =>
        qb
          .insertInto('project_members')
          .values({
            project_id: arg('projectId'),
            entity_type: arg('entityType'),
            entity_id: arg('entityId'),
            role: arg('role'),
            created_at: arg('now'),
            updated_at: arg('now'),
          })
          .onConflict((oc) => oc.columns(['project_id', 'entity_type', 'entity_id']).doNothing())
          .returning('id'),
    );
    this.byId = sql.prepare((arg: ArgFn<{ projectId: number; id: number }>) =>
      this.selectMembers().where('m.project_id', '=', arg('projectId')).where('m.id', '=', arg('id')),
    );
    this.setRole = sql.prepare((arg: ArgFn<{ projectId: number; id: number; role: number; now: number }>) =>
      qb
        .updateTable('project_members')
        .set({ role: arg('role'), updated_at: arg('now') })
        .where('project_id', '=', arg('projectId'))
        .where('id', '=', arg('id')),
    );
    this.deleteRow = sql.prepare((arg: ArgFn<{ projectId: number; id: number }>) =>
      qb.deleteFrom('project_members').where('project_id', '=', arg('projectId')).where('id', '=', arg('id')),
    );
    // The unique (project_id, entity_type, entity_id) index answers this in one lookup.
    this.role = sql.prepare((arg: ArgFn<{ projectId: number; userId: number }>) =>
      qb
        .selectFrom('project_members')
        .select('role')
        .where('project_id', '=', arg('projectId'))
        .where('entity_type', '=', 'u')
        .where('entity_id', '=', arg('userId')),
    );
    this.roles = sql.prepare((arg: ArgFn<{ userId: number }>) =>
      qb
        .selectFrom('project_members')
        .select(['project_id', 'role'])
        .where('entity_type', '=', 'u')
        .where('entity_id', '=', arg('userId')),
    );
  }

  async add(
    projectId: number,
    entityType: 'u' | 'g',
    entityId: number,
    roleId: ProjectRoleId,
    now = new Date(),
  ): Promise<ProjectMember> {
    assertRole(roleId);
    if (entityType !== 'u') throw new Unsupported('group members are not supported yet');
    return this.sql.transaction(() => {
      this.projects.requireSync(projectId);
      if (!this.userExists.get({ id: entityId })) {
        throw new NotFound('NAME_UNKNOWN', `user ${entityId} not found`, { userId: entityId });
      }
      const inserted = this.insert.get({ projectId, entityType, entityId, role: roleId, now: now.getTime() });
      if (!inserted) {
        throw new Conflict('DENIED', `user ${entityId} is already a member of project ${projectId}`, {
          projectId,
          userId: entityId,
        });
      }
      return this.load(projectId, inserted.id);
    });
  }

  async get(projectId: number, memberId: number): Promise<ProjectMember | undefined> {
    const row = this.byId.get({ projectId, id: memberId });
    return row && toMember(row);
  }

  async list(projectId: number, query: ListQuery): Promise<Page<ProjectMember>> {
    return listPage(this.sql, this.selectMembers().where('m.project_id', '=', projectId), query, LIST_SPEC, toMember);
  }

  async update(projectId: number, memberId: number, roleId: ProjectRoleId, now = new Date()): Promise<ProjectMember> {
    assertRole(roleId);
    return this.sql.transaction(() => {
      if (this.setRole.run({ projectId, id: memberId, role: roleId, now: now.getTime() }) === 0) {
        throw new NotFound('NAME_UNKNOWN', `member ${memberId} not found in project ${projectId}`, {
          projectId,
          memberId,
        });
      }
      return this.load(projectId, memberId);
    });
  }

  async remove(projectId: number, memberId: number): Promise<boolean> {
    return this.deleteRow.run({ projectId, id: memberId }) > 0;
  }

  async roleOf(projectId: number, userId: number): Promise<ProjectRoleId | undefined> {
    return this.role.get({ projectId, userId })?.role as ProjectRoleId | undefined;
  }

  async rolesOf(userId: number): Promise<Map<number, ProjectRoleId>> {
    return new Map(this.roles.all({ userId }).map((r) => [r.project_id, r.role as ProjectRoleId]));
  }

  private load(projectId: number, id: number): ProjectMember {
    const row = this.byId.get({ projectId, id });
    if (!row) throw new Error(`member ${id} vanished inside its own transaction`);
    return toMember(row);
  }

  private selectMembers() {
    return this.sql.qb
      .selectFrom('project_members as m')
      .leftJoin('users as u', (join) => join.onRef('u.id', '=', 'm.entity_id').on('m.entity_type', '=', 'u'))
      .selectAll('m')
      .select(sql<string | null>`u.username`.as('entity_name'));
  }
}

function assertRole(roleId: number): void {
  if (!Number.isInteger(roleId) || roleId < 1 || roleId > 5) {
    throw new Invalid('NAME_INVALID', `unknown role id ${roleId}; expected 1 to 5`);
  }
}

function toMember(row: MemberRow): ProjectMember {
  return {
    id: row.id,
    projectId: row.project_id,
    entityType: row.entity_type === 'g' ? 'g' : 'u',
    entityId: row.entity_id,
    entityName: row.entity_name ?? '',
    roleId: row.role as ProjectRoleId,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}
