import { describe, expect, it } from 'vitest';
import { formatBytes, formatRelative, isNever, percent, shortDigest } from './format';

describe('portal formatting', () => {
  it('sizes in binary units with three significant digits', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1024)).toBe('1.00 KiB');
    expect(formatBytes(48.5 * 1024 * 1024)).toBe('48.5 MiB');
    expect(formatBytes(-1)).toBe('∞');
    expect(formatBytes(undefined)).toBe('—');
  });

  it("Go's zero time is never", () => {
    expect(isNever('0001-01-01T00:00:00.000Z')).toBe(true);
    expect(formatRelative('0001-01-01T00:00:00Z')).toBe('—');
    expect(isNever('2026-11-26T07:00:00Z')).toBe(false);
  });

  it('relative times in the UI language', () => {
    const now = Date.parse('2026-11-26T12:00:00Z');
    expect(formatRelative('2026-11-26T11:57:00Z', 'en', now)).toBe('3 minutes ago');
    expect(formatRelative('2026-11-24T12:00:00Z', 'en', now)).toBe('2 days ago');
    expect(formatRelative('2026-11-26T11:57:00Z', 'zh-CN', now)).toBe('3分钟前');
  });

  it('short digests as docker prints them', () => {
    expect(shortDigest(`sha256:${'ab'.repeat(32)}`)).toBe('sha256:abababababab');
  });

  it('progress never exceeds 100 and tolerates an unknown total', () => {
    expect(percent(5, 0)).toBe(0);
    expect(percent(3, 4)).toBe(75);
    expect(percent(9, 4)).toBe(100);
  });
});
