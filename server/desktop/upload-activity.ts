import type { FastifyInstance } from 'fastify';

/** Requests that carry (or may carry) upload bytes: start, chunk, and finish with `?digest=`. */
const UPLOAD_WRITES = new Set(['POST', 'PATCH', 'PUT']);
/** `/v2/<name>/blobs/uploads/` and `/v2/<name>/blobs/uploads/<id>`; names may contain slashes. */
const UPLOAD_PATH = /^\/v2\/.+\/blobs\/uploads(?:\/|\?|$)/;

export interface DrainOptions {
  /** Gives up after this long; the caller then closes anyway (close cuts what is left). */
  timeoutMs: number;
  /** Called with the count at the start and on every change while waiting. */
  onProgress?: (uploadsInFlight: number) => void;
}

/**
 * Counts the HTTP requests that are writing upload bodies right now, so the desktop shell can wait for
 * a `docker push` to finish before it quits. A request counts from its `onRequest` until its raw
 * response closes, which happens for every ending: answered, failed, or the client going away mid-body.
 */
export class UploadActivity {
  #inFlight = 0;
  readonly #listeners = new Set<(inFlight: number) => void>();

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Installs the counting hook on `app`; call before it is ready. */
  attach(app: FastifyInstance): void {
    app.addHook('onRequest', async (req, reply) => {
      if (!UPLOAD_WRITES.has(req.method) || !UPLOAD_PATH.test(req.url)) return;
      const res = reply.raw;
      // The client may already be gone (the auth hook awaited); then 'close' has fired and will not again.
      // `closed` is Node's (since 18) but missing from @types/node's OutgoingMessage.
      if ((res as { closed?: boolean }).closed === true) return;
      this.#change(+1);
      res.once('close', () => this.#change(-1));
    });
  }

  /** Resolves true once no upload is in flight, false when `timeoutMs` passes first. */
  waitUntilIdle(options: DrainOptions): Promise<boolean> {
    options.onProgress?.(this.#inFlight);
    if (this.#inFlight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const listener = (inFlight: number) => {
        options.onProgress?.(inFlight);
        if (inFlight === 0) finish(true);
      };
      const timer = setTimeout(() => finish(false), options.timeoutMs);
      const finish = (drained: boolean) => {
        clearTimeout(timer);
        this.#listeners.delete(listener);
        resolve(drained);
      };
      this.#listeners.add(listener);
    });
  }

  #change(delta: number): void {
    this.#inFlight += delta;
    for (const listener of [...this.#listeners]) listener(this.#inFlight);
  }
}
