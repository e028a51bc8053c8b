import { readFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import type { WorkerRun } from '../../jobs/worker-pool.js';
import { analyzeLayerFile, type AnalyzeLayerInput, type AnalyzeLayerProgress } from '../layers/analyze-worker.js';
import type { LayerAnalysis } from '../layers/layer-types.js';
import { workerModuleUrl } from '../layers/worker-module.js';

/**
 * The scan worker thread: lowers its own CPU priority, then analyses one layer file. On Linux
 * `setpriority(PRIO_PROCESS, 0, n)` applies to the calling thread only (threads are tasks with their
 * own nice value), so this worker runs below the event loop that serves pulls. Known limit: gzip
 * inflation through Node's zlib streams runs on libuv's shared thread pool, whose threads keep the
 * process's priority.
 */
export interface ScanWorkerInput extends AnalyzeLayerInput {
  niceness: number;
}

export interface ScanWorkerResult {
  analysis: LayerAnalysis;
  /** The nice value the worker thread ran with, read back from the kernel (Linux), else null. */
  threadNice: number | null;
}

export async function analyzeLayerNice(
  input: ScanWorkerInput,
  report?: (progress: AnalyzeLayerProgress) => void,
): Promise<ScanWorkerResult> {
  if (input.niceness > 0) {
    try {
      setPriority(Math.min(19, Math.floor(input.niceness)));
    } catch {
      // Not permitted (some containers): analyse at normal priority rather than not at all.
    }
  }
  const threadNice = readThreadNice();
  const analysis = await analyzeLayerFile(
    { path: input.path, ...(input.options ? { options: input.options } : {}) },
    report,
  );
  return { analysis, threadNice };
}

/** Field 19 of `/proc/thread-self/stat` is the calling thread's nice value (Linux only). */
export function readThreadNice(): number | null {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count fields after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const nice = Number(fields[16]);
    return Number.isFinite(nice) ? nice : null;
  } catch {
    return null;
  }
}

export function scanWorkerRun(input: ScanWorkerInput): WorkerRun<ScanWorkerInput> {
  return {
    module: workerModuleUrl(new URL('./scan-worker.js', import.meta.url), ['analyzeLayerNice']),
    exportName: 'analyzeLayerNice',
    input,
  };
}
