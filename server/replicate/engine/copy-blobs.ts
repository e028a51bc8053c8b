import { pipeline, type Readable } from 'node:stream';
import type { Descriptor } from '../../core/manifest.js';
import type { TaskLog } from '../../jobs/job-types.js';
import type { EngineTunables } from './engine-types.js';
import type { ExecutionState } from './execution-state.js';
import { forEachLimited } from '../../core/concurrency.js';

/** Bytes of a task: everything its artifacts need at the destination, and what is there already. */
export class ByteProgress {
  done = 0;
  total = 0;

  constructor(private readonly report: (done: number, total: number) => void) {}

  expect(bytes: number): void {
    this.total += bytes;
    this.report(this.done, this.total);
  }

  add(bytes: number): void {
    this.done = Math.min(this.total, this.done + bytes);
    this.report(this.done, this.total);
  }
}

export interface BlobJob {
  state: ExecutionState;
  tunables: EngineTunables;
  signal: AbortSignal;
  log: TaskLog;
  progress: ByteProgress;
  srcRepository: string;
  dstRepository: string;
}

/** A manifest's blobs at the destination, `blobParallelism` at a time. */
export async function copyBlobs(job: BlobJob, blobs: readonly Descriptor[]): Promise<void> {
  const unique = [...new Map(blobs.map((b) => [b.digest, b])).values()];
  for (const b of unique) job.progress.expect(b.size);
  await forEachLimited(unique, job.tunables.blobParallelism, (b) => copyBlob(job, b));
}

/**
 * One blob: there already (HEAD) → skip; pushed by this execution to another destination repository
 * → mount from there; else stream it from the source, paced by the execution's bucket. A blob some
 * other task of the execution is pushing right now is waited for, then mounted. Tasks that need the
 * same blob in the same destination repository share one attempt: two mounts of one blob at once
 * make distribution rewrite its link while a manifest PUT may be checking it.
 */
async function copyBlob(job: BlobJob, blob: Descriptor): Promise<void> {
  const { state, dstRepository } = job;
  const key = `${dstRepository}@${blob.digest}`;
  const shared = state.ensuring.get(key);
  if (shared) {
    const ok = await shared.then(
      () => true,
      () => false,
    );
    if (ok) {
      job.progress.add(blob.size);
      return;
    }
  }
  const attempt = ensureBlob(job, blob);
  state.ensuring.set(key, attempt);
  try {
    await attempt;
  } finally {
    if (state.ensuring.get(key) === attempt) state.ensuring.delete(key);
  }
}

async function ensureBlob(job: BlobJob, blob: Descriptor): Promise<void> {
  const { state, signal, log, dstRepository } = job;
  const dst = state.destination;
  const pending = state.inflight.get(blob.digest);
  if (pending) await pending.catch(() => undefined);

  const present = await dst.headBlob(dstRepository, blob.digest, signal);
  if (present !== undefined) {
    log.info(`blob ${blob.digest} (${present} bytes) is already in ${dstRepository}: skipped`);
    if (!state.blobHomes.has(blob.digest)) state.blobHomes.set(blob.digest, dstRepository);
    job.progress.add(blob.size);
    return;
  }
  const home = state.blobHomes.get(blob.digest);
  if (home !== undefined && home !== dstRepository) {
    if (await dst.mountBlob(dstRepository, blob.digest, home, signal)) {
      log.info(`blob ${blob.digest} (${blob.size} bytes) mounted from ${home}`);
      job.progress.add(blob.size);
      return;
    }
  }
  const push = pushBlob(job, blob);
  state.inflight.set(blob.digest, push);
  try {
    await push;
  } finally {
    if (state.inflight.get(blob.digest) === push) state.inflight.delete(blob.digest);
  }
}

async function pushBlob(job: BlobJob, blob: Descriptor): Promise<void> {
  const { state, tunables, signal, log, srcRepository, dstRepository } = job;
  const started = performance.now();
  let moved = 0;
  const chunked = state.policy.copyByChunk || blob.size > tunables.chunkAboveBytes;
  const bucket = state.bucket;
  await state.destination.pushBlob(
    dstRepository,
    { digest: blob.digest, size: blob.size },
    (offset) => state.source.openBlob(srcRepository, blob.digest, offset, signal),
    {
      signal,
      ...(chunked ? { chunkBytes: tunables.chunkBytes } : {}),
      onBytes: (bytes) => {
        moved += bytes;
        job.progress.add(bytes);
      },
      ...(bucket ? { throttle: (source: Readable) => paced(source, bucket.throttle(signal)) } : {}),
      retries: tunables.blobRetries,
      idleTimeoutMs: tunables.idleTimeoutMs,
      onRetry: ({ offset, reason }) =>
        log.warn(
          offset > 0
            ? `blob ${blob.digest}: ${reason}; resuming at byte ${offset} of ${blob.size}, where ${dstRepository} stands`
            : `blob ${blob.digest}: ${reason}; the destination kept nothing, starting again from byte 0`,
        ),
    },
  );
  state.blobHomes.set(blob.digest, dstRepository);
  const seconds = (performance.now() - started) / 1000;
  log.info(
    `blob ${blob.digest} pushed to ${dstRepository}: ${blob.size} bytes in ${seconds.toFixed(2)} s` +
      (moved > blob.size ? ` (${moved} bytes sent, with resumed parts)` : ''),
  );
  // An adapter that does not report bytes still completes the blob's share of the progress.
  if (moved < blob.size) job.progress.add(blob.size - moved);
}

/** `source` through the throttle; an error or abort on either side destroys both. */
function paced(source: Readable, throttle: NodeJS.ReadWriteStream & Readable): Readable {
  return pipeline(source, throttle, () => undefined);
}
