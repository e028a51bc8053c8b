import { sql as raw, type Selectable } from 'kysely';
import { Conflict, NotFound } from '../../core/errors.js';
import type { NewUser, User, UserRepo } from '../identity-types.js';
import type { ListQuery, Page } from '../list-query.js';
import type { ArgFn, SqlExecutor } from './executor.js';
import { listPage, type ListSpec } from './list-sql.js';
import type { UsersTable } from './schema-identity.js';

type UserRow = Selectable<UsersTable>;

const LIST_SPEC: ListSpec = {
  keys: {
    username: { column: 'username', type: 'text', ops: ['fuzzy'] },
    email: { column: 'email', type: 'text', ops: ['fuzzy'] },
    sysadmin: { column: 'sysadmin', type: 'boolean' },
  },
  sortable: { username: 'username', creation_time: 'created_at', update_time: 'updated_at' },
  defaultSort: [
    { column: 'username', desc: false },
    { column: 'id', desc: false },
  ],
};

/**
 * Local and LDAP-backed users. Usernames and emails are unique and compared case-insensitively (the
 * columns' `collate nocase`): lookups, exact filters and the uniqueness checks all ignore ASCII case.
 * An empty email means "none" and may be shared by any number of users.
 */
export class SqliteUserRepo implements UserRepo {
  private readonly insert;
  private readonly byId;
  private readonly byName;
  private readonly emailOwner;
  private readonly updateProfile;
  private readonly updatePassword;
  private readonly updateSysadmin;
  private readonly remove;
  private readonly countAll;

  constructor(private readonly sql: SqlExecutor) {
    const qb = sql.qb;
    this.insert = sql.prepare(
      (
        arg: ArgFn<{
          username: string;
          email: string;
          realname: string;
          comment: string;
          passwordHash: string | null;
          sysadmin: number;
          source: string;
          now: number;
        }>,
      ) =>
        qb
          .insertInto('users')
          .values({
            username: arg('username'),
            email: arg('email'),
            realname: arg('realname'),
            comment: arg('comment'),
            password_hash: arg('passwordHash'),
            sysadmin: arg('sysadmin'),
            source: arg('source'),
            created_at: arg('now'),
            updated_at: arg('now'),
            password_changed_at: null,
          })
          .returningAll(),
    );
    this.byId = sql.prepare((arg: ArgFn<{ id: number }>) =>
      qb.selectFrom('users').selectAll().where('id', '=', arg('id')),
    );
    // `username` is `collate nocase`, so `=` ignores case and uses the unique index.
    this.byName = sql.prepare((arg: ArgFn<{ username: string }>) =>
      qb.selectFrom('users').selectAll().where('username', '=', arg('username')),
    );
    this.emailOwner = sql.prepare((arg: ArgFn<{ email: string }>) =>
      qb.selectFrom('users').select('id').where('email', '=', arg('email')).where('email', '<>', ''),
    );
    // Absent fields bind as NULL and keep the stored value.
    this.updateProfile = sql.prepare(
      (arg: ArgFn<{ id: number; email?: string; realname?: string; comment?: string; now: number }>) =>
        qb
          .updateTable('users')
          .set({
            email: raw<string>`coalesce(${arg('email')}, email)`,
            realname: raw<string>`coalesce(${arg('realname')}, realname)`,
            comment: raw<string>`coalesce(${arg('comment')}, comment)`,
            updated_at: arg('now'),
          })
          .where('id', '=', arg('id'))
          .returningAll(),
    );
    this.updatePassword = sql.prepare((arg: ArgFn<{ id: number; passwordHash: string; now: number }>) =>
      qb
        .updateTable('users')
        .set({ password_hash: arg('passwordHash'), password_changed_at: arg('now'), updated_at: arg('now') })
        .where('id', '=', arg('id')),
    );
    this.updateSysadmin = sql.prepare((arg: ArgFn<{ id: number; sysadmin: number; now: number }>) =>
      qb
        .updateTable('users')
        .set({ sysadmin: arg('sysadmin'), updated_at: arg('now') })
        .where('id', '=', arg('id')),
    );
    this.remove = sql.prepare((arg: ArgFn<{ id: number }>) => qb.deleteFrom('users').where('id', '=', arg('id')));
    this.countAll = sql.prepare(() => qb.selectFrom('users').select(raw<number>`count(*)`.as('n')));
  }

  /**
   * Throws `Conflict` when the username or a non-empty email is taken (case-insensitively).
   * `passwordChangedAt` stays null until the first `setPassword` (an initial password was never changed).
   */
  async create(user: NewUser, now = new Date()): Promise<User> {
    const at = now.getTime();
    return this.sql.transaction(() => {
      if (this.byName.get({ username: user.username })) {
        throw new Conflict('DENIED', `username ${user.username} is already taken`, { username: user.username });
      }
      this.assertEmailFree(user.email, undefined);
      const row = this.insert.get({
        username: user.username,
        email: user.email,
        realname: user.realname,
        comment: user.comment ?? '',
        passwordHash: user.passwordHash,
        sysadmin: user.sysadmin ? 1 : 0,
        source: user.source ?? 'local',
        now: at,
      });
      if (!row) throw new Error(`user ${user.username} was not created`);
      return toUser(row);
    });
  }

  async get(id: number): Promise<User | undefined> {
    const row = this.byId.get({ id });
    return row && toUser(row);
  }

  async getByName(username: string): Promise<User | undefined> {
    const row = this.byName.get({ username });
    return row && toUser(row);
  }

  async getCredentials(username: string): Promise<{ user: User; passwordHash: string | null } | undefined> {
    const row = this.byName.get({ username });
    return row && { user: toUser(row), passwordHash: row.password_hash };
  }

  /** Exact `username` and `email` filters ignore case, like every other username comparison. */
  async list(query: ListQuery): Promise<Page<User>> {
    return listPage(this.sql, this.sql.qb.selectFrom('users').selectAll(), query, LIST_SPEC, toUser);
  }

  async update(
    id: number,
    patch: { email?: string; realname?: string; comment?: string },
    now = new Date(),
  ): Promise<User> {
    return this.sql.transaction(() => {
      if (patch.email !== undefined) this.assertEmailFree(patch.email, id);
      const row = this.updateProfile.get({
        id,
        email: patch.email,
        realname: patch.realname,
        comment: patch.comment,
        now: now.getTime(),
      });
      if (!row) throw notFound(id);
      return toUser(row);
    });
  }

  /** Also sets `passwordChangedAt`. */
  async setPassword(id: number, passwordHash: string, now = new Date()): Promise<void> {
    if (this.updatePassword.run({ id, passwordHash, now: now.getTime() }) === 0) throw notFound(id);
  }

  async setSysadmin(id: number, sysadmin: boolean, now = new Date()): Promise<void> {
    if (this.updateSysadmin.run({ id, sysadmin: sysadmin ? 1 : 0, now: now.getTime() }) === 0) throw notFound(id);
  }

  /** Sessions and access tokens go by foreign-key cascade, as do memberships (migration 4). */
  async delete(id: number): Promise<boolean> {
    return this.remove.run({ id }) > 0;
  }

  async count(): Promise<number> {
    return this.countAll.get({})?.n ?? 0;
  }

  private assertEmailFree(email: string, self: number | undefined): void {
    if (email === '') return;
    const owner = this.emailOwner.get({ email });
    if (owner && owner.id !== self) throw new Conflict('DENIED', `email ${email} is already taken`, { email });
  }
}

function notFound(id: number): NotFound {
  return new NotFound('NAME_UNKNOWN', `user ${id} not found`, { userId: id });
}

function toUser(row: UserRow): User {
  return {
    id: row.id,
    username: row.username,
    email: row.email,
    realname: row.realname,
    comment: row.comment,
    sysadmin: row.sysadmin !== 0,
    source: row.source === 'ldap' ? 'ldap' : 'local',
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    passwordChangedAt: row.password_changed_at === null ? null : new Date(row.password_changed_at),
  };
}
