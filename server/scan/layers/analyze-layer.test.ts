import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildGoElf } from '../../../test/fixtures/scan/go-elf.js';
import {
  gzipLayer,
  layerTar,
  opaque,
  whiteout,
  zstdLayer,
  type LayerEntry,
} from '../../../test/fixtures/scan/layer-builder.js';
import { createZip } from '../../../test/fixtures/scan/zip-builder.js';
import { analyzeLayer, LayerTooLarge, normalizePath, type LayerAnalysisOptions } from './analyze-layer.js';
import type { LayerAnalysis, LayerFile } from './layer-types.js';

const fixture = (path: string) => readFileSync(new URL(`../../../test/fixtures/${path}`, import.meta.url));

async function* chunked(data: Buffer, size = 64 * 1024): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < data.length; at += size) yield data.subarray(at, at + size);
}

const analyze = (blob: Buffer, options: LayerAnalysisOptions = {}) => analyzeLayer(chunked(blob), options);
const byPath = (result: LayerAnalysis) => new Map(result.files.map((f) => [f.path, f]));
const names = (file: LayerFile | undefined) => (file?.packages ?? []).map((p) => `${p.name}@${p.version}`);

const GO_MOD = 'path\texample.com/tool\nmod\texample.com/tool\tv0.3.1\th1:x=\ndep\tgolang.org/x/text\tv0.3.7\th1:y=\n';
const goBinary = buildGoElf({ goVersion: 'go1.22.1', modInfo: GO_MOD, format: 'inline', textPadding: 40_000 });
const appJar = createZip([
  { name: 'META-INF/MANIFEST.MF', data: 'Manifest-Version: 1.0\n' },
  { name: 'BOOT-INF/lib/slf4j-nop-1.7.36.jar', data: fixture('scan/java/slf4j-nop-1.7.36.jar'), method: 'store' },
]);

/** A Debian 12 layer with something for every detector, and things no detector may take. */
const richLayer: LayerEntry[] = [
  { path: 'etc/', type: 'dir' },
  { path: 'usr/lib/os-release', data: fixture('pkgdb/os-release-debian-12.txt') },
  { path: 'etc/os-release', type: 'symlink', linkTarget: '../usr/lib/os-release' },
  { path: 'etc/debian_version', data: '12.11\n' },
  { path: 'var/lib/dpkg/status', data: fixture('pkgdb/dpkg-status-debian12.txt') },
  { path: 'var/lib/rpm/rpmdb.sqlite', data: fixture('scan/rpm/rpmdb.sqlite') },
  { path: 'srv/app/package-lock.json', data: fixture('scan/npm/package-lock_v3_with_workspace.json.txt') },
  { path: 'srv/app/node_modules/ms/package.json', data: '{"name":"ms","version":"2.0.0"}' },
  { path: 'srv/app/node_modules/ms/lib/package.json', data: '{"type":"module"}' },
  { path: 'srv/app/node_modules/@babel/core/package.json', data: '{"name":"@babel/core","version":"7.24.0"}' },
  {
    path: 'usr/lib/python3/dist-packages/PyYAML-6.0.dist-info/METADATA',
    data: fixture('scan/python/PyYAML-6.0.dist-info.METADATA'),
  },
  {
    path: 'usr/lib/python3/dist-packages/pycairo-1.20.1.egg-info',
    data: fixture('scan/python/pycairo-1.20.1.egg-info'),
  },
  { path: 'var/lib/gems/3.1.0/specifications/rake-13.3.1.gemspec', data: fixture('scan/ruby/rake-13.3.1.gemspec') },
  { path: 'src/tool/Cargo.lock', data: fixture('scan/cargo/cargo_v3.lock') },
  { path: 'opt/app/app.jar', data: appJar },
  { path: 'usr/local/bin/tool', data: goBinary, mode: 0o755 },
  { path: 'usr/local/bin/tool-again', type: 'hardlink', linkTarget: 'usr/local/bin/tool' },
  // Named and moded like a binary, but a script: the ELF check drops it without reading further.
  { path: 'usr/local/bin/run', data: `#!/bin/sh\n${'echo padding\n'.repeat(5000)}`, mode: 0o755 },
  // A Go binary without the execute bit is not looked at (binaries are found by mode).
  { path: 'usr/share/doc/tool.elf', data: goBinary, mode: 0o644 },
  { path: 'usr/share/doc/readme.txt', data: 'not for any detector' },
];

describe('analyzeLayer', () => {
  const tempDirs: string[] = [];
  afterAll(() => {
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  });

  it('reads every detector’s files from a gzip layer and nothing else', async () => {
    const result = await analyze(gzipLayer(richLayer));
    expect(result.compression).toBe('gzip');
    expect(result.truncated).toBe(false);
    const files = byPath(result);
    expect([...files.keys()].sort()).toEqual(
      [
        'etc/debian_version',
        'etc/os-release',
        'opt/app/app.jar',
        'srv/app/node_modules/@babel/core/package.json',
        'srv/app/node_modules/ms/package.json',
        'srv/app/package-lock.json',
        'src/tool/Cargo.lock',
        'usr/lib/os-release',
        'usr/lib/python3/dist-packages/PyYAML-6.0.dist-info/METADATA',
        'usr/lib/python3/dist-packages/pycairo-1.20.1.egg-info',
        'usr/local/bin/tool',
        'usr/local/bin/tool-again',
        'var/lib/dpkg/status',
        'var/lib/gems/3.1.0/specifications/rake-13.3.1.gemspec',
        'var/lib/rpm/rpmdb.sqlite',
      ].sort(),
    );
    expect(files.get('etc/os-release')).toEqual({
      path: 'etc/os-release',
      detector: 'os-release',
      outcome: 'symlink',
      size: 0,
      linkTarget: '../usr/lib/os-release',
    });
    expect(files.get('usr/lib/os-release')!.release).toEqual({
      kind: 'os-release',
      text: fixture('pkgdb/os-release-debian-12.txt').toString(),
    });
    const dpkg = files.get('var/lib/dpkg/status')!;
    expect(dpkg.packages).toHaveLength(34);
    expect(dpkg.packages!.find((p) => p.name === 'libc6')).toEqual({
      kind: 'dpkg',
      name: 'libc6',
      version: '2.36-9+deb12u14',
      sourceName: 'glibc',
      sourceVersion: '2.36-9+deb12u14',
      arch: 'amd64',
      path: 'var/lib/dpkg/status',
    });
    expect(names(files.get('var/lib/rpm/rpmdb.sqlite'))).toEqual([
      'berth-fixture-doc@2:1.2.3-4.el9',
      'berth-fixture@2:1.2.3-4.el9',
      'berth-data@2024a-1',
    ]);
    expect(names(files.get('srv/app/package-lock.json'))).toEqual([
      'debug@2.6.9',
      'debug@2.5.2',
      'ms@0.7.2',
      'ms@2.0.0',
    ]);
    expect(names(files.get('srv/app/node_modules/@babel/core/package.json'))).toEqual(['@babel/core@7.24.0']);
    expect(names(files.get('usr/lib/python3/dist-packages/pycairo-1.20.1.egg-info'))).toEqual(['pycairo@1.20.1']);
    expect(names(files.get('var/lib/gems/3.1.0/specifications/rake-13.3.1.gemspec'))).toEqual(['rake@13.3.1']);
    expect(names(files.get('src/tool/Cargo.lock'))).toHaveLength(9);
    expect(files.get('opt/app/app.jar')!.packages).toEqual([
      {
        kind: 'java',
        name: 'org.slf4j:slf4j-nop',
        version: '1.7.36',
        path: 'opt/app/app.jar!/BOOT-INF/lib/slf4j-nop-1.7.36.jar',
      },
    ]);
    expect(files.get('usr/local/bin/tool')!.packages).toEqual([
      { kind: 'go', name: 'stdlib', version: '1.22.1', path: 'usr/local/bin/tool' },
      { kind: 'go', name: 'example.com/tool', version: 'v0.3.1', path: 'usr/local/bin/tool' },
      { kind: 'go', name: 'golang.org/x/text', version: 'v0.3.7', path: 'usr/local/bin/tool' },
    ]);
    // The hard link reports the same binary under its own name.
    expect(names(files.get('usr/local/bin/tool-again'))).toEqual(names(files.get('usr/local/bin/tool')));
    expect(files.get('usr/local/bin/tool-again')!.packages![0]!.path).toBe('usr/local/bin/tool-again');
    // The script was dropped at its first bytes: only files a detector read count as read.
    const read = result.files.filter((f) => f.outcome === 'parsed' && f.path !== 'usr/local/bin/tool-again');
    expect(result.readBytes).toBe(read.reduce((n, f) => n + f.size, 0));
  });

  it('finds the same in the zstd-compressed layer (`zstd -3`) and in the uncompressed tar', async () => {
    const gz = await analyze(gzipLayer(richLayer));
    const zst = await analyze(zstdLayer(richLayer), { zstdImplementation: 'fzstd' });
    const plain = await analyze(layerTar(richLayer));
    expect(zst.compression).toBe('zstd');
    expect(plain.compression).toBe('none');
    expect(zst.files).toEqual(gz.files);
    expect(plain.files).toEqual(gz.files);
    expect(zst.tarBytes).toBe(gz.tarBytes);
  });

  it('gives the same answers when large files go through temporary files, and leaves none behind', async () => {
    const tempDir = mkdtempSync(join(tmpdir(), 'berth-spool-test-'));
    tempDirs.push(tempDir);
    const inMemory = await analyze(gzipLayer(richLayer));
    const spooled = await analyze(gzipLayer(richLayer), { spoolAboveBytes: 1024, tempDir });
    expect(spooled.files).toEqual(inMemory.files);
    expect(readdirSync(tempDir)).toEqual([]);
  });

  it('records a file over its detector’s limit as too large, without reading it', async () => {
    const result = await analyze(gzipLayer(richLayer), { maxBytes: { dpkg: 1000, 'go-binary': 1000 } });
    const files = byPath(result);
    expect(files.get('var/lib/dpkg/status')).toEqual({
      path: 'var/lib/dpkg/status',
      detector: 'dpkg',
      outcome: 'too-large',
      size: fixture('pkgdb/dpkg-status-debian12.txt').length,
    });
    expect(files.get('usr/local/bin/tool')).toMatchObject({ outcome: 'too-large', size: goBinary.length });
    // The hard link to a file that was not read says so instead of inheriting a result.
    expect(files.get('usr/local/bin/tool-again')).toMatchObject({ outcome: 'too-large' });
  });

  it('stops reading matched files when the layer budget is spent, and says the result is incomplete', async () => {
    const result = await analyze(gzipLayer(richLayer), { maxReadBytes: 100_000 });
    expect(result.truncated).toBe(true);
    const over = result.files.filter((f) => f.outcome === 'over-layer-budget').map((f) => f.path);
    expect(over.length).toBeGreaterThan(0);
    expect(result.readBytes).toBeLessThanOrEqual(100_000);
  });

  it('records whiteouts and opaque directories, and never reads them as files', async () => {
    const result = await analyze(
      gzipLayer([
        whiteout('srv/app/node_modules/ms'),
        opaque('usr/lib/python3/dist-packages'),
        whiteout('var/lib/rpm/rpmdb.sqlite'),
        { path: '.wh..wh.plnk/123.456', data: 'aufs bookkeeping' },
        opaque('.'),
      ]),
    );
    expect(result.whiteouts).toEqual(['srv/app/node_modules/ms', 'var/lib/rpm/rpmdb.sqlite']);
    expect(result.opaqueDirs).toEqual(['usr/lib/python3/dist-packages', '']);
    expect(result.files).toEqual([]);
  });

  it('keeps the last member for a path, as extracting the tar would', async () => {
    const result = await analyze(
      gzipLayer([
        { path: 'etc/alpine-release', data: '3.18.0\n' },
        { path: 'etc/alpine-release', data: '3.19.1\n' },
      ]),
    );
    expect(result.files).toMatchObject([{ path: 'etc/alpine-release', release: { text: '3.19.1\n' } }]);
  });

  it('records a file a detector cannot parse as an error and goes on', async () => {
    const result = await analyze(
      gzipLayer([
        { path: 'app/package-lock.json', data: '{ not json' },
        { path: 'lib/apk/db/installed', data: fixture('pkgdb/apk-installed.txt') },
      ]),
    );
    const files = byPath(result);
    expect(files.get('app/package-lock.json')).toMatchObject({ outcome: 'error', detector: 'npm-lock' });
    expect(files.get('lib/apk/db/installed')!.packages).toHaveLength(15);
    expect(files.get('lib/apk/db/installed')!.message).toBe('1 incomplete');
  });

  it('ignores members that climb out of the root', async () => {
    const tar = layerTar([{ path: 'x' }]);
    // Rewrite the name to `../etc/os-release` in place (same length as `x` padded) and fix the checksum.
    const header = Buffer.from(tar);
    header.fill(0, 0, 100);
    header.write('../etc/os-release', 0);
    header.fill(0x20, 148, 156);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += header[i]!;
    header.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'ascii');
    const result = await analyze(header);
    expect(result.entries).toBe(1);
    expect(result.files).toEqual([]);
    expect(normalizePath('./a//b/./c/')).toBe('a/b/c');
    expect(normalizePath('a/../../b')).toBeUndefined();
  });

  it('refuses a layer that unpacks past the size limit, and stops when aborted', async () => {
    const blob = gzipLayer(richLayer);
    await expect(analyze(blob, { maxTarBytes: 64 * 1024 })).rejects.toThrow(LayerTooLarge);
    const controller = new AbortController();
    controller.abort(new Error('stopped by the user'));
    await expect(analyze(blob, { signal: controller.signal })).rejects.toThrow('stopped by the user');
  });

  it('the result survives a JSON round trip unchanged (it is cached and crosses threads)', async () => {
    const result = await analyze(gzipLayer(richLayer));
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
    expect(structuredClone(result)).toEqual(result);
  });
});
