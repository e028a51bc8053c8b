import type { Migration } from './migrations.js';

/** Immutable tag rules and tag retention policies, per project (see `schema-retention.ts`). */
export const retentionMigration: Migration = {
  version: 8,
  name: 'tag retention and immutability',
  up: (db) => [
    db.schema
      .createTable('immutable_rules')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('project_id', 'integer', (c) => c.notNull().references('projects.id').onDelete('cascade'))
      .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('filter', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('immutable_rules_project_filter', ['project_id', 'filter']),
    db.schema
      .createTable('retention_policies')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('project_id', 'integer', (c) => c.notNull().unique().references('projects.id').onDelete('cascade'))
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull()),
  ],
};
