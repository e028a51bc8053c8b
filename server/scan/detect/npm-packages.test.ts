import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseInstalledPackageJson, parsePackageLock } from './npm-packages.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../../test/fixtures/scan/npm/${name}`, import.meta.url), 'utf8');

describe('parsePackageLock on npm-written lockfiles', () => {
  it('v1: nested dependencies, every copy listed, dev flags kept', () => {
    const lock = parsePackageLock(fixture('package-lock_v1.json.txt'));
    expect(lock.lockfileVersion).toBe(1);
    expect(lock.skippedNonRegistry).toBe(0);
    const names = lock.packages.map((p) => `${p.name}@${p.version}`);
    expect(names).toHaveLength(33);
    // body-parser and finalhandler each carry their own debug 2.6.9 and ms 2.0.0 below the top-level copies.
    expect(names.filter((n) => n === 'debug@2.6.9')).toHaveLength(2);
    expect(names).toEqual(expect.arrayContaining(['@babel/helper-string-parser@7.19.4', 'ms@1.0.0', 'ms@0.7.2']));
    expect(lock.packages.find((p) => p.name === 'debug' && p.version === '2.5.2')).toMatchObject({ dev: true });
    expect(lock.packages.find((p) => p.name === 'ms' && p.version === '0.7.2')).toMatchObject({ dev: true });
    expect(lock.packages.find((p) => p.name === 'body-parser')).toMatchObject({ dev: false });
  });

  it('v3 with workspaces: installed folders only, links and workspace sources left out', () => {
    const lock = parsePackageLock(fixture('package-lock_v3_with_workspace.json.txt'));
    expect(lock.lockfileVersion).toBe(3);
    expect(lock.packages).toEqual([
      { name: 'debug', version: '2.6.9', dev: false, lockPath: 'functions/nested_func/node_modules/debug' },
      { name: 'debug', version: '2.5.2', dev: false, lockPath: 'node_modules/debug' },
      { name: 'ms', version: '0.7.2', dev: false, lockPath: 'node_modules/debug/node_modules/ms' },
      { name: 'ms', version: '2.0.0', dev: false, lockPath: 'node_modules/ms' },
    ]);
    expect(lock.skippedNonRegistry).toBe(2); // function1 and nested_func are links
  });

  it('agrees with what npm installed for this repository (its lockfile against node_modules/*/package.json)', () => {
    const root = new URL('../../../', import.meta.url);
    const lock = parsePackageLock(readFileSync(new URL('package-lock.json', root), 'utf8'));
    expect(lock.lockfileVersion).toBe(3);
    const topLevel = new Map(
      lock.packages.filter((p) => /^node_modules\/(@[^/]+\/)?[^/]+$/.test(p.lockPath!)).map((p) => [p.lockPath!, p]),
    );
    const installed = readdirSync(new URL('node_modules/', root)).filter((n) => !n.startsWith('.'));
    let compared = 0;
    for (const name of installed) {
      const folders = name.startsWith('@')
        ? readdirSync(new URL(`node_modules/${name}/`, root)).map((n) => `${name}/${n}`)
        : [name];
      for (const folder of folders) {
        const expected = topLevel.get(`node_modules/${folder}`);
        if (!expected) continue; // optional packages for other platforms, bins
        let text: string;
        try {
          text = readFileSync(new URL(`node_modules/${folder}/package.json`, root), 'utf8');
        } catch {
          continue;
        }
        const pkg = parseInstalledPackageJson(text);
        expect(pkg, folder).toMatchObject({ name: expected.name, version: expected.version });
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(100);
  });
});

describe('npm edge cases (synthetic)', () => {
  it('v1 aliases (`npm:real@1.0.0`) give the real name; git and file specs are not registry versions', () => {
    const lock = parsePackageLock(
      JSON.stringify({
        lockfileVersion: 1,
        dependencies: {
          'my-lodash': { version: 'npm:lodash@4.17.20' },
          'scoped-alias': { version: 'npm:@types/node@20.1.0' },
          fromgit: { version: 'git+https://example.invalid/x.git#abc' },
          local: { version: 'file:../local' },
        },
      }),
    );
    expect(lock.packages.map((p) => [p.name, p.version])).toEqual([
      ['lodash', '4.17.20'],
      ['@types/node', '20.1.0'],
    ]);
    expect(lock.skippedNonRegistry).toBe(2);
  });

  it('v2 aliases carry the real name in `name`; dev flags are kept', () => {
    const lock = parsePackageLock(
      JSON.stringify({
        lockfileVersion: 2,
        packages: {
          '': { name: 'app', version: '1.0.0' },
          'node_modules/alias': { name: 'real', version: '2.0.0', dev: true },
          'node_modules/@scope/pkg': { version: '3.0.0' },
        },
        dependencies: { ignored: { version: '9.9.9' } },
      }),
    );
    expect(lock.packages).toEqual([
      { name: 'real', version: '2.0.0', dev: true, lockPath: 'node_modules/alias' },
      { name: '@scope/pkg', version: '3.0.0', dev: false, lockPath: 'node_modules/@scope/pkg' },
    ]);
  });

  it('installed package.json without a name or version, or not JSON, says nothing', () => {
    expect(parseInstalledPackageJson('{"type":"module"}')).toBeUndefined();
    expect(parseInstalledPackageJson('{"name":"x"}')).toBeUndefined();
    expect(parseInstalledPackageJson('not json')).toBeUndefined();
    expect(parseInstalledPackageJson('{"name":"x","version":"1.0.0","private":true}')).toEqual({
      name: 'x',
      version: '1.0.0',
      dev: false,
    });
  });

  it('a lockfile that is not JSON throws', () => {
    expect(() => parsePackageLock('{')).toThrow();
  });
});
