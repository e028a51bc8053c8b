import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acceptsHtml, defaultPortalDir, portalPath } from './portal.js';

const packageRoot = resolve(import.meta.dirname, '..', '..');

describe('defaultPortalDir', () => {
  it('finds dist/portal of the package from the sources and from the build alike', () => {
    expect(defaultPortalDir()).toBe(join(packageRoot, 'dist', 'portal'));
    expect(defaultPortalDir(join(packageRoot, 'dist', 'server', 'http'))).toBe(join(packageRoot, 'dist', 'portal'));
  });

  it('outside the package, names a directory that does not exist rather than guessing', async () => {
    const elsewhere = await mkdtemp(join(tmpdir(), 'berth-portal-'));
    try {
      expect(defaultPortalDir(elsewhere)).toBe(join(elsewhere, 'portal'));
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
  });
});

describe('portalPath', () => {
  it('decodes the path and refuses dot segments however they are spelled', () => {
    expect(portalPath('/projects/3/repositories?page=2')).toBe('/projects/3/repositories');
    expect(portalPath('/assets/index-Ab12.js')).toBe('/assets/index-Ab12.js');
    expect(portalPath('/a%20b')).toBe('/a b');
    for (const url of [
      '/../x',
      '/%2e%2e/x',
      '/a/%2E%2E/%2e%2e/x',
      '/.%2e/x',
      '/a/./b',
      '/a%5c..%5cb',
      '/%00',
      '/%zz',
    ]) {
      expect(portalPath(url), url).toBeUndefined();
    }
  });

  it('leaves the server’s own paths alone, and only those', () => {
    for (const url of [
      '/v2',
      '/v2/',
      '/v2/library/x/manifests/1',
      '/api',
      '/api/v2.0/x',
      '/service/token',
      '/c/login',
    ]) {
      expect(portalPath(url), url).toBeUndefined();
    }
    for (const url of ['/v2x', '/apis', '/catalog', '/services']) expect(portalPath(url), url).toBe(url);
  });
});

describe('acceptsHtml', () => {
  it('is true for browser navigations, false for API clients, scripts and q=0', () => {
    expect(acceptsHtml('text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8')).toBe(true);
    expect(acceptsHtml('TEXT/HTML; charset=utf-8')).toBe(true);
    expect(acceptsHtml('application/json')).toBe(false);
    expect(acceptsHtml('*/*')).toBe(false);
    expect(acceptsHtml('text/html;q=0')).toBe(false);
    expect(acceptsHtml(undefined)).toBe(false);
  });
});
