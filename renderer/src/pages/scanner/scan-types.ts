/**
 * The scanner's JSON as Harbor's API (and Berth's additions) shapes it: scan overviews on artifacts,
 * the vulnerabilities addition, scanner registrations, scan-all, allowlists, and Berth's settings and
 * advisory database status. Only the fields the portal reads.
 */
import type { Artifact } from '../../api/types';

/** Harbor's severity names, lowest first. */
export const SEVERITIES = ['None', 'Unknown', 'Low', 'Medium', 'High', 'Critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** The key of `scan_overview` and of the vulnerabilities addition. */
export const VULNERABILITY_REPORT_MIME = 'application/vnd.security.vulnerability.report; version=1.1';

export type ScanStatus = 'Pending' | 'Running' | 'Success' | 'Error' | 'Stopped' | 'Scheduled';

export interface ScannerIdentity {
  name: string;
  vendor: string;
  version: string;
}

/** Harbor's `NativeReportSummary`. */
export interface ScanOverview {
  report_id: string;
  scan_status: ScanStatus;
  severity?: Severity;
  duration?: number;
  summary?: { total: number; fixable: number; summary: Partial<Record<Severity, number>> };
  start_time?: string;
  end_time?: string;
  complete_percent?: number;
  scanner?: ScannerIdentity;
  /** Berth's: the advisory database the report was matched against, and how fresh it was. */
  db_version?: number;
  db_updated_at?: string;
}

/** Harbor's `SBOMOverview`. */
export interface SbomOverview {
  scan_status?: ScanStatus;
  sbom_digest?: string;
  report_id?: string;
  start_time?: string;
  end_time?: string;
  duration?: number;
  scanner?: ScannerIdentity;
}

export type ScannedArtifact = Artifact & {
  scan_overview?: Record<string, ScanOverview> | null;
  sbom_overview?: SbomOverview | null;
};

export interface VulnerabilityItem {
  id: string;
  package: string;
  version: string;
  fix_version: string;
  severity: Severity;
  description: string;
  links?: string[] | null;
  layer?: { digest?: string; diff_id?: string };
  preferred_cvss?: { score_v3?: number; vector_v3?: string; score_v2?: number; vector_v2?: string };
  cwe_ids?: string[] | null;
  vendor_attributes?: {
    berth?: {
      ecosystem?: string;
      aliases?: string[];
      source?: string;
      package_path?: string;
      allowlisted?: boolean;
    };
  } & Record<string, unknown>;
  /** In an index's report: the platform images whose packages carry the finding. */
  artifact_digests?: string[];
}

export interface VulnerabilityReport {
  generated_at?: string;
  scanner?: ScannerIdentity;
  severity?: Severity;
  vulnerabilities?: VulnerabilityItem[] | null;
  /** Berth writes the advisory database the report was made with here (version and freshness). */
  vendor_attributes?: { berth?: { db_version?: number; db_updated_at?: string | null } } & Record<string, unknown>;
}

/** Harbor's `ScannerRegistration` (the secret is never returned). */
export interface ScannerRegistration {
  uuid: string;
  name: string;
  description?: string;
  url: string;
  auth?: string;
  access_credential?: string;
  skip_certVerify?: boolean;
  use_internal_addr?: boolean;
  disabled?: boolean;
  is_default?: boolean;
  adapter?: string;
  vendor?: string;
  version?: string;
  health?: string;
  create_time?: string;
  update_time?: string;
}

export interface ScannerRegistrationInput {
  name: string;
  description?: string;
  url: string;
  auth?: string;
  access_credential?: string;
  skip_certVerify?: boolean;
  use_internal_addr?: boolean;
  disabled?: boolean;
}

export interface ScannerAdapterMetadata {
  scanner?: ScannerIdentity;
  capabilities?: { type?: string; consumes_mime_types?: string[]; produces_mime_types?: string[] }[];
  properties?: Record<string, string>;
}

/** Berth's `/system/scanner/settings`. */
export interface ScannerSettings {
  workers: number;
  memory_mb: number;
  max_layer_bytes: number;
  niceness: number;
  time_window: string | null;
  scan_all_only_changed: boolean;
  db_urls: string[];
  db_update_cron: string | null;
}

/** Berth's `/system/scanner/vulndb`. */
export interface VulnDbStatus {
  version: number;
  updated_at: string | null;
  newest_record_at: string | null;
  age_seconds: number | null;
  records: number;
  sources: { name: string; records: number; imported_at: string; newest_record_at: string | null }[];
}

/** What an import answers (Berth): counts and the database's new status. */
export interface VulnDbImportResult {
  added?: number;
  updated?: number;
  unchanged?: number;
  removed?: number;
  skipped?: number;
  errors?: string[];
  sources?: string[];
  status?: VulnDbStatus;
}

/** Harbor's `/system/scanAll/schedule`. */
export interface ScanAllSchedule {
  schedule?: { type?: string; cron?: string; next_scheduled_time?: string } | null;
}

/** Harbor's `Stats` (`/scans/all/metrics`). */
export interface ScanAllMetrics {
  total?: number;
  completed?: number;
  metrics?: Record<string, number>;
  ongoing?: boolean;
  trigger?: string;
}

/** Harbor's `CVEAllowlist`. */
export interface CveAllowlist {
  id?: number;
  project_id?: number;
  /** Unix seconds; null or 0: never expires. */
  expires_at?: number | null;
  items?: { cve_id: string }[] | null;
}
