/**
 * Installed Python distributions: `*.dist-info/METADATA` (wheels, pip), `*.egg-info/PKG-INFO`
 * (setuptools) and `*.egg-info` written as a single file (Debian's python3-* packages do this).
 * All three are the core metadata format: RFC 822 headers up to the first blank line, then the
 * description as the body.
 */

export interface PythonPackage {
  /** `Name:` as written; matching normalises it (PEP 503: lower case, runs of `-_.` to `-`). */
  name: string;
  /** `Version:` as written (PEP 440 or legacy). */
  version: string;
  /** `License:` or the first `License-Expression:`, when present. */
  license: string | undefined;
}

/** Name and version from core metadata, or undefined when either header is missing. */
export function parsePythonMetadata(text: string): PythonPackage | undefined {
  const headers = new Map<string, string>();
  let last: string | undefined;
  for (const rawLine of text.split('\n')) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line === '') break; // the body (long description) starts here
    if ((line.startsWith(' ') || line.startsWith('\t')) && last) continue; // folded continuation
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    last = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(last)) headers.set(last, line.slice(colon + 1).trim());
  }
  const name = headers.get('name');
  const version = headers.get('version');
  if (!name || !version) return undefined;
  return { name, version, license: headers.get('license-expression') || headers.get('license') || undefined };
}
