/**
 * Alpine package version ordering, as the current apk-tools (3.x, `src/version.c` with `{~hash}` support)
 * implements `apk_version_compare()` and so `apk version -t`.
 *
 *   digit{.digit}...{letter}{_suf{#}}...{~hash}{-r#}
 *
 * Both versions are read as a stream of tokens whose kind may only move forward in this order:
 *
 *   initial number → .number … → letter → _suffix → suffix number → ~hash → -r revision → end
 *
 * (a `_suffix` may follow a suffix number again). Anything else ends the stream with an "invalid"
 * token: an upper-case letter, a second letter or a digit after the letter, `-` not followed by `r`, an
 * unknown suffix such as `_blah`, a `-r` or `.` without digits, a leading `.`.
 *
 * Tokens of the same kind compare pairwise: numbers numerically, except that a `.`-number with a leading
 * zero on either side compares as a string (`1.010 < 1.09`, as in Gentoo's rules); letters by ASCII;
 * suffixes by `_alpha < _beta < _pre < _rc < (none) < _cvs < _svn < _git < _hg < _p`; hashes as strings.
 * At the first pair of different kinds, a pre-release suffix (`_alpha`… `_rc`) is older, and otherwise
 * the side whose kind comes later in the order above is older (end and invalid come last), so a version
 * that goes on is newer than one that stops (`1.2 < 1.2.1`, `1.2 < 1.2a`, `1.2 < 1.2_p1`), and a
 * version that turns invalid is older than one that goes on validly or stops (`1.2_blah < 1.2`). Two
 * versions that both turn invalid at the same point are equal (`1-ruff2 = 1-ruff1`): apk does not fall
 * back to a string sort. Numbers are unsigned 64-bit, wrapping as apk's parser does.
 *
 * This differs from apk-tools 2.x (the apk of older Alpine releases) only for unusual or invalid
 * versions: 2.x counted a `.`-number's leading zeros instead of string-sorting it (`1.010 > 1.09`), read
 * a digit after the letter as a number (`6.6.2p1 < 6.6.2p2`; invalid in apk 3), and tolerated some
 * invalid forms (`.1`, `a`, `1-r`) by reading them as zero or as letters.
 */

enum Token {
  InitialDigit,
  Digit,
  Letter,
  Suffix,
  SuffixNumber,
  CommitHash,
  RevisionNumber,
  End,
  Invalid,
}

/** Suffix weights; `none` is the weight a version without a suffix has at that point. */
const SUFFIX_WEIGHT: Record<string, number> = {
  alpha: 1,
  beta: 2,
  pre: 3,
  rc: 4,
  cvs: 6,
  svn: 7,
  git: 8,
  hg: 9,
  p: 10,
};
const SUFFIX_NONE = 5;

interface TokenState {
  token: Token;
  /** The token's text: digits, the letter, the suffix word or the hash. */
  value: string;
  number: bigint;
  suffix: number;
}

class Tokenizer {
  private pos = 0;
  readonly state: TokenState = { token: Token.InitialDigit, value: '', number: 0n, suffix: 0 };

  constructor(private readonly text: string) {
    this.readNumber();
  }

  next(): void {
    const s = this.state;
    if (this.pos >= this.text.length) {
      s.token = Token.End;
      return;
    }
    const c = this.text[this.pos]!;
    if (c >= 'a' && c <= 'z') {
      if (s.token > Token.Digit) return this.invalid();
      s.token = Token.Letter;
      s.value = c;
      this.pos++;
    } else if (c === '.' || (c >= '0' && c <= '9')) {
      if (c === '.') {
        if (s.token > Token.Digit) return this.invalid();
        this.pos++;
      }
      if (s.token === Token.InitialDigit || s.token === Token.Digit) s.token = Token.Digit;
      else if (s.token === Token.Suffix) s.token = Token.SuffixNumber;
      else return this.invalid();
      this.readNumber();
    } else if (c === '_') {
      if (s.token > Token.SuffixNumber) return this.invalid();
      this.pos++;
      s.value = this.span(/[a-z]/);
      const weight = Object.hasOwn(SUFFIX_WEIGHT, s.value) ? SUFFIX_WEIGHT[s.value]! : 0;
      if (weight === 0) return this.invalid();
      s.suffix = weight;
      s.token = Token.Suffix;
    } else if (c === '~') {
      if (s.token >= Token.CommitHash) return this.invalid();
      this.pos++;
      s.value = this.span(/[0-9a-f]/);
      if (s.value === '') return this.invalid();
      s.token = Token.CommitHash;
    } else if (c === '-') {
      if (s.token >= Token.RevisionNumber || this.text[this.pos + 1] !== 'r') return this.invalid();
      this.pos += 2;
      s.token = Token.RevisionNumber;
      this.readNumber();
    } else {
      this.invalid();
    }
  }

  private invalid(): void {
    this.state.token = Token.Invalid;
  }

  private span(allowed: RegExp): string {
    const start = this.pos;
    while (this.pos < this.text.length && allowed.test(this.text[this.pos]!)) this.pos++;
    return this.text.slice(start, this.pos);
  }

  private readNumber(): void {
    const digits = this.span(/[0-9]/);
    this.state.value = digits;
    this.state.number = digits === '' ? 0n : BigInt.asUintN(64, BigInt(digits));
    if (digits === '') this.invalid();
  }
}

function sign(a: bigint | number | string, b: bigint | number | string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareTokens(a: TokenState, b: TokenState): number {
  switch (a.token) {
    case Token.Digit:
      // A leading zero makes the component a string, so 1.010 < 1.09 (Gentoo's rule).
      if (a.value.startsWith('0') || b.value.startsWith('0')) return sign(a.value, b.value);
      return sign(a.number, b.number);
    case Token.InitialDigit:
    case Token.SuffixNumber:
    case Token.RevisionNumber:
      return sign(a.number, b.number);
    case Token.Suffix:
      return sign(a.suffix, b.suffix);
    default:
      // Letters (one ASCII character) and commit hashes: byte order, shorter first on a common prefix.
      return sign(a.value, b.value);
  }
}

/**
 * Orders two Alpine (apk) versions: -1 when `a` is older, 0 when equal, 1 when newer, exactly as
 * `apk version -t a b` of apk-tools 3 answers `<`, `=` or `>`. Never throws: invalid versions get apk's
 * ordering too (see the module comment). `1.2_rc1 < 1.2 < 1.2-r1 < 1.2_p1 < 1.2a < 1.2.1`.
 */
export function compareApk(a: string, b: string): number {
  const ta = new Tokenizer(a);
  const tb = new Tokenizer(b);
  const sa = ta.state;
  const sb = tb.state;
  while (sa.token === sb.token && sa.token < Token.End) {
    const order = compareTokens(sa, sb);
    if (order !== 0) return order;
    ta.next();
    tb.next();
  }
  if (sa.token === sb.token) return 0;
  if (sa.token === Token.Suffix && sa.suffix < SUFFIX_NONE) return -1;
  if (sb.token === Token.Suffix && sb.suffix < SUFFIX_NONE) return 1;
  return sa.token > sb.token ? -1 : 1;
}
