import type { Kysely, Selectable } from 'kysely';
import type { TagRecord } from '../meta-store.js';
import type { SqlExecutor } from './executor.js';
import type { ListSpec } from './list-sql.js';
import type { MetaDatabase, TagsTable } from './schema.js';
import { allOnce } from './snapshot-listing.js';

/** A tag row as listings read it. */
export type TagRow = Selectable<TagsTable>;

/** Tags (alias `t`) with the columns `toTagRecord` needs. */
export function selectTags(qb: Kysely<MetaDatabase>) {
  return qb
    .selectFrom('tags as t')
    .select(['t.id', 't.repository_id', 't.artifact_id', 't.name', 't.push_time', 't.pull_time']);
}

export function toTagRecord(row: TagRow): TagRecord {
  return {
    id: row.id,
    repositoryId: row.repository_id,
    artifactId: row.artifact_id,
    name: row.name,
    pushTime: new Date(row.push_time),
    pullTime: row.pull_time === null ? null : new Date(row.pull_time),
  };
}

/** `tags.listForArtifact`: keys `name` (exact, fuzzy); sort `name`, `push_time` (default newest first). */
export const TAG_LIST_SPEC: ListSpec = {
  keys: { name: { column: 't.name', type: 'text', ops: ['fuzzy'] } },
  sortable: { name: 't.name', push_time: 't.push_time' },
  defaultSort: [
    { column: 't.push_time', desc: true },
    { column: 't.id', desc: true },
  ],
};

/** The tags of each given artifact, newest push first (the order `listForArtifact` uses by default). */
export function tagsOfArtifacts(sql: SqlExecutor, artifactIds: number[]): Map<number, TagRecord[]> {
  const byArtifact = new Map<number, TagRecord[]>();
  if (artifactIds.length === 0) return byArtifact;
  const query = selectTags(sql.qb)
    .where('t.artifact_id', 'in', artifactIds)
    .orderBy('t.push_time', 'desc')
    .orderBy('t.id', 'desc')
    .compile();
  for (const row of allOnce<TagRow>(sql, query)) {
    const list = byArtifact.get(row.artifact_id);
    if (list) list.push(toTagRecord(row));
    else byArtifact.set(row.artifact_id, [toTagRecord(row)]);
  }
  return byArtifact;
}
