/**
 * Which distribution an image is, from the release files a layer walker finds, and the OSV
 * ecosystem (with release) its OS packages' advisories are filed under.
 */

export type OsFamily = 'debian' | 'ubuntu' | 'alpine' | 'rhel' | 'rocky' | 'almalinux' | 'wolfi' | 'chainguard';

export interface DetectedOs {
  family: OsFamily;
  /** The release as the image states it: `12`, `22.04`, `3.19.1`, `bookworm/sid`. */
  version: string;
  /**
   * OSV ecosystem: `Debian:12`, `Ubuntu:22.04`, `Alpine:v3.19`, `Rocky Linux:9`, `AlmaLinux:9`.
   * Without a release (`Debian`, `Red Hat`, `Wolfi`) when the image names no release OSV files
   * advisories under: Debian testing/sid, rolling distributions, and RHEL, whose OSV ecosystem
   * names a product stream (`Red Hat:enterprise_linux:9::appstream`) no release file states.
   */
  ecosystem: string;
}

/** The raw contents of the release files, as found in the image (any may be missing). */
export interface ReleaseFiles {
  /** `/etc/os-release` (or `/usr/lib/os-release`). */
  osRelease?: string;
  /** `/etc/alpine-release`. */
  alpineRelease?: string;
  /** `/etc/debian_version`. */
  debianVersion?: string;
}

/**
 * The distribution, or null when none is recognised. os-release wins: Ubuntu images also carry a
 * `/etc/debian_version` (`bookworm/sid` on 24.04), so that file is read only when os-release is
 * missing or says Debian without a `VERSION_ID` (testing and sid). Derivatives known only through
 * `ID_LIKE` (Mint, Pop!_OS) are not recognised: their `VERSION_ID` is not their parent's release.
 *
 * Debian testing/sid (no `VERSION_ID`; `debian_version` `trixie/sid`) gives version `trixie/sid`
 * and ecosystem `Debian`: OSV files Debian advisories per stable release only, so nothing release-
 * specific applies. Never throws.
 */
export function detectOs(files: ReleaseFiles): DetectedOs | null {
  const osRelease = files.osRelease === undefined ? undefined : parseOsRelease(files.osRelease);
  const id = osRelease?.get('ID')?.toLowerCase();
  const versionId = osRelease?.get('VERSION_ID');
  switch (id) {
    case 'debian':
      return debian(versionId, files.debianVersion);
    case 'ubuntu':
      return versionId ? { family: 'ubuntu', version: versionId, ecosystem: `Ubuntu:${versionId}` } : null;
    case 'alpine':
      return alpine(versionId ?? firstLine(files.alpineRelease));
    case 'rhel':
      return versionId ? { family: 'rhel', version: versionId, ecosystem: 'Red Hat' } : null;
    case 'rocky':
      return versionId ? { family: 'rocky', version: versionId, ecosystem: `Rocky Linux:${major(versionId)}` } : null;
    case 'almalinux':
      return versionId ? { family: 'almalinux', version: versionId, ecosystem: `AlmaLinux:${major(versionId)}` } : null;
    case 'wolfi':
      return { family: 'wolfi', version: versionId ?? '', ecosystem: 'Wolfi' };
    case 'chainguard':
      return { family: 'chainguard', version: versionId ?? '', ecosystem: 'Chainguard' };
    case undefined:
      break;
    default:
      return null;
  }
  if (files.alpineRelease !== undefined) return alpine(firstLine(files.alpineRelease));
  if (files.debianVersion !== undefined) return debian(undefined, files.debianVersion);
  return null;
}

/** `12` from os-release, else `12.11` from debian_version; `bookworm/sid` means testing or sid. */
function debian(versionId: string | undefined, debianVersion: string | undefined): DetectedOs | null {
  if (versionId) return { family: 'debian', version: versionId, ecosystem: `Debian:${major(versionId)}` };
  const stated = firstLine(debianVersion);
  if (!stated) return null;
  if (/^\d+(\.\d+)*$/.test(stated)) return { family: 'debian', version: stated, ecosystem: `Debian:${major(stated)}` };
  return { family: 'debian', version: stated, ecosystem: 'Debian' };
}

/** OSV's Alpine releases are `v` + major.minor: `3.19.1` → `Alpine:v3.19`. */
function alpine(version: string | undefined): DetectedOs | null {
  const m = version ? /^(\d+)\.(\d+)/.exec(version) : null;
  if (!version || !m) return null;
  return { family: 'alpine', version, ecosystem: `Alpine:v${m[1]}.${m[2]}` };
}

function major(version: string): string {
  return version.split('.')[0]!;
}

function firstLine(text: string | undefined): string | undefined {
  const line = text?.split(/\r?\n/)[0]?.trim();
  return line || undefined;
}

/**
 * os-release(5): `KEY=value` lines, `#` comments, values optionally in single or double quotes with
 * shell-style backslash escapes. Lines that are none of these are ignored, as systemd does.
 */
export function parseOsRelease(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    values.set(m[1]!, unquote(m[2]!.trim()));
  }
  return values;
}

function unquote(value: string): string {
  const quote = value[0];
  if ((quote === '"' || quote === "'") && value.length >= 2 && value.endsWith(quote)) {
    const inner = value.slice(1, -1);
    return quote === '"' ? inner.replace(/\\([\\"$`])/g, '$1') : inner;
  }
  return value;
}
