import { Transform, type TransformCallback } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

/** Time as the throttle sees it; tests pass a fake one to check the schedule without waiting. */
export interface Clock {
  now(): number;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  sleep: (ms, signal) => sleep(ms, undefined, { signal }),
};

/**
 * A token bucket by reservation: each caller takes its bytes at once (the balance may go negative)
 * and is told how long to wait before sending them. Every stream of an execution shares one bucket,
 * so the limit holds for the execution as a whole however many blobs move at once, and waiting
 * callers are served in the order they asked.
 */
export class TokenBucket {
  readonly bytesPerSecond: number;
  readonly capacity: number;
  #tokens: number;
  #at: number;

  constructor(
    bytesPerSecond: number,
    readonly clock: Clock = systemClock,
    /** Burst allowed after idling; a quarter second of traffic, at least 16 KiB. */
    capacity = Math.max(16 * 1024, Math.floor(bytesPerSecond / 4)),
  ) {
    if (!(bytesPerSecond > 0)) throw new Error('a token bucket needs a positive rate');
    this.bytesPerSecond = bytesPerSecond;
    this.capacity = capacity;
    this.#tokens = capacity;
    this.#at = clock.now();
  }

  /** Takes `bytes` and returns the milliseconds to wait before sending them (0 when within the burst). */
  reserve(bytes: number): number {
    const now = this.clock.now();
    this.#tokens = Math.min(this.capacity, this.#tokens + ((now - this.#at) * this.bytesPerSecond) / 1000);
    this.#at = now;
    this.#tokens -= bytes;
    return this.#tokens >= 0 ? 0 : (-this.#tokens * 1000) / this.bytesPerSecond;
  }

  /**
   * A Transform that paces a byte stream through the bucket: chunks are cut to at most the bucket's
   * capacity, each one released when its reservation comes due. An abort ends the wait at once.
   */
  throttle(signal: AbortSignal): Transform {
    const piece = Math.max(1024, Math.min(this.capacity, 64 * 1024));
    const stream: Transform = new Transform({
      transform: (chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) => {
        this.#pace(chunk, piece, signal, (part) => stream.push(part)).then(
          () => callback(),
          (err: unknown) => callback(err as Error),
        );
      },
    });
    return stream;
  }

  async #pace(chunk: Buffer, piece: number, signal: AbortSignal, push: (part: Buffer) => void): Promise<void> {
    for (let offset = 0; offset < chunk.length; offset += piece) {
      const part = chunk.subarray(offset, offset + piece);
      const wait = this.reserve(part.length);
      if (wait > 0) await this.clock.sleep(wait, signal);
      signal.throwIfAborted();
      push(part);
    }
  }
}
