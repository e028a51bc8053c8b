import { describe, expect, it } from 'vitest';
import { ZERO_TIME, harborBool, harborTime, harborTimeOrZero, harborTimestamps } from './json-shape.js';

describe('Harbor JSON values', () => {
  it('writes times as RFC 3339 UTC with milliseconds', () => {
    const t = new Date(Date.UTC(2024, 4, 1, 12, 30, 5, 7));
    expect(harborTime(t)).toBe('2024-05-01T12:30:05.007Z');
    expect(harborTime(t)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it('writes an absent time as Go zero time', () => {
    expect(harborTimeOrZero(null)).toBe(ZERO_TIME);
    expect(harborTimeOrZero(undefined)).toBe('0001-01-01T00:00:00.000Z');
    expect(harborTimeOrZero(new Date(0))).toBe('1970-01-01T00:00:00.000Z');
  });

  it('names creation and update times as Harbor does', () => {
    const createdAt = new Date('2024-01-01T00:00:00Z');
    const updatedAt = new Date('2024-01-02T00:00:00Z');
    expect(harborTimestamps({ createdAt, updatedAt })).toEqual({
      creation_time: '2024-01-01T00:00:00.000Z',
      update_time: '2024-01-02T00:00:00.000Z',
    });
    expect(harborBool(true)).toBe('true');
    expect(harborBool(false)).toBe('false');
  });
});
