import type { Selectable } from 'kysely';
import { Conflict, NotFound } from '../../core/errors.js';
import type { Session, SessionRepo } from '../identity-types.js';
import type { ArgFn, SqlExecutor } from './executor.js';
import type { SessionsTable } from './schema-identity.js';

type SessionRow = Selectable<SessionsTable>;

/**
 * Portal sessions, keyed by the SHA-256 of the cookie value. A session is live while
 * `expiresAt > now`; deleting its user deletes it (foreign-key cascade).
 */
export class SqliteSessionRepo implements SessionRepo {
  private readonly insert;
  private readonly userExists;
  private readonly live;
  private readonly slide;
  private readonly remove;
  private readonly removeForUser;
  private readonly removeExpired;

  constructor(private readonly sql: SqlExecutor) {
    const qb = sql.qb;
    this.insert = sql.prepare((arg: ArgFn<SessionRow>) =>
      qb
        .insertInto('sessions')
        .values({
          id_hash: arg('id_hash'),
          user_id: arg('user_id'),
          csrf_token: arg('csrf_token'),
          created_at: arg('created_at'),
          expires_at: arg('expires_at'),
          last_seen_at: arg('last_seen_at'),
          client_ip: arg('client_ip'),
        })
        .onConflict((oc) => oc.column('id_hash').doNothing()),
    );
    this.userExists = sql.prepare((arg: ArgFn<{ id: number }>) =>
      qb.selectFrom('users').select('id').where('id', '=', arg('id')),
    );
    this.live = sql.prepare((arg: ArgFn<{ idHash: string; now: number }>) =>
      qb.selectFrom('sessions').selectAll().where('id_hash', '=', arg('idHash')).where('expires_at', '>', arg('now')),
    );
    this.slide = sql.prepare((arg: ArgFn<{ idHash: string; lastSeenAt: number; expiresAt: number }>) =>
      qb
        .updateTable('sessions')
        .set({ last_seen_at: arg('lastSeenAt'), expires_at: arg('expiresAt') })
        .where('id_hash', '=', arg('idHash'))
        .where('expires_at', '>', arg('lastSeenAt')),
    );
    this.remove = sql.prepare((arg: ArgFn<{ idHash: string }>) =>
      qb.deleteFrom('sessions').where('id_hash', '=', arg('idHash')),
    );
    this.removeForUser = sql.prepare((arg: ArgFn<{ userId: number }>) =>
      qb.deleteFrom('sessions').where('user_id', '=', arg('userId')),
    );
    this.removeExpired = sql.prepare((arg: ArgFn<{ now: number }>) =>
      qb.deleteFrom('sessions').where('expires_at', '<=', arg('now')),
    );
  }

  /** Throws `NotFound` for an unknown user, `Conflict` when a session with this hash exists. */
  async create(session: Session): Promise<void> {
    this.sql.transaction(() => {
      if (!this.userExists.get({ id: session.userId })) {
        throw new NotFound('NAME_UNKNOWN', `user ${session.userId} not found`, { userId: session.userId });
      }
      const changes = this.insert.run({
        id_hash: session.idHash,
        user_id: session.userId,
        csrf_token: session.csrfToken,
        created_at: session.createdAt.getTime(),
        expires_at: session.expiresAt.getTime(),
        last_seen_at: session.lastSeenAt.getTime(),
        client_ip: session.clientIp,
      });
      if (changes === 0) throw new Conflict('DENIED', 'a session with this id already exists');
    });
  }

  async get(idHash: string, now: Date): Promise<Session | undefined> {
    const row = this.live.get({ idHash, now: now.getTime() });
    return row && toSession(row);
  }

  /**
   * Slides a live session: `lastSeenAt` is taken as the current time, and a session already expired
   * at that time stays expired (it is not revived). Unknown or expired sessions are ignored.
   */
  async touch(idHash: string, lastSeenAt: Date, expiresAt: Date): Promise<void> {
    this.slide.run({ idHash, lastSeenAt: lastSeenAt.getTime(), expiresAt: expiresAt.getTime() });
  }

  async delete(idHash: string): Promise<boolean> {
    return this.remove.run({ idHash }) > 0;
  }

  /** Returns how many sessions were deleted. */
  async deleteForUser(userId: number): Promise<number> {
    return this.removeForUser.run({ userId });
  }

  /** Deletes sessions with `expiresAt <= now`; returns how many. */
  async purgeExpired(now: Date): Promise<number> {
    return this.removeExpired.run({ now: now.getTime() });
  }
}

function toSession(row: SessionRow): Session {
  return {
    idHash: row.id_hash,
    userId: row.user_id,
    csrfToken: row.csrf_token,
    createdAt: new Date(row.created_at),
    expiresAt: new Date(row.expires_at),
    lastSeenAt: new Date(row.last_seen_at),
    clientIp: row.client_ip,
  };
}
