import {
  SEVERITY_ORDER,
  VULNERABILITY_REPORT_MIME,
  type HarborVulnerabilityItem,
  type HarborVulnerabilityReport,
  type ScannerIdentity,
  type Severity,
  type SeverityCounts,
  type VulnerabilityFinding,
} from '../scan-contract.js';
import type { ImagePackage } from '../layers/layer-types.js';
import type { FindingRow } from './scan-repo-types.js';

/**
 * The engine's own report assembly: Harbor's `version=1.1` report from findings, the summary
 * columns, and an index's report from its children's. Kept small and local so the engine does not
 * wait on the report formats module; the shapes are the contract's.
 */

export function buildReport(input: {
  findings: readonly VulnerabilityFinding[];
  packages: readonly ImagePackage[];
  layerDigests: readonly string[];
  artifact: { repository: string; digest: string; mimeType: string };
  scanner: ScannerIdentity;
  generatedAt: Date;
}): HarborVulnerabilityReport {
  const layerOf = new Map<string, number>();
  for (const p of input.packages) layerOf.set(`${p.name}\u0000${p.version}`, p.layer);
  const vulnerabilities = input.findings.map((f): HarborVulnerabilityItem => {
    const layer = layerOf.get(`${f.package}\u0000${f.version}`);
    const digest = layer === undefined ? undefined : input.layerDigests[layer];
    return {
      id: f.id,
      package: f.package,
      version: f.version,
      fix_version: f.fixVersion ?? '',
      severity: f.severity,
      description: f.description ?? f.summary ?? '',
      links: f.links,
      ...(digest ? { layer: { digest } } : {}),
      ...(f.cvss && f.cvss.version !== '4.0'
        ? { preferred_cvss: { score_v3: f.cvss.score, vector_v3: f.cvss.vector } }
        : {}),
      cwe_ids: f.cweIds,
      vendor_attributes: { aliases: f.aliases, ecosystem: f.ecosystem, source: f.source },
    };
  });
  return {
    generated_at: input.generatedAt.toISOString(),
    artifact: {
      repository: input.artifact.repository,
      digest: input.artifact.digest,
      mime_type: input.artifact.mimeType,
    },
    scanner: input.scanner,
    severity: highest(vulnerabilities),
    vulnerabilities,
  };
}

/** The highest severity among the items; `None` without any. */
export function highest(items: readonly { severity: Severity; id?: string }[], skip?: ReadonlySet<string>): Severity {
  let rank = 0;
  for (const item of items) {
    if (skip && item.id !== undefined && skip.has(item.id)) continue;
    rank = Math.max(rank, SEVERITY_ORDER.indexOf(item.severity));
  }
  return SEVERITY_ORDER[rank] ?? 'None';
}

export function countsOf(items: readonly HarborVulnerabilityItem[], skip?: ReadonlySet<string>): SeverityCounts {
  const counts: SeverityCounts = { total: 0, fixable: 0, critical: 0, high: 0, medium: 0, low: 0, unknown: 0, none: 0 };
  for (const item of items) {
    if (skip?.has(item.id)) continue;
    counts.total++;
    if (item.fix_version) counts.fixable++;
    const key = item.severity.toLowerCase() as Lowercase<Severity>;
    counts[key]++;
  }
  return counts;
}

export function findingRows(items: readonly HarborVulnerabilityItem[]): FindingRow[] {
  return items.map((item) => ({
    cveId: item.id,
    package: item.package,
    version: item.version,
    fixVersion: item.fix_version,
    severity: SEVERITY_ORDER.includes(item.severity) ? item.severity : 'Unknown',
    cvssScore: item.preferred_cvss?.score_v3 ?? item.preferred_cvss?.score_v2 ?? null,
    description: item.description ?? '',
    links: item.links ?? [],
  }));
}

/**
 * An index's report: the union of its children's findings, one item per (id, package, version) with
 * `artifact_digests` naming the children that carry it.
 */
export function mergeChildReports(input: {
  children: ReadonlyArray<{ digest: string; report: HarborVulnerabilityReport }>;
  artifact: { repository: string; digest: string; mimeType: string };
  scanner: ScannerIdentity;
  generatedAt: Date;
}): HarborVulnerabilityReport {
  const merged = new Map<string, HarborVulnerabilityItem>();
  for (const child of input.children) {
    for (const item of child.report.vulnerabilities) {
      const key = `${item.id}\u0000${item.package}\u0000${item.version}`;
      const existing = merged.get(key);
      if (existing) existing.artifact_digests = [...(existing.artifact_digests ?? []), child.digest];
      else merged.set(key, { ...item, artifact_digests: [child.digest] });
    }
  }
  const vulnerabilities = [...merged.values()];
  return {
    generated_at: input.generatedAt.toISOString(),
    artifact: {
      repository: input.artifact.repository,
      digest: input.artifact.digest,
      mime_type: input.artifact.mimeType,
    },
    scanner: input.scanner,
    severity: highest(vulnerabilities),
    vulnerabilities,
  };
}

export { VULNERABILITY_REPORT_MIME };
