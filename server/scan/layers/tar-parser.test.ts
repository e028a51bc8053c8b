import { execFileSync } from 'node:child_process';
import {
  linkSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTar } from '../../../test/fixtures/tar.js';
import { TarFormatError, TarParser, type TarEntryHeader } from './tar-parser.js';

interface Seen extends TarEntryHeader {
  data: string;
}

/** Parses `archive` pushing `chunk`-byte pieces; collects every entry with its data. */
function parse(archive: Buffer, chunk: number): { entries: Seen[]; parser: TarParser } {
  const entries: Seen[] = [];
  const parser = new TarParser((header) => {
    const parts: Buffer[] = [];
    const seen: Seen = { ...header, data: '' };
    entries.push(seen);
    return {
      write: (c) => parts.push(Buffer.from(c)),
      end: () => {
        seen.data = Buffer.concat(parts).toString('latin1');
      },
    };
  });
  for (let at = 0; at < archive.length; at += chunk) parser.push(archive.subarray(at, at + chunk));
  parser.end();
  return { entries, parser };
}

const LONG_DIR = `${'d'.repeat(60)}/${'e'.repeat(70)}`;
const LONG_TARGET = 't'.repeat(120);

describe('TarParser on archives GNU tar writes', () => {
  let dir: string;
  let src: string;
  const archive = (format: string, ...extra: string[]) => {
    const out = join(dir, `${format}.tar`);
    try {
      execFileSync('tar', [`--format=${format}`, ...extra, '-cf', out, '-C', src, '.'], { stdio: 'pipe' });
    } catch {
      // v7 and ustar refuse the long names (exit status 2) and write everything else: that is the point.
    }
    return readFileSync(out);
  };
  /** GNU tar's own reading of an archive: `path type size` per member. */
  const listing = (file: Buffer) =>
    execFileSync('tar', ['-tvf', '-'], { input: file })
      .toString()
      .trim()
      .split('\n')
      .map((line) =>
        line
          .split(/\s+/)
          .slice(5)
          .join(' ')
          .replace(/ -> .*$/, '')
          .replace(/ link to .*$/, ''),
      );

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'berth-tar-'));
    src = join(dir, 'src');
    mkdirSync(join(src, LONG_DIR), { recursive: true });
    writeFileSync(join(src, LONG_DIR, 'file.txt'), 'deep\n');
    writeFileSync(join(src, 'a'), 'x'.repeat(1000));
    linkSync(join(src, 'a'), join(src, 'hard'));
    symlinkSync(LONG_TARGET, join(src, 'longlink'));
    symlinkSync('a', join(src, 'short'));
    writeFileSync(join(src, 'empty'), '');
    writeFileSync(join(src, 'exact512'), Buffer.alloc(512, 0x41));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const format of ['gnu', 'pax', 'ustar', 'v7', 'oldgnu']) {
    for (const chunk of [1, 7, 512, 1 << 20]) {
      it(`${format}, pushed ${chunk} bytes at a time: the members GNU tar lists, with their data`, () => {
        const tar = archive(format);
        const { entries, parser } = parse(tar, chunk);
        expect(entries.map((e) => e.path.replace(/\/$/, ''))).toEqual(listing(tar).map((p) => p.replace(/\/$/, '')));
        expect(parser.finished).toBe(true);
        expect(parser.bytes).toBe(tar.length);
        const byName = new Map(entries.map((e) => [e.path.replace(/^\.\//, ''), e]));
        // Whichever of the two names tar meets first carries the data; the other links to it.
        const [first, second] = entries.filter((e) => /^(\.\/)?(a|hard)$/.test(e.path));
        expect(first).toMatchObject({ type: 'file', size: 1000, data: 'x'.repeat(1000) });
        expect(second).toMatchObject({ type: 'hardlink', linkTarget: first!.path, size: 0 });
        expect(byName.get('short')).toMatchObject({ type: 'symlink', linkTarget: 'a' });
        expect(byName.get('empty')).toMatchObject({ type: 'file', size: 0, data: '' });
        expect(byName.get('exact512')).toMatchObject({ size: 512, data: 'A'.repeat(512) });
        if (format === 'gnu' || format === 'pax' || format === 'oldgnu') {
          // GNU `L`/`K` records or pax `path`/`linkpath` carry what does not fit in 100 bytes.
          expect(byName.get(`${LONG_DIR}/file.txt`)).toMatchObject({ type: 'file', data: 'deep\n' });
          expect(byName.get('longlink')).toMatchObject({ type: 'symlink', linkTarget: LONG_TARGET });
        }
        if (format === 'ustar') {
          // ustar splits a name of up to 255 bytes over the prefix and name fields.
          expect(byName.get(`${LONG_DIR}/file.txt`)).toMatchObject({ type: 'file', data: 'deep\n' });
        }
      });
    }
  }

  it('reads past a GNU sparse member without misreading what follows', () => {
    const sparseDir = join(dir, 'sparse');
    mkdirSync(sparseDir);
    writeFileSync(join(sparseDir, 'big'), '');
    truncateSync(join(sparseDir, 'big'), 1 << 20);
    writeFileSync(join(sparseDir, 'z-after'), 'after');
    const out = join(dir, 'sparse.tar');
    execFileSync('tar', ['--format=gnu', '-S', '-cf', out, '-C', sparseDir, 'big', 'z-after']);
    const { entries } = parse(readFileSync(out), 4096);
    expect(entries.map((e) => [e.path, e.type])).toEqual([
      ['big', 'other'],
      ['z-after', 'file'],
    ]);
    expect(entries[1]!.data).toBe('after');
  });
});

describe('TarParser edge cases', () => {
  it('an archive cut inside a member is an error; one cut between members is accepted', () => {
    const tar = createTar([
      { path: 'a', data: 'x'.repeat(2000) },
      { path: 'b', data: 'y' },
    ]);
    expect(() => parse(tar.subarray(0, 1000), 100)).toThrow(TarFormatError);
    const firstMember = 512 + 2048;
    const { entries, parser } = parse(tar.subarray(0, firstMember), 100);
    expect(entries.map((e) => e.path)).toEqual(['a']);
    expect(parser.finished).toBe(false);
  });

  it('refuses a block that is not a tar header (checksum mismatch)', () => {
    const tar = Buffer.from(createTar([{ path: 'a', data: 'x' }]));
    tar[10] = tar[10]! ^ 0xff;
    expect(() => parse(tar, 512)).toThrow(/checksum/);
  });

  it('ignores whatever follows the end marker', () => {
    const tar = Buffer.concat([createTar([{ path: 'a', data: 'x' }]), Buffer.from('garbage after the end marker')]);
    expect(parse(tar, 3).entries.map((e) => e.path)).toEqual(['a']);
  });

  it('reads GNU base-256 sizes', () => {
    const tar = Buffer.from(createTar([{ path: 'a', data: 'hello' }]));
    // Size 5 written as base-256: high bit set on the first byte, big-endian value in the rest.
    tar.fill(0, 124, 136);
    tar[124] = 0x80;
    tar[135] = 5;
    tar.fill(0x20, 148, 156);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += tar[i]!;
    tar.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'ascii');
    expect(parse(tar, 512).entries).toMatchObject([{ path: 'a', size: 5, data: 'hello' }]);
  });

  it('skips data the handler does not want, and counts every byte', () => {
    const tar = createTar([
      { path: 'skip', data: 'z'.repeat(5000) },
      { path: 'keep', data: 'kept' },
    ]);
    const kept: string[] = [];
    const parser = new TarParser((h) => {
      if (h.path !== 'keep') return undefined;
      return { write: (c) => kept.push(Buffer.from(c).toString()), end: () => kept.push('|') };
    });
    parser.push(tar);
    parser.end();
    expect(kept.join('')).toBe('kept|');
    expect(parser.entries).toBe(2);
  });
});
