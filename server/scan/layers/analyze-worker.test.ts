import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gzipLayer, zstdLayer } from '../../../test/fixtures/scan/layer-builder.js';
import { runInWorker } from '../../jobs/worker-pool.js';
import { analyzeLayer } from './analyze-layer.js';
import { analyzeLayerFile, analyzeLayerRun } from './analyze-worker.js';
import type { LayerAnalysis } from './layer-types.js';

const fixture = (path: string) => readFileSync(new URL(`../../../test/fixtures/${path}`, import.meta.url));

describe('layer analysis in a worker thread (ctx.runInWorker)', () => {
  let dir: string;
  let gzPath: string;
  let zstPath: string;
  const entries = [
    { path: 'etc/os-release', data: fixture('pkgdb/os-release-debian-12.txt') },
    { path: 'var/lib/dpkg/status', data: fixture('pkgdb/dpkg-status-debian12.txt') },
    // better-sqlite3 is a native addon: it must load inside the worker too.
    { path: 'var/lib/rpm/rpmdb.sqlite', data: fixture('scan/rpm/rpmdb.sqlite') },
  ];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'berth-worker-layer-'));
    gzPath = join(dir, 'layer.tar.gz');
    zstPath = join(dir, 'layer.tar.zst');
    writeFileSync(gzPath, gzipLayer(entries));
    writeFileSync(zstPath, zstdLayer(entries));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs from the TypeScript sources under test (a bootstrap module compiles them in the worker)', () => {
    const run = analyzeLayerRun({ path: gzPath });
    // Built, this is dist/server/scan/layers/analyze-worker.js itself.
    expect(run.module.protocol).toBe('data:');
    expect(run.exportName).toBe('analyzeLayerFile');
  });

  it('returns what the same analysis in this thread returns, for gzip and zstd layers', async () => {
    for (const path of [gzPath, zstPath]) {
      const inWorker = await runInWorker<unknown, LayerAnalysis>(analyzeLayerRun({ path }), {
        signal: new AbortController().signal,
        memoryMb: 128,
      });
      const here = await analyzeLayerFile({ path });
      expect(inWorker).toEqual(here);
      expect(inWorker.files.find((f) => f.detector === 'rpm')!.packages).toHaveLength(3);
      expect(inWorker.files.find((f) => f.detector === 'dpkg')!.packages).toHaveLength(34);
    }
  });

  it('reads the file it is given in the same way analyzeLayer reads a stream', async () => {
    async function* whole(): AsyncGenerator<Uint8Array> {
      yield readFileSync(gzPath);
    }
    expect(await analyzeLayerFile({ path: gzPath })).toEqual(await analyzeLayer(whole()));
  });

  it('an aborted task stops its worker', async () => {
    const controller = new AbortController();
    const running = runInWorker(analyzeLayerRun({ path: gzPath }), { signal: controller.signal, memoryMb: 128 });
    controller.abort(new Error('scan stopped'));
    await expect(running).rejects.toThrow('scan stopped');
  });

  it('a missing layer file is an error the task sees', async () => {
    await expect(
      runInWorker(analyzeLayerRun({ path: join(dir, 'missing') }), {
        signal: new AbortController().signal,
        memoryMb: 128,
      }),
    ).rejects.toThrow(/ENOENT/);
  });
});
