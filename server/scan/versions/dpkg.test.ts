import { describe, expect, it } from 'vitest';
import {
  readVersionVectors,
  relationOf,
  type Relation,
  type VersionVector,
} from '../../../test/fixtures/version-vectors.js';
import { Invalid } from '../../core/errors.js';
import { compareDpkg, parseDpkgVersion } from './dpkg.js';

/** Vectors checked against `dpkg --compare-versions` (dpkg 1.21.22) when they were written. */
const OWN_VECTORS = [
  // `~` sorts below everything, even the end of the string, and twice is lower than once.
  '1.0~~ < 1.0~',
  '1.0~~a < 1.0~',
  // Letters before non-letters; upper case before lower case (ASCII); `+` (0x2b) before `.` (0x2e).
  '1.0a < 1.0+',
  '1.0z < 1.0+',
  '1.0A < 1.0a',
  '1.0+ < 1.0.',
  // A missing revision is `0`, whatever its zeros.
  '1.0-0 = 1.0-00',
  // Digit runs are numbers of any length, leading zeros ignored.
  '000123 = 123',
  '1.99999999999999999999 < 1.100000000000000000000',
  // The revision starts after the last hyphen; the upstream version may hold hyphens and colons.
  '1.0-2-3 > 1.0-2-2',
  '1.0-2-3 > 1.0-1-4',
  '1:2:3 > 1:2:2',
  // Real-world shapes.
  '1.0-0ubuntu1 > 1.0',
  '1.0+dfsg-1 > 1.0-1',
  '2.0-1~bpo12+1 < 2.0-1',
  '2147483647:1 > 2147483646:9',
  // dpkg warns ("does not start with digit") and still compares: a letter outweighs a digit run's start.
  'a1.0 > 1.0',
];

function ownVector(text: string): VersionVector {
  const [a, relation, b] = text.split(' ') as [string, Relation, string];
  return { file: 'own', line: 0, text, a, relation, b };
}

describe('compareDpkg', () => {
  const fixture = readVersionVectors('debian-versions.txt');
  const all = [...fixture, ...OWN_VECTORS.map(ownVector)];

  it('reads every vector of debian-versions.txt', () => {
    expect(fixture).toHaveLength(30);
  });

  it('gives every relation of the fixture and of our own vectors', () => {
    const wrong = all
      .filter((v) => relationOf(compareDpkg(v.a, v.b)) !== v.relation)
      .map((v) => `line ${v.line}: ${v.a} ${v.relation} ${v.b} (got ${relationOf(compareDpkg(v.a, v.b))})`);
    expect(wrong).toEqual([]);
  });

  it('is antisymmetric and reflexive over all vectors', () => {
    for (const { a, b } of all) {
      expect(compareDpkg(a, b) + compareDpkg(b, a)).toBe(0);
      expect(compareDpkg(a, a)).toBe(0);
      expect([-1, 0, 1]).toContain(compareDpkg(a, b));
    }
  });
});

describe('parseDpkgVersion', () => {
  it('splits epoch, upstream and revision', () => {
    expect(parseDpkgVersion('1:2.30-1+deb12u1')).toEqual({ epoch: 1, upstream: '2.30', revision: '1+deb12u1' });
    expect(parseDpkgVersion('2.30')).toEqual({ epoch: 0, upstream: '2.30', revision: '' });
    expect(parseDpkgVersion('1.0-2-3')).toEqual({ epoch: 0, upstream: '1.0-2', revision: '3' });
    expect(parseDpkgVersion('1:2:3')).toEqual({ epoch: 1, upstream: '2:3', revision: '' });
    expect(parseDpkgVersion(' 1.0 \t')).toEqual({ epoch: 0, upstream: '1.0', revision: '' });
    // strtol accepts a sign, as dpkg does.
    expect(parseDpkgVersion('+1:1.0').epoch).toBe(1);
  });

  it('keeps what dpkg only warns about, with the warning', () => {
    expect(parseDpkgVersion('a1.0').warning).toBe('version number does not start with digit');
    expect(parseDpkgVersion('1.0_1').warning).toBe('invalid character in version number');
    expect(parseDpkgVersion('1.0-1_2').warning).toBe('invalid character in revision number');
    expect(parseDpkgVersion('1.0-1').warning).toBeUndefined();
  });

  // The messages are dpkg's own (parsehelp.c). `dpkg --compare-versions` treats an empty argument as
  // "no version", a CLI convention; as a package's version, an empty string is an error.
  it.each([
    ['', 'version string is empty'],
    [' ', 'version string is empty'],
    ['1 0', 'version string has embedded spaces'],
    ['a:1.0', 'epoch in version is empty'],
    ['1a:1.0', 'epoch in version is not number'],
    ['-1:1.0', 'epoch in version is negative'],
    ['2147483648:1', 'epoch in version is too big'],
    ['1:', 'nothing after colon in version number'],
    ['1.0-', 'revision number is empty'],
    ['1:-1', 'version number is empty'],
  ])('refuses %j: %s', (version, why) => {
    expect(() => parseDpkgVersion(version)).toThrow(Invalid);
    expect(() => parseDpkgVersion(version)).toThrow(why);
    expect(() => compareDpkg(version, '1.0')).toThrow(Invalid);
  });

  it('refuses with the NAME_INVALID code', () => {
    try {
      parseDpkgVersion('x:1');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(Invalid);
      expect((err as Invalid).code).toBe('NAME_INVALID');
    }
  });
});
