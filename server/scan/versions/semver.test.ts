import { describe, expect, it } from 'vitest';
import { readVersionVectors } from '../../../test/fixtures/version-vectors.js';
import { Invalid } from '../../core/errors.js';
import { randomInt, seededRandom } from '../../../test/fixtures/random.js';
import { compareCargo, compareGo, compareNpm, compareSemver, parseSemver } from './semver.js';

interface Vector {
  line: number;
  a: string;
  b: string;
  expected: -1 | 0 | 1;
}

/** osv-scalibr's file uses `//` comment lines (the shared README says `#`); the reader skips both. */
function readVectors(): Vector[] {
  return readVersionVectors('semver-versions.txt').map(({ line, a, b, relation }) => ({
    line,
    a,
    b,
    expected: relation === '<' ? -1 : relation === '>' ? 1 : 0,
  }));
}

describe('compareSemver against osv-scalibr semantic/testdata/semver-versions.txt', () => {
  const vectors = readVectors();

  it('reads every vector of the file', () => {
    // 86 relations: 10 + 31 + 31 + 13 + 1, counted by hand from the file.
    expect(vectors).toHaveLength(86);
  });

  it.each(vectors.map((v) => [`${v.line}: ${v.a} ${'<=>'[v.expected + 1]} ${v.b}`, v] as const))('%s', (_, v) => {
    expect(Math.sign(compareSemver(v.a, v.b))).toBe(v.expected);
    // Antisymmetry: the reverse comparison gives the opposite answer.
    expect(Math.sign(compareSemver(v.b, v.a))).toBe(-v.expected || 0);
  });
});

describe('parseSemver (strict SemVer 2.0.0)', () => {
  it('splits core, prerelease and build', () => {
    expect(parseSemver('1.2.3-alpha.1+build.5')).toEqual({
      major: 1n,
      minor: 2n,
      patch: 3n,
      prerelease: ['alpha', '1'],
      build: ['build', '5'],
    });
    expect(parseSemver('0.0.0-0').prerelease).toEqual(['0']);
    expect(parseSemver('1.0.0-x-y-z.--').prerelease).toEqual(['x-y-z', '--']);
    expect(parseSemver('99999999999999999999.0.0').major).toBe(99999999999999999999n);
  });

  // Each is refused by semver.org's grammar.
  it.each([
    '',
    '1',
    '1.2',
    '1.2.3.4',
    'v1.2.3',
    '01.2.3',
    '1.02.3',
    '1.2.03',
    '1.2.3-01',
    '1.2.3-',
    '1.2.3+',
    '1.2.3-a..b',
    '1.2.3-a_b',
    '1.2.3+a..b',
    '1.2.3 ',
    ' 1.2.3',
    '1.2.x',
    'a.b.c',
  ])('refuses %j with Invalid(NAME_INVALID)', (version) => {
    expect(() => parseSemver(version)).toThrow(Invalid);
    try {
      parseSemver(version);
    } catch (error) {
      expect((error as Invalid).code).toBe('NAME_INVALID');
    }
  });
});

describe('compareSemver (OSV SEMVER)', () => {
  // semver.org §11's example chain, shuffled and sorted back.
  const SPEC_ORDER = [
    '1.0.0-alpha',
    '1.0.0-alpha.1',
    '1.0.0-alpha.beta',
    '1.0.0-beta',
    '1.0.0-beta.2',
    '1.0.0-beta.11',
    '1.0.0-rc.1',
    '1.0.0',
    '2.0.0',
    '2.1.0',
    '2.1.1',
  ];

  it("sorting a shuffled list reproduces semver.org's order", () => {
    const shuffled = shuffle(SPEC_ORDER, 7);
    expect(shuffled).not.toEqual(SPEC_ORDER);
    expect([...shuffled].sort(compareSemver)).toEqual(SPEC_ORDER);
  });

  it('reads OSV\'s introduced "0" as 0.0.0 and below every prerelease of 0.0.1', () => {
    expect(compareSemver('0', '0.0.0')).toBe(0);
    expect(compareSemver('0', '0.0.0-0')).toBeGreaterThan(0);
    expect(compareSemver('0', '0.0.1-alpha')).toBeLessThan(0);
    expect(compareSemver('1.22.0-0', '1.22.0')).toBeLessThan(0);
  });

  it('refuses what is not SemVer-like', () => {
    for (const bad of ['', 'abc', '1..2', '1.2.3-', '1.2.3+', '1.2.3-a..b', 'v', '1.2.3beta', '1.x']) {
      expect(() => compareSemver(bad, '1.0.0'), bad).toThrow(Invalid);
    }
  });
});

describe('compareNpm', () => {
  it('accepts the leading v and = that node-semver cleans away', () => {
    expect(compareNpm('v1.2.3', '1.2.3')).toBe(0);
    expect(compareNpm('=1.2.3', '1.2.3')).toBe(0);
    expect(compareNpm(' =v1.2.3 ', '1.2.3')).toBe(0);
    expect(compareNpm('4.17.20', '4.17.21')).toBeLessThan(0);
    // GHSA-rv95-896h-c2vc (express): a range from 5.0.0-alpha.1 to before 5.0.0-beta.3.
    expect(compareNpm('5.0.0-alpha.1', '5.0.0-beta.1')).toBeLessThan(0);
    expect(compareNpm('5.0.0-beta.3', '5.0.0')).toBeLessThan(0);
  });

  it("refuses loose-mode spellings npm's registry never stores", () => {
    for (const bad of ['1.2', '01.2.3', '1.2.3beta', '1.2.3.4', 'latest', '^1.2.3']) {
      expect(() => compareNpm(bad, '1.0.0'), bad).toThrow(Invalid);
    }
  });
});

describe('compareGo (golang.org/x/mod/semver)', () => {
  it('requires the v prefix', () => {
    expect(() => compareGo('1.2.3', 'v1.2.3')).toThrow(Invalid);
    expect(() => compareGo('v1.2.3', '1.2.3')).toThrow(Invalid);
  });

  it('reads vMAJOR and vMAJOR.MINOR as shorthands, without prerelease or build', () => {
    expect(compareGo('v1', 'v1.0.0')).toBe(0);
    expect(compareGo('v1.2', 'v1.2.0')).toBe(0);
    expect(compareGo('v1.2', 'v1.10')).toBeLessThan(0);
    for (const bad of ['v1-pre', 'v1.2+meta', 'v1.2.3.4', 'v01.2.3', 'v1.2.3-01', 'v']) {
      expect(() => compareGo(bad, 'v1.0.0'), bad).toThrow(Invalid);
    }
  });

  it('ignores +incompatible like any build metadata', () => {
    expect(compareGo('v2.0.0+incompatible', 'v2.0.0')).toBe(0);
    expect(compareGo('v2.0.1+incompatible', 'v2.0.0+incompatible')).toBeGreaterThan(0);
  });

  it('orders pseudo-versions by their timestamp and before the release they precede', () => {
    // The three pseudo-version forms of https://go.dev/ref/mod#pseudo-versions.
    const ordered = [
      'v0.0.0-20191109021931-daa7c04131f5',
      'v0.0.0-20200101000000-0123456789ab',
      'v0.0.0-20200101000001-000000000000',
      'v0.0.1',
      'v1.2.3',
      'v1.2.4-0.20191109021931-daa7c04131f5',
      'v1.2.4-0.20211231235959-aaaaaaaaaaaa',
      'v1.2.4-pre',
      'v1.2.4-pre.0.20191109021931-daa7c04131f5',
      'v1.2.4-pre.1',
      'v1.2.4',
    ];
    expect([...shuffle(ordered, 3)].sort(compareGo)).toEqual(ordered);
  });
});

describe('compareCargo', () => {
  it('is strict SemVer 2.0.0 precedence', () => {
    expect(compareCargo('0.2.10', '0.2.9')).toBeGreaterThan(0);
    expect(compareCargo('1.0.0-alpha.1', '1.0.0-alpha.beta')).toBeLessThan(0);
    expect(compareCargo('1.0.0+a', '1.0.0+b')).toBe(0);
    for (const bad of ['v1.0.0', '1.0', '1.0.0.0', '01.0.0']) {
      expect(() => compareCargo(bad, '1.0.0'), bad).toThrow(Invalid);
    }
  });
});

/** A seeded Fisher-Yates shuffle, so a failure reproduces. */
function shuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  const rand = seededRandom(`versions-${seed}`);
  for (let i = out.length - 1; i > 0; i--) {
    const j = randomInt(rand, 0, i);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
