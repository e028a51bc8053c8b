import { sql } from 'kysely';
import type { Migration } from './migrations.js';

/** The job system: executions, tasks, their logs, schedules and paused queues (see `schema-jobs.ts`). */
export const jobsMigration: Migration = {
  version: 6,
  name: 'job system',
  up: (db) => [
    db.schema
      .createTable('executions')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('vendor_type', 'text', (c) => c.notNull())
      .addColumn('vendor_id', 'bigint', (c) => c.notNull())
      .addColumn('project_id', 'integer')
      .addColumn('trigger', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('status_message', 'text')
      .addColumn('tasks_total', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('tasks_succeeded', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('tasks_failed', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('tasks_stopped', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('open', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('stopped', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('progress_done', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('progress_total', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('extra_attrs', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('start_time', 'bigint', (c) => c.notNull())
      .addColumn('end_time', 'bigint')
      .addColumn('update_time', 'bigint', (c) => c.notNull()),
    // Listings by vendor (GC history, a policy's runs) newest first, and the history trim.
    db.schema.createIndex('executions_vendor').on('executions').columns(['vendor_type', 'vendor_id', 'id']),
    db.schema.createIndex('executions_project').on('executions').columns(['project_id', 'id']),
    db.schema
      .createTable('tasks')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('execution_id', 'integer', (c) => c.notNull().references('executions.id').onDelete('cascade'))
      .addColumn('job_type', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('status_message', 'text')
      .addColumn('priority', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('max_attempts', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('run_after', 'bigint', (c) => c.notNull())
      .addColumn('dedupe_key', 'text')
      .addColumn('params', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('progress_done', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('progress_total', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('lease_owner', 'text')
      .addColumn('lease_until', 'bigint')
      .addColumn('create_time', 'bigint', (c) => c.notNull())
      .addColumn('start_time', 'bigint')
      .addColumn('end_time', 'bigint')
      .addColumn('update_time', 'bigint', (c) => c.notNull()),
    db.schema.createIndex('tasks_execution').on('tasks').columns(['execution_id', 'status']),
    // The claim: the next runnable tasks of one type, highest priority first, oldest first. Partial, so
    // the millions of finished rows a busy registry accumulates between history trims cost nothing.
    db.schema
      .createIndex('tasks_pending')
      .on('tasks')
      .columns(['job_type', 'priority', 'id'])
      .where(sql.ref('status'), '=', sql.lit('Pending')),
    db.schema
      .createIndex('tasks_running')
      .on('tasks')
      .columns(['lease_owner', 'lease_until'])
      .where(sql.ref('status'), '=', sql.lit('Running')),
    // Deduplication: one unfinished task per key. Finished tasks leave the index, so the key can be
    // queued again once the work is done.
    db.schema
      .createIndex('tasks_dedupe')
      .unique()
      .on('tasks')
      .column('dedupe_key')
      .where(sql`status in ('Pending', 'Running')`, '=', sql.lit(1)),
    db.schema
      .createTable('task_logs')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('task_id', 'integer', (c) => c.notNull().references('tasks.id').onDelete('cascade'))
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('level', 'text', (c) => c.notNull())
      .addColumn('message', 'text', (c) => c.notNull()),
    db.schema.createIndex('task_logs_task').on('task_logs').columns(['task_id', 'id']),
    db.schema
      .createTable('schedules')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('vendor_type', 'text', (c) => c.notNull())
      .addColumn('vendor_id', 'bigint', (c) => c.notNull())
      .addColumn('cron', 'text', (c) => c.notNull())
      .addColumn('callback', 'text', (c) => c.notNull())
      .addColumn('params', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('next_run', 'bigint')
      .addColumn('create_time', 'bigint', (c) => c.notNull())
      .addColumn('update_time', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('schedules_vendor', ['vendor_type', 'vendor_id']),
    db.schema
      .createTable('job_queues')
      .addColumn('job_type', 'text', (c) => c.primaryKey())
      .addColumn('paused', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('update_time', 'bigint', (c) => c.notNull()),
  ],
};
