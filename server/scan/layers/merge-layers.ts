import { detectOs, type DetectedOs, type OsFamily } from '../detect/os-release.js';
import type { ImagePackage, LayerAnalysis, LayerFile, PackageKind } from './layer-types.js';

/**
 * Layers → the image as a container sees it. Each layer first deletes from what is below it (its
 * whiteouts: the path and everything under it; its opaque directories: everything under them),
 * then adds its own files, a file replacing any lower one at the same path. So a package database
 * removed or replaced in a later layer no longer reports the earlier packages.
 *
 * Known gap: a lower-layer directory replaced by a file or symlink in a later layer (without a
 * whiteout) still shows the lower files below it; overlay filesystems and image builders write an
 * opaque directory or whiteouts in that case, and layer results do not record every path.
 */

export interface MergedFile extends LayerFile {
  /** Index of the layer it comes from. */
  layer: number;
}

export interface ImageInventory {
  os: DetectedOs | null;
  packages: ImagePackage[];
  /** The detected files of the final filesystem, in path order; those not `parsed` say what was not scanned. */
  files: MergedFile[];
  /** Something was left unread: a layer budget, a file over its limit, a file that failed to parse. */
  incomplete: boolean;
}

const LANGUAGE_ECOSYSTEMS: Partial<Record<PackageKind, string>> = {
  npm: 'npm',
  python: 'PyPI',
  go: 'Go',
  java: 'Maven',
  gem: 'RubyGems',
  cargo: 'crates.io',
};

/** The OS families whose advisories cover each OS package database, and the ecosystem to use without one. */
const OS_PACKAGES: Partial<Record<PackageKind, { families: OsFamily[]; fallback: string }>> = {
  dpkg: { families: ['debian', 'ubuntu'], fallback: 'Debian' },
  apk: { families: ['alpine', 'wolfi', 'chainguard'], fallback: 'Alpine' },
  rpm: { families: ['rhel', 'rocky', 'almalinux'], fallback: 'Red Hat' },
};

/** Merges layer results given in manifest order (base layer first). */
export function mergeLayers(layers: readonly LayerAnalysis[]): ImageInventory {
  const view = new Map<string, MergedFile>();
  layers.forEach((layer, index) => {
    for (const deleted of layer.whiteouts) {
      view.delete(deleted);
      deleteBelow(view, deleted);
    }
    for (const dir of layer.opaqueDirs) deleteBelow(view, dir);
    for (const file of layer.files) view.set(file.path, { ...file, layer: index });
  });

  const os = detectOs({
    osRelease: releaseText(view, 'etc/os-release') ?? releaseText(view, 'usr/lib/os-release'),
    alpineRelease: releaseText(view, 'etc/alpine-release'),
    debianVersion: releaseText(view, 'etc/debian_version'),
  });

  const files = [...view.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const packages: ImagePackage[] = [];
  let incomplete = layers.some((l) => l.truncated);
  for (const file of files) {
    if (file.outcome !== 'parsed' && file.outcome !== 'symlink' && file.outcome !== 'not-a-file') incomplete = true;
    for (const pkg of file.packages ?? []) {
      packages.push({ ...pkg, ecosystem: ecosystemOf(pkg.kind, os), layer: file.layer });
    }
  }
  return { os, packages, files, incomplete };
}

function ecosystemOf(kind: PackageKind, os: DetectedOs | null): string {
  const language = LANGUAGE_ECOSYSTEMS[kind];
  if (language) return language;
  const osRule = OS_PACKAGES[kind]!;
  return os && osRule.families.includes(os.family) ? os.ecosystem : osRule.fallback;
}

function deleteBelow(view: Map<string, MergedFile>, dir: string): void {
  const prefix = dir === '' ? '' : `${dir}/`;
  for (const path of view.keys()) if (path.startsWith(prefix)) view.delete(path);
}

/**
 * The text of a release file, following symlinks inside the image (`/etc/os-release` is a link to
 * `../usr/lib/os-release` on most distributions).
 */
function releaseText(view: Map<string, MergedFile>, path: string): string | undefined {
  let current: string | undefined = path;
  for (let hops = 0; hops < 8 && current !== undefined; hops++) {
    const file = view.get(current);
    if (!file) return undefined;
    if (file.outcome === 'parsed') return file.release?.text;
    if (file.outcome !== 'symlink' || file.linkTarget === undefined) return undefined;
    current = resolveLink(current, file.linkTarget);
  }
  return undefined;
}

function resolveLink(linkPath: string, target: string): string | undefined {
  const base = target.startsWith('/') ? [] : linkPath.split('/').slice(0, -1);
  for (const part of target.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') base.pop();
    else base.push(part);
  }
  return base.length ? base.join('/') : undefined;
}
