import { sql as rawSql } from 'kysely';
import type { Filter, FilterValue, ListQuery, Page } from '../list-query.js';
import type { ArtifactWithTags } from '../meta-store.js';
import { selectArtifacts, toArtifact, type ArtifactRow } from './artifact-rows.js';
import type { SqlExecutor } from './executor.js';
import { listPage, toSql, type ListableKey, type ListSpec } from './list-sql.js';
import { readSnapshot } from './snapshot-listing.js';
import { tagsOfArtifacts } from './tag-listing.js';

/**
 * `artifacts.list`: one page of a repository's artifacts (alias `a`), each with its tags.
 *
 * Multi-valued keys are EXISTS subqueries correlated on `a.id`, so an artifact with several matching
 * tags or labels is still one row and the total counts artifacts, not joins:
 * ```
 * tags=nil        no tag row for the artifact
 * tags=*          some tag row
 * tags=v / ~v     some tag named v / whose name contains v (case-insensitive)
 * label_id=n      an artifact_labels row (n);  label_id={n m}: one EXISTS per label, all must hold
 * ```
 */
const LABEL_ID: ListableKey = { column: 'al.label_id', type: 'number', ops: ['and'], custom: labelCondition };

export const ARTIFACT_LIST_SPEC: ListSpec = {
  keys: {
    digest: { column: 'a.digest', type: 'text' },
    media_type: { column: 'a.media_type', type: 'text' },
    artifact_type: { column: 'a.artifact_type', type: 'text' },
    tags: { column: 'tg.name', type: 'text', ops: ['fuzzy'], custom: tagCondition },
    label_id: LABEL_ID,
  },
  sortable: { push_time: 'a.push_time', pull_time: 'a.pull_time', digest: 'a.digest' },
  defaultSort: [
    { column: 'a.push_time', desc: true },
    { column: 'a.id', desc: true },
  ],
};

export function listArtifacts(
  sql: SqlExecutor,
  repository: string,
  query: ListQuery,
  topLevel = false,
): Page<ArtifactWithTags> {
  let base = selectArtifacts(sql.qb).where('r.name', '=', repository);
  if (topLevel) base = base.where(TOP_LEVEL);
  return readSnapshot(sql, () => {
    const page = listPage(sql, base, query, ARTIFACT_LIST_SPEC, (row: ArtifactRow) => toArtifact(row));
    const tags = tagsOfArtifacts(
      sql,
      page.items.map((a) => a.id),
    );
    return { total: page.total, items: page.items.map((a) => ({ ...a, tags: tags.get(a.id) ?? [] })) };
  });
}

/**
 * Harbor's listing shows an artifact unless it is untagged and nested under another one in the same
 * repository: a platform image of an index (artifact_children, indexed by child digest), or an
 * accessory whose subject is here (a referrer with a missing subject stays visible: nothing else shows it).
 */
const TOP_LEVEL = rawSql<boolean>`(
  exists (select 1 from tags tg where tg.artifact_id = a.id)
  or (
    not exists (
      select 1 from artifact_children ac join artifacts p on p.id = ac.parent_id
      where ac.child_digest = a.digest and p.repository_id = a.repository_id
    )
    and not (
      a.subject_digest is not null
      and exists (select 1 from artifacts s where s.repository_id = a.repository_id and s.digest = a.subject_digest)
    )
  )
)`;

function tagCondition(filter: Filter) {
  const hasTag = (extra: ReturnType<typeof rawSql<boolean>> | null) =>
    rawSql<boolean>`exists (select 1 from tags tg where tg.artifact_id = ${rawSql.ref('a.id')}${
      extra === null ? rawSql`` : rawSql` and ${extra}`
    })`;
  if (filter.kind === 'fuzzy') {
    const pattern = `%${escapeLike(filter.value.toLowerCase())}%`;
    return hasTag(rawSql<boolean>`lower(tg.name) like ${pattern} escape '\\'`);
  }
  if (filter.kind !== 'exact') throw new Error(`tags: ${filter.kind} was not rejected by applyFilters`);
  const value = String(filter.value);
  // Harbor's spelling: `nil` untagged, `*` tagged (so a tag literally named "nil" needs `~nil`).
  if (value === 'nil') return rawSql<boolean>`not ${hasTag(null)}`;
  if (value === '*') return hasTag(null);
  return hasTag(rawSql<boolean>`tg.name = ${value}`);
}

function labelCondition(filter: Filter) {
  let ids: FilterValue[];
  if (filter.kind === 'exact') ids = [filter.value];
  else if (filter.kind === 'and') ids = filter.values;
  else throw new Error(`label_id: ${filter.kind} was not rejected by applyFilters`);
  if (ids.length === 0) return rawSql<boolean>`1 = 1`;
  // artifact_labels(artifact_id, label_id): migration 4; primary key (artifact_id, label_id).
  const conditions = ids.map(
    (id) =>
      rawSql<boolean>`exists (select 1 from artifact_labels al where al.artifact_id = ${rawSql.ref('a.id')} and al.label_id = ${toSql(LABEL_ID, id)})`,
  );
  return rawSql<boolean>`(${rawSql.join(conditions, rawSql` and `)})`;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
