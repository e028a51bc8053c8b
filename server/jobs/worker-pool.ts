import { Worker } from 'node:worker_threads';
import { PermanentTaskError } from './job-types.js';

/**
 * Runs CPU- or memory-heavy work (decompression, tar walks, hashing stored files) in a worker thread,
 * so the event loop keeps serving pulls, with V8 heap limits so one huge layer cannot take the
 * machine's memory. One worker per call: a task's worker lives as long as the task and is terminated
 * at once when the task's signal aborts (terminate stops even a synchronous loop).
 *
 * The worker imports `module` (a JavaScript ES module URL; in tests, a fixture `.mjs`) and calls its
 * export `exportName(input, report)`; `report(value)` sends progress back. The result must be
 * structured-cloneable.
 */
export interface WorkerRun<I> {
  module: URL;
  exportName: string;
  input: I;
  /** Buffers to move to the worker instead of copying. */
  transfer?: ArrayBuffer[];
}

export interface WorkerLimits {
  signal: AbortSignal;
  /** Old-generation heap limit of the worker (V8 `maxOldGenerationSizeMb`). */
  memoryMb: number;
  /** Receives what the worker passes to `report`. */
  onReport?: (value: unknown) => void;
}

const ENTRY = `
import { parentPort, workerData } from 'node:worker_threads';
const mod = await import(workerData.module);
const fn = mod[workerData.exportName];
if (typeof fn !== 'function') throw new Error('worker module has no export ' + workerData.exportName);
const result = await fn(workerData.input, (value) => parentPort.postMessage({ report: value }));
parentPort.postMessage({ result });
`;

export class WorkerMemoryExceeded extends PermanentTaskError {
  override name = 'WorkerMemoryExceeded';
}

export function runInWorker<I, O>(run: WorkerRun<I>, limits: WorkerLimits): Promise<O> {
  return new Promise<O>((resolve, reject) => {
    if (limits.signal.aborted) {
      reject(limits.signal.reason as Error);
      return;
    }
    const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(ENTRY)}`), {
      workerData: { module: run.module.href, exportName: run.exportName, input: run.input },
      transferList: run.transfer ?? [],
      resourceLimits: {
        maxOldGenerationSizeMb: limits.memoryMb,
        maxYoungGenerationSizeMb: Math.max(4, Math.min(64, Math.floor(limits.memoryMb / 8))),
      },
      stdout: false,
      stderr: false,
    });
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      limits.signal.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = () => {
      finish(() => reject(limits.signal.reason as Error));
      void worker.terminate();
    };
    limits.signal.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (message: { report?: unknown; result?: O }) => {
      if ('result' in message) {
        finish(() => resolve(message.result as O));
        void worker.terminate();
      } else limits.onReport?.(message.report);
    });
    worker.on('error', (err: Error & { code?: string }) => {
      finish(() =>
        reject(
          err.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? new WorkerMemoryExceeded(`the work needed more than its memory limit of ${limits.memoryMb} MiB`)
            : err,
        ),
      );
    });
    worker.on('exit', (code) => {
      finish(() => reject(new Error(`worker exited with code ${code} before answering`)));
    });
  });
}
