import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { TokenBucket, systemClock, type Clock } from './token-bucket.js';

/** Virtual time: sleeping moves the clock instead of waiting. */
function fakeClock(): Clock & { sleeps: number[] } {
  let now = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms, signal) => {
      signal.throwIfAborted();
      sleeps.push(ms);
      now += ms;
    },
  };
}

async function drain(source: Readable): Promise<number> {
  let bytes = 0;
  await pipeline(
    source,
    new Writable({
      write(chunk: Buffer, _e, cb) {
        bytes += chunk.length;
        cb();
      },
    }),
  );
  return bytes;
}

/** `total` bytes in chunks of `size` (the last one shorter). */
const pieces = (total: number, size: number) =>
  Readable.from(
    Array.from({ length: Math.ceil(total / size) }, (_, i) => Buffer.alloc(Math.min(size, total - i * size))),
  );

describe('TokenBucket', () => {
  it('lets a burst through, then makes each reservation wait for the bytes owed', () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(1000, clock, 500);
    expect(bucket.reserve(500)).toBe(0);
    expect(bucket.reserve(500)).toBe(500);
    expect(bucket.reserve(1000)).toBe(1500);
    void clock.sleep(3000, new AbortController().signal);
    // 1.5 s of debt paid, the rest refills up to the capacity only.
    expect(bucket.reserve(500)).toBe(0);
    expect(bucket.reserve(1)).toBe(1);
  });

  it('paces a stream to the rate: the schedule covers every byte beyond the burst', async () => {
    const clock = fakeClock();
    const rate = 10 * 1024;
    const bucket = new TokenBucket(rate, clock);
    const total = 200 * 1024;
    const signal = new AbortController().signal;
    expect(await drain(pieces(total, 50_000).pipe(bucket.throttle(signal)))).toBe(total);
    const elapsed = clock.now();
    expect(elapsed).toBeGreaterThanOrEqual(((total - bucket.capacity) / rate) * 1000 - 1);
    expect(elapsed).toBeLessThanOrEqual((total / rate) * 1000 + 1);
    // Paced in pieces, not one long sleep per request.
    expect(clock.sleeps.length).toBeGreaterThan(5);
  });

  it('shares one budget between the streams of an execution', async () => {
    const clock = fakeClock();
    const rate = 10 * 1024;
    const bucket = new TokenBucket(rate, clock);
    const total = 100 * 1024;
    const signal = new AbortController().signal;
    const [a, b] = await Promise.all([
      drain(pieces(total, 8192).pipe(bucket.throttle(signal))),
      drain(pieces(total, 8192).pipe(bucket.throttle(signal))),
    ]);
    expect(a + b).toBe(2 * total);
    expect(clock.now()).toBeGreaterThanOrEqual(((2 * total - bucket.capacity) / rate) * 1000 - 1);
  });

  it('an abort ends a paced stream while it waits', async () => {
    const bucket = new TokenBucket(1024, systemClock, 1024);
    const controller = new AbortController();
    const throttled = pieces(64 * 1024, 1024).pipe(bucket.throttle(controller.signal));
    let got = 0;
    throttled.on('data', (c: Buffer) => {
      got += c.length;
      if (got >= 1024) controller.abort(new Error('stopped'));
    });
    await expect(new Promise((resolve, reject) => throttled.on('error', reject).on('end', resolve))).rejects.toThrow();
    expect(got).toBeLessThan(64 * 1024);
  });
});
