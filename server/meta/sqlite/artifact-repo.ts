import { Conflict } from '../../core/errors.js';
import type { ListQuery, Page } from '../list-query.js';
import type {
  Artifact,
  ArtifactRepo,
  ArtifactWithTags,
  CommitManifestInput,
  ReferrerDescriptor,
} from '../meta-store.js';
import type { ManifestCommitter } from './artifact-commit.js';
import { listArtifacts } from './artifact-listing.js';
import { selectArtifacts, toArtifact, toReferrer } from './artifact-rows.js';
import type { ArgFn, SqlExecutor } from './executor.js';
import { PullRecorder, type PendingPull } from './pull-recorder.js';

/** Artifacts: the manifest GET hot path, referrers, deletion and pull times. */
export class SqliteArtifactRepo implements ArtifactRepo {
  private readonly byDigest;
  private readonly byTag;
  private readonly referrersAll;
  private readonly referrersOfType;
  private readonly idInRepository;
  private readonly parentOf;
  private readonly deleteById;
  private readonly pulledArtifact;
  private readonly pulledTag;
  private readonly countPulls;
  private readonly childrenOf;
  private readonly pulls: PullRecorder;

  constructor(
    private readonly sql: SqlExecutor,
    private readonly committer: ManifestCommitter,
    onBackgroundError: (err: unknown) => void,
  ) {
    const qb = sql.qb;
    // The two hot-path reads: one prepared statement each, compiled here and never per call.
    this.byDigest = sql.prepare((arg: ArgFn<{ repository: string; digest: string }>) =>
      selectArtifacts(qb).where('r.name', '=', arg('repository')).where('a.digest', '=', arg('digest')),
    );
    this.byTag = sql.prepare((arg: ArgFn<{ repository: string; tag: string }>) =>
      selectArtifacts(qb)
        .innerJoin('tags as t', 't.artifact_id', 'a.id')
        .where('r.name', '=', arg('repository'))
        .where('t.name', '=', arg('tag')),
    );
    const referrers = (arg: ArgFn<{ repository: string; subject: string }>) =>
      qb
        .selectFrom('artifacts as a')
        .innerJoin('repositories as r', 'r.id', 'a.repository_id')
        .select(['a.media_type', 'a.digest', 'a.size', 'a.artifact_type', 'a.annotations'])
        .where('r.name', '=', arg('repository'))
        .where('a.subject_digest', '=', arg('subject'))
        // Push order (ids only grow: AUTOINCREMENT never reuses one), so a listing is stable.
        .orderBy('a.id');
    this.referrersAll = sql.prepare(referrers);
    this.referrersOfType = sql.prepare((arg: ArgFn<{ repository: string; subject: string; artifactType: string }>) =>
      referrers(arg).where('a.artifact_type', '=', arg('artifactType')),
    );
    this.idInRepository = sql.prepare((arg: ArgFn<{ repository: string; digest: string }>) =>
      qb
        .selectFrom('artifacts as a')
        .innerJoin('repositories as r', 'r.id', 'a.repository_id')
        .select(['a.id', 'a.repository_id'])
        .where('r.name', '=', arg('repository'))
        .where('a.digest', '=', arg('digest')),
    );
    this.parentOf = sql.prepare((arg: ArgFn<{ repositoryId: number; digest: string; id: number }>) =>
      qb
        .selectFrom('artifact_children as c')
        .innerJoin('artifacts as p', 'p.id', 'c.parent_id')
        .select('p.digest')
        .where('p.repository_id', '=', arg('repositoryId'))
        .where('c.child_digest', '=', arg('digest'))
        .where('p.id', '<>', arg('id'))
        .orderBy('p.id')
        .limit(1),
    );
    // Tags, blob references and children go with the row through ON DELETE CASCADE.
    this.deleteById = sql.prepare((arg: ArgFn<{ id: number }>) =>
      qb.deleteFrom('artifacts').where('id', '=', arg('id')),
    );
    // Pull times only move forward: a late batch never overwrites a newer time.
    this.pulledArtifact = sql.prepare((arg: ArgFn<{ repository: string; digest: string; at: number }>) =>
      qb
        .updateTable('artifacts')
        .set({ pull_time: arg('at') })
        .where('repository_id', '=', (eb) =>
          eb.selectFrom('repositories').select('id').where('name', '=', arg('repository')),
        )
        .where('digest', '=', arg('digest'))
        .where((eb) => eb.or([eb('pull_time', 'is', null), eb('pull_time', '<', arg('at'))])),
    );
    this.pulledTag = sql.prepare((arg: ArgFn<{ repository: string; digest: string; tag: string; at: number }>) =>
      qb
        .updateTable('tags')
        .set({ pull_time: arg('at') })
        // Only while the tag still names the pulled artifact: it may have moved since the pull.
        .where('id', 'in', (eb) =>
          eb
            .selectFrom('tags as t')
            .innerJoin('repositories as r', 'r.id', 't.repository_id')
            .innerJoin('artifacts as a', 'a.id', 't.artifact_id')
            .select('t.id')
            .where('r.name', '=', arg('repository'))
            .where('t.name', '=', arg('tag'))
            .where('a.digest', '=', arg('digest')),
        )
        .where((eb) => eb.or([eb('pull_time', 'is', null), eb('pull_time', '<', arg('at'))])),
    );
    // An index's children are rows of the same repository whose digest it lists. The index does not
    // record its manifests' order, so push order (id) keeps the listing stable.
    this.childrenOf = sql.prepare((arg: ArgFn<{ repository: string; digest: string }>) =>
      selectArtifacts(qb)
        .innerJoin('artifact_children as c', 'c.child_digest', 'a.digest')
        .innerJoin('artifacts as p', 'p.id', 'c.parent_id')
        .whereRef('p.repository_id', '=', 'a.repository_id')
        .where('r.name', '=', arg('repository'))
        .where('p.digest', '=', arg('digest'))
        .orderBy('a.id'),
    );
    this.countPulls = sql.prepare((arg: ArgFn<{ repository: string; count: number }>) =>
      qb
        .updateTable('repositories')
        .set((eb) => ({ pull_count: eb('pull_count', '+', arg('count')) }))
        .where('name', '=', arg('repository')),
    );
    this.pulls = new PullRecorder((batch) => this.writePulls(batch), onBackgroundError);
  }

  async commitManifest(input: CommitManifestInput): Promise<Artifact> {
    return this.committer.commit(input);
  }

  async getByDigest(repository: string, digest: string): Promise<Artifact | undefined> {
    const row = this.byDigest.get({ repository, digest });
    return row && toArtifact(row);
  }

  async getByTag(repository: string, tag: string): Promise<Artifact | undefined> {
    const row = this.byTag.get({ repository, tag });
    return row && toArtifact(row);
  }

  async referrers(repository: string, subjectDigest: string, artifactType?: string): Promise<ReferrerDescriptor[]> {
    const rows =
      artifactType === undefined
        ? this.referrersAll.all({ repository, subject: subjectDigest })
        : this.referrersOfType.all({ repository, subject: subjectDigest, artifactType });
    return rows.map(toReferrer);
  }

  /**
   * Refuses with `Conflict(DENIED)` while an index in the repository lists the artifact as a child:
   * deleting it would break the index for every client. Referrers of the artifact stay (OCI 1.1
   * allows a dangling subject); GC or the caller decides about them.
   */
  async delete(repository: string, digest: string): Promise<boolean> {
    return this.sql.transaction(() => {
      const artifact = this.idInRepository.get({ repository, digest });
      if (!artifact) return false;
      const parent = this.parentOf.get({ repositoryId: artifact.repository_id, digest, id: artifact.id });
      if (parent) {
        throw new Conflict(
          'DENIED',
          `artifact ${digest} is referenced by index ${parent.digest}; delete the index first`,
          {
            digest,
            parent: parent.digest,
          },
        );
      }
      this.deleteById.run({ id: artifact.id });
      return true;
    });
  }

  /** An unknown repository has no artifacts: an empty page (the query is still validated). */
  async list(repository: string, query: ListQuery, options?: { topLevel?: boolean }): Promise<Page<ArtifactWithTags>> {
    return listArtifacts(this.sql, repository, query, options?.topLevel ?? false);
  }

  /** Empty for an unknown repository or digest, and for a manifest that is not an index. */
  async children(repository: string, digest: string): Promise<Artifact[]> {
    return this.childrenOf.all({ repository, digest }).map(toArtifact);
  }

  /**
   * Batched: the time reaches the database within about a second, or on close. `tag`, when the
   * client pulled by tag, also stamps that tag's pull time.
   */
  async markPulled(repository: string, digest: string, at: Date, tag?: string): Promise<void> {
    this.pulls.record({ repository, digest, tag: tag ?? null, at: at.getTime(), count: 1 });
  }

  /** Writes pending pull times; called by the store's close(). */
  flushPulls(): void {
    this.pulls.close();
  }

  private writePulls(batch: PendingPull[]): void {
    // One transaction, hence one fsync, for the whole batch.
    this.sql.transaction(() => {
      const perRepository = new Map<string, number>();
      for (const pull of batch) {
        this.pulledArtifact.run(pull);
        if (pull.tag !== null) this.pulledTag.run({ ...pull, tag: pull.tag });
        perRepository.set(pull.repository, (perRepository.get(pull.repository) ?? 0) + pull.count);
      }
      for (const [repository, count] of perRepository) this.countPulls.run({ repository, count });
    });
  }
}
