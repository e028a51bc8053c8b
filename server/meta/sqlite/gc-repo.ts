import { randomInt } from 'node:crypto';
import { sql as raw } from 'kysely';
import type { BlobGcState, GcBlob, GcDeletedArtifact, GcPreview, GcRepo } from '../gc-types.js';
import type { ArgFn, SqlExecutor } from './executor.js';
import { ProjectUsage } from './project-usage.js';
import type {} from './schema-gc.js';

/** Thrown inside the preview transaction to roll it back with its findings. */
class Rollback<T> {
  constructor(readonly value: T) {}
}

/** Batches the preview runs at once inside its one transaction. */
const PREVIEW_BATCH = 1000;

/**
 * GC's steps over SQLite, each one short write transaction (see the state machine in
 * `meta/gc-types.ts`). Every step re-checks its conditions inside its transaction, so a push that
 * commits between two batches is never undone: a new link, tag or artifact simply disqualifies the row.
 */
export class SqliteGcRepo implements GcRepo {
  private readonly usage: ProjectUsage;
  private readonly untagged;
  private readonly deleteArtifact;
  private readonly accessoriesOf;
  private readonly unusedLinks;
  private readonly deleteLink;
  private readonly unreferencedBlobs;
  private readonly markOne;
  private readonly sweepRange;
  private readonly claimOne;
  private readonly stateOf;
  private readonly forgetOne;
  private readonly insertOrphan;
  private readonly exists;

  constructor(private readonly sql: SqlExecutor) {
    const qb = sql.qb;
    this.usage = new ProjectUsage(sql);
    // Plain SQL fragments (portable): "nothing uses this blob" (no repository link, no artifact lists
    // it, no artifact is it), and "an index of the same repository lists this artifact as a child".
    const unreferenced = raw<boolean>`not exists (select 1 from repository_blobs rb where rb.digest = blobs.digest)
      and not exists (select 1 from artifact_blobs ab where ab.digest = blobs.digest)
      and not exists (select 1 from artifacts ua where ua.digest = blobs.digest)`;
    const noParent = raw<boolean>`not exists (select 1 from artifact_children c
      inner join artifacts p on p.id = c.parent_id
      where p.repository_id = a.repository_id and c.child_digest = a.digest and p.id <> a.id)`;
    this.untagged = sql.prepare((arg: ArgFn<{ cutoff: number; afterId: number; limit: number }>) =>
      qb
        .selectFrom('artifacts as a')
        .innerJoin('repositories as r', 'r.id', 'a.repository_id')
        .select(['a.id', 'a.repository_id', 'a.digest', 'a.size', 'r.name'])
        .where('a.id', '>', arg('afterId'))
        .where('a.push_time', '<', arg('cutoff'))
        .where(raw<boolean>`not exists (select 1 from tags t where t.artifact_id = a.id)`)
        .where(noParent)
        // An accessory (signature, SBOM) of an artifact that stays is not garbage.
        .where(
          raw<boolean>`(a.subject_digest is null or not exists (select 1 from artifacts s
            where s.repository_id = a.repository_id and s.digest = a.subject_digest))`,
        )
        .orderBy('a.id')
        .limit(arg('limit')),
    );
    // Tags, references and children go with the row (ON DELETE CASCADE).
    this.deleteArtifact = sql.prepare((arg: ArgFn<{ id: number }>) =>
      qb.deleteFrom('artifacts').where('id', '=', arg('id')),
    );
    this.accessoriesOf = sql.prepare((arg: ArgFn<{ repositoryId: number; subject: string }>) =>
      qb
        .selectFrom('artifacts as a')
        .innerJoin('repositories as r', 'r.id', 'a.repository_id')
        .select(['a.id', 'a.repository_id', 'a.digest', 'a.size', 'r.name'])
        .where('a.repository_id', '=', arg('repositoryId'))
        .where('a.subject_digest', '=', arg('subject'))
        .where(noParent),
    );

    this.unusedLinks = sql.prepare((arg: ArgFn<{ cutoff: number; after: number; limit: number }>) =>
      qb
        .selectFrom('repository_blobs as rb')
        .innerJoin('repositories as r', 'r.id', 'rb.repository_id')
        .select([raw<number>`rb.rowid`.as('rid'), 'rb.repository_id', 'rb.digest', 'r.project_id'])
        .where(raw<boolean>`rb.rowid > ${arg('after')}`)
        .where('rb.seen_at', '<', arg('cutoff'))
        // Used by an artifact of the same repository: as its manifest, or as config, layer or other blob.
        .where(
          raw<boolean>`not exists (select 1 from artifacts a
            where a.repository_id = rb.repository_id and a.digest = rb.digest)`,
        )
        .where(
          raw<boolean>`not exists (select 1 from artifact_blobs ab inner join artifacts a on a.id = ab.artifact_id
            where a.repository_id = rb.repository_id and ab.digest = rb.digest)`,
        )
        .orderBy(raw`rb.rowid`)
        .limit(arg('limit')),
    );
    this.deleteLink = sql.prepare((arg: ArgFn<{ repositoryId: number; digest: string }>) =>
      qb
        .deleteFrom('repository_blobs')
        .where('repository_id', '=', arg('repositoryId'))
        .where('digest', '=', arg('digest')),
    );

    // Walks the (gc_state, digest) index in digest order: ordering by rowid instead made SQLite read
    // every `none` row for each batch, a mark of 100,000 blobs took half a minute.
    this.unreferencedBlobs = sql.prepare((arg: ArgFn<{ cutoff: number; after: string; limit: number }>) =>
      qb
        .selectFrom('blobs')
        .select(['digest'])
        .where('gc_state', '=', 'none')
        .where('digest', '>', arg('after'))
        .where('touched_at', '<', arg('cutoff'))
        .where(unreferenced)
        .orderBy('digest')
        .limit(arg('limit')),
    );
    this.markOne = sql.prepare((arg: ArgFn<{ digest: string; now: number }>) =>
      qb
        .updateTable('blobs')
        .set({ gc_state: 'candidate', gc_marked_at: arg('now') })
        .where('digest', '=', arg('digest'))
        .where('gc_state', '=', 'none'),
    );
    // One index range per state: `gc_state in (...) order by digest` made SQLite sort every remaining
    // candidate for each page, which turned a 100,000-blob sweep quadratic.
    this.sweepRange = sql.prepare((arg: ArgFn<{ state: BlobGcState; after: string; limit: number }>) =>
      qb
        .selectFrom('blobs')
        .select(['digest', 'size', 'gc_state'])
        .where('gc_state', '=', arg('state'))
        .where('digest', '>', arg('after'))
        .orderBy('digest')
        .limit(arg('limit')),
    );
    this.claimOne = sql.prepare((arg: ArgFn<{ digest: string }>) =>
      qb
        .updateTable('blobs')
        .set({ gc_state: 'deleting' })
        .where('digest', '=', arg('digest'))
        .where('gc_state', '=', 'candidate')
        .where(unreferenced),
    );
    this.stateOf = sql.prepare((arg: ArgFn<{ digest: string }>) =>
      qb.selectFrom('blobs').select('gc_state').where('digest', '=', arg('digest')),
    );
    this.forgetOne = sql.prepare((arg: ArgFn<{ digest: string }>) =>
      qb.deleteFrom('blobs').where('digest', '=', arg('digest')).where('gc_state', '=', 'deleting'),
    );
    this.insertOrphan = sql.prepare((arg: ArgFn<{ digest: string; size: number; now: number; incarnation: number }>) =>
      qb
        .insertInto('blobs')
        .values({
          digest: arg('digest'),
          size: arg('size'),
          media_type: null,
          created_at: arg('now'),
          gc_state: 'deleting',
          gc_marked_at: arg('now'),
          incarnation: arg('incarnation'),
          touched_at: arg('now'),
        })
        .onConflict((oc) => oc.column('digest').doNothing()),
    );
    this.exists = sql.prepare((arg: ArgFn<{ digest: string }>) =>
      qb.selectFrom('blobs').select('digest').where('digest', '=', arg('digest')),
    );
  }

  async deleteUntagged(
    cutoff: Date,
    afterId: number,
    limit: number,
  ): Promise<{ deleted: GcDeletedArtifact[]; lastId: number | null }> {
    return this.sql.transaction(() => this.deleteUntaggedSync(cutoff.getTime(), afterId, limit));
  }

  async unlinkUnreferenced(
    cutoff: Date,
    after: number,
    limit: number,
  ): Promise<{ unlinked: number; last: number | null }> {
    return this.sql.transaction(() => this.unlinkSync(cutoff.getTime(), after, limit));
  }

  async markCandidates(
    cutoff: Date,
    after: string,
    limit: number,
    now: Date,
  ): Promise<{ marked: number; last: string | null }> {
    return this.sql.transaction(() => this.markSync(cutoff.getTime(), after, limit, now.getTime()));
  }

  async sweepable(after: string, limit: number): Promise<GcBlob[]> {
    return this.sweepListSync(after, limit);
  }

  async claim(digest: string): Promise<boolean> {
    return this.sql.transaction(() => {
      if (this.claimOne.run({ digest }) === 1) return true;
      return this.stateOf.get({ digest })?.gc_state === 'deleting';
    });
  }

  async forget(digest: string): Promise<boolean> {
    return this.sql.transaction(() => this.forgetOne.run({ digest }) === 1);
  }

  async claimOrphan(digest: string, size: number): Promise<boolean> {
    return this.sql.transaction(
      () => this.insertOrphan.run({ digest, size, now: Date.now(), incarnation: randomInt(1, 2 ** 48 - 1) }) === 1,
    );
  }

  async claimMany(digests: string[]): Promise<Set<string>> {
    return this.sql.transaction(() => {
      const claimed = new Set<string>();
      for (const digest of digests) {
        if (this.claimOne.run({ digest }) === 1 || this.stateOf.get({ digest })?.gc_state === 'deleting') {
          claimed.add(digest);
        }
      }
      return claimed;
    });
  }

  async forgetMany(digests: string[]): Promise<number> {
    return this.sql.transaction(() => digests.reduce((n, digest) => n + this.forgetOne.run({ digest }), 0));
  }

  async claimOrphans(orphans: Array<{ digest: string; size: number }>): Promise<Set<string>> {
    return this.sql.transaction(() => {
      const now = Date.now();
      const claimed = new Set<string>();
      for (const { digest, size } of orphans) {
        if (this.insertOrphan.run({ digest, size, now, incarnation: randomInt(1, 2 ** 48 - 1) }) === 1) {
          claimed.add(digest);
        }
      }
      return claimed;
    });
  }

  async known(digests: string[]): Promise<Set<string>> {
    return new Set(digests.filter((digest) => this.exists.get({ digest }) !== undefined));
  }

  /**
   * The real steps in one write transaction that is rolled back: the numbers cannot drift from what a
   * real run would do at this moment. It holds the write lock for the whole mark (a real run takes it
   * one batch at a time); dry runs are rare and interactive.
   */
  async preview(cutoff: Date, deleteUntagged: boolean): Promise<GcPreview> {
    const at = cutoff.getTime();
    try {
      this.sql.transaction(() => {
        const artifacts: GcDeletedArtifact[] = [];
        if (deleteUntagged) {
          for (let pass = true; pass;) {
            pass = false;
            for (let after = 0; ;) {
              const { deleted, lastId } = this.deleteUntaggedSync(at, after, PREVIEW_BATCH);
              if (lastId === null) break;
              if (deleted.length > 0) pass = true;
              artifacts.push(...deleted);
              after = lastId;
            }
          }
        }
        let unlinked = 0;
        for (let after = 0; ;) {
          const batch = this.unlinkSync(at, after, PREVIEW_BATCH);
          if (batch.last === null) break;
          unlinked += batch.unlinked;
          after = batch.last;
        }
        for (let after = ''; ;) {
          const batch = this.markSync(at, after, PREVIEW_BATCH, Date.now());
          if (batch.last === null) break;
          after = batch.last;
        }
        const blobs: GcBlob[] = [];
        for (let after = ''; ;) {
          const page = this.sweepListSync(after, PREVIEW_BATCH);
          blobs.push(...page);
          if (page.length < PREVIEW_BATCH) break;
          after = page[page.length - 1]!.digest;
        }
        throw new Rollback<GcPreview>({ artifacts, unlinked, blobs });
      });
    } catch (err) {
      if (err instanceof Rollback) return err.value as GcPreview;
      throw err;
    }
    throw new Error('gc preview did not roll back');
  }

  /** Candidate and deleting rows after `after`, in digest order: two index ranges merged. */
  private sweepListSync(after: string, limit: number): GcBlob[] {
    const rows = [
      ...this.sweepRange.all({ state: 'deleting', after, limit }),
      ...this.sweepRange.all({ state: 'candidate', after, limit }),
    ];
    rows.sort((a, b) => (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0));
    return rows.slice(0, limit).map((r) => ({ digest: r.digest, size: r.size, state: r.gc_state }));
  }

  private deleteUntaggedSync(
    cutoff: number,
    afterId: number,
    limit: number,
  ): { deleted: GcDeletedArtifact[]; lastId: number | null } {
    const rows = this.untagged.all({ cutoff, afterId, limit });
    if (rows.length === 0) return { deleted: [], lastId: null };
    const deleted: GcDeletedArtifact[] = [];
    const queue = [...rows];
    for (let row = queue.shift(); row; row = queue.shift()) {
      if (this.deleteArtifact.run({ id: row.id }) === 0) continue;
      deleted.push({ repository: row.name, digest: row.digest, size: row.size });
      // Harbor deletes accessories with their subject, whatever their tags.
      queue.push(...this.accessoriesOf.all({ repositoryId: row.repository_id, subject: row.digest }));
    }
    return { deleted, lastId: rows[rows.length - 1]!.id };
  }

  private unlinkSync(cutoff: number, after: number, limit: number): { unlinked: number; last: number | null } {
    const rows = this.unusedLinks.all({ cutoff, after, limit });
    if (rows.length === 0) return { unlinked: 0, last: null };
    let unlinked = 0;
    for (const row of rows) {
      if (this.deleteLink.run({ repositoryId: row.repository_id, digest: row.digest }) === 0) continue;
      this.usage.unlinkedSync(row.project_id, row.digest);
      unlinked++;
    }
    return { unlinked, last: rows[rows.length - 1]!.rid };
  }

  private markSync(cutoff: number, after: string, limit: number, now: number): { marked: number; last: string | null } {
    const rows = this.unreferencedBlobs.all({ cutoff, after, limit });
    if (rows.length === 0) return { marked: 0, last: null };
    let marked = 0;
    for (const row of rows) marked += this.markOne.run({ digest: row.digest, now });
    return { marked, last: rows[rows.length - 1]!.digest };
  }
}
