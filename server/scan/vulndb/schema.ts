import { deflateRawSync } from 'node:zlib';
import type Database from 'better-sqlite3';

/**
 * The advisory database's schema, versioned by `PRAGMA user_version`. Each entry brings a database
 * from the version before it to its own; a file at an older version is migrated on open, a file
 * from a newer Berth is refused rather than misread.
 *
 * - `records`: one advisory record as OSV JSON (what `parseOsvRecord` kept; raw-deflated in `body`
 *   since version 2, a third of the size), per source and key
 *   (`osv:npm` + `GHSA-...`; `debian-tracker` + `openssl/CVE-...`, since the tracker files one CVE
 *   under several packages). `hash` detects unchanged records on re-import; `modified` is epoch ms.
 * - `affects`: (ecosystem, normalised package name) → record, the lookup of `match`.
 * - `sources`: per source, its record count and when it was imported (so `status()` counts nothing).
 * - `meta`: `version` (the content counter reports are keyed by) and `updated_at`.
 */
const MIGRATIONS: ReadonlyArray<string | ((db: Database.Database) => void)> = [
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  INSERT INTO meta (key, value) VALUES ('version', '0');
  CREATE TABLE sources (
    name TEXT PRIMARY KEY,
    records INTEGER NOT NULL,
    imported_at INTEGER NOT NULL,
    newest_modified INTEGER
  );
  CREATE TABLE records (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    key TEXT NOT NULL,
    modified INTEGER,
    hash BLOB NOT NULL,
    json TEXT NOT NULL,
    UNIQUE (source, key)
  );
  CREATE TABLE affects (
    ecosystem TEXT NOT NULL,
    name TEXT NOT NULL,
    record INTEGER NOT NULL,
    PRIMARY KEY (ecosystem, name, record)
  ) WITHOUT ROWID;
  CREATE INDEX affects_record ON affects (record);
  `,
  (db) => {
    db.function('berth_deflate', (text: unknown) => deflateRawSync(Buffer.from(String(text))));
    db.exec(`
      ALTER TABLE records ADD COLUMN body BLOB;
      UPDATE records SET body = berth_deflate(json);
      ALTER TABLE records DROP COLUMN json;
    `);
  },
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Brings the schema up to date in one immediate transaction, so two processes opening at once migrate once. */
export function migrate(db: Database.Database, file: string, target = SCHEMA_VERSION): void {
  db.exec('BEGIN IMMEDIATE');
  try {
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > SCHEMA_VERSION) {
      throw new Error(
        `advisory database ${file} has schema version ${current}, newer than this Berth knows (${SCHEMA_VERSION})`,
      );
    }
    for (let v = current; v < target; v++) {
      const step = MIGRATIONS[v]!;
      if (typeof step === 'string') db.exec(step);
      else step(db);
    }
    if (current < target) db.pragma(`user_version = ${target}`);
    db.exec('COMMIT');
  } catch (err) {
    db.exec('ROLLBACK');
    throw err;
  }
}
