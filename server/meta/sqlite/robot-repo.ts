import type { Selectable } from 'kysely';
import { Conflict, Invalid, NotFound } from '../../core/errors.js';
import type { NewRobot, Robot, RobotPermission, RobotRepo } from '../identity-types.js';
import type { ListQuery, Page } from '../list-query.js';
import type { ArgFn, SqlExecutor } from './executor.js';
import { listPage, type ListSpec } from './list-sql.js';
import type { RobotPermissionsTable, RobotsTable } from './schema-identity.js';

type RobotRow = Selectable<RobotsTable>;

/** One access entry of a robot permission as read and written here (without its id and robot). */
type PermissionRow = Pick<Selectable<RobotPermissionsTable>, 'kind' | 'namespace' | 'resource' | 'action' | 'effect'>;

type RobotPatch = Parameters<RobotRepo['update']>[1];

interface RobotWrite {
  id: number;
  description: string;
  disabled: number;
  duration: number;
  expiresAt: number | null;
  now: number;
}

const LIST_SPEC: ListSpec = {
  keys: {
    name: { column: 'name', type: 'text', ops: ['fuzzy'] },
    level: { column: 'level', type: 'text' },
    project_id: { column: 'project_id', type: 'number' },
  },
  sortable: { name: 'name', creation_time: 'created_at' },
  defaultSort: [
    { column: 'name', desc: false },
    { column: 'id', desc: false },
  ],
};

/**
 * Robot accounts (Harbor v2) with their permissions. Names are full (`robot$...`), unique and compared
 * exactly. A project robot belongs to one existing project and is deleted with it (foreign-key
 * cascade); a system robot has no project.
 *
 * Permissions are stored one row per access entry and read back grouped by `kind` and `namespace`,
 * in the order given: entries for the same kind and namespace merge into one permission, and a
 * permission with no access entries (which grants nothing) is not kept. `effect` is returned only
 * when it was given.
 */
export class SqliteRobotRepo implements RobotRepo {
  private readonly insert;
  private readonly byId;
  private readonly byName;
  private readonly projectExists;
  private readonly write;
  private readonly writeSecret;
  private readonly remove;
  private readonly permissionsOf;
  private readonly insertPermission;
  private readonly clearPermissions;

  constructor(private readonly sql: SqlExecutor) {
    const qb = sql.qb;
    this.insert = sql.prepare((arg: ArgFn<Omit<RobotRow, 'id'>>) =>
      qb
        .insertInto('robots')
        .values({
          name: arg('name'),
          description: arg('description'),
          secret_hash: arg('secret_hash'),
          level: arg('level'),
          project_id: arg('project_id'),
          disabled: arg('disabled'),
          duration: arg('duration'),
          expires_at: arg('expires_at'),
          creator: arg('creator'),
          created_at: arg('created_at'),
          updated_at: arg('updated_at'),
        })
        .returningAll(),
    );
    this.byId = sql.prepare((arg: ArgFn<{ id: number }>) =>
      qb.selectFrom('robots').selectAll().where('id', '=', arg('id')),
    );
    this.byName = sql.prepare((arg: ArgFn<{ name: string }>) =>
      qb.selectFrom('robots').selectAll().where('name', '=', arg('name')),
    );
    this.projectExists = sql.prepare((arg: ArgFn<{ id: number }>) =>
      qb.selectFrom('projects').select('id').where('id', '=', arg('id')),
    );
    this.write = sql.prepare((arg: ArgFn<RobotWrite>) =>
      qb
        .updateTable('robots')
        .set({
          description: arg('description'),
          disabled: arg('disabled'),
          duration: arg('duration'),
          expires_at: arg('expiresAt'),
          updated_at: arg('now'),
        })
        .where('id', '=', arg('id')),
    );
    this.writeSecret = sql.prepare((arg: ArgFn<{ id: number; secretHash: string; now: number }>) =>
      qb
        .updateTable('robots')
        .set({ secret_hash: arg('secretHash'), updated_at: arg('now') })
        .where('id', '=', arg('id')),
    );
    this.remove = sql.prepare((arg: ArgFn<{ id: number }>) => qb.deleteFrom('robots').where('id', '=', arg('id')));
    this.permissionsOf = sql.prepare((arg: ArgFn<{ robotId: number }>) =>
      qb
        .selectFrom('robot_permissions')
        .select(['kind', 'namespace', 'resource', 'action', 'effect'])
        .where('robot_id', '=', arg('robotId'))
        .orderBy('id'),
    );
    this.insertPermission = sql.prepare((arg: ArgFn<PermissionRow & { robotId: number }>) =>
      qb.insertInto('robot_permissions').values({
        robot_id: arg('robotId'),
        kind: arg('kind'),
        namespace: arg('namespace'),
        resource: arg('resource'),
        action: arg('action'),
        effect: arg('effect'),
      }),
    );
    this.clearPermissions = sql.prepare((arg: ArgFn<{ robotId: number }>) =>
      qb.deleteFrom('robot_permissions').where('robot_id', '=', arg('robotId')),
    );
  }

  /**
   * Throws `Conflict` when the name is taken, `Invalid` when `level` and `projectId` disagree (a
   * project robot needs a project, a system robot has none) or a permission's kind or effect is
   * unknown, `NotFound` for an unknown project.
   */
  async create(robot: NewRobot, now = new Date()): Promise<Robot> {
    validateLevel(robot.level, robot.projectId);
    validatePermissions(robot.permissions);
    const at = now.getTime();
    return this.sql.transaction(() => {
      if (robot.projectId !== null && !this.projectExists.get({ id: robot.projectId })) {
        throw new NotFound('NAME_UNKNOWN', `project ${robot.projectId} not found`, { projectId: robot.projectId });
      }
      if (this.byName.get({ name: robot.name })) {
        throw new Conflict('DENIED', `robot account ${robot.name} already exists`, { name: robot.name });
      }
      const row = this.insert.get({
        name: robot.name,
        description: robot.description,
        secret_hash: robot.secretHash,
        level: robot.level,
        project_id: robot.projectId,
        disabled: robot.disabled ? 1 : 0,
        duration: robot.duration,
        expires_at: robot.expiresAt === null ? null : robot.expiresAt.getTime(),
        creator: robot.creator,
        created_at: at,
        updated_at: at,
      });
      if (!row) throw new Error(`robot account ${robot.name} was not created`);
      this.storePermissions(row.id, robot.permissions);
      return this.toRobot(row);
    });
  }

  async get(id: number): Promise<Robot | undefined> {
    const row = this.byId.get({ id });
    return row && this.toRobot(row);
  }

  async getCredentials(name: string): Promise<{ robot: Robot; secretHash: string } | undefined> {
    const row = this.byName.get({ name });
    return row && { robot: this.toRobot(row), secretHash: row.secret_hash };
  }

  async list(query: ListQuery): Promise<Page<Robot>> {
    return listPage(this.sql, this.sql.qb.selectFrom('robots').selectAll(), query, LIST_SPEC, (row: RobotRow) =>
      this.toRobot(row),
    );
  }

  /**
   * Replaces the given fields in one transaction; `permissions` replaces the whole set. Throws
   * `NotFound` for an unknown id, `Invalid` for a permission of unknown kind or effect.
   */
  async update(id: number, patch: RobotPatch, now = new Date()): Promise<Robot> {
    if (patch.permissions) validatePermissions(patch.permissions);
    return this.sql.transaction(() => {
      const row = this.byId.get({ id });
      if (!row) throw notFound(id);
      this.write.run({
        id,
        description: patch.description ?? row.description,
        disabled: patch.disabled === undefined ? row.disabled : patch.disabled ? 1 : 0,
        duration: patch.duration ?? row.duration,
        expiresAt: patch.expiresAt === undefined ? row.expires_at : (patch.expiresAt?.getTime() ?? null),
        now: now.getTime(),
      });
      if (patch.permissions) {
        this.clearPermissions.run({ robotId: id });
        this.storePermissions(id, patch.permissions);
      }
      const updated = this.byId.get({ id });
      if (!updated) throw notFound(id);
      return this.toRobot(updated);
    });
  }

  async setSecret(id: number, secretHash: string, now = new Date()): Promise<void> {
    if (this.writeSecret.run({ id, secretHash, now: now.getTime() }) === 0) throw notFound(id);
  }

  /** Its permissions go with it. */
  async delete(id: number): Promise<boolean> {
    return this.remove.run({ id }) > 0;
  }

  private storePermissions(robotId: number, permissions: RobotPermission[]): void {
    for (const permission of permissions) {
      for (const access of permission.access) {
        this.insertPermission.run({
          robotId,
          kind: permission.kind,
          namespace: permission.namespace,
          resource: access.resource,
          action: access.action,
          effect: access.effect ?? null,
        });
      }
    }
  }

  private toRobot(row: RobotRow): Robot {
    return {
      id: row.id,
      name: row.name,
      description: row.description,
      level: row.level === 'project' ? 'project' : 'system',
      projectId: row.project_id,
      disabled: row.disabled !== 0,
      duration: row.duration,
      expiresAt: row.expires_at === null ? null : new Date(row.expires_at),
      creator: row.creator,
      permissions: groupPermissions(this.permissionsOf.all({ robotId: row.id })),
      createdAt: new Date(row.created_at),
      updatedAt: new Date(row.updated_at),
    };
  }
}

function groupPermissions(rows: PermissionRow[]): RobotPermission[] {
  const groups = new Map<string, RobotPermission>();
  for (const row of rows) {
    const kind = row.kind === 'system' ? 'system' : 'project';
    const id = `${kind}\n${row.namespace}`;
    let group = groups.get(id);
    if (!group) {
      group = { kind, namespace: row.namespace, access: [] };
      groups.set(id, group);
    }
    const access: RobotPermission['access'][number] = { resource: row.resource, action: row.action };
    if (row.effect === 'allow' || row.effect === 'deny') access.effect = row.effect;
    group.access.push(access);
  }
  return [...groups.values()];
}

function validateLevel(level: string, projectId: number | null): void {
  if (level === 'project' ? projectId === null : level !== 'system' || projectId !== null) {
    throw new Invalid(
      'NAME_INVALID',
      `robot level ${level} does not fit project id ${String(projectId)}: ` +
        'a project robot needs a project, a system robot has none',
    );
  }
}

function validatePermissions(permissions: RobotPermission[]): void {
  for (const p of permissions) {
    if (p.kind !== 'project' && p.kind !== 'system') {
      throw new Invalid('NAME_INVALID', `unknown robot permission kind ${String(p.kind)}`);
    }
    for (const a of p.access) {
      if (a.effect !== undefined && a.effect !== 'allow' && a.effect !== 'deny') {
        throw new Invalid('NAME_INVALID', `unknown robot permission effect ${String(a.effect)}`);
      }
    }
  }
}

function notFound(id: number): NotFound {
  return new NotFound('NAME_UNKNOWN', `robot account ${id} not found`, { robotId: id });
}
