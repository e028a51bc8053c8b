/**
 * apk-tools' installed database, `/lib/apk/db/installed`: one record per package, records separated
 * by a blank line, each line `X:value` with a one-letter key (`P` name, `V` version, `A` arch,
 * `o` origin, `L` licence, `c` aports commit, `m` maintainer, `t` build time; `F`/`R`/`Z`/`a`
 * lines list the package's files and repeat, so they are not kept here).
 */

/** One installed apk package. */
export interface ApkPackage {
  /** `P:` */
  name: string;
  /** `V:`, as apk writes it (`1.1.14-r10`). */
  version: string;
  /** `A:`, empty when absent. */
  architecture: string;
  /** `o:`, the aports origin (source package); the package name when absent. */
  origin: string;
  /** `L:` (an SPDX-ish expression, `MIT`, `GPL2`), or undefined. */
  license: string | undefined;
  /** `c:`, the aports git commit the package was built from, or undefined. */
  commit: string | undefined;
  /** `m:`, or undefined. */
  maintainer: string | undefined;
}

/** Everything `parseApkInstalledDetailed` saw. */
export interface ApkInstalledParse {
  packages: ApkPackage[];
  /** Records without `P:` or `V:`. */
  skippedIncomplete: number;
}

/** Installed packages in file order. Never throws; incomplete records are skipped. */
export function parseApkInstalled(text: string): ApkPackage[] {
  return parseApkInstalledDetailed(text).packages;
}

/** Like `parseApkInstalled`, with the number of records skipped for lacking a name or version. */
export function parseApkInstalledDetailed(text: string): ApkInstalledParse {
  const result: ApkInstalledParse = { packages: [], skippedIncomplete: 0 };
  for (const fields of readRecords(text)) {
    const name = fields.get('P');
    const version = fields.get('V');
    if (!name || !version) {
      result.skippedIncomplete++;
      continue;
    }
    result.packages.push({
      name,
      version,
      architecture: fields.get('A') ?? '',
      origin: fields.get('o') || name,
      license: fields.get('L') || undefined,
      commit: fields.get('c') || undefined,
      maintainer: fields.get('m') || undefined,
    });
  }
  return result;
}

/** Records as maps of key letter (case matters: `p` provides, `P` name) to its first value. */
function* readRecords(text: string): Generator<Map<string, string>> {
  let fields = new Map<string, string>();
  for (const rawLine of text.split('\n')) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line.trim() === '') {
      if (fields.size > 0) yield fields;
      fields = new Map();
      continue;
    }
    if (line[1] !== ':') continue;
    const key = line[0]!;
    if (!fields.has(key)) fields.set(key, line.slice(2).trim());
  }
  if (fields.size > 0) yield fields;
}
