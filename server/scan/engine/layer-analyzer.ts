import { createReadStream } from 'node:fs';
import type { WorkerRun } from '../../jobs/worker-pool.js';
import type { BlobStore } from '../../storage/blob-store.js';
import { analyzeLayer, LAYER_ANALYZER_VERSION } from '../layers/analyze-layer.js';
import type { LayerAnalysis } from '../layers/layer-types.js';
import type { ScanRepo } from './scan-repo-types.js';
import { scanWorkerRun, type ScanWorkerInput, type ScanWorkerResult } from './scan-worker.js';

/**
 * Compressed layers up to this size are analysed on the main thread: starting a worker thread costs
 * more (about 250 ms on a loaded 2-CPU machine, measured in scan-all) than reading a layer this small,
 * and the detectors' per-file caps still bound what is read from it.
 */
export const IN_PROCESS_MAX_BYTES = 256 * 1024;

export interface LayerRef {
  digest: string;
  size: number;
  /**
   * A file holding the blob outside Berth's storage (a layer Berth's scanner adapter pulled from a
   * Harbor, its digest verified while it was written). The result is cached by digest all the same.
   */
  path?: string;
}

export interface AnalyzeOptions {
  signal: AbortSignal;
  niceness: number;
  /** The task's worker runner (its heap limit, terminated when the task stops); in-process when absent. */
  runInWorker?: <I, O>(run: WorkerRun<I>) => Promise<O>;
}

export type LayerOutcome =
  | { kind: 'cache'; analysis: LayerAnalysis }
  | { kind: 'analysed'; analysis: LayerAnalysis; ms: number; threadNice: number | null }
  | { kind: 'shared'; analysis: LayerAnalysis };

/**
 * Layer results by digest: the stored cache first, else one analysis however many scans ask for the
 * layer at once (an in-process promise per digest), stored before it is handed out. A layer shared
 * by 200 images is read once. If the scan doing the work is stopped, the others waiting on it try
 * again themselves.
 */
export class LayerAnalyzer {
  readonly #inflight = new Map<string, Promise<{ analysis: LayerAnalysis; ms: number; threadNice: number | null }>>();
  /** Layer blobs opened for analysis since start (tests count them; the cache and sharing avoid reads). */
  reads = 0;

  constructor(
    private readonly repo: ScanRepo,
    private readonly blobs: BlobStore,
    readonly analyzerVersion: number = LAYER_ANALYZER_VERSION,
  ) {}

  async analyze(layer: LayerRef, options: AnalyzeOptions): Promise<LayerOutcome> {
    for (;;) {
      options.signal.throwIfAborted();
      const cached = await this.repo.getLayer(layer.digest, this.analyzerVersion);
      if (cached) return { kind: 'cache', analysis: cached };
      const running = this.#inflight.get(layer.digest);
      if (running) {
        try {
          const done = await abortable(running, options.signal);
          return { kind: 'shared', analysis: done.analysis };
        } catch (err) {
          if (options.signal.aborted) throw err;
          // The scan that was analysing it stopped or failed: take it over (the loop re-checks the cache).
          continue;
        }
      }
      const work = this.#run(layer, options);
      this.#inflight.set(layer.digest, work);
      try {
        const done = await work;
        return { kind: 'analysed', ...done };
      } finally {
        if (this.#inflight.get(layer.digest) === work) this.#inflight.delete(layer.digest);
      }
    }
  }

  async #run(
    layer: LayerRef,
    options: AnalyzeOptions,
  ): Promise<{ analysis: LayerAnalysis; ms: number; threadNice: number | null }> {
    const started = performance.now();
    const path = layer.path ?? this.blobs.localPath(layer.digest);
    this.reads++;
    let result: ScanWorkerResult;
    if (path && options.runInWorker && layer.size > IN_PROCESS_MAX_BYTES) {
      result = await options.runInWorker<ScanWorkerInput, ScanWorkerResult>(
        scanWorkerRun({ path, niceness: options.niceness }),
      );
    } else {
      // A small layer (or one with no local file: the memory driver) is analysed here, streaming either way.
      const stream = layer.path ? createReadStream(layer.path) : await this.blobs.open(layer.digest);
      try {
        result = { analysis: await analyzeLayer(stream, { signal: options.signal }), threadNice: null };
      } finally {
        stream.destroy();
      }
    }
    await this.repo.putLayer(layer.digest, this.analyzerVersion, result.analysis);
    return { analysis: result.analysis, ms: Math.round(performance.now() - started), threadNice: result.threadNice };
  }
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e as Error);
      },
    );
  });
}
