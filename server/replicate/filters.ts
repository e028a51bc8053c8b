import { Invalid } from '../core/errors.js';
import { doublestarMatch } from '../core/selectors.js';
import type { FilterType, ReplicationFilter, SourceArtifact } from './replication-contract.js';

/**
 * Harbor's replication filters (`src/pkg/reg/filter`), on doublestar v1 patterns:
 * - `name` matches the repository's full path, project included (`library/**`), unlike retention's
 *   selectors which see the path inside the project;
 * - `tag` keeps the tags that match (`matches`) or do not match (`excludes`) the pattern; an artifact
 *   none of whose tags pass is skipped, and an untagged artifact is judged by matching the pattern
 *   against the empty string (so `*` and `excludes v*` keep untagged artifacts, `v*` drops them);
 * - `label` needs every listed label on the artifact (`excludes`: not all of them); a source that
 *   cannot say which labels an artifact carries (anything but Harbor and this Berth) passes;
 * - `resource` `image` keeps images and indexes of images, `artifact` everything.
 * Several filters of one type must all pass. An empty value is Harbor's "no filter" and is dropped.
 */

const TYPES: readonly FilterType[] = ['name', 'tag', 'label', 'resource'];
const MAX_FILTERS = 32;
const MAX_PATTERN = 1024;
const MAX_LABELS = 64;

/** Checks and normalises a policy's `filters`; throws `Invalid` naming the field (`filters[2].value`). */
export function validateFilters(value: unknown): ReplicationFilter[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new Invalid('NAME_INVALID', 'filters must be an array');
  if (value.length > MAX_FILTERS) throw new Invalid('NAME_INVALID', `filters: at most ${MAX_FILTERS} filters`);
  const out: ReplicationFilter[] = [];
  value.forEach((item: unknown, i) => {
    const filter = validateOne(item, `filters[${i}]`);
    if (filter) out.push(filter);
  });
  return out;
}

function validateOne(item: unknown, field: string): ReplicationFilter | undefined {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    throw new Invalid('NAME_INVALID', `${field} must be an object`);
  }
  const f = item as Record<string, unknown>;
  const type = f.type;
  if (typeof type !== 'string' || !TYPES.includes(type as FilterType)) {
    throw new Invalid('NAME_INVALID', `${field}.type must be one of ${TYPES.join(', ')}`);
  }
  const decoration = f.decoration;
  if (decoration !== undefined && decoration !== null && decoration !== '') {
    if (type !== 'tag' && type !== 'label') {
      throw new Invalid('NAME_INVALID', `${field}.decoration: only tag and label filters support decoration`);
    }
    if (decoration !== 'matches' && decoration !== 'excludes') {
      throw new Invalid('NAME_INVALID', `${field}.decoration must be matches or excludes`);
    }
  }
  const dec = decoration === 'excludes' ? 'excludes' : 'matches';
  const v = f.value;
  // Harbor's portal sends an empty value for a filter left blank: no filter.
  if (v === undefined || v === null || v === '') return undefined;

  if (type === 'label') {
    if (!Array.isArray(v)) throw new Invalid('NAME_INVALID', `${field}.value must be an array of label names`);
    if (v.length > MAX_LABELS) throw new Invalid('NAME_INVALID', `${field}.value: at most ${MAX_LABELS} labels`);
    const labels: string[] = [];
    for (const label of v) {
      if (typeof label !== 'string' || label === '' || label.length > MAX_PATTERN) {
        throw new Invalid('NAME_INVALID', `${field}.value must be an array of label names`);
      }
      if (!labels.includes(label)) labels.push(label);
    }
    return labels.length === 0 ? undefined : { type, value: labels, decoration: dec };
  }
  if (typeof v !== 'string') throw new Invalid('NAME_INVALID', `${field}.value must be a string`);
  if (v.length > MAX_PATTERN) throw new Invalid('NAME_INVALID', `${field}.value is too long`);
  if (type === 'resource') {
    if (v !== 'image' && v !== 'artifact')
      throw new Invalid('NAME_INVALID', `${field}.value must be image or artifact`);
    return { type, value: v };
  }
  if (type === 'tag') return { type, value: v, decoration: dec };
  return { type: 'name', value: v };
}

function patternsOf(filters: readonly ReplicationFilter[], type: 'name' | 'tag'): ReplicationFilter[] {
  return filters.filter((f) => f.type === type && typeof f.value === 'string' && f.value !== '');
}

/** Whether a repository (full path, `library/app`) passes every `name` filter. */
export function matchesRepository(filters: readonly ReplicationFilter[], repository: string): boolean {
  return patternsOf(filters, 'name').every((f) => doublestarMatch(f.value as string, repository));
}

function tagPasses(filter: ReplicationFilter, tag: string): boolean {
  const match = doublestarMatch(filter.value as string, tag);
  return filter.decoration === 'excludes' ? !match : match;
}

/** The tags that pass every `tag` filter, in their order. */
export function selectTags(filters: readonly ReplicationFilter[], tags: readonly string[]): string[] {
  const tagFilters = patternsOf(filters, 'tag');
  if (tagFilters.length === 0) return [...tags];
  return tags.filter((t) => tagFilters.every((f) => tagPasses(f, t)));
}

/** True when some `tag` filter turns untagged artifacts away (its pattern judged against ""). */
export function tagsRequired(filters: readonly ReplicationFilter[]): boolean {
  return patternsOf(filters, 'tag').some((f) => !tagPasses(f, ''));
}

/**
 * Berth's addition, the whole tag rule for one artifact: the tags to copy, or undefined when the
 * artifact is filtered out (tagged but no tag passes; untagged while a tag filter wants tags).
 */
export function filterArtifactTags(
  filters: readonly ReplicationFilter[],
  tags: readonly string[],
): string[] | undefined {
  if (tags.length === 0) return tagsRequired(filters) ? undefined : [];
  const kept = selectTags(filters, tags);
  return kept.length === 0 ? undefined : kept;
}

/** Whether an artifact passes the `label` and `resource` filters; what the source cannot tell passes. */
export function matchesArtifact(filters: readonly ReplicationFilter[], artifact: SourceArtifact): boolean {
  for (const f of filters) {
    if (f.type === 'label' && artifact.labels !== undefined && Array.isArray(f.value) && f.value.length > 0) {
      const has = new Set(artifact.labels);
      const all = f.value.every((l) => has.has(l));
      if (f.decoration === 'excludes' ? all : !all) return false;
    } else if (f.type === 'resource' && f.value === 'image' && artifact.resourceType !== undefined) {
      if (artifact.resourceType !== 'image') return false;
    }
  }
  return true;
}

/**
 * The literal start every `name` filter shares with the repositories it can match: the longest
 * prefix before a glob character among the name filters (all of them must pass, so any one's prefix
 * bounds the search). `library/**` → `library/`; `{a,b}/**` → ''.
 */
export function namePrefix(filters: readonly ReplicationFilter[]): string {
  let best = '';
  for (const f of filters) {
    if (f.type !== 'name' || typeof f.value !== 'string') continue;
    const stop = f.value.search(/[*?[{\\]/);
    const literal = stop < 0 ? f.value : f.value.slice(0, stop);
    if (literal.length > best.length) best = literal;
  }
  return best;
}
