import type { ImagePackage } from './layers/layer-types.js';
import type { DetectedOs } from './detect/os-release.js';

/**
 * The seams of the scanner (issue 6), shared by the parts that meet here:
 *
 *   vulndb/   AdvisoryDatabase: the imported advisories (OSV, Debian tracker, Alpine secdb) and matching
 *   report/   pure formats: Harbor's vulnerability report, summaries, allowlists, CycloneDX/SPDX SBOMs
 *   engine/   ScanService: layer analysis in workers with a cache, inventories, reports, scan jobs
 *   adapter/  Harbor's pluggable scanner API: ExternalScanner (call an adapter) and Berth's own adapter
 *   http/api  the Harbor routes over ScanService
 *
 * Everything that crosses a worker thread or is stored is plain JSON.
 */

/** Harbor's severity names, lowest first in `SEVERITY_ORDER`. */
export type Severity = 'None' | 'Unknown' | 'Low' | 'Medium' | 'High' | 'Critical';
export const SEVERITY_ORDER: readonly Severity[] = ['None', 'Unknown', 'Low', 'Medium', 'High', 'Critical'];

/** Harbor's report media type; the key of `scan_overview`. */
export const VULNERABILITY_REPORT_MIME = 'application/vnd.security.vulnerability.report; version=1.1';
/** Harbor's SBOM accessory artifact type and the report mime types of the scanner API. */
export const SBOM_ACCESSORY_ARTIFACT_TYPE = 'application/vnd.goharbor.harbor.sbom.v1';
export const SBOM_REPORT_MIME = 'application/vnd.security.sbom.report+json; version=1.0';

// ---------------------------------------------------------------------------------------------
// Advisory database (vulndb/)
// ---------------------------------------------------------------------------------------------

/** One advisory that affects one installed package. */
export interface VulnerabilityFinding {
  /** The advisory's primary id as the report shows it: a CVE id where the record has one as id or alias, else the record id. */
  id: string;
  /** The record's own id and aliases (`GHSA-...`, `DSA-...`, `CVE-...`), without `id`. */
  aliases: string[];
  /** Package as installed (binary name for OS packages). */
  package: string;
  version: string;
  /** The lowest fixed version above the installed one; null when there is no fix. */
  fixVersion: string | null;
  severity: Severity;
  /** CVSS v3 vector and base score when the advisory has one. */
  cvss?: { vector: string; score: number; version: '3.0' | '3.1' | '4.0' };
  summary: string | null;
  description: string | null;
  links: string[];
  cweIds: string[];
  /** OSV ecosystem of the match (`Debian:12`, `npm`). */
  ecosystem: string;
  /** Which source the advisory was imported from (`osv`, `debian-tracker`, `alpine-secdb`). */
  source: string;
  /** The advisory record's last modification. */
  modified: string | null;
}

/** What the advisory database holds, for `/scanners/{id}/metadata`, the GUI and reports. */
export interface AdvisoryDbStatus {
  /**
   * Changes whenever the content changes (a counter bumped by every import that changed something).
   * Reports are keyed by it: a report made with an older version is re-matched.
   */
  version: number;
  /** When the last import that changed something finished; null for an empty database. */
  updatedAt: Date | null;
  /** The newest `modified` time among all records: how fresh the data itself is. */
  newestRecordAt: Date | null;
  records: number;
  /** Per source (`osv:npm`, `debian-tracker`, `alpine-secdb:v3.19/main`): records and when imported. */
  sources: Array<{ name: string; records: number; importedAt: Date; newestRecordAt: Date | null }>;
}

export interface ImportResult {
  /** Records added or changed, unchanged, removed (a source re-imported drops its missing records). */
  added: number;
  updated: number;
  unchanged: number;
  removed: number;
  /** Files or entries skipped as unreadable, with the first few reasons. */
  skipped: number;
  errors: string[];
  sources: string[];
  status: AdvisoryDbStatus;
}

export interface AdvisoryDatabase {
  status(): Promise<AdvisoryDbStatus>;
  /**
   * Imports a file or folder: an OSV `all.zip`, a folder of OSV JSON files (recursively), one OSV
   * JSON file, the Debian security tracker JSON, or an Alpine secdb JSON; sniffed by content.
   * Atomic per import: a failing import changes nothing.
   */
  importPath(path: string, options?: { signal?: AbortSignal }): Promise<ImportResult>;
  /** Advisories affecting these packages (OS packages match by their source name too), sorted by package then id. */
  match(packages: readonly ImagePackage[]): Promise<VulnerabilityFinding[]>;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Reports (report/)
// ---------------------------------------------------------------------------------------------

/** Harbor's `VulnerabilityItem` of the `version=1.1` report. */
export interface HarborVulnerabilityItem {
  id: string;
  package: string;
  version: string;
  fix_version: string;
  severity: Severity;
  description: string;
  links: string[];
  layer?: { digest: string; diff_id?: string };
  preferred_cvss?: { score_v3?: number; vector_v3?: string; score_v2?: number; vector_v2?: string };
  cwe_ids: string[];
  vendor_attributes?: Record<string, unknown>;
  /** In an index's report: the children (platform manifests) whose packages carry the finding. */
  artifact_digests?: string[];
}

/** `application/vnd.security.vulnerability.report; version=1.1`. */
export interface HarborVulnerabilityReport {
  generated_at: string;
  artifact?: { repository: string; digest: string; tag?: string; mime_type: string };
  scanner: ScannerIdentity;
  severity: Severity;
  vulnerabilities: HarborVulnerabilityItem[];
}

export interface ScannerIdentity {
  name: string;
  vendor: string;
  version: string;
}

/** The counts kept in columns so listings with `with_scan_overview` need no report. */
export interface SeverityCounts {
  total: number;
  fixable: number;
  critical: number;
  high: number;
  medium: number;
  low: number;
  unknown: number;
  none: number;
}

/** A system or project CVE allowlist (Harbor's `CVEAllowlist`). */
export interface CveAllowlist {
  id?: number;
  projectId: number;
  /** Unix seconds; null never expires. An expired list allows nothing. */
  expiresAt: number | null;
  items: string[];
}

// ---------------------------------------------------------------------------------------------
// External scanners (adapter/)
// ---------------------------------------------------------------------------------------------

/** A scanner registration (Harbor's `ScannerRegistration`); the built-in one has `builtIn: true`. */
export interface ScannerRegistration {
  uuid: string;
  name: string;
  description: string;
  url: string;
  /** `None`, `Basic`, `Bearer`, `X-ScannerAdapter-API-Key`. */
  auth: string;
  /** Secret; never returned by the API. */
  accessCredential: string;
  skipCertVerify: boolean;
  useInternalAddr: boolean;
  disabled: boolean;
  isDefault: boolean;
  builtIn: boolean;
  createTime: Date;
  updateTime: Date;
}

/** Harbor's `ScannerAdapterMetadata`. */
export interface ScannerAdapterMetadata {
  scanner: ScannerIdentity;
  capabilities: Array<{ type?: string; consumes_mime_types: string[]; produces_mime_types: string[] }>;
  properties: Record<string, string>;
}

/** A client of one external adapter (harbor-scanner-trivy, or another Berth). */
export interface ExternalScanner {
  metadata(signal?: AbortSignal): Promise<ScannerAdapterMetadata>;
  /**
   * Asks the adapter to scan an artifact it pulls from `registry` with `authorization` (a bearer
   * token with pull scope Berth issues), waits for the report (polling with the adapter's
   * Retry-After), and returns it. Aborts with the signal.
   */
  scan(
    request: {
      registry: { url: string; authorization: string };
      artifact: { repository: string; digest: string; tag?: string; mime_type: string };
      reportMime: string;
    },
    signal: AbortSignal,
  ): Promise<unknown>;
}

// ---------------------------------------------------------------------------------------------
// The scan service (engine/)
// ---------------------------------------------------------------------------------------------

/** The job system's vendor type of a scan-all run (Harbor's `SCAN_ALL`); its tasks are the artifacts it scans. */
export const SCAN_ALL_VENDOR_TYPE = 'SCAN_ALL';
/**
 * The schedule callback that starts a scheduled scan-all (`jobs.onSchedule(SCAN_ALL_SCHEDULE_CALLBACK,
 * ...)` in the engine; `/system/scanAll/schedule` sets the schedule with vendor id 0).
 */
export const SCAN_ALL_SCHEDULE_CALLBACK = 'scan-all';

export type ScanStatus = 'Pending' | 'Running' | 'Success' | 'Error' | 'Stopped';

/** The overview columns of one artifact's current report (Harbor's `NativeReportSummary`). */
export interface ScanOverview {
  reportId: string;
  status: ScanStatus;
  severity: Severity;
  counts: SeverityCounts;
  startTime: Date;
  endTime: Date | null;
  /** 0–100. */
  completePercent: number;
  scanner: ScannerIdentity;
  /** Advisory database version and freshness the report was made with. */
  dbVersion: number;
  dbUpdatedAt: Date | null;
}

/**
 * Harbor's `SBOMOverview` of one artifact: its newest SBOM generation and the SBOM accessory it made
 * (an accessory copied or pushed without a run is reported as a finished one).
 */
export interface SbomOverview {
  reportId: string;
  status: ScanStatus;
  startTime: Date;
  endTime: Date | null;
  /** The SBOM accessory's manifest digest; null until a run has made one (or when it was deleted). */
  sbomDigest: string | null;
  /** Null for an accessory Berth did not make. */
  scanner: ScannerIdentity | null;
}

/** The resource limits and timing of the built-in scanner; editable through the API and the GUI. */
export interface ScannerSettings {
  /** Scan tasks (worker threads) running at once. */
  workers: number;
  /** Heap limit of each worker thread, MiB. */
  memoryMb: number;
  /** Compressed layers larger than this are not read (the report says so). */
  maxLayerBytes: number;
  /** Nice value (0–19) of the scan worker threads; higher runs below interactive work. */
  niceness: number;
  /** Local-time window (`01:00-06:00`) when background scans (scan-all, re-match) start; null = always. */
  timeWindow: string | null;
  /** Scan-all skips artifacts whose report is current (same scanner version and DB version). */
  scanAllOnlyChanged: boolean;
  /** Advisory DB download: URLs fetched on `cron` (six fields); empty = never. */
  dbUrls: string[];
  dbUpdateCron: string | null;
}

export interface ScanTarget {
  projectId: number;
  repository: string;
  digest: string;
}

export interface ScanService {
  /**
   * Starts a scan of an artifact (an index: each child once) with the project's scanner, or makes an
   * SBOM; returns at once. A scan already pending or running for the artifact is not started twice.
   */
  requestScan(
    target: ScanTarget,
    options: { scanType: 'vulnerability' | 'sbom'; trigger: 'MANUAL' | 'EVENT' | 'SCHEDULE'; operator?: string },
  ): Promise<{ executionId: number }>;
  stopScan(target: ScanTarget, scanType: 'vulnerability' | 'sbom'): Promise<boolean>;
  /** Overviews of many artifacts at once (by artifact digest), for listings: column reads only. */
  overviews(digests: readonly string[]): Promise<Map<string, ScanOverview>>;
  /**
   * SBOM overviews of many artifacts of one repository at once (by digest), for listings: one query.
   * Scoped to the repository because an SBOM accessory, unlike a report, belongs to one repository.
   */
  sbomOverviews(repository: string, digests: readonly string[]): Promise<Map<string, SbomOverview>>;
  /** The artifact's report with the project's allowlist applied in the counts it states; undefined before a scan. */
  report(target: ScanTarget): Promise<HarborVulnerabilityReport | undefined>;
  /** The log of the scan that made report `reportId`. */
  reportLog(target: ScanTarget, reportId: string): Promise<string | undefined>;
  /** Starts scan-all (only what changed unless `force`). */
  scanAll(trigger: 'MANUAL' | 'SCHEDULE', options?: { force?: boolean }): Promise<{ executionId: number }>;
  stopScanAll(): Promise<boolean>;
  settings(): Promise<ScannerSettings>;
  updateSettings(patch: Partial<ScannerSettings>): Promise<ScannerSettings>;
  /**
   * The pull policy: the reason to refuse serving this artifact under the project's `prevent_vul`
   * and `severity` (allowlists applied), or null to serve it.
   */
  pullRefusal(target: ScanTarget): Promise<string | null>;
  /** The artifact's SBOM document (`cyclonedx` or `spdx` JSON), from its SBOM accessory; undefined without one. */
  sbom(target: ScanTarget, format: 'cyclonedx' | 'spdx'): Promise<unknown | undefined>;
  securitySummary(projectIds: readonly number[] | 'all'): Promise<SecuritySummary>;
  listVulnerabilities(
    query: VulnerabilityQuery,
    page: { page: number; pageSize: number },
  ): Promise<{ items: VulnerabilityRow[]; total: number }>;
  /** Imports advisories from an OCI artifact stored in Berth (each layer: OSV zip/JSON, tracker JSON, secdb). */
  importDbFromArtifact(target: ScanTarget): Promise<ImportResult>;
  /** Downloads the configured `dbUrls` now and imports them. */
  updateDbFromUrls(): Promise<ImportResult>;
  readonly registry: ScannerRegistry;
  readonly allowlists: AllowlistStore;
  readonly vulndb: AdvisoryDatabase;
  /**
   * Where the scanner stages large files (advisory uploads and downloads): under the data directory,
   * because the OS temp directory may be memory (tmpfs) and an OSV dump is about 1 GiB.
   */
  readonly tempDir: string;
}

export type { ImagePackage, DetectedOs };

// ---------------------------------------------------------------------------------------------
// Registrations, allowlists, the security hub (engine/ stores them; http/api serves them)
// ---------------------------------------------------------------------------------------------

export interface ScannerRegistrationInput {
  name: string;
  description?: string;
  url: string;
  auth?: string;
  accessCredential?: string;
  skipCertVerify?: boolean;
  useInternalAddr?: boolean;
  disabled?: boolean;
}

/**
 * Scanner registrations. The built-in scanner ("Berth", url `builtin://berth`) always exists, cannot
 * be deleted or edited except `disabled`/`isDefault`, and is the default until another is chosen.
 */
export interface ScannerRegistry {
  list(): Promise<ScannerRegistration[]>;
  get(uuid: string): Promise<ScannerRegistration | undefined>;
  /** Throws `Conflict` for a duplicate name or URL, `Invalid` for a bad URL or auth type. */
  create(input: ScannerRegistrationInput): Promise<ScannerRegistration>;
  update(uuid: string, input: ScannerRegistrationInput): Promise<ScannerRegistration>;
  /** Throws `Invalid` (code `PRECONDITION`) for the built-in or the default scanner. */
  delete(uuid: string): Promise<ScannerRegistration>;
  setDefault(uuid: string): Promise<void>;
  /** Calls the adapter's `/api/v1/metadata` (the built-in answers itself). Throws `Invalid` when unreachable. */
  ping(input: ScannerRegistrationInput): Promise<ScannerAdapterMetadata>;
  metadata(uuid: string): Promise<ScannerAdapterMetadata>;
  /** The project's chosen scanner, else the default. */
  forProject(projectId: number): Promise<ScannerRegistration>;
  setForProject(projectId: number, uuid: string): Promise<void>;
}

export interface AllowlistStore {
  /** The system allowlist (projectId 0); empty when never set. */
  system(): Promise<CveAllowlist>;
  setSystem(list: Omit<CveAllowlist, 'projectId' | 'id'>): Promise<CveAllowlist>;
  project(projectId: number): Promise<CveAllowlist>;
  setProject(projectId: number, list: Omit<CveAllowlist, 'projectId' | 'id'>): Promise<CveAllowlist>;
  /** The CVE ids in force for the project: the system list when `reuse_sys_cve_allowlist` is true, else its own; expired lists allow nothing. */
  effective(projectId: number): Promise<ReadonlySet<string>>;
}

/** Harbor's `/vul/summary` (security hub). */
export interface SecuritySummary {
  totalArtifacts: number;
  scannedArtifacts: number;
  counts: SeverityCounts;
  /** The five CVEs with the highest CVSS score found anywhere. */
  dangerousCves: Array<{
    cveId: string;
    severity: Severity;
    cvssScore: number | null;
    package: string;
    version: string;
    desc: string;
  }>;
  /** The five artifacts with the most critical, then high, then medium findings. */
  dangerousArtifacts: Array<{
    projectId: number;
    repository: string;
    digest: string;
    critical: number;
    high: number;
    medium: number;
  }>;
}

/** One row of `/vul/vulnerabilities`. */
export interface VulnerabilityRow {
  projectId: number;
  repository: string;
  digest: string;
  tags: string[];
  cveId: string;
  severity: Severity;
  cvssScore: number | null;
  package: string;
  version: string;
  fixVersion: string;
  desc: string;
  links: string[];
}

/** Filters of `/vul/vulnerabilities` (Harbor's `q` keys: cve_id, cvss_score_v3 range, severity, repository_name, project_id, package, tag, digest). */
export interface VulnerabilityQuery {
  cveId?: string;
  severity?: Severity;
  cvssMin?: number;
  cvssMax?: number;
  projectIds?: number[];
  repository?: string;
  package?: string;
  tag?: string;
  digest?: string;
}

/** Layers given as local files (an adapter that pulled them, or the filesystem driver's blobs). */
export interface LayerFileRef {
  digest: string;
  path: string;
  size: number;
}

/** The built-in pipeline on layers that are not (necessarily) in Berth: used by Berth's own adapter. */
export interface ImageScanner {
  scanLayers(
    layers: readonly LayerFileRef[],
    signal: AbortSignal,
  ): Promise<{
    os: DetectedOs | null;
    packages: ImagePackage[];
    findings: VulnerabilityFinding[];
    incomplete: boolean;
  }>;
  identity(): Promise<ScannerIdentity>;
}
