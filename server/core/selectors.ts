import { Invalid } from './errors.js';

/**
 * Harbor's doublestar selectors, shared by tag retention and tag immutability.
 *
 * Patterns follow bmatcuk/doublestar (v1, what Harbor uses): `*` is any run of characters except
 * `/`, `**` as a whole path segment is any number of segments (including none), `?` is one character
 * except `/`, `{a,b}` alternatives, `[...]` classes, `\` escapes. A leading dot is nothing special
 * (`*` matches `.hidden`), and `!`, `+(...)` and `@(...)` are plain characters (no negation, no
 * extglobs). An empty pattern matches everything, as Harbor's selector says.
 *
 * Repository patterns are matched against the repository path inside its project (`app/web`, not
 * `library/app/web`): Harbor strips the project with `ParseRepository` before selecting.
 */

const compiled = new Map<string, RegExp>();
const MAX_CACHED = 1_000;

/** Whether `value` matches the doublestar `pattern`. */
export function doublestarMatch(pattern: string, value: string): boolean {
  if (pattern === '') return true;
  let re = compiled.get(pattern);
  if (!re) {
    re = new RegExp(`^${globToRegExp(pattern)}$`, 's');
    if (compiled.size >= MAX_CACHED) compiled.clear();
    compiled.set(pattern, re);
  }
  return re.test(value);
}

/**
 * doublestar → regular expression source. Our own small compiler rather than picomatch: picomatch
 * follows bash where doublestar does not (`{redis}`, a single alternative, is literal in bash and an
 * alternative in doublestar, and Harbor's own tests use it). Unclosed `[` and `{` are literal.
 */
function globToRegExp(pattern: string): string {
  let out = '';
  let i = 0;
  let depth = 0;
  const atSegmentStart = (at: number) => at === 0 || '/{,'.includes(pattern[at - 1] ?? '');
  const atSegmentEnd = (at: number) => at >= pattern.length || (depth > 0 ? '/,}' : '/').includes(pattern[at] ?? '');
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) {
      out += escapeRegExp(pattern[i + 1]!);
      i += 2;
    } else if (c === '*') {
      if (pattern[i + 1] === '*' && atSegmentStart(i) && atSegmentEnd(i + 2)) {
        if (pattern[i + 2] === '/') {
          // `**/`: zero or more whole segments.
          out += '(?:[^/]*(?:/[^/]*)*/)?';
          i += 3;
        } else if (i > 0 && pattern[i - 1] === '/') {
          // `/**` at the end: the directory itself or anything below it. The `/` is already out.
          out = out.slice(0, -1) + '(?:/.*)?';
          i += 2;
        } else {
          out += '.*';
          i += 2;
        }
      } else {
        while (pattern[i] === '*') i++;
        out += '[^/]*';
      }
    } else if (c === '?') {
      out += '[^/]';
      i++;
    } else if (c === '[') {
      const close = classEnd(pattern, i);
      if (close < 0) {
        out += '\\[';
        i++;
      } else {
        let body = pattern.slice(i + 1, close);
        let negate = false;
        if (body.startsWith('!') || body.startsWith('^')) {
          negate = true;
          body = body.slice(1);
        }
        const escaped = body.replace(/\\(.)/g, '$1').replace(/[\\\]^]/g, (m) => `\\${m}`);
        out += negate ? `[^/${escaped}]` : `[${escaped}]`;
        i = close + 1;
      }
    } else if (c === '{' && braceEnd(pattern, i) > 0) {
      out += '(?:';
      depth++;
      i++;
    } else if (c === ',' && depth > 0) {
      out += '|';
      i++;
    } else if (c === '}' && depth > 0) {
      out += ')';
      depth--;
      i++;
    } else {
      out += escapeRegExp(c);
      i++;
    }
  }
  return out;
}

function classEnd(pattern: string, open: number): number {
  let i = open + 1;
  if (pattern[i] === '!' || pattern[i] === '^') i++;
  // A `]` right after the opening is a member, as in POSIX classes.
  if (pattern[i] === ']') i++;
  for (; i < pattern.length; i++) {
    if (pattern[i] === '\\') i++;
    else if (pattern[i] === ']') return i;
  }
  return -1;
}

function braceEnd(pattern: string, open: number): number {
  let depth = 0;
  for (let i = open; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') i++;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i;
  }
  return -1;
}

function escapeRegExp(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Harbor's selector JSON (`RetentionSelector`, `ImmutableSelector`). */
export interface Selector {
  /** Only `doublestar` is supported (Harbor's metadata offers nothing else for tags and repositories). */
  kind: string;
  /** Tags: `matches` / `excludes`; repositories: `repoMatches` / `repoExcludes`. */
  decoration: string;
  pattern: string;
  /** JSON text; for tag selectors `{"untagged": true|false}`. */
  extras?: string;
}

export const TAG_DECORATIONS = ['matches', 'excludes'] as const;
export const REPOSITORY_DECORATIONS = ['repoMatches', 'repoExcludes'] as const;

/**
 * Checks a selector's shape; throws `Invalid` naming `field`. Harbor validates only that kind,
 * decoration and pattern are present; the decoration is checked here too, since an unknown one
 * would silently select nothing.
 */
export function validateSelector(value: unknown, field: string, decorations: readonly string[]): Selector {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Invalid('NAME_INVALID', `${field} must be a selector object`);
  }
  const s = value as Record<string, unknown>;
  if (s.kind !== 'doublestar') throw new Invalid('NAME_INVALID', `${field}.kind must be "doublestar"`);
  if (typeof s.decoration !== 'string' || !decorations.includes(s.decoration)) {
    throw new Invalid('NAME_INVALID', `${field}.decoration must be one of ${decorations.join(', ')}`);
  }
  if (typeof s.pattern !== 'string' || s.pattern === '') {
    throw new Invalid('NAME_INVALID', `${field}.pattern is required`);
  }
  if (s.pattern.length > 1024) throw new Invalid('NAME_INVALID', `${field}.pattern is too long`);
  if (s.extras !== undefined && s.extras !== null && typeof s.extras !== 'string') {
    throw new Invalid('NAME_INVALID', `${field}.extras must be a JSON string`);
  }
  const out: Selector = { kind: 'doublestar', decoration: s.decoration, pattern: s.pattern };
  if (typeof s.extras === 'string' && s.extras !== '') out.extras = s.extras;
  return out;
}

/**
 * Whether a repository (its path inside the project) passes a `repoMatches` / `repoExcludes`
 * selector. Other decorations select nothing.
 */
export function selectsRepository(selector: Selector, repositoryPath: string): boolean {
  if (selector.decoration === 'repoMatches') return doublestarMatch(selector.pattern, repositoryPath);
  if (selector.decoration === 'repoExcludes') return !doublestarMatch(selector.pattern, repositoryPath);
  return false;
}

/** Whether a repository passes every selector (no selectors: every repository). */
export function selectsRepositoryAll(selectors: readonly Selector[], repositoryPath: string): boolean {
  return selectors.every((s) => selectsRepository(s, repositoryPath));
}

/**
 * Whether an artifact with these tags passes a `matches` / `excludes` tag selector, Harbor's way:
 * - `matches`: some tag matches the pattern;
 * - `excludes`: some tag does not match it (so an artifact tagged both `v1` and `latest` passes
 *   "excludes latest");
 * - an untagged artifact passes by its `extras` `untagged` flag. With no extras the default is
 *   true for `matches` and false for `excludes`; and for `excludes` the flag is inverted (untagged
 *   artifacts pass when `untagged` is false), which is what Harbor's selector does and tests.
 */
export function selectsTags(selector: Selector, tags: readonly string[]): boolean {
  const excludes = selector.decoration === 'excludes';
  if (!excludes && selector.decoration !== 'matches') return false;
  if (tags.length === 0) {
    const untagged = untaggedFlag(selector.extras) ?? !excludes;
    return excludes ? !untagged : untagged;
  }
  return excludes
    ? tags.some((t) => !doublestarMatch(selector.pattern, t))
    : tags.some((t) => doublestarMatch(selector.pattern, t));
}

function untaggedFlag(extras: string | undefined): boolean | undefined {
  if (!extras) return undefined;
  try {
    const parsed: unknown = JSON.parse(extras);
    // Go decodes `null` into the struct as a no-op: the flag stays false.
    if (parsed === null) return false;
    if (typeof parsed === 'object' && parsed !== null && 'untagged' in parsed) {
      const v = (parsed as { untagged: unknown }).untagged;
      // Go's json.Unmarshal into a bool fails on anything else, and Harbor then keeps the default.
      return typeof v === 'boolean' ? v : undefined;
    }
    // An object without the key unmarshals fine and leaves Go's zero value: false.
    return typeof parsed === 'object' && !Array.isArray(parsed) ? false : undefined;
  } catch {
    return undefined;
  }
}
