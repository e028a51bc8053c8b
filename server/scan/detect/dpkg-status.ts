/**
 * dpkg's installed-package database: `/var/lib/dpkg/status`, and the one-file-per-package
 * `/var/lib/dpkg/status.d/*` that distroless images carry instead. Both are deb822 (RFC 822-like)
 * stanzas separated by blank lines; status.d files are written by `dpkg-deb --field`, so they have
 * no `Status:` field at all.
 */

/** One installed binary package. */
export interface DpkgPackage {
  /** Binary package name (`Package:`). */
  name: string;
  /** Full Debian version as dpkg writes it, epoch included (`1:1.2.13.dfsg-1`). */
  version: string;
  /** `amd64`, `all`, ...; empty when the stanza has no `Architecture:`. */
  architecture: string;
  /** Source package name: `Source:` without its version, or the binary name when absent. */
  sourceName: string;
  /** The version in `Source: name (version)`, otherwise the binary version. */
  sourceVersion: string;
  /** The raw `Status:` value (`install ok installed`), or undefined for status.d files. */
  status: string | undefined;
  /** `Maintainer:`, or undefined. */
  maintainer: string | undefined;
}

/** Everything `parseDpkgStatusDetailed` saw, for callers that report what was left out. */
export interface DpkgStatusParse {
  packages: DpkgPackage[];
  /** Stanzas without a `Package:` or a `Version:` (broken or hand-edited databases). */
  skippedIncomplete: number;
  /** Stanzas whose `Status:` says the package is not (or no longer fully) on disk. */
  skippedNotInstalled: number;
}

/**
 * Installed packages from a dpkg status file or a status.d file, in file order. Never throws:
 * malformed stanzas are skipped (see `parseDpkgStatusDetailed` for the counts).
 */
export function parseDpkgStatus(text: string): DpkgPackage[] {
  return parseDpkgStatusDetailed(text).packages;
}

/**
 * Like `parseDpkgStatus`, with the number of stanzas skipped and why.
 *
 * A stanza counts as installed when it has no `Status:` (status.d, where every file is an
 * installed package) or when its status triple `want flag state` has state `installed` and want
 * `install` or `hold` (a held package is on disk as much as any other). Everything else is left
 * out: `deinstall ok config-files` (removed, only conffiles remain), `purge ...`, and the
 * in-between states `half-installed`, `unpacked`, `half-configured`, `triggers-*`, `not-installed`,
 * and `deinstall ok installed` (files still on disk, but selected for removal: Berth reports only
 * what the image means to keep, as `dpkg -l` users read `ii`/`hi`).
 */
export function parseDpkgStatusDetailed(text: string): DpkgStatusParse {
  const result: DpkgStatusParse = { packages: [], skippedIncomplete: 0, skippedNotInstalled: 0 };
  for (const fields of readStanzas(text)) {
    const name = fields.get('package');
    const version = fields.get('version');
    if (!name || !version) {
      result.skippedIncomplete++;
      continue;
    }
    const status = fields.get('status');
    if (status !== undefined && !isInstalledStatus(status)) {
      result.skippedNotInstalled++;
      continue;
    }
    const source = parseSourceField(fields.get('source'));
    result.packages.push({
      name,
      version,
      architecture: fields.get('architecture') ?? '',
      sourceName: source?.name ?? name,
      sourceVersion: source?.version ?? version,
      status,
      maintainer: fields.get('maintainer'),
    });
  }
  return result;
}

function isInstalledStatus(status: string): boolean {
  const [want, , state] = status.split(/\s+/);
  return state === 'installed' && (want === 'install' || want === 'hold');
}

/** `Source: foo` or `Source: foo (1.2-3)`; the version is there only when it differs from the binary's. */
function parseSourceField(value: string | undefined): { name: string; version: string | undefined } | undefined {
  if (!value) return undefined;
  const m = /^(\S+)(?:\s*\(\s*([^)\s]+)\s*\))?$/.exec(value);
  if (!m) return undefined;
  return { name: m[1]!, version: m[2] };
}

/**
 * deb822 stanzas as maps of lower-cased field name (field names are case-insensitive) to value.
 * Continuation lines (leading space or tab) belong to the previous field; only the first line of
 * each field is kept because no field this parser returns spans lines (Description and Conffiles
 * do, and are read only so that their continuation lines are not taken for fields). Lines holding
 * only whitespace separate stanzas, as python-debian and Go's deb822 readers treat them.
 */
function* readStanzas(text: string): Generator<Map<string, string>> {
  let fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') {
      if (fields.size > 0) yield fields;
      fields = new Map();
      continue;
    }
    if (line.startsWith(' ') || line.startsWith('\t')) continue;
    const colon = line.indexOf(':');
    // A line that is neither a field nor a continuation is noise in a hand-edited file: ignore it.
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    if (!fields.has(key)) fields.set(key, line.slice(colon + 1).trim());
  }
  if (fields.size > 0) yield fields;
}
