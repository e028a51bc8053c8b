import type { Migration } from './migrations.js';

/** The UUID of the built-in scanner's registration (seeded here, never deleted). */
export const BUILTIN_SCANNER_UUID = '00000000-0000-4000-8000-00000000be47';

/** The built-in scanner, layer/inventory caches, reports with summary columns, findings, allowlists (see `schema-scan.ts`). */
export const scanMigration: Migration = {
  version: 9,
  name: 'vulnerability scanning',
  up: (db, now) => [
    db.schema
      .createTable('scan_layer_cache')
      .addColumn('layer_digest', 'text', (c) => c.notNull())
      .addColumn('analyzer_version', 'integer', (c) => c.notNull())
      .addColumn('analysis', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('scan_layer_cache_pk', ['layer_digest', 'analyzer_version']),
    db.schema
      .createTable('scan_inventories')
      .addColumn('manifest_digest', 'text', (c) => c.notNull())
      .addColumn('analyzer_version', 'integer', (c) => c.notNull())
      .addColumn('os', 'text')
      .addColumn('packages', 'text', (c) => c.notNull())
      .addColumn('incomplete', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('scan_inventories_pk', ['manifest_digest', 'analyzer_version']),
    db.schema
      .createTable('scan_reports')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('digest', 'text', (c) => c.notNull())
      .addColumn('scanner_uuid', 'text', (c) => c.notNull())
      .addColumn('scanner_name', 'text', (c) => c.notNull())
      .addColumn('scanner_vendor', 'text', (c) => c.notNull())
      .addColumn('scanner_version', 'text', (c) => c.notNull())
      .addColumn('db_version', 'integer', (c) => c.notNull())
      .addColumn('db_updated_at', 'bigint')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('severity', 'text', (c) => c.notNull().defaultTo('None'))
      .addColumn('total', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('fixable', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('critical', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('high', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('medium', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('low', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('unknown', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('none', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('complete_percent', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('report', 'text')
      .addColumn('log', 'text')
      .addColumn('execution_id', 'integer')
      .addColumn('start_time', 'bigint', (c) => c.notNull())
      .addColumn('end_time', 'bigint')
      .addUniqueConstraint('scan_reports_digest_scanner', ['digest', 'scanner_uuid']),
    db.schema
      .createTable('scan_findings')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('report_id', 'text', (c) => c.notNull().references('scan_reports.id').onDelete('cascade'))
      .addColumn('cve_id', 'text', (c) => c.notNull())
      .addColumn('package', 'text', (c) => c.notNull())
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('fix_version', 'text', (c) => c.notNull())
      .addColumn('severity', 'text', (c) => c.notNull())
      .addColumn('severity_rank', 'integer', (c) => c.notNull())
      .addColumn('cvss_score', 'real')
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('links', 'text', (c) => c.notNull()),
    db.schema.createIndex('scan_findings_report').on('scan_findings').columns(['report_id', 'severity_rank']),
    db.schema.createIndex('scan_findings_cve').on('scan_findings').columns(['cve_id']),
    db.schema.createIndex('scan_findings_cvss').on('scan_findings').columns(['cvss_score']),
    db.schema
      .createTable('scanners')
      .addColumn('uuid', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull().unique())
      .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('url', 'text', (c) => c.notNull().unique())
      .addColumn('auth', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('access_credential', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('skip_cert_verify', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('use_internal_addr', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('is_default', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('built_in', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('create_time', 'bigint', (c) => c.notNull())
      .addColumn('update_time', 'bigint', (c) => c.notNull()),
    db.insertInto('scanners').values({
      uuid: BUILTIN_SCANNER_UUID,
      name: 'Berth',
      description: 'The built-in scanner: layer analysis in worker threads, offline advisory database',
      url: 'builtin://berth',
      auth: '',
      access_credential: '',
      skip_cert_verify: 0,
      use_internal_addr: 1,
      disabled: 0,
      is_default: 1,
      built_in: 1,
      create_time: now,
      update_time: now,
    }),
    db.schema
      .createTable('project_scanners')
      .addColumn('project_id', 'integer', (c) => c.primaryKey().references('projects.id').onDelete('cascade'))
      .addColumn('scanner_uuid', 'text', (c) => c.notNull().references('scanners.uuid').onDelete('cascade')),
    db.schema
      .createTable('cve_allowlists')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('project_id', 'integer', (c) => c.notNull().unique())
      .addColumn('expires_at', 'bigint')
      .addColumn('items', 'text', (c) => c.notNull())
      .addColumn('update_time', 'bigint', (c) => c.notNull()),
    db.schema
      .createTable('scanner_settings')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('update_time', 'bigint', (c) => c.notNull()),
    // `overviews(digests)` and the pull policy read reports by digest.
    db.schema.createIndex('scan_reports_status').on('scan_reports').columns(['status', 'digest']),
  ],
};
