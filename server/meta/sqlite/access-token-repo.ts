import type { Selectable } from 'kysely';
import { Conflict, NotFound } from '../../core/errors.js';
import type { AccessToken, AccessTokenRepo } from '../identity-types.js';
import type { ArgFn, SqlExecutor } from './executor.js';
import type { AccessTokensTable } from './schema-identity.js';

/** An access token as read: every column but the token's hash. */
type AccessTokenRow = Omit<Selectable<AccessTokensTable>, 'token_hash'>;

/**
 * Personal access tokens, found by the SHA-256 of the token. Names are unique per user (compared
 * exactly); a user's deletion deletes their tokens (foreign-key cascade). The hash is never returned.
 */
export class SqliteAccessTokenRepo implements AccessTokenRepo {
  private readonly insert;
  private readonly userExists;
  private readonly byUserName;
  private readonly byHash;
  private readonly ofUser;
  private readonly remove;
  private readonly used;

  constructor(private readonly sql: SqlExecutor) {
    const qb = sql.qb;
    const columns = ['id', 'user_id', 'name', 'created_at', 'expires_at', 'last_used_at'] as const;
    this.insert = sql.prepare(
      (arg: ArgFn<{ userId: number; name: string; tokenHash: string; now: number; expiresAt: number | null }>) =>
        qb
          .insertInto('access_tokens')
          .values({
            user_id: arg('userId'),
            name: arg('name'),
            token_hash: arg('tokenHash'),
            created_at: arg('now'),
            expires_at: arg('expiresAt'),
            last_used_at: null,
          })
          .returning(columns),
    );
    this.userExists = sql.prepare((arg: ArgFn<{ id: number }>) =>
      qb.selectFrom('users').select('id').where('id', '=', arg('id')),
    );
    this.byUserName = sql.prepare((arg: ArgFn<{ userId: number; name: string }>) =>
      qb.selectFrom('access_tokens').select('id').where('user_id', '=', arg('userId')).where('name', '=', arg('name')),
    );
    this.byHash = sql.prepare((arg: ArgFn<{ tokenHash: string }>) =>
      qb.selectFrom('access_tokens').select(columns).where('token_hash', '=', arg('tokenHash')),
    );
    this.ofUser = sql.prepare((arg: ArgFn<{ userId: number }>) =>
      qb
        .selectFrom('access_tokens')
        .select(columns)
        .where('user_id', '=', arg('userId'))
        .orderBy('created_at')
        .orderBy('id'),
    );
    this.remove = sql.prepare((arg: ArgFn<{ userId: number; id: number }>) =>
      qb.deleteFrom('access_tokens').where('id', '=', arg('id')).where('user_id', '=', arg('userId')),
    );
    this.used = sql.prepare((arg: ArgFn<{ id: number; at: number }>) =>
      qb
        .updateTable('access_tokens')
        .set({ last_used_at: arg('at') })
        .where('id', '=', arg('id')),
    );
  }

  /**
   * Throws `NotFound` for an unknown user, `Conflict` when the user already has a token of that name
   * (or, astronomically unlikely, another token has the same hash).
   */
  async create(
    input: { userId: number; name: string; tokenHash: string; expiresAt: Date | null },
    now = new Date(),
  ): Promise<AccessToken> {
    return this.sql.transaction(() => {
      if (!this.userExists.get({ id: input.userId })) {
        throw new NotFound('NAME_UNKNOWN', `user ${input.userId} not found`, { userId: input.userId });
      }
      if (this.byUserName.get({ userId: input.userId, name: input.name })) {
        throw new Conflict('DENIED', `an access token named ${input.name} already exists`, { name: input.name });
      }
      const row = this.insert.get({
        userId: input.userId,
        name: input.name,
        tokenHash: input.tokenHash,
        now: now.getTime(),
        expiresAt: input.expiresAt === null ? null : input.expiresAt.getTime(),
      });
      if (!row) throw new Error(`access token ${input.name} was not created`);
      return toToken(row);
    });
  }

  async findByHash(tokenHash: string): Promise<AccessToken | undefined> {
    const row = this.byHash.get({ tokenHash });
    return row && toToken(row);
  }

  /** Oldest first. */
  async list(userId: number): Promise<AccessToken[]> {
    return this.ofUser.all({ userId }).map(toToken);
  }

  /** Deletes only when the token belongs to `userId`; false otherwise. */
  async delete(userId: number, id: number): Promise<boolean> {
    return this.remove.run({ userId, id }) > 0;
  }

  /** Unknown ids are ignored (the token may have been deleted meanwhile). */
  async markUsed(id: number, at: Date): Promise<void> {
    this.used.run({ id, at: at.getTime() });
  }
}

function toToken(row: AccessTokenRow): AccessToken {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    createdAt: new Date(row.created_at),
    expiresAt: row.expires_at === null ? null : new Date(row.expires_at),
    lastUsedAt: row.last_used_at === null ? null : new Date(row.last_used_at),
  };
}
