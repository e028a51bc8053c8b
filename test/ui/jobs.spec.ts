import { buildStandardImages } from '../fixtures/standard-images.js';
import { test, expect } from './fixtures.js';
import { GcPage } from './pages/gc-page.js';
import { JobsPage } from './pages/jobs-page.js';
import { countBlobFiles, writeOrphanBlobs } from './support/orphan-blobs.js';

// A server of this file's own: the dry run's figures are exact, and the orphan blobs written for
// the long GC stay out of every other file's way.
test.use({ serverName: 'jobs' });

/** Enough orphan blobs that a one-worker GC runs for seconds on a fast disk. */
const ORPHANS = 10_000;

/** Sizes as the portal writes them: binary units, three significant digits. */
function humanBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toPrecision(3)} ${units[unit]}`;
}

test('a GC dry run previews what deleting an image would free, and frees nothing', async ({
  signedIn: _,
  page,
  images,
  adminApi,
}) => {
  // An image pushed and deleted again: its manifest, config and layer are what a GC would free.
  await images.push('busybox', 'library/gc-demo:1');
  await adminApi.call('DELETE', '/projects/library/repositories/gc-demo');
  const busybox = buildStandardImages().busybox;
  const unreferenced = [...busybox.blobs.values()].reduce((sum, b) => sum + b.length, busybox.bytes.length);

  const gc = new GcPage(page);
  const wouldFree = `would free ${humanBytes(unreferenced)}`;
  await gc.open();
  await gc.startDryRun();
  await gc.expectFigure('Space to free', humanBytes(unreferenced));
  await gc.expectFigure('Blobs to delete', String(busybox.blobs.size + 1));
  await expect(gc.history.getByText(wouldFree)).toHaveCount(1);

  // A dry run deletes nothing: a second one, after a reload, finds the same.
  await page.reload();
  await gc.startDryRun();
  await expect(gc.history.getByText(wouldFree)).toHaveCount(2);
  await gc.expectFigure('Space to free', humanBytes(unreferenced));
});

test('a running GC is stopped from the jobs page and shows as Stopped', async ({ signedIn, page, berth, adminApi }) => {
  // Thousands of old blob files without metadata: a GC that walks and deletes each one runs for
  // seconds, long enough to be stopped by hand.
  await writeOrphanBlobs(berth.dataDir, ORPHANS);
  const jobs = new JobsPage(page);
  await jobs.open();
  await signedIn.expectLive();

  // Started by a script (or a schedule): the open page learns of it from the event stream.
  const id = await adminApi.startGc({ workers: 1 });
  const row = jobs.execution(id);
  await expect(row.getByText('Running', { exact: true })).toBeVisible();
  await jobs.stop(id);
  await expect(row.getByText('Stopped', { exact: true })).toBeVisible();
  await expect(row.getByRole('button', { name: 'Stop' })).toHaveCount(0);
  // The server agrees, and the run really was cut short: orphans are left for the next one.
  expect(await adminApi.waitForGc(id)).toBe('Stopped');
  expect(await countBlobFiles(berth.dataDir)).toBeGreaterThan(0);
});
