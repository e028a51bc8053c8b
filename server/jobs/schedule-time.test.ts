import { describe, expect, it } from 'vitest';
import { insideWindow, nextCronRun, parseTimeWindow, retryDelay, untilWindowOpens } from './schedule-time.js';

const at = (h: number, m: number) => new Date(2026, 10, 26, h, m, 0, 0);

describe('time windows', () => {
  it('a window inside one day', () => {
    const w = parseTimeWindow('01:00-06:00');
    expect(insideWindow(w, at(0, 59))).toBe(false);
    expect(insideWindow(w, at(1, 0))).toBe(true);
    expect(insideWindow(w, at(5, 59))).toBe(true);
    expect(insideWindow(w, at(6, 0))).toBe(false);
    expect(untilWindowOpens(w, at(0, 30))).toBe(30 * 60_000);
    expect(untilWindowOpens(w, at(7, 0))).toBe(18 * 3600_000);
    expect(untilWindowOpens(w, at(2, 0))).toBe(0);
  });

  it('a window across midnight', () => {
    const w = parseTimeWindow('22:30 - 04:00');
    expect(insideWindow(w, at(23, 0))).toBe(true);
    expect(insideWindow(w, at(3, 59))).toBe(true);
    expect(insideWindow(w, at(4, 0))).toBe(false);
    expect(insideWindow(w, at(22, 29))).toBe(false);
  });

  it('refuses what is not a window', () => {
    for (const bad of ['1-6', '01:00', '25:00-26:00', '01:00-01:00', '01:60-02:00', 'night']) {
      expect(() => parseTimeWindow(bad), bad).toThrow(/time window/);
    }
  });
});

describe('cron', () => {
  it('reads Harbor’s six fields (seconds first) and five-field expressions', () => {
    expect(nextCronRun('0 0 1 * * *', at(0, 30))).toEqual(at(1, 0));
    expect(nextCronRun('0 */15 * * * *', at(10, 1))).toEqual(at(10, 15));
    expect(nextCronRun('30 2 * * *', at(3, 0))).toEqual(new Date(2026, 10, 27, 2, 30));
  });

  it('refuses malformed expressions with the reason', () => {
    for (const bad of ['', '* * *', '0 0 25 * * *', 'every day']) {
      expect(() => nextCronRun(bad, new Date()), bad).toThrow(/cron/);
    }
  });
});

describe('retry backoff', () => {
  it('doubles per attempt within ±50 % jitter, capped', () => {
    expect(retryDelay(1, 1000, 600_000, () => 0.5)).toBe(1000);
    expect(retryDelay(3, 1000, 600_000, () => 0.5)).toBe(4000);
    expect(retryDelay(3, 1000, 600_000, () => 0)).toBe(2000);
    expect(retryDelay(3, 1000, 600_000, () => 0.999)).toBeLessThan(6000);
    expect(retryDelay(30, 1000, 600_000, () => 0.5)).toBe(600_000);
  });
});
