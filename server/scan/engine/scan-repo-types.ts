import type { DetectedOs } from '../detect/os-release.js';
import type { ImagePackage, LayerAnalysis } from '../layers/layer-types.js';
import type {
  CveAllowlist,
  ScanStatus,
  ScannerRegistration,
  SecuritySummary,
  Severity,
  SeverityCounts,
  VulnerabilityQuery,
  VulnerabilityRow,
} from '../scan-contract.js';

/**
 * The scanner's part of the metadata store (`MetaStore.scans`). Like every aggregate: async methods,
 * each one atomic; a report and its findings are written in one transaction, so a kill never leaves
 * a Success report without its findings (or findings of a report that says Running).
 */
export interface ScanRepo {
  getLayer(digest: string, analyzerVersion: number): Promise<LayerAnalysis | undefined>;
  putLayer(digest: string, analyzerVersion: number, analysis: LayerAnalysis): Promise<void>;

  getInventory(digest: string, analyzerVersion: number): Promise<StoredInventory | undefined>;
  putInventory(digest: string, analyzerVersion: number, inventory: StoredInventory): Promise<void>;

  /** The report of (digest, scanner), any status. */
  getReport(digest: string, scannerUuid: string): Promise<ReportRow | undefined>;
  getReportById(id: string): Promise<ReportRow | undefined>;
  /** Reports of these digests (all scanners), in one query. */
  reportsOf(digests: readonly string[]): Promise<ReportRow[]>;
  /**
   * `reportsOf` without the report and log texts (`report` and `log` are null): the summary columns
   * that artifact listings (`with_scan_overview`), scan-all and the pull policy read. A page of 100
   * artifacts must not load 100 reports.
   */
  summariesOf(digests: readonly string[]): Promise<ReportRow[]>;
  /**
   * Starts a report: replaces the (digest, scanner) row, findings included, by a Pending one with a
   * new id. Returns the id.
   */
  beginReport(input: NewReport): Promise<string>;
  /** Moves a Pending/Running report to Running with a percentage; false when the row is gone or final. */
  markRunning(id: string, completePercent: number): Promise<boolean>;
  /**
   * Finishes report `id` with its content, columns and findings, in one transaction; false when the
   * row no longer exists (replaced by a newer scan, or its artifact deleted).
   */
  finishReport(id: string, result: FinishedReport): Promise<boolean>;
  /** Writes a finished report for (digest, scanner) whatever exists (re-match, index merge), in one transaction. */
  putFinishedReport(input: NewReport, result: FinishedReport): Promise<string>;
  /** Error/Stopped with a log; false when already final. */
  failReport(id: string, status: 'Error' | 'Stopped', log: string, at: Date): Promise<boolean>;
  /** Reports still Pending/Running of an execution (to mark Stopped when it is stopped). */
  unfinishedReportsOf(executionId: number): Promise<ReportRow[]>;
  /** Removes the reports of a digest no artifact carries any more; returns how many went. */
  forgetDigest(digest: string): Promise<number>;
  /**
   * Successful reports of `scannerUuid` made with another DB version or scanner version whose
   * inventory (`analyzerVersion`) is stored: what a DB update re-matches. Keyset-paged by digest.
   */
  staleWithInventory(
    scannerUuid: string,
    dbVersion: number,
    analyzerVersion: number,
    after: string,
    limit: number,
  ): Promise<string[]>;
  /** Findings of a report at or above a severity rank (the pull policy). */
  findingsAtLeast(reportIds: readonly string[], minRank: number): Promise<Array<{ reportId: string; cveId: string }>>;

  /**
   * For these digests in `repository`: the newest execution of `kinds.vendorType` whose vendor id is
   * the artifact's id, and the newest accessory of `kinds.artifactType` (a Berth-made one first).
   * Digests with neither are left out. One statement.
   */
  sbomRunsOf(
    repository: string,
    digests: readonly string[],
    kinds: { vendorType: string; artifactType: string },
  ): Promise<SbomRunRow[]>;

  /** Artifacts in id order after `afterId`, with project and whether an index in their repository lists them. */
  artifactsAfter(afterId: number, limit: number): Promise<ArtifactRef[]>;
  /** Digests of an index's children in its repository. */
  childDigests(repository: string, digest: string): Promise<string[]>;
  /** Indexes (digest, repository) that list `digest` as a child. */
  parentsOf(digest: string): Promise<Array<{ digest: string; repository: string; projectId: number }>>;
  /** The project's `auto_scan`, `prevent_vul`, `severity`, `reuse_sys_cve_allowlist` metadata. */
  projectPolicy(projectId: number): Promise<Record<string, string>>;

  listScanners(): Promise<ScannerRegistration[]>;
  getScanner(uuid: string): Promise<ScannerRegistration | undefined>;
  /** Throws `Conflict` for a duplicate name or URL. */
  insertScanner(registration: ScannerRegistration): Promise<void>;
  updateScanner(registration: ScannerRegistration): Promise<void>;
  deleteScanner(uuid: string): Promise<boolean>;
  setDefaultScanner(uuid: string, now: Date): Promise<void>;
  projectScanner(projectId: number): Promise<string | undefined>;
  setProjectScanner(projectId: number, uuid: string): Promise<void>;

  getAllowlist(projectId: number): Promise<CveAllowlist | undefined>;
  putAllowlist(list: CveAllowlist, now: Date): Promise<CveAllowlist>;

  getSettings(): Promise<string | undefined>;
  putSettings(body: string, now: Date): Promise<void>;

  securitySummary(projectIds: readonly number[] | 'all'): Promise<SecuritySummary>;
  listVulnerabilities(
    query: VulnerabilityQuery,
    page: { offset: number; limit: number },
  ): Promise<{ items: VulnerabilityRow[]; total: number }>;
}

export interface StoredInventory {
  os: DetectedOs | null;
  packages: ImagePackage[];
  incomplete: boolean;
}

export interface NewReport {
  digest: string;
  scannerUuid: string;
  scanner: { name: string; vendor: string; version: string };
  dbVersion: number;
  dbUpdatedAt: Date | null;
  executionId: number | null;
  startTime: Date;
}

export interface FinishedReport {
  status: 'Success' | 'Error' | 'Stopped';
  severity: Severity;
  counts: SeverityCounts;
  /** HarborVulnerabilityReport JSON text (null for a failure). */
  report: string | null;
  log: string;
  endTime: Date;
  /** Versions the content was made with (a re-run may differ from what `beginReport` said). */
  scannerVersion: string;
  dbVersion: number;
  dbUpdatedAt: Date | null;
  findings: FindingRow[];
}

export interface FindingRow {
  cveId: string;
  package: string;
  version: string;
  fixVersion: string;
  severity: Severity;
  cvssScore: number | null;
  description: string;
  links: string[];
}

export interface ReportRow {
  id: string;
  digest: string;
  scannerUuid: string;
  scanner: { name: string; vendor: string; version: string };
  dbVersion: number;
  dbUpdatedAt: Date | null;
  status: ScanStatus;
  severity: Severity;
  counts: SeverityCounts;
  completePercent: number;
  report: string | null;
  log: string | null;
  executionId: number | null;
  startTime: Date;
  endTime: Date | null;
}

export interface ArtifactRef {
  id: number;
  projectId: number;
  repository: string;
  digest: string;
  mediaType: string;
  artifactType: string | null;
  subjectDigest: string | null;
  configMediaType?: string | null;
  /** An index in the same repository lists it (its index's scan covers it). */
  isChild: boolean;
}

export interface SbomRunRow {
  digest: string;
  execution: { id: number; status: ScanStatus; startTime: Date; endTime: Date | null } | null;
  accessory: { digest: string; pushTime: Date; createdBy: string | null } | null;
}
