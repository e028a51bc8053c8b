import { Invalid } from '../../core/errors.js';

/**
 * Semantic Versioning 2.0.0 (semver.org) parsing and precedence, plus the spellings that npm, Go
 * modules, Cargo and OSV's `SEMVER` range type accept around it.
 *
 * Precedence (SemVer §11): major, minor, patch numerically; a version with a prerelease is lower
 * than the same version without; prerelease identifiers left to right, numeric ones numerically
 * and lower than alphanumeric ones, alphanumeric ones in ASCII order; more identifiers win when
 * all before them are equal. Build metadata never takes part.
 *
 * Numbers are compared as arbitrarily large integers: advisory data contains 30-digit components.
 */
export interface SemVer {
  major: bigint;
  minor: bigint;
  patch: bigint;
  /** Dot-separated prerelease identifiers, `[]` for a release. */
  prerelease: readonly string[];
  /** Dot-separated build metadata identifiers; ignored by every comparison. */
  build: readonly string[];
}

/** How much a dialect tolerates around the strict SemVer 2.0.0 grammar. */
interface SemverDialect {
  name: string;
  vPrefix: 'forbidden' | 'optional' | 'required';
  /**
   * `three`: exactly MAJOR.MINOR.PATCH. `go-shorthand`: vMAJOR and vMAJOR.MINOR stand for .0 and
   * .0.0 but then carry no prerelease or build. `osv`: one or more numbers, missing ones are 0 and
   * numbers past the third become build metadata (osv-scalibr's reading of OSV data).
   */
  core: 'three' | 'go-shorthand' | 'osv';
  /** Whether `01` may stand for 1 in the core and in numeric prerelease identifiers. */
  leadingZeros: boolean;
}

const STRICT: SemverDialect = { name: 'SemVer 2.0.0', vPrefix: 'forbidden', core: 'three', leadingZeros: false };
const OSV: SemverDialect = { name: 'OSV SEMVER', vPrefix: 'optional', core: 'osv', leadingZeros: true };
const GO: SemverDialect = { name: 'Go module', vPrefix: 'required', core: 'go-shorthand', leadingZeros: false };

const DIGITS = /^[0-9]+$/;
const IDENTIFIER = /^[0-9A-Za-z-]+$/;

function invalid(version: string, dialect: SemverDialect, why: string): Invalid {
  return new Invalid('NAME_INVALID', `invalid ${dialect.name} version ${JSON.stringify(version)}: ${why}`);
}

function parseWith(version: string, dialect: SemverDialect): SemVer {
  let rest = version;
  const hasV = rest.startsWith('v');
  if (hasV && dialect.vPrefix === 'forbidden') throw invalid(version, dialect, 'leading "v"');
  if (!hasV && dialect.vPrefix === 'required') throw invalid(version, dialect, 'missing leading "v"');
  if (hasV) rest = rest.slice(1);

  let build: string[] = [];
  const plus = rest.indexOf('+');
  if (plus >= 0) {
    build = identifiers(rest.slice(plus + 1), version, dialect, 'build metadata');
    rest = rest.slice(0, plus);
  }
  let prerelease: string[] = [];
  const hyphen = rest.indexOf('-');
  if (hyphen >= 0) {
    prerelease = identifiers(rest.slice(hyphen + 1), version, dialect, 'prerelease');
    for (const id of prerelease) {
      if (!dialect.leadingZeros && DIGITS.test(id) && id.length > 1 && id.startsWith('0')) {
        throw invalid(version, dialect, `numeric prerelease identifier ${id} has a leading zero`);
      }
    }
    rest = rest.slice(0, hyphen);
  }

  const numbers = rest.split('.');
  for (const n of numbers) {
    if (!DIGITS.test(n)) throw invalid(version, dialect, 'MAJOR.MINOR.PATCH must be dot-separated numbers');
    if (!dialect.leadingZeros && n.length > 1 && n.startsWith('0')) {
      throw invalid(version, dialect, `number ${n} has a leading zero`);
    }
  }
  if (dialect.core === 'three' && numbers.length !== 3) {
    throw invalid(version, dialect, 'needs exactly MAJOR.MINOR.PATCH');
  }
  if (dialect.core === 'go-shorthand') {
    if (numbers.length > 3) throw invalid(version, dialect, 'more than MAJOR.MINOR.PATCH');
    if (numbers.length < 3 && (prerelease.length > 0 || build.length > 0)) {
      throw invalid(version, dialect, 'a shorthand vMAJOR[.MINOR] carries no prerelease or build');
    }
  }
  if (dialect.core === 'osv' && numbers.length > 3) {
    build = [...numbers.slice(3), ...build];
  }
  const [major = '0', minor = '0', patch = '0'] = numbers;
  return { major: BigInt(major), minor: BigInt(minor), patch: BigInt(patch), prerelease, build };
}

function identifiers(text: string, version: string, dialect: SemverDialect, what: string): string[] {
  const ids = text.split('.');
  if (!ids.every((id) => IDENTIFIER.test(id))) {
    throw invalid(version, dialect, `${what} must be non-empty dot-separated [0-9A-Za-z-] identifiers`);
  }
  return ids;
}

/**
 * Parses a version in the strict SemVer 2.0.0 grammar: `MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]`,
 * no leading `v`, no leading zeros in numbers or numeric prerelease identifiers.
 * @throws Invalid (`NAME_INVALID`) for anything else.
 */
export function parseSemver(version: string): SemVer {
  return parseWith(version, STRICT);
}

/** Compares two integers written in decimal digits, leading zeros allowed. */
function compareDigits(a: string, b: string): number {
  const x = a.replace(/^0+(?=.)/, '');
  const y = b.replace(/^0+(?=.)/, '');
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return x === y ? 0 : x < y ? -1 : 1;
}

function compareIdentifier(a: string, b: string): number {
  const aNumeric = DIGITS.test(a);
  const bNumeric = DIGITS.test(b);
  if (aNumeric && bNumeric) return compareDigits(a, b);
  if (aNumeric !== bNumeric) return aNumeric ? -1 : 1;
  // Identifiers are ASCII, so UTF-16 code unit order is ASCII order ("R2" < "r100").
  return a === b ? 0 : a < b ? -1 : 1;
}

/**
 * SemVer 2.0.0 precedence of two parsed versions: negative, zero or positive. Build metadata is
 * ignored, so `1.0.0+a` and `1.0.0+b` compare equal.
 */
export function compareParsedSemver(a: SemVer, b: SemVer): number {
  for (const [x, y] of [
    [a.major, b.major],
    [a.minor, b.minor],
    [a.patch, b.patch],
  ] as const) {
    if (x !== y) return x < y ? -1 : 1;
  }
  if (a.prerelease.length === 0 || b.prerelease.length === 0) {
    return Math.sign(b.prerelease.length - a.prerelease.length) || 0;
  }
  const shared = Math.min(a.prerelease.length, b.prerelease.length);
  for (let i = 0; i < shared; i++) {
    const c = compareIdentifier(a.prerelease[i] as string, b.prerelease[i] as string);
    if (c !== 0) return c;
  }
  return Math.sign(a.prerelease.length - b.prerelease.length);
}

/**
 * Compares versions of OSV's `SEMVER` range type (and of any SemVer 2.0.0 ecosystem whose data we
 * read through OSV): SemVer 2.0.0 precedence over a tolerant grammar, the one OSV's reference
 * implementation (osv-scalibr `semantic`) accepts, because advisories are not always strict:
 * an optional leading `v`; one to three numbers, missing ones read as 0 (`"0"`, OSV's
 * "introduced from the start", is `0.0.0`); numbers past the third are build metadata
 * (`1.1.3.4.5` = `1.1.3`); leading zeros read numerically.
 * Returns negative when `a` < `b`, 0 when they have equal precedence, positive when `a` > `b`.
 * @throws Invalid (`NAME_INVALID`) when either is not even SemVer-like (`abc`, `1..2`, `1.2.3-`).
 */
export function compareSemver(a: string, b: string): number {
  return compareParsedSemver(parseWith(a, OSV), parseWith(b, OSV));
}

/**
 * Compares npm package versions. npm stores versions cleaned by node-semver, which strips a
 * leading run of `v` and `=` (and surrounding blanks) before the strict grammar; we accept the
 * same and nothing looser: node-semver's `loose` mode extras (leading zeros, `1.2.3beta` without
 * a hyphen) never reach the registry, so they are refused rather than guessed at.
 * @throws Invalid (`NAME_INVALID`) for anything else.
 */
export function compareNpm(a: string, b: string): number {
  const clean = (v: string): SemVer => parseWith(v.trim().replace(/^[v=\s]+/, ''), STRICT);
  return compareParsedSemver(clean(a), clean(b));
}

/**
 * Compares Go module versions as golang.org/x/mod/semver does: a leading `v` is required;
 * `vMAJOR` and `vMAJOR.MINOR` are shorthands for `.0.0` and `.0`; build metadata, including
 * `+incompatible`, is ignored. Pseudo-versions (`v0.0.0-20191109021931-daa7c04131f5`,
 * `v1.2.4-0.20191109021931-daa7c04131f5`) need no special case: their fixed-width timestamp sits
 * in the prerelease, whose ASCII order is chronological, and a pseudo-version sorts before the
 * release it precedes.
 * Unlike x/mod/semver, which sorts invalid strings below every valid one, this refuses them: a
 * scanner must not silently decide that a version it cannot read is old.
 * OSV's Go records write versions without the `v` (`1.22.0-0`); compare those with `compareSemver`.
 * @throws Invalid (`NAME_INVALID`) for anything else.
 */
export function compareGo(a: string, b: string): number {
  return compareParsedSemver(parseWith(a, GO), parseWith(b, GO));
}

/**
 * Compares crate versions: Cargo requires strict SemVer 2.0.0 (no `v`, all three numbers).
 * Build metadata is ignored as SemVer precedence and Cargo's requirement matching ignore it; the
 * semver crate's `Ord` breaks such ties on the metadata only to make sorting total.
 * @throws Invalid (`NAME_INVALID`) for anything else.
 */
export function compareCargo(a: string, b: string): number {
  return compareParsedSemver(parseSemver(a), parseSemver(b));
}
