import { parseApkInstalledDetailed } from '../detect/apk-installed.js';
import { readText, type ByteSource } from '../detect/byte-source.js';
import { parseCargoLock } from '../detect/cargo-lock.js';
import { parseDpkgStatusDetailed } from '../detect/dpkg-status.js';
import { goStdlibVersion, isElf, readGoBuildInfo } from '../detect/go-buildinfo.js';
import { readJavaArchive } from '../detect/java-archive.js';
import { parseInstalledPackageJson, parsePackageLock } from '../detect/npm-packages.js';
import { parsePythonMetadata } from '../detect/python-metadata.js';
import { readRpmDatabase, rpmEvr } from '../detect/rpmdb.js';
import { parseGemspec } from '../detect/ruby-gemspec.js';
import type { DetectorId, LayerFile, LayerPackage, ReleaseFileKind } from './layer-types.js';

/**
 * The files each detector wants from a layer, how large they may be, and what it makes of their
 * bytes. The layer walker asks `detectorFor(path, entry)` for every tar member and reads only the
 * members a detector claims; everything else is counted past.
 */

/** What a detector found in one file. */
export type DetectorOutput = Pick<LayerFile, 'release' | 'packages' | 'message'>;

export interface FileDetector {
  id: DetectorId;
  /** Does this normalised path (no leading `/`) name a file this detector reads? */
  matches(path: string): boolean;
  /** Only regular files with an execute bit (binaries are found by mode, not by name). */
  executablesOnly?: boolean;
  /** Files larger than this are recorded `too-large` and not read. */
  maxBytes: number;
  /** Checks the first bytes; a file that fails is dropped without a record (a script among binaries). */
  acceptsHead?: (head: Uint8Array) => boolean;
  /** Bytes `acceptsHead` needs. */
  headBytes?: number;
  /** Pure function of the file's bytes; `path` is only used to label what it finds. */
  detect(file: ByteSource, path: string): DetectorOutput;
}

export interface DetectorLimits {
  /** Per-detector size limits, overriding the defaults below. */
  maxBytes?: Partial<Record<DetectorId, number>>;
}

const KiB = 1024;
const MiB = 1024 * KiB;

const RELEASE_FILES: Record<string, ReleaseFileKind> = {
  'etc/os-release': 'os-release',
  'usr/lib/os-release': 'os-release',
  'etc/alpine-release': 'alpine-release',
  'etc/debian_version': 'debian_version',
};

const NPM_INSTALLED = /(?:^|\/)node_modules\/(?:@[^/]+\/)?[^/@.][^/]*\/package\.json$/;
const PYTHON = /\.dist-info\/METADATA$|\.egg-info\/PKG-INFO$|\.egg-info$/;
const GEMSPEC = /(?:^|\/)specifications\/(?:default\/)?[^/]+\.gemspec$/;
const JAVA = /\.(?:jar|war|ear|par)$/i;

function packagesOf(path: string, list: Omit<LayerPackage, 'path'>[]): LayerPackage[] {
  return list.map((p) => ({ ...p, path }));
}

function note(parts: (string | false | undefined)[]): string | undefined {
  const text = parts.filter(Boolean).join('; ');
  return text || undefined;
}

export const DEFAULT_DETECTORS: readonly FileDetector[] = [
  {
    id: 'os-release',
    matches: (path) => path in RELEASE_FILES,
    maxBytes: 64 * KiB,
    detect: (file, path) => ({ release: { kind: RELEASE_FILES[path]!, text: readText(file) } }),
  },
  {
    id: 'dpkg',
    matches: (path) =>
      path === 'var/lib/dpkg/status' ||
      (path.startsWith('var/lib/dpkg/status.d/') && !path.includes('/', 22) && !path.endsWith('.md5sums')),
    maxBytes: 64 * MiB,
    detect(file, path) {
      const parsed = parseDpkgStatusDetailed(readText(file));
      return {
        packages: packagesOf(
          path,
          parsed.packages.map((p) => ({
            kind: 'dpkg',
            name: p.name,
            version: p.version,
            sourceName: p.sourceName,
            sourceVersion: p.sourceVersion,
            arch: p.architecture,
          })),
        ),
        message: note([
          parsed.skippedNotInstalled > 0 && `${parsed.skippedNotInstalled} not installed`,
          parsed.skippedIncomplete > 0 && `${parsed.skippedIncomplete} incomplete`,
        ]),
      };
    },
  },
  {
    id: 'apk',
    // apk-tools 3 (and Wolfi) keep the database under /usr/lib/apk.
    matches: (path) => path === 'lib/apk/db/installed' || path === 'usr/lib/apk/db/installed',
    maxBytes: 64 * MiB,
    detect(file, path) {
      const parsed = parseApkInstalledDetailed(readText(file));
      return {
        packages: packagesOf(
          path,
          parsed.packages.map((p) => ({
            kind: 'apk',
            name: p.name,
            version: p.version,
            sourceName: p.origin,
            sourceVersion: p.version,
            arch: p.architecture,
          })),
        ),
        message: note([parsed.skippedIncomplete > 0 && `${parsed.skippedIncomplete} incomplete`]),
      };
    },
  },
  {
    id: 'rpm',
    // Fedora 36+ moved the database to /usr/lib/sysimage/rpm (and /var/lib/rpm links there).
    matches: (path) => path === 'var/lib/rpm/rpmdb.sqlite' || path === 'usr/lib/sysimage/rpm/rpmdb.sqlite',
    maxBytes: 512 * MiB,
    detect(file, path) {
      const parsed = readRpmDatabase(file);
      return {
        packages: packagesOf(
          path,
          parsed.packages.map((p) => ({
            kind: 'rpm',
            name: p.name,
            version: rpmEvr(p),
            sourceName: p.sourceName,
            sourceVersion: p.sourceVersion,
            arch: p.architecture,
          })),
        ),
        message: note([parsed.skippedBroken > 0 && `${parsed.skippedBroken} unreadable headers`]),
      };
    },
  },
  {
    id: 'npm-lock',
    // A package's own lockfile inside node_modules is not what was installed; npm ignores it too.
    matches: (path) =>
      (path === 'package-lock.json' || path.endsWith('/package-lock.json')) && !path.includes('node_modules/'),
    maxBytes: 64 * MiB,
    detect(file, path) {
      const parsed = parsePackageLock(readText(file));
      return {
        packages: packagesOf(
          path,
          parsed.packages.map((p) => ({ kind: 'npm', name: p.name, version: p.version, dev: p.dev })),
        ),
        message: note([parsed.skippedNonRegistry > 0 && `${parsed.skippedNonRegistry} not from a registry`]),
      };
    },
  },
  {
    id: 'npm-installed',
    matches: (path) => NPM_INSTALLED.test(path),
    maxBytes: 4 * MiB,
    detect(file, path) {
      const p = parseInstalledPackageJson(readText(file));
      return { packages: p ? [{ kind: 'npm', name: p.name, version: p.version, path }] : [] };
    },
  },
  {
    id: 'python',
    matches: (path) => PYTHON.test(path),
    maxBytes: 8 * MiB,
    detect(file, path) {
      const p = parsePythonMetadata(readText(file));
      return { packages: p ? [{ kind: 'python', name: p.name, version: p.version, path }] : [] };
    },
  },
  {
    id: 'ruby-gemspec',
    matches: (path) => GEMSPEC.test(path),
    maxBytes: 1 * MiB,
    detect(file, path) {
      const p = parseGemspec(readText(file));
      return { packages: p ? [{ kind: 'gem', name: p.name, version: p.version, path }] : [] };
    },
  },
  {
    id: 'cargo-lock',
    matches: (path) => path === 'Cargo.lock' || path.endsWith('/Cargo.lock'),
    maxBytes: 16 * MiB,
    detect(file, path) {
      return {
        packages: packagesOf(
          path,
          parseCargoLock(readText(file)).map((p) => ({ kind: 'cargo', name: p.name, version: p.version })),
        ),
      };
    },
  },
  {
    id: 'java-archive',
    matches: (path) => JAVA.test(path),
    maxBytes: 512 * MiB,
    detect(file, path) {
      const read = readJavaArchive(file);
      const packages: LayerPackage[] = read.packages.map((p) => {
        const cut = p.innerPath.lastIndexOf('!/');
        return {
          kind: 'java',
          name: `${p.groupId}:${p.artifactId}`,
          version: p.version,
          path: cut < 0 ? path : `${path}!/${p.innerPath.slice(0, cut)}`,
        };
      });
      return { packages, message: note(read.problems.slice(0, 20)) };
    },
  },
  {
    id: 'go-binary',
    matches: () => true,
    executablesOnly: true,
    maxBytes: 256 * MiB,
    headBytes: 4,
    acceptsHead: isElf,
    detect(file, path) {
      const info = readGoBuildInfo(file);
      if (!info) return { packages: [] };
      const packages: LayerPackage[] = [];
      const stdlib = goStdlibVersion(info.goVersion);
      if (stdlib) packages.push({ kind: 'go', name: 'stdlib', version: stdlib, path });
      const modules = [...(info.main ? [info.main] : []), ...info.deps];
      for (const mod of modules) {
        const effective = mod.replacedBy ?? mod;
        // `(devel)`: a main module built from a checkout has no version advisories could name.
        if (!effective.version || effective.version === '(devel)') continue;
        packages.push({ kind: 'go', name: effective.path, version: effective.version, path });
      }
      return { packages };
    },
  },
];

/** Detectors with some size limits changed. */
export function withLimits(limits: DetectorLimits = {}, detectors = DEFAULT_DETECTORS): readonly FileDetector[] {
  const overrides = limits.maxBytes ?? {};
  return detectors.map((d) => (overrides[d.id] === undefined ? d : { ...d, maxBytes: overrides[d.id]! }));
}

/** The detector for a tar member, or undefined when none wants it. */
export function detectorFor(
  detectors: readonly FileDetector[],
  path: string,
  entry: { type: string; mode: number },
): FileDetector | undefined {
  for (const d of detectors) {
    if (d.executablesOnly && (entry.type !== 'file' || (entry.mode & 0o111) === 0)) continue;
    if (d.matches(path)) return d;
  }
  return undefined;
}
