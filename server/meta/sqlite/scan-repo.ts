import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { Conflict } from '../../core/errors.js';
import type { LayerAnalysis } from '../../scan/layers/layer-types.js';
import {
  SEVERITY_ORDER,
  type CveAllowlist,
  type ScanStatus,
  type ScannerRegistration,
  type SecuritySummary,
  type Severity,
  type SeverityCounts,
  type VulnerabilityQuery,
  type VulnerabilityRow,
} from '../../scan/scan-contract.js';
import type {
  ArtifactRef,
  FinishedReport,
  NewReport,
  ReportRow,
  SbomRunRow,
  ScanRepo,
  StoredInventory,
} from '../../scan/engine/scan-repo-types.js';
import type { SqlExecutor } from './executor.js';
import type { ScanReportsTable, ScannersTable } from './schema-scan.js';

const POLICY_KEYS = ['auto_scan', 'prevent_vul', 'severity', 'reuse_sys_cve_allowlist'];
const IMAGE_CONFIGS = `('application/vnd.oci.image.config.v1+json', 'application/vnd.docker.container.image.v1+json')`;

/**
 * The scanner's tables (`schema-scan.ts`). Plain SQL through better-sqlite3's prepared statements,
 * cached by text; list parameters go as one JSON array (`json_each`), so a page of 100 digests is one
 * statement whatever its length. Every write that spans rows is one transaction.
 */
export class SqliteScanRepo implements ScanRepo {
  readonly #statements = new Map<string, Database.Statement>();

  constructor(private readonly sql: SqlExecutor) {}

  #st(text: string): Database.Statement {
    let statement = this.#statements.get(text);
    if (!statement) {
      statement = this.sql.guard(() => this.sql.db.prepare(text));
      this.#statements.set(text, statement);
    }
    return statement;
  }

  #all<T>(text: string, ...params: unknown[]): T[] {
    return this.sql.guard(() => this.#st(text).all(...params) as T[]);
  }

  #get<T>(text: string, ...params: unknown[]): T | undefined {
    return this.sql.guard(() => this.#st(text).get(...params) as T | undefined);
  }

  #run(text: string, ...params: unknown[]): number {
    return this.sql.guard(() => this.#st(text).run(...params).changes);
  }

  // ── caches ─────────────────────────────────────────────────────────────────────────────────────

  async getLayer(digest: string, analyzerVersion: number): Promise<LayerAnalysis | undefined> {
    const row = this.#get<{ analysis: string }>(
      'select analysis from scan_layer_cache where layer_digest = ? and analyzer_version = ?',
      digest,
      analyzerVersion,
    );
    return row && (JSON.parse(row.analysis) as LayerAnalysis);
  }

  async putLayer(digest: string, analyzerVersion: number, analysis: LayerAnalysis): Promise<void> {
    this.#run(
      `insert into scan_layer_cache (layer_digest, analyzer_version, analysis, created_at) values (?, ?, ?, ?)
       on conflict (layer_digest, analyzer_version) do update set analysis = excluded.analysis`,
      digest,
      analyzerVersion,
      JSON.stringify(analysis),
      Date.now(),
    );
  }

  async getInventory(digest: string, analyzerVersion: number): Promise<StoredInventory | undefined> {
    const row = this.#get<{ os: string | null; packages: string; incomplete: number }>(
      'select os, packages, incomplete from scan_inventories where manifest_digest = ? and analyzer_version = ?',
      digest,
      analyzerVersion,
    );
    if (!row) return undefined;
    return {
      os: row.os === null ? null : (JSON.parse(row.os) as StoredInventory['os']),
      packages: JSON.parse(row.packages) as StoredInventory['packages'],
      incomplete: row.incomplete === 1,
    };
  }

  async putInventory(digest: string, analyzerVersion: number, inventory: StoredInventory): Promise<void> {
    this.#run(
      `insert into scan_inventories (manifest_digest, analyzer_version, os, packages, incomplete, created_at)
       values (?, ?, ?, ?, ?, ?)
       on conflict (manifest_digest, analyzer_version) do update set
         os = excluded.os, packages = excluded.packages, incomplete = excluded.incomplete, created_at = excluded.created_at`,
      digest,
      analyzerVersion,
      inventory.os ? JSON.stringify(inventory.os) : null,
      JSON.stringify(inventory.packages),
      inventory.incomplete ? 1 : 0,
      Date.now(),
    );
  }

  // ── reports ────────────────────────────────────────────────────────────────────────────────────

  async getReport(digest: string, scannerUuid: string): Promise<ReportRow | undefined> {
    const row = this.#get<ScanReportsTable>(
      'select * from scan_reports where digest = ? and scanner_uuid = ?',
      digest,
      scannerUuid,
    );
    return row && toReport(row);
  }

  async getReportById(id: string): Promise<ReportRow | undefined> {
    const row = this.#get<ScanReportsTable>('select * from scan_reports where id = ?', id);
    return row && toReport(row);
  }

  async summariesOf(digests: readonly string[]): Promise<ReportRow[]> {
    if (digests.length === 0) return [];
    return this.#all<ScanReportsTable>(
      `select ${SUMMARY_COLUMNS}, null as report, null as log from scan_reports
       where digest in (select value from json_each(?))`,
      JSON.stringify(digests),
    ).map(toReport);
  }

  async reportsOf(digests: readonly string[]): Promise<ReportRow[]> {
    if (digests.length === 0) return [];
    return this.#all<ScanReportsTable>(
      'select * from scan_reports where digest in (select value from json_each(?))',
      JSON.stringify(digests),
    ).map(toReport);
  }

  async sbomRunsOf(
    repository: string,
    digests: readonly string[],
    kinds: { vendorType: string; artifactType: string },
  ): Promise<SbomRunRow[]> {
    if (digests.length === 0) return [];
    // Both lookups are per artifact on an index: executions (vendor_type, vendor_id, id) and
    // artifacts (repository_id, subject_digest).
    const rows = this.#all<{
      digest: string;
      execution_id: number | null;
      status: string | null;
      start_time: number | null;
      end_time: number | null;
      accessory_digest: string | null;
      accessory_time: number | null;
      created_by: string | null;
    }>(
      `with page as (
         select a.id, a.digest, a.repository_id from artifacts a join repositories r on r.id = a.repository_id
         where r.name = ? and a.digest in (select value from json_each(?))
       )
       select p.digest, e.id as execution_id, e.status, e.start_time, e.end_time,
         s.digest as accessory_digest, s.push_time as accessory_time,
         json_extract(s.annotations, '$."created-by"') as created_by
       from page p
       left join executions e on e.id = (
         select max(x.id) from executions x where x.vendor_type = ? and x.vendor_id = p.id)
       left join artifacts s on s.id = (
         select y.id from artifacts y
         where y.repository_id = p.repository_id and y.subject_digest = p.digest and y.artifact_type = ?
         order by coalesce(json_extract(y.annotations, '$."created-by"') = 'Berth', 0) desc, y.push_time desc, y.id desc
         limit 1)
       where e.id is not null or s.id is not null`,
      repository,
      JSON.stringify(digests),
      kinds.vendorType,
      kinds.artifactType,
    );
    return rows.map((r) => ({
      digest: r.digest,
      execution:
        r.execution_id === null
          ? null
          : {
              id: r.execution_id,
              status: r.status as ScanStatus,
              startTime: new Date(r.start_time!),
              endTime: r.end_time === null ? null : new Date(r.end_time),
            },
      accessory:
        r.accessory_digest === null
          ? null
          : { digest: r.accessory_digest, pushTime: new Date(r.accessory_time!), createdBy: r.created_by },
    }));
  }

  async beginReport(input: NewReport): Promise<string> {
    const id = randomUUID();
    this.sql.transaction(() => {
      this.#run('delete from scan_reports where digest = ? and scanner_uuid = ?', input.digest, input.scannerUuid);
      this.#insertReport(id, input, 'Pending');
    });
    return id;
  }

  #insertReport(id: string, input: NewReport, status: ScanStatus): void {
    this.#run(
      `insert into scan_reports (id, digest, scanner_uuid, scanner_name, scanner_vendor, scanner_version,
         db_version, db_updated_at, status, execution_id, start_time)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      id,
      input.digest,
      input.scannerUuid,
      input.scanner.name,
      input.scanner.vendor,
      input.scanner.version,
      input.dbVersion,
      input.dbUpdatedAt?.getTime() ?? null,
      status,
      input.executionId,
      input.startTime.getTime(),
    );
  }

  async markRunning(id: string, completePercent: number): Promise<boolean> {
    return (
      this.#run(
        `update scan_reports set status = 'Running', complete_percent = ?
         where id = ? and status in ('Pending', 'Running')`,
        Math.max(0, Math.min(100, Math.round(completePercent))),
        id,
      ) > 0
    );
  }

  async finishReport(id: string, result: FinishedReport): Promise<boolean> {
    return this.sql.transaction(() => this.#finishSync(id, result));
  }

  #finishSync(id: string, result: FinishedReport): boolean {
    const c = result.counts;
    const changed = this.#run(
      `update scan_reports set status = ?, severity = ?, total = ?, fixable = ?, critical = ?, high = ?,
         medium = ?, low = ?, unknown = ?, none = ?, complete_percent = 100, report = ?, log = ?, end_time = ?,
         scanner_version = ?, db_version = ?, db_updated_at = ?
       where id = ?`,
      result.status,
      result.severity,
      c.total,
      c.fixable,
      c.critical,
      c.high,
      c.medium,
      c.low,
      c.unknown,
      c.none,
      result.report,
      result.log,
      result.endTime.getTime(),
      result.scannerVersion,
      result.dbVersion,
      result.dbUpdatedAt?.getTime() ?? null,
      id,
    );
    if (changed === 0) return false;
    this.#run('delete from scan_findings where report_id = ?', id);
    const insert = this.#st(
      `insert into scan_findings (report_id, cve_id, package, version, fix_version, severity, severity_rank,
         cvss_score, description, links) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const f of result.findings) {
      insert.run(
        id,
        f.cveId,
        f.package,
        f.version,
        f.fixVersion,
        f.severity,
        SEVERITY_ORDER.indexOf(f.severity),
        f.cvssScore,
        f.description.slice(0, 2000),
        JSON.stringify(f.links.slice(0, 20)),
      );
    }
    return true;
  }

  async putFinishedReport(input: NewReport, result: FinishedReport): Promise<string> {
    const id = randomUUID();
    this.sql.transaction(() => {
      this.#run('delete from scan_reports where digest = ? and scanner_uuid = ?', input.digest, input.scannerUuid);
      this.#insertReport(id, input, 'Pending');
      this.#finishSync(id, result);
    });
    return id;
  }

  async failReport(id: string, status: 'Error' | 'Stopped', log: string, at: Date): Promise<boolean> {
    return (
      this.#run(
        `update scan_reports set status = ?, log = ?, end_time = ? where id = ? and status in ('Pending', 'Running')`,
        status,
        log,
        at.getTime(),
        id,
      ) > 0
    );
  }

  async unfinishedReportsOf(executionId: number): Promise<ReportRow[]> {
    return this.#all<ScanReportsTable>(
      `select * from scan_reports where execution_id = ? and status in ('Pending', 'Running')`,
      executionId,
    ).map(toReport);
  }

  async forgetDigest(digest: string): Promise<number> {
    return this.#run(
      'delete from scan_reports where digest = ? and not exists (select 1 from artifacts where digest = ?)',
      digest,
      digest,
    );
  }

  async staleWithInventory(
    scannerUuid: string,
    dbVersion: number,
    analyzerVersion: number,
    after: string,
    limit: number,
  ): Promise<string[]> {
    return this.#all<{ digest: string }>(
      `select r.digest from scan_reports r
       join scan_inventories i on i.manifest_digest = r.digest and i.analyzer_version = ?
       where r.scanner_uuid = ? and r.status = 'Success' and r.db_version <> ? and r.digest > ?
       order by r.digest limit ?`,
      analyzerVersion,
      scannerUuid,
      dbVersion,
      after,
      limit,
    ).map((r) => r.digest);
  }

  async findingsAtLeast(
    reportIds: readonly string[],
    minRank: number,
  ): Promise<Array<{ reportId: string; cveId: string }>> {
    if (reportIds.length === 0) return [];
    return this.#all<{ reportId: string; cveId: string }>(
      `select report_id as reportId, cve_id as cveId from scan_findings
       where report_id in (select value from json_each(?)) and severity_rank >= ?`,
      JSON.stringify(reportIds),
      minRank,
    );
  }

  // ── artifacts and projects (read-only views for the scanner) ───────────────────────────────────

  async artifactsAfter(afterId: number, limit: number): Promise<ArtifactRef[]> {
    return this.#all<{
      id: number;
      projectId: number;
      repository: string;
      digest: string;
      mediaType: string;
      artifactType: string | null;
      subjectDigest: string | null;
      isChild: number;
    }>(
      `select a.id, r.project_id as projectId, r.name as repository, a.digest, a.media_type as mediaType,
         a.artifact_type as artifactType, a.subject_digest as subjectDigest,
         exists (select 1 from artifact_children c join artifacts p on p.id = c.parent_id
                 where c.child_digest = a.digest and p.repository_id = a.repository_id) as isChild
       from artifacts a join repositories r on r.id = a.repository_id
       where a.id > ? order by a.id limit ?`,
      afterId,
      limit,
    ).map((row) => ({ ...row, isChild: row.isChild === 1 }));
  }

  async childDigests(repository: string, digest: string): Promise<string[]> {
    return this.#all<{ digest: string }>(
      `select c.child_digest as digest from artifact_children c
       join artifacts a on a.id = c.parent_id join repositories r on r.id = a.repository_id
       where r.name = ? and a.digest = ? order by c.rowid`,
      repository,
      digest,
    ).map((r) => r.digest);
  }

  async parentsOf(digest: string): Promise<Array<{ digest: string; repository: string; projectId: number }>> {
    return this.#all<{ digest: string; repository: string; projectId: number }>(
      `select distinct a.digest, r.name as repository, r.project_id as projectId from artifact_children c
       join artifacts a on a.id = c.parent_id join repositories r on r.id = a.repository_id
       where c.child_digest = ?`,
      digest,
    );
  }

  async projectPolicy(projectId: number): Promise<Record<string, string>> {
    const rows = this.#all<{ name: string; value: string }>(
      `select name, value from project_metadata where project_id = ? and name in (select value from json_each(?))`,
      projectId,
      JSON.stringify(POLICY_KEYS),
    );
    return Object.fromEntries(rows.map((r) => [r.name, r.value]));
  }

  // ── scanners ───────────────────────────────────────────────────────────────────────────────────

  async listScanners(): Promise<ScannerRegistration[]> {
    return this.#all<ScannersTable>('select * from scanners order by built_in desc, create_time, name').map(toScanner);
  }

  async getScanner(uuid: string): Promise<ScannerRegistration | undefined> {
    const row = this.#get<ScannersTable>('select * from scanners where uuid = ?', uuid);
    return row && toScanner(row);
  }

  async insertScanner(s: ScannerRegistration): Promise<void> {
    this.sql.transaction(() => {
      this.#assertUnique(s);
      this.#run(
        `insert into scanners (uuid, name, description, url, auth, access_credential, skip_cert_verify,
           use_internal_addr, disabled, is_default, built_in, create_time, update_time)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?)`,
        s.uuid,
        s.name,
        s.description,
        s.url,
        s.auth,
        s.accessCredential,
        s.skipCertVerify ? 1 : 0,
        s.useInternalAddr ? 1 : 0,
        s.disabled ? 1 : 0,
        s.createTime.getTime(),
        s.updateTime.getTime(),
      );
    });
  }

  #assertUnique(s: ScannerRegistration): void {
    const clash = this.#get<{ name: string; url: string }>(
      'select name, url from scanners where (name = ? or url = ?) and uuid <> ?',
      s.name,
      s.url,
      s.uuid,
    );
    if (clash) {
      throw new Conflict(
        'DENIED',
        clash.name === s.name ? `a scanner named ${s.name} already exists` : `a scanner at ${s.url} already exists`,
      );
    }
  }

  async updateScanner(s: ScannerRegistration): Promise<void> {
    this.sql.transaction(() => {
      this.#assertUnique(s);
      this.#run(
        `update scanners set name = ?, description = ?, url = ?, auth = ?, access_credential = ?,
           skip_cert_verify = ?, use_internal_addr = ?, disabled = ?, update_time = ? where uuid = ?`,
        s.name,
        s.description,
        s.url,
        s.auth,
        s.accessCredential,
        s.skipCertVerify ? 1 : 0,
        s.useInternalAddr ? 1 : 0,
        s.disabled ? 1 : 0,
        s.updateTime.getTime(),
        s.uuid,
      );
    });
  }

  async deleteScanner(uuid: string): Promise<boolean> {
    return this.#run('delete from scanners where uuid = ? and built_in = 0', uuid) > 0;
  }

  async setDefaultScanner(uuid: string, now: Date): Promise<void> {
    this.sql.transaction(() => {
      this.#run(
        'update scanners set is_default = 0, update_time = ? where is_default = 1 and uuid <> ?',
        now.getTime(),
        uuid,
      );
      this.#run('update scanners set is_default = 1, update_time = ? where uuid = ?', now.getTime(), uuid);
    });
  }

  async projectScanner(projectId: number): Promise<string | undefined> {
    return this.#get<{ uuid: string }>(
      'select scanner_uuid as uuid from project_scanners where project_id = ?',
      projectId,
    )?.uuid;
  }

  async setProjectScanner(projectId: number, uuid: string): Promise<void> {
    this.#run(
      `insert into project_scanners (project_id, scanner_uuid) values (?, ?)
       on conflict (project_id) do update set scanner_uuid = excluded.scanner_uuid`,
      projectId,
      uuid,
    );
  }

  // ── allowlists and settings ────────────────────────────────────────────────────────────────────

  async getAllowlist(projectId: number): Promise<CveAllowlist | undefined> {
    const row = this.#get<{ id: number; project_id: number; expires_at: number | null; items: string }>(
      'select id, project_id, expires_at, items from cve_allowlists where project_id = ?',
      projectId,
    );
    return (
      row && {
        id: row.id,
        projectId: row.project_id,
        expiresAt: row.expires_at,
        items: JSON.parse(row.items) as string[],
      }
    );
  }

  async putAllowlist(list: CveAllowlist, now: Date): Promise<CveAllowlist> {
    this.#run(
      `insert into cve_allowlists (project_id, expires_at, items, update_time) values (?, ?, ?, ?)
       on conflict (project_id) do update set expires_at = excluded.expires_at, items = excluded.items,
         update_time = excluded.update_time`,
      list.projectId,
      list.expiresAt,
      JSON.stringify(list.items),
      now.getTime(),
    );
    return (await this.getAllowlist(list.projectId))!;
  }

  async getSettings(): Promise<string | undefined> {
    return this.#get<{ body: string }>('select body from scanner_settings where id = 1')?.body;
  }

  async putSettings(body: string, now: Date): Promise<void> {
    this.#run(
      `insert into scanner_settings (id, body, update_time) values (1, ?, ?)
       on conflict (id) do update set body = excluded.body, update_time = excluded.update_time`,
      body,
      now.getTime(),
    );
  }

  // ── the security hub ───────────────────────────────────────────────────────────────────────────

  async securitySummary(projectIds: readonly number[] | 'all'): Promise<SecuritySummary> {
    const all = projectIds === 'all' ? 1 : 0;
    const ids = JSON.stringify(projectIds === 'all' ? [] : projectIds);
    // Artifacts the hub counts: images and indexes, not accessories (Harbor's hub counts scannable ones).
    const scope = `r.project_id in (select value from json_each(?)) or ? = 1`;
    const artifacts = `select distinct a.digest, r.project_id, r.name as repository from artifacts a
       join repositories r on r.id = a.repository_id
       where (${scope}) and a.subject_digest is null and (a.artifact_type in ${IMAGE_CONFIGS} or a.media_type like '%index%' or a.media_type like '%list%')`;
    const total = this.#get<{ n: number }>(`select count(*) as n from (${artifacts})`, ids, all)?.n ?? 0;
    const reported = `select s.*, x.project_id, x.repository from (${artifacts}) x
       join scan_reports s on s.digest = x.digest and s.status = 'Success'`;
    const sums = this.#get<Record<string, number | null>>(
      `select count(distinct digest) as scanned, sum(total) as total, sum(fixable) as fixable, sum(critical) as critical,
         sum(high) as high, sum(medium) as medium, sum(low) as low, sum(unknown) as unknown, sum(none) as none
       from (${reported})`,
      ids,
      all,
    );
    const counts: SeverityCounts = {
      total: sums?.total ?? 0,
      fixable: sums?.fixable ?? 0,
      critical: sums?.critical ?? 0,
      high: sums?.high ?? 0,
      medium: sums?.medium ?? 0,
      low: sums?.low ?? 0,
      unknown: sums?.unknown ?? 0,
      none: sums?.none ?? 0,
    };
    const dangerousCves = this.#all<{
      cveId: string;
      severity: Severity;
      cvssScore: number | null;
      package: string;
      version: string;
      desc: string;
    }>(
      `select f.cve_id as cveId, f.severity, max(f.cvss_score) as cvssScore, f.package, f.version, f.description as desc
       from scan_findings f join (${reported}) x on x.id = f.report_id
       group by f.cve_id order by cvssScore is null, cvssScore desc, f.severity_rank desc, f.cve_id limit 5`,
      ids,
      all,
    );
    const dangerousArtifacts = this.#all<{
      projectId: number;
      repository: string;
      digest: string;
      critical: number;
      high: number;
      medium: number;
    }>(
      `select project_id as projectId, repository, digest, critical, high, medium from (${reported})
       order by critical desc, high desc, medium desc, digest limit 5`,
      ids,
      all,
    );
    return {
      totalArtifacts: total,
      scannedArtifacts: sums?.scanned ?? 0,
      counts,
      dangerousCves,
      dangerousArtifacts,
    };
  }

  async listVulnerabilities(
    query: VulnerabilityQuery,
    page: { offset: number; limit: number },
  ): Promise<{ items: VulnerabilityRow[]; total: number }> {
    const where: string[] = [`s.status = 'Success'`];
    const params: unknown[] = [];
    const add = (clause: string, value: unknown) => {
      where.push(clause);
      params.push(value);
    };
    if (query.cveId) add('f.cve_id = ?', query.cveId);
    if (query.severity) add('f.severity = ?', query.severity);
    if (query.cvssMin !== undefined) add('f.cvss_score >= ?', query.cvssMin);
    if (query.cvssMax !== undefined) add('f.cvss_score <= ?', query.cvssMax);
    if (query.projectIds) add('r.project_id in (select value from json_each(?))', JSON.stringify(query.projectIds));
    if (query.repository) add('r.name = ?', query.repository);
    if (query.package) add('f.package = ?', query.package);
    if (query.digest) add('a.digest = ?', query.digest);
    if (query.tag) {
      where.push('exists (select 1 from tags t where t.artifact_id = a.id and t.name = ?)');
      params.push(query.tag);
    }
    const from = `from scan_findings f join scan_reports s on s.id = f.report_id
      join artifacts a on a.digest = s.digest join repositories r on r.id = a.repository_id
      where ${where.join(' and ')}`;
    const total = this.#get<{ n: number }>(`select count(*) as n ${from}`, ...params)?.n ?? 0;
    const rows = this.#all<{
      projectId: number;
      repository: string;
      digest: string;
      tags: string | null;
      cveId: string;
      severity: Severity;
      cvssScore: number | null;
      package: string;
      version: string;
      fixVersion: string;
      desc: string;
      links: string;
    }>(
      `select r.project_id as projectId, r.name as repository, a.digest,
         (select json_group_array(t.name) from tags t where t.artifact_id = a.id) as tags,
         f.cve_id as cveId, f.severity, f.cvss_score as cvssScore, f.package, f.version, f.fix_version as fixVersion,
         f.description as desc, f.links
       ${from} order by f.severity_rank desc, f.cvss_score is null, f.cvss_score desc, f.cve_id, a.id limit ? offset ?`,
      ...params,
      page.limit,
      page.offset,
    );
    return {
      total,
      items: rows.map((r) => ({
        ...r,
        tags: r.tags ? (JSON.parse(r.tags) as string[]) : [],
        links: JSON.parse(r.links) as string[],
      })),
    };
  }
}

/** Every column of `scan_reports` but the report and log texts, which can be large. */
const SUMMARY_COLUMNS = [
  'id',
  'digest',
  'scanner_uuid',
  'scanner_name',
  'scanner_vendor',
  'scanner_version',
  'db_version',
  'db_updated_at',
  'status',
  'severity',
  'total',
  'fixable',
  'critical',
  'high',
  'medium',
  'low',
  'unknown',
  'none',
  'complete_percent',
  'execution_id',
  'start_time',
  'end_time',
].join(', ');

function toReport(row: ScanReportsTable): ReportRow {
  return {
    id: row.id,
    digest: row.digest,
    scannerUuid: row.scanner_uuid,
    scanner: { name: row.scanner_name, vendor: row.scanner_vendor, version: row.scanner_version },
    dbVersion: row.db_version,
    dbUpdatedAt: row.db_updated_at === null ? null : new Date(row.db_updated_at),
    status: row.status as ScanStatus,
    severity: row.severity as Severity,
    counts: {
      total: row.total,
      fixable: row.fixable,
      critical: row.critical,
      high: row.high,
      medium: row.medium,
      low: row.low,
      unknown: row.unknown,
      none: row.none,
    },
    completePercent: row.complete_percent,
    report: row.report,
    log: row.log,
    executionId: row.execution_id,
    startTime: new Date(row.start_time),
    endTime: row.end_time === null ? null : new Date(row.end_time),
  };
}

function toScanner(row: ScannersTable): ScannerRegistration {
  return {
    uuid: row.uuid,
    name: row.name,
    description: row.description,
    url: row.url,
    auth: row.auth,
    accessCredential: row.access_credential,
    skipCertVerify: row.skip_cert_verify === 1,
    useInternalAddr: row.use_internal_addr === 1,
    disabled: row.disabled === 1,
    isDefault: row.is_default === 1,
    builtIn: row.built_in === 1,
    createTime: new Date(row.create_time),
    updateTime: new Date(row.update_time),
  };
}
