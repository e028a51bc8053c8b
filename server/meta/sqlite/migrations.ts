import type Database from 'better-sqlite3';
import type { Compilable, Kysely } from 'kysely';
import { DEFAULT_PROJECT } from '../../core/names.js';
import { MetaStoreError } from '../meta-errors.js';
import { identityMigration } from './migration-003-identity.js';
import { projectsMigration } from './migration-004-projects.js';
import { pullCountMigration } from './migration-005-pull-count.js';
import { gcMigration } from './migration-007-gc.js';
import { retentionMigration } from './migration-008-retention.js';
import { scanMigration } from './migration-009-scan.js';
import { replicationMigration } from './migration-010-replication.js';
import { jobsMigration } from './migration-006-jobs.js';
import { createQueryBuilder, translateError } from './executor.js';
import type { SchemaMigrationsTable } from './schema.js';

/**
 * Numbered, forward-only schema migrations. Each one is applied at most once and recorded in
 * `schema_migrations`; a released migration is never edited, only followed by a new one.
 *
 * A migration returns the statements to run, built with Kysely's schema builder so they read the same
 * in every dialect. It works on an untyped builder on purpose: the table types in `schema.ts` describe
 * the latest schema, not the one a given migration starts from.
 */
export interface Migration {
  version: number;
  name: string;
  up(db: UntypedBuilder, now: number): Compilable[];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see Migration: older schemas are untyped.
type UntypedBuilder = Kysely<any>;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    up: (db) => [
      db.schema
        .createTable('projects')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('public', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull()),
      db.schema
        .createTable('repositories')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        // No cascade: a project with repositories must not vanish by accident.
        .addColumn('project_id', 'integer', (c) => c.notNull().references('projects.id'))
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull()),
      db.schema.createIndex('repositories_project_id').on('repositories').column('project_id'),
      db.schema
        .createTable('blobs')
        .addColumn('digest', 'text', (c) => c.primaryKey())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('media_type', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull()),
      db.schema
        .createTable('repository_blobs')
        .addColumn('repository_id', 'integer', (c) => c.notNull().references('repositories.id').onDelete('cascade'))
        .addColumn('digest', 'text', (c) => c.notNull().references('blobs.digest'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('repository_blobs_pk', ['repository_id', 'digest']),
      // GC asks "is this blob linked anywhere"; the foreign key check on blob deletion asks the same.
      db.schema.createIndex('repository_blobs_digest').on('repository_blobs').column('digest'),
      db.schema
        .createTable('artifacts')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('repository_id', 'integer', (c) => c.notNull().references('repositories.id').onDelete('cascade'))
        .addColumn('digest', 'text', (c) => c.notNull())
        .addColumn('media_type', 'text', (c) => c.notNull())
        .addColumn('artifact_type', 'text')
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('config_digest', 'text')
        .addColumn('subject_digest', 'text')
        .addColumn('annotations', 'text')
        .addColumn('push_time', 'bigint', (c) => c.notNull())
        .addColumn('pull_time', 'bigint')
        .addUniqueConstraint('artifacts_repository_digest', ['repository_id', 'digest']),
      db.schema
        .createIndex('artifacts_repository_subject')
        .on('artifacts')
        .columns(['repository_id', 'subject_digest']),
      db.schema
        .createTable('artifact_blobs')
        .addColumn('artifact_id', 'integer', (c) => c.notNull().references('artifacts.id').onDelete('cascade'))
        .addColumn('digest', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('artifact_blobs_pk', ['artifact_id', 'digest']),
      db.schema.createIndex('artifact_blobs_digest').on('artifact_blobs').column('digest'),
      db.schema
        .createTable('artifact_children')
        .addColumn('parent_id', 'integer', (c) => c.notNull().references('artifacts.id').onDelete('cascade'))
        .addColumn('child_digest', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('artifact_children_pk', ['parent_id', 'child_digest']),
      // Deleting a manifest asks "does an index list me as a child".
      db.schema.createIndex('artifact_children_child').on('artifact_children').column('child_digest'),
      db.schema
        .createTable('tags')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('repository_id', 'integer', (c) => c.notNull().references('repositories.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('artifact_id', 'integer', (c) => c.notNull().references('artifacts.id').onDelete('cascade'))
        .addColumn('push_time', 'bigint', (c) => c.notNull())
        .addColumn('pull_time', 'bigint')
        .addUniqueConstraint('tags_repository_name', ['repository_id', 'name']),
      // The cascade from artifacts and "tags of this artifact" both look tags up by artifact.
      db.schema.createIndex('tags_artifact_id').on('tags').column('artifact_id'),
      db.schema
        .createTable('upload_sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('repository', 'text', (c) => c.notNull())
        .addColumn('started_at', 'bigint', (c) => c.notNull()),
      db.schema.createIndex('upload_sessions_started_at').on('upload_sessions').column('started_at'),
    ],
  },
  {
    version: 2,
    name: 'library project',
    // One-component names (`docker push host/app`) land in `library`, so it must always exist.
    up: (db, now) => [
      db
        .insertInto('projects')
        .values({ name: DEFAULT_PROJECT, public: 1, created_at: now })
        .onConflict((oc) => oc.column('name').doNothing()),
    ],
  },
  identityMigration,
  projectsMigration,
  pullCountMigration,
  jobsMigration,
  gcMigration,
  retentionMigration,
  scanMigration,
  replicationMigration,
];

/**
 * Brings the database to the latest schema: applies every pending migration in one transaction, so a
 * crash leaves the previous version intact. Refuses (with `MetaStoreError('schema')`) a database
 * whose version is newer than this build knows, or whose recorded history differs from the code's.
 * Returns the versions it applied.
 */
export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): number[] {
  const qb = createQueryBuilder<{ schema_migrations: SchemaMigrationsTable }>();
  const untyped: UntypedBuilder = qb;
  const exec = (query: Compilable): void => {
    const { sql, parameters } = query.compile();
    db.prepare(sql).run(...parameters);
  };
  const latest = migrations.reduce((max, m) => Math.max(max, m.version), 0);

  try {
    return db
      .transaction(() => {
        exec(
          qb.schema
            .createTable('schema_migrations')
            .ifNotExists()
            .addColumn('version', 'integer', (c) => c.primaryKey())
            .addColumn('name', 'text', (c) => c.notNull())
            .addColumn('applied_at', 'bigint', (c) => c.notNull()),
        );
        // Read inside the write transaction: another process may have migrated while we waited.
        const listing = qb.selectFrom('schema_migrations').select(['version', 'name']).orderBy('version').compile();
        const applied = db.prepare(listing.sql).all(...listing.parameters) as { version: number; name: string }[];
        const current = applied.reduce((max, m) => Math.max(max, m.version), 0);
        if (current > latest) {
          throw new MetaStoreError(
            'schema',
            `metadata database schema is version ${current}, newer than this build supports (${latest}); ` +
              'upgrade Berth or restore a database written by this version',
          );
        }
        for (const row of applied) {
          const known = migrations.find((m) => m.version === row.version);
          if (!known || known.name !== row.name) {
            throw new MetaStoreError(
              'schema',
              `metadata database has migration ${row.version} "${row.name}", which this build does not know ` +
                `(expected ${known ? `"${known.name}"` : 'none'}); the database comes from a diverging build`,
            );
          }
        }
        const done = new Set(applied.map((m) => m.version));
        const pending = migrations.filter((m) => !done.has(m.version)).sort((a, b) => a.version - b.version);
        const now = Date.now();
        for (const migration of pending) {
          for (const statement of migration.up(untyped, now)) exec(statement);
          exec(
            qb
              .insertInto('schema_migrations')
              .values({ version: migration.version, name: migration.name, applied_at: now }),
          );
        }
        return pending.map((m) => m.version);
      })
      .immediate();
  } catch (err) {
    throw translateError(err, db);
  }
}
