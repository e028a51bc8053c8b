import type { Kysely, Selectable } from 'kysely';
import type { Artifact, ReferrerDescriptor } from '../meta-store.js';
import type { ArtifactsTable, MetaDatabase } from './schema.js';

/** An artifact joined with its repository's name: the one shape every artifact read returns. */
export function selectArtifacts(qb: Kysely<MetaDatabase>) {
  return qb
    .selectFrom('artifacts as a')
    .innerJoin('repositories as r', 'r.id', 'a.repository_id')
    .select([
      'a.id',
      'a.repository_id',
      'r.name as repository',
      'a.digest',
      'a.media_type',
      'a.artifact_type',
      'a.size',
      'a.config_digest',
      'a.subject_digest',
      'a.annotations',
      'a.push_time',
      'a.pull_time',
    ]);
}

/** An artifact as listings read it: its columns and its repository's name. */
export type ArtifactRow = Selectable<ArtifactsTable> & { repository: string };

export function toArtifact(row: ArtifactRow): Artifact {
  return {
    id: row.id,
    repositoryId: row.repository_id,
    repository: row.repository,
    digest: row.digest,
    mediaType: row.media_type,
    artifactType: row.artifact_type,
    size: row.size,
    configDigest: row.config_digest,
    subjectDigest: row.subject_digest,
    annotations: parseAnnotations(row.annotations),
    pushTime: new Date(row.push_time),
    pullTime: row.pull_time === null ? null : new Date(row.pull_time),
  };
}

export function toReferrer(row: {
  media_type: string;
  digest: string;
  size: number;
  artifact_type: string | null;
  annotations: string | null;
}): ReferrerDescriptor {
  return {
    mediaType: row.media_type,
    digest: row.digest,
    size: row.size,
    artifactType: row.artifact_type,
    annotations: parseAnnotations(row.annotations),
  };
}

export function serializeAnnotations(annotations: Record<string, string> | null): string | null {
  return annotations === null ? null : JSON.stringify(annotations);
}

function parseAnnotations(text: string | null): Record<string, string> | null {
  return text === null ? null : (JSON.parse(text) as Record<string, string>);
}
