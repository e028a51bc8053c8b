import { Invalid } from '../../core/errors.js';

/**
 * Maven artifact version order: the behaviour of Maven 3.x's `ComparableVersion`
 * (maven-artifact), which the POM reference's "Version Order Specification" describes.
 *
 * A version is lower-cased and split into items: numbers and strings ("qualifiers"), split at
 * `.`, at `-`, and where digits and letters meet. A `-`, or a letter/digit transition, opens a
 * nested list: `1.0-alpha-1` and `1.0alpha1` both read `[1, 0, [alpha, [1]]]`. An empty item
 * (`1..2`, `1-.2`) is 0. Then "null" items (0, the empty qualifier and its aliases `ga`/`final`/
 * `release`, empty lists) are trimmed from the end of every list, the walk passing over non-null
 * lists, so `1` = `1.0` = `1.0.0` = `1-0` = `1.ga` and the example becomes `[1, [alpha, [1]]]`.
 *
 * Item order, when the kinds differ: number > list > qualifier, which gives
 * `1.foo` = `1-foo` < `1-1` < `1.1`. Qualifiers: `alpha` (`a` before a digit) < `beta` (`b`) <
 * `milestone` (`m`) < `rc` = `cr` < `snapshot` < `` = `ga` = `final` = `release` < `sp` < any other
 * qualifier, others in lexical order. A missing item compares as null: 0 for a number, the release
 * for a qualifier (so `1-rc` < `1` < `1-sp` and `1` < `1-xyz`).
 *
 * Later Maven releases reworked parts of this (a `CombinationItem` for `x1`-style qualifiers);
 * the POM reference still describes the behaviour implemented here, where code and reference
 * disagree we follow the code (see the test).
 */
type Item = { kind: 'number'; value: bigint } | { kind: 'qualifier'; value: string } | { kind: 'list'; items: Item[] };

const KNOWN_QUALIFIERS = ['alpha', 'beta', 'milestone', 'rc', 'snapshot', '', 'sp'];
const RELEASE_RANK = KNOWN_QUALIFIERS.indexOf('');
const ALIASES: Record<string, string> = { ga: '', final: '', release: '', cr: 'rc' };
const SHORT_BEFORE_DIGIT: Record<string, string> = { a: 'alpha', b: 'beta', m: 'milestone' };

function qualifier(text: string, followedByDigit: boolean): Item {
  const spelled = (followedByDigit && SHORT_BEFORE_DIGIT[text]) || text;
  return { kind: 'qualifier', value: ALIASES[spelled] ?? spelled };
}

function item(text: string, isNumber: boolean): Item {
  return isNumber ? { kind: 'number', value: BigInt(text) } : qualifier(text, false);
}

function isNull(it: Item): boolean {
  if (it.kind === 'number') return it.value === 0n;
  if (it.kind === 'qualifier') return it.value === '';
  return it.items.length === 0;
}

/** Drops trailing null items; a non-null list does not stop the walk, any other item does. */
function trimTrailingNulls(list: Item[]): void {
  for (let i = list.length - 1; i >= 0; i--) {
    const last = list[i] as Item;
    if (isNull(last)) list.splice(i, 1);
    else if (last.kind !== 'list') break;
  }
}

function isAsciiDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

function render(items: readonly Item[]): string {
  return items
    .map((it, i) => {
      const text = it.kind === 'list' ? render(it.items) : String(it.value);
      return i === 0 ? text : `${it.kind === 'list' ? '-' : '.'}${text}`;
    })
    .join('');
}

/**
 * Maven's canonical form of a version (`ComparableVersion.getCanonical()`): lower-cased, aliases
 * spelled out, null items trimmed. Versions Maven considers equal have the same canonical form
 * (`1.0-GA` and `1` both give `1`; `1a1` gives `1-alpha-1`), except that an all-null version
 * (`0`, `0.0-ga`) gives `0` where Maven gives an empty string.
 * @throws Invalid (`NAME_INVALID`) for an empty string or one with whitespace or control characters.
 */
export function canonicalMavenVersion(version: string): string {
  // Maven renders an all-null version (`0`, `0.0-ga`) as "", which we would refuse to read back.
  return render(parse(version).items) || '0';
}

function parse(version: string): { kind: 'list'; items: Item[] } {
  // eslint-disable-next-line no-control-regex
  if (version === '' || /[\s\u0000-\u001f\u007f]/.test(version)) {
    throw new Invalid('NAME_INVALID', `invalid Maven version ${JSON.stringify(version)}`);
  }
  const text = version.toLowerCase();
  const root: Item[] = [];
  const lists: Item[][] = [root];
  let current = root;
  const openList = (): void => {
    const nested: Item[] = [];
    current.push({ kind: 'list', items: nested });
    lists.push(nested);
    current = nested;
  };

  let inDigits = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '.' || c === '-') {
      current.push(i === start ? { kind: 'number', value: 0n } : item(text.slice(start, i), inDigits));
      start = i + 1;
      if (c === '-') openList();
    } else if (isAsciiDigit(c)) {
      if (!inDigits && i > start) {
        current.push(qualifier(text.slice(start, i), true));
        start = i;
        openList();
      }
      inDigits = true;
    } else {
      if (inDigits && i > start) {
        current.push(item(text.slice(start, i), true));
        start = i;
        openList();
      }
      inDigits = false;
    }
  }
  if (text.length > start) current.push(item(text.slice(start), inDigits));

  // Innermost lists first, so a list emptied by trimming is itself trimmed from its parent.
  for (let i = lists.length - 1; i >= 0; i--) trimTrailingNulls(lists[i] as Item[]);
  return { kind: 'list', items: root };
}

/** Known qualifiers by rank, then unknown ones after them in lexical order (as Maven's string key). */
function qualifierKey(value: string): string {
  const rank = KNOWN_QUALIFIERS.indexOf(value);
  return rank === -1 ? `${KNOWN_QUALIFIERS.length}-${value}` : String(rank);
}

function compareStrings(a: string, b: string): number {
  return a === b ? 0 : a < b ? -1 : 1;
}

/** Compares an item with another or, for `null`, with the padding of a shorter version. */
function compareItem(a: Item, b: Item | null): number {
  switch (a.kind) {
    case 'number':
      if (b === null) return a.value === 0n ? 0 : 1;
      if (b.kind !== 'number') return 1;
      return a.value === b.value ? 0 : a.value < b.value ? -1 : 1;
    case 'qualifier':
      if (b === null) return compareStrings(qualifierKey(a.value), String(RELEASE_RANK));
      if (b.kind !== 'qualifier') return -1;
      return compareStrings(qualifierKey(a.value), qualifierKey(b.value));
    case 'list':
      if (b === null) {
        // Every item counts, not just the first (MNG-6964: 1-0.alpha < 1).
        for (const it of a.items) {
          const c = compareItem(it, null);
          if (c !== 0) return c;
        }
        return 0;
      }
      if (b.kind === 'number') return -1;
      if (b.kind === 'qualifier') return 1;
      return compareLists(a.items, b.items);
  }
}

function compareLists(a: readonly Item[], b: readonly Item[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    const c = x === undefined ? -compareItem(y as Item, null) : compareItem(x, y ?? null);
    if (c !== 0) return c;
  }
  return 0;
}

/**
 * Compares two Maven versions as Maven 3.x's `ComparableVersion` does. Case-insensitive; any
 * non-empty string without whitespace is a version (unknown words are qualifiers).
 * Returns negative when `a` < `b`, 0 when Maven considers them equal, positive when `a` > `b`.
 * @throws Invalid (`NAME_INVALID`) for an empty string or one with whitespace or control characters.
 */
export function compareMaven(a: string, b: string): number {
  return compareLists(parse(a).items, parse(b).items);
}
