import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PullRecorder, type PendingPull } from './pull-recorder.js';

describe('PullRecorder', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const pull = (digest: string, at: number, tag: string | null = null, count = 1): PendingPull => ({
    repository: 'library/app',
    digest,
    tag,
    at,
    count,
  });

  it('writes at most once per interval, keeping the latest time per key', () => {
    const batches: PendingPull[][] = [];
    const recorder = new PullRecorder(
      (b) => batches.push(b),
      () => {},
      1000,
    );
    recorder.record(pull('a', 5));
    recorder.record(pull('a', 9));
    recorder.record(pull('a', 7));
    recorder.record(pull('a', 8, 'v1'));
    recorder.record(pull('b', 1));
    expect(batches).toEqual([]);
    vi.advanceTimersByTime(999);
    expect(batches).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(batches).toEqual([[pull('a', 9, null, 3), pull('a', 8, 'v1'), pull('b', 1)]]);
    vi.advanceTimersByTime(5000);
    expect(batches).toHaveLength(1);
  });

  it('retries a failed batch on the next interval and reports the failure', () => {
    const errors: unknown[] = [];
    let fail = true;
    const batches: PendingPull[][] = [];
    const recorder = new PullRecorder(
      (b) => {
        if (fail) throw new Error('busy');
        batches.push(b);
      },
      (e) => errors.push(e),
      1000,
    );
    recorder.record(pull('a', 1));
    vi.advanceTimersByTime(1000);
    expect(errors).toHaveLength(1);
    fail = false;
    recorder.record(pull('a', 2));
    vi.advanceTimersByTime(1000);
    // The failed pull is not lost: the retried entry carries the latest time and both pulls.
    expect(batches).toEqual([[pull('a', 2, null, 2)]]);
  });

  it('flushes on close and ignores later records', () => {
    const batches: PendingPull[][] = [];
    const recorder = new PullRecorder(
      (b) => batches.push(b),
      () => {},
      1000,
    );
    recorder.record(pull('a', 1));
    recorder.close();
    expect(batches).toEqual([[pull('a', 1)]]);
    recorder.record(pull('a', 2));
    vi.advanceTimersByTime(5000);
    expect(batches).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});
