import type { Selectable } from 'kysely';
import type { LoginFailurePolicy, LoginFailureRepo, LoginFailureState } from '../identity-types.js';
import type { ArgFn, SqlExecutor } from './executor.js';
import type { LoginFailuresTable } from './schema-identity.js';

type LoginFailureRow = Selectable<LoginFailuresTable>;

/**
 * Failed-login counters per key (`user:<name>`, `addr:<address>`).
 *
 * ```
 *            failure (count < lockAfter)
 *   (none) ──────────────► counting ──┐ failure within the window: count + 1
 *      ▲                     │   ▲────┘
 *      │ clear / forgotten   │ count reaches lockAfter
 *      │                     ▼
 *      └──────────────── locked (until now + lockForMs; failures meanwhile are counted,
 *                                the lock is not extended)
 * ```
 * The window is fixed: it starts at the first failure of a count. A failure after the window has
 * passed, or after a lock has expired, starts a new count at 1 (so a lock is followed by a full
 * `lockAfter` tries, not one).
 */
export class SqliteLoginFailureRepo implements LoginFailureRepo {
  private readonly byKey;
  private readonly upsert;
  private readonly remove;
  private readonly locked;
  private readonly purge;

  constructor(private readonly sql: SqlExecutor) {
    const qb = sql.qb;
    this.byKey = sql.prepare((arg: ArgFn<{ key: string }>) =>
      qb.selectFrom('login_failures').selectAll().where('key', '=', arg('key')),
    );
    this.upsert = sql.prepare(
      (arg: ArgFn<{ key: string; failures: number; first: number; last: number; lockedUntil: number | null }>) =>
        qb
          .insertInto('login_failures')
          .values({
            key: arg('key'),
            failures: arg('failures'),
            first_failure_at: arg('first'),
            last_failure_at: arg('last'),
            locked_until: arg('lockedUntil'),
          })
          .onConflict((oc) =>
            oc.column('key').doUpdateSet((eb) => ({
              failures: eb.ref('excluded.failures'),
              first_failure_at: eb.ref('excluded.first_failure_at'),
              last_failure_at: eb.ref('excluded.last_failure_at'),
              locked_until: eb.ref('excluded.locked_until'),
            })),
          ),
    );
    this.remove = sql.prepare((arg: ArgFn<{ key: string }>) =>
      qb.deleteFrom('login_failures').where('key', '=', arg('key')),
    );
    this.locked = sql.prepare((arg: ArgFn<{ now: number }>) =>
      qb
        .selectFrom('login_failures')
        .selectAll()
        .where('locked_until', '>', arg('now'))
        .orderBy('locked_until', 'desc')
        .orderBy('key'),
    );
    // Rows whose failures are all forgotten and which are not locked: nothing to remember.
    this.purge = sql.prepare((arg: ArgFn<{ forgottenBefore: number; now: number }>) =>
      qb
        .deleteFrom('login_failures')
        .where('last_failure_at', '<=', arg('forgottenBefore'))
        .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', arg('now'))])),
    );
  }

  /** The stored state as is, possibly stale: compare `lockedUntil` with the current time. */
  async get(key: string): Promise<LoginFailureState | undefined> {
    const row = this.byKey.get({ key });
    return row && toState(row);
  }

  /**
   * Counts one failure as described on the class, atomically. Also deletes other keys whose failures
   * are all older than `windowMs` and which are not locked, so the table holds only live counters
   * however many addresses try.
   */
  async recordFailure(key: string, now: Date, policy: LoginFailurePolicy): Promise<LoginFailureState> {
    const at = now.getTime();
    return this.sql.transaction(() => {
      const row = this.byKey.get({ key });
      let next: LoginFailureRow;
      if (row && row.locked_until !== null && row.locked_until > at) {
        next = { ...row, failures: row.failures + 1, last_failure_at: at };
      } else if (!row || row.locked_until !== null || at - row.first_failure_at >= policy.windowMs) {
        next = { key, failures: 1, first_failure_at: at, last_failure_at: at, locked_until: null };
      } else {
        next = { ...row, failures: row.failures + 1, last_failure_at: at };
      }
      if (next.locked_until === null && next.failures >= policy.lockAfter) next.locked_until = at + policy.lockForMs;
      this.purge.run({ forgottenBefore: at - policy.windowMs, now: at });
      this.upsert.run({
        key,
        failures: next.failures,
        first: next.first_failure_at,
        last: next.last_failure_at,
        lockedUntil: next.locked_until,
      });
      return toState(next);
    });
  }

  async clear(key: string): Promise<void> {
    this.remove.run({ key });
  }

  /** Ordered by `lockedUntil`, latest first (with a fixed lock duration: the most recently locked). */
  async listLocked(now: Date): Promise<LoginFailureState[]> {
    return this.locked.all({ now: now.getTime() }).map(toState);
  }
}

function toState(row: LoginFailureRow): LoginFailureState {
  return {
    key: row.key,
    failures: row.failures,
    firstFailureAt: new Date(row.first_failure_at),
    lastFailureAt: new Date(row.last_failure_at),
    lockedUntil: row.locked_until === null ? null : new Date(row.locked_until),
  };
}
