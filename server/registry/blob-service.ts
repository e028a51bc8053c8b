import type { Readable } from 'node:stream';
import { parseDigest } from '../core/digest.js';
import { NotFound } from '../core/errors.js';
import type { RepositoryName } from '../core/names.js';
import type { BlobRecord, MetaStore } from '../meta/meta-store.js';
import type { BlobStore } from '../storage/blob-store.js';

/** Blob reads and deletes, scoped to a repository: a blob is visible only where it is linked. */
export class BlobService {
  constructor(
    private readonly deps: {
      blobs: BlobStore;
      meta: MetaStore;
      /**
       * A push probe (HEAD) refreshes a link last seen longer ago than this, so GC keeps it while the
       * client pushes the manifest that uses it (half GC's window; 0 refreshes on every probe).
       */
      linkRefreshMs?: number;
    },
  ) {}

  /**
   * `stat` for HEAD, the probe a client sends before deciding not to upload: an old link is refreshed
   * in the same statement that checks it.
   */
  async probe(repo: RepositoryName, digest: string): Promise<BlobRecord> {
    parseDigest(digest);
    const refreshBefore = new Date(Date.now() - (this.deps.linkRefreshMs ?? 3600_000));
    const blob = await this.deps.meta.blobs.probe(repo.name, digest, refreshBefore);
    if (!blob) throw new NotFound('BLOB_UNKNOWN', `blob unknown to registry: ${digest}`);
    return blob;
  }

  async stat(repo: RepositoryName, digest: string): Promise<BlobRecord> {
    parseDigest(digest);
    const blob = await this.deps.meta.blobs.getLinked(repo.name, digest);
    if (!blob) throw new NotFound('BLOB_UNKNOWN', `blob unknown to registry: ${digest}`);
    return blob;
  }

  /** `range.end` is inclusive. */
  open(digest: string, range?: { start: number; end: number }): Promise<Readable> {
    return this.deps.blobs.open(digest, range);
  }

  redirectUrl(digest: string, method: 'GET' | 'HEAD'): Promise<string | undefined> {
    return this.deps.blobs.redirectUrl(digest, method);
  }

  /** Unlinks the blob from the repository; the bytes go when GC finds nothing else uses them. */
  async delete(repo: RepositoryName, digest: string): Promise<void> {
    parseDigest(digest);
    if (!(await this.deps.meta.blobs.unlink(repo.name, digest))) {
      throw new NotFound('BLOB_UNKNOWN', `blob unknown to registry: ${digest}`);
    }
  }
}
