import { sql } from 'kysely';
import type { Migration } from './migrations.js';

/**
 * Online garbage collection: the blob state machine (`meta/gc-types.ts`) and the age of a repository
 * link. Existing rows start in `none`, touched when created, with a random incarnation each.
 */
export const gcMigration: Migration = {
  version: 7,
  name: 'gc blob state',
  up: (db) => [
    db.schema.alterTable('blobs').addColumn('gc_state', 'text', (c) => c.notNull().defaultTo('none')),
    db.schema.alterTable('blobs').addColumn('gc_marked_at', 'bigint'),
    db.schema.alterTable('blobs').addColumn('incarnation', 'bigint', (c) => c.notNull().defaultTo(0)),
    db.schema.alterTable('blobs').addColumn('touched_at', 'bigint', (c) => c.notNull().defaultTo(0)),
    db
      .updateTable('blobs')
      // 1 .. 2^48: random per row, as new rows get them (see SqliteBlobRepo).
      .set({ touched_at: sql`created_at`, incarnation: sql`(abs(random()) % 281474976710655) + 1` }),
    db.schema.alterTable('repository_blobs').addColumn('seen_at', 'bigint', (c) => c.notNull().defaultTo(0)),
    db.updateTable('repository_blobs').set({ seen_at: sql`created_at` }),
    // The sweep lists candidate/deleting rows; the mark asks "is this digest an artifact anywhere".
    db.schema.createIndex('blobs_gc_state').on('blobs').columns(['gc_state', 'digest']),
    db.schema.createIndex('artifacts_digest').on('artifacts').column('digest'),
  ],
};
