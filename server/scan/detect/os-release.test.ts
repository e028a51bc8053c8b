import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { detectOs, parseOsRelease } from './os-release.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`../../../test/fixtures/pkgdb/${name}`, import.meta.url), 'utf8');

describe('detectOs on real release files', () => {
  it('Debian 12 (this machine’s /etc/os-release, identical to claircore’s; debian_version 12.11)', () => {
    expect(detectOs({ osRelease: fixture('os-release-debian-12.txt'), debianVersion: '12.11\n' })).toEqual({
      family: 'debian',
      version: '12',
      ecosystem: 'Debian:12',
    });
  });

  it('Alpine 3.15.4: OSV names the release v + major.minor', () => {
    expect(detectOs({ osRelease: fixture('os-release-alpine.txt') })).toEqual({
      family: 'alpine',
      version: '3.15.4',
      ecosystem: 'Alpine:v3.15',
    });
  });
});

describe('detectOs (synthetic)', () => {
  const ubuntu2404 = 'NAME="Ubuntu"\nVERSION_ID="24.04"\nVERSION_CODENAME=noble\nID=ubuntu\nID_LIKE=debian\n';

  it('Ubuntu: os-release wins over the debian_version every Ubuntu image also has', () => {
    expect(detectOs({ osRelease: ubuntu2404, debianVersion: 'trixie/sid\n' })).toEqual({
      family: 'ubuntu',
      version: '24.04',
      ecosystem: 'Ubuntu:24.04',
    });
  });

  it('Debian testing/sid: no VERSION_ID, debian_version `x/sid` → the bare `Debian` ecosystem', () => {
    const testing =
      'PRETTY_NAME="Debian GNU/Linux trixie/sid"\nNAME="Debian GNU/Linux"\nVERSION_CODENAME=trixie\nID=debian\n';
    expect(detectOs({ osRelease: testing, debianVersion: 'trixie/sid\n' })).toEqual({
      family: 'debian',
      version: 'trixie/sid',
      ecosystem: 'Debian',
    });
    expect(detectOs({ debianVersion: 'bookworm/sid' })).toEqual({
      family: 'debian',
      version: 'bookworm/sid',
      ecosystem: 'Debian',
    });
  });

  it('falls back to /etc/debian_version or /etc/alpine-release without os-release', () => {
    // Old or stripped images (busybox-based, some distroless) may lack os-release.
    expect(detectOs({ debianVersion: '10.13\n' })).toEqual({
      family: 'debian',
      version: '10.13',
      ecosystem: 'Debian:10',
    });
    expect(detectOs({ alpineRelease: '3.19.1\n' })).toEqual({
      family: 'alpine',
      version: '3.19.1',
      ecosystem: 'Alpine:v3.19',
    });
  });

  it('takes the Alpine release from alpine-release when os-release has no VERSION_ID', () => {
    expect(detectOs({ osRelease: 'ID=alpine\n', alpineRelease: '3.20.0_alpha20240329' })).toMatchObject({
      ecosystem: 'Alpine:v3.20',
    });
  });

  it('Red Hat family: Rocky and Alma by major release, RHEL without one', () => {
    expect(detectOs({ osRelease: 'ID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.3"\n' })).toEqual({
      family: 'rocky',
      version: '9.3',
      ecosystem: 'Rocky Linux:9',
    });
    expect(detectOs({ osRelease: 'ID="almalinux"\nVERSION_ID="8.4"\n' })?.ecosystem).toBe('AlmaLinux:8');
    expect(detectOs({ osRelease: 'ID="rhel"\nVERSION_ID="9.2"\n' })).toEqual({
      family: 'rhel',
      version: '9.2',
      ecosystem: 'Red Hat',
    });
  });

  it('returns null for an unknown distribution, a derivative known only by ID_LIKE, or nothing at all', () => {
    expect(detectOs({ osRelease: 'ID=arch\nBUILD_ID=rolling\n' })).toBeNull();
    expect(
      detectOs({
        osRelease: 'ID=linuxmint\nID_LIKE="ubuntu debian"\nVERSION_ID="21.2"\n',
        debianVersion: 'bookworm/sid',
      }),
    ).toBeNull();
    expect(detectOs({})).toBeNull();
    expect(detectOs({ debianVersion: '' })).toBeNull();
  });
});

describe('parseOsRelease', () => {
  it('unquotes single and double quotes, unescapes, skips comments and junk, and tolerates CRLF', () => {
    const text = '# comment\r\nNAME="Foo \\"Bar\\" \\$x"\r\nID=\'foo\'\r\nnot a line\r\nVERSION_ID=1.2\r\nEMPTY=\r\n';
    expect(Object.fromEntries(parseOsRelease(text))).toEqual({
      NAME: 'Foo "Bar" $x',
      ID: 'foo',
      VERSION_ID: '1.2',
      EMPTY: '',
    });
  });
});
