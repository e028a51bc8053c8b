import { PackageURL } from 'packageurl-js';
import { describe, expect, it } from 'vitest';
import type { DetectedOs } from '../detect/os-release.js';
import type { ImagePackage } from '../layers/layer-types.js';
import { imagePurl, packagePurl, pep503 } from './purl.js';

const debian: DetectedOs = { family: 'debian', version: '12', ecosystem: 'Debian:12' };
const alpine: DetectedOs = { family: 'alpine', version: '3.19.1', ecosystem: 'Alpine:v3.19' };
const rocky: DetectedOs = { family: 'rocky', version: '9.3', ecosystem: 'Rocky Linux:9' };

const pkg = (p: Partial<ImagePackage> & Pick<ImagePackage, 'kind' | 'name' | 'version'>): ImagePackage => ({
  path: 'x',
  ecosystem: '',
  layer: 0,
  ...p,
});

describe('packagePurl', () => {
  it.each<[string, ImagePackage, DetectedOs | null, string]>([
    [
      'deb with epoch in the version, arch and distro',
      pkg({ kind: 'dpkg', name: 'zlib1g', version: '1:1.2.13.dfsg-1', arch: 'amd64', sourceName: 'zlib' }),
      debian,
      'pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&distro=debian-12',
    ],
    [
      'deb on Ubuntu',
      pkg({ kind: 'dpkg', name: 'libc6', version: '2.35-0ubuntu3.8', arch: 'arm64' }),
      { family: 'ubuntu', version: '22.04', ecosystem: 'Ubuntu:22.04' },
      'pkg:deb/ubuntu/libc6@2.35-0ubuntu3.8?arch=arm64&distro=ubuntu-22.04',
    ],
    [
      'apk',
      pkg({ kind: 'apk', name: 'musl', version: '1.2.4_git20230717-r4', arch: 'x86_64' }),
      alpine,
      'pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64&distro=alpine-3.19.1',
    ],
    [
      'rpm: the epoch goes to a qualifier',
      pkg({ kind: 'rpm', name: 'openssl-libs', version: '1:3.0.7-24.el9', arch: 'x86_64' }),
      rocky,
      'pkg:rpm/rocky/openssl-libs@3.0.7-24.el9?arch=x86_64&distro=rocky-9.3&epoch=1',
    ],
    [
      'rpm on a Debian image: no distro claimed',
      pkg({ kind: 'rpm', name: 'bash', version: '5.1.8-6.el9', arch: 'x86_64' }),
      debian,
      'pkg:rpm/redhat/bash@5.1.8-6.el9?arch=x86_64',
    ],
    ['npm', pkg({ kind: 'npm', name: 'lodash', version: '4.17.21' }), debian, 'pkg:npm/lodash@4.17.21'],
    [
      'npm scoped: @ percent-encoded',
      pkg({ kind: 'npm', name: '@babel/traverse', version: '7.23.0' }),
      null,
      'pkg:npm/%40babel/traverse@7.23.0',
    ],
    [
      'pypi: PEP 503 name',
      pkg({ kind: 'python', name: 'Zope.Interface', version: '6.1' }),
      null,
      'pkg:pypi/zope-interface@6.1',
    ],
    [
      'golang module',
      pkg({ kind: 'go', name: 'golang.org/x/net', version: 'v0.17.0' }),
      null,
      'pkg:golang/golang.org/x/net@v0.17.0',
    ],
    ['golang stdlib', pkg({ kind: 'go', name: 'stdlib', version: '1.22.1' }), null, 'pkg:golang/stdlib@1.22.1'],
    [
      'maven',
      pkg({ kind: 'java', name: 'org.slf4j:slf4j-api', version: '1.7.36' }),
      null,
      'pkg:maven/org.slf4j/slf4j-api@1.7.36',
    ],
    ['gem', pkg({ kind: 'gem', name: 'rake', version: '13.3.1' }), null, 'pkg:gem/rake@13.3.1'],
    ['cargo', pkg({ kind: 'cargo', name: 'serde_json', version: '1.0.108' }), null, 'pkg:cargo/serde_json@1.0.108'],
  ])('%s', (_what, p, os, expected) => {
    const purl = packagePurl(p, os);
    expect(purl).toBe(expected);
    // What it says parses back to the same package.
    const parsed = PackageURL.fromString(purl!);
    expect(parsed.version).toBe(expected.split('@').pop()!.split('?')[0]);
  });

  it('round-trips names and versions with characters purls must encode', () => {
    const purl = packagePurl(
      pkg({ kind: 'dpkg', name: 'libstdc++6', version: '12.2.0-14+deb12u1', arch: 'amd64' }),
      debian,
    )!;
    const parsed = PackageURL.fromString(purl);
    expect([parsed.namespace, parsed.name, parsed.version, parsed.qualifiers]).toEqual([
      'debian',
      'libstdc++6',
      '12.2.0-14+deb12u1',
      { arch: 'amd64', distro: 'debian-12' },
    ]);
  });

  it('has no purl for a Maven name without a group', () => {
    expect(packagePurl(pkg({ kind: 'java', name: 'app', version: '1.0' }), null)).toBeUndefined();
  });
});

describe('pep503', () => {
  it('lower-cases and folds runs of -, _ and . into one -', () => {
    expect(pep503('Friendly-Bard')).toBe('friendly-bard');
    expect(pep503('FRIENDLY__BARD')).toBe('friendly-bard');
    expect(pep503('friendly.-_bard')).toBe('friendly-bard');
    expect(pep503('PyJWT')).toBe('pyjwt');
  });
});

describe('imagePurl', () => {
  it('names the repository and registry, the digest as version', () => {
    const digest = 'sha256:2f7c1b4e1c4b0a8c5f3e0d9a1b2c3d4e5f60718293a4b5c6d7e8f90112233445';
    const purl = imagePurl({ repository: 'team/Web-App', digest, registry: 'registry.example:5000', tag: 'v1.2' });
    const parsed = PackageURL.fromString(purl);
    expect([parsed.type, parsed.name, parsed.version, parsed.qualifiers]).toEqual([
      'oci',
      'web-app',
      digest,
      { repository_url: 'registry.example:5000/team/Web-App', tag: 'v1.2' },
    ]);
  });
});
