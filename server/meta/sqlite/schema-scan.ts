import type { Generated } from 'kysely';

/**
 * The scanner's tables (migration 9). Conventions as in `schema.ts`.
 *
 * ```
 * scan_layer_cache      (layer digest, analyzer version) → LayerAnalysis JSON
 * scan_inventories      (manifest digest, analyzer version) → os + packages JSON, incomplete
 * scan_reports          (artifact digest, scanner uuid) → status, report JSON, log, summary columns
 *   └─< scan_findings   one row per finding of a successful report (the security hub's queries)
 * scanners              registrations; the built-in one is seeded
 * project_scanners      project → chosen scanner (cascades with the project)
 * cve_allowlists        project id → allowlist (0 = the system list, so no foreign key)
 * scanner_settings      one JSON row (id 1)
 * ```
 * Reports are keyed by digest, not by artifact row: the same manifest in two repositories is one
 * scan. Reports whose digest no artifact carries any more are removed (see `ScanRepo.forgetDigest`).
 */
export interface ScanTables {
  scan_layer_cache: ScanLayerCacheTable;
  scan_inventories: ScanInventoriesTable;
  scan_reports: ScanReportsTable;
  scan_findings: ScanFindingsTable;
  scanners: ScannersTable;
  project_scanners: ProjectScannersTable;
  cve_allowlists: CveAllowlistsTable;
  scanner_settings: ScannerSettingsTable;
}

export interface ScanLayerCacheTable {
  layer_digest: string;
  analyzer_version: number;
  analysis: string;
  created_at: number;
}

export interface ScanInventoriesTable {
  manifest_digest: string;
  analyzer_version: number;
  /** DetectedOs JSON or null. */
  os: string | null;
  /** ImagePackage[] JSON. */
  packages: string;
  incomplete: number;
  created_at: number;
}

export interface ScanReportsTable {
  /** A UUID: Harbor's report id. */
  id: string;
  digest: string;
  scanner_uuid: string;
  scanner_name: string;
  scanner_vendor: string;
  scanner_version: string;
  db_version: number;
  db_updated_at: number | null;
  /** Pending, Running, Success, Error, Stopped. */
  status: string;
  /** Highest severity found (allowlists not applied). */
  severity: string;
  total: number;
  fixable: number;
  critical: number;
  high: number;
  medium: number;
  low: number;
  unknown: number;
  none: number;
  complete_percent: number;
  /** HarborVulnerabilityReport JSON; null until the scan succeeds. */
  report: string | null;
  log: string | null;
  /** The job execution that runs or ran it. */
  execution_id: number | null;
  start_time: number;
  end_time: number | null;
}

export interface ScanFindingsTable {
  id: Generated<number>;
  report_id: string;
  cve_id: string;
  package: string;
  version: string;
  fix_version: string;
  severity: string;
  /** Index in SEVERITY_ORDER, for "at or above" filters. */
  severity_rank: number;
  cvss_score: number | null;
  description: string;
  /** JSON string array. */
  links: string;
}

export interface ScannersTable {
  uuid: string;
  name: string;
  description: string;
  url: string;
  auth: string;
  access_credential: string;
  skip_cert_verify: number;
  use_internal_addr: number;
  disabled: number;
  is_default: number;
  built_in: number;
  create_time: number;
  update_time: number;
}

export interface ProjectScannersTable {
  project_id: number;
  scanner_uuid: string;
}

export interface CveAllowlistsTable {
  id: Generated<number>;
  /** 0 for the system allowlist. */
  project_id: number;
  expires_at: number | null;
  /** JSON string array of CVE ids. */
  items: string;
  update_time: number;
}

export interface ScannerSettingsTable {
  id: number;
  body: string;
  update_time: number;
}
