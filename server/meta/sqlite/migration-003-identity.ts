import { sql } from 'kysely';
import type { Migration } from './migrations.js';

/**
 * Users, login failures, sessions, personal access tokens, robot accounts (types in
 * `schema-identity.ts`). Usernames and emails compare case-insensitively through the column's
 * `collate nocase`, so the unique constraints, lookups and sorting all ignore ASCII case (a
 * PostgreSQL port uses `citext` or `lower()` indexes). Secrets are stored as hashes only.
 */
export const identityMigration: Migration = {
  version: 3,
  name: 'identity',
  up: (db) => [
    db.schema
      .createTable('users')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('username', 'text', (c) =>
        c
          .notNull()
          .unique()
          .modifyEnd(sql`collate nocase`),
      )
      .addColumn('email', 'text', (c) =>
        c
          .notNull()
          .defaultTo('')
          .modifyEnd(sql`collate nocase`),
      )
      .addColumn('realname', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('comment', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('password_hash', 'text')
      .addColumn('sysadmin', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('source', 'text', (c) => c.notNull().defaultTo('local'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('password_changed_at', 'bigint')
      .addCheckConstraint('users_source', sql`source in ('local', 'ldap')`),
    // Several users may have no email; a real one belongs to one user only (case-insensitively, as the
    // index inherits the column's collation).
    db.schema
      .createIndex('users_email')
      .on('users')
      .column('email')
      .unique()
      .where(sql<boolean>`email <> ''`),
    db.schema
      .createTable('login_failures')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('failures', 'integer', (c) => c.notNull())
      .addColumn('first_failure_at', 'bigint', (c) => c.notNull())
      .addColumn('last_failure_at', 'bigint', (c) => c.notNull())
      .addColumn('locked_until', 'bigint'),
    // "Which keys are locked now" for admins, and the purge of forgotten failures.
    db.schema.createIndex('login_failures_locked_until').on('login_failures').column('locked_until'),
    db.schema.createIndex('login_failures_last_failure_at').on('login_failures').column('last_failure_at'),
    db.schema
      .createTable('sessions')
      .addColumn('id_hash', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('csrf_token', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
      .addColumn('client_ip', 'text'),
    db.schema.createIndex('sessions_expires_at').on('sessions').column('expires_at'),
    db.schema.createIndex('sessions_user_id').on('sessions').column('user_id'),
    db.schema
      .createTable('access_tokens')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint')
      .addColumn('last_used_at', 'bigint')
      // Also serves "tokens of this user" and the cascade from users.
      .addUniqueConstraint('access_tokens_user_name', ['user_id', 'name']),
    db.schema
      .createTable('robots')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('name', 'text', (c) => c.notNull().unique())
      .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('secret_hash', 'text', (c) => c.notNull())
      .addColumn('level', 'text', (c) => c.notNull())
      .addColumn('project_id', 'integer', (c) => c.references('projects.id').onDelete('cascade'))
      .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('duration', 'integer', (c) => c.notNull())
      .addColumn('expires_at', 'bigint')
      .addColumn('creator', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      // A project robot belongs to exactly one project; a system robot to none.
      .addCheckConstraint(
        'robots_level',
        sql`(level = 'system' and project_id is null) or (level = 'project' and project_id is not null)`,
      ),
    db.schema.createIndex('robots_project_id').on('robots').column('project_id'),
    db.schema
      .createTable('robot_permissions')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('robot_id', 'integer', (c) => c.notNull().references('robots.id').onDelete('cascade'))
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('namespace', 'text', (c) => c.notNull())
      .addColumn('resource', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('effect', 'text')
      .addCheckConstraint('robot_permissions_kind', sql`kind in ('project', 'system')`)
      .addCheckConstraint('robot_permissions_effect', sql`effect is null or effect in ('allow', 'deny')`),
    db.schema.createIndex('robot_permissions_robot_id').on('robot_permissions').column('robot_id'),
  ],
};
