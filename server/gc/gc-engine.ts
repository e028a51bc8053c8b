import type { Actor, EventBus } from '../core/events.js';
import { forEachLimited } from '../core/concurrency.js';
import { NotFound } from '../core/errors.js';
import type { TaskContext } from '../jobs/job-types.js';
import type { GcBlob } from '../meta/gc-types.js';
import type { MetaStore } from '../meta/meta-store.js';
import { formatBytes } from '../meta/sqlite/project-usage.js';
import type { BlobStore } from '../storage/blob-store.js';

/**
 * Online mark and sweep (Harbor's GC without its read-only mode). Pushes and pulls go on while it
 * runs; the blob state machine in `meta/gc-types.ts` is what keeps them safe.
 *
 * ```
 * mark   (a) untagged artifacts pushed before the window, with their accessories  (delete_untagged)
 *        (b) repository links no artifact of the repository uses, not seen for a window
 *        (c) blob rows nothing references, untouched for a window → candidate
 * sweep  (d) candidates (and rows an interrupted run left deleting): claim → delete file → delete row
 *        (e) files in storage without a row, older than the window: claim → delete file → delete row
 *        (f) upload sessions older than uploads.purgeAfterMs
 * ```
 * Every step is a short transaction or one file, and the signal is checked between them, so a stop
 * takes effect at once and leaves a consistent state; a re-run finishes what a stopped or crashed run
 * left (a row in `deleting` is deleted again, a missing file is fine). A dry run makes the same
 * selection (the mark in one rolled-back transaction) and writes nothing.
 */
export interface GcParams {
  dryRun: boolean;
  deleteUntagged: boolean;
  /** Parallel deletions, 1–5 (Harbor's `workers`). */
  workers: number;
}

export interface GcEngineDeps {
  meta: MetaStore;
  blobs: BlobStore;
  events: EventBus;
  /** Nothing younger than this is collected (Harbor's `time_window`, default 2 h). */
  windowMs: number;
  /** Removes upload sessions started before the cutoff; returns how many. */
  purgeUploads?: (cutoff: Date) => Promise<number>;
  /** Age after which an unfinished upload is stale (`uploads.purgeAfterMs`). */
  uploadMaxAgeMs: number;
}

/** What a run did (or, dry, would do); stored in the execution's attributes with Harbor's names. */
export interface GcResult {
  dry_run: boolean;
  purged_manifests: number;
  purged_blobs: number;
  freed_space: number;
  unlinked: number;
  orphan_blobs: number;
  purged_uploads: number;
  duration_ms: number;
}

const BATCH = 200;
/**
 * Deletions each GC worker keeps in flight. A deletion is a few filesystem calls that wait on the disk
 * (or an object store's round trip), so one at a time per worker leaves the disk idle between them.
 */
const DELETES_PER_WORKER = 4;
/** The actor audit records for artifacts GC deletes. */
export const GC_ACTOR: Actor = { name: 'gc', clientIp: null };

export async function runGarbageCollection(ctx: TaskContext<GcParams>, deps: GcEngineDeps): Promise<GcResult> {
  const { signal, log } = ctx;
  const params = normalizeParams(ctx.params);
  const started = Date.now();
  const cutoff = new Date(started - deps.windowMs);
  const uploadCutoff = new Date(started - deps.uploadMaxAgeMs);
  log.info('start to run gc in job.');
  log.info(
    `GC parameters: dry_run=${params.dryRun}, delete_untagged=${params.deleteUntagged}, workers=${params.workers}, ` +
      `time_window=${deps.windowMs / 3600_000}h (nothing changed after ${cutoff.toISOString()} is collected)`,
  );
  const result: GcResult = {
    dry_run: params.dryRun,
    purged_manifests: 0,
    purged_blobs: 0,
    freed_space: 0,
    unlinked: 0,
    orphan_blobs: 0,
    purged_uploads: 0,
    duration_ms: 0,
  };
  const step = (done: number) => ctx.progress(done, 100);

  if (params.dryRun) {
    signal.throwIfAborted();
    const preview = await deps.meta.gc.preview(cutoff, params.deleteUntagged);
    result.purged_manifests = preview.artifacts.length;
    result.unlinked = preview.unlinked;
    for (const a of preview.artifacts) log.info(`[dry run] untagged artifact to delete: ${a.repository}@${a.digest}`);
    for (const b of preview.blobs) {
      result.purged_blobs++;
      result.freed_space += b.size;
    }
    step(40);
    await walkOrphans(deps, cutoff, signal, async (orphan) => {
      result.orphan_blobs++;
      result.purged_blobs++;
      result.freed_space += orphan.size;
      log.info(`[dry run] orphan blob to delete: ${orphan.digest}`);
    });
    step(90);
    result.purged_uploads = (await deps.meta.uploads.listStartedBefore(uploadCutoff)).length;
    log.info(
      `[dry run] ${result.purged_blobs} blobs (${result.orphan_blobs} without metadata) and ` +
        `${result.purged_manifests} artifacts eligible for deletion, ${result.unlinked} repository links to remove, ` +
        `${result.purged_uploads} stale uploads`,
    );
    log.info(`[dry run] the GC could free up ${formatBytes(result.freed_space)} (${result.freed_space} bytes).`);
  } else {
    if (params.deleteUntagged) await deleteUntagged(ctx, deps, cutoff, result);
    step(15);
    for (let after = 0; ;) {
      signal.throwIfAborted();
      const batch = await deps.meta.gc.unlinkUnreferenced(cutoff, after, BATCH);
      if (batch.last === null) break;
      result.unlinked += batch.unlinked;
      after = batch.last;
    }
    log.info(`${result.unlinked} repository blob links no artifact uses removed`);
    step(25);
    // Mark and sweep run side by side, both in digest order: the sweep follows the mark, so the
    // mark's queries overlap the sweep's waits on the disk. The sweep only ever sees rows the mark has
    // passed, and the mark only moves forward, so nothing marked is missed.
    let marked = 0;
    let markDone = false;
    const marking = (async () => {
      try {
        for (let after = ''; ;) {
          signal.throwIfAborted();
          const batch = await deps.meta.gc.markCandidates(cutoff, after, BATCH, new Date());
          if (batch.last === null) break;
          marked += batch.marked;
          after = batch.last;
          // Let the sweep's I/O callbacks in between two marking transactions.
          await new Promise((resolve) => setImmediate(resolve));
        }
        log.info(`${marked} blobs marked as candidates`);
      } finally {
        markDone = true;
      }
    })();
    // Both settle before the run ends, so a failure of one never leaves the other deleting unobserved.
    const outcomes = await Promise.allSettled([
      marking,
      sweepCandidates(ctx, deps, params.workers, result, () => markDone),
    ]);
    for (const o of outcomes) if (o.status === 'rejected') throw o.reason;
    step(75);
    await sweepOrphans(ctx, deps, cutoff, params.workers, result);
    step(90);
    if (deps.purgeUploads) {
      signal.throwIfAborted();
      result.purged_uploads = await deps.purgeUploads(uploadCutoff);
      if (result.purged_uploads > 0) log.info(`${result.purged_uploads} stale upload sessions purged`);
    }
    log.info(`${result.purged_blobs} blobs and ${result.purged_manifests} artifacts are actually deleted`);
    log.info(`The GC job actually frees up ${formatBytes(result.freed_space)} (${result.freed_space} bytes).`);
  }
  result.duration_ms = Date.now() - started;
  ctx.setExecutionAttrs({ ...result });
  step(100);
  log.info(`success to run gc in job (${(result.duration_ms / 1000).toFixed(1)} s).`);
  return result;
}

export function normalizeParams(raw: Partial<GcParams> | undefined): GcParams {
  const workers = Number(raw?.workers ?? 1);
  return {
    dryRun: raw?.dryRun === true,
    deleteUntagged: raw?.deleteUntagged === true,
    workers: Number.isInteger(workers) ? Math.min(5, Math.max(1, workers)) : 1,
  };
}

async function deleteUntagged(ctx: TaskContext<GcParams>, deps: GcEngineDeps, cutoff: Date, result: GcResult) {
  // Deleting an index frees its children for the next pass (they were skipped while it stood).
  for (let progress = true; progress;) {
    progress = false;
    for (let after = 0; ;) {
      ctx.signal.throwIfAborted();
      const { deleted, lastId } = await deps.meta.gc.deleteUntagged(cutoff, after, BATCH);
      if (lastId === null) break;
      after = lastId;
      for (const artifact of deleted) {
        progress = true;
        result.purged_manifests++;
        ctx.log.info(`delete untagged artifact: ${artifact.repository}@${artifact.digest}`);
        deps.events.emit('artifact.deleted', {
          repository: artifact.repository,
          digest: artifact.digest,
          actor: GC_ACTOR,
        });
      }
    }
  }
}

/** Sweeps candidates in digest order until the mark is done (`markDone`) and none is left. */
async function sweepCandidates(
  ctx: TaskContext<GcParams>,
  deps: GcEngineDeps,
  workers: number,
  result: GcResult,
  markDone: () => boolean,
) {
  for (let after = ''; ;) {
    ctx.signal.throwIfAborted();
    // Read before looking at the page: a page found empty after the mark ended is really the end.
    const finished = markDone();
    const page = await deps.meta.gc.sweepable(after, BATCH);
    if (page.length === 0) {
      if (finished) return;
      await new Promise((resolve) => setTimeout(resolve, 5));
      continue;
    }
    after = page[page.length - 1]!.digest;
    // One transaction claims the page and one forgets it: a commit per blob would make a sweep of
    // 100,000 blobs take minutes of fsyncs.
    const claimed = await deps.meta.gc.claimMany(page.map((b) => b.digest));
    for (const blob of page) {
      if (!claimed.has(blob.digest)) ctx.log.info(`blob ${blob.digest} is in use again, kept`);
    }
    await deleteClaimed(
      ctx,
      deps,
      page.filter((b) => claimed.has(b.digest)),
      workers,
      result,
    );
  }
}

async function sweepOrphans(
  ctx: TaskContext<GcParams>,
  deps: GcEngineDeps,
  cutoff: Date,
  workers: number,
  result: GcResult,
) {
  let pending: Array<{ digest: string; size: number }> = [];
  const flush = async () => {
    const batch = pending;
    pending = [];
    if (batch.length === 0) return;
    ctx.signal.throwIfAborted();
    // A digest a writer pinned since the walk has a row now, so it is not claimed: it is theirs.
    const claimed = await deps.meta.gc.claimOrphans(batch);
    result.orphan_blobs += claimed.size;
    await deleteClaimed(
      ctx,
      deps,
      batch.filter((o) => claimed.has(o.digest)).map((o) => ({ ...o, state: 'deleting' as const })),
      workers,
      result,
    );
  };
  await walkOrphans(deps, cutoff, ctx.signal, async (orphan) => {
    pending.push(orphan);
    if (pending.length >= BATCH) await flush();
  });
  await flush();
}

/** Calls `found` for every stored blob without a row whose file is older than the cutoff. */
async function walkOrphans(
  deps: GcEngineDeps,
  cutoff: Date,
  signal: AbortSignal,
  found: (orphan: { digest: string; size: number }) => Promise<void>,
) {
  let batch: Array<{ digest: string; size: number; modTime: Date }> = [];
  const check = async () => {
    const known = await deps.meta.gc.known(batch.map((b) => b.digest));
    const candidates = batch.filter((b) => !known.has(b.digest) && b.modTime < cutoff);
    batch = [];
    for (const orphan of candidates) await found({ digest: orphan.digest, size: orphan.size });
  };
  await deps.blobs.walkBlobs(async (blob) => {
    signal.throwIfAborted();
    batch.push(blob);
    if (batch.length >= BATCH) await check();
  });
  await check();
}

/** Deletes the files of claimed (`deleting`) blobs, `workers` at a time, then their rows in one go. */
async function deleteClaimed(
  ctx: TaskContext<GcParams>,
  deps: GcEngineDeps,
  blobs: GcBlob[],
  workers: number,
  result: GcResult,
) {
  const gone: GcBlob[] = [];
  try {
    await forEachLimited(
      blobs,
      workers * DELETES_PER_WORKER,
      async (blob) => {
        try {
          await deps.blobs.delete(blob.digest);
        } catch (err) {
          // Already gone: an interrupted run deleted the file but not the row.
          if (!(err instanceof NotFound)) {
            ctx.log.warn(`failed to delete blob ${blob.digest} from storage (kept for the next run): ${String(err)}`);
            return;
          }
        }
        gone.push(blob);
      },
      ctx.signal,
    );
  } finally {
    // Also after a stop: the files already deleted must not keep rows that say they exist.
    await deps.meta.gc.forgetMany(gone.map((b) => b.digest));
    for (const blob of gone) {
      result.purged_blobs++;
      result.freed_space += blob.size;
      ctx.log.info(`delete blob from storage: ${blob.digest} (${formatBytes(blob.size)})`);
    }
  }
}
