import type { Hash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { newHasher, parseDigest, type DigestAlgorithm, type ParsedDigest } from '../core/digest.js';
import { Invalid, NotFound, RangeNotSatisfiable, TooLarge } from '../core/errors.js';
import { KeyedLock } from './keyed-lock.js';
import { PathNotFound, type StorageDriver } from './storage-driver.js';

/*
 * Storage layout. This file is the only code that knows it.
 *
 *   /
 *   ├── blobs/
 *   │   └── <alg>/                  sha256 | sha512
 *   │       └── <hex[0..2]>/        fan-out, so no directory holds millions of entries
 *   │           └── <hex>/
 *   │               └── data        the blob; appears only by an atomic move of verified, fsynced bytes
 *   └── uploads/
 *       └── <id>/                   one upload session (the registry's id, a UUID)
 *           ├── startedat           ISO-8601 start time, written when the upload is created
 *           └── data                bytes received so far; absent until the first byte arrives
 */
const BLOBS = '/blobs';
const UPLOADS = '/uploads';
const UPLOAD_ID = /^[A-Za-z0-9_-]{1,128}$/;

function blobDir(digest: ParsedDigest): string {
  return `${BLOBS}/${digest.algorithm}/${digest.hex.slice(0, 2)}/${digest.hex}`;
}

function blobData(digest: ParsedDigest): string {
  return `${blobDir(digest)}/data`;
}

interface UploadPaths {
  dir: string;
  data: string;
  startedAt: string;
}

/** An id that is not ours could never have been created: to callers it is simply unknown. */
function uploadPaths(id: string): UploadPaths {
  if (!UPLOAD_ID.test(id)) throw new NotFound('BLOB_UPLOAD_UNKNOWN', 'blob upload unknown');
  const dir = `${UPLOADS}/${id}`;
  return { dir, data: `${dir}/data`, startedAt: `${dir}/startedat` };
}

/** A sha256 state fed with the first `size` bytes of an upload's data file. */
interface LiveHash {
  hash: Hash;
  size: number;
}

/**
 * Called with verified bytes' digest and size just before they are published at their content
 * address (GC's pin: see `meta/gc-types.ts`); throwing stops the commit and keeps the upload.
 */
export type BeforePublish = (blob: { digest: string; size: number }) => Promise<void>;

/** A committed blob as storage holds it. */
export interface StoredBlob {
  digest: string;
  size: number;
  modTime: Date;
}

const BLOB_DATA_PATH = /^\/blobs\/(sha256|sha512)\/([0-9a-f]{2})\/([0-9a-f]+)\/data$/;

export interface AppendOptions {
  /** Where the caller believes the upload ends (`Content-Range` start); a mismatch throws 416-worthy. */
  expectedOffset?: number;
  /** Cap on the upload's total size: the bytes already stored plus this body. */
  maxBytes?: number;
  /** Aborts the transfer; bytes that reached storage are kept, as for a client disconnect. */
  signal?: AbortSignal;
}

/**
 * Content-addressed blobs over a `StorageDriver`, plus the upload area they are assembled in. The
 * only code that commits content: a blob becomes visible at its digest path only after its bytes are
 * verified and durable, so a `kill -9` at any moment never exposes a partial blob.
 *
 * Uploads keep a live sha256 in memory while chunks stream in. That state is an optimisation only:
 * whenever it does not cover exactly the bytes in storage (a restart, an interrupted body, another
 * instance appended), `commitUpload` re-hashes the stored bytes instead.
 *
 * Malformed digests throw `Invalid('DIGEST_INVALID')` from every method that takes one.
 */
export class BlobStore {
  readonly #hashes = new Map<string, LiveHash>();
  readonly #locks = new KeyedLock();

  constructor(private readonly driver: StorageDriver) {}

  /** Size of a committed blob, or undefined when there is none. */
  async stat(digest: string): Promise<{ size: number } | undefined> {
    try {
      const info = await this.driver.stat(blobData(parseDigest(digest)));
      return info.isDir ? undefined : { size: info.size };
    } catch (error) {
      if (error instanceof PathNotFound) return undefined;
      throw error;
    }
  }

  /**
   * Streams a blob, or the inclusive byte `range` of it. The caller clamps the range to the size from
   * `stat`; bytes past the end are simply not there. Throws `NotFound('BLOB_UNKNOWN')`, and
   * `RangeNotSatisfiable('RANGE_INVALID')` for a range that ends before it starts.
   */
  async open(digest: string, range?: { start: number; end: number }): Promise<Readable> {
    const path = blobData(parseDigest(digest));
    if (range && !isByteRange(range)) throw new RangeNotSatisfiable('RANGE_INVALID', 'invalid byte range');
    try {
      return range
        ? await this.driver.reader(path, range.start, range.end - range.start + 1)
        : await this.driver.reader(path);
    } catch (error) {
      if (error instanceof PathNotFound) throw new NotFound('BLOB_UNKNOWN', `blob ${digest} unknown`);
      throw error;
    }
  }

  /**
   * The local file holding a committed blob, when the driver keeps blobs as local files (filesystem);
   * undefined for drivers without one (memory, object stores): read those through `open`.
   */
  localPath(digest: string): string | undefined {
    const driver = this.driver as StorageDriver & { localPath?(path: string): string };
    return driver.localPath ? driver.localPath(blobData(parseDigest(digest))) : undefined;
  }

  /** A URL the client can fetch the blob from directly (presigned), when the driver offers one. */
  async redirectUrl(digest: string, method: 'GET' | 'HEAD'): Promise<string | undefined> {
    const path = blobData(parseDigest(digest));
    return this.driver.redirectUrl ? this.driver.redirectUrl(path, method) : undefined;
  }

  /**
   * Stores a small blob (a manifest) from memory, durably. Hashes with sha256, or with sha512 when
   * `expectedDigest` is a sha512 digest; throws `Invalid('DIGEST_INVALID')` when the content does not
   * match `expectedDigest`.
   */
  async putSmall(
    content: Buffer,
    expectedDigest?: string,
    options: { beforePublish?: BeforePublish } = {},
  ): Promise<{ digest: string; size: number }> {
    const expected = expectedDigest === undefined ? undefined : parseDigest(expectedDigest);
    const algorithm = expected?.algorithm ?? 'sha256';
    const hex = newHasher(algorithm).update(content).digest('hex');
    if (expected && expected.hex !== hex) {
      throw new Invalid('DIGEST_INVALID', `content has digest ${algorithm}:${hex}, not ${expected.digest}`);
    }
    const digest = parseDigest(`${algorithm}:${hex}`);
    await options.beforePublish?.({ digest: digest.digest, size: content.length });
    // Written once: the same digest means the same bytes, already durable.
    if ((await this.stat(digest.digest))?.size !== content.length) {
      await this.driver.putContent(blobData(digest), content);
    }
    return { digest: digest.digest, size: content.length };
  }

  /** A whole small blob. Throws `NotFound('BLOB_UNKNOWN')`. */
  async getSmall(digest: string): Promise<Buffer> {
    try {
      return await this.driver.getContent(blobData(parseDigest(digest)));
    } catch (error) {
      if (error instanceof PathNotFound) throw new NotFound('BLOB_UNKNOWN', `blob ${digest} unknown`);
      throw error;
    }
  }

  /**
   * Creates an empty upload, durably. `id` is chosen by the caller (`[A-Za-z0-9_-]`, up to 128
   * characters, e.g. a UUID); anything else throws `Invalid('BLOB_UPLOAD_INVALID')`.
   */
  async createUpload(id: string, startedAt: Date): Promise<void> {
    if (!UPLOAD_ID.test(id)) throw new Invalid('BLOB_UPLOAD_INVALID', 'invalid upload id');
    this.#hashes.delete(id);
    await this.driver.putContent(uploadPaths(id).startedAt, Buffer.from(startedAt.toISOString()));
  }

  /** Bytes stored for an upload so far. Throws `NotFound('BLOB_UPLOAD_UNKNOWN')`. */
  async uploadSize(id: string): Promise<number> {
    const paths = uploadPaths(id);
    try {
      return (await this.driver.stat(paths.data)).size;
    } catch (error) {
      if (!(error instanceof PathNotFound)) throw error;
    }
    try {
      await this.driver.stat(paths.startedAt);
      return 0;
    } catch (error) {
      if (error instanceof PathNotFound) throw new NotFound('BLOB_UPLOAD_UNKNOWN', 'blob upload unknown');
      throw error;
    }
  }

  /**
   * Streams `body` onto the end of an upload and returns the new total size; the bytes are durable
   * when it resolves. Appends to one upload run one after another.
   *
   * Throws `NotFound('BLOB_UPLOAD_UNKNOWN')`; `RangeNotSatisfiable('BLOB_UPLOAD_INVALID')` when
   * `expectedOffset` is not the current size (detail: `{ size }`); `TooLarge('SIZE_INVALID')` past
   * `maxBytes`. When the body fails part-way (disconnect, abort, size cap), the bytes that reached
   * storage are kept and made durable before the error is rethrown, so the client can resume from
   * `uploadSize`. A body that is never read (an error before streaming) is left to the caller.
   */
  async append(id: string, body: Readable, options: AppendOptions = {}): Promise<{ size: number }> {
    const paths = uploadPaths(id);
    return this.#locks.run(id, async () => {
      const start = await this.uploadSize(id);
      const { expectedOffset, maxBytes, signal } = options;
      if (expectedOffset !== undefined && expectedOffset !== start) {
        throw new RangeNotSatisfiable(
          'BLOB_UPLOAD_INVALID',
          `upload is at offset ${start}, the chunk starts at ${expectedOffset}`,
          { size: start },
        );
      }
      signal?.throwIfAborted();
      const live = this.#liveHashAt(id, start);
      const writer = await this.driver.writer(paths.data, true);
      let received = 0;
      const meter = new Transform({
        highWaterMark: 1024 * 1024,
        transform(chunk: Buffer, _encoding, callback) {
          received += chunk.length;
          if (maxBytes !== undefined && start + received > maxBytes) {
            callback(new TooLarge('SIZE_INVALID', `blob exceeds the limit of ${maxBytes} bytes`));
            return;
          }
          if (live) {
            live.hash.update(chunk);
            live.size += chunk.length;
          }
          callback(null, chunk);
        },
      });
      try {
        await (signal ? pipeline(body, meter, writer.stream, { signal }) : pipeline(body, meter, writer.stream));
      } catch (error) {
        await writer.commit().catch(() => this.#hashes.delete(id));
        // Hashed bytes may still have sat in buffers when the pipeline broke; then the state is stale.
        if (live && live.size !== writer.size) this.#hashes.delete(id);
        throw error;
      }
      try {
        await writer.commit();
      } catch (error) {
        this.#hashes.delete(id);
        throw error;
      }
      return { size: writer.size };
    });
  }

  /**
   * Verifies an upload against `digest` and commits it as that blob, then removes the upload. When it
   * resolves the blob is durable. Throws `NotFound('BLOB_UPLOAD_UNKNOWN')`, `Invalid('SIZE_INVALID')`
   * when `expectedSize` differs, `Invalid('DIGEST_INVALID')` on a mismatch (the upload stays, so the
   * client may retry). Committing bytes whose blob already exists just drops the upload.
   * `beforePublish` runs after verification, before the bytes take their content address.
   */
  async commitUpload(
    id: string,
    digest: string,
    options: { expectedSize?: number; beforePublish?: BeforePublish } = {},
  ): Promise<{ digest: string; size: number }> {
    const parsed = parseDigest(digest);
    const paths = uploadPaths(id);
    return this.#locks.run(id, async () => {
      const size = await this.uploadSize(id);
      if (options.expectedSize !== undefined && options.expectedSize !== size) {
        throw new Invalid('SIZE_INVALID', `upload has ${size} bytes, expected ${options.expectedSize}`);
      }
      const hex = await this.#uploadHex(id, paths, parsed.algorithm, size);
      if (hex !== parsed.hex) {
        throw new Invalid('DIGEST_INVALID', `upload has digest ${parsed.algorithm}:${hex}, not ${parsed.digest}`);
      }
      await options.beforePublish?.({ digest: parsed.digest, size });
      await this.#publish(paths, parsed, size);
      this.#hashes.delete(id);
      // The blob is committed; a leftover upload directory is only garbage the upload purge removes.
      await this.driver.delete(paths.dir).catch(() => undefined);
      return { digest: parsed.digest, size };
    });
  }

  /** Discards an upload and its bytes. Throws `NotFound('BLOB_UPLOAD_UNKNOWN')`. */
  async cancelUpload(id: string): Promise<void> {
    const paths = uploadPaths(id);
    await this.#locks.run(id, async () => {
      this.#hashes.delete(id);
      try {
        await this.driver.delete(paths.dir);
      } catch (error) {
        if (error instanceof PathNotFound) throw new NotFound('BLOB_UPLOAD_UNKNOWN', 'blob upload unknown');
        throw error;
      }
    });
  }

  /**
   * Every upload in storage, by id. An upload whose start marker is missing or unreadable (a crash
   * during creation) reports its directory's modification time instead.
   */
  async listUploads(): Promise<Array<{ id: string; startedAt: Date }>> {
    let dirs: string[];
    try {
      dirs = await this.driver.list(UPLOADS);
    } catch (error) {
      if (error instanceof PathNotFound) return [];
      throw error;
    }
    const uploads = await Promise.all(
      dirs.map(async (dir) => {
        const id = dir.slice(UPLOADS.length + 1);
        if (!UPLOAD_ID.test(id)) return undefined;
        const startedAt = await this.#startedAt(uploadPaths(id));
        return startedAt && { id, startedAt };
      }),
    );
    return uploads.filter((upload) => upload !== undefined);
  }

  /**
   * Visits every committed blob in storage (GC's orphan sweep), in layout order. Files that do not
   * follow the layout are skipped. A `visit` that throws stops the walk with its error.
   */
  async walkBlobs(visit: (blob: StoredBlob) => void | Promise<void>): Promise<void> {
    try {
      await this.driver.walk(BLOBS, async (info) => {
        const m = BLOB_DATA_PATH.exec(info.path);
        if (!m || !m[3]!.startsWith(m[2]!)) return;
        const expectedLength = m[1] === 'sha256' ? 64 : 128;
        if (m[3]!.length !== expectedLength) return;
        await visit({ digest: `${m[1]}:${m[3]}`, size: info.size, modTime: info.modTime });
      });
    } catch (error) {
      if (error instanceof PathNotFound) return;
      throw error;
    }
  }

  /** Removes a committed blob. Throws `NotFound('BLOB_UNKNOWN')`. */
  async delete(digest: string): Promise<void> {
    const parsed = parseDigest(digest);
    // The file first, then its (now empty) directory: two cheap calls instead of a recursive delete.
    let missing = false;
    try {
      await this.driver.delete(blobData(parsed));
    } catch (error) {
      if (!(error instanceof PathNotFound)) throw error;
      missing = true;
    }
    try {
      await this.driver.delete(blobDir(parsed));
    } catch (error) {
      // Drivers without real directories (memory, object stores) have none left once the file is gone.
      if (!(error instanceof PathNotFound)) throw error;
    }
    if (missing) throw new NotFound('BLOB_UNKNOWN', `blob ${digest} unknown`);
  }

  /** The live hash to extend from `size`, fresh for an empty upload, or none when it went stale. */
  #liveHashAt(id: string, size: number): LiveHash | undefined {
    const live = this.#hashes.get(id);
    if (live && live.size === size) return live;
    this.#hashes.delete(id);
    if (size !== 0) return undefined;
    const fresh = { hash: newHasher('sha256'), size: 0 };
    this.#hashes.set(id, fresh);
    return fresh;
  }

  async #uploadHex(id: string, paths: UploadPaths, algorithm: DigestAlgorithm, size: number): Promise<string> {
    const live = this.#hashes.get(id);
    if (algorithm === 'sha256' && live && live.size === size) return live.hash.copy().digest('hex');
    const hasher = newHasher(algorithm);
    if (size > 0) {
      // These bytes come from an earlier process or a broken body and may never have been fsynced;
      // they must be durable before they can become a blob.
      await (await this.driver.writer(paths.data, true)).commit();
      for await (const chunk of await this.driver.reader(paths.data)) hasher.update(chunk as Buffer);
    }
    if (algorithm === 'sha256') this.#hashes.set(id, { hash: hasher.copy(), size });
    return hasher.digest('hex');
  }

  /** Moves verified upload bytes to the blob path, unless that blob is already there. */
  async #publish(paths: UploadPaths, digest: ParsedDigest, size: number): Promise<void> {
    if ((await this.stat(digest.digest))?.size === size) return;
    const target = blobData(digest);
    if (size === 0) {
      await this.driver.putContent(target, new Uint8Array());
      return;
    }
    try {
      await this.driver.move(paths.data, target);
    } catch (error) {
      // A concurrent commit of the same content may have won the race (on Windows the loser's rename
      // fails while the winner's file is open); the blob being there is all that matters.
      if ((await this.stat(digest.digest))?.size === size) return;
      throw error;
    }
  }

  async #startedAt(paths: UploadPaths): Promise<Date | undefined> {
    try {
      const marker = new Date((await this.driver.getContent(paths.startedAt)).toString('utf8'));
      if (!Number.isNaN(marker.getTime())) return marker;
    } catch (error) {
      if (!(error instanceof PathNotFound)) throw error;
    }
    try {
      return (await this.driver.stat(paths.dir)).modTime;
    } catch (error) {
      if (error instanceof PathNotFound) return undefined;
      throw error;
    }
  }
}

function isByteRange(range: { start: number; end: number }): boolean {
  return (
    Number.isSafeInteger(range.start) && Number.isSafeInteger(range.end) && 0 <= range.start && range.start <= range.end
  );
}
