/**
 * The parts of an OSV record (ossf.github.io/osv-schema, schema 1.x) that Berth reads. Field names
 * keep the schema's spelling so a record and its type read alike. Optional fields the schema allows
 * to be absent are normalised by `parseOsvRecord`: absent or `null` lists become `[]`, absent or
 * `null` objects become `undefined`.
 */
export interface OsvRecord {
  id: string;
  /** RFC 3339 time of the last change; the schema requires it. */
  modified: string;
  published?: string;
  /** Set when the record was withdrawn; a withdrawn record affects nothing. */
  withdrawn?: string;
  aliases: string[];
  summary?: string;
  details?: string;
  severity: OsvSeverity[];
  affected: OsvAffected[];
  references: OsvReference[];
  database_specific?: Record<string, unknown>;
}

/** A scoring of the vulnerability: `CVSS_V2`/`CVSS_V3`/`CVSS_V4` vectors, or `Ubuntu` priority words. */
export interface OsvSeverity {
  type: string;
  score: string;
}

export interface OsvReference {
  type: string;
  url: string;
}

export interface OsvAffected {
  /** Absent in some converted records whose entry only carries a GIT range; such an entry matches nothing. */
  package?: OsvPackage;
  /** Per-package severity (schema 1.5+); when present it takes precedence over the record's. */
  severity: OsvSeverity[];
  ranges: OsvRange[];
  /** Explicitly affected versions; `null` in the data reads as `[]`. */
  versions: string[];
  ecosystem_specific?: Record<string, unknown>;
  database_specific?: Record<string, unknown>;
}

export interface OsvPackage {
  /** An OSV ecosystem, possibly with a release suffix: `npm`, `PyPI`, `Debian:12`, `Alpine:v3.18`. */
  ecosystem: string;
  name: string;
  purl?: string;
}

export type OsvRangeType = 'ECOSYSTEM' | 'SEMVER' | 'GIT';

export interface OsvRange {
  type: OsvRangeType;
  /** The repository of a GIT range. */
  repo?: string;
  events: OsvEvent[];
  database_specific?: Record<string, unknown>;
}

/** One event of a range's timeline; the schema allows exactly one of the four keys per event. */
export type OsvEvent = { introduced: string } | { fixed: string } | { last_affected: string } | { limit: string };

export type OsvEventKind = 'introduced' | 'fixed' | 'last_affected' | 'limit';

/** What `matchOsv` reports for an installed package that a record affects. */
export interface OsvMatch {
  id: string;
  aliases: string[];
  summary: string | null;
  /**
   * The lowest `fixed` version above the installed one among the ranges that include it; `null`
   * when those ranges have no fix above it (open-ended, `last_affected`, or a `versions`-only match).
   */
  fixedVersion: string | null;
  /** The affected entry's severity when it has one, the record's otherwise; possibly empty. */
  severity: OsvSeverity[];
  /**
   * The window(s) that include the installed version, e.g. `>=1.22.0-0, <1.22.5`, `<4.17.21`,
   * `>=2.1.0`, `<=2.1.214`, `=4.36.1` (a `versions` entry); several joined with ` || `.
   */
  affectedRange: string;
}
