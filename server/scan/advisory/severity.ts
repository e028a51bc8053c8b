import { SEVERITY_ORDER, type Severity } from '../scan-contract.js';
import { parseCvssV3 } from './cvss.js';
import type { OsvSeverity } from './osv-types.js';

/** CVSS v3 qualitative rating scale (specification section 5): 0 None, 0.1–3.9 Low, 4–6.9 Medium, 7–8.9 High, 9–10 Critical. */
export function severityFromCvssScore(score: number): Severity {
  if (score <= 0) return 'None';
  if (score < 4) return 'Low';
  if (score < 7) return 'Medium';
  if (score < 9) return 'High';
  return 'Critical';
}

/** GitHub's advisory severities (`database_specific.severity` of GHSA records); `MODERATE` is Harbor's Medium. */
export function ghsaSeverity(word: unknown): Severity | null {
  if (typeof word !== 'string') return null;
  switch (word.trim().toUpperCase()) {
    case 'LOW':
      return 'Low';
    case 'MODERATE':
    case 'MEDIUM':
      return 'Medium';
    case 'HIGH':
      return 'High';
    case 'CRITICAL':
      return 'Critical';
    default:
      return null;
  }
}

/**
 * Debian security tracker urgencies. The tracker marks urgencies it copied from NVD rather than
 * assessed itself with `**` (`high**`); they mean the same level. `unimportant` is a real issue
 * Debian will not fix in stable, reported as Low as Trivy does. `not yet assigned`, `end-of-life`
 * (the release is no longer supported: not a level at all) and anything unknown give no severity.
 * Ubuntu's priority words (`negligible`, `critical`), which OSV records carry as type `Ubuntu`, read
 * the same way.
 */
export function debianUrgencySeverity(urgency: unknown): Severity | null {
  if (typeof urgency !== 'string') return null;
  switch (urgency.replace(/\*+$/, '').trim().toLowerCase()) {
    case 'unimportant':
    case 'negligible':
    case 'low':
      return 'Low';
    case 'medium':
      return 'Medium';
    case 'high':
      return 'High';
    case 'critical':
      return 'Critical';
    default:
      return null;
  }
}

export interface SeverityInput {
  /** The matched `affected` entry's severity, else the record's (as `matchOsv` returns it). */
  severity: readonly OsvSeverity[];
  /** The record's `database_specific` (GHSA's `severity` word lives there). */
  databaseSpecific?: Record<string, unknown> | undefined;
  /** Debian tracker urgency of the matched release. */
  urgency?: string | null | undefined;
}

export interface SeverityResult {
  severity: Severity;
  cvss?: { vector: string; score: number; version: '3.0' | '3.1' };
}

/**
 * Harbor's severity for one advisory, from the first of: a CVSS v3.x vector's base score; GitHub's
 * severity word; the Debian urgency (or an Ubuntu priority); else Unknown. A CVSS v4 vector is not
 * scored (Berth has no v4 equations): such records fall through to GitHub's word, which GitHub
 * computes from the same v4 vector. When a record has several v3 vectors, 3.1 is preferred.
 */
export function advisorySeverity(input: SeverityInput): SeverityResult {
  const v3 = input.severity
    .filter((s) => s.type === 'CVSS_V3')
    .map((s) => parseCvssV3(s.score))
    .filter((c) => c !== null)
    .sort((a, b) => b.version.localeCompare(a.version))[0];
  if (v3) return { severity: severityFromCvssScore(v3.score), cvss: v3 };
  const ghsa = ghsaSeverity(input.databaseSpecific?.severity);
  if (ghsa) return { severity: ghsa };
  const urgency =
    debianUrgencySeverity(input.urgency) ??
    input.severity
      .filter((s) => s.type === 'Ubuntu')
      .map((s) => debianUrgencySeverity(s.score))
      .find((s) => s !== null);
  if (urgency) return { severity: urgency };
  return { severity: 'Unknown' };
}

/** The higher of two severities in Harbor's order (None < Unknown < Low < … < Critical). */
export function maxSeverity(a: Severity, b: Severity): Severity {
  return SEVERITY_ORDER.indexOf(a) >= SEVERITY_ORDER.indexOf(b) ? a : b;
}
