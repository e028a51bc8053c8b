import { closeSync, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { crc32, inflateRawSync } from 'node:zlib';
import yauzl from 'yauzl';
import { Invalid } from '../../core/errors.js';
import { parseOsvRecord, type OsvRecord } from '../advisory/osv-match.js';
import { alpineSecdbRecords, debianTrackerRecords, DEBIAN_TRACKER_SOURCE } from './converters.js';
import { topLevelMembers } from './json-members.js';

/**
 * Reads an advisory file or folder and hands each record to a sink, one at a time, so that an
 * import of half a million records holds one record (and one tracker package) in memory at once.
 * The format is sniffed from the content: a zip's local-header signature, a directory, or the first
 * key of a JSON object (an OSV record starts with one of its own fields, an Alpine secdb with
 * `distroversion`/`packages`..., anything else is taken as the Debian tracker's package map and
 * must look like one).
 */

export interface ImportSink {
  /**
   * A source this import carries. `complete`: the import holds the source's whole data set, so
   * records of the source it does not carry are removed (a zip, a folder, a feed file); a single
   * OSV file only adds or replaces its record.
   */
  declareSource(source: string, complete: boolean): void;
  put(entry: { source: string; key: string; record: OsvRecord; converted: boolean }): void;
  skip(where: string, reason: string): void;
}

export type AdvisoryFormat = 'osv-zip' | 'osv-folder' | 'osv-json' | 'debian-tracker' | 'alpine-secdb';

/** One OSV JSON document larger than this is not a record; the largest real ones are around 2 MB. */
export const MAX_RECORD_BYTES = 32 * 1024 * 1024;
/** One tracker package (linux has thousands of CVEs) and one whole secdb file. */
const MAX_TRACKER_PACKAGE_CHARS = 64 * 1024 * 1024;
const MAX_SECDB_CHARS = 256 * 1024 * 1024;

const OSV_KEYS = new Set([
  'schema_version',
  'id',
  'modified',
  'published',
  'withdrawn',
  'aliases',
  'upstream',
  'related',
  'summary',
  'details',
  'severity',
  'affected',
  'references',
  'credits',
  'database_specific',
]);
const SECDB_KEYS = new Set(['distroversion', 'reponame', 'archs', 'urlprefix', 'apkurl', 'packages']);

function abortIfAsked(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('import aborted');
}

/** The OSV source a record belongs to: `osv:<ecosystem family>` of its first affected package. */
export function osvSourceOf(record: OsvRecord): string {
  const ecosystem = record.affected.find((a) => a.package)?.package?.ecosystem;
  const family = ecosystem?.split(':')[0]?.trim();
  return `osv:${family || 'other'}`;
}

function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** One OSV JSON document: parsed, checked, handed on; a bad one is skipped with its reason. */
function putOsv(sink: ImportSink, where: string, text: string, complete: boolean): void {
  let record: OsvRecord;
  try {
    record = parseOsvRecord(JSON.parse(text));
  } catch (err) {
    sink.skip(where, reasonOf(err));
    return;
  }
  const source = osvSourceOf(record);
  sink.declareSource(source, complete);
  sink.put({ source, key: record.id, record, converted: false });
}

export async function sniffFormat(path: string): Promise<AdvisoryFormat> {
  const info = await stat(path);
  if (info.isDirectory()) return 'osv-folder';
  if (!info.isFile()) throw new Invalid('NAME_INVALID', `${path} is neither a file nor a folder`);
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    // Local file header, or the end record alone (an empty zip).
    if (bytesRead === 4 && head[0] === 0x50 && head[1] === 0x4b && (head[2] === 3 || head[2] === 5)) return 'osv-zip';
  } finally {
    await handle.close();
  }
  const members = topLevelMembers(textChunks(path), MAX_TRACKER_PACKAGE_CHARS);
  try {
    const first = await members.next();
    if (first.done) throw new Invalid('NAME_INVALID', `${path}: an empty JSON object is no advisory data`);
    const [key] = first.value;
    if (OSV_KEYS.has(key)) return 'osv-json';
    if (SECDB_KEYS.has(key)) return 'alpine-secdb';
    return 'debian-tracker';
  } catch (err) {
    if (err instanceof Invalid) throw new Invalid('NAME_INVALID', `${path}: not advisory data (${err.message})`);
    throw err;
  } finally {
    await members.return(undefined);
  }
}

function textChunks(path: string): AsyncIterable<string> {
  return createReadStream(path, { encoding: 'utf8', highWaterMark: 256 * 1024 });
}

async function readCapped(stream: Readable, max: number, what: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) {
      stream.destroy();
      throw new Invalid('SIZE_INVALID', `${what} is larger than ${max} bytes`);
    }
    parts.push(chunk);
  }
  return Buffer.concat(parts);
}

/**
 * Reads `path` into the sink. Throws (and the caller rolls the import back) when the container is
 * damaged: an unreadable zip or a zip entry whose data does not inflate or fails its CRC. A record
 * that is unreadable on its own is skipped.
 */
export async function readAdvisories(path: string, sink: ImportSink, signal?: AbortSignal): Promise<AdvisoryFormat> {
  const format = await sniffFormat(path);
  switch (format) {
    case 'osv-zip':
      await readOsvZip(path, sink, signal);
      break;
    case 'osv-folder':
      await readOsvFolder(path, sink, signal);
      break;
    case 'osv-json': {
      const info = await stat(path);
      if (info.size > MAX_RECORD_BYTES)
        throw new Invalid('SIZE_INVALID', `${path} is larger than ${MAX_RECORD_BYTES} bytes`);
      putOsv(sink, path, await readCapped(createReadStream(path), MAX_RECORD_BYTES, path).then(String), false);
      break;
    }
    case 'alpine-secdb':
      await readAlpineSecdb(path, sink);
      break;
    case 'debian-tracker':
      await readDebianTracker(path, sink, signal);
      break;
  }
  return format;
}

async function readOsvZip(path: string, sink: ImportSink, signal: AbortSignal | undefined): Promise<void> {
  let zip: yauzl.ZipFile;
  const reader = new BufferedFileReader(path);
  try {
    zip = await yauzl.fromRandomAccessReaderPromise(reader, reader.size, {
      autoClose: false,
      strictFileNames: false,
      validateEntrySizes: true,
    });
  } catch (err) {
    reader.closeNow();
    throw new Invalid('NAME_INVALID', `${path}: not a readable zip (${reasonOf(err)})`);
  }
  try {
    for await (const entry of zip.eachEntry()) {
      abortIfAsked(signal);
      if (entry.fileName.endsWith('/') || !entry.fileName.toLowerCase().endsWith('.json')) continue;
      if (entry.uncompressedSize > MAX_RECORD_BYTES) {
        sink.skip(entry.fileName, `larger than ${MAX_RECORD_BYTES} bytes`);
        continue;
      }
      let data: Buffer;
      try {
        // The compressed bytes, inflated here synchronously: yauzl's inflate stream takes a thread-pool
        // round trip per entry, which dominates an import of tens of thousands of small records.
        const raw = await readCapped(
          await zip.openReadStreamPromise(entry, { decodeFileData: false }),
          MAX_RECORD_BYTES,
          entry.fileName,
        );
        if (entry.isEncrypted()) throw new Error('encrypted');
        if (entry.compressionMethod === 0) data = raw;
        else if (entry.compressionMethod === 8) data = inflateRawSync(raw, { maxOutputLength: MAX_RECORD_BYTES });
        else throw new Error(`compression method ${entry.compressionMethod} is not supported`);
        if (data.length !== entry.uncompressedSize) throw new Error('its size differs from the directory');
      } catch (err) {
        throw new Invalid('NAME_INVALID', `${path}: damaged zip entry ${entry.fileName} (${reasonOf(err)})`);
      }
      // yauzl checks sizes, not the CRC: a download damaged inside a stored entry would pass unseen.
      if (crc32(data) !== entry.crc32) {
        throw new Invalid('DIGEST_INVALID', `${path}: zip entry ${entry.fileName} fails its CRC-32 check`);
      }
      putOsv(sink, entry.fileName, data.toString('utf8'), true);
    }
  } catch (err) {
    if (err instanceof Invalid || signal?.aborted) throw err;
    throw new Invalid('NAME_INVALID', `${path}: damaged zip (${reasonOf(err)})`);
  } finally {
    zip.close();
    // Also when a stream was left open by an error: the descriptor must not outlive the import.
    reader.closeNow();
  }
}

/**
 * yauzl's own file reader asks the thread pool for every central-directory record and local header
 * (two small reads per entry): 50,000 entries cost tens of seconds on a busy machine. This reader
 * serves those small reads from two read-ahead windows (the central directory and the entry data
 * advance separately, both in file order), and entry data with plain synchronous reads.
 */
class BufferedFileReader extends yauzl.RandomAccessReader {
  private static readonly WINDOW = 1024 * 1024;
  private fd: number | null;
  readonly size: number;
  private readonly windows: Array<{ start: number; bytes: Buffer }> = [];

  constructor(path: string) {
    super();
    this.fd = openSync(path, 'r');
    this.size = fstatSync(this.fd).size;
  }

  private readAt(target: Buffer, offset: number, length: number, position: number): number {
    if (this.fd === null) throw new Error('zip file closed');
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, target, offset + done, length - done, position + done);
      if (n === 0) break;
      done += n;
    }
    return done;
  }

  /** `length` bytes at `position`, from a window (read ahead when none holds them). */
  private windowed(position: number, length: number): Buffer {
    let window = this.windows.find((w) => position >= w.start && position + length <= w.start + w.bytes.length);
    if (!window) {
      const bytes = Buffer.allocUnsafe(Math.max(BufferedFileReader.WINDOW, length));
      window = { start: position, bytes: bytes.subarray(0, this.readAt(bytes, 0, bytes.length, position)) };
      this.windows.unshift(window);
      this.windows.length = Math.min(this.windows.length, 2);
    } else if (this.windows[0] !== window) {
      this.windows.reverse();
    }
    if (position + length > window.start + window.bytes.length) throw new Error('unexpected end of the zip file');
    return window.bytes.subarray(position - window.start, position - window.start + length);
  }

  override read(
    buffer: Buffer,
    offset: number,
    length: number,
    position: number,
    callback: (err: Error | null) => void,
  ): void {
    try {
      this.windowed(position, length).copy(buffer, offset);
      queueMicrotask(() => callback(null));
    } catch (err) {
      queueMicrotask(() => callback(err as Error));
    }
  }

  override _readStreamForRange(start: number, end: number): Readable {
    if (end - start <= 64 * 1024) {
      // A small entry (most OSV records): one copy out of the window, no read of its own.
      try {
        return Readable.from([Buffer.from(this.windowed(start, end - start))], { objectMode: false });
      } catch (err) {
        return new Readable({
          read() {
            this.destroy(err as Error);
          },
        });
      }
    }
    let position = start;
    const readAt = this.readAt.bind(this);
    return new Readable({
      read(size) {
        try {
          const length = Math.min(Math.max(size, 64 * 1024), end - position);
          if (length <= 0) {
            this.push(null);
            return;
          }
          const chunk = Buffer.allocUnsafe(length);
          const n = readAt(chunk, 0, length, position);
          if (n === 0) throw new Error('unexpected end of the zip file');
          position += n;
          this.push(n === length ? chunk : chunk.subarray(0, n));
        } catch (err) {
          this.destroy(err as Error);
        }
      },
    });
  }

  override close(callback: (err: Error | null) => void): void {
    this.closeNow();
    queueMicrotask(() => callback(null));
  }

  closeNow(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

async function readOsvFolder(root: string, sink: ImportSink, signal: AbortSignal | undefined): Promise<void> {
  // Sorted and depth-first so that two imports of one folder visit records in the same order.
  const walk = async (dir: string): Promise<void> => {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    for (const entry of entries) {
      abortIfAsked(signal);
      const full = join(dir, entry.name);
      // Symbolic links are not followed: a folder that links to / would never end.
      if (entry.isDirectory()) {
        if (!entry.name.startsWith('.')) await walk(full);
      } else if (entry.isFile() && entry.name.toLowerCase().endsWith('.json')) {
        const rel = full.slice(root.length + 1);
        let text: string;
        try {
          text = (await readCapped(createReadStream(full), MAX_RECORD_BYTES, rel)).toString('utf8');
        } catch (err) {
          sink.skip(rel, reasonOf(err));
          continue;
        }
        putOsv(sink, rel, text, true);
      }
    }
  };
  await walk(root);
}

async function fileTime(path: string): Promise<string> {
  return (await stat(path)).mtime.toISOString();
}

async function readAlpineSecdb(path: string, sink: ImportSink): Promise<void> {
  const info = await stat(path);
  if (info.size > MAX_SECDB_CHARS) throw new Invalid('SIZE_INVALID', `${path} is larger than ${MAX_SECDB_CHARS} bytes`);
  const text = (await readCapped(createReadStream(path), MAX_SECDB_CHARS, path)).toString('utf8');
  let converted: ReturnType<typeof alpineSecdbRecords>;
  try {
    converted = alpineSecdbRecords(JSON.parse(text), await fileTime(path));
  } catch (err) {
    throw new Invalid('NAME_INVALID', `${path}: ${reasonOf(err)}`);
  }
  sink.declareSource(converted.source, true);
  for (const { key, json } of converted.records) putConverted(sink, converted.source, key, json);
}

async function readDebianTracker(path: string, sink: ImportSink, signal: AbortSignal | undefined): Promise<void> {
  const modified = await fileTime(path);
  sink.declareSource(DEBIAN_TRACKER_SOURCE, true);
  let packages = 0;
  for await (const [name, valueText] of topLevelMembers(textChunks(path), MAX_TRACKER_PACKAGE_CHARS)) {
    abortIfAsked(signal);
    let records: ReturnType<typeof debianTrackerRecords>;
    try {
      records = debianTrackerRecords(name, JSON.parse(valueText), modified);
    } catch (err) {
      // The first entry decides whether this is the tracker at all: a JSON file of something else is refused.
      if (packages === 0)
        throw new Invalid('NAME_INVALID', `${path}: not OSV, Debian tracker or Alpine secdb JSON (${reasonOf(err)})`);
      sink.skip(`${path}: ${name}`, reasonOf(err));
      continue;
    }
    packages++;
    for (const { key, json } of records) putConverted(sink, DEBIAN_TRACKER_SOURCE, key, json);
  }
}

function putConverted(sink: ImportSink, source: string, key: string, json: unknown): void {
  let record: OsvRecord;
  try {
    record = parseOsvRecord(json);
  } catch (err) {
    sink.skip(`${source} ${key}`, reasonOf(err));
    return;
  }
  sink.put({ source, key, record, converted: true });
}
