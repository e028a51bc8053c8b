import { Readable, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import {
  assertByteCount,
  childPath,
  compareNames,
  emptyReadable,
  isDirectoryError,
  notDirectoryError,
} from './driver-utils.js';
import {
  assertValidPath,
  InvalidPath,
  PathNotFound,
  type FileInfo,
  type FileWriter,
  type StorageDriver,
} from './storage-driver.js';

/** Chunks kept as written and joined on first read, so a streamed write costs no quadratic copying. */
class MemoryFile {
  #chunks: Buffer[] = [];
  size = 0;
  modTime = new Date();

  constructor(content?: Uint8Array) {
    if (content !== undefined && content.length > 0) this.append(Buffer.from(content));
  }

  append(chunk: Buffer): void {
    this.#chunks.push(Buffer.from(chunk));
    this.size += chunk.length;
    this.modTime = new Date();
  }

  content(): Buffer {
    if (this.#chunks.length !== 1) this.#chunks = [Buffer.concat(this.#chunks)];
    return this.#chunks[0] as Buffer;
  }
}

/**
 * The in-memory driver, for tests. Directories are implicit, as in object stores: a directory exists
 * while some file lies under it. Readers take a snapshot of the bytes at open time; every stored or
 * returned buffer is a copy, so callers cannot alias the store's state.
 */
export class MemoryDriver implements StorageDriver {
  readonly name = 'memory';
  readonly #files = new Map<string, MemoryFile>();

  async stat(path: string): Promise<FileInfo> {
    assertValidPath(path);
    const file = this.#files.get(path);
    if (file !== undefined) return { path, size: file.size, modTime: file.modTime, isDir: false };
    let newest: number | undefined;
    for (const [key, entry] of this.#files) {
      if (isUnder(key, path)) newest = Math.max(newest ?? 0, entry.modTime.getTime());
    }
    if (newest === undefined && path !== '/') throw new PathNotFound(path);
    return { path, size: 0, modTime: new Date(newest ?? 0), isDir: true };
  }

  async reader(path: string, offset = 0, length?: number): Promise<Readable> {
    assertByteCount('offset', offset);
    if (length !== undefined) assertByteCount('length', length);
    const data = this.#file(path).content();
    const end = length === undefined ? data.length : Math.min(data.length, offset + length);
    if (end <= offset) return emptyReadable();
    return Readable.from([Buffer.from(data.subarray(offset, end))], { objectMode: false });
  }

  async writer(path: string, append: boolean): Promise<FileWriter> {
    this.#assertCanCreate(path);
    let file = append ? this.#files.get(path) : undefined;
    if (file === undefined) {
      file = new MemoryFile();
      this.#files.set(path, file);
    }
    return new MemoryFileWriter(file, () => {
      // Like an unlinked inode, a file replaced meanwhile is not ours to remove.
      if (this.#files.get(path) === file) this.#files.delete(path);
    });
  }

  async getContent(path: string): Promise<Buffer> {
    return Buffer.from(this.#file(path).content());
  }

  async putContent(path: string, content: Uint8Array): Promise<void> {
    this.#assertCanCreate(path);
    this.#files.set(path, new MemoryFile(content));
  }

  async list(path: string): Promise<string[]> {
    assertValidPath(path);
    const names = new Set<string>();
    const prefix = path === '/' ? '/' : `${path}/`;
    for (const key of this.#files.keys()) {
      if (key.startsWith(prefix)) names.add(key.slice(prefix.length).split('/')[0] as string);
    }
    if (names.size === 0 && path !== '/') throw new PathNotFound(path);
    return [...names].sort(compareNames).map((name) => childPath(path, name));
  }

  async move(source: string, dest: string): Promise<void> {
    if (source === '/') throw new InvalidPath(source);
    assertValidPath(source);
    this.#assertCanCreate(dest);
    const file = this.#files.get(source);
    if (file !== undefined) {
      this.#files.delete(source);
      this.#files.set(dest, file);
      return;
    }
    const moving = [...this.#files].filter(([key]) => isUnder(key, source));
    if (moving.length === 0) throw new PathNotFound(source);
    for (const [key, entry] of moving) {
      this.#files.delete(key);
      this.#files.set(dest + key.slice(source.length), entry);
    }
  }

  async delete(path: string): Promise<void> {
    if (path === '/') throw new InvalidPath(path);
    assertValidPath(path);
    let found = this.#files.delete(path);
    for (const key of [...this.#files.keys()]) {
      if (isUnder(key, path)) found = this.#files.delete(key);
    }
    if (!found) throw new PathNotFound(path);
  }

  async walk(path: string, visit: (info: FileInfo) => void | Promise<void>): Promise<void> {
    const info = await this.stat(path);
    if (!info.isDir) throw new PathNotFound(path);
    // Per-segment order, not whole-path order: `/a/b/c` comes before `/a/b-x`, as on disk.
    for (const child of await this.list(path).catch(() => [])) {
      const childInfo = await this.stat(child).catch(() => undefined);
      if (childInfo === undefined) continue;
      if (childInfo.isDir) await this.walk(child, visit);
      else await visit(childInfo);
    }
  }

  #file(path: string): MemoryFile {
    assertValidPath(path);
    const file = this.#files.get(path);
    if (file !== undefined) return file;
    if (path === '/' || [...this.#files.keys()].some((key) => isUnder(key, path))) throw isDirectoryError(path);
    throw new PathNotFound(path);
  }

  /** The checks a filesystem makes for free: no file where a directory is, no directory through a file. */
  #assertCanCreate(path: string): void {
    if (path === '/') throw new InvalidPath(path);
    assertValidPath(path);
    for (let i = path.indexOf('/', 1); i > 0; i = path.indexOf('/', i + 1)) {
      if (this.#files.has(path.slice(0, i))) throw notDirectoryError(path);
    }
    for (const key of this.#files.keys()) {
      if (isUnder(key, path)) throw isDirectoryError(path);
    }
  }
}

class MemoryFileWriter implements FileWriter {
  readonly stream: Writable;
  #closed = false;

  constructor(
    private readonly file: MemoryFile,
    private readonly discard: () => void,
  ) {
    this.stream = new Writable({
      write: (chunk: Buffer, _encoding, callback) => {
        file.append(chunk);
        // Completes on a later turn, as real I/O does, so tests see the same interleavings.
        setImmediate(callback);
      },
    });
  }

  get size(): number {
    return this.file.size;
  }

  async commit(): Promise<void> {
    this.#close();
    if (!this.stream.destroyed) {
      if (!this.stream.writableEnded) this.stream.end();
      await finished(this.stream).catch(() => undefined);
    }
  }

  async cancel(): Promise<void> {
    this.#close();
    if (!this.stream.destroyed) this.stream.destroy();
    this.discard();
  }

  #close(): void {
    if (this.#closed) throw new Error('file writer already committed or cancelled');
    this.#closed = true;
  }
}

function isUnder(key: string, dir: string): boolean {
  return dir === '/' ? key !== '/' : key.startsWith(`${dir}/`);
}
