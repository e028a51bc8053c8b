/**
 * A push parser for tar archives (POSIX ustar and pax, GNU and old v7 headers), fed chunk by chunk
 * so a layer is never held in memory: the caller decides per entry whether it wants the data, and
 * data it does not want is only counted past. Entry data reaches the sink as views of the chunks
 * pushed in (no copies).
 *
 *   archive := (header(512) data padded to 512)* zero-block zero-block
 *   pax `x` header: "<len> key=value\n" records for the next entry (path, linkpath, size);
 *   GNU `L`/`K`: the next entry's long name / link name as data.
 */

/** One archive member, after pax and GNU long-name records are applied. */
export interface TarEntryHeader {
  /** The member's name as written (not normalised). */
  path: string;
  type: 'file' | 'dir' | 'symlink' | 'hardlink' | 'other';
  /** Permission bits (`0o755`). */
  mode: number;
  /** Bytes of data that follow the header. */
  size: number;
  /** Target of a symlink or hard link; empty otherwise. */
  linkTarget: string;
}

/** Receives one entry's data. */
export interface TarDataSink {
  write(chunk: Uint8Array): void;
  end(): void;
}

/** Returns a sink for the data of entries it wants, undefined to skip an entry's data. */
export type TarEntryHandler = (header: TarEntryHeader) => TarDataSink | undefined;

export class TarFormatError extends Error {
  override name = 'TarFormatError';
}

const BLOCK = 512;
/** pax and GNU long-name records are metadata; a larger one is a broken or hostile archive. */
const MAX_META_BYTES = 1024 * 1024;

type State =
  | { kind: 'header' }
  | { kind: 'data'; remaining: number; padding: number; sink: TarDataSink | undefined }
  | { kind: 'meta'; remaining: number; padding: number; typeflag: string; parts: Buffer[] }
  | { kind: 'padding'; remaining: number }
  | { kind: 'done' };

export class TarParser {
  readonly #onEntry: TarEntryHandler;
  #state: State = { kind: 'header' };
  readonly #header = Buffer.alloc(BLOCK);
  #headerFill = 0;
  #zeroBlocks = 0;
  #pending: { path?: string; linkpath?: string; size?: number } = {};
  #bytes = 0;
  #entries = 0;

  constructor(onEntry: TarEntryHandler) {
    this.#onEntry = onEntry;
  }

  /** Archive bytes consumed so far. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Entries handed to the handler so far (metadata records not counted). */
  get entries(): number {
    return this.#entries;
  }

  /** True once the end-of-archive marker (two zero blocks) was read. */
  get finished(): boolean {
    return this.#state.kind === 'done';
  }

  push(chunk: Uint8Array): void {
    let offset = 0;
    this.#bytes += chunk.length;
    while (offset < chunk.length) {
      const state = this.#state;
      switch (state.kind) {
        case 'done':
          // Anything after the end marker (the rest of the last 10 KiB record) is padding.
          return;
        case 'header': {
          const take = Math.min(BLOCK - this.#headerFill, chunk.length - offset);
          if (this.#headerFill === 0 && take === BLOCK) {
            this.#onHeader(chunk.subarray(offset, offset + BLOCK));
          } else {
            this.#header.set(chunk.subarray(offset, offset + take), this.#headerFill);
            this.#headerFill += take;
            if (this.#headerFill === BLOCK) {
              this.#headerFill = 0;
              this.#onHeader(this.#header);
            }
          }
          offset += take;
          break;
        }
        case 'data': {
          const take = Math.min(state.remaining, chunk.length - offset);
          if (take > 0) state.sink?.write(chunk.subarray(offset, offset + take));
          state.remaining -= take;
          offset += take;
          if (state.remaining === 0) {
            state.sink?.end();
            this.#state = state.padding > 0 ? { kind: 'padding', remaining: state.padding } : { kind: 'header' };
          }
          break;
        }
        case 'meta': {
          const take = Math.min(state.remaining, chunk.length - offset);
          state.parts.push(Buffer.from(chunk.subarray(offset, offset + take)));
          state.remaining -= take;
          offset += take;
          if (state.remaining === 0) {
            this.#onMeta(state.typeflag, Buffer.concat(state.parts));
            this.#state = state.padding > 0 ? { kind: 'padding', remaining: state.padding } : { kind: 'header' };
          }
          break;
        }
        case 'padding': {
          const take = Math.min(state.remaining, chunk.length - offset);
          state.remaining -= take;
          offset += take;
          if (state.remaining === 0) this.#state = { kind: 'header' };
          break;
        }
      }
    }
  }

  /**
   * The input ended. An archive cut inside an entry is an error; one that ends between entries
   * without its end marker is accepted, as GNU tar and containerd accept it.
   */
  end(): void {
    const state = this.#state;
    if (state.kind === 'done') return;
    if (state.kind === 'header' && this.#headerFill === 0) return;
    if (state.kind === 'padding') return;
    throw new TarFormatError(`the archive ends inside an entry (after ${this.#bytes} bytes)`);
  }

  #onHeader(block: Uint8Array): void {
    if (isZeroBlock(block)) {
      this.#zeroBlocks++;
      if (this.#zeroBlocks === 2) this.#state = { kind: 'done' };
      return;
    }
    this.#zeroBlocks = 0;
    const header = Buffer.from(block.buffer, block.byteOffset, BLOCK);
    if (!checksumMatches(header)) {
      throw new TarFormatError(`not a tar header at byte ${this.#bytes - BLOCK} (checksum mismatch)`);
    }
    const typeflag = String.fromCharCode(header[156]!);
    let size = readNumber(header, 124, 12);
    // GNU extended headers and pax records describe the next entry; sizes of those are their own.
    if (typeflag === 'x' || typeflag === 'g' || typeflag === 'L' || typeflag === 'K') {
      if (size > MAX_META_BYTES) throw new TarFormatError(`a ${typeflag} record of ${size} bytes is too large`);
      const padding = paddingOf(size);
      if (size === 0) return;
      this.#state = { kind: 'meta', remaining: size, padding, typeflag, parts: [] };
      return;
    }
    const pending = this.#pending;
    this.#pending = {};
    if (pending.size !== undefined) size = pending.size;
    const name = cString(header, 0, 100);
    // Only POSIX ustar (`ustar\0`) has a name prefix; GNU's `ustar  ` keeps times in those bytes.
    const prefix = header.toString('latin1', 257, 263) === 'ustar\0' ? cString(header, 345, 155) : '';
    const path = pending.path ?? (prefix ? `${prefix}/${name}` : name);
    const linkTarget = pending.linkpath ?? cString(header, 157, 100);
    const entry: TarEntryHeader = {
      path,
      type: entryType(typeflag, path),
      mode: readNumber(header, 100, 8) & 0o7777,
      size,
      linkTarget,
    };
    // Only regular files carry data in layers; hard links, symlinks and directories say 0, but a
    // size on them (some writers put one on hard links) must still be skipped.
    this.#entries++;
    const sink = this.#onEntry(entry);
    const padding = paddingOf(size);
    if (size === 0) {
      sink?.end();
      return;
    }
    this.#state = { kind: 'data', remaining: size, padding, sink };
  }

  #onMeta(typeflag: string, data: Buffer): void {
    if (typeflag === 'L') this.#pending.path = cString(data, 0, data.length);
    else if (typeflag === 'K') this.#pending.linkpath = cString(data, 0, data.length);
    else if (typeflag === 'x') {
      const records = parsePax(data);
      if (records.path !== undefined) this.#pending.path = records.path;
      if (records.linkpath !== undefined) this.#pending.linkpath = records.linkpath;
      if (records.size !== undefined) this.#pending.size = records.size;
    }
    // `g` (global) records set defaults for the whole archive; image layers never use them for
    // names, and applying a global path to every entry would be wrong, so they are read past.
  }
}

function entryType(typeflag: string, path: string): TarEntryHeader['type'] {
  switch (typeflag) {
    case '0':
    case '\0':
    case '7':
      // v7 archives mark directories only by a trailing slash.
      return path.endsWith('/') ? 'dir' : 'file';
    case '1':
      return 'hardlink';
    case '2':
      return 'symlink';
    case '5':
      return 'dir';
    default:
      return 'other';
  }
}

function paddingOf(size: number): number {
  const rest = size % BLOCK;
  return rest === 0 ? 0 : BLOCK - rest;
}

function isZeroBlock(block: Uint8Array): boolean {
  for (let i = 0; i < BLOCK; i++) if (block[i] !== 0) return false;
  return true;
}

/** The checksum is the byte sum of the header with its own field read as spaces; old tars summed signed bytes. */
function checksumMatches(header: Buffer): boolean {
  const stored = readNumber(header, 148, 8);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : header[i]!;
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  return stored === unsigned || stored === signed;
}

/** Octal text, or GNU's base-256 (high bit of the first byte set) for values that do not fit. */
function readNumber(buf: Buffer, offset: number, length: number): number {
  const first = buf[offset]!;
  if (first & 0x80) {
    if (first === 0xff) throw new TarFormatError('negative number in tar header');
    let value = first & 0x7f;
    for (let i = 1; i < length; i++) {
      value = value * 256 + buf[offset + i]!;
      if (!Number.isSafeInteger(value)) throw new TarFormatError('number in tar header is too large');
    }
    return value;
  }
  const text = buf
    .toString('latin1', offset, offset + length)
    .replace(/\0.*$/s, '')
    .trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new TarFormatError(`bad octal number "${text}" in tar header`);
  return parseInt(text, 8);
}

function cString(buf: Buffer, offset: number, length: number): string {
  const end = buf.indexOf(0, offset);
  return buf.toString('utf8', offset, end >= 0 && end < offset + length ? end : offset + length);
}

function parsePax(data: Buffer): { path?: string; linkpath?: string; size?: number } {
  const out: { path?: string; linkpath?: string; size?: number } = {};
  let i = 0;
  while (i < data.length) {
    const space = data.indexOf(0x20, i);
    if (space < 0) break;
    const len = Number(data.toString('latin1', i, space));
    if (!Number.isInteger(len) || len <= 0 || i + len > data.length) {
      throw new TarFormatError('malformed pax record');
    }
    const record = data.toString('utf8', space + 1, i + len - 1);
    const eq = record.indexOf('=');
    if (eq > 0) {
      const key = record.slice(0, eq);
      const value = record.slice(eq + 1);
      if (key === 'path' || key === 'linkpath') out[key] = value;
      else if (key === 'size') {
        if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
          throw new TarFormatError(`bad pax size "${value}"`);
        }
        out.size = Number(value);
      }
    }
    i += len;
  }
  return out;
}
