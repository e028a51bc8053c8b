/**
 * The scanner's pure logic for the portal: reading scan overviews, the severity bar's segments,
 * sorting and filtering findings, SBOM packages, allowlist text and settings validation.
 */
import {
  SEVERITIES,
  VULNERABILITY_REPORT_MIME,
  type ScanOverview,
  type ScannedArtifact,
  type Severity,
  type VulnerabilityItem,
} from './scan-types';

/** Highest first: the order of the bar, the histogram and the default sort. */
export const SEVERITIES_DESC: readonly Severity[] = [...SEVERITIES].reverse();

/** Colours readable on light and dark backgrounds, from Critical (deep red) to None (green). */
export const SEVERITY_COLOR: Record<Severity, string> = {
  Critical: '#a8071a',
  High: '#f5222d',
  Medium: '#fa8c16',
  Low: '#fadb14',
  Unknown: '#8c8c8c',
  None: '#52c41a',
};

export function severityRank(severity: string | undefined): number {
  const i = SEVERITIES.indexOf(normalSeverity(severity));
  return i < 0 ? 1 : i;
}

/** Scanners write `HIGH`, `high` or `High`; unknown words count as Unknown. */
export function normalSeverity(severity: string | undefined): Severity {
  const s = (severity ?? '').toLowerCase();
  return SEVERITIES.find((x) => x.toLowerCase() === s) ?? 'Unknown';
}

/** The vulnerability report's overview of an artifact (Harbor keys it by the report's media type). */
export function overviewOf(artifact: Pick<ScannedArtifact, 'scan_overview'>): ScanOverview | undefined {
  const all = artifact.scan_overview;
  if (!all) return undefined;
  return all[VULNERABILITY_REPORT_MIME] ?? Object.values(all)[0];
}

export type ScanState = 'none' | 'queued' | 'scanning' | 'error' | 'stopped' | 'done';

export function scanState(overview: ScanOverview | undefined): ScanState {
  switch (overview?.scan_status) {
    case undefined:
      return 'none';
    case 'Pending':
    case 'Scheduled':
      return 'queued';
    case 'Running':
      return 'scanning';
    case 'Error':
      return 'error';
    case 'Stopped':
      return 'stopped';
    case 'Success':
      return 'done';
    default:
      return 'none';
  }
}

/** Whether a scan can be stopped (or must not be started again). */
export function scanActive(state: ScanState): boolean {
  return state === 'queued' || state === 'scanning';
}

export interface BarSegment {
  severity: Severity;
  count: number;
  /** Share of the bar, 0–100; every non-zero count gets at least a sliver so it stays visible. */
  percent: number;
}

/** The severity bar: one segment per severity with findings, highest first, widths by count. */
export function barSegments(counts: Partial<Record<Severity, number>> | undefined): BarSegment[] {
  const present = SEVERITIES_DESC.map((severity) => ({ severity, count: Math.max(0, counts?.[severity] ?? 0) })).filter(
    (s) => s.count > 0,
  );
  const total = present.reduce((n, s) => n + s.count, 0);
  if (total === 0) return [];
  const MIN = 4;
  const raw = present.map((s) => (s.count / total) * 100);
  // A segment below the minimum is raised to it and the others give up the difference in proportion.
  const small = raw.filter((p) => p < MIN).length;
  const bigTotal = raw.filter((p) => p >= MIN).reduce((a, b) => a + b, 0);
  const room = 100 - small * MIN;
  return present.map((s, i) => {
    const share = raw[i] ?? 0;
    return { ...s, percent: share < MIN || bigTotal === 0 ? MIN : (share / bigTotal) * room };
  });
}

/** Counts of a report's findings by severity, and how many have a fix (the summary header). */
export function countFindings(items: readonly VulnerabilityItem[]): {
  total: number;
  fixable: number;
  bySeverity: Record<Severity, number>;
} {
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  let fixable = 0;
  for (const v of items) {
    bySeverity[normalSeverity(v.severity)]++;
    if (v.fix_version) fixable++;
  }
  return { total: items.length, fixable, bySeverity };
}

export type FindingSort = 'severity' | 'cvss' | 'package';

export function cvssOf(v: VulnerabilityItem): number | undefined {
  const score = v.preferred_cvss?.score_v3 ?? v.preferred_cvss?.score_v2;
  return typeof score === 'number' && Number.isFinite(score) && score > 0 ? score : undefined;
}

export function isAllowlisted(v: VulnerabilityItem): boolean {
  return v.vendor_attributes?.berth?.allowlisted === true;
}

/**
 * Findings in the table's order: by severity (then CVSS, then id), by CVSS (then severity), or by
 * package (then version, then severity). Allowlisted findings sort after the others of their rank.
 */
export function sortFindings(items: readonly VulnerabilityItem[], by: FindingSort): VulnerabilityItem[] {
  const bySeverity = (a: VulnerabilityItem, b: VulnerabilityItem) =>
    severityRank(b.severity) - severityRank(a.severity);
  const byCvss = (a: VulnerabilityItem, b: VulnerabilityItem) => (cvssOf(b) ?? -1) - (cvssOf(a) ?? -1);
  const byId = (a: VulnerabilityItem, b: VulnerabilityItem) => a.id.localeCompare(b.id);
  const byAllow = (a: VulnerabilityItem, b: VulnerabilityItem) => Number(isAllowlisted(a)) - Number(isAllowlisted(b));
  const byPackage = (a: VulnerabilityItem, b: VulnerabilityItem) =>
    a.package.localeCompare(b.package) || a.version.localeCompare(b.version);
  const chains: Record<FindingSort, ((a: VulnerabilityItem, b: VulnerabilityItem) => number)[]> = {
    severity: [byAllow, bySeverity, byCvss, byId],
    cvss: [byCvss, bySeverity, byId],
    package: [byPackage, bySeverity, byId],
  };
  const chain = chains[by];
  return [...items].sort((a, b) => {
    for (const compare of chain) {
      const c = compare(a, b);
      if (c !== 0) return c;
    }
    return 0;
  });
}

export interface FindingFilter {
  /** Empty: every severity. */
  severities: readonly Severity[];
  fixableOnly: boolean;
  /** Matches id, aliases, package and description, ignoring case. */
  search: string;
}

export function filterFindings(items: readonly VulnerabilityItem[], filter: FindingFilter): VulnerabilityItem[] {
  const needle = filter.search.trim().toLowerCase();
  return items.filter((v) => {
    if (filter.severities.length > 0 && !filter.severities.includes(normalSeverity(v.severity))) return false;
    if (filter.fixableOnly && !v.fix_version) return false;
    if (!needle) return true;
    const aliases = v.vendor_attributes?.berth?.aliases ?? [];
    return [v.id, v.package, v.description ?? '', ...aliases].some((s) => s.toLowerCase().includes(needle));
  });
}

/** The link a finding's id points to: its first link, else the NVD page of a CVE id. */
export function findingLink(v: VulnerabilityItem): string | undefined {
  const first = (v.links ?? []).find((l) => /^https?:\/\//i.test(l));
  if (first) return first;
  if (/^CVE-\d{4}-\d+$/i.test(v.id)) return `https://nvd.nist.gov/vuln/detail/${v.id.toUpperCase()}`;
  return undefined;
}

/** One package of an SBOM, as the SBOM tab lists it. */
export interface SbomPackage {
  key: string;
  name: string;
  version: string;
  type: string;
  purl: string;
}

/** The packages of a CycloneDX document (`components`, nested ones included), by name. */
export function cycloneDxPackages(doc: unknown): SbomPackage[] {
  const out: SbomPackage[] = [];
  const seen = new Set<string>();
  const visit = (components: unknown) => {
    if (!Array.isArray(components)) return;
    for (const c of components as Record<string, unknown>[]) {
      if (!c || typeof c !== 'object') continue;
      const name = typeof c.name === 'string' ? c.name : '';
      const version = typeof c.version === 'string' ? c.version : '';
      const type = typeof c.type === 'string' ? c.type : '';
      const purl = typeof c.purl === 'string' ? c.purl : '';
      const group = typeof c.group === 'string' && c.group ? `${c.group}/` : '';
      const key = typeof c['bom-ref'] === 'string' ? c['bom-ref'] : `${group}${name}@${version}|${purl}`;
      if (name && !seen.has(key)) {
        seen.add(key);
        out.push({ key, name: `${group}${name}`, version, type, purl });
      }
      visit(c.components);
    }
  };
  if (doc && typeof doc === 'object') visit((doc as { components?: unknown }).components);
  return out.sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version));
}

/** A purl's package type (`pkg:deb/debian/openssl@...` → `deb`). */
export function purlType(purl: string): string {
  const m = /^pkg:([a-z0-9.+-]+)\//i.exec(purl);
  return m?.[1] ? m[1].toLowerCase() : '';
}

const CVE_ID = /^(CVE-\d{4}-\d{4,}|GHSA(-[23456789cfghjmpqrvwx]{4}){3}|[A-Z][A-Z0-9]*-[A-Za-z0-9._:-]+)$/;

/**
 * Allowlist text (one id per line, or separated by commas or spaces) as ids: upper-cased CVE ids,
 * duplicates dropped, in the order given; `invalid` lists what is not an advisory id.
 */
export function parseCveIds(text: string): { ids: string[]; invalid: string[] } {
  const ids: string[] = [];
  const invalid: string[] = [];
  for (const raw of text.split(/[\s,;]+/)) {
    const word = raw.trim();
    if (!word) continue;
    const id = /^cve-/i.test(word) ? word.toUpperCase() : word;
    if (!CVE_ID.test(id)) invalid.push(word);
    else if (!ids.includes(id)) ids.push(id);
  }
  return { ids, invalid };
}

/** `HH:MM-HH:MM` in 24-hour local time (may wrap past midnight); empty = always. */
export function validTimeWindow(text: string): boolean {
  const m = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$/.exec(text.trim());
  return m !== null && !(m[1] === m[3] && m[2] === m[4]);
}

/** Seven days: an advisory database older than this misses recent fixes and new advisories. */
export const STALE_DB_SECONDS = 7 * 24 * 3600;

export function dbAgeSeconds(updatedAt: string | null | undefined, now = Date.now()): number | undefined {
  if (!updatedAt) return undefined;
  const t = new Date(updatedAt).getTime();
  return Number.isNaN(t) ? undefined : Math.max(0, Math.round((now - t) / 1000));
}

/** Six-field cron (seconds first), as the job system's schedules take it. */
export function isSixFieldCron(text: string): boolean {
  return text.trim().split(/\s+/).length === 6;
}
