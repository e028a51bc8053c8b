import Database from 'better-sqlite3';
import { readAll, type ByteSource } from './byte-source.js';

/**
 * rpm's installed-package database in its SQLite form (`/var/lib/rpm/rpmdb.sqlite`, rpm 4.16 and
 * later: Fedora 33+, RHEL/UBI/Rocky/Alma 9). Table `Packages(hnum, blob)` holds one rpm header per
 * package, without the 8-byte header magic an rpm file puts before it:
 *
 *   blob   := il:int32be dl:int32be index[il] store[dl]
 *   index  := tag:int32be type:int32be offset:int32be count:int32be   (offset into store)
 *
 * Strings (type 6 STRING, 8 STRING_ARRAY, 9 I18NSTRING) are NUL-terminated in the store; EPOCH is
 * type 4 INT32, big-endian. The first entry is usually a region tag (63, HEADER_IMMUTABLE), which
 * is read past like any tag we do not ask for.
 */

/** One installed rpm. */
export interface RpmPackage {
  /** NAME (1000). */
  name: string;
  /** EPOCH (1003), or undefined when the header has none (rpm prints `(none)`). */
  epoch: number | undefined;
  /** VERSION (1001). */
  version: string;
  /** RELEASE (1002). */
  release: string;
  /** ARCH (1022); empty when absent (gpg-pubkey pseudo-packages have none). */
  architecture: string;
  /** SOURCERPM (1044): `openssl-3.0.7-27.el9.src.rpm`; undefined for source-less headers. */
  sourceRpm: string | undefined;
  /** Source package name parsed from SOURCERPM (`openssl`), else the binary name. */
  sourceName: string;
  /** `version-release` parsed from SOURCERPM, else the binary's. */
  sourceVersion: string;
  /** LICENSE (1014), when present. */
  license: string | undefined;
  /** MODULARITYLABEL (5096), set on packages from RHEL/Rocky/Alma module streams. */
  modularityLabel: string | undefined;
}

/** What `readRpmDatabase` saw. */
export interface RpmDatabaseRead {
  packages: RpmPackage[];
  /** Headers that could not be parsed (bounds, missing NAME/VERSION/RELEASE). */
  skippedBroken: number;
  /** gpg-pubkey entries: imported signing keys, not software. */
  skippedPubkeys: number;
}

export const RpmTag = {
  name: 1000,
  version: 1001,
  release: 1002,
  epoch: 1003,
  license: 1014,
  arch: 1022,
  sourceRpm: 1044,
  modularityLabel: 5096,
} as const;

const TYPE_INT32 = 4;
const TYPE_STRING = 6;
const TYPE_STRING_ARRAY = 8;
const TYPE_I18NSTRING = 9;
/** rpm's own header limits (lib/header.c): 0xffff entries, 256 MiB of data. */
const MAX_INDEX_ENTRIES = 0xffff;
const MAX_DATA_BYTES = 256 * 1024 * 1024;

export class RpmHeaderError extends Error {
  override name = 'RpmHeaderError';
}

/**
 * The packages of an rpmdb.sqlite, in `hnum` order. Opens the file read-only (from its path when
 * the source has one, otherwise from memory) and never runs anything the file defines: the query
 * names its table and columns and `trusted_schema` is off. Throws when the file is not an SQLite
 * database with a `Packages` table.
 */
export function readRpmDatabase(source: ByteSource): RpmDatabaseRead {
  const db = openReadOnly(source);
  try {
    db.pragma('trusted_schema = OFF');
    const result: RpmDatabaseRead = { packages: [], skippedBroken: 0, skippedPubkeys: 0 };
    const rows = db.prepare('SELECT blob FROM Packages ORDER BY hnum').raw().iterate() as IterableIterator<[unknown]>;
    for (const [blob] of rows) {
      if (!(blob instanceof Uint8Array)) {
        result.skippedBroken++;
        continue;
      }
      let pkg: RpmPackage | undefined;
      try {
        pkg = parseRpmHeaderBlob(blob);
      } catch {
        pkg = undefined;
      }
      if (!pkg) result.skippedBroken++;
      else if (pkg.name === 'gpg-pubkey') result.skippedPubkeys++;
      else result.packages.push(pkg);
    }
    return result;
  } finally {
    db.close();
  }
}

function openReadOnly(source: ByteSource): Database.Database {
  if (source.filePath) return new Database(source.filePath, { readonly: true, fileMustExist: true });
  // rpm leaves its database in WAL mode (header bytes 18-19 = 2), which an in-memory copy cannot
  // open; the copy says rollback-journal instead (1), which changes nothing about the content.
  const copy = Buffer.from(readAll(source));
  if (copy.length >= 100 && copy[18] === 2 && copy[19] === 2) {
    copy[18] = 1;
    copy[19] = 1;
  }
  return new Database(copy, { readonly: true });
}

/** One package from a header blob as stored in the database; undefined when NAME, VERSION or RELEASE is missing. */
export function parseRpmHeaderBlob(blob: Uint8Array): RpmPackage | undefined {
  const tags = readHeaderTags(blob, new Set(Object.values(RpmTag)));
  const name = stringOf(tags.get(RpmTag.name));
  const version = stringOf(tags.get(RpmTag.version));
  const release = stringOf(tags.get(RpmTag.release));
  if (!name || version === undefined || release === undefined) return undefined;
  const epochValue = tags.get(RpmTag.epoch);
  const epoch = typeof epochValue === 'number' ? epochValue : undefined;
  const sourceRpm = stringOf(tags.get(RpmTag.sourceRpm)) || undefined;
  const source = sourceRpm ? splitSourceRpm(sourceRpm) : undefined;
  return {
    name,
    epoch,
    version,
    release,
    architecture: stringOf(tags.get(RpmTag.arch)) ?? '',
    sourceRpm,
    sourceName: source?.name ?? name,
    sourceVersion: source?.version ?? `${version}-${release}`,
    license: stringOf(tags.get(RpmTag.license)) || undefined,
    modularityLabel: stringOf(tags.get(RpmTag.modularityLabel)) || undefined,
  };
}

/** `[epoch:]version-release`, the EVR as advisories state fixed versions. */
export function rpmEvr(pkg: Pick<RpmPackage, 'epoch' | 'version' | 'release'>): string {
  return `${pkg.epoch !== undefined && pkg.epoch !== 0 ? `${pkg.epoch}:` : ''}${pkg.version}-${pkg.release}`;
}

type TagValue = string | number | string[];

/** The values of the wanted tags (first value of arrays of numbers; all strings of string arrays). */
export function readHeaderTags(blob: Uint8Array, wanted: ReadonlySet<number>): Map<number, TagValue> {
  const buf = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  if (buf.length < 8) throw new RpmHeaderError('header blob shorter than its counts');
  const il = buf.readUInt32BE(0);
  const dl = buf.readUInt32BE(4);
  if (il < 1 || il > MAX_INDEX_ENTRIES || dl > MAX_DATA_BYTES) throw new RpmHeaderError('header counts out of range');
  const storeStart = 8 + il * 16;
  if (storeStart + dl > buf.length) throw new RpmHeaderError('header blob shorter than its index and data');
  const store = buf.subarray(storeStart, storeStart + dl);
  const out = new Map<number, TagValue>();
  for (let i = 0; i < il; i++) {
    const at = 8 + i * 16;
    const tag = buf.readUInt32BE(at);
    if (!wanted.has(tag)) continue;
    const type = buf.readUInt32BE(at + 4);
    const offset = buf.readUInt32BE(at + 8);
    const count = buf.readUInt32BE(at + 12);
    if (offset >= store.length || count === 0) throw new RpmHeaderError(`tag ${tag} points outside the data`);
    if (type === TYPE_STRING || type === TYPE_I18NSTRING || type === TYPE_STRING_ARRAY) {
      const strings: string[] = [];
      let pos = offset;
      // An I18NSTRING holds one string per locale; the first is the untranslated one.
      const n = type === TYPE_STRING ? 1 : count;
      for (let k = 0; k < n; k++) {
        const end = store.indexOf(0, pos);
        if (end < 0) throw new RpmHeaderError(`tag ${tag}: unterminated string`);
        strings.push(store.toString('utf8', pos, end));
        pos = end + 1;
      }
      out.set(tag, type === TYPE_STRING_ARRAY ? strings : strings[0]!);
    } else if (type === TYPE_INT32) {
      if (offset + 4 > store.length) throw new RpmHeaderError(`tag ${tag} points outside the data`);
      out.set(tag, store.readUInt32BE(offset));
    }
  }
  return out;
}

function stringOf(value: TagValue | undefined): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value[0];
  return undefined;
}

/** `openssl-3.0.7-27.el9.src.rpm` → `openssl`, `3.0.7-27.el9`: name-version-release, split from the right. */
export function splitSourceRpm(sourceRpm: string): { name: string; version: string } | undefined {
  const base = sourceRpm.replace(/\.(?:no)?src\.rpm$/, '');
  const releaseDash = base.lastIndexOf('-');
  if (releaseDash <= 0) return undefined;
  const versionDash = base.lastIndexOf('-', releaseDash - 1);
  if (versionDash <= 0) return undefined;
  return { name: base.slice(0, versionDash), version: base.slice(versionDash + 1) };
}
