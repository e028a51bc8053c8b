import type { CompiledQuery } from 'kysely';
import type { SqlExecutor } from './executor.js';

/**
 * Runs `fn`'s reads in one deferred (read) transaction, so a listing's count, page and per-row
 * details (an artifact's tags) come from one snapshot even while pushes commit. A deferred
 * transaction takes no write lock: in WAL mode it never blocks a writer.
 */
export function readSnapshot<T>(sql: SqlExecutor, fn: () => T): T {
  return sql.guard(() => sql.db.transaction(fn).deferred());
}

/**
 * Runs a query compiled for this call only. For queries whose text varies with their input (an
 * `in (...)` list): `SqlExecutor.prepare` would cache one statement per list length, without bound.
 */
export function allOnce<Row>(sql: SqlExecutor, query: CompiledQuery): Row[] {
  return sql.guard(() => sql.db.prepare(query.sql).all(...query.parameters) as Row[]);
}
