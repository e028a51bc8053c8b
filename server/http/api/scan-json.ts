import type { FastifyRequest } from 'fastify';
import { Denied, Invalid, Unauthorized, Unsupported } from '../../core/errors.js';
import {
  VULNERABILITY_REPORT_MIME,
  type CveAllowlist,
  type ImportResult,
  type AdvisoryDbStatus,
  type SbomOverview,
  type ScanOverview,
  type ScanService,
  type ScannerRegistration,
  type SeverityCounts,
} from '../../scan/scan-contract.js';
import type { ApiDeps } from './api-deps.js';
import { ZERO_TIME, harborTime, harborTimeOrZero } from './json-shape.js';

/**
 * What the scanner's routes share: the service (or a refusal where it is not wired), Harbor's JSON
 * for overviews, registrations and allowlists, the `X-Accept-Vulnerabilities` negotiation, and the
 * audit record every scanner write leaves.
 */

/** The scan service; 405 (as GC's routes answer) where this server has none. */
export function scanService(deps: ApiDeps): ScanService {
  if (!deps.scans) throw new Unsupported('the scanner is not available on this server');
  return deps.scans;
}

/** Berth's scanner administration (settings, advisory database): system administrators only. */
export function requireSysAdmin(req: FastifyRequest): void {
  const security = req.security;
  if (!security.isAuthenticated) throw new Unauthorized('unauthorized: authentication required');
  if (!security.isSysAdmin) throw new Denied(`forbidden: ${security.name} is not a system administrator`);
}

function normaliseMime(mime: string): string {
  return mime.toLowerCase().replace(/\s+/g, '');
}

/**
 * Whether a request's `X-Accept-Vulnerabilities` (comma-separated report mime types; Harbor's default
 * when absent names 1.1 and the older 1.0) accepts the version 1.1 report, the only one Berth makes.
 */
export function acceptsVulnerabilityReport(header: string | string[] | undefined): boolean {
  const raw = Array.isArray(header) ? header.join(',') : header;
  if (raw === undefined || raw.trim() === '') return true;
  // The mime types contain `; version=...`, so split on commas only.
  const wanted = new Set(raw.split(',').map(normaliseMime));
  return wanted.has(normaliseMime(VULNERABILITY_REPORT_MIME));
}

/** Harbor's `NativeReportSummary`. */
export interface NativeReportSummaryJson {
  report_id: string;
  scan_status: string;
  severity: string;
  duration: number;
  summary?: { total: number; fixable: number; summary: Record<string, number> };
  start_time: string;
  end_time: string;
  complete_percent: number;
  scanner: { name: string; vendor: string; version: string };
  /** Berth's: the advisory database the report was matched against, and how fresh it was. */
  db_version?: number;
  db_updated_at?: string;
}

/** Severity counts by Harbor's names, leaving out the ones that are zero (as Harbor's summaries do). */
export function severitySummary(counts: SeverityCounts): Record<string, number> {
  const out: Record<string, number> = {};
  const add = (name: string, n: number) => {
    if (n > 0) out[name] = n;
  };
  add('Critical', counts.critical);
  add('High', counts.high);
  add('Medium', counts.medium);
  add('Low', counts.low);
  add('Unknown', counts.unknown);
  add('None', counts.none);
  return out;
}

export function toNativeReportSummary(overview: ScanOverview): NativeReportSummaryJson {
  const end = overview.endTime;
  const json: NativeReportSummaryJson = {
    report_id: overview.reportId,
    scan_status: overview.status,
    severity: overview.severity,
    duration: end ? Math.max(0, Math.round((end.getTime() - overview.startTime.getTime()) / 1000)) : 0,
    start_time: harborTime(overview.startTime),
    end_time: harborTimeOrZero(end),
    complete_percent: Math.max(0, Math.min(100, Math.round(overview.completePercent))),
    scanner: { ...overview.scanner },
    db_version: overview.dbVersion,
  };
  // Counts mean something only for a finished report; Harbor leaves them out while a scan runs.
  if (overview.status === 'Success') {
    json.summary = {
      total: overview.counts.total,
      fixable: overview.counts.fixable,
      summary: severitySummary(overview.counts),
    };
  }
  if (overview.dbUpdatedAt) json.db_updated_at = harborTime(overview.dbUpdatedAt);
  return json;
}

/** Harbor's `ScanOverview`: the summary keyed by the report's mime type. */
export function toScanOverviewJson(overview: ScanOverview): Record<string, NativeReportSummaryJson> {
  return { [VULNERABILITY_REPORT_MIME]: toNativeReportSummary(overview) };
}

/** Harbor's `SBOMOverview`. */
export interface SbomOverviewJson {
  start_time: string;
  end_time: string;
  scan_status: string;
  sbom_digest?: string;
  report_id: string;
  duration: number;
  scanner?: { name: string; vendor: string; version: string };
}

export function toSbomOverviewJson(overview: SbomOverview): SbomOverviewJson {
  const end = overview.endTime;
  const json: SbomOverviewJson = {
    start_time: harborTime(overview.startTime),
    end_time: harborTimeOrZero(end),
    scan_status: overview.status,
    report_id: overview.reportId,
    duration: end ? Math.max(0, Math.round((end.getTime() - overview.startTime.getTime()) / 1000)) : 0,
  };
  if (overview.sbomDigest) json.sbom_digest = overview.sbomDigest;
  if (overview.scanner) json.scanner = { ...overview.scanner };
  return json;
}

/** Harbor's `ScannerRegistration`. The credential is never returned (Harbor's GET no longer does). */
export interface ScannerRegistrationJson {
  uuid: string;
  name: string;
  description: string;
  url: string;
  disabled: boolean;
  is_default: boolean;
  auth: string;
  access_credential: string;
  skip_certVerify: boolean;
  use_internal_addr: boolean;
  create_time: string;
  update_time: string;
}

export function toScannerRegistrationJson(r: ScannerRegistration): ScannerRegistrationJson {
  return {
    uuid: r.uuid,
    name: r.name,
    description: r.description,
    url: r.url,
    disabled: r.disabled,
    is_default: r.isDefault,
    auth: r.auth,
    access_credential: '',
    skip_certVerify: r.skipCertVerify,
    use_internal_addr: r.useInternalAddr,
    create_time: harborTime(r.createTime),
    update_time: harborTime(r.updateTime),
  };
}

/** Harbor's `CVEAllowlist`. Berth keeps no times for allowlists; they read as Go's zero time. */
export interface CveAllowlistJson {
  id: number;
  project_id: number;
  expires_at: number | null;
  items: { cve_id: string }[];
  creation_time: string;
  update_time: string;
}

export function toAllowlistJson(list: CveAllowlist): CveAllowlistJson {
  return {
    id: list.id ?? 0,
    project_id: list.projectId,
    expires_at: list.expiresAt,
    items: list.items.map((cve_id) => ({ cve_id })),
    creation_time: ZERO_TIME,
    update_time: ZERO_TIME,
  };
}

/** Largest allowlist accepted; far above any real one, small enough to keep a request cheap. */
export const MAX_ALLOWLIST_ITEMS = 10_000;
const MAX_CVE_ID = 128;

/**
 * A `CVEAllowlist` body (`items[].cve_id`, `expires_at`), read strictly: ids trimmed, non-empty, at
 * most 128 characters, no duplicates (Harbor's validator refuses those); `expires_at` Unix seconds or
 * null. `id`, `project_id` and the times are ignored, as Harbor ignores them.
 */
export function readAllowlist(raw: unknown, field: string): { expiresAt: number | null; items: string[] } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new Invalid('NAME_INVALID', `${field} must be a JSON object`);
  }
  const body = raw as Record<string, unknown>;
  const rawItems = body.items ?? [];
  if (!Array.isArray(rawItems)) throw new Invalid('NAME_INVALID', `${field}.items must be an array`);
  if (rawItems.length > MAX_ALLOWLIST_ITEMS) {
    throw new Invalid('NAME_INVALID', `${field}.items: at most ${MAX_ALLOWLIST_ITEMS} CVEs`);
  }
  const items: string[] = [];
  const seen = new Set<string>();
  rawItems.forEach((item: unknown, i) => {
    const id = (item as { cve_id?: unknown } | null)?.cve_id;
    if (typeof id !== 'string' || id.trim() === '') {
      throw new Invalid('NAME_INVALID', `${field}.items[${i}].cve_id must be a non-empty string`);
    }
    const cve = id.trim();
    if (cve.length > MAX_CVE_ID || /[\s,]/.test(cve)) {
      throw new Invalid('NAME_INVALID', `${field}.items[${i}].cve_id "${cve.slice(0, 40)}" is not a vulnerability id`);
    }
    if (seen.has(cve)) throw new Invalid('NAME_INVALID', `duplicate CVE ID in allowlist: ${cve}`);
    seen.add(cve);
    items.push(cve);
  });
  const expires = body.expires_at;
  let expiresAt: number | null = null;
  if (expires !== undefined && expires !== null) {
    if (typeof expires !== 'number' || !Number.isSafeInteger(expires) || expires < 0) {
      throw new Invalid('NAME_INVALID', `${field}.expires_at must be Unix seconds or null`);
    }
    expiresAt = expires;
  }
  return { expiresAt, items };
}

/** Berth's advisory database status as JSON (`GET /system/scanner/vulndb`). */
export function toDbStatusJson(status: AdvisoryDbStatus, now = new Date()) {
  return {
    version: status.version,
    updated_at: status.updatedAt ? harborTime(status.updatedAt) : null,
    newest_record_at: status.newestRecordAt ? harborTime(status.newestRecordAt) : null,
    // How old the data is: from its newest record, else from the last import.
    age_seconds: ageSeconds(status.newestRecordAt ?? status.updatedAt, now),
    records: status.records,
    sources: status.sources.map((s) => ({
      name: s.name,
      records: s.records,
      imported_at: harborTime(s.importedAt),
      newest_record_at: s.newestRecordAt ? harborTime(s.newestRecordAt) : null,
    })),
  };
}

function ageSeconds(at: Date | null, now: Date): number | null {
  return at ? Math.max(0, Math.floor((now.getTime() - at.getTime()) / 1000)) : null;
}

export function toImportResultJson(result: ImportResult) {
  return {
    added: result.added,
    updated: result.updated,
    unchanged: result.unchanged,
    removed: result.removed,
    skipped: result.skipped,
    errors: result.errors,
    sources: result.sources,
    status: toDbStatusJson(result.status),
  };
}

/** Records a scanner write in the audit log, as every other API write is. */
export function auditScan(
  req: FastifyRequest,
  deps: ApiDeps,
  entry: { operation: string; resourceType: string; resource: string; project?: string | null; detail?: string | null },
): void {
  deps.audit.record({
    username: req.security.name,
    clientIp: req.ip,
    operation: entry.operation,
    resourceType: entry.resourceType,
    resource: entry.resource,
    project: entry.project ?? null,
    success: true,
    detail: entry.detail ?? null,
  });
}

/** A JSON object body, or `Invalid` naming `what`; an absent body reads as `{}` when `optional`. */
export function objectBody(raw: unknown, what: string, optional = false): Record<string, unknown> {
  if ((raw === undefined || raw === null) && optional) return {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new Invalid('NAME_INVALID', `${what} must be a JSON object`);
  }
  return raw as Record<string, unknown>;
}

/**
 * Adds `scan_overview` to artifacts that have a report, with one `overviews` call for the whole page
 * (column reads only, so a page costs the same at 100k artifacts). Nothing is added when the client's
 * `X-Accept-Vulnerabilities` names no report Berth makes.
 */
export async function attachScanOverviews(
  artifacts: { digest: string; scan_overview?: Record<string, NativeReportSummaryJson> }[],
  scans: ScanService | undefined,
  acceptHeader: string | string[] | undefined,
): Promise<void> {
  if (!scans || artifacts.length === 0 || !acceptsVulnerabilityReport(acceptHeader)) return;
  const overviews = await scans.overviews([...new Set(artifacts.map((a) => a.digest))]);
  for (const artifact of artifacts) {
    const overview = overviews.get(artifact.digest);
    if (overview) artifact.scan_overview = toScanOverviewJson(overview);
  }
}

/**
 * Adds `sbom_overview` to artifacts of one repository that have an SBOM run or accessory, with one
 * `sbomOverviews` call for the whole page.
 */
export async function attachSbomOverviews(
  artifacts: { digest: string; sbom_overview?: SbomOverviewJson }[],
  scans: ScanService | undefined,
  repository: string,
): Promise<void> {
  if (!scans || artifacts.length === 0) return;
  const overviews = await scans.sbomOverviews(repository, [...new Set(artifacts.map((a) => a.digest))]);
  for (const artifact of artifacts) {
    const overview = overviews.get(artifact.digest);
    if (overview) artifact.sbom_overview = toSbomOverviewJson(overview);
  }
}
