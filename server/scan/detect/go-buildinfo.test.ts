import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildGoElf } from '../../../test/fixtures/scan/go-elf.js';
import { bufferSource, fileSource } from './byte-source.js';
import { GoBuildInfoError, goStdlibVersion, parseModInfo, readGoBuildInfo } from './go-buildinfo.js';

// Module info as `go version -m` prints it for a real binary (tab-separated); built into ELF files
// by test/fixtures/scan/go-elf.ts from the documented formats, since Go is not installed here.
const MOD_INFO = [
  'path\tgithub.com/example/app/cmd/app',
  'mod\tgithub.com/example/app\tv1.4.2\th1:abc=',
  'dep\tgithub.com/gin-gonic/gin\tv1.9.0\th1:def=',
  'dep\tgolang.org/x/crypto\tv0.17.0\th1:ghi=',
  'dep\tgolang.org/x/net\tv0.10.0\th1:jkl=',
  '=>\tgolang.org/x/net\tv0.23.0\th1:mno=',
  'build\t-compiler=gc',
  'build\t-ldflags=-s -w',
  'build\tGOOS=linux',
  'build\tvcs.revision=0123abcd',
  '',
].join('\n');

const EXPECTED = {
  goVersion: 'go1.21.5',
  path: 'github.com/example/app/cmd/app',
  main: { path: 'github.com/example/app', version: 'v1.4.2', sum: 'h1:abc=' },
  deps: [
    { path: 'github.com/gin-gonic/gin', version: 'v1.9.0', sum: 'h1:def=' },
    { path: 'golang.org/x/crypto', version: 'v0.17.0', sum: 'h1:ghi=' },
    {
      path: 'golang.org/x/net',
      version: 'v0.10.0',
      sum: 'h1:jkl=',
      replacedBy: { path: 'golang.org/x/net', version: 'v0.23.0' },
    },
  ],
  settings: { '-compiler': 'gc', '-ldflags': '-s -w', GOOS: 'linux', 'vcs.revision': '0123abcd' },
};

describe('readGoBuildInfo', () => {
  for (const format of ['inline', 'pointer'] as const) {
    for (const elfClass of [64, 32] as const) {
      it(`reads the ${format} format (${format === 'inline' ? 'Go 1.18+' : 'Go 1.13–1.17'}) from ELF${elfClass}`, () => {
        const elf = buildGoElf({ goVersion: 'go1.21.5', modInfo: MOD_INFO, format, elfClass });
        expect(readGoBuildInfo(bufferSource(elf))).toEqual(EXPECTED);
      });
    }
  }

  it('without section headers, finds the blob at the start of the writable segment, past a misaligned decoy', () => {
    const elf = buildGoElf({
      goVersion: 'go1.21.5',
      modInfo: MOD_INFO,
      format: 'inline',
      sectionHeaders: false,
      misalignedDecoy: true,
    });
    expect(readGoBuildInfo(bufferSource(elf))).toEqual(EXPECTED);
  });

  it('says nothing about an ELF file that is not a Go binary (the node executable running this test, read in place)', () => {
    const node = fileSource(process.execPath, statSync(process.execPath).size);
    try {
      expect(readGoBuildInfo(node)).toBeUndefined();
    } finally {
      node.close();
    }
  });

  it('refuses a file that is not ELF', () => {
    expect(() => readGoBuildInfo(bufferSource(Buffer.from('#!/bin/sh\necho hi\n')))).toThrow(GoBuildInfoError);
  });

  it('a binary built outside a module has a version and no module info', () => {
    const elf = buildGoElf({ goVersion: 'go1.20.1 X:boringcrypto', modInfo: '', format: 'inline' });
    // Empty module info is not framed by the compiler; the builder frames it, and 32 bytes is too short to count.
    expect(readGoBuildInfo(bufferSource(elf))).toEqual({
      goVersion: 'go1.20.1 X:boringcrypto',
      path: undefined,
      main: undefined,
      deps: [],
      settings: {},
    });
  });
});

describe('goStdlibVersion', () => {
  it('turns Go’s version string into the SemVer OSV’s stdlib records use', () => {
    expect(goStdlibVersion('go1.21.5')).toBe('1.21.5');
    expect(goStdlibVersion('go1.22')).toBe('1.22.0');
    expect(goStdlibVersion('go1.20.1 X:boringcrypto')).toBe('1.20.1');
    expect(goStdlibVersion('go1.21rc2')).toBe('1.21.0-rc2');
    expect(goStdlibVersion('devel go1.23-abc123 Mon Jan 1')).toBeUndefined();
  });
});

describe('parseModInfo', () => {
  it('keeps a main module built from a checkout as (devel)', () => {
    expect(parseModInfo('path\tx\nmod\tx\t(devel)\t\n').main).toEqual({
      path: 'x',
      version: '(devel)',
      sum: undefined,
    });
  });
});
