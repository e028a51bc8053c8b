/**
 * CVSS v3.0/v3.1 base scores from a vector string, by the base equations of FIRST's specification
 * (CVSS v3.1 Specification Document, section 7.1; v3.0 uses the same weights and equations).
 * Temporal and environmental metrics may be present in the vector and are ignored: Harbor's reports
 * and severities use the base score.
 */

export interface CvssV3 {
  version: '3.0' | '3.1';
  /** The vector as given. */
  vector: string;
  /** Base score, 0.0–10.0, one decimal. */
  score: number;
}

const WEIGHTS = {
  AV: { N: 0.85, A: 0.62, L: 0.55, P: 0.2 },
  AC: { L: 0.77, H: 0.44 },
  UI: { N: 0.85, R: 0.62 },
  CIA: { H: 0.56, L: 0.22, N: 0 },
} as const;

/** Privileges Required weighs more when the scope changes: the attacker reaches beyond the component. */
const PR_UNCHANGED = { N: 0.85, L: 0.62, H: 0.27 } as const;
const PR_CHANGED = { N: 0.85, L: 0.68, H: 0.5 } as const;

const BASE_METRICS = ['AV', 'AC', 'PR', 'UI', 'S', 'C', 'I', 'A'] as const;

/**
 * The specification's Roundup (v3.1, Appendix A): the smallest one-decimal number not below the
 * input, computed on integers so that 4.000000000000001 (a floating-point artefact of the
 * equations) rounds to 4.0 and not to 4.1. v3.0 defined Roundup as a plain ceiling; v3.1 changed
 * only this floating-point behaviour, so the v3.1 form is used for both.
 */
export function roundUp(value: number): number {
  const scaled = Math.round(value * 100_000);
  if (scaled % 10_000 === 0) return scaled / 100_000;
  return (Math.floor(scaled / 10_000) + 1) / 10;
}

/** Parses a `CVSS:3.0/...` or `CVSS:3.1/...` vector; null when it is not a complete, valid v3 base vector. */
export function parseCvssV3(vector: string): CvssV3 | null {
  const parts = vector.trim().split('/');
  const prefix = /^CVSS:(3\.[01])$/.exec(parts[0] ?? '');
  if (!prefix) return null;
  const metrics = new Map<string, string>();
  for (const part of parts.slice(1)) {
    const [key, value, extra] = part.split(':');
    if (!key || !value || extra !== undefined) return null;
    // A metric given twice makes the vector ambiguous; the specification calls it invalid.
    if (metrics.has(key)) return null;
    metrics.set(key, value);
  }
  const get = <T extends Record<string, number>>(key: string, table: T): number | null => {
    const value = metrics.get(key);
    return value !== undefined && Object.hasOwn(table, value) ? table[value as keyof T]! : null;
  };
  if (BASE_METRICS.some((m) => !metrics.has(m))) return null;
  const scope = metrics.get('S');
  if (scope !== 'U' && scope !== 'C') return null;
  const changed = scope === 'C';
  const av = get('AV', WEIGHTS.AV);
  const ac = get('AC', WEIGHTS.AC);
  const pr = get('PR', changed ? PR_CHANGED : PR_UNCHANGED);
  const ui = get('UI', WEIGHTS.UI);
  const c = get('C', WEIGHTS.CIA);
  const i = get('I', WEIGHTS.CIA);
  const a = get('A', WEIGHTS.CIA);
  if (av === null || ac === null || pr === null || ui === null || c === null || i === null || a === null) return null;

  const iss = 1 - (1 - c) * (1 - i) * (1 - a);
  const impact = changed ? 7.52 * (iss - 0.029) - 3.25 * Math.pow(iss - 0.02, 15) : 6.42 * iss;
  const exploitability = 8.22 * av * ac * pr * ui;
  let score: number;
  if (impact <= 0) score = 0;
  else if (changed) score = roundUp(Math.min(1.08 * (impact + exploitability), 10));
  else score = roundUp(Math.min(impact + exploitability, 10));
  return { version: prefix[1] as '3.0' | '3.1', vector: vector.trim(), score };
}
