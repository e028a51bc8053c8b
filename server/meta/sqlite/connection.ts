import Database from 'better-sqlite3';
import { MetaStoreError } from '../meta-errors.js';
import { translateError } from './executor.js';

export interface SqliteConnectionOptions {
  /** Database file, or ':memory:' (tests). */
  file: string;
  /** How long a writer waits for another connection's lock before failing with `busy`. */
  busyTimeoutMs?: number;
}

export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/**
 * Opens the database with the pragmas Berth relies on:
 * - `journal_mode=WAL`: readers (pulls) never wait for the writer (pushes);
 * - `synchronous=FULL`: every commit fsyncs the WAL, so an acknowledged write survives `kill -9` and
 *   power loss (NORMAL would only survive a process crash);
 * - `foreign_keys=ON`: cascades and references are enforced (SQLite's default is off);
 * - `busy_timeout`: wait for another connection's lock instead of failing at once.
 */
export function openSqliteDatabase(options: SqliteConnectionOptions): Database.Database {
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  let db: Database.Database;
  try {
    db = new Database(options.file, { timeout: busyTimeoutMs });
  } catch (err) {
    throw new MetaStoreError('failure', `cannot open metadata database ${options.file}: ${String(err)}`, {
      cause: err,
    });
  }
  try {
    // busy_timeout first: switching to WAL needs a lock another process may hold.
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    return db;
  } catch (err) {
    const mapped = translateError(err, db); // before close(): a closed handle reads as 'closed'
    db.close();
    throw mapped;
  }
}
