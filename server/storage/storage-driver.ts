import type { Readable, Writable } from 'node:stream';

/**
 * The storage seam: a small, path-based driver in the shape of distribution's StorageDriver. Drivers
 * know nothing about blobs or repositories; `BlobStore` is the only caller that knows the layout.
 *
 * Paths are absolute, `/`-separated, with non-empty segments of `[A-Za-z0-9._-]` and no `.`/`..`
 * segments (`/blobs/sha256/ab/abcd.../data`). Every method throws `PathNotFound` for a missing path
 * and `InvalidPath` for a malformed one; other failures surface as the driver's own errors.
 *
 * Durability contract: `putContent`, a committed `FileWriter` and `move` are durable when their
 * promise resolves (the filesystem driver fsyncs the file and its directory). A reader never observes
 * a half-written `putContent` or `move` target.
 */
export interface StorageDriver {
  readonly name: string;
  /** Size and kind of a file or directory. */
  stat(path: string): Promise<FileInfo>;
  /**
   * Streams a file from `offset` (inclusive), at most `length` bytes when given. An offset at or past
   * the end yields an empty stream.
   */
  reader(path: string, offset?: number, length?: number): Promise<Readable>;
  /**
   * Opens a file for streaming writes. With `append` the writer continues after the existing bytes
   * (creating the file when missing); without it the file is truncated. Parent directories are created.
   */
  writer(path: string, append: boolean): Promise<FileWriter>;
  /** Whole small file (manifests, markers). */
  getContent(path: string): Promise<Buffer>;
  /** Atomically replaces a small file: readers see the old or the new content, never a mix. */
  putContent(path: string, content: Uint8Array): Promise<void>;
  /** Direct children of a directory, as full paths, sorted. */
  list(path: string): Promise<string[]>;
  /** Atomically moves a file into place, replacing any file at `dest`; creates parents. */
  move(source: string, dest: string): Promise<void>;
  /** Deletes a file or a whole directory tree. */
  delete(path: string): Promise<void>;
  /** Visits every file (not directory) under `path`, depth first in sorted order. */
  walk(path: string, visit: (info: FileInfo) => void | Promise<void>): Promise<void>;
  /** A URL the client may fetch the bytes from directly (S3 presigned); undefined when not supported. */
  redirectUrl?(path: string, method: 'GET' | 'HEAD'): Promise<string | undefined>;
}

export interface FileInfo {
  path: string;
  size: number;
  modTime: Date;
  isDir: boolean;
}

/**
 * A streaming writer. Write through `stream` (with backpressure, e.g. `stream.pipeline`), then call
 * exactly one of `commit` (flush and make durable, keep the file) or `cancel` (discard the file).
 * `size` counts every byte in the file, including bytes that existed before an append.
 */
export interface FileWriter {
  readonly stream: Writable;
  readonly size: number;
  commit(): Promise<void>;
  cancel(): Promise<void>;
}

export class PathNotFound extends Error {
  constructor(readonly path: string) {
    super(`path not found: ${path}`);
    this.name = 'PathNotFound';
  }
}

export class InvalidPath extends Error {
  constructor(readonly path: string) {
    super(`invalid storage path: ${path}`);
    this.name = 'InvalidPath';
  }
}

const SEGMENT = /^[A-Za-z0-9._-]+$/;

/** Throws `InvalidPath` unless `path` follows the driver path grammar. `/` alone is the root. */
export function assertValidPath(path: string): void {
  if (path === '/') return;
  if (!path.startsWith('/') || path.endsWith('/')) throw new InvalidPath(path);
  for (const segment of path.slice(1).split('/')) {
    if (!SEGMENT.test(segment) || segment === '.' || segment === '..') throw new InvalidPath(path);
  }
}
