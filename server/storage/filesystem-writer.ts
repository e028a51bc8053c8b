import type { FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { FileWriter } from './storage-driver.js';

/** Lets a few network-sized chunks gather so `writev` moves them in one syscall. */
const WRITE_HIGH_WATER_MARK = 1024 * 1024;

/** What the driver does around the file itself once the writer is finished. */
export interface FileWriterHooks {
  /** After the file is fsynced and closed (e.g. fsync the directory of a new file). */
  afterCommit(): Promise<void>;
  /** After the handle is closed, to discard the file. */
  afterCancel(): Promise<void>;
}

/**
 * A `FileWriter` over an open file handle. The stream never closes the handle itself, not even when
 * it is destroyed: after a failed `pipeline` the caller may still `commit` the bytes that reached the
 * file (an interrupted upload keeps its prefix), so only `commit`/`cancel` end the handle's life.
 */
export class FilesystemFileWriter implements FileWriter {
  readonly stream: Writable;
  #size: number;
  #inFlight: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(
    private readonly handle: FileHandle,
    initialSize: number,
    private readonly hooks: FileWriterHooks,
  ) {
    this.#size = initialSize;
    this.stream = new Writable({
      highWaterMark: WRITE_HIGH_WATER_MARK,
      write: (chunk: Buffer, _encoding, callback) => this.#write([chunk], callback),
      writev: (chunks, callback) =>
        this.#write(
          chunks.map((c) => c.chunk as Buffer),
          callback,
        ),
      // The default would be fine too; spelled out because the handle must outlive the stream.
      destroy: (error, callback) => callback(error),
    });
  }

  get size(): number {
    return this.#size;
  }

  async commit(): Promise<void> {
    this.#close();
    const stream = this.stream;
    if (!stream.destroyed) {
      if (!stream.writableEnded) stream.end();
      // A failed write has already been reported through the stream; commit keeps what reached the file.
      await finished(stream).catch(() => undefined);
    }
    await this.#inFlight;
    try {
      await this.handle.sync();
    } finally {
      await this.handle.close();
    }
    await this.hooks.afterCommit();
  }

  async cancel(): Promise<void> {
    this.#close();
    if (!this.stream.destroyed) this.stream.destroy();
    await this.#inFlight;
    await this.handle.close();
    await this.hooks.afterCancel();
  }

  #close(): void {
    if (this.#closed) throw new Error('file writer already committed or cancelled');
    this.#closed = true;
  }

  #write(buffers: Buffer[], callback: (error?: Error | null) => void): void {
    const done = this.#writeAll(buffers);
    // Destroying the stream does not wait for a write already handed to the OS; commit/cancel must.
    this.#inFlight = done.catch(() => undefined);
    done.then(() => callback(), callback);
  }

  async #writeAll(buffers: Buffer[]): Promise<void> {
    let pending = buffers.filter((b) => b.length > 0);
    while (pending.length > 0) {
      const { bytesWritten } = await this.handle.writev(pending);
      this.#size += bytesWritten;
      pending = dropPrefix(pending, bytesWritten);
    }
  }
}

/** The buffers left after a short write of `count` bytes. */
function dropPrefix(buffers: Buffer[], count: number): Buffer[] {
  let rest = count;
  const out: Buffer[] = [];
  for (const buffer of buffers) {
    if (rest >= buffer.length) {
      rest -= buffer.length;
    } else {
      out.push(rest > 0 ? buffer.subarray(rest) : buffer);
      rest = 0;
    }
  }
  return out;
}
