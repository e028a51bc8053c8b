/**
 * Tag ordering as people read versions: `v1.10.0` after `v1.9.3`, `1.2.0-rc.2` before `1.2.0`,
 * `build-10` after `build-9`. Tags that look like versions (an optional `v`, dot-separated numbers,
 * then an optional `-prerelease` and `+build`) follow SemVer precedence, with missing parts read as
 * 0 (`1.36` = `1.36.0`); every other tag sorts after the versions, in natural order (digit runs
 * compared as numbers, letters case-insensitively). Ties fall back to the plain string, so the order
 * is total and stable.
 */

interface Version {
  numbers: number[];
  prerelease: string[];
}

const VERSION = /^v?(\d+(?:\.\d+)*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/i;

export function parseVersion(tag: string): Version | null {
  const m = VERSION.exec(tag);
  if (!m?.[1]) return null;
  const numbers = m[1].split('.').map(Number);
  if (numbers.some((n) => !Number.isSafeInteger(n))) return null;
  return { numbers, prerelease: m[2] ? m[2].split('.') : [] };
}

const CHUNKS = /(\d+)|(\D+)/g;

/** Natural order: `build-9` < `build-10`; letters compared without regard to case. */
export function naturalCompare(a: string, b: string): number {
  const xs = a.match(CHUNKS) ?? [];
  const ys = b.match(CHUNKS) ?? [];
  for (let i = 0; i < Math.min(xs.length, ys.length); i++) {
    const x = xs[i] as string;
    const y = ys[i] as string;
    const xNum = /^\d/.test(x);
    const yNum = /^\d/.test(y);
    let d: number;
    if (xNum && yNum) {
      d = compareDigits(x, y);
    } else if (xNum !== yNum) {
      d = xNum ? -1 : 1;
    } else {
      d = x.toLowerCase() < y.toLowerCase() ? -1 : x.toLowerCase() > y.toLowerCase() ? 1 : 0;
    }
    if (d !== 0) return d;
  }
  return xs.length - ys.length;
}

/** Digit runs of any length compared as numbers, without overflowing to floats. */
function compareDigits(x: string, y: string): number {
  const a = x.replace(/^0+(?=\d)/, '');
  const b = y.replace(/^0+(?=\d)/, '');
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

function comparePrerelease(a: string[], b: string[]): number {
  // A release outranks its prereleases.
  if (a.length === 0 || b.length === 0) return (a.length === 0 ? 1 : 0) - (b.length === 0 ? 1 : 0);
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i] as string;
    const y = b[i] as string;
    const xNum = /^\d+$/.test(x);
    const yNum = /^\d+$/.test(y);
    let d: number;
    if (xNum && yNum) d = compareDigits(x, y);
    else if (xNum !== yNum) d = xNum ? -1 : 1;
    // SemVer compares these in ASCII; natural order keeps rc10 after rc9, which is what was meant.
    else d = naturalCompare(x, y);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

function compareVersions(a: Version, b: Version): number {
  for (let i = 0; i < Math.max(a.numbers.length, b.numbers.length); i++) {
    const d = (a.numbers[i] ?? 0) - (b.numbers[i] ?? 0);
    if (d !== 0) return d;
  }
  return comparePrerelease(a.prerelease, b.prerelease);
}

/** Ascending tag order: versions by precedence, then every other tag naturally. */
export function compareTags(a: string, b: string): number {
  const va = parseVersion(a);
  const vb = parseVersion(b);
  let d: number;
  if (va && vb) d = compareVersions(va, vb);
  else if (va || vb) d = va ? -1 : 1;
  else d = naturalCompare(a, b);
  if (d !== 0) return d;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function sortTags<T>(items: readonly T[], nameOf: (item: T) => string, descending = false): T[] {
  const sign = descending ? -1 : 1;
  return [...items].sort((x, y) => sign * compareTags(nameOf(x), nameOf(y)));
}

/**
 * The newest version among the tags; when none is a version, the last word in natural order; undefined
 * for an untagged artifact.
 */
export function newestTag(names: readonly string[]): string | undefined {
  const versions = names.filter((n) => parseVersion(n) !== null);
  const pool = versions.length > 0 ? versions : names;
  let best: string | undefined;
  for (const name of pool) if (best === undefined || compareTags(name, best) > 0) best = name;
  return best;
}

/**
 * Orders rows by their newest tag, newest first: rows with a version tag before rows tagged only with
 * words (`latest`, `stable`), untagged rows last. Equal rows compare 0, so a stable sort keeps the
 * server's order among them.
 */
export function compareByNewestTag(a: readonly string[], b: readonly string[]): number {
  const rank = (tag: string | undefined) => (tag === undefined ? 2 : parseVersion(tag) ? 0 : 1);
  const x = newestTag(a);
  const y = newestTag(b);
  const d = rank(x) - rank(y);
  if (d !== 0 || x === undefined || y === undefined) return d;
  return -compareTags(x, y);
}

/**
 * The order tags are shown in: versions newest first (`v1.10.0`, `v1.9.3`, …), then the other tags
 * (`latest`, `stable`) in natural order, so a row cut short still shows the newest versions.
 */
export function newestFirst<T>(items: readonly T[], nameOf: (item: T) => string): T[] {
  const versions = items.filter((i) => parseVersion(nameOf(i)) !== null);
  const words = items.filter((i) => parseVersion(nameOf(i)) === null);
  return [...sortTags(versions, nameOf, true), ...sortTags(words, nameOf)];
}
