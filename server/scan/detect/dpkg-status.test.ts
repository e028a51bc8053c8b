import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDpkgStatus, parseDpkgStatusDetailed } from './dpkg-status.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`../../../test/fixtures/pkgdb/${name}`, import.meta.url), 'utf8');

/** One `-- path --` section of a txtar archive (Go's x/tools/txtar format). */
function txtarSection(archive: string, path: string): string {
  const marker = `-- ${path} --\n`;
  const start = archive.indexOf(marker);
  if (start < 0) throw new Error(`no section ${path}`);
  const body = archive.slice(start + marker.length);
  const next = body.search(/^-- .+ --$/m);
  return next < 0 ? body : body.slice(0, next);
}

const byName = (text: string) => new Map(parseDpkgStatus(text).map((p) => [p.name, p]));
const PACKAGE_NAME = /^[a-z0-9][a-z0-9+.-]+$/;

describe('parseDpkgStatus on this Debian 12 machine (excerpt of /var/lib/dpkg/status)', () => {
  const text = fixture('dpkg-status-debian12.txt');
  const packages = byName(text);

  it('reads every stanza, none skipped, and no continuation line leaks into a name', () => {
    const parsed = parseDpkgStatusDetailed(text);
    expect(parsed.packages).toHaveLength(34);
    expect(parsed.skippedIncomplete).toBe(0);
    expect(parsed.skippedNotInstalled).toBe(0);
    for (const p of parsed.packages) expect(p.name).toMatch(PACKAGE_NAME);
  });

  it('takes the source version from `Source: name (version)` when the binary was rebuilt (binNMU +b8)', () => {
    expect(packages.get('bash')).toEqual({
      name: 'bash',
      version: '5.2.15-2+b8',
      architecture: 'amd64',
      sourceName: 'bash',
      sourceVersion: '5.2.15-2',
      status: 'install ok installed',
      maintainer: 'Matthias Klose <doko@debian.org>',
    });
  });

  it('keeps epochs, in the binary and the source version', () => {
    expect(packages.get('busybox-static')).toMatchObject({
      version: '1:1.35.0-4+deb12u1+b1',
      sourceName: 'busybox',
      sourceVersion: '1:1.35.0-4+deb12u1',
    });
    expect(packages.get('zlib1g')).toMatchObject({ version: '1:1.2.13.dfsg-1', sourceName: 'zlib' });
    expect(packages.get('zlib1g')!.sourceVersion).toBe('1:1.2.13.dfsg-1');
  });

  it('uses the binary version for `Source: name` without a version', () => {
    expect(packages.get('libc6')).toMatchObject({
      version: '2.36-9+deb12u14',
      architecture: 'amd64',
      sourceName: 'glibc',
      sourceVersion: '2.36-9+deb12u14',
      maintainer: 'GNU Libc Maintainers <debian-glibc@lists.debian.org>',
    });
    expect(packages.get('libssl3')).toMatchObject({ sourceName: 'openssl', sourceVersion: '3.0.22-1~deb12u2' });
  });

  it('uses the binary name and version when there is no Source field', () => {
    expect(packages.get('coreutils')).toMatchObject({
      version: '9.1-1',
      sourceName: 'coreutils',
      sourceVersion: '9.1-1',
    });
    expect(packages.get('ca-certificates')).toMatchObject({ architecture: 'all', sourceName: 'ca-certificates' });
  });
});

describe('parseDpkgStatus on trivy’s Ubuntu 18.04 status file', () => {
  const text = txtarSection(fixture('dpkg-status-valid.txtar'), 'var/lib/dpkg/status');

  it('leaves out the `deinstall ok config-files` stanza (git) and keeps the other 90', () => {
    const parsed = parseDpkgStatusDetailed(text);
    expect(parsed.packages).toHaveLength(90);
    expect(parsed.skippedNotInstalled).toBe(1);
    expect(parsed.skippedIncomplete).toBe(0);
    expect(parsed.packages.some((p) => p.name === 'git')).toBe(false);
  });

  it('reads a source version without the binary’s epoch', () => {
    const packages = byName(text);
    expect(packages.get('bsdutils')).toMatchObject({
      version: '1:2.31.1-0.4ubuntu3.1',
      sourceName: 'util-linux',
      sourceVersion: '2.31.1-0.4ubuntu3.1',
    });
    expect(packages.get('libgcc1')).toMatchObject({
      version: '1:8-20180414-1ubuntu2',
      sourceName: 'gcc-8',
      sourceVersion: '8-20180414-1ubuntu2',
      maintainer: 'Ubuntu Core developers <ubuntu-devel-discuss@lists.ubuntu.com>',
    });
    expect(packages.get('adduser')).toMatchObject({
      version: '3.116ubuntu1',
      architecture: 'all',
      sourceName: 'adduser',
    });
  });

  it('reads the one stanza of trivy’s md5sums fixture (tar)', () => {
    const tar = parseDpkgStatus(txtarSection(fixture('dpkg-md5sums.txtar'), 'var/lib/dpkg/status'));
    expect(tar).toEqual([
      {
        name: 'tar',
        version: '1.29b-2',
        architecture: 'amd64',
        sourceName: 'tar',
        sourceVersion: '1.29b-2',
        status: 'install ok installed',
        maintainer: 'Ubuntu Developers <ubuntu-devel-discuss@lists.ubuntu.com>',
      },
    ]);
  });
});

describe('parseDpkgStatus edge cases (synthetic)', () => {
  it('handles CRLF line ends and a missing trailing newline', () => {
    const text = 'Package: a\r\nStatus: install ok installed\r\nVersion: 1.0-1\r\n\r\nPackage: b\r\nVersion: 2.0';
    expect(parseDpkgStatus(text).map((p) => [p.name, p.version])).toEqual([
      ['a', '1.0-1'],
      ['b', '2.0'],
    ]);
  });

  it('does not read a Description continuation line that looks like a field as a field', () => {
    // Continuation lines start with a space; ` .` is an empty paragraph line inside the description.
    const text = [
      'Package: tricky',
      'Version: 1',
      'Description: first line',
      ' Version: 99',
      ' .',
      ' Source: other (5)',
      'Maintainer: Someone <s@example.org>',
      '',
    ].join('\n');
    expect(parseDpkgStatus(text)).toEqual([
      {
        name: 'tricky',
        version: '1',
        architecture: '',
        sourceName: 'tricky',
        sourceVersion: '1',
        status: undefined,
        maintainer: 'Someone <s@example.org>',
      },
    ]);
  });

  it('counts status.d files (no Status field) as installed', () => {
    // distroless writes `dpkg-deb --field` output per package: the control file, no Status line.
    const text = 'Package: libc6\nSource: glibc\nVersion: 2.36-9+deb12u4\nArchitecture: arm64\n';
    expect(parseDpkgStatus(text)).toMatchObject([{ name: 'libc6', sourceName: 'glibc', architecture: 'arm64' }]);
  });

  it('keeps installed and held packages, skips the rest of the status states', () => {
    const stanza = (name: string, status: string) => `Package: ${name}\nStatus: ${status}\nVersion: 1\n`;
    const text = [
      stanza('installed', 'install ok installed'),
      stanza('held', 'hold ok installed'),
      stanza('removed', 'deinstall ok config-files'),
      stanza('purged', 'purge ok not-installed'),
      stanza('broken', 'install reinstreq half-installed'),
      stanza('unpacked', 'install ok unpacked'),
      stanza('leaving', 'deinstall ok installed'),
    ].join('\n');
    const parsed = parseDpkgStatusDetailed(text);
    expect(parsed.packages.map((p) => p.name)).toEqual(['installed', 'held']);
    expect(parsed.skippedNotInstalled).toBe(5);
  });

  it('skips and counts stanzas without Package or Version', () => {
    // Extra blank lines and whitespace-only lines separate stanzas; they do not make empty stanzas.
    const text = 'Package: no-version\nStatus: install ok installed\n\n\n \nVersion: 1\n\nPackage: ok\nVersion: 2\n';
    const parsed = parseDpkgStatusDetailed(text);
    expect(parsed.packages.map((p) => p.name)).toEqual(['ok']);
    expect(parsed.skippedIncomplete).toBe(2);
  });

  it('reads field names case-insensitively and tolerates a spaced Source version', () => {
    const text = 'package: x\nVERSION: 3\nsource: y ( 2 )\n';
    expect(parseDpkgStatus(text)).toMatchObject([{ name: 'x', version: '3', sourceName: 'y', sourceVersion: '2' }]);
  });

  it('returns nothing for empty input', () => {
    expect(parseDpkgStatusDetailed('')).toEqual({ packages: [], skippedIncomplete: 0, skippedNotInstalled: 0 });
  });
});
