import { describe, expect, it } from 'vitest';
import { Invalid } from '../../core/errors.js';
import { randomInt, seededRandom } from '../../../test/fixtures/random.js';
import { canonicalMavenVersion, compareMaven } from './maven.js';

// Vectors from Maven's own ComparableVersionTest (apache/maven@5bc542fce94e, Maven 3.x:
// maven-artifact/src/test/java/org/apache/maven/artifact/versioning/ComparableVersionTest.java).

// VERSIONS_QUALIFIER, ascending.
const QUALIFIER_ORDER = [
  '1-alpha2snapshot',
  '1-alpha2',
  '1-alpha-123',
  '1-beta-2',
  '1-beta123',
  '1-m2',
  '1-m11',
  '1-rc',
  '1-cr2',
  '1-rc123',
  '1-SNAPSHOT',
  '1',
  '1-sp',
  '1-sp2',
  '1-sp123',
  '1-abc',
  '1-def',
  '1-pom-1',
  '1-1-snapshot',
  '1-1',
  '1-2',
  '1-123',
];

// VERSIONS_NUMBER, ascending.
const NUMBER_ORDER = [
  '2.0',
  '2-1',
  '2.0.a',
  '2.0.0.a',
  '2.0.2',
  '2.0.123',
  '2.1.0',
  '2.1-a',
  '2.1b',
  '2.1-c',
  '2.1-1',
  '2.1.0.1',
  '2.2',
  '2.123',
  '11.a2',
  '11.a11',
  '11.b2',
  '11.b11',
  '11.m2',
  '11.m11',
  '11',
  '11.a',
  '11b',
  '11c',
  '11m',
];

// testVersionsEqual, testVersionEqualWithLeadingZeroes, testLocaleIndependent.
const EQUAL: [string, string][] = [
  ['1', '1'],
  ['1', '1.0'],
  ['1', '1.0.0'],
  ['1.0', '1.0.0'],
  ['1', '1-0'],
  ['1', '1.0-0'],
  ['1.0', '1.0-0'],
  // no separator between number and character
  ['1a', '1-a'],
  ['1a', '1.0-a'],
  ['1a', '1.0.0-a'],
  ['1.0a', '1-a'],
  ['1.0.0a', '1-a'],
  ['1x', '1-x'],
  ['1x', '1.0-x'],
  ['1x', '1.0.0-x'],
  ['1.0x', '1-x'],
  ['1.0.0x', '1-x'],
  // aliases
  ['1ga', '1'],
  ['1release', '1'],
  ['1final', '1'],
  ['1cr', '1rc'],
  // special "aliases" a, b and m for alpha, beta and milestone
  ['1a1', '1-alpha-1'],
  ['1b2', '1-beta-2'],
  ['1m3', '1-milestone-3'],
  // case insensitive
  ['1X', '1x'],
  ['1A', '1a'],
  ['1B', '1b'],
  ['1M', '1m'],
  ['1Ga', '1'],
  ['1GA', '1'],
  ['1RELEASE', '1'],
  ['1release', '1'],
  ['1RELeaSE', '1'],
  ['1Final', '1'],
  ['1FinaL', '1'],
  ['1FINAL', '1'],
  ['1Cr', '1Rc'],
  ['1cR', '1rC'],
  ['1m3', '1Milestone3'],
  ['1m3', '1MileStone3'],
  ['1m3', '1MILESTONE3'],
  ['0000000000000000001', '1'],
  ['000000001', '01'],
  ['0000000000000000000', '0'],
  ['00', '0'],
  ['1-abcdefghijklmnopqrstuvwxyz', '1-ABCDEFGHIJKLMNOPQRSTUVWXYZ'],
];

// testVersionComparing, testMng5568, testMng6572, testMng6964: each pair is `lower, higher`.
const LOWER_HIGHER: [string, string][] = [
  ['1', '2'],
  ['1.5', '2'],
  ['1', '2.5'],
  ['1.0', '1.1'],
  ['1.1', '1.2'],
  ['1.0.0', '1.1'],
  ['1.0.1', '1.1'],
  ['1.1', '1.2.0'],
  ['1.0-alpha-1', '1.0'],
  ['1.0-alpha-1', '1.0-alpha-2'],
  ['1.0-alpha-1', '1.0-beta-1'],
  ['1.0-beta-1', '1.0-SNAPSHOT'],
  ['1.0-SNAPSHOT', '1.0'],
  ['1.0-alpha-1-SNAPSHOT', '1.0-alpha-1'],
  ['1.0', '1.0-1'],
  ['1.0-1', '1.0-2'],
  ['1.0.0', '1.0-1'],
  ['2.0-1', '2.0.1'],
  ['2.0.1-klm', '2.0.1-lmn'],
  ['2.0.1', '2.0.1-xyz'],
  ['2.0.1', '2.0.1-123'],
  ['2.0.1-xyz', '2.0.1-123'],
  // MNG-5568: transitivity with an odd version
  ['6.1.0rc3', '6.1.0'],
  ['6.1.0rc3', '6.1H.5-beta'],
  ['6.1.0', '6.1H.5-beta'],
  // MNG-6572: numbers past 2^31 and 2^63
  ['20190126.230843', '1234567890.12345'],
  ['1234567890.12345', '123456789012345.1H.5-beta'],
  ['20190126.230843', '123456789012345.1H.5-beta'],
  ['123456789012345.1H.5-beta', '12345678901234567890.1H.5-beta'],
  ['1234567890.12345', '12345678901234567890.1H.5-beta'],
  ['20190126.230843', '12345678901234567890.1H.5-beta'],
  // MNG-6964: a list compares with padding on all its items, not only the first
  ['1-0.alpha', '1'],
  ['1-0.beta', '1'],
  ['1-0.alpha', '1-0.beta'],
];

// The POM reference's "Version Order Specification" examples (maven.apache.org/pom.html), as
// corrected in apache/maven-site PR #707 to match ComparableVersion.
const SPEC_EQUAL: [string, string][] = [
  ['1.ga', '1-ga'],
  ['1-ga', '1-0'],
  ['1-0', '1.0'],
  ['1.0', '1'],
  ['1-a1', '1-alpha-1'],
  ['1.0-alpha1', '1.0-ALPHA1'],
];
const SPEC_LOWER_HIGHER: [string, string][] = [
  ['1', '1.1'],
  ['1-snapshot', '1'],
  ['1', '1-sp'],
  ['1-foo2', '1-foo10'],
  ['1-foo', '1-1'],
  ['1-1', '1.1'],
  ['1-ga', '1-sp'],
  ['1-ga.1', '1-sp.1'],
  ['1-sp-1', '1-ga-1'],
  ['1.K', '1.7'],
  ['5.aardvark', '5.zebra'],
  ['1.b', '1.α'],
];

function shuffle<T>(items: readonly T[], seed: string): T[] {
  const out = [...items];
  const rand = seededRandom(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = randomInt(rand, 0, i);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe.each([
  ['VERSIONS_QUALIFIER', QUALIFIER_ORDER],
  ['VERSIONS_NUMBER', NUMBER_ORDER],
])('compareMaven on ComparableVersionTest %s', (_, ordered) => {
  it('orders every pair as listed, antisymmetrically', () => {
    for (let i = 0; i < ordered.length; i++) {
      for (let j = 0; j < ordered.length; j++) {
        const a = ordered[i] as string;
        const b = ordered[j] as string;
        expect(Math.sign(compareMaven(a, b)), `${a} vs ${b}`).toBe(Math.sign(i - j));
      }
    }
  });

  it('sorting a shuffled list reproduces the order', () => {
    for (const seed of ['a', 'b', 'c']) {
      expect([...shuffle(ordered, `maven-${seed}`)].sort(compareMaven)).toEqual(ordered);
    }
  });
});

describe('compareMaven equalities', () => {
  it.each([...EQUAL, ...SPEC_EQUAL])('%s = %s', (a, b) => {
    expect(compareMaven(a, b)).toBe(0);
    expect(compareMaven(b, a)).toBe(0);
    // Maven's test also checks that equal versions share the canonical form.
    expect(canonicalMavenVersion(a)).toBe(canonicalMavenVersion(b));
  });
});

describe('compareMaven orderings', () => {
  it.each([...LOWER_HIGHER, ...SPEC_LOWER_HIGHER])('%s < %s', (lower, higher) => {
    expect(compareMaven(lower, higher)).toBeLessThan(0);
    expect(compareMaven(higher, lower)).toBeGreaterThan(0);
  });

  it('places a dotted qualifier below a hyphenated one, unlike the spec text', () => {
    // The POM reference says "1.foo" = "1-foo"; ComparableVersion (qualifier item < list item)
    // and Maven's own tests no longer claim it. We follow the code.
    expect(compareMaven('1.foo', '1-foo')).toBeLessThan(0);
    expect(compareMaven('1.foo', '1-1')).toBeLessThan(0);
  });

  it('places 1-ga-1 below 1-1, unlike the spec text', () => {
    // The spec says "1-ga-1" = "1-1". ComparableVersion trims the `ga` but keeps the list that
    // held it, [1, [[1]]] against [1, [1]], and a list is below a number; the two still share
    // the canonical form "1-1" (Maven's equals() and compareTo() disagree here, cf. MNG-7700).
    expect(compareMaven('1-ga-1', '1-1')).toBeLessThan(0);
    expect(canonicalMavenVersion('1-ga-1')).toBe(canonicalMavenVersion('1-1'));
  });
});

describe('canonicalMavenVersion', () => {
  it.each([
    ['1.0.0', '1'],
    ['1.0-GA', '1'],
    ['1a1', '1-alpha-1'],
    ['1.0-alpha-1', '1-alpha-1'],
    ['1-1.foo-bar1baz-.1', '1-1.foo-bar-1-baz-0.1'],
    ['1.0.0-foo.0.0', '1-foo'],
    ['1.0.0-0.0.0', '1'],
    ['2.0.1-RC1', '2.0.1-rc-1'],
    ['0.0-ga', '0'],
  ])('%s → %s', (version, canonical) => {
    expect(canonicalMavenVersion(version)).toBe(canonical);
    // Maven's newComparable() check: the canonical form is a fixed point.
    expect(canonicalMavenVersion(canonical)).toBe(canonical);
  });

  it('is a fixed point for every test vector', () => {
    for (const v of [...QUALIFIER_ORDER, ...NUMBER_ORDER, ...LOWER_HIGHER.flat(), ...EQUAL.flat()]) {
      const canonical = canonicalMavenVersion(v);
      expect(canonicalMavenVersion(canonical), v).toBe(canonical);
      expect(compareMaven(canonical, v), v).toBe(0);
    }
  });
});

describe('what is not a Maven version', () => {
  it.each(['', ' ', '1.0 ', '1.0\n', '1\t0', '1.0\u0000'])('refuses %j with Invalid(NAME_INVALID)', (version) => {
    expect(() => compareMaven(version, '1.0')).toThrow(Invalid);
    expect(() => compareMaven('1.0', version)).toThrow(/invalid Maven version/);
  });
});
