import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { runInWorker, WorkerMemoryExceeded } from './worker-pool.js';

const MODULE = new URL('../../test/fixtures/workers/work.mjs', import.meta.url);

describe('runInWorker', () => {
  it('runs the export in a worker thread, with progress reports', async () => {
    const reports: unknown[] = [];
    const hex = await runInWorker<{ bytes: number }, string>(
      { module: MODULE, exportName: 'hashGenerated', input: { bytes: 3 * 1024 * 1024 } },
      { signal: new AbortController().signal, memoryMb: 64, onReport: (r) => reports.push(r) },
    );
    const expected = createHash('sha256')
      .update(Buffer.alloc(3 * 1024 * 1024, 7))
      .digest('hex');
    expect(hex).toBe(expected);
    expect(reports).toEqual([1048576, 2097152, 3145728]);
  });

  it('a worker past its memory limit fails the task without retries, and the process survives', async () => {
    await expect(
      runInWorker(
        { module: MODULE, exportName: 'hoard', input: null },
        { signal: new AbortController().signal, memoryMb: 32 },
      ),
    ).rejects.toBeInstanceOf(WorkerMemoryExceeded);
  });

  it('an abort terminates even a worker stuck in a synchronous loop', async () => {
    const controller = new AbortController();
    const running = runInWorker(
      { module: MODULE, exportName: 'spin', input: null },
      { signal: controller.signal, memoryMb: 32 },
    );
    setTimeout(() => controller.abort(new Error('stopped')), 100);
    await expect(running).rejects.toThrow('stopped');
  });
});
