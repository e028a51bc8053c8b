import { describe, expect, it } from 'vitest';
import { Invalid } from '../../core/errors.js';
import { randomInt, seededRandom } from '../../../test/fixtures/random.js';
import { comparePep440, parsePep440 } from './pep440.js';

// PEP 440, "Summary of permitted suffixes and relative ordering": the spec's own example list,
// ascending (https://peps.python.org/pep-0440/#summary-of-permitted-suffixes-and-relative-ordering).
const PEP_440_ORDER = [
  '1.dev0',
  '1.0.dev456',
  '1.0a1',
  '1.0a2.dev456',
  '1.0a12.dev456',
  '1.0a12',
  '1.0b1.dev456',
  '1.0b2',
  '1.0b2.post345.dev456',
  '1.0b2.post345',
  '1.0rc1.dev456',
  '1.0rc1',
  '1.0',
  '1.0+abc.5',
  '1.0+abc.7',
  '1.0+5',
  '1.0.post456.dev34',
  '1.0.post456',
  '1.0.15',
  '1.1.dev1',
];

// pypa/packaging tests/test_version.py `VERSIONS` (the reference implementation's ordering table),
// ascending, its epoch-1 half abridged: alternative spellings (c, -N), local labels, epochs.
const PACKAGING_ORDER = [
  '1.0.dev456',
  '1.0a1',
  '1.0a2.dev456',
  '1.0a12.dev456',
  '1.0a12',
  '1.0b1.dev456',
  '1.0b2',
  '1.0b2.post345.dev456',
  '1.0b2.post345',
  '1.0b2-346',
  '1.0c1.dev456',
  '1.0c1',
  '1.0rc2',
  '1.0c3',
  '1.0',
  '1.0.post456.dev34',
  '1.0.post456',
  '1.1.dev1',
  '1.2+123abc',
  '1.2+123abc456',
  '1.2+abc',
  '1.2+abc123',
  '1.2+abc123def',
  '1.2+1234.abc',
  '1.2+123456',
  '1.2.r32+123456',
  '1.2.rev33+123456',
  '1!1.0.dev456',
  '1!1.0a1',
  '1!1.0b2.post345',
  '1!1.0c3',
  '1!1.0',
  '1!1.0.post456',
  '1!1.2.rev33+123456',
];

// PEP 440, "Normalization": each pair spells the same version.
const SAME_VERSION: [string, string][] = [
  ['1.0ALPHA1', '1.0a1'], // case sensitivity
  ['1.1RC1', '1.1rc1'],
  ['1.0a1', '1.0-a1'], // pre-release separators
  ['1.1a1', '1.1.a1'],
  ['1.0a1', '1.0a.1'],
  ['1.0a1', '1.0_a_1'],
  ['1.0a0', '1.0a'], // implicit pre-release number
  ['1.1a1', '1.1alpha1'], // pre-release spelling
  ['1.1b2', '1.1beta2'],
  ['1.1rc3', '1.1c3'],
  ['1.1rc3', '1.1pre3'],
  ['1.1rc3', '1.1preview3'],
  ['1.2.post2', '1.2-post2'], // post-release separators
  ['1.2.post2', '1.2post2'],
  ['1.2.post2', '1.2_post_2'],
  ['1.2.post0', '1.2.post'], // implicit post-release number
  ['1.0.post1', '1.0-1'], // implicit post release
  ['1.0.post1', '1.0-r1'], // post-release spelling
  ['1.0.post1', '1.0rev1'],
  ['1.2.dev2', '1.2-dev2'], // development release separators
  ['1.2.dev2', '1.2dev2'],
  ['1.2.dev0', '1.2.dev'], // implicit development release number
  ['1.0+ubuntu.1', '1.0+ubuntu-1'], // local version segments
  ['1.0+ubuntu.1', '1.0+ubuntu_1'],
  ['1.0+ubuntu.1', '1.0+Ubuntu.1'],
  ['1.0', 'v1.0'], // preceding v character
  ['1.0', ' 1.0\n'], // leading and trailing whitespace
  ['1.0', '1.0.0'], // trailing zeros are not significant
  ['00', '0'], // integer normalisation
  ['1.01', '1.1'],
  ['0!1.0', '1.0'], // implicit epoch
];

// Each is refused by the PEP 440 grammar.
const NOT_PEP_440 = [
  '',
  'french toast',
  '1.0-',
  '1.0.',
  '.1.0',
  '1..0',
  '1.0+',
  '1.0+_foo',
  '1.0+foo..bar',
  '1.0+a+b',
  '1!',
  '!1.0',
  '1.0.dev1.post1', // post-release after a dev release
  '1.0.post1a1', // pre-release after a post-release
  '1.0a1b1',
  '1.0 a1',
  '1.0-2-3',
  'vv1.0',
  '1.0*',
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
  ['PEP 440 example ordering', PEP_440_ORDER],
  ['pypa/packaging VERSIONS', PACKAGING_ORDER],
])('comparePep440 on the %s', (_, ordered) => {
  it('orders every pair as listed, antisymmetrically', () => {
    for (let i = 0; i < ordered.length; i++) {
      for (let j = 0; j < ordered.length; j++) {
        const a = ordered[i] as string;
        const b = ordered[j] as string;
        expect(Math.sign(comparePep440(a, b)), `${a} vs ${b}`).toBe(Math.sign(i - j));
      }
    }
  });

  it('sorting a shuffled list reproduces the order', () => {
    for (const seed of ['a', 'b', 'c']) {
      const shuffled = shuffle(ordered, `pep440-${seed}`);
      expect([...shuffled].sort(comparePep440)).toEqual(ordered);
    }
  });
});

describe('PEP 440 normalisation', () => {
  it.each(SAME_VERSION)('%j equals %j', (a, b) => {
    expect(comparePep440(a, b)).toBe(0);
    expect(comparePep440(b, a)).toBe(0);
  });

  it('spells the parts canonically', () => {
    expect(parsePep440('V2!1.0.0-Preview_3.POST-4-DEV.5+Ubuntu-1.20')).toEqual({
      epoch: 2n,
      release: [1n, 0n, 0n],
      pre: { label: 'rc', number: 3n },
      post: 4n,
      dev: 5n,
      local: ['ubuntu', 1n, 20n],
    });
    expect(parsePep440('1.0')).toMatchObject({ pre: null, post: null, dev: null, local: null });
  });

  it('orders epochs before everything else and local labels after the public version', () => {
    expect(comparePep440('1!0.1', '2013.10')).toBeGreaterThan(0);
    expect(comparePep440('1.0+local', '1.0')).toBeGreaterThan(0);
    expect(comparePep440('1.0+local', '1.0.post0')).toBeLessThan(0);
    expect(comparePep440('1.0+1', '1.0+a')).toBeGreaterThan(0);
    expect(comparePep440('1.0+a.1', '1.0+a')).toBeGreaterThan(0);
    expect(comparePep440('1.0.dev1', '1.0a1.dev1')).toBeLessThan(0);
    expect(comparePep440('1.0.post1.dev1', '1.0')).toBeGreaterThan(0);
    expect(comparePep440('99999999999999999999999', '99999999999999999998')).toBeGreaterThan(0);
  });
});

describe('non-PEP 440 strings', () => {
  it.each(NOT_PEP_440)('refuses %j with Invalid(NAME_INVALID)', (version) => {
    expect(() => parsePep440(version)).toThrow(Invalid);
    expect(() => comparePep440(version, '1.0')).toThrow(/invalid PEP 440 version/);
    expect(() => comparePep440('1.0', version)).toThrow(Invalid);
  });
});
