import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCargoLock } from './cargo-lock.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../../test/fixtures/scan/cargo/${name}`, import.meta.url), 'utf8');

const REGISTRY = 'registry+https://github.com/rust-lang/crates.io-index';

describe('parseCargoLock on lockfiles Cargo wrote', () => {
  it('version 3: every [[package]], two versions of one crate, the workspace crate without a source', () => {
    expect(parseCargoLock(fixture('cargo_v3.lock')).map((p) => [p.name, p.version, p.source])).toEqual([
      ['aho-corasick', '0.7.20', REGISTRY],
      ['app', '0.1.0', undefined],
      ['libc', '0.2.140', REGISTRY],
      ['memchr', '1.0.2', REGISTRY],
      ['memchr', '2.5.0', REGISTRY],
      ['regex', '1.7.3', REGISTRY],
      ['regex-syntax', '0.5.6', REGISTRY],
      ['regex-syntax', '0.6.29', REGISTRY],
      ['ucd-util', '0.1.10', REGISTRY],
    ]);
  });

  it('version 1: the [metadata] checksum table is not a package', () => {
    const packages = parseCargoLock(fixture('cargo_normal.lock'));
    expect(packages.map((p) => `${p.name}@${p.version}`)).toEqual([
      'libc@0.2.54',
      'normal@0.1.0',
      'unsafe-any@0.4.2',
      'typemap@0.3.3',
      'idna@0.1.5',
      'matches@0.1.8',
      'percent-encoding@1.0.1',
      'url@1.7.2',
    ]);
  });
});

describe('parseCargoLock edge cases (synthetic)', () => {
  it('version 4 with CRLF and a one-line dependencies array; a table without version is skipped', () => {
    const text =
      'version = 4\r\n\r\n[[package]]\r\nname = "a"\r\nversion = "1.0.0"\r\ndependencies = ["b"]\r\n\r\n[[package]]\r\nname = "b"\r\n';
    expect(parseCargoLock(text)).toEqual([{ name: 'a', version: '1.0.0', source: undefined }]);
  });
});
