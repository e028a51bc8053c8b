import { Readable, pipeline, type Transform } from 'node:stream';
import * as zlib from 'node:zlib';
import { Decompress as FzstdDecompress } from 'fzstd';

/**
 * Layer decompression chosen by the bytes, not the media type: Docker and OCI media types lie often
 * enough (`tar.gzip` layers that are plain tar, `+zstd` pushed as gzip by old tools) and the magic
 * numbers never do. gzip goes through Node's zlib; zstd through Node's zlib where the running Node
 * has it (22.15 and later), otherwise through fzstd (pure JavaScript). Both refuse zstd windows
 * larger than `maxZstdWindowBytes`, since a decoder allocates the whole window up front.
 */

export type LayerCompression = 'gzip' | 'zstd' | 'none';

export class LayerFormatError extends Error {
  override name = 'LayerFormatError';
}

/** zstd's own decoder refuses windows above 2^27 unless told otherwise (`--long=31`). */
export const DEFAULT_MAX_ZSTD_WINDOW_BYTES = 128 * 1024 * 1024;

export interface DecompressOptions {
  /** Largest zstd window accepted (bytes). */
  maxZstdWindowBytes?: number;
  /** Tests force the JavaScript zstd decoder on a Node that has a native one. */
  zstdImplementation?: 'node' | 'fzstd';
}

/** What the first bytes say; `unknown` for anything else (bzip2, xz, garbage). */
export function sniffCompression(head: Uint8Array): LayerCompression | 'unknown' {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  // A stream may open with a skippable frame (magic 0x184D2A50..5F, little-endian).
  if (head.length >= 4 && (head[0]! & 0xf0) === 0x50 && head[1] === 0x2a && head[2] === 0x4d && head[3] === 0x18) {
    return 'zstd';
  }
  if (looksLikeTar(head)) return 'none';
  return 'unknown';
}

/** A ustar magic, or an old-style header whose checksum adds up; an empty archive is all zeros. */
function looksLikeTar(head: Uint8Array): boolean {
  if (head.length < 512) return head.length > 0 && head.every((b) => b === 0);
  const text = Buffer.from(head.buffer, head.byteOffset, 512).toString('latin1', 257, 262);
  if (text === 'ustar') return true;
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : head[i]!;
  const stored = parseInt(Buffer.from(head.buffer, head.byteOffset, 512).toString('latin1', 148, 156).trim(), 8);
  return stored === sum || head.subarray(0, 512).every((b) => b === 0);
}

export interface DecompressedLayer {
  compression: LayerCompression;
  /** The tar bytes, chunk by chunk. */
  chunks: AsyncIterable<Uint8Array>;
  /** Compressed bytes read from the source so far. */
  compressedBytes(): number;
}

/**
 * Reads enough of `source` to tell the compression, then decompresses as the caller iterates.
 * Backpressure is the caller's: nothing is read ahead of what it consumes, beyond stream buffers.
 */
export async function decompressLayer(
  source: AsyncIterable<Uint8Array>,
  options: DecompressOptions = {},
): Promise<DecompressedLayer> {
  const iterator = source[Symbol.asyncIterator]();
  let compressed = 0;
  const headParts: Uint8Array[] = [];
  let headLength = 0;
  let exhausted = false;
  while (headLength < 512) {
    const next = await iterator.next();
    if (next.done) {
      exhausted = true;
      break;
    }
    const chunk = toUint8(next.value);
    compressed += chunk.length;
    headParts.push(chunk);
    headLength += chunk.length;
  }
  const head = headParts.length === 1 ? headParts[0]! : Buffer.concat(headParts);
  const compression = sniffCompression(head);
  if (compression === 'unknown') {
    throw new LayerFormatError(
      headLength === 0 ? 'the layer is empty' : `the layer is not gzip, zstd or tar (starts with ${hex(head)})`,
    );
  }
  async function* raw(): AsyncGenerator<Uint8Array> {
    if (head.length > 0) yield head;
    if (exhausted) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      const chunk = toUint8(next.value);
      compressed += chunk.length;
      yield chunk;
    }
  }
  const maxWindow = options.maxZstdWindowBytes ?? DEFAULT_MAX_ZSTD_WINDOW_BYTES;
  let chunks: AsyncIterable<Uint8Array>;
  if (compression === 'none') chunks = raw();
  else if (compression === 'gzip') chunks = throughTransform(raw(), zlib.createGunzip());
  else {
    const guarded = guardZstd(raw(), maxWindow);
    const native = nativeZstd(maxWindow);
    chunks =
      native && options.zstdImplementation !== 'fzstd' ? throughTransform(guarded, native) : fzstdChunks(guarded);
  }
  return { compression, chunks, compressedBytes: () => compressed };
}

function throughTransform(input: AsyncIterable<Uint8Array>, transform: Transform): AsyncIterable<Uint8Array> {
  // pipeline() destroys both ends on an error and hands the error to whoever iterates the output.
  return pipeline(Readable.from(input, { objectMode: false }), transform, () => {});
}

type ZstdFactory = (options: { params: Record<number, number> }) => Transform;

function nativeZstd(maxWindow: number): Transform | undefined {
  const create = (zlib as unknown as { createZstdDecompress?: ZstdFactory }).createZstdDecompress;
  const windowLogMax = (zlib.constants as unknown as Record<string, number>).ZSTD_d_windowLogMax;
  if (typeof create !== 'function' || windowLogMax === undefined) return undefined;
  return create({ params: { [windowLogMax]: Math.max(10, Math.ceil(Math.log2(maxWindow))) } });
}

async function* fzstdChunks(input: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let out: Uint8Array[] = [];
  const decoder = new FzstdDecompress((data) => {
    if (data.length > 0) out.push(data);
  });
  for await (const chunk of input) {
    try {
      decoder.push(chunk);
    } catch (err) {
      throw new LayerFormatError(`zstd: ${(err as Error).message}`);
    }
    if (out.length > 0) {
      const ready = out;
      out = [];
      yield* ready;
    }
  }
  try {
    decoder.push(new Uint8Array(0), true);
  } catch (err) {
    throw new LayerFormatError(`zstd: ${(err as Error).message}`);
  }
  yield* out;
}

/** Passes the compressed stream through, checking every frame header on the way. */
async function* guardZstd(input: AsyncIterable<Uint8Array>, maxWindow: number): AsyncGenerator<Uint8Array> {
  const guard = new ZstdFrameGuard(maxWindow);
  for await (const chunk of input) {
    guard.push(chunk);
    yield chunk;
  }
  guard.end();
}

type ZstdField = 'magic' | 'descriptor' | 'frameHeader' | 'skipSize' | 'blockHeader';

/**
 * Walks zstd frame structure (RFC 8878 §3.1) without decoding: frame headers, block headers and
 * checksums, and skippable frames. Throws before any decoder sees a frame whose window exceeds the
 * limit or that needs a dictionary (layers never use one).
 */
export class ZstdFrameGuard {
  readonly #maxWindow: number;
  /** Bytes still to collect for the current fixed-size field, and what it is. */
  #need = 4;
  #field: ZstdField = 'magic';
  readonly #buf = Buffer.alloc(18);
  #fill = 0;
  /** Opaque bytes to pass over (block content, skippable frame body, checksum). */
  #skip = 0;
  #afterSkip: 'blockHeader' | 'checksumOrNext' | 'magic' = 'magic';
  #checksum = false;
  #frames = 0;

  constructor(maxWindow: number) {
    this.#maxWindow = maxWindow;
  }

  push(chunk: Uint8Array): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.#skip > 0) {
        const take = Math.min(this.#skip, chunk.length - offset);
        this.#skip -= take;
        offset += take;
        if (this.#skip === 0) this.#afterSkipDone();
        continue;
      }
      const take = Math.min(this.#need - this.#fill, chunk.length - offset);
      this.#buf.set(chunk.subarray(offset, offset + take), this.#fill);
      this.#fill += take;
      offset += take;
      if (this.#fill === this.#need) {
        this.#fill = 0;
        this.#onField();
      }
    }
  }

  end(): void {
    if (this.#frames === 0 || this.#field !== 'magic' || this.#fill !== 0 || this.#skip !== 0) {
      throw new LayerFormatError('zstd: the stream ends inside a frame');
    }
  }

  #afterSkipDone(): void {
    if (this.#afterSkip === 'blockHeader') this.#expect('blockHeader', 3);
    else if (this.#afterSkip === 'checksumOrNext') this.#endOfBlocks();
    else this.#expect('magic', 4);
  }

  #expect(field: ZstdField, need: number): void {
    this.#field = field;
    this.#need = need;
  }

  #endOfBlocks(): void {
    if (this.#checksum) {
      this.#checksum = false;
      this.#skip = 4;
      this.#afterSkip = 'magic';
    } else this.#expect('magic', 4);
  }

  #onField(): void {
    const b = this.#buf;
    switch (this.#field) {
      case 'magic': {
        const magic = b.readUInt32LE(0);
        if (magic === 0xfd2fb528) {
          this.#frames++;
          this.#expect('descriptor', 1);
        } else if (magic >>> 4 === 0x184d2a5) {
          this.#frames++;
          this.#expect('skipSize', 4);
        } else throw new LayerFormatError(`zstd: bad frame magic 0x${magic.toString(16)}`);
        return;
      }
      case 'skipSize': {
        this.#skip = b.readUInt32LE(0);
        this.#afterSkip = 'magic';
        if (this.#skip === 0) this.#expect('magic', 4);
        return;
      }
      case 'descriptor': {
        const descriptor = b[0]!;
        const fcsFlag = descriptor >> 6;
        const singleSegment = (descriptor >> 5) & 1;
        const dictFlag = descriptor & 3;
        if (descriptor & 8) throw new LayerFormatError('zstd: reserved bit set in frame header');
        this.#checksum = ((descriptor >> 2) & 1) === 1;
        const windowBytes = singleSegment ? 0 : 1;
        const dictBytes = [0, 1, 2, 4][dictFlag]!;
        const fcsBytes = fcsFlag === 0 ? singleSegment : 1 << fcsFlag;
        const rest = windowBytes + dictBytes + fcsBytes;
        // Keep the descriptor at b[0] and read the rest after it.
        this.#fill = 1;
        this.#expect('frameHeader', 1 + rest);
        if (rest === 0) {
          this.#fill = 0;
          this.#onField();
        }
        return;
      }
      case 'frameHeader': {
        const descriptor = b[0]!;
        const fcsFlag = descriptor >> 6;
        const singleSegment = (descriptor >> 5) & 1;
        const dictFlag = descriptor & 3;
        let at = 1;
        let window = 0;
        if (!singleSegment) {
          const wd = b[at++]!;
          const base = 2 ** (10 + (wd >> 3));
          window = base + (base / 8) * (wd & 7);
        }
        const dictBytes = [0, 1, 2, 4][dictFlag]!;
        let dictId = 0;
        for (let i = 0; i < dictBytes; i++) dictId += b[at + i]! * 2 ** (8 * i);
        at += dictBytes;
        if (dictId !== 0) throw new LayerFormatError('zstd: frames that need a dictionary are not supported');
        if (singleSegment) {
          const fcsBytes = fcsFlag === 0 ? 1 : 1 << fcsFlag;
          let size = 0;
          for (let i = 0; i < fcsBytes; i++) size += b[at + i]! * 2 ** (8 * i);
          if (fcsBytes === 2) size += 256;
          window = size;
        }
        if (window > this.#maxWindow) {
          throw new LayerFormatError(
            `zstd: a frame needs a ${window}-byte window, more than the ${this.#maxWindow} bytes allowed`,
          );
        }
        this.#expect('blockHeader', 3);
        return;
      }
      case 'blockHeader': {
        const header = b[0]! | (b[1]! << 8) | (b[2]! << 16);
        const lastBlock = (header & 1) === 1;
        const type = (header >> 1) & 3;
        const size = header >>> 3;
        if (type === 3) throw new LayerFormatError('zstd: reserved block type');
        const content = type === 1 ? 1 : size;
        this.#afterSkip = lastBlock ? 'checksumOrNext' : 'blockHeader';
        if (content === 0) this.#afterSkipDone();
        else this.#skip = content;
        return;
      }
    }
  }
}

function toUint8(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return Buffer.from(value);
  throw new TypeError('a layer source must yield bytes');
}

function hex(head: Uint8Array): string {
  return Buffer.from(head.subarray(0, 8)).toString('hex');
}
