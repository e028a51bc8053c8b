import { closeSync, openSync, readSync } from 'node:fs';

/**
 * The bytes of one file a detector looks at, with random access: binaries and archives are read
 * from their ends (ELF section headers, a zip's central directory), so a large file can stay on
 * disk and only the parts a detector asks for are read.
 */
export interface ByteSource {
  readonly size: number;
  /** Up to `length` bytes at `offset`; fewer at the end of the file, none past it. */
  read(offset: number, length: number): Buffer;
  /** The file on disk holding these bytes, when there is one (SQLite opens a path). */
  readonly filePath?: string | undefined;
}

/** A source over bytes in memory. */
export function bufferSource(bytes: Uint8Array): ByteSource {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    size: buffer.length,
    read: (offset, length) => buffer.subarray(clamp(offset, buffer.length), clamp(offset + length, buffer.length)),
  };
}

/** A source over a file on disk; `close()` releases the descriptor. */
export function fileSource(path: string, size: number): ByteSource & { close(): void } {
  const fd = openSync(path, 'r');
  return {
    size,
    filePath: path,
    read(offset, length) {
      const start = clamp(offset, size);
      const out = Buffer.allocUnsafe(clamp(offset + length, size) - start);
      let done = 0;
      while (done < out.length) {
        const n = readSync(fd, out, done, out.length - done, start + done);
        if (n === 0) break;
        done += n;
      }
      return out.subarray(0, done);
    },
    close: () => closeSync(fd),
  };
}

/** The whole source; callers bound `size` first. */
export function readAll(source: ByteSource): Buffer {
  return source.read(0, source.size);
}

/** The whole source as UTF-8 text (a BOM dropped). */
export function readText(source: ByteSource): string {
  const text = readAll(source).toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function clamp(n: number, size: number): number {
  return Math.max(0, Math.min(size, n));
}
