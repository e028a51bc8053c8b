import { randomBytes } from 'node:crypto';
import { createReadStream, type Stats } from 'node:fs';
import {
  lstat,
  mkdir,
  open,
  readFile,
  readdir,
  rename,
  rm,
  rmdir,
  stat,
  unlink,
  type FileHandle,
} from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import {
  assertByteCount,
  childPath,
  compareNames,
  emptyReadable,
  isDirectoryError,
  isValidName,
} from './driver-utils.js';
import { FilesystemFileWriter } from './filesystem-writer.js';
import {
  assertValidPath,
  InvalidPath,
  PathNotFound,
  type FileInfo,
  type FileWriter,
  type StorageDriver,
} from './storage-driver.js';

/**
 * Staging directory for `putContent`, directly under the root so a rename into place never crosses a
 * filesystem. `~` is outside the path grammar: no driver path can name it, and `list`/`walk` skip it.
 */
const TEMP_DIR = '~tmp';
/** Large reads in big slices: fewer syscalls and event-loop turns per blob. */
const READ_HIGH_WATER_MARK = 1024 * 1024;

/**
 * The default driver: one file per path under `rootDir`. Durability follows the seam's contract:
 * file contents are fsynced before they become visible under their final name, and every directory
 * whose entries changed (new file, rename target, new parent directory) is fsynced before the
 * operation resolves. On Windows directories cannot be opened for fsync; there NTFS's journal is all
 * we get for directory entries.
 */
export class FilesystemDriver implements StorageDriver {
  readonly name = 'filesystem';
  readonly rootDir: string;

  constructor(rootDir: string) {
    this.rootDir = resolve(rootDir);
  }

  async stat(path: string): Promise<FileInfo> {
    const full = this.#full(path);
    try {
      return toInfo(path, await stat(full));
    } catch (error) {
      // The root exists for callers before anything was ever written.
      if (path === '/' && isNotFound(error)) return { path, size: 0, modTime: new Date(0), isDir: true };
      throw mapNotFound(error, path);
    }
  }

  async reader(path: string, offset = 0, length?: number): Promise<Readable> {
    assertByteCount('offset', offset);
    if (length !== undefined) assertByteCount('length', length);
    const full = this.#full(path);
    let handle: FileHandle;
    try {
      handle = await open(full, 'r');
    } catch (error) {
      throw mapNotFound(error, path);
    }
    try {
      const info = await handle.stat();
      if (info.isDirectory()) throw isDirectoryError(path);
      const last = length === undefined ? info.size - 1 : Math.min(info.size, offset + length) - 1;
      if (last < offset) {
        await handle.close();
        return emptyReadable();
      }
      // The stream takes over the handle and closes it at end, error or destroy.
      return createReadStream(full, { fd: handle, start: offset, end: last, highWaterMark: READ_HIGH_WATER_MARK });
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    }
  }

  async writer(path: string, append: boolean): Promise<FileWriter> {
    const full = this.#fileTarget(path);
    const dir = dirname(full);
    await this.#ensureDir(dir);
    // Exclusive create first: a new file's directory entry must be fsynced on commit, an old one not.
    let handle: FileHandle;
    let created = true;
    try {
      handle = await open(full, append ? 'ax' : 'wx');
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') throw error;
      created = false;
      handle = await open(full, append ? 'a' : 'w');
    }
    let size: number;
    try {
      size = append && !created ? (await handle.stat()).size : 0;
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    }
    return new FilesystemFileWriter(handle, size, {
      afterCommit: () => (created ? fsyncDir(dir) : Promise.resolve()),
      afterCancel: () => rm(full, { force: true }),
    });
  }

  async getContent(path: string): Promise<Buffer> {
    const full = this.#full(path);
    try {
      return await readFile(full);
    } catch (error) {
      throw mapNotFound(error, path);
    }
  }

  async putContent(path: string, content: Uint8Array): Promise<void> {
    const full = this.#fileTarget(path);
    const temp = await this.#tempFile();
    try {
      const handle = await open(temp, 'wx');
      try {
        await handle.writeFile(content);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await this.#ensureDir(dirname(full));
      await rename(temp, full);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    await fsyncDir(dirname(full));
  }

  async list(path: string): Promise<string[]> {
    const full = this.#full(path);
    let names: string[];
    try {
      names = await readdir(full);
    } catch (error) {
      if (path === '/' && isNotFound(error)) return [];
      throw mapNotFound(error, path);
    }
    // libuv already sorts by strcmp on POSIX; Windows hands back NTFS's case-insensitive order.
    return names
      .filter(isValidName)
      .sort(compareNames)
      .map((name) => childPath(path, name));
  }

  async move(source: string, dest: string): Promise<void> {
    const from = this.#fileTarget(source);
    const to = this.#fileTarget(dest);
    // Checked up front: once the parents of `dest` exist, ENOENT from rename can only mean the source.
    try {
      await lstat(from);
    } catch (error) {
      throw mapNotFound(error, source);
    }
    await this.#ensureDir(dirname(to));
    try {
      await rename(from, to);
    } catch (error) {
      throw mapNotFound(error, source);
    }
    await fsyncDir(dirname(to));
  }

  /**
   * One syscall for a file and one more for an empty directory, the common cases (GC deletes a blob's
   * `data` and then its directory); a recursive walk only for a directory with contents. A sweep of
   * 100,000 blobs is mostly these calls.
   */
  async delete(path: string): Promise<void> {
    const full = this.#fileTarget(path);
    try {
      await unlink(full);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // A directory: EISDIR on Linux, EPERM on macOS.
      if (code !== 'EISDIR' && code !== 'EPERM') throw mapNotFound(error, path);
    }
    try {
      await rmdir(full);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw mapNotFound(error, path);
    }
    await rm(full, { recursive: true, force: true });
  }

  async walk(path: string, visit: (info: FileInfo) => void | Promise<void>): Promise<void> {
    const info = await this.stat(path);
    if (!info.isDir) throw new PathNotFound(path);
    await this.#walkDir(path, this.#full(path), visit);
  }

  /**
   * Removes staging files older than `maxAgeMs`, left behind by a process killed in the middle of a
   * `putContent`. The age guard keeps files another live process (sharing the root) is writing.
   * Returns how many files were removed.
   */
  async removeStaleTempFiles(maxAgeMs = 60 * 60 * 1000): Promise<number> {
    const dir = join(this.rootDir, TEMP_DIR);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (error) {
      if (isNotFound(error)) return 0;
      throw error;
    }
    const cutoff = Date.now() - maxAgeMs;
    let removed = 0;
    for (const name of names) {
      const file = join(dir, name);
      const info = await lstat(file).catch(() => undefined);
      if (info === undefined || info.mtimeMs >= cutoff) continue;
      await rm(file, { recursive: true, force: true });
      removed++;
    }
    return removed;
  }

  async #walkDir(path: string, full: string, visit: (info: FileInfo) => void | Promise<void>): Promise<void> {
    let entries;
    try {
      entries = await readdir(full, { withFileTypes: true });
    } catch (error) {
      // A directory deleted while we walk (GC next to a sweep) simply has nothing left to visit.
      if (isNotFound(error)) return;
      throw error;
    }
    const visible = entries.filter((e) => isValidName(e.name)).sort((a, b) => compareNames(a.name, b.name));
    for (const entry of visible) {
      const childFull = join(full, entry.name);
      const child = childPath(path, entry.name);
      if (entry.isDirectory()) {
        await this.#walkDir(child, childFull, visit);
      } else if (entry.isFile()) {
        const info = await stat(childFull).catch((error: unknown) => {
          if (isNotFound(error)) return undefined;
          throw error;
        });
        if (info !== undefined) await visit(toInfo(child, info));
      }
    }
  }

  /**
   * The local file behind a driver path, so a worker thread can open a blob itself (layer analysis)
   * instead of having its bytes streamed across threads. The file may vanish (GC) at any time.
   */
  localPath(path: string): string {
    return this.#fileTarget(path);
  }

  #full(path: string): string {
    assertValidPath(path);
    return path === '/' ? this.rootDir : join(this.rootDir, ...path.slice(1).split('/'));
  }

  /** Like `#full`, for operations that need a file name: the root cannot be written, moved or deleted. */
  #fileTarget(path: string): string {
    if (path === '/') throw new InvalidPath(path);
    return this.#full(path);
  }

  async #tempFile(): Promise<string> {
    const dir = join(this.rootDir, TEMP_DIR);
    await mkdir(dir, { recursive: true });
    return join(dir, `${process.pid}-${randomBytes(8).toString('hex')}`);
  }

  /** `mkdir -p`, then fsync the parent of every directory it created so the new entries survive a crash. */
  async #ensureDir(dir: string): Promise<void> {
    const first = await mkdir(dir, { recursive: true });
    if (first === undefined) return;
    for (let current = dir; ; current = dirname(current)) {
      const parent = dirname(current);
      await fsyncDir(parent);
      if (current === first || parent === current) break;
    }
  }
}

async function fsyncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch (error) {
    // Some filesystems (certain FUSE and network mounts) cannot fsync a directory at all.
    if (errorCode(error) !== 'EINVAL') throw error;
  } finally {
    await handle.close();
  }
}

function toInfo(path: string, info: Stats): FileInfo {
  const isDir = info.isDirectory();
  return { path, size: isDir ? 0 : info.size, modTime: info.mtime, isDir };
}

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
}

function isNotFound(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function mapNotFound(error: unknown, path: string): unknown {
  return isNotFound(error) ? new PathNotFound(path) : error;
}
