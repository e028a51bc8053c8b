import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseApkInstalled, parseApkInstalledDetailed } from './apk-installed.js';

const fixture = readFileSync(new URL('../../../test/fixtures/pkgdb/apk-installed.txt', import.meta.url), 'utf8');

describe('parseApkInstalled on trivy’s Alpine 3.x database', () => {
  const parsed = parseApkInstalledDetailed(fixture);
  const packages = new Map(parsed.packages.map((p) => [p.name, p]));

  it('reads 15 packages and skips the record without a version', () => {
    expect(parsed.packages).toHaveLength(15);
    expect(parsed.skippedIncomplete).toBe(1);
    expect(packages.has('invalidPackageWithoutAVersion')).toBe(false);
  });

  it('reads name, version, arch, origin, licence, commit and maintainer', () => {
    expect(packages.get('musl')).toEqual({
      name: 'musl',
      version: '1.1.14-r10',
      architecture: 'x86_64',
      origin: 'musl',
      license: 'MIT',
      commit: 'e6c226fbe17bb8f856dce5f0d9bc088b333e6225',
      maintainer: 'Timo Teräs <timo.teras@iki.fi>',
    });
  });

  it('keeps an origin that differs from the name, and a licence expression as written', () => {
    expect(packages.get('test')).toMatchObject({ version: '2.9.11_pre20061021-r2', origin: 'test-parent' });
    expect(packages.get('ada-libs')).toMatchObject({ origin: 'ada', license: '( Apache-2.0 OR MIT ) AND MPL-2.0' });
    expect(packages.get('musl-utils')).toMatchObject({ version: '1.1.14-r10', origin: 'musl' });
  });

  it('keeps file order', () => {
    expect(parsed.packages.slice(0, 3).map((p) => p.name)).toEqual(['musl', 'busybox', 'alpine-baselayout']);
  });
});

describe('parseApkInstalled edge cases (synthetic)', () => {
  it('handles CRLF, a missing trailing newline, and a record without origin', () => {
    // Without `o:` the package is its own origin, as apk's index writer omits it only then.
    const text = 'P:a\r\nV:1.0-r0\r\nA:aarch64\r\n\r\nP:b\r\nV:2.0-r1';
    expect(parseApkInstalled(text)).toEqual([
      {
        name: 'a',
        version: '1.0-r0',
        architecture: 'aarch64',
        origin: 'a',
        license: undefined,
        commit: undefined,
        maintainer: undefined,
      },
      {
        name: 'b',
        version: '2.0-r1',
        architecture: '',
        origin: 'b',
        license: undefined,
        commit: undefined,
        maintainer: undefined,
      },
    ]);
  });

  it('tells `p:` (provides) from `P:` (name) and ignores repeated file lines', () => {
    const text = 'p:so:libfoo.so.1=1\nP:foo\nV:1-r0\nF:usr/lib\nR:libfoo.so.1\nF:usr/share\nR:x\n';
    expect(parseApkInstalled(text)).toMatchObject([{ name: 'foo', version: '1-r0' }]);
  });

  it('skips lines that are not `X:value` and collapses runs of blank lines', () => {
    const text = '\n\nP:x\ngarbage line\nV:1-r0\n\n\n\nV:2-r0\n';
    const parsed = parseApkInstalledDetailed(text);
    expect(parsed.packages).toMatchObject([{ name: 'x', version: '1-r0' }]);
    expect(parsed.skippedIncomplete).toBe(1);
  });
});
