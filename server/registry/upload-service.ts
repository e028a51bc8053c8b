import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { parseDigest } from '../core/digest.js';
import { Conflict, Invalid, NotFound } from '../core/errors.js';
import type { EventBus } from '../core/events.js';
import type { RepositoryName } from '../core/names.js';
import type { MetaStore } from '../meta/meta-store.js';
import type { BlobStore } from '../storage/blob-store.js';

/**
 * Blob uploads: the OCI push protocol's state machine.
 *
 *   POST ──► session (0 bytes) ──PATCH*──► session (n bytes) ──PUT ?digest──► blob committed + linked
 *     │                          │                                 │
 *     │ ?digest= with body        └── DELETE (cancel) / purge       └── digest mismatch: 400, session kept
 *     └──────────────────────────────────────────────────────────────► blob committed + linked
 *
 * The bytes live in the BlobStore's upload area; the session row in the MetaStore makes an upload
 * visible to every instance that shares the store. A blob is linked to its repository only after its
 * bytes are durable, so a crash never leaves a linked blob without bytes.
 *
 * Against online GC every commit goes pin → publish → link(expected incarnation) (see
 * `meta/gc-types.ts`): a blob GC is deleting, or deleted while we committed, is refused with
 * `Conflict(BLOB_UPLOAD_INVALID)` and the client uploads it again; a mount of such a blob answers
 * false, so the client falls back to an upload.
 */
export interface UploadState {
  id: string;
  /** Bytes received so far. */
  size: number;
}

/** Where a chunk claims to start and end, from `Content-Range: <start>-<end>`. */
export interface ChunkRange {
  start: number;
  end: number;
}

export interface UploadServiceDeps {
  blobs: BlobStore;
  meta: MetaStore;
  events: EventBus;
  log: Logger;
  autoCreateProjects: boolean;
  maxBlobBytes: number;
}

const UPLOAD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export class UploadService {
  constructor(private readonly deps: UploadServiceDeps) {}

  async start(repo: RepositoryName): Promise<UploadState> {
    await this.assertPushable(repo);
    const id = randomUUID();
    const startedAt = new Date();
    await this.deps.blobs.createUpload(id, startedAt);
    await this.deps.meta.uploads.create({ id, repository: repo.name, startedAt });
    return { id, size: 0 };
  }

  /**
   * Cross-repository mount: links an existing blob of `from` into `repo` without moving bytes.
   * Returns false when the blob is not in `from`, and the caller falls back to a new upload.
   */
  async mount(repo: RepositoryName, digest: string, from: RepositoryName): Promise<boolean> {
    parseDigest(digest);
    const blob = await this.deps.meta.blobs.getLinked(from.name, digest);
    if (!blob || !(await this.deps.blobs.stat(digest))) return false;
    try {
      await this.link(repo, { digest, size: blob.size, mediaType: blob.mediaType }, true, blob.incarnation);
    } catch (err) {
      // Collected between our read and the link: no bytes to mount, so the client uploads them.
      if (err instanceof Conflict && err.code === 'BLOB_UPLOAD_INVALID') return false;
      throw err;
    }
    return true;
  }

  /** POST `?digest=` with the whole blob as body. */
  async monolithic(repo: RepositoryName, digest: string, body: Readable): Promise<{ digest: string; size: number }> {
    parseDigest(digest);
    const state = await this.start(repo);
    try {
      await this.deps.blobs.append(state.id, body, { maxBytes: this.deps.maxBlobBytes });
      return await this.finish(repo, state.id, digest);
    } catch (err) {
      await this.discard(state.id);
      throw err;
    }
  }

  async append(repo: RepositoryName, id: string, body: Readable, range?: ChunkRange): Promise<UploadState> {
    await this.session(repo, id);
    // The BlobStore checks the offset under its per-upload lock; an out-of-order chunk throws there.
    const { size } = await this.deps.blobs.append(id, body, {
      expectedOffset: range ? range.start : undefined,
      maxBytes: this.deps.maxBlobBytes,
    });
    if (range && size !== range.end + 1) {
      throw new Invalid('BLOB_UPLOAD_INVALID', `chunk ended at byte ${size - 1}, Content-Range said ${range.end}`);
    }
    return { id, size };
  }

  async status(repo: RepositoryName, id: string): Promise<UploadState> {
    await this.session(repo, id);
    return { id, size: await this.deps.blobs.uploadSize(id) };
  }

  /** PUT `?digest=`: an optional last chunk, then verify and commit. */
  async complete(
    repo: RepositoryName,
    id: string,
    digest: string | undefined,
    lastChunk?: { body: Readable; range?: ChunkRange },
  ): Promise<{ digest: string; size: number }> {
    if (!digest) throw new Invalid('DIGEST_INVALID', 'the digest query parameter is required to finish an upload');
    parseDigest(digest);
    if (lastChunk) await this.append(repo, id, lastChunk.body, lastChunk.range);
    else await this.session(repo, id);
    return this.finish(repo, id, digest);
  }

  async cancel(repo: RepositoryName, id: string): Promise<void> {
    await this.session(repo, id);
    await this.discard(id);
  }

  /** Deletes sessions older than `cutoff`, and upload bytes whose session no longer exists. */
  async purgeStale(cutoff: Date): Promise<number> {
    let purged = 0;
    for (const session of await this.deps.meta.uploads.listStartedBefore(cutoff)) {
      await this.discard(session.id);
      purged++;
    }
    for (const upload of await this.deps.blobs.listUploads()) {
      if (upload.startedAt < cutoff && !(await this.deps.meta.uploads.get(upload.id))) {
        await this.deps.blobs.cancelUpload(upload.id).catch(() => undefined);
        purged++;
      }
    }
    return purged;
  }

  private async finish(repo: RepositoryName, id: string, digest: string) {
    let incarnation: number | undefined;
    const blob = await this.deps.blobs.commitUpload(id, digest, {
      beforePublish: async (verified) => {
        incarnation = await this.deps.meta.blobs.pin({ ...verified, mediaType: null });
      },
    });
    try {
      await this.link(repo, { digest: blob.digest, size: blob.size, mediaType: null }, false, incarnation);
    } finally {
      // Committed bytes are content-addressed and safe; a refused link (quota) leaves them for GC,
      // and the session is over either way.
      await this.deps.meta.uploads.delete(id);
    }
    return blob;
  }

  private async link(
    repo: RepositoryName,
    blob: { digest: string; size: number; mediaType: string | null },
    mounted: boolean,
    expectIncarnation: number | undefined,
  ) {
    await this.deps.meta.blobs.link({
      repository: repo.name,
      project: repo.project,
      createProject: this.deps.autoCreateProjects,
      blob,
      ...(expectIncarnation === undefined ? {} : { expectIncarnation }),
    });
    this.deps.events.emit('blob.uploaded', { repository: repo.name, digest: blob.digest, size: blob.size, mounted });
  }

  private async discard(id: string): Promise<void> {
    await this.deps.blobs.cancelUpload(id).catch((err: unknown) => {
      // Already committed (then refused, e.g. by the quota) or already gone: nothing left to clean.
      if (err instanceof NotFound) return;
      this.deps.log.warn({ err, id }, 'upload cleanup failed');
    });
    await this.deps.meta.uploads.delete(id);
  }

  private async session(repo: RepositoryName, id: string) {
    const session = UPLOAD_ID.test(id) ? await this.deps.meta.uploads.get(id) : undefined;
    if (!session || session.repository !== repo.name) {
      throw new NotFound('BLOB_UPLOAD_UNKNOWN', 'upload unknown to the registry');
    }
    return session;
  }

  private async assertPushable(repo: RepositoryName): Promise<void> {
    if (this.deps.autoCreateProjects) return;
    if (!(await this.deps.meta.projects.get(repo.project))) {
      throw new NotFound('NAME_UNKNOWN', `project ${repo.project} does not exist`);
    }
  }
}
