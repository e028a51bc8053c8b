import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLayer } from '../../../test/fixtures/image-builder.js';
import type { ImagePackage, LayerFileRef } from '../scan-contract.js';
import { createFileImageScanner } from './file-image-scanner.js';

/** Layer files → packages in worker threads, matched; a layer over the size limit is left unread. */

let dir: string;
const base = buildLayer([
  { path: 'etc/os-release', data: 'ID=debian\nVERSION_ID="12"\n' },
  {
    path: 'var/lib/dpkg/status',
    data: 'Package: zlib1g\nStatus: install ok installed\nSource: zlib\nVersion: 1:1.2.13.dfsg-1\nArchitecture: amd64\n\n',
  },
]);
const later = buildLayer([
  {
    path: 'var/lib/dpkg/status.d/tzdata',
    data: 'Package: tzdata\nStatus: install ok installed\nVersion: 2024a-0+deb12u1\nArchitecture: all\n',
  },
]);
let layers: LayerFileRef[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-file-scanner-'));
  layers = [];
  for (const [i, layer] of [base, later].entries()) {
    const path = join(dir, `layer-${i}`);
    await writeFile(path, layer.data);
    layers.push({ digest: layer.digest, path, size: layer.size });
  }
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function scanner(maxLayerBytes: number, seen: ImagePackage[][]) {
  return createFileImageScanner({
    identity: { name: 'Berth', vendor: 'Berth', version: '1.1.0' },
    limits: async () => ({ memoryMb: 128, maxLayerBytes }),
    vulndb: {
      match: async (packages) => {
        seen.push([...packages]);
        return [];
      },
    },
  });
}

describe('createFileImageScanner', () => {
  it('analyses every layer file in a worker and matches the merged packages', async () => {
    const seen: ImagePackage[][] = [];
    const result = await scanner(1024 * 1024, seen).scanLayers(layers, new AbortController().signal);
    expect(result.os).toEqual({ family: 'debian', version: '12', ecosystem: 'Debian:12' });
    expect(result.packages.map((p) => [p.name, p.version, p.ecosystem, p.layer])).toEqual([
      ['zlib1g', '1:1.2.13.dfsg-1', 'Debian:12', 0],
      ['tzdata', '2024a-0+deb12u1', 'Debian:12', 1],
    ]);
    expect(result.incomplete).toBe(false);
    expect(seen).toEqual([result.packages]);
  });

  it('leaves a layer over the size limit unread and says the result is incomplete', async () => {
    const limit = Math.max(base.size, later.size) - 1;
    const small = base.size <= limit ? 'base' : 'later';
    const result = await scanner(limit, []).scanLayers(layers, new AbortController().signal);
    expect(result.incomplete).toBe(true);
    expect(result.packages.map((p) => p.name)).toEqual(small === 'base' ? ['zlib1g'] : ['tzdata']);
  });

  it('stops when the signal is aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stopped'));
    await expect(scanner(1024 * 1024, []).scanLayers(layers, controller.signal)).rejects.toThrow('stopped');
  });
});
