import { Invalid } from '../../core/errors.js';
import { compareApk } from './apk.js';
import { compareDpkg } from './dpkg.js';
import { compareMaven } from './maven.js';
import { comparePep440 } from './pep440.js';
import { compareRpm } from './rpm.js';
import { compareSemver } from './semver.js';

export type VersionComparator = (a: string, b: string) => number;

/**
 * The ordering an advisory's ecosystem uses, by OSV ecosystem name (`Debian:12` and `Alpine:v3.19`
 * count as their family). Go, npm and crates.io use the tolerant SemVer reading: OSV writes Go
 * versions without their `v` and ranges start at `0`, while installed packages carry their own
 * spellings. Throws `Invalid` for an ecosystem Berth cannot order.
 */
export function comparatorFor(ecosystem: string): VersionComparator {
  const family = ecosystem.split(':')[0]!.trim();
  const comparator = COMPARATORS.get(family.toLowerCase());
  if (!comparator) throw new Invalid('NAME_INVALID', `no version ordering known for ecosystem "${ecosystem}"`);
  return comparator;
}

const COMPARATORS: ReadonlyMap<string, VersionComparator> = new Map([
  ['debian', compareDpkg],
  ['ubuntu', compareDpkg],
  ['alpine', compareApk],
  ['red hat', compareRpm],
  ['rocky linux', compareRpm],
  ['almalinux', compareRpm],
  ['opensuse', compareRpm],
  ['suse', compareRpm],
  ['npm', compareSemver],
  ['go', compareSemver],
  ['crates.io', compareSemver],
  ['pypi', comparePep440],
  ['maven', compareMaven],
]);
