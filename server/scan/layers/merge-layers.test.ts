import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { gzipLayer, opaque, whiteout, zstdLayer, type LayerEntry } from '../../../test/fixtures/scan/layer-builder.js';
import { parseDpkgStatus } from '../detect/dpkg-status.js';
import { analyzeLayer, type LayerAnalysisOptions } from './analyze-layer.js';
import { mergeLayers } from './merge-layers.js';

const fixture = (path: string) => readFileSync(new URL(`../../../test/fixtures/${path}`, import.meta.url));

async function* once(data: Buffer): AsyncGenerator<Uint8Array> {
  yield data;
}

/** Analyses each layer on its own (as the cache by digest will) and merges the results. */
async function image(...layers: Buffer[]) {
  return imageWith({}, ...layers);
}

async function imageWith(options: LayerAnalysisOptions, ...layers: Buffer[]) {
  const results = [];
  for (const layer of layers)
    results.push(await analyzeLayer(once(layer), { zstdImplementation: 'fzstd', ...options }));
  return mergeLayers(results);
}

const debianStatus = fixture('pkgdb/dpkg-status-debian12.txt').toString();
const pkg = (name: string, version: string) => `{"name":"${name}","version":"${version}"}`;

const base: LayerEntry[] = [
  { path: 'usr/lib/os-release', data: fixture('pkgdb/os-release-debian-12.txt') },
  { path: 'etc/os-release', type: 'symlink', linkTarget: '../usr/lib/os-release' },
  { path: 'var/lib/dpkg/status', data: debianStatus },
  { path: 'var/lib/rpm/rpmdb.sqlite', data: fixture('scan/rpm/rpmdb.sqlite') },
  { path: 'app/node_modules/lodash/package.json', data: pkg('lodash', '4.17.15') },
  { path: 'app/node_modules/minimist/package.json', data: pkg('minimist', '1.2.5') },
  { path: 'app/package-lock.json', data: fixture('scan/npm/package-lock_v3_with_workspace.json.txt') },
  {
    path: 'usr/lib/python3/dist-packages/PyJWT-2.6.0.egg-info/PKG-INFO',
    data: fixture('scan/python/PyJWT-2.6.0.egg-info.PKG-INFO'),
  },
];

describe('mergeLayers: the final filesystem decides what is reported', () => {
  it('one layer: every package with its OSV ecosystem, the OS found through the os-release symlink', async () => {
    const inventory = await image(gzipLayer(base));
    expect(inventory.os).toEqual({ family: 'debian', version: '12', ecosystem: 'Debian:12' });
    expect(inventory.incomplete).toBe(false);
    const ecosystems = new Map<string, number>();
    for (const p of inventory.packages) ecosystems.set(p.ecosystem, (ecosystems.get(p.ecosystem) ?? 0) + 1);
    // rpm packages on a Debian image: no Red Hat release to file them under, so the bare family.
    expect(Object.fromEntries(ecosystems)).toEqual({ 'Debian:12': 34, 'Red Hat': 3, npm: 6, PyPI: 1 });
    expect(inventory.packages.find((p) => p.name === 'bash')).toMatchObject({
      kind: 'dpkg',
      version: '5.2.15-2+b8',
      sourceName: 'bash',
      sourceVersion: '5.2.15-2',
      ecosystem: 'Debian:12',
      layer: 0,
      path: 'var/lib/dpkg/status',
    });
  });

  it('a package database replaced in a later layer reports only the later packages', async () => {
    // `apt-get purge bash` in layer 2 rewrites the whole status file.
    const withoutBash = debianStatus
      .split(/\n(?=Package: )/)
      .filter((stanza) => !stanza.startsWith('Package: bash\n'))
      .join('\n');
    expect(parseDpkgStatus(withoutBash)).toHaveLength(33);
    const inventory = await image(gzipLayer(base), gzipLayer([{ path: 'var/lib/dpkg/status', data: withoutBash }]));
    const dpkg = inventory.packages.filter((p) => p.kind === 'dpkg');
    expect(dpkg).toHaveLength(33);
    expect(dpkg.some((p) => p.name === 'bash')).toBe(false);
    expect(new Set(dpkg.map((p) => p.layer))).toEqual(new Set([1]));
  });

  it('a whiteout deletes a file and everything under a directory; the deleted packages are gone', async () => {
    const inventory = await image(
      gzipLayer(base),
      zstdLayer([
        whiteout('var/lib/rpm/rpmdb.sqlite'),
        whiteout('app/node_modules/lodash'),
        whiteout('usr/lib/python3/dist-packages/PyJWT-2.6.0.egg-info'),
      ]),
    );
    expect(inventory.packages.filter((p) => p.kind === 'rpm')).toEqual([]);
    expect(inventory.packages.filter((p) => p.kind === 'python')).toEqual([]);
    const npm = inventory.packages.filter((p) => p.path.startsWith('app/node_modules/')).map((p) => p.name);
    expect(npm).toEqual(['minimist']);
  });

  it('an opaque directory hides what lower layers had there, and keeps what its own layer puts there', async () => {
    const inventory = await image(
      gzipLayer(base),
      gzipLayer([opaque('app'), { path: 'app/node_modules/lodash/package.json', data: pkg('lodash', '4.17.21') }]),
    );
    const app = inventory.packages.filter((p) => p.path.startsWith('app/'));
    expect(app.map((p) => `${p.name}@${p.version}@${p.layer}`)).toEqual(['lodash@4.17.21@1']);
    // Outside the opaque directory nothing changed.
    expect(inventory.packages.filter((p) => p.kind === 'dpkg')).toHaveLength(34);
  });

  it('a whiteout applies to lower layers only: the same layer may recreate the path', async () => {
    const inventory = await image(
      gzipLayer(base),
      gzipLayer([
        whiteout('app/node_modules/lodash'),
        { path: 'app/node_modules/lodash/package.json', data: pkg('lodash', '4.17.21') },
      ]),
    );
    expect(inventory.packages.filter((p) => p.name === 'lodash').map((p) => p.version)).toEqual(['4.17.21']);
  });

  it('a file replaced by a symlink is gone; deleting os-release falls back to debian_version', async () => {
    const inventory = await image(
      gzipLayer([...base, { path: 'etc/debian_version', data: '12.11\n' }]),
      gzipLayer([
        { path: 'app/package-lock.json', type: 'symlink', linkTarget: '/dev/null' },
        whiteout('usr/lib/os-release'),
      ]),
    );
    expect(inventory.packages.some((p) => p.path === 'app/package-lock.json')).toBe(false);
    // The /etc/os-release symlink now dangles; debian_version says 12.11.
    expect(inventory.os).toEqual({ family: 'debian', version: '12.11', ecosystem: 'Debian:12' });
  });

  it('files the OS packages under the release of the final image (Ubuntu on top of a Debian-built layer)', async () => {
    const ubuntu = 'NAME="Ubuntu"\nVERSION_ID="22.04"\nID=ubuntu\nID_LIKE=debian\n';
    const inventory = await image(gzipLayer(base), gzipLayer([{ path: 'usr/lib/os-release', data: ubuntu }]));
    expect(inventory.os).toMatchObject({ ecosystem: 'Ubuntu:22.04' });
    expect(new Set(inventory.packages.filter((p) => p.kind === 'dpkg').map((p) => p.ecosystem))).toEqual(
      new Set(['Ubuntu:22.04']),
    );
  });

  it('Alpine: apk packages under Alpine:v3.15 from the real os-release and installed database', async () => {
    const inventory = await image(
      gzipLayer([
        { path: 'etc/os-release', data: fixture('pkgdb/os-release-alpine.txt') },
        { path: 'lib/apk/db/installed', data: fixture('pkgdb/apk-installed.txt') },
      ]),
    );
    expect(inventory.os).toMatchObject({ family: 'alpine', ecosystem: 'Alpine:v3.15' });
    expect(inventory.packages.find((p) => p.name === 'musl')).toMatchObject({
      kind: 'apk',
      version: '1.1.14-r10',
      sourceName: 'musl',
      ecosystem: 'Alpine:v3.15',
    });
  });

  it('says the inventory is incomplete when a surviving file was not read, and complete once it is deleted', async () => {
    const limits = { maxBytes: { 'npm-lock': 4096 } };
    const big = gzipLayer([
      { path: 'app/package-lock.json', data: `{"lockfileVersion":3,"packages":{}${' '.repeat(8192)}}` },
    ]);
    const withBig = await imageWith(limits, gzipLayer(base), big);
    expect(withBig.incomplete).toBe(true);
    expect(withBig.files.find((f) => f.path === 'app/package-lock.json')).toMatchObject({
      outcome: 'too-large',
      layer: 1,
    });
    const deletedAgain = await imageWith(limits, gzipLayer(base), big, gzipLayer([whiteout('app/package-lock.json')]));
    expect(deletedAgain.incomplete).toBe(false);
  });
});
