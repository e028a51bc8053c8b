import { inflateRawSync } from 'node:zlib';
import type { ByteSource } from './byte-source.js';

/**
 * A zip reader for the parts of jars a scanner needs (APPNOTE 6.3.x): the central directory at
 * the end of the file lists every entry with its sizes and where its local header is; an entry's
 * data follows its local header, stored (method 0) or deflated (8). ZIP64 records are honoured
 * for archives over 4 GiB or 65535 entries. Nothing is read that is not asked for.
 */

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

export class ZipFormatError extends Error {
  override name = 'ZipFormatError';
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
/** 22-byte record plus a comment of up to 65535 bytes. */
const EOCD_SEARCH = 22 + 0xffff;

/** Entries of the central directory; `maxEntries` bounds the work on a hostile archive. */
export function readZipEntries(zip: ByteSource, maxEntries = 200_000): ZipEntry[] {
  const tailStart = Math.max(0, zip.size - EOCD_SEARCH);
  const tail = zip.read(tailStart, zip.size - tailStart);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ZipFormatError('no end of central directory record');
  let count = tail.readUInt16LE(eocd + 10);
  let cdSize = tail.readUInt32LE(eocd + 12);
  let cdOffset = tail.readUInt32LE(eocd + 16);
  let zip64 = false;
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const locatorAt = tailStart + eocd - 20;
    const locator = zip.read(locatorAt, 20);
    if (locator.length === 20 && locator.readUInt32LE(0) === ZIP64_LOCATOR) {
      const record = zip.read(safeNumber(locator.readBigUInt64LE(8)), 56);
      if (record.length < 56 || record.readUInt32LE(0) !== ZIP64_EOCD) throw new ZipFormatError('bad ZIP64 record');
      count = safeNumber(record.readBigUInt64LE(32));
      cdSize = safeNumber(record.readBigUInt64LE(40));
      cdOffset = safeNumber(record.readBigUInt64LE(48));
      zip64 = true;
    }
  }
  if (count > maxEntries) throw new ZipFormatError(`${count} entries, more than the ${maxEntries} allowed`);
  // Self-extracting or prefixed archives (a shell script in front of a jar) shift every offset by
  // the prefix; the distance between where the directory is and where it says it is gives it.
  // (ZIP64 archives put more records between the two; they are read as they say.)
  const actualCdOffset = zip64 ? cdOffset : tailStart + eocd - cdSize;
  const shift = actualCdOffset - cdOffset;
  if (actualCdOffset < 0 || cdOffset + shift < 0) throw new ZipFormatError('central directory outside the file');
  const cd = zip.read(actualCdOffset, cdSize);
  if (cd.length !== cdSize) throw new ZipFormatError('central directory outside the file');
  const entries: ZipEntry[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + 46 > cd.length || cd.readUInt32LE(at) !== CENTRAL) throw new ZipFormatError('bad central directory entry');
    const method = cd.readUInt16LE(at + 10);
    let compressedSize = cd.readUInt32LE(at + 20);
    let size = cd.readUInt32LE(at + 24);
    const nameLength = cd.readUInt16LE(at + 28);
    const extraLength = cd.readUInt16LE(at + 30);
    const commentLength = cd.readUInt16LE(at + 32);
    let localHeaderOffset = cd.readUInt32LE(at + 42);
    const name = cd.toString('utf8', at + 46, at + 46 + nameLength);
    const extraStart = at + 46 + nameLength;
    if (size === 0xffffffff || compressedSize === 0xffffffff || localHeaderOffset === 0xffffffff) {
      // The ZIP64 extra field (id 1) lists, in order, only the values that overflowed.
      let e = extraStart;
      while (e + 4 <= extraStart + extraLength) {
        const id = cd.readUInt16LE(e);
        const len = cd.readUInt16LE(e + 2);
        if (id === 1) {
          let p = e + 4;
          if (size === 0xffffffff) {
            size = safeNumber(cd.readBigUInt64LE(p));
            p += 8;
          }
          if (compressedSize === 0xffffffff) {
            compressedSize = safeNumber(cd.readBigUInt64LE(p));
            p += 8;
          }
          if (localHeaderOffset === 0xffffffff) localHeaderOffset = safeNumber(cd.readBigUInt64LE(p));
          break;
        }
        e += 4 + len;
      }
    }
    entries.push({ name, method, compressedSize, size, localHeaderOffset: localHeaderOffset + shift });
    at = extraStart + extraLength + commentLength;
  }
  return entries;
}

/**
 * The uncompressed bytes of an entry, refusing entries larger than `maxBytes` (by the size the
 * directory states and by what inflating actually produces, so a lying directory cannot bomb).
 */
export function readZipEntry(zip: ByteSource, entry: ZipEntry, maxBytes: number): Buffer {
  if (entry.size > maxBytes) throw new ZipFormatError(`${entry.name}: ${entry.size} bytes, over the limit`);
  const local = zip.read(entry.localHeaderOffset, 30);
  if (local.length < 30 || local.readUInt32LE(0) !== LOCAL) throw new ZipFormatError(`${entry.name}: bad local header`);
  const dataStart = entry.localHeaderOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
  const raw = zip.read(dataStart, entry.compressedSize);
  if (raw.length !== entry.compressedSize) throw new ZipFormatError(`${entry.name}: data outside the file`);
  if (entry.method === 0) return raw;
  if (entry.method === 8) {
    try {
      return inflateRawSync(raw, { maxOutputLength: Math.max(1, maxBytes) });
    } catch (err) {
      throw new ZipFormatError(`${entry.name}: ${(err as Error).message}`);
    }
  }
  throw new ZipFormatError(`${entry.name}: compression method ${entry.method} is not supported`);
}

function safeNumber(v: bigint): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ZipFormatError('zip offset beyond 2^53');
  return Number(v);
}
