import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Old blob files with no metadata in a filesystem data dir, as a crash between a blob's write and
 * its record would leave them: real work for a GC (it walks and deletes every one), so a run lasts
 * long enough for a person to stop it. The same recipe as test/e2e/jobs-crash.test.ts.
 */
export async function writeOrphanBlobs(dataDir: string, count: number): Promise<void> {
  const root = join(dataDir, 'storage', 'blobs', 'sha256');
  const old = new Date(Date.now() - 7 * 24 * 3600_000);
  const writeOne = async () => {
    const bytes = randomBytes(32);
    const hex = createHash('sha256').update(bytes).digest('hex');
    const dir = join(root, hex.slice(0, 2), hex);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'data'), bytes);
    await utimes(join(dir, 'data'), old, old);
  };
  // A few files in flight: the disk, not the event loop, sets the pace.
  const inFlight = 16;
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < count) {
        next++;
        await writeOne();
      }
    }),
  );
}

/** How many blob files the data dir's blob store holds (orphans or not). */
export async function countBlobFiles(dataDir: string): Promise<number> {
  const root = join(dataDir, 'storage', 'blobs', 'sha256');
  let count = 0;
  for (const fan of await readdir(root)) count += (await readdir(join(root, fan))).length;
  return count;
}
