import { sql, type Compilable } from 'kysely';
import type { Migration } from './migrations.js';

/**
 * Project metadata, storage quota accounting, members, labels, audit log. Needs `users` (migration 3)
 * for the owner reference and the membership trigger. Existing data is backfilled: `updated_at` from
 * `created_at`, a `public` metadata row per project, `project_blobs` from the repository links, and
 * `storage_used` as the sum of each project's distinct blob sizes.
 */
export const projectsMigration: Migration = {
  version: 4,
  name: 'projects, members, labels, audit',
  up: (db) => {
    /** A raw statement the builder cannot express, compiled by the same (untyped) builder. */
    const raw = (statement: ReturnType<typeof sql>): Compilable => ({ compile: () => statement.compile(db) });
    return [
      // SQLite adds one column per ALTER TABLE.
      db.schema
        .alterTable('projects')
        .addColumn('owner_id', 'integer', (c) => c.references('users.id').onDelete('set null')),
      db.schema.alterTable('projects').addColumn('updated_at', 'bigint', (c) => c.notNull().defaultTo(0)),
      db.schema.alterTable('projects').addColumn('storage_limit', 'bigint', (c) => c.notNull().defaultTo(-1)),
      db.schema.alterTable('projects').addColumn('storage_used', 'bigint', (c) => c.notNull().defaultTo(0)),
      db.updateTable('projects').set((eb) => ({ updated_at: eb.ref('created_at') })),
      db.schema.createIndex('projects_owner_id').on('projects').column('owner_id'),

      db.schema
        .createTable('project_metadata')
        .addColumn('project_id', 'integer', (c) => c.notNull().references('projects.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('project_metadata_pk', ['project_id', 'name']),
      db
        .insertInto('project_metadata')
        .columns(['project_id', 'name', 'value'])
        .expression((eb) =>
          eb
            .selectFrom('projects')
            .select([
              'id',
              sql.val('public').as('name'),
              sql<string>`case when public = 0 then 'false' else 'true' end`.as('value'),
            ]),
        ),

      db.schema
        .createTable('project_blobs')
        .addColumn('project_id', 'integer', (c) => c.notNull().references('projects.id').onDelete('cascade'))
        .addColumn('digest', 'text', (c) => c.notNull())
        .addColumn('refs', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('project_blobs_pk', ['project_id', 'digest']),
      db
        .insertInto('project_blobs')
        .columns(['project_id', 'digest', 'refs'])
        .expression((eb) =>
          eb
            .selectFrom('repository_blobs as rb')
            .innerJoin('repositories as r', 'r.id', 'rb.repository_id')
            .select(['r.project_id', 'rb.digest', eb.fn.countAll().as('refs')])
            .groupBy(['r.project_id', 'rb.digest']),
        ),
      db.updateTable('projects').set((eb) => ({
        storage_used: eb.fn.coalesce(
          eb
            .selectFrom('project_blobs as pb')
            .innerJoin('blobs as b', 'b.digest', 'pb.digest')
            .select((s) => s.fn.sum('b.size').as('used'))
            .whereRef('pb.project_id', '=', 'projects.id'),
          sql.lit(0),
        ),
      })),

      db.schema
        .createTable('project_members')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('project_id', 'integer', (c) => c.notNull().references('projects.id').onDelete('cascade'))
        .addColumn('entity_type', 'text', (c) => c.notNull().check(sql`entity_type in ('u', 'g')`))
        .addColumn('entity_id', 'integer', (c) => c.notNull())
        .addColumn('role', 'integer', (c) => c.notNull().check(sql`role between 1 and 5`))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('project_members_entity', ['project_id', 'entity_type', 'entity_id']),
      // "Which projects is this user a member of" (login, token grants) and the trigger below.
      db.schema.createIndex('project_members_by_entity').on('project_members').columns(['entity_type', 'entity_id']),
      // entity_id points at users or (later) groups, so no foreign key can cascade for it.
      raw(sql`create trigger project_members_user_deleted after delete on users for each row begin
        delete from project_members where entity_type = 'u' and entity_id = old.id;
      end`),

      db.schema
        .createTable('labels')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('color', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('scope', 'text', (c) => c.notNull().check(sql`scope in ('g', 'p')`))
        // 0 for global labels; project labels are removed by the project's deletion, in code.
        .addColumn('project_id', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('labels_name_scope_project', ['name', 'scope', 'project_id']),
      db.schema.createIndex('labels_project_id').on('labels').column('project_id'),
      db.schema
        .createTable('artifact_labels')
        .addColumn('artifact_id', 'integer', (c) => c.notNull().references('artifacts.id').onDelete('cascade'))
        .addColumn('label_id', 'integer', (c) => c.notNull().references('labels.id').onDelete('cascade'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('artifact_labels_pk', ['artifact_id', 'label_id']),
      // Label deletion cascades and artifact listings filter by label.
      db.schema.createIndex('artifact_labels_label_id').on('artifact_labels').column('label_id'),

      db.schema
        .createTable('audit_logs')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('op_time', 'bigint', (c) => c.notNull())
        .addColumn('username', 'text', (c) => c.notNull())
        .addColumn('operation', 'text', (c) => c.notNull())
        .addColumn('resource_type', 'text', (c) => c.notNull())
        .addColumn('resource', 'text', (c) => c.notNull())
        // No foreign key: a project's log outlives the project.
        .addColumn('project_id', 'integer')
        .addColumn('client_ip', 'text')
        .addColumn('success', 'integer', (c) => c.notNull())
        .addColumn('detail', 'text'),
      db.schema.createIndex('audit_logs_op_time').on('audit_logs').column('op_time'),
      db.schema.createIndex('audit_logs_project_op_time').on('audit_logs').columns(['project_id', 'op_time']),
    ];
  },
};
