import { describe, expect, it } from 'vitest';
import { readVersionVectors, relationOf, type Relation } from '../../../test/fixtures/version-vectors.js';
import { compareApk } from './apk.js';

/**
 * alpine-versions.txt vectors whose relation the current apk-tools (3.x `src/version.c`) does not give,
 * with what it gives instead and why. The file comes from osv-scalibr, whose comparator of the time mixed
 * rules: it string-sorted two invalid versions (apk never does: two versions that turn invalid at the
 * same token are equal) and read some invalid forms the way apk-tools 2.x did. apk-tools' own
 * test/version.data (apk-tools-version.data) needs no exception.
 */
const CURRENT_APK_ANSWERS: Record<string, { relation: Relation; why: string }> = {
  '1-r = 1-r0': {
    relation: '<',
    why: '`-r` without digits is invalid in apk 3 (2.x read it as r0); invalid sorts below a revision',
  },
  '0..1..0 < 0..1..1': { relation: '=', why: 'both turn invalid at the second `.` (no digits after it)' },
  '0...1...0 < 0...1...1': { relation: '=', why: 'both turn invalid at the second `.`' },
  '0...1...0.r1 < 0...1...0.r2': { relation: '=', why: 'both turn invalid at the second `.`' },
  '0...1...0r1 < 0...1...0r2': { relation: '=', why: 'both turn invalid at the second `.`' },
  '0..8 > 0...8': { relation: '=', why: 'both turn invalid at the second `.`' },
  '0.8.21.r2 > 0.8.21.r1': { relation: '=', why: 'both turn invalid at `.r` (a `.` must be followed by digits)' },
  '6.6.2p1 < 6.6.2p2': {
    relation: '=',
    why: 'a digit after the letter is invalid in apk 3 (abuild issue 10088); both turn invalid there',
  },
  '1-r0-1 = 1-r-2': {
    relation: '>',
    why: '`1-r0-1` has a valid revision 0 before turning invalid; `1-r-2` turns invalid at `-r` already',
  },
  '.2 > .1': { relation: '=', why: 'a leading `.` is invalid from the first token on both sides' },
  'a < b': { relation: '=', why: 'a version must start with a digit; both are invalid from the first token' },
  'c > b': { relation: '=', why: 'a version must start with a digit; both are invalid from the first token' },
};

/** Our own vectors, derived from apk-tools 3 `src/version.c` for cases neither file covers. */
const OWN_VECTORS = [
  // A `.`-number with a leading zero compares as a string (apk 2.x answered `>` here).
  '1.010 < 1.09',
  '1.01 < 1.1',
  // Commit hashes: lower-case hex, compared as strings, between the suffixes and the revision.
  '1.2~abc = 1.2~abc',
  '1.2~abc < 1.2~abd',
  '1.2 < 1.2~abc',
  '1.2~abc > 1.2-r1',
  '1.2~ABC < 1.2',
  // Suffix without a number, empty suffix, and the order of kinds after a common prefix.
  '1.0 > 1.0_rc',
  '1.0_git20240101 < 1.0_p1',
  '1.2_ < 1.2',
  '1.2_rc1-r1 > 1.2_rc1',
  '1.2_rc1 < 1.2-r0',
  '1.2-r1 < 1.2_p1',
  '1.2_p1 < 1.2a',
  '1.2a < 1.2.1',
  // Numbers are unsigned 64-bit and wrap as apk's parser does.
  '18446744073709551615 > 18446744073709551614',
  '18446744073709551616 = 0',
];

describe('compareApk', () => {
  const alpine = readVersionVectors('alpine-versions.txt');
  const apkTools = readVersionVectors('apk-tools-version.data');
  const own = OWN_VECTORS.map((text) => {
    const [a, relation, b] = text.split(' ') as [string, Relation, string];
    return { file: 'own', line: 0, text, a, relation, b };
  });
  const all = [...alpine, ...apkTools, ...own];

  it('reads every vector of both files', () => {
    expect(alpine).toHaveLength(778);
    expect(apkTools).toHaveLength(728);
  });

  it('lists only special cases that are in the file', () => {
    const texts = new Set(alpine.map((v) => v.text));
    expect(Object.keys(CURRENT_APK_ANSWERS).filter((t) => !texts.has(t))).toEqual([]);
  });

  it('gives every relation, as current apk-tools does', () => {
    const wrong = all
      .map((v) => {
        const expected = (v.file === 'alpine-versions.txt' && CURRENT_APK_ANSWERS[v.text]?.relation) || v.relation;
        const got = relationOf(compareApk(v.a, v.b));
        return got === expected ? undefined : `${v.file}:${v.line}: ${v.text} (expected ${expected}, got ${got})`;
      })
      .filter((w) => w !== undefined);
    expect(wrong).toEqual([]);
  });

  it('is antisymmetric and reflexive over all vectors', () => {
    for (const { a, b } of all) {
      expect(compareApk(a, b) + compareApk(b, a)).toBe(0);
      expect(compareApk(a, a)).toBe(0);
      expect([-1, 0, 1]).toContain(compareApk(a, b));
    }
  });

  it('orders the documented ladder', () => {
    const ladder = ['1.2_alpha', '1.2_beta1', '1.2_pre', '1.2_rc1', '1.2', '1.2-r1', '1.2_cvs', '1.2_p1', '1.2a'];
    for (let i = 1; i < ladder.length; i++) expect(compareApk(ladder[i - 1]!, ladder[i]!)).toBe(-1);
  });
});
