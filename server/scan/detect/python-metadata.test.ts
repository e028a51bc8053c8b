import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePythonMetadata } from './python-metadata.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../../test/fixtures/scan/python/${name}`, import.meta.url), 'utf8');

describe('parsePythonMetadata on installed distributions', () => {
  it('a wheel’s dist-info/METADATA (Debian’s python3-yaml)', () => {
    expect(parsePythonMetadata(fixture('PyYAML-6.0.dist-info.METADATA'))).toEqual({
      name: 'PyYAML',
      version: '6.0',
      license: 'MIT',
    });
  });

  it('a setuptools egg-info/PKG-INFO (Debian’s python3-jwt)', () => {
    expect(parsePythonMetadata(fixture('PyJWT-2.6.0.egg-info.PKG-INFO'))).toMatchObject({
      name: 'PyJWT',
      version: '2.6.0',
    });
  });

  it('a single-file .egg-info, metadata 1.1 (Debian’s python3-cairo)', () => {
    expect(parsePythonMetadata(fixture('pycairo-1.20.1.egg-info'))).toMatchObject({
      name: 'pycairo',
      version: '1.20.1',
    });
  });

  it('pip’s METADATA: the description body (with its own `Name:`-like lines) is not read as headers', () => {
    const text = fixture('pip-24.2.dist-info.METADATA');
    expect(parsePythonMetadata(text)).toMatchObject({ name: 'pip', version: '24.2' });
    expect(parsePythonMetadata(`${text}\nName: not-pip\nVersion: 0\n`)).toMatchObject({ name: 'pip' });
  });
});

describe('parsePythonMetadata edge cases (synthetic)', () => {
  it('prefers License-Expression (metadata 2.4), handles CRLF and folded headers', () => {
    const text =
      'Metadata-Version: 2.4\r\nName: demo\r\nVersion: 1.0.post1\r\nLicense: long text\r\n  continued\r\nLicense-Expression: MIT OR Apache-2.0\r\n\r\nbody';
    expect(parsePythonMetadata(text)).toEqual({ name: 'demo', version: '1.0.post1', license: 'MIT OR Apache-2.0' });
  });

  it('says nothing without a name or a version', () => {
    expect(parsePythonMetadata('Metadata-Version: 2.1\nName: x\n')).toBeUndefined();
    expect(parsePythonMetadata('')).toBeUndefined();
  });
});
