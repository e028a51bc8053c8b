import { createReadStream } from 'node:fs';
import type { WorkerRun } from '../../jobs/worker-pool.js';
import { analyzeLayer, type LayerAnalysisOptions } from './analyze-layer.js';
import type { LayerAnalysis } from './layer-types.js';
import { workerModuleUrl } from './worker-module.js';

/**
 * The worker-thread side of layer analysis, for `ctx.runInWorker` (server/jobs/worker-pool.ts):
 * the worker opens the blob itself by path, so no layer bytes cross the thread boundary, and
 * returns the JSON result. Storage drivers that have no local path hand `analyzeLayer` a stream
 * in-process instead.
 */

/** What the worker is given; structured-cloneable. */
export interface AnalyzeLayerInput {
  /** A file holding the layer blob as stored (the filesystem driver's blob file). */
  path: string;
  /** Limits (functions such as `detectors` and `signal` do not cross threads and are ignored). */
  options?: Omit<LayerAnalysisOptions, 'detectors' | 'signal'>;
}

/** What it reports while running: compressed bytes read so far. */
export interface AnalyzeLayerProgress {
  compressedBytes: number;
}

/** The worker export: `exportName: 'analyzeLayerFile'`. */
export async function analyzeLayerFile(
  input: AnalyzeLayerInput,
  report?: (progress: AnalyzeLayerProgress) => void,
): Promise<LayerAnalysis> {
  // 1 MiB reads: fewer, larger chunks through gunzip and the tar parser than the 64 KiB default.
  const stream = createReadStream(input.path, { highWaterMark: 1024 * 1024 });
  let read = 0;
  let reported = 0;
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      read += chunk.length;
      if (report && read - reported >= 16 * 1024 * 1024) {
        reported = read;
        report({ compressedBytes: read });
      }
      yield chunk;
    }
  }
  try {
    return await analyzeLayer(counted(), input.options ?? {});
  } finally {
    stream.destroy();
  }
}

/** A `WorkerRun` that analyses the layer blob at `path` in a worker thread. */
export function analyzeLayerRun(input: AnalyzeLayerInput): WorkerRun<AnalyzeLayerInput> {
  return {
    module: workerModuleUrl(new URL('./analyze-worker.js', import.meta.url)),
    exportName: 'analyzeLayerFile',
    input,
  };
}
