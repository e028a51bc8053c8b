import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Temporary directories for one test file. Set BERTH_TEST_KEEP_TMP=1 to keep them after the run
 * (their paths are printed) when a failure needs a look at the registry's data dir or client state.
 */
export async function makeTempDir(label: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `berth-test-${label.replace(/[^a-zA-Z0-9_-]/g, '-')}-`));
}

export async function removeTempDir(dir: string): Promise<void> {
  if (process.env.BERTH_TEST_KEEP_TMP === '1') {
    console.info(`[berth-test] keeping ${dir}`);
    return;
  }
  // Retries cover files that a just-killed child process was still closing.
  await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
}

/** Collects temp dirs so one afterAll can remove them all. */
export class TempDirs {
  private readonly dirs: string[] = [];

  async make(label: string): Promise<string> {
    const dir = await makeTempDir(label);
    this.dirs.push(dir);
    return dir;
  }

  async cleanup(): Promise<void> {
    const dirs = this.dirs.splice(0);
    await Promise.all(dirs.map(removeTempDir));
  }
}
