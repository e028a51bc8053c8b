import {
  SEVERITY_ORDER,
  type CveAllowlist,
  type HarborVulnerabilityItem,
  type HarborVulnerabilityReport,
  type ImagePackage,
  type ScannerIdentity,
  type Severity,
  type SeverityCounts,
  type VulnerabilityFinding,
} from '../scan-contract.js';

/**
 * Harbor's vulnerability report (`application/vnd.security.vulnerability.report; version=1.1`) from
 * the advisory matches of one image, and what policy and listings derive from reports: severity
 * counts, allowlists, an image index's merged report. Pure functions on plain JSON.
 */

/** A layer of the artifact's manifest, in manifest order (`ImagePackage.layer` indexes these). */
export interface ReportLayer {
  digest: string;
  diffId?: string;
}

export interface BuildReportInput {
  findings: readonly VulnerabilityFinding[];
  packages: readonly ImagePackage[];
  layers: readonly ReportLayer[];
  scanner: ScannerIdentity;
  artifact?: HarborVulnerabilityReport['artifact'];
  generatedAt: Date | string;
}

/** Berth's own keys under `vendor_attributes.berth`. */
export interface BerthItemAttributes {
  ecosystem: string;
  aliases: string[];
  source: string;
  /** The file the package was found in; `package_paths` lists every one when it was found in several. */
  package_path?: string;
  package_paths?: string[];
  /** OS packages: the source package the advisory may be filed under. */
  source_package?: string;
  fixed: boolean;
  /** Only in `markAllowlisted` reports: the id is on the allowlist in force. */
  allowlisted?: boolean;
}

/** A severity Harbor does not have (an external adapter's) ranks as Unknown, as Harbor treats it. */
const rank = (s: Severity): number => {
  const i = SEVERITY_ORDER.indexOf(s);
  return i >= 0 ? i : SEVERITY_ORDER.indexOf('Unknown');
};

/** True when `a` is as severe as `b` or more (`High` ≥ `Medium`; `None` is the lowest). */
export function severityAtLeast(a: Severity, b: Severity): boolean {
  return rank(a) >= rank(b);
}

/** The most severe item's severity; `None` for no items. */
export function highestSeverity(items: ReadonlyArray<{ severity: Severity }>): Severity {
  let highest = 0;
  for (const item of items) highest = Math.max(highest, rank(item.severity));
  return SEVERITY_ORDER[highest]!;
}

/**
 * The ids a list allows at `now`: none once it has expired (Harbor: expired when now ≥ expires_at).
 * Ids are compared without case and surrounding blanks, as people type them.
 */
export function allowlistInForce(list: CveAllowlist, now: Date): ReadonlySet<string> {
  if (list.expiresAt !== null && now.getTime() >= list.expiresAt * 1000) return new Set();
  return new Set(list.items.map(normaliseId).filter((id) => id !== ''));
}

function normaliseId(id: string): string {
  return id.trim().toUpperCase();
}

function isAllowlisted(id: string, allowlist: ReadonlySet<string> | undefined): boolean {
  return allowlist !== undefined && allowlist.size > 0 && (allowlist.has(id) || allowlist.has(normaliseId(id)));
}

/** Counts for the overview columns; allowlisted ids are left out (fixable = has a fix version). */
export function countSeverities(
  items: readonly HarborVulnerabilityItem[],
  allowlist?: ReadonlySet<string>,
): SeverityCounts {
  const counts: SeverityCounts = { total: 0, fixable: 0, critical: 0, high: 0, medium: 0, low: 0, unknown: 0, none: 0 };
  for (const item of items) {
    if (isAllowlisted(item.id, allowlist)) continue;
    counts.total++;
    if (item.fix_version !== '') counts.fixable++;
    const key = item.severity.toLowerCase() as Lowercase<Severity>;
    if (SEVERITY_ORDER.includes(item.severity)) counts[key]++;
    else counts.unknown++;
  }
  return counts;
}

/** The report as policy sees it: allowlisted items gone, severity from what is left. */
export function applyAllowlist(
  report: HarborVulnerabilityReport,
  allowlist: ReadonlySet<string>,
): HarborVulnerabilityReport {
  const vulnerabilities = report.vulnerabilities.filter((item) => !isAllowlisted(item.id, allowlist));
  return { ...report, severity: highestSeverity(vulnerabilities), vulnerabilities };
}

/**
 * The report as the GUI shows it: every item kept, allowlisted ones marked
 * (`vendor_attributes.berth.allowlisted: true`), severity from the items not allowlisted.
 */
export function markAllowlisted(
  report: HarborVulnerabilityReport,
  allowlist: ReadonlySet<string>,
): HarborVulnerabilityReport {
  const vulnerabilities = report.vulnerabilities.map((item) => {
    if (!isAllowlisted(item.id, allowlist)) return item;
    const attributes = item.vendor_attributes ?? {};
    const berth = isRecord(attributes.berth) ? attributes.berth : {};
    return { ...item, vendor_attributes: { ...attributes, berth: { ...berth, allowlisted: true } } };
  });
  const counted = report.vulnerabilities.filter((item) => !isAllowlisted(item.id, allowlist));
  return { ...report, severity: highestSeverity(counted), vulnerabilities };
}

/**
 * The report of one image. Findings of the same (id, package, version), from two sources or two
 * copies of a package, become one item: the most severe, with the links and CWEs of all.
 */
export function buildVulnerabilityReport(input: BuildReportInput): HarborVulnerabilityReport {
  const byPackage = indexPackages(input.packages);
  const groups = new Map<string, VulnerabilityFinding[]>();
  for (const finding of input.findings) {
    const key = itemKey(finding.id, finding.package, finding.version);
    const group = groups.get(key);
    if (group) group.push(finding);
    else groups.set(key, [finding]);
  }
  const items: HarborVulnerabilityItem[] = [];
  for (const group of groups.values()) items.push(toItem(group, byPackage, input.layers));
  items.sort(compareItems);
  return {
    generated_at: toIso(input.generatedAt),
    ...(input.artifact ? { artifact: { ...input.artifact } } : {}),
    scanner: { ...input.scanner },
    severity: highestSeverity(items),
    vulnerabilities: items,
  };
}

/**
 * One report for an image index from its children's (platform manifests') reports. Items are the
 * same finding when (id, package, version) agree; `artifact_digests` names the children that carry
 * each. A layer is kept only when every carrier names the same one: the children's layers differ.
 */
export function mergeIndexReports(
  children: ReadonlyArray<{ digest: string; report: HarborVulnerabilityReport }>,
  options: { artifact?: HarborVulnerabilityReport['artifact']; scanner?: ScannerIdentity } = {},
): HarborVulnerabilityReport {
  const merged = new Map<string, { item: HarborVulnerabilityItem; layerAgrees: boolean }>();
  let generatedAt = '';
  for (const { digest, report } of children) {
    if (report.generated_at > generatedAt) generatedAt = report.generated_at;
    // Harbor adapters send `null` for a clean image.
    for (const item of report.vulnerabilities ?? []) {
      const key = itemKey(item.id, item.package, item.version);
      const seen = merged.get(key);
      if (!seen) {
        merged.set(key, { item: { ...item, links: [...item.links], artifact_digests: [digest] }, layerAgrees: true });
        continue;
      }
      const into = seen.item;
      if (!into.artifact_digests!.includes(digest)) into.artifact_digests!.push(digest);
      if (rank(item.severity) > rank(into.severity)) into.severity = item.severity;
      if (into.fix_version === '' && item.fix_version !== '') {
        into.fix_version = item.fix_version;
        const berth = into.vendor_attributes?.berth;
        if (isRecord(berth)) into.vendor_attributes = { ...into.vendor_attributes, berth: { ...berth, fixed: true } };
      }
      into.links = union(into.links, item.links);
      into.cwe_ids = union(into.cwe_ids ?? [], item.cwe_ids ?? []);
      if (into.layer?.digest !== item.layer?.digest) seen.layerAgrees = false;
    }
  }
  const items = [...merged.values()].map(({ item, layerAgrees }) => {
    if (layerAgrees) return item;
    const { layer: _dropped, ...rest } = item;
    return rest;
  });
  items.sort(compareItems);
  const scanner = options.scanner ?? children[0]?.report.scanner ?? { name: '', vendor: '', version: '' };
  return {
    generated_at: generatedAt || new Date(0).toISOString(),
    ...(options.artifact ? { artifact: { ...options.artifact } } : {}),
    scanner: { ...scanner },
    severity: highestSeverity(items),
    vulnerabilities: items,
  };
}

// ---------------------------------------------------------------------------------------------

function itemKey(id: string, pkg: string, version: string): string {
  return `${id}\u0000${pkg}\u0000${version}`;
}

/** Most severe first, then id, package and version; code-unit order so every runtime agrees. */
function compareItems(a: HarborVulnerabilityItem, b: HarborVulnerabilityItem): number {
  return (
    rank(b.severity) - rank(a.severity) || cmp(a.id, b.id) || cmp(a.package, b.package) || cmp(a.version, b.version)
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function indexPackages(packages: readonly ImagePackage[]): Map<string, ImagePackage[]> {
  const byKey = new Map<string, ImagePackage[]>();
  for (const p of packages) {
    for (const key of [`${p.ecosystem}\u0000${p.name}\u0000${p.version}`, `\u0000${p.name}\u0000${p.version}`]) {
      const list = byKey.get(key);
      if (list) list.push(p);
      else byKey.set(key, [p]);
    }
  }
  // The lowest layer first: that is where the package first appeared.
  for (const list of byKey.values()) list.sort((a, b) => a.layer - b.layer || cmp(a.path, b.path));
  return byKey;
}

function toItem(
  group: readonly VulnerabilityFinding[],
  byPackage: Map<string, ImagePackage[]>,
  layers: readonly ReportLayer[],
): HarborVulnerabilityItem {
  // The most severe finding speaks for the group; ties go to the first, the database's own order.
  let main = group[0]!;
  for (const f of group) if (rank(f.severity) > rank(main.severity)) main = f;

  const packages =
    byPackage.get(`${main.ecosystem}\u0000${main.package}\u0000${main.version}`) ??
    byPackage.get(`\u0000${main.package}\u0000${main.version}`) ??
    [];
  const first = packages[0];
  const layer = first === undefined ? undefined : layers[first.layer];

  const fixVersion = main.fixVersion ?? group.find((f) => f.fixVersion)?.fixVersion ?? null;
  const cvss = main.cvss ?? group.find((f) => f.cvss)?.cvss;
  const links = union(...group.map((f) => f.links.filter(isWebLink)), extraLinks(main));
  const aliases = union(...group.map((f) => f.aliases)).filter((a) => a !== main.id);
  const paths = union(packages.map((p) => p.path));
  const described = [main, ...group].find((f) => f.summary || f.description);

  const berth: BerthItemAttributes = {
    ecosystem: main.ecosystem,
    aliases,
    source: main.source,
    ...(paths.length > 0 ? { package_path: paths[0] } : {}),
    ...(paths.length > 1 ? { package_paths: paths } : {}),
    ...(first?.sourceName && first.sourceName !== first.name ? { source_package: first.sourceName } : {}),
    fixed: fixVersion !== null && fixVersion !== '',
  };
  const vendorAttributes: Record<string, unknown> = {};
  // Harbor reads `CVSS.<vendor>.V3Score` (nvd first, else any vendor) into its vulnerability records.
  if (cvss) {
    vendorAttributes.CVSS = {
      [main.source]:
        cvss.version === '4.0'
          ? { V40Vector: cvss.vector, V40Score: cvss.score }
          : { V3Vector: cvss.vector, V3Score: cvss.score },
    };
  }
  vendorAttributes.berth = berth;

  return {
    id: main.id,
    package: main.package,
    version: main.version,
    fix_version: fixVersion ?? '',
    severity: main.severity,
    description: described?.summary || described?.description || '',
    links,
    ...(layer ? { layer: { digest: layer.digest, ...(layer.diffId ? { diff_id: layer.diffId } : {}) } } : {}),
    ...(cvss && cvss.version !== '4.0' ? { preferred_cvss: { score_v3: cvss.score, vector_v3: cvss.vector } } : {}),
    cwe_ids: union(...group.map((f) => f.cweIds)),
    vendor_attributes: vendorAttributes,
  };
}

/** Where to read more that the record itself may not link: OSV's page, Debian's tracker. */
function extraLinks(f: VulnerabilityFinding): string[] {
  const links: string[] = [];
  if (f.source === 'osv' || f.source.startsWith('osv:'))
    links.push(`https://osv.dev/vulnerability/${encodeURIComponent(f.id)}`);
  if ((f.ecosystem === 'Debian' || f.ecosystem.startsWith('Debian:')) && /^(CVE|DSA|DLA|TEMP)-[\w-]+$/.test(f.id))
    links.push(`https://security-tracker.debian.org/tracker/${f.id}`);
  return links;
}

/** Advisory data is imported from outside: only http(s) links reach the GUI's anchors. */
function isWebLink(link: string): boolean {
  try {
    const url = new URL(link);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

function union(...lists: ReadonlyArray<readonly string[]>): string[] {
  return [...new Set(lists.flat())];
}

function toIso(date: Date | string): string {
  return typeof date === 'string' ? date : date.toISOString();
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
