import { pipeline, Transform, type Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { DomainError, Invalid, NotFound } from '../../core/errors.js';
import { ReplicationTransportError, type PushBlobOptions } from '../replication-contract.js';
import { pullScope, pushScope } from './auth.js';
import type { RegistryClient } from './registry-client.js';
import { describe, drain, header, statusError, type Response } from './transport.js';

/**
 * Blob bytes to and from a remote registry. Reads follow redirects (to storage, without our
 * credentials on another origin) and can start at an offset. Pushes are resumable: after a failure
 * the destination is asked how much of the upload it holds (GET on the upload URL) and the source is
 * reopened there; an idle watchdog, not a wall clock, decides that an attempt is stuck.
 */

export async function openBlob(
  client: RegistryClient,
  repository: string,
  digest: string,
  offset: number,
  signal: AbortSignal,
): Promise<Readable> {
  const headers: Record<string, string> = {};
  if (offset > 0) headers.range = `bytes=${offset}-`;
  const res = await client.call({
    method: 'GET',
    url: `/v2/${repository}/blobs/${digest}`,
    scopes: [pullScope(repository)],
    headers,
    signal,
    followRedirects: true,
    bodyTimeoutMs: client.blobIdleTimeoutMs,
  });
  if (res.status === 404) {
    await drain(res);
    throw new NotFound('BLOB_UNKNOWN', `blob ${digest} is not in ${repository} on ${client.base}`);
  }
  if (offset > 0 && res.status === 206) {
    const start = /^bytes (\d+)-/.exec(header(res, 'content-range') ?? '')?.[1];
    if (start !== undefined && Number(start) !== offset) {
      res.body.destroy();
      throw new ReplicationTransportError(`GET ${describe(res.url)}: range starts at ${start}, not ${offset}`);
    }
    return res.body;
  }
  if (res.status !== 200) throw await statusError(res, `GET ${describe(res.url)}`);
  // A registry (or storage) that ignores Range sends everything: skip what was asked past.
  return offset > 0 ? pipeline(res.body, skipBytes(offset), () => undefined) : res.body;
}

function skipBytes(count: number): Transform {
  let left = count;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (left >= chunk.length) {
        left -= chunk.length;
        return done();
      }
      const rest = left > 0 ? chunk.subarray(left) : chunk;
      left = 0;
      done(null, rest);
    },
  });
}

/** Reads a stream in exact slices, one per request body, keeping the remainder for the next. */
class SourceReader {
  private readonly it: AsyncIterator<Buffer>;
  private rest: Buffer | undefined;

  constructor(
    private readonly stream: Readable,
    public position: number,
    private readonly moved: (position: number, bytes: number) => void,
  ) {
    this.it = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }

  async *take(count: number): AsyncGenerator<Buffer> {
    let left = count;
    while (left > 0) {
      let buf = this.rest;
      this.rest = undefined;
      if (!buf) {
        const r = await this.it.next();
        if (r.done) throw new Error(`the source blob ended ${left} bytes early`);
        buf = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value);
      }
      if (buf.length > left) {
        this.rest = buf.subarray(left);
        buf = buf.subarray(0, left);
      }
      left -= buf.length;
      this.position += buf.length;
      this.moved(this.position, buf.length);
      yield buf;
    }
  }

  close(): void {
    this.stream.destroy();
  }
}

/** One attempt's abort: the caller's signal, or no byte moving for `ms`. */
class Attempt {
  private readonly ctl = new AbortController();
  private readonly timer: NodeJS.Timeout;
  readonly signal: AbortSignal;

  constructor(outer: AbortSignal, ms: number) {
    this.signal = AbortSignal.any([outer, this.ctl.signal]);
    this.timer = setTimeout(
      () => this.ctl.abort(new ReplicationTransportError(`no byte moved for ${ms} ms (idle timeout)`)),
      ms,
    );
  }

  touch(): void {
    this.timer.refresh();
  }

  done(): void {
    clearTimeout(this.timer);
  }
}

interface UploadState {
  /** The upload URL (absolute); undefined before POST or after the destination lost it. */
  session?: URL;
  /** Bytes the destination holds in `session`. */
  confirmed: number;
  /** The next attempt must start a new session (monolithic, or the destination's state is unusable). */
  restart: boolean;
}

/** Errors after which the session itself cannot be trusted: start again from zero. */
const RESTART_CODES = new Set([
  'DIGEST_INVALID',
  'BLOB_UPLOAD_INVALID',
  'BLOB_UPLOAD_UNKNOWN',
  'RANGE_INVALID',
  'SIZE_INVALID',
]);

export async function pushBlob(
  client: RegistryClient,
  repository: string,
  blob: { digest: string; size: number },
  open: (offset: number) => Promise<Readable>,
  o: PushBlobOptions,
): Promise<void> {
  const retries = o.retries ?? 5;
  const idleMs = o.idleTimeoutMs ?? 60_000;
  const chunk = o.chunkBytes !== undefined && o.chunkBytes > 0 ? o.chunkBytes : client.chunkBytes;
  const chunked = o.chunkBytes !== undefined || blob.size > client.chunkBytes;
  const scopes = [pushScope(repository)];
  const state: UploadState = { confirmed: 0, restart: false };
  let highWater = 0;
  const moved = (position: number) => {
    if (position > highWater) {
      o.onBytes?.(position - highWater);
      highWater = position;
    }
  };
  let failures = 0;
  let confirmedAtLastFailure = -1;
  let resuming = false;
  /** Why the previous attempt failed, told to `onRetry` once the next one knows its offset. */
  let retryReason: string | undefined;
  // A digest mismatch may come from a resume gone wrong: one fresh upload, then it is the source's fault.
  let digestRestarts = 0;
  const sourceRefusals = new WeakSet<Error>();

  for (;;) {
    o.signal.throwIfAborted();
    const attempt = new Attempt(o.signal, idleMs);
    const ctx: AttemptContext = { client, repository, blob, scopes, state, attempt, idleMs, moved };
    try {
      if (state.session && (state.restart || !chunked)) {
        await cancel(ctx, state.session);
        state.session = undefined;
      } else if (state.session && resuming) {
        await resync(ctx, state.session);
      }
      state.restart = false;
      if (!state.session) {
        state.session = await startUpload(ctx);
        state.confirmed = 0;
      }
      if (retryReason !== undefined) {
        o.onRetry?.({ offset: chunked ? state.confirmed : 0, reason: retryReason });
        retryReason = undefined;
      }
      attempt.touch();
      const source = async (offset: number) => {
        const raw = await open(offset).catch((e: unknown) => {
          // The source refusing (a blob it does not have, credentials) is not the upload's fault.
          if (e instanceof DomainError) sourceRefusals.add(e);
          throw e;
        });
        attempt.touch();
        return o.throttle ? o.throttle(raw) : raw;
      };
      await (chunked ? sendChunks(ctx, chunk, source) : sendWhole(ctx, source));
      return;
    } catch (e) {
      attempt.done();
      if (o.signal.aborted) throw o.signal.reason ?? e;
      const error = attempt.signal.aborted ? (attempt.signal.reason as Error) : (e as Error);
      if (sourceRefusals.has(error)) throw error;
      if (error instanceof Invalid && error.code === 'DIGEST_INVALID' && digestRestarts++ > 0) throw error;
      if (error instanceof Invalid && RESTART_CODES.has(error.code)) state.restart = true;
      else if (error instanceof DomainError && !(error instanceof NotFound)) throw error;
      if (error instanceof NotFound) state.restart = true;
      // Progress the destination confirmed since the last failure resets the count.
      if (state.confirmed > confirmedAtLastFailure) failures = 0;
      confirmedAtLastFailure = state.confirmed;
      if (++failures > retries) throw error;
      resuming = true;
      retryReason = error.message;
      const base = Math.min(30_000, client.backoffMs * 2 ** (failures - 1));
      await sleep(base * (0.5 + Math.random() * 0.5), undefined, { signal: o.signal });
    } finally {
      attempt.done();
    }
  }
}

interface AttemptContext {
  client: RegistryClient;
  repository: string;
  blob: { digest: string; size: number };
  scopes: string[];
  state: UploadState;
  attempt: Attempt;
  idleMs: number;
  moved: (position: number, bytes: number) => void;
}

async function startUpload(ctx: AttemptContext): Promise<URL> {
  const res = await ctx.client.call({
    method: 'POST',
    url: `/v2/${ctx.repository}/blobs/uploads/`,
    scopes: ctx.scopes,
    headers: { 'content-length': '0' },
    signal: ctx.attempt.signal,
  });
  if (res.status !== 202) throw await statusError(res, `POST ${describe(res.url)}`);
  await drain(res);
  return locationOf(res);
}

/** Asks the destination how much of the upload it holds; a lost or unusable upload starts over. */
async function resync(ctx: AttemptContext, session: URL): Promise<void> {
  const res = await ctx.client.call({ method: 'GET', url: session, scopes: ctx.scopes, signal: ctx.attempt.signal });
  await drain(res);
  if (res.status === 404 || res.status === 400 || res.status === 416) {
    ctx.state.session = undefined;
    return;
  }
  if (res.status !== 204 && res.status !== 200) throw await statusError(res, `GET ${describe(session)}`);
  const end = /^(?:bytes=)?0-(\d+)$/.exec(header(res, 'range') ?? '')?.[1];
  // `0-0` means nothing or one byte; resending that byte is cheaper than guessing wrong.
  const held = end === undefined || end === '0' ? 0 : Number(end) + 1;
  if (held > ctx.blob.size) {
    ctx.state.session = undefined;
    return;
  }
  ctx.state.confirmed = held;
  if (header(res, 'location')) ctx.state.session = locationOf(res);
}

async function cancel(ctx: AttemptContext, session: URL): Promise<void> {
  const res = await ctx.client
    .call({ method: 'DELETE', url: session, scopes: ctx.scopes, signal: ctx.attempt.signal })
    .catch(() => undefined);
  if (res) await drain(res);
}

type Open = (offset: number) => Promise<Readable>;

async function sendWhole(ctx: AttemptContext, open: Open): Promise<void> {
  const reader = new SourceReader(await open(0), 0, (p, n) => touchAndReport(ctx, p, n));
  try {
    const res = await ctx.client.call({
      method: 'PUT',
      url: withDigest(ctx.state.session as URL, ctx.blob.digest),
      scopes: ctx.scopes,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(ctx.blob.size) },
      body: reader.take(ctx.blob.size),
      signal: ctx.attempt.signal,
      headersTimeoutMs: Math.max(ctx.client.requestTimeoutMs, ctx.idleMs),
    });
    await finish(ctx, res);
  } finally {
    reader.close();
  }
}

async function sendChunks(ctx: AttemptContext, chunk: number, open: Open): Promise<void> {
  const { state, blob } = ctx;
  let reader: SourceReader | undefined;
  try {
    while (state.confirmed < blob.size) {
      reader ??= new SourceReader(await open(state.confirmed), state.confirmed, (p, n) => touchAndReport(ctx, p, n));
      const start = state.confirmed;
      const count = Math.min(chunk, blob.size - start);
      const res = await ctx.client.call({
        method: 'PATCH',
        url: state.session as URL,
        scopes: ctx.scopes,
        headers: {
          'content-type': 'application/octet-stream',
          'content-range': `${start}-${start + count - 1}`,
          'content-length': String(count),
        },
        body: reader.take(count),
        signal: ctx.attempt.signal,
        headersTimeoutMs: Math.max(ctx.client.requestTimeoutMs, ctx.idleMs),
      });
      if (res.status === 416) {
        // The destination holds another amount than we thought (a cut chunk it finished storing
        // after we asked): the retry asks again where it stands.
        await drain(res);
        throw new ReplicationTransportError(`PATCH ${describe(res.url)}: the destination refused the range`, 416);
      }
      if (res.status !== 202) throw await statusError(res, `PATCH ${describe(res.url)}`);
      await drain(res);
      ctx.attempt.touch();
      state.session = locationOf(res);
      state.confirmed = start + count;
    }
  } finally {
    reader?.close();
  }
  const res = await ctx.client.call({
    method: 'PUT',
    url: withDigest(state.session as URL, blob.digest),
    scopes: ctx.scopes,
    headers: { 'content-length': '0' },
    signal: ctx.attempt.signal,
    headersTimeoutMs: Math.max(ctx.client.requestTimeoutMs, ctx.idleMs),
  });
  await finish(ctx, res);
}

function touchAndReport(ctx: AttemptContext, position: number, bytes: number): void {
  ctx.attempt.touch();
  ctx.moved(position, bytes);
}

async function finish(ctx: AttemptContext, res: Response): Promise<void> {
  if (res.status !== 201 && res.status !== 204 && res.status !== 200) {
    throw await statusError(res, `PUT ${describe(res.url)}`);
  }
  await drain(res);
  const stored = header(res, 'docker-content-digest');
  if (stored && stored !== ctx.blob.digest) {
    throw new Invalid('DIGEST_INVALID', `the destination stored ${stored} for blob ${ctx.blob.digest}`);
  }
}

function locationOf(res: Response): URL {
  const location = header(res, 'location');
  if (!location) throw new ReplicationTransportError(`${describe(res.url)}: the registry sent no upload Location`);
  return new URL(location, res.url);
}

/** Appends `digest=` without re-encoding the registry's own query (distribution's `_state`). */
function withDigest(session: URL, digest: string): URL {
  const href = session.href;
  return new URL(`${href}${href.includes('?') ? '&' : '?'}digest=${encodeURIComponent(digest)}`);
}
