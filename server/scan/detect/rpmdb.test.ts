import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { bufferSource, fileSource } from './byte-source.js';
import {
  parseRpmHeaderBlob,
  readHeaderTags,
  readRpmDatabase,
  RpmHeaderError,
  rpmEvr,
  splitSourceRpm,
} from './rpmdb.js';

const FIXTURE = new URL('../../../test/fixtures/scan/rpm/rpmdb.sqlite', import.meta.url);
const bytes = readFileSync(FIXTURE);

const expected = [
  {
    name: 'berth-fixture-doc',
    epoch: 2,
    version: '1.2.3',
    release: '4.el9',
    architecture: 'noarch',
    sourceRpm: 'berth-fixture-1.2.3-4.el9.src.rpm',
    sourceName: 'berth-fixture',
    sourceVersion: '1.2.3-4.el9',
    license: 'Apache-2.0',
    modularityLabel: undefined,
  },
  {
    name: 'berth-fixture',
    epoch: 2,
    version: '1.2.3',
    release: '4.el9',
    architecture: 'noarch',
    sourceRpm: 'berth-fixture-1.2.3-4.el9.src.rpm',
    sourceName: 'berth-fixture',
    sourceVersion: '1.2.3-4.el9',
    license: 'Apache-2.0',
    modularityLabel: undefined,
  },
  {
    name: 'berth-data',
    epoch: undefined,
    version: '2024a',
    release: '1',
    architecture: 'noarch',
    sourceRpm: 'berth-data-2024a-1.src.rpm',
    sourceName: 'berth-data',
    sourceVersion: '2024a-1',
    license: 'MIT',
    modularityLabel: undefined,
  },
];

describe('readRpmDatabase on an rpmdb.sqlite written by rpm 4.18 (Debian’s rpm, see test/fixtures/README.md)', () => {
  it('reads what `rpm -qa` lists, in database order, and leaves out the imported gpg-pubkey', () => {
    const read = readRpmDatabase(bufferSource(bytes));
    expect(read.packages).toEqual(expected);
    expect(read.skippedPubkeys).toBe(1);
    expect(read.skippedBroken).toBe(0);
  });

  it('reads the same from a file on disk (how large databases are opened), leaving the file as it was', () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-rpmdb-'));
    try {
      const path = join(dir, 'rpmdb.sqlite');
      copyFileSync(FIXTURE, path);
      const source = fileSource(path, bytes.length);
      try {
        expect(readRpmDatabase(source).packages).toEqual(expected);
      } finally {
        source.close();
      }
      expect(readFileSync(path).equals(bytes)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives the EVR advisories compare against: epoch only when set', () => {
    const [doc, , data] = readRpmDatabase(bufferSource(bytes)).packages;
    expect(rpmEvr(doc!)).toBe('2:1.2.3-4.el9');
    expect(rpmEvr(data!)).toBe('2024a-1');
  });

  it('throws on a file that is not an rpm database', () => {
    expect(() => readRpmDatabase(bufferSource(Buffer.from('SQLite format 3\0 but not really')))).toThrow();
    const empty = new Database(':memory:');
    empty.exec('CREATE TABLE other (x)');
    const serialized = empty.serialize();
    empty.close();
    expect(() => readRpmDatabase(bufferSource(serialized))).toThrow(/Packages/);
  });
});

describe('rpm header blobs', () => {
  const blobs = (() => {
    const db = new Database(Buffer.from(bytes).fill(1, 18, 20), { readonly: true });
    try {
      return (db.prepare('SELECT blob FROM Packages ORDER BY hnum').all() as { blob: Buffer }[]).map((r) => r.blob);
    } finally {
      db.close();
    }
  })();

  it('starts with the region tag (63) and keeps NAME as a string', () => {
    const first = blobs[0]!;
    expect(first.readUInt32BE(8)).toBe(63);
    expect(readHeaderTags(first, new Set([1000])).get(1000)).toBe('berth-fixture-doc');
  });

  it('refuses blobs whose counts or offsets point outside them', () => {
    const blob = blobs[0]!;
    expect(() => parseRpmHeaderBlob(blob.subarray(0, 100))).toThrow(RpmHeaderError);
    const bad = Buffer.from(blob);
    bad.writeUInt32BE(0x7fffffff, 0);
    expect(() => parseRpmHeaderBlob(bad)).toThrow(/counts/);
    const il = blob.readUInt32BE(0);
    const pointing = Buffer.from(blob);
    // Point every tag past the end of the data store.
    for (let i = 0; i < il; i++) pointing.writeUInt32BE(0x00ffffff, 8 + i * 16 + 8);
    expect(() => parseRpmHeaderBlob(pointing)).toThrow(/outside/);
  });

  it('splits source rpm names from the right (names may contain dashes)', () => {
    expect(splitSourceRpm('openssl-3.0.7-27.el9.src.rpm')).toEqual({ name: 'openssl', version: '3.0.7-27.el9' });
    expect(splitSourceRpm('python-setuptools-53.0.0-12.el9.src.rpm')).toEqual({
      name: 'python-setuptools',
      version: '53.0.0-12.el9',
    });
    expect(splitSourceRpm('kernel-5.14.0-362.8.1.el9_3.nosrc.rpm')).toEqual({
      name: 'kernel',
      version: '5.14.0-362.8.1.el9_3',
    });
    expect(splitSourceRpm('broken.src.rpm')).toBeUndefined();
  });
});
