/**
 * RPM version ordering as rpm 4.18 implements it: `rpmverParse()` + `rpmverCmp()` (`rpmio/rpmver.c`) over
 * `rpmvercmp()` (`rpmio/rpmvercmp.c`). This is what `rpm.ver` in rpm's Python bindings and dnf use.
 *
 *   [epoch:]version[-release]
 *
 * - The epoch is present only when the text starts with digits immediately followed by `:` (so
 *   `1.m+e2:1` has no epoch: its colon is part of the version). An absent epoch compares as `0`; epochs are
 *   compared with rpmvercmp too, so `01:2 = 1:2`.
 * - The release is everything after the last `-` that follows the epoch. A version without a release is
 *   older than the same version with any release, even an empty one (`1 < 1-` and `1- = 1-`).
 * - rpmvercmp walks both strings by segments: characters other than ASCII letters, digits, `~` and `^`
 *   only separate; `~` sorts before anything, even the end (`1.0~rc1 < 1.0`); `^` sorts after the end but
 *   before anything else (`1.0 < 1.0^git1 < 1.0.1`); a numeric segment beats an alphabetic one; numeric
 *   segments compare as numbers of any length, alphabetic ones by ASCII; when all segments tie, whichever
 *   string has characters left is newer.
 */
import { Invalid } from '../../core/errors.js';

interface Evr {
  epoch: string | undefined;
  version: string;
  release: string | undefined;
}

function parseEvr(evr: string): Evr {
  const epochDigits = /^[0-9]*/.exec(evr)![0];
  const afterDigits = evr.slice(epochDigits.length);
  // rpm looks for the release separator after the epoch's digits, before deciding there is an epoch.
  const hyphen = afterDigits.lastIndexOf('-');
  const releaseStart = hyphen < 0 ? -1 : epochDigits.length + hyphen;
  const hasEpoch = afterDigits.startsWith(':');
  const versionStart = hasEpoch ? epochDigits.length + 1 : 0;
  return {
    epoch: hasEpoch ? epochDigits || '0' : undefined,
    version: releaseStart < 0 ? evr.slice(versionStart) : evr.slice(versionStart, releaseStart),
    release: releaseStart < 0 ? undefined : evr.slice(releaseStart + 1),
  };
}

/**
 * Orders two RPM `[epoch:]version[-release]` strings: -1 when `a` is older, 0 when equal, 1 when newer.
 * `1.0~rc1 < 1.0 < 1.0^git1 < 1.0.1`, `1:0.1 > 2.0`, `1.0-1.el7 < 1.0-1.el7_9`.
 * @throws Invalid (code NAME_INVALID) when either string is empty (rpm has no version for it).
 */
export function compareRpm(a: string, b: string): number {
  if (a === '' || b === '') throw new Invalid('NAME_INVALID', 'invalid RPM version: the version is empty');
  const ea = parseEvr(a);
  const eb = parseEvr(b);
  return (
    compareSegments(ea.epoch ?? '0', eb.epoch ?? '0') ||
    compareSegments(ea.version, eb.version) ||
    compareOptional(ea.release, eb.release)
  );
}

/** A missing release is older than any present one, matching rpm's `compare_values()`. */
function compareOptional(a: string | undefined, b: string | undefined): number {
  if (a === undefined) return b === undefined ? 0 : -1;
  if (b === undefined) return 1;
  return compareSegments(a, b);
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isLetter = (c: string | undefined): boolean =>
  c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
const isSignificant = (c: string | undefined): boolean => isDigit(c) || isLetter(c) || c === '~' || c === '^';

/** rpmvercmp(): -1, 0 or 1. Non-ASCII characters are separators, as rpm's own ctype says. */
function compareSegments(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while (i < a.length && !isSignificant(a[i])) i++;
    while (j < b.length && !isSignificant(b[j])) j++;

    if (a[i] === '~' || b[j] === '~') {
      if (a[i] !== '~') return 1;
      if (b[j] !== '~') return -1;
      i++;
      j++;
      continue;
    }
    if (a[i] === '^' || b[j] === '^') {
      if (i >= a.length) return -1;
      if (j >= b.length) return 1;
      if (a[i] !== '^') return 1;
      if (b[j] !== '^') return -1;
      i++;
      j++;
      continue;
    }
    if (i >= a.length || j >= b.length) break;

    const numeric = isDigit(a[i]);
    const inSegment = numeric ? isDigit : isLetter;
    let endA = i;
    while (endA < a.length && inSegment(a[endA])) endA++;
    let endB = j;
    while (endB < b.length && inSegment(b[endB])) endB++;
    // A numeric segment against an alphabetic one (the other side's segment of a's kind is empty).
    if (endB === j) return numeric ? 1 : -1;

    let segA = a.slice(i, endA);
    let segB = b.slice(j, endB);
    if (numeric) {
      segA = segA.replace(/^0+/, '');
      segB = segB.replace(/^0+/, '');
      if (segA.length !== segB.length) return segA.length > segB.length ? 1 : -1;
    }
    if (segA !== segB) return segA < segB ? -1 : 1;
    i = endA;
    j = endB;
  }
  if (i >= a.length && j >= b.length) return 0;
  return i >= a.length ? -1 : 1;
}
