import type { Selectable } from 'kysely';
import { randomInt } from 'node:crypto';
import { blobInGarbageCollection } from '../gc-types.js';
import type { BlobInput, BlobRecord, BlobRepo } from '../meta-store.js';
import type { ArgFn, SqlExecutor } from './executor.js';
import { ProjectUsage } from './project-usage.js';
import type { SqliteRepositoryRepo } from './repository-repo.js';
import type { BlobsTable } from './schema.js';
import type {} from './schema-gc.js';

type BlobRow = Selectable<BlobsTable>;

/**
 * Blob records and their links to repositories. The bytes live in the BlobStore, not here. Every link
 * inserted or deleted here is counted in the project's storage usage (`ProjectUsage`), in the same
 * transaction, and a link that would pass the project's quota is refused with `QuotaExceeded`.
 * Pins and links follow GC's blob state machine (`meta/gc-types.ts`): they revive a candidate and
 * refuse a blob GC is deleting.
 */
export class SqliteBlobRepo implements BlobRepo {
  private readonly usage: ProjectUsage;
  private readonly upsert;
  private readonly insertLink;
  private readonly linked;
  private readonly byDigest;
  private readonly deleteLink;
  private readonly repositoryByName;
  private readonly stateOf;
  private readonly refreshLink;
  private readonly linkSeen;

  constructor(
    private readonly sql: SqlExecutor,
    private readonly repositories: SqliteRepositoryRepo,
  ) {
    const qb = sql.qb;
    this.usage = new ProjectUsage(sql);
    this.upsert = sql.prepare(
      (arg: ArgFn<{ digest: string; size: number; mediaType: string | null; now: number; incarnation: number }>) =>
        qb
          .insertInto('blobs')
          .values({
            digest: arg('digest'),
            size: arg('size'),
            media_type: arg('mediaType'),
            created_at: arg('now'),
            gc_state: 'none',
            incarnation: arg('incarnation'),
            touched_at: arg('now'),
          })
          // A layer pushed as a plain blob has no media type; learning it later (as a manifest) fills it
          // in, but a known one is never overwritten. Callers refuse a `deleting` row before this runs,
          // so the update revives a candidate and restarts its window.
          .onConflict((oc) =>
            oc.column('digest').doUpdateSet((eb) => ({
              media_type: eb.fn.coalesce('blobs.media_type', eb.ref('excluded.media_type')),
              gc_state: 'none',
              gc_marked_at: null,
              touched_at: eb.ref('excluded.touched_at'),
            })),
          )
          // The stored size: what accounting charges now must be what it credits on unlink.
          .returning(['size', 'incarnation']),
    );
    this.insertLink = sql.prepare((arg: ArgFn<{ repositoryId: number; digest: string; now: number }>) =>
      qb
        .insertInto('repository_blobs')
        .values({
          repository_id: arg('repositoryId'),
          digest: arg('digest'),
          created_at: arg('now'),
          seen_at: arg('now'),
        })
        .onConflict((oc) => oc.columns(['repository_id', 'digest']).doNothing()),
    );
    this.linkSeen = sql.prepare((arg: ArgFn<{ repositoryId: number; digest: string; now: number }>) =>
      qb
        .updateTable('repository_blobs')
        .set({ seen_at: arg('now') })
        .where('repository_id', '=', arg('repositoryId'))
        .where('digest', '=', arg('digest')),
    );
    this.stateOf = sql.prepare((arg: ArgFn<{ digest: string }>) =>
      qb.selectFrom('blobs').select(['gc_state', 'incarnation']).where('digest', '=', arg('digest')),
    );
    // The push probe: one statement both checks the link and restarts its window.
    this.refreshLink = sql.prepare((arg: ArgFn<{ repository: string; digest: string; now: number }>) =>
      qb
        .updateTable('repository_blobs')
        .set({ seen_at: arg('now') })
        .where('repository_id', '=', (eb) =>
          eb.selectFrom('repositories').select('id').where('name', '=', arg('repository')),
        )
        .where('digest', '=', arg('digest')),
    );
    this.linked = sql.prepare((arg: ArgFn<{ repository: string; digest: string }>) =>
      qb
        .selectFrom('repository_blobs as rb')
        .innerJoin('repositories as r', 'r.id', 'rb.repository_id')
        .innerJoin('blobs as b', 'b.digest', 'rb.digest')
        .select(['b.digest', 'b.size', 'b.media_type', 'b.created_at', 'b.incarnation', 'rb.seen_at'])
        .where('r.name', '=', arg('repository'))
        .where('rb.digest', '=', arg('digest')),
    );
    this.byDigest = sql.prepare((arg: ArgFn<{ digest: string }>) =>
      qb.selectFrom('blobs').selectAll().where('digest', '=', arg('digest')),
    );
    this.deleteLink = sql.prepare((arg: ArgFn<{ repositoryId: number; digest: string }>) =>
      qb
        .deleteFrom('repository_blobs')
        .where('repository_id', '=', arg('repositoryId'))
        .where('digest', '=', arg('digest')),
    );
    this.repositoryByName = sql.prepare((arg: ArgFn<{ name: string }>) =>
      qb.selectFrom('repositories').select(['id', 'project_id']).where('name', '=', arg('name')),
    );
  }

  async link(input: {
    repository: string;
    project: string;
    createProject: boolean;
    blob: BlobInput;
    expectIncarnation?: number;
  }): Promise<void> {
    const now = Date.now();
    this.sql.transaction(() => {
      const repositoryId = this.repositories.ensureForWrite(input.repository, input.project, input.createProject, now);
      this.linkSync(repositoryId, input.blob, now, input.expectIncarnation);
    });
  }

  async pin(blob: BlobInput): Promise<number> {
    const now = Date.now();
    return this.sql.transaction(() => {
      if (this.stateOf.get({ digest: blob.digest })?.gc_state === 'deleting')
        throw blobInGarbageCollection(blob.digest);
      return this.upsertSync(blob, now).incarnation;
    });
  }

  async probe(repository: string, digest: string, refreshBefore: Date): Promise<BlobRecord | undefined> {
    const row = this.linked.get({ repository, digest });
    if (!row) return undefined;
    if (row.seen_at >= refreshBefore.getTime()) return toBlob(row);
    // Zero rows: the link went between the read and now (GC unlinked it); the probe must say so.
    return this.refreshLink.run({ repository, digest, now: Date.now() }) === 0 ? undefined : toBlob(row);
  }

  async getLinked(repository: string, digest: string): Promise<BlobRecord | undefined> {
    const row = this.linked.get({ repository, digest });
    return row && toBlob(row);
  }

  async get(digest: string): Promise<BlobRecord | undefined> {
    const row = this.byDigest.get({ digest });
    return row && toBlob(row);
  }

  async unlink(repository: string, digest: string): Promise<boolean> {
    return this.sql.transaction(() => {
      const repo = this.repositoryByName.get({ name: repository });
      if (!repo || this.deleteLink.run({ repositoryId: repo.id, digest }) === 0) return false;
      this.usage.unlinkedSync(repo.project_id, digest);
      return true;
    });
  }

  /**
   * Upserts the blob row and links it, charging the project when the blob is new to it. Throws
   * `QuotaExceeded` when that would pass the project's limit. Synchronous: call it inside a
   * transaction, which a refusal rolls back. Re-linking an already linked blob adds no statement.
   */
  linkSync(repositoryId: number, blob: BlobInput, now: number, expectIncarnation?: number): void {
    const state = this.stateOf.get({ digest: blob.digest });
    // Deleting, or (for a writer that pinned or read the row) deleted and maybe re-inserted since:
    // the bytes the caller checked may be gone.
    if (state?.gc_state === 'deleting') throw blobInGarbageCollection(blob.digest);
    if (expectIncarnation !== undefined && state?.incarnation !== expectIncarnation) {
      throw blobInGarbageCollection(blob.digest);
    }
    const stored = this.upsertSync(blob, now);
    if (this.insertLink.run({ repositoryId, digest: blob.digest, now }) === 0) {
      this.linkSeen.run({ repositoryId, digest: blob.digest, now });
      return;
    }
    this.usage.linkedSync(repositoryId, blob.digest, stored.size);
  }

  private upsertSync(blob: BlobInput, now: number): { size: number; incarnation: number } {
    const incarnation = randomInt(1, 2 ** 48 - 1);
    const stored = this.upsert.get({
      digest: blob.digest,
      size: blob.size,
      mediaType: blob.mediaType ?? null,
      now,
      incarnation,
    });
    if (!stored) throw new Error(`blob ${blob.digest} was not stored`);
    return stored;
  }

  /** Whether the digest is linked to the repository. Synchronous, for use inside a transaction. */
  isLinkedSync(repository: string, digest: string): boolean {
    return this.linked.get({ repository, digest }) !== undefined;
  }
}

function toBlob(row: Pick<BlobRow, 'digest' | 'size' | 'media_type' | 'created_at' | 'incarnation'>): BlobRecord {
  return {
    digest: row.digest,
    size: row.size,
    mediaType: row.media_type,
    createdAt: new Date(row.created_at),
    incarnation: row.incarnation,
  };
}
