import type { Migration } from './migrations.js';

/** Replication endpoints and policies (see `schema-replication.ts`). */
export const replicationMigration: Migration = {
  version: 10,
  name: 'replication',
  up: (db) => [
    db.schema
      .createTable('replication_registries')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('name', 'text', (c) => c.notNull().unique())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('credential_type', 'text')
      .addColumn('access_key', 'text')
      .addColumn('access_secret_sealed', 'text')
      .addColumn('insecure', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('ca_certificate', 'text')
      .addColumn('repositories', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('status', 'text', (c) => c.notNull().defaultTo('unknown'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull()),
    db.schema
      .createTable('replication_policies')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('name', 'text', (c) => c.notNull().unique())
      .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
      // 0 is this Berth, so no foreign key: the repository checks the remote side in its transaction.
      .addColumn('src_registry_id', 'integer', (c) => c.notNull())
      .addColumn('dest_registry_id', 'integer', (c) => c.notNull())
      .addColumn('dest_namespace', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('dest_namespace_replace_count', 'integer', (c) => c.notNull().defaultTo(-1))
      .addColumn('trigger_type', 'text', (c) => c.notNull())
      .addColumn('trigger_cron', 'text')
      .addColumn('filters', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('replicate_deletion', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('override', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('speed_kbps', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('copy_by_chunk', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('single_active', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('concurrency', 'integer', (c) => c.notNull().defaultTo(4))
      .addColumn('copy_referrers', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull()),
    // Deleting a registry asks "does a policy use it" on either side.
    db.schema.createIndex('replication_policies_src').on('replication_policies').column('src_registry_id'),
    db.schema.createIndex('replication_policies_dest').on('replication_policies').column('dest_registry_id'),
  ],
};
