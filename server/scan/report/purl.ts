import { PackageURL } from 'packageurl-js';
import type { DetectedOs, OsFamily } from '../detect/os-release.js';
import type { ImagePackage, PackageKind } from '../layers/layer-types.js';

/**
 * Package URLs (https://github.com/package-url/purl-spec) for what the detectors find. The
 * encoding is packageurl-js's; what goes into each part (namespaces, qualifiers, name
 * normalisation) is decided here, per ecosystem, as syft and Trivy fill them.
 */

/** The purl namespace of each OS family, for the package database that family uses. */
const OS_NAMESPACE: Record<OsFamily, { kind: PackageKind; namespace: string }> = {
  debian: { kind: 'dpkg', namespace: 'debian' },
  ubuntu: { kind: 'dpkg', namespace: 'ubuntu' },
  alpine: { kind: 'apk', namespace: 'alpine' },
  wolfi: { kind: 'apk', namespace: 'wolfi' },
  chainguard: { kind: 'apk', namespace: 'chainguard' },
  rhel: { kind: 'rpm', namespace: 'redhat' },
  rocky: { kind: 'rpm', namespace: 'rocky' },
  almalinux: { kind: 'rpm', namespace: 'almalinux' },
};

/** Namespaces for an OS package database found on an image of another (or no) distribution. */
const FALLBACK_NAMESPACE: Partial<Record<PackageKind, string>> = { dpkg: 'debian', apk: 'alpine', rpm: 'redhat' };

/** The purl of a package, or undefined when its ecosystem needs a part it lacks (a Maven name without group). */
export function packagePurl(pkg: ImagePackage, os: DetectedOs | null): string | undefined {
  try {
    return build(pkg, os)?.toString();
  } catch {
    return undefined;
  }
}

function build(pkg: ImagePackage, os: DetectedOs | null): PackageURL | undefined {
  switch (pkg.kind) {
    case 'dpkg':
    case 'apk':
    case 'rpm':
      return osPackage(pkg, os);
    case 'npm': {
      // `@scope/name`: the scope is the namespace, and its `@` is percent-encoded.
      const slash = pkg.name.startsWith('@') ? pkg.name.indexOf('/') : -1;
      return slash > 0
        ? new PackageURL('npm', pkg.name.slice(0, slash), pkg.name.slice(slash + 1), pkg.version)
        : new PackageURL('npm', undefined, pkg.name, pkg.version);
    }
    case 'python':
      return new PackageURL('pypi', undefined, pep503(pkg.name), pkg.version);
    case 'go': {
      const slash = pkg.name.lastIndexOf('/');
      return slash > 0
        ? new PackageURL('golang', pkg.name.slice(0, slash), pkg.name.slice(slash + 1), pkg.version)
        : new PackageURL('golang', undefined, pkg.name, pkg.version);
    }
    case 'java': {
      const [group, artifact] = pkg.name.split(':');
      if (!group || !artifact) return undefined;
      return new PackageURL('maven', group, artifact, pkg.version);
    }
    case 'gem':
      return new PackageURL('gem', undefined, pkg.name, pkg.version);
    case 'cargo':
      return new PackageURL('cargo', undefined, pkg.name, pkg.version);
    default:
      return undefined;
  }
}

function osPackage(pkg: ImagePackage, os: DetectedOs | null): PackageURL {
  const own = os && OS_NAMESPACE[os.family].kind === pkg.kind ? os : null;
  const namespace = own ? OS_NAMESPACE[own.family].namespace : FALLBACK_NAMESPACE[pkg.kind]!;
  let version = pkg.version;
  const qualifiers: Record<string, string> = {};
  if (pkg.arch) qualifiers.arch = pkg.arch;
  // rpm purls carry the epoch as a qualifier (purl-spec's rpm type); deb keeps it in the version.
  if (pkg.kind === 'rpm') {
    const m = /^(\d+):(.+)$/.exec(version);
    if (m) {
      qualifiers.epoch = m[1]!;
      version = m[2]!;
    }
  }
  if (own && own.version) qualifiers.distro = `${own.family}-${own.version}`;
  return new PackageURL(pkg.kind === 'dpkg' ? 'deb' : pkg.kind, namespace, pkg.name, version, qualifiers);
}

/** PEP 503: lower case, every run of `-`, `_` and `.` one `-` (purl-spec's pypi type asks for the same). */
export function pep503(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/**
 * The image's purl (purl-spec's oci type): the repository's last segment as name, the manifest
 * digest as version, where it lives as `repository_url`. Without a registry host the repository
 * path alone is given, rather than letting the type's default (docker.io) claim it.
 */
export function imagePurl(artifact: { repository: string; digest: string; registry?: string; tag?: string }): string {
  const segments = artifact.repository.split('/');
  const name = segments[segments.length - 1]!.toLowerCase();
  const qualifiers: Record<string, string> = {
    repository_url: artifact.registry ? `${artifact.registry}/${artifact.repository}` : artifact.repository,
  };
  if (artifact.tag) qualifiers.tag = artifact.tag;
  return new PackageURL('oci', undefined, name, artifact.digest, qualifiers).toString();
}
