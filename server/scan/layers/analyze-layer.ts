import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bufferSource, fileSource, type ByteSource } from '../detect/byte-source.js';
import { decompressLayer, type DecompressOptions } from './decompress.js';
import { DEFAULT_DETECTORS, detectorFor, withLimits, type DetectorLimits, type FileDetector } from './detectors.js';
import type { LayerAnalysis, LayerFile } from './layer-types.js';
import { TarParser, type TarDataSink, type TarEntryHeader } from './tar-parser.js';

/**
 * One layer blob → what its files say, streaming: the blob is decompressed and parsed as it is
 * read, and only the tar members some detector claims are kept, one at a time, each handed to its
 * detector as soon as its last byte arrives and dropped after. Members up to `spoolAboveBytes` are
 * held in memory; larger ones (jars, Go binaries, big rpm databases) go to a temporary file so
 * memory stays bounded whatever the layer holds.
 */

export interface LayerAnalysisOptions extends DecompressOptions, DetectorLimits {
  /** Total bytes of matched files read per layer; past it, matched files are recorded `over-layer-budget`. */
  maxReadBytes?: number;
  /** Uncompressed size at which the layer is refused (`LayerTooLarge`); unlimited when unset. */
  maxTarBytes?: number;
  /** Files above this go to a temporary file instead of memory. */
  spoolAboveBytes?: number;
  /** Where temporary files go (a directory is made inside and removed afterwards); default the OS temp dir. */
  tempDir?: string;
  /** Detectors to run (tests); default all. */
  detectors?: readonly FileDetector[];
  /** Stops the walk; the stream is abandoned and the error is the signal's reason. */
  signal?: AbortSignal;
}

/** Bumped whenever a detector's output for the same bytes changes: cached layer results are then stale. */
export const LAYER_ANALYZER_VERSION = 1;

/**
 * The result for a layer that was not read (over the scanner's largest-layer limit): it hides
 * nothing below it, adds nothing, and is marked truncated so the image's inventory says it is
 * incomplete.
 */
export function unreadLayer(compressedBytes: number): LayerAnalysis {
  return {
    analyzerVersion: LAYER_ANALYZER_VERSION,
    compression: 'none',
    compressedBytes,
    tarBytes: 0,
    entries: 0,
    files: [],
    whiteouts: [],
    opaqueDirs: [],
    readBytes: 0,
    truncated: true,
  };
}

export const DEFAULT_MAX_READ_BYTES = 1024 * 1024 * 1024;
export const DEFAULT_SPOOL_ABOVE_BYTES = 8 * 1024 * 1024;

export class LayerTooLarge extends Error {
  override name = 'LayerTooLarge';
}

/** Analyses one layer; the source yields the blob's bytes as stored (compressed or not). */
export async function analyzeLayer(
  source: AsyncIterable<Uint8Array>,
  options: LayerAnalysisOptions = {},
): Promise<LayerAnalysis> {
  const detectors = options.detectors ?? withLimits(options, DEFAULT_DETECTORS);
  const maxRead = options.maxReadBytes ?? DEFAULT_MAX_READ_BYTES;
  const spoolAbove = options.spoolAboveBytes ?? DEFAULT_SPOOL_ABOVE_BYTES;
  const maxTar = options.maxTarBytes ?? Infinity;
  options.signal?.throwIfAborted();

  const files = new Map<string, LayerFile>();
  const whiteouts = new Set<string>();
  const opaqueDirs = new Set<string>();
  let readBytes = 0;
  let truncated = false;
  let spoolDir: string | undefined;
  let spoolCount = 0;

  const record = (file: LayerFile) => {
    // The last member for a path wins, as extracting the tar would leave it.
    files.delete(file.path);
    files.set(file.path, file);
  };

  const onEntry = (entry: TarEntryHeader): TarDataSink | undefined => {
    const path = normalizePath(entry.path);
    if (path === undefined) return undefined;
    const slash = path.lastIndexOf('/');
    const base = path.slice(slash + 1);
    const dir = slash < 0 ? '' : path.slice(0, slash);
    if (base.startsWith('.wh.')) {
      if (base === '.wh..wh..opq') opaqueDirs.add(dir);
      else if (!base.startsWith('.wh..wh.')) whiteouts.add(dir ? `${dir}/${base.slice(4)}` : base.slice(4));
      // Other `.wh..wh.` names are aufs bookkeeping, not part of the image's filesystem.
      return undefined;
    }
    if (`/${path}`.includes('/.wh..wh.')) return undefined;
    if (entry.type === 'dir') return undefined;
    if (entry.type === 'hardlink') {
      // A hard link is the same file under another name: what was found for the target (earlier
      // in this layer, as tar always writes the target first) holds for the link too.
      const target = normalizePath(entry.linkTarget);
      const same = target === undefined ? undefined : files.get(target);
      if (same) record(relabel(same, path));
      else {
        const detector = detectorFor(detectors, path, { type: 'file', mode: entry.mode });
        if (detector && !detector.executablesOnly) {
          record({
            path,
            detector: detector.id,
            outcome: 'not-a-file',
            size: 0,
            message: `hard link to ${entry.linkTarget}`,
          });
        }
      }
      return undefined;
    }
    const detector = detectorFor(detectors, path, entry);
    if (!detector) return undefined;
    if (entry.type === 'symlink') {
      record({ path, detector: detector.id, outcome: 'symlink', size: 0, linkTarget: entry.linkTarget });
      return undefined;
    }
    if (entry.type !== 'file') {
      record({ path, detector: detector.id, outcome: 'not-a-file', size: 0 });
      return undefined;
    }
    if (entry.size > detector.maxBytes) {
      record({ path, detector: detector.id, outcome: 'too-large', size: entry.size });
      return undefined;
    }
    if (readBytes + entry.size > maxRead) {
      truncated = true;
      record({ path, detector: detector.id, outcome: 'over-layer-budget', size: entry.size });
      return undefined;
    }
    return capture(path, detector, entry.size);
  };

  const capture = (path: string, detector: FileDetector, size: number): TarDataSink => {
    const finish: Finish = (file, sink) => {
      if (!sink.accepted) return; // the head check said this is not for the detector (a script among binaries)
      readBytes += sink.written;
      let result: LayerFile;
      try {
        result = { path, detector: detector.id, outcome: 'parsed', size, ...definedOnly(detector.detect(file, path)) };
      } catch (err) {
        result = { path, detector: detector.id, outcome: 'error', size, message: (err as Error).message };
      }
      // An ELF file without Go build info has nothing to say, and binaries are not worth listing.
      if (detector.executablesOnly && result.outcome === 'parsed' && !result.packages?.length) return;
      record(result);
    };
    if (size > spoolAbove) {
      spoolDir ??= mkdtempSync(join(options.tempDir ?? tmpdir(), 'berth-layer-'));
      return new SpoolSink(join(spoolDir, String(spoolCount++)), detector, finish);
    }
    return new MemorySink(size, detector, finish);
  };

  const parser = new TarParser(onEntry);
  try {
    const layer = await decompressLayer(source, options);
    for await (const chunk of layer.chunks) {
      options.signal?.throwIfAborted();
      if (parser.bytes + chunk.length > maxTar) {
        throw new LayerTooLarge(`the layer unpacks to more than ${maxTar} bytes`);
      }
      parser.push(chunk);
      if (parser.finished) break;
    }
    parser.end();
    return {
      analyzerVersion: LAYER_ANALYZER_VERSION,
      compression: layer.compression,
      compressedBytes: layer.compressedBytes(),
      tarBytes: parser.bytes,
      entries: parser.entries,
      files: [...files.values()],
      whiteouts: [...whiteouts],
      opaqueDirs: [...opaqueDirs],
      readBytes,
      truncated,
    };
  } finally {
    if (spoolDir) rmSync(spoolDir, { recursive: true, force: true });
  }
}

/**
 * A tar member name as a path from the image root: no leading `/` or `./`, no `.` segments or
 * doubled slashes, no trailing slash. Undefined for names that climb out with `..` (no legitimate
 * layer has them; extracting one would write outside the root).
 */
export function normalizePath(name: string): string | undefined {
  const parts: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') return undefined;
    parts.push(part);
  }
  return parts.length === 0 ? undefined : parts.join('/');
}

function relabel(file: LayerFile, path: string): LayerFile {
  const copy: LayerFile = { ...file, path };
  if (file.packages) copy.packages = file.packages.map((p) => (p.path === file.path ? { ...p, path } : p));
  return copy;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

type Finish = (source: ByteSource, sink: { accepted: boolean; written: number }) => void;

/**
 * Collects a member into one buffer of its declared size, allocated only once the head check (if
 * the detector has one) passed: most executables are not Go binaries.
 */
class MemorySink implements TarDataSink {
  readonly #size: number;
  readonly #detector: FileDetector;
  readonly #finish: Finish;
  readonly #head: Buffer;
  #buffer: Buffer | undefined;
  written = 0;
  accepted = true;

  constructor(size: number, detector: FileDetector, finish: Finish) {
    this.#size = size;
    this.#detector = detector;
    this.#finish = finish;
    this.#head = Buffer.alloc(detector.headBytes ?? 0);
    if (this.#head.length === 0) this.#buffer = Buffer.allocUnsafe(size);
  }

  write(chunk: Uint8Array): void {
    if (!this.accepted) return;
    if (!this.#buffer) {
      const take = Math.min(this.#head.length - this.written, chunk.length);
      this.#head.set(chunk.subarray(0, take), this.written);
      this.written += take;
      if (this.written < this.#head.length) return;
      this.accepted = headAccepted(this.#detector, this.#head, this.written, 0);
      if (!this.accepted) return;
      this.#buffer = Buffer.allocUnsafe(this.#size);
      this.#head.copy(this.#buffer);
      chunk = chunk.subarray(take);
    }
    this.#buffer.set(chunk, this.written);
    this.written += chunk.length;
  }

  end(): void {
    if (!this.#buffer) {
      // Shorter than the head check needs: the check sees what there is.
      const head = this.#head.subarray(0, this.written);
      this.accepted = this.accepted && (this.#detector.acceptsHead?.(head) ?? true);
      this.#finish(bufferSource(head), this);
      return;
    }
    this.#finish(bufferSource(this.#buffer.subarray(0, this.written)), this);
  }
}

/** Writes a member to a temporary file and hands the detector random access to it. */
class SpoolSink implements TarDataSink {
  readonly #path: string;
  readonly #detector: FileDetector;
  readonly #finish: Finish;
  readonly #head: Buffer;
  #fd: number | undefined;
  written = 0;
  accepted = true;

  constructor(path: string, detector: FileDetector, finish: Finish) {
    this.#path = path;
    this.#detector = detector;
    this.#finish = finish;
    this.#head = Buffer.alloc(detector.headBytes ?? 0);
  }

  write(chunk: Uint8Array): void {
    if (!this.accepted) return;
    if (this.written < this.#head.length) {
      this.#head.set(chunk.subarray(0, this.#head.length - this.written), this.written);
    }
    this.#fd ??= openSync(this.#path, 'w', 0o600);
    let done = 0;
    while (done < chunk.length) done += writeSync(this.#fd, chunk, done, chunk.length - done);
    const before = this.written;
    this.written += chunk.length;
    this.accepted = headAccepted(this.#detector, this.#head, this.written, before);
    if (!this.accepted) this.#close();
  }

  end(): void {
    this.#close();
    if (!this.accepted) {
      rmSync(this.#path, { force: true });
      return;
    }
    const source = fileSource(this.#path, this.written);
    try {
      this.#finish(source, this);
    } finally {
      source.close();
      rmSync(this.#path, { force: true });
      // SQLite may leave -wal/-shm files beside a database it opened.
      rmSync(`${this.#path}-wal`, { force: true });
      rmSync(`${this.#path}-shm`, { force: true });
    }
  }

  #close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }
}

/** Once enough bytes are in, the detector's head check decides; before that, keep going. */
function headAccepted(detector: FileDetector, head: Buffer, written: number, before: number): boolean {
  const need = detector.headBytes ?? 0;
  // Decided on the write that crossed `need`; later writes keep that answer.
  if (!detector.acceptsHead || written < need || before >= need) return true;
  return detector.acceptsHead(head.subarray(0, need));
}
