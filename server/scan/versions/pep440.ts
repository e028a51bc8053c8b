import { Invalid } from '../../core/errors.js';

/**
 * Python package versions, PEP 440 (packaging.python.org "Version specifiers"): parsing with the
 * spec's normalisation and its total order. Only what the spec calls valid is accepted; the old
 * setuptools "legacy" versions that pip stopped accepting are refused.
 */
export interface Pep440Version {
  epoch: bigint;
  /** Release segment as written (`1.0.0` keeps its zeros; comparison pads and ignores them). */
  release: readonly bigint[];
  /** Pre-release, spelled canonically: alpha → `a`, beta → `b`, c/pre/preview → `rc`. */
  pre: { label: 'a' | 'b' | 'rc'; number: bigint } | null;
  post: bigint | null;
  dev: bigint | null;
  /** Local label segments, lower-cased; digit-only segments as numbers. `null` without `+local`. */
  local: readonly (string | bigint)[] | null;
}

// The spec's grammar (its Appendix "parsing with a regular expression"), with all permitted
// spellings: separators `.`/`-`/`_` before and inside suffixes, implicit numbers, `-N` as post.
const PEP440 = new RegExp(
  [
    '^v?',
    '(?:(?<epoch>[0-9]+)!)?',
    '(?<release>[0-9]+(?:\\.[0-9]+)*)',
    '(?:[-_.]?(?<preLabel>alpha|a|beta|b|preview|pre|c|rc)[-_.]?(?<preNumber>[0-9]+)?)?',
    '(?:-(?<postImplicit>[0-9]+)|[-_.]?(?:post|rev|r)[-_.]?(?<postNumber>[0-9]+)?(?<postMarker>))?',
    '(?:[-_.]?dev[-_.]?(?<devNumber>[0-9]+)?(?<devMarker>))?',
    '(?:\\+(?<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?$',
  ].join(''),
  'i',
);

const PRE_LABELS: Record<string, 'a' | 'b' | 'rc'> = {
  a: 'a',
  alpha: 'a',
  b: 'b',
  beta: 'b',
  c: 'rc',
  rc: 'rc',
  pre: 'rc',
  preview: 'rc',
};

/**
 * Parses a PEP 440 version, normalising its spelling: case, a leading `v`, surrounding blanks,
 * alternative pre/post/dev spellings and separators, implicit numbers (`1.0a` = `1.0a0`,
 * `1.0.post` = `1.0.post0`, `1.0-1` = `1.0.post1`), and `-`/`_` in local labels.
 * @throws Invalid (`NAME_INVALID`) when the string is not a PEP 440 version.
 */
export function parsePep440(version: string): Pep440Version {
  const groups = PEP440.exec(version.trim())?.groups;
  if (!groups) {
    throw new Invalid('NAME_INVALID', `invalid PEP 440 version ${JSON.stringify(version)}`);
  }
  const number = (digits: string | undefined): bigint => BigInt(digits ?? '0');
  const hasPost = groups.postImplicit !== undefined || groups.postMarker !== undefined;
  return {
    epoch: number(groups.epoch),
    release: (groups.release as string).split('.').map((n) => BigInt(n)),
    pre: groups.preLabel
      ? { label: PRE_LABELS[groups.preLabel.toLowerCase()] as 'a' | 'b' | 'rc', number: number(groups.preNumber) }
      : null,
    post: hasPost ? number(groups.postImplicit ?? groups.postNumber) : null,
    dev: groups.devMarker !== undefined ? number(groups.devNumber) : null,
    local: groups.local
      ? groups.local
          .toLowerCase()
          .split(/[-_.]/)
          .map((segment) => (/^[0-9]+$/.test(segment) ? BigInt(segment) : segment))
      : null,
  };
}

function compareBig(a: bigint, b: bigint): number {
  return a === b ? 0 : a < b ? -1 : 1;
}

/**
 * Pre-release rank: a dev release of a final version (`1.0.dev1`) comes before all its
 * pre-releases, a version without pre-release after them all.
 */
function preRank(v: Pep440Version): [number, bigint] {
  if (v.pre) return [{ a: 1, b: 2, rc: 3 }[v.pre.label], v.pre.number];
  if (v.post === null && v.dev !== null) return [0, 0n];
  return [4, 0n];
}

function compareLocal(a: Pep440Version['local'], b: Pep440Version['local']): number {
  // A local version sorts after the same public version without one.
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i] as string | bigint;
    const y = b[i] as string | bigint;
    if (typeof x !== typeof y) return typeof x === 'bigint' ? 1 : -1; // numbers after strings
    const c = typeof x === 'bigint' ? compareBig(x, y as bigint) : x === y ? 0 : x < y ? -1 : 1;
    if (c !== 0) return c;
  }
  return Math.sign(a.length - b.length);
}

/** PEP 440 order of two parsed versions: negative, zero or positive. */
export function compareParsedPep440(a: Pep440Version, b: Pep440Version): number {
  let c = compareBig(a.epoch, b.epoch);
  if (c !== 0) return c;
  // Trailing zeros are not significant: 1.0 == 1.0.0.
  for (let i = 0; i < Math.max(a.release.length, b.release.length); i++) {
    c = compareBig(a.release[i] ?? 0n, b.release[i] ?? 0n);
    if (c !== 0) return c;
  }
  const [aRank, aPre] = preRank(a);
  const [bRank, bPre] = preRank(b);
  if (aRank !== bRank) return Math.sign(aRank - bRank);
  c = compareBig(aPre, bPre);
  if (c !== 0) return c;
  // No post-release sorts before any post-release; no dev release after any dev release.
  if (a.post !== b.post) {
    if (a.post === null || b.post === null) return a.post === null ? -1 : 1;
    return compareBig(a.post, b.post);
  }
  if (a.dev !== b.dev) {
    if (a.dev === null || b.dev === null) return a.dev === null ? 1 : -1;
    return compareBig(a.dev, b.dev);
  }
  return compareLocal(a.local, b.local);
}

/**
 * Compares two Python package versions in PEP 440 order (epoch, release, pre, post, dev, local),
 * after normalisation, so differently spelled equal versions (`1.0ALPHA1`, `1.0-a.1`, `1.0a1`)
 * compare 0. Returns negative when `a` < `b`, 0 when equal, positive when `a` > `b`.
 * @throws Invalid (`NAME_INVALID`) when either is not a PEP 440 version.
 */
export function comparePep440(a: string, b: string): number {
  return compareParsedPep440(parsePep440(a), parsePep440(b));
}
