/**
 * Debian package version ordering (Debian Policy §5.6.12), as dpkg 1.21 implements it in
 * `lib/dpkg/parsehelp.c` (parsing) and `lib/dpkg/version.c` (ordering).
 *
 *   [epoch:]upstream_version[-debian_revision]
 *
 * - The epoch is everything before the first `:`, a decimal number (0 when absent).
 * - The revision is everything after the last `-` of the rest (empty when absent, which orders like `0`).
 * - Upstream and revision are compared by alternating runs: a run of non-digits is compared character by
 *   character with `~` lowest (below even the end of the string), then the end, then ASCII letters, then
 *   every other character; a run of digits is compared as a number of any length.
 *
 * Malformed input is split the way dpkg splits it: what dpkg rejects as an error (`dpkg
 * --compare-versions` fails) throws here; what dpkg only warns about (an upstream version that does not
 * start with a digit, characters outside the policy's alphabet) is accepted and compared, because
 * distributions ship such versions and dpkg itself installs and orders them. The warning is kept on the
 * parsed value for callers that want to report it.
 */
import { Invalid } from '../../core/errors.js';

export interface DpkgVersion {
  epoch: number;
  upstream: string;
  /** '' when the version has no `-`. */
  revision: string;
  /** dpkg's warning for a version it accepts but the policy does not allow; undefined when clean. */
  warning?: string;
}

const INT_MAX = 2147483647;

/**
 * Splits a Debian version into epoch, upstream version and revision.
 *
 * Leading and trailing blanks are ignored, as dpkg ignores them.
 * @throws Invalid (code NAME_INVALID) for what dpkg refuses: an empty version, embedded blanks, an epoch
 *   that is empty, not a number, negative or above 2^31-1, nothing after the epoch's colon, an empty
 *   revision after a trailing `-`, or an empty upstream version.
 */
export function parseDpkgVersion(v: string): DpkgVersion {
  const trimmed = v.replace(/^[ \t]+|[ \t]+$/g, '');
  const fail = (why: string): never => {
    throw new Invalid('NAME_INVALID', `invalid Debian version '${v}': ${why}`);
  };
  if (trimmed === '') fail('version string is empty');
  if (/[ \t]/.test(trimmed)) fail('version string has embedded spaces');

  let rest = trimmed;
  let epoch = 0;
  const colon = trimmed.indexOf(':');
  if (colon >= 0) {
    // dpkg reads the epoch with strtol, so an explicit sign is accepted and then range-checked.
    const epochText = trimmed.slice(0, colon);
    if (!/^[+-]?[0-9]/.test(epochText)) fail('epoch in version is empty');
    if (!/^[+-]?[0-9]+$/.test(epochText)) fail('epoch in version is not number');
    const parsed = Number(epochText);
    if (parsed < 0) fail('epoch in version is negative');
    if (parsed > INT_MAX) fail('epoch in version is too big');
    epoch = parsed === 0 ? 0 : parsed; // -0 is 0
    rest = trimmed.slice(colon + 1);
    if (rest === '') fail('nothing after colon in version number');
  }

  let upstream = rest;
  let revision = '';
  const hyphen = rest.lastIndexOf('-');
  if (hyphen >= 0) {
    upstream = rest.slice(0, hyphen);
    revision = rest.slice(hyphen + 1);
    if (revision === '') fail('revision number is empty');
  }
  if (upstream === '') fail('version number is empty');

  const parsed: DpkgVersion = { epoch, upstream, revision };
  if (!isDigit(upstream.charCodeAt(0))) parsed.warning = 'version number does not start with digit';
  else if (/[^0-9A-Za-z.+~:-]/.test(upstream)) parsed.warning = 'invalid character in version number';
  else if (/[^0-9A-Za-z.+~]/.test(revision)) parsed.warning = 'invalid character in revision number';
  return parsed;
}

/**
 * Orders two Debian versions: negative when `a` is older, 0 when equal, positive when newer (always -1, 0
 * or 1). `1.0~rc1 < 1.0 < 1.0+b1`, `1.0 = 1.0-0 = 0:1.0`, `1:0.1 > 2.0`.
 * @throws Invalid (code NAME_INVALID) when either version is malformed, see {@link parseDpkgVersion}.
 */
export function compareDpkg(a: string, b: string): number {
  const va = parseDpkgVersion(a);
  const vb = parseDpkgVersion(b);
  if (va.epoch !== vb.epoch) return va.epoch < vb.epoch ? -1 : 1;
  return Math.sign(compareFragment(va.upstream, vb.upstream) || compareFragment(va.revision, vb.revision));
}

const encoder = new TextEncoder();

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 0x30 && c <= 0x39;
}

function isAsciiLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/** dpkg's `order()`: the weight of one byte inside a non-digit run; 0 stands for the end of the run. */
function weight(c: number | undefined): number {
  if (c === undefined || isDigit(c)) return 0;
  if (isAsciiLetter(c)) return c;
  if (c === 0x7e) return -1; // '~'
  return c + 256;
}

/** dpkg's `verrevcmp()`, over UTF-8 bytes as dpkg sees them. */
function compareFragment(left: string, right: string): number {
  const a = encoder.encode(left);
  const b = encoder.encode(right);
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !isDigit(a[i])) || (j < b.length && !isDigit(b[j]))) {
      const wa = weight(a[i]);
      const wb = weight(b[j]);
      if (wa !== wb) return wa - wb;
      i++;
      j++;
    }
    while (a[i] === 0x30) i++;
    while (b[j] === 0x30) j++;
    let firstDifference = 0;
    while (isDigit(a[i]) && isDigit(b[j])) {
      if (firstDifference === 0) firstDifference = a[i]! - b[j]!;
      i++;
      j++;
    }
    // The longer digit run is the larger number; equal lengths fall back to the first differing digit.
    if (isDigit(a[i])) return 1;
    if (isDigit(b[j])) return -1;
    if (firstDifference !== 0) return firstDifference;
  }
  return 0;
}
