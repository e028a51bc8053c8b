import { DomainError, NotFound } from '../../core/errors.js';
import type { Artifact, CommitManifestInput } from '../meta-store.js';
import { selectArtifacts, serializeAnnotations, toArtifact } from './artifact-rows.js';
import type { SqliteBlobRepo } from './blob-repo.js';
import type { ArgFn, SqlExecutor } from './executor.js';
import type { SqliteRepositoryRepo } from './repository-repo.js';

type ArtifactValues = {
  repositoryId: number;
  digest: string;
  mediaType: string;
  artifactType: string | null;
  size: number;
  configDigest: string | null;
  subjectDigest: string | null;
  annotations: string | null;
  now: number;
};

/**
 * `artifacts.commitManifest`: everything a manifest PUT records, in one transaction.
 *
 * ```
 * check:  repository exists, or its project does (or may be created)   else NAME_UNKNOWN
 *         every blobDigests entry linked to the repository              else MANIFEST_BLOB_UNKNOWN
 *         every childDigests entry an artifact of the repository        else MANIFEST_BLOB_UNKNOWN
 * write:  project, repository (if missing)
 *         blob row for the manifest + its link (refused while GC deletes it; see meta/gc-types.ts)
 *         artifact (new row, or the existing one with a fresh push_time)
 *         artifact_blobs, artifact_children (replaced)
 *         tag (inserted or moved onto this artifact)
 *         repositories.updated_at
 * ```
 * All checks run before any write only to keep the error order predictable; correctness comes from
 * the transaction, which rolls back whatever a failure leaves half-done.
 */
export class ManifestCommitter {
  private readonly idByDigest;
  private readonly insertArtifact;
  private readonly refreshPushTime;
  private readonly clearBlobRefs;
  private readonly insertBlobRef;
  private readonly clearChildren;
  private readonly insertChild;
  private readonly upsertTag;
  private readonly byId;
  private readonly tagTarget;

  constructor(
    private readonly sql: SqlExecutor,
    private readonly repositories: SqliteRepositoryRepo,
    private readonly blobs: SqliteBlobRepo,
  ) {
    const qb = sql.qb;
    this.idByDigest = sql.prepare((arg: ArgFn<{ repositoryId: number; digest: string }>) =>
      qb
        .selectFrom('artifacts')
        .select('id')
        .where('repository_id', '=', arg('repositoryId'))
        .where('digest', '=', arg('digest')),
    );
    this.insertArtifact = sql.prepare((arg: ArgFn<ArtifactValues>) =>
      qb
        .insertInto('artifacts')
        .values({
          repository_id: arg('repositoryId'),
          digest: arg('digest'),
          media_type: arg('mediaType'),
          artifact_type: arg('artifactType'),
          size: arg('size'),
          config_digest: arg('configDigest'),
          subject_digest: arg('subjectDigest'),
          annotations: arg('annotations'),
          push_time: arg('now'),
        })
        .returning('id'),
    );
    this.refreshPushTime = sql.prepare((arg: ArgFn<{ id: number; now: number }>) =>
      qb
        .updateTable('artifacts')
        .set({ push_time: arg('now') })
        .where('id', '=', arg('id')),
    );
    this.clearBlobRefs = sql.prepare((arg: ArgFn<{ id: number }>) =>
      qb.deleteFrom('artifact_blobs').where('artifact_id', '=', arg('id')),
    );
    this.insertBlobRef = sql.prepare((arg: ArgFn<{ id: number; digest: string }>) =>
      qb
        .insertInto('artifact_blobs')
        .values({ artifact_id: arg('id'), digest: arg('digest') })
        .onConflict((oc) => oc.columns(['artifact_id', 'digest']).doNothing()),
    );
    this.clearChildren = sql.prepare((arg: ArgFn<{ id: number }>) =>
      qb.deleteFrom('artifact_children').where('parent_id', '=', arg('id')),
    );
    this.insertChild = sql.prepare((arg: ArgFn<{ id: number; digest: string }>) =>
      qb
        .insertInto('artifact_children')
        .values({ parent_id: arg('id'), child_digest: arg('digest') })
        .onConflict((oc) => oc.columns(['parent_id', 'child_digest']).doNothing()),
    );
    this.upsertTag = sql.prepare(
      (arg: ArgFn<{ repositoryId: number; name: string; artifactId: number; now: number }>) =>
        qb
          .insertInto('tags')
          .values({
            repository_id: arg('repositoryId'),
            name: arg('name'),
            artifact_id: arg('artifactId'),
            push_time: arg('now'),
          })
          .onConflict((oc) =>
            oc.columns(['repository_id', 'name']).doUpdateSet((eb) => ({
              artifact_id: eb.ref('excluded.artifact_id'),
              push_time: eb.ref('excluded.push_time'),
            })),
          ),
    );
    this.byId = sql.prepare((arg: ArgFn<{ id: number }>) => selectArtifacts(qb).where('a.id', '=', arg('id')));
    this.tagTarget = sql.prepare((arg: ArgFn<{ repositoryId: number; name: string }>) =>
      qb
        .selectFrom('tags as t')
        .innerJoin('artifacts as a', 'a.id', 't.artifact_id')
        .select('a.digest')
        .where('t.repository_id', '=', arg('repositoryId'))
        .where('t.name', '=', arg('name')),
    );
  }

  commit(input: CommitManifestInput): Artifact {
    const now = input.now.getTime();
    return this.sql.transaction(() => {
      let repositoryId = this.repositories.findId(input.repository);
      if (repositoryId === undefined) {
        this.repositories.assertCreatable(input.repository, input.project, input.createProject);
      }
      for (const digest of input.blobDigests) {
        if (repositoryId === undefined || !this.blobs.isLinkedSync(input.repository, digest)) {
          throw new NotFound('MANIFEST_BLOB_UNKNOWN', `blob unknown to repository: ${digest}`, { digest });
        }
      }
      for (const digest of input.childDigests) {
        if (repositoryId === undefined || !this.idByDigest.get({ repositoryId, digest })) {
          throw new NotFound('MANIFEST_BLOB_UNKNOWN', `manifest unknown: child ${digest}`, { digest });
        }
      }
      if (input.protectTag && input.tag !== null && repositoryId !== undefined) {
        const current = this.tagTarget.get({ repositoryId, name: input.tag });
        if (current && current.digest !== input.manifest.digest) {
          throw new DomainError(
            'denied',
            'PRECONDITION',
            `Failed to process request due to '${input.repository}:${input.tag}' configured as immutable.`,
            { tag: input.tag, digest: current.digest },
          );
        }
      }

      repositoryId ??= this.repositories.ensureForWrite(input.repository, input.project, input.createProject, now);
      this.blobs.linkSync(repositoryId, input.manifest, now, input.manifestIncarnation);

      const existing = this.idByDigest.get({ repositoryId, digest: input.manifest.digest });
      let id: number;
      if (existing) {
        // Same digest, same content: keep the row (and its id, which tags and reports point at).
        id = existing.id;
        this.refreshPushTime.run({ id, now });
      } else {
        const inserted = this.insertArtifact.get({
          repositoryId,
          digest: input.manifest.digest,
          mediaType: input.manifest.mediaType,
          artifactType: input.artifactType,
          size: input.manifest.size,
          configDigest: input.configDigest,
          subjectDigest: input.subjectDigest,
          annotations: serializeAnnotations(input.annotations),
          now,
        });
        if (!inserted) throw new Error('artifact insert returned no id');
        id = inserted.id;
      }

      this.clearBlobRefs.run({ id });
      for (const digest of input.blobDigests) this.insertBlobRef.run({ id, digest });
      this.clearChildren.run({ id });
      for (const digest of input.childDigests) this.insertChild.run({ id, digest });

      if (input.tag !== null) this.upsertTag.run({ repositoryId, name: input.tag, artifactId: id, now });
      this.repositories.touchSync(repositoryId, now);

      const row = this.byId.get({ id });
      if (!row) throw new Error(`artifact ${id} vanished inside its own transaction`);
      return toArtifact(row);
    });
  }
}
