import type { Migration } from './migrations.js';

/** Pulls per repository, as Harbor's repository listing shows them (`pull_count`). */
export const pullCountMigration: Migration = {
  version: 5,
  name: 'repository pull count',
  up: (db) => [db.schema.alterTable('repositories').addColumn('pull_count', 'bigint', (c) => c.notNull().defaultTo(0))],
};
