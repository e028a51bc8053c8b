import { Transform, pipeline, type Readable } from 'node:stream';
import type { Logger } from 'pino';
import { DomainError, Invalid } from '../../core/errors.js';
import type { RepositoryName } from '../../core/names.js';
import type { UploadService } from '../../registry/upload-service.js';
import { ReplicationTransportError, type PushBlobOptions } from '../replication-contract.js';

const DEFAULT_RETRIES = 5;
const DEFAULT_IDLE_MS = 60_000;

/**
 * A blob from a (usually remote) source into this Berth through the same upload state machine a
 * client push goes through, so quota, GC pinning and the digest check all apply. The source is not
 * trusted: it may not send more than the declared size, and the digest is verified on commit.
 *
 * A source that fails part-way is re-opened at the offset the upload has reached (the bytes already
 * stored are kept, `BlobStore.append` makes them durable), up to `retries` failures in a row; any
 * progress resets the count. Local refusals (quota, digest mismatch, size) are domain errors and end
 * the push at once. Whatever way it ends short of a commit, the upload is cancelled.
 */
export async function pushLocalBlob(
  uploads: UploadService,
  repo: RepositoryName,
  blob: { digest: string; size: number },
  open: (offset: number) => Promise<Readable>,
  options: PushBlobOptions,
  log: Logger,
): Promise<void> {
  const { signal } = options;
  signal.throwIfAborted();
  const retries = options.retries ?? DEFAULT_RETRIES;
  const { id } = await uploads.start(repo);
  let committed = false;
  try {
    let failures = 0;
    for (;;) {
      signal.throwIfAborted();
      const before = (await uploads.status(repo, id)).size;
      if (before >= blob.size) break;
      try {
        const after = await appendFrom(uploads, repo, id, before, blob, open, options);
        if (after < blob.size) {
          throw new ReplicationTransportError(`the source ended at byte ${after} of ${blob.size}`);
        }
      } catch (err) {
        if (signal.aborted) throw signal.reason ?? err;
        if (err instanceof DomainError) throw err;
        const reached = (await uploads.status(repo, id)).size;
        failures = reached > before ? 1 : failures + 1;
        if (failures > retries) throw err;
        log.debug({ err, digest: blob.digest, offset: reached, failures }, 'blob source failed; resuming');
        options.onRetry?.({ offset: reached, reason: err instanceof Error ? err.message : String(err) });
      }
    }
    await uploads.complete(repo, id, blob.digest);
    committed = true;
  } finally {
    if (!committed) await uploads.cancel(repo, id).catch(() => undefined);
  }
}

/** One attempt: the source from `offset` through the throttle and a meter into the upload. */
async function appendFrom(
  uploads: UploadService,
  repo: RepositoryName,
  id: string,
  offset: number,
  blob: { digest: string; size: number },
  open: (offset: number) => Promise<Readable>,
  options: PushBlobOptions,
): Promise<number> {
  const { signal, onBytes } = options;
  const idleMs = options.idleTimeoutMs ?? DEFAULT_IDLE_MS;
  const source = await open(offset);
  const body = options.throttle ? options.throttle(source) : source;
  let sent = 0;
  let timer: NodeJS.Timeout | undefined;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      sent += chunk.length;
      if (offset + sent > blob.size) {
        callback(new Invalid('SIZE_INVALID', `the source sent more than the ${blob.size} bytes of ${blob.digest}`));
        return;
      }
      arm();
      onBytes?.(chunk.length);
      callback(null, chunk);
    },
  });
  // An idle timeout, never a wall clock: a slow but moving transfer is fine.
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(
      () => meter.destroy(new ReplicationTransportError(`no bytes from the source for ${idleMs} ms`)),
      idleMs,
    ).unref();
  };
  const onAbort = () => meter.destroy(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
  signal.addEventListener('abort', onAbort, { once: true });
  arm();
  // Errors of the source (and the throttle) reach the upload through the meter.
  pipeline(body, meter, () => undefined);
  if (body !== source) source.once('error', (err) => meter.destroy(err));
  try {
    return (await uploads.append(repo, id, meter)).size;
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
    if (!source.destroyed) source.destroy();
  }
}
