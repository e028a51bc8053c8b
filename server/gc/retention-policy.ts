import { Conflict, Invalid } from '../core/errors.js';
import {
  REPOSITORY_DECORATIONS,
  TAG_DECORATIONS,
  selectsRepositoryAll,
  selectsTags,
  validateSelector,
} from '../core/selectors.js';
import type { RetentionPolicy, RetentionRule } from '../meta/retention-types.js';

/**
 * Tag retention as Harbor evaluates it (`pkg/retention`: launcher, `policy/alg/or`, the rule
 * evaluators under `policy/rule/*`, the retain performer):
 *
 * - The unit is the **artifact**, not the tag. A candidate is an artifact of the repository with all
 *   its tags; its push time is the latest of the artifact's and its tags' push times, its pull time
 *   likewise. Harbor deletes a candidate whole (the artifact with every tag), never a single tag.
 * - Repositories: a rule applies to the repositories its `scope_selectors.repository` select (all
 *   of them in sequence; none = every repository of the project). A repository that no enabled rule
 *   selects is left alone (no task). Disabled rules are skipped.
 * - Per repository, algorithm `or`: each applicable rule with at least one tag selector selects
 *   candidates by its tag selectors (all in sequence; untagged artifacts by the selector's
 *   `extras` `{"untagged": ...}`), then its template picks what it retains. The union of what all
 *   rules retain is kept; **every other candidate of the repository is deleted**, including those
 *   no rule's tag selectors selected (so an untagged artifact no rule includes goes).
 * - A candidate with an immutable tag is never deleted (Harbor reports it as an error).
 *
 * Templates (parameter name = template id, a non-negative integer):
 *   latestPushedK       the K most recently pushed
 *   latestPulledN       the N most recently pulled
 *   latestActiveK       the K most recent by max(push, pull)
 *   nDaysSinceLastPush  pushed within the last N days (push time >= now - N days)
 *   nDaysSinceLastPull  pulled within the last N days
 *   always              everything selected
 * Go's `sort.Slice` leaves ties in no particular order; ties here go to the newer artifact (higher
 * id), so a dry run and the real run pick the same ones.
 */

export const RETENTION_TEMPLATES = [
  { id: 'latestPushedK', display: 'the most recently pushed # artifacts', unit: 'COUNT' },
  { id: 'latestPulledN', display: 'the most recently pulled # artifacts', unit: 'COUNT' },
  { id: 'nDaysSinceLastPush', display: 'pushed within the last # days', unit: 'DAYS' },
  { id: 'nDaysSinceLastPull', display: 'pulled within the last # days', unit: 'DAYS' },
  { id: 'always', display: 'always', unit: null },
  // Registered in Harbor's index but not offered by its metadata API; accepted here as there.
  { id: 'latestActiveK', display: 'the most recently active # artifacts', unit: 'COUNT' },
] as const;

/** Harbor's `RetentionMetadata` (GET /retentions/metadatas). */
export function retentionMetadata() {
  return {
    templates: RETENTION_TEMPLATES.filter((t) => t.id !== 'latestActiveK').map((t) => ({
      rule_template: t.id,
      display_text: t.display,
      action: 'retain',
      params: t.unit === null ? [] : [{ type: 'int', unit: t.unit, required: true }],
    })),
    scope_selectors: [{ display_text: 'Repositories', kind: 'doublestar', decorations: [...REPOSITORY_DECORATIONS] }],
    tag_selectors: [{ display_text: 'Tags', kind: 'doublestar', decorations: [...TAG_DECORATIONS] }],
  };
}

/** One artifact of a repository, as the rules see it. */
export interface RetentionCandidate {
  /** Artifact id: the tie-breaker (newer first). */
  id: number;
  digest: string;
  tags: string[];
  /** Milliseconds; the latest of the artifact's and its tags' push times. */
  pushedAt: number;
  /** Milliseconds; the latest pull, or null when never pulled. */
  pulledAt: number | null;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** The rules that apply to a repository (its path inside the project). */
export function rulesForRepository(rules: readonly RetentionRule[], repositoryPath: string): RetentionRule[] {
  return rules.filter((r) => !r.disabled && selectsRepositoryAll(r.scopeSelectors.repository ?? [], repositoryPath));
}

/** Digests the rules retain among `candidates` (algorithm `or`). */
export function retainedDigests(
  rules: readonly RetentionRule[],
  candidates: readonly RetentionCandidate[],
  now: number,
): Set<string> {
  const retained = new Set<string>();
  for (const rule of rules) {
    if (rule.disabled || rule.tagSelectors.length === 0) continue;
    const selected = candidates.filter((c) => rule.tagSelectors.every((s) => selectsTags(s, c.tags)));
    for (const c of evaluate(rule, selected, now)) retained.add(c.digest);
  }
  return retained;
}

function evaluate(rule: RetentionRule, selected: RetentionCandidate[], now: number): RetentionCandidate[] {
  const n = intParam(rule);
  const pulled = (c: RetentionCandidate) => c.pulledAt ?? Number.NEGATIVE_INFINITY;
  const newest = (key: (c: RetentionCandidate) => number) =>
    [...selected].sort((a, b) => key(b) - key(a) || b.id - a.id).slice(0, n);
  switch (rule.template) {
    case 'latestPushedK':
      return newest((c) => c.pushedAt);
    case 'latestPulledN':
      return newest(pulled);
    case 'latestActiveK':
      return newest((c) => Math.max(c.pushedAt, pulled(c)));
    case 'nDaysSinceLastPush':
      return selected.filter((c) => c.pushedAt >= now - n * DAY_MS);
    case 'nDaysSinceLastPull':
      return selected.filter((c) => pulled(c) >= now - n * DAY_MS);
    case 'always':
      return selected;
    default:
      // Validation refuses unknown templates; a stored one from a newer build retains nothing new.
      return [];
  }
}

/** The template's integer parameter (Harbor's default when absent or unreadable: 10 counts, 30 days). */
function intParam(rule: RetentionRule): number {
  const v = rule.params[rule.template];
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
  if (Number.isInteger(n) && n >= 0) return n;
  return rule.template.startsWith('nDays') ? 30 : 10;
}

/** Harbor's limit on rules per policy. */
export const MAX_RULES = 15;

/**
 * Reads a `RetentionPolicy` body as Harbor's handler and validator do: algorithm `or`, scope level
 * `project` with a reference, at most 15 rules, each with a known template and its required integer
 * parameter (0 ≤ K < 32767 for counts, 0 ≤ N ≤ 20190904 for days), doublestar selectors, no two rules
 * identical (`Conflict`, 409), and a `Schedule` trigger whose settings carry `cron` (empty for none).
 */
export function readRetentionPolicy(body: unknown): Omit<RetentionPolicy, 'id' | 'createdAt' | 'updatedAt'> {
  const b = object(body, 'the request body');
  const algorithm = b.algorithm ?? 'or';
  if (algorithm !== 'or') throw new Invalid('NAME_INVALID', 'algorithm must be "or"');
  const scope = object(b.scope, 'scope');
  if (scope.level !== 'project') throw new Invalid('NAME_INVALID', `scope ${String(scope.level)} is not supported`);
  const ref = scope.ref;
  if (typeof ref !== 'number' || !Number.isSafeInteger(ref) || ref <= 0) {
    throw new Invalid('NAME_INVALID', `invalid Project id ${String(ref)}`);
  }
  const rawRules = b.rules ?? [];
  if (!Array.isArray(rawRules)) throw new Invalid('NAME_INVALID', 'rules must be an array');
  if (rawRules.length > MAX_RULES) throw new Invalid('NAME_INVALID', `only ${MAX_RULES} rules are allowed at most`);
  const rules = rawRules.map((r, i) => readRule(r, i));
  const seen = new Map<string, number>();
  rules.forEach((r, i) => {
    const key = JSON.stringify({ ...r, id: 0 });
    const other = seen.get(key);
    if (other !== undefined) throw new Conflict('DENIED', `rule ${i} is conflict with rule ${other}`);
    seen.set(key, i);
  });
  const trigger = object(b.trigger, 'trigger');
  if (trigger.kind !== 'Schedule') throw new Invalid('NAME_INVALID', 'trigger.kind must be "Schedule"');
  const settings = object(trigger.settings, 'trigger.settings');
  if (settings.cron !== undefined && typeof settings.cron !== 'string') {
    throw new Invalid('NAME_INVALID', 'trigger.settings.cron must be a string');
  }
  const out: Omit<RetentionPolicy, 'id' | 'createdAt' | 'updatedAt'> = {
    algorithm: 'or',
    rules,
    trigger: { kind: 'Schedule', settings: { cron: settings.cron ?? '' } },
    scope: { level: 'project', ref },
  };
  if (trigger.references !== undefined && trigger.references !== null) {
    out.trigger.references = object(trigger.references, 'trigger.references');
  }
  return out;
}

function readRule(value: unknown, index: number): RetentionRule {
  const field = `rules[${index}]`;
  const r = object(value, field);
  const template = r.template;
  const known = RETENTION_TEMPLATES.find((t) => t.id === template);
  if (typeof template !== 'string' || !known) {
    throw new Invalid('NAME_INVALID', `rule evaluator ${String(template)} is not registered`);
  }
  const action = r.action ?? 'retain';
  if (action !== 'retain') throw new Invalid('NAME_INVALID', `${field}.action must be "retain"`);
  const params = r.params === undefined || r.params === null ? {} : object(r.params, `${field}.params`);
  if (known.unit !== null) {
    const v = params[template];
    if (v === undefined)
      throw new Invalid('NAME_INVALID', `missing required parameter ${template} for rule ${template}`);
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new Invalid('NAME_INVALID', `${template} type error`);
    if (v < 0) throw new Invalid('NAME_INVALID', `${template} is less than zero`);
    if (known.unit === 'COUNT' ? v >= 32767 : v > 20190904)
      throw new Invalid('NAME_INVALID', `${template} is too large`);
  }
  if (r.disabled !== undefined && typeof r.disabled !== 'boolean') {
    throw new Invalid('NAME_INVALID', `${field}.disabled must be a boolean`);
  }
  const rawTags = r.tag_selectors ?? [];
  if (!Array.isArray(rawTags)) throw new Invalid('NAME_INVALID', `${field}.tag_selectors must be an array`);
  const scope =
    r.scope_selectors === undefined || r.scope_selectors === null
      ? {}
      : object(r.scope_selectors, `${field}.scope_selectors`);
  const rawRepos = scope.repository ?? [];
  if (!Array.isArray(rawRepos))
    throw new Invalid('NAME_INVALID', `${field}.scope_selectors.repository must be an array`);
  const id = typeof r.id === 'number' && Number.isInteger(r.id) ? r.id : index + 1;
  const priority = typeof r.priority === 'number' && Number.isInteger(r.priority) ? r.priority : 0;
  return {
    id,
    priority,
    disabled: r.disabled === true,
    action: 'retain',
    template,
    params,
    tagSelectors: rawTags.map((s, i) => validateSelector(s, `${field}.tag_selectors[${i}]`, TAG_DECORATIONS)),
    scopeSelectors: {
      repository: rawRepos.map((s, i) =>
        validateSelector(s, `${field}.scope_selectors.repository[${i}]`, REPOSITORY_DECORATIONS),
      ),
    },
  };
}

function object(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Invalid('NAME_INVALID', `${field} must be an object`);
  }
  return value as Record<string, unknown>;
}
