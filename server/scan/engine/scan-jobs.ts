import { MediaTypes } from '../../core/media-types.js';
import type { NewTask } from '../../jobs/job-types.js';
import type { Artifact } from '../../meta/meta-store.js';
import type { ScannerIdentity } from '../scan-contract.js';
import type { ReportRow } from './scan-repo-types.js';
import { BUILTIN_SCANNER_UUID } from './scanner-registry.js';

/** Job types: user and push scans; scan-all's (time window); DB re-matches (time window); SBOMs. */
export const JOB_SCAN = 'scan.image';
export const JOB_SCAN_ALL = 'scan.all';
export const JOB_REMATCH = 'scan.rematch';
export const JOB_SBOM = 'scan.sbom';
export const IMAGE_SCAN_VENDOR = 'IMAGE_SCAN';
export const REMATCH_VENDOR = 'SCAN_REMATCH';
export const SBOM_VENDOR = 'SBOM';

export const PRIORITY = { MANUAL: 10, EVENT: 5, SCHEDULE: 0 } as const;
export const INDEX_TYPES = new Set<string>([MediaTypes.ociIndex, MediaTypes.dockerManifestList]);
const IMAGE_CONFIGS = new Set<string>([MediaTypes.ociConfig, MediaTypes.dockerConfig]);

export interface ScanParams {
  repository: string;
  digest: string;
  projectId: number;
  scannerUuid: string;
}

/** What an image or index is, for the scanner; null for what is not scanned (signatures, SBOMs, other artifacts). */
export function scanKind(a: Pick<Artifact, 'mediaType' | 'artifactType' | 'subjectDigest'>): 'image' | 'index' | null {
  if (a.subjectDigest) return null;
  if (INDEX_TYPES.has(a.mediaType)) return a.artifactType === null || a.artifactType === undefined ? 'index' : null;
  return a.artifactType !== null && IMAGE_CONFIGS.has(a.artifactType) ? 'image' : null;
}

/** A scan task; one per digest at a time (`dedupeKey`), however many executions ask for it. */
export function scanTask(jobType: string, params: ScanParams, trigger: keyof typeof PRIORITY): NewTask {
  return { jobType, params: { ...params }, dedupeKey: `scan:${params.digest}`, priority: PRIORITY[trigger] };
}

/** A report that needs no new scan: successful, same scanner version and (built-in) same advisory DB version. */
export function isCurrent(report: ReportRow | undefined, identity: ScannerIdentity, dbVersion: number): boolean {
  if (!report || report.status !== 'Success') return false;
  if (report.scannerUuid !== BUILTIN_SCANNER_UUID) return report.scanner.version === identity.version;
  return report.scanner.version === identity.version && report.dbVersion === dbVersion;
}
